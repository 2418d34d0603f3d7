# partnerfit template and schema --json-schema: a consultant starts from the
# generated template, fills it in and gets an accepted intake; the example
# template is accepted as it is; the shipped JSON Schema is what the schema
# command makes of the shipped schema today.
. "$(dirname "$0")/../lib.sh"

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3 # Debian's, with the packages install-deps adds
$PY -c "import yaml" 2>/dev/null || fail "PyYAML (python3-yaml, installed by .ci/install-deps) is missing"

# ---- the blank template: every question of the schema, none answered -------------
expect_exit 0 "$WORK/log" "$PF" template --out "$WORK/blank.yaml"
for q in id assessed_on organisation name maturity strategy help culture approach skills \
    estate criticality procurement notes; do
    grep -q "^ *$q:\$" "$WORK/blank.yaml" || fail "the template has no blank question '$q'"
done
contains "$WORK/blank.yaml" "# REQUIRED. A whole number from 0 to 5."
contains "$WORK/blank.yaml" "# One of: small, medium, large or enterprise. Default: medium."
contains "$WORK/blank.yaml" "#   - area: strategy"
ok "the blank template lists the questions with help, ranges, values and defaults"
# the questions in the schema's order (the questionnaire's)
grep -E '^[a-z_]+:' "$WORK/blank.yaml" | tr -d ':' | tr '\n' ' ' >"$WORK/order"
sed -n '/^fields:/,$p' policies/intake-schema.yaml | grep -E '^  [a-z_]+:$' | tr -d ' :' | tr '\n' ' ' >"$WORK/want"
cmp -s "$WORK/order" "$WORK/want" || fail "template order $(cat "$WORK/order") is not the schema's $(cat "$WORK/want")"
ok "top-level questions in the schema's order"

# blank, it is not an intake yet: the required answers are missing
mkdir "$WORK/blank"
cp "$WORK/blank.yaml" "$WORK/blank/blank.yaml"
expect_exit 1 "$WORK/log" "$PF" run --quiet --out "$WORK/blank-out" "$WORK/blank"
contains "$WORK/blank-out/rejects.csv" '"id","schema.required"'
ok "a blank template is rejected for its missing answers"

# ---- filled in from each sample, it is accepted and ranks as the sample does ---------
mkdir "$WORK/filled"
for f in samples/*.yaml; do
    $PY tests/tools/fill_template.py "$WORK/blank.yaml" "$f" >"$WORK/filled/$(basename "$f")" ||
        fail "cannot fill the template with $f"
done
expect_exit 0 "$WORK/log" "$PF" run --quiet --out "$WORK/filled-out" "$WORK/filled"
expect_exit 0 "$WORK/log" "$PF" run --quiet --out "$WORK/samples-out" samples
$PY - "$WORK/samples-out/recommendations.csv" "$WORK/filled-out/recommendations.csv" <<'PY' || fail "the filled templates rank differently from the samples"
import csv, sys
def rows(p):
    with open(p, newline="", encoding="utf-8") as f:
        return [{k: v for k, v in r.items() if k != "source"} for r in csv.DictReader(f)]
a, b = rows(sys.argv[1]), rows(sys.argv[2])
if not a or a != b:
    sys.exit("%d rows from the samples, %d from the filled templates, first difference: %s"
             % (len(a), len(b), next((x, y) for x, y in zip(a, b) if x != y) if a and b else "-"))
PY
ok "15 templates filled in with the samples' answers: accepted, the same recommendations"

# ---- --example: one answer per line, accepted as it is --------------------------------
mkdir "$WORK/example"
expect_exit 0 "$WORK/log" "$PF" template --example --out "$WORK/example/example.yaml"
grep -q '^ *[a-z_]*: *$' "$WORK/example/example.yaml" &&
    grep '^ *[a-z_]*: *$' "$WORK/example/example.yaml" | grep -vqE '^ *(organisation|maturity|help|culture|area_approach|skills|cloud_architecture|estate|criticality|procurement):' &&
    fail "the example template leaves a question unanswered"
grep -v '^ *#' "$WORK/example/example.yaml" | grep -q '[{[]' && fail "the example template uses a flow collection"
expect_exit 0 "$WORK/log" "$PF" run --quiet --out "$WORK/example-out" "$WORK/example"
ok "template --example: every question answered, one per line, and accepted"

# ---- the JSON Schema --------------------------------------------------------------------
"$PF" schema --json-schema >"$WORK/intake.schema.json" || fail "schema --json-schema failed"
cmp -s "$WORK/intake.schema.json" policies/intake.schema.json ||
    fail "policies/intake.schema.json is stale: regenerate it with partnerfit schema --json-schema --out policies/intake.schema.json"
ok "the shipped policies/intake.schema.json is what schema --json-schema makes today"
# a changed schema changes it (the check above can fail)
mkdir "$WORK/pol"
cp policies/default.yaml policies/*-schema.yaml "$WORK/pol/"
sed 's/max_length: 120/max_length: 99/' policies/intake-schema.yaml >"$WORK/pol/intake-schema.yaml"
"$PF" schema --json-schema --policy "$WORK/pol/default.yaml" >"$WORK/changed.json"
cmp -s "$WORK/changed.json" policies/intake.schema.json && fail "a schema change did not change the JSON Schema"
grep -q '"maxLength": 99' "$WORK/changed.json" || fail "max_length 99 is not maxLength 99"
ok "a change in the intake schema shows in the JSON Schema"
$PY -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['\$schema'].endswith('2020-12/schema')" \
    "$WORK/intake.schema.json" || fail "not a draft 2020-12 JSON Schema"
ok "draft 2020-12"

# ---- usage --------------------------------------------------------------------------------
expect_exit 2 "$WORK/log" "$PF" template samples/atlas-marine.yaml
contains "$WORK/log" "takes no file"
expect_exit 2 "$WORK/log" "$PF" template --rules rules
contains "$WORK/log" "does not take the option '--rules'"
expect_exit 2 "$WORK/log" "$PF" schema --policy "$WORK/nowhere.yaml"
"$PF" template --help | grep -q -- "--example" || fail "template --help does not mention --example"
ok "usage errors exit 2"
done_testing
