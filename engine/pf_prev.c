/*
 * pf_prev.c - the previous run's state, for --incremental: loaded as
 * offsets into partnerfit-state.csv, read again record by record.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pf_manifest.h"
#include "pf_prev.h"
#include "pf_results.h"
#include "pf_sha256.h"
#include "pf_spill.h"

/* Where one intake's record stands in the previous partnerfit-state.csv,
 * as a record of the items log. The record is read again when the intake
 * is reused, so the run keeps no record (each holds its id, rule hits and
 * spans: over 600 bytes an intake). */
typedef struct prev_intake {
    uint64_t off, len;
} prev_intake_t;

/* A file of the previous run, as the files set keeps it under its path:
 * its intakes are items first .. first + count - 1. */
typedef struct prev_file {
    uint64_t first, count;
    uint64_t reusable;
} prev_file_t;

struct pf_prev {
    pf_spill_log_t items; /* prev_intake_t, one per previous intake */
    size_t count;         /* previous intakes */
    pf_spill_set_t files; /* path -> prev_file_t */
    prev_file_t last;     /* the file being read (its path in last_path) */
    pf_buf_t last_path;
    int state_fd;                        /* the previous partnerfit-state.csv */
    int damaged;                         /* a record that does not read, or out of order */
    int failed;                          /* the items or files could not be kept */
    int fds[PF_RESULTS_MAX_REPORTS + 1]; /* the previous reports, then rejects.csv */
};

/* Raised whenever the same inputs, rules and policy give other report bytes
 * than before (a new row kind, a column, a message): a state written by an
 * engine of another format is not reused, so an --incremental rerun after
 * an upgrade gives what a full run gives. 2: rejects.csv counts the
 * problems past the 20 listed (schema.more). 3: invisible characters are
 * named, rule text is escaped, a document's rule reject has its line. */
#define PF_REPORT_FORMAT 3

void pf_prev_digest(const pf_batch_options_t *opt, const pf_config_t *cfg, const pf_eval_t *ev,
                    char hex[65])
{
    char policy[65], schema[65];
    pf_sha256_hex(cfg->policy_text, cfg->policy_len, policy);
    pf_sha256_hex(cfg->schema_text, cfg->schema_len, schema);
    pf_buf_t t;
    pf_buf_init(&t);
    const pf_yread_limits_t *y = &opt->intake_limits;
    const pf_eval_limits_t *e = &opt->eval_limits;
    pf_buf_printf(&t, "%s %d\n%s\n%s\n%s\n%d %d %d %d\n%zu %zu\n%zu %llu %.17g\n%zu %zu %zu %zu\n",
                  PF_VERSION, PF_REPORT_FORMAT, pf_eval_rules_digest(ev), policy, schema,
                  opt->style.bom, opt->style.crlf,
                  opt->style.delimiter ? opt->style.delimiter : ',', opt->style.guard,
                  opt->max_errors_per_intake, opt->max_file_docs, e->mem_bytes, e->instructions,
                  e->seconds, y->max_file_bytes, y->max_depth, y->max_nodes, y->max_scalar_bytes);
    pf_sha256_hex(t.data, t.len, hex);
    pf_buf_delete(&t);
}

void pf_prev_delete(pf_prev_t *p)
{
    if (!p) return;
    if (p->state_fd >= 0) close(p->state_fd);
    for (size_t r = 0; r <= PF_RESULTS_MAX_REPORTS; r++)
        if (p->fds[r] >= 0) close(p->fds[r]);
    pf_spill_log_delete(&p->items);
    pf_spill_set_delete(&p->files);
    pf_buf_delete(&p->last_path);
    free(p);
}

/* The file whose records were just read, into the files set; a path met
 * a second time is a damaged state (its first intakes would be lost). */
static void prev_file_done(pf_prev_t *p)
{
    if (!p->last.count) return;
    int rc = pf_spill_set_claim(&p->files, p->last_path.data, p->last_path.len, &p->last,
                                sizeof p->last, NULL);
    if (rc < 0) p->failed = 1;
    if (rc == 0) p->damaged = 1;
    p->last.count = 0;
}

/* The record rd just read, into the previous state. */
static void prev_add(pf_prev_t *p, const pf_ledger_reader_t *rd)
{
    prev_intake_t it = {rd->in.off, rd->in.raw.len};
    if (pf_spill_log_add(&p->items, &it, sizeof it) == UINT64_MAX) p->failed = 1;
    size_t plen;
    const char *path = pf_ledger_text(rd, PF_LEDGER_PATH, &plen);
    if (!p->last.count || p->last_path.len != plen || memcmp(p->last_path.data, path, plen) != 0) {
        prev_file_done(p);
        p->last.first = p->count;
        p->last.reusable = 1;
        pf_buf_reset(&p->last_path);
        pf_buf_add(&p->last_path, path, plen);
    }
    p->last.count++;
    /* a file's records are its documents 1, 2, 3...: a gap or a repeat is a
     * damaged state, and reusing it could drop or double an intake */
    if (pf_ledger_number(rd, PF_LEDGER_DOC) != p->last.count) p->damaged = 1;
    /* duplicates and rule failures depend on other files or on limits */
    const char *outcome = pf_ledger_text(rd, PF_LEDGER_OUTCOME, NULL);
    if (strcmp(outcome, PF_LEDGER_EVALUATED) != 0 && strcmp(outcome, PF_LEDGER_REJECTED) != 0)
        p->last.reusable = 0;
    p->count++;
}

