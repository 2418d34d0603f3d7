/*
 * pf_eval.c - the rule evaluator proper: builds one Lua 5.4 state per
 * pf_eval_t (protected, under a message handler: the libraries and the
 * sandbox, the prelude and the policy, the rule pack), runs an intake or an
 * analyst tool in it, keeps each rule's time, and rebuilds the state after
 * a rule went over a limit.
 *
 * Layout of a state:
 *   registry[ref_prelude]   the table P the prelude chunks fill (DSL, stages)
 *   registry[ref_upvalues]  the rule upvalues as loaded (pf_view.c)
 *   globals, sandbox, env of a rule file   see pf_sandbox.h
 *   intake, policy          read-only views of typed values (pf_view.h)
 * The limits (memory, instructions, time) are pf_limits.c. Every function
 * that touches the Lua stack notes its effect as in the manual:
 * [-pop, +push, errors].
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "pf_eval_int.h"
#include "pf_limits.h"
#include "pf_pack.h"
#include "pf_native.h"
#include "pf_prelude.h"
#include "pf_sandbox.h"
#include "pf_view.h"

#define MSG_MAX 1024 /* error messages are cut here */

static int host_emit(lua_State *L);
static int host_explain(lua_State *L);
struct pf_cell_cache;
static void cell_cache_free(struct pf_cell_cache *c);

/* ==================================================================== */
/* Error messages                                                        */
/* ==================================================================== */

/* Message handler: [-1, +1, m]. Never calls __tostring (a rule's error
 * object could loop there), cuts long messages, escapes what is no text
 * (a rule's error("\0\27[2J\xff") reaches rejects.csv and terminals:
 * pf_text_escape, lines kept), adds a traceback. */
static int msghandler(lua_State *L)
{
    size_t len = 0;
    const char *msg = NULL;
    int t = lua_type(L, 1);
    if (t == LUA_TSTRING || t == LUA_TNUMBER)
        msg = lua_tolstring(L, 1, &len);
    else
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    if (msg && len > MSG_MAX) msg = lua_pushlstring(L, msg, len = MSG_MAX);
    if (msg && !pf_text_clean(msg, len, 1)) {
        /* at most 4 bytes a byte: copied out of the malloc'd buffer before
         * Lua allocates (a memory error there would jump past its free) */
        char text[4 * MSG_MAX + 1];
        pf_buf_t b;
        pf_buf_init(&b);
        pf_text_escape(&b, msg, len, 1);
        size_t n = b.len < sizeof text ? b.len : sizeof text - 1;
        memcpy(text, b.data ? b.data : "", n);
        pf_buf_delete(&b);
        msg = lua_pushlstring(L, text, n);
    }
    if (!lua_checkstack(L, 8)) return 1;
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Copies a message and a trimmed traceback: only the frames in rule files
 * (the prelude and C frames say nothing to an analyst). */
static void format_lua_error(const char *raw, char *out, size_t outsz)
{
    const char *tb = strstr(raw, "\nstack traceback:");
    size_t head = tb ? (size_t)(tb - raw) : strlen(raw);
    pf_buf_t b;
    pf_buf_init(&b);
    pf_buf_add(&b, raw, head);
    int frames = 0;
    for (const char *p = tb ? tb + 1 : NULL; p && *p && frames < 4;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const char *line = p;
        while (n && (*line == '\t' || *line == ' '))
            line++, n--;
        if (n && strncmp(line, "[C]", 3) != 0 && strncmp(line, "prelude", 7) != 0 &&
            strncmp(line, "stack traceback", 15) != 0 && strncmp(line, "(...", 4) != 0) {
            pf_buf_addstr(&b, frames ? " < " : " [at ");
            pf_buf_add(&b, line, n);
            frames++;
        }
        p = nl ? nl + 1 : NULL;
    }
    if (frames) pf_buf_addc(&b, ']');
    snprintf(out, outsz, "%s", b.data ? b.data : "");
    pf_buf_delete(&b);
}

/* Runs the function below nargs arguments with the message handler. */
static int protected_call(lua_State *L, int nargs, int nresults)
{
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, msghandler);
    lua_insert(L, base);
    int status = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    return status;
}

/* Text of the error on top of the stack after a failed protected_call. */
static void error_text(lua_State *L, int status, char *out, size_t outsz)
{
    pf_eval_t *ev = pf_eval_of(L);
    if (ev->killed[0]) {
        snprintf(out, outsz, "%s", ev->killed);
    } else if (status == LUA_ERRMEM) {
        snprintf(out, outsz, "went over the memory limit of %zu MiB",
                 ev->cfg.limits.mem_bytes >> 20);
    } else if (status == LUA_ERRERR) {
        snprintf(out, outsz, "an error occurred while reporting another error");
    } else {
        const char *raw = lua_tostring(L, -1);
        format_lua_error(raw ? raw : "(no message)", out, outsz);
    }
}

/* ==================================================================== */
/* Host functions for the prelude                                         */
/* ==================================================================== */

/* host.distance(a, b) -> the edit distance "did you mean" ranks by, the
 * one pf_edit_distance the C side uses too (words past PF_EDIT_WORD_MAX
 * bytes are never near: a large number). [-2, +1, e] */
/* host.mark(index): the rule now running, for the supervisor that may
 * have to stop this worker from outside (pf_beacon.h). [-0, +0, -] */
static int host_mark(lua_State *L)
{
    pf_eval_mark(L, lua_tointeger(L, 1));
    return 0;
}

void pf_eval_mark(lua_State *L, lua_Integer i)
{
    pf_eval_t *ev = pf_eval_of(L);
    if (!ev->beacon) return;
    atomic_store(&ev->beacon->rule, (int)i);
    if (ev->labels && i >= 1 && (size_t)i <= ev->nlabels)
        snprintf(ev->beacon->what, sizeof ev->beacon->what, "rule %s (%s)", ev->labels[i - 1].id,
                 ev->labels[i - 1].where);
}

/* A worker's supervisor knows the rules by number; only a watcher that
 * knows nothing of the pack is told their names. */
int pf_eval_failed_rule(const pf_eval_t *ev)
{
    return ev->failed_rule;
}

