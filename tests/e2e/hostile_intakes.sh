# Hostile intakes through the real binary: one case per item of the "thirty
# inputs" in the hazards reference (yaml-csv-hazards.md, section 6) that
# concerns intakes and reports. Each case asserts the exact outcome (the
# rejects row: line, column, field, kind and reason) or, for intakes that
# must be accepted, the exact cell that reaches the report, read back with a
# strict libcsv parse (CSVCHECK). Time bombs are timed, one run each.
#
# Layout of the runs (the numbers in the comments are the hazard numbers):
#   bombs     one run per time or size bomb, each with a time bound
#   main      one batch with every other reject case between good intakes,
#             each rejected file's row checked, then a byte-identical rerun
#   raw       raw NEL, LS, PS where libyaml would take them for line breaks
#   empty     {} and [] as the whole document
#   docbomb   files of 262 000 empty documents (BUG: see there)
#   cells     valid intakes whose answers are formula payloads and other text
#             that must reach the reports exactly, plain and --excel
#   odd       file names with a comma, a quote, CR and LF; names that are not
#             UTF-8 or hold ESC (BUG: see there)
#   relative  folders named =1+2 and -2+3 run by relative path: paths and keys
#   special   FIFOs, devices, folders, links and deep folders, and by name
# Cases the engine gets wrong are marked "# BUG:" and print "skip (BUG ...)".
. "$(dirname "$0")/../lib.sh"

# ---- helpers -----------------------------------------------------------------

# Milliseconds since the epoch (GNU date; whole seconds elsewhere).
now_ms() {
    t=$(date +%s%N)
    case $t in
    *N) echo $(($(date +%s) * 1000)) ;;
    *) echo $((t / 1000000)) ;;
    esac
}

# A small valid intake; NAME goes into organisation.name (a short string
# that reaches every report row); cases append more lines after it.
intake() { # ID [NAME]
    printf 'id: %s\nassessed_on: 2026-01-15\norganisation:\n  name: %s\n  country: NO\n' \
        "$1" "${2-Test Org $1}"
    printf 'maturity: {strategy: 2, plan: 2, ready: 1, migrate: 1, innovate: 1, govern: 1, manage: 1}\n'
    printf 'culture:\n  approach: augment_staff\n'
}

# x repeated N times.
xs() { head -c "$1" /dev/zero | tr '\0' "${2:-x}"; }

# check DIR FILE LINE COLUMN FIELD KIND TEXT: rejects.csv of the run of
# DIR/in into DIR/out has a row for DIR/in/FILE with exactly these cells,
# its reason containing TEXT. LINE and COLUMN are numbers, or "" for none.
check() {
    case $3 in "") lc='"",""' ;; *) lc="$3,$4" ;; esac
    row="\"$1/in/$2\",$lc,\"$5\",\"$6\","
    grep -F -- "$row" "$1/out/rejects.csv" | grep -qF -- "$7" || {
        grep -F -- "\"$1/in/$2\"" "$1/out/rejects.csv" >&2 || echo "(no row for $2)" >&2
        fail "no rejects row starting $row with '$7'"
    }
    echo "$1/in/$2" >>"$1/checked.list"
    ok "${2%.yaml}: $6 ${3:+at $3:$4 }${5:+$5 }($7)"
}

# evaluated DIR ID: intake ID has rows in the recommendations of DIR/out.
evaluated() {
    grep -q "^\"$2\"," "$1/out/recommendations.csv" || fail "intake $2 was not evaluated"
}

# manifest_counts DIR FILES EVALUATED REJECTED: every file accounted for (a
# file holds one intake per YAML document; a skipped file counts as one).
manifest_counts() {
    m=$1/out/manifest.yaml
    grep -qx "  files: $2" "$m" && grep -qx "  intakes: $(($3 + $4))" "$m" &&
        grep -qx "  evaluated: $3" "$m" && grep -qx "  rejected: $4" "$m" || {
        cat "$m" >&2
        fail "manifest of $1: expected $2 files, intakes = evaluated $3 + rejected $4"
    }
}

# timed LIMIT_MS NAME DIR: runs partnerfit over DIR (into DIR/out), which
# must end with exit 1 within LIMIT_MS; sets $ms to the time it took.
timed() {
    t0=$(now_ms)
    expect_exit 1 "$3/log" timeout 60 "$PF" run --out "$3/out" "$3/in"
    ms=$(($(now_ms) - t0))
    [ "$ms" -le "$1" ] || fail "$2 took $ms ms, more than the bound of $1 ms"
}

# bomb NAME LIMIT_MS LINE COLUMN KIND TEXT: the single file $WORK/NAME/in/x.yaml
# (already written) is rejected so, within LIMIT_MS, beside a good intake.
bomb() {
    d=$WORK/$1
    intake good-$1 >"$d/in/y.yaml"
    timed "$2" "$1" "$d"
    case $3 in "") lc='"",""' ;; *) lc="$3,$4" ;; esac
    grep -qF -- "\"$d/in/x.yaml\",$lc,\"\",\"$5\"," "$d/out/rejects.csv" &&
        grep -qF -- "$6" "$d/out/rejects.csv" || {
        cat "$d/out/rejects.csv" >&2
        fail "$1: expected $5 at $3:$4 ($6)"
    }
    evaluated "$d" "good-$1"
    manifest_counts "$d" 2 1 1
    ok "$1: $5 ${3:+at $3:$4 }in $ms ms (bound $2 ms), the good intake beside it evaluated"
    rm -rf "$d/in"
}

# A bound for "well under a second", with room for a sanitizer build and a
# loaded machine: the whole run, start-up and rule pack included.
FAST=1000

# ---- bombs: one run each, timed ----------------------------------------------

for b in laughs cycle nest100k unclosed30k block3k map1k scalar50m file1g nodes scalar70k; do
    mkdir -p "$WORK/$b/in"
