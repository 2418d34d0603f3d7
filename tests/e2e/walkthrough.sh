# docs/rules.md's "Changing a rule safely" must stay true: its patch
# applies to the shipped pack as written, and every line it shows of the
# output of `partnerfit check | test | explain | diff` (steps 3 to 6) is a
# line the real commands print after that patch ("..." stands for lines
# left out). A rule moved by an edit of the pack fails this test until the
# walk-through is redone.
. "$(dirname "$0")/../lib.sh"

doc=$SRC/docs/rules.md
section=$WORK/section.md
awk '/^## Changing a rule safely/ {on = 1; next} on && /^\*\*7\./ {exit} on' "$doc" >"$section"
[ -s "$section" ] || fail "docs/rules.md has no 'Changing a rule safely' section"

w=$WORK/w
mkdir -p "$w/tmp"
cp -R "$SRC/rules" "$SRC/policies" "$SRC/samples" "$w/"
mkdir -p "$w/tests"
cp -R "$SRC/tests/rules" "$w/tests/"
cp -R "$w/rules" "$w/tmp/rules-before" # step 1

# step 2: the patch, as the page shows it
awk '/^```diff/ {on = 1; next} on && /^```/ {exit} on' "$section" >"$WORK/walk.patch"
grep -q '^+++ b/rules/' "$WORK/walk.patch" || fail "no patch found in the walk-through"
(cd "$w" && patch -p1 --quiet --forward <"$WORK/walk.patch") ||
    fail "the walk-through's patch does not apply to rules/ as written"
ok "the walk-through's patch applies as written"

# steps 3-6: each "$ ./build/partnerfit ..." block against the real output
awk '
/^```/ { inblock = !inblock; if (!inblock && cmd != "") { print "END"; cmd = "" } next }
inblock && /^\$ \.\/build\/partnerfit / { if (cmd != "") print "END"; cmd = substr($0, 3); print "CMD " cmd; next }
inblock && /^\$ / { if (cmd != "") print "END"; cmd = ""; next }  # another command (cat): not checked
inblock && cmd != "" { print "LINE " $0 }
' "$section" >"$WORK/blocks"
[ "$(grep -c '^CMD ' "$WORK/blocks")" -ge 4 ] || fail "fewer than 4 commands found in the walk-through"
n=0
while IFS= read -r entry; do
    case $entry in
    "CMD "*)
        cmd=${entry#CMD ./build/partnerfit }
        n=$((n + 1))
        out=$WORK/out$n.txt
        # shellcheck disable=SC2086 # the page's own arguments, split as a shell would
        (cd "$w" && set +e && "$PF" $(printf '%s' "$cmd" | sed "s|/tmp/|$w/tmp/|g") >"$out" 2>&1; true)
        sed "s|$w/tmp/|/tmp/|g" "$out" >"$out.shown"
        ;;
    "LINE "*)
        line=${entry#LINE }
        case $line in "" | "..." | *"..." ) continue ;; esac
        grep -qxF -- "$line" "$out.shown" || {
            echo "--- real output of: partnerfit $cmd" >&2
            cat "$out.shown" >&2
            fail "the walk-through shows a line the command does not print: $line"
        }
        ;;
    esac
done <"$WORK/blocks"
ok "every line the walk-through shows of check, test, explain and diff ($n commands) is in their real output"
done_testing
