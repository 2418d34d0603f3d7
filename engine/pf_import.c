/*
 * pf_import.c - `partnerfit import`: a form export (CSV) and a map file in,
 * one intake per response row out (see pf_import.h and
 * docs/intake-format.md, "From a form export").
 *
 * A row goes through the same reader and schema as `run`: its answers are
 * built into a tree of text, written as YAML with libyaml's emitter, read
 * back by pf_yread and checked by the intake schema. Only a row that passes
 * is written; then as the typed answers the schema made of it, without the
 * defaults it filled in, so the file says what the form said. Any problem
 * is a row in the rejects report, placed at the column that gave the
 * answer.
 */
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "pf_config.h"
#include "pf_csv.h"
#include "pf_exit.h"
#include "pf_idset.h"
#include "pf_import.h"
#include "pf_out.h"
#include "pf_schema.h"
#include "pf_unicode.h"
#include "pf_yemit.h"
#include "pf_yread.h"

#define FORM_MAX_BYTES (64u << 20) /* a form export read whole */
#define SLUG_MAX 48                /* room left for "-NNN" under an id's length limit */

/* The shape of a map file, read by the intake schema's own loader and
 * checker, so a mistake in a map is reported like one in an intake. */
static const char MAP_SCHEMA[] =
    "version: import-map-1\n"
    "fields:\n"
    "  form: {type: text, doc: what export the map reads}\n"
    "  date_format: {type: string, max_length: 40}\n"
    "  id:\n"
    "    type: object\n"
    "    required: true\n"
    "    fields:\n"
    "      columns: {type: list, required: true, min_items: 1, max_items: 8,\n"
    "                items: {type: string, max_length: 1000}}\n"
    "      prefix: {type: string, max_length: 16, pattern: '[a-z0-9][a-z0-9-]*'}\n"
    "  answers:\n"
    "    type: list\n"
    "    required: true\n"
    "    min_items: 1\n"
    "    max_items: 10000\n"
    "    items:\n"
    "      type: object\n"
    "      fields:\n"
    "        column: {type: string, required: true, max_length: 1000}\n"
    "        question: {type: string, required: true, max_length: 500,\n"
    "                   pattern: '[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*'}\n"
    "        values:\n"
    "          type: map\n"
    "          max_items: 10000\n"
    "          keys: {type: string, max_length: 1000}\n"
    "          values: {type: string, max_length: 1000}\n"
    "        blank: {type: list, items: {type: string, max_length: 1000}}\n"
    "        split: {type: string, min_length: 1, max_length: 8}\n"
    "        item: {type: string, max_length: 200}\n"
    "        with: {type: map, values: {type: string, max_length: 1000}}\n"
    "        date: {type: string, max_length: 40}\n";

/* ---- the map ------------------------------------------------------------------ */

typedef struct answer {
    const pf_value_t *entry; /* for its line in the map file */
    const char *column, *question, *split, *item, *date;
    const pf_value_t *values, *blank, *with;
    int is_list;  /* the question takes a list: each choice is one item */
    size_t col;   /* the column's place in the header */
    size_t first; /* the first answer to the same list question (item order) */
} answer_t;

typedef struct imap {
    pf_doc_t doc;
    pf_arena_t arena;
    pf_value_t *typed;
    answer_t *answers;
    size_t count;
    const pf_value_t *id_columns;
    size_t *id_col;
    const char *prefix;
} imap_t;

static const char *str_of(const pf_value_t *m, const char *key)
{
    const pf_value_t *v = pf_value_get(m, key);
    return v && v->kind == PF_VAL_STR ? v->s : NULL;
}

static int spec_is(const pf_value_t *sp, const char *type)
{
    const char *t = str_of(sp, "type");
    return t && strcmp(t, type) == 0;
}

static void map_error(FILE *log, const char *path, const pf_value_t *at, const char *msg,
                      const char *arg)
{
    fprintf(log, "partnerfit: %s:%lu:%lu: ", path, at ? at->line : 0, at ? at->column : 0);
    fprintf(log, msg, arg);
    fputc('\n', log);
}

/* The spec a question path names in the intake description, or NULL after
 * saying why: each segment a field of an object or a key of a map. */
static const pf_value_t *question_spec(const pf_value_t *desc, const char *path, FILE *log,
                                       const char *map_path, const pf_value_t *at)
{
    const pf_value_t *sp = desc;
    char seg[256];
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ".");
        snprintf(seg, sizeof seg, "%.*s", (int)n, p);
        const pf_value_t *next = NULL;
        if (spec_is(sp, "object")) {
            next = pf_value_get(pf_value_get(sp, "fields"), seg);
        } else if (spec_is(sp, "map")) {
            const pf_value_t *keys = pf_value_get(sp, "keys");
            const pf_value_t *values = keys ? pf_value_get(keys, "values") : NULL;
            int ok = !values || !spec_is(keys, "enum");
            for (size_t i = 0; !ok && i < values->count; i++)
                ok = strcmp(values->items[i].s, seg) == 0;
            if (ok) next = pf_value_get(sp, "values");
        }
        if (!next) {
            map_error(log, map_path, at, "the intake schema has no question '%s'", path);
            return NULL;
        }
        sp = next;
        p += n;
        if (*p) p++;
    }
    if (spec_is(sp, "object") || spec_is(sp, "map")) {
        map_error(log, map_path, at,
                  "'%s' is a section of the questionnaire: name one of its questions", path);
        return NULL;
    }
    return sp;
}