done
# 1. billion laughs (nine levels of nine)
{
    printf 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev=a
    for n in b c d e f g h i; do
        printf '%s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n' $n $n $prev $prev $prev $prev \
            $prev $prev $prev $prev $prev
        prev=$n
    done
} >"$WORK/laughs/in/x.yaml"
bomb laughs "$FAST" 1 4 yaml.anchor "anchors (&a) are not allowed"
# 2. alias cycle
printf 'x: &a [1, *a]\n' >"$WORK/cycle/in/x.yaml"
bomb cycle "$FAST" 1 4 yaml.anchor "anchors (&a) are not allowed"
# 4. 100 000 nested [ ] (200 KB): quadratic in libyaml 0.2.5 without a depth cut
{ xs 100000 '['; xs 100000 ']'; } >"$WORK/nest100k/in/x.yaml"
bomb nest100k "$FAST" 1 33 yaml.depth "nested more than 32 levels deep"
# 5. 30 000 unclosed [ ; 3 000-level block nesting; a 1 000-level block mapping
xs 30000 '[' >"$WORK/unclosed30k/in/x.yaml"
bomb unclosed30k "$FAST" 1 33 yaml.depth "nested more than 32 levels deep"
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "- "; print "x" }' >"$WORK/block3k/in/x.yaml"
bomb block3k "$FAST" 1 65 yaml.depth "nested more than 32 levels deep"
awk 'BEGIN { for (i = 0; i < 1000; i++) printf "%" i "sk%d:\n", "", i; print "v" }' \
    >"$WORK/map1k/in/x.yaml"
bomb map1k "$FAST" 33 33 yaml.depth "nested more than 32 levels deep"
# 6. one 50 MB scalar; a 1 GB (sparse) file: refused by the size cap before reading
{ printf 'notes: "'; xs 50000000; printf '"\n'; } >"$WORK/scalar50m/in/x.yaml"
bomb scalar50m "$FAST" "" "" io.size "the file is 50000010 bytes; the limit is 1048576"
dd if=/dev/null of="$WORK/file1g/in/x.yaml" bs=1 count=0 seek=1073741824 2>/dev/null
bomb file1g "$FAST" "" "" io.size "the file is 1073741824 bytes; the limit is 1048576"
# node count and scalar length caps, inside the size cap
{ intake nodes; printf 'notes: ['; xs 20000 | sed 's/x/1,/g'; printf '1]\n'; } >"$WORK/nodes/in/x.yaml"
bomb nodes "$FAST" 9 39943 yaml.size "the document has more than 20000 values"
{ intake scalar70k; printf 'notes: '; xs 70000; printf '\n'; } >"$WORK/scalar70k/in/x.yaml"
bomb scalar70k "$FAST" 9 8 yaml.scalar_size "a value is 70000 bytes long; the limit is 65536"

# ---- main batch: every other reject case between good intakes -----------------

M=$WORK/main
in=$M/in
mkdir -p "$in"
intake good-00 >"$in/00-good.yaml"
# 3. undefined alias; an anchor defined twice; a merge key (alias or inline)
printf 'id: *nope\n' >"$in/03a-undefined-alias.yaml"
printf 'a: &x 1\nb: &x 2\n' >"$in/03b-anchor-twice.yaml"
{ intake merge; printf 'estate:\n  <<: *base\n'; } >"$in/19a-merge-alias.yaml"
{ intake merge2; printf 'estate:\n  <<: {servers: 5}\n'; } >"$in/19b-merge-inline.yaml"
# 6. the size cap at its edge: exactly 1 MiB is read, one byte more is not
{ intake edge-1mib; printf '#'; } >"$in/06a-1mib.yaml"
xs $((1048576 - $(wc -c <"$in/06a-1mib.yaml") - 1)) >>"$in/06a-1mib.yaml"
printf '\n' >>"$in/06a-1mib.yaml"
sed 's/^id: edge-1mib/id: edge-over/' "$in/06a-1mib.yaml" >"$in/06b-1mib-plus1.yaml"
printf '#' >>"$in/06b-1mib-plus1.yaml"
# 7. a 1 100-character plain key
{ xs 1100 k; printf ': v\n'; } >"$in/07-long-key.yaml"
# 8. two documents; 9. empty, comment-only, bare ---
{ intake two-docs-1; printf -- '---\n'; intake two-docs-2; } >"$in/08-two-docs.yaml"
: >"$in/09a-empty.yaml"
printf '# only a comment\n' >"$in/09b-comment.yaml"
printf -- '---\n' >"$in/09c-dashes.yaml"
# 10. byte order marks and encodings
{ printf '\357\273\277'; intake enc-utf8-bom 'Encoding Test'; } >"$in/10a-utf8-bom.yaml"
{ printf '\377\376'; intake enc-utf16le 'Encoding Test' | iconv -f UTF-8 -t UTF-16LE; } \
    >"$in/10b-utf16le-bom.yaml"
{ printf '\376\377'; intake enc-utf16be 'Encoding Test' | iconv -f UTF-8 -t UTF-16BE; } \
    >"$in/10c-utf16be-bom.yaml"
