/*
 * test_hostile_eval.c - issue 10: what a hostile rule pack could do to an
 * evaluation that the limits did not see. Each test but the last is a
 * regression test: it fails on the evaluator before the fix (45be00e) and
 * passes after; the last guards the rule's name on a memory error.
 *
 *   numbers    point totals that wrap, reach inf or NaN, are refused and
 *              the rule named (docs/rules.md, "Points");
 *   memory     the cap counts live bytes, so an intake's verdict does not
 *              depend on what the intakes before it did;
 *   output     the bytes of report rows one intake makes are capped;
 *   pack       a state rebuilt after a limit uses the pack as first read,
 *              not the files as they are now;
 *   text       NUL, ESC and invalid UTF-8 from a rule are shown escaped in
 *              the reports and in tool output;
 *   messages   the same pack and intake give the same message;
 *   blame      a limit names the rule whose code ran, or says none did.
 *
 * Only the public evaluator API and eval_fixture.h, so the same file
 * builds against the old code to show it failing there.
 */
#include "eval_fixture.h"

/* ---- numbers --------------------------------------------------------------------------- */

static const char TWO_MAXINT[] =
    "rule { id = 'big.one', stage = 'fit', because = 'One.',\n"
    "  score = function(intake) return { opt_a = intake.hostile and math.maxinteger or 1 } end }\n"
    "rule { id = 'big.two', stage = 'fit', because = 'Two.',\n"
    "  score = function(intake) return { opt_a = intake.hostile and math.maxinteger or 1 } end }\n";

/* maxinteger twice wrapped to -2 and ranked last, with exit 0 */
static void test_integer_points_do_not_wrap(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-big.lua", TWO_MAXINT);
    put(fx, "20-normal.lua", NORMAL_RULE);
    load(fx);
    run_fails(fx, intake(fx, HOSTILE_INTAKE), "rule.error", "rule big.one (");
    assert_non_null(strstr(fx->err.msg, "outside the range of -1e9 to 1e9 points"));
    run_ok(fx, intake(fx, INTAKE_YAML)); /* small points still add up */
    assert_string_equal(fx->recs.cell[row_where(&fx->recs, R_OPT, "opt_a")][R_SCORE], "2");
}

/* 1e308 from two rules made inf, ranked first and shortlisted */
static void test_float_total_in_range(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-big.lua",
        "rule { id = 'huge.one', stage = 'fit', because = 'One.',\n"
        "  score = function() return { opt_a = 6e8 } end }\n"
        "rule { id = 'huge.two', stage = 'fit', because = 'Two.', weight = 'double',\n"
        "  score = function(intake) return { opt_a = intake.hostile and 3e8 or 1 } end }\n");
    load(fx);
    /* 6e8 + 2 * 3e8 = 1.2e9: the total is out of range; the second rule made it so */
    run_fails(fx, intake(fx, HOSTILE_INTAKE), "rule.error", "rule huge.two (");
    assert_non_null(strstr(fx->err.msg, "bring the total to 1200000000"));
    run_ok(fx, intake(fx, INTAKE_YAML));
    assert_rec(fx, 1, "opt_a", "600000002", "yes");
}

/* points given as the text "5" were reported as "returned 5 points", which
 * reads like a number: the message says it is text */
static void test_text_points_named_as_text(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-text.lua",
        "rule { id = 'text.points', stage = 'fit', because = 'Text.',\n"
        "  score = function(intake) return { opt_a = intake.hostile and '5' or 1 } end }\n");
    load(fx);
    run_fails(fx, intake(fx, HOSTILE_INTAKE), "rule.error", "rule text.points (");
    assert_non_null(
        strstr(fx->err.msg, "returned the text '5' for 'opt_a', expected a number of points"));
    run_ok(fx, intake(fx, INTAKE_YAML));
}

/* a static table of 1e308 points passed the load and summed to inf */
static void test_static_points_in_range(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-big.lua",
        "rule { id = 'static.huge', stage = 'fit', because = 'Huge.', score = { opt_a = 1e308 } "
        "}\n");
    load_fails(fx, "rules.check", NULL, 0, "points for 'opt_a' must be from -1e9 to 1e9");
}

/* ---- memory ---------------------------------------------------------------------------- */

/* An intake that makes and drops 9 MB of 64-byte strings, and one that
 * holds 9 MB of 128-byte strings: under a 16 MiB cap each passes on a
 * fresh evaluator, so the second must pass after the first too. Counted
 * by the slab's chunks, the first one's freed blocks stayed counted. */
