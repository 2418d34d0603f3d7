/*
 * pf_scan.h - finds the intake files under the paths given on the command
 * line, in a deterministic order: each path in the order given; inside a
 * folder, entries sorted by their bytes (strcmp), recursively; only names
 * ending in .yaml or .yml (any case: .YAML too) are taken from folders, while a file named
 * explicitly is always taken. The same file reached twice (by a link or
 * by two paths) is listed once.
 *
 * Nothing is dropped silently: anything that looks like an intake but cannot
 * be read as one (a FIFO, device or socket, a symlink that leads out of the
 * folder given, a missing path) is listed with a skip reason so the caller
 * can report it. A folder is searched whatever its name (x.yaml/ too).
 *
 * Each file is listed with the identity (device, inode) it had when the
 * scan saw it, so the read can refuse a file swapped in afterwards (a link
 * to something outside, put there between the scan and the read):
 * pf_scan_open_entry.
 *
 * Owns: a pf_scan_t owns all entries and their strings until pf_scan_delete().
 * A batch lists every file before it reads one (the count and the order
 * must be known), so the list is kept small: the strings are packed in one
 * pool, and the set that drops duplicates can be freed once the list is
 * complete (pf_scan_finish).
 */
#ifndef PF_SCAN_H
#define PF_SCAN_H

#include <stddef.h>

#include "pf_common.h"

typedef struct pf_scan_entry {
    char *path;        /* as found: the given path joined with names below it */
    char *skip_reason; /* NULL: a regular file to read; else why it is skipped */
    pf_file_id_t id;   /* what the scan saw at path (dev, ino; reached by a link) */
} pf_scan_entry_t;

typedef struct pf_scan {
    pf_scan_entry_t *items;
    size_t count, cap;
    /* private: the bytes of every path and reason */
    pf_arena_t strings;
    /* private: (dev, ino) of files listed and folders entered, to drop
     * duplicates and to stop directory loops (a hash set) */
    void *seen;
    size_t seen_count, seen_cap;
    int seen_zero; /* (0, 0) was seen: that key marks a free slot */
    int finished;
} pf_scan_t;

/* Folders nested deeper than this below a given path are listed with a
 * skip reason instead of being entered. */
#define PF_SCAN_MAX_DEPTH 64

void pf_scan_init(pf_scan_t *s);
void pf_scan_delete(pf_scan_t *s);
/* Adds every intake under path. Never fails: problems become entries. */
void pf_scan_add(pf_scan_t *s, const char *path);
/* Says no path will be added any more: frees the duplicate set, which is
 * as large as the list itself. The entries stay as they are; adding a
 * path after this aborts (it could list a file twice). */
void pf_scan_finish(pf_scan_t *s);

#endif
