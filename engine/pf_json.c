/*
 * pf_json.c - JSON text written as a stream (see pf_json.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_json.h"

void pf_json_init(pf_json_t *j, pf_buf_t *out)
{
    memset(j, 0, sizeof *j);
    j->out = out;
}

static void newline(pf_json_t *j)
{
    pf_buf_addc(j->out, '\n');
    for (int i = 0; i < j->depth; i++)
        pf_buf_addstr(j->out, "  ");
}

/* What comes before any value: its separator and indent, unless it follows
 * its key. */
static void before_value(pf_json_t *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->depth > 0) {
        if (j->count[j->depth - 1]++) pf_buf_addc(j->out, ',');
        newline(j);
    }
}

static void open_level(pf_json_t *j, char c)
{
    before_value(j);
    if (j->depth >= PF_JSON_DEPTH_MAX) {
        fprintf(stderr, "partnerfit: internal error: JSON nested too deep\n");
        abort();
    }
    pf_buf_addc(j->out, c);
    j->close[j->depth] = c == '{' ? '}' : ']';
    j->count[j->depth++] = 0;
}

void pf_json_object(pf_json_t *j)
{
    open_level(j, '{');
}

void pf_json_array(pf_json_t *j)
{
    open_level(j, '[');
}

void pf_json_end(pf_json_t *j)
{
    int had = j->count[--j->depth];
    if (had) newline(j);
    pf_buf_addc(j->out, j->close[j->depth]);
}

static void add_string(pf_buf_t *b, const char *s)
{
    pf_buf_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            pf_buf_addc(b, '\\');
            pf_buf_addc(b, (char)*p);
        } else if (*p == '\n') {
            pf_buf_addstr(b, "\\n");
        } else if (*p == '\t') {
            pf_buf_addstr(b, "\\t");
        } else if (*p < 0x20 || *p == 0x7f) {
            pf_buf_printf(b, "\\u%04x", *p);
        } else {
            pf_buf_addc(b, (char)*p);
        }
    }
    pf_buf_addc(b, '"');
}

void pf_json_key(pf_json_t *j, const char *key)
{
    before_value(j);
    add_string(j->out, key);
    pf_buf_addstr(j->out, ": ");
    j->after_key = 1;
}

void pf_json_str(pf_json_t *j, const char *s)
{
    before_value(j);
    add_string(j->out, s ? s : "");
}

void pf_json_int(pf_json_t *j, long long v)
{
    before_value(j);
    pf_buf_addint(j->out, v);
}

void pf_json_num(pf_json_t *j, double v)
{
    before_value(j);
    if (isnan(v) || isinf(v)) {
        pf_buf_addstr(j->out, "null");
        return;
    }
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) break;
    }
    pf_buf_addstr(j->out, tmp);
}

void pf_json_bool(pf_json_t *j, int b)
{
    before_value(j);
    pf_buf_addstr(j->out, b ? "true" : "false");
}

void pf_json_null(pf_json_t *j)
{
    before_value(j);
    pf_buf_addstr(j->out, "null");
}

void pf_json_value(pf_json_t *j, const pf_value_t *v)
{
    switch (v->kind) {
    case PF_VAL_BOOL:
        pf_json_bool(j, v->b);
        break;
    case PF_VAL_INT:
        pf_json_int(j, v->i);
        break;
    case PF_VAL_NUM:
        pf_json_num(j, v->n);
        break;
    case PF_VAL_STR:
        pf_json_str(j, v->s);
        break;
    case PF_VAL_LIST:
        pf_json_array(j);
        for (size_t i = 0; i < v->count; i++)
            pf_json_value(j, &v->items[i]);
        pf_json_end(j);
        break;
    case PF_VAL_MAP:
        pf_json_object(j);
        for (size_t i = 0; i < v->count; i++) {
            pf_json_key(j, v->keys[i]);
            pf_json_value(j, &v->items[i]);
        }
        pf_json_end(j);
        break;
    }
}

void pf_json_kstr(pf_json_t *j, const char *key, const char *s)
{
    pf_json_key(j, key);
    pf_json_str(j, s);
}

void pf_json_kint(pf_json_t *j, const char *key, long long v)
{
    pf_json_key(j, key);
    pf_json_int(j, v);
}
