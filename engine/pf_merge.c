/*
 * pf_merge.c - `merge`: the output folders of N `run --shard K/N` runs
 * into the reports a single run over the same inputs would have written,
 * byte for byte.
 *
 * Each shard wrote its intakes' rows in its own input order and, in
 * shard-index.csv, each intake's place in the full order (file, document),
 * its outcome, unique id and row counts. The merge walks the N indexes
 * like a merge sort, copying each intake's rows verbatim from its shard;
 * only what depends on other shards is done again: the unique-id check
 * (a duplicate across shards is rejected against its first use, as the
 * single run would have) and the per-rule totals of rule_hits.csv.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pf_batch_int.h"
#include "pf_csvin.h"
#include "pf_exit.h"
#include "pf_ledger.h"
#include "pf_schema.h"
#include "pf_sha256.h"

#define MAX_REPORTS PF_RESULTS_MAX_REPORTS

/* One shard's output folder, read front to back. */
typedef struct shard_in {
    char *dir;
    FILE *files[MAX_REPORTS + 1];     /* the evaluator's reports, then rejects.csv */
    pf_csvin_t rows[MAX_REPORTS + 1]; /* their rows, one at a time */
    FILE *index;                      /* shard-index.csv */
    pf_ledger_reader_t rec;           /* its current record */
    int has;                          /* rec holds an intake not yet merged */
    size_t seq, doc;
    char *index_path; /* for messages */
    size_t line;      /* the index record last read (1: the header) */
    int damaged;
    long long expected; /* intakes its manifest counts (-1: unknown) */
    size_t merged;      /* intakes its index gave */
} shard_in_t;

typedef struct merge {
    pf_batch_core_t c;
    size_t nreports;
    pf_buf_t first_path; /* the path that first used a duplicate id */
    pf_hits_t hits;      /* one intake's hits, read back from its record */
} merge_t;

/* Opens a shard's file and reads its header into in; NULL after saying why. */
static FILE *open_in(merge_t *m, const char *dir, const char *name, pf_csvin_t *in)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(m->c.log, "partnerfit: %s: cannot open: %s\n", path, strerror(errno));
        return NULL;
    }
    pf_csvin_open_file(in, fp);
    pf_csvin_next(in); /* the header */
    return fp;
}

/* The shard's next index record; 0 (after saying where) when the index
 * is damaged: a merge that went on would quietly leave intakes out. */
static int next_index(merge_t *m, shard_in_t *s)
{
    int rc = pf_ledger_next(&s->rec);
    s->has = rc == 1;
    s->line++;
    if (rc < 0) {
        fprintf(m->c.log,
                "partnerfit: %s: record %zu is damaged (cut short, or fields missing); the "
                "shard must be run again\n",
                s->index_path, s->line - 1);
        s->damaged = 1;
        return 0;
    }
    if (s->has) {
        s->seq = (size_t)pf_ledger_number(&s->rec, PF_LEDGER_SEQ);
        s->doc = (size_t)pf_ledger_number(&s->rec, PF_LEDGER_DOC);
    }
    return 1;
}

static void shard_init(shard_in_t *s)
{
    memset(s, 0, sizeof *s);
    for (size_t r = 0; r <= MAX_REPORTS; r++)
        pf_csvin_init(&s->rows[r]);
    pf_ledger_reader_init(&s->rec, PF_LEDGER_SHARD_INDEX);
}

static int open_shard(merge_t *m, shard_in_t *s, const char *dir)
{
    const pf_results_t *res = &m->c.res;
    s->dir = pf_xstrdup(dir);
    for (size_t r = 0; r <= m->nreports; r++) { /* the reports, then rejects.csv */
        const char *name = res->files[r < m->nreports ? r : res->rejects].name;
        if (!(s->files[r] = open_in(m, dir, name, &s->rows[r]))) return 0;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, pf_ledger_file(PF_LEDGER_SHARD_INDEX));
    if (!(s->index = fopen(path, "rb"))) {
        fprintf(m->c.log, "partnerfit: %s: cannot open: %s\n", path, strerror(errno));
        return 0;
    }
    if (!pf_ledger_open(&s->rec, s->index)) {
        fprintf(m->c.log,
                "partnerfit: %s: not a shard index of this version (its header differs); run "
                "the shard again with this partnerfit\n",
                path);
        s->damaged = 1;
        return 0;
    }
    s->index_path = pf_xstrdup(path);
    s->line = 1;
    return next_index(m, s);
}

