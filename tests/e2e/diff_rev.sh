# diff --base-rev REV: the baseline is the rules folder and the policy as
# committed at REV in git (how analysts keep their rules), the candidate the
# working files; the temporary copy is removed afterwards.
. "$(dirname "$0")/../lib.sh"
command -v git >/dev/null 2>&1 || { echo "ok - skipped: git not installed"; done_testing; exit 0; }

repo=$WORK/repo
mkdir -p "$repo"
cp -r rules policies samples "$repo/"
GIT() { git -C "$repo" -c user.name=t -c user.email=t@example.org "$@"; }
GIT init -q
GIT add -A
GIT commit -qm base
export TMPDIR=$WORK/tmp
mkdir -p "$TMPDIR"

# nothing changed since HEAD: exit 0, no change
(cd "$repo" && expect_exit 0 "$WORK/log" sh -c "\"$PF\" diff --base-rev HEAD --out \"$WORK/d0\" samples/ > \"$WORK/diff0.txt\"")
contains "$WORK/diff0.txt" "baseline rules + policies/default.yaml at HEAD"
contains "$WORK/diff0.txt" "intakes with any change:   0"

# a working-tree rule boosting an option: the same change diff --base-rules shows
echo 'rule { id = "t.boost", stage = "fit", because = "test", score = { self_service = 1000 } }' \
    > "$repo/rules/99-boost.lua"
(cd "$repo" && expect_exit 1 "$WORK/log" sh -c "\"$PF\" diff --base-rev HEAD --out \"$WORK/d1\" samples/ > \"$WORK/diff1.txt\"")
contains "$WORK/d1/diff.csv" '"kestrel-dental","self_service","entered shortlist",10,1,-67.5,932.5,"no","yes"'
# committed, the same change is the baseline: nothing differs from HEAD, all from HEAD~1
GIT add -A
GIT commit -qm boost
(cd "$repo" && expect_exit 0 "$WORK/log" "$PF" diff --base-rev HEAD --out "$WORK/d2" samples/)
(cd "$repo" && expect_exit 1 "$WORK/log" "$PF" diff --base-rev HEAD~1 --out "$WORK/d3" samples/)
cmp -s "$WORK/d1/diff.csv" "$WORK/d3/diff.csv" || fail "HEAD~1 against the committed boost differs from the working-tree diff"
[ -z "$(ls -A "$TMPDIR")" ] || fail "the baseline's temporary copy was left in $TMPDIR"
ok "diff --base-rev takes the baseline from git and cleans up after itself"

# a policy change in the working tree alone: a policy edit is diffed too
sed 's/^  size: 3$/  size: 2/' "$repo/policies/default.yaml" > "$WORK/p" && cp "$WORK/p" "$repo/policies/default.yaml"
(cd "$repo" && expect_exit 1 "$WORK/log" "$PF" diff --base-rev HEAD --out "$WORK/d4" samples/)
contains "$WORK/d4/diff.csv" '"left shortlist"'
ok "a policy edit shows against the committed policy"

# what is not a revision, and mixing the two kinds of baseline
(cd "$repo" && expect_exit 2 "$WORK/log" "$PF" diff --base-rev no-such-rev --out "$WORK/d5" samples/)
contains "$WORK/log" "cannot take 'no-such-rev:./rules' from git"
(cd "$repo" && expect_exit 2 "$WORK/log" "$PF" diff --base-rev --upload-pack=x --out "$WORK/d5" samples/)
contains "$WORK/log" "--base-rev takes a revision"
(cd "$repo" && expect_exit 2 "$WORK/log" "$PF" diff --base-rev HEAD --base-rules rules --out "$WORK/d5" samples/)
contains "$WORK/log" "leave out --base-rules and --base-policy"
# only from the work tree's top, with paths inside it (git would take other files)
(cd "$repo/samples" && expect_exit 2 "$WORK/log" "$PF" diff --base-rev HEAD --rules ../rules \
    --policy ../policies/default.yaml --out "$WORK/d6" .)
contains "$WORK/log" "runs from the top folder of the git work tree"
(cd "$repo" && expect_exit 2 "$WORK/log" "$PF" diff --base-rev HEAD --rules "$repo/rules" --out "$WORK/d6" samples/)
contains "$WORK/log" "relative to its top"
[ -z "$(ls -A "$TMPDIR")" ] || fail "a failed --base-rev left its temporary copy"
ok "a bad revision, an option as a revision, and two baselines at once exit 2"

done_testing