/* One answer entry checked against the intake description. */
static int load_answer(answer_t *a, const pf_value_t *e, const pf_value_t *desc, const char *unique,
                       FILE *log, const char *path)
{
    memset(a, 0, sizeof *a);
    a->entry = e;
    a->column = str_of(e, "column");
    a->question = str_of(e, "question");
    a->split = str_of(e, "split");
    a->item = str_of(e, "item");
    a->date = str_of(e, "date");
    a->values = pf_value_get(e, "values");
    a->blank = pf_value_get(e, "blank");
    a->with = pf_value_get(e, "with");
    if (unique && strcmp(a->question, unique) == 0) {
        map_error(log, path, e, "the id (%s) is made by the map's id: section, not by an answer",
                  unique);
        return 0;
    }
    const pf_value_t *sp = question_spec(desc, a->question, log, path, pf_value_get(e, "question"));
    if (!sp) return 0;
    a->is_list = spec_is(sp, "list");
    const pf_value_t *item = a->is_list ? pf_value_get(sp, "items") : NULL;
    int object_items = item && spec_is(item, "object");
    if (a->split && !a->is_list) {
        map_error(log, path, e, "split: applies to a question that takes a list; '%s' does not",
                  a->question);
        return 0;
    }
    if ((a->item || a->with) && !object_items) {
        map_error(log, path, e,
                  "item: and with: apply to a list whose entries have questions; '%s' has none",
                  a->question);
        return 0;
    }
    if (object_items && !a->item) {
        map_error(log, path, e,
                  "'%s' takes entries with questions: say which one a choice "
                  "answers (item: NAME)",
                  a->question);
        return 0;
    }
    const pf_value_t *fields = object_items ? pf_value_get(item, "fields") : NULL;
    if (a->item && !pf_value_get(fields, a->item)) {
        map_error(log, path, e, "the entries of this list have no question '%s'", a->item);
        return 0;
    }
    for (size_t i = 0; a->with && i < a->with->count; i++)
        if (!pf_value_get(fields, a->with->keys[i])) {
            map_error(log, path, e, "the entries of this list have no question '%s'",
                      a->with->keys[i]);
            return 0;
        }
    return 1;
}

static void map_delete(imap_t *m)
{
    free(m->answers);
    free(m->id_col);
    pf_doc_delete(&m->doc);
    pf_arena_delete(&m->arena);
}

/* Reads and checks the map file; 1, or 0 after printing every problem. */
static int map_load(imap_t *m, const char *path, const pf_value_t *desc, const char *unique,
                    FILE *log)
{
    memset(m, 0, sizeof *m);
    pf_doc_init(&m->doc);
    pf_arena_init(&m->arena);
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    pf_doc_t sdoc;
    pf_doc_init(&sdoc);
    pf_err_t err;
    pf_schema_t *shape = NULL;
    int ok = pf_yread_one(MAP_SCHEMA, sizeof MAP_SCHEMA - 1, NULL, &sdoc, &err) &&
             (shape = pf_schema_load(sdoc.root, &errs)) != NULL;
    if (!ok) { /* the map schema is the program's own: a bug if it fails */
        fprintf(log, "partnerfit: internal error: the map schema does not load\n");
    } else if (!pf_yread_file(path, NULL, &m->doc, &err)) {
        pf_log_error(log, path, &err);
        ok = 0;
    } else if (!pf_schema_validate(shape, m->doc.root, &m->arena, &m->typed, &errs, 0)) {
        for (size_t i = 0; i < errs.count; i++)
            pf_log_error(log, path, &errs.items[i]);
        ok = 0;
    }
    pf_schema_delete(shape);
    pf_doc_delete(&sdoc);
    pf_errlist_delete(&errs);
    if (!ok) return 0;
    const pf_value_t *list = pf_value_get(m->typed, "answers");
    m->count = list->count;
    m->answers = pf_xcalloc(m->count, sizeof *m->answers);
    for (size_t i = 0; i < m->count; i++) {
        ok &= load_answer(&m->answers[i], &list->items[i], desc, unique, log, path);
        if (!ok) continue;
        m->answers[i].first = i;
        for (size_t k = 0; k < i; k++)
            if (strcmp(m->answers[k].question, m->answers[i].question) == 0) {
                if (!m->answers[i].is_list) {
                    map_error(log, path, &list->items[i],
                              "two columns answer '%s'; only a list question can take several",
                              m->answers[i].question);
                    ok = 0;
                }
                m->answers[i].first = m->answers[k].first;
                break;
            }
    }
    const pf_value_t *id = pf_value_get(m->typed, "id");
    m->id_columns = pf_value_get(id, "columns");
    m->id_col = pf_xcalloc(m->id_columns->count, sizeof *m->id_col);
    m->prefix = str_of(id, "prefix");
    return ok;
}

