# The HTML pages as a reader gets them: index.html on every run, a brief per
# intake with --briefs, rendered by headless Chromium (screenshots at desktop
# and phone widths, an A4 PDF print read back with pdftotext, the DOM after
# rendering), checked for what they must hold, for no script and no request
# to anywhere, for headings, table headers and chart text; a hostile name
# and a hostile rule text stay text; the same run gives the same bytes; the
# tidy reports load in Python's csv module and in csvkit with no splitting.
. "$(dirname "$0")/../lib.sh"
CHECK="python3 tests/e2e/pages_check.py"
command -v chromium >/dev/null 2>&1 || fail "chromium is not installed (sh .ci/install-deps)"

# chromium URL OUTPUT-FLAG...: headless, no sandbox (CI runs as root), no
# network at all (a proxy that does not exist); console messages logged
browse() {
    url=$1
    shift
    HOME="$WORK/home" timeout 120 chromium --headless=new --no-sandbox --disable-gpu \
        --no-first-run --disable-extensions --proxy-server=127.0.0.1:9 \
        --enable-logging=stderr --v=0 --hide-scrollbars "$@" "$url" 2>>"$WORK/chromium.log"
}
mkdir -p "$WORK/home"

expect_exit 0 "$WORK/log" "$PF" run --out "$WORK/out" --briefs samples/
[ -f "$WORK/out/index.html" ] || fail "no index.html"
n=$(ls "$WORK/out/briefs" | grep -c '\.html$')
[ "$n" = 15 ] || fail "$n briefs for 15 intakes"
contains "$WORK/out/manifest.yaml" "file: index.html"
contains "$WORK/out/manifest.yaml" "file: briefs.csv"
contains "$WORK/out/manifest.yaml" "briefs: 15"
ok "run --briefs writes index.html and 15 briefs, both in the manifest"

# briefs.csv's digests are the files' own
tail -n +2 "$WORK/out/briefs.csv" | while IFS=, read -r id label file bytes sha; do
    f=$(echo "$file" | tr -d '"')
    got=$(sha256sum "$WORK/out/$f" | cut -d' ' -f1)
    [ "\"$got\"" = "$sha" ] || [ "$got" = "$sha" ] || fail "$f: digest $got, briefs.csv says $sha"
done
ok "briefs.csv lists each brief with its SHA-256"

# partnerfit brief FILE gives the bytes of the run's brief
expect_exit 0 "$WORK/log" "$PF" brief --out "$WORK/one.html" samples/cortexa-ai.yaml
cmp -s "$WORK/one.html" "$WORK/out/briefs/cortexa-ai.html" || fail "brief FILE differs from the run's brief"
ok "partnerfit brief FILE writes the same page as run --briefs"

# ---- rendered in Chromium ---------------------------------------------------------
# pick COLUMN REPORT INTAKE [FILTER-COLUMN VALUE]: the cells of COLUMN for
# the intake's rows (where each FILTER-COLUMN is its VALUE), one a line
pick() {
    python3 - "$@" <<'PY'
import csv, sys
col, report, intake = sys.argv[1:4]
flt = list(zip(sys.argv[4::2], sys.argv[5::2]))
for r in csv.DictReader(open(report, newline="", encoding="utf-8-sig")):
    if r["intake_id"] == intake and all(r[k] == v for k, v in flt):
        print(r[col])
PY
}
top=$(pick option_name "$WORK/out/recommendations.csv" halden-medtech rank 1)
[ -n "$top" ] || fail "no top option for halden-medtech"
for intake in halden-medtech cortexa-ai; do
    page="$WORK/out/briefs/$intake.html"
    browse "file://$page" --dump-dom >"$WORK/$intake.dom.html" || fail "chromium could not render $page"
    browse "file://$page" --window-size=1280,1800 --screenshot="$WORK/$intake-desktop.png"
    browse "file://$page" --window-size=390,1600 --screenshot="$WORK/$intake-phone.png"
    browse "file://$page" --no-pdf-header-footer --print-to-pdf="$WORK/$intake.pdf"
    for f in "$WORK/$intake-desktop.png" "$WORK/$intake-phone.png" "$WORK/$intake.pdf"; do
        [ "$(wc -c <"$f")" -gt 20000 ] || fail "$f is missing or blank"
    done
    # every shortlisted option, every area and the reasons, in the rendered DOM
    pick option_name "$WORK/out/recommendations.csv" "$intake" shortlisted yes >"$WORK/want"
    pick area_name "$WORK/out/needs.csv" "$intake" >>"$WORK/want"
    first=$(pick option_id "$WORK/out/recommendations.csv" "$intake" rank 1)
    pick reason "$WORK/out/contributions.csv" "$intake" kind fit target_id "$first" | head -3 >>"$WORK/want"
    [ "$(wc -l <"$WORK/want")" -ge 9 ] || fail "$intake: too little to look for"
    set --
    while IFS= read -r line; do set -- "$@" "$line"; done <"$WORK/want"
    $CHECK page "$WORK/$intake.dom.html" "$@" "The answers this rests on" >"$WORK/check.log" 2>&1 ||
        { cat "$WORK/check.log" >&2; fail "the rendered brief of $intake"; }
    pdftotext -layout "$WORK/$intake.pdf" "$WORK/$intake.txt"
    pages=$(pdfinfo "$WORK/$intake.pdf" | awk '/^Pages:/ {print $2}')
    [ "$pages" -ge 3 ] && [ "$pages" -le 14 ] || fail "$intake prints on $pages pages"
    pdfinfo "$WORK/$intake.pdf" | grep -q "(A4)" || fail "$intake does not print on A4"
    for t in "Where outside help is needed" "How the options rank" "Next steps, in order"; do
        grep -qF "$t" "$WORK/$intake.txt" || fail "'$t' not in the PDF of $intake"
    done
    ok "brief of $intake: rendered DOM complete, screenshots at 1280 and 390 px, A4 PDF of $pages pages"
