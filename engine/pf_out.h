/*
 * pf_out.h - report files that appear whole or not at all.
 *
 * Each report is written to a hidden temporary file in the output folder
 * (".NAME.tmp.XXXXXX"), then flushed, fsynced, closed and renamed over NAME,
 * and the folder is fsynced, so a run killed at any moment or a full disk
 * leaves the previous reports whole.
 *
 * Owns: a pf_out_file_t owns its FILE and both path strings until
 * pf_out_commit() or pf_out_abort(), one of which must be called.
 */
#ifndef PF_OUT_H
#define PF_OUT_H

#include <stdio.h>
#include "pf_common.h"

typedef struct pf_out_file {
    char *final_path;
    char *tmp_path;
    FILE *fp;
    char *iobuf;     /* fp's buffer, freed after fp is closed */
    int failed;      /* a write failed; commit will refuse */
    int write_errno; /* errno of the first failed write, for the message */
} pf_out_file_t;

/* Creates dir (and parents) if missing. Returns 1 on success, 0 with err. */
int pf_out_mkdirs(const char *dir, pf_err_t *err);
/* Opens a temporary file for dir/name (mode 0644). name is one plain file
 * name: no '/', not starting with '.'. Returns 1, or 0 with err. */
int pf_out_open(pf_out_file_t *f, const char *dir, const char *name, pf_err_t *err);
/* Buffered write; remembers failure for commit. Returns 1 or 0. */
int pf_out_write(pf_out_file_t *f, const void *p, size_t n);
/* Finishes the temporary file (fflush, fsync, fclose) without renaming it.
 * Returns 1, or 0 with err (then the temp file is removed). */
int pf_out_finish(pf_out_file_t *f, pf_err_t *err);
/* Renames a finished file (finishing it first if still open) over its final
 * name; the folder is not synced. Returns 1, or 0 with err (then the temp
 * file is removed). Either way call pf_out_abort() to free the paths. */
int pf_out_rename(pf_out_file_t *f, pf_err_t *err);
/* finish + rename + sync the folder, then frees everything (f is left
 * zeroed, so a later pf_out_abort() is harmless). Returns 1, or 0 with err;
 * on failure before the rename the previous NAME is untouched. */
int pf_out_commit(pf_out_file_t *f, pf_err_t *err);
/* The whole of p[0..n) as the file at path (its folder: the part before
 * the last '/', or "."), through a temporary file: open, write, commit.
 * Returns 1, or 0 with err; the previous file at path is then untouched. */
int pf_out_write_file(const char *path, const void *p, size_t n, pf_err_t *err);
/* Closes and removes the temporary file if any; frees the paths. Safe on a
 * zeroed, committed or already aborted pf_out_file_t. */
void pf_out_abort(pf_out_file_t *f);
/* fsync a folder so renames inside it are durable. Returns 1, or 0 with err. */
int pf_out_sync_dir(const char *dir, pf_err_t *err);
/* Removes stale ".NAME.tmp.XXXXXX" regular files (the names pf_out_open
 * makes) left in dir by a killed run; anything else is left alone. */
void pf_out_sweep(const char *dir);

#endif
