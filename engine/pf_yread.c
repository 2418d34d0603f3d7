/*
 * pf_yread.c - the YAML intake reader: libyaml events in, pf_node_t tree out,
 * with limits checked as the events arrive (never after the fact).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_unicode.h"
#include "pf_yread.h"

struct pf_yread_frame {
    pf_node_t *node;
    size_t first_kid; /* index in r->kids where this collection's children start */
};

void pf_yread_limits_default(pf_yread_limits_t *l)
{
    l->max_file_bytes = 1u << 20;
    l->max_depth = 32;
    l->max_nodes = 20000;
    l->max_scalar_bytes = 64u << 10;
}

void pf_yread_init(pf_yread_t *r, const void *buf, size_t len, const pf_yread_limits_t *lim)
{
    memset(r, 0, sizeof *r);
    if (lim)
        r->limits = *lim;
    else
        pf_yread_limits_default(&r->limits);
    r->buf = buf;
    r->len = len;
    if (!yaml_parser_initialize(&r->parser)) {
        fprintf(stderr, "partnerfit: out of memory starting the YAML parser\n");
        abort();
    }
    yaml_parser_set_input_string(&r->parser, r->buf, r->len);
    /* one frame more than the depth limit, so the check can fire first */
    r->frames = pf_xcalloc(r->limits.max_depth + 1, sizeof *r->frames);
}

void pf_yread_delete(pf_yread_t *r)
{
    yaml_parser_delete(&r->parser);
    free(r->kids);
    free(r->frames);
    memset(r, 0, sizeof *r);
}

/* ---- positions and errors ---------------------------------------------- */

/* libyaml's reader errors carry only a byte offset; turn it into a 1-based
 * line and column by counting in the raw buffer (exact for UTF-8 input). */
static void offset_to_position(const pf_yread_t *r, size_t offset, unsigned long *line,
                               unsigned long *col)
{
    unsigned long l = 1, c = 1;
    int le = r->len >= 2 && r->buf[0] == 0xFF && r->buf[1] == 0xFE;
    int be = r->len >= 2 && r->buf[0] == 0xFE && r->buf[1] == 0xFF;
    if (le || be) { /* UTF-16: count 16-bit units after the BOM */
        for (size_t i = 2; i + 1 < offset && i + 1 < r->len; i += 2) {
            unsigned u = le ? r->buf[i] | (unsigned)r->buf[i + 1] << 8
                            : (unsigned)r->buf[i] << 8 | r->buf[i + 1];
            if (u == '\n') {
                l++;
                c = 1;
            } else if (u < 0xDC00 || u > 0xDFFF) {
                c++; /* the second half of a surrogate pair is not a character */
            }
        }
        *line = l;
        *col = c;
        return;
    }
    for (size_t i = 0; i < offset && i < r->len; i++) {
        if (r->buf[i] == '\n') {
            l++;
            c = 1;
        } else if ((r->buf[i] & 0xC0) != 0x80) {
            c++; /* count characters, not continuation bytes */
        }
    }
    *line = l;
    *col = c;
}

/* The byte at a 1-based line:column of the raw buffer, or 0 (exact for
 * ASCII text before the position, which is where tabs trip people up). */
static unsigned char byte_at(const pf_yread_t *r, unsigned long line, unsigned long col)
{
    size_t i = 0;
    for (unsigned long l = 1; l < line && i < r->len; i++)
        if (r->buf[i] == '\n') l++;
    i += col - 1;
    return i < r->len ? r->buf[i] : 0;
}

static void libyaml_error(pf_yread_t *r, pf_err_t *err)
{
    const yaml_parser_t *p = &r->parser;
    const char *problem = p->problem ? p->problem : "the YAML could not be read";
    if (p->error == YAML_READER_ERROR) {
        unsigned long line, col;
        offset_to_position(r, p->problem_offset, &line, &col);
        if (p->problem_value != -1)
            pf_err_set(err, "yaml.encoding", line, col, "",
                       "the file is not valid UTF-8 or BOM-marked UTF-16 text: %s "
                       "(byte %zu, value 0x%X)",
                       problem, p->problem_offset, (unsigned)p->problem_value);
        else
            pf_err_set(err, "yaml.encoding", line, col, "",
                       "the file is not valid UTF-8 or BOM-marked UTF-16 text: %s (byte %zu)",
                       problem, p->problem_offset);
        err->offset = (long long)p->problem_offset;
        return;
    }
    if (p->error == YAML_MEMORY_ERROR) {
        pf_err_set(err, "yaml.memory", 0, 0, "", "out of memory while reading the YAML");
        return;
    }
    unsigned long line = p->problem_mark.line + 1, col = p->problem_mark.column + 1;
    if (p->context)
        pf_err_set(err, "yaml.syntax", line, col, "",
                   "YAML syntax error: %s (%s at line %lu, column %lu)", problem, p->context,
                   (unsigned long)p->context_mark.line + 1,
                   (unsigned long)p->context_mark.column + 1);
    else
        pf_err_set(err, "yaml.syntax", line, col, "", "YAML syntax error: %s", problem);
    if (byte_at(r, line, col) == '\t') {
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n, "; tabs cannot indent YAML, use spaces");
    }
}

