/*
 * pf_spill.h - what a run would otherwise keep in memory for every intake,
 * kept on disk instead: append-only logs and a set of keys, each in an
 * unlinked temporary file in the output folder, so that a run holds the
 * same memory for a million intakes as for a thousand.
 *
 * A log (pf_spill_log_t) takes records at its end and gives them back by
 * offset; a set (pf_spill_set_t) says whether a key was claimed before and
 * gives back the value its first claim stored. Both start in memory and
 * move to disk once they pass their memory budget (or never, without a
 * folder: the analyst commands, which read a few intakes). Reads use
 * pread, never a mapping, so the file's pages are the page cache's and
 * not the process's; a log or a set that is only read after a fork may
 * be read by every worker at once (flush it first).
 *
 * Temporary files: created as ".spill.tmp.XXXXXX" in the folder (the name
 * pf_out_sweep removes after a killed run) and unlinked at once, so they
 * are gone on every exit path, a SIGKILL included.
 *
 * The budget: PF_SPILL_BUDGET bytes each, or what the environment
 * variable PARTNERFIT_SPILL_BYTES says (for the tests, which set it tiny
 * so a few hundred intakes go through the disk path; not for operators).
 *
 * Owns: a log or a set owns its memory and its file descriptor until its
 * *_delete. Errors: a call that fails returns -1 (or 0) and leaves errno
 * in the object's err; the object then refuses further work.
 */
#ifndef PF_SPILL_H
#define PF_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "pf_common.h"

/* Memory a log or set holds before it moves to disk (the tables of a
 * thousand intakes fit). */
#define PF_SPILL_BUDGET ((size_t)256 << 10)

/* The budget for this process: PARTNERFIT_SPILL_BYTES when it is set to
 * a number, else PF_SPILL_BUDGET. */
size_t pf_spill_budget(void);

/* Opens an unlinked temporary file in dir; -1 with errno on failure. */
int pf_spill_tmpfile(const char *dir);

/* ---- logs ------------------------------------------------------------------------ */

typedef struct pf_spill_log {
    char *dir;        /* where the file goes; NULL: memory only */
    int fd;           /* -1 until the log moves to disk */
    uint64_t on_disk; /* bytes in the file; records from here on are in buf */
    pf_buf_t buf;     /* the records not yet written */
    size_t budget;
    int err; /* errno of the first failure; 0 */
} pf_spill_log_t;

void pf_spill_log_init(pf_spill_log_t *l, const char *dir, size_t budget);
void pf_spill_log_delete(pf_spill_log_t *l);
/* Appends n bytes; returns their offset, or UINT64_MAX on failure. */
uint64_t pf_spill_log_add(pf_spill_log_t *l, const void *p, size_t n);
/* Bytes in the log. */
static inline uint64_t pf_spill_log_size(const pf_spill_log_t *l)
{
    return l->on_disk + l->buf.len;
}
/* Reads n bytes at off into out[0..n); 1, or 0 on failure (not in l->err:
 * a reader may be a forked worker holding a const log). */
int pf_spill_log_read(const pf_spill_log_t *l, uint64_t off, void *out, size_t n);
/* Writes what waits in memory to the file (when the log is on disk). */
int pf_spill_log_flush(pf_spill_log_t *l);

/* ---- sets ------------------------------------------------------------------------ */

/* Keys (any bytes) with the value their first claim gave: an open
 * addressing table of (hash, record offset) slots and a log of records
 * (key, value). Exact: two keys are the same only when their bytes are. */
typedef struct pf_spill_set {
    pf_spill_log_t records;
    uint64_t *slots; /* in memory: cap pairs (hash, offset); hash 0 is free */
    int slot_fd;     /* on disk: the slots, in a file of cap pairs */
    size_t count, cap;
    size_t budget;
    int err;
} pf_spill_set_t;

void pf_spill_set_init(pf_spill_set_t *s, const char *dir, size_t budget);
void pf_spill_set_delete(pf_spill_set_t *s);
/* 1: key is new and now recorded with val[0..vlen); 0: key was claimed
 * before, and its value is appended to first (when not NULL); -1: an I/O
 * error (errno in s->err). */
int pf_spill_set_claim(pf_spill_set_t *s, const void *key, size_t klen, const void *val,
                       size_t vlen, pf_buf_t *first);
/* 1 with the value appended to first, 0 when key was never claimed, -1
 * on an I/O error. Reads only: safe in forked readers after a flush. */
int pf_spill_set_find(const pf_spill_set_t *s, const void *key, size_t klen, pf_buf_t *first);
/* Writes the records waiting in memory to the file. */
int pf_spill_set_flush(pf_spill_set_t *s);
/* Whether the set moved to disk (for the tests). */
static inline int pf_spill_set_on_disk(const pf_spill_set_t *s)
{
    return s->slot_fd >= 0;
}

#endif
