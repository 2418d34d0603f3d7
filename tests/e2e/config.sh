# Exit codes and the guarantees around them: usage and configuration errors
# exit 2 and leave the previous reports alone; rule errors name the rule and
# its file:line; a busy output folder exits 4; editing a rule file changes
# the next run with no rebuild.
. "$(dirname "$0")/../lib.sh"

out=$WORK/out
expect_exit 2 "$WORK/log" "$PF"
expect_exit 2 "$WORK/log" "$PF" run
contains "$WORK/log" "give at least one intake"
expect_exit 2 "$WORK/log" "$PF" run --bogus samples/
contains "$WORK/log" "unknown option '--bogus'"
expect_exit 0 "$WORK/log" "$PF" --version
ok "usage errors exit 2"

# a first good run, to see that later failures leave it alone
expect_exit 0 "$WORK/log" "$PF" run --out "$out" samples/
cp "$out/recommendations.csv" "$WORK/before.csv"

# a broken policy: exit 2, message with file:line:column, reports untouched
cp -r policies "$WORK/pol"
line_of() { grep -n "$1" policies/default.yaml | head -1 | cut -d: -f1; }
SIZE_LINE=$(line_of '^  size: 3$')
MIN_SCORE_LINE=$(line_of '^  min_score: 20$')
SHORTLIST_LINE=$(line_of '^shortlist:$')
PLAN_LINE=$(line_of '^  - {id: plan, name: Plan}$')
CSP_LINE=$(line_of '^  - id: csp$')
sed 's/^  size: 3$/  size: three/' policies/default.yaml > "$WORK/pol/default.yaml"
grep -q 'size: three' "$WORK/pol/default.yaml" || fail "test setup: shortlist size line not found"
expect_exit 2 "$WORK/log" "$PF" run --policy "$WORK/pol/default.yaml" --out "$out" samples/
contains "$WORK/log" "$WORK/pol/default.yaml:$SIZE_LINE:9: expected a whole number, found \"three\""
cmp -s "$out/recommendations.csv" "$WORK/before.csv" || fail "a policy error changed the reports"
ok "a broken policy exits 2 and writes nothing"

# settings out of range or of the wrong kind, each named with what it takes
sed -e 's/^  focus_level: 3$/  focus_level: 9/' -e 's/^  min_score: 20$/  min_score: high/' \
    policies/default.yaml > "$WORK/pol/default.yaml"
expect_exit 2 "$WORK/log" "$PF" run --policy "$WORK/pol/default.yaml" --out "$out" samples/
contains "$WORK/log" "expected a number, found \"high\""
sed -e 's/^  focus_level: 3$/  focus_level: 9/' policies/default.yaml > "$WORK/pol/default.yaml"
expect_exit 2 "$WORK/log" "$PF" run --policy "$WORK/pol/default.yaml" --out "$out" samples/
# at the line of focus_level, not of the section's first key
contains "$WORK/log" "$WORK/pol/default.yaml:$(line_of '^  focus_level: 3$'):16: needs.focus_level must be a whole number from 0 to max_level"
ok "a focus level above max_level and a word for min_score are refused"

# the policy's own schema (policy-schema.yaml): a misspelt key or section is
# an error at its line with "did you mean", never a default taken silently
sed 's/^  min_score: 20$/  min_scor: 20/' policies/default.yaml > "$WORK/pol/default.yaml"
expect_exit 2 "$WORK/log" "$PF" run --policy "$WORK/pol/default.yaml" --out "$out" samples/
contains "$WORK/log" "$WORK/pol/default.yaml:$MIN_SCORE_LINE:3: unknown field 'min_scor'; did you mean 'min_score'?"
expect_exit 2 "$WORK/log" "$PF" check --strict --policy "$WORK/pol/default.yaml"
contains "$WORK/log" "did you mean 'min_score'?"
sed 's/^shortlist:$/shortlsit:/' policies/default.yaml > "$WORK/pol/default.yaml"
expect_exit 2 "$WORK/log" "$PF" diff --base-rules rules --policy "$WORK/pol/default.yaml" samples/
contains "$WORK/log" "$WORK/pol/default.yaml:$SHORTLIST_LINE:1: unknown field 'shortlsit'; did you mean 'shortlist'?"
sed 's/{status: retired, from: 2023-07-01,/{status: retird, from: 2023-07-01,/' policies/default.yaml > "$WORK/pol/default.yaml"
expect_exit 2 "$WORK/log" "$PF" run --policy "$WORK/pol/default.yaml" --out "$out" samples/
contains "$WORK/log" 'found "retird"; did you mean "retired"?'
cmp -s "$out/recommendations.csv" "$WORK/before.csv" || fail "a misspelt policy key changed the reports"
grep -v '^policy_schema:' policies/default.yaml > "$WORK/pol/default.yaml"
expect_exit 0 "$WORK/log" "$PF" check --policy "$WORK/pol/default.yaml"
expect_exit 2 "$WORK/log" "$PF" check --strict --policy "$WORK/pol/default.yaml"
ok "a misspelt policy key, section or status exits 2 at its line with did you mean (run, check, diff); a policy without policy_schema is a warning of check"