/* ---- the CSV --------------------------------------------------------------- */

typedef struct record {
    unsigned long line; /* where it starts in the file */
    size_t first, count;
} record_t;

typedef struct table {
    pf_buf_t bytes; /* every field, each ending in a NUL */
    size_t *start, *len, nfields, capfields;
    record_t *recs;
    size_t nrecs, caprecs;
    int in_record;
    unsigned long line, rec_line;
} table_t;

static void on_field(void *s, size_t n, void *data)
{
    table_t *t = data;
    if (!t->in_record) t->rec_line = t->line;
    t->in_record = 1;
    if (t->nfields == t->capfields) {
        t->capfields = t->capfields ? 2 * t->capfields : 256;
        t->start = pf_xrealloc(t->start, t->capfields * sizeof *t->start);
        t->len = pf_xrealloc(t->len, t->capfields * sizeof *t->len);
    }
    t->start[t->nfields] = t->bytes.len;
    t->len[t->nfields] = n;
    t->nfields++;
    pf_buf_add(&t->bytes, s, n);
    pf_buf_addc(&t->bytes, '\0');
}

static void on_record(int c, void *data)
{
    (void)c;
    table_t *t = data;
    if (!t->in_record) return;
    if (t->nrecs == t->caprecs) {
        t->caprecs = t->caprecs ? 2 * t->caprecs : 64;
        t->recs = pf_xrealloc(t->recs, t->caprecs * sizeof *t->recs);
    }
    size_t first = t->nrecs ? t->recs[t->nrecs - 1].first + t->recs[t->nrecs - 1].count : 0;
    t->recs[t->nrecs++] = (record_t){t->rec_line, first, t->nfields - first};
    t->in_record = 0;
}

static void table_delete(table_t *t)
{
    pf_buf_delete(&t->bytes);
    free(t->start);
    free(t->len);
    free(t->recs);
}

/* Parses the export (a UTF-8 byte order mark skipped) one byte at a time,
 * so that each record knows the line it starts on. */
static int table_read(table_t *t, const char *text, size_t n, pf_err_t *err)
{
    memset(t, 0, sizeof *t);
    pf_buf_init(&t->bytes);
    t->line = 1;
    if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) text += 3, n -= 3;
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        pf_err_set(err, "io.memory", 0, 0, "", "cannot start the CSV parser");
        return 0;
    }
    csv_set_opts(&p, CSV_STRICT | CSV_STRICT_FINI);
    int ok = 1;
    for (size_t i = 0; ok && i < n; i++) {
        if (t->in_record == 0 && text[i] != '\n' && text[i] != '\r') t->rec_line = t->line;
        if (csv_parse(&p, text + i, 1, on_field, on_record, t) != 1) ok = 0;
        if (text[i] == '\n') t->line++;
    }
    if (ok && csv_fini(&p, on_field, on_record, t) != 0) ok = 0;
    if (!ok)
        pf_err_set(err, "import.csv", t->line, 0, "", "not a CSV file: %s",
                   csv_strerror(csv_error(&p)));
    csv_free(&p);
    return ok;
}

static const char *cell(const table_t *t, size_t rec, size_t col, size_t *len)
{
    const record_t *r = &t->recs[rec];
    if (col >= r->count) {
        *len = 0;
        return "";
    }
    *len = t->len[r->first + col];
    return t->bytes.data + t->start[r->first + col];
}

/* ---- one row --------------------------------------------------------------------- */

/* A tree of answers as text, grown as columns are read; in the row's arena. */
typedef struct tnode tnode_t;
struct tnode {
    const char *key;  /* in a map; NULL for a list item */
    const char *text; /* a scalar; NULL for a map or a list */
    int is_list;
    tnode_t **kids;
    size_t n, cap;
};

static tnode_t *tnode_add(pf_arena_t *a, tnode_t *parent, const char *key)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? 2 * parent->cap : 8;
        tnode_t **kids = pf_arena_alloc(a, cap * sizeof *kids);
        if (parent->n) memcpy(kids, parent->kids, parent->n * sizeof *kids);
        parent->kids = kids;
        parent->cap = cap;
    }
    tnode_t *k = pf_arena_alloc(a, sizeof *k);
    k->key = key ? pf_arena_strndup(a, key, strlen(key)) : NULL;
    parent->kids[parent->n++] = k;
    return k;
}