/* ---- character hygiene ---------------------------------------------------- */

/* ---- tree building ---------------------------------------------------------- */

static void push_kid(pf_yread_t *r, pf_node_t *n)
{
    if (r->nkids == r->kids_cap) {
        r->kids_cap = r->kids_cap ? r->kids_cap * 2 : 64;
        r->kids = pf_xrealloc(r->kids, r->kids_cap * sizeof *r->kids);
    }
    r->kids[r->nkids++] = n;
}

static pf_node_t *new_node(pf_doc_t *doc, pf_node_kind_t kind, const yaml_mark_t *m)
{
    pf_node_t *n = pf_arena_alloc(&doc->arena, sizeof *n);
    n->kind = kind;
    n->line = m->line + 1;
    n->column = m->column + 1;
    n->text = "";
    return n;
}

/* Where a finished node goes: the document root or its parent's children.
 * A mapping's keys must be text: a collection used as a key is refused. */
static int attach(pf_yread_t *r, pf_doc_t *doc, pf_node_t *n, pf_err_t *err)
{
    if (r->nframes == 0) {
        doc->root = n;
        return 1;
    }
    struct pf_yread_frame *f = &r->frames[r->nframes - 1];
    int is_key = f->node->kind == PF_NODE_MAP && (r->nkids - f->first_kid) % 2 == 0;
    if (is_key && n->kind != PF_NODE_SCALAR) {
        pf_err_set(err, "yaml.key", n->line, n->column, "",
                   "a mapping key must be plain text, not a %s",
                   n->kind == PF_NODE_MAP ? "mapping" : "list");
        return 0;
    }
    push_kid(r, n);
    return 1;
}

static int cmp_key_ptr(const void *a, const void *b)
{
    const pf_node_t *x = *(pf_node_t *const *)a, *y = *(pf_node_t *const *)b;
    int c = strcmp(x->text, y->text);
    if (c) return c;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return x->column < y->column ? -1 : (x->column > y->column);
}

/* Duplicate keys are refused (libyaml does not check them), naming both
 * places. Sorting a copy keeps this O(n log n) for hostile wide mappings. */
static int check_duplicate_keys(const pf_node_t *map, pf_err_t *err)
{
    if (map->count < 2) return 1;
    pf_node_t **keys = pf_xmalloc(map->count * sizeof *keys);
    for (size_t i = 0; i < map->count; i++)
        keys[i] = map->items[2 * i];
    qsort(keys, map->count, sizeof *keys, cmp_key_ptr);
    const pf_node_t *first = NULL, *second = NULL;
    for (size_t i = 1; i < map->count; i++) {
        if (strcmp(keys[i - 1]->text, keys[i]->text) != 0) continue;
        /* report the duplicate that appears earliest in the file */
        if (!second || cmp_key_ptr(&keys[i], &second) < 0) {
            first = keys[i - 1];
            second = keys[i];
        }
    }
    free(keys);
    if (!second) return 1;
    pf_err_set(err, "yaml.duplicate_key", second->line, second->column, second->text,
               "the key \"%.80s\" appears twice in this mapping (first at line %lu, column %lu); "
               "keep one",
               second->text, first->line, first->column);
    return 0;
}

static int open_collection(pf_yread_t *r, pf_doc_t *doc, pf_node_kind_t kind,
                           const yaml_event_t *ev, pf_err_t *err)
{
    if (r->nframes >= r->limits.max_depth) {
        pf_err_set(err, "yaml.depth", ev->start_mark.line + 1, ev->start_mark.column + 1, "",
                   "the document is nested more than %zu levels deep", r->limits.max_depth);
        return 0;
    }
    pf_node_t *n = new_node(doc, kind, &ev->start_mark);
    r->frames[r->nframes].node = n;
    r->frames[r->nframes].first_kid = r->nkids;
    r->nframes++;
    return 1;
}

