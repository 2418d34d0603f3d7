# The rule tests in tests/rules pass on the shipped pack, and a wrong
# expectation fails with exit 1, saying what was expected and what came out,
# followed by the trace of the intake.
. "$(dirname "$0")/../lib.sh"

# run_test OUT ARGS...: partnerfit test ARGS, stdout+stderr to OUT; sets $rc
run_test() {
    out=$1
    shift
    set +e
    "$PF" test "$@" >"$out" 2>&1
    rc=$?
    set -e
}

# no_cost_error LOG: the failure text was not replaced by the sandbox's
# pattern-cost error (the prelude formats the trace with string patterns)
no_cost_error() {
    if grep -q "is too costly on a text of" "$1"; then
        cat "$1" >&2
        fail "the failure text is replaced by the sandbox's pattern-cost error (prelude P.test on a trace over 10 KB)"
    fi
}

# 1. the shipped tests pass (the default folder is tests/rules)
run_test "$WORK/pass.log" tests/rules
[ "$rc" -eq 0 ] || { cat "$WORK/pass.log" >&2; fail "partnerfit test tests/rules: exit $rc, expected 0"; }
last=$(tail -n 1 "$WORK/pass.log")
case $last in
    *" passed, 0 failed") ;;
    *) fail "unexpected last line: $last" ;;
esac
n=${last%% *}
[ "$n" -ge 100 ] || fail "only $n rule test cases ran"
ok "tests/rules: $last"

run_test "$WORK/default.log"
[ "$rc" -eq 0 ] || { cat "$WORK/default.log" >&2; fail "partnerfit test (default folder): exit $rc"; }
[ "$(tail -n 1 "$WORK/default.log")" = "$last" ] || fail "the default folder is not tests/rules"
ok "partnerfit test with no path runs tests/rules"

# 2. a deliberately wrong expectation fails, with expected vs actual and the
#    trace: first on a small inline intake, then on a sample (a long trace)
cat >"$WORK/wrong-inline.yaml" <<'YAML'
name: deliberately wrong top, small intake
intake:
  id: small
  assessed_on: 2026-01-01
  organisation: {name: Small}
  maturity: {strategy: 3, plan: 3, ready: 3, migrate: 3, innovate: 3, govern: 3, manage: 3}
  culture: {approach: offload, executive_sponsor: true}
expect: {top: csp, fired: [fit.culture.augment_staff]}
YAML
run_test "$WORK/wrong-inline.log" "$WORK/wrong-inline.yaml"
[ "$rc" -eq 1 ] || { cat "$WORK/wrong-inline.log" >&2; fail "a wrong expectation: exit $rc, expected 1"; }
contains "$WORK/wrong-inline.log" "FAIL $WORK/wrong-inline.yaml:1: deliberately wrong top, small intake"
no_cost_error "$WORK/wrong-inline.log"
contains "$WORK/wrong-inline.log" "expected top: csp"
contains "$WORK/wrong-inline.log" "got top: azure_expert_msp"
contains "$WORK/wrong-inline.log" "expected rule fit.culture.augment_staff to fire: fired"
contains "$WORK/wrong-inline.log" "trace of the intake:"
contains "$WORK/wrong-inline.log" "fired fit.culture.offload"
[ "$(tail -n 1 "$WORK/wrong-inline.log")" = "0 passed, 1 failed" ] || fail "last line: $(tail -n 1 "$WORK/wrong-inline.log")"
ok "a wrong top on an inline intake fails with exit 1, expected vs got and the trace"

cat >"$WORK/wrong.yaml" <<YAML
cases:
  - name: right
    intake: $SRC/samples/nordfjord-freight.yaml
    expect: {top: azure_accelerate}
  - name: deliberately wrong top
    intake: $SRC/samples/nordfjord-freight.yaml
    expect: {top: csp}
