/*
 * pf_yread.c - the YAML intake reader: libyaml events in, pf_node_t tree out,
 * with limits checked as the events arrive (never after the fact).
 */
#include <stdint.h>
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
    /* one frame more than the depth limit, so the check can fire first */
    r->frames = pf_xcalloc(r->limits.max_depth + 1, sizeof *r->frames);
}

/* libyaml's parser, started when a file needs it (a file the fast path
 * reads never does: starting it allocates its buffers). */
static void start_libyaml(pf_yread_t *r)
{
    if (r->parser_ready) return;
    if (!yaml_parser_initialize(&r->parser)) {
        fprintf(stderr, "partnerfit: out of memory starting the YAML parser\n");
        abort();
    }
    yaml_parser_set_input_string(&r->parser, r->buf, r->len);
    r->parser_ready = 1;
}

void pf_yread_delete(pf_yread_t *r)
{
    if (r->parser_ready) yaml_parser_delete(&r->parser);
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

/* A node at a 1-based line and column. */
static pf_node_t *new_node(pf_doc_t *doc, pf_node_kind_t kind, unsigned long line,
                           unsigned long col)
{
    pf_node_t *n = pf_arena_alloc(&doc->arena, sizeof *n);
    n->kind = kind;
    n->line = line;
    n->column = col;
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

/* A mapping or sequence starting at a 1-based line and column. */
static int open_collection(pf_yread_t *r, pf_doc_t *doc, pf_node_kind_t kind, unsigned long line,
                           unsigned long col, pf_err_t *err)
{
    if (r->nframes >= r->limits.max_depth) {
        pf_err_set(err, "yaml.depth", line, col, "",
                   "the document is nested more than %zu levels deep", r->limits.max_depth);
        return 0;
    }
    pf_node_t *n = new_node(doc, kind, line, col);
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

/* A scalar of len bytes at v, starting at a 1-based line and column;
 * plain: written unquoted; printable: the caller knows v is printable
 * ASCII alone, where the character checks below find nothing. */
static int add_scalar(pf_yread_t *r, pf_doc_t *doc, const unsigned char *v, size_t len, int plain,
                      int printable, unsigned long line, unsigned long col, pf_err_t *err)
{
    if (len > r->limits.max_scalar_bytes) {
        pf_err_set(err, "yaml.scalar_size", line, col, "",
                   "a value is %zu bytes long; the limit is %zu", len, r->limits.max_scalar_bytes);
        return 0;
    }
    if (printable) goto checked;
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
checked:;
    pf_node_t *n = new_node(doc, PF_NODE_SCALAR, line, col);
    n->text = pf_arena_strndup(&doc->arena, (const char *)v, len);
    n->len = len;
    n->plain = plain;
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
        if (ev->type == YAML_SCALAR_EVENT)
            return add_scalar(r, doc, ev->data.scalar.value, ev->data.scalar.length,
                              ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, 0,
                              ev->start_mark.line + 1, ev->start_mark.column + 1, err);
        return open_collection(r, doc,
                               ev->type == YAML_MAPPING_START_EVENT ? PF_NODE_MAP : PF_NODE_SEQ,
                               ev->start_mark.line + 1, ev->start_mark.column + 1, err);
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

/* ---- the fast path ---------------------------------------------------------- */

/*
 * libyaml spends about 190 instructions on each byte of an intake, most of
 * a worker's reading time. Intakes are written in a small part of YAML:
 * block mappings and sequences indented with spaces, one-line flow
 * collections ({area: plan, urgency: high}), one-line scalars, comments.
 * The fast path reads a file written only in that part, and builds the
 * tree libyaml's events would build: the same nodes in the same order,
 * with the same positions (a node where libyaml's event starts: a block
 * mapping at its first key, a block sequence at its first dash, a flow
 * collection at its bracket, a scalar at its first character or quote;
 * columns count characters, as libyaml's do), through the same checks
 * (open_collection, add_scalar, close_collection). Anything else, and any
 * problem at all, leaves the file to libyaml from its start: what the fast
 * path accepts is a file libyaml reads the same way, what it refuses costs
 * a second reading. tests/unit/test_yread.c reads its cases both ways.
 */

typedef struct fast {
    pf_yread_t *r;
    pf_doc_t *doc;
    pf_err_t err; /* a check's problem: the file goes to libyaml, which reports it */
    const unsigned char *s;
    size_t n, i;        /* the buffer, its length, where the reading is */
    size_t bol;         /* where the line of s[i] starts */
    unsigned long line; /* 1-based, of s[i] */
    size_t nodes;
    int ascii;      /* no byte over 0x7F in the file: a column is a byte offset */
    int eof;        /* after fast_next_line: no content left */
    size_t ind;     /* after fast_next_line: the indentation of the content line at i */
    pf_buf_t *text; /* a block scalar's text, joined from its lines */
} fast_t;

/* Every byte printable ASCII or a line feed, or part of a well-formed UTF-8
 * character of two or three bytes from U+00A0 to U+FFFD that libyaml reads
 * as an ordinary character: no tab, no CR, no NEL, no line or paragraph
 * separator, no byte order mark, no surrogate. */
static int fast_bytes_ok(const unsigned char *s, size_t n, int *ascii)
{
    *ascii = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c - 0x20u < 0x5Fu || c == '\n') continue; /* printable ASCII: nearly every byte */
        if (c < 0x80) return 0;
        *ascii = 0;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
            cp = (c & 0x1Fu) << 6 | (s[i + 1] & 0x3Fu);
            i += 1;
            if (cp < 0xA0) return 0;
        } else if (c >= 0xE0 && c <= 0xEF && i + 2 < n && (s[i + 1] & 0xC0) == 0x80 &&
                   (s[i + 2] & 0xC0) == 0x80) {
            cp = (c & 0x0Fu) << 12 | (s[i + 1] & 0x3Fu) << 6 | (s[i + 2] & 0x3Fu);
            i += 2;
            if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0x2028 || cp == 0x2029 ||
                cp == 0xFEFF || cp > 0xFFFD)
                return 0;
        } else {
            return 0;
        }
    }
    return 1;
}