void pf_eval_set_beacon(pf_eval_t *ev, pf_beacon_t *beacon)
{
    ev->beacon = beacon;
    pf_rule_stats_free(ev->labels, ev->nlabels);
    ev->labels = NULL;
    ev->nlabels = 0;
}

/* Tells the watcher, if any, what is about to run. */
static void tell_beacon(pf_eval_t *ev, const char *what, const char *name)
{
    if (ev->beacon) snprintf(ev->beacon->what, sizeof ev->beacon->what, "%s%s", what, name);
}

static int host_distance(lua_State *L)
{
    size_t d = pf_edit_distance(luaL_checkstring(L, 1), luaL_checkstring(L, 2));
    lua_pushinteger(L, d == SIZE_MAX ? LUA_MAXINTEGER : (lua_Integer)d);
    return 1;
}

/* host.rule_files() -> { {path = "rules/x.lua", text = ...}, ... }: the
 * pack as read, in load order, for a tool that reads the rules' text
 * (check's scan of comparisons). Rules cannot reach host. [-0, +1, m] */
static int host_rule_files(lua_State *L)
{
    const pf_pack_t *pack = pf_eval_of(L)->pack;
    lua_createtable(L, pack ? (int)pack->count : 0, 0);
    for (size_t i = 0; pack && i < pack->count; i++) {
        lua_createtable(L, 0, 2);
        lua_pushstring(L, pack->files[i].display);
        lua_setfield(L, -2, "path");
        lua_pushlstring(L, pack->files[i].bytes, pack->files[i].len);
        lua_setfield(L, -2, "text");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* host.where(level) -> "file:line" of a caller: [-(0|1), +1, m] */
static int host_where(lua_State *L)
{
    int level = (int)luaL_optinteger(L, 1, 1);
    lua_Debug ar;
    if (!lua_getstack(L, level, &ar) || !lua_getinfo(L, "Sl", &ar) || ar.currentline < 0) {
        lua_pushliteral(L, "?");
        return 1;
    }
    lua_pushfstring(L, "%s:%d", ar.short_src, ar.currentline);
    return 1;
}

/* The output cap in words, for its messages. */
static void output_cap_text(const pf_eval_t *ev, char *out, size_t outsz)
{
    size_t cap = ev->cfg.limits.output_bytes;
    if (cap && cap % (1u << 20) == 0)
        snprintf(out, outsz, "%zu MiB", cap >> 20);
    else
        snprintf(out, outsz, "%zu bytes", cap);
}

/* Over the output cap: the state is "killed" like over any other limit
 * (a rule cannot catch it), and the error raised. [-0, +0, v] */
static int over_output(lua_State *L)
{
    pf_eval_t *ev = pf_eval_of(L);
    char cap[64];
    output_cap_text(ev, cap, sizeof cap);
    if (!ev->killed[0])
        snprintf(ev->killed, sizeof ev->killed,
                 "went over the output limit of %s of report rows for one intake", cap);
    return luaL_error(L, "%s", ev->killed);
}

/* host.over_output(bytes): the prelude's count of the report text rules
 * made went over the cap, while the rule that made it runs. [-1, +0, v] */
static int host_over_output(lua_State *L)
{
    return over_output(L);
}

/* host.clock() -> monotonic seconds: [-0, +1, -] */
static int host_clock(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)pf_limits_now());
    return 1;
}

/* ==================================================================== */
/* Building a state                                                       */
/* ==================================================================== */

typedef struct build_args {
    pf_eval_t *ev;
    pf_errlist_t *errs;
} build_args_t;

static void add_error(pf_errlist_t *errs, const char *kind, const char *msg)
{
    pf_err_t *e = pf_errlist_add(errs);
    snprintf(e->kind, sizeof e->kind, "%s", kind);
    snprintf(e->msg, sizeof e->msg, "%s", msg);
}

