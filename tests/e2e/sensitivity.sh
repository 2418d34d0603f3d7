# partnerfit sensitivity: which single answer, changed by one step, moves an
# intake's top option or shortlist. On the samples and on copies of them
# moved next to a threshold.
. "$(dirname "$0")/../lib.sh"

# A sample's estate moved to 970 assets, just under the policy's
# enterprise_assets (1000): 10 % more servers (520 -> 572) crosses it and
# changes the shortlist (the needs of an enterprise-scale estate); the
# programme and MSP points phase in below the line (enterprise_band_assets),
# so crossing it no longer snaps the top option. 10 % more databases (995)
# or applications (990) stays under it and moves nothing.
sed -E 's/^  servers: [0-9]+/  servers: 520/; s/^  databases: [0-9]+/  databases: 250/;
        s/^  applications: [0-9]+/  applications: 200/; s/^  inventory_complete: false/  inventory_complete: true/' \
    samples/fernhill-foods.yaml >"$WORK/near.yaml"
grep -q "^  servers: 520" "$WORK/near.yaml" || fail "test setup: servers not changed"
# counted, not estimated: an estimate over the threshold counts for less (assessment first)
grep -q "^  inventory_complete: true" "$WORK/near.yaml" || fail "test setup: inventory not set"
expect_exit 0 "$WORK/log" sh -c "\"$PF\" sensitivity \"$WORK/near.yaml\" > \"$WORK/near.txt\""
contains "$WORK/near.txt" "  estate.servers: 520 -> 572: shortlist gained "
contains "$WORK/near.txt" "crosses thresholds.enterprise_assets = 1000 (enterprise_scale: false -> true)"
if grep -q "estate.databases: 250 -> 275\|estate.applications: 200 -> 220" "$WORK/near.txt"; then
    fail "a step that stays under the threshold is reported as moving the outcome"
fi
grep -q "^[0-9][0-9]* of [0-9][0-9]* one-step changes move the top option, [0-9][0-9]* move the shortlist (" \
    "$WORK/near.txt" || fail "no summary line in $WORK/near.txt"
ok "an estate just under the enterprise threshold moves its shortlist with 10 % more servers, marked as crossing it"

# An estate far from every threshold (615 assets: 10 % of one count never
# reaches 1000 or 50): no count step moves anything, and no step the top.
expect_exit 0 "$WORK/log" sh -c "\"$PF\" sensitivity samples/nordfjord-freight.yaml > \"$WORK/far.txt\""
if grep -q "estate.servers:\|estate.databases:\|estate.applications:" "$WORK/far.txt"; then
    fail "a small step of a count far from every threshold moved the outcome"
fi
contains "$WORK/far.txt" "0 of "
contains "$WORK/far.txt" " one-step changes move the top option"
ok "an intake far from every threshold reports no top change for small steps"

# JSON that parses, on every sample (one python for all: it is slow to start)
mkdir "$WORK/json"
for f in samples/*.yaml; do
    "$PF" sensitivity --format json "$f" >"$WORK/json/$(basename "$f" .yaml).json" 2>"$WORK/log" ||
        { cat "$WORK/log" >&2; fail "sensitivity --format json $f"; }
done
python3 -m json.tool "$WORK/json/skagerrak-sparebank.json" >/dev/null || fail "not JSON"
python3 - "$WORK/json"/*.json <<'PY' || fail "sensitivity --format json wrote something that is not JSON"
import json, sys
for path in sys.argv[1:]:
    json.load(open(path))
PY
ok "sensitivity --format json parses on every sample"

# the JSON form: the same findings as data
expect_exit 0 "$WORK/log" sh -c "\"$PF\" sensitivity --format json \"$WORK/near.yaml\" > \"$WORK/near.json\""
python3 - "$WORK/near.json" <<'PY' || fail "the JSON report is not as documented"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["evaluations"] == d["steps"] + 1, d
assert d["moves_top"] >= 1 and d["moves_shortlist"] >= 0, d
paths = [c["path"] for c in d["changes"]]
assert paths == sorted(paths), paths
servers = [c for c in d["changes"] if c["path"] == "estate.servers"]
assert len(servers) == 1 and servers[0]["from"] == 520 and servers[0]["to"] == 572, servers
assert servers[0]["moves_shortlist"] and not servers[0]["moves_top"], servers
assert {"threshold": "enterprise_assets", "value": 1000, "fact": "enterprise_scale", "from": False,
        "to": True} in servers[0]["crosses"], servers
for c in d["changes"]:
    if c["path"].startswith("maturity."):
        assert 0 <= c["to"] <= 5, c
PY
ok "the JSON form holds the same findings, sorted by path"

# deterministic: two runs, the same bytes; explain --sensitivity is the same
for f in samples/*.yaml; do
    "$PF" sensitivity "$f" >"$WORK/a.txt" 2>"$WORK/log"
    "$PF" sensitivity "$f" >"$WORK/b.txt" 2>"$WORK/log"
    cmp -s "$WORK/a.txt" "$WORK/b.txt" || fail "two runs on $f differ"
done
"$PF" sensitivity --format json samples/skagerrak-sparebank.yaml >"$WORK/a.json"
"$PF" sensitivity --format json samples/skagerrak-sparebank.yaml >"$WORK/b.json"
cmp -s "$WORK/a.json" "$WORK/b.json" || fail "two JSON runs differ"
"$PF" explain --sensitivity samples/skagerrak-sparebank.yaml >"$WORK/c.txt"
"$PF" sensitivity samples/skagerrak-sparebank.yaml >"$WORK/d.txt"
cmp -s "$WORK/c.txt" "$WORK/d.txt" || fail "explain --sensitivity differs from sensitivity"
ok "two runs give the same bytes; explain --sensitivity is sensitivity"

# exit 1 when the intake cannot be read or evaluated; a rule that fails
# only on a changed intake is reported, and the command still succeeds
expect_exit 1 "$WORK/log" "$PF" sensitivity "$WORK/nope.yaml"
contains "$WORK/log" "nope.yaml"
ln -s "$SRC/policies" "$WORK/policies"
cp -r rules "$WORK/rules"
cat >"$WORK/rules/99-boom.lua" <<'LUA'
rule { id = "t.boom", stage = "fit", because = "test",
  when = function(i) if i.organisation.regulated then error("boom") end return false end, score = { csp = 1 } }
LUA
cd "$WORK"
expect_exit 1 "$WORK/log" "$PF" sensitivity "$SRC/samples/skagerrak-sparebank.yaml"
contains "$WORK/log" "boom"
expect_exit 0 "$WORK/log" sh -c "\"$PF\" sensitivity \"$SRC/samples/fernhill-foods.yaml\" > \"$WORK/boom.txt\""
contains "$WORK/boom.txt" "organisation.regulated: false -> true: the evaluation failed: rule t.boom"
contains "$WORK/boom.txt" "; 1 failed)"
cd "$SRC"
expect_exit 2 "$WORK/log" "$PF" sensitivity --format yaml samples/skagerrak-sparebank.yaml
contains "$WORK/log" "--format is text or json"
expect_exit 2 "$WORK/log" "$PF" sensitivity samples/skagerrak-sparebank.yaml samples/kestrel-dental.yaml
contains "$WORK/log" "sensitivity takes one intake file"
ok "exit 1 on an intake that cannot be read or evaluated; a failed step is reported"

done_testing