intake enc-utf8 'Encoding Test' >"$in/10d-utf8.yaml"
intake x | iconv -f UTF-8 -t UTF-16LE >"$in/10e-utf16le-nobom.yaml"
intake x | iconv -f UTF-8 -t UTF-16BE >"$in/10f-utf16be-nobom.yaml"
intake x | iconv -f UTF-8 -t UTF-32LE >"$in/10g-utf32le.yaml"
{ printf '\377\376\0\0'; intake x | iconv -f UTF-8 -t UTF-32LE; } >"$in/10h-utf32le-bom.yaml"
# 11. invalid UTF-8 (on line 1, so the byte offsets are plain)
printf 'id: caf\351 latin\nnotes: x\n' >"$in/11a-latin1.yaml"
printf 'id: x\300\257y\n' >"$in/11b-overlong.yaml"
printf 'id: x\355\240\200y\n' >"$in/11c-surrogate.yaml"
printf 'id: caf\303' >"$in/11d-truncated.yaml"
# 12. raw NUL, an escaped NUL, an escape sequence, DEL, a C1 control
printf 'id: n\000ul\n' >"$in/12a-raw-nul.yaml"
intake nul '"b\0c"' >"$in/12b-escaped-nul.yaml"
intake esc '"\e[31m"' >"$in/12c-escape.yaml"
intake del "$(printf 'a\177b')" >"$in/12d-del.yaml"
intake c1 '"a\x9bb"' >"$in/12e-c1.yaml"
# 13. NEL, LS, PS, bidi controls, a BOM inside text (escaped and raw)
intake nel '"a\Nb"' >"$in/13a-nel.yaml"
intake ls '"a\Lb"' >"$in/13b-ls.yaml"
intake ps '"a\Pb"' >"$in/13c-ps.yaml"
intake rlo "$(printf 'a\342\200\256b')" >"$in/13d-rlo.yaml"
intake lri "$(printf 'a\342\201\246b')" >"$in/13e-lri.yaml"
intake alm "$(printf 'a\330\234b')" >"$in/13f-alm.yaml"
intake bom "$(printf 'a\357\273\277b')" >"$in/13g-bom-raw.yaml"
intake bomesc '"a\uFEFFb"' >"$in/13h-bom-escaped.yaml"
intake lsq "$(printf '"a\342\200\250b"')" >"$in/13i-ls-raw-quoted.yaml"
# 14. tab indentation; an unterminated quote; CR inside a value
printf 'id: x\nassessed_on: 2026-01-01\norganisation:\n\tname: y\n' >"$in/14a-tab.yaml"
intake unterminated '"never closed' >"$in/14b-unterminated.yaml"
intake cr '"\r=1"' >"$in/14c-cr.yaml"
# 15. a good document, then a broken one; the next file is still read
{ intake good-15a; printf -- '---\n[\n'; } >"$in/15a-then-broken.yaml"
intake good-15 >"$in/15b-good.yaml"
# 16. the Norway set
intake norway-text NO >"$in/16a-norway-text.yaml"
{ intake x; printf 'no: x\n'; } >"$in/16b-no-key.yaml"
for v in yes no on off y n True; do
    { intake "bool-$v"; printf 'procurement:\n  approved_vendor_list: %s\n' "$v"; } \
        >"$in/16c-bool-$v.yaml"
done
{ intake bool-true; printf 'procurement:\n  approved_vendor_list: true\n'; } >"$in/16d-bool-true.yaml"
# 17. numbers in integer and number fields (text fields: see the cells batch)
for v in 0755 1e3 +4412345 12345678901234567890 0x10 1_000 5.0 -1; do
    { intake x; printf 'estate:\n  servers: %s\n' "$v"; } >"$in/17a-int-$v.yaml"
done
for v in 1e3 .5 NaN .inf 1,000; do
    { intake x; printf 'estate:\n  annual_azure_spend: %s\n' "$v"; } >"$in/17b-num-$v.yaml"
done
# 18. duplicate keys: plain twice, plain and quoted, plain and explicit (?)
{ intake x; printf 'id: again\n'; } >"$in/18a-dup-plain.yaml"
{ intake x; printf '"id": again\n'; } >"$in/18b-dup-quoted.yaml"
{ intake x; printf '? id\n: again\n'; } >"$in/18c-dup-explicit.yaml"
intake x | sed 's/^maturity: {strategy: 2,/maturity: {strategy: 2, strategy: 3,/' \
    >"$in/18d-dup-flow.yaml"
# 20. nulls: missing vs empty vs the text "null" (accepted ones: cells batch)
intake x '~' >"$in/20a-null-tilde.yaml"
intake x 'null' >"$in/20b-null-word.yaml"
intake x 'NULL' >"$in/20c-null-upper.yaml"
intake x '' >"$in/20d-null-empty.yaml"
# 21. tags and directives
{ intake x; printf 'notes: !!python/object/apply:os.system ["id"]\n'; } >"$in/21a-python-tag.yaml"
{ intake x; printf 'notes: !!binary aGVsbG8=\n'; } >"$in/21b-binary.yaml"
{ intake x; printf 'notes: !x y\n'; } >"$in/21c-local-tag.yaml"
{ intake x; printf 'notes: !!str yes\n'; } >"$in/21d-str-tag.yaml"
{ printf '%%TAG !e! tag:example.com,2000:\n---\n'; intake x; } >"$in/21e-tag-directive.yaml"
{ printf '%%YAML 1.3\n---\n'; intake x; } >"$in/21f-yaml13.yaml"
# 22. dates
intake x | sed 's/2026-01-15/2024-02-30/' >"$in/22a-feb30.yaml"
intake x | sed 's/2026-01-15/2001-12-14t21:59:43.10-05:00/' >"$in/22b-timestamp.yaml"
intake x | sed 's/2026-01-15/2023-02-29/' >"$in/22c-not-leap.yaml"
intake leap-day | sed 's/2026-01-15/2024-02-29/' >"$in/22d-leap-day.yaml"
# 23. wrong shapes
printf -- '- a\n- b\n' >"$in/23a-root-seq.yaml"
printf 'just text\n' >"$in/23b-root-scalar.yaml"
intake x | sed 's/^assessed_on: .*/assessed_on: {a: 1}/' >"$in/23e-map-for-date.yaml"
{ intake x; printf '1: a\n'; } >"$in/23f-number-key.yaml"
{ intake x; printf '[a]: b\n'; } >"$in/23g-list-key.yaml"
intake x '[a, b]' >"$in/23h-list-for-text.yaml"
# 24/26. formula payloads and line breaks where a single line is expected
intake x '"\t=1"' >"$in/24a-tab-formula.yaml"
intake x '"\n=1"' >"$in/24b-lf-formula.yaml"
# 27. a 40 000-character answer
{ intake x; printf 'notes: "'; xs 40000; printf '"\n'; } >"$in/27-long-answer.yaml"
intake good-99 >"$in/99-good.yaml"

expect_exit 1 "$M/log" timeout 60 "$PF" run --out "$M/out" "$in"
for f in "$M"/out/*.csv; do
    "$CSVCHECK" valid "$f" || fail "${f##*/} is not strict CSV"
done
for id in good-00 good-15 good-99 edge-1mib norway-text bool-true leap-day; do
    evaluated "$M" "$id"
done
ok "the good intakes around the hostile ones were evaluated"
# 8. two documents are two intakes (bulk files), each marked with its number
grep -q "^\"two-docs-1\",.*,\"$in/08-two-docs.yaml#1\"\$" "$M/out/needs.csv" &&
    grep -q "^\"two-docs-2\",.*,\"$in/08-two-docs.yaml#2\"\$" "$M/out/needs.csv" ||
    fail "the two documents of 08-two-docs.yaml were not evaluated as #1 and #2"