# the policy's lists of areas and options: an id listed twice and an entry
# without a proper id are each named at their line
sed -e 's/^  - {id: plan, name: Plan}$/  - {id: strategy, name: Plan}/' \
    -e 's/^  - id: csp$/  - id: "c s p"/' policies/default.yaml > "$WORK/pol/default.yaml"
grep -q 'id: "c s p"' "$WORK/pol/default.yaml" || fail "test setup: option line not found"
expect_exit 2 "$WORK/log" "$PF" run --policy "$WORK/pol/default.yaml" --out "$out" samples/
contains "$WORK/log" "$WORK/pol/default.yaml:$PLAN_LINE:5: area 'strategy' is listed twice"
contains "$WORK/log" "$WORK/pol/default.yaml:$CSP_LINE:5: options[1] needs an 'id' of letters, digits and _"
ok "a policy area listed twice and an option without a proper id are named at their lines"

# a path the policy reads from every intake that names no question of the
# schema (the id, the date, a column of intakes.csv, the brief's lead time)
# is refused at its line: read silently, it would blank every intake's id
# or date (and with the date, every lifecycle)
ASOF_LINE=$(line_of '^  as_of_field: assessed_on$')
IND_LINE=$(line_of 'field: organisation.industry}$')
LEAD_LINE=$(line_of 'lead_time_field: procurement.contract_lead_time_days$')
sed -e 's/^  as_of_field: assessed_on$/  as_of_field: assesed_on/' -e 's/^  id_field: id$/  id_field: idd/' \
    -e 's/field: organisation.industry}$/field: organisation.industri}/' \
    -e 's/lead_time_field: procurement.contract_lead_time_days$/lead_time_field: procurement.lead_time/' \
    policies/default.yaml > "$WORK/pol/default.yaml"
grep -q 'as_of_field: assesed_on' "$WORK/pol/default.yaml" || fail "test setup: as_of_field line not found"
for cmd in "run --out $out samples/" check; do
    # shellcheck disable=SC2086
    expect_exit 2 "$WORK/log" "$PF" $cmd --policy "$WORK/pol/default.yaml"
    contains "$WORK/log" "$WORK/pol/default.yaml:$ASOF_LINE:16: intake.as_of_field: 'assesed_on' is not a question of the intake schema (did you mean 'assessed_on'?)"
    contains "$WORK/log" "intake.id_field: 'idd' is not a question of the intake schema (did you mean 'id'?)"
    contains "$WORK/log" "$WORK/pol/default.yaml:$IND_LINE:"
    contains "$WORK/log" "intake.attributes[1].field: 'organisation.industri' is not a question of the intake schema (did you mean 'organisation.industry'?)"
    contains "$WORK/log" "$WORK/pol/default.yaml:$LEAD_LINE:"
    contains "$WORK/log" "brief.timeline.lead_time_field: 'procurement.lead_time' is not a question of the intake schema"
done
cmp -s "$out/recommendations.csv" "$WORK/before.csv" || fail "a policy path to no question changed the reports"
# a deadline's field, an empty path and a path to a group of questions
sed -e 's/{field: estate.datacenter_exit, label/{field: estate.datacenter_exti, label/' \
    -e 's/^  id_field: id$/  id_field: ""/' -e 's/^  label_field: organisation.name$/  label_field: organisation/' \
    policies/default.yaml > "$WORK/pol/default.yaml"
