/*
 * pf_tools.c - check, explain, test, diff and types (see pf_tools.h).
 * The logic of each lives in the prelude; this file loads, reads, calls and
 * prints.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>

#include "pf_config.h"
#include "pf_exit.h"
#include "pf_out.h"
#include "pf_scan.h"
#include "pf_tools.h"
#include "pf_value.h"

/* ---- shared --------------------------------------------------------------- */

/* A loaded configuration and one evaluator for it. */
typedef struct session {
    pf_config_t cfg;
    pf_eval_t *ev;
} session_t;

static int session_open(session_t *s, const char *rules, const char *policy,
                        const pf_eval_limits_t *limits, FILE *log)
{
    pf_config_init(&s->cfg);
    s->ev = NULL;
    if (!pf_config_load(&s->cfg, rules, policy, limits, 0, log)) return 0;
    s->ev = pf_config_evaluator(&s->cfg, log);
    return s->ev != NULL;
}

static void session_close(session_t *s)
{
    pf_eval_delete(s->ev);
    pf_config_delete(&s->cfg);
}

/* The session of a command over one pack (the options' rules and policy);
 * closed again when it cannot be opened. */
static int command_session(session_t *s, const pf_tools_options_t *o, FILE *log)
{
    if (session_open(s, o->rules_dir, o->policy_path, &o->limits, log)) return 1;
    session_close(s);
    return 0;
}

/* Runs one of the prelude's tools that work from the intake schema
 * (check, types) with the schema's description as its argument. */
static int schema_tool(session_t *s, const char *tool, const char *source, int *verdict,
                       pf_buf_t *text, pf_err_t *err)
{
    pf_arena_t arena;
    pf_arena_init(&arena);
    int ok = pf_eval_tool(s->ev, tool, NULL, source, pf_schema_describe(s->cfg.schema, &arena),
                          verdict, text, err);
    pf_arena_delete(&arena);
    return ok;
}

/* A one-entry map {key: text}, for a tool's options. */
static pf_value_t *text_option(pf_arena_t *a, const char *key, const char *text)
{
    pf_value_t *m = pf_value_map(a, 1);
    pf_value_add_str(a, m, key, text);
    return m;
}

static void print_errors(FILE *log, const char *file, const pf_errlist_t *errs)
{
    for (size_t i = 0; i < errs->count; i++)
        pf_log_error(log, file, &errs->items[i]);
}

/* 1 if needle occurs in the n bytes at p */
static int contains_text(const char *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, needle, k) == 0) return 1;
    return 0;
}

/* Lines of s that are not empty (and hold needle, if given). */
static size_t count_lines(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (!needle || contains_text(p, len, needle)) n += len > 0;
        p = nl ? nl + 1 : NULL;
    }
    return n;
}

/* ---- check ------------------------------------------------------------------ */

int pf_cmd_check(const pf_tools_options_t *o, FILE *out, FILE *log)
{
    session_t s;
    if (!command_session(&s, o, log)) return PF_EXIT_CONFIG;
    pf_buf_t text;
    pf_buf_init(&text);
    pf_err_t err;
    int clean = 0, code = PF_EXIT_OK;
    if (!schema_tool(&s, "check", "", &clean, &text, &err)) {
        pf_log_error(log, NULL, &err);
        code = PF_EXIT_CONFIG;
    } else {
        size_t warnings = count_lines(text.data, ": warning: ");
        size_t problems = count_lines(text.data, NULL) - warnings;
        if (text.len) fputs(text.data, out);
        fprintf(out, "partnerfit check: %zu rules: %zu problem%s, %zu warning%s\n",
                pf_eval_rule_count(s.ev), problems, problems == 1 ? "" : "s", warnings,
                warnings == 1 ? "" : "s");
        if (problems || (o->strict && warnings)) code = PF_EXIT_CONFIG;
    }
    pf_buf_delete(&text);
    session_close(&s);
    return code;
}

/* ---- explain ------------------------------------------------------------------ */

