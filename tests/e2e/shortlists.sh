# Every sample's shortlist matches the one written down for it, in rank
# order, in tests/expected/shortlists.txt (with the reasoning).
. "$(dirname "$0")/../lib.sh"

expect_exit 0 "$WORK/log" "$PF" run --out "$WORK/out" samples/
"$CSVCHECK" shortlists "$WORK/out/recommendations.csv" tests/expected/shortlists.txt ||
    fail "shortlists differ from tests/expected/shortlists.txt"
# every sample evaluated, none rejected
n=$(ls samples/*.yaml | wc -l)
contains "$WORK/out/manifest.yaml" "evaluated: $n"
ok "all $n samples evaluated"
done_testing