static int close_collection(pf_yread_t *r, pf_doc_t *doc, pf_err_t *err)
{
    struct pf_yread_frame *f = &r->frames[--r->nframes];
    pf_node_t *n = f->node;
    size_t nkids = r->nkids - f->first_kid;
    n->items = pf_arena_alloc(&doc->arena, (nkids ? nkids : 1) * sizeof *n->items);
    if (nkids) /* r->kids is still NULL when the first collection closed is empty */
        memcpy(n->items, r->kids + f->first_kid, nkids * sizeof *n->items);
    r->nkids = f->first_kid;
    n->count = n->kind == PF_NODE_MAP ? nkids / 2 : nkids;
    if (n->kind == PF_NODE_MAP && !check_duplicate_keys(n, err)) return 0;
    return attach(r, doc, n, err);
}

static int add_scalar(pf_yread_t *r, pf_doc_t *doc, const yaml_event_t *ev, pf_err_t *err)
{
    const unsigned char *v = ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    unsigned long line = ev->start_mark.line + 1, col = ev->start_mark.column + 1;
    if (len > r->limits.max_scalar_bytes) {
        pf_err_set(err, "yaml.scalar_size", line, col, "",
                   "a value is %zu bytes long; the limit is %zu", len, r->limits.max_scalar_bytes);
        return 0;
    }
    if (memchr(v, '\0', len)) {
        pf_err_set(err, "yaml.control_char", line, col, "",
                   "a value contains a NUL character (\\0); remove it");
        return 0;
    }
    /* invisible, format and control characters (pf_unicode.h: generated
     * from the Unicode database), so two intakes that read alike are alike */
    size_t at = 0;
    uint32_t cp = pf_unicode_first_refused(v, len, &at);
    if (cp) {
        const char *name = pf_unicode_name(cp);
        pf_err_set(err, "yaml.control_char", line, col, "",
                   "a value contains the invisible or control character U+%04lX%s%s at byte %zu "
                   "of the value; remove it",
                   (unsigned long)cp, name ? " " : "", name ? name : "", at + 1);
        return 0;
    }
    pf_node_t *n = new_node(doc, PF_NODE_SCALAR, &ev->start_mark);
    n->text = pf_arena_strndup(&doc->arena, (const char *)v, len);
    n->len = len;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return attach(r, doc, n, err);
}

/* Anchors, aliases and tags have no use in a questionnaire; refusing them
 * closes alias bombs, merge keys and tag-driven typing in one place. */
static int refuse_extras(const yaml_event_t *ev, pf_err_t *err)
{
    const yaml_char_t *anchor = NULL, *tag = NULL;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
        break;
    case YAML_ALIAS_EVENT:
        pf_err_set(err, "yaml.alias", ev->start_mark.line + 1, ev->start_mark.column + 1, "",
                   "aliases (*%.60s) are not allowed in an intake; write the value out",
                   (const char *)ev->data.alias.anchor);
        return 0;
    case YAML_DOCUMENT_START_EVENT:
        if (ev->data.document_start.tag_directives.start !=
            ev->data.document_start.tag_directives.end) {
            pf_err_set(err, "yaml.directive", ev->start_mark.line + 1, ev->start_mark.column + 1,
                       "", "%%TAG directives are not allowed");
            return 0;
        }
        return 1;
    default:
        return 1;
    }
    if (anchor) {
        pf_err_set(err, "yaml.anchor", ev->start_mark.line + 1, ev->start_mark.column + 1, "",
                   "anchors (&%.60s) are not allowed in an intake; write the value out",
                   (const char *)anchor);
        return 0;
    }
    if (tag) {
        pf_err_set(err, "yaml.tag", ev->start_mark.line + 1, ev->start_mark.column + 1, "",
                   "explicit tags (%.60s) are not allowed; every answer is plain text that the "
                   "schema types",
                   (const char *)tag);
        return 0;
    }
    return 1;
}

/* One event: returns 1 to go on, 2 when the document is complete, 0 on error. */
static int handle_event(pf_yread_t *r, pf_doc_t *doc, const yaml_event_t *ev, size_t *nodes,
                        pf_err_t *err)
{
    if (!refuse_extras(ev, err)) return 0;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (++*nodes > r->limits.max_nodes) {
            pf_err_set(err, "yaml.size", ev->start_mark.line + 1, ev->start_mark.column + 1, "",
                       "the document has more than %zu values", r->limits.max_nodes);
            return 0;
        }
        if (ev->type == YAML_SCALAR_EVENT) return add_scalar(r, doc, ev, err);
        return open_collection(
            r, doc, ev->type == YAML_MAPPING_START_EVENT ? PF_NODE_MAP : PF_NODE_SEQ, ev, err);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return close_collection(r, doc, err);
    case YAML_DOCUMENT_END_EVENT:
        return 2;
    default:
        return 1; /* stream/document start carry nothing we keep */
    }
}