int pf_cmd_explain(const pf_tools_options_t *o, FILE *out, FILE *log)
{
    if (o->npaths != 1) {
        fprintf(log, "partnerfit: explain takes one intake file\n");
        return PF_EXIT_CONFIG;
    }
    const char *format = o->format ? o->format : "text";
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
        fprintf(log, "partnerfit: --format is text or json, not '%s'\n", format);
        return PF_EXIT_CONFIG;
    }
    session_t s;
    if (!command_session(&s, o, log)) return PF_EXIT_CONFIG;
    pf_yread_limits_t lim;
    pf_yread_limits_default(&lim);
    pf_doc_t doc;
    pf_doc_init(&doc);
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    pf_value_t *intake;
    int code = PF_EXIT_OK;
    if (!pf_intake_read(&s.cfg, o->paths[0], &lim, 0, &doc, &intake, &errs)) {
        print_errors(log, o->paths[0], &errs);
        code = PF_EXIT_REJECTS;
    } else {
        pf_buf_t text;
        pf_buf_init(&text);
        pf_err_t err;
        int verdict;
        if (pf_eval_tool(s.ev, "explain", intake, o->paths[0],
                         text_option(&doc.arena, "format", format), &verdict, &text, &err)) {
            fputs(text.data ? text.data : "", out);
        } else {
            pf_log_error(log, o->paths[0], &err);
            code = PF_EXIT_RULE_ERRORS;
        }
        pf_buf_delete(&text);
    }
    pf_errlist_delete(&errs);
    pf_doc_delete(&doc);
    session_close(&s);
    return code;
}

/* ---- test --------------------------------------------------------------------- */

typedef struct test_run {
    session_t *s;
    FILE *out, *log;
    size_t passed, failed;
} test_run_t;

/* The intake of a case: a path relative to the test file, or inline. */
static int case_intake(test_run_t *t, const char *file, const pf_node_t *node, pf_doc_t *doc,
                       pf_value_t **intake, pf_buf_t *source, pf_errlist_t *errs)
{
    pf_buf_reset(source);
    if (node && node->kind == PF_NODE_SCALAR && !pf_node_is_null(node)) {
        const char *slash = strrchr(file, '/');
        if (node->text[0] != '/' && slash) pf_buf_add(source, file, (size_t)(slash - file) + 1);
        pf_buf_addstr(source, node->text);
        pf_yread_limits_t lim;
        pf_yread_limits_default(&lim);
        return pf_intake_read(&t->s->cfg, source->data, &lim, 0, doc, intake, errs);
    }
    pf_buf_printf(source, "%s:%lu (inline)", file, node ? node->line : 0);
    if (!node || node->kind != PF_NODE_MAP) {
        pf_err_set(pf_errlist_add(errs), "test", node ? node->line : 0, node ? node->column : 0,
                   "intake", "a test case needs 'intake': a file path or an inline intake");
        return 0;
    }
    return pf_intake_check(&t->s->cfg, node, &doc->arena, intake, errs, 0);
}

static void run_case(test_run_t *t, const char *file, const pf_node_t *c, pf_arena_t *arena)
{
    const pf_node_t *name = pf_node_get(c, "name");
    const pf_node_t *expect = pf_node_get(c, "expect");
    char label[512];
    snprintf(label, sizeof label, "%s:%lu: %s", file, c->line,
             name && name->kind == PF_NODE_SCALAR ? name->text : "(unnamed case)");
    pf_doc_t doc;
    pf_doc_init(&doc);
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    pf_buf_t source, text;
    pf_buf_init(&source);
    pf_buf_init(&text);
    pf_value_t *intake = NULL;
    int verdict = 0;
    pf_err_t err;
    if (!case_intake(t, file, pf_node_get(c, "intake"), &doc, &intake, &source, &errs)) {
        fprintf(t->out, "FAIL %s\n  the intake was rejected:\n", label);
        print_errors(t->out, source.data, &errs);
    } else if (!expect || expect->kind != PF_NODE_MAP) {
        fprintf(t->out, "FAIL %s\n  the case has no 'expect' mapping\n", label);
    } else if (!pf_eval_tool(t->s->ev, "test", intake, source.data,
                             pf_value_from_node(arena, expect), &verdict, &text, &err)) {
        fprintf(t->out, "FAIL %s\n  %s\n", label, err.msg);
        verdict = 0;
    } else if (!verdict) {
        fprintf(t->out, "FAIL %s\n%s", label, text.data ? text.data : "");
    } else {
        fprintf(t->out, "ok   %s\n", label);
    }
    if (verdict)
        t->passed++;
    else
        t->failed++;
    pf_buf_delete(&source);
    pf_buf_delete(&text);
    pf_errlist_delete(&errs);
    pf_doc_delete(&doc);
}