static tnode_t *tnode_child(pf_arena_t *a, tnode_t *map, const char *key, size_t len)
{
    for (size_t i = 0; i < map->n; i++)
        if (strlen(map->kids[i]->key) == len && memcmp(map->kids[i]->key, key, len) == 0)
            return map->kids[i];
    char *k = pf_arena_strndup(a, key, len);
    return tnode_add(a, map, k);
}

/* The node a dotted path names, made on the way. */
static tnode_t *tnode_path(pf_arena_t *a, tnode_t *root, const char *path)
{
    tnode_t *t = root;
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ".");
        t = tnode_child(a, t, p, n);
        p += n;
        if (*p) p++;
    }
    return t;
}

static pf_value_t *tnode_value(pf_arena_t *a, const tnode_t *t)
{
    if (t->text) {
        pf_value_t *v = pf_arena_alloc(a, sizeof *v);
        v->kind = PF_VAL_STR;
        v->s = t->text;
        v->len = strlen(t->text);
        return v;
    }
    pf_value_t *c = t->is_list ? pf_value_list(a, t->n) : pf_value_map(a, t->n);
    for (size_t i = 0; i < t->n; i++)
        *pf_value_add(a, c, t->is_list ? NULL : t->kids[i]->key) = *tnode_value(a, t->kids[i]);
    return c;
}

/* The typed intake without what the schema filled in (line 0). */
static pf_value_t *given_only(pf_arena_t *a, const pf_value_t *v)
{
    pf_value_t *out = pf_arena_alloc(a, sizeof *out);
    *out = *v;
    if (v->kind != PF_VAL_MAP && v->kind != PF_VAL_LIST) return out;
    pf_value_t *c = v->kind == PF_VAL_MAP ? pf_value_map(a, v->count) : pf_value_list(a, v->count);
    for (size_t i = 0; i < v->count; i++)
        if (v->items[i].line != 0)
            *pf_value_add(a, c, v->kind == PF_VAL_MAP ? v->keys[i] : NULL) =
                *given_only(a, &v->items[i]);
    c->line = v->line;
    c->column = v->column;
    return c;
}

/* Which column gave the answer at a path ("help[2]" for a list item). */
typedef struct source {
    const char *path;
    const answer_t *answer;
    const char *value;
} source_t;

typedef struct row {
    pf_arena_t arena;
    tnode_t root;
    source_t *sources;
    size_t nsources, capsources;
    size_t index; /* record index: the header is 0 */
    unsigned long line;
} row_t;

static void add_source(row_t *r, const char *path, const answer_t *a, const char *value)
{
    if (r->nsources == r->capsources) {
        size_t cap = r->capsources ? 2 * r->capsources : 32;
        source_t *s = pf_arena_alloc(&r->arena, cap * sizeof *s);
        if (r->nsources) memcpy(s, r->sources, r->nsources * sizeof *s);
        r->sources = s;
        r->capsources = cap;
    }
    r->sources[r->nsources++] =
        (source_t){pf_arena_strndup(&r->arena, path, strlen(path)), a, value};
}

/* The source of the longest path that is the error's path or contains it. */
static const source_t *source_of(const row_t *r, const char *field)
{
    const source_t *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < r->nsources; i++) {
        size_t n = strlen(r->sources[i].path);
        if (strncmp(field, r->sources[i].path, n) == 0 &&
            (field[n] == '\0' || field[n] == '.' || field[n] == '[') && n >= best_len) {
            best = &r->sources[i];
            best_len = n;
        }
    }
    return best;
}

/* ---- the run of an import ------------------------------------------------------- */

typedef struct importer {
    const pf_tools_options_t *o;
    const pf_config_t *cfg;
    const char *unique;
    imap_t map;
    table_t table;
    pf_buf_t rejects;
    pf_csv_style_t style;
    pf_idset_t ids;
    size_t imported, rejected, empty;
    FILE *log;
    int io_failed;
} importer_t;

static const char *const REJECT_COLUMNS[] = {"row",   "line", "column",   "question",
                                             "value", "kind", "expected", NULL};

/* A cell's text for the report: controls and bytes that are no UTF-8 as
 * \xHH, characters the intake reader refuses as <U+200B>. */
static void show_text(pf_buf_t *out, const char *s)
{
    size_t n = strlen(s);
    if (!pf_text_clean(s, n, 0)) {
        pf_text_escape(out, s, n, 0);
        return;
    }
    while (n) {
        size_t at;
        uint32_t cp = pf_unicode_first_refused((const unsigned char *)s, n, &at);
        if (!cp) break;
        pf_buf_add(out, s, at);
        pf_buf_printf(out, "<U+%04X>", (unsigned)cp);
        size_t len = 1;
        while (at + len < n && ((unsigned char)s[at + len] & 0xC0) == 0x80)
            len++;
        s += at + len;
        n -= at + len;
    }
    pf_buf_add(out, s, n);
}

