/*
 * pf_yemit.c - a pf_value_t tree as one YAML document, through libyaml's
 * emitter.
 *
 * The run manifest is read back by people, scripts and other YAML loaders
 * (YAML 1.1 ones such as PyYAML among them), so every scalar must read back
 * as what it was: a string that any of them would type as a boolean, null,
 * number or date, or that would not even parse as the same text, is
 * double-quoted. Numbers always carry a decimal point so they stay numbers
 * and never turn into integers.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "pf_yemit.h"

/* Manifests are shallow; a deeper tree is a bug, not data. */
#define YEMIT_MAX_DEPTH 64

typedef struct emit {
    yaml_emitter_t em;
    pf_err_t *err;
    int failed; /* err already holds the first problem */
} emit_t;

static int fail(emit_t *e, const char *kind, const char *msg)
{
    if (!e->failed && e->err) pf_err_set(e->err, kind, 0, 0, "", "%s", msg);
    e->failed = 1;
    return 0;
}

/* Hands one initialised event to the emitter (which then owns it). */
static int emit_event(emit_t *e, yaml_event_t *ev)
{
    if (yaml_emitter_emit(&e->em, ev)) return 1;
    return fail(e, "yaml.emit", e->em.problem ? e->em.problem : "the YAML emitter failed");
}

/* ---- when a string may be plain ------------------------------------------ */

/* Words some YAML reader (1.1 or 1.2) turns into null, a boolean, a float
 * or a merge key; compared without regard to case. */
static const char *const typed_words[] = {"null",  "~",    "true", "false", "yes",  "no",
                                          "on",    "off",  "y",    "n",     ".inf", "+.inf",
                                          "-.inf", ".nan", "<<",   "=",     NULL};

/* tolower() for ASCII only: the C library's would follow the locale. */
static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int is_typed_word(const char *s, size_t len)
{
    for (size_t i = 0; typed_words[i]; i++) {
        const char *w = typed_words[i];
        if (strlen(w) != len) continue;
        size_t j = 0;
        while (j < len && ascii_lower(s[j]) == w[j])
            j++;
        if (j == len) return 1;
    }
    return 0;
}

/* Anything that starts like a number (12, -5, +1, .5, 0x1F, 1:30, 2024-01-01)
 * could be typed by some reader, so it is quoted whatever follows. */
static int starts_numeric(const char *s, size_t len)
{
    size_t i = 0;
    if (s[i] == '+' || s[i] == '-') i++;
    if (i < len && s[i] == '.') i++;
    return i < len && s[i] >= '0' && s[i] <= '9';
}

/* Bytes that only a double-quoted scalar can carry: C0 controls, DEL, and
 * in UTF-8 the C1 controls (NEL among them), LS, PS and the BOM. */
static int has_special_bytes(const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] < 0x20 || p[i] == 0x7F) return 1;
        if (p[i] == 0xC2 && i + 1 < len && p[i + 1] < 0xA0) return 1;
        if (p[i] == 0xE2 && i + 2 < len && p[i + 1] == 0x80 && (p[i + 2] | 1) == 0xA9) return 1;
        if (p[i] == 0xEF && i + 2 < len && p[i + 1] == 0xBB && p[i + 2] == 0xBF) return 1;
    }
    return 0;
}

/* 1 if s, written plain, reads back as the same string everywhere. */
static int plain_is_safe(const char *s, size_t len)
{
    if (len == 0 || is_typed_word(s, len) || starts_numeric(s, len)) return 0;
    if (strchr("-?:,[]{}#&*!|>'\"%@`", s[0])) return 0; /* indicators */
    if (s[0] == ' ' || s[len - 1] == ' ' || s[len - 1] == ':') return 0;
    if (len >= 3 && memcmp(s, "...", 3) == 0) return 0; /* document end */
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] == ':' && s[i + 1] == ' ') return 0; /* would start a mapping */
        if (s[i] == ' ' && s[i + 1] == '#') return 0; /* would start a comment */
    }
    return !has_special_bytes((const unsigned char *)s, len);
}

/* ---- scalars ----------------------------------------------------------------- */

static int emit_scalar(emit_t *e, const char *text, size_t len, yaml_scalar_style_t style)
{
    if (len > INT_MAX) return fail(e, "yaml.emit", "a string is too long for the YAML emitter");
    yaml_event_t ev;
    /* No tag, implicit both ways: the style alone tells a reader the type. */
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)len, 1, 1, style))
        return fail(e, "yaml.emit", "a string is not valid UTF-8");
    return emit_event(e, &ev);
}

static int emit_string(emit_t *e, const char *s, size_t len)
{
    if (!s) s = "";
    return emit_scalar(e, s, len,
                       plain_is_safe(s, len) ? YAML_PLAIN_SCALAR_STYLE
                                             : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

/* The shortest %.Ng that reads back as the same double, with a decimal
 * point added when %g left none (5 -> 5.0, 1e+20 -> 1.0e+20) so that both
 * YAML 1.1 and 1.2 readers see a float. */
static void format_number(double v, char out[40])
{
    if (isnan(v)) {
        strcpy(out, ".nan");
        return;
    }
    if (isinf(v)) {
        strcpy(out, v < 0 ? "-.inf" : ".inf");
        return;
    }
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) break;
    }
    if (strchr(tmp, '.')) {
        strcpy(out, tmp);
        return;
    }
    char *exp = strchr(tmp, 'e');
    size_t mant = exp ? (size_t)(exp - tmp) : strlen(tmp);
    snprintf(out, 40, "%.*s.0%s", (int)mant, tmp, exp ? exp : "");
}