static void run_test_file(test_run_t *t, const char *file)
{
    pf_doc_t doc;
    pf_doc_init(&doc);
    pf_err_t err;
    if (!pf_yread_file(file, NULL, &doc, &err)) {
        fprintf(t->out, "FAIL %s:%lu:%lu: %s\n", file, err.line, err.column, err.msg);
        t->failed++;
    } else {
        const pf_node_t *cases = pf_node_get(doc.root, "cases");
        if (cases && cases->kind == PF_NODE_SEQ) {
            for (size_t i = 0; i < cases->count; i++)
                run_case(t, file, cases->items[i], &doc.arena);
        } else if (doc.root->kind == PF_NODE_MAP) {
            run_case(t, file, doc.root, &doc.arena);
        } else {
            fprintf(t->out, "FAIL %s: a test file is a mapping (one case) or has 'cases:'\n", file);
            t->failed++;
        }
    }
    pf_doc_delete(&doc);
}

int pf_cmd_test(const pf_tools_options_t *o, FILE *out, FILE *log)
{
    session_t s;
    if (!command_session(&s, o, log)) return PF_EXIT_CONFIG;
    static const char *const default_dirs[] = {"tests/rules"};
    const char *const *paths = o->npaths ? o->paths : default_dirs;
    size_t npaths = o->npaths ? o->npaths : 1;
    pf_scan_t scan;
    pf_scan_init(&scan);
    for (size_t i = 0; i < npaths; i++)
        pf_scan_add(&scan, paths[i]);
    test_run_t t = {&s, out, log, 0, 0};
    for (size_t i = 0; i < scan.count; i++) {
        if (scan.items[i].skip_reason) {
            fprintf(out, "FAIL %s: %s\n", scan.items[i].path, scan.items[i].skip_reason);
            t.failed++;
        } else {
            run_test_file(&t, scan.items[i].path);
        }
    }
    fprintf(out, "%zu passed, %zu failed\n", t.passed, t.failed);
    pf_scan_delete(&scan);
    session_close(&s);
    if (t.passed + t.failed == 0) {
        fprintf(log, "partnerfit: no test cases found\n");
        return PF_EXIT_CONFIG;
    }
    return t.failed ? PF_EXIT_REJECTS : PF_EXIT_OK;
}

/* ---- types ---------------------------------------------------------------------- */

int pf_cmd_types(const pf_tools_options_t *o, FILE *out, FILE *log)
{
    session_t s;
    if (!command_session(&s, o, log)) return PF_EXIT_CONFIG;
    pf_buf_t text;
    pf_buf_init(&text);
    pf_err_t err;
    int verdict, code = PF_EXIT_OK;
    if (!schema_tool(&s, "types", s.cfg.schema_path, &verdict, &text, &err)) {
        pf_log_error(log, NULL, &err);
        code = PF_EXIT_IO;
    } else if (o->out) {
        pf_out_file_t f = {0};
        char *dir = pf_xstrdup(o->out), *slash = strrchr(dir, '/');
        const char *name = slash ? slash + 1 : o->out;
        if (slash)
            *slash = '\0';
        else
            strcpy(dir, ".");
        if (!pf_out_open(&f, dir, name, &err) || !pf_out_write(&f, text.data, text.len) ||
            !pf_out_rename(&f, &err)) {
            pf_log_error(log, o->out, &err);
            code = PF_EXIT_IO;
        }
        pf_out_abort(&f);
        free(dir);
    } else {
        fputs(text.data ? text.data : "", out);
    }
    pf_buf_delete(&text);
    session_close(&s);
    return code;
}

/* ---- diff ------------------------------------------------------------------------- */

/* One option's place in one pack's ranking of an intake. */
typedef struct placing {
    char option[128];
    long rank;
    double score;
    int shortlisted;
} placing_t;

