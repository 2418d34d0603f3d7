# A scheduled run never loses the last good reports: a PATH that does not
# exist is a usage error (exit 2), a run that finds no intake file writes
# nothing (exit 7) unless --allow-empty, --max-drop refuses a run whose
# file count fell too far against the previous manifest; intake files are
# found whatever the case of their extension; an output folder inside the
# folder read is not read back as input.
. "$(dirname "$0")/../lib.sh"

out=$WORK/out
expect_exit 0 "$WORK/log" "$PF" run --quiet --out "$out" samples/
for f in recommendations.csv needs.csv rejects.csv rule_hits.csv manifest.yaml; do
    cp "$out/$f" "$WORK/good-$f"
done
unchanged() { # what: the reports are still the good ones
    for f in recommendations.csv needs.csv rejects.csv rule_hits.csv manifest.yaml; do
        cmp -s "$out/$f" "$WORK/good-$f" || fail "$1 changed $f"
    done
}

# a typo in the folder name
expect_exit 2 "$WORK/log" "$PF" run --quiet --out "$out" samplez/
contains "$WORK/log" "samplez/: No such file or directory"
contains "$WORK/log" "no reports written"
unchanged "a missing PATH"
# one good PATH and one missing: still a usage error
expect_exit 2 "$WORK/log" "$PF" run --quiet --out "$out" samples/ "$WORK/nowhere"
unchanged "a missing second PATH"
ok "a PATH that does not exist exits 2 and leaves the reports alone"

# an empty folder (a share that did not mount), and one with no intake in it
mkdir -p "$WORK/empty" "$WORK/notes"
echo "not an intake" > "$WORK/notes/readme.txt"
for dir in "$WORK/empty" "$WORK/notes"; do
    expect_exit 7 "$WORK/log" "$PF" run --quiet --out "$out" "$dir"
    contains "$WORK/log" "no intake file"
    unchanged "a run with no intake ($dir)"
done
ok "a run that finds no intake exits 7 and writes nothing"
# unless the operator says an empty run is fine
expect_exit 0 "$WORK/log" "$PF" run --quiet --allow-empty --out "$WORK/out-empty" "$WORK/empty"
[ "$(wc -l <"$WORK/out-empty/recommendations.csv")" -eq 1 ] || fail "--allow-empty: not a header alone"
contains "$WORK/out-empty/manifest.yaml" "files: 0"
ok "--allow-empty writes empty reports and exits 0"

# --max-drop: 3 files where the last run had 15 is an 80 % drop
mkdir -p "$WORK/few"
for f in $(ls samples/*.yaml | head -n 3); do cp "$f" "$WORK/few/"; done
expect_exit 7 "$WORK/log" "$PF" run --quiet --max-drop 50 --out "$out" "$WORK/few"
contains "$WORK/log" "3 intake files found, 15 in the previous run"
unchanged "a run refused by --max-drop"
expect_exit 7 "$WORK/log" "$PF" run --quiet --max-drop 79% --out "$out" "$WORK/few"
# within the allowed drop the run goes ahead
# exactly 80 % fewer is not more than 80 % (against a copy of the good run)
cp -r "$out" "$WORK/out-copy"
expect_exit 0 "$WORK/log" "$PF" run --quiet --max-drop 80 --out "$WORK/out-copy" "$WORK/few"
contains "$WORK/out-copy/manifest.yaml" "files: 3"
expect_exit 0 "$WORK/log" "$PF" run --quiet --max-drop 85 --out "$out" "$WORK/few"
[ "$(grep -c '^' "$out/needs.csv")" -lt "$(grep -c '^' "$WORK/good-needs.csv")" ] ||
    fail "--max-drop 85: the smaller run did not replace the reports"
for bad in 0 101 x 50%x; do
    expect_exit 2 "$WORK/log" "$PF" run --quiet --max-drop "$bad" --out "$out" "$WORK/few"
    contains "$WORK/log" "--max-drop takes a share from 1 to 100"
done
ok "--max-drop refuses a run whose file count fell too far, and only then"

# extensions in any case are intakes; other files are not
mkdir -p "$WORK/case"
cp samples/$(ls samples | grep '\.yaml$' | head -n 1) "$WORK/case/Kestrel.YAML"
sed 's/^id: .*/id: kestrel-yml/' "$WORK/case/Kestrel.YAML" > "$WORK/case/other.Yml"
cp "$WORK/case/Kestrel.YAML" "$WORK/case/ignored.yaml.bak"
expect_exit 0 "$WORK/log" "$PF" run --quiet --out "$WORK/out-case" "$WORK/case"
contains "$WORK/out-case/recommendations.csv" "Kestrel.YAML"
contains "$WORK/out-case/recommendations.csv" "other.Yml"
grep -q "ignored.yaml.bak" "$WORK/out-case/recommendations.csv" "$WORK/out-case/rejects.csv" &&
    fail "a .bak file was read as an intake"
contains "$WORK/out-case/manifest.yaml" "files: 2"
ok "Kestrel.YAML and other.Yml are read; intake.yaml.bak is not"

# reports written into the folder read (--out D D, or --out D/reports D):
# the run's own manifest is no intake on the next night's run
for sub in "" /reports; do
    d=$WORK/inside
    rm -rf "$d"
    mkdir -p "$d"
    cp samples/atlas-marine.yaml "$d/"
    for night in 1 2; do
        expect_exit 0 "$WORK/log" "$PF" run --quiet --out "$d$sub" "$d"
        contains "$d$sub/manifest.yaml" "files: 1"
        [ "$(wc -l <"$d$sub/rejects.csv")" -eq 1 ] || fail "--out $d$sub: night $night has rejects"
    done
done
ok "reports written inside the folder read: the next run does not read its manifest as an intake"

# a messy intake: 25 mistakes, 20 listed and one row saying how many more
mkdir -p "$WORK/messy"
f=$(ls samples/*.yaml | head -n 1)
{ cat "$f"; i=1; while [ $i -le 25 ]; do echo "extra_field_$i: 1"; i=$((i + 1)); done; } \
    > "$WORK/messy/messy.yaml"
expect_exit 1 "$WORK/log" "$PF" run --quiet --out "$WORK/out-messy" "$WORK/messy"
[ "$(grep -c 'unknown field' "$WORK/out-messy/rejects.csv")" -eq 20 ] ||
    fail "expected the first 20 problems listed"
contains "$WORK/out-messy/rejects.csv" "and 5 more problems not listed here"
ok "every problem of a messy intake is accounted for: 20 listed, 'and 5 more'"

done_testing
