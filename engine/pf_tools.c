/*
 * pf_tools.c - check, explain, sensitivity, test and types (see pf_tools.h); the
 * session every analyst command opens. diff is pf_diff.c.
 * The logic of each lives in the prelude; this file loads, reads, calls and
 * prints.
 */
#include <stdlib.h>
#include <string.h>

#include "pf_brief.h"
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

/* The code of a line before its comment ("--" outside a string is close
 * enough for a warning). */
static size_t code_length(const char *line, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (line[i] == '-' && line[i + 1] == '-') return i;
    return n;
}

static int word_char(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* 1 when the code holds `word` as a whole word followed (after spaces) by
 * `next` and not by `not_next` (`_ENV =` but not `_ENV ==`). */
static int has_word_then(const char *code, size_t n, const char *word, char next, char not_next)
{
    size_t k = strlen(word);
    for (size_t i = 0; i + k <= n; i++) {
        if (memcmp(code + i, word, k) != 0 || (i > 0 && word_char(code[i - 1]))) continue;
        size_t j = i + k;
        while (j < n && (code[j] == ' ' || code[j] == '\t'))
            j++;
        if (j < n && code[j] == next && !(j + 1 < n && code[j + 1] == not_next)) return 1;
    }
    return 0;
}

/* Two habits that break "an intake's rows depend only on that intake",
 * found in the rule files' text: assigning _ENV (a rule's environment is
 * put back before every intake, so what it keeps there is lost, and until
 * then the file's other rules see it) and pairs (its order can change from
 * run to run; a report must not follow it). */
static void scan_rule_habits(const pf_pack_t *pack, pf_buf_t *text)
{
    for (size_t f = 0; pack && f < pack->count; f++) {
        const char *p = pack->files[f].bytes, *end = p + pack->files[f].len;
        for (unsigned long line = 1; p < end; line++) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = code_length(p, nl ? (size_t)(nl - p) : (size_t)(end - p));
            if (has_word_then(p, n, "_ENV", '=', '='))
                pf_buf_printf(text,
                              "%s:%lu: warning: assigns _ENV; it is put back before every "
                              "intake, so nothing kept there lasts (and until then the file's "
                              "other rules see it): keep values in locals\n",
                              pack->files[f].display, line);
            if (has_word_then(p, n, "pairs", '(', '\0'))
                pf_buf_printf(text,
                              "%s:%lu: warning: pairs visits keys in an order that can change "
                              "from one run to the next; where the order can reach a report, "
                              "use sorted_keys(t), or ipairs over a list\n",
                              pack->files[f].display, line);
            p = nl ? nl + 1 : end;
        }
    }
}

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
        scan_rule_habits(s.cfg.pack, &text);
        if (!pf_value_get(s.cfg.policy, "policy_schema"))
            pf_buf_printf(&text,
                          "%s: warning: the policy names no policy_schema, so a misspelt key in "
                          "it is not found (add policy_schema: policy-schema.yaml)\n",
                          o->policy_path);
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

/* ---- explain and sensitivity: one intake -------------------------------------- */

/* The --format of a command on one intake: "text" (the default) or "json";
 * NULL after saying why it cannot run. */
static const char *intake_format(const pf_tools_options_t *o, const char *cmd, FILE *log)
{
    if (o->npaths != 1) {
        fprintf(log, "partnerfit: %s takes one intake file\n", cmd);
        return NULL;
    }
    const char *format = o->format ? o->format : "text";
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
        fprintf(log, "partnerfit: --format is text or json, not '%s'\n", format);
        return NULL;
    }
    return format;
}

/* What a tool on one intake gets besides the intake, built in arena a. */
typedef pf_value_t *(*tool_arg_fn)(const pf_session_t *s, pf_arena_t *a, const char *format);

static pf_value_t *explain_arg(const pf_session_t *s, pf_arena_t *a, const char *format)
{
    (void)s;
    return text_option(a, "format", format);
}

