/*
 * pf_batch.c - one run of partnerfit over a set of intake paths.
 *
 * Order of work, chosen so a broken configuration never touches the
 * previous reports: policy, schema and rule pack first (exit 2 on any
 * problem); then the output folder's lock; then every report is written to
 * a temporary file while the intakes stream through; then all reports are
 * renamed into place and the manifest is written last.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "pf_batch.h"
#include "pf_config.h"
#include "pf_out.h"
#include "pf_pool.h"
#include "pf_scan.h"
#include "pf_schema.h"
#include "pf_sha256.h"
#include "pf_yemit.h"

#define REJECTS_NAME "rejects.csv"
#define MANIFEST_NAME "manifest.yaml"
#define LOCK_NAME ".partnerfit.lock"

#define MAX_REPORTS 8 /* reports a prelude may describe, besides rejects */
#define HITS_NAME "rule_hits.csv"
static const char *const HITS_COLUMNS[] = {"rule_id", "stage",     "where",        "intakes",
                                           "fired",   "fired_pct", "points_moved", "time_ms",
                                           "status",  NULL};
/* A shard's record of its intakes, for `merge`: which file (its place in
 * the full input order) and document each was, what became of it, its
 * unique id, and how many rows it has in each report. */
#define SHARD_INDEX_NAME "shard-index.csv"
static const char *const SHARD_INDEX_COLUMNS[] = {"seq",  "file",   "doc",  "outcome", "unique",
                                                  "line", "column", "rows", "hits",    NULL};
static const char *const REJECT_COLUMNS[] = {"file", "line",   "column", "field",
                                             "kind", "reason", NULL};

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void pf_batch_options_default(pf_batch_options_t *o)
{
    memset(o, 0, sizeof *o);
    o->rules_dir = "rules";
    o->policy_path = "policies/default.yaml";
    o->out_dir = "reports";
    pf_yread_limits_default(&o->intake_limits);
    pf_eval_limits_default(&o->eval_limits);
    o->max_errors_per_intake = 20;
    o->max_file_docs = 1000;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o->jobs = cpus > 0 ? (size_t)cpus : 1;
}

/* ---- ids already seen (for the schema's unique field) --------------------- */

/* Where an id was first used: who (in a run, the scan entry; in merge, the
 * file's place in merge_paths) and the line. A run keeps every id until it
 * ends, so the owner is a number, not a path. */
typedef struct id_owner {
    uint32_t who;
    unsigned long line;
} id_owner_t;

/*
 * Every accepted intake's id stays here for the whole run. An id costs one
 * record packed in a pool (the id and its NUL, who in 4 bytes, the line as
 * a varint: 1-3 bytes in any real file) and one 8-byte slot in a table
 * that fills to 3/4 before it doubles.
 */
typedef struct idset {
    char **slots; /* a record (it starts with the id), or NULL */
    size_t count, cap;
    pf_arena_t records;
} idset_t;

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void idset_grow(idset_t *set)
{
    size_t cap = set->cap ? set->cap * 2 : 1024;
    char **slots = pf_xcalloc(cap, sizeof *slots);
    for (size_t i = 0; i < set->cap; i++) {
        if (!set->slots[i]) continue;
        size_t j = hash_str(set->slots[i]) & (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = set->slots[i];
    }
    free(set->slots);
    set->slots = slots;
    set->cap = cap;
}

/* The owner stored behind a record's id. */
static id_owner_t record_owner(const char *record)
{
    id_owner_t o;
    const unsigned char *p = (const unsigned char *)record + strlen(record) + 1;
    memcpy(&o.who, p, sizeof o.who); /* records are packed, so not aligned */
    p += sizeof o.who;
    o.line = 0;
    for (unsigned shift = 0;; shift += 7, p++) {
        o.line |= (unsigned long)(*p & 0x7F) << shift;
        if (!(*p & 0x80)) break;
    }
    return o;
}

/* Records id with its owner and returns 1 when it is new; else returns 0
 * and where it was first used in *first. */
static int idset_claim(idset_t *set, const char *id, uint32_t who, unsigned long line,
                       id_owner_t *first)
{
    if (4 * (set->count + 1) > 3 * set->cap) idset_grow(set);
    size_t i = hash_str(id) & (set->cap - 1);
    while (set->slots[i]) {
        if (strcmp(set->slots[i], id) == 0) {
            *first = record_owner(set->slots[i]);
            return 0;
        }
        i = (i + 1) & (set->cap - 1);
    }
    unsigned char varint[(sizeof line * 8 + 6) / 7];
    size_t nv = 0;
    do {
        varint[nv] = (unsigned char)(line & 0x7F);
        line >>= 7;
        if (line) varint[nv] |= 0x80;
        nv++;
    } while (line);
    size_t n = strlen(id) + 1;
    char *record = pf_arena_bytes(&set->records, n + sizeof who + nv);
    memcpy(record, id, n);
    memcpy(record + n, &who, sizeof who);
    memcpy(record + n + sizeof who, varint, nv);
    set->slots[i] = record;
    set->count++;
    return 1;
}

static void idset_delete(idset_t *set)
{
    free(set->slots);
    pf_arena_delete(&set->records);
    memset(set, 0, sizeof *set);
}

/* The rejection of an intake whose unique id an earlier one already has. */
static void duplicate_error(pf_err_t *e, const char *field, const char *id, unsigned long line,
                            unsigned long column, const char *first_path, unsigned long first_line)
{
    pf_err_set(e, "intake.duplicate_id", line, column, field ? field : "",
               "the %s \"%.100s\" is already used by %.300s (line %lu); each intake needs its own",
               field ? field : "id", id, first_path, first_line);
}

/* ---- the run's state ------------------------------------------------------- */

typedef struct report_file {
    const char *name;
    pf_out_file_t out;
    pf_sha256_t sha;
    size_t rows;
    size_t bytes;
    int opened;
} report_file_t;

typedef struct batch {
    const pf_batch_options_t *opt;
    FILE *log;
    pf_config_t cfg; /* policy, schema, evaluator settings */
    pf_eval_t *ev;   /* the first worker's evaluator: report names, digest */
    /* workers (one Lua state each) and the slots results wait in */
    struct worker *workers;
    size_t nworkers;
    struct slot *slots;
    size_t nslots;
    /* outputs: the evaluator's reports, then rejects.csv */
    report_file_t *files;
    size_t nfiles;
    size_t nreports;    /* the evaluator's reports: files[0 .. nreports-1] */
    size_t rejects;     /* index of rejects.csv in files */
    size_t hits;        /* index of rule_hits.csv in files */
    size_t shard_index; /* index of shard-index.csv in files, when sharding */
    /* With --shard, the scan entries this run takes, in order; NULL when it
     * takes them all. Entries are numbered in 32 bits (see take_slice). */
    uint32_t *order;
    /* The few scan entries whose paths reports show escaped, by entry. */
    struct shown *shown;
    size_t nshown;
    /* per rule (load order): intakes it fired on and points it moved, added
     * up in input order so the sums never depend on threads or shards */
    unsigned long long *rule_fired;
    double *rule_moved;
    /* --incremental: the previous run's state and reports */
    struct prev_state *prev;
    size_t state_index;       /* index of partnerfit-state.csv in files */
    pf_arena_t merge_arena;   /* merge: the paths that own unique ids */
    const char **merge_paths; /* merge: those paths, in order (id_owner_t.who) */
    size_t nmerge_paths, merge_paths_cap;
    size_t norder;
    pf_buf_t line; /* scratch for rejects */
    idset_t ids;
    pf_scan_t scan;
    pf_errlist_t errs;
    int lock_fd;
    int io_failed;
    int progress;                   /* stderr is a terminal */
    double started_at, progress_at; /* monotonic seconds */
    /* what the manifest names; merge takes them from the shards' manifests */
    const char *m_rules_dir, *m_policy_path, *m_schema_path;
    const char *const *m_inputs;
    size_t m_ninputs;
    pf_batch_stats_t *stats;
} batch_t;

/* A file name that is not valid UTF-8 or holds control characters would
 * make the reports invalid text (or carry terminal escapes to whoever
 * reads them): such bytes are shown as \xHH. NULL when the name is clean. */
static char *escaped_path(const char *p)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t n = strlen(p), i = 0;
    int clean = 1;
    while (i < n && clean) {
        unsigned char c = s[i];
        size_t len = c < 0x80             ? 1
                     : (c & 0xE0) == 0xC0 ? 2
                     : (c & 0xF0) == 0xE0 ? 3
                     : (c & 0xF8) == 0xF0 ? 4
                                          : 0;
        if (len == 0 || i + len > n || c < 0x20 || c == 0x7F || (c == 0xC2 && s[i + 1] < 0xA0))
            clean = 0;
        for (size_t k = 1; clean && k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80) clean = 0;
        i += len ? len : 1;
    }
    if (clean) return NULL;
    pf_buf_t out;
    pf_buf_init(&out);
    for (i = 0; i < n; i++) { /* byte by byte: ASCII printable stays, all else escaped */
        if (s[i] >= 0x20 && s[i] < 0x7F && s[i] != '\\')
            pf_buf_addc(&out, (char)s[i]);
        else
            pf_buf_printf(&out, "\\x%02X", s[i]);
    }
    return out.data;
}

