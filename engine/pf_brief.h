/*
 * pf_brief.h - the HTML brief of one intake, made by the prelude's brief
 * tool (engine/lua/tools/brief.lua), and the briefs of a run: written one
 * by one into a fresh hidden folder next to the reports, listed in
 * briefs.csv (id, label, file, bytes, SHA-256), and put in place as
 * briefs/ when the run commits, so the folder never mixes two runs.
 *
 * The host knows a brief as an id, a label, a file name and a page; what
 * the page says is the prelude's and the policy's.
 *
 * Owns: a pf_brief_t owns its four buffers; a pf_briefs_t its folder path
 * and the temporary folder until it is committed (pf_briefs_delete removes
 * one never committed). Both freed by their *_delete.
 */
#ifndef PF_BRIEF_H
#define PF_BRIEF_H

#include <stdio.h>

#include "pf_common.h"
#include "pf_eval.h"
#include "pf_results.h"

#define PF_BRIEFS_DIR "briefs"
#define PF_BRIEFS_INDEX "briefs.csv"

typedef struct pf_brief {
    pf_buf_t id, label, file, html;
} pf_brief_t;

void pf_brief_init(pf_brief_t *b);
void pf_brief_delete(pf_brief_t *b);

/* Renders intake's brief with ev: 1, or 0 with err (a rule failed, a limit
 * was met, or the prelude named an unsafe file). */
int pf_brief_render(pf_eval_t *ev, const pf_value_t *intake, const char *source, pf_brief_t *b,
                    pf_err_t *err);

/* Only the intake's id, label and brief file name (no evaluation, html
 * left empty): 1, or 0 with err. */
int pf_brief_name(pf_eval_t *ev, const pf_value_t *intake, pf_brief_t *b, pf_err_t *err);

/* A brief's file name as the host accepts it: a plain name ending in
 * ".html", no '/', not starting with '.', at most 200 bytes. */
int pf_brief_name_ok(const char *name);

typedef struct pf_briefs {
    const char *out_dir;
    const char *filter; /* a shell pattern on intake ids (fnmatch), NULL: every intake */
    char *tmp_dir;      /* out_dir/.briefs-XXXXXX while the run writes */
    size_t written, skipped;
    pf_brief_t page;
    FILE *log;
} pf_briefs_t;

/* Whether a run may write OUT/briefs/: it is absent, or a folder a previous
 * run wrote (ours: its manifest, read before anything is written, lists
 * briefs.csv). Anything else (a file, a link, someone's own folder) is
 * left alone and the run refused: 0 after saying why. */
int pf_briefs_may_replace(const char *out_dir, int ours, FILE *log);

/* Starts a run's briefs: the hidden folder made, briefs.csv opened in res.
 * 0 after saying why. */
int pf_briefs_begin(pf_briefs_t *bs, const char *out_dir, const char *filter, pf_results_t *res,
                    FILE *log);
/* Renders and writes one intake's brief when its id matches the filter and
 * no brief of that name was written in this run (a duplicate id keeps the
 * first, as the reports do). 1, or 0 after saying why (an I/O error stops
 * the run; a failed rendering is said and skipped). */
int pf_briefs_add(pf_briefs_t *bs, pf_eval_t *ev, pf_results_t *res, const pf_value_t *intake,
                  const char *source);
/* Just before the reports are committed (the manifest renamed last):
 * this run's folder synced and exchanged with briefs/ in one rename, the
 * previous one removed. 0 after saying why (nothing changed then). */
int pf_briefs_commit(pf_briefs_t *bs);
void pf_briefs_delete(pf_briefs_t *bs);
/* After a run without --briefs committed over one with (ours: the
 * previous manifest listed briefs.csv): the old briefs/ and briefs.csv
 * removed, since the new reports no longer match them. A link or a file
 * called briefs is never followed or removed. */
void pf_briefs_remove_stale(const char *out_dir);
/* Removes hidden brief folders that killed runs left in out_dir. */
void pf_briefs_sweep(const char *out_dir);

#endif
