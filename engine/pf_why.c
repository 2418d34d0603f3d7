/*
 * pf_why.c - the explained cells of one evaluation (see pf_why.h): the
 * contributions report's rows and the cells that join a key's
 * contributions, from the prelude's flat list, with each piece of text
 * checked and escaped once. Every function that touches the Lua stack
 * notes its effect as in the manual: [-pop, +push, errors].
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "pf_why.h"

#define WHY_FIELDS 5     /* kind, key, rule id, points or false, text */
#define PIECE_SLOTS 1024 /* the cache of escaped pieces, by the string's address */
#define PIECE_MAX 4096   /* bytes: a longer piece is escaped each time, not kept */

typedef struct why_text {
    const char *s;
    size_t len;
} why_text_t;

/* One contribution; the texts point into the Lua strings of the anchored
 * list (Lua 5.4 never moves a string, and the anchor keeps them alive). */
typedef struct why_entry {
    why_text_t kind, key, rule, text;
    int has_points, is_int;
    lua_Integer ival;
    lua_Number nval;
} why_entry_t;

/* A piece escaped once: kept by the address and length of the Lua string
 * it came from, its bytes compared on every hit (an address the collector
 * gave to another string never returns the wrong text). A string is kept
 * only when its slot saw that address just before, so text made fresh for
 * each intake costs no copy. */
typedef struct why_piece {
    const void *seen; /* the address last seen in this slot (never read through) */
    const void *key;  /* the address kept, with the raw bytes and the escaped ones */
    size_t len;
    char *raw, *enc;
    size_t enc_len;
    int clean; /* pf_text_clean(raw): else the cell is made the generic way */
} why_piece_t;

struct pf_why {
    why_entry_t *entries;
    size_t n, cap;
    size_t *match; /* the entries of the cell being made (cap of them) */
    size_t nmatch;
    why_piece_t slot[PIECE_SLOTS];
    why_piece_t fresh; /* a piece not kept: enc points into scratch */
    pf_buf_t scratch;  /* that piece's escaped bytes */
    pf_buf_t joined;   /* a cell's joined text, for the generic way */
};

pf_why_t *pf_why_new(void)
{
    pf_why_t *w = pf_xcalloc(1, sizeof *w);
    pf_buf_init(&w->scratch);
    pf_buf_init(&w->joined);
    return w;
}

void pf_why_delete(pf_why_t *w)
{
    if (!w) return;
    for (size_t i = 0; i < PIECE_SLOTS; i++) {
        free(w->slot[i].raw);
        free(w->slot[i].enc);
    }
    free(w->entries);
    free(w->match);
    pf_buf_delete(&w->scratch);
    pf_buf_delete(&w->joined);
    free(w);
}

/* ---- the list ----------------------------------------------------------- */

/* The registry key of the anchored list: the pf_why_t's own address. */
void pf_why_reset(pf_why_t *w, lua_State *L)
{
    w->n = 0;
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, w);
}

/* The string at the top as a why_text_t: [-0, +0, -]; 0 when it is not one
 * (a number would be converted on the stack, a copy no table anchors). */
static int take_text(lua_State *L, why_text_t *t)
{
    if (lua_type(L, -1) != LUA_TSTRING) return 0;
    t->s = lua_tolstring(L, -1, &t->len);
    return 1;
}

/* Reads entry e from list[i .. i + 4]: [-0, +0, -]; 0 when out of shape. */
static int read_entry(lua_State *L, int list, lua_Integer i, why_entry_t *e)
{
    int ok = 1;
    why_text_t *texts[4] = {&e->kind, &e->key, &e->rule, &e->text};
    static const int at[4] = {0, 1, 2, 4};
    for (int k = 0; k < 4; k++) {
        lua_rawgeti(L, list, i + at[k]);
        ok = ok && take_text(L, texts[k]);
        lua_pop(L, 1);
    }
    int t = lua_rawgeti(L, list, i + 3);
    e->has_points = t == LUA_TNUMBER;
    e->is_int = e->has_points && lua_isinteger(L, -1);
    e->ival = e->is_int ? lua_tointeger(L, -1) : 0;
    e->nval = e->has_points ? lua_tonumber(L, -1) : 0;
    if (!e->has_points && !(t == LUA_TBOOLEAN && !lua_toboolean(L, -1))) ok = 0;
    lua_pop(L, 1);
    return ok;
}