/* {format, schema}: the steps come from the schema's description. */
static pf_value_t *sensitivity_arg(const pf_session_t *s, pf_arena_t *a, const char *format)
{
    pf_value_t *m = pf_value_map(a, 2);
    pf_value_add_str(a, m, "format", format);
    *pf_value_add(a, m, "schema") = *pf_schema_describe(s->cfg.schema, a);
    return m;
}

/* Runs the prelude's tool on the intake read from path and prints its
 * text: PF_EXIT_OK, or failed after printing why the tool failed. */
static int run_intake_tool(pf_session_t *s, const char *tool, const char *path,
                           const pf_value_t *intake, pf_value_t *arg, int failed, FILE *out,
                           FILE *log)
{
    pf_buf_t text;
    pf_buf_init(&text);
    pf_err_t err;
    int verdict, code = PF_EXIT_OK;
    if (pf_eval_tool(s->ev, tool, intake, path, arg, &verdict, &text, &err)) {
        fputs(text.data ? text.data : "", out);
    } else {
        pf_log_error(log, path, &err);
        code = failed;
    }
    pf_buf_delete(&text);
    return code;
}

/* One intake file read for a command: the session, the document and the
 * typed intake. */
typedef struct one_intake {
    pf_session_t s;
    pf_doc_t doc;
    pf_errlist_t errs;
    pf_value_t *intake;
} one_intake_t;

/* Opens the command's session and reads its one intake file: PF_EXIT_OK,
 * PF_EXIT_CONFIG when the pack cannot load, PF_EXIT_REJECTS when the file
 * cannot be read (said on log). Close with one_intake_close either way. */
static int one_intake_open(one_intake_t *t, const pf_tools_options_t *o, FILE *log)
{
    pf_doc_init(&t->doc);
    pf_errlist_init(&t->errs);
    t->intake = NULL;
    if (!pf_session_open(&t->s, o->rules_dir, o->policy_path, &o->limits, log))
        return PF_EXIT_CONFIG;
    pf_yread_limits_t lim;
    pf_yread_limits_default(&lim);
    if (pf_intake_read(&t->s.cfg, o->paths[0], &lim, 0, &t->doc, &t->intake, &t->errs))
        return PF_EXIT_OK;
    print_errors(log, o->paths[0], &t->errs);
    return PF_EXIT_REJECTS;
}

static void one_intake_close(one_intake_t *t)
{
    pf_errlist_delete(&t->errs);
    pf_doc_delete(&t->doc);
    pf_session_close(&t->s);
}

/* A command on one intake file: reads it (exit 1 when it cannot be read),
 * runs the tool with make_arg's options (exit failed when the tool fails). */
static int intake_command(const pf_tools_options_t *o, const char *tool, tool_arg_fn make_arg,
                          int failed, FILE *out, FILE *log)
{
    const char *format = intake_format(o, tool, log);
    if (!format) return PF_EXIT_CONFIG;
    one_intake_t t;
    int code = one_intake_open(&t, o, log);
    if (code == PF_EXIT_OK)
        code = run_intake_tool(&t.s, tool, o->paths[0], t.intake,
                               make_arg(&t.s, &t.doc.arena, format), failed, out, log);
    one_intake_close(&t);
    return code;
}

int pf_cmd_explain(const pf_tools_options_t *o, FILE *out, FILE *log)
{
    if (o->sensitivity) return pf_cmd_sensitivity(o, out, log);
    return intake_command(o, "explain", explain_arg, PF_EXIT_RULE_ERRORS, out, log);
}

/* ---- brief ------------------------------------------------------------------- */

/* text to the file path (whole or not at all), or to out when path is
 * NULL: PF_EXIT_OK, or PF_EXIT_IO after saying why. */
static int put_text(const char *path, const char *text, size_t len, FILE *out, FILE *log)
{
    pf_err_t err;
    if (!path) {
        /* write_junit always names a file; the check keeps out non-NULL for
         * the optimiser that inlines it there (-Wnonnull under -O2) */
        if (!out) return PF_EXIT_IO;
        return fwrite(text ? text : "", 1, len, out) == len ? PF_EXIT_OK : PF_EXIT_IO;
    }
    if (pf_out_write_file(path, text, len, &err)) return PF_EXIT_OK;
    pf_log_error(log, path, &err);
    return PF_EXIT_IO;
}