static void shard_delete(shard_in_t *s)
{
    for (size_t r = 0; r <= MAX_REPORTS; r++) {
        if (s->files[r]) fclose(s->files[r]);
        pf_csvin_delete(&s->rows[r]);
    }
    if (s->index) fclose(s->index);
    pf_ledger_reader_delete(&s->rec);
    free(s->dir);
    free(s->index_path);
}

/* Copies n rows of a shard's report r into the merged one (or skips them). */
static void copy_rows(merge_t *m, shard_in_t *s, size_t r, size_t n, int keep)
{
    pf_results_t *res = &m->c.res;
    size_t file = r < m->nreports ? r : res->rejects;
    pf_csvin_t *in = &s->rows[r];
    for (size_t i = 0; i < n && pf_csvin_next(in); i++)
        if (keep) pf_results_write(res, file, in->raw.data, in->raw.len, 1);
}

/* Writes one intake of a shard as the single run would have. */
static void merge_intake(merge_t *m, shard_in_t *s)
{
    pf_batch_core_t *c = &m->c;
    const pf_ledger_reader_t *rec = &s->rec;
    const char *path = pf_ledger_text(rec, PF_LEDGER_PATH, NULL);
    const char *outcome = pf_ledger_text(rec, PF_LEDGER_OUTCOME, NULL);
    const char *unique = pf_ledger_text(rec, PF_LEDGER_UNIQUE, NULL);
    unsigned long line = (unsigned long)pf_ledger_number(rec, PF_LEDGER_LINE);
    size_t rows[MAX_REPORTS + 1] = {0}, nhits;
    pf_ledger_rows(rec, rows, m->nreports + 1);
    int evaluated = strcmp(outcome, PF_LEDGER_EVALUATED) == 0;
    int dup = strcmp(outcome, PF_LEDGER_DUPLICATE) == 0;
    const char *hits = pf_ledger_text(rec, PF_LEDGER_HITS, &nhits);
    m->hits.count = 0;
    pf_hits_parse(&m->hits, hits, nhits);
    pf_results_add_hits(&c->res, m->hits.items, m->hits.count);
    pf_id_owner_t first;
    int taken = 0; /* the id was used before */
    pf_buf_reset(&m->first_path);
    if ((evaluated || dup) && unique[0]) {
        int rc = pf_idset_claim_named(&c->ids, unique, path, line, &first, &m->first_path);
        if (rc < 0 && !c->res.io_failed) { /* the set's file: the merge stops */
            fprintf(c->log, "partnerfit: cannot keep the unique ids in %s: %s\n", c->opt->out_dir,
                    strerror(c->ids.ids.err));
            c->res.io_failed = 1;
        }
        taken = rc == 0;
    }
    if (evaluated && !taken) {
        for (size_t r = 0; r <= m->nreports; r++)
            copy_rows(m, s, r, rows[r], 1);
        c->stats->evaluated++;
    } else if (taken) { /* a duplicate in the whole input: reported against its first use */
        for (size_t r = 0; r <= m->nreports; r++)
            copy_rows(m, s, r, rows[r], 0);
        pf_err_t e;
        pf_idset_duplicate_error(&e, pf_schema_unique_field(c->cfg.schema), unique, line,
                                 (unsigned long)pf_ledger_number(rec, PF_LEDGER_COLUMN),
                                 m->first_path.data, first.line);
        pf_results_reject(&c->res, path, &e);
        c->stats->rejected++;
    } else {
        for (size_t r = 0; r <= m->nreports; r++)
            copy_rows(m, s, r, rows[r], 1);
        c->stats->rejected++;
        if (strcmp(outcome, PF_LEDGER_RULE_ERROR) == 0) c->stats->rule_errors++;
    }
    c->stats->intakes++;
}

