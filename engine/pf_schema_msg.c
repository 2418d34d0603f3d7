/*
 * pf_schema_msg.c - how the schema loader and checker word and place their
 * messages: quoted text, "found ..." phrases, "did you mean" suggestions and
 * the field paths errors are filed under (see pf_schema_int.h).
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "pf_schema_int.h"

/* ---- message pieces ------------------------------------------------------- */

/* Quotes text for a message: escapes control characters so a message stays
 * on one line, and cuts long text (never inside a UTF-8 sequence). */
const char *sch_quote(char *out, const char *s, size_t len, char q)
{
    size_t n = len > QUOTE_MAX ? QUOTE_MAX : len;
    if (n < len)
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    char *o = out;
    *o++ = q;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        const char *esc = ch == '\n' ? "\\n" : ch == '\t' ? "\\t" : ch == '\r' ? "\\r" : NULL;
        if (esc) {
            memcpy(o, esc, 2);
            o += 2;
            continue;
        }
        if (ch == q || ch == '\\') *o++ = '\\';
        *o++ = ch;
    }
    if (n < len) {
        memcpy(o, "...", 3);
        o += 3;
    }
    *o++ = q;
    *o = '\0';
    return out;
}

/* What a node is, for "found ..." in messages. */
const char *sch_found(const pf_node_t *n, char *buf)
{
    if (!n) return "nothing";
    if (n->kind == PF_NODE_MAP) return "a mapping";
    if (n->kind == PF_NODE_SEQ) return "a list";
    if (pf_node_is_null(n)) return "nothing (an empty value)";
    return sch_quote(buf, n->text, n->len, '"');
}

const char *sch_plural(size_t n)
{
    return n == 1 ? "" : "s";
}

/* The candidate an analyst most likely meant: a case-insensitive match
 * first, else the closest within 2 edits (1 for words of 3 letters or less,
 * where 2 edits would match almost anything). NULL when nothing is close. */
const char *sch_nearest(const char *word, const char *const *cands, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(word, cands[i]) == 0) return cands[i];
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t d = pf_edit_distance(word, cands[i]);
        size_t limit = strlen(cands[i]) <= 3 ? 1 : 2;
        if (d <= limit && d < best_d) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

void sch_add_list(pf_buf_t *b, const char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i) pf_buf_addstr(b, ", ");
        pf_buf_addstr(b, items[i]);
    }
}

/* ---- field paths ---------------------------------------------------------- */

/* Paths grow and shrink as the walk goes down and up; a mark is the length
 * to return to. */
size_t sch_path_name(pf_buf_t *p, const char *name)
{
    size_t mark = p->len;
    if (p->len) pf_buf_addc(p, '.');
    pf_buf_addstr(p, name);
    return mark;
}

size_t sch_path_raw(pf_buf_t *p, const char *s)
{
    size_t mark = p->len;
    pf_buf_addstr(p, s);
    return mark;
}

size_t sch_path_index(pf_buf_t *p, size_t i)
{
    size_t mark = p->len;
    pf_buf_printf(p, "[%zu]", i + 1); /* 1-based, as in Lua and for analysts */
    return mark;
}

void sch_path_pop(pf_buf_t *p, size_t mark)
{
    p->len = mark;
    if (p->data) p->data[mark] = '\0';
}

const char *sch_path_str(const pf_buf_t *p)
{
    return p->data ? p->data : "";
}