ok "08-two-docs: two documents, two intakes, sources marked #1 and #2"
# 15. a good document, then a broken one: the first is kept, the error reported
grep -q "^\"good-15a\",.*,\"$in/15a-then-broken.yaml#1\"\$" "$M/out/needs.csv" ||
    fail "the good document before the broken one was lost"
ok "15a-then-broken: the good first document is evaluated (#1)"

check "$M" 03a-undefined-alias.yaml 1 5 "" yaml.alias "aliases (*nope) are not allowed"
check "$M" 03b-anchor-twice.yaml 1 4 "" yaml.anchor "anchors (&x) are not allowed"
check "$M" 19a-merge-alias.yaml 10 7 "" yaml.alias "aliases (*base) are not allowed"
check "$M" 19b-merge-inline.yaml 10 3 estate.'<<' schema.unknown_field "unknown field '<<'"
check "$M" 06b-1mib-plus1.yaml "" "" "" io.size "the file is 1048577 bytes; the limit is 1048576"
check "$M" 07-long-key.yaml 1 1101 "" yaml.syntax "mapping values are not allowed in this context"
check "$M" 09a-empty.yaml 1 1 "" yaml.empty "no questionnaire"
check "$M" 09b-comment.yaml 1 1 "" yaml.empty "no questionnaire"
check "$M" 09c-dashes.yaml 2 1 "" yaml.empty "the document is empty"
check "$M" 10e-utf16le-nobom.yaml 1 2 "" yaml.encoding "control characters are not allowed (byte 1, value 0x0)"
check "$M" 10f-utf16be-nobom.yaml 1 1 "" yaml.encoding "control characters are not allowed (byte 0, value 0x0)"
check "$M" 10g-utf32le.yaml 1 2 "" yaml.encoding "control characters are not allowed (byte 1, value 0x0)"
check "$M" 10h-utf32le-bom.yaml 1 1 "" yaml.encoding "control characters are not allowed (byte 2, value 0x0)"
check "$M" 11a-latin1.yaml 1 9 "" yaml.encoding "invalid trailing UTF-8 octet (byte 8, value 0x20)"
check "$M" 11b-overlong.yaml 1 6 "" yaml.encoding "invalid length of a UTF-8 sequence (byte 5)"
check "$M" 11c-surrogate.yaml 1 6 "" yaml.encoding "invalid Unicode character (byte 5, value 0xD800)"
check "$M" 11d-truncated.yaml 1 8 "" yaml.encoding "incomplete UTF-8 octet sequence (byte 7)"
check "$M" 12a-raw-nul.yaml 1 6 "" yaml.encoding "control characters are not allowed (byte 5, value 0x0)"
check "$M" 12b-escaped-nul.yaml 4 9 "" yaml.control_char "a value contains a NUL character"
check "$M" 12c-escape.yaml 4 9 "" yaml.control_char "character U+001B ESCAPE at byte 1 of the value"
check "$M" 12d-del.yaml 4 10 "" yaml.encoding "control characters are not allowed (byte 55, value 0x7F)"
check "$M" 12e-c1.yaml 4 9 "" yaml.control_char "character U+009B CONTROL SEQUENCE INTRODUCER at byte 2 of the value"
check "$M" 13a-nel.yaml 4 9 "" yaml.control_char "character U+0085 NEXT LINE (NEL) at byte 2 of the value"
check "$M" 13b-ls.yaml 4 9 "" yaml.control_char "character U+2028 LINE SEPARATOR at byte 2 of the value"
check "$M" 13c-ps.yaml 4 9 "" yaml.control_char "character U+2029 PARAGRAPH SEPARATOR at byte 2 of the value"
check "$M" 13d-rlo.yaml 4 9 "" yaml.control_char "character U+202E RIGHT-TO-LEFT OVERRIDE at byte 2 of the value"
check "$M" 13e-lri.yaml 4 9 "" yaml.control_char "character U+2066 LEFT-TO-RIGHT ISOLATE at byte 2 of the value"
check "$M" 13f-alm.yaml 4 9 "" yaml.control_char "character U+061C ARABIC LETTER MARK at byte 2 of the value"
check "$M" 13g-bom-raw.yaml 4 9 "" yaml.control_char "character U+FEFF ZERO WIDTH NO-BREAK SPACE at byte 2 of the value"
check "$M" 13h-bom-escaped.yaml 4 9 "" yaml.control_char "character U+FEFF ZERO WIDTH NO-BREAK SPACE at byte 2 of the value"
check "$M" 13i-ls-raw-quoted.yaml 4 11 "" yaml.control_char "line-separator character U+2028"
check "$M" 14a-tab.yaml 4 1 "" yaml.syntax "tabs cannot indent YAML, use spaces"
check "$M" 14b-unterminated.yaml 9 1 "" yaml.syntax "found unexpected end of stream (while scanning a quoted scalar at line 4, column 9)"
check "$M" 14c-cr.yaml 4 9 "" yaml.control_char "character U+000D CARRIAGE RETURN (CR) at byte 1 of the value"
check "$M" 15a-then-broken.yaml 11 1 "" yaml.syntax "did not find expected node content"
check "$M" 16b-no-key.yaml 9 1 no schema.unknown_field "unknown field 'no'"
for v in yes no on off y n True; do
    check "$M" "16c-bool-$v.yaml" 10 25 procurement.approved_vendor_list schema.type \
        "expected true or false (written exactly so, in lower case), found \"\"$v\"\""
