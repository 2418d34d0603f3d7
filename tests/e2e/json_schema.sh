# The shipped JSON Schema (policies/intake.schema.json) and partnerfit's own
# validation agree, checked against a real validator (Debian's
# python3-jsonschema) on the samples, on bad intakes (the fuzz seeds and the
# mistakes below), on the example template and on generated intakes. Where
# they cannot agree, the difference is listed in tests/tools/jsonschema-
# known.txt and documented in docs/intake-format.md; a listed difference
# that no longer holds fails too.
. "$(dirname "$0")/../lib.sh"

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3 # Debian's, with the packages install-deps adds
$PY -c "import jsonschema, yaml" 2>/dev/null ||
    fail "python3-jsonschema and python3-yaml (installed by .ci/install-deps) are missing"

# ---- bad intakes: one mistake each in a small valid intake ------------------------------
bad=$WORK/bad
mkdir -p "$bad"
base() { small_intake "$1"; }
base ok-minimal >"$bad/ok-minimal.yaml"
base ok-nulls >"$bad/ok-nulls.yaml"; printf 'estate:\n  servers: ~\n  databases:\nnotes: null\n' >>"$bad/ok-nulls.yaml"
base ok-flow >"$bad/ok-flow.yaml"; printf 'help: [{area: plan}, {area: ready, urgency: high}]\nskills: {ai: {have: 1}}\n' >>"$bad/ok-flow.yaml"
base range >"$bad/range.yaml"; printf 'estate:\n  adoption_window_months: 200\n' >>"$bad/range.yaml"
base negative >"$bad/negative.yaml"; printf 'estate:\n  servers: -1\n' >>"$bad/negative.yaml"
base typo | sed 's/^maturity:/maturty:/' >"$bad/typo.yaml"
base nested-typo >"$bad/nested-typo.yaml"; printf 'procurement:\n  billing_preferense: direct\n' >>"$bad/nested-typo.yaml"
base enumcase | sed 's/augment_staff/Augment_Staff/' >"$bad/enumcase.yaml"
base missing | sed '/^assessed_on/d' >"$bad/missing.yaml"
base missing-nested | sed '/^  name:/d' >"$bad/missing-nested.yaml"
base yesno >"$bad/yesno.yaml"; printf 'estate:\n  inventory_complete: yes\n' >>"$bad/yesno.yaml"
base text-int >"$bad/text-int.yaml"; printf 'estate:\n  servers: many\n' >>"$bad/text-int.yaml"
base decimal-int >"$bad/decimal-int.yaml"; printf 'estate:\n  servers: 3.5\n' >>"$bad/decimal-int.yaml"
base list-for-scalar >"$bad/list-for-scalar.yaml"; printf 'notes: [a, b]\n' >>"$bad/list-for-scalar.yaml"
base scalar-for-list >"$bad/scalar-for-list.yaml"; printf 'help: migrate\n' >>"$bad/scalar-for-list.yaml"
base too-many >"$bad/too-many.yaml"
printf 'help: [{area: plan}, {area: plan}, {area: plan}, {area: plan}, {area: plan}, {area: plan}, {area: plan}, {area: plan}]\n' >>"$bad/too-many.yaml"
base map-key >"$bad/map-key.yaml"; printf 'skills: {cooking: {have: 1}}\n' >>"$bad/map-key.yaml"
base map-null >"$bad/map-null.yaml"; printf 'skills: {ai: }\n' >>"$bad/map-null.yaml"
base pattern | sed 's/country: NO/country: Norway/' >"$bad/pattern.yaml"
base long-name | sed "s/name: Test Org long-name/name: $(printf '%0130d' 0)/" >"$bad/long-name.yaml"
base badid | sed 's/^id: badid/id: -starts-with-dash/' >"$bad/badid.yaml"
base baddate | sed 's/2026-01-15/2026-02-30/' >"$bad/baddate.yaml"
base datefmt | sed 's/2026-01-15/15.01.2026/' >"$bad/datefmt.yaml"
base twoline >"$bad/twoline.yaml"; printf 'organisation:\n' >/dev/null
sed 's/^  name: Test Org twoline/  name: "two\\nlines"/' "$bad/twoline.yaml" >"$bad/t" && mv "$bad/t" "$bad/twoline.yaml"
base required-null | sed 's/^assessed_on: .*/assessed_on:/' >"$bad/required-null.yaml"
base item-null >"$bad/item-null.yaml"; printf 'help: [~]\n' >>"$bad/item-null.yaml"
base root-list >/dev/null; printf -- '- a\n- b\n' >"$bad/root-list.yaml"
# the documented differences (tests/tools/jsonschema-known.txt): spellings
# partnerfit refuses where YAML 1.2 reads a number or a boolean, and text
# partnerfit takes where YAML 1.2 reads a number
base known-True >"$bad/known-True.yaml"; printf 'estate:\n  inventory_complete: True\n' >>"$bad/known-True.yaml"
base known-octal >"$bad/known-octal.yaml"; printf 'estate:\n  servers: 0755\n' >>"$bad/known-octal.yaml"
base known-exponent >"$bad/known-exponent.yaml"; printf 'estate:\n  servers: 1e3\n' >>"$bad/known-exponent.yaml"
base known-quoted-int >"$bad/known-quoted-int.yaml"; printf 'estate:\n  servers: "12"\n' >>"$bad/known-quoted-int.yaml"
base known-number-name | sed 's/name: Test Org known-number-name/name: 1881/' >"$bad/known-number-name.yaml"
base known-dupkey >"$bad/known-dupkey.yaml"; printf 'notes: a\nnotes: b\n' >>"$bad/known-dupkey.yaml"
base known-invisible | sed 's/Test Org known-invisible/Test\xe2\x80\x8bOrg/' >"$bad/known-invisible.yaml"
cp tests/fuzz/seeds/intake/*.yaml "$bad/"

# ---- the corpora ---------------------------------------------------------------------------
mkdir "$WORK/example"
"$PF" template --example --out "$WORK/example/example.yaml" || fail "template --example failed"
CC=${CC:-cc}
"$CC" -O1 -o "$WORK/gen_intakes" "$SRC/bench/gen_intakes.c" || fail "cannot build bench/gen_intakes.c"
# 400 generated intakes, about one in ten with a mistake an analyst makes
"$WORK/gen_intakes" -n 400 -s 31 -b 100 -o "$WORK/gen" >/dev/null || fail "the generator failed"

check() { # NAME PATH...: run, then compare verdicts file by file
    name=$1
    shift
    set +e
    "$PF" run --quiet --out "$WORK/out-$name" "$@" 2>"$WORK/log-$name"
    code=$?
    set -e
    [ "$code" -le 1 ] || { cat "$WORK/log-$name" >&2; fail "run over $name exited $code"; }
    files=$(find "$@" -type f \( -name '*.yaml' -o -name '*.yml' \) | sort)
    # shellcheck disable=SC2086
    $PY tests/tools/jsonschema_diff.py policies/intake.schema.json "$WORK/out-$name/rejects.csv" \
        tests/tools/jsonschema-known.txt $files >"$WORK/diff-$name" ||
        { cat "$WORK/diff-$name" >&2; fail "partnerfit and the JSON Schema disagree on $name"; }
    sed 's/^/    /' "$WORK/diff-$name"
}
check samples samples
grep -q "15  partnerfit valid        JSON Schema valid" "$WORK/diff-samples" || fail "not all 15 samples valid for both"
ok "samples: both accept all 15"
check example "$WORK/example"
ok "template --example: both accept it"
check generated "$WORK/gen"
grep -q "partnerfit invalid .*JSON Schema invalid" "$WORK/diff-generated" || fail "no generated intake was invalid: the check proves nothing"
ok "400 generated intakes (bad ones among them): the same verdicts"
check bad "$bad"
ok "bad intakes: the same verdicts, but for the documented differences"

# ---- the check itself can fail ------------------------------------------------------------
# a JSON Schema that forgets a bound disagrees with partnerfit on range.yaml
sed 's/"maximum": 120/"maximum": 1200/' policies/intake.schema.json >"$WORK/loose.json"
$PY tests/tools/jsonschema_diff.py "$WORK/loose.json" "$WORK/out-bad/rejects.csv" \
    tests/tools/jsonschema-known.txt "$bad/range.yaml" >"$WORK/loose.out" &&
    fail "a JSON Schema without the bound still agreed on range.yaml"
contains "$WORK/loose.out" "DISAGREE"
ok "a JSON Schema with a bound left out is caught"
done_testing