/*
 * libyaml reads NEL (U+0085), LS and PS (U+2028/9) as line breaks and folds
 * them away inside values, so the value check never sees them. In a UTF-8
 * file they are refused here, where they stand in the raw bytes.
 */
static int refuse_raw_breaks(pf_yread_t *r, pf_err_t *err)
{
    const unsigned char *b = r->buf;
    if (r->len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)))
        return 1; /* UTF-16: these bytes are halves of other characters */
    for (size_t i = 0; i + 1 < r->len; i++) {
        int nel = b[i] == 0xC2 && b[i + 1] >= 0x80 && b[i + 1] <= 0x9F;
        int sep = b[i] == 0xE2 && i + 2 < r->len && b[i + 1] == 0x80 &&
                  (b[i + 2] == 0xA8 || b[i + 2] == 0xA9);
        if (!nel && !sep) continue;
        unsigned long line, col;
        offset_to_position(r, i, &line, &col);
        pf_err_set(err, "yaml.control_char", line, col, "",
                   "the file contains the invisible control or line-separator character U+%04X; "
                   "remove it",
                   nel ? 0x80u + (b[i + 1] - 0x80u) : 0x2000u + (b[i + 2] - 0x80u));
        err->offset = (long long)i;
        return 0;
    }
    return 1;
}

int pf_yread_next(pf_yread_t *r, pf_doc_t *doc, pf_err_t *err)
{
    if (r->dead) {
        pf_err_set(err, "yaml.dead", 0, 0, "", "the reader stopped at an earlier error");
        return -1;
    }
    if (r->finished) return 0;
    if (!r->started) {
        r->started = 1;
        if (!refuse_raw_breaks(r, err)) {
            r->dead = 1;
            return -1;
        }
    }
    size_t nodes = 0;
    r->nframes = 0;
    r->nkids = 0;
    for (;;) {
        yaml_event_t ev;
        /* After an error libyaml would return NO_EVENT forever: never ask again. */
        if (!yaml_parser_parse(&r->parser, &ev)) {
            libyaml_error(r, err);
            r->dead = 1;
            return -1;
        }
        if (ev.type == YAML_STREAM_END_EVENT || ev.type == YAML_NO_EVENT) {
            yaml_event_delete(&ev);
            r->finished = 1;
            return 0;
        }
        int rc = handle_event(r, doc, &ev, &nodes, err);
        yaml_event_delete(&ev);
        if (rc == 0) {
            r->dead = 1;
            return -1;
        }
        if (rc == 2) {
            r->documents++;
            return 1;
        }
    }
}

/* ---- whole files -------------------------------------------------------- */

int pf_yread_one(const void *buf, size_t len, const pf_yread_limits_t *lim, pf_doc_t *doc,
                 pf_err_t *err)
{
    pf_yread_t r;
    pf_yread_init(&r, buf, len, lim);
    int ok = 0;
    int rc = pf_yread_next(&r, doc, err);
    if (rc == 0) {
        pf_err_set(err, "yaml.empty", 1, 1, "",
                   "the file holds no questionnaire (it is empty or only comments)");
    } else if (rc == 1 && pf_node_is_null(doc->root)) {
        pf_err_set(err, "yaml.empty", doc->root->line, doc->root->column, "",
                   "the document is empty");
    } else if (rc == 1) {
        pf_doc_t extra;
        pf_doc_init(&extra);
        int more = pf_yread_next(&r, &extra, err);
        if (more == 1)
            pf_err_set(err, "yaml.documents", extra.root ? extra.root->line : 0,
                       extra.root ? extra.root->column : 0, "",
                       "the file holds more than one document (---); put one intake per file");
        ok = more == 0;
        pf_doc_delete(&extra);
    }
    pf_yread_delete(&r);
    return ok;
}

int pf_yread_file(const char *path, const pf_yread_limits_t *lim, pf_doc_t *doc, pf_err_t *err)
{
    pf_yread_limits_t dflt;
    if (!lim) {
        pf_yread_limits_default(&dflt);
        lim = &dflt;
    }
    char *buf;
    size_t len;
    if (!pf_read_file(path, lim->max_file_bytes, &buf, &len, err)) return 0;
    int ok = pf_yread_one(buf, len, lim, doc, err);
    free(buf);
    return ok;
}