done
check "$M" 17a-int-0755.yaml 10 12 estate.servers schema.type "leading zeros are not allowed"
check "$M" 17a-int-1e3.yaml 10 12 estate.servers schema.type "exponent notation (e) is not allowed"
check "$M" 17a-int-+4412345.yaml 10 12 estate.servers schema.type "a leading + sign is not allowed"
check "$M" 17a-int-12345678901234567890.yaml 10 12 estate.servers schema.range "which is too large"
check "$M" 17a-int-0x10.yaml 10 12 estate.servers schema.type "only decimal notation is allowed"
check "$M" 17a-int-1_000.yaml 10 12 estate.servers schema.type "digit separators (_ or ,) are not allowed"
check "$M" 17a-int-5.0.yaml 10 12 estate.servers schema.type "no decimal point"
check "$M" 17a-int--1.yaml 10 12 estate.servers schema.range "from 0 to 1000000, found \"\"-1\"\""
check "$M" 17b-num-1e3.yaml 10 23 estate.annual_azure_spend schema.type "exponent notation (e) is not allowed"
check "$M" 17b-num-.5.yaml 10 23 estate.annual_azure_spend schema.type "a digit is needed before the decimal point"
check "$M" 17b-num-NaN.yaml 10 23 estate.annual_azure_spend schema.type "infinity and NaN are not numbers here"
check "$M" 17b-num-.inf.yaml 10 23 estate.annual_azure_spend schema.type "infinity and NaN are not numbers here"
check "$M" 17b-num-1,000.yaml 10 23 estate.annual_azure_spend schema.type "digit separators (_ or ,) are not allowed"
check "$M" 18a-dup-plain.yaml 9 1 id yaml.duplicate_key "(first at line 1, column 1)"
check "$M" 18b-dup-quoted.yaml 9 1 id yaml.duplicate_key "(first at line 1, column 1)"
check "$M" 18c-dup-explicit.yaml 9 3 id yaml.duplicate_key "(first at line 1, column 1)"
check "$M" 18d-dup-flow.yaml 6 25 strategy yaml.duplicate_key "(first at line 6, column 12)"
check "$M" 20a-null-tilde.yaml 4 9 organisation.name schema.required "the required field 'name' is empty"
check "$M" 20b-null-word.yaml 4 9 organisation.name schema.required "the required field 'name' is empty"
check "$M" 20c-null-upper.yaml 4 9 organisation.name schema.required "the required field 'name' is empty"
check "$M" 20d-null-empty.yaml 4 8 organisation.name schema.required "the required field 'name' is empty"
check "$M" 21a-python-tag.yaml 9 8 "" yaml.tag "explicit tags (tag:yaml.org,2002:python/object/apply:os.system) are not allowed"
check "$M" 21b-binary.yaml 9 8 "" yaml.tag "explicit tags (tag:yaml.org,2002:binary) are not allowed"
check "$M" 21c-local-tag.yaml 9 8 "" yaml.tag "explicit tags (!x) are not allowed"
check "$M" 21d-str-tag.yaml 9 8 "" yaml.tag "explicit tags (tag:yaml.org,2002:str) are not allowed"
check "$M" 21e-tag-directive.yaml 1 1 "" yaml.directive "%TAG directives are not allowed"
check "$M" 21f-yaml13.yaml 1 1 "" yaml.syntax "found incompatible YAML document"
check "$M" 22a-feb30.yaml 2 14 assessed_on schema.date "February 2024 has 29 days"
check "$M" 22b-timestamp.yaml 2 14 assessed_on schema.date "expected a date written YYYY-MM-DD"
check "$M" 22c-not-leap.yaml 2 14 assessed_on schema.date "February 2023 has 28 days"
check "$M" 23a-root-seq.yaml 1 1 "" schema.shape "expected a mapping, found a list"
check "$M" 23b-root-scalar.yaml 1 1 "" schema.shape "expected a mapping, found \"\"just text\"\""
check "$M" 23e-map-for-date.yaml 2 14 assessed_on schema.shape "found a mapping"
check "$M" 23f-number-key.yaml 9 1 1 schema.unknown_field "unknown field '1'"
check "$M" 23g-list-key.yaml 9 1 "" yaml.key "a mapping key must be plain text, not a list"
check "$M" 23h-list-for-text.yaml 4 9 organisation.name schema.shape "expected a single line of text, found a list"
check "$M" 24a-tab-formula.yaml 4 9 organisation.name schema.type "found a tab character in \"\"\\t=1\"\""
check "$M" 24b-lf-formula.yaml 4 9 organisation.name schema.type "found a line break in \"\"\\n=1\"\""
check "$M" 27-long-answer.yaml 9 8 notes schema.length "expected at most 4000 characters, found 40000"

# 10. the BOM-marked files give the same rows as plain UTF-8 (id and source aside)
rows_of() { grep "^\"$1\"," "$M/out/needs.csv" | sed 's/^"[^"]*",//; s/,"[^"]*"$//'; }
rows_of enc-utf8 >"$M/utf8.rows"
[ -s "$M/utf8.rows" ] || fail "the plain UTF-8 intake has no needs rows"
for id in enc-utf8-bom enc-utf16le enc-utf16be; do
    rows_of "$id" >"$M/$id.rows"
    cmp -s "$M/utf8.rows" "$M/$id.rows" || fail "$id does not give the rows of the UTF-8 intake"
    ok "$id accepted, with the same rows as plain UTF-8 (the BOM is not part of the first key)"
done
grep -q '^"norway-text","NO",' "$M/out/needs.csv" || fail "organisation NO did not stay the text NO"
ok "Norway: the text answer NO stays \"NO\"; only true/false are booleans"

