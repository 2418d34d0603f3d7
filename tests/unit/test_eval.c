/*
 * test_eval.c - pf_eval, the evaluator proper: building a state from the
 * prelude, the policy and a rule pack, running intakes, reporting errors.
 *
 * Covered: scoring, weights, ranking and its tie-break, shortlist size and
 * minimum score, exclusions, lifecycle, need levels, engage steps;
 * determinism; load errors with file:line and rule id; share{}; error
 * messages (the message handler); the rule path an evaluator takes. The
 * sandbox, the read-only views and the limits have their own programs
 * (test_sandbox.c, test_view.c, test_limits.c); the fixture they share is
 * eval_fixture.h.
 */
#include "eval_fixture.h"
#include "pf_eval_int.h" /* which rule path an evaluator took (ev->native) */

#include <lauxlib.h>
#include <lua.h>

/* ---- reports and scoring ---------------------------------------------------------- */

static void test_reports_described(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-fit.lua",
        "rule { id = 'fit.one', stage = 'fit', because = 'One.', score = { opt_a = 1 } }\n");
    load(fx);
    assert_string_equal(pf_eval_report_name(fx->ev, 0), "recommendations.csv");
    assert_string_equal(pf_eval_report_name(fx->ev, 1), "needs.csv");
    assert_string_equal(pf_eval_report_name(fx->ev, 2), "contributions.csv");
    assert_string_equal(pf_eval_report_name(fx->ev, 3), "intakes.csv");
    assert_null(pf_eval_report_name(fx->ev, 4));
    const char *const *c = pf_eval_report_columns(fx->ev, 0);
    static const char *const want[] = {
        "intake_id",   "org",       "rank",           "option_id",
        "option_name", "score",     "shortlisted",    "areas_covered",
        "why",         "next_step", "lifecycle_note", "shortlist_note",
        "source",      NULL};
    for (size_t i = 0; want[i]; i++)
        assert_string_equal(c[i], want[i]);
    assert_null(c[13]);
    c = pf_eval_report_columns(fx->ev, 1);
    assert_string_equal(c[1], "org");
    assert_string_equal(c[4], "need_level");
    assert_null(c[8]);
    c = pf_eval_report_columns(fx->ev, 2);
    assert_string_equal(c[C_KIND], "kind");
    assert_string_equal(c[C_POINTS], "points");
    assert_null(c[C_NCOLS]);
    /* intakes.csv: the policy's attributes, the as-of question, one column per area */
    c = pf_eval_report_columns(fx->ev, 3);
    assert_string_equal(c[I_LABEL], "org");
    assert_string_equal(c[I_SECTOR], "sector");
    assert_string_equal(c[I_AS_OF], "assessed_on");
    assert_string_equal(c[I_NEED_ALPHA], "need_alpha");
    assert_string_equal(c[I_NEED_GAMMA], "need_gamma");
    assert_null(c[I_NCOLS]);
    assert_int_equal(pf_eval_rule_count(fx->ev), 1);
    assert_int_equal(strlen(pf_eval_rules_digest(fx->ev)), 64);
}

/* fit.base scores opt_old by a function: its keys are literal, where a
 * table's keys go to the option carrying them (test_points_follow_carrier) */
static const char SCORING_RULES[] =
    "rule { id = 'fit.base', stage = 'fit', because = 'Base points.', weight = 'base',\n"
    "  score = function() return { opt_a = 10, opt_b = 10, opt_c = 5, opt_old = 30 } end }\n"
    "rule { id = 'fit.double', stage = 'fit', because = 'Doubled.', weight = 'double',\n"
    "  when = function(intake) return intake.flag == true end,\n"
    "  score = { opt_c = 4 } }\n"
    "rule { id = 'fit.half', stage = 'fit', because = function() return 'Halved.' end,\n"
    "  weight = 'half', score = function() return { opt_b = 3 } end }\n";

static void test_scoring_weights_and_ranking(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-fit.lua", SCORING_RULES);
    load(fx);
    assert_int_equal(pf_eval_rule_count(fx->ev), 3);
    run_ok(fx, intake(fx, "id: acme-1\norg: {name: Acme}\nassessed_on: 2024-01-01\nflag: true\n"));
    assert_int_equal(fx->recs.rows, 4);
    assert_int_equal(fx->rows[0], 4);
    assert_int_equal(fx->rows[1], 3);

    /* opt_old: top score, but retired: never shortlisted */
    assert_rec(fx, 1, "opt_old", "30", "no");
    assert_string_equal(REC(fx, 1, R_ID), "acme-1");
    assert_string_equal(REC(fx, 1, R_LABEL), "Acme");
    assert_string_equal(REC(fx, 1, R_NAME), "Old Option");
    assert_string_equal(REC(fx, 1, R_AREAS), "alpha (0)");
    assert_string_equal(REC(fx, 1, R_WHY), "fit.base +30: Base points.");
    assert_string_equal(REC(fx, 1, R_NEXT), "");
    assert_string_equal(REC(fx, 1, R_LIFE),
                        "retired since 2022-06-01: Replaced; successor: Option C (opt_c)");
    assert_string_equal(REC(fx, 1, R_NOTE), "not shortlisted: the option is retired on 2024-01-01");
    assert_string_equal(REC(fx, 1, R_SRC), "in/acme.yaml");

    /* opt_c: 5 x 1 + 4 x 2 */
    assert_rec(fx, 2, "opt_c", "13", "yes");
    assert_string_equal(REC(fx, 2, R_WHY), "fit.base +5: Base points.; fit.double +8: Doubled.");
    assert_string_equal(REC(fx, 2, R_NEXT), "Call C.");
    assert_string_equal(REC(fx, 2, R_LIFE), "");
    assert_string_equal(REC(fx, 2, R_NOTE), "shortlisted (1 of 2); 1.5 points ahead of opt_b");

    /* opt_b: 10 + 3 x 0.5 */
    assert_rec(fx, 3, "opt_b", "11.5", "yes");
    assert_string_equal(REC(fx, 3, R_WHY), "fit.base +10: Base points.; fit.half +1.5: Halved.");
    assert_string_equal(REC(fx, 3, R_NEXT), "");
    assert_string_equal(REC(fx, 3, R_NOTE), "shortlisted (2 of 2); 1.5 points ahead of opt_a");

    /* opt_a: 10, at the minimum, but the shortlist is full; no next step */
    assert_rec(fx, 4, "opt_a", "10", "no");
    assert_string_equal(REC(fx, 4, R_AREAS), "alpha (0); beta (0)");
    assert_string_equal(REC(fx, 4, R_NEXT), "");
    assert_string_equal(
        REC(fx, 4, R_NOTE),
        "the shortlist is full (2 options); 1.5 points behind opt_b, the last place");

    /* needs: no needs rules */
    assert_string_equal(fx->needs.cell[0][N_AREA], "alpha");
    assert_string_equal(fx->needs.cell[0][N_NAME], "Alpha");
    assert_string_equal(fx->needs.cell[0][N_LEVEL], "0");
    assert_string_equal(fx->needs.cell[0][N_LEVEL_LABEL], "none");
    assert_string_equal(fx->needs.cell[0][N_DRIVERS], "no rule raised this area");
    assert_string_equal(fx->needs.cell[2][N_AREA], "gamma");

    /* flag off: opt_c drops below the minimum score, opt_a (exactly 10) gets in */
    run_ok(fx, intake(fx, INTAKE_YAML));
    assert_rec(fx, 1, "opt_old", "30", "no");
    assert_rec(fx, 2, "opt_b", "11.5", "yes");
    assert_string_equal(REC(fx, 2, R_NOTE), "shortlisted (1 of 2); 1.5 points ahead of opt_a");
    assert_rec(fx, 3, "opt_a", "10", "yes");
    assert_string_equal(
        REC(fx, 3, R_NOTE),
        "shortlisted (2 of 2); no other eligible option reaches the minimum score of 10");
    assert_string_equal(REC(fx, 3, R_NEXT), "Call A.");
    assert_rec(fx, 4, "opt_c", "5", "no");
    assert_string_equal(REC(fx, 4, R_NOTE), "below the minimum score of 10");
    assert_string_equal(REC(fx, 4, R_WHY), "fit.base +5: Base points.");
}

