# The two rule paths agree byte for byte (issue 16): every report of
# `partnerfit run` over the samples, a generated corpus and the calibration
# set's intakes, the output of
# `partnerfit test` over the calibration set (tests/cases) and the rule
# tests (tests/rules), and explain, with PF_RULE_PATH=lua and with
# PF_RULE_PATH=native (declarative conditions evaluated in C, pf_native.h);
# and a pack with conditions only Lua can answer (they raise, or read
# through a value that is not a table) gives the same reports and rejects.
# Called as: sh rule_path.sh PARTNERFIT SOURCE_DIR WORK_DIR CSVCHECK GEN_INTAKES [COUNT]
. "$(dirname "$0")/lib.sh"
GEN=$5
COUNT=${6:-2000}

# both NAME ARGS...: `partnerfit ARGS --out DIR` on each path, then every file cmp'd
both() {
    name=$1
    shift
    for path in lua native; do
        PF_RULE_PATH=$path "$PF" "$@" --out "$WORK/$name.$path" >"$WORK/$name.$path.log" 2>&1 || true
    done
    [ -s "$WORK/$name.lua/recommendations.csv" ] || { cat "$WORK/$name.lua.log" >&2; fail "$name: no reports"; }
    n=0
    for f in "$WORK/$name.lua"/*; do
        b=$(basename "$f")
        cmp "$f" "$WORK/$name.native/$b" || fail "$name: $b differs between the Lua and the native path"
        n=$((n + 1))
    done
    [ "$(ls "$WORK/$name.native" | wc -l)" -eq "$n" ] || fail "$name: the native path wrote other files"
    cmp "$WORK/$name.lua.log" "$WORK/$name.native.log" || fail "$name: the messages differ"
    ok "$name: $n files identical on both paths"
}

# both_out NAME ARGS...: stdout and stderr of `partnerfit ARGS` on each path, cmp'd
both_out() {
    name=$1
    shift
    for path in lua native; do
        set +e
        PF_RULE_PATH=$path "$PF" "$@" >"$WORK/$name.$path.out" 2>&1
        echo "exit $?" >>"$WORK/$name.$path.out"
        set -e
    done
    cmp "$WORK/$name.lua.out" "$WORK/$name.native.out" || fail "$name: output differs between the paths"
    ok "$name: identical on both paths ($(tail -n 1 "$WORK/$name.lua.out"))"
}

both samples run -q --jobs 1 samples
both samples-jobs2 run -q --jobs 2 samples
"$GEN" -n "$COUNT" -s 16 -o "$WORK/corpus" >/dev/null || fail "the generator failed"
both corpus run -q --jobs 2 "$WORK/corpus"
# the calibration set's intakes as one batch: `partnerfit test` traces,
# and traces always take the Lua path, so only a run puts them through C
python3 tests/tools/case_intakes.py "$WORK/calibration" >/dev/null ||
    fail "could not extract the calibration intakes"
[ "$(ls "$WORK/calibration" | wc -l)" -ge 100 ] || fail "fewer calibration intakes than expected"
both calibration-run run -q --jobs 1 "$WORK/calibration"
[ "$(wc -l <"$WORK/calibration-run.native/rejects.csv")" -eq 1 ] ||
    fail "calibration intakes were rejected: $(sed -n 2p "$WORK/calibration-run.native/rejects.csv")"
both_out calibration test tests/cases
both_out rule-tests test tests/rules
both_out explain explain samples/atlas-marine.yaml

# conditions the C evaluator hands back to Lua: a comparison with nil
# (raises: the intake is rejected with the rule's error), a field of a text
# (Lua reads string methods), # of a text
mkdir -p "$WORK/rules"
cp rules/*.lua "$WORK/rules/"
cat >"$WORK/rules/99-fallback.lua" <<'LUA'
rule { id = "fit.zz.text_field", stage = "fit", because = "A field of a text.",
       when = "f.approach.len ~= nil and #f.approach > 3", score = { csp = 1 } }
rule { id = "fit.zz.nil_order", stage = "fit", because = "An order with nil.",
       when = "f.approach == 'offload' and f.exit_days < 30", score = { csp = 1 } }
LUA
both fallback run -q --jobs 1 --rules "$WORK/rules" samples "$WORK/corpus"
grep -q "attempt to compare" "$WORK/fallback.native/rejects.csv" ||
    fail "the fallback pack raised nothing: the test no longer covers a condition that raises"
ok "a condition that raises is rejected the same way on both paths"

# a fact that raises while a condition evaluated in C reads it: the
# reject names the rule whose condition read it, as on the Lua path
rm -f "$WORK/rules/99-fallback.lua"
cat >"$WORK/rules/99-fact-raises.lua" <<'LUA'
fact { id = "zz_raises", doc = "Raises for an organisation that offloads.",
       value = function(intake) if intake.culture.approach == "offload" then error("zz fact failed") end return 1 end }
rule { id = "fit.zz.reads_raising_fact", stage = "fit", because = "Reads a fact that raises.",
       when = "f.zz_raises == 2", score = { csp = 1 } }
LUA
both fact-raises run -q --jobs 1 --rules "$WORK/rules" samples "$WORK/corpus"
grep -q "fit.zz.reads_raising_fact" "$WORK/fact-raises.native/rejects.csv" ||
    fail "the raising fact was not blamed on the rule that read it"
ok "a fact that raises inside a native condition is blamed on the same rule on both paths"
echo "$PASSED checks passed"