# every file is accounted for, and a rerun gives the same bytes
files=$(find "$in" -type f | wc -l)
# two files hold two documents each: 08 (both good) and 15a (good, then broken)
manifest_counts "$M" "$files" 14 $((files + 2 - 14))
ok "all $files files ($((files + 2)) intakes) accounted for: 14 evaluated, $((files + 2 - 14)) rejected"
# and every rejected file had its row checked above
cut -d'"' -f2 "$M/out/rejects.csv" | sed 1d | sort -u >"$M/rejected.list"
sort -u "$M/checked.list" >"$M/checked.sorted"
cmp -s "$M/rejected.list" "$M/checked.sorted" || {
    diff "$M/checked.sorted" "$M/rejected.list" >&2 || true
    fail "rejected files and checked rows differ"
}
ok "every rejected file of the main batch has its exact row checked"
expect_exit 1 "$M/log2" timeout 60 "$PF" run --jobs 1 --out "$M/again" "$in"
for f in "$M"/out/*; do
    cmp -s "$f" "$M/again/${f##*/}" || fail "${f##*/} differs between two runs (--jobs 1 and default)"
done
ok "a rerun (--jobs 1) gives byte-identical reports"

# ---- 13. raw line separators (NEL, LS, PS): libyaml takes them for line breaks --
# (so they would vanish from values or shift every later line number); the
# reader refuses them where they stand, at the line:column an editor shows.
R=$WORK/raw
mkdir -p "$R/in"
intake raw-ls-mid "$(printf 'a\342\200\250b')" >"$R/in/a-ls-mid.yaml"
intake raw-nel-end "$(printf 'ab\302\205')" >"$R/in/b-nel-end.yaml"
{ intake raw-ps-comment; printf '# x\342\200\251y\n'; } >"$R/in/c-ps-comment.yaml"
expect_exit 1 "$R/log" timeout 60 "$PF" run --out "$R/out" "$R/in"
check "$R" a-ls-mid.yaml 4 10 "" yaml.control_char "line-separator character U+2028"
check "$R" b-nel-end.yaml 4 11 "" yaml.control_char "line-separator character U+0085"
check "$R" c-ps-comment.yaml 9 4 "" yaml.control_char "line-separator character U+2029"
manifest_counts "$R" 3 0 3

# ---- 23. empty flow collections as the whole document: {} and [] ----------------
# (once undefined behaviour in pf_yread.c close_collection, a memcpy from a
# NULL array, which the sanitizer build turned into an abort; found by
# fuzz_intake and fixed)
E=$WORK/empty
mkdir -p "$E/in"
printf '{}\n' >"$E/in/a-root-empty-map.yaml"
printf '[]\n' >"$E/in/b-root-empty-seq.yaml"
printf -- '- []\n' >"$E/in/c-nested-empty-seq.yaml"
intake good-empty >"$E/in/d-good.yaml"
expect_exit 1 "$E/log" timeout 60 "$PF" run --out "$E/out" "$E/in"
if grep -q 'runtime error' "$E/log"; then cat "$E/log" >&2; fail "undefined behaviour on {} or []"; fi
check "$E" a-root-empty-map.yaml 1 1 id schema.required "the required field 'id' is missing"
check "$E" a-root-empty-map.yaml 1 1 culture schema.required "the required field 'culture' is missing"
check "$E" b-root-empty-seq.yaml 1 1 "" schema.shape "expected a mapping, found a list"
check "$E" c-nested-empty-seq.yaml 1 1 "" schema.shape "expected a mapping, found a list"
evaluated "$E" good-empty
manifest_counts "$E" 4 1 3

# ---- 9. a document bomb: 1 MiB of "---", 262 000 empty documents per file --------
# Every document of a file is an intake (bulk files), so a file of empty
# documents once became 262 000 reject rows and ~390 MB of memory. Now a
# file's documents count against --max-file-docs (1000): the file costs
# bounded rows, time and memory (checked here: at most 1001 rows per file,
# under a 1 GiB address-space limit where the build allows one).
B9=$WORK/docbomb
mkdir -p "$B9/in"
awk 'BEGIN { for (i = 0; i < 262000; i++) print "---" }' >"$B9/in/a.yaml"
for c in b c d; do cp "$B9/in/a.yaml" "$B9/in/$c.yaml"; done
intake good-docbomb >"$B9/in/z.yaml"
if (ulimit -v 1048576 && "$PF" --version) >/dev/null 2>&1; then
    t0=$(now_ms)
    set +e
    (ulimit -v 1048576 && exec timeout 20 "$PF" run --out "$B9/out" "$B9/in") 2>"$B9/log"
    rc=$?
    set -e
    ms=$(($(now_ms) - t0))
    bounded=1
    [ $rc = 1 ] && [ "$ms" -le $((2 * FAST)) ] || bounded=0
    for c in a b c d; do
        [ $bounded = 1 ] && [ "$(grep -c "^\"$B9/in/$c.yaml\"," "$B9/out/rejects.csv")" -le 1001 ] ||
            bounded=0
    done
    if [ $bounded = 1 ]; then
        evaluated "$B9" good-docbomb
        ok "document bomb: 4 files of 262 000 documents cost bounded rows, memory and time ($ms ms)"
    else
        fail "document bomb: exit $rc after $ms ms, or more than 1001 rows per file"
    fi
else
    echo "skip (document bomb: this build cannot run under a 1 GiB address-space limit)"
fi
rm -rf "$B9/in"

# ---- cells: text that reaches the reports, read back with a strict parse --------

C=$WORK/cells
mkdir -p "$C/in"
n=0
# name.yaml: index, the YAML for organisation.name, the exact cell expected
cell_case() {
    n=$((n + 1))
    id=$(printf 'cell-%02d' "$n")
    intake "$id" "$1" >"$C/in/$id.yaml"
    # --excel writes the formula guard (a leading '); plain data keeps the value
    printf '%s\n' "$2" >"$C/want-$id-excel"
    printf '%s\n' "${2#\'}" >"$C/want-$id-out"
}
# 24. formula payloads: quoted, apostrophe-prefixed, quotes doubled
cell_case "'=HYPERLINK(\"http://x/?\"&A1)'" "'=HYPERLINK(\"http://x/?\"&A1)"
cell_case "'+1+1'" "'+1+1"
cell_case "'-2+3'" "'-2+3"
cell_case "'@SUM(1)'" "'@SUM(1)"
cell_case "' =1'" "' =1"
cell_case "'  @x'" "'  @x"
cell_case "'=1+2\";=1+2'" "'=1+2\";=1+2"
# 25. the same strings that are numbers elsewhere are text here
cell_case "'-5'" "'-5"
cell_case "'-0.5'" "'-0.5"
cell_case "'-'" "'-"
# 26. separators and quotes
cell_case "'a,b,\"c\"'" "a,b,\"c\""
cell_case "'it''s \"x\", ok'" "it's \"x\", ok"
# 16/17/20. text kept verbatim: Norway, numbers, nulls as text
cell_case "NO" "NO"
cell_case "0755" "0755"
cell_case "01234" "01234"
cell_case "1.10" "1.10"
cell_case "1:30" "1:30"
cell_case "1e3" "1e3"
cell_case "+4412345" "'+4412345"
cell_case "12345678901234567890" "12345678901234567890"
cell_case '"null"' "null"
cell_case "'~'" "~"
cell_case '""' ""
# 27. Excel: non-ASCII text, gene-name and date lookalikes, ID
cell_case "'日本語 é SEPT2'" "日本語 é SEPT2"
cell_case "ID" "ID"
cases=$n
cr=$(printf '\r')

expect_exit 0 "$C/log" timeout 60 "$PF" run --out "$C/out" "$C/in"
expect_exit 0 "$C/log" timeout 60 "$PF" run --excel --out "$C/excel" "$C/in"
for f in needs.csv recommendations.csv rejects.csv; do
    "$CSVCHECK" valid "$C/out/$f" || fail "$f is not strict CSV"
    "$CSVCHECK" valid "$C/excel/$f" || fail "$f (--excel) is not strict CSV"
done
ok "plain and --excel reports are strict RFC 4180 CSV with equal field counts"

# The needs rows of intake k (0-based, in name order) start at row 1 + k * per.
total=$(awk '/^- file: needs.csv$/ { f = 1 } f && /^  rows:/ { print $2; exit }' "$C/out/manifest.yaml")
per=$((total / cases))
[ $((per * cases)) = "$total" ] && [ "$per" -ge 1 ] || fail "needs.csv has $total rows for $cases intakes"
k=0
while [ $k -lt $cases ]; do
    id=$(printf 'cell-%02d' $((k + 1)))
    row=$((1 + k * per))
    for d in out excel; do
        [ "$("$CSVCHECK" cell "$C/$d/needs.csv" $row intake_id)" = "$id" ] ||
            fail "row $row of $d/needs.csv is not $id"
        "$CSVCHECK" cell "$C/$d/needs.csv" $row organisation >"$C/got-$id-$d"
        cmp -s "$C/want-$id-$d" "$C/got-$id-$d" || {
            echo "want: $(cat "$C/want-$id-$d")  got: $(cat "$C/got-$id-$d")" >&2
            fail "$id: the organisation cell in $d/needs.csv is not what the intake says"
        }
    done
    ok "$id: $(head -c 60 "$C/want-$id-out") comes out exactly so (and guarded with --excel: $(head -c 30 "$C/want-$id-excel"))"
    k=$((k + 1))
done
# the raw bytes of the OWASP example: wrapped, prefixed, quotes doubled
grep -qF '"cell-07","'"'"'=1+2"";=1+2",' "$C/excel/needs.csv" ||
    fail "=1+2\";=1+2 is not written as \"'=1+2\"\";=1+2\""
ok "=1+2\";=1+2 is written as \"'=1+2\"\";=1+2\""
# 25. numbers stay numbers: negative and fractional scores are bare cells
grep -qE ',-[0-9]+(\.[0-9]+)?,"(yes|no)",' "$C/out/recommendations.csv" ||
    fail "no bare negative score in recommendations.csv"
if grep -qE ",\"'?-?[0-9]+(\.[0-9]+)?\",\"(yes|no)\"," "$C/out/recommendations.csv"; then
    fail "a score was written as text"
fi
ok "scores are bare numbers, negative ones included"
# 27. --excel: a BOM, CRLF on every line, no SYLK "ID" start, same cells
for p in "$C"/excel/*.csv; do
    f=${p##*/}
    [ "$(od -An -tx1 -N4 "$C/excel/$f" | tr -d ' ')" = efbbbf22 ] ||
        fail "$f (--excel) does not start with a UTF-8 BOM and a quote"
    lf=$(tr -cd '\n' <"$C/excel/$f" | wc -c)
    crlf=$(grep -c "$cr\$" "$C/excel/$f" || true)
    [ "$lf" -ge 1 ] && [ "$lf" = "$crlf" ] || fail "$f (--excel): $lf lines, $crlf end in CRLF"
    if grep -q "$cr\$" "$C/out/$f"; then fail "$f without --excel has CRLF"; fi