typedef struct ranking {
    char id[256];
    placing_t *items;
    size_t count;
    int rejected;
    char reason[PF_ERR_MSG_MAX];
} ranking_t;

/* A change worth listing among the biggest movers. */
typedef struct mover {
    char intake[256], option[128];
    const char *change; /* "entered shortlist", "moved up", ... */
    int shortlist_changed;
    long old_rank, new_rank;
    double old_score, new_score;
} mover_t;

#define MOVERS 10

typedef struct diff_run {
    session_t base, cand;
    pf_out_file_t csv;
    pf_buf_t row;
    size_t intakes, changed, top_changed, shortlist_changed, rows;
    mover_t movers[MOVERS];
    size_t nmovers;
    int io_failed;
} diff_run_t;

/* A score as diff compares and writes it: to the cent. */
static double to_cents(double score)
{
    char text[400]; /* "%.2f" of any double fits */
    snprintf(text, sizeof text, "%.2f", score);
    return strtod(text, NULL);
}

/* Reads the table P.ranking returns ({id = ..., [rank] = {option, score,
 * shortlisted}}, on top) into r: [-0, +0, e] (inside the tool's call). */
static void read_ranking(lua_State *L, void *ud)
{
    ranking_t *r = ud;
    int t = lua_gettop(L);
    if (!lua_istable(L, t)) return;
    lua_getfield(L, t, "id");
    const char *id = lua_tostring(L, -1);
    snprintf(r->id, sizeof r->id, "%s", id ? id : "");
    lua_pop(L, 1);
    for (lua_Integer rank = 1; lua_rawgeti(L, t, rank) == LUA_TTABLE; rank++) {
        placing_t pl = {0};
        lua_getfield(L, -1, "option");
        const char *option = lua_tostring(L, -1);
        snprintf(pl.option, sizeof pl.option, "%s", option ? option : "");
        lua_getfield(L, -2, "score");
        pl.score = to_cents((double)lua_tonumber(L, -1));
        lua_getfield(L, -3, "shortlisted");
        pl.shortlisted = lua_toboolean(L, -1);
        lua_pop(L, 4); /* option, score, shortlisted, the placing */
        pl.rank = (long)rank;
        r->items = pf_xrealloc(r->items, (r->count + 1) * sizeof *r->items);
        r->items[r->count++] = pl;
    }
    lua_pop(L, 1); /* what ended the list */
}

/* Ranks one intake file with one pack. */
static void rank_with(session_t *s, const char *path, ranking_t *r)
{
    memset(r, 0, sizeof *r);
    pf_yread_limits_t lim;
    pf_yread_limits_default(&lim);
    pf_doc_t doc;
    pf_doc_init(&doc);
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    pf_value_t *intake;
    pf_err_t err;
    if (!pf_intake_read(&s->cfg, path, &lim, 1, &doc, &intake, &errs)) {
        r->rejected = 1;
        snprintf(r->reason, sizeof r->reason, "%s", errs.count ? errs.items[0].msg : "rejected");
    } else if (!pf_eval_tool_read(s->ev, "ranking", intake, path, read_ranking, r, &err)) {
        r->rejected = 1;
        snprintf(r->reason, sizeof r->reason, "%s", err.msg);
    }
    pf_errlist_delete(&errs);
    pf_doc_delete(&doc);
}

static const placing_t *find_placing(const ranking_t *r, const char *option)
{
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(r->items[i].option, option) == 0) return &r->items[i];
    return NULL;
}

static const char *top_of(const ranking_t *r)
{
    for (size_t i = 0; i < r->count; i++)
        if (r->items[i].shortlisted) return r->items[i].option;
    return "";
}

static long rank_move(const mover_t *m)
{
    long d = m->new_rank - m->old_rank;
    return d < 0 ? -d : d;
}

/* 1 when a moved more than b: shortlist changes first, then places, then
 * points; on a full tie the earlier intake stays ahead (deterministic). */
static int moved_more(const mover_t *a, const mover_t *b)
{
    if (a->shortlist_changed != b->shortlist_changed) return a->shortlist_changed;
    if (rank_move(a) != rank_move(b)) return rank_move(a) > rank_move(b);
    return fabs(a->new_score - a->old_score) > fabs(b->new_score - b->old_score);
}