static const char CHURN_RULES[] =
    "rule { id = 'mem.churn', stage = 'fit', because = 'M.', score = { opt_a = 1 },\n"
    "  when = function(intake)\n"
    "    local t, pad = {}, string.rep('c', 30)\n"
    "    if intake.churn then\n"
    "      for i = 1, 140000 do t[i] = pad .. string.format('%08d', i) end\n"
    "    elseif intake.hold then\n"
    "      pad = string.rep('h', 94)\n"
    "      for i = 1, 70000 do t[i] = pad .. string.format('%08d', i) end\n"
    "    end\n"
    "    return #t >= 0\n"
    "  end }\n";

static void test_memory_verdict_has_no_history(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-mem.lua", CHURN_RULES);
    load(fx);
    const pf_value_t *churn = intake(fx, "id: c-1\norg: {name: C}\nassessed_on: 2024-01-01\n"
                                         "churn: true\n");
    const pf_value_t *hold = intake(fx, "id: h-1\norg: {name: H}\nassessed_on: 2024-01-01\n"
                                        "hold: true\n");
    run_ok(fx, hold); /* on its own */
    pf_eval_delete(fx->ev);
    fx->ev = NULL;
    load(fx);
    run_ok(fx, churn);
    run_ok(fx, hold);             /* after the churn: the same verdict */
    for (int i = 0; i < 8; i++) { /* and again and again: no growth left behind */
        run_ok(fx, churn);
        run_ok(fx, hold);
    }
}

/* Strings of one size made and dropped, then of the next size, up to 8 MB
 * each: never more than 8 MB live, so under a 16 MiB cap the intake passes
 * (it used to meet the cap, the chunks counted whole), and the evaluator
 * goes on working. */
static void test_small_block_churn_passes(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-churn.lua",
        "rule { id = 'churn', stage = 'fit', because = 'C.', score = { opt_a = 1 },\n"
        "  when = function(intake)\n"
        "    if not intake.hostile then return true end\n"
        "    for c = 2, 15 do local t, pad = {}, string.rep('x', (c + 1) * 16 - 33)\n"
        "      for i = 1, math.floor(8e6 / ((c + 1) * 16)) do t[i] = pad .. string.format('%08d', "
        "i) end\n"
        "    end\n"
        "    return true\n"
        "  end }\n");
    put(fx, "20-normal.lua", NORMAL_RULE);
    /* memory is the question here, not time: a loaded machine (or a
     * sanitizer build) must not turn this into a time-limit reject */
    fx->limits.seconds = 120;
    fx->limits.instructions = 100000000000ULL;
    load(fx);
    for (int i = 0; i < 3; i++) {
        run_ok(fx, intake(fx, HOSTILE_INTAKE));
        run_ok(fx, intake(fx, INTAKE_YAML));
        assert_rec(fx, 1, "opt_b", "7", "no");
    }
}

/* ---- output ---------------------------------------------------------------------------- */

/* A reason of 300 KB on four options: 1.2 MB of rows for one intake, held
 * in C memory outside the state's cap. The default cap is 1 MiB. */
static void test_output_capped_per_intake(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-flood.lua",
        "rule { id = 'flood', stage = 'fit',\n"
        "  because = function(intake) return intake.hostile and string.rep('y', 300000) or 'F.' "
        "end,\n"
        "  score = function() return { opt_a = 1, opt_b = 1, opt_c = 1, opt_old = 1 } end }\n");
    put(fx, "20-normal.lua", NORMAL_RULE);
    load(fx);
    run_fails(fx, intake(fx, HOSTILE_INTAKE), "rule.limit", "rule flood (");
    assert_non_null(strstr(fx->err.msg, "output limit of 1 MiB"));
    assert_int_equal(fx->out[0].len, 0);
    run_ok(fx, intake(fx, INTAKE_YAML));
    assert_rec(fx, 1, "opt_b", "8", "no");
}

/* ---- the pack ------------------------------------------------------------------------------- */

static const char LOOP_RULE[] =
    "rule { id = 'loop', stage = 'fit', because = 'L.', score = { opt_a = 1 },\n"
    "  when = function(intake) if intake.hostile then while true do end end return true end }\n";

/* After a limit the state is built again: from the pack as first read,
 * whatever the files say by now, and a broken edit does not stop the run. */
static void test_rebuild_uses_the_pack_as_loaded(void **state)
{
    fx_t *fx = *state;
    fx->limits.instructions = 100000;
    put(fx, "10-loop.lua", LOOP_RULE);
    put(fx, "20-normal.lua", NORMAL_RULE);
    load(fx);
    char digest[65];
    snprintf(digest, sizeof digest, "%s", pf_eval_rules_digest(fx->ev));
    const pf_value_t *bad = intake(fx, HOSTILE_INTAKE), *good = intake(fx, INTAKE_YAML);
    /* an edit mid-run */
    put(fx, "20-normal.lua",
        "rule { id = 'normal', stage = 'fit', because = 'Edited.', score = { opt_b = 9 } }\n");
    run_fails(fx, bad, "rule.limit", "rule loop (");
    run_ok(fx, good);
    assert_rec(fx, 1, "opt_b", "7", "no");
    /* a broken edit */
    put(fx, "20-normal.lua", "rule { id = \n");
    run_fails(fx, bad, "rule.limit", "rule loop (");
    run_ok(fx, good);
    assert_rec(fx, 1, "opt_b", "7", "no");
    assert_string_equal(pf_eval_rules_digest(fx->ev), digest);
}

