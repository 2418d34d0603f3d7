# The Python reference of the rule pack (bench/reference.py) writes the same
# reports as partnerfit, on the samples and on 1,000 generated intakes: a
# change to rules/ or policies/ that the reference does not follow fails
# here, not only in a benchmark run.
. "$(dirname "$0")/../lib.sh"

python3 -c "import yaml" 2>/dev/null || fail "PyYAML (python3-yaml, installed by .ci/install-deps) is missing"
# lib.sh runs from the source folder: the source column reads samples/x.yaml
# as in the golden files, and the reference finds policies/ there
python3 bench/reference.py run -q --out "$WORK/py" samples || fail "the reference failed on samples/"
for f in recommendations.csv needs.csv; do
    cmp -s "$WORK/py/$f" "$SRC/tests/golden/$f" || fail "the reference's $f differs from tests/golden/$f"
done
ok "the reference writes the golden reports for samples/"

CC=${CC:-cc}
"$CC" -O1 -o "$WORK/gen_intakes" "$SRC/bench/gen_intakes.c" || fail "cannot build bench/gen_intakes.c"
"$WORK/gen_intakes" -n 1000 -s 23 -o "$WORK/corpus" >/dev/null || fail "the generator failed"
set +e
"$PF" run --quiet --jobs 1 --out "$WORK/pf" "$WORK/corpus" >"$WORK/log" 2>&1
rc=$?
set -e
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "partnerfit run exited $rc"
set +e
python3 bench/reference.py run -q --out "$WORK/py2" "$WORK/corpus" >"$WORK/py2.log" 2>&1
rc=$?
set -e
# 1, as for partnerfit: the generator writes a few broken intakes on purpose
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || { tail -5 "$WORK/py2.log" >&2; fail "the reference exited $rc on the corpus"; }
python3 bench/reference.py compare "$WORK/pf" "$WORK/py2" >"$WORK/compare" 2>&1 || true
contains "$WORK/compare" "compare.identical_recommendations yes"
contains "$WORK/compare" "compare.identical_needs yes"
ok "the reference and partnerfit write byte-identical reports for 1,000 generated intakes"
done_testing