YAML
run_test "$WORK/wrong.log" "$WORK/wrong.yaml"
[ "$rc" -eq 1 ] || { cat "$WORK/wrong.log" >&2; fail "a wrong expectation: exit $rc, expected 1"; }
contains "$WORK/wrong.log" "FAIL $WORK/wrong.yaml:5: deliberately wrong top"
no_cost_error "$WORK/wrong.log"
contains "$WORK/wrong.log" "expected top: csp"
contains "$WORK/wrong.log" "got top: azure_accelerate"
contains "$WORK/wrong.log" "trace of the intake:"
contains "$WORK/wrong.log" "Stage 1. needs"
contains "$WORK/wrong.log" "fired fit.time.exit_near"
contains "$WORK/wrong.log" "Ranking (shortlist of 3, minimum score 20)"
[ "$(tail -n 1 "$WORK/wrong.log")" = "1 passed, 1 failed" ] || fail "last line: $(tail -n 1 "$WORK/wrong.log")"
ok "a wrong top on a sample fails with exit 1, expected vs got and the whole trace"

# 2b. next steps per option: the engage rules that gave them, exactly and in
#     order; a wrong list fails, and a list naming a rule of another stage,
#     an unknown option or a scalar is a bad expectation
cat >"$WORK/steps.yaml" <<YAML
cases:
  - name: steps right
    intake: $SRC/samples/skagerrak-sparebank.yaml
    expect:
      steps: {azure_expert_msp: [engage.msp.regulated, engage.contract.azure_expert_msp], csp: []}
  - name: steps in the wrong order
    intake: $SRC/samples/skagerrak-sparebank.yaml
    expect:
      steps: {azure_expert_msp: [engage.contract.azure_expert_msp, engage.msp.regulated]}
  - name: steps naming a fit rule, an unknown option and a scalar
    intake: $SRC/samples/skagerrak-sparebank.yaml
    expect:
      steps: {azure_support: [fit.scale.enterprise], no_such_option: [], csp: engage.msp.regulated}
YAML
run_test "$WORK/steps.log" "$WORK/steps.yaml"
[ "$rc" -eq 1 ] || { cat "$WORK/steps.log" >&2; fail "wrong steps: exit $rc, expected 1"; }
contains "$WORK/steps.log" "ok   $WORK/steps.yaml:2: steps right"
contains "$WORK/steps.log" "expected steps of azure_expert_msp: [engage.contract.azure_expert_msp, engage.msp.regulated]"
contains "$WORK/steps.log" "got steps of azure_expert_msp: [engage.msp.regulated, engage.contract.azure_expert_msp]"
contains "$WORK/steps.log" "steps: rule 'fit.scale.enterprise' is a fit rule, not an engage rule"
contains "$WORK/steps.log" "steps: option 'no_such_option' is not in the catalogue"
contains "$WORK/steps.log" "steps: csp must be a list of engage rule ids ([] for none)"
[ "$(tail -n 1 "$WORK/steps.log")" = "1 passed, 2 failed" ] || fail "last line: $(tail -n 1 "$WORK/steps.log")"
ok "steps: the engage rules per option are checked exactly; bad step expectations fail"

# says: texts a row's next steps must contain, word for word
cat >"$WORK/says.yaml" <<YAML
cases:
  - name: says right
    intake: $SRC/samples/skagerrak-sparebank.yaml
    expect:
      says: {azure_support: ["open the negotiation now"]}
  - name: says a text the row does not have
    intake: $SRC/samples/skagerrak-sparebank.yaml
    expect:
      says: {azure_support: ["upgrade now"]}
  - name: says with a scalar, an empty list, a number and an unknown option
    intake: $SRC/samples/skagerrak-sparebank.yaml
    expect:
      says: {csp: "text", azure_support: [], azure_expert_msp: [3], no_such_option: [x]}
YAML
run_test "$WORK/says.log" "$WORK/says.yaml"
[ "$rc" -eq 1 ] || { cat "$WORK/says.log" >&2; fail "wrong says: exit $rc, expected 1"; }
contains "$WORK/says.log" "ok   $WORK/says.yaml:2: says right"
contains "$WORK/says.log" "expected next steps of azure_support: a text containing \"upgrade now\""
contains "$WORK/says.log" "says: csp must be a list of texts its next steps contain"
contains "$WORK/says.log" "says: azure_support must be a list of texts its next steps contain"
contains "$WORK/says.log" "says: azure_expert_msp: 3 is not a text"
contains "$WORK/says.log" "says: option 'no_such_option' is not in the catalogue"
[ "$(tail -n 1 "$WORK/says.log")" = "1 passed, 2 failed" ] || fail "last line: $(tail -n 1 "$WORK/says.log")"
ok "says: a text the next steps lack fails the case; bad says expectations fail"