done
head -c 14 "$C/excel/needs.csv" | tail -c 11 | grep -qx '"intake_id"' ||
    fail "needs.csv (--excel) does not start with \"intake_id\""
ok "--excel: UTF-8 BOM, CRLF line ends, quoted header (no SYLK prompt)"

# ---- 26. a file name with a comma, a quote, CR and LF: the source column --------
# Commas and quotes reach the cells as they are (CSV quoting carries them);
# control characters in a name are shown as \xHH so a report never carries
# a raw line break or terminal escape from a file name.

O=$WORK/odd
mkdir -p "$O/in"
nl='
'
odd="$O/in/a,b\"c$cr${nl}d.yaml"
intake odd-name >"$odd"
{ intake odd-bad; printf 'estate: 5\n'; } >"$O/in/b,\"$cr$nl.yaml"
expect_exit 1 "$O/log" timeout 60 "$PF" run --out "$O/out" "$O/in"
for f in needs.csv rejects.csv; do
    "$CSVCHECK" valid "$O/out/$f" || fail "$f is not strict CSV"
done
"$CSVCHECK" cell "$O/out/needs.csv" 1 source >"$O/got"
printf '%s\n' "$O/in/a,b\"c\\x0D\\x0Ad.yaml" >"$O/want"
cmp -s "$O/want" "$O/got" || fail "a file name with , \" CR LF did not round-trip in needs.csv"
"$CSVCHECK" cell "$O/out/rejects.csv" 1 file >"$O/got"
printf '%s\n' "$O/in/b,\"\\x0D\\x0A.yaml" >"$O/want"
cmp -s "$O/want" "$O/got" || fail "a file name with , \" CR LF did not round-trip in rejects.csv"
[ "$("$CSVCHECK" cell "$O/out/rejects.csv" 1 kind)" = schema.shape ] ||
    fail "the odd file's reject row lost its cells"
ok "file names with a comma, a quote, CR and LF round-trip through source and file cells"

