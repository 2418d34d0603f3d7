# Lifecycles are kept per catalogue epoch and notes per date
# (engine/lua/lifecycles.lua): an intake evaluated after intakes of other
# dates, in one worker, gets the rows it gets alone. The dates hit every
# epoch of the shipped catalogue, several dates in one epoch (whose notes
# name different dates), a date on a change and the day before it, and
# return to dates seen before, in an order that jumps between them.
. "$(dirname "$0")/../lib.sh"

ln -s "$SRC/policies" "$WORK/policies"
ln -s "$SRC/rules" "$WORK/rules"
cd "$WORK"
mkdir in
i=0
for d in 2019-01-01 2024-11-20 2020-05-19 2025-06-30 2023-06-30 2025-07-01 2024-11-21 \
    2023-07-01 2026-03-01 2019-01-01 2025-04-01 2024-11-20 2020-05-18 2025-03-31 2026-03-02; do
    i=$((i + 1))
    for s in halden-medtech nordfjord-freight; do
        n=$(printf '%02d' "$i")
        sed -e "s/^id: .*/id: $s-$n/" -e "s/^assessed_on: .*/assessed_on: $d/" \
            "$SRC/samples/$s.yaml" >"in/$n-$s.yaml"
    done
done
expect_exit 0 batch.log "$PF" run -q --jobs 1 --out batch in/
mkdir alone
for f in in/*.yaml; do
    expect_exit 0 one.log "$PF" run -q --jobs 1 --out one "$f"
    for r in recommendations.csv needs.csv contributions.csv; do
        tail -n +2 "one/$r" >>"alone/$r"
    done
done
for r in recommendations.csv needs.csv contributions.csv; do
    tail -n +2 "batch/$r" | cmp -s - "alone/$r" || {
        tail -n +2 "batch/$r" | diff - "alone/$r" | head -6 >&2
        fail "an intake's $r rows after intakes of other dates differ from its rows alone"
    }
done
# the dates reach the notes: not every row says the same
grep -q "not yet available on 2019-01-01" batch/recommendations.csv ||
    fail "no note names a date before the first programme starts"
cut -d, -f11- batch/recommendations.csv | sort -u | wc -l | awk '$1 < 4 { exit 1 }' ||
    fail "the lifecycle notes do not change with the date"
# a change due within lifecycle_notice_days (92, three calendar months) is
# told, counted from the date, with the successor as it stands on the day
# of the change; one further away is not (2025-06-30 is a day before the
# bundling, 2025-04-01 three months and 91 days before it; 2024-11-20 is
# 223 days before it)
grep -q "active until 2025-07-01, then retired (1 day after the assessment; secondary source)" \
    batch/recommendations.csv || fail "no note tells of the bundling due the next day"
grep '"nordfjord-freight-11"' batch/recommendations.csv | grep '"azure_migrate_modernize"' |
    grep -q "active until 2025-07-01, then retired (91 days after the assessment" ||
    fail "no note tells, three months ahead, of the bundling on 2025-07-01"
grep '"nordfjord-freight-02"' batch/recommendations.csv | grep -q "active until" &&
    fail "a note tells of a change 223 days away"
grep '"nordfjord-freight-04"' batch/recommendations.csv | grep '"azure_migrate_modernize"' |
    grep -q "successor: Azure Accelerate (azure_accelerate)\"" ||
    fail "the note of a change due tomorrow does not name the successor as of that day"
# a successor that has not started is said to have not started, not that
# nothing is available: other programmes may carry part of the offer
grep '"halden-medtech-04"' batch/recommendations.csv | grep '"fasttrack_for_azure"' |
    grep -q "successor: Azure Accelerate (azure_accelerate), from 2025-07-01; it has not started on 2025-06-30" ||
    fail "the note of FastTrack on 2025-06-30 does not say its successor has not started"
echo "lifecycle_dates: ok"