/* Appends every string of the list on top to errs, then pops it: [-1, +0, -] */
static size_t collect_errors(lua_State *L, pf_errlist_t *errs, const char *kind)
{
    size_t n = 0;
    if (lua_istable(L, -1)) {
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TSTRING; i++, n++) {
            add_error(errs, kind, lua_tostring(L, -1));
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return n;
}

/* Loads the prelude's chunks in order, each called with (P, M): P the table
 * of what the host calls, M what the chunks share. [-0, +2, e] pushes P, M;
 * 0 (an internal error in errs) when a chunk fails. */
static int load_prelude_chunks(lua_State *L, pf_errlist_t *errs)
{
    lua_newtable(L); /* P */
    lua_newtable(L); /* M */
    for (size_t i = 0; i < pf_prelude_chunk_count; i++) {
        const pf_prelude_chunk_t *c = &pf_prelude_chunks[i];
        int status = luaL_loadbufferx(L, (const char *)c->bytes, c->length, c->name, "t");
        if (status == LUA_OK) {
            lua_pushvalue(L, -3);
            lua_pushvalue(L, -3);
            status = protected_call(L, 2, 0);
        }
        if (status != LUA_OK) {
            char msg[PF_ERR_MSG_MAX];
            error_text(L, status, msg, sizeof msg);
            add_error(errs, "internal", msg);
            return 0;
        }
    }
    return 1;
}

/* Loads the prelude and hands it the policy: [-0, +1, e] pushes P. */
static int load_prelude(lua_State *L, pf_eval_t *ev, pf_errlist_t *errs)
{
    char msg[PF_ERR_MSG_MAX];
    if (!load_prelude_chunks(L, errs)) return 0;
    lua_pop(L, 1); /* M: the chunks keep what they need of it */
    /* P.init(host) -> list of policy problems */
    tell_beacon(ev, "the policy check", "");
    lua_getfield(L, -1, "init");
    lua_createtable(L, 0, 8);
    static const luaL_Reg host_functions[] = {{"where", host_where},
                                              {"emit", host_emit},
                                              {"explain", host_explain},
                                              {"keys", pf_view_keys},
                                              {"pcall", pf_sandbox_pcall},
                                              {"distance", host_distance},
                                              {"mark", host_mark},
                                              {"over_output", host_over_output},
                                              {"rule_files", host_rule_files},
                                              {NULL, NULL}};
    luaL_setfuncs(L, host_functions, 0);
    if (ev->cfg.limits.output_bytes) {
        lua_pushinteger(L, (lua_Integer)ev->cfg.limits.output_bytes);
        lua_setfield(L, -2, "output_limit");
    }
    if (ev->cfg.timings) {
        lua_pushcfunction(L, host_clock);
        lua_setfield(L, -2, "clock");
    }
    if (ev->native) { /* the prelude compiles declarative conditions at the pack's end */
        lua_pushcfunction(L, pf_native_compile);
        lua_setfield(L, -2, "native_compile");
        lua_pushcfunction(L, pf_native_plan);
        lua_setfield(L, -2, "native_plan");
        lua_pushcfunction(L, pf_native_run);
        lua_setfield(L, -2, "native_run");
        lua_pushcfunction(L, pf_native_cursor);
        lua_setfield(L, -2, "native_cursor");
    }
    pf_view_push_value(L, ev->cfg.policy, 1);
    lua_setfield(L, -2, "policy");
    lua_pushstring(L, ev->cfg.policy_path ? ev->cfg.policy_path : "policy");
    lua_setfield(L, -2, "policy_path");
    if (ev->cfg.schema) { /* the questions an intake has: host.schema */
        pf_view_push_value(L, ev->cfg.schema, 0);
        lua_setfield(L, -2, "schema");
    }
    pf_limits_arm(ev);
    int status = protected_call(L, 1, 1);
    pf_limits_disarm(ev);
    if (status != LUA_OK) {
        error_text(L, status, msg, sizeof msg);
        add_error(errs, "policy", msg);
        lua_pop(L, 1);
        return 0;
    }
    return collect_errors(L, errs, "policy") == 0;
}

/* Loads and runs one rule file of the pack in its own env: [-0, +0, e];
 * sandbox at sb. */
static void load_rule_file(lua_State *L, pf_eval_t *ev, int sb, const pf_pack_file_t *f,
                           pf_errlist_t *errs)
{
    char msg[PF_ERR_MSG_MAX];
    const char *display = f->display;
    tell_beacon(ev, "the top level of ", display);
    char chunkname[PF_ERR_FIELD_MAX];
    snprintf(chunkname, sizeof chunkname, "@%s", display);
    /* text only: precompiled bytecode can crash the interpreter */
    int status = luaL_loadbufferx(L, f->bytes, f->len, chunkname, "t");
    if (status == LUA_OK) {
        pf_sandbox_push_rule_env(L, sb);
        lua_setupvalue(L, -2, 1); /* _ENV */
        pf_limits_arm(ev);
        status = protected_call(L, 0, 0);
        pf_limits_disarm(ev);
        if (status == LUA_OK) return;
    }
    error_text(L, status, msg, sizeof msg);
    int limit = ev->killed[0] || status == LUA_ERRMEM;
    if (limit) { /* the limit's own words speak of an intake: say it was the file */
        char *tail = strstr(msg, " for one intake");
        if (tail) *tail = '\0';
        char full[PF_ERR_MSG_MAX];
        snprintf(full, sizeof full,
                 "%.200s: the file's top-level code %.700s while the pack loaded", display, msg);
        add_error(errs, "rules.load", full);
        ev->killed[0] = '\0'; /* said once, of this file: not again by what runs next */
    } else if (status == LUA_ERRSYNTAX && strncmp(msg, display, strlen(display)) != 0) {
        char full[PF_ERR_MSG_MAX];
        snprintf(full, sizeof full, "%.200s: %.800s", display, msg);
        add_error(errs, "rules.syntax", full);
    } else {
        add_error(errs, status == LUA_ERRSYNTAX ? "rules.syntax" : "rules.load", msg);
    }
    lua_pop(L, 1);
}

/* Loads every rule file, then lets the prelude cross-check the pack.
 * [-0, +0, e]; P at index p. */
static int load_rule_pack(lua_State *L, pf_eval_t *ev, int p, pf_errlist_t *errs)
{
    size_t before = errs->count;
    const pf_pack_t *pack = ev->pack;
    pf_sandbox_push(L, p);
    int sb = lua_gettop(L);
    for (size_t i = 0; i < pack->count; i++)
        load_rule_file(L, ev, sb, &pack->files[i], errs);
    lua_pop(L, 1); /* sandbox */
    snprintf(ev->digest, sizeof ev->digest, "%s", pack->digest);
    /* P.finish() -> problems, rule count */
    lua_getfield(L, p, "finish");
    if (protected_call(L, 0, 2) != LUA_OK) {
        char msg[PF_ERR_MSG_MAX];
        error_text(L, LUA_ERRRUN, msg, sizeof msg);
        add_error(errs, "internal", msg);
        lua_pop(L, 1);
        return 0;
    }
    ev->nrules = (size_t)lua_tointeger(L, -1);
    lua_pop(L, 1);
    collect_errors(L, errs, "rules.check");
    return errs->count == before;
}

/* The string field k of the table at the top, copied, or NULL: [-0, +0, e] */
static char *string_field(lua_State *L, const char *k)
{
    char *out = lua_getfield(L, -1, k) == LUA_TSTRING ? pf_xstrdup(lua_tostring(L, -1)) : NULL;
    lua_pop(L, 1);
    return out;
}

/* The contributions report's kinds { kind = text, ... } at the top, as
 * NULL-terminated pairs, sorted by kind (pairs' order is not the same from
 * one state to the next): [-0, +0, e] */
static char **read_kinds(lua_State *L)
{
    size_t n = 0, cap = 8;
    char **kinds = pf_xcalloc(cap + 1, sizeof *kinds);
    for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING) continue;
        if (n + 2 > cap) {
            cap *= 2;
            kinds = pf_xrealloc(kinds, (cap + 1) * sizeof *kinds);
        }
        kinds[n++] = pf_xstrdup(lua_tostring(L, -2));
        kinds[n++] = pf_xstrdup(lua_tostring(L, -1));
    }
    kinds[n] = NULL;
    return kinds;
}

