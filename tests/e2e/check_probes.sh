# check probes more than the lowest and highest answers: a rule that fires
# only on a middle enum value, a middle number or a map holding one key, and
# then fails, is named with the change that makes it fail.
. "$(dirname "$0")/../lib.sh"

ln -s "$SRC/policies" "$WORK/policies"
cp -r rules "$WORK/rules"
cat > "$WORK/rules/99-middle.lua" <<'LUA'
rule { id = "t.middle", stage = "fit", because = "test",
  when = function(i) return (i.culture or {}).approach == "augment_staff" end,
  score = function() return { no_such_option = 5 } end }
rule { id = "t.middle_number", stage = "needs", because = "test",
  when = function(i) local n = (i.estate or {}).servers or 0 return n > 1000 and n < 1000000 end,
  need = function() return { no_such_area = 1 } end }
rule { id = "t.one_key", stage = "fit", because = "test",
  when = function(i) local s = i.skills or {} return s.ai ~= nil and s.data == nil end,
  score = function() return { no_such_option = 1 } end }
rule { id = "t.middle_typo", stage = "fit", because = "test",
  when = function(i) return (i.culture or {}).approach == "augment_staff" and i.organisation.sise == "large" end,
  score = { csp = 1 } }
LUA
cd "$WORK"
expect_exit 2 "$WORK/log" sh -c "\"$PF\" check > \"$WORK/check.out\""
contains "$WORK/check.out" "rules/99-middle.lua:1: rule 't.middle' fails on an intake the schema allows (low answers with culture.approach = augment_staff, dated "
contains "$WORK/check.out" "): returned points for unknown option 'no_such_option'"
ok "check tries every value of an enum, and names the one a rule fails on"

contains "$WORK/check.out" "rules/99-middle.lua:4: rule 't.middle_number' fails on an intake the schema allows (low answers with estate.servers = 500000, dated "
contains "$WORK/check.out" "): returned points for unknown area 'no_such_area'"
ok "check tries a number between its bounds"

contains "$WORK/check.out" "rules/99-middle.lua:7: rule 't.one_key' fails on an intake the schema allows (low answers with skills holding only ai, dated "
ok "check tries a map keyed by an enum holding one key alone"

contains "$WORK/check.out" "rules/99-middle.lua:11: rule 't.middle_typo' reads 'organisation.sise', but the schema does not define it (did you mean 'size'?)"
ok "check finds a misspelt question read only after a middle enum value"

# once per rule and message, however many probes it fails on
[ "$(grep -c "rule 't.middle' fails" "$WORK/check.out")" = 1 ] || fail "t.middle reported more than once"
contains "$WORK/check.out" "4 problems"
ok "each failure is reported once"
cd "$SRC"
done_testing