/* The 1-based column of s[at], on the current line: characters, not bytes. */
static unsigned long fast_col(const fast_t *f, size_t at)
{
    if (f->ascii) return (unsigned long)(at - f->bol) + 1;
    unsigned long c = 1;
    for (size_t k = f->bol; k < at; k++)
        c += (f->s[k] & 0xC0) != 0x80;
    return c;
}

static int fast_key_char(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The length of a plain key at i, followed by ':' and a space or the line's
 * end, or 0 when there is none. */
static size_t fast_key_len(const fast_t *f)
{
    const unsigned char *s = f->s;
    size_t j = f->i;
    if (j >= f->n || !fast_key_char(s[j])) return 0;
    while (j < f->n && (fast_key_char(s[j]) || s[j] == '-' || s[j] == '.'))
        j++;
    if (j >= f->n || s[j] != ':' || j - f->i > 128) return 0;
    if (j + 1 < f->n && s[j + 1] != ' ' && s[j + 1] != '\n') return 0;
    return j - f->i;
}

/* Whether a plain scalar may start with s[i] (in either context): not an
 * indicator; '-' only before a digit (a negative number). */
static int fast_plain_start(const fast_t *f)
{
    unsigned c = f->s[f->i];
    if (fast_key_char(c) || c >= 0x80 || c == '.' || c == '/' || c == '+' || c == '(' || c == '~' ||
        c == '$')
        return 1;
    return c == '-' && f->i + 1 < f->n && f->s[f->i + 1] >= '0' && f->s[f->i + 1] <= '9';
}

/* A collection opened at a 1-based line and column. Deeper than 64 levels
 * the file goes to libyaml, so the fast path's recursion stays shallow
 * whatever depth the limits allow. */
static int fast_open(fast_t *f, pf_node_kind_t kind, unsigned long col)
{
    if (++f->nodes > f->r->limits.max_nodes || f->r->nframes >= 64) return 0;
    return open_collection(f->r, f->doc, kind, f->line, col, &f->err);
}

static int fast_scalar_at(fast_t *f, size_t from, size_t to, int plain, size_t at)
{
    if (++f->nodes > f->r->limits.max_nodes) return 0;
    /* one line of an ASCII file: printable (fast_bytes_ok) */
    return add_scalar(f->r, f->doc, f->s + from, to - from, plain, f->ascii, f->line,
                      fast_col(f, at), &f->err);
}

/* A quoted scalar on one line, without escapes ('' or \). */
static int fast_quoted(fast_t *f)
{
    unsigned q = f->s[f->i];
    size_t start = f->i, j = f->i + 1;
    while (j < f->n && f->s[j] != q && f->s[j] != '\n' && !(q == '"' && f->s[j] == '\\'))
        j++;
    if (j >= f->n || f->s[j] != q) return 0;
    if (q == '\'' && j + 1 < f->n && f->s[j + 1] == '\'') return 0; /* '' */
    if (!fast_scalar_at(f, start + 1, j, 0, start)) return 0;
    f->i = j + 1;
    return 1;
}

/* A plain scalar: runs of characters other than spaces (stop: characters
 * that end a plain scalar in the context, or that the fast path leaves to
 * libyaml), joined by the spaces between them, the trailing ones left out.
 * In a block, ':' and '#' anywhere send the file to libyaml; in a flow
 * collection, the flow indicators and quotes end it too. */
static int fast_plain(fast_t *f, int flow)
{
    const unsigned char *s = f->s;
    size_t start = f->i, j = f->i, end = f->i;
    if (!fast_plain_start(f)) return 0;
    for (;;) {
        while (j < f->n && s[j] != ' ' && s[j] != '\n') {
            unsigned c = s[j];
            if (c == ':' || c == '#') return 0;
            if (flow &&
                (c == ',' || c == '[' || c == ']' || c == '{' || c == '}' || c == '\'' || c == '"'))
                break;
            j++;
        }
        end = j;
        while (j < f->n && s[j] == ' ')
            j++;
        if (j >= f->n || s[j] == '\n' || s[j] == '#') break;
        if (flow && (s[j] == ',' || s[j] == ']' || s[j] == '}')) break;
        if (j == end) return 0; /* a flow indicator inside the scalar */
    }
    if (!fast_scalar_at(f, start, end, 1, start)) return 0;
    f->i = end;
    return 1;
}

static void fast_spaces(fast_t *f)
{
    while (f->i < f->n && f->s[f->i] == ' ')
        f->i++;
}

static int fast_flow(fast_t *f);

/* A value inside a flow collection. */
static int fast_flow_value(fast_t *f)
{
    if (f->i >= f->n) return 0;
    unsigned c = f->s[f->i];
    if (c == '{' || c == '[') return fast_flow(f);
    if (c == '"' || c == '\'') return fast_quoted(f);
    return fast_plain(f, 1);
}

/* A flow mapping or sequence on one line, from its bracket at i. */
static int fast_flow(fast_t *f)
{
    int map = f->s[f->i] == '{';
    unsigned close = map ? '}' : ']';
    if (!fast_open(f, map ? PF_NODE_MAP : PF_NODE_SEQ, fast_col(f, f->i))) return 0;
    f->i++;
    fast_spaces(f);
    if (f->i < f->n && f->s[f->i] == close) {
        f->i++;
        return close_collection(f->r, f->doc, &f->err);
    }
    for (;;) {
        if (map) {
            size_t klen = fast_key_len(f);
            if (!klen || f->i + klen + 1 >= f->n || f->s[f->i + klen + 1] != ' ') return 0;
            if (!fast_scalar_at(f, f->i, f->i + klen, 1, f->i)) return 0;
            f->i += klen + 1;
            fast_spaces(f);
        }
        if (!fast_flow_value(f)) return 0;
        fast_spaces(f);
        if (f->i >= f->n) return 0;
        if (f->s[f->i] == close) {
            f->i++;
            return close_collection(f->r, f->doc, &f->err);
        }
        if (f->s[f->i] != ',') return 0;
        f->i++;
        fast_spaces(f);
        if (f->i >= f->n || f->s[f->i] == '}' || f->s[f->i] == ']') return 0; /* a trailing comma */
    }
}

/* The rest of a line after its content: spaces, perhaps a comment after
 * one of them, and the line's end. */
static int fast_eol(fast_t *f)
{
    size_t before = f->i;
    fast_spaces(f);
    if (f->i < f->n && f->s[f->i] == '#') {
        if (f->i == before) return 0; /* a comment needs a space before it */
        while (f->i < f->n && f->s[f->i] != '\n')
            f->i++;
    }
    if (f->i >= f->n) return 1;
    if (f->s[f->i] != '\n') return 0;
    f->i++;
    f->line++;
    f->bol = f->i;
    return 1;
}

/* From the start of a line: past blank lines and comment lines to the first
 * character of the next content line, whose indentation goes to ind; eof
 * when there is none. */
static void fast_next_line(fast_t *f)
{
    for (;;) {
        size_t j = f->i;
        while (j < f->n && f->s[j] == ' ')
            j++;
        if (j >= f->n) {
            f->i = j;
            f->eof = 1;
            return;
        }
        if (f->s[j] == '#')
            while (j < f->n && f->s[j] != '\n')
                j++;
        if (j < f->n && f->s[j] == '\n') {
            f->i = j + 1;
            f->line++;
            f->bol = f->i;
            continue;
        }
        if (j >= f->n) {
            f->i = j;
            f->eof = 1;
            return;
        }
        f->i = j;
        f->ind = j - f->bol;
        return;
    }
}

/* A block scalar from its indicator at i, under a block indented by col:
 * folded (>) or literal (|), its final line break kept (clip) or not (-),
 * its lines all at the indentation of the first and none of them blank;
 * then on to the next content line. */
static int fast_block_scalar(fast_t *f, size_t col)
{
    const unsigned char *s = f->s;
    size_t at = f->i, j = f->i + 1;
    char join = s[at] == '>' ? ' ' : '\n';
    int strip = j < f->n && s[j] == '-';
    j += (size_t)strip;
    while (j < f->n && s[j] == ' ')
        j++;
    if (j >= f->n || s[j] != '\n') return 0; /* a comment, another indicator, the end */
    unsigned long line = f->line, column = fast_col(f, at);
    size_t k = 0, lines = 0;
    int broke = 0; /* the last line ended with a line break */
    f->text->len = 0;
    j++;
    f->line++;
    f->bol = j;
    while (j < f->n) {
        size_t sp = j;
        while (sp < f->n && s[sp] == ' ')
            sp++;
        if (sp >= f->n || s[sp] == '\n') return 0; /* a blank line: libyaml's */
        size_t ind = sp - j;
        if (lines == 0) {
            if (ind <= col) return 0; /* an empty scalar */
            k = ind;
        }
        if (ind < k) break;
        if (ind > k) return 0; /* a more indented line keeps its break */
        size_t eol = sp;
        while (eol < f->n && s[eol] != '\n')
            eol++;
        if (lines++) pf_buf_addc(f->text, join);
        pf_buf_add(f->text, s + sp, eol - sp);
        broke = eol < f->n;
        j = eol + (size_t)broke;
        if (broke) {
            f->line++;
            f->bol = j;
        }
    }
    if (lines == 0) return 0;
    if (!strip) {
        if (!broke) return 0;
        pf_buf_addc(f->text, '\n');
    }
    if (++f->nodes > f->r->limits.max_nodes ||
        !add_scalar(f->r, f->doc, (const unsigned char *)f->text->data, f->text->len, 0, 0, line,
                    column, &f->err))
        return 0;
    f->i = j;
    fast_next_line(f);
    return 1;
}

/* A value after "key: " or "- " on its line, in a block indented by col: a
 * flow collection, a scalar, or a block scalar; then the rest of the line,
 * then on to the next content line. */
static int fast_inline(fast_t *f, size_t col)
{
    unsigned c = f->s[f->i];
    if (c == '>' || c == '|') return fast_block_scalar(f, col);
    int ok = c == '{' || c == '['    ? fast_flow(f)
             : c == '"' || c == '\'' ? fast_quoted(f)
                                     : fast_plain(f, 0);
    if (!ok || !fast_eol(f)) return 0;
    fast_next_line(f);
    return 1;
}

static int fast_block_seq(fast_t *f, size_t col);

/* A block mapping whose keys stand at column col (0-based), from its first
 * key at i; ends at the next content line indented less, or the end. */
static int fast_block_map(fast_t *f, size_t col)
{
    if (!fast_open(f, PF_NODE_MAP, (unsigned long)col + 1)) return 0;
    for (;;) {
        size_t klen = fast_key_len(f);
        if (!klen || !fast_scalar_at(f, f->i, f->i + klen, 1, f->i)) return 0;
        f->i += klen + 1;
        fast_spaces(f);
        if (f->i < f->n && f->s[f->i] != '\n' && f->s[f->i] != '#') {
            if (!fast_inline(f, col)) return 0;
        } else {
            /* the value is the block below: an empty one (null) is libyaml's */
            if (!fast_eol(f)) return 0;
            fast_next_line(f);
            if (f->eof || f->ind <= col) return 0;
            int dash = f->s[f->i] == '-' && f->i + 1 < f->n && f->s[f->i + 1] == ' ';
            if (!(dash ? fast_block_seq(f, f->ind) : fast_block_map(f, f->ind))) return 0;
        }
        if (f->eof || f->ind < col) return close_collection(f->r, f->doc, &f->err);
        if (f->ind > col) return 0; /* a plain scalar's next line, or an error: libyaml's */
    }
}

/* A block sequence whose dashes stand at column col, from its first dash
 * at i. An entry is "- " and a value on the same line, or a mapping
 * starting there ("- key: value", its keys below under the first). */
static int fast_block_seq(fast_t *f, size_t col)
{
    if (!fast_open(f, PF_NODE_SEQ, (unsigned long)col + 1)) return 0;
    for (;;) {
        if (f->i + 1 >= f->n || f->s[f->i + 1] != ' ') return 0; /* "-" alone on its line */
        f->i++;
        fast_spaces(f);
        if (f->i >= f->n || f->s[f->i] == '\n' || f->s[f->i] == '#') return 0;
        if (f->s[f->i] == '-' && (f->i + 1 >= f->n || f->s[f->i + 1] == ' ')) return 0; /* "- -" */
        if (fast_key_len(f)) {
            /* the entry's columns so far are ASCII: "-" and spaces */
            if (!fast_block_map(f, f->i - f->bol)) return 0;
        } else if (!fast_inline(f, col)) {
            return 0;
        }
        if (f->eof || f->ind < col) return close_collection(f->r, f->doc, &f->err);
        if (f->ind > col || f->s[f->i] != '-') return 0;
    }
}

/* Reads the whole buffer as one document into doc: 1, or 0 (doc as it
 * was given) when libyaml must read it. */
static int fast_read(pf_yread_t *r, pf_doc_t *doc)
{
    fast_t f;
    memset(&f, 0, sizeof f);
    pf_buf_t text;
    pf_buf_init(&text);
    f.text = &text;
    f.r = r;
    f.doc = doc;
    f.s = r->buf;
    f.n = r->len;
    f.line = 1;
    int ok = fast_bytes_ok(f.s, f.n, &f.ascii);
    if (ok) {
        r->nframes = 0;
        r->nkids = 0;
        fast_next_line(&f);
        ok = !f.eof;
    }
    if (ok) {
        size_t col = f.ind;
        int dash = f.s[f.i] == '-' && f.i + 1 < f.n && f.s[f.i + 1] == ' ';
        ok = dash ? fast_block_seq(&f, col) : fast_block_map(&f, col);
        ok = ok && f.eof && doc->root != NULL;
    }
    if (!ok) {
        pf_doc_delete(doc);
        pf_doc_init(doc);
    }
    pf_buf_delete(&text);
    return ok;
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
        if (!r->libyaml_only && fast_read(r, doc)) {
            r->documents++;
            r->finished = 1; /* the file was one document */
            return 1;
        }
    }
    start_libyaml(r);
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
