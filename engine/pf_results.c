/*
 * pf_results.c - the output folder's files: written through pf_out with
 * digests and counts, committed with the manifest last.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pf_config.h"
#include "pf_results.h"

static const char *const REJECT_COLUMNS[] = {"file", "line",   "column",  "field",
                                             "kind", "reason", "rule_id", NULL};
static const char *const HITS_COLUMNS[PF_HITS_NCOLS + 1] = {[PF_HITS_RULE_ID] = "rule_id",
                                                            [PF_HITS_STAGE] = "stage",
                                                            [PF_HITS_WHERE] = "where",
                                                            [PF_HITS_INTAKES] = "intakes",
                                                            [PF_HITS_FIRED] = "fired",
                                                            [PF_HITS_FIRED_PCT] = "fired_pct",
                                                            [PF_HITS_POINTS_MOVED] = "points_moved",
                                                            [PF_HITS_TIME_MS] = "time_ms",
                                                            [PF_HITS_STATUS] = "status",
                                                            [PF_HITS_NCOLS] = NULL};

void pf_results_init(pf_results_t *r, const char *out_dir, const pf_csv_style_t *style, FILE *log)
{
    memset(r, 0, sizeof *r);
    r->out_dir = out_dir;
    r->style = style;
    r->log = log;
    pf_buf_init(&r->line);
    pf_buf_init(&r->cell);
}

void pf_results_delete(pf_results_t *r)
{
    for (size_t i = 0; i < r->nfiles; i++)
        if (r->files[i].opened) pf_out_abort(&r->files[i].out);
    pf_buf_delete(&r->line);
    pf_buf_delete(&r->cell);
    free(r->rule_fired);
    free(r->rule_moved);
    memset(r, 0, sizeof *r);
}

void pf_results_write(pf_results_t *r, size_t file, const char *p, size_t n, size_t rows)
{
    pf_result_file_t *f = &r->files[file];
    f->rows += rows;
    if (!n) return;
    if (!pf_out_write(&f->out, p, n) && !r->io_failed) {
        r->io_failed = 1; /* say it once; the run stops and keeps the old reports */
        fprintf(r->log, "partnerfit: cannot write %s in %s: %s; previous reports kept\n", f->name,
                r->out_dir, strerror(f->out.write_errno ? f->out.write_errno : EIO));
    }
    pf_sha256_update(&f->sha, p, n);
    f->bytes += n;
}

/* Opens the next file, name, and writes its header (none when cols is
 * NULL); its index in *at. */
static int open_file(pf_results_t *r, const char *name, const char *const *cols, int listed,
                     size_t *at)
{
    pf_err_t err;
    if (r->nfiles >= sizeof r->files / sizeof r->files[0]) {
        fprintf(r->log, "partnerfit: internal error: too many result files\n");
        return 0;
    }
    pf_result_file_t *f = &r->files[r->nfiles];
    *at = r->nfiles++;
    f->name = name;
    f->listed = listed;
    pf_sha256_init(&f->sha);
    if (!pf_out_open(&f->out, r->out_dir, name, &err)) {
        pf_log_error(r->log, NULL, &err);
        return 0;
    }
    f->opened = 1;
    if (!cols) return 1;
    pf_buf_reset(&r->line);
    pf_csv_begin_file(&r->line, r->style);
    pf_csv_header(&r->line, cols, r->style);
    pf_results_write(r, *at, r->line.data, r->line.len, 0);
    return 1;
}

int pf_results_open(pf_results_t *r, const pf_eval_t *ev, int shard_index, const char *state_digest)
{
    size_t n = pf_eval_report_count(ev), at;
    if (n > PF_RESULTS_MAX_REPORTS) {
        fprintf(r->log, "partnerfit: internal error: the prelude describes more than %d reports\n",
                PF_RESULTS_MAX_REPORTS);
        return 0;
    }
    r->nrules = pf_eval_rule_count(ev);
    r->rule_fired = pf_xcalloc(r->nrules + 1, sizeof *r->rule_fired);
    r->rule_moved = pf_xcalloc(r->nrules + 1, sizeof *r->rule_moved);
    r->nreports = n;
    for (size_t i = 0; i < n; i++)
        if (!open_file(r, pf_eval_report_name(ev, i), pf_eval_report_columns(ev, i), 1, &at))
            return 0;
    if (!open_file(r, PF_REJECTS_NAME, REJECT_COLUMNS, 1, &r->rejects) ||
        !open_file(r, PF_HITS_NAME, HITS_COLUMNS, 1, &r->hits))
        return 0;
    pf_ledger_kind_t shard = PF_LEDGER_SHARD_INDEX, state = PF_LEDGER_STATE;
    if (shard_index &&
        !open_file(r, pf_ledger_file(shard), pf_ledger_header(shard), 1, &r->ledger[shard]))
        return 0;
    if (!state_digest) return 1;
    if (!open_file(r, pf_ledger_file(state), pf_ledger_header(state), 0, &r->ledger[state]))
        return 0;
    pf_buf_reset(&r->line);
    pf_ledger_write_config(state_digest, r->style, &r->line);
    pf_results_write(r, r->ledger[state], r->line.data, r->line.len, 0);
    return 1;
}

int pf_results_add_file(pf_results_t *r, const char *name, const char *const *cols, size_t *at)
{
    return open_file(r, name, cols, 1, at);
}

int pf_results_finish_file(pf_results_t *r, size_t file)
{
    pf_err_t err;
    if (r->io_failed || !pf_out_finish(&r->files[file].out, &err)) {
        if (!r->io_failed) pf_log_error(r->log, NULL, &err);
        r->io_failed = 1;
        return 0;
    }
    return 1;
}

