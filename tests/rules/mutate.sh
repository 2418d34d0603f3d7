#!/bin/sh
# Mutation check of the rule tests: for every rule of the pack, a copy of the
# pack with that one rule changed must make `partnerfit test` fail.
#
#   sh tests/rules/mutate.sh PARTNERFIT SOURCE_DIR WORK_DIR
#
# Two mutations per rule:
#   off    the rule never fires (its `when` returns false): the rule removed.
#          Every rule must be killed by it.
#   inert  the rule fires but its action adds nothing (need {}, score {},
#          exclude {}). Killed only when some test checks what the rule
#          changes (a need level, a score, the shortlist), not only that it
#          fired. Engage rules are skipped ("n/a"): a test cannot see steps.
#
# How a rule is mutated: line 1 of the copied rule file gets a prefix that
# shadows the DSL function `rule` with a local wrapper, which changes the spec
# of the rule with that id before handing it to the real `rule`. This works
# for every formatting, for rules generated in loops (fit.need.<area>,
# engage.contract.<option>) and, shadowing `decide` the same way, for the
# rows of decision tables; it keeps the line numbers of the file. "inert"
# also drops a fit rule's `programmes`.
#
# Rule ids come from the rule_hits.csv of a run over samples/. The tests
# written for the rule's own file (tests/rules/edges/<file>.yaml) run first;
# the whole of tests/rules only when those pass.
#
# Prints one line per rule and mutation ("killed", "SURVIVED", "n/a"), then a
# summary. Exit 0 when every mutant that must be killed was, 1 otherwise, 2
# on a setup error (the unmutated pack fails its tests, a mutant does not load).
#
# Survivors of "inert" accepted (ids, space-separated): shortlist.legacy.
# It excludes a legacy option only once its successor has started, and from
# then on a table's points for the option go to that successor: the legacy
# option holds no points that could put it on a shortlist, so excluding it
# changes none (the gap before the successor starts is shortlist.legacy.gap,
# whose mutant is killed).
INERT_ACCEPTED="shortlist.legacy"

set -eu
if [ $# -lt 3 ]; then
    echo "usage: $0 PARTNERFIT SOURCE_DIR WORK_DIR" >&2
    exit 2
fi
PF=$1
SRC=$2
WORK=$3
case $PF in /*) ;; */*) PF=$(pwd)/$PF ;; esac # a bare name is looked up in PATH
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
cd "$SRC"

TESTS=tests/rules
LOG=$WORK/mutate.log
: >"$LOG"

# the unmutated copy must pass (and the tests must find the pack)
rm -rf "$WORK/rules"
cp -R rules "$WORK/rules"
set +e
"$PF" test --rules "$WORK/rules" "$TESTS" >"$WORK/baseline.log" 2>&1
rc=$?
set -e
if [ $rc -ne 0 ]; then
    cat "$WORK/baseline.log" >&2
    echo "mutate: the rule tests fail on the unmutated pack (exit $rc)" >&2
    exit 2
fi

# rule ids, stages and files, from a run over the samples
set +e
"$PF" run --quiet --out "$WORK/hits" samples/ >"$WORK/run.log" 2>&1
rc=$?
set -e
if [ $rc -ne 0 ] || [ ! -s "$WORK/hits/rule_hits.csv" ]; then
    cat "$WORK/run.log" >&2
    echo "mutate: partnerfit run over samples/ failed (exit $rc)" >&2
    exit 2
fi
# "rule_id","stage","where",... -> id stage file
awk -F'","' 'NR > 1 {
    sub(/^"/, "", $1)
    w = $3; sub(/".*$/, "", w); sub(/:[0-9]+$/, "", w); sub(/^.*\//, "", w)
    print $1, $2, w
}' "$WORK/hits/rule_hits.csv" >"$WORK/rules.txt"
nrules=$(wc -l <"$WORK/rules.txt" | tr -d ' ')
if [ "$nrules" -eq 0 ]; then
    echo "mutate: no rules found in rule_hits.csv" >&2
    exit 2
fi

# mutate ID FILE MODE: writes the mutated pack to $WORK/rules
mutate() {
    case $3 in
        off) body='spec.when = function() return false end' ;;
        inert) body='local f = ({ needs = "need", fit = "score", shortlist = "exclude" })[stage]; if f then spec[f] = {}; spec.programmes = nil end' ;;
    esac
    rm -rf "$WORK/rules"
    cp -R rules "$WORK/rules"
    # rule{} and the rows of decide{} (a row's stage is the table's unless it gives one)
    prefix="local rule = (function(real) return function(spec) if type(spec) == \"table\" and spec.id == \"$1\" then local stage = spec.stage; $body end return real(spec) end end)(rule) "
    prefix="$prefix local decide = (function(real) return function(d) if type(d) == \"table\" and type(d.rows) == \"table\" then for _, spec in ipairs(d.rows) do if type(spec) == \"table\" and spec.id == \"$1\" then local stage = spec.stage or d.stage; $body end end end return real(d) end end)(decide) "
    awk -v p="$prefix" 'NR == 1 { $0 = p $0 } { print }' "rules/$2" >"$WORK/rules/$2"
}

# try ID FILE MODE: prints killed / SURVIVED / ERROR
try() {
    mutate "$1" "$2" "$3"
    echo "== $3 $1" >>"$LOG"
    own=$TESTS/edges/${2%.lua}.yaml
    if [ -f "$own" ]; then
        set +e
        "$PF" test --rules "$WORK/rules" "$own" >>"$LOG" 2>&1
        rc=$?
        set -e
        if [ $rc -eq 1 ]; then echo killed; return; fi
        if [ $rc -ne 0 ]; then echo ERROR; return; fi
    fi
    set +e
    "$PF" test --rules "$WORK/rules" "$TESTS" >>"$LOG" 2>&1
    rc=$?
    set -e
    case $rc in
        1) echo killed ;;
        0) echo SURVIVED ;;
        *) echo ERROR ;;
    esac
}

bad=0
errors=0
n_off=0
k_off=0
n_inert=0
k_inert=0
printf '%-44s %-9s %s\n' "rule" "off" "inert"
while read -r id stage file; do
    off=$(try "$id" "$file" off)
    n_off=$((n_off + 1))
    case $off in
        killed) k_off=$((k_off + 1)) ;;
        SURVIVED) bad=$((bad + 1)) ;;
        *) errors=$((errors + 1)) ;;
    esac
    if [ "$stage" = engage ]; then
        inert=n/a
    else
        inert=$(try "$id" "$file" inert)
        n_inert=$((n_inert + 1))
        case $inert in
            killed) k_inert=$((k_inert + 1)) ;;
            SURVIVED)
                case " $INERT_ACCEPTED " in
                    *" $id "*) inert="SURVIVED (accepted)" ;;
                    *) bad=$((bad + 1)) ;;
                esac
                ;;
            *) errors=$((errors + 1)) ;;
        esac
    fi
    printf '%-44s %-9s %s\n' "$id" "$off" "$inert"
done <"$WORK/rules.txt"

echo "$nrules rules: off $k_off/$n_off killed, inert $k_inert/$n_inert killed (engage rules n/a); log in $LOG"
if [ $errors -ne 0 ]; then
    echo "mutate: $errors mutant(s) did not load or crashed the test runner; see $LOG" >&2
    exit 2
fi
if [ $bad -ne 0 ]; then
    echo "mutate: $bad mutant(s) SURVIVED: add a test case that fails when that rule is removed or does nothing" >&2
    exit 1
fi
exit 0