/* What the report description at the top adds (pf_report_extra_t): an
 * explained column { column = name, kind = ..., none = ... } and the
 * contributions' kinds. [-0, +0, e]; 0 (a problem in errs) when the
 * explained column is not one of the report's. */
static int read_report_extra(lua_State *L, pf_eval_t *ev, size_t i, pf_errlist_t *errs)
{
    pf_report_extra_t *x = &ev->report_extra[i];
    if (lua_getfield(L, -1, "contributions") == LUA_TTABLE) x->kinds = read_kinds(L);
    lua_pop(L, 1);
    if (lua_getfield(L, -1, "explains") != LUA_TTABLE) {
        lua_pop(L, 1);
        return 1;
    }
    char *column = string_field(L, "column");
    x->kind = string_field(L, "kind");
    x->none = string_field(L, "none");
    lua_pop(L, 1);
    for (size_t c = 0; column && ev->report_columns[i][c]; c++)
        if (strcmp(ev->report_columns[i][c], column) == 0) x->explained = c + 1;
    free(column);
    if (!x->explained || !x->kind || !x->none) {
        add_error(errs, "internal", "the prelude explains a column a report does not have");
        return 0;
    }
    return 1;
}

/* Reads P.reports into C strings: [-0, +0, e]; P at index p. */
static int read_reports(lua_State *L, pf_eval_t *ev, int p, pf_errlist_t *errs)
{
    lua_getfield(L, p, "reports");
    size_t n = lua_istable(L, -1) ? (size_t)lua_rawlen(L, -1) : 0;
    ev->report_names = pf_xcalloc(n + 1, sizeof *ev->report_names);
    ev->report_extra = pf_xcalloc(n + 1, sizeof *ev->report_extra);
    ev->report_columns = pf_xcalloc(n + 1, sizeof *ev->report_columns);
    ev->nreports = n;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        lua_getfield(L, -1, "name");
        lua_getfield(L, -2, "columns");
        if (!lua_isstring(L, -2) || !lua_istable(L, -1)) {
            add_error(errs, "internal", "the prelude describes a report without name or columns");
            lua_pop(L, 4);
            return 0;
        }
        ev->report_names[i] = pf_xstrdup(lua_tostring(L, -2));
        size_t nc = (size_t)lua_rawlen(L, -1);
        ev->report_columns[i] = pf_xcalloc(nc + 1, sizeof(char *));
        for (size_t c = 0; c < nc; c++) {
            lua_rawgeti(L, -1, (lua_Integer)c + 1);
            ev->report_columns[i][c] = pf_xstrdup(lua_isstring(L, -1) ? lua_tostring(L, -1) : "?");
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
        if (!read_report_extra(L, ev, i, errs)) {
            lua_pop(L, 2);
            return 0;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return 1;
}

static void free_reports(pf_eval_t *ev)
{
    for (size_t i = 0; i < ev->nreports; i++) {
        free(ev->report_names[i]);
        for (size_t c = 0; ev->report_columns[i] && ev->report_columns[i][c]; c++)
            free(ev->report_columns[i][c]);
        free(ev->report_columns[i]);
    }
    for (size_t i = 0; ev->report_extra && i < ev->nreports; i++) {
        pf_report_extra_t *x = &ev->report_extra[i];
        free(x->kind);
        free(x->none);
        for (size_t k = 0; x->kinds && x->kinds[k]; k++)
            free(x->kinds[k]);
        free(x->kinds);
    }
    free(ev->report_extra);
    ev->report_extra = NULL;
    free(ev->report_names);
    free(ev->report_columns);
    ev->report_names = NULL;
    ev->report_columns = NULL;
    ev->nreports = 0;
}

/* Freezes the pack's state (pf_view): P at 1, where the snapshot's
 * reference goes at 2. [-2, +0, e] */
static int freeze_protected(lua_State *L)
{
    int *ref = lua_touserdata(L, 2);
    *ref = pf_view_freeze_rules(L, 1);
    return 0;
}

/* The whole start-up, run under lua_pcall (the lua.c pmain pattern) so an
 * allocation failure anywhere becomes an error, not an abort. [-1, +0, e] */
static int build_protected(lua_State *L)
{
    build_args_t *a = lua_touserdata(L, 1);
    pf_eval_t *ev = a->ev;
    pf_sandbox_open_libs(L);
    if (!load_prelude(L, ev, a->errs)) return 0;
    int p = lua_gettop(L);
    lua_pushvalue(L, p);
    ev->ref_prelude = luaL_ref(L, LUA_REGISTRYINDEX);
    if (!load_rule_pack(L, ev, p, a->errs)) return 0;
    /* freezing refuses state it cannot put back (a gmatch iterator made at
     * load): that is the pack's problem, said as one, not an internal error */
    lua_pushcfunction(L, freeze_protected);
    lua_pushvalue(L, p);
    lua_pushlightuserdata(L, &ev->ref_upvalues);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        add_error(a->errs, "rules.load", lua_isstring(L, -1) ? lua_tostring(L, -1) : "?");
        lua_pop(L, 1);
        return 0;
    }
    if (ev->nreports == 0 && !read_reports(L, ev, p, a->errs)) return 0;
    lua_pushboolean(L, 1);
    return 1;
}

static void close_state(pf_eval_t *ev)
{
    if (!ev->L) return;
    pf_limits_disarm(ev);
    lua_gc(ev->L, LUA_GCCOLLECT); /* settle finalisers before closing */
    lua_close(ev->L);
    ev->L = NULL;
    pf_slab_delete(&ev->slab); /* every block of the state at once */
}

static int build_state(pf_eval_t *ev, pf_errlist_t *errs)
{
    size_t before = errs->count;
    ev->mem_live = 0;
    pf_slab_init(&ev->slab);
    ev->L = lua_newstate(pf_limits_alloc, ev);
    if (!ev->L) {
        pf_slab_delete(&ev->slab);
        add_error(errs, "internal", "cannot create a Lua state (out of memory)");
        return 0;
    }
    *(pf_eval_t **)lua_getextraspace(ev->L) = ev;
    lua_gc(ev->L, LUA_GCGEN, 0, 0); /* per-intake garbage is short-lived */
    build_args_t args = {ev, errs};
    lua_State *L = ev->L;
    lua_pushcfunction(L, build_protected);
    lua_pushlightuserdata(L, &args);
    int status = protected_call(L, 1, 1);
    int ok = status == LUA_OK && lua_toboolean(L, -1) && errs->count == before;
    if (status != LUA_OK) {
        char msg[PF_ERR_MSG_MAX];
        error_text(L, status, msg, sizeof msg);
        add_error(errs, "internal", msg);
    }
    lua_settop(L, 0);
    return ok;
}

pf_eval_t *pf_eval_new(const pf_eval_config_t *cfg, pf_errlist_t *errs)
{
    pf_eval_t *ev = pf_xcalloc(1, sizeof *ev);
    ev->cfg = *cfg;
    ev->beacon = cfg->limits.beacon;
    pf_watch_init(&ev->watch);
    ev->ref_prelude = LUA_NOREF;
    ev->ref_upvalues = LUA_NOREF;
    ev->pack = cfg->pack;
    ev->why = pf_why_new();
    /* the rule path, read once per evaluator: unset or native, declarative
     * conditions are evaluated in C (pf_native.h); PF_RULE_PATH=lua runs
     * every condition as compiled Lua, the path to compare it with */
    const char *path = getenv("PF_RULE_PATH");
    ev->native = !(path && strcmp(path, "lua") == 0);
    if (!ev->pack) ev->pack = ev->own_pack = pf_pack_read(cfg->rules_dir, errs);
    if (!ev->pack || !build_state(ev, errs)) {
        pf_eval_delete(ev);
        return NULL;
    }
    if (ev->beacon) ev->nlabels = pf_eval_rule_stats(ev, &ev->labels);
    return ev;
}

void pf_eval_delete(pf_eval_t *ev)
{
    if (!ev) return;
    close_state(ev);
    pf_watch_delete(&ev->watch);
    free_reports(ev);
    pf_rule_stats_free(ev->carry, ev->ncarry);
    pf_rule_stats_free(ev->labels, ev->nlabels);
    pf_pack_delete(ev->own_pack);
    cell_cache_free(ev->cells);
    pf_why_delete(ev->why);
    free(ev);
}

size_t pf_eval_report_count(const pf_eval_t *ev)
{
    return ev->nreports;
}

const char *pf_eval_report_name(const pf_eval_t *ev, size_t i)
{
    return i < ev->nreports ? ev->report_names[i] : NULL;
}

const char *const *pf_eval_report_columns(const pf_eval_t *ev, size_t i)
{
    return i < ev->nreports ? (const char *const *)ev->report_columns[i] : NULL;
}

const char *pf_eval_rules_digest(const pf_eval_t *ev)
{
    return ev->digest;
}

size_t pf_eval_rule_count(const pf_eval_t *ev)
{
    return ev->nrules;
}

/* ==================================================================== */
/* Evaluating one intake                                                  */
/* ==================================================================== */

typedef struct run_args {
    pf_eval_t *ev;
    const pf_value_t *intake;
    const char *source;
    pf_buf_t *out;
    size_t *rows;
    pf_hits_t *hits;
    const pf_csv_style_t *style;
    size_t *marks; /* out[r].len before this intake */
} run_args_t;

/* ---- encoded report cells, kept by the string they came from ---------- */

/* Most text cells are the same Lua string intake after intake (a rule's
 * reason, an option's id and name, a level's label): its checked, escaped
 * and quoted bytes are kept and appended again instead of being made anew
 * (short cells too: found, one costs about a third of making it). A slot
 * is keyed by the string's address and length, and a hit is confirmed by
 * comparing the bytes, so an address the collector gave to another string
 * never returns the wrong text. A string is kept only when its slot saw
 * that address just before: one made fresh for each intake costs no copy. */
#define CELL_CACHE_SLOTS 1024
#define CELL_CACHE_MIN 1 /* bytes: an empty cell is made faster than found */
#define CELL_CACHE_MAX                                                                             \
    2048 /* bytes: a longer one is rare and not kept (at most                                      \
          * about 6 MB held, whatever the rules write) */

typedef struct pf_cell_slot {
    const void *seen; /* the address last seen in this slot (never read through) */
    const void *key;  /* the address kept, with its length, raw bytes and cell */
    size_t len;
    char *raw, *enc;
    size_t enc_len;
    const pf_csv_style_t *style;
} pf_cell_slot_t;

struct pf_cell_cache {
    pf_cell_slot_t slot[CELL_CACHE_SLOTS];
};

static void cell_cache_free(struct pf_cell_cache *c)
{
    for (size_t i = 0; c && i < CELL_CACHE_SLOTS; i++) {
        free(c->slot[i].raw);
        free(c->slot[i].enc);
    }
    free(c);
}

static void cached_text_cell(pf_eval_t *ev, pf_buf_t *b, size_t *cells, const char *s, size_t len,
                             const pf_csv_style_t *style)
{
    if (len < CELL_CACHE_MIN || len > CELL_CACHE_MAX) {
        pf_csv_cell_shown(b, cells, s, len, style);
        return;
    }
    if (!ev->cells) ev->cells = pf_xcalloc(1, sizeof *ev->cells);
    pf_cell_slot_t *c = &ev->cells->slot[((uintptr_t)s >> 4) % CELL_CACHE_SLOTS];
    if (c->key == s && c->len == len && c->style == style && memcmp(c->raw, s, len) == 0) {
        pf_csv_cell_encoded(b, cells, c->enc, c->enc_len, style);
        return;
    }
    size_t before = b->len, delim = *cells > 0;
    pf_csv_cell_shown(b, cells, s, len, style);
    if (c->seen != s) {
        c->seen = s;
        return;
    }
    free(c->raw);
    free(c->enc);
    c->key = s;
    c->len = len;
    c->style = style;
    c->raw = pf_xmalloc(len);
    memcpy(c->raw, s, len);
    c->enc_len = b->len - before - delim;
    c->enc = pf_xmalloc(c->enc_len ? c->enc_len : 1);
    memcpy(c->enc, b->data + before + delim, c->enc_len);
}

/* Writes the values at stack indices first..last as one CSV row of a
 * report described by x; its explained column holds a key, whose
 * contributions the cell joins (pf_why.h). [-0, +0, e] */
static void write_cells(pf_eval_t *ev, lua_State *L, int first, int last, pf_buf_t *b,
                        const pf_csv_style_t *style, const pf_report_extra_t *x)
{
    size_t cells = 0, len;
    for (int i = first; i <= last; i++) {
        if (x->explained && (size_t)(i - first) + 1 == x->explained) {
            if (lua_type(L, i) != LUA_TSTRING)
                luaL_error(L, "internal: the key of an explained cell is a %s",
                           luaL_typename(L, i));
            const char *key = lua_tolstring(L, i, &len);
            pf_why_cell(ev->why, x->kind, key, len, x->none, b, &cells, style);
            continue;
        }
        switch (lua_type(L, i)) {
        case LUA_TSTRING: {
            /* rules write text: shown escaped when it is not clean UTF-8 */
            const char *s = lua_tolstring(L, i, &len);
            cached_text_cell(ev, b, &cells, s, len, style);
            break;
        }
        case LUA_TNUMBER:
            if (lua_isinteger(L, i))
                pf_csv_cell_int(b, &cells, (long long)lua_tointeger(L, i), style);
            else
                pf_csv_cell_num(b, &cells, (double)lua_tonumber(L, i), style);
            break;
        case LUA_TBOOLEAN:
            pf_csv_cell_text(b, &cells, lua_toboolean(L, i) ? "yes" : "no",
                             lua_toboolean(L, i) ? 3 : 2, style);
            break;
        case LUA_TNIL:
            pf_csv_cell_text(b, &cells, "", 0, style);
            break;
        default:
            luaL_error(L, "internal: a report cell is a %s", luaL_typename(L, i));
        }
    }
    pf_csv_end_row(b, &cells, style);
}

/* The rows are held in C memory, outside the state's cap: capped here,
 * after each write. [-0, +0, v] */
static int check_output(lua_State *L, pf_eval_t *ev, const run_args_t *a)
{
    size_t written = 0;
    for (size_t i = 0; i < ev->nreports; i++)
        written += a->out[i].len - a->marks[i];
    if (ev->cfg.limits.output_bytes && written > ev->cfg.limits.output_bytes) return over_output(L);
    return 0;
}

/* host.emit(report, cell, ...): the prelude hands each report row straight
 * to CSV, with no Lua table per row. [-(n+1), +0, e] */
static int host_emit(lua_State *L)
{
    pf_eval_t *ev = pf_eval_of(L);
    run_args_t *a = ev->run;
    if (!a) return luaL_error(L, "internal: host.emit outside an evaluation");
    lua_Integer r = luaL_checkinteger(L, 1);
    if (r < 1 || (size_t)r > ev->nreports)
        return luaL_error(L, "internal: host.emit to report %d of %d", (int)r, (int)ev->nreports);
    size_t ncols = 0;
    while (ev->report_columns[r - 1][ncols])
        ncols++;
    int n = lua_gettop(L) - 1;
    if ((size_t)n != ncols)
        return luaL_error(L, "internal: a report row has %d cells, expected %d", n, (int)ncols);
    write_cells(ev, L, 2, n + 1, &a->out[r - 1], a->style, &ev->report_extra[r - 1]);
    if (a->rows) a->rows[r - 1]++;
    return check_output(L, ev, a);
}

/* host.explain(contributions, id): takes the evaluation's flat list of
 * contributions (pf_why.h) for the explained cells of the rows to come,
 * and writes the contributions report's rows (one per contribution, the
 * intake's id first). [-2, +0, e] */
static int host_explain(lua_State *L)
{
    pf_eval_t *ev = pf_eval_of(L);
    run_args_t *a = ev->run;
    if (!a) return luaL_error(L, "internal: host.explain outside an evaluation");
    size_t idlen;
    const char *id = luaL_checklstring(L, 2, &idlen);
    char err[160];
    if (!pf_why_read(ev->why, L, 1, err, sizeof err)) return luaL_error(L, "internal: %s", err);
    for (size_t r = 0; r < ev->nreports; r++) {
        pf_report_extra_t *x = &ev->report_extra[r];
        if (!x->kinds) continue;
        size_t rows =
            pf_why_write_rows(ev->why, id, idlen, (pf_why_kinds_t)x->kinds, &a->out[r], a->style);
        if (a->rows) a->rows[r] += rows;
    }
    return check_output(L, ev, a);
}

/* Calls P.evaluate(intake, source), which writes its rows through
 * host.emit, and collects what it returns: {rule index, points moved, ...}
 * of the rules that fired. [-1, +0, e] */
static int run_protected(lua_State *L)
{
    run_args_t *a = lua_touserdata(L, 1);
    pf_view_restore_rules(L, a->ev->ref_upvalues);
    pf_why_reset(a->ev->why, L); /* no cell of this intake from the last one's list */
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->ev->ref_prelude);
    lua_getfield(L, -1, "evaluate");
    pf_view_push_intake(L, a->intake); /* the last intake's views, nothing of it in use */
    lua_pushstring(L, a->source);
    a->ev->run = a;
    lua_call(L, 2, 1);
    a->ev->run = NULL;
    pf_why_reset(a->ev->why, L);
    luaL_checktype(L, -1, LUA_TTABLE);
    if (!a->hits) return 0;
    for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TNUMBER; i += 2) {
        size_t rule = (size_t)lua_tointeger(L, -1);
        lua_rawgeti(L, -2, i + 1);
        pf_hits_push(a->hits, rule, (double)lua_tonumber(L, -1));
        lua_pop(L, 2);
    }
    return 0;
}

