/*
 * pf_slice.h - the files a run takes from its scan, in order: all of them,
 * or with --shard K/N the share whose path hashes to K (the same on every
 * machine, so N runs split the inputs exactly); and each file's path as
 * the reports show it, escaped where it is not clean text.
 *
 * The scan hands each entry over as it finds it (pf_slice_add, a
 * pf_scan_sink_t); the slice keeps the ones it takes in two pf_spill_logs
 * (a fixed record per file, and the file's strings), so what a run holds
 * for its whole length does not grow with its files: in memory up to the
 * budget, then in unlinked files in the output folder. Every process of
 * the run reads the same files by place (pf_slice_get) once the slice is
 * finished.
 *
 * Owns: the logs (and their files), freed by pf_slice_delete; an item's
 * strings live in the buffer its caller gives pf_slice_get.
 */
#ifndef PF_SLICE_H
#define PF_SLICE_H

#include <stdint.h>
#include <stdio.h>

#include "pf_scan.h"
#include "pf_spill.h"

typedef struct pf_slice {
    pf_spill_log_t index;   /* one fixed record per file taken */
    pf_spill_log_t strings; /* each file's path, reason and shown path */
    size_t count;           /* files taken */
    size_t offered;         /* files the scan found (the whole scan's count) */
    size_t shard_k, shard_n;
} pf_slice_t;

/* One file taken, as pf_slice_get gives it back. */
typedef struct pf_slice_item {
    size_t entry;            /* its place in the whole scan (the order of a merge) */
    const char *path;        /* as found: what to read */
    const char *shown;       /* as the reports show it (escaped where needed) */
    const char *skip_reason; /* NULL, or why it is not read */
    pf_file_id_t id;
} pf_slice_item_t;

/* A slice that takes a shard's share when shard_n > 0, in memory up to the
 * spill budget and then in dir (NULL: memory only). */
void pf_slice_init(pf_slice_t *s, const char *dir, size_t shard_k, size_t shard_n);
void pf_slice_delete(pf_slice_t *s);

/* A pf_scan_sink_t (ctx: the slice): takes the entry when it is in the
 * share. 0 when it cannot be kept (the file failed, or there are more
 * files than 32-bit numbers can name). */
int pf_slice_add(void *slice, const pf_scan_entry_t *entry);
/* Writes what waits in memory, so forked readers see every file; 1, or 0
 * on an I/O error. */
int pf_slice_finish(pf_slice_t *s);
/* The index-th file taken, its strings in scratch; 1, or 0 when it cannot
 * be read back. */
int pf_slice_get(const pf_slice_t *s, size_t index, pf_slice_item_t *item, pf_buf_t *scratch);
/* errno of the logs' first failure, 0 when none. */
int pf_slice_error(const pf_slice_t *s);

/* A file name that is not valid UTF-8 or holds control characters would
 * make the reports invalid text (or carry terminal escapes to whoever
 * reads them): such bytes are shown as \xHH, and so is a backslash.
 * Returns a malloc'd text, or NULL when the name is clean. */
char *pf_slice_escape(const char *path);

#endif