/* A path as reports show it, when that differs from the path itself. */
typedef struct shown {
    uint32_t entry;
    char *text;
} shown_t;

static const char *shown_path(const batch_t *b, size_t entry)
{
    size_t lo = 0, hi = b->nshown; /* b->shown is in entry order */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->shown[mid].entry == entry) return b->shown[mid].text;
        if (b->shown[mid].entry < entry)
            lo = mid + 1;
        else
            hi = mid;
    }
    return b->scan.items[entry].path;
}

/* The scan entry of the index-th file this run takes. */
static size_t entry_at(const batch_t *b, size_t index)
{
    return b->order ? b->order[index] : index;
}

/* ---- configuration ---------------------------------------------------------- */

static int load_configuration(batch_t *b)
{
    if (!pf_config_load(&b->cfg, b->opt->rules_dir, b->opt->policy_path, &b->opt->eval_limits,
                        b->opt->timings, b->log))
        return 0;
    b->ev = pf_config_evaluator(&b->cfg, b->log);
    if (!b->ev) return 0;
    b->stats->rules = pf_eval_rule_count(b->ev);
    b->rule_fired = pf_xcalloc(b->stats->rules + 1, sizeof *b->rule_fired);
    b->rule_moved = pf_xcalloc(b->stats->rules + 1, sizeof *b->rule_moved);
    b->m_rules_dir = b->opt->rules_dir;
    b->m_policy_path = b->opt->policy_path;
    b->m_schema_path = b->cfg.schema_path;
    b->m_inputs = b->opt->paths;
    b->m_ninputs = b->opt->npaths;
    return 1;
}

/* ---- output files ------------------------------------------------------------- */

static void write_file(batch_t *b, report_file_t *f, const char *p, size_t n)
{
    if (!n) return;
    if (!pf_out_write(&f->out, p, n) && !b->io_failed) {
        b->io_failed = 1; /* say it once; the run stops and keeps the old reports */
        fprintf(b->log, "partnerfit: cannot write %s in %s: %s; previous reports kept\n", f->name,
                b->opt->out_dir, strerror(f->out.write_errno ? f->out.write_errno : EIO));
    }
    pf_sha256_update(&f->sha, p, n);
    f->bytes += n;
}

static int open_report(batch_t *b, report_file_t *f, const char *name, const char *const *cols)
{
    pf_err_t err;
    f->name = name;
    pf_sha256_init(&f->sha);
    if (!pf_out_open(&f->out, b->opt->out_dir, name, &err)) {
        pf_log_error(b->log, NULL, &err);
        return 0;
    }
    f->opened = 1;
    pf_buf_reset(&b->line);
    pf_csv_begin_file(&b->line, &b->opt->style);
    pf_csv_header(&b->line, cols, &b->opt->style);
    write_file(b, f, b->line.data, b->line.len);
    return 1;
}

/* Takes the output folder's lock: 1 taken, 0 busy, -1 error. */
static int take_lock(batch_t *b)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", b->opt->out_dir, LOCK_NAME);
    b->lock_fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (b->lock_fd < 0) {
        fprintf(b->log, "partnerfit: %s: cannot open the lock file: %s\n", path, strerror(errno));
        return -1;
    }
    if (flock(b->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) {
            fprintf(b->log, "partnerfit: another run is writing to %s; nothing written\n",
                    b->opt->out_dir);
            return 0;
        }
        fprintf(b->log, "partnerfit: %s: cannot lock: %s\n", path, strerror(errno));
        return -1;
    }
    return 1;
}

static int open_state(batch_t *b);

static int open_outputs(batch_t *b)
{
    size_t n = pf_eval_report_count(b->ev);
    b->nreports = n;
    b->rejects = n;
    b->hits = n + 1;
    b->nfiles = n + 2 + (b->opt->shard_n ? 1 : 0) + (b->opt->incremental ? 1 : 0);
    b->shard_index = n + 2;
    b->state_index = b->nfiles - 1;
    b->files = pf_xcalloc(b->nfiles, sizeof *b->files);
    for (size_t i = 0; i < n; i++)
        if (!open_report(b, &b->files[i], pf_eval_report_name(b->ev, i),
                         pf_eval_report_columns(b->ev, i)))
            return 0;
    return open_report(b, &b->files[b->rejects], REJECTS_NAME, REJECT_COLUMNS) &&
           open_report(b, &b->files[b->hits], HITS_NAME, HITS_COLUMNS) &&
           (!b->opt->shard_n ||
            open_report(b, &b->files[b->shard_index], SHARD_INDEX_NAME, SHARD_INDEX_COLUMNS)) &&
           (!b->opt->incremental || open_state(b));
}

/* ---- rejects ---------------------------------------------------------------- */

static void reject_row(batch_t *b, const char *file, const pf_err_t *e)
{
    report_file_t *f = &b->files[b->rejects];
    size_t cells = 0;
    pf_buf_t *l = &b->line;
    pf_buf_reset(l);
    pf_csv_text(l, &cells, file, strlen(file));
    if (e->line) {
        pf_csv_int(l, &cells, (long long)e->line);
        pf_csv_int(l, &cells, (long long)e->column);
    } else {
        pf_csv_text(l, &cells, "", 0);
        pf_csv_text(l, &cells, "", 0);
    }
    pf_csv_text(l, &cells, e->field, strlen(e->field));
    pf_csv_text(l, &cells, e->kind, strlen(e->kind));
    pf_csv_text(l, &cells, e->msg, strlen(e->msg));
    pf_csv_end_row(l, &cells, &b->opt->style);
    write_file(b, f, l->data, l->len);
    f->rows++;
    b->stats->reject_rows++;
}

/* ---- one intake: produced on a worker, consumed in order --------------------- */

typedef struct worker {
    batch_t *b;
    pf_eval_t *ev; /* this thread's own Lua state */
} worker_t;

/* What a worker found for one file, waiting to be written in order. */
/* ---- --incremental: reuse what the previous run found -------------------------- */

/*
 * With --incremental, the run also writes partnerfit-state.csv: for every
 * intake, the digest of its file, its outcome, its unique id, its rule
 * contributions and where its rows stand in each report. The next
 * --incremental run over the same folder reuses the rows of every file
 * whose bytes did not change, provided the engine, rules, policy, schema
 * and options are the same (one digest of them all heads the file);
 * anything else is evaluated again. Duplicates and rule failures are never
 * reused, since they depend on other files or on limits.
 */
#define STATE_NAME "partnerfit-state.csv"
static const char *const STATE_COLUMNS[] = {"path",   "doc",  "digest", "outcome", "unique", "line",
                                            "column", "rows", "hits",   "spans",   NULL};
#define STATE_FIELDS 10

static int read_record(FILE *fp, pf_buf_t *row);
static size_t split_record(const pf_buf_t *row, pf_buf_t *fields, size_t max);

/* Where one intake's record stands in the previous partnerfit-state.csv.
 * The record is read again when the intake is reused, so the run keeps 16
 * bytes per intake of the previous state, not the records (which hold its
 * id, rule hits and spans: over 600 bytes an intake held in memory). */
typedef struct prev_intake {
    unsigned long long off;
    size_t len;
} prev_intake_t;

/* A file of the previous run: its intakes are items[first .. first+count-1].
 * Found by a hash of its path; the path itself and the digest are checked
 * against its first record when it is reused. */
typedef struct prev_file {
    size_t hash;
    size_t first, count;
    int reusable;
} prev_file_t;

typedef struct prev_state {
    prev_intake_t *items;
    size_t count, cap;
    prev_file_t *files;
    size_t nfiles, fcap;
    size_t *table; /* open addressing over files: index + 1, 0 = empty */
    size_t tcap;
    int state_fd;             /* the previous partnerfit-state.csv */
    int fds[MAX_REPORTS + 1]; /* the previous reports, then rejects.csv */
    pf_buf_t last_path;       /* while loading: the path of the last record */
} prev_state_t;

/* Everything besides an intake's own bytes that shapes its rows. */
static void config_digest(batch_t *b, char hex[65])
{
    char policy[65], schema[65];
    pf_sha256_hex(b->cfg.policy_text, b->cfg.policy_len, policy);
    pf_sha256_hex(b->cfg.schema_text, b->cfg.schema_len, schema);
    pf_buf_t t;
    pf_buf_init(&t);
    const pf_yread_limits_t *y = &b->opt->intake_limits;
    const pf_eval_limits_t *e = &b->opt->eval_limits;
    pf_buf_printf(&t, "%s\n%s\n%s\n%s\n%d %d\n%zu %zu\n%zu %llu %.17g\n%zu %zu %zu %zu\n",
                  PF_VERSION, pf_eval_rules_digest(b->ev), policy, schema, b->opt->style.bom,
                  b->opt->style.crlf, b->opt->max_errors_per_intake, b->opt->max_file_docs,
                  e->mem_bytes, e->instructions, e->seconds, y->max_file_bytes, y->max_depth,
                  y->max_nodes, y->max_scalar_bytes);
    pf_sha256_hex(t.data, t.len, hex);
    pf_buf_delete(&t);
}

/* The previous file whose path hashes as path's does (the caller checks
 * the path itself against the file's first record), or NULL. */
