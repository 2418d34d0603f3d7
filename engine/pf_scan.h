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
 * A scan either lists its entries (the analyst commands, a few files) or
 * hands each to a sink as it is found (a run, which keeps them on disk:
 * pf_slice); then it keeps nothing per file. The set that drops
 * duplicates (and stops folder loops) is a pf_spill_set: given a folder
 * (pf_scan_init_in), it moves to an unlinked file there past its memory
 * budget, so a million files take the memory of a few thousand.
 */
#ifndef PF_SCAN_H
#define PF_SCAN_H

#include <stddef.h>

#include "pf_common.h"
#include "pf_spill.h"

typedef struct pf_scan_entry {
    char *path;        /* as found: the given path joined with names below it */
    char *skip_reason; /* NULL: a regular file to read; else why it is skipped */
    pf_file_id_t id;   /* what the scan saw at path (dev, ino; reached by a link) */
} pf_scan_entry_t;

/* Takes one entry as it is found (in order); the entry's strings live only
 * for the call. Returns 0 to say it failed (the scan then stops handing
 * entries over and pf_scan_failed says so). */
typedef int (*pf_scan_sink_t)(void *ctx, const pf_scan_entry_t *entry);

typedef struct pf_scan {
    pf_scan_entry_t *items; /* without a sink: every entry */
    size_t count, cap;      /* entries found (with a sink too) */
    /* private: the bytes of every path and reason */
    pf_arena_t strings;
    /* private: (dev, ino) of files listed and folders entered, to drop
     * duplicates and to stop directory loops */
    pf_spill_set_t seen;
    pf_scan_sink_t sink;
    void *sink_ctx;
    int failed; /* the sink or the seen set failed: the list is not whole */
    int finished;
    /* private: the folder whose own files are passed over (pf_scan_skip_own) */
    int has_own;
    pf_file_id_t own; /* its device and inode */
    const char *const *own_names;
} pf_scan_t;

/* Folders nested deeper than this below a given path are listed with a
 * skip reason instead of being entered. */
#define PF_SCAN_MAX_DEPTH 64

/* A scan that lists its entries, every one in memory. */
void pf_scan_init(pf_scan_t *s);
/* A scan that hands its entries to sink and keeps its duplicate set in
 * memory up to the budget, then in unlinked files in dir. */
void pf_scan_init_in(pf_scan_t *s, const char *dir, pf_scan_sink_t sink, void *ctx);
void pf_scan_delete(pf_scan_t *s);
/* The files a run writes in its output folder are not intakes, even when
 * that folder is (or is inside) a folder scanned: in the folder dir (same
 * device and inode), the names in own_names (NULL-terminated, kept by the
 * caller while the scan runs) are passed over, as a name that is no
 * *.yaml is. A file named on the command line is still taken. Call before
 * pf_scan_add; a dir that cannot be looked at (not made yet) changes
 * nothing. */
void pf_scan_skip_own(pf_scan_t *s, const char *dir, const char *const *own_names);
/* Adds every intake under path. Never fails on what it finds: problems
 * become entries (only the sink or the duplicate set's file can fail). */
void pf_scan_add(pf_scan_t *s, const char *path);
/* Says no path will be added any more: frees the duplicate set. The
 * entries stay as they are; adding a path after this aborts (it could
 * list a file twice). */
void pf_scan_finish(pf_scan_t *s);

#endif
