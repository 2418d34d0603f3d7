# The declarative forms of the DSL (facts, thresholds, one-expression
# conditions, templates, decision tables) through the real binary: every
# mistake an analyst can make in them is refused at its line with what was
# expected, and check reads the pack for comparisons no answer can meet.
. "$(dirname "$0")/../lib.sh"

cp -r "$SRC/rules" "$WORK/rules"
cp -r "$SRC/policies" "$WORK/policies"
cd "$WORK"

# ---- load time: names, expressions, templates --------------------------------------
cat > rules/99-bad.lua <<'LUA'
rule { id = "t.fact", stage = "fit", because = "x", when = "f.asets > 3", score = { csp = 1 } }
rule { id = "t.threshold", stage = "fit", because = "x", when = "f.assets > thresholds.enterprise_asets", score = { csp = 1 } }
rule { id = "t.area", stage = "fit", because = "x", when = "ctx.in_focus.planning", score = { csp = 1 } }
rule { id = "t.option", stage = "engage", because = "x", when = "ctx.shortlisted.cps", step = "x" }
rule { id = "t.syntax", stage = "fit", because = "x", when = "f.assets >", score = { csp = 1 } }
rule { id = "t.function", stage = "fit", because = "x", when = "(function() return true end)()", score = { csp = 1 } }
rule { id = "t.template", stage = "fit", because = "{f.asets} assets", score = { csp = 1 } }
rule { id = "t.brace", stage = "fit", because = "a {f.assets", score = { csp = 1 } }
rule { id = "t.format", stage = "fit", because = "{f.assets:%q%z}", score = { csp = 1 } }
rule { id = "t.scale", stage = "fit", because = "x", score = { csp = 1 }, scale_by_need = "planing" }
rule { id = "t.prog", stage = "fit", because = "x", programmes = { amp = 5 } }
fact { id = "assets", doc = "again", value = function() return 1 end }
fact { id = "t_two", doc = "two forms", answer = "culture.approach", is = "true" }
fact { id = "t_nodoc", answer = "culture.approach" }
decide { on = "culture.approach", stage = "fit", rows = { { id = "t.row", because = "x", score = { csp = 1 } } } }
decide { on = "culture.approach", stage = "fit", rwos = {} }
LUA
expect_exit 2 "$WORK/log" sh -c "\"$PF\" check > \"$WORK/out\" 2>&1"
b=rules/99-bad.lua
contains "$WORK/out" "$b:1: rule 't.fact': f.asets is not a declared fact (did you mean 'assets'?)"
contains "$WORK/out" "$b:2: rule 't.threshold': thresholds.enterprise_asets is not in the policy's thresholds (did you mean 'enterprise_assets'?)"
contains "$WORK/out" "$b:3: rule 't.area': ctx.in_focus.planning: 'planning' is not an area of the policy (did you mean 'plan'?)"
contains "$WORK/out" "$b:4: rule 't.option': ctx.shortlisted: 'cps' is not an option of the catalogue (did you mean 'csp'?)"
contains "$WORK/out" "$b:5: rule 't.syntax': when 'f.assets >' is not a valid expression"
contains "$WORK/out" "$b:6: rule 't.function': when is one expression; write a function for more"
contains "$WORK/out" "$b:7: rule 't.template': f.asets is not a declared fact (did you mean 'assets'?)"
contains "$WORK/out" "$b:8: rule 't.brace': because: a '{' without its '}'"
contains "$WORK/out" "$b:9: rule 't.format': because: '%q%z' is not a format"
contains "$WORK/out" "$b:10: rule 't.scale': scale_by_need: area 'planing' is not in the policy (did you mean 'plan'?)"
contains "$WORK/out" "$b:11: rule 't.prog': option 'amp' is not in the policy (did you mean 'ammp'?)"
contains "$WORK/out" "$b:12: fact 'assets': already declared at rules/00-facts.lua"
contains "$WORK/out" "$b:13: fact 't_two': give exactly one of value (a function), answer (a question) or is (an expression)"
contains "$WORK/out" "$b:14: fact 't_nodoc': needs 'doc'"
contains "$WORK/out" "$b:15 (row 1): decide: each row needs 'is'"
contains "$WORK/out" "$b:16: decide: unknown field 'rwos' (did you mean 'rows'?)"
ok "mistakes in facts, thresholds, conditions, templates and tables are refused at their line"