static prev_file_t *prev_find(const prev_state_t *p, const char *path)
{
    if (!p || !p->tcap) return NULL;
    size_t h = hash_str(path);
    for (size_t i = h & (p->tcap - 1); p->table[i]; i = (i + 1) & (p->tcap - 1))
        if (p->files[p->table[i] - 1].hash == h) return &p->files[p->table[i] - 1];
    return NULL;
}

static void prev_delete(prev_state_t *p)
{
    if (!p) return;
    if (p->state_fd > 0) close(p->state_fd);
    for (size_t r = 0; r <= MAX_REPORTS; r++)
        if (p->fds[r] > 0) close(p->fds[r]);
    pf_buf_delete(&p->last_path);
    free(p->items);
    free(p->files);
    free(p->table);
    free(p);
}

/* One state record (its fields f, at off in the file, len bytes) into the
 * previous state. */
static void prev_add(prev_state_t *p, pf_buf_t *f, unsigned long long off, size_t len)
{
    if (p->count == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 256;
        p->items = pf_xrealloc(p->items, p->cap * sizeof *p->items);
    }
    p->items[p->count].off = off;
    p->items[p->count].len = len;
    prev_file_t *last = p->nfiles ? &p->files[p->nfiles - 1] : NULL;
    if (!last || strcmp(p->last_path.data, f[0].data) != 0) {
        if (p->nfiles == p->fcap) {
            p->fcap = p->fcap ? p->fcap * 2 : 256;
            p->files = pf_xrealloc(p->files, p->fcap * sizeof *p->files);
        }
        last = &p->files[p->nfiles++];
        last->hash = hash_str(f[0].data);
        last->first = p->count;
        last->count = 0;
        last->reusable = 1;
        pf_buf_reset(&p->last_path);
        pf_buf_add(&p->last_path, f[0].data, f[0].len);
    }
    last->count++;
    const char *outcome = f[3].data;
    if (strcmp(outcome, "evaluated") != 0 && strcmp(outcome, "rejected") != 0) last->reusable = 0;
    p->count++;
}

static void prev_index(prev_state_t *p)
{
    p->tcap = 16;
    while (p->tcap < p->nfiles * 2)
        p->tcap *= 2;
    p->table = pf_xcalloc(p->tcap, sizeof *p->table);
    for (size_t i = 0; i < p->nfiles; i++) {
        size_t j = p->files[i].hash & (p->tcap - 1);
        while (p->table[j])
            j = (j + 1) & (p->tcap - 1);
        p->table[j] = i + 1;
    }
}

/* Reads the previous run's state if it was made the same way; else NULL. */
static prev_state_t *load_prev_state(batch_t *b)
{
    char path[4096], want[65];
    snprintf(path, sizeof path, "%s/%s", b->opt->out_dir, STATE_NAME);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(b->log, "partnerfit: no previous state in %s: evaluating every intake\n",
                b->opt->out_dir);
        return NULL;
    }
    config_digest(b, want);
    prev_state_t *p = pf_xcalloc(1, sizeof *p);
    pf_buf_t row, f[STATE_FIELDS];
    pf_buf_init(&row);
    for (size_t i = 0; i < STATE_FIELDS; i++)
        pf_buf_init(&f[i]);
    unsigned long long off = 0; /* of the record just read */
    int ok = read_record(fp, &row) && (off += row.len, read_record(fp, &row)) &&
             split_record(&row, f, STATE_FIELDS) == STATE_FIELDS &&
             strcmp(f[0].data, "#config") == 0 && strcmp(f[2].data, want) == 0;
    for (off += row.len; ok && read_record(fp, &row); off += row.len)
        if (split_record(&row, f, STATE_FIELDS) == STATE_FIELDS) prev_add(p, f, off, row.len);
    fclose(fp);
    pf_buf_delete(&p->last_path);
    p->state_fd = ok ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    ok = ok && p->state_fd > 0;
    pf_buf_delete(&row);
    for (size_t i = 0; i < STATE_FIELDS; i++)
        pf_buf_delete(&f[i]);
    for (size_t r = 0; ok && r <= b->nreports; r++) {
        const char *name = r < b->nreports ? pf_eval_report_name(b->ev, r) : REJECTS_NAME;
        snprintf(path, sizeof path, "%s/%s", b->opt->out_dir, name);
        p->fds[r] = open(path, O_RDONLY | O_CLOEXEC);
        ok = p->fds[r] > 0;
    }
    if (!ok) {
        fprintf(b->log,
                "partnerfit: the state in %s is from other rules, policy, options or reports: "
                "evaluating every intake\n",
                b->opt->out_dir);
        prev_delete(p);
        return NULL;
    }
    prev_index(p);
    return p;
}

/* partnerfit-state.csv, headed by the digest of how this run was made. */
static int open_state(batch_t *b)
{
    report_file_t *f = &b->files[b->state_index];
    if (!open_report(b, f, STATE_NAME, STATE_COLUMNS)) return 0;
    char digest[65];
    config_digest(b, digest);
    pf_buf_t *l = &b->line;
    size_t cells = 0;
    pf_buf_reset(l);
    pf_csv_text(l, &cells, "#config", 7);
    pf_csv_int(l, &cells, 0);
    pf_csv_text(l, &cells, digest, strlen(digest));
    for (int i = 3; i < STATE_FIELDS; i++)
        pf_csv_text(l, &cells, "", 0);
    pf_csv_end_row(l, &cells, &b->opt->style);
    write_file(b, f, l->data, l->len);
    return 1;
}

/* Appends len bytes at off of fd to out; 1 when all were read. */
static int read_span(int fd, unsigned long long off, unsigned long long len, pf_buf_t *out)
{
    char chunk[65536];
    while (len > 0) {
        size_t want = len < sizeof chunk ? (size_t)len : sizeof chunk;
        ssize_t got = pread(fd, chunk, want, (off_t)off);
        if (got <= 0) return 0;
        pf_buf_add(out, chunk, (size_t)got);
        off += (unsigned long long)got;
        len -= (unsigned long long)got;
    }
    return 1;
}

/* On a terminal, one line on stderr that rewrites itself: intakes done,
 * rate, rejects, time left. Nothing of it when stderr is a file or pipe. */
static void progress(batch_t *b, size_t files_done)
{
    if (!b->progress) return;
    double now = monotonic_seconds();
    int last = files_done == b->norder;
    if (!last && now - b->progress_at < 0.25) return;
    b->progress_at = now;
    double elapsed = now - b->started_at;
    double rate = elapsed > 0 ? (double)b->stats->intakes / elapsed : 0;
    double left = files_done && elapsed > 0
                      ? elapsed * (double)(b->norder - files_done) / (double)files_done
                      : 0;
    fprintf(
        b->log, "\rpartnerfit: %zu/%zu files, %zu intakes, %.0f/s, %zu rejected, %.0fs left   %s",
        files_done, b->norder, b->stats->intakes, rate, b->stats->rejected, left, last ? "\n" : "");
    fflush(b->log);
}

/* One intake (one document of a file) as a worker found it. */
typedef struct outcome {
    int ok;
    size_t end[MAX_REPORTS];     /* where its rows end in the slot's buffers */
    size_t rows[MAX_REPORTS];    /* how many rows it added */
    size_t err_first, err_count; /* its reasons, in the slot's errs */
    size_t hits_first, hits_end; /* its rule contributions, in the slot's hits */
    int reused;                  /* taken from the previous run (--incremental) */
    size_t raw_first, raw_end;   /* reused reject rows, raw, in the slot's raw */
    size_t raw_rows;
    char *unique; /* its unique id, checked by the consumer */
    unsigned long unique_line, unique_column;
} outcome_t;

/* What a worker found in one file, waiting to be written in order. */
typedef struct slot {
    pf_buf_t *bufs; /* CSV rows per evaluator report, for every intake */
    outcome_t *items;
    size_t count, cap;
    pf_errlist_t errs;                     /* reasons of the rejected intakes */
    pf_buf_t hits;                         /* "INDEX:POINTS;" of the rules that fired, per intake */
    pf_buf_t raw;                          /* reused reject rows, as the previous run wrote them */
    char digest[65];                       /* of the file's bytes (--incremental) */
    pf_buf_t source;                       /* scratch: "path" or "path#N" */
    pf_buf_t record, fields[STATE_FIELDS]; /* scratch: a previous state record */
} slot_t;

static outcome_t *slot_outcome(batch_t *b, slot_t *s)
{
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->items = pf_xrealloc(s->items, s->cap * sizeof *s->items);
    }
    outcome_t *o = &s->items[s->count++];
    memset(o, 0, sizeof *o);
    for (size_t r = 0; r < b->nreports; r++)
        o->end[r] = s->bufs[r].len;
    o->err_first = s->errs.count;
    o->hits_first = o->hits_end = s->hits.len;
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
    const char *field = pf_schema_unique_field(b->cfg.schema);
    const pf_value_t *v = field ? pf_value_get(intake, field) : NULL;
    if (v && v->kind == PF_VAL_STR) {
        o->unique = pf_xstrdup(v->s);
        o->unique_line = v->line;
        o->unique_column = v->column;
    }
}

