# What an analyst does without writing a function, each with its effect
# checked through the real binary: retune a threshold (a policy edit that
# diff shows), add a row to a decision table (its own rule id in every
# report), and follow a programme that Microsoft renames (a catalogue
# edit: the rules stay as they are and their points follow the successor).
. "$(dirname "$0")/../lib.sh"

cp -r "$SRC/rules" "$SRC/policies" "$SRC/samples" "$WORK/"
cd "$WORK"
cp -r rules rules.shipped

# ---- 1. retune a threshold: enterprise scale from 1,000 to 600 assets ----------------
sed 's/^  enterprise_assets: {value: 1000,/  enterprise_assets: {value: 600,/' policies/default.yaml > policies/tuned.yaml
grep -q 'enterprise_assets: {value: 600,' policies/tuned.yaml || fail "test setup: threshold not found"
expect_exit 0 "$WORK/log" "$PF" check --policy policies/tuned.yaml
expect_exit 1 "$WORK/log" sh -c "\"$PF\" diff --base-rules rules --base-policy policies/default.yaml \
    --policy policies/tuned.yaml --out diff samples/ > diff.out"
# nordfjord-freight has 615 assets: enterprise scale now, and nothing else moves
grep -q '"nordfjord-freight"' diff/diff.csv || fail "diff does not show nordfjord-freight (615 assets)"
if grep -v '^"intake_id"' diff/diff.csv | grep -qv '"nordfjord-freight"'; then
    fail "retuning the threshold moved an intake other than nordfjord-freight"
fi
expect_exit 0 "$WORK/log" "$PF" run --quiet --policy policies/tuned.yaml --out tuned samples/nordfjord-freight.yaml
contains tuned/needs.csv "needs.scale.enterprise +1: With 615 servers, databases and applications in scope (more than about 600)"
ok "a threshold retuned in the policy: diff shows the one intake it moves, and the reason says the new value"

# ---- 2. a new row in a decision table ----------------------------------------------
cat > row.patch <<'PATCH'
--- a/rules/20-fit-culture.lua
+++ b/rules/20-fit-culture.lua
@@ -106,6 +106,9 @@
       because = "A distributed model mixes business units at different maturity; a partner audited across every "
         .. "CAF methodology can serve each unit at its own level.",
       score = { azure_expert_msp = 10, csp = 5 } },
+    { id = "fit.culture.model.centralized_small", is = "centralized", when = "f.small_estate",
+      because = "A centralized team with a small estate ({f.assets} assets) can run it with one provider's help.",
+      score = { csp = 5 } },
     { id = "fit.culture.model.centralized_at_scale", is = "centralized", when = "f.counted_enterprise_scale",
       because = "A centralized team suits a few hundred workloads; with {f.assets} in scope it will need partner "
         .. "capacity or an enterprise-scale programme.",
PATCH
before=$("$PF" check | sed -n 's/^partnerfit check: \([0-9]*\) rules.*/\1/p')
patch -p1 --quiet < row.patch || fail "the row patch does not apply to rules/20-fit-culture.lua"
grep -q "function" row.patch && fail "the row patch holds a function"
expect_exit 0 "$WORK/log" sh -c "\"$PF\" check > check.out"
contains check.out "$((before + 1)) rules: 0 problems, 0 warnings"
expect_exit 0 "$WORK/log" "$PF" run --quiet --out row samples/
contains row/rule_hits.csv '"fit.culture.model.centralized_small","fit","rules/20-fit-culture.lua:'
expect_exit 1 "$WORK/log" sh -c "\"$PF\" diff --base-rules rules.shipped --out rowdiff samples/ > rowdiff.out"
contains rowdiff/diff.csv '"lindqvist-arkitekter","csp","score changed",1,1,95,102.5'
contains row/recommendations.csv "fit.culture.model.centralized_small +7.5: A centralized team with a small estate (22 assets)"
ok "a row added to a decision table is its own rule: checked, counted and shown by diff"
rm -r rules && cp -r rules.shipped rules

# ---- 3. a programme renamed: Azure Accelerate becomes "Azure Accelerate Next" ------
awk '
/^  - id: azure_accelerate$/ { in_acc = 1 }
in_acc && /^      - \{status: active, from: 2025-07-01/ {
    print
    print "      - {status: retired, from: 2026-09-01, successor: azure_accelerate_next, source: facts, note: \"Renamed.\"}"
    print ""
    print "  - id: azure_accelerate_next"
    print "    name: Azure Accelerate Next"
    print "    contracted: true"
    print "    areas: [strategy, plan, ready, migrate, innovate]"
    print "    next_step: Ask a qualifying partner which Azure Accelerate Next funding the work qualifies for."
    print "    lifecycle:"
    print "      - {status: active, from: 2026-09-01, source: facts}"
    in_acc = 0
    next
}
{ print }' policies/default.yaml > policies/renamed.yaml
grep -q azure_accelerate_next policies/renamed.yaml || fail "test setup: the catalogue edit did not apply"
expect_exit 0 "$WORK/log" "$PF" check --policy policies/renamed.yaml
expect_exit 0 "$WORK/log" "$PF" run --quiet --policy policies/renamed.yaml --out renamed samples/
diff -r rules rules.shipped > /dev/null || fail "the rules changed"
# dated 2026-10-05 (after the rename): the programme's points and contract step go to the new option
contains renamed/recommendations.csv "Azure Accelerate Next carries what Azure Migration and Modernization Program offered, as secondary sources report."
grep '"azure_accelerate_next"' renamed/recommendations.csv | grep -q '"yes"' ||
    fail "the renamed programme is on no shortlist"
grep -q 'engage.contract.azure_accelerate_next' renamed/recommendations.csv ||
    fail "the renamed programme gets no contract step"
# dated before the rename: the same scores and shortlist (ranks below the
# new option, unavailable then and at 0 points, may move down one)
expect_exit 0 "$WORK/log" "$PF" run --quiet --out shipped samples/
for id in atlas-marine greystone-logistics; do
    a=$(grep "^\"$id\"" shipped/recommendations.csv | cut -d, -f1,2,4-7 | sort)
    b=$(grep "^\"$id\"" renamed/recommendations.csv | grep -v azure_accelerate_next | cut -d, -f1,2,4-7 | sort)
    [ "$a" = "$b" ] || fail "$id (dated before the rename) changed"
done
ok "a renamed programme is a catalogue edit: points, notes and contract steps follow it with no rule changed"
done_testing
