# What a run keeps per intake goes to unlinked files in the output folder
# past a memory budget (docs/design.md, "Memory"). With the budget forced
# to one byte (PARTNERFIT_SPILL_BYTES, a knob for tests) every table takes
# the disk path from its first entry: the reports must be byte-identical
# to a run that keeps everything in memory, for --jobs 1 and 2, shards and
# their merge, --incremental reruns and --briefs; duplicate ids are found
# across the spilled set with their first file and line, a file reached
# twice (hard link, symlink, folder link, a path given twice) is listed
# once, and no temporary file is left behind.
. "$(dirname "$0")/../lib.sh"

in=$WORK/in
mkdir -p "$in/a" "$in/b" "$in/c"
cp samples/*.yaml "$in/a/"
i=0
for f in samples/*.yaml; do # copies with new ids, and a few with clashing ones
    i=$((i + 1))
    sed "s/^id: .*/id: copy-$i/" "$f" > "$in/b/copy-$i.yaml"
    sed "s/^id: .*/id: copy-$i/" "$f" > "$in/c/again-$i.yaml" # every one a duplicate
done
sed 's/^id: .*/id: copy-3/' samples/kestrel-dental.yaml > "$in/b/zz-dup.yaml"
{ printf -- '---\n'; sed 's/^id: .*/id: bulk-1/' samples/atlas-marine.yaml;
  printf -- '---\n'; sed 's/^id: .*/id: copy-7/' samples/atlas-marine.yaml; } > "$in/b/bulk.yaml"
printf 'id: [broken\n' > "$in/b/broken.yaml"
ln "$in/a/halden-medtech.yaml" "$in/c/hard-link.yaml"  # the same file: listed once
ln -s ../c/again-1.yaml "$in/a/000-link.yaml"           # a link met before its target
ln -s ../a/kestrel-dental.yaml "$in/b/0-link.yaml"      # and one met after it
ln -s ../b "$in/c/linked-folder"                        # a folder met twice
paths="$in $in/a/nordfjord-freight.yaml"                # and a file given twice

same_reports() { # DIR1 DIR2 WHAT [ONE-MORE-FILE]
    for f in recommendations.csv needs.csv contributions.csv intakes.csv index.html rejects.csv \
        rule_hits.csv manifest.yaml "${4:-}"; do
        [ -n "$f" ] || continue
        if ! cmp -s "$1/$f" "$2/$f"; then
            diff "$1/$f" "$2/$f" | head -20 >&2 || true
            fail "$3: $f differs"
        fi
    done
}

no_leftovers() { # DIR
    if ls -A "$1" | grep -q '\.tmp\.'; then ls -A "$1" >&2; fail "a temporary file was left in $1"; fi
}

# shellcheck disable=SC2086
expect_exit 1 "$WORK/log" "$PF" run --quiet --jobs 2 --out "$WORK/mem" $paths
contains "$WORK/mem/rejects.csv" "is already used by $in/b/copy-3.yaml (line "
for jobs in 1 2; do
    # shellcheck disable=SC2086
    expect_exit 1 "$WORK/log" env PARTNERFIT_SPILL_BYTES=1 "$PF" run --quiet --jobs $jobs --out "$WORK/disk$jobs" $paths
    same_reports "$WORK/mem" "$WORK/disk$jobs" "--jobs $jobs on disk"
    no_leftovers "$WORK/disk$jobs"
done
files=$(sed -n 's/^  files: //p' "$WORK/mem/manifest.yaml")
[ "$files" -eq $((15 + 1 + 18 + 14)) ] || fail "expected 48 files listed once each, the manifest says $files"
contains "$WORK/mem/intakes.csv" "$in/a/000-link.yaml"
ok "one-byte budget: reports byte-identical to a run in memory, --jobs 1 and 2; each file listed once"

for k in 0 1; do
    set +e
    # shellcheck disable=SC2086
    env PARTNERFIT_SPILL_BYTES=1 "$PF" run --quiet --jobs 2 --shard "$k/2" --out "$WORK/shard$k" $paths 2>"$WORK/log$k"
    code=$?
    set -e
    [ "$code" -le 1 ] || { cat "$WORK/log$k" >&2; fail "shard $k exited $code"; }
done
expect_exit 1 "$WORK/log" env PARTNERFIT_SPILL_BYTES=1 "$PF" merge --out "$WORK/merged" "$WORK/shard0" "$WORK/shard1"
same_reports "$WORK/mem" "$WORK/merged" "shards merged on disk"
no_leftovers "$WORK/merged"
ok "one-byte budget: two shards and their merge give the single run's reports"

# --incremental: a first run, an unchanged rerun, a rerun after an edit
for budget in "" 1; do
    out=$WORK/inc$budget
    for step in 1 2 3; do
        [ "$step" -eq 3 ] && sed -i 's/^  name: .*/  name: Renamed Org/' "$in/b/copy-2.yaml"
        # shellcheck disable=SC2086
        expect_exit 1 "$WORK/log" env PARTNERFIT_SPILL_BYTES="$budget" "$PF" run --incremental --jobs 2 --out "$out" $paths
        [ "$step" -eq 1 ] || contains "$WORK/log" "reused from the previous run"
        cp "$out/recommendations.csv" "$WORK/inc$budget-rec$step.csv"
        cp "$out/partnerfit-state.csv" "$WORK/inc$budget-state$step.csv"
    done
    i=0
    for f in samples/*.yaml; do # put the edited copy back for the next budget
        i=$((i + 1))
        sed "s/^id: .*/id: copy-$i/" "$f" > "$in/b/copy-$i.yaml"
    done
done
for step in 1 2 3; do
    cmp -s "$WORK/inc-rec$step.csv" "$WORK/inc1-rec$step.csv" || fail "--incremental step $step: recommendations differ on disk"
    cmp -s "$WORK/inc-state$step.csv" "$WORK/inc1-state$step.csv" || fail "--incremental step $step: the state differs on disk"
done
same_reports "$WORK/inc" "$WORK/inc1" "--incremental on disk" partnerfit-state.csv
no_leftovers "$WORK/inc1"
ok "one-byte budget: --incremental reruns reuse the same intakes and write the same reports and state"

# shellcheck disable=SC2086
expect_exit 1 "$WORK/log" env PARTNERFIT_SPILL_BYTES=1 "$PF" run --quiet --briefs --out "$WORK/briefs1" $paths
# shellcheck disable=SC2086
expect_exit 1 "$WORK/log" "$PF" run --quiet --briefs --out "$WORK/briefs" $paths
same_reports "$WORK/briefs" "$WORK/briefs1" "--briefs on disk" briefs.csv
ok "one-byte budget: the same briefs, none for a rejected or duplicate intake"

# a run that finds nothing leaves no folder behind (the lock is taken before the walk)
mkdir -p "$WORK/empty"
expect_exit 7 "$WORK/log" "$PF" run --quiet --out "$WORK/never/made" "$WORK/empty"
[ ! -e "$WORK/never/made" ] || fail "a run with no intake left its output folder behind"
ok "a run with no intake leaves no output folder behind"

done_testing