done
grep -qF "$top" "$WORK/halden-medtech.txt" || fail "the top option $top is not in the PDF"
ok "the printed brief names the top option ($top)"

browse "file://$WORK/out/index.html" --dump-dom >"$WORK/index.dom.html"
browse "file://$WORK/out/index.html" --window-size=1280,1800 --screenshot="$WORK/index-desktop.png"
$CHECK page "$WORK/index.dom.html" "Need level per area over all intakes" "Rules that never fired" \
    "Kestrel" "Azure support plan" >"$WORK/check.log" 2>&1 || { cat "$WORK/check.log" >&2; fail "index.html"; }
ok "index.html renders with counts, heat map, options, rules and links to the briefs"
grep -E "CONSOLE|Uncaught|Refused to" "$WORK/chromium.log" && fail "console messages while rendering"
ok "no console message and no refused load while rendering"

$CHECK contrast policies/default.yaml || fail "the brief colours do not pass WCAG AA"
ok "the policy's colours pass WCAG AA contrast"

# ---- intake.attributes: a name intakes.csv has already is refused at load -----------
sed 's/^    - {column: business_unit_of, field: organisation.business_unit_of}/    - {column: shortlist, field: organisation.business_unit_of}\
    - {column: need_extra, field: organisation.name}/' policies/default.yaml >"$WORK/clash.yaml"
grep -q 'column: shortlist' "$WORK/clash.yaml" || fail "test setup: attribute line not found"
cp policies/intake-schema.yaml policies/policy-schema.yaml "$WORK/"
expect_exit 2 "$WORK/log" "$PF" check --policy "$WORK/clash.yaml"
contains "$WORK/log" "column 'shortlist' is a column intakes.csv always has"
contains "$WORK/log" "column 'need_extra': need_<area> columns are intakes.csv's own"
ok "an attribute column that clashes with intakes.csv's own is a load error at its place"

# ---- contracting against a deadline it cannot meet ---------------------------------
mkdir -p "$WORK/late"
sed 's/^  datacenter_exit: .*/  datacenter_exit: 2026-09-01/' samples/thornbury-council.yaml >"$WORK/late/late.yaml"
expect_exit 0 "$WORK/log" "$PF" brief --out "$WORK/late.html" "$WORK/late/late.yaml"
expect_exit 0 "$WORK/log" "$PF" brief --out "$WORK/ontime.html" samples/thornbury-council.yaml
$CHECK page "$WORK/late.html" "Datacenter exit on 2026-09-01, 78 days after the assessment: 192 days short" ||
    fail "a lead time past the deadline is not said in days"
$CHECK page "$WORK/ontime.html" "655 days after the assessment: 385 days to spare after the lead time" || fail "the timeline of thornbury"
$CHECK absent "$WORK/late.html" "days to spare" || fail "the late brief says there is time to spare"
ok "the timeline says how many days short or to spare, from the policy's questions"