/* ---- trees --------------------------------------------------------------------- */

static int emit_value(emit_t *e, const pf_value_t *v, int depth);

static int emit_list(emit_t *e, const pf_value_t *v, int depth)
{
    yaml_event_t ev;
    yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
    if (!emit_event(e, &ev)) return 0;
    for (size_t i = 0; i < v->count; i++)
        if (!emit_value(e, &v->items[i], depth + 1)) return 0;
    yaml_sequence_end_event_initialize(&ev);
    return emit_event(e, &ev);
}

static int emit_map(emit_t *e, const pf_value_t *v, int depth)
{
    yaml_event_t ev;
    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
    if (!emit_event(e, &ev)) return 0;
    for (size_t i = 0; i < v->count; i++) {
        const char *key = v->keys[i] ? v->keys[i] : "";
        if (!emit_string(e, key, strlen(key))) return 0;
        if (!emit_value(e, &v->items[i], depth + 1)) return 0;
    }
    yaml_mapping_end_event_initialize(&ev);
    return emit_event(e, &ev);
}

static int emit_value(emit_t *e, const pf_value_t *v, int depth)
{
    if (depth > YEMIT_MAX_DEPTH) return fail(e, "yaml.emit", "the value tree is too deep");
    char num[40];
    switch (v->kind) {
    case PF_VAL_BOOL:
        return emit_scalar(e, v->b ? "true" : "false", v->b ? 4 : 5, YAML_PLAIN_SCALAR_STYLE);
    case PF_VAL_INT:
        snprintf(num, sizeof num, "%lld", v->i);
        return emit_scalar(e, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
    case PF_VAL_NUM:
        format_number(v->n, num);
        return emit_scalar(e, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
    case PF_VAL_STR:
        return emit_string(e, v->s, v->s ? v->len : 0);
    case PF_VAL_LIST:
        return emit_list(e, v, depth);
    case PF_VAL_MAP:
        return emit_map(e, v, depth);
    }
    return fail(e, "yaml.emit", "a value has an unknown kind");
}

static int emit_document(emit_t *e, const pf_value_t *root)
{
    yaml_event_t ev;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    if (!emit_event(e, &ev)) return 0;
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    if (!emit_event(e, &ev)) return 0;
    if (!emit_value(e, root, 0)) return 0;
    yaml_document_end_event_initialize(&ev, 1);
    if (!emit_event(e, &ev)) return 0;
    yaml_stream_end_event_initialize(&ev);
    if (!emit_event(e, &ev)) return 0;
    if (!yaml_emitter_flush(&e->em))
        return fail(e, "yaml.emit", e->em.problem ? e->em.problem : "flush failed");
    return 1;
}

/* libyaml's output handler: append to the caller's buffer; cannot fail. */
static int buf_writer(void *data, unsigned char *bytes, size_t size)
{
    pf_buf_add(data, bytes, size);
    return 1;
}

int pf_yemit_buf(pf_buf_t *out, const pf_value_t *root, pf_err_t *err)
{
    emit_t e = {.err = err};
    if (!root) return fail(&e, "yaml.emit", "there is no value to write");
    if (!yaml_emitter_initialize(&e.em)) return fail(&e, "yaml.emit", "out of memory");
    yaml_emitter_set_output(&e.em, buf_writer, out);
    yaml_emitter_set_unicode(&e.em, 1); /* keep é and 日本語 readable */
    yaml_emitter_set_indent(&e.em, 2);
    yaml_emitter_set_width(&e.em, -1); /* no folding: one line per scalar */
    yaml_emitter_set_break(&e.em, YAML_LN_BREAK);
    size_t start = out->len;
    int ok = emit_document(&e, root);
    yaml_emitter_delete(&e.em);
    if (!ok) {
        /* Leave no half document behind. */
        out->len = start;
        if (out->data) out->data[start] = '\0';
    }
    return ok;
}

int pf_yemit_value(FILE *fp, const pf_value_t *root, pf_err_t *err)
{
    /* Render first, then write once: a half-written manifest is then only
     * ever an I/O failure, which the checks below report. */
    pf_buf_t buf;
    pf_buf_init(&buf);
    int ok = pf_yemit_buf(&buf, root, err);
    if (ok) {
        errno = 0;
        if (fwrite(buf.data, 1, buf.len, fp) != buf.len || fflush(fp) != 0 || ferror(fp)) {
            if (err)
                pf_err_set(err, "io", 0, 0, "", "cannot write the YAML document: %s",
                           strerror(errno ? errno : EIO));
            ok = 0;
        }
    }
    pf_buf_delete(&buf);
    return ok;
}