/* Validates and evaluates one document into a new outcome. */
static void evaluate_document(worker_t *w, slot_t *s, pf_doc_t *doc, const char *source)
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
    } else if (!pf_schema_validate(b->cfg.schema, doc->root, &doc->arena, &intake, &s->errs,
                                   b->opt->max_errors_per_intake)) {
        if (s->errs.count == o->err_first)
            pf_err_set(pf_errlist_add(&s->errs), "schema", 0, 0, "",
                       "the intake does not match the schema");
        outcome_reject(s, o, NULL);
    } else if (!pf_eval_run(w->ev, intake, source, s->bufs, rows, &s->hits, &b->opt->style, &err)) {
        outcome_reject(s, o, &err);
    } else {
        o->ok = 1;
        unique_of(b, intake, o);
        for (size_t r = 0; r < b->nreports; r++)
            o->rows[r] = rows[r];
    }
    for (size_t r = 0; r < b->nreports; r++)
        o->end[r] = s->bufs[r].len;
    o->hits_end = s->hits.len;
}

/* Reads the previous state record of one intake into the slot's fields;
 * 1 when it is whole. */
static int read_prev_record(const prev_state_t *p, const prev_intake_t *it, slot_t *s)
{
    pf_buf_reset(&s->record);
    return read_span(p->state_fd, it->off, it->len, &s->record) &&
           split_record(&s->record, s->fields, STATE_FIELDS) == STATE_FIELDS;
}

/* Takes one intake's rows from the previous run, as its state record (in
 * the slot's fields) describes them. */
static int reuse_intake(batch_t *b, slot_t *s)
{
    pf_buf_t *f = s->fields;
    unsigned long long off[MAX_REPORTS + 1] = {0}, len[MAX_REPORTS + 1] = {0};
    size_t rows[MAX_REPORTS + 1] = {0};
    char *q = f[7].data;
    for (size_t r = 0; r <= b->nreports; r++)
        rows[r] = strtoull(q, &q, 10);
    q = f[9].data;
    for (size_t r = 0; r <= b->nreports; r++) {
        off[r] = strtoull(q, &q, 10);
        if (*q == ':') len[r] = strtoull(q + 1, &q, 10);
    }
    outcome_t *o = slot_outcome(b, s);
    o->reused = 1;
    o->ok = strcmp(f[3].data, "evaluated") == 0;
    o->unique = f[4].len ? pf_xstrdup(f[4].data) : NULL;
    o->unique_line = strtoul(f[5].data, NULL, 10);
    o->unique_column = strtoul(f[6].data, NULL, 10);
    int ok = 1;
    for (size_t r = 0; ok && r < b->nreports; r++) {
        ok = read_span(b->prev->fds[r], off[r], len[r], &s->bufs[r]);
        o->rows[r] = rows[r];
        o->end[r] = s->bufs[r].len;
    }
    ok = ok && read_span(b->prev->fds[b->nreports], off[b->nreports], len[b->nreports], &s->raw);
    o->raw_end = s->raw.len;
    o->raw_rows = rows[b->nreports];
    pf_buf_add(&s->hits, f[8].data, f[8].len);
    o->hits_end = s->hits.len;
    return ok;
}

/* Takes a file's intakes from the previous run when its bytes are the
 * same; returns 0 (and leaves the slot as it was) when it cannot. */
static int reuse_file(batch_t *b, slot_t *s, const char *path)
{
    const prev_file_t *pf = prev_find(b->prev, path);
    if (!pf || !pf->reusable) return 0;
    size_t count = s->count, raw = s->raw.len, hits = s->hits.len, ends[MAX_REPORTS];
    for (size_t r = 0; r < b->nreports; r++)
        ends[r] = s->bufs[r].len;
    int ok = 1;
    for (size_t i = 0; ok && i < pf->count; i++) {
        ok = read_prev_record(b->prev, &b->prev->items[pf->first + i], s);
        /* the first record says whose file it was and what its bytes were */
        if (ok && i == 0)
            ok = strcmp(s->fields[0].data, path) == 0 && strcmp(s->fields[2].data, s->digest) == 0;
        ok = ok && reuse_intake(b, s);
    }
    if (ok) return 1;
    for (size_t i = count; i < s->count; i++)
        free(s->items[i].unique);
    s->count = count; /* a previous report changed under us: evaluate instead */
    s->raw.len = raw;
    s->hits.len = hits;
    for (size_t r = 0; r < b->nreports; r++)
        s->bufs[r].len = ends[r];
    return 0;
}

/* One row of partnerfit-state.csv for an intake just written. */
static void state_row(batch_t *b, const char *path, size_t doc, const char *digest,
                      const char *what, const outcome_t *o, const size_t *rows,
                      const unsigned long long *off, const char *hits, size_t hits_len)
{
    pf_buf_t *l = &b->line;
    size_t cells = 0;
    pf_buf_reset(l);
    pf_csv_text(l, &cells, path, strlen(path));
    pf_csv_int(l, &cells, (long long)doc);
    pf_csv_text(l, &cells, digest, strlen(digest));
    pf_csv_text(l, &cells, what, strlen(what));
    pf_csv_text(l, &cells, o->unique ? o->unique : "", o->unique ? strlen(o->unique) : 0);
    pf_csv_int(l, &cells, (long long)o->unique_line);
    pf_csv_int(l, &cells, (long long)o->unique_column);
    pf_buf_t t;
    pf_buf_init(&t);
    for (size_t r = 0; r <= b->nreports; r++)
        pf_buf_printf(&t, "%s%zu", r ? " " : "", rows[r]);
    pf_csv_text(l, &cells, t.data, t.len);
    pf_csv_text(l, &cells, hits, hits_len);
    pf_buf_reset(&t);
    for (size_t r = 0; r <= b->nreports; r++) {
        size_t f = r < b->nreports ? r : b->rejects;
        pf_buf_printf(&t, "%s%llu:%llu", r ? " " : "", off[r],
                      (unsigned long long)b->files[f].bytes - off[r]);
    }
    pf_csv_text(l, &cells, t.data, t.len);
    pf_buf_delete(&t);
    pf_csv_end_row(l, &cells, &b->opt->style);
    write_file(b, &b->files[b->state_index], l->data, l->len);
}

/* Reads every document of one file into its slot (worker thread). */
static void produce(void *worker, size_t index, void *slot)
{
    worker_t *w = worker;
    batch_t *b = w->b;
    slot_t *s = slot;
    size_t e = entry_at(b, index);
    const pf_scan_entry_t *entry = &b->scan.items[e];
    pf_err_t err;
    char *buf = NULL;
    size_t len = 0;
    if (entry->skip_reason) {
        pf_err_set(&err, "input.skipped", 0, 0, "", "%s", entry->skip_reason);
        outcome_reject(s, slot_outcome(b, s), &err);
        return;
    }
    if (!pf_read_file(entry->path, b->opt->intake_limits.max_file_bytes, &buf, &len, &err)) {
        outcome_reject(s, slot_outcome(b, s), &err);
        return;
    }
    if (b->prev || b->opt->incremental) pf_sha256_hex(buf, len, s->digest);
    if (b->prev && reuse_file(b, s, shown_path(b, e))) {
        free(buf);
        return;
    }
    int several = several_documents(buf, len);
    pf_yread_t r;
    pf_yread_init(&r, buf, len, &b->opt->intake_limits);
    for (size_t n = 1;; n++) {
        pf_doc_t doc;
        pf_doc_init(&doc);
        int rc = pf_yread_next(&r, &doc, &err);
        if (rc == 1 && n > b->opt->max_file_docs) {
            /* a file of empty documents would otherwise multiply into
             * millions of rows; what lies beyond the cap is one reject */
            pf_err_set(&err, "yaml.documents", doc.root->line, doc.root->column, "",
                       "the file holds more than %zu intakes; the rest from here on is not read "
                       "(split the file, or raise --max-file-docs)",
                       b->opt->max_file_docs);
            outcome_reject(s, slot_outcome(b, s), &err);
            rc = 0;
        } else if (rc == 1) {
            pf_buf_reset(&s->source);
            pf_buf_addstr(&s->source, shown_path(b, e));
            if (several) pf_buf_printf(&s->source, "#%zu", n);
            evaluate_document(w, s, &doc, s->source.data);
        } else if (rc < 0 || n == 1) { /* a reader error ends the file; so does emptiness */
            if (rc == 0)
                pf_err_set(&err, "yaml.empty", 1, 1, "",
                           "the file holds no questionnaire (it is empty or only comments)");
            outcome_reject(s, slot_outcome(b, s), &err);
        }
        pf_doc_delete(&doc);
        if (rc != 1) break;
    }
    pf_yread_delete(&r);
    free(buf);
}

/* The first intake in order keeps an id; a later one with the same id is
 * rejected. Checked here, in order, so the outcome never depends on which
 * worker finished first. */
static int claim_unique(batch_t *b, size_t entry, slot_t *s, outcome_t *o)
{
    if (!o->unique) return 1;
    id_owner_t first;
    if (idset_claim(&b->ids, o->unique, (uint32_t)entry, o->unique_line, &first)) return 1;
    o->err_first = s->errs.count;
    duplicate_error(pf_errlist_add(&s->errs), pf_schema_unique_field(b->cfg.schema), o->unique,
                    o->unique_line, o->unique_column, shown_path(b, first.who), first.line);
    o->err_count = 1;
    return 0;
}