/* ---- text from rules ---------------------------------------------------------------------------
 */

static const char DIRTY_RULE[] =
    "rule { id = 'dirty', stage = 'fit', because = 'a\\0b\\27[31mc\\255d\\\\e caf\\195\\169',\n"
    "  score = { opt_a = 11 } }\n"
    "rule { id = 'dirty.step', stage = 'engage', because = 'B.', options = 'all',\n"
    "  step = 'Ring\\7 now.' }\n";

static void test_rule_text_escaped_in_reports(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-dirty.lua", DIRTY_RULE);
    load(fx);
    run_ok(fx, intake(fx, INTAKE_YAML));
    size_t a = assert_rec(fx, 1, "opt_a", "11", "yes");
    assert_string_equal(fx->recs.cell[a][R_WHY],
                        "dirty +11: a\\x00b\\x1B[31mc\\xFFd\\x5Ce caf\xC3\xA9");
    assert_string_equal(fx->recs.cell[a][R_NEXT], "Call A. Ring\\x07 now. [dirty.step]");
    assert_null(memchr(fx->out[0].data, '\0', fx->out[0].len));
    assert_null(memchr(fx->out[0].data, 0x1B, fx->out[0].len));
}

/* explain printed its text up to the first NUL only, and passed ESC on */
static void test_rule_text_escaped_in_tool_output(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-dirty.lua", DIRTY_RULE);
    load(fx);
    pf_buf_t out;
    pf_buf_init(&out);
    int verdict = 0;
    pf_err_t err;
    pf_err_clear(&err);
    if (!pf_eval_tool(fx->ev, "explain", intake(fx, INTAKE_YAML), "in/acme.yaml", NULL, &verdict,
                      &out, &err))
        fail_msg("explain: [%s] %s", err.kind, err.msg);
    assert_int_equal(strlen(out.data), out.len); /* no NUL */
    assert_null(strchr(out.data, 0x1B));
    assert_non_null(strstr(out.data, "a\\x00b\\x1B[31mc\\xFFd"));
    assert_non_null(strchr(out.data, '\n')); /* lines stay lines */
    pf_buf_delete(&out);
}

/* ---- messages -------------------------------------------------------------------------------- */

/* pairs over the table a rule returned named whichever unknown key came
 * first in that state's hash order */
static void test_unknown_key_message_is_deterministic(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-keys.lua",
        "rule { id = 'keys', stage = 'fit', because = 'K.', score = function()\n"
        "  local t = {}\n"
        "  for i = 1, 40 do t['zz' .. i] = 1 end\n"
        "  t.opt_a, t.aa_first, t.mm = 1, 1, 1\n"
        "  return t end }\n");
    for (int i = 0; i < 6; i++) {
        if (fx->ev) pf_eval_delete(fx->ev);
        fx->ev = NULL;
        load(fx);
        run_fails(fx, intake(fx, INTAKE_YAML), "rule.error",
                  "returned points for unknown option 'aa_first'");
    }
}

/* ---- blame --------------------------------------------------------------------------------------
 */

/* A memory error must name the rule even when the state is at its cap
 * (asking the prelude who ran needs memory too). */
static void test_memory_limit_names_the_rule(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-normal.lua", NORMAL_RULE);
    put(fx, "20-hog.lua",
        "rule { id = 'hog', stage = 'fit', because = 'H.', score = { opt_a = 1 },\n"
        "  when = function(intake)\n"
        "    if intake.hostile then local t = {} for i = 1, 1e8 do t[i] = {} end end\n"
        "    return true end }\n");
    load(fx);
    for (int i = 0; i < 3; i++) {
        run_fails(fx, intake(fx, HOSTILE_INTAKE), "rule.limit", "rule hog (");
        assert_non_null(strstr(fx->err.msg, "memory limit"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_integer_points_do_not_wrap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_float_total_in_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_points_in_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_points_named_as_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_verdict_has_no_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_block_churn_passes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_capped_per_intake, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rebuild_uses_the_pack_as_loaded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rule_text_escaped_in_reports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rule_text_escaped_in_tool_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_key_message_is_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_limit_names_the_rule, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