static void test_ties_follow_catalogue_order(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-fit.lua",
        "rule { id = 'fit.tie', stage = 'fit', because = 'Equal.',\n"
        "  score = function() return { opt_old = 20, opt_c = 20, opt_b = 20, opt_a = 20 } end }\n");
    load(fx);
    run_ok(fx, intake(fx, INTAKE_YAML));
    assert_rec(fx, 1, "opt_a", "20", "yes");
    assert_rec(fx, 2, "opt_b", "20", "yes");
    assert_rec(fx, 3, "opt_c", "20", "no");
    assert_string_equal(REC(fx, 3, R_NOTE), "the shortlist is full (2 options); tied with opt_a "
                                            "and opt_b at 20 (catalogue order decides)");
    assert_rec(fx, 4, "opt_old", "20", "no");
    assert_string_equal(REC(fx, 4, R_NOTE), "not shortlisted: the option is retired on 2024-01-01");
    /* an option no rule scored */
    pf_eval_delete(fx->ev);
    fx->ev = NULL;
    put(fx, "10-fit.lua",
        "rule { id = 'fit.tie', stage = 'fit', because = 'Equal.', score = { opt_b = 0, opt_c = 12 "
        "} }\n");
    load(fx);
    run_ok(fx, intake(fx, INTAKE_YAML));
    assert_rec(fx, 1, "opt_c", "12", "yes");
    assert_rec(fx, 2, "opt_a", "0", "no");
    assert_string_equal(REC(fx, 2, R_WHY), "no rule scored this option");
    assert_rec(fx, 3, "opt_b", "0", "no");
    assert_string_equal(REC(fx, 3, R_WHY), "no rule scored this option");
    assert_rec(fx, 4, "opt_old", "0", "no");
}

static void test_exclude(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-fit.lua",
        "rule { id = 'fit.s', stage = 'fit', because = 'S.', score = { opt_a = 30, opt_b = 20, "
        "opt_c = 15 } }\n");
    put(fx, "20-sl.lua",
        "rule { id = 'sl.no_a', stage = 'shortlist', because = 'Not now.', exclude = { 'opt_a' } "
        "}\n"
        "rule { id = 'sl.drop', stage = 'shortlist', because = function(i) return 'Asked: ' .. "
        "i.drop end,\n"
        "  when = function(i) return i.drop ~= nil end,\n"
        "  exclude = function(i) return { i.drop } end }\n");
    load(fx);
    run_ok(fx, intake(fx, INTAKE_YAML));
    assert_rec(fx, 1, "opt_a", "30", "no");
    assert_string_equal(REC(fx, 1, R_NOTE), "excluded by sl.no_a: Not now.");
    assert_string_equal(REC(fx, 1, R_NEXT), "");
    assert_rec(fx, 2, "opt_b", "20", "yes");
    assert_string_equal(REC(fx, 2, R_NOTE), "shortlisted (1 of 2); 5 points ahead of opt_c");
    assert_rec(fx, 3, "opt_c", "15", "yes");
    assert_string_equal(
        REC(fx, 3, R_NOTE),
        "shortlisted (2 of 2); no other eligible option reaches the minimum score of 10");
    assert_string_equal(REC(fx, 3, R_NEXT), "Call C.");
    /* two rules exclude the same option: both named */
    run_ok(fx, intake(fx, "id: x\norg: {name: X}\nassessed_on: 2024-01-01\ndrop: opt_a\n"));
    assert_rec(fx, 1, "opt_a", "30", "no");
    assert_string_equal(REC(fx, 1, R_NOTE), "excluded by sl.no_a: Not now.; sl.drop: Asked: opt_a");
    run_ok(fx, intake(fx, "id: x\norg: {name: X}\nassessed_on: 2024-01-01\ndrop: opt_b\n"));
    assert_rec(fx, 2, "opt_b", "20", "no");
    assert_string_equal(REC(fx, 2, R_NOTE), "excluded by sl.drop: Asked: opt_b");
    assert_rec(fx, 3, "opt_c", "15", "yes");
    assert_string_equal(
        REC(fx, 3, R_NOTE),
        "shortlisted (1 of 2); no other eligible option reaches the minimum score of 10");
    /* an exclude function naming an unknown option is a rule error */
    run_fails(fx, intake(fx, "id: x\norg: {name: X}\nassessed_on: 2024-01-01\ndrop: opt_z\n"),
              "rule.error", "exclude returned unknown option 'opt_z'");
    assert_non_null(strstr(fx->err.msg, "sl.drop"));
}