# ---- check: values no answer can hold -----------------------------------------------
cat > rules/99-bad.lua <<'LUA'
decide { on = "culture.approach", stage = "fit", weight = "culture", rows = {
  { id = "t.row.ok", is = "offload", because = "x", score = { csp = 1 } },
  { id = "t.row.typo", is = "offlaod", because = "x", score = { csp = 1 } } } }
rule { id = "t.cond", stage = "fit", because = "x", when = "f.approach == 'develop_skill'", score = { csp = 1 } }
rule { id = "t.func", stage = "fit", because = "x", score = { csp = 1 },
  when = function(intake) return intake.culture.risk_tolerance == "lowest" end }
rule { id = "t.life", stage = "fit", because = "x", score = { csp = 1 },
  when = "ctx.lifecycle('ammp') == 'retierd'" }
decide { on = "culture.aproach", stage = "fit", rows = { { id = "t.nopath", is = "x", because = "x", score = { csp = 1 } } } }
fact { id = "t_typo", doc = "x", answer = "culture.aproach" }
rule { id = "t.reads_typo", stage = "fit", because = "x", score = { csp = 1 }, when = "f.t_typo == nil" }
LUA
expect_exit 2 "$WORK/log" sh -c "\"$PF\" check > \"$WORK/out\" 2>&1"
contains "$WORK/out" "$b:1: rule 't.row.typo': decide on culture.approach row is = 'offlaod' is not one of its values (develop_skills, augment_staff, offload): did you mean 'offload'?"
contains "$WORK/out" "$b:4: compares f.approach (culture.approach) with 'develop_skill' is not one of its values"
contains "$WORK/out" "did you mean 'develop_skills'?"
contains "$WORK/out" "$b:6: compares intake.culture.risk_tolerance (culture.risk_tolerance) with 'lowest' is not one of its values (low, medium, high)"
contains "$WORK/out" "$b:8: compares ctx.lifecycle('ammp') (an option's lifecycle status) with 'retierd' is not one of its values"
contains "$WORK/out" "$b:9: rule 't.nopath': decide on 'culture.aproach', but the schema has no question culture.aproach"
contains "$WORK/out" "$b:10: fact 't_typo' answers 'culture.aproach', but the schema has no such question (did you mean 'approach'?)"
grep -q "prelude/" "$WORK/out" && fail "check blamed a line of the engine for a misspelt question"
grep -q "t.row.ok" "$WORK/out" && fail "a row with a valid value was reported"
ok "check refuses table rows and comparisons with values the schema never gives"

# ---- a fact that fails on a probe is that failure for every rule reading it ---------
# (regression: the second reader was told the fact "depends on itself")
cat > rules/99-bad.lua <<'LUA'
fact { id = "t_servers_plus", doc = "x", value = function(intake) return intake.estate.servers + 1 end }
rule { id = "t.one", stage = "fit", because = "x", score = { csp = 1 }, when = "f.t_servers_plus > 10" }
rule { id = "t.two", stage = "fit", because = "x", score = { csp = 1 }, when = "f.t_servers_plus > 20" }
LUA
expect_exit 2 "$WORK/log" sh -c "\"$PF\" check > \"$WORK/out\" 2>&1"
contains "$WORK/out" "$b:3: rule 't.two' fails on an intake the schema allows"
grep -q "depends on itself" "$WORK/out" && fail "a fact that failed once was reported as a cycle"
ok "a fact that fails is reported as that failure for each rule reading it, not as a cycle"

# ---- thresholds in the policy: range checked at load; one nothing reads is a warning --
rm rules/99-bad.lua
sed 's/^  enterprise_assets: {value: 1000, min: 1,/  enterprise_assets: {value: 0, min: 1,/' \
    "$SRC/policies/default.yaml" > policies/default.yaml
grep -q 'enterprise_assets: {value: 0,' policies/default.yaml || fail "test setup: threshold line not found"
expect_exit 2 "$WORK/log" "$PF" check
contains "$WORK/log" "threshold 'enterprise_assets' is 0, outside its range 1 to 1000000"
sed 's/^thresholds:$/thresholds:\
  t_unused: {value: 3, doc: "read by nothing"}/' "$SRC/policies/default.yaml" > policies/default.yaml