int pf_why_read(pf_why_t *w, lua_State *L, int idx, char *err, size_t errsz)
{
    idx = lua_absindex(L, idx);
    w->n = 0;
    if (!lua_istable(L, idx)) {
        snprintf(err, errsz, "the contributions are a %s, not a list", luaL_typename(L, idx));
        return 0;
    }
    size_t len = (size_t)lua_rawlen(L, idx), count = len / WHY_FIELDS;
    if (count * WHY_FIELDS != len) {
        snprintf(err, errsz, "the contributions list has %zu values, not %d per entry", len,
                 WHY_FIELDS);
        return 0;
    }
    if (count > w->cap) {
        w->cap = count + count / 2 + 16;
        w->entries = pf_xrealloc(w->entries, w->cap * sizeof *w->entries);
        w->match = pf_xrealloc(w->match, w->cap * sizeof *w->match);
    }
    for (size_t k = 0; k < count; k++)
        if (!read_entry(L, idx, (lua_Integer)(k * WHY_FIELDS) + 1, &w->entries[k])) {
            snprintf(err, errsz,
                     "contribution %zu is not (text, text, text, points or false, text)", k + 1);
            return 0;
        }
    w->n = count;
    lua_pushvalue(L, idx);
    lua_rawsetp(L, LUA_REGISTRYINDEX, w);
    return 1;
}

/* ---- pieces ------------------------------------------------------------- */

static void escape_into(why_piece_t *p, pf_buf_t *b, const char *s, size_t len)
{
    p->clean = pf_text_clean(s, len, 0);
    b->len = 0;
    if (p->clean) pf_csv_add_escaped(b, s, len);
}

/* The piece for s[0..len): kept, or escaped into the scratch buffer (valid
 * until the next call). Its enc is meaningless when it is not clean. */
static const why_piece_t *piece(pf_why_t *w, const char *s, size_t len)
{
    why_piece_t *p = &w->slot[((uintptr_t)s >> 4) % PIECE_SLOTS];
    if (p->key == s && p->len == len && memcmp(p->raw, s, len) == 0) return p;
    if (p->seen != s || len > PIECE_MAX) {
        p->seen = s;
        escape_into(&w->fresh, &w->scratch, s, len);
        w->fresh.enc = w->scratch.data;
        w->fresh.enc_len = w->scratch.len;
        return &w->fresh;
    }
    escape_into(p, &w->scratch, s, len);
    free(p->raw);
    free(p->enc);
    p->key = s;
    p->len = len;
    p->raw = pf_xmalloc(len ? len : 1);
    memcpy(p->raw, s, len);
    p->enc_len = w->scratch.len;
    p->enc = pf_xmalloc(p->enc_len ? p->enc_len : 1);
    if (p->enc_len) memcpy(p->enc, w->scratch.data, p->enc_len);
    return p;
}

/* Appends a piece's escaped bytes: 0 (nothing appended) when it is not
 * clean text. */
static int add_piece(pf_why_t *w, pf_buf_t *b, const char *s, size_t len)
{
    const why_piece_t *p = piece(w, s, len);
    if (!p->clean) return 0;
    if (p->enc_len) pf_buf_add(b, p->enc, p->enc_len);
    return 1;
}

/* A whole text cell: its piece between quotes when it can be, else the
 * generic way. */
static void text_cell(pf_why_t *w, pf_buf_t *b, size_t *cells, const why_text_t *t,
                      const pf_csv_style_t *style)
{
    if (pf_csv_cell_plain(t->s, t->len, style)) {
        size_t mark = b->len, before = *cells;
        pf_csv_cell_open(b, cells, style);
        if (add_piece(w, b, t->s, t->len)) {
            pf_csv_cell_close(b);
            return;
        }
        b->len = mark;
        b->data[mark] = '\0';
        *cells = before;
    }
    pf_csv_cell_shown(b, cells, t->s, t->len, style);
}

/* ---- rows --------------------------------------------------------------- */

static void points_cell(pf_buf_t *b, size_t *cells, const why_entry_t *e,
                        const pf_csv_style_t *style)
{
    if (!e->has_points)
        pf_csv_cell_text(b, cells, "", 0, style);
    else if (e->is_int)
        pf_csv_cell_int(b, cells, (long long)e->ival, style);
    else
        pf_csv_cell_num(b, cells, (double)e->nval, style);
}

static const char *kind_text(pf_why_kinds_t kinds, const why_text_t *kind)
{
    for (size_t i = 0; kinds && kinds[i]; i += 2)
        if (strlen(kinds[i]) == kind->len && memcmp(kinds[i], kind->s, kind->len) == 0)
            return kinds[i + 1];
    return "";
}

size_t pf_why_write_rows(pf_why_t *w, const char *id, size_t idlen, pf_why_kinds_t kinds,
                         pf_buf_t *b, const pf_csv_style_t *style)
{
    why_text_t idt = {id, idlen};
    for (size_t i = 0; i < w->n; i++) {
        const why_entry_t *e = &w->entries[i];
        const char *k = kind_text(kinds, &e->kind);
        why_text_t kt = {k, strlen(k)};
        size_t cells = 0;
        text_cell(w, b, &cells, &idt, style);
        text_cell(w, b, &cells, &kt, style);
        text_cell(w, b, &cells, &e->key, style);
        text_cell(w, b, &cells, &e->rule, style);
        points_cell(b, &cells, e, style);
        text_cell(w, b, &cells, &e->text, style);
        pf_csv_end_row(b, &cells, style);
    }
    return w->n;
}

