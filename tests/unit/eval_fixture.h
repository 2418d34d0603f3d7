/*
 * eval_fixture.h - the fixture the evaluator's unit tests share
 * (test_eval.c, test_sandbox.c, test_view.c, test_limits.c).
 *
 * Each test gets a small policy (3 areas, 4 options, one of them legacy then
 * retired with a successor; shortlist of 2 with a minimum score; weights)
 * and its own mkdtemp rules folder under /tmp, into which it writes the rule
 * files it needs. Intakes are short YAML texts read with pf_yread_one and
 * typed with pf_value_from_node (no schema). The report rows are re-parsed
 * with libcsv (strict) and asserted cell by cell.
 *
 * hostile() runs a snippet that must fail within a time bound, then checks
 * the evaluator still works; a table of hostile_case_t runs one cmocka test
 * per case (HOSTILE_TEST), each with a fresh fixture.
 *
 * The helpers are static inline: each test program uses a part of them.
 */
#ifndef EVAL_FIXTURE_H
#define EVAL_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <csv.h>

#include "pf_common.h"
#include "pf_eval.h"
#include "pf_node.h"
#include "pf_yread.h"

/* ---- the policy ------------------------------------------------------------ */

static const char POLICY_YAML[] =
    "intake:\n"
    "  id_field: id\n"
    "  label_field: org.name\n"
    "  as_of_field: assessed_on\n"
    "  attributes:\n"
    "    - {column: sector, field: org.sector}\n"
    "areas:\n"
    "  - {id: alpha, name: Alpha}\n"
    "  - {id: beta, name: Beta}\n"
    "  - {id: gamma, name: Gamma}\n"
    "needs:\n"
    "  max_level: 3\n"
    "  labels: [none, low, mid, high]\n"
    "  focus_level: 2\n"
    "options:\n"
    "  - id: opt_a\n"
    "    name: Option A\n"
    "    areas: [alpha, beta]\n"
    "    next_step: Call A.\n"
    "  - id: opt_b\n"
    "    name: Option B\n"
    "    areas: [beta]\n"
    "  - id: opt_c\n"
    "    name: Option C\n"
    "    areas: [gamma]\n"
    "    next_step: Call C.\n"
    "  - id: opt_old\n"
    "    name: Old Option\n"
    "    areas: [alpha]\n"
    "    lifecycle:\n"
    "      - {status: legacy, from: 2020-01-01}\n"
    "      - {status: retired, from: 2022-06-01, successor: opt_c, note: Replaced}\n"
    "shortlist:\n"
    "  size: 2\n"
    "  min_score: 10\n"
    "  exclude_status: [retired]\n"
    "weights:\n"
    "  base: 1\n"
    "  double: 2\n"
    "  half: 0.5\n";

static const char INTAKE_YAML[] = "id: acme-1\n"
                                  "org: {name: Acme}\n"
                                  "assessed_on: 2024-01-01\n";

/* recommendations.csv columns */
enum {
    R_ID,
    R_LABEL,
    R_RANK,
    R_OPT,
    R_NAME,
    R_SCORE,
    R_SL,
    R_AREAS,
    R_WHY,
    R_NEXT,
    R_LIFE,
    R_NOTE,
    R_SRC
};
/* needs.csv columns */
enum { N_ID, N_LABEL, N_AREA, N_NAME, N_LEVEL, N_LEVEL_LABEL, N_DRIVERS, N_SRC };
/* contributions.csv columns */
enum { C_ID, C_KIND, C_TARGET, C_RULE, C_POINTS, C_REASON, C_NCOLS };
/* intakes.csv columns with the fixture's policy (one attribute, three areas) */
enum {
    I_ID,
    I_LABEL,
    I_SECTOR,
    I_AS_OF,
    I_TOP,
    I_TOP_SCORE,
    I_LEAD,
    I_TIED,
    I_SHORTLIST,
    I_SHORTLIST_SIZE,
    I_NEED_ALPHA,
    I_NEED_BETA,
    I_NEED_GAMMA,
    I_SRC,
    I_NCOLS
};

/* ---- CSV re-parse --------------------------------------------------------------- */

#define MAX_ROWS 64
#define MAX_COLS 16

typedef struct table {
    char *cell[MAX_ROWS][MAX_COLS];
    size_t cols[MAX_ROWS];
    size_t rows;
} table_t;

static inline void on_field(void *s, size_t len, void *data)
{
    table_t *t = data;
    assert_true(t->rows < MAX_ROWS);
    size_t c = t->cols[t->rows]++;
    assert_true(c < MAX_COLS);
    char *p = malloc(len + 1);
    assert_non_null(p);
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    t->cell[t->rows][c] = p;
}

