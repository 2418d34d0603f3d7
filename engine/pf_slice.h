/*
 * pf_slice.h - the files a run takes from its scan, in order: all of them,
 * or with --shard K/N the share whose path hashes to K (the same on every
 * machine, so N runs split the inputs exactly); and each file's path as
 * the reports show it, escaped where it is not clean text.
 *
 * The slice lives as long as the run, so it holds nothing per file that is
 * not needed: no order without --shard (a uint32_t per file with it), and
 * escaped paths only for the names that need them.
 *
 * Owns: the order and the escaped paths, freed by pf_slice_delete; never
 * the scan.
 */
#ifndef PF_SLICE_H
#define PF_SLICE_H

#include <stdint.h>
#include <stdio.h>

#include "pf_scan.h"

typedef struct pf_slice_display pf_slice_display_t;

typedef struct pf_slice {
    const pf_scan_t *scan;
    uint32_t *order;             /* the entries taken, in order; NULL: every entry */
    size_t count;                /* files taken */
    pf_slice_display_t *display; /* the few escaped paths, in entry order */
    size_t ndisplay;
} pf_slice_t;

void pf_slice_init(pf_slice_t *s);
void pf_slice_delete(pf_slice_t *s);

/* Takes scan's entries (a shard's share when shard_n > 0). Returns 0, after
 * saying so on log, when there are more files than 32-bit entry numbers
 * can name (the list alone would take over 64 GB by then). */
int pf_slice_take(pf_slice_t *s, const pf_scan_t *scan, size_t shard_k, size_t shard_n, FILE *log);

/* The scan entry of the index-th file taken. */
static inline size_t pf_slice_entry(const pf_slice_t *s, size_t index)
{
    return s->order ? s->order[index] : index;
}

/* A scan entry's path as the reports show it. */
const char *pf_slice_path(const pf_slice_t *s, size_t entry);

/* A file name that is not valid UTF-8 or holds control characters would
 * make the reports invalid text (or carry terminal escapes to whoever
 * reads them): such bytes are shown as \xHH, and so is a backslash.
 * Returns a malloc'd text, or NULL when the name is clean. */
char *pf_slice_escape(const char *path);

#endif