/* Keeps the MOVERS biggest changes, in order. */
static void note_mover(diff_run_t *d, const mover_t *m)
{
    size_t at = d->nmovers;
    while (at > 0 && moved_more(m, &d->movers[at - 1]))
        at--;
    if (at >= MOVERS) return;
    size_t last = d->nmovers < MOVERS ? d->nmovers : MOVERS - 1;
    memmove(&d->movers[at + 1], &d->movers[at], (last - at) * sizeof *d->movers);
    d->movers[at] = *m;
    if (d->nmovers < MOVERS) d->nmovers++;
}

static void diff_row(diff_run_t *d, const char *intake, const char *path, const char *option,
                     const char *change, const placing_t *a, const placing_t *b)
{
    pf_buf_t *l = &d->row;
    size_t cells = 0;
    pf_csv_style_t style = {0, 0};
    pf_buf_reset(l);
    pf_csv_text(l, &cells, intake, strlen(intake));
    pf_csv_text(l, &cells, option, strlen(option));
    pf_csv_text(l, &cells, change, strlen(change));
    const placing_t *side[2] = {a, b};
    for (int i = 0; i < 2; i++)
        if (side[i])
            pf_csv_int(l, &cells, side[i]->rank);
        else
            pf_csv_text(l, &cells, "", 0);
    for (int i = 0; i < 2; i++)
        if (side[i])
            pf_csv_num(l, &cells, side[i]->score);
        else
            pf_csv_text(l, &cells, "", 0);
    for (int i = 0; i < 2; i++) {
        const char *v = side[i] ? (side[i]->shortlisted ? "yes" : "no") : "";
        pf_csv_text(l, &cells, v, strlen(v));
    }
    pf_csv_text(l, &cells, path, strlen(path));
    pf_csv_end_row(l, &cells, &style);
    if (!pf_out_write(&d->csv, l->data, l->len)) d->io_failed = 1;
    d->rows++;
}

static const char *change_of(const placing_t *a, const placing_t *b)
{
    if (!a) return "new option";
    if (!b) return "option removed";
    if (a->shortlisted != b->shortlisted)
        return b->shortlisted ? "entered shortlist" : "left shortlist";
    if (a->rank != b->rank) return b->rank < a->rank ? "moved up" : "moved down";
    if (fabs(a->score - b->score) >= 0.005) return "score changed";
    return NULL;
}

static void compare_intake(diff_run_t *d, const char *path)
{
    ranking_t a, b;
    rank_with(&d->base, path, &a);
    rank_with(&d->cand, path, &b);
    const char *id = a.id[0] ? a.id : b.id[0] ? b.id : path;
    int changed = 0;
    d->intakes++;
    if (a.rejected || b.rejected) {
        if (a.rejected != b.rejected) {
            diff_row(d, id, path, "",
                     a.rejected ? "rejected by the baseline only"
                                : "rejected by the candidate only",
                     NULL, NULL);
            changed = 1;
        }
    } else {
        for (size_t i = 0; i < b.count; i++) {
            const placing_t *pa = find_placing(&a, b.items[i].option), *pb = &b.items[i];
            const char *change = change_of(pa, pb);
            if (!change) continue;
            changed = 1;
            diff_row(d, id, path, pb->option, change, pa, pb);
            if (pa) {
                mover_t m;
                snprintf(m.intake, sizeof m.intake, "%s", id);
                snprintf(m.option, sizeof m.option, "%s", pb->option);
                m.old_rank = pa->rank, m.new_rank = pb->rank;
                m.old_score = pa->score, m.new_score = pb->score;
                m.change = change;
                m.shortlist_changed = pa->shortlisted != pb->shortlisted;
                note_mover(d, &m);
            }
        }
        for (size_t i = 0; i < a.count; i++)
            if (!find_placing(&b, a.items[i].option)) {
                diff_row(d, id, path, a.items[i].option, "option removed", &a.items[i], NULL);
                changed = 1;
            }
        if (strcmp(top_of(&a), top_of(&b)) != 0) d->top_changed++;
        int sl_changed = 0;
        for (size_t i = 0; i < b.count; i++) {
            const placing_t *pa = find_placing(&a, b.items[i].option);
            if (!pa || pa->shortlisted != b.items[i].shortlisted) sl_changed = 1;
        }
        d->shortlist_changed += sl_changed;
    }
    d->changed += changed;
    free(a.items);
    free(b.items);
}

