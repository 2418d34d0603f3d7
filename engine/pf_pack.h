/*
 * pf_pack.h - a rule pack read into memory once: the *.lua files of the
 * rules folder, in sorted (strcmp) order, their bytes and the SHA-256 over
 * their names and contents.
 *
 * Why a copy: an evaluator builds its Lua state again after a rule went
 * over a limit. Reading the folder again then would score later intakes
 * with whatever the files hold by then (an edit made mid-run, or a broken
 * one) under the digest of the first read. Every state of a run is built
 * from one pf_pack_t instead, so the manifest's digest says what scored
 * every intake.
 *
 * Thread use: read-only once pf_pack_read() returns, so evaluators on
 * several threads may share one pack.
 *
 * Owns: the names and bytes of its files until pf_pack_delete().
 */
#ifndef PF_PACK_H
#define PF_PACK_H

#include <stddef.h>

#include "pf_common.h"

#define PF_PACK_FILE_MAX (1u << 20) /* one rule file */

typedef struct pf_pack_file {
    char *display; /* "<dir>/<name>", as messages and chunk names show it */
    char *bytes;   /* NUL-terminated; len does not count the NUL */
    size_t len;
} pf_pack_file_t;

typedef struct pf_pack {
    pf_pack_file_t *files; /* load order */
    size_t count;
    char digest[65]; /* hex SHA-256 over each display name (with its NUL) and bytes */
} pf_pack_t;

/* Reads every *.lua file of dir (not starting with '.'). Returns the pack,
 * or NULL with every problem appended to errs (kind "rules.io": the folder
 * cannot be opened, holds no .lua file, or a file cannot be read). */
pf_pack_t *pf_pack_read(const char *dir, pf_errlist_t *errs);
void pf_pack_delete(pf_pack_t *p);

#endif
