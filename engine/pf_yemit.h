/*
 * pf_yemit.h - writes a pf_value_t tree as a YAML document with libyaml's
 * emitter (block style, keys in the value's order). Used for the run
 * manifest. Strings that would read back as something else (true, 12, ~,
 * leading spaces, ...) are double-quoted; others are plain.
 *
 * Owns: nothing; the caller owns the FILE and the value tree.
 */
#ifndef PF_YEMIT_H
#define PF_YEMIT_H

#include <stdio.h>
#include "pf_common.h"
#include "pf_value.h"

/* Returns 1 on success, 0 with err (libyaml's problem or an I/O error). */
int pf_yemit_value(FILE *fp, const pf_value_t *root, pf_err_t *err);
/* Same, into a buffer. */
int pf_yemit_buf(pf_buf_t *out, const pf_value_t *root, pf_err_t *err);

#endif