/* Every whole record of a state file headed by digest; 0 when the file is
 * headed by another. */
static int read_records(pf_prev_t *p, FILE *fp, const char *digest)
{
    pf_ledger_reader_t rd;
    pf_ledger_reader_init(&rd, PF_LEDGER_STATE);
    int ok =
        pf_ledger_open(&rd, fp) && pf_ledger_next(&rd) == 1 && pf_ledger_is_config(&rd, digest);
    for (int rc; ok && (rc = pf_ledger_next(&rd)) != 0;) {
        if (rc == 1)
            prev_add(p, &rd);
        else
            p->damaged = 1; /* never skip a record: its intake would vanish */
    }
    prev_file_done(p);
    pf_ledger_reader_delete(&rd);
    return ok;
}

pf_prev_t *pf_prev_load(const char *out_dir, const char *digest, const char *const *names, size_t n,
                        FILE *log)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", out_dir, pf_ledger_file(PF_LEDGER_STATE));
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(log, "partnerfit: no previous state in %s: evaluating every intake\n", out_dir);
        return NULL;
    }
    pf_prev_t *p = pf_xcalloc(1, sizeof *p);
    p->state_fd = -1; /* 0 is a descriptor (stdin) */
    pf_spill_log_init(&p->items, out_dir, pf_spill_budget());
    pf_spill_set_init(&p->files, out_dir, pf_spill_budget());
    pf_buf_init(&p->last_path);
    for (size_t r = 0; r <= PF_RESULTS_MAX_REPORTS; r++)
        p->fds[r] = -1;
    int ok = read_records(p, fp, digest);
    fclose(fp);
    /* the workers read both after the fork: nothing may wait in memory */
    if (p->failed || !pf_spill_log_flush(&p->items) || !pf_spill_set_flush(&p->files)) {
        int e = p->items.err ? p->items.err : p->files.err ? p->files.err : EIO;
        fprintf(log,
                "partnerfit: cannot keep the previous state of %s: %s; evaluating every "
                "intake\n",
                out_dir, strerror(e));
        pf_prev_delete(p);
        return NULL;
    }
    if (ok && p->damaged) {
        fprintf(log,
                "partnerfit: the state in %s is damaged (a record does not read, or is out "
                "of order): evaluating every intake\n",
                out_dir);
        pf_prev_delete(p);
        return NULL;
    }
    p->state_fd = ok ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    ok = ok && p->state_fd >= 0 && n <= PF_RESULTS_MAX_REPORTS + 1;
    for (size_t r = 0; ok && r < n; r++) {
        snprintf(path, sizeof path, "%s/%s", out_dir, names[r]);
        p->fds[r] = open(path, O_RDONLY | O_CLOEXEC);
        ok = p->fds[r] >= 0;
    }
    if (!ok) {
        fprintf(log,
                "partnerfit: the state in %s is from other rules, policy, options or reports: "
                "evaluating every intake\n",
                out_dir);
        pf_prev_delete(p);
        return NULL;
    }
    if (!pf_manifest_vouches(out_dir, pf_ledger_file(PF_LEDGER_STATE), names, n, p->fds)) {
        fprintf(log,
                "partnerfit: the state in %s does not belong to the reports there (a run "
                "without --incremental, or an edit, came after it): evaluating every intake\n",
                out_dir);
        pf_prev_delete(p);
        return NULL;
    }
    return p;
}

int pf_prev_find(const pf_prev_t *p, const char *path, size_t *first, size_t *count)
{
    if (!p) return 0;
    pf_buf_t v;
    pf_buf_init(&v);
    prev_file_t f = {0, 0, 0};
    int found = pf_spill_set_find(&p->files, path, strlen(path), &v) == 1 && v.len == sizeof f;
    if (found) memcpy(&f, v.data, sizeof f);
    pf_buf_delete(&v);
    *first = (size_t)f.first;
    *count = (size_t)f.count;
    return found && f.reusable;
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

int pf_prev_record(const pf_prev_t *p, size_t item, pf_buf_t *scratch, pf_ledger_reader_t *rd)
{
    prev_intake_t it;
    pf_buf_reset(scratch);
    return item < p->count &&
           pf_spill_log_read(&p->items, (uint64_t)item * sizeof it, &it, sizeof it) &&
           read_span(p->state_fd, it.off, it.len, scratch) &&
           pf_ledger_parse(rd, scratch->data, scratch->len);
}

int pf_prev_rows(const pf_prev_t *p, size_t file, unsigned long long off, unsigned long long len,
                 pf_buf_t *out)
{
    return read_span(p->fds[file], off, len, out);
}