static void test_lifecycle_by_date(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-fit.lua",
        "rule { id = 'fit.s', stage = 'fit', because = 'S.',\n"
        "  score = function() return { opt_old = 50, opt_a = 20 } end }\n");
    load(fx);
    /* legacy on 2021-01-01: still shortlisted (only retired is excluded) */
    run_ok(fx, intake(fx, "id: a\norg: {name: A}\nassessed_on: 2021-01-01\n"));
    assert_rec(fx, 1, "opt_old", "50", "yes");
    assert_string_equal(REC(fx, 1, R_LIFE), "legacy since 2020-01-01");
    assert_string_equal(REC(fx, 1, R_NOTE), "shortlisted (1 of 2); 30 points ahead of opt_a");
    /* retired from 2022-06-01 (the day itself counts) */
    run_ok(fx, intake(fx, "id: a\norg: {name: A}\nassessed_on: 2022-06-01\n"));
    assert_rec(fx, 1, "opt_old", "50", "no");
    assert_string_equal(REC(fx, 1, R_LIFE),
                        "retired since 2022-06-01: Replaced; successor: Option C (opt_c)");
    assert_string_equal(REC(fx, 1, R_NOTE), "not shortlisted: the option is retired on 2022-06-01");
    assert_rec(fx, 2, "opt_a", "20", "yes");
    assert_string_equal(
        REC(fx, 2, R_NOTE),
        "shortlisted (1 of 2); no other eligible option reaches the minimum score of 10");
    /* before its first entry: not yet available */
    run_ok(fx, intake(fx, "id: a\norg: {name: A}\nassessed_on: 2019-06-01\n"));
    assert_rec(fx, 1, "opt_old", "50", "no");
    assert_string_equal(REC(fx, 1, R_LIFE), "not yet available on 2019-06-01 (from 2020-01-01)");
    assert_string_equal(REC(fx, 1, R_NOTE),
                        "not shortlisted: the option is unavailable on 2019-06-01");
}

/* A table of points names offers: on each date a key's points go to the
 * option carrying it (itself while active or legacy, its successor once
 * retired; before it starts it keeps them, and is not shortlisted); under
 * `programmes` the reason also
 * names the carrier. A function's keys stay literal (SCORING_RULES). */
static void test_points_follow_carrier(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-fit.lua",
        "rule { id = 'fit.s', stage = 'fit', because = 'S.', score = { opt_old = 50, opt_a = 20 } "
        "}\n"
        "rule { id = 'fit.p', stage = 'fit', because = 'P.', programmes = { opt_old = 7 } }\n");
    load(fx);
    run_ok(fx, intake(fx, "id: a\norg: {name: A}\nassessed_on: 2021-01-01\n"));
    assert_rec(fx, 1, "opt_old", "57", "yes"); /* legacy, no successor: itself */
    assert_string_equal(REC(fx, 1, R_WHY), "fit.s +50: S.; fit.p +7: P.");
    run_ok(fx, intake(fx, "id: a\norg: {name: A}\nassessed_on: 2022-06-01\n"));
    assert_rec(fx, 1, "opt_c", "57", "yes"); /* retired: the successor takes the points */
    assert_string_equal(
        REC(fx, 1, R_WHY),
        "fit.s +50: S.; fit.p +7: P. (On the assessment date Option C carries what Old "
        "Option offered.)");
    assert_rec(fx, 4, "opt_old", "0", "no");
    assert_string_equal(REC(fx, 4, R_WHY), "no rule scored this option");
    run_ok(fx, intake(fx, "id: a\norg: {name: A}\nassessed_on: 2019-06-01\n"));
    /* before it starts nothing carries opt_old: its points stay on it, not shortlisted */
    assert_rec(fx, 1, "opt_old", "57", "no");
    assert_rec(fx, 2, "opt_a", "20", "yes");
}

/* An exclude list names offers too: on a date after opt_old retired, an
 * entry condition written for it excludes its successor opt_c. */
static void test_exclusions_follow_carrier(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-fit.lua",
        "rule { id = 'fit.s', stage = 'fit', because = 'S.', score = { opt_a = 20, opt_c = 30 } }\n"
        "rule { id = 'shortlist.old', stage = 'shortlist', because = 'Needs X.', exclude = { "
        "'opt_old' } }\n");
    load(fx);
    run_ok(fx, intake(fx, "id: a\norg: {name: A}\nassessed_on: 2024-01-01\n"));
    assert_rec(fx, 1, "opt_c", "30", "no");
    assert_string_equal(REC(fx, 1, R_NOTE), "excluded by shortlist.old: Needs X.");
    assert_rec(fx, 2, "opt_a", "20", "yes");
    run_ok(fx, intake(fx, "id: a\norg: {name: A}\nassessed_on: 2021-01-01\n"));
    assert_rec(fx, 1, "opt_c", "30", "yes"); /* opt_old is only legacy: it is excluded itself */
}

/* Regression test (was a bug, now fixed): when the intake has no as-of date (the policy names
 * as_of_field but the answer is missing), the shortlist note of a retired option reads "not
 * shortlisted: the option is retired on nil": the prelude formatted
 * tostring(ctx.as_of) without checking for nil. Expected a sentence without a Lua "nil" (e.g. "not
 * shortlisted: the option is retired"). */
static void test_lifecycle_without_date(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-fit.lua",
        "rule { id = 'fit.s', stage = 'fit', because = 'S.', score = function() return { opt_old = "
        "50 } end }\n");
    load(fx);
    run_ok(fx, intake(fx, "id: a\norg: {name: A}\n"));
    assert_rec(fx, 1, "opt_old", "50", "no");
    assert_string_equal(REC(fx, 1, R_LIFE),
                        "retired since 2022-06-01: Replaced; successor: Option C (opt_c)");
    assert_null(strstr(REC(fx, 1, R_NOTE), "nil"));
}

static void test_need_levels_clamp(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-needs.lua",
        "rule { id = 'n.up', stage = 'needs', because = 'Up.', need = { alpha = 10, beta = 2 } }\n"
        "rule { id = 'n.down', stage = 'needs', because = 'Down.',\n"
        "  need = function() return { beta = -5, gamma = 1.4 } end }\n");
    put(fx, "20-fit.lua",
        "rule { id = 'fit.ctx', stage = 'fit', because = 'Needs seen.',\n"
        "  when = function(_, ctx)\n"
        "    return ctx.need.alpha == 3 and ctx.need.beta == 0 and ctx.need.gamma == 1\n"
        "      and #ctx.focus_areas == 1 and ctx.focus_areas[1] == 'alpha'\n"
        "  end,\n"
        "  score = { opt_b = 10 } }\n");
    load(fx);
    run_ok(fx, intake(fx, INTAKE_YAML));
    assert_int_equal(fx->needs.rows, 3);
    size_t a = row_where(&fx->needs, N_AREA, "alpha");
    assert_string_equal(fx->needs.cell[a][N_ID], "acme-1");
    assert_string_equal(fx->needs.cell[a][N_LABEL], "Acme");
    assert_string_equal(fx->needs.cell[a][N_LEVEL], "3");
    assert_string_equal(fx->needs.cell[a][N_LEVEL_LABEL], "high");
    assert_string_equal(fx->needs.cell[a][N_DRIVERS], "n.up +10: Up.");
    assert_string_equal(fx->needs.cell[a][N_SRC], "in/acme.yaml");
    size_t b = row_where(&fx->needs, N_AREA, "beta");
    assert_string_equal(fx->needs.cell[b][N_LEVEL], "0");
    assert_string_equal(fx->needs.cell[b][N_LEVEL_LABEL], "none");
    assert_string_equal(fx->needs.cell[b][N_DRIVERS], "n.up +2: Up.; n.down -5: Down.");
    size_t g = row_where(&fx->needs, N_AREA, "gamma");
    assert_string_equal(fx->needs.cell[g][N_LEVEL], "1");
    assert_string_equal(fx->needs.cell[g][N_LEVEL_LABEL], "low");
    assert_string_equal(fx->needs.cell[g][N_DRIVERS], "n.down +1.4: Down.");
    /* the clamped levels reach the fit stage and the recommendations */
    assert_rec(fx, 1, "opt_b", "10", "yes");
    size_t oa = row_where(&fx->recs, R_OPT, "opt_a");
    assert_string_equal(fx->recs.cell[oa][R_AREAS], "alpha (3); beta (0)");
    size_t oc = row_where(&fx->recs, R_OPT, "opt_c");
    assert_string_equal(fx->recs.cell[oc][R_AREAS], "gamma (1)");
}