static void reject(importer_t *im, const row_t *r, const answer_t *a, const char *question,
                   const char *value, const char *kind, const char *expected)
{
    size_t cells = 0;
    pf_buf_t *b = &im->rejects;
    pf_csv_cell_int(b, &cells, (long long)r->index + 1, &im->style);
    pf_csv_cell_int(b, &cells, (long long)r->line, &im->style);
    const char *column = a ? a->column : "";
    pf_csv_cell_text(b, &cells, column, strlen(column), &im->style);
    pf_csv_cell_text(b, &cells, question ? question : "", question ? strlen(question) : 0,
                     &im->style);
    pf_buf_t v;
    pf_buf_init(&v);
    if (value) show_text(&v, value);
    pf_csv_cell_text(b, &cells, v.data ? v.data : "", v.len, &im->style);
    pf_buf_delete(&v);
    pf_csv_cell_text(b, &cells, kind, strlen(kind), &im->style);
    pf_csv_cell_text(b, &cells, expected, strlen(expected), &im->style);
    pf_csv_end_row(b, &cells, &im->style);
}

/* Text a form cell may hold: valid UTF-8 without controls (but tab and
 * line feed) or characters the intake reader refuses. NULL when fine, else
 * why not (into why). */
static const char *text_problem(const char *s, size_t n, char *why, size_t size)
{
    if (!pf_text_clean(s, n, 1)) {
        snprintf(why, size, "text without control characters, in UTF-8");
        return why;
    }
    size_t at;
    uint32_t cp = pf_unicode_first_refused((const unsigned char *)s, n, &at);
    if (!cp) return NULL;
    const char *name = pf_unicode_name(cp);
    snprintf(why, size, "text without invisible characters; found U+%04X%s%s at byte %zu",
             (unsigned)cp, name ? " " : "", name ? name : "", at + 1);
    return why;
}