/* After a failed evaluation: which rule's code was running, as "id
 * (file:line)" in rule, or, when none was, the part of the evaluation the
 * prelude was in, in step ("" when not even that is known). The state may
 * be at its memory cap, so the cap is lifted for the call: a memory error
 * here would lose the rule's name. [-0, +0, -] */
static void failed_rule(lua_State *L, pf_eval_t *ev, char *rule, size_t rulesz, char *step,
                        size_t stepsz)
{
    rule[0] = step[0] = '\0';
    ev->uncapped = 1;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ev->ref_prelude);
    lua_getfield(L, -1, "running_rule");
    if (protected_call(L, 0, 2) == LUA_OK) {
        if (lua_type(L, -2) == LUA_TSTRING) snprintf(rule, rulesz, "%s", lua_tostring(L, -2));
        if (lua_type(L, -1) == LUA_TSTRING) snprintf(step, stepsz, "%s", lua_tostring(L, -1));
        lua_pop(L, 2);
    } else {
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    ev->uncapped = 0;
}

/* ==================================================================== */
/* Rule statistics                                                         */
/* ==================================================================== */

void pf_rule_stats_free(pf_rule_stat_t *stats, size_t n)
{
    for (size_t i = 0; stats && i < n; i++) {
        free(stats[i].id);
        free(stats[i].stage);
        free(stats[i].where);
    }
    free(stats);
}