static void test_engage_steps(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-fit.lua",
        "rule { id = 'fit.s', stage = 'fit', because = 'S.', score = { opt_a = 30, opt_b = 20, "
        "opt_c = 10 } }\n");
    put(fx, "20-engage.lua",
        "rule { id = 'eng.sl', stage = 'engage', because = 'E.', step = 'Meet them.' }\n"
        "rule { id = 'eng.top', stage = 'engage', because = 'E.', options = 'top', step = 'Start "
        "here.' }\n"
        "rule { id = 'eng.list', stage = 'engage', because = 'E.', options = { 'opt_c', 'opt_old' "
        "},\n"
        "  step = function(_, ctx) return 'Listed after ' .. ctx.top .. '.' end }\n"
        "rule { id = 'eng.all', stage = 'engage', because = 'E.', options = 'all',\n"
        "  when = function(i) return i.all == true end, step = 'Everyone.' }\n"
        "rule { id = 'eng.none', stage = 'engage', because = 'E.', options = 'all', step = "
        "function() return nil end }\n");
    load(fx);
    run_ok(fx, intake(fx, INTAKE_YAML));
    assert_rec(fx, 1, "opt_a", "30", "yes");
    assert_string_equal(REC(fx, 1, R_NEXT), "Call A. Meet them. [eng.sl] Start here. [eng.top]");
    assert_rec(fx, 2, "opt_b", "20", "yes");
    assert_string_equal(REC(fx, 2, R_NEXT), "Meet them. [eng.sl]");
    assert_rec(fx, 3, "opt_c", "10", "no");
    assert_string_equal(REC(fx, 3, R_NEXT), "Listed after opt_a. [eng.list]");
    assert_rec(fx, 4, "opt_old", "0", "no");
    assert_string_equal(REC(fx, 4, R_NEXT), "Listed after opt_a. [eng.list]");
    run_ok(fx, intake(fx, "id: acme-2\norg: {name: Acme}\nassessed_on: 2024-01-01\nall: true\n"));
    assert_string_equal(REC(fx, 2, R_NEXT), "Meet them. [eng.sl] Everyone. [eng.all]");
    assert_string_equal(REC(fx, 4, R_NEXT), "Listed after opt_a. [eng.list] Everyone. [eng.all]");
}

/* contributions.csv holds what each rule did, one row per rule and target,
 * so nobody splits the why cell: a rule's points summed per option give its
 * score, exclusions and steps are rows of their own, and intakes.csv has
 * the outcome in one row. */
static void test_contributions_and_intake_row(void **state)
{
    fx_t *fx = *state;
    put(fx, "05-needs.lua",
        "rule { id = 'need.a', stage = 'needs', because = 'Alpha; needed.', need = { alpha = 2 } "
        "}\n");
    put(fx, "10-fit.lua",
        "rule { id = 'fit.s', stage = 'fit', because = 'S, with a comma.', score = { opt_a = 30, "
        "opt_b = 20, opt_c = 15 } }\n"
        "rule { id = 'fit.w', stage = 'fit', because = 'W.', weight = 'half', score = { opt_b = 9 "
        "} }\n");
    put(fx, "20-sl.lua",
        "rule { id = 'sl.no_a', stage = 'shortlist', because = 'Not now.', exclude = { 'opt_a' } "
        "}\n");
    put(fx, "30-engage.lua",
        "rule { id = 'eng.top', stage = 'engage', because = 'E.', options = 'top', step = 'Go.' "
        "}\n");
    load(fx);
    run_ok(fx, intake(fx, "id: acme-1\norg: {name: Acme, sector: retail}\n"
                          "assessed_on: 2024-01-01\n"));
    const table_t *c = &fx->contribs;
    assert_int_equal(c->rows, 7); /* 1 need, 3 + 1 fit, 1 exclusion, 1 step */
    size_t r = row_where(c, C_RULE, "need.a");
    assert_string_equal(c->cell[r][C_KIND], "need");
    assert_string_equal(c->cell[r][C_TARGET], "alpha");
    assert_string_equal(c->cell[r][C_REASON], "Alpha; needed.");
    /* the weighted points, as added */
    r = row_where(c, C_RULE, "fit.w");
    assert_string_equal(c->cell[r][C_TARGET], "opt_b");
    assert_string_equal(c->cell[r][C_POINTS], "4.5");
    /* points per option add up to the score in recommendations.csv */
    for (size_t k = 0; k < fx->recs.rows; k++) {
        double sum = 0;
        for (size_t j = 0; j < c->rows; j++)
            if (strcmp(c->cell[j][C_KIND], "fit") == 0 &&
                strcmp(c->cell[j][C_TARGET], fx->recs.cell[k][R_OPT]) == 0)
                sum += atof(c->cell[j][C_POINTS]);
        assert_true(sum == atof(fx->recs.cell[k][R_SCORE]));
    }
    r = row_where(c, C_KIND, "exclusion");
    assert_string_equal(c->cell[r][C_TARGET], "opt_a");
    assert_string_equal(c->cell[r][C_RULE], "sl.no_a");
    assert_string_equal(c->cell[r][C_POINTS], "");
    r = row_where(c, C_KIND, "step");
    assert_string_equal(c->cell[r][C_TARGET], "opt_b"); /* the top once opt_a is excluded */
    assert_string_equal(c->cell[r][C_REASON], "Go.");
    const table_t *in = &fx->intakes;
    assert_string_equal(in->cell[0][I_ID], "acme-1");
    assert_string_equal(in->cell[0][I_SECTOR], "retail");
    assert_string_equal(in->cell[0][I_AS_OF], "2024-01-01");
    assert_string_equal(in->cell[0][I_TOP], "opt_b");
    assert_string_equal(in->cell[0][I_TOP_SCORE], "24.5");
    /* opt_a (30, excluded) ranks above the top: the lead is over opt_c */
    assert_string_equal(in->cell[0][I_LEAD], "9.5");
    assert_string_equal(in->cell[0][I_TIED], "no");
    assert_string_equal(in->cell[0][I_SHORTLIST], "opt_b; opt_c");
    assert_string_equal(in->cell[0][I_SHORTLIST_SIZE], "2");
    assert_string_equal(in->cell[0][I_NEED_ALPHA], "2");
    assert_string_equal(in->cell[0][I_NEED_BETA], "0");
    assert_string_equal(in->cell[0][I_SRC], "in/acme.yaml");
    /* a missing attribute is an empty cell, not the previous intake's */
    run_ok(fx, intake(fx, INTAKE_YAML));
    assert_string_equal(fx->intakes.cell[0][I_SECTOR], "");
}