/* Adds one intake's "INDEX:POINTS;" list to the per-rule totals. */
static void add_hits(batch_t *b, const char *p, size_t len)
{
    const char *end = p + len;
    while (p < end) {
        char *next;
        unsigned long index = strtoul(p, &next, 10);
        if (next == p || *next != ':') break;
        double points = strtod(next + 1, &next);
        if (index >= 1 && index <= b->stats->rules) {
            b->rule_fired[index - 1]++;
            b->rule_moved[index - 1] += points;
        }
        p = next < end && *next == ';' ? next + 1 : end;
    }
}

/* One line of shard-index.csv: [-] */
static void shard_index_row(batch_t *b, size_t seq, size_t doc, const char *what,
                            const outcome_t *o, const char *hits, size_t hits_len)
{
    pf_buf_t *l = &b->line;
    size_t cells = 0;
    pf_buf_reset(l);
    const char *path = shown_path(b, seq);
    pf_csv_int(l, &cells, (long long)seq);
    pf_csv_text(l, &cells, path, strlen(path));
    pf_csv_int(l, &cells, (long long)doc);
    pf_csv_text(l, &cells, what, strlen(what));
    pf_csv_text(l, &cells, o->unique ? o->unique : "", o->unique ? strlen(o->unique) : 0);
    pf_csv_int(l, &cells, (long long)o->unique_line);
    pf_csv_int(l, &cells, (long long)o->unique_column);
    char rows[256] = "";
    size_t used = 0;
    for (size_t r = 0; r < b->nreports && used < sizeof rows; r++)
        used += (size_t)snprintf(rows + used, sizeof rows - used, "%zu ", o->ok ? o->rows[r] : 0);
    if (used < sizeof rows)
        snprintf(rows + used, sizeof rows - used, "%zu", o->ok ? 0 : o->err_count);
    pf_csv_text(l, &cells, rows, strlen(rows));
    pf_csv_text(l, &cells, hits, hits_len);
    pf_csv_end_row(l, &cells, &b->opt->style);
    write_file(b, &b->files[b->shard_index], l->data, l->len);
    b->files[b->shard_index].rows++;
}

/* Writes one file's intakes (the caller's thread, in index order). */
/* Writes an intake's reject rows: raw when reused, else from its reasons. */
static size_t write_rejects(batch_t *b, const char *path, slot_t *s, const outcome_t *o)
{
    if (o->reused && o->err_count == 0) {
        report_file_t *f = &b->files[b->rejects];
        write_file(b, f, s->raw.data + o->raw_first, o->raw_end - o->raw_first);
        f->rows += o->raw_rows;
        b->stats->reject_rows += o->raw_rows;
        return o->raw_rows;
    }
    for (size_t e = o->err_first; e < o->err_first + o->err_count; e++)
        reject_row(b, path, &s->errs.items[e]);
    return o->err_count;
}

/* Writes one file's intakes (the caller's thread, in index order). */
static int consume(void *ctx, size_t index, void *slot)
{
    batch_t *b = ctx;
    slot_t *s = slot;
    size_t entry = entry_at(b, index);
    const char *path = shown_path(b, entry);
    size_t start[MAX_REPORTS] = {0};
    for (size_t i = 0; i < s->count; i++) {
        outcome_t *o = &s->items[i];
        const char *what = "evaluated";
        size_t rows[MAX_REPORTS + 1] = {0};
        b->stats->reused += o->reused;
        unsigned long long off[MAX_REPORTS + 1];
        for (size_t r = 0; r < b->nreports; r++)
            off[r] = b->files[r].bytes;
        off[b->nreports] = b->files[b->rejects].bytes;
        if (o->ok && claim_unique(b, entry, s, o)) {
            for (size_t r = 0; r < b->nreports; r++) {
                write_file(b, &b->files[r], s->bufs[r].data + start[r], o->end[r] - start[r]);
                b->files[r].rows += o->rows[r];
                rows[r] = o->rows[r];
            }
            b->stats->evaluated++;
        } else {
            what = o->ok ? "duplicate" : "rejected";
            rows[b->nreports] = write_rejects(b, path, s, o);
            b->stats->rejected++;
            if (o->err_count && strncmp(s->errs.items[o->err_first].kind, "rule.", 5) == 0) {
                b->stats->rule_errors++;
                what = "rule_error";
            }
            o->ok = 0;
        }
        const char *hits = s->hits.data ? s->hits.data + o->hits_first : "";
        size_t nhits = o->hits_end - o->hits_first;
        add_hits(b, hits, nhits);
        if (b->opt->shard_n) shard_index_row(b, entry, i + 1, what, o, hits, nhits);
        if (b->opt->incremental)
            state_row(b, path, i + 1, s->digest, what, o, rows, off, hits, nhits);
        for (size_t r = 0; r < b->nreports; r++)
            start[r] = o->end[r];
        free(o->unique);
    }
    b->stats->intakes += s->count;
    s->count = 0;
    pf_buf_reset(&s->hits);
    pf_buf_reset(&s->raw);
    s->digest[0] = '\0';
    for (size_t r = 0; r < b->nreports; r++)
        pf_buf_reset(&s->bufs[r]);
    pf_errlist_reset(&s->errs);
    progress(b, index + 1);
    return !b->io_failed;
}

/* One evaluator per worker; the first is the one loaded with the config. */
static int start_workers(batch_t *b, const pf_eval_config_t *cfg)
{
    b->nworkers = b->opt->jobs ? b->opt->jobs : 1;
    b->workers = pf_xcalloc(b->nworkers, sizeof *b->workers);
    for (size_t i = 0; i < b->nworkers; i++) {
        b->workers[i].b = b;
        if (i == 0) {
            b->workers[i].ev = b->ev;
            continue;
        }
        pf_errlist_reset(&b->errs);
        b->workers[i].ev = pf_eval_new(cfg, &b->errs);
        if (!b->workers[i].ev) {
            fprintf(b->log, "partnerfit: cannot start worker %zu\n", i + 1);
            return 0;
        }
    }
    /* enough slots that workers rarely wait for the writer */
    b->nslots = b->nworkers * 16;
    b->slots = pf_xcalloc(b->nslots, sizeof *b->slots);
    size_t nreports = b->nreports;
    for (size_t i = 0; i < b->nslots; i++) {
        b->slots[i].bufs = pf_xcalloc(nreports ? nreports : 1, sizeof(pf_buf_t));
    }
    return 1;
}

static int evaluate_all(batch_t *b)
{
    void **workers = pf_xcalloc(b->nworkers, sizeof *workers);
    void **slots = pf_xcalloc(b->nslots, sizeof *slots);
    for (size_t i = 0; i < b->nworkers; i++)
        workers[i] = &b->workers[i];
    for (size_t i = 0; i < b->nslots; i++)
        slots[i] = &b->slots[i];
    pf_pool_job_t job = {b->norder, b->nworkers, workers, b->nslots, slots, produce, consume, b};
    size_t done = pf_pool_run(&job);
    free(workers);
    free(slots);
    if (done == (size_t)-1) {
        fprintf(b->log, "partnerfit: cannot start worker threads\n");
        return 0;
    }
    return !b->io_failed;
}

/* ---- rule_hits.csv ------------------------------------------------------------ */

/* Adds every worker's counters up, rule by rule (all load the same pack). */
static size_t gather_rule_stats(batch_t *b, pf_rule_stat_t **out)
{
    size_t n = pf_eval_rule_stats(b->workers[0].ev, out);
    for (size_t w = 1; w < b->nworkers; w++) {
        pf_rule_stat_t *more;
        size_t m = pf_eval_rule_stats(b->workers[w].ev, &more);
        for (size_t i = 0; i < n && i < m; i++) {
            (*out)[i].evaluated += more[i].evaluated;
            (*out)[i].fired += more[i].fired;
            (*out)[i].moved += more[i].moved;
            (*out)[i].seconds += more[i].seconds;
        }
        pf_rule_stats_free(more, m);
    }
    return n;
}

/* One row per rule: how often it fired on this run's intakes, how many
 * points it moved, and "never fired" for rules that did nothing. Time is
 * only measured with --timings, so by default the file is deterministic. */
static void write_rule_hits_rows(batch_t *b, const pf_rule_stat_t *st, size_t n, int timed);

static void write_rule_hits(batch_t *b)
{
    pf_rule_stat_t *st;
    size_t n = gather_rule_stats(b, &st);
    for (size_t i = 0; i < n && i < b->stats->rules; i++) {
        st[i].fired = b->rule_fired[i];
        st[i].moved = b->rule_moved[i];
    }
    write_rule_hits_rows(b, st, n, b->opt->timings);
    pf_rule_stats_free(st, n);
}