static inline void on_row(int c, void *data)
{
    (void)c;
    table_t *t = data;
    t->rows++;
}

static inline void table_free(table_t *t)
{
    for (size_t r = 0; r < MAX_ROWS; r++)
        for (size_t c = 0; c < MAX_COLS; c++)
            free(t->cell[r][c]);
    memset(t, 0, sizeof *t);
}

/* Strict parse; every row must have ncols cells. */
static inline void parse_csv(const pf_buf_t *b, size_t ncols, table_t *t)
{
    memset(t, 0, sizeof *t);
    struct csv_parser p;
    assert_int_equal(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI), 0);
    assert_int_equal(csv_parse(&p, b->data ? b->data : "", b->len, on_field, on_row, t), b->len);
    assert_int_equal(csv_fini(&p, on_field, on_row, t), 0);
    csv_free(&p);
    for (size_t r = 0; r < t->rows; r++)
        assert_int_equal(t->cols[r], ncols);
}

/* The row whose column col holds value; fails the test when none does. */
static inline size_t row_where(const table_t *t, size_t col, const char *value)
{
    for (size_t r = 0; r < t->rows; r++)
        if (strcmp(t->cell[r][col], value) == 0) return r;
    fail_msg("no row with \"%s\" in column %zu", value, col);
    return 0;
}

/* ---- fixture ------------------------------------------------------------------- */

#define MAX_DOCS 64
#define FX_REPORTS 4 /* recommendations, needs, contributions, intakes */

typedef struct fx {
    pf_doc_t policy_doc;
    pf_arena_t arena; /* typed policy and intakes */
    const pf_value_t *policy;
    pf_doc_t docs[MAX_DOCS];
    size_t ndocs;
    char dir[64];
    pf_eval_limits_t limits;
    pf_eval_t *ev;
    pf_buf_t out[FX_REPORTS];
    size_t rows[FX_REPORTS];
    table_t recs, needs, contribs, intakes;
    pf_err_t err;
    pf_errlist_t errs;
    const void *param; /* the test's initial state (a case of a table), or NULL */
} fx_t;

static inline double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->param = *state;
    pf_doc_init(&fx->policy_doc);
    pf_arena_init(&fx->arena);
    pf_err_t err;
    if (!pf_yread_one(POLICY_YAML, strlen(POLICY_YAML), NULL, &fx->policy_doc, &err))
        fail_msg("policy: %s at %lu:%lu: %s", err.kind, err.line, err.column, err.msg);
    fx->policy = pf_value_from_node(&fx->arena, fx->policy_doc.root);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/pf_eval_XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    pf_eval_limits_default(&fx->limits);
    fx->limits.mem_bytes = 16u << 20;
    for (size_t r = 0; r < FX_REPORTS; r++)
        pf_buf_init(&fx->out[r]);
    pf_errlist_init(&fx->errs);
    alarm(60); /* a hang fails the program instead of blocking the suite */
    *state = fx;
    return 0;
}