/* A cell trimmed of spaces, with CR LF line ends made LF; in the row's arena. */
static char *clean_cell(pf_arena_t *a, const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    char *out = pf_arena_bytes(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')) out[k++] = s[i];
    out[k] = '\0';
    return out;
}

static int in_list(const pf_value_t *list, const char *s)
{
    for (size_t i = 0; list && i < list->count; i++)
        if (strcmp(list->items[i].s, s) == 0) return 1;
    return 0;
}

/* A date in the map's format (YYYY, M or MM, D or DD, other characters as
 * they are; a time after a space or a T is ignored) as YYYY-MM-DD. */
static int convert_date(const char *fmt, const char *s, char out[11])
{
    int y = -1, m = -1, d = -1;
    while (*fmt) {
        int *slot = NULL, min = 1, max = 2;
        if (strncmp(fmt, "YYYY", 4) == 0)
            slot = &y, min = max = 4, fmt += 4;
        else if (strncmp(fmt, "MM", 2) == 0)
            slot = &m, fmt += 2;
        else if (strncmp(fmt, "DD", 2) == 0)
            slot = &d, fmt += 2;
        else if (*fmt == 'M')
            slot = &m, fmt++;
        else if (*fmt == 'D')
            slot = &d, fmt++;
        if (!slot) {
            if (*s++ != *fmt++) return 0;
            continue;
        }
        int n = 0, v = 0;
        while (n < max && s[n] >= '0' && s[n] <= '9')
            v = v * 10 + (s[n++] - '0');
        if (n < min) return 0;
        *slot = v;
        s += n;
    }
    if (*s && *s != ' ' && *s != 'T') return 0;
    if (y < 0 || m < 0 || d < 0) return 0;
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
    return 1;
}

/* The value an answer text stands for: the map's values (exactly as the
 * form wrote the choice), else the text itself; NULL with a reject. */
static const char *map_value(importer_t *im, row_t *r, const answer_t *a, const char *text)
{
    if (a->date) {
        char *iso = pf_arena_bytes(&r->arena, 11);
        if (convert_date(a->date, text, iso)) return iso;
        pf_buf_t e;
        pf_buf_init(&e);
        pf_buf_printf(&e, "a date written %s", a->date);
        reject(im, r, a, a->question, text, "import.date", e.data);
        pf_buf_delete(&e);
        return NULL;
    }
    if (!a->values) return text;
    const pf_value_t *v = pf_value_get(a->values, text);
    if (v) return v->s;
    pf_buf_t e;
    pf_buf_init(&e);
    pf_buf_addstr(&e, "one of: ");
    for (size_t i = 0; i < a->values->count; i++)
        pf_buf_printf(&e, "%s\"%s\"", i ? ", " : "", a->values->keys[i]);
    reject(im, r, a, a->question, text, "import.value", e.data);
    pf_buf_delete(&e);
    return NULL;
}

/* One column's answer into the row's tree; 0 when the row is rejected. */
static int take_answer(importer_t *im, row_t *r, const answer_t *a, const char *text)
{
    if (!*text || in_list(a->blank, text)) return 1;
    char why[160];
    if (text_problem(text, strlen(text), why, sizeof why)) {
        reject(im, r, a, a->question, text, "import.text", why);
        return 0;
    }
    if (!a->is_list) {
        const char *v = map_value(im, r, a, text);
        if (!v) return 0;
        tnode_path(&r->arena, &r->root, a->question)->text = v;
        add_source(r, a->question, a, text);
        return 1;
    }
    tnode_t *list = tnode_path(&r->arena, &r->root, a->question);
    list->is_list = 1;
    int ok = 1;
    for (const char *p = text; *p;) {
        size_t n = a->split ? strcspn(p, a->split) : strlen(p);
        if (a->split) { /* split on the whole separator, not any of its bytes */
            const char *at = strstr(p, a->split);
            n = at ? (size_t)(at - p) : strlen(p);
        }
        char *choice = clean_cell(&r->arena, p, n);
        p += n;
        if (*p) p += strlen(a->split);
        if (!*choice || in_list(a->blank, choice)) continue;
        const char *v = map_value(im, r, a, choice);
        if (!v) {
            ok = 0;
            continue;
        }
        tnode_t *item = tnode_add(&r->arena, list, NULL);
        if (a->item) {
            tnode_add(&r->arena, item, a->item)->text = v;
            for (size_t i = 0; a->with && i < a->with->count; i++)
                tnode_add(&r->arena, item, a->with->keys[i])->text = a->with->items[i].s;
        } else {
            item->text = v;
        }
        pf_buf_t path;
        pf_buf_init(&path);
        pf_buf_printf(&path, "%s[%zu]", a->question, list->n);
        add_source(r, path.data, a, choice);
        pf_buf_delete(&path);
    }
    return ok;
}

/* The id: the id columns joined by '-', in lower case ASCII letters and
 * digits ('-' between words, a few accented Latin letters spelt plainly). */
static void make_slug(pf_buf_t *b, const char *text)
{
    static const char *const latin1[64] = {
        "a", "a", "a", "a", "ae", "a", "ae", "c", "e", "e", "e", "e", "i",  "i", "i",  "i",
        "d", "n", "o", "o", "o",  "o", "oe", "",  "o", "u", "u", "u", "ue", "y", "th", "ss",
        "a", "a", "a", "a", "ae", "a", "ae", "c", "e", "e", "e", "e", "i",  "i", "i",  "i",
        "d", "n", "o", "o", "o",  "o", "oe", "",  "o", "u", "u", "u", "ue", "y", "th", "y"};
    int dash = b->len > 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        const char *add = NULL;
        char one[2] = {0, 0};
        if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
            one[0] = (char)*p;
            add = one;
        } else if (*p >= 'A' && *p <= 'Z') {
            one[0] = (char)(*p - 'A' + 'a');
            add = one;
        } else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
            add = latin1[p[1] - 0x80];
            p++;
        } else if (*p >= 0x80) { /* other letters: skipped, with what continues them */
            while ((p[1] & 0xC0) == 0x80)
                p++;
            continue;
        }
        if (!add || !*add) {
            dash = b->len > 0;
            continue;
        }
        if (dash && b->len && b->data[b->len - 1] != '-') pf_buf_addc(b, '-');
        dash = 0;
        pf_buf_addstr(b, add);
    }
    while (b->len && b->data[b->len - 1] == '-')
        b->len--, b->data[b->len] = '\0';
    if (b->len > SLUG_MAX) {
        b->len = SLUG_MAX;
        while (b->len && b->data[b->len - 1] == '-')
            b->len--;
        b->data[b->len] = '\0';
    }
}

static char *row_id(importer_t *im, row_t *r)
{
    pf_buf_t b;
    pf_buf_init(&b);
    if (im->map.prefix) pf_buf_printf(&b, "%s-", im->map.prefix);
    size_t start = b.len;
    for (size_t i = 0; i < im->map.id_columns->count; i++) {
        size_t n;
        const char *c = cell(&im->table, r->index, im->map.id_col[i], &n);
        char *t = clean_cell(&r->arena, c, n);
        if (b.len > start) pf_buf_addc(&b, '-');
        make_slug(&b, t);
    }
    if (b.len == start) pf_buf_printf(&b, "row-%zu", r->index + 1);
    char *id = pf_arena_strndup(&r->arena, b.data, b.len);
    pf_buf_delete(&b);
    return id;
}

/* Checks a YAML text as `run` would read it: 1 with the typed intake. */
static int check_text(importer_t *im, row_t *r, const pf_buf_t *yaml, pf_doc_t *doc,
                      pf_value_t **typed, pf_errlist_t *errs)
{
    pf_yread_limits_t lim;
    pf_yread_limits_default(&lim);
    pf_err_t err;
    if (!pf_yread_one(yaml->data, yaml->len, &lim, doc, &err)) {
        pf_errlist_push(errs, &err);
        return 0;
    }
    (void)r;
    return pf_intake_check(im->cfg, doc->root, &r->arena, typed, errs, 0);
}