static char *field_string(lua_State *L, int t, lua_Integer i)
{
    lua_rawgeti(L, t, i);
    char *s = pf_xstrdup(lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
    lua_pop(L, 1);
    return s;
}

static double field_number(lua_State *L, int t, lua_Integer i)
{
    lua_rawgeti(L, t, i);
    double d = lua_isnumber(L, -1) ? (double)lua_tonumber(L, -1) : 0;
    lua_pop(L, 1);
    return d;
}

/* Reads P.rule_stats() rows into stats: [-0, +0, e] (runs protected). */
static int stats_protected(lua_State *L)
{
    pf_eval_t *ev = lua_touserdata(L, 1);
    pf_rule_stat_t **out = lua_touserdata(L, 2);
    size_t *n = lua_touserdata(L, 3);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ev->ref_prelude);
    lua_getfield(L, -1, "rule_stats");
    lua_call(L, 0, 1);
    size_t count = (size_t)lua_rawlen(L, -1);
    *out = pf_xcalloc(count ? count : 1, sizeof **out);
    for (size_t i = 0; i < count; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        int row = lua_gettop(L);
        pf_rule_stat_t *st = &(*out)[i];
        st->id = field_string(L, row, 1);
        st->stage = field_string(L, row, 2);
        st->where = field_string(L, row, 3);
        st->seconds = field_number(L, row, 4);
        *n = i + 1;
        lua_pop(L, 1);
    }
    return 0;
}

