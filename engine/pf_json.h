/*
 * pf_json.h - JSON text written as a stream (objects, arrays, scalars), for
 * the generated JSON Schema of the intake. Keys come out in the order they
 * are written, two spaces of indent per level, one value per line, so the
 * same calls give the same bytes; strings are escaped as RFC 8259 asks
 * (quote, backslash and controls), other UTF-8 is written as it is.
 *
 * The caller writes a well-formed sequence (a key before each value in an
 * object, every begin closed); nesting deeper than PF_JSON_DEPTH_MAX is a
 * programming error and aborts.
 *
 * Owns: nothing; the text is appended to the caller's pf_buf_t.
 */
#ifndef PF_JSON_H
#define PF_JSON_H

#include "pf_common.h"
#include "pf_value.h"

#define PF_JSON_DEPTH_MAX 64

typedef struct pf_json {
    pf_buf_t *out;
    int depth;
    int count[PF_JSON_DEPTH_MAX];  /* values written at each open level */
    char close[PF_JSON_DEPTH_MAX]; /* the bracket that closes each level */
    int after_key;                 /* the next value follows "key": */
} pf_json_t;

void pf_json_init(pf_json_t *j, pf_buf_t *out);

void pf_json_object(pf_json_t *j);
void pf_json_array(pf_json_t *j);
void pf_json_end(pf_json_t *j); /* closes the innermost object or array */
void pf_json_key(pf_json_t *j, const char *key);

void pf_json_str(pf_json_t *j, const char *s);
void pf_json_int(pf_json_t *j, long long v);
void pf_json_num(pf_json_t *j, double v); /* NaN and infinities as null */
void pf_json_bool(pf_json_t *j, int b);
void pf_json_null(pf_json_t *j);
/* A typed value (a map as an object, a list as an array). */
void pf_json_value(pf_json_t *j, const pf_value_t *v);

/* key and value in one call */
void pf_json_kstr(pf_json_t *j, const char *key, const char *s);
void pf_json_kint(pf_json_t *j, const char *key, long long v);

#endif