# 3. an inline intake that the schema rejects fails the case, with the reason
cat >"$WORK/rejected.yaml" <<'YAML'
name: inline intake with a misspelt answer
intake:
  id: bad
  assessed_on: 2026-01-01
  organisation: {name: Bad}
  maturity: {strategy: 3, plan: 3, ready: 3, migrate: 3, innovate: 3, govern: 3, manage: 3}
  culture: {approach: augment_staf}
expect: {top: csp}
YAML
run_test "$WORK/rejected.log" "$WORK/rejected.yaml"
[ "$rc" -eq 1 ] || { cat "$WORK/rejected.log" >&2; fail "a rejected inline intake: exit $rc, expected 1"; }
contains "$WORK/rejected.log" "the intake was rejected"
contains "$WORK/rejected.log" 'did you mean "augment_staff"?'
ok "a rejected inline intake fails its case with the schema's reason"

# 4. --name runs only the matching cases; --junit writes JUnit XML a CI server
# reads: one testcase per case run, failures with their text, names escaped
run_test "$WORK/name.log" --name kestrel tests/rules/samples.yaml
[ "$rc" -eq 0 ] || { cat "$WORK/name.log" >&2; fail "--name kestrel: exit $rc, expected 0"; }
[ "$(grep -c '^ok ' "$WORK/name.log")" = 1 ] || { cat "$WORK/name.log" >&2; fail "--name kestrel: one case expected"; }
contains "$WORK/name.log" "kestrel-dental"
contains "$WORK/name.log" "1 passed, 0 failed, "
run_test "$WORK/noname.log" --name "no such case" tests/rules/samples.yaml
[ "$rc" -eq 2 ] || fail "--name matching nothing: exit $rc, expected 2"
contains "$WORK/noname.log" "no test case's name contains 'no such case'"
cat >"$WORK/junit-cases.yaml" <<'YAML'
cases:
  - name: kestrel <offload> & "one invoice"
    intake: SAMPLES/kestrel-dental.yaml
    expect: {top: azure_expert_msp}
  - name: kestrel with a wrong top
    intake: SAMPLES/kestrel-dental.yaml
    expect: {top: self_service}
YAML
sed -i "s|SAMPLES|$SRC/samples|" "$WORK/junit-cases.yaml"
run_test "$WORK/junit.log" --junit "$WORK/junit.xml" "$WORK/junit-cases.yaml"
[ "$rc" -eq 1 ] || { cat "$WORK/junit.log" >&2; fail "--junit with a failing case: exit $rc, expected 1"; }
xmllint --noout "$WORK/junit.xml" || fail "--junit wrote XML that does not parse"
[ "$(xmllint --xpath 'string(/testsuite/@tests)' "$WORK/junit.xml")" = 2 ] &&
    [ "$(xmllint --xpath 'string(/testsuite/@failures)' "$WORK/junit.xml")" = 1 ] &&
    [ "$(xmllint --xpath 'count(//testcase/failure)' "$WORK/junit.xml")" = 1 ] ||
    { cat "$WORK/junit.xml" >&2; fail "--junit: expected 2 tests, 1 failure"; }
[ "$(xmllint --xpath 'string(//testcase[1]/@name)' "$WORK/junit.xml")" = 'kestrel <offload> & "one invoice"' ] ||
    { cat "$WORK/junit.xml" >&2; fail "--junit: the case name did not survive escaping"; }
xmllint --xpath 'string(//testcase[2]/failure)' "$WORK/junit.xml" | grep -q "self_service" ||
    { cat "$WORK/junit.xml" >&2; fail "--junit: the failure text is missing"; }
ok "--name runs only the matching cases (exit 2 when none); --junit writes parseable JUnit XML with the failure text"

done_testing