size_t pf_eval_rule_stats(pf_eval_t *ev, pf_rule_stat_t **out)
{
    *out = NULL;
    size_t n = 0;
    if (ev->L) {
        lua_pushcfunction(ev->L, stats_protected);
        lua_pushlightuserdata(ev->L, ev);
        lua_pushlightuserdata(ev->L, out);
        lua_pushlightuserdata(ev->L, &n);
        if (protected_call(ev->L, 3, 0) != LUA_OK) lua_pop(ev->L, 1);
    }
    if (!*out && ev->carry) { /* the state is gone: the carry is all there is */
        *out = pf_xcalloc(ev->ncarry, sizeof **out);
        for (size_t i = 0; i < ev->ncarry; i++) {
            (*out)[i] = ev->carry[i];
            (*out)[i].id = pf_xstrdup(ev->carry[i].id);
            (*out)[i].stage = pf_xstrdup(ev->carry[i].stage);
            (*out)[i].where = pf_xstrdup(ev->carry[i].where);
        }
        return ev->ncarry;
    }
    for (size_t i = 0; i < n && i < ev->ncarry; i++) /* same pack, same order */
        (*out)[i].seconds += ev->carry[i].seconds;
    return n;
}

/* A state that went over a limit is rebuilt from scratch (S13): whatever
 * the rule left half-done must not reach the next intake. */
static void rebuild(pf_eval_t *ev)
{
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    pf_rule_stat_t *now = NULL;
    size_t n = pf_eval_rule_stats(ev, &now); /* includes the carry so far */
    pf_rule_stats_free(ev->carry, ev->ncarry);
    ev->carry = now;
    ev->ncarry = n;
    close_state(ev);
    if (!build_state(ev, &errs)) { /* next runs report it, with the first problem */
        close_state(ev);
        snprintf(ev->rebuild_error, sizeof ev->rebuild_error, "%s",
                 errs.count ? errs.items[0].msg : "no problem was recorded");
    }
    pf_errlist_delete(&errs);
}

/* After a failed protected call (error object on top): fills err with the
 * failing rule and the message, and rebuilds the state after a limit.
 * Returns 0. [-1, +0, -] */
static int fail_evaluation(pf_eval_t *ev, int status, pf_err_t *err)
{
    lua_State *L = ev->L;
    int limit = ev->killed[0] || status == LUA_ERRMEM;
    char msg[PF_ERR_MSG_MAX], rule[256], step[128];
    error_text(L, status, msg, sizeof msg);
    lua_pop(L, 1);
    failed_rule(L, ev, rule, sizeof rule, step, sizeof step);
    const char *kind = limit ? "rule.limit" : "rule.error";
    /* before a rebuild, whose loading starts the beacon afresh */
    ev->failed_rule = ev->beacon ? atomic_load(&ev->beacon->rule) : 0;
    if (rule[0]) {
        pf_err_set(err, kind, 0, 0, "", "rule %s failed: %.900s", rule, msg);
        /* "id (file:line)": the id alone, for rejects.csv's rule_id */
        const char *paren = strstr(rule, " (");
        snprintf(err->rule, sizeof err->rule, "%.*s",
                 (int)(paren ? (size_t)(paren - rule) : strlen(rule)), rule);
    } else if (step[0])
        pf_err_set(err, kind, 0, 0, "", "no rule was running (the prelude, in %s): %.850s", step,
                   msg);
    else
        pf_err_set(err, kind, 0, 0, "", "no rule was running: %s", msg);
    if (limit) rebuild(ev);
    return 0;
}

/* After a failed rebuild (ev->L NULL): the intake cannot be evaluated. */
static int restart_failed(const pf_eval_t *ev, pf_err_t *err)
{
    pf_err_set(err, "internal", 0, 0, "", "the rule evaluator could not be restarted: %.900s",
               ev->rebuild_error);
    return 0;
}