/* ---- joined cells -------------------------------------------------------- */

/* Points as the prelude's helpers.signed writes them: a sign for zero and
 * above, whole numbers (under 1e15) as integers, others with at most two
 * decimals and no trailing zeros. */
static void add_signed(pf_buf_t *b, const why_entry_t *e)
{
    if (e->is_int) {
        if (e->ival >= 0) pf_buf_addc(b, '+');
        pf_buf_addint(b, (long long)e->ival);
        return;
    }
    double x = (double)e->nval;
    if (x >= 0) pf_buf_addc(b, '+');
    if (x == floor(x) && fabs(x) < 1e15) {
        pf_buf_addint(b, (long long)floor(x));
        return;
    }
    char tmp[400]; /* |x| <= 1e9 in a report; DBL_MAX needs 309 digits */
    int n = snprintf(tmp, sizeof tmp, "%.2f", x);
    while (n > 0 && tmp[n - 1] == '0')
        n--;
    if (n > 0 && tmp[n - 1] == '.') n--;
    pf_buf_add(b, tmp, (size_t)n);
}

static int same_text(const why_text_t *t, const char *s, size_t len)
{
    return t->len == len && (t->s == s || memcmp(t->s, s, len) == 0);
}

/* The separators and numbers of a joined cell: ASCII, never quotes. */
static void add_head(pf_buf_t *b, int first, const why_entry_t *e, int escaped_rule, pf_why_t *w)
{
    if (!first) pf_buf_add(b, "; ", 2);
    if (escaped_rule)
        add_piece(w, b, e->rule.s, e->rule.len);
    else
        pf_buf_add(b, e->rule.s, e->rule.len);
    if (e->has_points) {
        pf_buf_addc(b, ' ');
        add_signed(b, e);
    }
    pf_buf_add(b, ": ", 2);
}

/* The joined text itself, for the generic way (a piece that is not clean
 * text, the formula guard, the cell limit), of the entries in w->match. */
static void joined_text(pf_why_t *w)
{
    pf_buf_t *j = &w->joined;
    j->len = 0;
    int first = 1;
    for (size_t m = 0; m < w->nmatch; m++) {
        const why_entry_t *e = &w->entries[w->match[m]];
        add_head(j, first, e, 0, w);
        pf_buf_add(j, e->text.s, e->text.len);
        first = 0;
    }
}

/* Tries the cell of the entries in w->match from escaped pieces: 0, with b
 * and cells as they were, when one of them is not clean text or the cell
 * needs the generic way. */
static int joined_cell(pf_why_t *w, pf_buf_t *b, size_t *cells, const pf_csv_style_t *style)
{
    size_t mark = b->len, before = *cells, raw = 0;
    int first = 1;
    pf_csv_cell_open(b, cells, style);
    for (size_t m = 0; m < w->nmatch; m++) {
        const why_entry_t *e = &w->entries[w->match[m]];
        /* the guard looks at the cell's first characters: the first rule id's */
        if (first && (e->rule.len == 0 || e->rule.s[0] == ' ' ||
                      !pf_csv_cell_plain(e->rule.s, e->rule.len, style)))
            goto generic;
        size_t head = b->len;
        if (!piece(w, e->rule.s, e->rule.len)->clean) goto generic;
        add_head(b, first, e, 1, w);
        raw += b->len - head; /* the head's bytes are as raw (no quote in a clean id... */
        if (!add_piece(w, b, e->text.s, e->text.len)) goto generic;
        raw += e->text.len; /* ...and the limit is checked on raw bytes, over-counted at worst */
        if (raw > PF_CSV_CELL_MAX) goto generic;
        first = 0;
    }
    pf_csv_cell_close(b);
    return 1;
generic:
    b->len = mark;
    b->data[mark] = '\0';
    *cells = before;
    return 0;
}

void pf_why_cell(pf_why_t *w, const char *kind, const char *key, size_t keylen, const char *none,
                 pf_buf_t *b, size_t *cells, const pf_csv_style_t *style)
{
    /* the key's entries, found once for the cell and for the generic way */
    size_t kindlen = strlen(kind);
    w->nmatch = 0;
    for (size_t i = 0; i < w->n; i++)
        if (same_text(&w->entries[i].key, key, keylen) &&
            same_text(&w->entries[i].kind, kind, kindlen))
            w->match[w->nmatch++] = i;
    if (!w->nmatch) {
        pf_csv_cell_shown(b, cells, none, strlen(none), style);
        return;
    }
    if (joined_cell(w, b, cells, style)) return;
    joined_text(w);
    pf_csv_cell_shown(b, cells, w->joined.data, w->joined.len, style);
}
