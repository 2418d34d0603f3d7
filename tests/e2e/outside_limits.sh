# Rules that run away where the evaluator's own limits cannot see them:
# inside one long C call (a plain string.find of a 2 MB needle in a 4 MB
# haystack costs about 10^12 byte comparisons and never reaches Lua's
# hook). The run's workers are processes their supervisor stops from
# outside; the other commands run under a watcher that does the same.
# Also: a rule that overruns on every intake is disabled after three in a
# row, so a bad rule costs seconds, not hours; signals still reach the
# command; no process is left behind.
. "$(dirname "$0")/../lib.sh"

ln -s "$SRC/samples" "$WORK/samples"
ln -s "$SRC/policies" "$WORK/policies"
cd "$WORK"
n=$(ls samples/*.yaml | wc -l)
victim=kestrel-dental

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# hostile_rule CONDITION BODY: a needs rule whose `when` runs BODY when the
# Lua expression CONDITION holds for the intake.
hostile_rule() {
    rm -rf rules
    cp -r "$SRC/rules" rules
    cat >rules/99-hostile.lua <<EOF
rule { id = "t.hostile", stage = "needs", because = "hostile test",
  when = function(intake, ctx)
    if $1 then
      $2
    end
    return false
  end,
  need = { plan = 1 } }
EOF
}

C_HANG='local s = string.rep("a", 4000000)
      return s:find(string.rep("a", 2000000) .. "b", 1, true) ~= nil'
LUA_LOOP='while true do end'
KILLED='rule t.hostile (rules/99-hostile.lua:1) went over the time limit of 2 seconds for one intake inside a call the limits cannot interrupt; it was stopped from outside 2 seconds later'

# timed NAME BOUND_MS CODE command...: runs with the exit code expected,
# within the bound (the deadline is 2 s and the stop 2 s after it).
timed() {
    name=$1 bound=$2 code=$3
    shift 3
    t0=$(now_ms)
    expect_exit "$code" "$name.log" timeout 120 "$@"
    ms=$(($(now_ms) - t0))
    [ "$ms" -le "$bound" ] || fail "$name took $ms ms (bound $bound ms)"
}

# ---- the shipped pack, for comparison ---------------------------------------
rm -rf rules
cp -r "$SRC/rules" rules
expect_exit 0 base.log "$PF" run --rules rules --out base samples/
for f in recommendations.csv needs.csv; do
    grep -v "^\"$victim\"," "base/$f" >"base.$f"
done

# ---- one intake stuck in a C call: only it is rejected, at any --jobs ----------
hostile_rule "intake.id == \"$victim\"" "$C_HANG"
for j in 1 2; do
    timed "victim-j$j" 20000 5 "$PF" run --jobs $j --rules rules --out "victim-j$j" samples/
    grep -F "\"samples/$victim.yaml\"" "victim-j$j/rejects.csv" | grep -F "\"rule.limit\"" |
        grep -qF "$KILLED" || { cat "victim-j$j/rejects.csv" >&2; fail "victim-j$j: no reject naming the rule"; }
    [ "$(($(wc -l <"victim-j$j/rejects.csv") - 1))" = 1 ] || fail "victim-j$j: one reject expected"
    for f in recommendations.csv needs.csv; do
        cmp -s "base.$f" "victim-j$j/$f" || fail "victim-j$j: the other intakes' $f rows changed"
    done
done
for f in recommendations.csv needs.csv rejects.csv rule_hits.csv; do
    cmp -s "victim-j1/$f" "victim-j2/$f" || fail "$f differs between --jobs 1 and --jobs 2"
done
ok "an intake stuck in a C call is stopped from outside and rejected naming the rule; the other $((n - 1)) give their usual rows; --jobs 1 and 2 agree"

# ---- in a bulk file, the documents around the stuck one are kept -------------
mkdir bulk
for id in atlas-marine "$victim" polaris-retail; do
    echo "---"
    grep -v '^#' "samples/$id.yaml" # no comments: the second document starts right after its marker
done >bulk/three.yaml
second=$(($(grep -vc '^#' samples/atlas-marine.yaml) + 3))
timed bulk 20000 5 "$PF" run --jobs 1 --rules rules --out bulk-out bulk/
contains bulk-out/rejects.csv "\"bulk/three.yaml\",$second,1,\"\",\"rule.limit\",\"$KILLED"
for id in atlas-marine polaris-retail; do
    grep -q "^\"$id\"," bulk-out/recommendations.csv || fail "bulk: $id (around the stuck one) lost"
done
grep -qx "  evaluated: 2" bulk-out/manifest.yaml && grep -qx "  rejected: 1" bulk-out/manifest.yaml ||
    { cat bulk-out/manifest.yaml >&2; fail "bulk: expected 2 evaluated, 1 rejected"; }
ok "a bulk file: the document stuck in a C call is rejected at its own line, the ones before and after it are evaluated"

# ---- a rule stuck on every intake is disabled after three in a row ---------------
check_disabled() {
    out=$1
    limit=$(grep -c '"rule.limit"' "$out/rejects.csv" || true)
    disabled=$(grep -c '"rule.disabled"' "$out/rejects.csv" || true)
    [ "$limit" = 3 ] && [ "$disabled" = $((n - 3)) ] ||
        { cat "$out/rejects.csv" >&2; fail "$out: expected 3 over the limit and $((n - 3)) disabled"; }
    contains "$out/rejects.csv" "not evaluated: rule t.hostile (rules/99-hostile.lua:1) was disabled for the rest of the run after it went over its limits on 3 of 10 intakes in a row"
    contains "$out.log" "it is disabled and every later intake is rejected"
}
hostile_rule "true" "$C_HANG"
timed every-c-j2 30000 5 "$PF" run --jobs 2 --rules rules --out every-c-j2 samples/
check_disabled every-c-j2
timed every-c-j1 30000 5 "$PF" run --jobs 1 --rules rules --out every-c-j1 samples/
check_disabled every-c-j1
cmp -s every-c-j1/rejects.csv every-c-j2/rejects.csv || fail "every-c: --jobs 1 and 2 reject differently"
ok "a rule stuck in a C call on every intake is disabled after three: $n intakes in bounded time, the same rejects at any --jobs"

hostile_rule "true" "$LUA_LOOP"
timed every-lua 20000 5 "$PF" run --jobs 2 --rules rules --out every-lua samples/
check_disabled every-lua
ok "a rule that loops in Lua on every intake is disabled after three too"

# ---- stuck every other intake: disabled too; now and then: not ----------------------
# the samples in input order: 1 atlas-marine, 3 cortexa-ai, 5 greystone-logistics,
# 8 lindqvist-arkitekter, 15 thornbury-council
every_other='intake.id == "atlas-marine" or intake.id == "cortexa-ai" or intake.id == "greystone-logistics"'
hostile_rule "$every_other" "$LUA_LOOP"
timed alternate 20000 5 "$PF" run --jobs 2 --rules rules --out alternate samples/
limit=$(grep -c '"rule.limit"' alternate/rejects.csv || true)
disabled=$(grep -c '"rule.disabled"' alternate/rejects.csv || true)
[ "$limit" = 3 ] && [ "$disabled" = $((n - 5)) ] ||
    { cat alternate/rejects.csv >&2; fail "alternate: expected 3 over the limit and $((n - 5)) disabled"; }
grep -qx "  evaluated: 2" alternate/manifest.yaml || fail "alternate: the two intakes between were not evaluated"
ok "a rule stuck on every other intake is disabled at its third overrun (3 of 10 in a row)"
now_and_then='intake.id == "atlas-marine" or intake.id == "lindqvist-arkitekter" or intake.id == "thornbury-council"'
hostile_rule "$now_and_then" "$LUA_LOOP"
timed rare 20000 5 "$PF" run --jobs 2 --rules rules --out rare samples/
limit=$(grep -c '"rule.limit"' rare/rejects.csv || true)
[ "$limit" = 3 ] && ! grep -q '"rule.disabled"' rare/rejects.csv ||
    { cat rare/rejects.csv >&2; fail "rare: expected 3 over the limit and none disabled"; }
grep -qx "  evaluated: $((n - 3))" rare/manifest.yaml || fail "rare: the other intakes were not all evaluated"
ok "a rule over its limits on three intakes 7 apart is not disabled: every other intake is evaluated"

# the window's edge: overruns at 1, 3 and 10 (meridian-stahl) fall within 10
# intakes in a row and disable the rule; at 1, 3 and 11 (nordfjord-freight) not
for last in meridian-stahl nordfjord-freight; do
    hostile_rule "intake.id == \"atlas-marine\" or intake.id == \"cortexa-ai\" or intake.id == \"$last\"" "$LUA_LOOP"
    timed "edge-$last" 20000 5 "$PF" run --jobs 1 --rules rules --out "edge-$last" samples/
done
grep -q '"rule.disabled"' edge-meridian-stahl/rejects.csv || fail "edge: overruns at 1, 3, 10 did not disable"
grep -q '"rule.disabled"' edge-nordfjord-freight/rejects.csv && fail "edge: overruns at 1, 3, 11 disabled"
ok "the window is 10 intakes: overruns at 1, 3 and 10 disable the rule, at 1, 3 and 11 not"

# ---- the commands around a run: load, check, explain --------------------------------
rm -rf rules
cp -r "$SRC/rules" rules
cp -r base keep
cat >rules/99-hostile.lua <<'EOF'
local s = string.rep("a", 4000000)
local found = s:find(string.rep("a", 2000000) .. "b", 1, true)
EOF
timed load 15000 2 "$PF" run --rules rules --out base samples/
contains load.log "partnerfit: the top level of rules/99-hostile.lua went over the time limit of 2 seconds inside a call the limits cannot interrupt"
for f in keep/*; do
    cmp -s "$f" "base/${f##*/}" || fail "load: a stopped load changed ${f##*/}"
done
timed check-load 15000 2 "$PF" check --rules rules samples/
contains check-load.log "the top level of rules/99-hostile.lua went over the time limit"
ok "a rule file stuck at its top level stops run and check with exit 2, naming the file; the reports are untouched"

hostile_rule "true" "$C_HANG"
timed check 15000 2 "$PF" check --rules rules samples/
contains check.log "partnerfit: rule t.hostile (rules/99-hostile.lua:1) went over the time limit of 2 seconds inside a call the limits cannot interrupt"
timed explain 15000 2 "$PF" explain --rules rules "samples/$victim.yaml"
contains explain.log "partnerfit: rule t.hostile (rules/99-hostile.lua:1) went over the time limit"
ok "check and explain stop a rule stuck in a C call with exit 2, naming the rule"

# ---- signals reach the command; nothing is left running ---------------------------
hostile_rule "true" "$C_HANG"
"$PF" run --jobs 2 --rules rules --out sig samples/ 2>sig.log &
pid=$!
sleep 1
kill -TERM "$pid"
set +e
wait "$pid"
got=$?
set -e
[ "$got" = 143 ] || fail "SIGTERM: expected to die of it (143), got $got"
sleep 1
if pgrep -f "out sig samples" >/dev/null 2>&1; then
    pgrep -af "out sig samples" >&2 || true
    fail "SIGTERM: a process of the run is still there"
fi
[ ! -e sig/recommendations.csv ] || fail "SIGTERM: reports were written"
ok "SIGTERM reaches the run through its watcher; the run and its workers are gone; nothing written"

echo "outside_limits: $PASSED passed"