static void write_rule_hits_rows(batch_t *b, const pf_rule_stat_t *st, size_t n, int timed)
{
    report_file_t *f = &b->files[b->hits];
    pf_buf_t *l = &b->line;
    for (size_t i = 0; i < n; i++) {
        size_t cells = 0;
        pf_buf_reset(l);
        pf_csv_text(l, &cells, st[i].id, strlen(st[i].id));
        pf_csv_text(l, &cells, st[i].stage, strlen(st[i].stage));
        pf_csv_text(l, &cells, st[i].where, strlen(st[i].where));
        pf_csv_int(l, &cells, (long long)b->stats->evaluated);
        pf_csv_int(l, &cells, (long long)st[i].fired);
        pf_csv_num(l, &cells,
                   b->stats->evaluated ? 100.0 * (double)st[i].fired / (double)b->stats->evaluated
                                       : 0.0);
        pf_csv_num(l, &cells, st[i].moved);
        if (timed)
            pf_csv_num(l, &cells, st[i].seconds * 1000.0);
        else
            pf_csv_text(l, &cells, "", 0);
        const char *status = st[i].fired ? "ok" : "never fired";
        pf_csv_text(l, &cells, status, strlen(status));
        pf_csv_end_row(l, &cells, &b->opt->style);
        write_file(b, f, l->data, l->len);
        f->rows++;
        if (!st[i].fired) {
            b->stats->dead_rules++;
            if (b->opt->fail_on_dead_rules)
                fprintf(b->log, "partnerfit: rule %s (%s) fired on no intake\n", st[i].id,
                        st[i].where);
        }
    }
}

/* ---- manifest ------------------------------------------------------------------- */

typedef struct vbuild {
    pf_arena_t arena;
} vbuild_t;

static pf_value_t *v_map(vbuild_t *vb, size_t cap)
{
    pf_value_t *v = pf_arena_alloc(&vb->arena, sizeof *v);
    v->kind = PF_VAL_MAP;
    v->items = pf_arena_alloc(&vb->arena, cap * sizeof *v->items);
    v->keys = pf_arena_alloc(&vb->arena, cap * sizeof *v->keys);
    v->len = cap; /* unused by collections: holds the capacity while building */
    return v;
}

static pf_value_t *v_list(vbuild_t *vb, size_t cap)
{
    pf_value_t *v = v_map(vb, cap);
    v->kind = PF_VAL_LIST;
    return v;
}

static pf_value_t *v_add(vbuild_t *vb, pf_value_t *parent, const char *key)
{
    if (parent->count >= parent->len) {
        fprintf(stderr, "partnerfit: internal error: manifest entry '%s' over capacity\n",
                key ? key : "(item)");
        abort();
    }
    pf_value_t *v = &parent->items[parent->count];
    if (parent->kind == PF_VAL_MAP && key)
        parent->keys[parent->count] = pf_arena_strndup(&vb->arena, key, strlen(key));
    parent->count++;
    return v;
}

static void v_str(vbuild_t *vb, pf_value_t *parent, const char *key, const char *s)
{
    pf_value_t *v = v_add(vb, parent, key);
    v->kind = PF_VAL_STR;
    v->s = pf_arena_strndup(&vb->arena, s, strlen(s));
    v->len = strlen(s);
}

static void v_int(vbuild_t *vb, pf_value_t *parent, const char *key, long long i)
{
    pf_value_t *v = v_add(vb, parent, key);
    v->kind = PF_VAL_INT;
    v->i = i;
}

static void v_put(vbuild_t *vb, pf_value_t *parent, const char *key, const pf_value_t *child)
{
    *v_add(vb, parent, key) = *child;
}

static pf_value_t *manifest_value(batch_t *b, vbuild_t *vb)
{
    char hex[65];
    pf_value_t *root = v_map(vb, 8);
    v_str(vb, root, "partnerfit", PF_VERSION);

    pf_value_t *rules = v_map(vb, 3);
    v_str(vb, rules, "folder", b->m_rules_dir);
    v_int(vb, rules, "rules", (long long)b->stats->rules);
    v_str(vb, rules, "sha256", pf_eval_rules_digest(b->ev));
    v_put(vb, root, "rules", rules);

    pf_value_t *policy = v_map(vb, 2);
    v_str(vb, policy, "file", b->m_policy_path);
    pf_sha256_hex(b->cfg.policy_text, b->cfg.policy_len, hex);
    v_str(vb, policy, "sha256", hex);
    v_put(vb, root, "policy", policy);

    pf_value_t *schema = v_map(vb, 3);
    v_str(vb, schema, "file", b->m_schema_path);
    const char *version = pf_schema_version(b->cfg.schema);
    v_str(vb, schema, "version", version ? version : "");
    pf_sha256_hex(b->cfg.schema_text, b->cfg.schema_len, hex);
    v_str(vb, schema, "sha256", hex);
    v_put(vb, root, "schema", schema);

    pf_value_t *inputs = v_list(vb, b->m_ninputs);
    for (size_t i = 0; i < b->m_ninputs; i++)
        v_str(vb, inputs, NULL, b->m_inputs[i]);
    v_put(vb, root, "inputs", inputs);

    pf_value_t *counts = v_map(vb, 8); /* room for every count below */
    v_int(vb, counts, "files", (long long)b->stats->files);
    v_int(vb, counts, "intakes", (long long)b->stats->intakes);
    v_int(vb, counts, "evaluated", (long long)b->stats->evaluated);
    v_int(vb, counts, "rejected", (long long)b->stats->rejected);
    v_int(vb, counts, "reject_rows", (long long)b->stats->reject_rows);
    v_int(vb, counts, "rule_errors", (long long)b->stats->rule_errors);
    v_int(vb, counts, "rules_never_fired", (long long)b->stats->dead_rules);
    v_put(vb, root, "counts", counts);

    pf_value_t *reports = v_list(vb, b->nfiles);
    for (size_t i = 0; i < b->nfiles; i++) {
        if (b->opt->incremental && i == b->state_index) continue; /* not a report */
        pf_value_t *r = v_map(vb, 4);
        unsigned char d[32];
        pf_sha256_final(&b->files[i].sha, d);
        pf_sha256_tohex(d, hex);
        v_str(vb, r, "file", b->files[i].name);
        v_int(vb, r, "rows", (long long)b->files[i].rows);
        v_int(vb, r, "bytes", (long long)b->files[i].bytes);
        v_str(vb, r, "sha256", hex);
        v_put(vb, reports, NULL, r);
    }
    v_put(vb, root, "reports", reports);
    if (b->opt->shard_n) {
        char shard[64];
        snprintf(shard, sizeof shard, "%zu/%zu", b->opt->shard_k, b->opt->shard_n);
        v_str(vb, root, "shard", shard);
    }
    return root;
}

/* ---- finishing ------------------------------------------------------------------ */

static int finish_outputs(batch_t *b)
{
    pf_err_t err;
    for (size_t i = 0; i < b->nfiles; i++) {
        if (b->io_failed || !pf_out_finish(&b->files[i].out, &err)) {
            if (!b->io_failed) pf_log_error(b->log, NULL, &err);
            b->io_failed = 1;
            return 0;
        }
    }
    /* The manifest says what the reports hold: written after them, renamed last. */
    vbuild_t vb;
    pf_arena_init(&vb.arena);
    pf_value_t *m = manifest_value(b, &vb);
    pf_buf_t text;
    pf_buf_init(&text);
    pf_out_file_t mf = {0};
    pf_err_set(&err, "io", 0, 0, "", "cannot write %s in %s", MANIFEST_NAME, b->opt->out_dir);
    int ok = pf_yemit_buf(&text, m, &err) &&
             pf_out_open(&mf, b->opt->out_dir, MANIFEST_NAME, &err) &&
             pf_out_write(&mf, text.data, text.len) && pf_out_finish(&mf, &err);
    pf_buf_delete(&text);
    pf_arena_delete(&vb.arena);
    for (size_t i = 0; ok && i < b->nfiles; i++)
        ok = pf_out_rename(&b->files[i].out, &err);
    ok = ok && pf_out_rename(&mf, &err) && pf_out_sync_dir(b->opt->out_dir, &err);
    pf_out_abort(&mf); /* frees; removes the temporary file if it is still there */
    if (!ok) pf_log_error(b->log, NULL, &err);
    return ok;
}

/* The outcome of a run that finished, as an exit code. */
static int exit_code(const batch_t *b)
{
    if (b->stats->rule_errors) return PF_EXIT_RULE_ERRORS;
    if (b->opt->fail_on_dead_rules && b->stats->dead_rules) return PF_EXIT_DEAD_RULES;
    return b->stats->rejected ? PF_EXIT_REJECTS : PF_EXIT_OK;
}

static void batch_delete(batch_t *b)
{
    for (size_t i = 0; i < b->nfiles; i++)
        if (b->files[i].opened) pf_out_abort(&b->files[i].out);
    for (size_t i = 0; i < b->nslots; i++) {
        for (size_t k = 0; k < b->slots[i].count; k++) /* results never written (a stop) */
            free(b->slots[i].items[k].unique);
        for (size_t r = 0; r < b->nreports; r++)
            pf_buf_delete(&b->slots[i].bufs[r]);
        free(b->slots[i].bufs);
        free(b->slots[i].items);
        pf_errlist_delete(&b->slots[i].errs);
        pf_buf_delete(&b->slots[i].source);
        pf_buf_delete(&b->slots[i].record);
        for (size_t k = 0; k < STATE_FIELDS; k++)
            pf_buf_delete(&b->slots[i].fields[k]);
        pf_buf_delete(&b->slots[i].hits);
        pf_buf_delete(&b->slots[i].raw);
    }
    free(b->slots);
    for (size_t i = 1; i < b->nworkers; i++)
        pf_eval_delete(b->workers[i].ev);
    free(b->workers);
    free(b->files);
    for (size_t i = 0; i < b->nshown; i++)
        free(b->shown[i].text);
    free(b->shown);
    free(b->order);
    prev_delete(b->prev);
    pf_arena_delete(&b->merge_arena);
    free(b->merge_paths);
    free(b->rule_fired);
    free(b->rule_moved);
    pf_buf_delete(&b->line);
    idset_delete(&b->ids);
    pf_scan_delete(&b->scan);
    pf_errlist_delete(&b->errs);
    pf_eval_delete(b->ev);
    pf_config_delete(&b->cfg);
    if (b->lock_fd >= 0) close(b->lock_fd); /* releases the lock */
}

