/*
 * pf_batch.c - one run of partnerfit over a set of intake paths.
 *
 * Order of work, chosen so a broken configuration never touches the
 * previous reports: policy, schema and rule pack first (exit 2 on any
 * problem); then the output folder's lock; then every report is written to
 * a temporary file while the intakes stream through; then all reports are
 * renamed into place and the manifest is written last.
 *
 * The intakes stream through worker processes (pf_procs): workers produce each file's
 * outcomes in any order (read, validate, evaluate; or, with --incremental,
 * take an unchanged file's rows from the previous run), and this thread
 * consumes them in input order (unique ids, reports, per-intake records).
 * The steps a merge shares (configuration, lock, result files, finish)
 * are at the top, for pf_merge.c.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pf_batch_int.h"
#include "pf_brief.h"
#include "pf_exit.h"
#include "pf_ledger.h"
#include "pf_manifest.h"
#include "pf_overview.h"
#include "pf_paths.h"
#include "pf_procs.h"
#include "pf_prev.h"
#include "pf_scan.h"
#include "pf_schema.h"
#include "pf_sha256.h"
#include "pf_slice.h"

#define LOCK_NAME ".partnerfit.lock"
#define MAX_REPORTS PF_RESULTS_MAX_REPORTS

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void pf_batch_options_default(pf_batch_options_t *o)
{
    memset(o, 0, sizeof *o);
    o->rules_dir = pf_paths_default_rules();
    o->policy_path = pf_paths_default_policy();
    o->out_dir = "reports";
    pf_yread_limits_default(&o->intake_limits);
    pf_eval_limits_default(&o->eval_limits);
    o->max_errors_per_intake = 20;
    o->max_file_docs = 1000;
    o->jobs = pf_batch_cpus(PF_CGROUP_CPU_MAX);
}

/* The CPUs this process may run on (its affinity mask, as taskset or a
 * container's cpuset set it), capped by a cgroup v2 CPU quota ("QUOTA
 * PERIOD" in cpu.max; "max" for none), rounded up: a container limited to
 * 1.5 CPUs on a 64-core host runs 2 workers, not 64. At least 1. */
size_t pf_batch_cpus(const char *cgroup_cpu_max)
{
    long cpus = 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) cpus = CPU_COUNT(&set);
    if (cpus <= 0) cpus = sysconf(_SC_NPROCESSORS_ONLN);
    FILE *fp = cgroup_cpu_max ? fopen(cgroup_cpu_max, "r") : NULL;
    if (fp) {
        long long quota, period;
        if (fscanf(fp, "%lld %lld", &quota, &period) == 2 && quota > 0 && period > 0) {
            long long limit = (quota + period - 1) / period;
            if (limit < cpus) cpus = (long)limit;
        }
        fclose(fp);
    }
    return cpus > 0 ? (size_t)cpus : 1;
}

/* ---- what a run and a merge share --------------------------------------------- */

void pf_batch_core_init(pf_batch_core_t *c, const pf_batch_options_t *opt, pf_batch_stats_t *stats,
                        FILE *log)
{
    memset(c, 0, sizeof *c);
    c->opt = opt;
    c->log = log;
    c->stats = stats;
    c->lock_fd = -1;
    memset(stats, 0, sizeof *stats);
    pf_config_init(&c->cfg);
    pf_results_init(&c->res, opt->out_dir, &opt->style, log);
    pf_idset_init(&c->ids);
}

void pf_batch_core_delete(pf_batch_core_t *c)
{
    pf_results_delete(&c->res);
    pf_idset_delete(&c->ids);
    pf_eval_delete(c->ev);
    pf_config_delete(&c->cfg);
    if (c->lock_fd >= 0) close(c->lock_fd); /* releases the lock */
}

int pf_batch_configure(pf_batch_core_t *c)
{
    const pf_batch_options_t *o = c->opt;
    if (!pf_config_load(&c->cfg, o->rules_dir, o->policy_path, &o->eval_limits, o->timings, c->log))
        return 0;
    c->ev = pf_config_evaluator(&c->cfg, c->log);
    if (!c->ev) return 0;
    c->stats->rules = pf_eval_rule_count(c->ev);
    pf_manifest_t *m = &c->manifest;
    m->cfg = &c->cfg;
    m->ev = c->ev;
    m->stats = c->stats;
    m->rules_dir = o->rules_dir;
    m->policy_path = o->policy_path;
    m->schema_path = c->cfg.schema_path;
    m->inputs = o->paths;
    m->ninputs = o->npaths;
    m->shard_k = o->shard_k;
    m->shard_n = o->shard_n;
    return 1;
}

/* Takes the output folder's lock: 1 taken, 0 busy, -1 error. */
static int take_lock(pf_batch_core_t *c)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", c->opt->out_dir, LOCK_NAME);
    c->lock_fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (c->lock_fd < 0) {
        fprintf(c->log, "partnerfit: %s: cannot open the lock file: %s\n", path, strerror(errno));
        return -1;
    }
    if (flock(c->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) {
            fprintf(c->log, "partnerfit: another run is writing to %s; nothing written\n",
                    c->opt->out_dir);
            return 0;
        }
        fprintf(c->log, "partnerfit: %s: cannot lock: %s\n", path, strerror(errno));
        return -1;
    }
    return 1;
}

int pf_batch_lock(pf_batch_core_t *c)
{
    pf_err_t err;
    if (!pf_out_mkdirs(c->opt->out_dir, &err)) {
        pf_log_error(c->log, NULL, &err);
        return PF_EXIT_IO;
    }
    int lock = take_lock(c);
    if (lock <= 0) return lock == 0 ? PF_EXIT_BUSY : PF_EXIT_IO;
    pf_out_sweep(c->opt->out_dir);
    pf_briefs_sweep(c->opt->out_dir);
    /* the ids go to disk past their budget, beside the reports */
    pf_idset_delete(&c->ids);
    pf_idset_init_in(&c->ids, c->opt->out_dir);
    c->prev_briefs = pf_manifest_previous_lists(c->opt->out_dir, PF_BRIEFS_INDEX);
    return PF_EXIT_OK;
}

int pf_batch_open(pf_batch_core_t *c)
{
    char digest[65];
    if (c->opt->incremental) pf_prev_digest(c->opt, &c->cfg, c->ev, digest);
    return pf_results_open(&c->res, c->ev, c->opt->shard_n != 0,
                           c->opt->incremental ? digest : NULL);
}

/* index.html from the closed reports and the manifest so far (with the
 * run's date when SOURCE_DATE_EPOCH gives one: the page stays the same
 * bytes for the same inputs). */