const char *pf_results_temp_path(const pf_results_t *r, size_t file)
{
    return r->files[file].out.tmp_path;
}

void pf_results_reject(pf_results_t *r, const char *path, const pf_err_t *e)
{
    size_t cells = 0;
    pf_buf_t *l = &r->line;
    pf_buf_reset(l);
    /* a file's name and a rule's words are shown as text (pf_text_escape) */
    pf_csv_cell_shown(l, &cells, path, strlen(path), r->style);
    if (e->line) {
        pf_csv_cell_int(l, &cells, (long long)e->line, r->style);
        pf_csv_cell_int(l, &cells, (long long)e->column, r->style);
    } else {
        pf_csv_cell_text(l, &cells, "", 0, r->style);
        pf_csv_cell_text(l, &cells, "", 0, r->style);
    }
    pf_csv_cell_shown(l, &cells, e->field, strlen(e->field), r->style);
    pf_csv_cell_text(l, &cells, e->kind, strlen(e->kind), r->style);
    /* a rule's message is escaped where it is made (pf_eval.c's message
     * handler, lines kept); the engine's own are text */
    pf_csv_cell_text(l, &cells, e->msg, strlen(e->msg), r->style);
    pf_csv_cell_shown(l, &cells, e->rule, strlen(e->rule), r->style);
    pf_csv_end_row(l, &cells, r->style);
    pf_results_write(r, r->rejects, l->data, l->len, 1);
}

void pf_results_ledger(pf_results_t *r, pf_ledger_kind_t kind, const pf_ledger_rec_t *rec)
{
    if (!r->ledger[kind]) return;
    pf_buf_reset(&r->line);
    pf_ledger_write(kind, rec, r->style, &r->line, &r->cell);
    pf_results_write(r, r->ledger[kind], r->line.data, r->line.len, 1);
}

/* ---- rule_hits.csv ------------------------------------------------------------ */

void pf_results_add_hits(pf_results_t *r, const pf_hit_t *hits, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t rule = hits[i].rule;
        if (rule >= 1 && rule <= r->nrules) {
            r->rule_fired[rule - 1]++;
            r->rule_moved[rule - 1] += hits[i].points;
        }
    }
}

/* One row per rule: how often it fired on the run's intakes, how many
 * points it moved, and "never fired" for rules that did nothing. Time is
 * only measured with --timings, so by default the file is deterministic. */
size_t pf_results_rule_hits(pf_results_t *r, pf_rule_stat_t *st, size_t n, size_t evaluated,
                            int timed, FILE *dead_log)
{
    pf_buf_t *l = &r->line;
    size_t dead = 0;
    for (size_t i = 0; i < n && i < r->nrules; i++) {
        st[i].fired = r->rule_fired[i];
        st[i].moved = r->rule_moved[i];
    }
    for (size_t i = 0; i < n; i++) {
        size_t cells = 0;
        pf_buf_reset(l);
        pf_csv_cell_text(l, &cells, st[i].id, strlen(st[i].id), r->style);
        pf_csv_cell_text(l, &cells, st[i].stage, strlen(st[i].stage), r->style);
        pf_csv_cell_text(l, &cells, st[i].where, strlen(st[i].where), r->style);
        pf_csv_cell_int(l, &cells, (long long)evaluated, r->style);
        pf_csv_cell_int(l, &cells, (long long)st[i].fired, r->style);
        pf_csv_cell_num(
            l, &cells, evaluated ? 100.0 * (double)st[i].fired / (double)evaluated : 0.0, r->style);
        pf_csv_cell_num(l, &cells, st[i].moved, r->style);
        if (timed)
            pf_csv_cell_num(l, &cells, st[i].seconds * 1000.0, r->style);
        else
            pf_csv_cell_text(l, &cells, "", 0, r->style);
        const char *status = st[i].fired ? "ok" : "never fired";
        pf_csv_cell_text(l, &cells, status, strlen(status), r->style);
        pf_csv_end_row(l, &cells, r->style);
        pf_results_write(r, r->hits, l->data, l->len, 1);
        if (!st[i].fired) {
            dead++;
            if (dead_log)
                fprintf(dead_log, "partnerfit: rule %s (%s) fired on no intake\n", st[i].id,
                        st[i].where);
        }
    }
    return dead;
}

/* ---- committing ----------------------------------------------------------------- */

int pf_results_close(pf_results_t *r)
{
    for (size_t i = 0; i < r->nfiles; i++)
        if (!pf_results_finish_file(r, i)) return 0;
    return 1;
}

void pf_results_digest(pf_results_t *r, size_t file, char hex[65])
{
    pf_result_file_t *f = &r->files[file];
    if (!f->hex[0]) {
        unsigned char d[32];
        pf_sha256_final(&f->sha, d);
        pf_sha256_tohex(d, f->hex);
    }
    memcpy(hex, f->hex, 65);
}

int pf_results_commit(pf_results_t *r, const char *name, const char *text, size_t len)
{
    pf_err_t err;
    pf_out_file_t mf = {0};
    pf_err_set(&err, "io", 0, 0, "", "cannot write %s in %s", name, r->out_dir);
    int ok = pf_out_open(&mf, r->out_dir, name, &err) && pf_out_write(&mf, text, len) &&
             pf_out_finish(&mf, &err);
    for (size_t i = 0; ok && i < r->nfiles; i++)
        ok = pf_out_rename(&r->files[i].out, &err);
    ok = ok && pf_out_rename(&mf, &err) && pf_out_sync_dir(r->out_dir, &err);
    pf_out_abort(&mf); /* frees; removes the temporary file if it is still there */
    if (!ok) pf_log_error(r->log, NULL, &err);
    return ok;
}
