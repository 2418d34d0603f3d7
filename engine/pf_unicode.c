/*
 * pf_unicode.c - looking code points up in the generated tables (see
 * pf_unicode.h).
 */
#include "pf_unicode.h"

int pf_unicode_refused_cp(uint32_t cp)
{
    size_t lo = 0, hi = pf_unicode_refused_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < pf_unicode_refused[mid].lo)
            hi = mid;
        else if (cp > pf_unicode_refused[mid].hi)
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

const char *pf_unicode_name(uint32_t cp)
{
    size_t lo = 0, hi = pf_unicode_name_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < pf_unicode_names[mid].cp)
            hi = mid;
        else if (cp > pf_unicode_names[mid].cp)
            lo = mid + 1;
        else
            return pf_unicode_names[mid].name;
    }
    return NULL;
}

/* Decodes the character at s (valid UTF-8, at least one byte): its code
 * point, and its length in *len. */
static uint32_t decode(const unsigned char *s, size_t n, size_t *len)
{
    if (s[0] < 0x80 || n < 2) {
        *len = 1;
        return s[0];
    }
    if (s[0] < 0xE0) {
        *len = 2;
        return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    }
    if (s[0] < 0xF0 || n < 4) {
        *len = n < 3 ? n : 3;
        return n < 3 ? 0xFFFD
                     : (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    }
    *len = 4;
    return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
           (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

uint32_t pf_unicode_first_refused(const unsigned char *s, size_t n, size_t *at)
{
    for (size_t i = 0; i < n;) {
        /* the common case first: printable ASCII */
        if (s[i] >= 0x20 && s[i] < 0x7F) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp = decode(s + i, n - i, &len);
        if (pf_unicode_refused_cp(cp)) {
            *at = i;
            return cp;
        }
        i += len;
    }
    return 0;
}
