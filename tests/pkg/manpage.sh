# docs/partnerfit.1 formats without a single warning, names the program's
# version, and documents every command and option `partnerfit --help` lists.
# Called as: sh manpage.sh PARTNERFIT SOURCE_DIR WORK_DIR CSVCHECK
. "$(dirname "$0")/../lib.sh"
PAGE=docs/partnerfit.1
[ -f "$PAGE" ] || fail "no $PAGE"

if command -v man >/dev/null 2>&1; then
    # as lintian checks pages: every groff warning on, output thrown away
    LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
        man --warnings -E UTF-8 -l -Tutf8 -Z "$PAGE" >/dev/null 2>"$WORK/warnings"
elif command -v groff >/dev/null 2>&1; then
    groff -ww -z -man "$PAGE" 2>"$WORK/warnings"
else
    echo "SKIP: neither man (man-db) nor groff (groff-base) is installed"
    exit 77
fi
if [ -s "$WORK/warnings" ]; then
    cat "$WORK/warnings" >&2
    fail "$PAGE has formatting warnings"
fi
ok "$PAGE formats without warnings"

version=$("$PF" --version | cut -d' ' -f2)
grep -q "^\.TH PARTNERFIT 1 .*\"partnerfit $version\"" "$PAGE" ||
    fail "$PAGE does not name version $version in its .TH line"
ok "$PAGE names version $version"

"$PF" --help >"$WORK/help.txt"
for opt in $(grep -o -- '--[a-z][a-z-]*' "$WORK/help.txt" | sort -u); do
    grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" "$PAGE" ||
        fail "$PAGE does not document $opt"
done
for cmd in $(sed -n 's/^ *\(usage:\)\{0,1\} *partnerfit \([a-z][a-z]*\).*/\2/p' "$WORK/help.txt" | sort -u); do
    grep -q "^\.B partnerfit $cmd\$" "$PAGE" || fail "$PAGE has no synopsis for $cmd"
    grep -q "^\.B $cmd\$" "$PAGE" || fail "$PAGE does not describe the command $cmd"
done
ok "$PAGE documents every command and option of --help"
done_testing