int pf_eval_run(pf_eval_t *ev, const pf_value_t *intake, const char *source, pf_buf_t *out,
                size_t *rows, pf_hits_t *hits, const pf_csv_style_t *style, pf_err_t *err)
{
    if (!ev->L) return restart_failed(ev, err);
    size_t *marks = pf_xmalloc((ev->nreports + 1) * sizeof *marks);
    for (size_t r = 0; r < ev->nreports; r++) {
        marks[r] = out[r].len;
        if (rows) rows[r] = 0;
    }
    lua_State *L = ev->L;
    size_t hits_mark = hits ? hits->count : 0;
    run_args_t args = {ev, intake, source, out, rows, hits, style, marks};
    lua_pushcfunction(L, run_protected);
    lua_pushlightuserdata(L, &args);
    pf_limits_arm(ev);
    int status = protected_call(L, 1, 0);
    pf_limits_disarm(ev);
    ev->run = NULL; /* also when the evaluation stopped half-way */
    if (status == LUA_OK) {
        free(marks);
        /* Freed small blocks stay in the slab's chunks, outside the cap (it
         * counts live bytes). A state whose chunks outgrew twice the cap is
         * built again, so what one intake churned through is not kept for
         * the run; the results are the same either way. */
        if (ev->slab.chunk_bytes / 2 > ev->cfg.limits.mem_bytes) rebuild(ev);
        return 1;
    }
    for (size_t r = 0; r < ev->nreports; r++) {
        out[r].len = marks[r];
        if (out[r].data) out[r].data[marks[r]] = '\0';
        if (rows) rows[r] = 0;
    }
    if (hits) hits->count = hits_mark;
    free(marks);
    return fail_evaluation(ev, status, err);
}

/* ==================================================================== */
/* Analyst tools                                                          */
/* ==================================================================== */

typedef struct tool_args {
    pf_eval_t *ev;
    const char *tool;
    const pf_value_t *intake, *arg;
    const char *source;
    int *verdict;
    pf_buf_t *out;         /* the tool's text, or */
    pf_eval_reader_t read; /* the reader of the value it returns */
    void *ud;
} tool_args_t;

/* Calls P.<tool>(intake, source, arg) -> verdict, text (or a value for
 * a->read): [-1, +0, e] */
static int tool_protected(lua_State *L)
{
    tool_args_t *a = lua_touserdata(L, 1);
    pf_view_restore_rules(L, a->ev->ref_upvalues);
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->ev->ref_prelude);
    if (lua_getfield(L, -1, a->tool) != LUA_TFUNCTION)
        return luaL_error(L, "internal: the prelude has no tool '%s'", a->tool);
    if (a->intake)
        pf_view_push_value(L, a->intake, 0);
    else
        lua_pushnil(L);
    lua_pushstring(L, a->source ? a->source : "");
    if (a->arg)
        pf_view_push_value(L, a->arg, 0);
    else
        lua_pushnil(L);
    lua_call(L, 3, 2);
    *a->verdict = lua_toboolean(L, -2);
    if (a->read) {
        a->read(L, a->ud);
        return 0;
    }
    size_t len = 0;
    const char *text = lua_tolstring(L, -1, &len);
    if (text)
        pf_text_escape(a->out, text, len, 1); /* rule text: no NUL or ESC reaches a terminal */
    return 0;
}

/* Runs a tool under the evaluation's limits: [-0, +0, -]; 1, or 0 and err. */
static int run_tool(pf_eval_t *ev, tool_args_t *args, pf_err_t *err)
{
    if (!ev->L) return restart_failed(ev, err);
    *args->verdict = 0;
    lua_State *L = ev->L;
    lua_pushcfunction(L, tool_protected);
    lua_pushlightuserdata(L, args);
    pf_limits_arm(ev);
    int status = protected_call(L, 1, 0);
    pf_limits_disarm(ev);
    if (status == LUA_OK) return 1;
    return fail_evaluation(ev, status, err);
}

int pf_eval_tool(pf_eval_t *ev, const char *tool, const pf_value_t *intake, const char *source,
                 const pf_value_t *arg, int *verdict, pf_buf_t *out, pf_err_t *err)
{
    tool_args_t args = {ev, tool, intake, arg, source, verdict, out, NULL, NULL};
    return run_tool(ev, &args, err);
}

int pf_eval_tool_read(pf_eval_t *ev, const char *tool, const pf_value_t *intake, const char *source,
                      pf_eval_reader_t read, void *ud, pf_err_t *err)
{
    int verdict;
    tool_args_t args = {ev, tool, intake, NULL, source, &verdict, NULL, read, ud};
    return run_tool(ev, &args, err);
}

typedef struct feed_args {
    pf_eval_t *ev;
    const char *fn;
    const char *const *cells;
    const size_t *lens;
    size_t n;
} feed_args_t;

/* Calls P.<fn>(cell, ...) with the row's cells as strings: [-1, +0, e] */
static int feed_protected(lua_State *L)
{
    feed_args_t *a = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->ev->ref_prelude);
    if (lua_getfield(L, -1, a->fn) != LUA_TFUNCTION)
        return luaL_error(L, "internal: the prelude has no function '%s'", a->fn);
    luaL_checkstack(L, (int)a->n + 2, "a report row");
    for (size_t i = 0; i < a->n; i++)
        lua_pushlstring(L, a->cells[i], a->lens[i]);
    lua_call(L, (int)a->n, 0);
    return 0;
}

int pf_eval_feed(pf_eval_t *ev, const char *fn, const char *const *cells, const size_t *lens,
                 size_t n, pf_err_t *err)
{
    if (!ev->L) return restart_failed(ev, err);
    feed_args_t args = {ev, fn, cells, lens, n};
    lua_State *L = ev->L;
    lua_pushcfunction(L, feed_protected);
    lua_pushlightuserdata(L, &args);
    pf_limits_arm(ev);
    int status = protected_call(L, 1, 0);
    pf_limits_disarm(ev);
    if (status == LUA_OK) return 1;
    return fail_evaluation(ev, status, err);
}