static int write_overview(pf_batch_core_t *c)
{
    pf_arena_t arena;
    pf_arena_init(&arena);
    pf_value_t *m = pf_manifest_value(&c->manifest, &c->res, &arena);
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    char *end;
    long long secs = epoch && *epoch ? strtoll(epoch, &end, 10) : -1;
    if (secs >= 0 && !*end) {
        time_t t = (time_t)secs;
        struct tm tm;
        char date[32];
        if (gmtime_r(&t, &tm) && strftime(date, sizeof date, "%Y-%m-%d", &tm))
            pf_value_add_str(&arena, m, "run_date", date);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int ok = pf_overview_write(c->ev, &c->res, m, c->log);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (ok && c->opt->timings) /* what the overview costs, for bench/run.sh */
        fprintf(c->log, "partnerfit: %s written in %.1f ms\n", PF_OVERVIEW_NAME,
                (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    pf_arena_delete(&arena);
    return ok;
}

int pf_batch_finish(pf_batch_core_t *c)
{
    if (!pf_results_close(&c->res)) return 0;
    c->stats->reject_rows = c->res.files[c->res.rejects].rows;
    /* the overview is for people: without it the reports still stand */
    if (!write_overview(c))
        fprintf(c->log, "partnerfit: warning: %s not written (the reports are)\n",
                PF_OVERVIEW_NAME);
    /* The manifest says what the reports hold: written after them, renamed last. */
    pf_buf_t text;
    pf_buf_init(&text);
    pf_err_t err;
    pf_err_set(&err, "io", 0, 0, "", "cannot write %s in %s", PF_MANIFEST_NAME, c->opt->out_dir);
    int ok = pf_manifest_text(&c->manifest, &c->res, &text, &err);
    if (!ok) pf_log_error(c->log, NULL, &err);
    ok = ok && (!c->briefs || pf_briefs_commit(c->briefs));
    ok = ok && pf_results_commit(&c->res, PF_MANIFEST_NAME, text.data, text.len);
    pf_buf_delete(&text);
    if (ok && !c->res.briefs && c->prev_briefs) pf_briefs_remove_stale(c->opt->out_dir);
    return ok;
}

int pf_batch_exit_code(const pf_batch_core_t *c)
{
    if (c->stats->rule_errors) return PF_EXIT_RULE_ERRORS;
    if (c->opt->fail_on_dead_rules && c->stats->dead_rules) return PF_EXIT_DEAD_RULES;
    return c->stats->rejected ? PF_EXIT_REJECTS : PF_EXIT_OK;
}

/* ---- a run's state ------------------------------------------------------------- */

/* One intake (one document of a file) as a worker found it. */
typedef struct outcome {
    int ok;
    size_t begin[MAX_REPORTS];   /* where its rows start in the slot's buffers... */
    size_t end[MAX_REPORTS];     /* ...and end */
    size_t rows[MAX_REPORTS];    /* how many rows it added */
    size_t err_first, err_count; /* its reasons, in the slot's errs */
    size_t hits_first, hits_end; /* its rule contributions, in the slot's hits */
    int reused;                  /* taken from the previous run (--incremental) */
    int limit_rule;              /* the rule over a limit (rule.limit), 1-based; 0 none */
    size_t raw_first, raw_end;   /* reused reject rows, raw, in the slot's raw */
    size_t raw_rows;
    char *unique; /* its unique id, checked by the consumer */
    unsigned long unique_line, unique_column;
} outcome_t;

/* One file's intakes: filled by a worker process, sent over one outcome
 * at a time, and rebuilt in the supervisor's slot for the file until they
 * can be written in order. */
typedef struct slot {
    pf_buf_t *bufs; /* CSV rows per evaluator report, for every intake */
    outcome_t *items;
    size_t count, cap;
    pf_errlist_t errs;           /* reasons of the rejected intakes */
    pf_hits_t hits;              /* what the rules that fired did, intake after intake */
    pf_buf_t raw;                /* reused reject rows, as the previous run wrote them */
    char digest[65];             /* of the file's bytes (--incremental) */
    pf_buf_t source;             /* scratch: "path" or "path#N" */
    pf_buf_t record;             /* scratch: a previous state record's bytes */
    pf_ledger_reader_t prev_rec; /* scratch: that record's fields */
    /* supervisor only */
    size_t written; /* intakes of the file already written */
    size_t lost_at; /* the document a worker last stopped on (0: none) */
    int complete;   /* the worker said the file is done */
} slot_t;

/* A rule over its limits on this many of OVERRUN_WINDOW intakes in a row
 * (three in a row, or three of ten, one stuck every other intake) is
 * disabled: every later intake is rejected instead of paying for the
 * overrun again (up to the deadline and a kill, seconds each). A rule that
 * overruns now and then on an odd intake is not. */
#define OVERRUNS_TO_DISABLE 3
#define OVERRUN_WINDOW 10

typedef struct batch {
    pf_batch_core_t c; /* configuration, result files, ids, lock */
    const pf_batch_options_t *opt;
    pf_batch_stats_t *stats;
    FILE *log;
    /* the slots files wait in to be written in order, and the next one */
    slot_t *slots;
    size_t nslots;
    size_t head;
    size_t nreports;    /* the evaluator's reports */
    pf_slice_t slice;   /* the files this run takes, and how reports show them */
    pf_buf_t item_buf;  /* the strings of the file being written */
    pf_buf_t ahead_buf; /* the strings of the file asked for ahead (on_ahead) */
    pf_buf_t owner_buf; /* the strings of a duplicate id's first file */
    pf_prev_t *prev;    /* --incremental: the previous run's state and reports */
    pf_briefs_t briefs; /* --briefs: the briefs folder being written */
    /* --briefs: the intakes not evaluated, as (file taken, document)
     * pairs in input order (a few bytes a reject, nothing an intake) */
    pf_spill_log_t not_evaluated;
    pf_errlist_t errs;
    /* rules: their identity (from the supervisor's evaluator), the time
     * the workers spent in each, and the overruns counted in input order */
    pf_rule_stat_t *rules;
    size_t nrules;
    /* overruns, in input order: the intakes judged so far (evaluated or
     * rejected by a rule), and per rule the positions of its last
     * OVERRUNS_TO_DISABLE - 1 overruns (0: none) */
    size_t judged;
    size_t (*overrun_at)[OVERRUNS_TO_DISABLE - 1];
    /* the rule disabled for the rest of the run (1-based; 0: none), shared
     * with the workers. One is enough: once a rule is disabled no later
     * intake is evaluated, so no other rule can overrun again. */
    int *disabled;
    int progress;                   /* stderr is a terminal */
    double started_at, progress_at; /* monotonic seconds */
} batch_t;

/* A worker process's own things (each worker has a copy). */
typedef struct worker {
    batch_t *b;
    pf_eval_t *ev; /* the supervisor's evaluator, as it was at the fork */
    pf_procs_worker_t *pw;
    pf_beacon_t *beacon;
    slot_t slot;       /* the file being worked on */
    pf_buf_t msg;      /* an outcome, as sent */
    pf_buf_t item_buf; /* the strings of that file's slice item */
} worker_t;

/* On a terminal, one line on stderr that rewrites itself: intakes done,
 * rate, rejects, time left. Nothing of it when stderr is a file or pipe. */
static void progress(batch_t *b, size_t files_done)
{
    if (!b->progress) return;
    double now = monotonic_seconds();
    size_t total = b->slice.count;
    int last = files_done == total;
    if (!last && now - b->progress_at < 0.25) return;
    b->progress_at = now;
    double elapsed = now - b->started_at;
    double rate = elapsed > 0 ? (double)b->stats->intakes / elapsed : 0;
    double left =
        files_done && elapsed > 0 ? elapsed * (double)(total - files_done) / (double)files_done : 0;
    fprintf(b->log,
            "\rpartnerfit: %zu/%zu files, %zu intakes, %.0f/s, %zu rejected, %.0fs left   %s",
            files_done, total, b->stats->intakes, rate, b->stats->rejected, left, last ? "\n" : "");
    fflush(b->log);
}

static void slot_init(batch_t *b, slot_t *s)
{
    memset(s, 0, sizeof *s);
    s->bufs = pf_xcalloc(b->nreports ? b->nreports : 1, sizeof(pf_buf_t));
    pf_ledger_reader_init(&s->prev_rec, PF_LEDGER_STATE);
}

static void slot_delete(batch_t *b, slot_t *s)
{
    for (size_t k = 0; k < s->count; k++) /* results never written (a stop) */
        free(s->items[k].unique);
    for (size_t r = 0; r < b->nreports; r++)
        pf_buf_delete(&s->bufs[r]);
    free(s->bufs);
    free(s->items);
    pf_errlist_delete(&s->errs);
    pf_buf_delete(&s->source);
    pf_buf_delete(&s->record);
    pf_ledger_reader_delete(&s->prev_rec);
    pf_hits_delete(&s->hits);
    pf_buf_delete(&s->raw);
}

/* Empties a slot's intakes (keeps its memory, and the file's counters). */
static void slot_clear(batch_t *b, slot_t *s)
{
    for (size_t k = 0; k < s->count; k++)
        free(s->items[k].unique);
    s->count = 0;
    s->hits.count = 0;
    pf_buf_reset(&s->raw);
    for (size_t r = 0; r < b->nreports; r++)
        pf_buf_reset(&s->bufs[r]);
    pf_errlist_reset(&s->errs);
}

/* ---- one file's intakes, produced in a worker process ----------------------------- */

static outcome_t *slot_outcome(batch_t *b, slot_t *s)
{
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->items = pf_xrealloc(s->items, s->cap * sizeof *s->items);
    }
    outcome_t *o = &s->items[s->count++];
    memset(o, 0, sizeof *o);
    for (size_t r = 0; r < b->nreports; r++)
        o->begin[r] = o->end[r] = s->bufs[r].len;
    o->err_first = s->errs.count;
    o->hits_first = o->hits_end = s->hits.count;
    o->raw_first = o->raw_end = s->raw.len;
    return o;
}

static void outcome_reject(slot_t *s, outcome_t *o, const pf_err_t *e)
{
    if (e) pf_errlist_push(&s->errs, e);
    o->err_count = s->errs.count - o->err_first;
}

/* A file holds several intakes when a document marker (a line starting
 * with "---") follows content, or when there are two markers. */
static int several_documents(const char *buf, size_t len)
{
    int markers = 0, content = 0;
    for (size_t i = 0; i < len;) {
        const char *line = buf + i;
        const char *nl = memchr(line, '\n', len - i);
        size_t n = nl ? (size_t)(nl - line) : len - i;
        if (n >= 3 && memcmp(line, "---", 3) == 0 && (n == 3 || strchr(" \t\r", line[3]))) {
            if (++markers >= 2 || content) return 1;
        } else if (n && line[0] != '#' && line[0] != '%' && strspn(line, " \t\r") < n) {
            content = 1;
        }
        i += n + 1;
    }
    return 0;
}

static void unique_of(batch_t *b, const pf_value_t *intake, outcome_t *o)
{
    const char *field = pf_schema_unique_field(b->c.cfg.schema);
    const pf_value_t *v = field ? pf_value_get(intake, field) : NULL;
    if (v && v->kind == PF_VAL_STR) {
        o->unique = pf_xstrdup(v->s);
        o->unique_line = v->line;
        o->unique_column = v->column;
    }
}

/* A rule the supervisor disabled: no intake is evaluated any more (the
 * supervisor rejects them all, in order; this only saves the work). */
static int any_rule_disabled(const batch_t *b)
{
    return b->disabled && *b->disabled;
}

/* Validates and evaluates one document into a new outcome. In a file of
 * several, a rule's reject (which has no place of its own in the file)
 * points at the start of its document. */
static void evaluate_document(worker_t *w, slot_t *s, pf_doc_t *doc, const char *source,
                              int several)
{
    batch_t *b = w->b;
    outcome_t *o = slot_outcome(b, s);
    pf_value_t *intake;
    pf_err_t err;
    size_t rows[MAX_REPORTS] = {0};
    if (pf_node_is_null(doc->root)) {
        pf_err_set(&err, "yaml.empty", doc->root->line, doc->root->column, "",
                   "the document is empty");
        outcome_reject(s, o, &err);
    } else if (!pf_intake_check(&b->c.cfg, doc->root, &doc->arena, &intake, &s->errs,
                                b->opt->max_errors_per_intake)) {
        outcome_reject(s, o, NULL);
    } else if (any_rule_disabled(b)) {
        pf_err_set(&err, "rule.disabled", 0, 0, "", "not evaluated: a rule was disabled");
        outcome_reject(s, o, &err);
    } else if (pf_procs_flush(w->pw),
               !pf_eval_run(w->ev, intake, source, s->bufs, rows, &s->hits, &b->opt->style, &err)) {
        if (strcmp(err.kind, "rule.limit") == 0) o->limit_rule = pf_eval_failed_rule(w->ev);
        if (several && !err.line) {
            err.line = doc->root->line;
            err.column = doc->root->column;
        }
        outcome_reject(s, o, &err);
    } else {
        o->ok = 1;
        unique_of(b, intake, o);
        for (size_t r = 0; r < b->nreports; r++)
            o->rows[r] = rows[r];
    }
    for (size_t r = 0; r < b->nreports; r++)
        o->end[r] = s->bufs[r].len;
    o->hits_end = s->hits.count;
}

/* Takes one intake's rows from the previous run, as its state record (in
 * the slot's prev_rec) describes them. */
static int reuse_intake(batch_t *b, slot_t *s)
{
    const pf_ledger_reader_t *rec = &s->prev_rec;
    unsigned long long off[MAX_REPORTS + 1] = {0}, len[MAX_REPORTS + 1] = {0};
    size_t rows[MAX_REPORTS + 1] = {0}, n;
    pf_ledger_rows(rec, rows, b->nreports + 1);
    pf_ledger_spans(rec, off, len, b->nreports + 1);
    outcome_t *o = slot_outcome(b, s);
    o->reused = 1;
    o->ok = strcmp(pf_ledger_text(rec, PF_LEDGER_OUTCOME, NULL), PF_LEDGER_EVALUATED) == 0;
    const char *unique = pf_ledger_text(rec, PF_LEDGER_UNIQUE, &n);
    o->unique = n ? pf_xstrdup(unique) : NULL;
    o->unique_line = (unsigned long)pf_ledger_number(rec, PF_LEDGER_LINE);
    o->unique_column = (unsigned long)pf_ledger_number(rec, PF_LEDGER_COLUMN);
    int ok = 1;
    for (size_t r = 0; ok && r < b->nreports; r++) {
        ok = pf_prev_rows(b->prev, r, off[r], len[r], &s->bufs[r]);
        o->rows[r] = rows[r];
        o->end[r] = s->bufs[r].len;
    }
    ok = ok && pf_prev_rows(b->prev, b->nreports, off[b->nreports], len[b->nreports], &s->raw);
    o->raw_end = s->raw.len;
    o->raw_rows = rows[b->nreports];
    const char *hits = pf_ledger_text(rec, PF_LEDGER_HITS, &n);
    pf_hits_parse(&s->hits, hits, n);
    o->hits_end = s->hits.count;
    return ok;
}

/* Takes a file's intakes from the previous run when its bytes are the
 * same; returns 0 (and leaves the slot as it was) when it cannot. */
static int reuse_file(batch_t *b, slot_t *s, const char *path)
{
    size_t first, nprev;
    if (!pf_prev_find(b->prev, path, &first, &nprev)) return 0;
    size_t count = s->count, raw = s->raw.len, hits = s->hits.count, ends[MAX_REPORTS];
    for (size_t r = 0; r < b->nreports; r++)
        ends[r] = s->bufs[r].len;
    int ok = 1;
    for (size_t i = 0; ok && i < nprev; i++) {
        ok = pf_prev_record(b->prev, first + i, &s->record, &s->prev_rec);
        /* the first record says whose file it was and what its bytes were */
        if (ok && i == 0)
            ok = strcmp(pf_ledger_text(&s->prev_rec, PF_LEDGER_PATH, NULL), path) == 0 &&
                 strcmp(pf_ledger_text(&s->prev_rec, PF_LEDGER_DIGEST, NULL), s->digest) == 0;
        ok = ok && reuse_intake(b, s);
    }
    if (ok) return 1;
    for (size_t i = count; i < s->count; i++)
        free(s->items[i].unique);
    s->count = count; /* a previous report changed under us: evaluate instead */
    s->raw.len = raw;
    s->hits.count = hits;
    for (size_t r = 0; r < b->nreports; r++)
        s->bufs[r].len = ends[r];
    return 0;
}

/* ---- outcomes on the wire --------------------------------------------------------- */

static void put_u64(pf_buf_t *m, uint64_t v)
{
    pf_buf_add(m, &v, sizeof v);
}

static void put_bytes(pf_buf_t *m, const char *p, size_t n)
{
    put_u64(m, n);
    pf_buf_add(m, p, n);
}

/* Sends every outcome in the worker's slot to the supervisor and empties
 * the slot. One message per intake, so a worker stopped on a document has
 * already handed over the ones before it. Both ends are the same program,
 * so structs without pointers travel as they are. */
static void ship(worker_t *w, slot_t *s)
{
    batch_t *b = w->b;
    for (size_t i = 0; i < s->count; i++) {
        const outcome_t *o = &s->items[i];
        pf_buf_t *m = pf_procs_begin(w->pw); /* the message is made where it is sent from */
        int32_t head[3] = {o->ok, o->reused, o->limit_rule};
        pf_buf_add(m, head, sizeof head);
        pf_buf_add(m, s->digest, sizeof s->digest);
        for (size_t r = 0; r < b->nreports; r++) {
            put_u64(m, o->rows[r]);
            put_bytes(m, s->bufs[r].data + o->begin[r], o->end[r] - o->begin[r]);
        }
        put_bytes(m, s->raw.data + o->raw_first, o->raw_end - o->raw_first);
        put_u64(m, o->raw_rows);
        put_bytes(m, (const char *)(s->errs.items + o->err_first), o->err_count * sizeof(pf_err_t));
        put_bytes(m, (const char *)(s->hits.items + o->hits_first),
                  (o->hits_end - o->hits_first) * sizeof(pf_hit_t));
        put_bytes(m, o->unique ? o->unique : "", o->unique ? strlen(o->unique) + 1 : 0);
        put_u64(m, o->unique_line);
        put_u64(m, o->unique_column);
        pf_procs_end(w->pw);
    }
    slot_clear(b, s);
}

typedef struct reader {
    const char *p, *end;
} reader_t;

static uint64_t get_u64(reader_t *r)
{
    uint64_t v = 0;
    if ((size_t)(r->end - r->p) >= sizeof v) memcpy(&v, r->p, sizeof v);
    r->p += sizeof v;
    return v;
}

static const char *get_bytes(reader_t *r, size_t *n)
{
    *n = (size_t)get_u64(r);
    const char *p = r->p;
    r->p += *n;
    return r->p <= r->end ? p : NULL;
}

/* Rebuilds one sent outcome at the end of the supervisor's slot: 0 when
 * the message is not one (which would be a bug). */
static int unship(batch_t *b, slot_t *s, const char *data, size_t len)
{
    reader_t rd = {data, data + len};
    int32_t head[3];
    if (len < sizeof head + sizeof s->digest) return 0;
    memcpy(head, rd.p, sizeof head);
    rd.p += sizeof head;
    memcpy(s->digest, rd.p, sizeof s->digest);
    rd.p += sizeof s->digest;
    outcome_t *o = slot_outcome(b, s);
    o->ok = head[0];
    o->reused = head[1];
    o->limit_rule = head[2];
    size_t n;
    const char *p;
    for (size_t r = 0; r < b->nreports; r++) {
        o->rows[r] = (size_t)get_u64(&rd);
        if (!(p = get_bytes(&rd, &n))) return 0;
        pf_buf_add(&s->bufs[r], p, n);
        o->end[r] = s->bufs[r].len;
    }
    if (!(p = get_bytes(&rd, &n))) return 0;
    pf_buf_add(&s->raw, p, n);
    o->raw_end = s->raw.len;
    o->raw_rows = (size_t)get_u64(&rd);
    if (!(p = get_bytes(&rd, &n))) return 0;
    for (size_t e = 0; e < n / sizeof(pf_err_t); e++) {
        pf_err_t err;
        memcpy(&err, p + e * sizeof err, sizeof err);
        pf_errlist_push(&s->errs, &err);
    }
    o->err_count = s->errs.count - o->err_first;
    if (!(p = get_bytes(&rd, &n))) return 0;
    for (size_t h = 0; h < n / sizeof(pf_hit_t); h++) {
        pf_hit_t hit;
        memcpy(&hit, p + h * sizeof hit, sizeof hit);
        pf_hits_push(&s->hits, hit.rule, hit.points);
    }
    o->hits_end = s->hits.count;
    if (!(p = get_bytes(&rd, &n))) return 0;
    if (n) o->unique = pf_xstrdup(p);
    o->unique_line = (unsigned long)get_u64(&rd);
    o->unique_column = (unsigned long)get_u64(&rd);
    return rd.p == rd.end;
}

/* ---- a worker's work ---------------------------------------------------------------- */

/* Reads the documents of one file, from document resume + 1 on, into the
 * worker's slot, sending each outcome as it is made (worker process). */
static void produce(worker_t *w, size_t index, size_t resume)
{
    batch_t *b = w->b;
    slot_t *s = &w->slot;
    pf_slice_item_t entry;
    pf_err_t err;
    char *buf = NULL;
    size_t len = 0;
    s->digest[0] = '\0';
    if (!pf_slice_get(&b->slice, index, &entry, &w->item_buf)) {
        pf_err_set(&err, "internal", 0, 0, "", "the list of files cannot be read back: %s",
                   strerror(errno ? errno : EIO));
        outcome_reject(s, slot_outcome(b, s), &err);
        ship(w, s);
        return;
    }
    if (entry.skip_reason) {
        pf_err_set(&err, "input.skipped", 0, 0, "", "%s", entry.skip_reason);
        outcome_reject(s, slot_outcome(b, s), &err);
        ship(w, s);
        return;
    }
    if (!pf_read_file_as(entry.path, &entry.id, b->opt->intake_limits.max_file_bytes, &buf, &len,
                         &err)) {
        outcome_reject(s, slot_outcome(b, s), &err);
        ship(w, s);
        return;
    }
    if (b->prev || b->opt->incremental) pf_sha256_hex(buf, len, s->digest);
    if (b->prev && !resume && reuse_file(b, s, entry.shown)) {
        ship(w, s);
        free(buf);
        return;
    }
    int several = several_documents(buf, len);
    pf_yread_t r;
    pf_yread_init(&r, buf, len, &b->opt->intake_limits);
    for (size_t n = 1;; n++) {
        pf_doc_t doc;
        pf_doc_init(&doc);
        atomic_store(&w->beacon->doc, n); /* before reading: the reader can fail too */
        int rc = pf_yread_next(&r, &doc, &err);
        if (rc == 1 && n <= resume) {
            /* handed over before this worker's predecessor stopped */
        } else if (rc == 1 && n > b->opt->max_file_docs) {
            /* a file of empty documents would otherwise multiply into
             * millions of rows; what lies beyond the cap is one reject */
            pf_err_set(&err, "yaml.documents", doc.root->line, doc.root->column, "",
                       "the file holds more than %zu intakes; the rest from here on is not read "
                       "(split the file, or raise --max-file-docs)",
                       b->opt->max_file_docs);
            outcome_reject(s, slot_outcome(b, s), &err);
            rc = 0;
        } else if (rc == 1) {
            atomic_store(&w->beacon->line, several ? doc.root->line : 0);
            pf_buf_reset(&s->source);
            pf_buf_addstr(&s->source, entry.shown);
            if (several) pf_buf_printf(&s->source, "#%zu", n);
            evaluate_document(w, s, &doc, s->source.data, several);
        } else if (rc < 0 || n == 1) { /* a reader error ends the file; so does emptiness */
            if (rc == 0)
                pf_err_set(&err, "yaml.empty", 1, 1, "",
                           "the file holds no questionnaire (it is empty or only comments)");
            outcome_reject(s, slot_outcome(b, s), &err);
        }
        pf_doc_delete(&doc);
        ship(w, s);
        if (rc != 1) break;
    }
    pf_yread_delete(&r);
    free(buf);
}

static void worker_start(void *wctx, pf_beacon_t *beacon)
{
    worker_t *w = wctx;
    w->beacon = beacon;
    pf_eval_set_beacon(w->ev, beacon);
}

static void worker_work(void *wctx, pf_procs_worker_t *pw, size_t item, size_t resume)
{
    worker_t *w = wctx;
    w->pw = pw;
    produce(w, item, resume);
}

/* Before a worker leaves: the time it spent in each rule (--timings). */
static void worker_finish(void *wctx, pf_procs_worker_t *pw)
{
    worker_t *w = wctx;
    pf_rule_stat_t *st;
    size_t n = pf_eval_rule_stats(w->ev, &st);
    pf_buf_reset(&w->msg);
    for (size_t i = 0; i < n; i++)
        pf_buf_add(&w->msg, &st[i].seconds, sizeof st[i].seconds);
    pf_rule_stats_free(st, n);
    pf_procs_send(pw, w->msg.data, w->msg.len);
}

/* ---- one file's intakes, written in input order (supervisor) ------------------------ */

/* The first intake in order keeps an id; a later one with the same id is
 * rejected. Checked here, in order, so the outcome never depends on which
 * worker finished first. */
static int claim_unique(batch_t *b, size_t index, slot_t *s, outcome_t *o)
{
    if (!o->unique) return 1;
    pf_id_owner_t first;
    int rc = pf_idset_claim(&b->c.ids, o->unique, (uint32_t)index, o->unique_line, &first);
    if (rc < 0 && !b->c.res.io_failed) { /* the set's file: the run stops, the reports stand */
        fprintf(b->log, "partnerfit: cannot keep the unique ids in %s: %s\n", b->opt->out_dir,
                strerror(b->c.ids.ids.err));
        b->c.res.io_failed = 1;
    }
    if (rc != 0) return 1;
    pf_slice_item_t owner;
    if (!pf_slice_get(&b->slice, first.who, &owner, &b->owner_buf)) owner.shown = "?";
    o->err_first = s->errs.count;
    pf_idset_duplicate_error(pf_errlist_add(&s->errs), pf_schema_unique_field(b->c.cfg.schema),
                             o->unique, o->unique_line, o->unique_column, owner.shown, first.line);
    o->err_count = 1;
    return 0;
}

/* Writes an intake's reject rows: raw when reused, else from its reasons. */
static size_t write_rejects(batch_t *b, const char *path, slot_t *s, const outcome_t *o)
{
    pf_results_t *res = &b->c.res;
    if (o->reused && o->err_count == 0) {
        pf_results_write(res, res->rejects, s->raw.data + o->raw_first, o->raw_end - o->raw_first,
                         o->raw_rows);
        return o->raw_rows;
    }
    for (size_t e = o->err_first; e < o->err_first + o->err_count; e++)
        pf_results_reject(res, path, &s->errs.items[e]);
    return o->err_count;
}

/* The intake's record in shard-index.csv and partnerfit-state.csv, when the
 * run writes them: rows[r] rows written from off[r] on in each report (the
 * last: rejects.csv). */
static void write_records(batch_t *b, const pf_ledger_rec_t *base, const size_t *rows,
                          const unsigned long long *off)
{
    pf_results_t *res = &b->c.res;
    unsigned long long len[MAX_REPORTS + 1];
    for (size_t r = 0; r <= b->nreports; r++)
        len[r] = pf_results_bytes(res, r < b->nreports ? r : res->rejects) - off[r];
    pf_ledger_rec_t rec = *base;
    rec.nrows = b->nreports + 1;
    rec.rows = rows;
    rec.offs = off;
    rec.lens = len;
    pf_results_ledger(res, PF_LEDGER_SHARD_INDEX, &rec);
    pf_results_ledger(res, PF_LEDGER_STATE, &rec);
}

/* A reject of a rule's (kind rule.*): the intake was evaluated, or would
 * have been. */
static int rule_reject(const slot_t *s, const outcome_t *o)
{
    return o->err_count && strncmp(s->errs.items[o->err_first].kind, "rule.", 5) == 0;
}

/* Counts overruns in input order (so which intakes are rejected does not
 * depend on the workers' timing) and, once a rule is disabled, turns every
 * later evaluated intake into a reject naming it. */
static void apply_overruns(batch_t *b, slot_t *s, outcome_t *o)
{
    if ((!o->ok && !rule_reject(s, o)) || o->reused) return;
    int disabled = *b->disabled;
    if (disabled) {
        const pf_rule_stat_t *st = &b->rules[disabled - 1];
        o->ok = 0;
        o->limit_rule = 0;
        o->err_first = s->errs.count;
        pf_err_t *e = pf_errlist_add(&s->errs);
        pf_err_set(e, "rule.disabled", 0, 0, "",
                   "not evaluated: rule %s (%s) was disabled for the rest of the run after it "
                   "went over its limits on %d of %d intakes in a row",
                   st->id, st->where, OVERRUNS_TO_DISABLE, OVERRUN_WINDOW);
        snprintf(e->rule, sizeof e->rule, "%s", st->id);
        o->err_count = 1;
        o->hits_end = o->hits_first;
        return;
    }
    size_t at = ++b->judged; /* this intake's place among those judged, from 1 */
    if (o->limit_rule <= 0 || (size_t)o->limit_rule > b->nrules) return;
    size_t *last = b->overrun_at[o->limit_rule - 1]; /* oldest first */
    if (last[0] && at - last[0] < OVERRUN_WINDOW) {
        *b->disabled = o->limit_rule; /* the workers stop evaluating at once */
        fprintf(b->log,
                "partnerfit: rule %s (%s) went over its limits on %d of %d intakes in a row; "
                "it is disabled and every later intake is rejected\n",
                b->rules[o->limit_rule - 1].id, b->rules[o->limit_rule - 1].where,
                OVERRUNS_TO_DISABLE, OVERRUN_WINDOW);
    }
    memmove(last, last + 1, (OVERRUNS_TO_DISABLE - 2) * sizeof *last);
    last[OVERRUNS_TO_DISABLE - 2] = at;
}

/* Writes one intake, the doc-th of file (the index-th taken). */
static void write_outcome(batch_t *b, size_t index, const pf_slice_item_t *file, slot_t *s,
                          outcome_t *o, size_t doc)
{
    pf_results_t *res = &b->c.res;
    const char *path = file->shown;
    const char *what = PF_LEDGER_EVALUATED;
    size_t rows[MAX_REPORTS + 1] = {0};
    b->stats->reused += o->reused;
    apply_overruns(b, s, o);
    unsigned long long off[MAX_REPORTS + 1];
    for (size_t r = 0; r < b->nreports; r++)
        off[r] = pf_results_bytes(res, r);
    off[b->nreports] = pf_results_bytes(res, res->rejects);
    if (o->ok && claim_unique(b, index, s, o)) {
        for (size_t r = 0; r < b->nreports; r++) {
            pf_results_write(res, r, s->bufs[r].data + o->begin[r], o->end[r] - o->begin[r],
                             o->rows[r]);
            rows[r] = o->rows[r];
        }
        b->stats->evaluated++;
    } else {
        what = o->ok ? PF_LEDGER_DUPLICATE : PF_LEDGER_REJECTED;
        rows[b->nreports] = write_rejects(b, path, s, o);
        b->stats->rejected++;
        if (rule_reject(s, o)) {
            b->stats->rule_errors++;
            what = PF_LEDGER_RULE_ERROR;
        }
        o->ok = 0;
        if (b->opt->briefs) {
            uint32_t pair[2] = {(uint32_t)index, (uint32_t)doc};
            pf_spill_log_add(&b->not_evaluated, pair, sizeof pair);
        }
    }
    const pf_hit_t *hits = s->hits.items ? s->hits.items + o->hits_first : NULL;
    size_t nhits = o->hits_end - o->hits_first;
    pf_results_add_hits(res, hits, nhits);
    pf_ledger_rec_t rec = {.seq = file->entry,
                           .path = path,
                           .doc = doc,
                           .digest = s->digest,
                           .outcome = what,
                           .unique = o->unique,
                           .line = o->unique_line,
                           .column = o->unique_column,
                           .hits = hits,
                           .nhits = nhits};
    if (b->opt->shard_n || b->opt->incremental) write_records(b, &rec, rows, off);
    b->stats->intakes++;
}

/* Writes what waits in the head file's slot and moves on to the next file
 * while the head one is complete. 0 when writing failed. */
static int write_ready(batch_t *b)
{
    while (b->head < b->slice.count) {
        slot_t *s = &b->slots[b->head % b->nslots];
        pf_slice_item_t file;
        if (s->count && !pf_slice_get(&b->slice, b->head, &file, &b->item_buf)) {
            fprintf(b->log, "partnerfit: the list of files in %s cannot be read back: %s\n",
                    b->opt->out_dir, strerror(errno ? errno : EIO));
            return 0;
        }
        for (size_t i = 0; i < s->count; i++)
            write_outcome(b, b->head, &file, s, &s->items[i], ++s->written);
        slot_clear(b, s);
        if (!s->complete) break;
        s->complete = 0;
        s->written = 0;
        s->lost_at = 0;
        s->digest[0] = '\0';
        progress(b, ++b->head);
    }
    return !b->c.res.io_failed;
}

static int on_message(void *ctx, size_t item, const char *data, size_t len)
{
    batch_t *b = ctx;
    if (item == (size_t)-1) { /* a worker's rule times, as it leaves */
        for (size_t i = 0; i < b->nrules && (i + 1) * sizeof(double) <= len; i++) {
            double secs;
            memcpy(&secs, data + i * sizeof secs, sizeof secs);
            b->rules[i].seconds += secs;
        }
        return 1;
    }
    slot_t *s = &b->slots[item % b->nslots];
    if (!unship(b, s, data, len)) {
        fprintf(b->log, "partnerfit: internal error: a worker's message cannot be read\n");
        return 0;
    }
    return item == b->head ? write_ready(b) : 1;
}

static int on_done(void *ctx, size_t item)
{
    batch_t *b = ctx;
    b->slots[item % b->nslots].complete = 1;
    return item == b->head ? write_ready(b) : 1;
}

/* How long rule code may run on past its deadline before its worker is
 * stopped from outside: the evaluator's own checks come first. */
static double overrun_of(const batch_t *b)
{
    return 1.0 + b->opt->eval_limits.seconds / 2;
}

/* The worker on item stopped in the middle of it: the document it was on
 * becomes a reject naming why (and the rule, when it was stopped for
 * running past its deadline), and the file goes on after it. */
static size_t on_lost(void *ctx, size_t item, const pf_procs_loss_t *loss)
{
    batch_t *b = ctx;
    slot_t *s = &b->slots[item % b->nslots];
    /* A worker stopped again where the last one did: the document stops
     * the reader itself, and would stop every worker after it. Its reject
     * is already there; what follows it cannot be read. */
    if (loss->doc && loss->doc <= s->lost_at) return (size_t)-1;
    s->lost_at = loss->doc;
    outcome_t *o = slot_outcome(b, s);
    pf_err_t err;
    if (loss->killed) {
        char rule[600] = "the evaluation";
        if (loss->rule > 0 && (size_t)loss->rule <= b->nrules)
            snprintf(rule, sizeof rule, "rule %s (%s)", b->rules[loss->rule - 1].id,
                     b->rules[loss->rule - 1].where);
        pf_err_set(&err, "rule.limit", loss->line, loss->line ? 1 : 0, "",
                   "%s went over the time limit of %g seconds for one intake inside a call the "
                   "limits cannot interrupt; it was stopped from outside %g seconds later",
                   rule, b->opt->eval_limits.seconds, overrun_of(b));
        o->limit_rule = loss->rule;
        if (loss->rule > 0 && (size_t)loss->rule <= b->nrules)
            snprintf(err.rule, sizeof err.rule, "%s", b->rules[loss->rule - 1].id);
    } else if (WIFSIGNALED(loss->status)) {
        pf_err_set(&err, "internal", 0, 0, "",
                   "the worker process reading this intake stopped with signal %d (%s); the "
                   "rest of the run went on",
                   WTERMSIG(loss->status), strsignal(WTERMSIG(loss->status)));
    } else {
        pf_err_set(&err, "internal", 0, 0, "",
                   "the worker process reading this intake stopped with exit status %d; the "
                   "rest of the run went on",
                   WEXITSTATUS(loss->status));
    }
    outcome_reject(s, o, &err);
    if (item == b->head && !write_ready(b)) return (size_t)-1;
    /* before its first document there is nothing to go on from */
    return loss->doc ? loss->doc : (size_t)-1;
}

/* A worker in a disabled rule works for nothing: whatever it makes is
 * rejected (the intakes it is on come after the one that disabled it). */
static int on_doomed(void *ctx, int rule)
{
    batch_t *b = ctx;
    return rule > 0 && rule == *b->disabled;
}

/* A file a worker will take soon: the kernel starts reading it now, so a
 * folder that is not in the page cache (a nightly run over the day's
 * exports) is read while the workers evaluate, not when each reaches it.
 * Nothing is decided here: the worker's read checks and reports as ever. */
static void on_ahead(void *ctx, size_t item)
{
    batch_t *b = ctx;
    pf_slice_item_t entry;
    if (!pf_slice_get(&b->slice, item, &entry, &b->ahead_buf) || entry.skip_reason) return;
    pf_prefetch_file_as(entry.path, &entry.id);
}

/* ---- the workers ---------------------------------------------------------------- */

/* The slots, and what the supervisor keeps of each rule. */
static int prepare_workers(batch_t *b)
{
    b->nrules = pf_eval_rule_stats(b->c.ev, &b->rules);
    b->overrun_at = pf_xcalloc(b->nrules ? b->nrules : 1, sizeof *b->overrun_at);
    b->disabled =
        mmap(NULL, sizeof *b->disabled, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (b->disabled == MAP_FAILED) {
        b->disabled = NULL;
        return 0;
    }
    /* enough slots that workers rarely wait for the writer */
    size_t nworkers = b->opt->jobs ? b->opt->jobs : 1;
    b->nslots = nworkers * 16;
    b->slots = pf_xcalloc(b->nslots, sizeof *b->slots);
    for (size_t i = 0; i < b->nslots; i++)
        slot_init(b, &b->slots[i]);
    return 1;
}

/* How much address space a worker may add at most: the evaluator's memory
 * cap and the largest intake file, with room for what each costs on the C
 * side (the node tree, the typed intake, the rows). */
static size_t worker_memory(const batch_t *b)
{
    return 4 * b->opt->eval_limits.mem_bytes + 16 * b->opt->intake_limits.max_file_bytes +
           ((size_t)256 << 20);
}

static int evaluate_all(batch_t *b)
{
    worker_t w;
    memset(&w, 0, sizeof w);
    w.b = b;
    w.ev = b->c.ev;
    slot_init(b, &w.slot);
    pf_procs_job_t job = {.n = b->slice.count,
                          .nworkers = b->opt->jobs ? b->opt->jobs : 1,
                          .window = b->nslots,
                          .overrun_seconds = overrun_of(b),
                          .mem_limit = worker_memory(b),
                          .start = worker_start,
                          .work = worker_work,
                          .finish = worker_finish,
                          .wctx = &w,
                          .message = on_message,
                          .done = on_done,
                          .lost = on_lost,
                          .doomed = on_doomed,
                          .ahead = on_ahead,
                          .ctx = b};
    int rc = pf_procs_run(&job);
    slot_delete(b, &w.slot);
    pf_buf_delete(&w.msg);
    pf_buf_delete(&w.item_buf);
    if (rc < 0) {
        fprintf(b->log, "partnerfit: cannot start worker processes: %s\n", strerror(errno));
        return 0;
    }
    return rc == 1 && !b->c.res.io_failed;
}

/* ---- rule_hits.csv ------------------------------------------------------------ */

static void write_rule_hits(batch_t *b)
{
    b->stats->dead_rules +=
        pf_results_rule_hits(&b->c.res, b->rules, b->nrules, b->stats->evaluated, b->opt->timings,
                             b->opt->fail_on_dead_rules ? b->log : NULL);
}

/* ---- the run --------------------------------------------------------------------- */

static void batch_delete(batch_t *b)
{
    for (size_t i = 0; i < b->nslots; i++)
        slot_delete(b, &b->slots[i]);
    free(b->slots);
    pf_rule_stats_free(b->rules, b->nrules);
    free(b->overrun_at);
    if (b->disabled) munmap(b->disabled, sizeof *b->disabled);
    pf_slice_delete(&b->slice);
    pf_prev_delete(b->prev);
    pf_buf_delete(&b->item_buf);
    pf_buf_delete(&b->ahead_buf);
    pf_buf_delete(&b->owner_buf);
    pf_errlist_delete(&b->errs);
    if (b->opt->briefs) pf_briefs_delete(&b->briefs);
    pf_spill_log_delete(&b->not_evaluated);
    pf_batch_core_delete(&b->c);
}

/* ---- briefs (--briefs) ------------------------------------------------------------- */

/* Whether the n-th document of the e-th file taken was left out of the
 * reports (rejected, a duplicate, a rule error): the pairs come in input
 * order, and so do the questions, so one cursor walks them. A pair that
 * cannot be read back counts as left out: no brief rather than a wrong one. */
static int not_evaluated(batch_t *b, size_t *cursor, size_t e, size_t n)
{
    uint32_t p[2];
    size_t count = (size_t)(pf_spill_log_size(&b->not_evaluated) / sizeof p);
    for (; *cursor < count; (*cursor)++) {
        if (!pf_spill_log_read(&b->not_evaluated, *cursor * sizeof p, p, sizeof p)) return 1;
        if (p[0] > e || (p[0] == e && p[1] >= n)) return p[0] == e && p[1] == n;
    }
    return 0;
}

/* The briefs of one file's intakes: read again, checked, rendered by the
 * supervisor's evaluator; an intake the run left out of the reports gets
 * none (its reason is in rejects.csv). */
static int briefs_of_file(batch_t *b, pf_briefs_t *bs, size_t index, pf_buf_t *source,
                          size_t *cursor)
{
    pf_slice_item_t entry;
    pf_err_t err;
    char *buf = NULL;
    size_t len = 0;
    if (!pf_slice_get(&b->slice, index, &entry, &b->item_buf)) return 0;
    if (entry.skip_reason ||
        !pf_read_file_as(entry.path, &entry.id, b->opt->intake_limits.max_file_bytes, &buf, &len,
                         &err))
        return 1;
    int several = several_documents(buf, len), ok = 1;
    pf_yread_t r;
    pf_yread_init(&r, buf, len, &b->opt->intake_limits);
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    for (size_t n = 1; ok && n <= b->opt->max_file_docs; n++) {
        pf_doc_t doc;
        pf_doc_init(&doc);
        int rc = pf_yread_next(&r, &doc, &err);
        pf_value_t *intake;
        pf_errlist_reset(&errs);
        if (rc == 1 && !not_evaluated(b, cursor, index, n) && !pf_node_is_null(doc.root) &&
            pf_intake_check(&b->c.cfg, doc.root, &doc.arena, &intake, &errs, 1)) {
            pf_buf_reset(source);
            pf_buf_addstr(source, entry.shown);
            if (several) pf_buf_printf(source, "#%zu", n);
            ok = pf_briefs_add(bs, b->c.ev, &b->c.res, intake, source->data);
        }
        pf_doc_delete(&doc);
        if (rc != 1) break;
    }
    pf_errlist_delete(&errs);
    pf_yread_delete(&r);
    free(buf);
    return ok;
}

static int write_briefs(batch_t *b, pf_briefs_t *bs)
{
    pf_buf_t source;
    pf_buf_init(&source);
    int ok = 1;
    size_t cursor = 0;
    for (size_t i = 0; ok && i < b->slice.count; i++)
        ok = briefs_of_file(b, bs, i, &source, &cursor);
    pf_buf_delete(&source);
    if (bs->skipped)
        fprintf(b->log,
                "partnerfit: %zu brief(s) not written: the page could not be made (above)\n",
                bs->skipped);
    return ok;
}

/* The previous run's state, when --incremental finds one made the same way. */
static pf_prev_t *load_prev(batch_t *b)
{
    char digest[65];
    const char *names[MAX_REPORTS + 1];
    for (size_t r = 0; r <= b->nreports; r++) /* the reports, then rejects.csv */
        names[r] = b->c.res.files[r < b->nreports ? r : b->c.res.rejects].name;
    pf_prev_digest(b->opt, &b->c.cfg, b->c.ev, digest);
    return pf_prev_load(b->opt->out_dir, digest, names, b->nreports + 1, b->log);
}

/* Every PATH given must exist: a typo or an unmounted share is the
 * operator's mistake, not an intake's, so it stops the run before any
 * report is touched (exit 2). */
static int paths_exist(batch_t *b)
{
    int ok = 1;
    for (size_t i = 0; i < b->opt->npaths; i++) {
        struct stat st;
        if (stat(b->opt->paths[i], &st) != 0) {
            fprintf(b->log, "partnerfit: %s: %s\n", b->opt->paths[i], strerror(errno));
            ok = 0;
        }
    }
    if (!ok) fprintf(b->log, "partnerfit: a PATH given does not exist; no reports written\n");
    return ok;
}

/* Guards against a run that would replace good reports with empty or much
 * thinner ones: no intake file found at all (unless --allow-empty), or
 * with --max-drop, a share of files missing against the previous manifest
 * (how a half-mounted share looks). 1 to go on. */
static int enough_input(batch_t *b)
{
    size_t found = b->slice.offered;
    if (found == 0 && !b->opt->allow_empty) {
        fprintf(b->log, "partnerfit: no intake file (*.yaml, *.yml) under the paths given; "
                        "no reports written (--allow-empty writes empty ones)\n");
        return 0;
    }
    long long before = b->opt->max_drop ? pf_manifest_previous_files(b->opt->out_dir) : -1;
    if (before > 0 && (double)found < (double)before * (100.0 - b->opt->max_drop) / 100.0) {
        fprintf(b->log,
                "partnerfit: %zu intake files found, %lld in the previous run: more than %u%% "
                "fewer (--max-drop); no reports written\n",
                found, before, b->opt->max_drop);
        return 0;
    }
    return 1;
}

/* Walks the paths given into the slice (the run's share of the files),
 * which keeps them in the output folder past its memory budget: the run
 * holds the folder's lock by now, so nothing else sweeps it. Then the
 * guards against too little input. */
static int scan_inputs(batch_t *b)
{
    const char *dir = b->opt->out_dir;
    pf_slice_delete(&b->slice);
    pf_slice_init(&b->slice, dir, b->opt->shard_k, b->opt->shard_n);
    pf_spill_log_delete(&b->not_evaluated);
    pf_spill_log_init(&b->not_evaluated, dir, pf_spill_budget());
    /* the run's own YAML in its output folder (the manifest of the run
     * before) is no intake, when --out is inside a folder scanned */
    static const char *const own_yaml[] = {PF_MANIFEST_NAME, NULL};
    pf_scan_t scan;
    pf_scan_init_in(&scan, dir, pf_slice_add, &b->slice);
    pf_scan_skip_own(&scan, dir, own_yaml);
    for (size_t i = 0; i < b->opt->npaths; i++)
        pf_scan_add(&scan, b->opt->paths[i]);
    int failed = scan.failed || !pf_slice_finish(&b->slice);
    int err = scan.seen.err ? scan.seen.err : pf_slice_error(&b->slice);
    pf_scan_finish(&scan);
    pf_scan_delete(&scan);
    if (failed && err == EOVERFLOW) {
        fprintf(b->log, "partnerfit: more than %lu files; split the input into several runs\n",
                (unsigned long)UINT32_MAX - 2);
        return PF_EXIT_IO;
    }
    if (failed) {
        fprintf(b->log, "partnerfit: cannot keep the list of files in %s: %s\n", dir,
                strerror(err ? err : EIO));
        return PF_EXIT_IO;
    }
    return enough_input(b) ? PF_EXIT_OK : PF_EXIT_NO_INPUT;
}

/* A run that stops for want of input leaves no trace: when the output
 * folder was made for it (by the lock), the lock file and the folder go. */
static void forget_out_dir(batch_t *b)
{
    pf_buf_t lock;
    pf_buf_init(&lock);
    pf_buf_printf(&lock, "%s/%s", b->opt->out_dir, LOCK_NAME);
    unlink(lock.data);
    rmdir(b->opt->out_dir);
    pf_buf_delete(&lock);
}

static int run(batch_t *b)
{
    if (!pf_batch_configure(&b->c)) {
        fprintf(b->log, "partnerfit: no reports written\n");
        return PF_EXIT_CONFIG;
    }
    if (!paths_exist(b)) return PF_EXIT_CONFIG;
    struct stat st;
    int had_out_dir = stat(b->opt->out_dir, &st) == 0;
    int code = pf_batch_lock(&b->c);
    if (code != PF_EXIT_OK) return code;
    code = scan_inputs(b);
    if (code == PF_EXIT_NO_INPUT && !had_out_dir) forget_out_dir(b);
    if (code != PF_EXIT_OK) return code;
    if (b->opt->briefs && !pf_briefs_may_replace(b->opt->out_dir, b->c.prev_briefs, b->log))
        return PF_EXIT_IO;
    if (!pf_batch_open(&b->c)) return PF_EXIT_IO;
    b->nreports = b->c.res.nreports;
    if (!prepare_workers(b)) return PF_EXIT_IO;
    if (b->opt->incremental) b->prev = load_prev(b);
    b->stats->files = b->slice.count;
    b->progress = !b->opt->quiet && isatty(fileno(b->log));
    b->started_at = monotonic_seconds();
    if (!evaluate_all(b)) return PF_EXIT_IO;
    if (b->stats->evaluated + b->stats->rejected != b->stats->intakes) {
        fprintf(b->log,
                "partnerfit: internal error: %zu intakes but %zu evaluated and %zu rejected\n",
                b->stats->intakes, b->stats->evaluated, b->stats->rejected);
        return PF_EXIT_IO;
    }
    if (b->opt->briefs) {
        if (!pf_briefs_begin(&b->briefs, b->opt->out_dir, b->opt->briefs_filter, &b->c.res,
                             b->log) ||
            !write_briefs(b, &b->briefs))
            return PF_EXIT_IO;
        b->c.briefs = &b->briefs;
    }
    write_rule_hits(b);
    if (!pf_batch_finish(&b->c)) return PF_EXIT_IO;
    return pf_batch_exit_code(&b->c);
}

int pf_batch_run(const pf_batch_options_t *opt, pf_batch_stats_t *stats, FILE *log)
{
    batch_t b;
    memset(&b, 0, sizeof b);
    pf_batch_core_init(&b.c, opt, stats, log);
    b.opt = opt;
    b.stats = stats;
    b.log = log;
    pf_slice_init(&b.slice, NULL, 0, 0);
    pf_spill_log_init(&b.not_evaluated, NULL, 0);
    pf_errlist_init(&b.errs);
    int code = run(&b);
    batch_delete(&b);
    return code;
}