/* partnerfit brief FILE [--out FILE]: one intake's HTML brief. */
int pf_cmd_brief(const pf_tools_options_t *o, FILE *out, FILE *log)
{
    if (o->npaths != 1) {
        fprintf(log, "partnerfit: brief takes one intake file\n");
        return PF_EXIT_CONFIG;
    }
    one_intake_t t;
    pf_brief_t b;
    pf_brief_init(&b);
    pf_err_t err;
    int code = one_intake_open(&t, o, log);
    if (code == PF_EXIT_OK && !pf_brief_render(t.s.ev, t.intake, o->paths[0], &b, &err)) {
        pf_log_error(log, o->paths[0], &err);
        code = PF_EXIT_RULE_ERRORS;
    } else if (code == PF_EXIT_OK) {
        code = put_text(o->out, b.html.data, b.html.len, out, log);
    }
    pf_brief_delete(&b);
    one_intake_close(&t);
    return code;
}

/* An intake that cannot be evaluated is, for an analyst, one that cannot
 * be read: exit 1 either way. */
int pf_cmd_sensitivity(const pf_tools_options_t *o, FILE *out, FILE *log)
{
    return intake_command(o, "sensitivity", sensitivity_arg, PF_EXIT_REJECTS, out, log);
}

/* ---- test --------------------------------------------------------------------- */

typedef struct test_run {
    pf_session_t *s;
    FILE *out, *log;
    const char *name; /* only cases whose name contains it (NULL: all) */
    size_t passed, failed, skipped;
    pf_buf_t junit; /* <testcase> elements, when JUnit XML is asked for */
    int want_junit;
} test_run_t;

/* Text for an XML attribute or element: the five special characters as
 * entities, and control characters XML 1.0 cannot hold as a visible \xHH. */
static void xml_text(pf_buf_t *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '&')
            pf_buf_addstr(b, "&amp;");
        else if (c == '<')
            pf_buf_addstr(b, "&lt;");
        else if (c == '>')
            pf_buf_addstr(b, "&gt;");
        else if (c == '"')
            pf_buf_addstr(b, "&quot;");
        else if (c == '\'')
            pf_buf_addstr(b, "&apos;");
        else if (c < 0x20 && c != '\n' && c != '\t')
            pf_buf_printf(b, "\\x%02X", c);
        else
            pf_buf_addc(b, (char)c);
    }
}

/* One <testcase>: classname the test file, name the case, file and line
 * where it is (which GitLab and Jenkins show), its failure. */
static void junit_case(test_run_t *t, const char *file, unsigned long line, const char *name,
                       const char *failure)
{
    if (!t->want_junit) return;
    pf_buf_addstr(&t->junit, "  <testcase classname=\"");
    xml_text(&t->junit, file);
    pf_buf_addstr(&t->junit, "\" name=\"");
    xml_text(&t->junit, name);
    pf_buf_addstr(&t->junit, "\" file=\"");
    xml_text(&t->junit, file);
    pf_buf_printf(&t->junit, "\" line=\"%lu", line);
    if (!failure) {
        pf_buf_addstr(&t->junit, "\"/>\n");
        return;
    }
    pf_buf_addstr(&t->junit, "\">\n    <failure message=\"the case's expectations were not met\">");
    xml_text(&t->junit, failure);
    pf_buf_addstr(&t->junit, "</failure>\n  </testcase>\n");
}