static int write_intake(importer_t *im, const char *id, const pf_buf_t *text)
{
    pf_buf_t name;
    pf_buf_init(&name);
    pf_buf_printf(&name, "%s.yaml", id);
    pf_out_file_t f = {0};
    pf_err_t err;
    int ok = pf_out_open(&f, im->o->out, name.data, &err) &&
             pf_out_write(&f, text->data, text->len) && pf_out_rename(&f, &err);
    if (!ok) {
        if (!f.final_path) pf_err_set(&err, "io.write", 0, 0, "", "cannot write %s", name.data);
        pf_log_error(im->log, im->o->out, &err);
        im->io_failed = 1;
    }
    pf_out_abort(&f);
    pf_buf_delete(&name);
    return ok;
}

static void import_row(importer_t *im, size_t index)
{
    row_t r;
    memset(&r, 0, sizeof r);
    pf_arena_init(&r.arena);
    r.index = index;
    r.line = im->table.recs[index].line;
    /* a row of empty cells is no response */
    int empty = 1;
    for (size_t c = 0; empty && c < im->table.recs[index].count; c++) {
        size_t n;
        const char *s = cell(&im->table, index, c, &n);
        empty = *clean_cell(&r.arena, s, n) == '\0';
    }
    if (empty) {
        reject(im, &r, NULL, NULL, NULL, "import.empty_row", "a response: every cell is empty");
        im->empty++;
        pf_arena_delete(&r.arena);
        return;
    }
    int ok = 1;
    for (size_t i = 0; i < im->map.count; i++) {
        const answer_t *a = &im->map.answers[i];
        size_t n;
        const char *s = cell(&im->table, index, a->col, &n);
        ok &= take_answer(im, &r, a, clean_cell(&r.arena, s, n));
    }
    char *id = row_id(im, &r);
    if (im->unique) tnode_path(&r.arena, &r.root, im->unique)->text = id;
    pf_buf_t yaml, text; /* the row as read back; the file as written */
    pf_buf_init(&yaml);
    pf_buf_init(&text);
    pf_doc_t doc, doc2;
    pf_doc_init(&doc);
    pf_doc_init(&doc2);
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    pf_value_t *typed = NULL;
    pf_err_t err;
    const char *file_id = id;
    if (ok) {
        if (!pf_yemit_buf(&yaml, tnode_value(&r.arena, &r.root), &err))
            pf_errlist_push(&errs, &err);
        else
            check_text(im, &r, &yaml, &doc, &typed, &errs);
    }
    for (size_t i = 0; i < errs.count; i++) {
        const pf_err_t *e = &errs.items[i];
        const source_t *src = source_of(&r, e->field);
        reject(im, &r, src ? src->answer : NULL, e->field[0] ? e->field : NULL,
               src ? src->value : NULL, e->kind, e->msg);
    }
    ok = ok && typed && errs.count == 0;
    if (ok) {
        /* a unique id, the same for the same CSV: -2, -3 ... after the first */
        char *unique_id = id;
        pf_id_owner_t first;
        for (unsigned k = 2; !pf_idset_claim(&im->ids, unique_id, (uint32_t)index, r.line, &first);
             k++) {
            pf_buf_t b;
            pf_buf_init(&b);
            pf_buf_printf(&b, "%s-%u", id, k);
            unique_id = pf_arena_strndup(&r.arena, b.data, b.len);
            pf_buf_delete(&b);
        }
        file_id = unique_id;
        pf_value_t *given = given_only(&r.arena, typed);
        for (size_t i = 0; im->unique && i < given->count; i++)
            if (strcmp(given->keys[i], im->unique) == 0) {
                given->items[i].s = unique_id;
                given->items[i].len = strlen(unique_id);
            }
        /* what is written must read back as an intake, as it will in `run`;
         * given still points into doc, which stays until the end */
        pf_value_t *again = NULL;
        if (!pf_yemit_buf(&text, given, &err) || !check_text(im, &r, &text, &doc2, &again, &errs)) {
            reject(im, &r, NULL, NULL, NULL, "import.internal",
                   "an intake that reads back: please report this row");
            ok = 0;
        }
    }
    if (ok && write_intake(im, file_id, &text)) im->imported++;
    if (!ok) im->rejected++;
    pf_errlist_delete(&errs);
    pf_doc_delete(&doc2);
    pf_doc_delete(&doc);
    pf_buf_delete(&text);
    pf_buf_delete(&yaml);
    pf_arena_delete(&r.arena);
}

/* The place of each column the map names in the header; 0 after naming
 * every one that is missing or there twice. */