# ---- hostile text stays text ------------------------------------------------------
mkdir -p "$WORK/hostile" "$WORK/rules"
cp rules/*.lua "$WORK/rules/"
cat >"$WORK/rules/99-hostile.lua" <<'LUA'
rule {
  id = "fit.hostile_text",
  stage = "fit",
  because = "</td></table><script>alert('rule')</script><img src=x onerror=alert(2)>",
  score = { azure_expert_msp = 1 },
}
rule {
  id = "fit.fails_on_one",
  stage = "fit",
  because = "A rule that fails on one intake.",
  when = function(i) if i.id == "boom-1" then error("boom") end return false end,
  score = { csp = 1 },
}
LUA
sed 's/^id: .*/id: boom-1/' samples/atlas-marine.yaml >"$WORK/hostile/boom.yaml"
sed 's/^  name: Kestrel Dental Group.*/  name: "<script>alert(1)<\/script>\\"><img src=x onerror=alert(1)> \&amp; Co"/' \
    samples/kestrel-dental.yaml >"$WORK/hostile/evil.yaml"
grep -q 'script' "$WORK/hostile/evil.yaml" || fail "the hostile sample was not made"
printf 'id: rtl-name\n' >"$WORK/hostile/rtl.yaml"
sed -n '/^assessed_on/,$p' samples/kestrel-dental.yaml | sed "s/^  name: .*/  name: \"Acme $(printf '\342\200\256')gnp.exe\"/" >>"$WORK/hostile/rtl.yaml"
expect_exit 5 "$WORK/log" "$PF" run --rules "$WORK/rules" --out "$WORK/hout" --briefs "$WORK/hostile"
b=$(ls "$WORK/hout/briefs/")
[ "$(echo "$b" | wc -l)" = 1 ] || fail "briefs: $b (an intake in rejects.csv got one)"
contains "$WORK/hout/rejects.csv" "rtl.yaml"
contains "$WORK/hout/rejects.csv" "fit.fails_on_one"
browse "file://$WORK/hout/briefs/$b" --dump-dom >"$WORK/evil.dom.html"
$CHECK page "$WORK/evil.dom.html" "<script>alert(1)</script>\"><img src=x onerror=alert(1)> &amp; Co" \
    "</td></table><script>alert('rule')</script>" >"$WORK/check.log" 2>&1 ||
    { cat "$WORK/check.log" >&2; fail "a hostile name or rule text became markup"; }
browse "file://$WORK/hout/index.html" --dump-dom >"$WORK/hindex.dom.html"
$CHECK page "$WORK/hindex.dom.html" "rtl.yaml" >"$WORK/check.log" 2>&1 ||
    { cat "$WORK/check.log" >&2; fail "the overview of a hostile batch"; }
ok "a hostile organisation name and rule text render as text; an RTL override and a rule error are in rejects.csv, with no brief"

# ---- a duplicate id: the first file's brief, as in the reports ----------------------
mkdir -p "$WORK/dup"
cp samples/kestrel-dental.yaml "$WORK/dup/a.yaml"
sed 's/^  name: .*/  name: Second Of Two/' samples/kestrel-dental.yaml >"$WORK/dup/b.yaml"
expect_exit 1 "$WORK/log" "$PF" run --out "$WORK/dout" --briefs "$WORK/dup"
[ "$(ls "$WORK/dout/briefs" | wc -l)" = 1 ] || fail "two briefs for one id"
[ "$(wc -l <"$WORK/dout/briefs.csv")" = 2 ] || fail "briefs.csv lists the duplicate"
$CHECK page "$WORK/dout/briefs/kestrel-dental.html" "Kestrel Dental" || fail "the duplicate's brief won"
$CHECK absent "$WORK/dout/briefs/kestrel-dental.html" "Second Of Two" || fail "the duplicate's brief won"
ok "a duplicate id keeps the first file's brief and one briefs.csv row"

# ---- deterministic and filtered ----------------------------------------------------
expect_exit 0 "$WORK/log" "$PF" run --out "$WORK/again" --briefs samples/
for f in index.html briefs.csv briefs/halden-medtech.html briefs/atlas-marine.html; do
    cmp -s "$WORK/out/$f" "$WORK/again/$f" || fail "$f differs between two runs"