expect_exit 2 "$WORK/log" "$PF" check --policy "$WORK/pol/default.yaml"
contains "$WORK/log" "brief.timeline.deadlines[1].field: 'estate.datacenter_exti' is not a question of the intake schema (did you mean 'estate.datacenter_exit'?)"
contains "$WORK/log" "intake.id_field: '' is not a question's path"
contains "$WORK/log" "intake.label_field: 'organisation' is a group of questions, not one question"
ok "a policy path that names no question of the schema (id, date, column, lead time) exits 2 at its line"

# a shortlist far longer than the catalogue is allowed and costs nothing:
# no more places can be taken than there are options
sed 's/^  size: 3$/  size: 100000000/' policies/default.yaml > "$WORK/pol/default.yaml"
grep -q 'size: 100000000' "$WORK/pol/default.yaml" || fail "test setup: shortlist size line not found"
expect_exit 0 "$WORK/log" timeout 20 "$PF" run --policy "$WORK/pol/default.yaml" --out "$WORK/long" samples/
contains "$WORK/long/recommendations.csv" "shortlisted (1 of 100000000)"
ok "a shortlist size of 100 000 000 runs, and its notes say so"

# rule-pack problems: each named with file:line and rule id. These runs
# happen inside $WORK with relative paths (as an analyst types them), so
# messages read "rules/99-x.lua:3" whatever the folder's absolute length.
ln -s "$SRC/samples" "$WORK/samples"
ln -s "$SRC/policies" "$WORK/policies"
cd "$WORK"
mkrules() {
    rm -rf "$WORK/rules"
    cp -r "$SRC/rules" "$WORK/rules"
}
mkrules
printf 'rule { id = "broken", stage = "fit", because = "x", score = { csp = 1 }\n' > "$WORK/rules/99-syntax.lua"
expect_exit 2 "$WORK/log" "$PF" run --rules rules --out "$out" samples/
contains "$WORK/log" "rules/99-syntax.lua:2: '}' expected (to close '{' at line 1)"
ok "a syntax error names file:line"

mkrules
cat > "$WORK/rules/99-unknown.lua" <<'LUA'
rule { id = "t.unknown-option", stage = "fit", because = "test",
       score = { no_such_option = 5 } }
rule { id = "t.bad-stage", stage = "fitt", because = "test", score = {} }
rule { id = "t.unknown-field", stage = "fit", because = "test", scroe = {} }
LUA
expect_exit 2 "$WORK/log" "$PF" run --rules rules --out "$out" samples/
contains "$WORK/log" "rules/99-unknown.lua:1: rule 't.unknown-option': option 'no_such_option' is not in the policy"
contains "$WORK/log" "rules/99-unknown.lua:3: rule 't.bad-stage': stage 'fitt' is not one of needs, fit, shortlist, engage"
contains "$WORK/log" "rules/99-unknown.lua:4: rule 't.unknown-field': unknown field 'scroe' for a fit rule (did you mean 'score'?)"
cmp -s "$out/recommendations.csv" "$WORK/before.csv" || fail "a rule-pack error changed the reports"
ok "unknown option, stage and field are each reported with file:line and rule id"

mkrules
printf 'counter = 1\n' > "$WORK/rules/99-global.lua"
expect_exit 2 "$WORK/log" "$PF" run --rules rules --out "$out" samples/
contains "$WORK/log" "may not set the global 'counter'"
ok "a rule file cannot set globals"

