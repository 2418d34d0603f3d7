# The command line fits habits: --name=value works like --name value, every
# command answers --help, and an option a command does not take is refused
# (exit 2) instead of silently ignored.
. "$(dirname "$0")/../lib.sh"

# --name=value and --name value give the same reports
expect_exit 0 "$WORK/log" "$PF" run -q --out "$WORK/a" --jobs 2 samples/
expect_exit 0 "$WORK/log" "$PF" run -q --out="$WORK/b" --jobs=2 samples/
for f in recommendations.csv needs.csv rejects.csv rule_hits.csv; do
    cmp -s "$WORK/a/$f" "$WORK/b/$f" || fail "--out=DIR gave another $f"
done
expect_exit 2 "$WORK/log" "$PF" run -q --jobs=0 --out="$WORK/c" samples/
contains "$WORK/log" "--jobs takes a whole number from 1 to 256, not '0'"
# after "--" nothing is an option, '=' or not
mkdir -p "$WORK/odd"
cp "samples/$(ls samples | grep '\.yaml$' | head -n 1)" "$WORK/odd/--x=1.yaml"
(cd "$WORK/odd" && expect_exit 0 "$WORK/log" "$PF" run -q --rules "$SRC/rules" \
    --policy "$SRC/policies/default.yaml" --out "$WORK/d" -- --x=1.yaml)
contains "$WORK/d/recommendations.csv" "--x=1.yaml"
ok "--name=value is --name value; after -- every word is a path"

# every command answers --help on stdout with exit 0 with its own page
# (not the whole usage), every option the page names is one the command
# takes, and it runs nothing
for cmd in run merge check test explain sensitivity diff types isolation; do
    expect_exit 0 "$WORK/log" sh -c "\"$PF\" $cmd --help > \"$WORK/help.txt\""
    head -n 1 "$WORK/help.txt" | grep -q "^usage: partnerfit $cmd " ||
        { cat "$WORK/help.txt" >&2; fail "$cmd --help does not start with its own usage"; }
    for other in run merge check test explain sensitivity diff types isolation; do
        [ "$other" = "$cmd" ] && continue
        if grep -q "usage: partnerfit $other " "$WORK/help.txt"; then fail "$cmd --help shows the usage of $other"; fi
    done
    # the options in its usage lines and its list of options (not prose)
    for opt in $(grep -E '^(usage:|  +\[|  +--|       partnerfit)' "$WORK/help.txt" |
        grep -o -- '--[a-z][a-z-]*' | sort -u); do
        set +e
        "$PF" $cmd "$opt" >"$WORK/opt.out" 2>&1 </dev/null
        set -e
        if grep -q "does not take the option\|unknown option" "$WORK/opt.out"; then
            fail "$cmd --help names $opt, which $cmd refuses"
        fi
    done
done
expect_exit 0 "$WORK/log" sh -c "\"$PF\" run -q --out \"$WORK/e\" samples/ -h > \"$WORK/help.txt\""
[ ! -e "$WORK/e" ] || fail "run ... -h ran"
ok "every command's --help prints its own page, naming only options it takes, and runs nothing"

# options a command does not take are refused, each by name
expect_exit 2 "$WORK/log" "$PF" check samples/ --out x --format json --base-rules nowhere/
contains "$WORK/log" "does not take the option '--out'"
expect_exit 2 "$WORK/log" "$PF" explain --strict samples/x.yaml
contains "$WORK/log" "does not take the option '--strict'"
expect_exit 2 "$WORK/log" "$PF" types --rules rules
contains "$WORK/log" "does not take the option '--rules'"
expect_exit 2 "$WORK/log" "$PF" test --base-rev HEAD
contains "$WORK/log" "does not take the option '--base-rev'"
for opt in "--jobs 2" "--shard 0/2" --incremental --timings "--max-drop 5" --allow-empty; do
    # shellcheck disable=SC2086
    expect_exit 2 "$WORK/log" "$PF" merge $opt --out "$WORK/m" "$WORK/a"
    contains "$WORK/log" "merge does not take the option '${opt%% *}'"
done
[ ! -e "$WORK/m" ] || fail "a refused merge wrote something"
ok "an option a command does not take exits 2 and names it"

done_testing