done
ok "two runs give byte-identical pages"
expect_exit 0 "$WORK/log" "$PF" run --out "$WORK/again" --briefs-for 'h*' samples/
[ "$(ls "$WORK/again/briefs")" = "halden-medtech.html" ] || fail "--briefs-for h*: $(ls "$WORK/again/briefs")"
ok "--briefs-for takes a pattern of ids, and a run replaces the previous briefs folder whole"
expect_exit 0 "$WORK/log" "$PF" run --out "$WORK/again" samples/
[ -f "$WORK/again/index.html" ] && [ ! -e "$WORK/again/briefs.csv" ] && [ ! -e "$WORK/again/briefs" ] ||
    fail "a run without --briefs left the previous run's briefs"
ok "without --briefs, index.html is still written and the previous run's briefs are removed"

# a briefs folder, file or link partnerfit did not write is never touched
mkdir -p "$WORK/mine/briefs/sub" "$WORK/elsewhere"
echo mine >"$WORK/mine/briefs/sub/notes.txt"
echo theirs >"$WORK/elsewhere/keep.html"
expect_exit 0 "$WORK/log" "$PF" run --out "$WORK/mine" samples/kestrel-dental.yaml
[ -f "$WORK/mine/briefs/sub/notes.txt" ] || fail "a run removed a briefs folder it did not write"
expect_exit 3 "$WORK/log" "$PF" run --briefs --out "$WORK/mine" samples/kestrel-dental.yaml
contains "$WORK/log" "is not a briefs folder a previous run wrote"
[ -f "$WORK/mine/briefs/sub/notes.txt" ] || fail "run --briefs replaced a briefs folder it did not write"
mkdir -p "$WORK/linked"
ln -s "$WORK/elsewhere" "$WORK/linked/briefs"
expect_exit 3 "$WORK/log" "$PF" run --briefs --out "$WORK/linked" samples/kestrel-dental.yaml
expect_exit 0 "$WORK/log" "$PF" run --briefs --out "$WORK/ours" samples/kestrel-dental.yaml
rm -rf "$WORK/ours/briefs" && ln -s "$WORK/elsewhere" "$WORK/ours/briefs"
expect_exit 0 "$WORK/log" "$PF" run --out "$WORK/ours" samples/kestrel-dental.yaml
[ -f "$WORK/elsewhere/keep.html" ] && [ -L "$WORK/ours/briefs" ] || fail "a briefs link was followed or removed"
ok "someone's own briefs folder, or a link called briefs, is left alone (run --briefs refuses with exit 3)"

# the run date only when the operator gives one, with every kind of run
SOURCE_DATE_EPOCH=1700000000 expect_exit 0 "$WORK/log" "$PF" run --incremental --shard 0/2 --out "$WORK/dated" samples/
unset SOURCE_DATE_EPOCH # dash keeps an assignment made before a function call
$CHECK page "$WORK/dated/index.html" "Run on 2023-11-14." || fail "SOURCE_DATE_EPOCH gives no run date"
$CHECK absent "$WORK/out/index.html" "Run on" || fail "a run date without SOURCE_DATE_EPOCH"
ok "index.html names the run date from SOURCE_DATE_EPOCH (also with --incremental --shard), none otherwise"

# ---- tidy data -------------------------------------------------------------------------
$CHECK tidy "$WORK/out" || fail "the tidy reports do not agree with the others"
for f in contributions.csv intakes.csv; do
    n=$(python3 -c "import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1], newline=''))))" "$WORK/out/$f")
    m=$(csvjson "$WORK/out/$f" | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")
    [ "$n" = "$m" ] && [ "$n" -gt 0 ] || fail "$f: csv reads $n rows, csvkit $m"
    csvstat --count "$WORK/out/$f" >/dev/null || fail "csvkit cannot read $f"
done
ok "contributions.csv and intakes.csv load in csv and csvkit alike, and add up to the reports"
# the overview reads the reports back: with a byte order mark and ';' too
dead=$(python3 -c "import csv,sys; print(next(r['rule_id'] for r in csv.DictReader(open(sys.argv[1])) if r['fired'] == '0'))" "$WORK/out/rule_hits.csv")
expect_exit 0 "$WORK/log" "$PF" run --out "$WORK/excel" --excel --delimiter ';' --briefs samples/
for page in "$WORK/out/index.html" "$WORK/excel/index.html"; do
    $CHECK page "$page" "$dead" "Kestrel Dental Group Ltd" "halden-medtech" || fail "$page lost the reports' first column"
done
ok "index.html reads the reports of an --excel ';' run as it does a plain one (rule $dead, brief links)"
done_testing
