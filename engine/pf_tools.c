/*
 * pf_tools.c - check, explain, test and types (see pf_tools.h); the
 * session every analyst command opens. diff is pf_diff.c.
 * The logic of each lives in the prelude; this file loads, reads, calls and
 * prints.
 */
#include <stdlib.h>
#include <string.h>

#include "pf_config.h"
#include "pf_exit.h"
#include "pf_out.h"
#include "pf_scan.h"
#include "pf_tools.h"
#include "pf_tools_int.h"
#include "pf_value.h"

/* ---- shared --------------------------------------------------------------- */

int pf_session_open(pf_session_t *s, const char *rules, const char *policy,
                    const pf_eval_limits_t *limits, FILE *log)
{
    pf_config_init(&s->cfg);
    s->ev = NULL;
    if (!pf_config_load(&s->cfg, rules, policy, limits, 0, log)) return 0;
    s->ev = pf_config_evaluator(&s->cfg, log);
    return s->ev != NULL;
}

void pf_session_close(pf_session_t *s)
{
    pf_eval_delete(s->ev);
    pf_config_delete(&s->cfg);
}

/* The session of a command over one pack (the options' rules and policy);
 * closed again when it cannot be opened. */
static int command_session(pf_session_t *s, const pf_tools_options_t *o, FILE *log)
{
    if (pf_session_open(s, o->rules_dir, o->policy_path, &o->limits, log)) return 1;
    pf_session_close(s);
    return 0;
}

/* Runs one of the prelude's tools that work from the intake schema
 * (check, types) with the schema's description as its argument. */
static int schema_tool(pf_session_t *s, const char *tool, const char *source, int *verdict,
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
    pf_session_t s;
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
    pf_session_close(&s);
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
    pf_session_t s;
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
    pf_session_close(&s);
    return code;
}

/* ---- test --------------------------------------------------------------------- */

typedef struct test_run {
    pf_session_t *s;
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
    pf_session_t s;
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
    pf_session_close(&s);
    if (t.passed + t.failed == 0) {
        fprintf(log, "partnerfit: no test cases found\n");
        return PF_EXIT_CONFIG;
    }
    return t.failed ? PF_EXIT_REJECTS : PF_EXIT_OK;
}

/* ---- types ---------------------------------------------------------------------- */

int pf_cmd_types(const pf_tools_options_t *o, FILE *out, FILE *log)
{
    pf_session_t s;
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
    pf_session_close(&s);
    return code;
}
