# `cmake --install` into a fresh prefix puts the program, the rule pack,
# the policies, the man page and the docs in their FHS places, and the
# installed program, run from another folder, finds its rules and policy
# there; a folder holding its own policies/default.yaml still uses that one.
# Called as: sh install.sh PARTNERFIT SOURCE_DIR WORK_DIR CSVCHECK BUILD_DIR
. "$(dirname "$0")/../lib.sh"
BUILD=$5
P="$WORK/prefix"

cmake --install "$BUILD" --prefix "$P" >"$WORK/install.log" 2>&1 ||
    { cat "$WORK/install.log" >&2; fail "cmake --install failed"; }
[ -x "$P/bin/partnerfit" ] || fail "no bin/partnerfit"
for f in rules/*.lua policies/*; do
    cmp -s "$f" "$P/share/partnerfit/$f" || fail "share/partnerfit/$f is not installed as shipped"
done
for f in share/man/man1/partnerfit.1.gz share/doc/partnerfit/README.md \
    share/doc/partnerfit/rules.md share/doc/partnerfit/examples/samples/atlas-marine.yaml \
    share/doc/partnerfit/examples/systemd/partnerfit.service; do
    [ -f "$P/$f" ] || fail "$f is not installed"
done
ok "program, rules, policies, man page and docs in bin/ and share/"

# from a folder with nothing of partnerfit's but copies of the samples
mkdir "$WORK/elsewhere"
cp -R samples "$WORK/elsewhere/samples"
cd "$WORK/elsewhere"
expect_exit 0 "$WORK/run.log" "$P/bin/partnerfit" run --out out samples/
for f in recommendations.csv needs.csv rejects.csv; do
    cmp -s "$SRC/tests/golden/$f" "out/$f" || fail "$f differs from tests/golden/$f"
done
contains out/manifest.yaml "folder: $P/share/partnerfit/rules"
contains out/manifest.yaml "file: $P/share/partnerfit/policies/default.yaml"
ok "run from another folder uses the installed rules and policy (golden reports)"

expect_exit 0 "$WORK/check.log" sh -c "\"$P/bin/partnerfit\" check >\"$WORK/check.out\""
"$P/bin/partnerfit" --help >"$WORK/help.txt"
contains "$WORK/help.txt" "--rules $P/share/partnerfit/rules"
contains "$WORK/help.txt" "--policy $P/share/partnerfit/policies/default.yaml"
ok "check works there too, and --help names the installed defaults"

# a folder with its own policy keeps using it (a broken one, to tell them apart)
mkdir policies
printf 'policy_version: "x"\nschema: missing-schema.yaml\n' >policies/default.yaml
expect_exit 2 "$WORK/local.log" "$P/bin/partnerfit" run --out out2 samples/
contains "$WORK/local.log" "missing-schema.yaml"
"$P/bin/partnerfit" --help >"$WORK/help.txt"
contains "$WORK/help.txt" "--policy policies/default.yaml"
contains "$WORK/help.txt" "--rules $P/share/partnerfit/rules"
ok "the current folder's policies/default.yaml comes first"
done_testing