# BUG: file names reach the report cells byte for byte. A Latin-1 name makes
# needs.csv and recommendations.csv invalid UTF-8 (a strict UTF-8 reader of
# the reports fails on the whole file), and an ESC in a name puts a terminal
# escape sequence into rejects.csv, although the reader refuses both inside
# intakes. Expected: every report stays valid UTF-8 with no control
# characters but the TAB, CR and LF that quoting makes safe (invalid bytes
# and controls escaped or replaced), or such files are skipped with a reason.
U=$WORK/names
mkdir -p "$U/in"
intake name-latin1 >"$U/in/$(printf 'caf\351.yaml')"
printf 'id: [\n' >"$U/in/$(printf 'x\033[31mred.yaml')"
expect_exit 1 "$U/log" timeout 60 "$PF" run --out "$U/out" "$U/in"
clean=1
for f in "$U"/out/*.csv; do
    iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1 || clean=0
    if LC_ALL=C grep -q "$(printf '[\001-\010\013\014\016-\037\177]')" "$f"; then clean=0; fi
done
if [ $clean = 1 ]; then
    ok "file names with invalid UTF-8 or ESC leave the reports valid UTF-8 without controls"
else
    echo "skip (BUG file names with invalid UTF-8 or ESC are copied raw into the reports)"
fi

# ---- relative paths and keys as cells: a folder named =1+2 ----------------------

mkdir -p "$WORK/rel/=1+2" "$WORK/rel/-2+3"
intake rel-a >"$WORK/rel/=1+2/a.yaml"
{ intake rel-b; printf '"=HYPERLINK(1)": x\n'; } >"$WORK/rel/=1+2/b.yaml"
{ intake rel-c; printf '"@SUM(1)": x\n"@SUM(1)": y\n'; } >"$WORK/rel/=1+2/c.yaml"
intake rel-d >"$WORK/rel/-2+3/d.yaml"
(
    cd "$WORK/rel"
    expect_exit 1 "$WORK/rel/log" timeout 60 "$PF" run --excel --rules "$SRC/rules" \
        --policy "$SRC/policies/default.yaml" --out out -- =1+2 -2+3
)
r=$WORK/rel/out
"$CSVCHECK" valid "$r/rejects.csv" || fail "rejects.csv is not strict CSV"
[ "$("$CSVCHECK" cell "$r/needs.csv" 1 source)" = "'=1+2/a.yaml" ] ||
    fail "the source =1+2/a.yaml was not neutralised"
[ "$("$CSVCHECK" cell "$r/rejects.csv" 1 file)" = "'=1+2/b.yaml" ] &&
    [ "$("$CSVCHECK" cell "$r/rejects.csv" 1 field)" = "'=HYPERLINK(1)" ] &&
    [ "$("$CSVCHECK" cell "$r/rejects.csv" 1 kind)" = "schema.unknown_field" ] ||
    fail "the unknown key =HYPERLINK(1) was not neutralised in rejects.csv"
[ "$("$CSVCHECK" cell "$r/rejects.csv" 2 field)" = "'@SUM(1)" ] &&
    [ "$("$CSVCHECK" cell "$r/rejects.csv" 2 kind)" = "yaml.duplicate_key" ] ||
    fail "the duplicate key @SUM(1) was not neutralised in rejects.csv"
grep -q "^\"rel-d\",\"Test Org rel-d\",.*,\"'-2+3/d.yaml\"$(printf '\r')\$" "$r/needs.csv" ||
    fail "the source -2+3/d.yaml was not neutralised"
ok "paths and keys from the file system and the intake are neutralised as cells"

# ---- 28. FIFOs, devices, folders and links ---------------------------------------

S=$WORK/special
in=$S/in
mkdir -p "$in/sub" "$S/outside"
intake sp-good >"$in/a-good.yaml"
mkfifo "$in/b-fifo.yaml"
mkdir "$in/c-folder.yaml"
intake sp-hidden >"$in/c-folder.yaml/inside.yaml"
ln -s /dev/zero "$in/d-zero.yaml"
intake sp-outside >"$S/outside/o.yaml"
ln -s ../outside/o.yaml "$in/e-out-file.yaml"
ln -s "$S/outside" "$in/f-out-folder"
ln -s nowhere.yaml "$in/g-dangling.yaml"
ln -s g2-loop.yaml "$in/g2-loop.yaml"
ln -s .. "$in/sub/up"
ln -s a-good.yaml "$in/h-same-file.yaml"
# folders nested past the scan's depth limit (64)
deep=$in/i-deep
k=0
while [ $k -lt 66 ]; do
    deep=$deep/d
    k=$((k + 1))
done
mkdir -p "$deep"
intake sp-deep >"$deep/deep.yaml"
t0=$(now_ms)
expect_exit 1 "$S/log" timeout 20 "$PF" run --out "$S/out" "$in"
ms=$(($(now_ms) - t0))
[ "$ms" -le "$FAST" ] || fail "the special files took $ms ms"
check "$S" b-fifo.yaml "" "" "" input.skipped "is a FIFO, not a regular file"
check "$S" d-zero.yaml "" "" "" input.skipped "symbolic link leads outside $in/"
check "$S" e-out-file.yaml "" "" "" input.skipped "symbolic link leads outside $in/"
check "$S" f-out-folder "" "" "" input.skipped "symbolic link leads outside $in/"
check "$S" g-dangling.yaml "" "" "" input.skipped "symbolic link leads nowhere"
check "$S" g2-loop.yaml "" "" "" input.skipped "symbolic link leads nowhere"
deep64=$in/i-deep
k=0
while [ $k -lt 64 ]; do
    deep64=$deep64/d
    k=$((k + 1))
done
grep -qF "\"$deep64\",\"\",\"\",\"\",\"input.skipped\",\"folders nest more than 64 levels deep here\"" "$S/out/rejects.csv" ||
    fail "folders nested past the depth limit were not reported"
ok "i-deep: folders nested more than 64 levels are reported, not walked"
evaluated "$S" sp-good
evaluated "$S" sp-hidden # a folder named c-folder.yaml is searched like any other
if grep -q 'sp-outside' "$S/out/needs.csv"; then
    fail "an intake behind a link leading outside was read"
fi
manifest_counts "$S" 9 2 7
ok "special files skipped with reasons in $ms ms; a link back up and a second name are not read twice"
# named on the command line: followed (the operator chose them), still refused
expect_exit 1 "$S/log2" timeout 20 "$PF" run --out "$S/out2" "$in/b-fifo.yaml" /dev/zero "$in/a-good.yaml"
grep -qF "\"$in/b-fifo.yaml\",\"\",\"\",\"\",\"input.skipped\",\"is a FIFO" "$S/out2/rejects.csv" &&
    grep -qF '"/dev/zero","","","","input.skipped","is a character device' "$S/out2/rejects.csv" ||
    { cat "$S/out2/rejects.csv" >&2; fail "a FIFO or device named on the command line was not refused"; }
ok "a FIFO and /dev/zero named on the command line are refused without a hang"
done_testing