/* The intakes of all shards in the single run's order (seq, then doc). */
static int merge_intakes(merge_t *m, shard_in_t *in, size_t n)
{
    size_t last_seq = (size_t)-1;
    for (;;) {
        shard_in_t *next = NULL;
        for (size_t s = 0; s < n; s++)
            if (in[s].has && (!next || in[s].seq < next->seq ||
                              (in[s].seq == next->seq && in[s].doc < next->doc)))
                next = &in[s];
        if (!next || m->c.res.io_failed) break;
        if (next->seq != last_seq) m->c.stats->files++;
        last_seq = next->seq;
        merge_intake(m, next);
        next->merged++;
        if (!next_index(m, next)) return 0;
    }
    /* every intake a shard's manifest counts came through its index: a
     * record lost to damage the reader could not see is caught here */
    int ok = 1;
    for (size_t s = 0; s < n; s++)
        if (in[s].expected >= 0 && (long long)in[s].merged != in[s].expected) {
            fprintf(m->c.log,
                    "partnerfit: %s: the shard index gives %zu intakes, its manifest counts %lld; "
                    "the index is damaged, run the shard again\n",
                    in[s].index_path, in[s].merged, in[s].expected);
            ok = 0;
        }
    return ok;
}

/* Sums the shards' rule_hits.csv, rule by rule (same pack, same order). */
static void merge_rule_hits(merge_t *m, shard_in_t *in, size_t n)
{
    pf_batch_core_t *c = &m->c;
    pf_rule_stat_t *st = NULL;
    size_t nst = 0;
    int timed = 0;
    pf_csvin_t rows;
    pf_csvin_init(&rows);
    for (size_t s = 0; s < n; s++) {
        FILE *fp = open_in(m, in[s].dir, PF_HITS_NAME, &rows);
        for (size_t r = 0; fp && pf_csvin_next(&rows); r++) {
            if (!pf_csvin_whole(&rows, PF_HITS_NCOLS)) continue;
            if (s == 0) {
                st = pf_xrealloc(st, (nst + 1) * sizeof *st);
                memset(&st[nst], 0, sizeof *st);
                st[nst].id = pf_xstrdup(pf_csvin_field(&rows, PF_HITS_RULE_ID, NULL));
                st[nst].stage = pf_xstrdup(pf_csvin_field(&rows, PF_HITS_STAGE, NULL));
                st[nst].where = pf_xstrdup(pf_csvin_field(&rows, PF_HITS_WHERE, NULL));
                nst++;
            }
            if (r >= nst) continue;
            size_t len;
            const char *ms = pf_csvin_field(&rows, PF_HITS_TIME_MS, &len);
            if (len) {
                timed = 1;
                st[r].seconds += strtod(ms, NULL) / 1000.0;
            }
        }
        if (fp) fclose(fp);
    }
    pf_csvin_delete(&rows);
    c->stats->dead_rules += pf_results_rule_hits(&c->res, st, nst, c->stats->evaluated, timed,
                                                 c->opt->fail_on_dead_rules ? c->log : NULL);
    pf_rule_stats_free(st, nst);
}

/* Checks that every shard ran the same rules, policy and schema as this
 * merge loaded, on the same inputs, and that shards 0..N-1 are all here;
 * the manifest names what the first shard's names. */
