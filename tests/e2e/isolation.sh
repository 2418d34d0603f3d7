# An intake's rows depend only on that intake, the rules and the policy:
# never on which intakes a worker evaluated before it. Rule files that try
# to carry state from one intake to the next (tests/stateful/: a new _ENV,
# a table used as a key, an iterator made at load, a counter) give every
# intake in a batch exactly the rows it gets when run alone, at --jobs 1
# and 2, or are refused at load; so does a pack that reads the evaluation's
# record before the stages fill it (tests/stateful/record.lua: the run hands
# a record's tables on to the next intake, emptied); `partnerfit isolation` finds none of them
# (and exits 1 on a pack whose reports follow pairs order); `check` warns
# on _ENV assignment and pairs.
. "$(dirname "$0")/../lib.sh"

ln -s "$SRC/samples" "$WORK/samples"
ln -s "$SRC/policies" "$WORK/policies"
cd "$WORK"

with_pack() { # with_pack NAME: the shipped rules plus tests/stateful/NAME.lua
    rm -rf rules
    cp -r "$SRC/rules" rules
    [ -z "$1" ] || cp "$SRC/tests/stateful/$1.lua" "rules/99-$1.lua"
}

# alone_equals_batch NAME: every sample run alone gives the rows it has in
# the batch (bodies concatenated in the batch's order, which is sorted)
alone_equals_batch() {
    for j in 1 2; do
        expect_exit "$2" "$1-batch$j.log" "$PF" run -q --jobs $j --out "$1-batch$j" samples/
    done
    for f in recommendations.csv needs.csv rejects.csv; do
        cmp -s "$1-batch1/$f" "$1-batch2/$f" || fail "$1: $f differs between --jobs 1 and 2"
    done
    rm -rf "$1-alone"
    mkdir "$1-alone"
    for s in samples/*.yaml; do
        set +e
        "$PF" run -q --jobs 1 --out "$1-one" "$s" 2>/dev/null
        set -e
        for f in recommendations.csv needs.csv rejects.csv; do
            tail -n +2 "$1-one/$f" >>"$1-alone/$f"
        done
    done
    for f in recommendations.csv needs.csv rejects.csv; do
        tail -n +2 "$1-batch1/$f" | cmp -s - "$1-alone/$f" || {
            tail -n +2 "$1-batch1/$f" | diff - "$1-alone/$f" | head -6 >&2
            fail "$1: an intake's $f rows in the batch differ from its rows run alone"
        }
    done
}

# ---- the shipped pack ---------------------------------------------------------
with_pack ""
expect_exit 0 iso.log sh -c "\"$PF\" isolation --rules rules samples/ > iso.out"
contains iso.out "0 differences"
ok "the shipped pack: every sample gives the same rows fresh and warm, in 4 orders"

# ---- state a rule file tries to keep -----------------------------------------------
for pack in env upvalue record; do
    with_pack $pack
    alone_equals_batch $pack 0
    expect_exit 0 "$pack-iso.log" sh -c "\"$PF\" isolation --rules rules samples/ > $pack-iso.out"
    contains "$pack-iso.out" "0 differences"
    ok "$pack: each intake's rows in a batch are its rows alone (--jobs 1 and 2); isolation finds no difference"
done

with_pack key
alone_equals_batch key 5
contains key-batch1/rejects.csv "tables of a rule file are read-only once the pack is loaded"
expect_exit 0 key-iso.log sh -c "\"$PF\" isolation --rules rules samples/ > key-iso.out"
ok "key: a table reachable only as a key is frozen like a value (the write fails on every intake alike)"

with_pack gmatch
expect_exit 2 gmatch.log "$PF" run --out gmatch-out samples/
contains gmatch.log "rule t.state.gmatch (rules/99-gmatch.lua:4) keeps a library function made while its file loaded (such as a string.gmatch iterator)"
expect_exit 2 gmatch-iso.log "$PF" isolation --rules rules samples/
expect_exit 2 gmatch-check.log "$PF" check --rules rules
ok "gmatch: an iterator made at load is refused when the pack loads (run, isolation, check)"

# ---- a replaced catalogue step does not outlive its intake ---------------------------
# The incumbent CSP's extension replaces the catalogue's step on its row
# (engage.extend.csp); the record's tables are handed on to the next intake
# emptied, so the next intake, whose CSP is a new provider, still gets the
# catalogue's round of proposals, as when it runs alone.
with_pack ""
mkdir -p replaced
common='assessed_on: 2026-11-10
organisation: {name: Edge, size: large}
maturity: {strategy: 2, plan: 2, ready: 1, migrate: 1, innovate: 1, govern: 2, manage: 2}
help: [{area: migrate, urgency: high}, {area: ready, urgency: high}]
culture: {approach: augment_staff, executive_sponsor: true}
estate: {servers: 380, databases: 120, applications: 100, inventory_complete: true, datacenter_exit: 2026-09-30}'
printf 'id: a-incumbent\n%s\nprocurement: {approved_vendor_list: true, contract_lead_time_days: 240, active_paid_subscription: true, incumbent_partner: csp}\n' "$common" >replaced/a.yaml
printf 'id: b-new-provider\n%s\nprocurement: {approved_vendor_list: true, contract_lead_time_days: 240, active_paid_subscription: true, billing_preference: pay_as_you_go}\n' "$common" >replaced/b.yaml
mkdir -p replaced-b && cp replaced/b.yaml replaced-b/
expect_exit 0 replaced-batch.log "$PF" run -q --jobs 1 --out replaced-batch replaced/
expect_exit 0 replaced-alone.log "$PF" run -q --jobs 1 --out replaced-alone replaced-b/
contains replaced-batch/recommendations.csv '"a-incumbent","Edge",2,"csp"'
# the source column names the folder: compare the rows without it
grep '^"b-new-provider"' replaced-batch/recommendations.csv | sed 's/,"[^"]*"$//' >replaced-b1
grep '^"b-new-provider"' replaced-alone/recommendations.csv | sed 's/,"[^"]*"$//' >replaced-b2
cmp -s replaced-b1 replaced-b2 || fail "the intake after an incumbent's extension gets other rows than alone"
grep '^"b-new-provider","Edge",[0-9]*,"csp"' replaced-b1 | grep -q '"yes".*Ask two or three Cloud Solution Providers' ||
    fail "the new provider's shortlisted CSP row lost the catalogue's step after the incumbent's intake"
ok "a catalogue step replaced on one intake's row is back on the next intake's (batch equals alone)"

# ---- what isolation and check find -------------------------------------------------
with_pack pairs
expect_exit 1 pairs-iso.log sh -c "\"$PF\" isolation --rules rules samples/ > pairs-iso.out"
contains pairs-iso.out "DIFFERS samples/"
contains pairs-iso.out "visits "
expect_exit 0 pairs-check.log sh -c "\"$PF\" check --rules rules > pairs-check.out"
contains pairs-check.out "rules/99-pairs.lua:7: warning: pairs visits keys in an order that can change"
expect_exit 2 pairs-strict.log sh -c "\"$PF\" check --strict --rules rules > pairs-strict.out"
ok "pairs: isolation exits 1 on reports that follow pairs order; check warns at the line (--strict fails)"

with_pack env
expect_exit 0 env-check.log sh -c "\"$PF\" check --rules rules > env-check.out"
contains env-check.out "rules/99-env.lua:7: warning: assigns _ENV"
ok "env: check warns where a rule assigns _ENV"

# seeded shuffles are reproducible, and more orders can be asked for
with_pack ""
expect_exit 0 seed.log sh -c "\"$PF\" isolation --rules rules --orders 9 --seed 7 samples/ > seed.out"
contains seed.out "in 9 orders: 0 differences"
expect_exit 2 orders.log "$PF" isolation --orders 0 samples/
ok "--orders and --seed are taken; --orders 0 is a usage error"

echo "isolation: $PASSED passed"
