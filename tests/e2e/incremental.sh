# --incremental reuses the rows of unchanged files and gives reports
# byte-identical to a full run: after edits, deletions, additions, a new
# duplicate id, a changed bulk file; and evaluates everything again when
# a rule changes.
. "$(dirname "$0")/../lib.sh"

in=$WORK/in
mkdir -p "$in"
cp samples/*.yaml "$in/"
{ printf -- '---\n'; sed 's/^id: .*/id: bulk-1/' samples/atlas-marine.yaml;
  printf -- '---\n'; sed 's/^id: .*/id: bulk-2/' samples/kestrel-dental.yaml; } > "$in/zz-bulk.yaml"
printf 'id: [broken\n' > "$in/broken.yaml"
out=$WORK/out

same_as_full() {
    expect_exit "$1" "$WORK/full.log" "$PF" run --out "$WORK/full" "$in"
    # the incremental manifest also names its state file (state:), which a
    # full run does not write; everything else must be the same
    awk '/^state:/ {skip = 1; next} skip && /^ / {next} {skip = 0; print}' \
        "$out/manifest.yaml" >"$out/manifest.nostate"
    [ "$out/manifest.nostate" ] && grep -q '^state:' "$out/manifest.yaml" ||
        fail "the incremental run's manifest does not name its state ($2)"
    cp "$WORK/full/manifest.yaml" "$WORK/full/manifest.nostate"
    for f in recommendations.csv needs.csv contributions.csv intakes.csv index.html rejects.csv rule_hits.csv manifest.nostate; do
        if ! cmp -s "$out/$f" "$WORK/full/$f"; then
            diff "$out/$f" "$WORK/full/$f" | head -10 >&2 || true
            fail "$f of the incremental run differs from a full run's ($2)"
        fi
    done
    ok "incremental = full run: $2"
}

expect_exit 1 "$WORK/log" "$PF" run --incremental --out "$out" "$in"
contains "$WORK/log" "no previous state"
contains "$WORK/log" "0 intakes reused"
same_as_full 1 "first run"

expect_exit 1 "$WORK/log" "$PF" run --incremental --out "$out" "$in"
n=$(($(ls samples/*.yaml | wc -l) + 3)) # the samples, two bulk intakes, the broken one
contains "$WORK/log" "$n intakes reused"
same_as_full 1 "nothing changed"

sed -i 's/^  strategy: [0-9]/  strategy: 5/' "$in/kestrel-dental.yaml"
rm "$in/lumenfeld-software.yaml"
sed 's/^id: .*/id: brand-new/' samples/polaris-retail.yaml > "$in/new.yaml"
sed 's/^id: .*/id: thornbury-council/' samples/atlas-marine.yaml > "$in/aa-dup.yaml"
sed -i 's/^id: bulk-2/id: bulk-two/' "$in/zz-bulk.yaml"
expect_exit 1 "$WORK/log" "$PF" run --incremental --out "$out" "$in"
same_as_full 1 "an edit, a deletion, an addition, a new duplicate, a changed bulk file"
contains "$out/rejects.csv" "thornbury-council"

# with --excel every file starts with a BOM, the state file too: the
# records are still found where the state says they are
expect_exit 1 "$WORK/log" "$PF" run --incremental --out "$WORK/pl" "$in"
expect_exit 1 "$WORK/log" "$PF" run --incremental --out "$WORK/pl" "$in"
reused=$(grep -o '[0-9]* intakes reused' "$WORK/log")
[ -n "$reused" ] || fail "no reuse count in $WORK/log"
expect_exit 1 "$WORK/log" "$PF" run --excel --incremental --out "$WORK/xl" "$in"
expect_exit 1 "$WORK/log" "$PF" run --excel --incremental --out "$WORK/xl" "$in"
contains "$WORK/log" "$reused"
expect_exit 1 "$WORK/full.log" "$PF" run --excel --out "$WORK/xl-full" "$in"
for f in recommendations.csv needs.csv contributions.csv intakes.csv index.html rejects.csv rule_hits.csv; do
    cmp -s "$WORK/xl/$f" "$WORK/xl-full/$f" || fail "$f of an --excel incremental run differs"
done
ok "--excel: as many intakes reused as without ($reused), reports identical to a full --excel run"

cp -r rules "$WORK/rules"
echo 'rule { id = "t.extra", stage = "fit", because = "test", score = { csp = 1 } }' > "$WORK/rules/99-extra.lua"
expect_exit 1 "$WORK/log" "$PF" run --incremental --rules "$WORK/rules" --out "$out" "$in"
contains "$WORK/log" "from other rules, policy, options or reports"
contains "$WORK/log" "0 intakes reused"
ok "a changed rule pack evaluates every intake again"
# a run without --incremental into the same folder rewrites the reports;
# the state left from before no longer describes them and must not be
# used (it would copy other intakes' rows from the new files)
expect_exit 1 "$WORK/log" "$PF" run --incremental --out "$out" "$in"
sed -i 's/^id: brand-new/id: brand-newer/' "$in/new.yaml"
rm "$in/atlas-marine.yaml"
expect_exit 1 "$WORK/log" "$PF" run --out "$out" "$in"
expect_exit 1 "$WORK/log" "$PF" run --incremental --out "$out" "$in"
contains "$WORK/log" "does not belong to the reports there"
contains "$WORK/log" "0 intakes reused"
same_as_full 1 "a plain run between two incremental ones"
ok "a state left behind by a run without --incremental is not reused"

# a damaged record (here: cut in half) refuses the whole state, never
# drops the intake it described
expect_exit 1 "$WORK/log" "$PF" run --incremental --out "$out" "$in"
state=$out/partnerfit-state.csv
line=$(grep -n "kestrel-dental" "$state" | head -n 1 | cut -d: -f1)
[ -n "$line" ] || fail "test setup: kestrel-dental not in the state"
awk -v n="$line" 'NR == n { print substr($0, 1, 20) "\"" ; next } { print }' "$state" >"$state.new"
mv "$state.new" "$state"
expect_exit 1 "$WORK/log" "$PF" run --incremental --out "$out" "$in"
if ! grep -q "is damaged\|does not belong" "$WORK/log"; then cat "$WORK/log" >&2; fail "a damaged state was used"; fi
contains "$WORK/log" "0 intakes reused"
same_as_full 1 "a damaged state record"
ok "a damaged state record refuses the whole state; every intake is evaluated again"
done_testing
