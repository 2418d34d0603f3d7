/*
 * pf_why.h - the explained cells of one evaluation, written in C from the
 * prelude's flat list of what each rule did (runner.lua: kind, key, rule
 * id, points or false, text; five values per contribution): the rows of a
 * contributions report (one per contribution) and the cells that join a
 * key's contributions ("rule +5: reason; rule -3: reason"), such as a
 * recommendation's `why` and a need's `drivers`. The prelude used to
 * concatenate that text per intake, and the host to check and quote it
 * again; here each piece (a rule's id, a reason that is the same string
 * intake after intake) is checked and escaped once and copied after.
 *
 * The bytes are those the prelude's joined text gave through the generic
 * cell writer, byte for byte: a cell with a piece that is not clean text,
 * that needs the formula guard or that is over the cell limit is made
 * the generic way (pf_csv_cell_shown) from the same joined text.
 *
 * Owns: pf_why_t, one per evaluator (pf_why_new, freed by pf_why_delete),
 * reused from intake to intake: the entries of the evaluation being
 * written, which point into the Lua strings of its list (the list is
 * anchored in the registry from pf_why_read to the next pf_why_reset), and
 * a bounded cache of escaped pieces. Knows no report, kind or key by name:
 * the prelude's report descriptions name them (pf_eval.c reads them).
 */
#ifndef PF_WHY_H
#define PF_WHY_H

#include <lua.h>

#include "pf_common.h"
#include "pf_csv.h"

typedef struct pf_why pf_why_t;

pf_why_t *pf_why_new(void);
void pf_why_delete(pf_why_t *w);

/* Forgets the entries of the last evaluation and drops the anchor of its
 * list: called before each evaluation, so that no cell of one intake can
 * come from the contributions of another. [-0, +0, -] */
void pf_why_reset(pf_why_t *w, lua_State *L);

/* Reads the flat list at stack index idx (kind, key, rule id: strings;
 * points: a number or false; text: a string; repeated) and anchors it.
 * 1, or 0 with a message in err when an entry is not of that shape.
 * [-0, +0, m] */
int pf_why_read(pf_why_t *w, lua_State *L, int idx, char *err, size_t errsz);

/* The kind cell of a contributions row: kinds[2i] is the list's kind,
 * kinds[2i + 1] its text in the report (NULL-terminated pairs); a kind not
 * listed gets an empty cell. */
typedef const char *const *pf_why_kinds_t;

/* Writes one row per entry read: the intake's id, its kind's text, the
 * key, the rule id, the points (empty without) and the text. Returns the
 * number of rows. */
size_t pf_why_write_rows(pf_why_t *w, const char *id, size_t idlen, pf_why_kinds_t kinds,
                         pf_buf_t *b, const pf_csv_style_t *style);

/* Writes the cell that joins, in the order they were recorded, the entries
 * of the given kind and key, each as "rule +points: text" ("rule: text"
 * without points), with "; " between; none (its own text) when there is no
 * such entry. */
void pf_why_cell(pf_why_t *w, const char *kind, const char *key, size_t keylen, const char *none,
                 pf_buf_t *b, size_t *cells, const pf_csv_style_t *style);

#endif