static void test_rule_files_load_in_byte_order(void **state)
{
    fx_t *fx = *state;
    put(fx, "b.lua",
        "rule { id = 'fit.b', stage = 'fit', because = 'b.', score = { opt_a = 1 } }\n");
    put(fx, "B.lua",
        "rule { id = 'fit.B', stage = 'fit', because = 'B.', score = { opt_a = 2 } }\n");
    put(fx, "10-x.lua",
        "rule { id = 'fit.x', stage = 'fit', because = 'x.', score = { opt_a = 4 } }\n");
    /* not rule files: hidden, other extensions */
    put(fx, ".hidden.lua", "error('hidden file loaded')\n");
    put(fx, "old.lua.bak", "error('backup loaded')\n");
    put(fx, "notes.txt", "error('text loaded')\n");
    load(fx);
    assert_int_equal(pf_eval_rule_count(fx->ev), 3);
    run_ok(fx, intake(fx, INTAKE_YAML));
    size_t a = row_where(&fx->recs, R_OPT, "opt_a");
    assert_string_equal(fx->recs.cell[a][R_SCORE], "7");
    assert_string_equal(fx->recs.cell[a][R_WHY], "fit.x +4: x.; fit.B +2: B.; fit.b +1: b.");
}

static void test_determinism(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-fit.lua", SCORING_RULES);
    put(fx, "20-needs.lua",
        "rule { id = 'n.up', stage = 'needs', because = 'Up.', need = { alpha = 2.5, beta = 1 } "
        "}\n"
        "rule { id = 'e.top', stage = 'engage', because = 'E.', options = 'top', step = 'Go.' }\n");
    load(fx);
    const pf_value_t *a =
        intake(fx, "id: acme-1\norg: {name: Acme}\nassessed_on: 2024-01-01\nflag: true\n");
    const pf_value_t *b = intake(fx, "id: other\norg: {name: Other}\nassessed_on: 2021-01-01\n");
    run_ok(fx, a);
    char *first0 = strdup(fx->out[0].data), *first1 = strdup(fx->out[1].data);
    run_ok(fx, b);
    assert_string_not_equal(fx->out[0].data, first0);
    run_ok(fx, a);
    assert_string_equal(fx->out[0].data, first0);
    assert_string_equal(fx->out[1].data, first1);
    /* a second evaluator over the same files */
    pf_eval_delete(fx->ev);
    fx->ev = NULL;
    load(fx);
    run_ok(fx, a);
    assert_string_equal(fx->out[0].data, first0);
    assert_string_equal(fx->out[1].data, first1);
    free(first0);
    free(first1);
}

static void test_output_appends_and_failure_keeps_buffers(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-fit.lua",
        "rule { id = 'fit.s', stage = 'fit', because = 'S.', score = { opt_a = 30 },\n"
        "  when = function(i) if i.boom then error('boom') end return true end }\n");
    load(fx);
    pf_buf_t out[FX_REPORTS];
    for (size_t r = 0; r < FX_REPORTS; r++)
        pf_buf_init(&out[r]);
    pf_buf_addstr(&out[0], "KEEP0\n");
    pf_buf_addstr(&out[1], "KEEP1\n");
    size_t rows[FX_REPORTS] = {99, 99, 99, 99};
    pf_csv_style_t style = {1, 0, ',', 1};
    pf_err_t err;
    const pf_value_t *ok_in = intake(fx, INTAKE_YAML);
    assert_int_equal(pf_eval_run(fx->ev, ok_in, "s", out, rows, NULL, &style, &err), 1);
    assert_int_equal(rows[0], 4);
    assert_int_equal(rows[1], 3);
    assert_memory_equal(out[0].data, "KEEP0\n\"acme-1\",\"Acme\",1,\"opt_a\",", 31);
    assert_non_null(strstr(out[0].data, "\r\n")); /* CRLF style */
    size_t len0 = out[0].len, len1 = out[1].len;
    const pf_value_t *bad =
        intake(fx, "id: b\norg: {name: B}\nassessed_on: 2024-01-01\nboom: true\n");
    assert_int_equal(pf_eval_run(fx->ev, bad, "s", out, rows, NULL, &style, &err), 0);
    assert_string_equal(err.kind, "rule.error");
    assert_int_equal(out[0].len, len0);
    assert_int_equal(out[1].len, len1);
    assert_int_equal(strlen(out[0].data), len0);
    assert_int_equal(rows[0], 0);
    assert_int_equal(rows[1], 0);
    for (size_t r = 0; r < FX_REPORTS; r++)
        pf_buf_delete(&out[r]);
}

/* Regression test (was a bug, now fixed): `rule` stays callable while intakes are evaluated. A
 * rule's when (or any function) can declare new rules at run time; P.rule appends them to the live
 * stage lists, so they run in this intake and in every later intake of the batch - a rule pack that
 * rewrites itself. Expected: a rule.error ("rules can only be declared when the file loads") or no
 * effect; observed: the injected rule scores opt_c 100 points on this and
 * the next intake. */
static void test_sandbox_rule_declared_at_run_time(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-a.lua",
        "rule { id = 'a.inject', stage = 'fit', because = 'Inject.', score = { opt_a = 1 },\n"
        "  when = function(intake)\n"
        "    if intake.inject then\n"
        "      rule { id = 'injected', stage = 'fit', because = 'Injected.',\n"
        "             score = { opt_c = 100 } }\n"
        "    end\n"
        "    return true\n"
        "  end }\n");
    load(fx);
    int ok = run(fx, intake(fx, "id: x\norg: {name: X}\ninject: true\n"));
    if (ok) {
        size_t c = row_where(&fx->recs, R_OPT, "opt_c");
        assert_string_equal(fx->recs.cell[c][R_SCORE], "0");
    } else {
        assert_string_equal(fx->err.kind, "rule.error");
    }
    run_ok(fx, intake(fx, INTAKE_YAML));
    size_t c = row_where(&fx->recs, R_OPT, "opt_c");
    assert_string_equal(fx->recs.cell[c][R_SCORE], "0");
    assert_int_equal(pf_eval_rule_count(fx->ev), 1);
}

