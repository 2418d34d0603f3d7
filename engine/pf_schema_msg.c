/*
 * pf_schema_msg.c - pieces of the messages of the schema loader and checker:
 * quoted text, "found ..." phrases, lists and "did you mean" suggestions
 * (see pf_schema_int.h). Only errors reach here, never a valid answer.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "pf_schema_int.h"

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