# a rule that fails at run time on one intake: that intake is rejected with
# the rule id and its file:line; the others are still evaluated; exit 5
# says a rule failed
mkrules
cat > "$WORK/rules/99-runtime.lua" <<'LUA'
rule {
  id = "t.runtime",
  stage = "fit",
  because = "test",
  when = function(intake)
    if intake.id == "kestrel-dental" then
      local missing = nil
      return missing.field
    end
    return false
  end,
  score = { csp = 1 },
}
LUA
expect_exit 5 "$WORK/log" "$PF" run --rules rules --out "$WORK/rt" samples/
contains "$WORK/rt/rejects.csv" '"samples/kestrel-dental.yaml","","","","rule.error","rule t.runtime (rules/99-runtime.lua:1) failed: rules/99-runtime.lua:8: attempt to index a nil value'
n=$(ls samples/*.yaml | wc -l)
contains "$WORK/rt/manifest.yaml" "evaluated: $((n - 1))"
ok "a rule error rejects only that intake, naming the rule and line"
# the frame names the rule's function, and reads the same when --timings
# takes the slower, measured path through the stages
contains "$WORK/rt/rejects.csv" '[at rules/99-runtime.lua:8: in function <rules/99-runtime.lua:5>]'
expect_exit 5 "$WORK/log" "$PF" run --timings --rules rules --out "$WORK/rt-timed" samples/
cmp "$WORK/rt/rejects.csv" "$WORK/rt-timed/rejects.csv" || fail "rejects.csv differs with --timings"
ok "a rule error reads the same with and without --timings"

# a rule that never ends is stopped by the instruction budget
mkrules
cat > "$WORK/rules/99-loop.lua" <<'LUA'
rule { id = "t.loop", stage = "needs", because = "test",
       when = function(intake) while intake.id == "kestrel-dental" do end return false end,
       need = { plan = 1 } }
LUA
expect_exit 5 "$WORK/log" timeout 60 "$PF" run --rules rules --out "$WORK/loop" samples/
contains "$WORK/loop/rejects.csv" '"rule.limit","rule t.loop'
contains "$WORK/loop/rejects.csv" "went over the limit of"
contains "$WORK/loop/manifest.yaml" "evaluated: $((n - 1))"
ok "an endless rule is stopped and only its intake rejected"

# rules cannot carry state from one intake to the next: a counter in a
# file-level local starts from its loaded value on every intake, and a
# file-level table cannot be written
mkrules
cat > "$WORK/rules/99-state.lua" <<'LUA'
local seen = 0
rule { id = "t.first-only", stage = "fit", because = "test",
       when = function() seen = seen + 1 return seen == 1 end, score = { csp = 1 } }
LUA
expect_exit 0 "$WORK/log" "$PF" run --jobs 1 --rules rules --out "$WORK/state" samples/
contains "$WORK/state/rule_hits.csv" '"t.first-only","fit","rules/99-state.lua:2",'"$n"','"$n"','
ok "a file-level counter is reset before every intake"
mkrules
cat > "$WORK/rules/99-cache.lua" <<'LUA'
local cache = {}
rule { id = "t.cache", stage = "fit", because = "test",
       when = function(i) cache[i.id] = true return false end, score = { csp = 1 } }
LUA
expect_exit 5 "$WORK/log" "$PF" run --rules rules --out "$WORK/cache" samples/
contains "$WORK/cache/rejects.csv" "tables of a rule file are read-only once the pack is loaded"
ok "a file-level table cannot be written while intakes are evaluated"

# a rule that can never fire: flagged in rule_hits.csv; exit 6 only when asked
mkrules
cat > "$WORK/rules/99-dead.lua" <<'LUA'
rule { id = "t.dead", stage = "fit", because = "test", when = function() return false end,
       score = { csp = 1 } }
LUA
expect_exit 0 "$WORK/log" "$PF" run --rules rules --out "$WORK/dead" samples/
contains "$WORK/dead/rule_hits.csv" '"t.dead","fit","rules/99-dead.lua:1",'"$n"',0,0,0,"","never fired"'
before=$(sed -n 's/^  rules_never_fired: //p' "$out/manifest.yaml")
contains "$WORK/dead/manifest.yaml" "rules_never_fired: $((before + 1))"
expect_exit 6 "$WORK/log" "$PF" run --fail-on-dead-rules --rules rules --out "$WORK/dead" samples/
ok "a rule that never fires is flagged, and fails the run with --fail-on-dead-rules"

# editing a rule changes the next run, with no rebuild
mkrules
cat > "$WORK/rules/99-boost.lua" <<'LUA'
rule { id = "t.boost", stage = "fit", because = "test boost", score = { self_service = 1000 } }
LUA
expect_exit 0 "$WORK/log" "$PF" run --rules rules --out "$WORK/edit" samples/
top=$("$CSVCHECK" cell "$WORK/edit/recommendations.csv" 1 option_id)
[ "$top" = self_service ] || fail "the edited rule did not change the result (top is $top)"
contains "$WORK/edit/recommendations.csv" "t.boost +1000: test boost"
ok "an edited rule pack changes the next run without a rebuild"

cd "$SRC"

# a second run on the same output folder while one holds it: exit 4
if command -v flock >/dev/null 2>&1; then
    expect_exit 4 "$WORK/log" flock "$out/.partnerfit.lock" "$PF" run --out "$out" samples/
    contains "$WORK/log" "another run is writing to"
    cmp -s "$out/recommendations.csv" "$WORK/before.csv" || fail "a busy run changed the reports"
    ok "a busy output folder exits 4 and writes nothing"
fi
done_testing