static inline int teardown(void **state)
{
    fx_t *fx = *state;
    alarm(0);
    pf_eval_delete(fx->ev);
    DIR *d = opendir(fx->dir);
    if (d) {
        for (struct dirent *de; (de = readdir(d));) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
            char p[512];
            snprintf(p, sizeof p, "%s/%s", fx->dir, de->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(fx->dir);
    for (size_t i = 0; i < fx->ndocs; i++)
        pf_doc_delete(&fx->docs[i]);
    pf_doc_delete(&fx->policy_doc);
    pf_arena_delete(&fx->arena);
    for (size_t r = 0; r < FX_REPORTS; r++)
        pf_buf_delete(&fx->out[r]);
    table_free(&fx->recs);
    table_free(&fx->needs);
    table_free(&fx->contribs);
    table_free(&fx->intakes);
    pf_errlist_delete(&fx->errs);
    free(fx);
    return 0;
}

static inline void put_bytes(fx_t *fx, const char *name, const void *text, size_t len)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", fx->dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static inline void put(fx_t *fx, const char *name, const char *text)
{
    put_bytes(fx, name, text, strlen(text));
}

static inline const pf_value_t *intake(fx_t *fx, const char *yaml)
{
    assert_true(fx->ndocs < MAX_DOCS);
    pf_doc_t *d = &fx->docs[fx->ndocs++];
    pf_doc_init(d);
    pf_err_t err;
    if (!pf_yread_one(yaml, strlen(yaml), NULL, d, &err))
        fail_msg("intake: %s at %lu:%lu: %s", err.kind, err.line, err.column, err.msg);
    return pf_value_from_node(&fx->arena, d->root);
}

static inline void dump_errs(const pf_errlist_t *errs)
{
    for (size_t i = 0; i < errs->count; i++)
        print_message("  [%s] %s\n", errs->items[i].kind, errs->items[i].msg);
}

/* Creates fx->ev from fx->dir; fails the test on any load problem. */
static inline void load(fx_t *fx)
{
    pf_eval_config_t cfg = {.rules_dir = fx->dir,
                            .policy_path = "test-policy.yaml",
                            .policy = fx->policy,
                            .limits = fx->limits};
    pf_errlist_reset(&fx->errs);
    fx->ev = pf_eval_new(&cfg, &fx->errs);
    if (!fx->ev) {
        dump_errs(&fx->errs);
        fail_msg("pf_eval_new failed with %zu problems", fx->errs.count);
    }
    assert_int_equal(fx->errs.count, 0);
    assert_int_equal(pf_eval_report_count(fx->ev), FX_REPORTS);
}

/* Expects pf_eval_new to fail with a problem of this kind whose message
 * starts with "<dir>/<file>:<line>: " (file NULL: no prefix check) and
 * contains text. */
static inline void load_fails(fx_t *fx, const char *kind, const char *file, int line,
                              const char *text)
{
    pf_eval_config_t cfg = {.rules_dir = fx->dir,
                            .policy_path = "test-policy.yaml",
                            .policy = fx->policy,
                            .limits = fx->limits};
    pf_errlist_reset(&fx->errs);
    pf_eval_t *ev = pf_eval_new(&cfg, &fx->errs);
    assert_null(ev);
    assert_true(fx->errs.count >= 1);
    char prefix[256] = "";
    if (file) snprintf(prefix, sizeof prefix, "%s/%s:%d: ", fx->dir, file, line);
    for (size_t i = 0; i < fx->errs.count; i++) {
        const pf_err_t *e = &fx->errs.items[i];
        if (strcmp(e->kind, kind) == 0 && strncmp(e->msg, prefix, strlen(prefix)) == 0 &&
            strstr(e->msg, text))
            return;
    }
    dump_errs(&fx->errs);
    fail_msg("no [%s] problem starting \"%s\" and containing \"%s\"", kind, prefix, text);
}

/* Runs one intake into fresh buffers; on success parses both reports. */
static inline int run(fx_t *fx, const pf_value_t *in)
{
    for (size_t r = 0; r < FX_REPORTS; r++)
        pf_buf_reset(&fx->out[r]);
    table_free(&fx->recs);
    table_free(&fx->needs);
    table_free(&fx->contribs);
    table_free(&fx->intakes);
    pf_err_clear(&fx->err);
    pf_csv_style_t style = {0, 0, ',', 1};
    int ok = pf_eval_run(fx->ev, in, "in/acme.yaml", fx->out, fx->rows, NULL, &style, &fx->err);
    if (ok) {
        parse_csv(&fx->out[0], 13, &fx->recs);
        parse_csv(&fx->out[1], 8, &fx->needs);
        parse_csv(&fx->out[2], C_NCOLS, &fx->contribs);
        parse_csv(&fx->out[3], I_NCOLS, &fx->intakes);
        assert_int_equal(fx->rows[0], fx->recs.rows);
        assert_int_equal(fx->rows[1], fx->needs.rows);
        assert_int_equal(fx->rows[2], fx->contribs.rows);
        assert_int_equal(fx->rows[3], 1);
        assert_int_equal(fx->intakes.rows, 1);
    }
    return ok;
}

static inline void run_ok(fx_t *fx, const pf_value_t *in)
{
    if (!run(fx, in)) fail_msg("pf_eval_run: [%s] %s", fx->err.kind, fx->err.msg);
}

static inline void run_fails(fx_t *fx, const pf_value_t *in, const char *kind, const char *text)
{
    int ok = run(fx, in);
    if (ok) fail_msg("pf_eval_run succeeded; expected [%s] %s", kind, text);
    if (strcmp(fx->err.kind, kind) != 0 || !strstr(fx->err.msg, text))
        fail_msg("expected [%s] containing \"%s\", got [%s] %s", kind, text, fx->err.kind,
                 fx->err.msg);
}

/* Asserts one recommendations row: rank, option, score, shortlisted. */
static inline size_t assert_rec(const fx_t *fx, size_t rank, const char *opt, const char *score,
                                const char *shortlisted)
{
    assert_true(rank >= 1 && rank <= fx->recs.rows);
    char *const *row = fx->recs.cell[rank - 1];
    char r[16];
    snprintf(r, sizeof r, "%zu", rank);
    assert_string_equal(row[R_RANK], r);
    assert_string_equal(row[R_OPT], opt);
    assert_string_equal(row[R_SCORE], score);
    assert_string_equal(row[R_SL], shortlisted);
    return rank - 1;
}

#define REC(fx, rank, col) ((fx)->recs.cell[(rank)-1][(col)])

/* ---- shared rule texts ---------------------------------------------------------- */

__attribute__((unused)) static const char GOOD_RULE[] =
    "rule { id = 'fit.good', stage = 'fit', because = 'Good.', score = { opt_a = 1 } }\n";

static const char NORMAL_RULE[] =
    "rule { id = 'normal', stage = 'fit', because = 'Normal.', score = { opt_b = 7 } }\n";

static const char HOSTILE_INTAKE[] =
    "id: h-1\norg: {name: H}\nassessed_on: 2024-01-01\nhostile: true\n";

/* Writes a rule whose when runs snippet for hostile intakes, then checks
 * that the hostile intake fails with kind and text within max_s seconds
 * (twice), that the evaluator still evaluates a normal intake correctly
 * afterwards, and that the output buffers are untouched by the failures. */
static inline void hostile(fx_t *fx, const char *name, const char *snippet, const char *kind,
                           const char *text, double max_s)
{
    char src[2048];
    snprintf(src, sizeof src,
             "rule { id = 'hostile', stage = 'fit', because = 'H.', score = { opt_a = 1 },\n"
             "  when = function(intake)\n"
             "    if intake.hostile then\n"
             "      %s\n"
             "    end\n"
             "    return true\n"
             "  end }\n",
             snippet);
    put(fx, "10-hostile.lua", src);
    put(fx, "20-normal.lua", NORMAL_RULE);
    load(fx);
    const pf_value_t *bad = intake(fx, HOSTILE_INTAKE);
    const pf_value_t *good = intake(fx, INTAKE_YAML);
    for (int round = 0; round < 2; round++) {
        double t0 = now_seconds();
        run_fails(fx, bad, kind, text);
        double dt = now_seconds() - t0;
        if (round == 0) print_message("[ TIME     ] %-28s %.3f s  [%s]\n", name, dt, fx->err.kind);
        assert_true(dt < max_s * PF_TIME_SLACK); /* a hang detector, not a speed target */
        assert_non_null(strstr(fx->err.msg, "rule hostile ("));
        assert_int_equal(fx->out[0].len, 0);
        assert_int_equal(fx->out[1].len, 0);
        run_ok(fx, good);
        assert_int_equal(fx->recs.rows, 4);
        assert_rec(fx, 1, "opt_b", "7", "no");
        size_t a = row_where(&fx->recs, R_OPT, "opt_a");
        assert_string_equal(fx->recs.cell[a][R_WHY], "hostile +1: H.");
        assert_string_equal(fx->recs.cell[a][R_SCORE], "1");
    }
}

/* One hostile snippet and the failure it must end in (see hostile()). */
typedef struct hostile_case {
    const char *name;        /* shown with its time, and as the test's name */
    const char *snippet;     /* Lua run in the rule's when for the hostile intake */
    const char *kind, *text; /* the failure expected */
    double max_s;            /* hang detector, times PF_TIME_SLACK */
    pf_eval_limits_t limits; /* fields left 0 keep the fixture's */
} hostile_case_t;

/* The test of one hostile_case_t, handed over as the test's initial state. */
static inline void test_hostile_case(void **state)
{
    fx_t *fx = *state;
    const hostile_case_t *c = fx->param;
    assert_non_null(c);
    if (c->limits.mem_bytes) fx->limits.mem_bytes = c->limits.mem_bytes;
    if (c->limits.instructions) fx->limits.instructions = c->limits.instructions;
    if (c->limits.seconds > 0) fx->limits.seconds = c->limits.seconds;
    hostile(fx, c->name, c->snippet, c->kind, c->text, c->max_s);
    assert_true(strlen(fx->err.msg) < PF_ERR_MSG_MAX);
}

/* The cmocka test of case c, with a fresh fixture. */
static inline struct CMUnitTest hostile_test(const hostile_case_t *c)
{
    struct CMUnitTest t = {.name = c->name,
                           .test_func = test_hostile_case,
                           .setup_func = setup,
                           .teardown_func = teardown,
                           .initial_state = (void *)c};
    return t;
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Fills tests with the fixed tests, then one test per hostile case. */
static inline void list_tests(struct CMUnitTest *tests, const struct CMUnitTest *fixed,
                              size_t nfixed, const hostile_case_t *cases, size_t ncases)
{
    memcpy(tests, fixed, nfixed * sizeof *fixed);
    for (size_t i = 0; i < ncases; i++)
        tests[nfixed + i] = hostile_test(&cases[i]);
}

#endif
