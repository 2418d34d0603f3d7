# CPack builds a .deb whose Depends: names the runtime libraries the binary
# links (as dpkg-shlibdeps finds them), and the installed package works: run
# from another folder on copies of the samples, it finds its rules and
# policy, exits 0 (1 once an intake is broken) and writes the golden reports.
# Installed with dpkg -i when root in CI (CI set: a throwaway machine), else
# unpacked with dpkg -x into a fresh folder.
# Called as: sh deb.sh PARTNERFIT SOURCE_DIR WORK_DIR CSVCHECK BUILD_DIR
. "$(dirname "$0")/../lib.sh"
BUILD=$5
for tool in cpack dpkg-deb dpkg-shlibdeps file; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool is not installed (Debian packages cmake, dpkg-dev, file)"
        exit 77
    fi
done

cpack --config "$BUILD/CPackConfig.cmake" -B "$WORK/pkg" >"$WORK/cpack.log" 2>&1 ||
    { cat "$WORK/cpack.log" >&2; fail "cpack failed"; }
set -- "$WORK"/pkg/partnerfit_*.deb
[ -f "$1" ] || fail "cpack made no partnerfit_*.deb"
DEB=$1
ok "cpack built $(basename "$DEB")"

deps=$(dpkg-deb -f "$DEB" Depends)
echo "Depends: $deps"
for lib in libc6 liblua5.4-0 libyaml-0-2 libcsv3; do
    printf '%s\n' "$deps" | tr ',' '\n' | grep -q "^ *$lib\( \|$\)" ||
        fail "Depends: lacks $lib"
done
# and nothing it does not need: no -dev package, no test tool
printf '%s\n' "$deps" | grep -q -- '-dev\|cmocka\|clang' && fail "Depends: names a build or test package"
dpkg-deb -c "$DEB" >"$WORK/contents"
for f in ./usr/bin/partnerfit ./usr/share/partnerfit/rules/10-needs.lua \
    ./usr/share/partnerfit/policies/default.yaml ./usr/share/partnerfit/policies/intake-schema.yaml \
    ./usr/share/man/man1/partnerfit.1.gz ./usr/share/doc/partnerfit/README.md; do
    grep -q " $f\$" "$WORK/contents" || fail "the package lacks $f"
done
ok "Depends: $deps; program, rules, policies, man page and docs in /usr"

# apt can satisfy Depends: here (a simulation: installs nothing)
if command -v apt-get >/dev/null 2>&1; then
    apt-get install -s "$DEB" >"$WORK/apt.log" 2>&1 ||
        { cat "$WORK/apt.log" >&2; fail "apt-get cannot install the package's dependencies"; }
    ok "apt-get install -s resolves its dependencies"
fi

if [ "$(id -u)" = 0 ] && [ -n "${CI:-}" ] && command -v dpkg >/dev/null 2>&1; then
    # a throwaway CI machine: the real thing, dependencies checked by dpkg
    dpkg -i "$DEB" >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log" >&2; fail "dpkg -i failed"; }
    trap 'dpkg -r partnerfit >/dev/null 2>&1 || true' EXIT
    ROOT=""
    how="dpkg -i"
else
    ROOT="$WORK/root"
    dpkg-deb -x "$DEB" "$ROOT"
    how="dpkg -x into a fresh folder"
fi
BIN="$ROOT/usr/bin/partnerfit"

mkdir "$WORK/elsewhere"
cp -R samples "$WORK/elsewhere/samples"
cd "$WORK/elsewhere"
expect_exit 0 "$WORK/run.log" "$BIN" run --quiet --out out samples/
for f in recommendations.csv needs.csv rejects.csv; do
    cmp -s "$SRC/tests/golden/$f" "out/$f" || fail "$f differs from tests/golden/$f"
    "$CSVCHECK" valid "out/$f" || fail "$f is not strict CSV"
done
contains out/manifest.yaml "folder: $ROOT/usr/share/partnerfit/rules"
contains out/manifest.yaml "file: $ROOT/usr/share/partnerfit/policies/default.yaml"
ok "installed ($how), run from another folder: exit 0, golden reports, the packaged rules and policy"

printf 'id: [broken\n' >samples/zz-broken.yaml
expect_exit 1 "$WORK/run1.log" "$BIN" run --quiet --out out1 samples/
contains out1/rejects.csv "zz-broken.yaml"
cmp -s "$SRC/tests/golden/recommendations.csv" out1/recommendations.csv ||
    fail "a rejected intake changed the others' recommendations"
ok "a broken intake: exit 1, in rejects.csv, the others' reports unchanged"
done_testing
