/*
 * pf_unicode.h - the code points an intake may not contain: controls
 * (but TAB and LF), format characters (zero-width spaces and joiners, the
 * soft hyphen, bidi marks, embeddings, overrides and isolates, the word
 * joiner, BOM), line and paragraph separators, private use, surrogates,
 * noncharacters and every other default-ignorable code point. Each shows
 * nothing, or something other than what it is, so two intakes that read
 * the same could differ, and a name could say one thing and sort as
 * another.
 *
 * The table is generated from the Unicode Character Database that Debian
 * ships (tools/gen-unicode-table.sh > pf_unicode_table.c), checked in so
 * the build does not need it, and compared with a fresh generation by a
 * test where the database is installed.
 *
 * Owns: nothing; the tables are constant.
 */
#ifndef PF_UNICODE_H
#define PF_UNICODE_H

#include <stddef.h>
#include <stdint.h>

typedef struct pf_unicode_range {
    uint32_t lo, hi;
} pf_unicode_range_t;

typedef struct pf_unicode_name {
    uint32_t cp;
    const char *name;
} pf_unicode_name_t;

extern const char pf_unicode_version[];
extern const pf_unicode_range_t pf_unicode_refused[];
extern const size_t pf_unicode_refused_count;
extern const pf_unicode_name_t pf_unicode_names[];
extern const size_t pf_unicode_name_count;

/* 1 when an intake may not contain cp. */
int pf_unicode_refused_cp(uint32_t cp);
/* The character's name ("ZERO WIDTH SPACE"), or NULL when the table has
 * none (a private-use or unassigned code point). */
const char *pf_unicode_name(uint32_t cp);

/* The first refused character of the n bytes of valid UTF-8 at s: its code
 * point, with its byte offset in *at; 0 when there is none. */
uint32_t pf_unicode_first_refused(const unsigned char *s, size_t n, size_t *at);

#endif