/* Writes the JUnit XML file (atomically, like the reports). */
static int write_junit(test_run_t *t, const char *path, FILE *log)
{
    pf_buf_t doc;
    pf_buf_init(&doc);
    pf_buf_printf(&doc,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<testsuite name=\"partnerfit test\" tests=\"%zu\" failures=\"%zu\" "
                  "skipped=\"0\">\n",
                  t->passed + t->failed, t->failed);
    pf_buf_add(&doc, t->junit.data ? t->junit.data : "", t->junit.len);
    pf_buf_addstr(&doc, "</testsuite>\n");
    int ok = put_text(path, doc.data, doc.len, NULL, log) == PF_EXIT_OK;
    pf_buf_delete(&doc);
    return ok;
}

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
    const char *case_name = name && name->kind == PF_NODE_SCALAR ? name->text : "(unnamed case)";
    if (t->name && !strstr(case_name, t->name)) {
        t->skipped++;
        return;
    }
    const pf_node_t *expect = pf_node_get(c, "expect");
    char label[512];
    snprintf(label, sizeof label, "%s:%lu: %s", file, c->line, case_name);
    pf_doc_t doc;
    pf_doc_init(&doc);
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    pf_buf_t source, text, why;
    pf_buf_init(&source);
    pf_buf_init(&text);
    pf_buf_init(&why); /* what failed, for the terminal and for JUnit */
    pf_value_t *intake = NULL;
    int verdict = 0;
    pf_err_t err;
    if (!case_intake(t, file, pf_node_get(c, "intake"), &doc, &intake, &source, &errs)) {
        pf_buf_addstr(&why, "  the intake was rejected:\n");
        const char *src = source.data ? source.data : file;
        for (size_t i = 0; i < errs.count; i++) {
            const pf_err_t *e = &errs.items[i];
            if (e->line)
                pf_buf_printf(&why, "partnerfit: %s:%lu:%lu: %s\n", src, e->line, e->column,
                              e->msg);
            else
                pf_buf_printf(&why, "partnerfit: %s: %s\n", src, e->msg);
        }
    } else if (!expect || expect->kind != PF_NODE_MAP) {
        pf_buf_addstr(&why, "  the case has no 'expect' mapping\n");
    } else if (!pf_eval_tool(t->s->ev, "test", intake, source.data,
                             pf_value_from_node(arena, expect), &verdict, &text, &err)) {
        pf_buf_printf(&why, "  %s\n", err.msg);
        verdict = 0;
    } else if (!verdict) {
        pf_buf_add(&why, text.data ? text.data : "", text.len);
    }
    if (verdict) {
        fprintf(t->out, "ok   %s\n", label);
        t->passed++;
    } else {
        fprintf(t->out, "FAIL %s\n%s", label, why.data ? why.data : "");
        t->failed++;
    }
    junit_case(t, file, c->line, case_name, verdict ? NULL : (why.data ? why.data : ""));
    pf_buf_delete(&source);
    pf_buf_delete(&text);
    pf_buf_delete(&why);
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
        junit_case(t, file, err.line, "(the file)", err.msg);
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
    test_run_t t;
    memset(&t, 0, sizeof t);
    t.s = &s;
    t.out = out;
    t.log = log;
    t.name = o->name;
    t.want_junit = o->junit != NULL;
    pf_buf_init(&t.junit);
    for (size_t i = 0; i < scan.count; i++) {
        if (scan.items[i].skip_reason) {
            fprintf(out, "FAIL %s: %s\n", scan.items[i].path, scan.items[i].skip_reason);
            junit_case(&t, scan.items[i].path, 0, "(the file)", scan.items[i].skip_reason);
            t.failed++;
        } else {
            run_test_file(&t, scan.items[i].path);
        }
    }
    if (t.name)
        fprintf(out, "%zu passed, %zu failed, %zu not matching '%s'\n", t.passed, t.failed,
                t.skipped, t.name);
    else
        fprintf(out, "%zu passed, %zu failed\n", t.passed, t.failed);
    pf_scan_delete(&scan);
    pf_session_close(&s);
    int code = t.failed ? PF_EXIT_REJECTS : PF_EXIT_OK;
    if (t.passed + t.failed == 0) {
        if (t.name)
            fprintf(log, "partnerfit: no test case's name contains '%s'\n", t.name);
        else
            fprintf(log, "partnerfit: no test cases found\n");
        code = PF_EXIT_CONFIG;
    } else if (o->junit && !write_junit(&t, o->junit, log)) {
        code = PF_EXIT_IO;
    }
    pf_buf_delete(&t.junit);
    return code;
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
    } else {
        code = put_text(o->out, text.data, text.len, out, log);
    }
    pf_buf_delete(&text);
    pf_session_close(&s);
    return code;
}
