/*
 * pf_schema_int.h - what the files of the schema module share, private to
 * them: the loaded form of a schema (a tree of field specs), the pieces
 * both the loader and the checker word their messages with, and the field
 * paths they file errors under.
 *
 *   pf_schema_load.c      reads the schema file into specs; pf_schema_delete
 *   pf_schema_check.c     validates and converts intakes; the scalar grammars
 *   pf_schema_describe.c  the specs as a typed value, for tooling
 *   pf_schema_msg.c       message pieces: quoting, "did you mean"
 *
 * Names here start with sch_ to tell them from the public pf_schema_ API.
 *
 * Owns: a pf_schema_t keeps every spec and string in its own arena, plus the
 * compiled patterns (chained through their specs so delete can regfree
 * them). A loaded schema is never written again: validation keeps its state
 * in a per-call context, so evaluator threads may share one schema.
 */
#ifndef PF_SCHEMA_INT_H
#define PF_SCHEMA_INT_H

#include <regex.h>
#include <stddef.h>

#include "pf_common.h"
#include "pf_node.h"
#include "pf_schema.h"
#include "pf_value.h"

/* ---- field specs ----------------------------------------------------------- */

typedef enum spec_type {
    T_STRING,
    T_TEXT,
    T_INTEGER,
    T_NUMBER,
    T_BOOLEAN,
    T_ENUM,
    T_DATE,
    T_LIST,
    T_OBJECT,
    T_MAP,
    T_COUNT
} spec_type_t;

/* The names the schema file gives the types, indexed by spec_type_t. */
extern const char *const sch_type_names[T_COUNT];

/* Where a spec sits decides which attributes make sense: only fields of an
 * object can be optional (required/default), only top-level ones unique. */
typedef enum spec_role { ROLE_TOP, ROLE_FIELD, ROLE_ITEM, ROLE_VALUE, ROLE_KEY } spec_role_t;

typedef struct spec spec_t;
struct spec {
    spec_type_t type;
    spec_role_t role;
    int required, unique;
    /* Not used by validation; kept for tooling that generates docs and
     * editor annotations from a loaded schema. */
    const char *doc;
    unsigned long line, column; /* of the spec in the schema file */

    int has_default;
    /* Placed in the schema file, its text in the schema arena; validation
     * fills it in at line 0. */
    pf_value_t def;

    /* string, text */
    size_t min_length, max_length;
    int has_max_length;
    const char *pattern;
    int has_re;
    regex_t re;
    spec_t *next_re; /* chain of specs holding a compiled regex */

    /* integer, number, date: bounds, with their text for messages */
    int has_min, has_max;
    long long imin, imax;
    double nmin, nmax;
    const char *min_text, *max_text;

    /* enum: inline values or the values of a named enum */
    const char *const *values;
    size_t nvalues;
    const char *enum_name; /* set when the values come from enums: (tooling) */

    /* list (items), map (items = value spec, keys = key spec or NULL) */
    spec_t *items, *keys;
    size_t min_items, max_items;
    int has_max_items;

    /* object */
    size_t nfields;
    const char **names;
    spec_t **fields;
};

typedef struct named_enum {
    const char *name;
    const char **values;
    size_t count;
} named_enum_t;

struct pf_schema {
    pf_arena_t arena;
    const char *version;
    const char *unique; /* name of the unique top-level field, or NULL */
    spec_t *root;       /* an object spec for the top-level mapping */
    named_enum_t *enums;
    size_t nenums;
    spec_t *regexes;
};

/* ---- messages ---------------------------------------------------------------- */

#define QUOTE_MAX 60
#define QUOTE_BUF (2 * QUOTE_MAX + 8) /* room for sch_quote's output */

/* Quotes text for a message into out (QUOTE_BUF bytes) with q around it:
 * escapes control characters so a message stays on one line, and cuts long
 * text (never inside a UTF-8 sequence). Returns out. */
const char *sch_quote(char *out, const char *s, size_t len, char q);
/* What a node is, for "found ..." in messages; buf as for sch_quote. */
const char *sch_found(const pf_node_t *n, char *buf);
/* "s" unless n is 1. */
const char *sch_plural(size_t n);
/* Appends items joined by ", ". */
void sch_add_list(pf_buf_t *b, const char *const *items, size_t n);
/* The candidate an analyst most likely meant, or NULL when none is close. */
const char *sch_nearest(const char *word, const char *const *cands, size_t n);

/* ---- field paths ("help[2].area") -------------------------------------------- */

/* Paths grow and shrink as the walk goes down and up; each push returns a
 * mark, the length sch_path_pop returns to. Inline: the checker moves the
 * path at every answer of every intake. */
static inline size_t sch_path_name(pf_buf_t *p, const char *name) /* ".name", "name" first */
{
    size_t mark = p->len;
    if (p->len) pf_buf_addc(p, '.');
    pf_buf_addstr(p, name);
    return mark;
}

static inline size_t sch_path_raw(pf_buf_t *p, const char *s) /* as is: "[]", " (keys)" */
{
    size_t mark = p->len;
    pf_buf_addstr(p, s);
    return mark;
}

static inline size_t sch_path_index(pf_buf_t *p, size_t i)
{
    size_t mark = p->len;
    /* 1-based, as in Lua and for analysts; without printf: one per list entry */
    pf_buf_addc(p, '[');
    pf_buf_addint(p, (long long)(i + 1));
    pf_buf_addc(p, ']');
    return mark;
}

static inline void sch_path_pop(pf_buf_t *p, size_t mark)
{
    p->len = mark;
    if (p->data) p->data[mark] = '\0';
}

static inline const char *sch_path_str(const pf_buf_t *p)
{
    return p->data ? p->data : "";
}

/* ---- the checker's grammars, which the loader reads bounds with -------------- */

/* Why text is not a strict decimal (with a fraction when allowed), or NULL. */
const char *sch_decimal_problem(const char *s, int fraction);
/* 0 for a real date YYYY-MM-DD; 1 when not in that form; 2 when the day
 * does not exist (why says which). */
int sch_date_problem(const char *s, size_t len, char *why, size_t why_size);

/* Runs on a default from the schema file the conversion an answer to sp
 * gets. Returns 1 with the value in *out, or 0 with the reason in why. */
int sch_check_default(const spec_t *sp, const pf_node_t *d, pf_arena_t *arena, pf_value_t *out,
                      char *why, size_t why_size);

#endif
