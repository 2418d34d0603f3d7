# Bulk files: one YAML file holding many intakes as documents separated by
# "---", each accounted for with its own line numbers; the file size cap;
# the progress line only on a terminal; the same reports for any --jobs.
. "$(dirname "$0")/../lib.sh"

in=$WORK/in
mkdir -p "$in"
doc() {
    cat <<YAML
---
id: $1
assessed_on: 2026-01-15
organisation: {name: Bulk $1}
maturity: {strategy: 2, plan: 2, ready: 1, migrate: 1, innovate: 1, govern: 1, manage: 1}
culture: {approach: offload, self_service_preference: low, risk_tolerance: low, executive_sponsor: true}
YAML
}
{ doc bulk-1; doc bulk-2; printf -- '---\nid: bulk-3\n'; doc bulk-1; doc bulk-5; } > "$in/export.yaml"
expect_exit 1 "$WORK/log" "$PF" run --out "$WORK/out" "$in"
rec=$WORK/out/recommendations.csv
rej=$WORK/out/rejects.csv
for n in 1 2 5; do
    grep -q "^\"bulk-$n\",.*\"$in/export.yaml#" "$rec" || fail "bulk-$n was not evaluated"
done
contains "$rec" "\"$in/export.yaml#5\""
ok "every valid document of a bulk file is evaluated, its source marked #N"
contains "$rej" "\"$in/export.yaml\",14,1,\"assessed_on\",\"schema.required\","
ok "an invalid document is rejected at its own line"
contains "$rej" "\"$in/export.yaml\",16,5,\"id\",\"intake.duplicate_id\",\"the id \"\"bulk-1\"\" is already used by $in/export.yaml (line 2)"
ok "an id used twice in one bulk file is rejected the second time"
contains "$WORK/out/manifest.yaml" "files: 1"
contains "$WORK/out/manifest.yaml" "intakes: 5"
contains "$WORK/out/manifest.yaml" "evaluated: 3"
contains "$WORK/out/manifest.yaml" "rejected: 2"
ok "the manifest counts files and intakes"

# a syntax error in the middle ends the file there: earlier documents stay
{ doc ok-1; printf -- '---\nid: [broken\n'; doc lost-3; } > "$in/export.yaml"
expect_exit 1 "$WORK/log" "$PF" run --out "$WORK/out2" "$in"
grep -q '^"ok-1",' "$WORK/out2/recommendations.csv" || fail "the document before the error was lost"
contains "$WORK/out2/rejects.csv" "\"yaml.syntax\""
contains "$WORK/out2/manifest.yaml" "intakes: 2"
ok "a syntax error rejects the rest of the file, and keeps what came before"

# the file size cap, and --max-file-mb to raise it for exports
rm "$in/export.yaml"
i=0
while [ $i -lt 4000 ]; do doc "big-$i"; i=$((i + 1)); done > "$in/big.yaml"
expect_exit 1 "$WORK/log" "$PF" run --out "$WORK/big1" "$in"
contains "$WORK/big1/rejects.csv" '"io.size","the file is'
expect_exit 1 "$WORK/log" "$PF" run --max-file-mb 8 --out "$WORK/big1b" "$in"
contains "$WORK/big1b/rejects.csv" '"yaml.documents","the file holds more than 1000 intakes'
contains "$WORK/big1b/manifest.yaml" "evaluated: 1000"
expect_exit 0 "$WORK/log" "$PF" run --max-file-mb 8 --max-file-docs 5000 --jobs 1 --out "$WORK/big2" "$in"
contains "$WORK/big2/manifest.yaml" "evaluated: 4000"
expect_exit 0 "$WORK/log" "$PF" run --max-file-mb 8 --max-file-docs 5000 --jobs 2 --out "$WORK/big3" "$in"
for f in recommendations.csv needs.csv rejects.csv rule_hits.csv manifest.yaml; do
    cmp -s "$WORK/big2/$f" "$WORK/big3/$f" || fail "$f differs between --jobs 1 and --jobs 2"
done
ok "a 4000-intake bulk file needs --max-file-mb and --max-file-docs, and gives the same bytes with 1 or 2 jobs"

# progress: nothing when stderr is not a terminal; a line when it is
expect_exit 0 "$WORK/log" "$PF" run --max-file-mb 8 --max-file-docs 5000 --out "$WORK/big2" "$in"
if grep -q "files," "$WORK/log"; then fail "progress was printed to a file"; fi
if command -v script >/dev/null 2>&1; then
    script -qec "\"$PF\" run --max-file-mb 8 --max-file-docs 5000 --out \"$WORK/big2\" \"$in\"" /dev/null > "$WORK/tty.log" 2>&1 || true
    contains "$WORK/tty.log" "1/1 files, 4000 intakes"
    script -qec "\"$PF\" run -q --max-file-mb 8 --max-file-docs 5000 --out \"$WORK/big2\" \"$in\"" /dev/null > "$WORK/tty-q.log" 2>&1 || true
    if grep -q "files," "$WORK/tty-q.log"; then fail "-q still printed the progress line"; fi
    ok "a progress line on a terminal only, and not with -q"
fi
done_testing