grep -q t_unused policies/default.yaml || fail "test setup: threshold not added"
expect_exit 0 "$WORK/log" sh -c "\"$PF\" check > \"$WORK/out\""
contains "$WORK/out" "warning: no rule or fact reads threshold 't_unused'"
expect_exit 2 "$WORK/log" sh -c "\"$PF\" check --strict > \"$WORK/out\""
sed 's/^thresholds:$/thresholds:\
  t_typo: {valu: 3}/' "$SRC/policies/default.yaml" > policies/default.yaml
expect_exit 2 "$WORK/log" "$PF" check
contains "$WORK/log" "unknown field 'valu'; did you mean 'value'?"
ok "thresholds are checked at load; one nothing reads is a warning"

# ---- entry conditions follow a programme to its successor unless the policy says not ----
cp "$SRC/policies/default.yaml" policies/default.yaml
cat > rules/99-cond.lua <<'LUA'
rule { id = "t.needs_nomination", stage = "shortlist", because = "Needs a nomination.",
  exclude = { "fasttrack_for_azure" } }
LUA
# thornbury-council is dated 2026-10-21, when Azure Accelerate carries FastTrack's offer
expect_exit 0 "$WORK/log" "$PF" run --quiet --out cond "$SRC/samples/thornbury-council.yaml"
grep '"azure_accelerate"' cond/recommendations.csv | grep -q "t.needs_nomination" &&
    fail "an entry condition went to a successor the policy says does not inherit it"
sed 's/successor: azure_accelerate, inherits_conditions: false,/successor: azure_accelerate,/' \
    "$SRC/policies/default.yaml" > policies/default.yaml
expect_exit 0 "$WORK/log" "$PF" run --quiet --out cond2 "$SRC/samples/thornbury-council.yaml"
grep '"azure_accelerate"' cond2/recommendations.csv | grep -q "excluded by t.needs_nomination: Needs a nomination." ||
    fail "an entry condition did not follow the programme to its successor"
rm rules/99-cond.lua
cp "$SRC/policies/default.yaml" policies/default.yaml
ok "an exclusion written for a programme applies to its successor unless the catalogue says it has its own conditions"

# ---- explain shows the facts with their values ---------------------------------------
cp "$SRC/policies/default.yaml" policies/default.yaml
expect_exit 0 "$WORK/log" sh -c "\"$PF\" explain \"$SRC/samples/greystone-logistics.yaml\" > \"$WORK/out\""
contains "$WORK/out" "  assets = 330"
contains "$WORK/out" "  skill_gaps = {cloud_architecture, iac_devops}"
grep -q "read: .*f.assets=330" "$WORK/out" || fail "no rule's reads show f.assets=330"
ok "explain lists the facts and each rule's reads of them"

# ---- test: expectations of facts ------------------------------------------------------
cat > facts.yaml <<'YAML'
cases:
  - name: wrong facts
    intake: {id: x, assessed_on: 2026-01-01, organisation: {name: E}, culture: {approach: offload},
             maturity: {strategy: 3, plan: 3, ready: 3, migrate: 3, innovate: 3, govern: 3, manage: 3},
             estate: {servers: 1200}}
    expect:
      facts: {assets: "< 1000", skill_gaps: [ai], enterprise_scale: true}
  - name: a misspelt fact
    intake: {id: y, assessed_on: 2026-01-01, organisation: {name: E}, culture: {approach: offload},
             maturity: {strategy: 3, plan: 3, ready: 3, migrate: 3, innovate: 3, govern: 3, manage: 3}}
    expect:
      facts: {asets: 0}
YAML
expect_exit 1 "$WORK/log" sh -c "\"$PF\" test facts.yaml > \"$WORK/out\""
contains "$WORK/out" "expected fact assets: < 1000"
contains "$WORK/out" "got fact assets: 1200"
contains "$WORK/out" "expected fact skill_gaps: [ai]"
contains "$WORK/out" "bad expectation: facts: 'asets' is not a declared fact (did you mean 'assets'?)"
grep -q "fact enterprise_scale" "$WORK/out" && fail "a fact that holds was reported"
ok "rule tests hold facts to expected values, and a misspelt fact is the test's own failure"
done_testing
