# partnerfit import: form exports (CSV) to intakes that `run` accepts
# unchanged; every row imported or in the rejects report at its row and
# column; the same CSV gives the same files byte for byte; hostile cells
# are refused at import, not left for run to refuse.
. "$(dirname "$0")/../lib.sh"

rows_of() { # FILE: data rows of a CSV (records after the header)
    python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline='', encoding='utf-8-sig'))) - 1)" "$1"
}

# ---- the shipped examples ------------------------------------------------------------------
for form in microsoft-forms google-forms; do
    out=$WORK/$form
    expect_exit 1 "$WORK/log" "$PF" import --map "policies/$form.map.yaml" --out "$out" \
        "samples/forms/$form.csv"
    contains "$WORK/log" "6 rows: 4 imported into $out/, 1 rejected, 1 empty"
    rej=$out/import-rejects.csv
    "$CSVCHECK" valid "$rej" || fail "$rej is not strict CSV"
    contains "$rej" '7,8,"Maturity today: Govern","maturity.govern","6 - Beyond","import.value","one of: ""0 - Nothing in place"", ""1 - Initial"'
    contains "$rej" '5,6,"","","","import.empty_row"'
    [ "$(rows_of "$rej")" = 2 ] || fail "$rej should hold 2 rows"
    ok "$form: the bad row reported at row 7, column 'Maturity today: Govern', with what was expected"
    ls "$out" | grep -c '\.yaml$' | grep -qx 4 || fail "$form: 4 intakes expected in $out"
    for id in nordfjord-freight-as nordfjord-freight-as-2 kestrel-dental-clinics lumenfeld-software-gmbh; do
        [ -f "$out/$id.yaml" ] || fail "$form: no $id.yaml"
    done
    ok "$form: 4 intakes, the organisation answering twice made unique (nordfjord-freight-as-2)"
    expect_exit 0 "$WORK/log" "$PF" run --quiet --out "$WORK/$form-reports" "$out"
    for id in nordfjord-freight-as nordfjord-freight-as-2 kestrel-dental-clinics lumenfeld-software-gmbh; do
        grep -q "^\"$id\"," "$WORK/$form-reports/recommendations.csv" || fail "$form: $id not in recommendations.csv"
    done
    ok "$form: run accepts the imported intakes unchanged, each in recommendations.csv"
    # idempotent: the same CSV again, into the same folder and into a new one
    (cd "$out" && sha256sum ./*.yaml import-rejects.csv) >"$WORK/$form.sum1"
    expect_exit 1 "$WORK/log" "$PF" import -q --map "policies/$form.map.yaml" --out "$out" \
        "samples/forms/$form.csv"
    [ ! -s "$WORK/log" ] || fail "-q still printed: $(cat "$WORK/log")"
    (cd "$out" && sha256sum -c --quiet "$WORK/$form.sum1") || fail "$form: re-import changed the files"
    expect_exit 1 "$WORK/log" "$PF" import --map "policies/$form.map.yaml" --out "$out.again" \
        "samples/forms/$form.csv"
    (cd "$out.again" && sha256sum -c --quiet "$WORK/$form.sum1") || fail "$form: a second import differs"
    ok "$form: re-import gives byte-identical files (sha256)"
done
# the two exports of the same answers give the same intakes but for the
# questions only the Microsoft form asks (skills, criticality)
grep -q "^skills:" "$WORK/microsoft-forms/nordfjord-freight-as.yaml" || fail "skills not imported"
grep -q "^  area_approach:" "$WORK/google-forms/nordfjord-freight-as.yaml" || fail "area_approach not imported"
grep -qF 'notes: "The co-location contract ends on 30 June 2027.\nIt will not be renewed."' \
    "$WORK/microsoft-forms/nordfjord-freight-as.yaml" || fail "a quoted newline in a CRLF file was not kept as one line break"
for form in microsoft-forms google-forms; do
    grep -q "^  incumbent_replaced: true" "$WORK/$form/lumenfeld-software-gmbh.yaml" ||
        fail "$form: 'Is that partner to be replaced?' did not become incumbent_replaced"
    grep -q "incumbent_replaced" "$WORK/$form/kestrel-dental-clinics.yaml" &&
        fail "$form: an unanswered 'Is that partner to be replaced?' was written"
done
ok "multi-select columns became list items; a quoted cell's CR LF became one line break"

# ---- hostile and awkward rows ---------------------------------------------------------------
h=$WORK/hostile
mkdir "$h"
cat >"$h/map.yaml" <<'YAML'
form: a small form, for the tests
id: {columns: [Name], prefix: t}
answers:
  - {column: Name, question: organisation.name}
  - {column: When, question: assessed_on, date: D.M.YYYY}
  - column: Approach
    question: culture.approach
    values: {Learn: develop_skills, "Extra hands": augment_staff, "Offload whole processes": offload}
  - column: Maturity
    question: maturity.strategy
    values: {"1 - Initial": 1, "2 - Repeatable": 2}
  - {column: Plan, question: maturity.plan}
  - {column: Plan, question: maturity.ready}
  - {column: Plan, question: maturity.migrate}
  - {column: Plan, question: maturity.innovate}
  - {column: Plan, question: maturity.govern}
  - {column: Plan, question: maturity.manage}
  - {column: Servers, question: estate.servers}
  - {column: Unit, question: organisation.business_unit_of}
  - {column: Help, question: help, split: "|", item: area, with: {urgency: high}}
YAML
{
    printf '\357\273\277Name,When,Approach,Maturity,Plan,Servers,Unit,Help\r\n'
    printf 'Fjord AS,12.3.2026,Learn,1 - Initial,2,10,,migrate|ready\r\n'                 # row 2
    printf 'Fjord AS,13.3.2026,Extra hands,2 - Repeatable,2,,,\r\n'                       # row 3: same name
    printf 'Fjord AS,14.3.2026,Learn,1 - Initial,2,,,\r\n'                                # row 4: and again
    printf '"=HYPERLINK(""http://x.example"",""y"")",12.3.2026,Learn,1 - Initial,2,,,\r\n' # row 5: formula-like
    printf 'Esc \033[31mred,12.3.2026,Learn,1 - Initial,2,,,\r\n'                         # row 6: control char
    printf 'Zero\342\200\213width,12.3.2026,Learn,1 - Initial,2,,,\r\n'                   # row 7: invisible
    printf '\303\205lesund Sj\303\270mat,12.3.2026,Learn,1 - Initial,2,,,\r\n'            # row 8: accents
    printf 'Big Co,12.3.2026,Learn,1 - Initial,2,2000000,,\r\n'                           # row 9: out of range
    printf 'Two Lines,12.3.2026,Learn,1 - Initial,2,,"a\r\nb",\r\n'                       # row 10: newline
    printf 'Late,2026-03-12,Learn,1 - Initial,2,,,\r\n'                                   # row 11: date format
    printf ',,,,,,,\r\n'                                                                  # row 12: empty
    printf ',12.3.2026,Learn,1 - Initial,2,,,\r\n'                                        # row 13: no name
    printf 'Helpless,12.3.2026,Learn,1 - Initial,2,,,migrate|cooking\r\n'                 # row 14: bad item
} >"$h/form.csv"
expect_exit 1 "$WORK/log" "$PF" import --map "$h/map.yaml" --out "$h/out" --rejects "$h/rejects.csv" "$h/form.csv"
rej=$h/rejects.csv
"$CSVCHECK" valid "$rej" || fail "rejects report is not strict CSV"
[ ! -f "$h/out/import-rejects.csv" ] || fail "--rejects FILE still wrote import-rejects.csv"
for f in t-fjord-as t-fjord-as-2 t-fjord-as-3 t-hyperlink-http-x-example-y t-alesund-sjomat; do
    [ -f "$h/out/$f.yaml" ] || { ls "$h/out" >&2; fail "no $f.yaml"; }
done
ok "duplicate names made unique in row order (-2, -3); accented letters spelt plainly"
check() { # ROW COLUMN QUESTION KIND TEXT
    line=$(grep -F -- "\"$2\",\"$3\"" "$rej" | grep -F -- "\"$4\"" | grep "^$1,") ||
        { cat "$rej" >&2; fail "no reject at row $1 column '$2' question '$3' kind $4"; }
    echo "$line" | grep -qF -- "$5" || fail "row $1: '$5' not in: $line"
    ok "row $1 rejected: $4 at column '$2' ($3)"
}
check 6 Name organisation.name import.text "control characters"
check 7 Name organisation.name import.text "U+200B ZERO WIDTH SPACE"
grep -q '^7,.*"Zero<U+200B>width"' "$rej" || fail "the invisible character is not shown as <U+200B> in the report"
check 9 Servers estate.servers schema.range "1000000"
check 10 Unit organisation.business_unit_of schema.type "line"
check 11 When assessed_on import.date "a date written D.M.YYYY"
check 13 "" organisation schema.required "organisation"
check 14 Help "help[2].area" schema.enum "cooking"
grep -q '^12,.*"import.empty_row"' "$rej" || fail "the empty row is not accounted for"
ok "row 12 (empty) accounted for"
[ "$(rows_of "$rej")" = 8 ] || { cat "$rej" >&2; fail "8 reject rows expected"; }
# every data row accounted for: imported or rejected
imported=$(ls "$h/out" | grep -c '\.yaml$')
rejected=$(cut -d, -f1 "$rej" | tail -n +2 | sort -u | wc -l)
[ $((imported + rejected)) = 13 ] || fail "$imported imported + $rejected rejected rows is not 13"
ok "13 rows: $imported imported, $rejected rejected"
# the formula-like name is kept as text; --excel reports neutralise it
expect_exit 0 "$WORK/log" "$PF" run --quiet --excel --out "$h/reports" "$h/out"
grep -qF "\"'=HYPERLINK(\"\"http://x.example\"\",\"\"y\"\")\"" "$h/reports/recommendations.csv" ||
    fail "the formula-like name is not neutralised in the --excel reports"
grep -qF "\"'=HYPERLINK" "$rej" && fail "the rejects report shows a formula it should not"
ok "a formula-like answer imports as text; run --excel neutralises it"
grep -q '^assessed_on: "2026-03-12"' "$h/out/t-fjord-as.yaml" || fail "D.M.YYYY not converted"
grep -q '^- area: migrate' "$h/out/t-fjord-as.yaml" || fail "multi-select not a list"
ok "dates converted, multi-select split into list items"

# ---- map and header errors: exit 2, nothing written --------------------------------------------
sed 's/column: Servers/column: Server count/' "$h/map.yaml" >"$h/map-missing.yaml"
expect_exit 2 "$WORK/log" "$PF" import --map "$h/map-missing.yaml" --out "$h/none" "$h/form.csv"
contains "$WORK/log" "has no column 'Server count'"
[ ! -e "$h/none" ] || fail "a map error still wrote $h/none"
ok "a mapped column missing from the header: exit 2 naming it, nothing written"
sed 's/question: estate.servers/question: estate.serverz/' "$h/map.yaml" >"$h/map-question.yaml"
expect_exit 2 "$WORK/log" "$PF" import --map "$h/map-question.yaml" --out "$h/none" "$h/form.csv"
contains "$WORK/log" "map-question.yaml:18:33: the intake schema has no question 'estate.serverz'"
sed 's/^answers:/answer:/' "$h/map.yaml" >"$h/map-typo.yaml"
expect_exit 2 "$WORK/log" "$PF" import --map "$h/map-typo.yaml" --out "$h/none" "$h/form.csv"
contains "$WORK/log" "did you mean 'answers'"
sed 's/question: maturity.plan/question: maturity/' "$h/map.yaml" >"$h/map-section.yaml"
expect_exit 2 "$WORK/log" "$PF" import --map "$h/map-section.yaml" --out "$h/none" "$h/form.csv"
contains "$WORK/log" "'maturity' is a section"
[ ! -e "$h/none" ] || fail "a map error still wrote $h/none"
ok "map mistakes (unknown question, misspelt key, a section): exit 2 at their line"
expect_exit 2 "$WORK/log" "$PF" import --out "$h/none" "$h/form.csv"
contains "$WORK/log" "import needs --map"
expect_exit 2 "$WORK/log" "$PF" import --map "$h/map.yaml" "$h/form.csv"
contains "$WORK/log" "import needs --out"
expect_exit 2 "$WORK/log" "$PF" import --map "$h/map.yaml" --out "$h/none" --rules rules "$h/form.csv"
printf 'x,"unclosed\n' >"$h/broken.csv"
expect_exit 2 "$WORK/log" "$PF" import --map "$h/map.yaml" --out "$h/none" "$h/broken.csv"
contains "$WORK/log" "not a CSV file"
ok "usage errors and a broken CSV: exit 2"
done_testing