static int check_shards(merge_t *m, pf_doc_t *docs, size_t n)
{
    pf_batch_core_t *c = &m->c;
    char policy_sha[65], schema_sha[65];
    pf_sha256_hex(c->cfg.policy_text, c->cfg.policy_len, policy_sha);
    pf_sha256_hex(c->cfg.schema_text, c->cfg.schema_len, schema_sha);
    unsigned char *seen = pf_xcalloc(n, 1);
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        const char *dir = c->opt->paths[i];
        pf_value_t *mf = pf_value_from_node(&docs[i].arena, docs[i].root);
        const pf_value_t *shard = pf_value_get(mf, "shard");
        unsigned long k, total;
        if (!shard || shard->kind != PF_VAL_STR || sscanf(shard->s, "%lu/%lu", &k, &total) != 2 ||
            total != n || k >= n || seen[k]) {
            fprintf(
                c->log,
                "partnerfit: %s: not one of %zu distinct shards (its manifest says shard: %s)\n",
                dir, n, shard && shard->kind == PF_VAL_STR ? shard->s : "nothing");
            ok = 0;
        } else if (strcmp(pf_manifest_field(mf, "rules", "sha256"), pf_eval_rules_digest(c->ev)) ||
                   strcmp(pf_manifest_field(mf, "policy", "sha256"), policy_sha) ||
                   strcmp(pf_manifest_field(mf, "schema", "sha256"), schema_sha)) {
            fprintf(c->log,
                    "partnerfit: %s: made with other rules, policy or schema than %s and %s\n", dir,
                    c->opt->rules_dir, c->opt->policy_path);
            ok = 0;
        } else {
            seen[k] = 1;
            if (i == 0) {
                pf_manifest_t *out = &c->manifest;
                out->rules_dir = pf_manifest_field(mf, "rules", "folder");
                out->policy_path = pf_manifest_field(mf, "policy", "file");
                out->schema_path = pf_manifest_field(mf, "schema", "file");
                const pf_value_t *inputs = pf_value_get(mf, "inputs");
                out->ninputs = inputs && inputs->kind == PF_VAL_LIST ? inputs->count : 0;
                const char **list =
                    pf_arena_alloc(&docs[i].arena, (out->ninputs + 1) * sizeof *list);
                for (size_t j = 0; j < out->ninputs; j++)
                    list[j] = inputs->items[j].s;
                out->inputs = list;
            }
        }
    }
    free(seen);
    return ok;
}

/* Reads each shard's manifest into docs; 0 after saying which failed. */
static int read_manifests(merge_t *m, pf_doc_t *docs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        pf_err_t err;
        snprintf(path, sizeof path, "%s/%s", m->c.opt->paths[i], PF_MANIFEST_NAME);
        if (!pf_yread_file(path, NULL, &docs[i], &err)) {
            pf_log_error(m->c.log, path, &err);
            return 0;
        }
    }
    return 1;
}

/* With the shards checked and the lock held: the merged result files. */
static int write_merged(merge_t *m, shard_in_t *in, size_t n)
{
    if (!pf_batch_open(&m->c)) return PF_EXIT_IO;
    m->nreports = m->c.res.nreports;
    for (size_t i = 0; i < n; i++)
        if (!open_shard(m, &in[i], m->c.opt->paths[i]))
            return in[i].index_path || in[i].damaged ? PF_EXIT_CONFIG : PF_EXIT_IO;
    if (!merge_intakes(m, in, n)) return PF_EXIT_CONFIG; /* nothing written */
    merge_rule_hits(m, in, n);
    return pf_batch_finish(&m->c) ? pf_batch_exit_code(&m->c) : PF_EXIT_IO;
}

static int merge(merge_t *m)
{
    size_t n = m->c.opt->npaths;
    if (!pf_batch_configure(&m->c)) return PF_EXIT_CONFIG;
    pf_doc_t *docs = pf_xcalloc(n, sizeof *docs);
    shard_in_t *in = pf_xcalloc(n, sizeof *in);
    for (size_t i = 0; i < n; i++) {
        pf_doc_init(&docs[i]);
        shard_init(&in[i]);
    }
    int code = PF_EXIT_CONFIG;
    if (read_manifests(m, docs, n) && check_shards(m, docs, n)) {
        for (size_t i = 0; i < n; i++) {
            const pf_value_t *v = pf_value_get(
                pf_value_get(pf_value_from_node(&docs[i].arena, docs[i].root), "counts"),
                "intakes");
            in[i].expected = v && v->kind == PF_VAL_INT ? v->i : -1;
        }
        code = pf_batch_lock(&m->c);
        if (code == PF_EXIT_OK) code = write_merged(m, in, n);
    }
    for (size_t i = 0; i < n; i++) {
        shard_delete(&in[i]);
        pf_doc_delete(&docs[i]);
    }
    free(in);
    free(docs);
    return code;
}

int pf_batch_merge(const pf_batch_options_t *opt, pf_batch_stats_t *stats, FILE *log)
{
    merge_t m;
    memset(&m, 0, sizeof m);
    pf_batch_core_init(&m.c, opt, stats, log);
    pf_buf_init(&m.first_path);
    pf_hits_init(&m.hits);
    int code = merge(&m);
    pf_hits_delete(&m.hits);
    pf_buf_delete(&m.first_path);
    pf_batch_core_delete(&m.c);
    return code;
}