/* ---- load errors ------------------------------------------------------------------- */

/* A rule pack that must not load, and the problems it must report: each
 * of kind, in file at line (the message starts "<dir>/<file>:<line>: ")
 * and containing text. */
typedef struct load_case {
    const char *name;
    struct {
        const char *name, *text;
    } files[2];
    struct {
        const char *kind, *file;
        int line;
        const char *text;
    } want[5];
} load_case_t;

static const load_case_t LOAD_CASES[] = {
    {"load: syntax error",
     {{"10-ok.lua", GOOD_RULE}, {"20-bad.lua", "rule {\n  id = 'x',\n  stage = = 'fit',\n}\n"}},
     {{"rules.syntax", "20-bad.lua", 3, "unexpected symbol near '='"}}},
    {"load: unknown stage",
     {{"10-a.lua",
       "\nrule { id = 'odd', stage = 'scoring', because = 'A.', score = { opt_a = 1 } }\n"}},
     {{"rules.check", "10-a.lua", 2,
       "rule 'odd': stage 'scoring' is not one of needs, fit, shortlist, engage"}}},
    {"load: unknown option and area",
     {{"10-a.lua", "rule { id = 'typo', stage = 'fit', because = 'A.',\n  score = { opt_a = 1, "
                   "opt_zz = 2 } }\n"},
      {"20-b.lua",
       "rule { id = 'area', stage = 'needs', because = 'A.', need = { delta = 1 } }\n"
       "rule { id = 'list', stage = 'shortlist', because = 'A.', exclude = { 'nope' } }\n"
       "rule { id = 'pts', stage = 'fit', because = 'A.', score = { opt_a = 'many' } }\n"}},
     {{"rules.check", "10-a.lua", 1,
       "rule 'typo': option 'opt_zz' is not in the policy (did you mean 'opt_a'?)"},
      {"rules.check", "20-b.lua", 1, "rule 'area': area 'delta' is not in the policy"},
      {"rules.check", "20-b.lua", 2, "rule 'list': exclude: option 'nope' is not in the catalogue"},
      {"rules.check", "20-b.lua", 3, "rule 'pts': points for 'opt_a' must be a number"}}},
    {"load: unknown field",
     {{"10-a.lua",
       "rule { id = 'f1', stage = 'fit', because = 'A.', score = { opt_a = 1 },\n"
       "  wen = function() return true end }\n"
       "rule { id = 'f2', stage = 'fit', because = 'A.', score = { opt_a = 1 }, step = 'x' }\n"}},
     {{"rules.check", "10-a.lua", 1,
       "rule 'f1': unknown field 'wen' for a fit rule (did you mean 'when'?)"},
      {"rules.check", "10-a.lua", 3, "rule 'f2': unknown field 'step' for a fit rule"}}},
    {"load: missing because",
     {{"10-a.lua",
       "rule { id = 'nb', stage = 'fit', score = { opt_a = 1 } }\n"
       "rule { id = 'eb', stage = 'fit', because = '', score = { opt_a = 1 } }\n"
       "rule { id = 'na', stage = 'fit', because = 'A.' }\n"
       "rule { id = 'bw', stage = 'fit', because = 'A.', weight = 'heavy', score = { opt_a = 1 } "
       "}\n"
       "rule { stage = 'fit', because = 'A.', score = { opt_a = 1 } }\n"}},
     {{"rules.check", "10-a.lua", 1,
       "rule 'nb': because must be a sentence (text, with {placeholders} if need be) or a function "
       "returning one"},
      {"rules.check", "10-a.lua", 2, "rule 'eb': because must be a sentence"},
      {"rules.check", "10-a.lua", 3, "rule 'na': a fit rule needs 'score'"},
      {"rules.check", "10-a.lua", 4, "rule 'bw': weight 'heavy' is not in the policy's weights"},
      {"rules.check", "10-a.lua", 5, "a rule needs an 'id'"}}},
    /* '_x' is made of the characters the message listed: it says what the
     * first one must be, and the id it refused */
    {"load: an id that starts with '_'",
     {{"10-a.lua", "rule { id = '_x', stage = 'fit', because = 'A.', score = { opt_a = 1 } }\n"}},
     {{"rules.check", "10-a.lua", 1,
       "a rule needs an 'id' that starts with a letter or digit, then letters, digits, '.', '_' "
       "and '-' (not '_x')"}}},
};

/* The test of one load_case_t, handed over as the test's initial state. */
static void test_load_case(void **state)
{
    fx_t *fx = *state;
    const load_case_t *c = fx->param;
    assert_non_null(c);
    for (size_t i = 0; i < N_OF(c->files) && c->files[i].name; i++)
        put(fx, c->files[i].name, c->files[i].text);
    assert_non_null(c->want[0].kind);
    for (size_t i = 0; i < N_OF(c->want) && c->want[i].kind; i++)
        load_fails(fx, c->want[i].kind, c->want[i].file, c->want[i].line, c->want[i].text);
}

static void test_load_duplicate_id(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-a.lua",
        "-- first\nrule { id = 'dup', stage = 'fit', because = 'A.', score = { opt_a = 1 } }\n");
    put(fx, "20-b.lua",
        "-- second\n\nrule { id = 'dup', stage = 'fit', because = 'B.', score = { opt_b = 1 } }\n");
    char text[256];
    snprintf(text, sizeof text, "rule 'dup': the id is already used by the rule at %s/10-a.lua:2",
             fx->dir);
    load_fails(fx, "rules.check", "20-b.lua", 3, text);
}

/* share{} hands a helper to later rule files, which read it as shared.x;
 * its upvalues are frozen and restored per intake like a rule's. */
static void test_share_helpers(void **state)
{
    fx_t *fx = *state;
    put(fx, "00-lib.lua",
        "local calls = 0\n"
        "local function bonus(intake) calls = calls + 1 return #intake.id + calls end\n"
        "share { bonus = bonus, POINTS = { opt_a = 3 } }\n");
    put(fx, "10-a.lua",
        "local bonus, POINTS = shared.bonus, shared.POINTS\n"
        "rule { id = 'uses', stage = 'fit', because = 'U.',\n"
        "  score = function(intake) return { opt_b = bonus(intake) + POINTS.opt_a } end }\n");
    load(fx);
    for (int round = 0; round < 2; round++) { /* calls starts at 0 each time */
        run_ok(fx, intake(fx, INTAKE_YAML));
        assert_rec(fx, 1, "opt_b", "10", "yes"); /* #"acme-1" + 1 + 3 */
    }
}

/* ---- nothing a rule can reach survives an intake (issue 10) ---- */