/* The files this run takes: all, or a shard's slice by a hash of the path
 * (the same on every machine, so N runs split the inputs exactly). The
 * list lives as long as the run, so it holds nothing per file that is not
 * needed: no order without --shard, escaped paths only where they differ.
 * Returns 0 when there are more files than 32-bit entry numbers can name
 * (the list alone would take over 64 GB by then). */
static int take_slice(batch_t *b)
{
    if (b->scan.count >= UINT32_MAX) {
        fprintf(b->log, "partnerfit: more than %lu files; split the input into several runs\n",
                (unsigned long)UINT32_MAX - 1);
        return 0;
    }
    size_t cap = 0;
    for (size_t i = 0; i < b->scan.count; i++) {
        char *text = escaped_path(b->scan.items[i].path);
        if (!text) continue;
        if (b->nshown == cap) {
            cap = cap ? cap * 2 : 16;
            b->shown = pf_xrealloc(b->shown, cap * sizeof *b->shown);
        }
        b->shown[b->nshown].entry = (uint32_t)i;
        b->shown[b->nshown++].text = text;
    }
    if (!b->opt->shard_n) {
        b->norder = b->scan.count;
        return 1;
    }
    size_t n = 0;
    for (size_t i = 0; i < b->scan.count; i++)
        n += hash_str(b->scan.items[i].path) % b->opt->shard_n == b->opt->shard_k;
    b->order = pf_xmalloc((n ? n : 1) * sizeof *b->order);
    b->norder = 0;
    for (size_t i = 0; i < b->scan.count; i++)
        if (hash_str(b->scan.items[i].path) % b->opt->shard_n == b->opt->shard_k)
            b->order[b->norder++] = (uint32_t)i;
    return 1;
}

static int run(batch_t *b)
{
    if (!load_configuration(b)) {
        fprintf(b->log, "partnerfit: no reports written\n");
        return PF_EXIT_CONFIG;
    }
    pf_err_t err;
    if (!pf_out_mkdirs(b->opt->out_dir, &err)) {
        pf_log_error(b->log, NULL, &err);
        return PF_EXIT_IO;
    }
    int lock = take_lock(b);
    if (lock <= 0) return lock == 0 ? PF_EXIT_BUSY : PF_EXIT_IO;
    pf_out_sweep(b->opt->out_dir);
    if (pf_eval_report_count(b->ev) > MAX_REPORTS) {
        fprintf(b->log, "partnerfit: internal error: the prelude describes more than %d reports\n",
                MAX_REPORTS);
        return PF_EXIT_IO;
    }
    if (!open_outputs(b) || !start_workers(b, &b->cfg.eval)) return PF_EXIT_IO;
    if (b->opt->incremental) b->prev = load_prev_state(b);
    for (size_t i = 0; i < b->opt->npaths; i++)
        pf_scan_add(&b->scan, b->opt->paths[i]);
    pf_scan_finish(&b->scan);
    if (!take_slice(b)) return PF_EXIT_IO;
    b->stats->files = b->norder;
    b->progress = isatty(fileno(b->log));
    b->started_at = monotonic_seconds();
    if (!evaluate_all(b)) return PF_EXIT_IO;
    if (b->stats->evaluated + b->stats->rejected != b->stats->intakes) {
        fprintf(b->log,
                "partnerfit: internal error: %zu intakes but %zu evaluated and %zu rejected\n",
                b->stats->intakes, b->stats->evaluated, b->stats->rejected);
        return PF_EXIT_IO;
    }
    write_rule_hits(b);
    if (!finish_outputs(b)) return PF_EXIT_IO;
    return exit_code(b);
}

/* ==================================================================== */
/* merge: N shard folders into the reports of a single run                  */
/* ==================================================================== */

/* One CSV record, raw: up to an unquoted line feed. Returns 0 at the end.
 * Report cells are quoted by the writer, so a quote toggles "inside". */
static int read_record(FILE *fp, pf_buf_t *row)
{
    pf_buf_reset(row);
    int c, quoted = 0;
    while ((c = getc(fp)) != EOF) {
        pf_buf_addc(row, (char)c);
        if (c == '"') quoted = !quoted;
        if (c == '\n' && !quoted) return 1;
    }
    return row->len > 0;
}

/* Splits a raw record into at most max fields (quotes removed, "" undone). */
static size_t split_record(const pf_buf_t *row, pf_buf_t *fields, size_t max)
{
    size_t n = 0;
    const char *p = row->data, *end = row->data + row->len;
    while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    while (n < max) {
        pf_buf_t *f = &fields[n++];
        pf_buf_reset(f);
        pf_buf_add(f, "", 0);
        if (p < end && *p == '"') {
            for (p++; p < end; p++) {
                if (*p == '"' && p + 1 < end && p[1] == '"')
                    pf_buf_addc(f, *p++);
                else if (*p == '"') {
                    p++;
                    break;
                } else
                    pf_buf_addc(f, *p);
            }
        } else {
            while (p < end && *p != ',')
                pf_buf_addc(f, *p++);
        }
        if (p >= end || *p != ',') break;
        p++;
    }
    return n;
}

#define INDEX_FIELDS 9

typedef struct shard_in {
    char *dir;
    FILE *reports[MAX_REPORTS + 1]; /* the evaluator's reports, then rejects.csv */
    FILE *index;
    pf_buf_t row;
    pf_buf_t f[INDEX_FIELDS]; /* the current shard-index record */
    int has;
    size_t seq, doc;
} shard_in_t;

static FILE *open_in(batch_t *b, const char *dir, const char *name, pf_buf_t *scratch)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(b->log, "partnerfit: %s: cannot open: %s\n", path, strerror(errno));
        return NULL;
    }
    int c0 = getc(fp), c1 = getc(fp), c2 = getc(fp); /* a UTF-8 BOM (--excel) */
    if (!(c0 == 0xEF && c1 == 0xBB && c2 == 0xBF)) rewind(fp);
    read_record(fp, scratch); /* the header */
    return fp;
}

static void next_index(shard_in_t *s)
{
    s->has =
        read_record(s->index, &s->row) && split_record(&s->row, s->f, INDEX_FIELDS) == INDEX_FIELDS;
    if (s->has) {
        s->seq = strtoull(s->f[0].data, NULL, 10);
        s->doc = strtoull(s->f[2].data, NULL, 10);
    }
}

/* Copies n raw rows of a shard's report r into the merged report. */
static void copy_rows(batch_t *b, shard_in_t *s, size_t r, size_t n, int keep)
{
    report_file_t *f = r < b->nreports ? &b->files[r] : &b->files[b->rejects];
    for (size_t i = 0; i < n && read_record(s->reports[r], &s->row); i++) {
        if (!keep) continue;
        write_file(b, f, s->row.data, s->row.len);
        f->rows++;
        if (r == b->nreports) b->stats->reject_rows++;
    }
}

/* Writes one intake of a shard as the single run would have. */
static void merge_intake(batch_t *b, shard_in_t *s)
{
    const char *path = s->f[1].data, *outcome = s->f[3].data, *unique = s->f[4].data;
    size_t rows[MAX_REPORTS + 1] = {0};
    char *p = s->f[7].data;
    for (size_t r = 0; r <= b->nreports; r++)
        rows[r] = strtoull(p, &p, 10);
    int evaluated = strcmp(outcome, "evaluated") == 0, dup = strcmp(outcome, "duplicate") == 0;
    add_hits(b, s->f[8].data, s->f[8].len);
    id_owner_t first;
    int taken = 0; /* the id was used before */
    if ((evaluated || dup) && unique[0]) {
        size_t last = b->nmerge_paths;
        if (!last || strcmp(b->merge_paths[last - 1], path) != 0) { /* one copy per file */
            if (last == b->merge_paths_cap) {
                b->merge_paths_cap = b->merge_paths_cap ? b->merge_paths_cap * 2 : 256;
                b->merge_paths =
                    pf_xrealloc(b->merge_paths, b->merge_paths_cap * sizeof *b->merge_paths);
            }
            b->merge_paths[b->nmerge_paths++] =
                pf_arena_strndup(&b->merge_arena, path, strlen(path));
        }
        if (b->nmerge_paths > UINT32_MAX) {
            fprintf(stderr, "partnerfit: more than %lu files to merge\n",
                    (unsigned long)UINT32_MAX);
            abort();
        }
        taken = !idset_claim(&b->ids, unique, (uint32_t)(b->nmerge_paths - 1),
                             strtoul(s->f[5].data, NULL, 10), &first);
    }
    if (evaluated && !taken) {
        for (size_t r = 0; r <= b->nreports; r++)
            copy_rows(b, s, r, rows[r], 1);
        b->stats->evaluated++;
    } else if (taken) { /* a duplicate in the whole input: reported against its first use */
        for (size_t r = 0; r <= b->nreports; r++)
            copy_rows(b, s, r, rows[r], 0);
        pf_err_t e;
        duplicate_error(&e, pf_schema_unique_field(b->cfg.schema), unique,
                        strtoul(s->f[5].data, NULL, 10), strtoul(s->f[6].data, NULL, 10),
                        b->merge_paths[first.who], first.line);
        reject_row(b, path, &e);
        b->stats->rejected++;
    } else {
        for (size_t r = 0; r <= b->nreports; r++)
            copy_rows(b, s, r, rows[r], 1);
        b->stats->rejected++;
        if (strcmp(outcome, "rule_error") == 0) b->stats->rule_errors++;
    }
    b->stats->intakes++;
}

