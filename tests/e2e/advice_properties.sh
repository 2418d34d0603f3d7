# Properties of the advice, over the samples and a seeded generated corpus
# (bench/gen_intakes.c, 3,000 intakes of every shape): what a practitioner
# would never sign must not appear in any report, whatever the intake.
#   - no intake is told both to run the assessment first and to open the
#     contract review with a clear leader now;
#   - no shortlisted row rests on a reason that says there is nothing to buy;
#   - no next step counts "0 of the N days" or speaks of "a large share";
#   - no contract review is opened with a Microsoft programme itself;
#   - no lifecycle note calls anything "the current route";
#   - every shortlisted row says its margin, its tie, or that nothing follows;
#   - an option left out because there is nothing to buy is not told to buy
#     or upgrade in its next step;
#   - the incumbent's own row is not told to extend the incumbent instead;
#   - nothing that is not bought (a nomination, support, self-service) is
#     called the clear leader to contract;
#   - the too-slow advice names the incumbent it tells to extend;
#   - a contract step for an option whose lifecycle changes within the
#     notice window says how the engagement carries over;
#   - the Developer tier is not something to buy before production;
#   - a kind of provider is not contracted before one is chosen;
#   - where support comes from is decided before a plan is bought;
#   - a note that an option carries a programme's points is on that
#     option's row only;
#   - a programme's contract step never speaks of "the qualifying partner"
#     as if one were chosen: it names the candidate or says to choose one.
. "$(dirname "$0")/../lib.sh"

CC=${CC:-cc}
"$CC" -O1 -o "$WORK/gen_intakes" "$SRC/bench/gen_intakes.c" || fail "cannot build bench/gen_intakes.c"
"$WORK/gen_intakes" -n 3000 -s 17 -o "$WORK/corpus" >/dev/null || fail "the generator failed"
cp "$SRC"/samples/*.yaml "$WORK/corpus/"
set +e
"$PF" run --quiet --out "$WORK/out" "$WORK/corpus" >"$WORK/log" 2>&1
rc=$?
set -e
# 1: the generator writes a few broken intakes on purpose (rejects)
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "run exited $rc (see $WORK/log)"

python3 - "$WORK/out/recommendations.csv" <<'PY' || fail "a property of the advice does not hold (listed above)"
import csv, re, sys
bad = []
CARRIES = re.compile(r"\(On the assessment date (.+?) carries what (.+?) offered"
                     r"(?:, as secondary sources report)?\.\)")
steps_by_intake = {}
for r in csv.DictReader(open(sys.argv[1], newline="")):
    i, o, step, why, note, life = (r["intake_id"], r["option_id"], r["next_step"], r["why"],
                                   r["shortlist_note"], r["lifecycle_note"])
    steps_by_intake.setdefault(i, []).append(step)
    if r["shortlisted"] == "yes":
        if "fit.support.covered" in why:
            bad.append(f"{i}/{o}: shortlisted on a reason that says no purchase is needed")
        if not (" ahead of " in note or "tied with" in note or "no other eligible option reaches" in note):
            bad.append(f"{i}/{o}: shortlisted without its margin: {note}")
    elif "shortlist.support." in note and ("upgrade" in step or "buy or upgrade" in step):
        bad.append(f"{i}/{o}: left out as nothing to buy, yet told to buy: {step[:160]}")
    if " 0 of the " in step or "a large share" in step:
        bad.append(f"{i}/{o}: a next step counts no days left: {step[:160]}")
    if "the current route" in life:
        bad.append(f"{i}/{o}: a lifecycle note speaks of the current route")
    if step.count("contract and paperwork review") + step.count("'s contract now") > 1:
        bad.append(f"{i}/{o}: told twice to open the contract review: {step[:200]}")
    if "Support is bought through a Cloud Solution Provider" in step and "upgrade now" in step:
        bad.append(f"{i}/{o}: told to check the CSP's terms and to upgrade now: {step[:200]}")
    if "already passed" in step and "within a year" in note:
        bad.append(f"{i}/{o}: a passed exit called 'within a year'")
    if "review of the incumbent" in step and "extend the incumbent partner's contract" in step:
        bad.append(f"{i}/{o}: the incumbent's row is told to extend the incumbent instead: {step[:200]}")
    if o in ("fasttrack_for_azure", "azure_support", "self_service") and "is the clear leader" in step:
        bad.append(f"{i}/{o}: an option that is not contracted called the clear leader: {step[:200]}")
    if "extend the incumbent partner's contract" in step:
        bad.append(f"{i}/{o}: the incumbent to extend is not named: {step[:200]}")
    if ("contract and paperwork review" in step or "'s contract now" in step) and "active until" in life \
            and "before signing" not in step:
        bad.append(f"{i}/{o}: a contract step silent on the change its lifecycle note announces: {step[:200]}")
    if "Recommended tier: Developer" in step and "buy it before the first production" in step:
        bad.append(f"{i}/{o}: Developer, a non-production tier, to buy before production: {step[:200]}")
    if o in ("csp", "azure_expert_msp") and "is the clear leader: open the contract and paperwork review with it" in step:
        bad.append(f"{i}/{o}: a kind of provider contracted before one is chosen: {step[:200]}")
    if re.search(r"with the qualifying partner that delivers [^.(]* now", step):
        bad.append(f"{i}/{o}: a contract review with a qualifying partner nobody has chosen: {step[:200]}")
    for m in CARRIES.finditer(why):
        if m.group(1) != r["option_name"]:
            bad.append(f"{i}/{o}: a note that {m.group(1)} carries {m.group(2)} on another option's row")
    if "decide whether technical support" in step.lower() and "Before buying or upgrading" not in step:
        bad.append(f"{i}/{o}: support bought before deciding where it comes from: {step[:200]}")
for i, steps in steps_by_intake.items():
    text = " ".join(steps)
    if "Run the assessment first" in text and "is the clear leader:" in text \
            and "open the contract and paperwork review" in text:
        bad.append(f"{i}: told to run the assessment first and to contract the leader now")
    for prog in ("Azure Accelerate", "Azure Migrate and Modernize", "Azure Innovate",
                 "Azure Migration and Modernization Program"):
        if f"{prog} is the clear leader: open the contract" in text:
            bad.append(f"{i}: contract review opened with the programme {prog} itself")
for b in bad[:40]:
    print(b)
print(f"{len(bad)} violations over {len(steps_by_intake)} intakes")
sys.exit(1 if bad else 0)
PY
ok "over $(ls "$WORK/corpus" | wc -l | tr -d ' ') intakes, no report says what a practitioner would not sign"
done_testing