/* Loads the pack in fx->dir, runs the same intake three times on the one
 * evaluator and expects opt_a first with `score` every time: the intakes
 * after the first must not see anything of it. */
static void same_score_each_time(fx_t *fx, const char *score)
{
    load(fx);
    for (int round = 0; round < 3; round++) {
        run_ok(fx, intake(fx, INTAKE_YAML));
        assert_string_equal(REC(fx, 1, R_OPT), "opt_a");
        assert_string_equal(REC(fx, 1, R_SCORE), score);
    }
}

/* A rule function that assigns to _ENV: the upvalue is put back. */
static void test_state_env_assign(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-a.lua",
        "rule { id = 'env', stage = 'fit', because = 'E.', when = function() return true end,\n"
        "  score = function()\n"
        "    local n = (seen or 0) + 1\n"
        "    _ENV = { seen = n }\n"
        "    return { opt_a = n }\n"
        "  end }\n");
    same_score_each_time(fx, "1");
}

/* A file-level local _ENV table is frozen like any table the file holds. */
static void test_state_local_env(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-a.lua",
        "local rule = rule\n"
        "local _ENV = { n = 0 }\n"
        "rule { id = 'lenv', stage = 'fit', because = 'L.', when = function() return true end,\n"
        "  score = function() n = n + 1 return { opt_a = n } end }\n");
    load(fx);
    for (int round = 0; round < 2; round++)
        run_fails(fx, intake(fx, INTAKE_YAML), "rule.error",
                  "tables of a rule file are read-only once the pack is loaded (tried to set "
                  "field 'n')");
}

/* Tables and closures used as keys of a frozen table are frozen too. */
static void test_state_table_key(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-a.lua",
        "local box = { [{}] = true }\n"
        "rule { id = 'tkey', stage = 'fit', because = 'K.', when = function() return true end,\n"
        "  score = function()\n"
        "    for k in pairs(box) do k[1] = (k[1] or 0) + 1 return { opt_a = k[1] } end\n"
        "  end }\n");
    load(fx);
    for (int round = 0; round < 2; round++)
        run_fails(fx, intake(fx, INTAKE_YAML), "rule.error",
                  "tables of a rule file are read-only once the pack is loaded (tried to set "
                  "item [1])");
}

static void test_state_function_key(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-a.lua",
        "local function counter() local n = 0 return function() n = n + 1 return n end end\n"
        "local box = { [counter()] = true }\n"
        "rule { id = 'fkey', stage = 'fit', because = 'F.', when = function() return true end,\n"
        "  score = function() for f in pairs(box) do return { opt_a = f() } end end }\n");
    same_score_each_time(fx, "1");
}

/* A string.gmatch iterator made at load keeps its position in C: refused. */
static void test_state_gmatch_at_load(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-a.lua",
        "local words = ('a b c'):gmatch('%a')\n"
        "rule { id = 'gm', stage = 'fit', because = 'G.',\n"
        "  score = function() words() return { opt_a = 1 } end }\n");
    load_fails(fx, "rules.load", NULL, 0,
               "10-a.lua:2) keeps a library function made while its file loaded (such as a "
               "string.gmatch iterator)");
}

/* One used up while loading, or made during an intake, is fine. */
static void test_state_gmatch_fine(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-a.lua",
        "local n = 0\n"
        "for _ in ('a b c'):gmatch('%a') do n = n + 1 end\n"
        "rule { id = 'gm', stage = 'fit', because = 'G.', when = function() return true end,\n"
        "  score = function()\n"
        "    local k = 0\n"
        "    for _ in ('x y'):gmatch('%a') do k = k + 1 end\n"
        "    return { opt_a = n + k }\n"
        "  end }\n");
    same_score_each_time(fx, "5");
}

/* An upvalue that was nil at load is put back to nil (a nil in the
 * snapshot used to end its list). */
static void test_state_upvalue_nil(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-a.lua",
        "local memo\n"
        "rule { id = 'nilup', stage = 'fit', because = 'N.', when = function() return true end,\n"
        "  score = function(intake)\n"
        "    local before = memo\n"
        "    memo = { intake.id }\n"
        "    return { opt_a = before and 2 or 1 }\n"
        "  end }\n");
    same_score_each_time(fx, "1");
}

/* A rule without when has its other functions frozen and put back too. */
static void test_state_rule_without_when(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-a.lua",
        "local calls = 0\n"
        "rule { id = 'nowhen', stage = 'fit', because = 'W.',\n"
        "  score = function() calls = calls + 1 return { opt_a = calls } end }\n");
    same_score_each_time(fx, "1");
}

/* The rule path, read once per evaluator: the native one unless
 * PF_RULE_PATH=lua asks for every condition in Lua. */
static void test_rule_path_default_native(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-a.lua",
        "rule { id = 'a', stage = 'fit', because = 'A.', when = 'intake.n > 1',\n"
        "  score = { opt_a = 1 } }\n");
    static const struct {
        const char *env; /* NULL: unset */
        int native;
    } cases[] = {{NULL, 1}, {"native", 1}, {"lua", 0}, {"", 1}};
    for (size_t i = 0; i < N_OF(cases); i++) {
        if (cases[i].env)
            setenv("PF_RULE_PATH", cases[i].env, 1);
        else
            unsetenv("PF_RULE_PATH");
        load(fx);
        assert_int_equal(fx->ev->native, cases[i].native);
        pf_eval_delete(fx->ev);
        fx->ev = NULL;
    }
    unsetenv("PF_RULE_PATH");
}

static void test_share_mistakes(void **state)
{
    fx_t *fx = *state;
    put(fx, "00-lib.lua",
        "share { helper = 1 }\n\nshare { helper = 2, ['not a name'] = 3 }\nshare(5)\nrule 'x'\n");
    put(fx, "10-a.lua", "local x = shared.helpr\n");
    char text[256];
    snprintf(text, sizeof text, "share: 'helper' is already shared at %s/00-lib.lua:1", fx->dir);
    load_fails(fx, "rules.check", "00-lib.lua", 3, text);
    load_fails(fx, "rules.check", "00-lib.lua", 3, "share: 'not a name' is not a name");
    load_fails(fx, "rules.check", "00-lib.lua", 4,
               "share expects a table: share { name = value, ... }");
    load_fails(fx, "rules.check", "00-lib.lua", 5,
               "rule expects a table: rule { id = ..., stage = ..., ... }");
    load_fails(fx, "rules.load", "10-a.lua", 1,
               "shared.helpr is not shared by a rule file loaded before this one (did you mean "
               "'helper'?)");
}

