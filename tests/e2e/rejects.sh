# Bad intakes land in rejects.csv with the right file, line, column, field
# and kind, while the good ones in the same folder are still evaluated.
. "$(dirname "$0")/../lib.sh"

in=$WORK/in
mkdir -p "$in"
# a small valid intake; each case below changes one thing in it
base() { small_intake "$1"; }
base good-1 > "$in/a-good.yaml"
base good-2 > "$in/b-good.yml"
printf '\357\273\277' > "$in/c-bom.yaml"; base good-bom >> "$in/c-bom.yaml"
base good-utf16 | iconv -f UTF-8 -t UTF-16 > "$in/d-utf16.yaml"
base tabs | sed 's/^  name/\tname/' > "$in/e-tabs.yaml"
base octal > "$in/f-octal.yaml"; printf 'estate:\n  servers: 0755\n' >> "$in/f-octal.yaml"
base yesno > "$in/g-yesno.yaml"; printf 'estate:\n  inventory_complete: yes\n' >> "$in/g-yesno.yaml"
base alias | sed 's/^culture:/culture: \&c/' > "$in/h-anchor.yaml"
base dupkey > "$in/i-dupkey.yaml"; printf 'id: again\n' >> "$in/i-dupkey.yaml"
base twodocs > "$in/j-twodocs.yaml"; printf -- '---\nid: second\n' >> "$in/j-twodocs.yaml"
base typo | sed 's/^maturity:/maturty:/' > "$in/k-typo.yaml"
base latin1 | sed 's/Test Org latin1/caf\xe9/' > "$in/l-latin1.yaml"
base ctrl | sed 's/Test Org ctrl/"red \\e[31m"/' > "$in/m-ctrl.yaml"
: > "$in/n-empty.yaml"
mkfifo "$in/o-fifo.yaml"
mkdir "$in/p-folder.yaml"
base inside-folder > "$in/p-folder.yaml/inside.yaml"
base good-1 > "$in/q-dupid.yaml"
printf 'id: x\nnotes: [\n' > "$in/r-unclosed.yaml"
printf 'x: &a [1, *a]\n' > "$in/s-cycle.yaml"
printf 'id: tag\nassessed_on: !!str 2026-01-01\n' > "$in/t-tag.yaml"
base enumcase | sed 's/augment_staff/Augment_Staff/' > "$in/u-enum.yaml"

expect_exit 1 "$WORK/log" timeout 20 "$PF" run --out "$WORK/out" "$in"
rej=$WORK/out/rejects.csv
"$CSVCHECK" valid "$rej" || fail "rejects.csv is not strict CSV"

# check FILE LINE COLUMN FIELD KIND TEXT: a rejects row with these cells
check() {
    row="\"$in/$1\",$2,$3,\"$4\",\"$5\","
    grep -F -- "$row" "$rej" | grep -qF -- "$6" || {
        cat "$rej" >&2
        fail "no rejects row starting $row with '$6'"
    }
    ok "$1 rejected: $5 at $2:$3 $4"
}
check e-tabs.yaml 4 1 "" yaml.syntax "tabs cannot indent YAML"
check f-octal.yaml 10 12 estate.servers schema.type "leading zero"
check g-yesno.yaml 10 23 estate.inventory_complete schema.type "true or false"
check h-anchor.yaml 7 10 "" yaml.anchor "anchors (&c)"
check i-dupkey.yaml 9 1 id yaml.duplicate_key "first at line 1, column 1"
# a file with two documents holds two intakes: the first is evaluated, the
# second (only an id) is rejected at its own line
check j-twodocs.yaml 10 1 assessed_on schema.required "assessed_on"
check k-typo.yaml 6 1 maturty schema.unknown_field "did you mean 'maturity'"
check k-typo.yaml 1 1 maturity schema.required "maturity"
check m-ctrl.yaml 4 9 "" yaml.control_char "U+001B"
check n-empty.yaml 1 1 "" yaml.empty "no questionnaire"
check q-dupid.yaml 1 5 id intake.duplicate_id "a-good.yaml"
check r-unclosed.yaml 3 1 "" yaml.syntax "did not find expected node content"
check s-cycle.yaml 1 4 "" yaml.anchor "anchors (&a)"
check t-tag.yaml 2 14 "" yaml.tag "explicit tags"
check u-enum.yaml 8 13 culture.approach schema.enum "augment_staff"
grep -qF "\"$in/l-latin1.yaml\",4,13,\"\",\"yaml.encoding\"," "$rej" || { cat "$rej" >&2; fail "latin-1 file not rejected at 4:13"; }
ok "l-latin1.yaml rejected: invalid UTF-8 at 4:13"
grep -qF "\"$in/o-fifo.yaml\",\"\",\"\",\"\",\"input.skipped\",\"is a FIFO" "$rej" || fail "FIFO not reported"
ok "o-fifo.yaml skipped with a reason"
grep -q "^\"inside-folder\"," "$WORK/out/recommendations.csv" || fail "a folder named p-folder.yaml was not searched"
ok "p-folder.yaml is a folder like any other: searched"

# the good ones were evaluated, with the text answers kept as text
rec=$WORK/out/recommendations.csv
grep -qF "\"$in/j-twodocs.yaml#1\"" "$rec" || fail "the first document of j-twodocs.yaml was not evaluated"
ok "the first document of a two-document file is evaluated, as j-twodocs.yaml#1"
for id in good-1 good-2 good-bom good-utf16; do
    grep -q "^\"$id\"," "$rec" || fail "$id was not evaluated"
    ok "$id evaluated"
done
# every intake is accounted for: 21 files hold 22 intakes, 6 evaluated + 16 rejected
contains "$WORK/out/manifest.yaml" "files: 21"
contains "$WORK/out/manifest.yaml" "intakes: 22"
contains "$WORK/out/manifest.yaml" "evaluated: 6"
contains "$WORK/out/manifest.yaml" "rejected: 16"
ok "every file accounted for"
done_testing