static int find_column(importer_t *im, const char *name, size_t *col, const pf_value_t *at)
{
    size_t found = 0;
    for (size_t c = 0; c < im->table.recs[0].count; c++) {
        size_t n;
        const char *h = cell(&im->table, 0, c, &n);
        pf_arena_t tmp;
        pf_arena_init(&tmp);
        int same = strcmp(clean_cell(&tmp, h, n), name) == 0;
        pf_arena_delete(&tmp);
        if (same && found++ == 0) *col = c;
    }
    if (found == 1) return 1;
    map_error(im->log, im->o->map, at,
              found ? "the column '%s' is in the form export's header more than once"
                    : "the form export has no column '%s' (its header row is its first line)",
              name);
    return 0;
}

static int find_columns(importer_t *im)
{
    int ok = 1;
    for (size_t i = 0; i < im->map.count; i++)
        ok &= find_column(im, im->map.answers[i].column, &im->map.answers[i].col,
                          im->map.answers[i].entry);
    for (size_t i = 0; i < im->map.id_columns->count; i++)
        ok &= find_column(im, im->map.id_columns->items[i].s, &im->map.id_col[i],
                          &im->map.id_columns->items[i]);
    return ok;
}

/* The rejects report, whole or not at all. */
static int write_rejects(importer_t *im, const char *path)
{
    pf_err_t err;
    if (pf_out_write_file(path, im->rejects.data, im->rejects.len, &err)) return 1;
    pf_log_error(im->log, path, &err);
    return 0;
}

static int import_form(importer_t *im, const char *form)
{
    char *text = NULL;
    size_t len = 0;
    pf_err_t err;
    if (!pf_read_file(form, FORM_MAX_BYTES, &text, &len, &err) ||
        !table_read(&im->table, text, len, &err)) {
        pf_log_error(im->log, form, &err);
        free(text);
        return PF_EXIT_CONFIG;
    }
    free(text);
    if (im->table.nrecs == 0) {
        fprintf(im->log, "partnerfit: %s: no header row: the form export is empty\n", form);
        return PF_EXIT_CONFIG;
    }
    if (!find_columns(im)) return PF_EXIT_CONFIG;
    if (!pf_out_mkdirs(im->o->out, &err)) {
        pf_log_error(im->log, im->o->out, &err);
        return PF_EXIT_IO;
    }
    pf_csv_header(&im->rejects, REJECT_COLUMNS, &im->style);
    for (size_t i = 1; i < im->table.nrecs && !im->io_failed; i++)
        import_row(im, i);
    if (im->io_failed) return PF_EXIT_IO;
    pf_buf_t path;
    pf_buf_init(&path);
    if (im->o->rejects)
        pf_buf_addstr(&path, im->o->rejects);
    else
        pf_buf_printf(&path, "%s/import-rejects.csv", im->o->out);
    int ok = write_rejects(im, path.data);
    if (ok && !im->o->quiet)
        fprintf(im->log,
                "partnerfit: %zu row%s: %zu imported into %s/, %zu rejected, %zu empty; "
                "rejects in %s\n",
                im->table.nrecs - 1, im->table.nrecs == 2 ? "" : "s", im->imported, im->o->out,
                im->rejected, im->empty, path.data);
    pf_buf_delete(&path);
    if (!ok) return PF_EXIT_IO;
    return im->rejected ? PF_EXIT_REJECTS : PF_EXIT_OK;
}

int pf_cmd_import(const pf_tools_options_t *o, FILE *out, FILE *log)
{
    (void)out;
    const char *missing = !o->map ? "--map MAP.yaml" : !o->out ? "--out DIR" : NULL;
    if (missing || o->npaths != 1) {
        fprintf(log, "partnerfit: import needs %s\n(see partnerfit import --help)\n",
                missing ? missing : "one form export (a CSV file)");
        return PF_EXIT_CONFIG;
    }
    importer_t im;
    memset(&im, 0, sizeof im);
    im.o = o;
    im.log = log;
    im.style.guard = 1; /* the report is opened in a spreadsheet: formula guard */
    im.style.delimiter = ',';
    pf_buf_init(&im.rejects);
    pf_idset_init(&im.ids);
    pf_config_t cfg;
    pf_config_init(&cfg);
    pf_arena_t arena;
    pf_arena_init(&arena);
    int code = PF_EXIT_CONFIG;
    if (pf_config_load_schema(&cfg, o->policy_path, log)) {
        im.cfg = &cfg;
        im.unique = pf_schema_unique_field(cfg.schema);
        const pf_value_t *desc = pf_schema_describe(cfg.schema, &arena);
        if (map_load(&im.map, o->map, desc, im.unique, log))
            code = import_form(&im, o->paths[0]);
        else
            fprintf(log, "partnerfit: %s: the map has problems (listed above); nothing imported\n",
                    o->map);
        map_delete(&im.map);
    }
    table_delete(&im.table);
    pf_idset_delete(&im.ids);
    pf_buf_delete(&im.rejects);
    pf_arena_delete(&arena);
    pf_config_delete(&cfg);
    return code;
}