static void test_share_only_while_loading(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-a.lua",
        "share { t = {} }\n"
        "local t = shared.t\n"
        "rule { id = 'late', stage = 'fit', because = 'L.', score = { opt_a = 1 },\n"
        "  when = function(intake)\n"
        "    if intake.what == 'share' then share { later = 1 } end\n"
        "    if intake.what == 'rule' then rule { id = 'later' } end\n"
        "    if intake.what == 'write' then t.x = 1 end\n"
        "    return true\n"
        "  end }\n");
    load(fx);
    run_fails(fx, intake(fx, "id: x\norg: {name: X}\nwhat: share\n"), "rule.error",
              "10-a.lua:5: share{} hands helpers on while the pack loads");
    run_fails(fx, intake(fx, "id: x\norg: {name: X}\nwhat: rule\n"), "rule.error",
              "10-a.lua:6: rule{} declares rules while the pack loads");
    run_fails(fx, intake(fx, "id: x\norg: {name: X}\nwhat: write\n"), "rule.error",
              "read-only once the pack is loaded (tried to set field 'x')");
}

static int bc_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    pf_buf_add(ud, p, sz);
    return 0;
}

static void test_load_bytecode_refused(void **state)
{
    fx_t *fx = *state;
    /* real bytecode of a valid rule file, made with the host's own Lua */
    lua_State *L = luaL_newstate();
    assert_non_null(L);
    assert_int_equal(luaL_loadstring(L, GOOD_RULE), LUA_OK);
    pf_buf_t bc;
    pf_buf_init(&bc);
    assert_int_equal(lua_dump(L, bc_writer, &bc, 0), 0);
    lua_close(L);
    assert_memory_equal(bc.data, "\x1bLua", 4);
    put_bytes(fx, "10-bc.lua", bc.data, bc.len);
    pf_buf_delete(&bc);
    char text[256];
    snprintf(text, sizeof text, "%s/10-bc.lua: attempt to load a binary chunk (mode is 't')",
             fx->dir);
    load_fails(fx, "rules.syntax", NULL, 0, text);
    /* a file that only starts like bytecode */
    put(fx, "10-bc.lua", "\x1bLua\x54\x00 rule { id = 'x' }\n");
    load_fails(fx, "rules.syntax", NULL, 0, text);
}

static void test_load_empty_folder(void **state)
{
    fx_t *fx = *state;
    put(fx, "readme.txt", "not a rule\n");
    char text[256];
    snprintf(text, sizeof text, "%s: the rules folder holds no .lua files", fx->dir);
    load_fails(fx, "rules.io", NULL, 0, text);
}

/* ---- errors name the rule ------------------------------------------------------------ */

static void test_error_names_rule_file_and_line(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-ok.lua", GOOD_RULE);
    put(fx, "20-e.lua",
        "-- an error in a rule\n"
        "rule { id = 'err.nil', stage = 'fit', because = 'E.', score = { opt_a = 1 },\n"
        "  when = function(intake)\n"
        "    local x = 1\n"
        "    return intake.nothing.deeper == x\n"
        "  end }\n");
    load(fx);
    run_fails(fx, intake(fx, INTAKE_YAML), "rule.error", "rule err.nil (");
    char want[256];
    snprintf(want, sizeof want, "rule err.nil (%s/20-e.lua:2) failed: %s/20-e.lua:5: ", fx->dir,
             fx->dir);
    assert_non_null(strstr(fx->err.msg, want));
    assert_non_null(strstr(fx->err.msg, "attempt to index a nil value (field 'nothing')"));
    /* the traceback keeps the rule frames only */
    assert_null(strstr(fx->err.msg, "prelude"));
    assert_null(strstr(fx->err.msg, "[C]"));
    /* a because that returns no text */
    pf_eval_delete(fx->ev);
    fx->ev = NULL;
    put(fx, "20-e.lua",
        "rule { id = 'err.because', stage = 'fit', score = { opt_a = 1 },\n"
        "  because = function() return nil end }\n");
    load(fx);
    run_fails(fx, intake(fx, INTAKE_YAML), "rule.error",
              "failed: because returned nil, expected text");
    assert_non_null(strstr(fx->err.msg, "rule err.because ("));
    /* points for an unknown option from a score function */
    pf_eval_delete(fx->ev);
    fx->ev = NULL;
    put(fx, "20-e.lua",
        "rule { id = 'err.pts', stage = 'fit', because = 'P.',\n"
        "  score = function() return { opt_q = 1 } end }\n");
    load(fx);
    run_fails(fx, intake(fx, INTAKE_YAML), "rule.error",
              "returned points for unknown option 'opt_q'");
    assert_non_null(strstr(fx->err.msg, "rule err.pts ("));
}

/* Error objects the message handler must turn into text (never calling
 * __tostring), and a message it must cut. */
static const hostile_case_t ERROR_CASES[] = {
    {"error({})", "error({})", "rule.error", "(error object is a table value)", 1.0, {0}},
    {"error(nil)", "error(nil)", "rule.error", "(error object is a nil value)", 1.0, {0}},
    {"error(4 MB text)", "error(string.rep('x', 4000000))", "rule.error", "xxxx", 2.0, {0}},
};

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    static const struct CMUnitTest fixed[] = {
        T(test_reports_described),
        T(test_scoring_weights_and_ranking),
        T(test_ties_follow_catalogue_order),
        T(test_exclude),
        T(test_lifecycle_by_date),
        T(test_points_follow_carrier),
        T(test_exclusions_follow_carrier),
        T(test_lifecycle_without_date),
        T(test_need_levels_clamp),
        T(test_engage_steps),
        T(test_contributions_and_intake_row),
        T(test_rule_files_load_in_byte_order),
        T(test_determinism),
        T(test_output_appends_and_failure_keeps_buffers),
        T(test_sandbox_rule_declared_at_run_time),
        T(test_load_duplicate_id),
        T(test_load_bytecode_refused),
        T(test_load_empty_folder),
        T(test_share_helpers),
        T(test_state_env_assign),
        T(test_state_local_env),
        T(test_state_table_key),
        T(test_state_function_key),
        T(test_state_gmatch_at_load),
        T(test_state_gmatch_fine),
        T(test_state_upvalue_nil),
        T(test_state_rule_without_when),
        T(test_share_mistakes),
        T(test_rule_path_default_native),
        T(test_share_only_while_loading),
        T(test_error_names_rule_file_and_line),
    };
#undef T
    struct CMUnitTest tests[N_OF(fixed) + N_OF(LOAD_CASES) + N_OF(ERROR_CASES)];
    list_tests(tests, fixed, N_OF(fixed), ERROR_CASES, N_OF(ERROR_CASES));
    for (size_t i = 0; i < N_OF(LOAD_CASES); i++) {
        struct CMUnitTest t = {.name = LOAD_CASES[i].name,
                               .test_func = test_load_case,
                               .setup_func = setup,
                               .teardown_func = teardown,
                               .initial_state = (void *)&LOAD_CASES[i]};
        tests[N_OF(fixed) + N_OF(ERROR_CASES) + i] = t;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
