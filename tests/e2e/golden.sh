# Golden test: the reports for samples/ are byte-identical to the checked-in
# ones, are strict CSV, and a second run gives the same bytes. After a
# deliberate change, review the diff and refresh with tests/update-golden.sh.
. "$(dirname "$0")/../lib.sh"

expect_exit 0 "$WORK/log" "$PF" run --out "$WORK/out" samples/
for f in recommendations.csv needs.csv contributions.csv intakes.csv rejects.csv rule_hits.csv index.html manifest.yaml; do
    if ! cmp -s "tests/golden/$f" "$WORK/out/$f"; then
        diff -u "tests/golden/$f" "$WORK/out/$f" | head -40 >&2 || true
        fail "$f differs from tests/golden/$f"
    fi
    ok "$f matches the golden file"
done
for f in recommendations.csv needs.csv contributions.csv intakes.csv rejects.csv rule_hits.csv; do
    "$CSVCHECK" valid "$WORK/out/$f" || fail "$f is not strict CSV"
    ok "$f is strict RFC 4180 CSV with equal field counts"
done

# determinism: the same run again, and from a copy of the inputs in another order of creation
expect_exit 0 "$WORK/log2" "$PF" run --out "$WORK/again" samples/
for f in recommendations.csv needs.csv contributions.csv intakes.csv rejects.csv rule_hits.csv index.html manifest.yaml; do
    cmp -s "$WORK/out/$f" "$WORK/again/$f" || fail "$f differs between two identical runs"
done
ok "two runs give byte-identical reports"
done_testing