/* The value at a dotted path of a shard manifest, as text ("" if absent). */
static const char *manifest_text(const pf_value_t *m, const char *a, const char *k)
{
    const pf_value_t *v = pf_value_get(pf_value_get(m, a), k);
    return v && v->kind == PF_VAL_STR ? v->s : "";
}

/* Checks that every shard ran the same rules, policy and schema as this
 * merge loaded, on the same inputs, and that shards 0..N-1 are all here. */
static int check_shards(batch_t *b, pf_doc_t *docs, size_t n)
{
    char policy_sha[65], schema_sha[65];
    pf_sha256_hex(b->cfg.policy_text, b->cfg.policy_len, policy_sha);
    pf_sha256_hex(b->cfg.schema_text, b->cfg.schema_len, schema_sha);
    unsigned char *seen = pf_xcalloc(n, 1);
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        const char *dir = b->opt->paths[i];
        pf_value_t *m = pf_value_from_node(&docs[i].arena, docs[i].root);
        const pf_value_t *shard = pf_value_get(m, "shard");
        unsigned long k, total;
        if (!shard || shard->kind != PF_VAL_STR || sscanf(shard->s, "%lu/%lu", &k, &total) != 2 ||
            total != n || k >= n || seen[k]) {
            fprintf(
                b->log,
                "partnerfit: %s: not one of %zu distinct shards (its manifest says shard: %s)\n",
                dir, n, shard && shard->kind == PF_VAL_STR ? shard->s : "nothing");
            ok = 0;
        } else if (strcmp(manifest_text(m, "rules", "sha256"), pf_eval_rules_digest(b->ev)) ||
                   strcmp(manifest_text(m, "policy", "sha256"), policy_sha) ||
                   strcmp(manifest_text(m, "schema", "sha256"), schema_sha)) {
            fprintf(b->log,
                    "partnerfit: %s: made with other rules, policy or schema than %s and %s\n", dir,
                    b->opt->rules_dir, b->opt->policy_path);
            ok = 0;
        } else {
            seen[k] = 1;
            if (i == 0) {
                b->m_rules_dir = manifest_text(m, "rules", "folder");
                b->m_policy_path = manifest_text(m, "policy", "file");
                b->m_schema_path = manifest_text(m, "schema", "file");
                const pf_value_t *inputs = pf_value_get(m, "inputs");
                b->m_ninputs = inputs && inputs->kind == PF_VAL_LIST ? inputs->count : 0;
                const char **list =
                    pf_arena_alloc(&docs[i].arena, (b->m_ninputs + 1) * sizeof *list);
                for (size_t j = 0; j < b->m_ninputs; j++)
                    list[j] = inputs->items[j].s;
                b->m_inputs = list;
            }
        }
    }
    free(seen);
    return ok;
}

/* Sums the shards' rule_hits.csv, rule by rule (same pack, same order). */
static void merge_rule_hits(batch_t *b, shard_in_t *in, size_t n)
{
    pf_rule_stat_t *st = NULL;
    size_t nst = 0;
    int timed = 0;
    pf_buf_t row, f[9];
    pf_buf_init(&row);
    for (size_t i = 0; i < 9; i++)
        pf_buf_init(&f[i]);
    for (size_t s = 0; s < n; s++) {
        pf_buf_t scratch;
        pf_buf_init(&scratch);
        FILE *fp = open_in(b, in[s].dir, HITS_NAME, &scratch);
        pf_buf_delete(&scratch);
        for (size_t r = 0; fp && read_record(fp, &row); r++) {
            if (split_record(&row, f, 9) != 9) continue;
            if (s == 0) {
                st = pf_xrealloc(st, (nst + 1) * sizeof *st);
                memset(&st[nst], 0, sizeof *st);
                st[nst].id = pf_xstrdup(f[0].data);
                st[nst].stage = pf_xstrdup(f[1].data);
                st[nst].where = pf_xstrdup(f[2].data);
                nst++;
            }
            if (r >= nst) continue;
            st[r].fired = r < b->stats->rules ? b->rule_fired[r] : 0;
            st[r].moved = r < b->stats->rules ? b->rule_moved[r] : 0;
            if (f[7].len) {
                timed = 1;
                st[r].seconds += strtod(f[7].data, NULL) / 1000.0;
            }
        }
        if (fp) fclose(fp);
    }
    write_rule_hits_rows(b, st, nst, timed);
    pf_rule_stats_free(st, nst);
    pf_buf_delete(&row);
    for (size_t i = 0; i < 9; i++)
        pf_buf_delete(&f[i]);
}

static int open_shard(batch_t *b, shard_in_t *s, const char *dir)
{
    s->dir = pf_xstrdup(dir);
    for (size_t r = 0; r < b->nreports; r++)
        if (!(s->reports[r] = open_in(b, dir, pf_eval_report_name(b->ev, r), &s->row))) return 0;
    if (!(s->reports[b->nreports] = open_in(b, dir, REJECTS_NAME, &s->row))) return 0;
    if (!(s->index = open_in(b, dir, SHARD_INDEX_NAME, &s->row))) return 0;
    next_index(s);
    return 1;
}

static void close_shard(batch_t *b, shard_in_t *s)
{
    for (size_t r = 0; r <= b->nreports; r++)
        if (s->reports[r]) fclose(s->reports[r]);
    if (s->index) fclose(s->index);
    pf_buf_delete(&s->row);
    for (size_t i = 0; i < INDEX_FIELDS; i++)
        pf_buf_delete(&s->f[i]);
    free(s->dir);
}

/* The intakes of all shards in the single run's order (seq, then doc). */
static void merge_intakes(batch_t *b, shard_in_t *in, size_t n)
{
    size_t last_seq = (size_t)-1;
    for (;;) {
        shard_in_t *next = NULL;
        for (size_t s = 0; s < n; s++)
            if (in[s].has && (!next || in[s].seq < next->seq ||
                              (in[s].seq == next->seq && in[s].doc < next->doc)))
                next = &in[s];
        if (!next || b->io_failed) break;
        if (next->seq != last_seq) b->stats->files++;
        last_seq = next->seq;
        merge_intake(b, next);
        next_index(next);
    }
}

static int merge(batch_t *b)
{
    size_t n = b->opt->npaths;
    if (!load_configuration(b)) return PF_EXIT_CONFIG;
    pf_doc_t *docs = pf_xcalloc(n, sizeof *docs);
    shard_in_t *in = pf_xcalloc(n, sizeof *in);
    int code = PF_EXIT_CONFIG, ok = 1;
    pf_err_t err;
    for (size_t i = 0; i < n && ok; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", b->opt->paths[i], MANIFEST_NAME);
        pf_doc_init(&docs[i]);
        if (!pf_yread_file(path, NULL, &docs[i], &err)) {
            pf_log_error(b->log, path, &err);
            ok = 0;
        }
    }
    if (ok && check_shards(b, docs, n)) {
        code = PF_EXIT_IO;
        if (pf_out_mkdirs(b->opt->out_dir, &err) && take_lock(b) > 0) {
            pf_out_sweep(b->opt->out_dir);
            ok = open_outputs(b);
            for (size_t i = 0; i < n && ok; i++)
                ok = open_shard(b, &in[i], b->opt->paths[i]);
            if (ok) {
                merge_intakes(b, in, n);
                merge_rule_hits(b, in, n);
                if (finish_outputs(b)) code = exit_code(b);
            }
        } else if (b->lock_fd >= 0 || errno == EWOULDBLOCK) {
            code = PF_EXIT_BUSY;
        }
    }
    for (size_t i = 0; i < n; i++) {
        close_shard(b, &in[i]);
        pf_doc_delete(&docs[i]);
    }
    free(in);
    free(docs);
    return code;
}

/* Sets up a batch, runs one of its drivers, frees everything. */
static int with_batch(const pf_batch_options_t *opt, pf_batch_stats_t *stats, FILE *log,
                      int (*driver)(batch_t *))
{
    batch_t b;
    memset(&b, 0, sizeof b);
    b.opt = opt;
    b.log = log;
    b.lock_fd = -1;
    b.stats = stats;
    memset(stats, 0, sizeof *stats);
    pf_config_init(&b.cfg);
    pf_buf_init(&b.line);
    pf_scan_init(&b.scan);
    pf_errlist_init(&b.errs);
    int code = driver(&b);
    batch_delete(&b);
    return code;
}

int pf_batch_run(const pf_batch_options_t *opt, pf_batch_stats_t *stats, FILE *log)
{
    return with_batch(opt, stats, log, run);
}

int pf_batch_merge(const pf_batch_options_t *opt, pf_batch_stats_t *stats, FILE *log)
{
    return with_batch(opt, stats, log, merge);
}