static void print_diff_summary(const diff_run_t *d, const pf_tools_options_t *o, FILE *out)
{
    fprintf(out, "partnerfit diff: baseline %s + %s, candidate %s + %s\n", o->base_rules_dir,
            o->base_policy_path, o->rules_dir, o->policy_path);
    fprintf(out, "  intakes compared:          %zu\n", d->intakes);
    fprintf(out, "  intakes with any change:   %zu\n", d->changed);
    fprintf(out, "  top option changed:        %zu\n", d->top_changed);
    fprintf(out, "  shortlist changed:         %zu\n", d->shortlist_changed);
    fprintf(out, "  changed rows in %s/diff.csv: %zu\n", o->out, d->rows);
    if (d->nmovers) fprintf(out, "  biggest movers:\n");
    for (size_t i = 0; i < d->nmovers; i++) {
        const mover_t *m = &d->movers[i];
        fprintf(out, "    %-24s %-28s %-18s rank %ld -> %ld, score %.2f -> %.2f\n", m->intake,
                m->option, m->change, m->old_rank, m->new_rank, m->old_score, m->new_score);
    }
}

static const char *const DIFF_COLUMNS[] = {
    "intake_id", "option_id",       "change",          "old_rank", "new_rank", "old_score",
    "new_score", "old_shortlisted", "new_shortlisted", "source",   NULL};

int pf_cmd_diff(const pf_tools_options_t *o, FILE *out, FILE *log)
{
    if (!o->base_rules_dir && !o->base_policy_path) {
        fprintf(log,
                "partnerfit: diff needs a baseline: --base-rules DIR and/or --base-policy FILE\n");
        return PF_EXIT_CONFIG;
    }
    pf_tools_options_t opt = *o;
    if (!opt.base_rules_dir) opt.base_rules_dir = o->rules_dir;
    if (!opt.base_policy_path) opt.base_policy_path = o->policy_path;
    if (!opt.out) opt.out = "reports";
    diff_run_t *d = pf_xcalloc(1, sizeof *d);
    pf_buf_init(&d->row);
    int code = PF_EXIT_CONFIG;
    pf_err_t err;
    pf_scan_t scan;
    pf_scan_init(&scan);
    int loaded = session_open(&d->base, opt.base_rules_dir, opt.base_policy_path, &o->limits, log);
    loaded = session_open(&d->cand, opt.rules_dir, opt.policy_path, &o->limits, log) && loaded;
    if (!loaded) goto done;
    code = PF_EXIT_IO;
    if (!pf_out_mkdirs(opt.out, &err) || !pf_out_open(&d->csv, opt.out, "diff.csv", &err)) {
        pf_log_error(log, NULL, &err);
        goto done;
    }
    pf_csv_header(&d->row, DIFF_COLUMNS, &(pf_csv_style_t){0, 0});
    pf_out_write(&d->csv, d->row.data, d->row.len);
    for (size_t i = 0; i < o->npaths; i++)
        pf_scan_add(&scan, o->paths[i]);
    for (size_t i = 0; i < scan.count && !d->io_failed; i++) {
        if (scan.items[i].skip_reason)
            fprintf(log, "partnerfit: %s: skipped: %s\n", scan.items[i].path,
                    scan.items[i].skip_reason);
        else
            compare_intake(d, scan.items[i].path);
    }
    if (d->io_failed || !pf_out_rename(&d->csv, &err)) {
        pf_log_error(log, NULL, &err);
        goto done;
    }
    print_diff_summary(d, &opt, out);
    code = d->changed ? PF_EXIT_REJECTS : PF_EXIT_OK;
done:
    pf_out_abort(&d->csv);
    pf_scan_delete(&scan);
    session_close(&d->base);
    session_close(&d->cand);
    pf_buf_delete(&d->row);
    free(d);
    return code;
}
