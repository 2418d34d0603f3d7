/*
 * pf_diff.c - `partnerfit diff`: the same intakes ranked by a base pack and
 * a candidate, diff.csv of what changed (rank, score to the cent,
 * shortlist) and a summary with the biggest movers. The ranking comes from
 * the prelude's ranking tool as data (read with the Lua API); what counts
 * as "entered the shortlist" or "moved up" is decided here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>

#include "pf_config.h"
#include "pf_exit.h"
#include "pf_gitrev.h"
#include "pf_out.h"
#include "pf_scan.h"
#include "pf_tools.h"
#include "pf_tools_int.h"

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
    pf_session_t base, cand;
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
static void rank_with(pf_session_t *s, const char *path, ranking_t *r)
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
    pf_csv_style_t style = {0, 0, ',', 1};
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
    if (o->base_rev)
        fprintf(out, "partnerfit diff: baseline %s + %s at %s, candidate %s + %s\n", o->rules_dir,
                o->policy_path, o->base_rev, o->rules_dir, o->policy_path);
    else
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

static int diff_against(const pf_tools_options_t *o, const char *base_rules,
                        const char *base_policy, FILE *out, FILE *log);

int pf_cmd_diff(const pf_tools_options_t *o, FILE *out, FILE *log)
{
    if (!o->base_rules_dir && !o->base_policy_path && !o->base_rev) {
        fprintf(log, "partnerfit: diff needs a baseline: --base-rules DIR and/or --base-policy "
                     "FILE, or --base-rev REV\n");
        return PF_EXIT_CONFIG;
    }
    if (o->base_rev && (o->base_rules_dir || o->base_policy_path)) {
        fprintf(log, "partnerfit: --base-rev takes the baseline's rules and policy from git; "
                     "leave out --base-rules and --base-policy\n");
        return PF_EXIT_CONFIG;
    }
    pf_gitrev_t rev;
    pf_gitrev_init(&rev);
    if (o->base_rev && !pf_gitrev_take(&rev, o->base_rev, o->rules_dir, o->policy_path, log)) {
        pf_gitrev_delete(&rev);
        return PF_EXIT_CONFIG;
    }
    int code = diff_against(o, rev.rules_dir, rev.policy_path, out, log);
    pf_gitrev_delete(&rev);
    return code;
}

/* The diff proper: base_rules and base_policy (NULL: o's) against o's. */
static int diff_against(const pf_tools_options_t *o, const char *base_rules,
                        const char *base_policy, FILE *out, FILE *log)
{
    pf_tools_options_t opt = *o;
    if (base_rules) opt.base_rules_dir = base_rules;
    if (base_policy) opt.base_policy_path = base_policy;
    if (!opt.base_rules_dir) opt.base_rules_dir = o->rules_dir;
    if (!opt.base_policy_path) opt.base_policy_path = o->policy_path;
    if (!opt.out) opt.out = "reports";
    diff_run_t *d = pf_xcalloc(1, sizeof *d);
    pf_buf_init(&d->row);
    int code = PF_EXIT_CONFIG;
    pf_err_t err;
    pf_scan_t scan;
    pf_scan_init(&scan);
    int loaded =
        pf_session_open(&d->base, opt.base_rules_dir, opt.base_policy_path, &o->limits, log);
    loaded = pf_session_open(&d->cand, opt.rules_dir, opt.policy_path, &o->limits, log) && loaded;
    if (!loaded) goto done;
    code = PF_EXIT_IO;
    if (!pf_out_mkdirs(opt.out, &err) || !pf_out_open(&d->csv, opt.out, "diff.csv", &err)) {
        pf_log_error(log, NULL, &err);
        goto done;
    }
    pf_csv_header(&d->row, DIFF_COLUMNS, &(pf_csv_style_t){0, 0, ',', 1});
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
    pf_session_close(&d->base);
    pf_session_close(&d->cand);
    pf_buf_delete(&d->row);
    free(d);
    return code;
}
