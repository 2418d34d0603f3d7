# The analyst commands through the real binary: check, explain, diff, types.
. "$(dirname "$0")/../lib.sh"

# check: the shipped pack is clean
expect_exit 0 "$WORK/log" sh -c "\"$PF\" check > \"$WORK/check.out\""
contains "$WORK/check.out" "0 problems"
ok "check passes on the shipped pack"

# check: a misspelt question and a rule that breaks on an allowed intake
ln -s "$SRC/policies" "$WORK/policies"
cp -r rules "$WORK/rules"
cat > "$WORK/rules/99-bad.lua" <<'LUA'
rule { id = "t.typo", stage = "fit", because = "test",
  when = function(i) return (i.estate or {}).servrs ~= nil end, score = { csp = 1 } }
rule { id = "t.unguarded", stage = "fit", because = "test",
  when = function(i) return i.estate.servers > 10 end, score = { csp = 1 } }
rule { id = "t.badkey", stage = "needs", because = "test",
  when = function(i) return (i.skills or {}).netwroking ~= nil end, need = { plan = 1 } }
LUA
cd "$WORK"
expect_exit 2 "$WORK/log" sh -c "\"$PF\" check > \"$WORK/check.out\""
contains "$WORK/check.out" "rules/99-bad.lua:2: rule 't.typo' reads 'estate.servrs', but the schema does not define it (did you mean 'servers'?)"
contains "$WORK/check.out" "rules/99-bad.lua:3: rule 't.unguarded' fails on an intake the schema allows"
contains "$WORK/check.out" "attempt to index a nil value (field 'estate')"
contains "$WORK/check.out" "rules/99-bad.lua:6: rule 't.badkey' reads 'skills.netwroking', but the schema does not allow this key (did you mean 'networking'?)"
contains "$WORK/check.out" "3 problems"
ok "check names the line, the rule and the misspelt question"

# check: an option no rule scores is a warning; --strict makes it fail
rm "$WORK/rules/99-bad.lua" "$WORK/policies"
mkdir "$WORK/policies"
cp "$SRC/policies/intake-schema.yaml" "$SRC/policies/policy-schema.yaml" "$WORK/policies/"
sed 's/^options:$/options:\
  - id: t_unscored\
    name: Never scored\
    areas: [plan]/' "$SRC/policies/default.yaml" > "$WORK/policies/default.yaml"
grep -q t_unscored "$WORK/policies/default.yaml" || fail "test setup: option not added"
expect_exit 0 "$WORK/log" sh -c "\"$PF\" check > \"$WORK/check.out\""
contains "$WORK/check.out" "warning: no rule ever scores option 't_unscored'"
expect_exit 2 "$WORK/log" sh -c "\"$PF\" check --strict > \"$WORK/check.out\""
ok "an option no rule scores is a warning, an error with --strict"
cd "$SRC"

# explain: text and JSON
expect_exit 0 "$WORK/log" sh -c "\"$PF\" explain samples/kestrel-dental.yaml > \"$WORK/explain.txt\""
contains "$WORK/explain.txt" "Stage 1. needs"
contains "$WORK/explain.txt" "fired fit.culture.offload  (rules/20-fit-culture.lua:"
contains "$WORK/explain.txt" 'read: culture.approach="offload"'
# a set-valued fact read by a rule shows its members, not an empty list
contains "$WORK/explain.txt" 'f.short_skills={cloud_architecture, finops, governance, iac_devops,'
contains "$WORK/explain.txt" 'read: f.handed_over={govern, innovate, manage, migrate, plan, ready, strategy}'
contains "$WORK/explain.txt" "Ranking (shortlist of 3"
contains "$WORK/explain.txt" "closest rule that did not fire:"
expect_exit 0 "$WORK/log" sh -c "\"$PF\" explain --format json samples/kestrel-dental.yaml > \"$WORK/explain.json\""
contains "$WORK/explain.json" '"intake":"kestrel-dental"'
contains "$WORK/explain.json" '"top":"azure_expert_msp"'
ok "explain gives a readable trace and a JSON form"
expect_exit 1 "$WORK/log" "$PF" explain "$WORK/nope.yaml"
ok "explain on an unreadable intake exits 1 with the reason"

# diff: the same pack changes nothing; a boosted option changes tops
expect_exit 0 "$WORK/log" sh -c "\"$PF\" diff --base-rules rules --out \"$WORK/d0\" samples/ > \"$WORK/diff0.txt\""
contains "$WORK/diff0.txt" "intakes with any change:   0"
cp -r rules "$WORK/cand"
echo 'rule { id = "t.boost", stage = "fit", because = "test", score = { self_service = 1000 } }' > "$WORK/cand/99-boost.lua"
expect_exit 1 "$WORK/log" sh -c "\"$PF\" diff --base-rules rules --rules \"$WORK/cand\" --out \"$WORK/d1\" samples/ > \"$WORK/diff1.txt\""
n=$(ls samples/*.yaml | wc -l)
contains "$WORK/diff1.txt" "intakes compared:          $n"
contains "$WORK/diff1.txt" "biggest movers:"
"$CSVCHECK" valid "$WORK/d1/diff.csv" || fail "diff.csv is not strict CSV"
contains "$WORK/d1/diff.csv" '"kestrel-dental","self_service","entered shortlist",10,1,-67.5,932.5,"no","yes"'
ok "diff reports rank and shortlist changes between two packs"

# test: expectations that could never fail are failures themselves
mkdir -p "$WORK/t"
cat > "$WORK/t/bad.yaml" <<'YAML'
cases:
  - name: scalar where a list belongs
    intake: SRC/samples/kestrel-dental.yaml
    expect: {fired: fit.culture.offload}
  - name: misspelt option
    intake: SRC/samples/kestrel-dental.yaml
    expect: {score: {cps: 0}}
  - name: nothing checked
    intake: SRC/samples/kestrel-dental.yaml
    expect: {}
YAML
sed -i "s|SRC|$SRC|" "$WORK/t/bad.yaml"
expect_exit 1 "$WORK/log" sh -c "\"$PF\" test \"$WORK/t\" > \"$WORK/t.out\""
contains "$WORK/t.out" "fired must be a list, e.g. fired: [fit.culture.offload]"
contains "$WORK/t.out" "score: option 'cps' does not exist"
contains "$WORK/t.out" "'expect' is empty, so nothing would be checked"
contains "$WORK/t.out" "0 passed, 3 failed"
ok "test refuses expectations that cannot fail"

# types: the checked-in annotations follow the schema
expect_exit 0 "$WORK/log" sh -c "\"$PF\" types > \"$WORK/types.lua\""
cmp -s "$WORK/types.lua" policies/intake-types.lua ||
    fail "policies/intake-types.lua is out of date: run partnerfit types --out policies/intake-types.lua"
ok "policies/intake-types.lua is up to date with the schema"
done_testing
