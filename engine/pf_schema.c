/*
 * pf_schema.c - the intake schema: loads the schema file (data in
 * policies/) into a tree of field specs, then validates intake documents
 * against it and converts every answer from text to its typed value.
 *
 * Every intake scalar arrives as text and the schema alone decides what it
 * means, through strict grammars per type. Nothing is guessed the YAML 1.1
 * way: `NO` stays text in a string field, `0755` is not an integer and
 * `yes` is not a boolean. No question name appears here; all of them come
 * from the schema file.
 *
 * Owns: a pf_schema_t keeps every spec and string in its own arena, plus the
 * compiled patterns (chained through their specs so delete can regfree
 * them). A loaded schema is never written again: validation keeps its state
 * in a per-call context, so evaluator threads may share one schema.
 */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pf_common.h"
#include "pf_node.h"
#include "pf_schema.h"

/* ---- types and limits --------------------------------------------------- */

typedef enum spec_type {
    T_STRING,
    T_TEXT,
    T_INTEGER,
    T_NUMBER,
    T_BOOLEAN,
    T_ENUM,
    T_DATE,
    T_LIST,
    T_OBJECT,
    T_MAP,
    T_COUNT
} spec_type_t;

static const char *const type_names[T_COUNT] = {"string", "text", "integer", "number", "boolean",
                                                "enum",   "date", "list",    "object", "map"};
#define TYPE_CHOICES "string, text, integer, number, boolean, enum, date, list, object or map"

#define BIT(t) (1u << (t))
#define SCALAR_TYPES                                                                               \
    (BIT(T_STRING) | BIT(T_TEXT) | BIT(T_INTEGER) | BIT(T_NUMBER) | BIT(T_BOOLEAN) | BIT(T_ENUM) | \
     BIT(T_DATE))
#define ALL_TYPES ((1u << T_COUNT) - 1)

/* Defaults keep a forgotten bound from letting one answer swallow a report. */
#define STRING_MAX_DEFAULT 200
#define TEXT_MAX_DEFAULT 4000
#define ITEMS_MAX_DEFAULT 1000

/* Where a spec sits decides which attributes make sense: only fields of an
 * object can be optional (required/default), only top-level ones unique. */
typedef enum spec_role { ROLE_TOP, ROLE_FIELD, ROLE_ITEM, ROLE_VALUE, ROLE_KEY } spec_role_t;

typedef struct spec spec_t;
struct spec {
    spec_type_t type;
    spec_role_t role;
    int required, unique;
    /* Not used by validation; kept for tooling that generates docs and
     * editor annotations from a loaded schema. */
    const char *doc;
    unsigned long line, column; /* of the spec in the schema file */

    int has_default;
    pf_value_t def; /* line 0; strings live in the schema arena */

    /* string, text */
    size_t min_length, max_length;
    int has_max_length;
    const char *pattern;
    int has_re;
    regex_t re;
    spec_t *next_re; /* chain of specs holding a compiled regex */

    /* integer, number, date: bounds, with their text for messages */
    int has_min, has_max;
    long long imin, imax;
    double nmin, nmax;
    const char *min_text, *max_text;

    /* enum: inline values or the values of a named enum */
    const char *const *values;
    size_t nvalues;
    const char *enum_name; /* set when the values come from enums: (tooling) */

    /* list (items), map (items = value spec, keys = key spec or NULL) */
    spec_t *items, *keys;
    size_t min_items, max_items;
    int has_max_items;

    /* object */
    size_t nfields;
    const char **names;
    spec_t **fields;
};

typedef struct named_enum {
    const char *name;
    const char **values;
    size_t count;
} named_enum_t;

struct pf_schema {
    pf_arena_t arena;
    const char *version;
    const char *unique; /* name of the unique top-level field, or NULL */
    spec_t *root;       /* an object spec for the top-level mapping */
    named_enum_t *enums;
    size_t nenums;
    spec_t *regexes;
};

/* ---- small text helpers ------------------------------------------------- */

#define QUOTE_MAX 60
#define QUOTE_BUF (2 * QUOTE_MAX + 8)

/* Quotes text for a message: escapes control characters so a message stays
 * on one line, and cuts long text (never inside a UTF-8 sequence). */
static const char *quote(char *out, const char *s, size_t len, char q)
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
static const char *found(const pf_node_t *n, char *buf)
{
    if (!n) return "nothing";
    if (n->kind == PF_NODE_MAP) return "a mapping";
    if (n->kind == PF_NODE_SEQ) return "a list";
    if (pf_node_is_null(n)) return "nothing (an empty value)";
    return quote(buf, n->text, n->len, '"');
}

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

/* Length in characters, as analysts count: UTF-8 continuation bytes are not
 * characters of their own (the reader has already checked the encoding). */
static size_t utf8_length(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
    return n;
}

/* Optimal string alignment distance (edits plus adjacent swaps). Only short
 * words are compared, which keeps the table on the stack. */
#define NEAR_MAX 64
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > NEAR_MAX || lb > NEAR_MAX) return SIZE_MAX;
    unsigned char d[NEAR_MAX + 1][NEAR_MAX + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (unsigned char)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (unsigned char)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            unsigned cost = a[i - 1] != b[j - 1];
            unsigned best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1u < best) best = d[i - 1][j] + 1u;
            if (d[i][j - 1] + 1u < best) best = d[i][j - 1] + 1u;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1u < best)
                best = d[i - 2][j - 2] + 1u;
            d[i][j] = (unsigned char)best;
        }
    }
    return d[la][lb];
}

/* The candidate an analyst most likely meant: a case-insensitive match
 * first, else the closest within 2 edits (1 for words of 3 letters or less,
 * where 2 edits would match almost anything). NULL when nothing is close. */
static const char *nearest(const char *word, const char *const *cands, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(word, cands[i]) == 0) return cands[i];
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, cands[i]);
        size_t limit = strlen(cands[i]) <= 3 ? 1 : 2;
        if (d <= limit && d < best_d) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

static void add_list(pf_buf_t *b, const char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i) pf_buf_addstr(b, ", ");
        pf_buf_addstr(b, items[i]);
    }
}

/* ---- field paths ---------------------------------------------------------- */

/* Paths grow and shrink as the walk goes down and up; a mark is the length
 * to return to. */
static size_t path_name(pf_buf_t *p, const char *name)
{
    size_t mark = p->len;
    if (p->len) pf_buf_addc(p, '.');
    pf_buf_addstr(p, name);
    return mark;
}

static size_t path_raw(pf_buf_t *p, const char *s)
{
    size_t mark = p->len;
    pf_buf_addstr(p, s);
    return mark;
}

static size_t path_index(pf_buf_t *p, size_t i)
{
    size_t mark = p->len;
    pf_buf_printf(p, "[%zu]", i + 1); /* 1-based, as in Lua and for analysts */
    return mark;
}

static void path_pop(pf_buf_t *p, size_t mark)
{
    p->len = mark;
    if (p->data) p->data[mark] = '\0';
}

static const char *path_str(const pf_buf_t *p)
{
    return p->data ? p->data : "";
}

/* ---- strict scalar grammars ------------------------------------------------ */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Why text is not a decimal -?(0|[1-9][0-9]*) (with fraction (\.[0-9]+)?
 * when allowed), or NULL when it is one. The reason names the usual YAML and
 * spreadsheet habits so an analyst knows what to change. */
static const char *decimal_problem(const char *s, int fraction)
{
    const char *p = s;
    if (*p == '\0') return "it is empty";
    if (*p == '+') return "a leading + sign is not allowed";
    if (*p == '-') p++;
    if (strcasecmp(p, "inf") == 0 || strcasecmp(p, ".inf") == 0 || strcasecmp(p, "nan") == 0 ||
        strcasecmp(p, ".nan") == 0 || strcasecmp(p, "infinity") == 0)
        return "infinity and NaN are not numbers here";
    if (*p == '.') return "a digit is needed before the decimal point";
    if (!is_digit(*p)) {
        if (*p == ' ' || *p == '\t') return "spaces are not allowed";
        return fraction ? "only digits, a leading minus sign and one decimal point are allowed"
                        : "only digits and a leading minus sign are allowed";
    }
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X' || p[1] == 'o' || p[1] == 'b'))
        return "only decimal notation is allowed (no 0x, 0o or 0b prefix)";
    if (p[0] == '0' && is_digit(p[1])) return "leading zeros are not allowed";
    while (is_digit(*p))
        p++;
    if (*p == '.') {
        if (!fraction) return "a whole number is needed (no decimal point)";
        p++;
        if (!is_digit(*p)) return "a digit is needed after the decimal point";
        while (is_digit(*p))
            p++;
    }
    if (*p == '\0') return NULL;
    if (*p == 'e' || *p == 'E') return "exponent notation (e) is not allowed";
    if (*p == '_' || *p == ',') return "digit separators (_ or ,) are not allowed";
    if (*p == ' ' || *p == '\t') return "spaces are not allowed";
    if (*p == '.') return "only one decimal point is allowed";
    return fraction ? "only digits, a leading minus sign and one decimal point are allowed"
                    : "only digits and a leading minus sign are allowed";
}

static const char *const month_names[12] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

static int digits_at(const char *s, size_t from, size_t n)
{
    int v = 0;
    for (size_t i = from; i < from + n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* 0 for a real calendar date written YYYY-MM-DD; 1 when the text is not in
 * that form; 2 when it is but the day does not exist (why says which). */
static int date_problem(const char *s, size_t len, char *why, size_t why_size)
{
    if (len != 10 || s[4] != '-' || s[7] != '-') return 1;
    for (size_t i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !is_digit(s[i])) return 1;
    int y = digits_at(s, 0, 4), m = digits_at(s, 5, 2), d = digits_at(s, 8, 2);
    if (y == 0) {
        snprintf(why, why_size, "there is no year 0000");
    } else if (m < 1 || m > 12) {
        snprintf(why, why_size, "there is no month %02d", m);
    } else if (d < 1 || d > days_in_month(y, m)) {
        snprintf(why, why_size, "%s %04d has %d days", month_names[m - 1], y, days_in_month(y, m));
    } else {
        return 0;
    }
    return 2;
}

/* ---- validation context ---------------------------------------------------- */

typedef struct vctx {
    pf_arena_t *arena;
    pf_errlist_t *errs;
    size_t max_errors; /* 0 = no cap */
    size_t added;      /* errors appended by this call */
    int failed;
    pf_buf_t path;
} vctx_t;

static int cap_reached(const vctx_t *c)
{
    return c->max_errors && c->added >= c->max_errors;
}

static void report(vctx_t *c, const char *kind, const pf_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(vctx_t *c, const char *kind, const pf_node_t *n, const char *fmt, ...)
{
    c->failed = 1;
    if (cap_reached(c)) return;
    char msg[PF_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pf_err_set(pf_errlist_add(c->errs), kind, n ? n->line : 0, n ? n->column : 0,
               path_str(&c->path), "%s", msg);
    c->added++;
}

/* What a spec accepts, for "expected ..." in messages. */
static void describe_expected(const spec_t *sp, pf_buf_t *b)
{
    switch (sp->type) {
    case T_STRING:
        pf_buf_addstr(b, "a single line of text");
        break;
    case T_TEXT:
        pf_buf_addstr(b, "text");
        break;
    case T_INTEGER:
        pf_buf_addstr(b, "a whole number");
        break;
    case T_NUMBER:
        pf_buf_addstr(b, "a number");
        break;
    case T_BOOLEAN:
        pf_buf_addstr(b, "true or false");
        break;
    case T_ENUM:
        pf_buf_addstr(b, "one of: ");
        add_list(b, sp->values, sp->nvalues);
        break;
    case T_DATE:
        pf_buf_addstr(b, "a date written YYYY-MM-DD");
        break;
    case T_LIST:
        pf_buf_addstr(b, "a list");
        break;
    case T_OBJECT:
    case T_MAP:
    default:
        pf_buf_addstr(b, "a mapping");
        break;
    }
}

static int shape_error(vctx_t *c, const spec_t *sp, const pf_node_t *n)
{
    pf_buf_t exp;
    pf_buf_init(&exp);
    describe_expected(sp, &exp);
    char q[QUOTE_BUF];
    report(c, "schema.shape", n, "expected %s, found %s.", exp.data, found(n, q));
    pf_buf_delete(&exp);
    return 0;
}

/* The bound phrase of a range error ("from 0 to 5", "of at least 0"...). */
static int range_error(vctx_t *c, const spec_t *sp, const pf_node_t *n, const char *what,
                       const char *at_least, const char *at_most)
{
    char q[QUOTE_BUF];
    quote(q, n->text, n->len, '"');
    if (sp->has_min && sp->has_max)
        report(c, "schema.range", n, "expected %s from %s to %s, found %s.", what, sp->min_text,
               sp->max_text, q);
    else if (sp->has_min)
        report(c, "schema.range", n, "expected %s %s %s, found %s.", what, at_least, sp->min_text,
               q);
    else
        report(c, "schema.range", n, "expected %s %s %s, found %s.", what, at_most, sp->max_text,
               q);
    return 0;
}

/* ---- scalar checks ------------------------------------------------------------ */

static void set_str(pf_value_t *out, const pf_node_t *n)
{
    out->kind = PF_VAL_STR;
    out->s = n->text;
    out->len = n->len;
}

/* Characters a field of this type cannot hold, or NULL. */
static const char *line_problem(spec_type_t type, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\r') return "a carriage return";
        if (type == T_STRING && s[i] == '\n') return "a line break";
        if (type == T_STRING && s[i] == '\t') return "a tab character";
    }
    return NULL;
}

/* POSIX leftmost-longest matching: if the whole value can match, the first
 * match starts at 0 and is the whole value, so no anchors need adding. */
static int whole_match(const regex_t *re, const char *s, size_t len)
{
    regmatch_t m[1];
    if (regexec(re, s, 1, m, 0) != 0) return 0;
    return m[0].rm_so == 0 && (size_t)m[0].rm_eo == len;
}

static int check_string(vctx_t *c, const spec_t *sp, const pf_node_t *n, pf_value_t *out)
{
    char q[QUOTE_BUF];
    const char *bad = line_problem(sp->type, n->text, n->len);
    if (bad) {
        report(c, "schema.type", n, "expected %s, found %s in %s.",
               sp->type == T_STRING ? "a single line of text" : "text", bad,
               quote(q, n->text, n->len, '"'));
        return 0;
    }
    size_t chars = utf8_length(n->text, n->len);
    if (chars > sp->max_length) {
        report(c, "schema.length", n, "expected at most %zu character%s, found %zu.",
               sp->max_length, plural(sp->max_length), chars);
        return 0;
    }
    if (chars < sp->min_length) {
        report(c, "schema.length", n, "expected at least %zu character%s, found %zu in %s.",
               sp->min_length, plural(sp->min_length), chars, quote(q, n->text, n->len, '"'));
        return 0;
    }
    if (sp->has_re && !whole_match(&sp->re, n->text, n->len)) {
        report(c, "schema.pattern", n, "expected text matching the pattern %s, found %s.",
               sp->pattern, quote(q, n->text, n->len, '"'));
        return 0;
    }
    set_str(out, n);
    return 1;
}

static int check_integer(vctx_t *c, const spec_t *sp, const pf_node_t *n, pf_value_t *out)
{
    char q[QUOTE_BUF];
    const char *why = decimal_problem(n->text, 0);
    if (why) {
        report(c, "schema.type", n, "expected a whole number, found %s: %s.",
               quote(q, n->text, n->len, '"'), why);
        return 0;
    }
    errno = 0;
    long long v = strtoll(n->text, NULL, 10);
    if (errno == ERANGE) {
        report(c, "schema.range", n, "expected a whole number, found %s, which is too large.",
               quote(q, n->text, n->len, '"'));
        return 0;
    }
    if ((sp->has_min && v < sp->imin) || (sp->has_max && v > sp->imax))
        return range_error(c, sp, n, "a whole number", "of at least", "of at most");
    out->kind = PF_VAL_INT;
    out->i = v;
    return 1;
}

/* The grammar has no exponent, so strtod overflows only on hundreds of
 * digits. The host never calls setlocale, so strtod reads '.' as the
 * decimal point. */
static int check_number(vctx_t *c, const spec_t *sp, const pf_node_t *n, pf_value_t *out)
{
    char q[QUOTE_BUF];
    const char *why = decimal_problem(n->text, 1);
    if (why) {
        report(c, "schema.type", n, "expected a number, found %s: %s.",
               quote(q, n->text, n->len, '"'), why);
        return 0;
    }
    errno = 0;
    double v = strtod(n->text, NULL);
    if (errno == ERANGE && (v > 1.0 || v < -1.0)) {
        report(c, "schema.range", n, "expected a number, found %s, which is too large.",
               quote(q, n->text, n->len, '"'));
        return 0;
    }
    if ((sp->has_min && v < sp->nmin) || (sp->has_max && v > sp->nmax))
        return range_error(c, sp, n, "a number", "of at least", "of at most");
    out->kind = PF_VAL_NUM;
    out->n = v;
    return 1;
}

static int check_boolean(vctx_t *c, const pf_node_t *n, pf_value_t *out)
{
    if (strcmp(n->text, "true") == 0 || strcmp(n->text, "false") == 0) {
        out->kind = PF_VAL_BOOL;
        out->b = n->text[0] == 't';
        return 1;
    }
    char q[QUOTE_BUF];
    report(c, "schema.type", n,
           "expected true or false (written exactly so, in lower case), found %s.",
           quote(q, n->text, n->len, '"'));
    return 0;
}

static int check_enum(vctx_t *c, const spec_t *sp, const pf_node_t *n, pf_value_t *out)
{
    for (size_t i = 0; i < sp->nvalues; i++) {
        if (strcmp(n->text, sp->values[i]) == 0) {
            set_str(out, n);
            return 1;
        }
    }
    char q[QUOTE_BUF];
    pf_buf_t b;
    pf_buf_init(&b);
    pf_buf_addstr(&b, "expected one of: ");
    add_list(&b, sp->values, sp->nvalues);
    pf_buf_printf(&b, "; found %s", quote(q, n->text, n->len, '"'));
    const char *near = nearest(n->text, sp->values, sp->nvalues);
    if (near)
        pf_buf_printf(&b, "; did you mean \"%s\"?", near);
    else
        pf_buf_addc(&b, '.');
    report(c, "schema.enum", n, "%s", b.data);
    pf_buf_delete(&b);
    return 0;
}

static int check_date(vctx_t *c, const spec_t *sp, const pf_node_t *n, pf_value_t *out)
{
    char q[QUOTE_BUF], why[64];
    int bad = date_problem(n->text, n->len, why, sizeof why);
    quote(q, n->text, n->len, '"');
    if (bad == 1) {
        report(c, "schema.date", n, "expected a date written YYYY-MM-DD, found %s.", q);
        return 0;
    }
    if (bad == 2) {
        report(c, "schema.date", n, "expected a real calendar date, found %s: %s.", q, why);
        return 0;
    }
    /* YYYY-MM-DD sorts as text in date order. */
    if ((sp->has_min && strcmp(n->text, sp->min_text) < 0) ||
        (sp->has_max && strcmp(n->text, sp->max_text) > 0))
        return range_error(c, sp, n, "a date", "on or after", "on or before");
    set_str(out, n);
    return 1;
}

static int check_scalar(vctx_t *c, const spec_t *sp, const pf_node_t *n, pf_value_t *out)
{
    out->line = n->line;
    out->column = n->column;
    if (n->kind != PF_NODE_SCALAR) return shape_error(c, sp, n);
    switch (sp->type) {
    case T_STRING:
    case T_TEXT:
        return check_string(c, sp, n, out);
    case T_INTEGER:
        return check_integer(c, sp, n, out);
    case T_NUMBER:
        return check_number(c, sp, n, out);
    case T_BOOLEAN:
        return check_boolean(c, n, out);
    case T_ENUM:
        return check_enum(c, sp, n, out);
    case T_DATE:
        return check_date(c, sp, n, out);
    default:
        return shape_error(c, sp, n);
    }
}

/* ---- collections ---------------------------------------------------------------- */

static int check_value(vctx_t *c, const spec_t *sp, const pf_node_t *n, pf_value_t *out);

/* Lists and maps hold no "absent" entries, so an empty one is an error. */
static void empty_entry_error(vctx_t *c, const spec_t *sp, const pf_node_t *n, const char *where)
{
    pf_buf_t exp;
    pf_buf_init(&exp);
    describe_expected(sp, &exp);
    report(c, "schema.required", n, "expected %s %s, found nothing (an empty value).", exp.data,
           where);
    pf_buf_delete(&exp);
}

static int check_count(vctx_t *c, const spec_t *sp, const pf_node_t *n)
{
    if (n->count > sp->max_items) {
        report(c, "schema.items", n, "expected at most %zu item%s, found %zu.", sp->max_items,
               plural(sp->max_items), n->count);
        return 0;
    }
    if (n->count < sp->min_items) {
        report(c, "schema.items", n, "expected at least %zu item%s, found %zu.", sp->min_items,
               plural(sp->min_items), n->count);
        return 0;
    }
    return 1;
}

static int check_list(vctx_t *c, const spec_t *sp, const pf_node_t *n, pf_value_t *out)
{
    if (n->kind != PF_NODE_SEQ) return shape_error(c, sp, n);
    int ok = check_count(c, sp, n);
    out->kind = PF_VAL_LIST;
    out->items = pf_arena_alloc(c->arena, n->count * sizeof *out->items);
    out->count = n->count;
    for (size_t i = 0; i < n->count && !cap_reached(c); i++) {
        size_t mark = path_index(&c->path, i);
        const pf_node_t *item = n->items[i];
        if (pf_node_is_null(item)) {
            empty_entry_error(c, sp->items, item, "for this list item");
            ok = 0;
        } else if (!check_value(c, sp->items, item, &out->items[i])) {
            ok = 0;
        }
        path_pop(&c->path, mark);
    }
    return ok;
}

static int check_map_key(vctx_t *c, const spec_t *sp, const pf_node_t *key)
{
    if (sp->keys) {
        pf_value_t ignored;
        return check_scalar(c, sp->keys, key, &ignored);
    }
    /* Default keys: identifiers that read well in a path and in Lua. */
    int ok = key->len > 0;
    for (size_t i = 0; ok && i < key->len; i++) {
        char ch = key->text[i];
        ok = is_digit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
             ch == '.' || ch == '-';
    }
    if (!ok) {
        char q[QUOTE_BUF];
        report(c, "schema.pattern", key,
               "expected a key made of letters, digits, '_', '.' or '-', found %s.",
               quote(q, key->text, key->len, '"'));
    }
    return ok;
}

typedef struct map_entry {
    const char *key;
    pf_value_t value;
} map_entry_t;

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const map_entry_t *)a)->key, ((const map_entry_t *)b)->key);
}

/* Entries are sorted by key so reports do not depend on answer order. */
static void store_sorted(vctx_t *c, map_entry_t *e, size_t n, pf_value_t *out)
{
    qsort(e, n, sizeof *e, entry_cmp);
    out->kind = PF_VAL_MAP;
    out->count = n;
    out->keys = pf_arena_alloc(c->arena, n * sizeof *out->keys);
    out->items = pf_arena_alloc(c->arena, n * sizeof *out->items);
    for (size_t i = 0; i < n; i++) {
        out->keys[i] = e[i].key;
        out->items[i] = e[i].value;
    }
}

static int check_map(vctx_t *c, const spec_t *sp, const pf_node_t *n, pf_value_t *out)
{
    if (n->kind != PF_NODE_MAP) return shape_error(c, sp, n);
    int ok = n->count <= sp->max_items;
    if (!ok)
        report(c, "schema.items", n, "expected at most %zu entr%s, found %zu.", sp->max_items,
               sp->max_items == 1 ? "y" : "ies", n->count);
    map_entry_t *e = pf_xcalloc(n->count, sizeof *e);
    size_t kept = 0;
    for (size_t i = 0; i < n->count && !cap_reached(c); i++) {
        const pf_node_t *key = n->items[2 * i], *val = n->items[2 * i + 1];
        size_t mark = path_name(&c->path, key->text);
        int entry_ok = check_map_key(c, sp, key);
        if (pf_node_is_null(val)) {
            empty_entry_error(c, sp->items, val, "for this entry");
            entry_ok = 0;
        } else if (!check_value(c, sp->items, val, &e[kept].value)) {
            entry_ok = 0;
        }
        if (entry_ok) e[kept++].key = key->text;
        ok &= entry_ok;
        path_pop(&c->path, mark);
    }
    store_sorted(c, e, kept, out);
    free(e);
    return ok;
}

static long find_field(const spec_t *sp, const char *name)
{
    for (size_t i = 0; i < sp->nfields; i++)
        if (strcmp(sp->names[i], name) == 0) return (long)i;
    return -1;
}

static void unknown_field_error(vctx_t *c, const spec_t *sp, const pf_node_t *key)
{
    char q[QUOTE_BUF];
    quote(q, key->text, key->len, '\'');
    const char *near = nearest(key->text, sp->names, sp->nfields);
    if (near) {
        report(c, "schema.unknown_field", key, "unknown field %s; did you mean '%s'?", q, near);
        return;
    }
    pf_buf_t b;
    pf_buf_init(&b);
    add_list(&b, sp->names, sp->nfields);
    report(c, "schema.unknown_field", key, "unknown field %s; the fields here are: %s.", q, b.data);
    pf_buf_delete(&b);
}

/* First pass, in document order so errors read top to bottom: flags
 * unknown keys and converts each given field into its declaration slot. */
static int check_given_fields(vctx_t *c, const spec_t *sp, const pf_node_t *n, pf_value_t *slots,
                              const pf_node_t **given)
{
    int ok = 1;
    for (size_t i = 0; i < n->count && !cap_reached(c); i++) {
        const pf_node_t *key = n->items[2 * i], *val = n->items[2 * i + 1];
        size_t mark = path_name(&c->path, key->text);
        long f = find_field(sp, key->text);
        if (f < 0) {
            unknown_field_error(c, sp, key);
            ok = 0;
        } else {
            given[f] = val;
            if (!pf_node_is_null(val) && !check_value(c, sp->fields[f], val, &slots[f])) ok = 0;
        }
        path_pop(&c->path, mark);
    }
    return ok;
}

static void fill_default(vctx_t *c, const spec_t *sp, pf_value_t *v)
{
    *v = sp->def;
    v->line = v->column = 0;
    /* Copied so the value lives in the caller's arena like everything else. */
    if (v->kind == PF_VAL_STR) v->s = pf_arena_strndup(c->arena, sp->def.s, sp->def.len);
}

/* Second pass, in declaration order: missing required fields, defaults, and
 * the output map compacted from the slots (index k never passes index i). */
static int fill_fields(vctx_t *c, const spec_t *sp, const pf_node_t *n, pf_value_t *slots,
                       const pf_node_t **given, pf_value_t *out)
{
    int ok = 1;
    size_t k = 0;
    out->keys = pf_arena_alloc(c->arena, sp->nfields * sizeof *out->keys);
    for (size_t i = 0; i < sp->nfields; i++) {
        const spec_t *f = sp->fields[i];
        const pf_node_t *val = given[i];
        int absent = !val || pf_node_is_null(val);
        if (!absent) {
            slots[k] = slots[i];
        } else if (f->required) {
            size_t mark = path_name(&c->path, sp->names[i]);
            report(c, "schema.required", val ? val : n, "the required field '%s' is %s.",
                   sp->names[i], val ? "empty" : "missing");
            path_pop(&c->path, mark);
            ok = 0;
            continue;
        } else if (f->has_default) {
            fill_default(c, f, &slots[k]);
        } else {
            continue;
        }
        out->keys[k++] = pf_arena_strndup(c->arena, sp->names[i], strlen(sp->names[i]));
    }
    out->kind = PF_VAL_MAP;
    out->items = slots;
    out->count = k;
    return ok;
}

static int check_object(vctx_t *c, const spec_t *sp, const pf_node_t *n, pf_value_t *out)
{
    if (n->kind != PF_NODE_MAP) return shape_error(c, sp, n);
    pf_value_t *slots = pf_arena_alloc(c->arena, sp->nfields * sizeof *slots);
    const pf_node_t **given = pf_xcalloc(sp->nfields, sizeof *given);
    int ok = check_given_fields(c, sp, n, slots, given);
    ok &= fill_fields(c, sp, n, slots, given, out);
    free(given);
    return ok;
}

static int check_value(vctx_t *c, const spec_t *sp, const pf_node_t *n, pf_value_t *out)
{
    out->line = n->line;
    out->column = n->column;
    switch (sp->type) {
    case T_LIST:
        return check_list(c, sp, n, out);
    case T_OBJECT:
        return check_object(c, sp, n, out);
    case T_MAP:
        return check_map(c, sp, n, out);
    default:
        return check_scalar(c, sp, n, out);
    }
}

int pf_schema_validate(const pf_schema_t *s, const pf_node_t *root, pf_arena_t *arena,
                       pf_value_t **out, pf_errlist_t *errs, size_t max_errors)
{
    vctx_t c = {.arena = arena, .errs = errs, .max_errors = max_errors};
    pf_buf_init(&c.path);
    pf_value_t *v = pf_arena_alloc(arena, sizeof *v);
    if (!root || pf_node_is_null(root))
        report(&c, "schema.shape", root, "the document is empty; expected a mapping of fields.");
    else
        check_value(&c, s->root, root, v);
    pf_buf_delete(&c.path);
    if (out) *out = c.failed ? NULL : v;
    return !c.failed;
}

const char *pf_schema_unique_field(const pf_schema_t *s)
{
    return s ? s->unique : NULL;
}

const char *pf_schema_version(const pf_schema_t *s)
{
    return s ? s->version : NULL;
}

void pf_schema_delete(pf_schema_t *s)
{
    if (!s) return;
    for (spec_t *sp = s->regexes; sp; sp = sp->next_re)
        regfree(&sp->re);
    pf_arena_delete(&s->arena);
    free(s);
}

/* ---- loading: context and helpers ------------------------------------------------- */

#define KIND_DEF "schema.definition"

typedef struct loader {
    pf_schema_t *s;
    pf_errlist_t *errs;
    size_t nerrs; /* errors added by this load */
    pf_buf_t path;
} loader_t;

static void lreport(loader_t *ld, const pf_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void lreport(loader_t *ld, const pf_node_t *n, const char *fmt, ...)
{
    char msg[PF_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pf_err_set(pf_errlist_add(ld->errs), KIND_DEF, n ? n->line : 0, n ? n->column : 0,
               path_str(&ld->path), "%s", msg);
    ld->nerrs++;
}

static const char *ldup(loader_t *ld, const pf_node_t *n)
{
    return pf_arena_strndup(&ld->s->arena, n->text, n->len);
}

static int is_text(const pf_node_t *n)
{
    return n && n->kind == PF_NODE_SCALAR && !pf_node_is_null(n);
}

static int load_bool(loader_t *ld, const pf_node_t *v, const char *attr, int *out)
{
    if (is_text(v) && (strcmp(v->text, "true") == 0 || strcmp(v->text, "false") == 0)) {
        *out = v->text[0] == 't';
        return 1;
    }
    char q[QUOTE_BUF];
    lreport(ld, v, "%s must be true or false, found %s.", attr, found(v, q));
    return 0;
}

static int load_count(loader_t *ld, const pf_node_t *v, const char *attr, size_t *out)
{
    char q[QUOTE_BUF];
    if (!is_text(v) || decimal_problem(v->text, 0) || v->text[0] == '-') {
        lreport(ld, v, "%s must be a whole number of 0 or more, found %s.", attr, found(v, q));
        return 0;
    }
    errno = 0;
    unsigned long long x = strtoull(v->text, NULL, 10);
    if (errno == ERANGE || x > SIZE_MAX) {
        lreport(ld, v, "%s is too large: %s.", attr, found(v, q));
        return 0;
    }
    *out = (size_t)x;
    return 1;
}

/* A non-empty list of distinct text values (an enum's allowed answers). */
static int load_value_list(loader_t *ld, const pf_node_t *v, const char ***out, size_t *count)
{
    char q[QUOTE_BUF];
    if (!v || v->kind != PF_NODE_SEQ || v->count == 0) {
        lreport(ld, v, "expected a non-empty list of values such as [low, medium, high], found %s.",
                found(v, q));
        return 0;
    }
    const char **vals = pf_arena_alloc(&ld->s->arena, v->count * sizeof *vals);
    size_t n = 0;
    int ok = 1;
    for (size_t i = 0; i < v->count; i++) {
        const pf_node_t *item = v->items[i];
        if (!is_text(item)) {
            lreport(ld, item, "each value must be a word or text, found %s.", found(item, q));
            ok = 0;
            continue;
        }
        int dup = 0;
        for (size_t j = 0; j < n && !dup; j++)
            dup = strcmp(vals[j], item->text) == 0;
        if (dup) {
            lreport(ld, item, "the value %s is listed twice.",
                    quote(q, item->text, item->len, '"'));
            ok = 0;
            continue;
        }
        vals[n++] = ldup(ld, item);
    }
    *out = vals;
    *count = n;
    return ok;
}

static spec_t *load_spec(loader_t *ld, const pf_node_t *n, spec_role_t role);

/* ---- loading: attributes ---------------------------------------------------------- */

typedef void (*attr_fn)(loader_t *ld, spec_t *sp, const pf_node_t *v);

static void attr_required(loader_t *ld, spec_t *sp, const pf_node_t *v)
{
    if (sp->role != ROLE_TOP && sp->role != ROLE_FIELD) {
        lreport(ld, v,
                "required applies only to fields of a mapping; list items, map keys and "
                "map values are always required.");
        return;
    }
    load_bool(ld, v, "required", &sp->required);
}

static void attr_doc(loader_t *ld, spec_t *sp, const pf_node_t *v)
{
    char q[QUOTE_BUF];
    if (!is_text(v)) {
        lreport(ld, v, "doc must be text, found %s.", found(v, q));
        return;
    }
    sp->doc = ldup(ld, v);
}

static void attr_unique(loader_t *ld, spec_t *sp, const pf_node_t *v)
{
    if (!load_bool(ld, v, "unique", &sp->unique) || !sp->unique) return;
    if (sp->role != ROLE_TOP) {
        lreport(ld, v, "unique: true is allowed only on a top-level field.");
        sp->unique = 0;
    }
}

static void attr_min_length(loader_t *ld, spec_t *sp, const pf_node_t *v)
{
    load_count(ld, v, "min_length", &sp->min_length);
}

static void attr_max_length(loader_t *ld, spec_t *sp, const pf_node_t *v)
{
    sp->has_max_length = load_count(ld, v, "max_length", &sp->max_length);
}

static void attr_pattern(loader_t *ld, spec_t *sp, const pf_node_t *v)
{
    char q[QUOTE_BUF];
    if (!is_text(v)) {
        lreport(ld, v, "pattern must be a regular expression, found %s.", found(v, q));
        return;
    }
    int rc = regcomp(&sp->re, v->text, REG_EXTENDED);
    if (rc != 0) {
        char why[256];
        regerror(rc, &sp->re, why, sizeof why);
        lreport(ld, v, "pattern %s is not a valid regular expression: %s.",
                quote(q, v->text, v->len, '\''), why);
        return;
    }
    sp->has_re = 1;
    sp->pattern = ldup(ld, v);
    sp->next_re = ld->s->regexes;
    ld->s->regexes = sp;
}

/* A min or max bound, in the grammar of the field's own type. */
static void load_bound(loader_t *ld, spec_t *sp, const pf_node_t *v, int is_max)
{
    const char *attr = is_max ? "max" : "min";
    char q[QUOTE_BUF], why[64];
    if (!is_text(v)) {
        lreport(ld, v, "%s must be a single value, found %s.", attr, found(v, q));
        return;
    }
    const char *problem = NULL;
    if (sp->type == T_DATE) {
        if (date_problem(v->text, v->len, why, sizeof why)) problem = "a real date YYYY-MM-DD";
    } else if (decimal_problem(v->text, sp->type == T_NUMBER)) {
        problem = sp->type == T_NUMBER ? "a number" : "a whole number";
    }
    errno = 0;
    long long i = sp->type == T_INTEGER && !problem ? strtoll(v->text, NULL, 10) : 0;
    double d = sp->type == T_NUMBER && !problem ? strtod(v->text, NULL) : 0;
    if (!problem && errno == ERANGE) problem = "a value that fits";
    if (problem) {
        lreport(ld, v, "%s must be %s (the field is of type %s), found %s.", attr, problem,
                type_names[sp->type], quote(q, v->text, v->len, '"'));
        return;
    }
    if (is_max) {
        sp->has_max = 1;
        sp->imax = i;
        sp->nmax = d;
        sp->max_text = ldup(ld, v);
    } else {
        sp->has_min = 1;
        sp->imin = i;
        sp->nmin = d;
        sp->min_text = ldup(ld, v);
    }
}

static void attr_min(loader_t *ld, spec_t *sp, const pf_node_t *v)
{
    load_bound(ld, sp, v, 0);
}

static void attr_max(loader_t *ld, spec_t *sp, const pf_node_t *v)
{
    load_bound(ld, sp, v, 1);
}

/* `values` means the allowed answers of an enum, the value spec of a map. */
static void attr_values(loader_t *ld, spec_t *sp, const pf_node_t *v)
{
    if (sp->type == T_MAP) {
        size_t mark = path_name(&ld->path, "*");
        sp->items = load_spec(ld, v, ROLE_VALUE);
        path_pop(&ld->path, mark);
        return;
    }
    const char **vals = NULL;
    load_value_list(ld, v, &vals, &sp->nvalues);
    sp->values = vals;
}

static void unknown_enum_error(loader_t *ld, const pf_node_t *v)
{
    const pf_schema_t *s = ld->s;
    char q[QUOTE_BUF];
    quote(q, v->text, v->len, '\'');
    if (s->nenums == 0) {
        lreport(ld, v, "unknown enum %s: the schema has no enums section.", q);
        return;
    }
    const char **names = pf_xcalloc(s->nenums, sizeof *names);
    for (size_t i = 0; i < s->nenums; i++)
        names[i] = s->enums[i].name;
    const char *near = nearest(v->text, names, s->nenums);
    pf_buf_t b;
    pf_buf_init(&b);
    add_list(&b, names, s->nenums);
    if (near)
        lreport(ld, v, "unknown enum %s; did you mean '%s'?", q, near);
    else
        lreport(ld, v, "unknown enum %s; the enums section defines: %s.", q, b.data);
    pf_buf_delete(&b);
    free(names);
}

static void attr_enum(loader_t *ld, spec_t *sp, const pf_node_t *v)
{
    char q[QUOTE_BUF];
    if (!is_text(v)) {
        lreport(ld, v, "enum must name an entry of the enums section, found %s.", found(v, q));
        return;
    }
    for (size_t i = 0; i < ld->s->nenums; i++) {
        if (strcmp(ld->s->enums[i].name, v->text) == 0) {
            sp->enum_name = ld->s->enums[i].name;
            sp->values = ld->s->enums[i].values;
            sp->nvalues = ld->s->enums[i].count;
            return;
        }
    }
    unknown_enum_error(ld, v);
}

static void attr_items(loader_t *ld, spec_t *sp, const pf_node_t *v)
{
    size_t mark = path_raw(&ld->path, "[]");
    sp->items = load_spec(ld, v, ROLE_ITEM);
    path_pop(&ld->path, mark);
}

static void attr_min_items(loader_t *ld, spec_t *sp, const pf_node_t *v)
{
    load_count(ld, v, "min_items", &sp->min_items);
}

static void attr_max_items(loader_t *ld, spec_t *sp, const pf_node_t *v)
{
    sp->has_max_items = load_count(ld, v, "max_items", &sp->max_items);
}

static void load_fields(loader_t *ld, spec_t *sp, const pf_node_t *v, spec_role_t role);

static void attr_fields(loader_t *ld, spec_t *sp, const pf_node_t *v)
{
    load_fields(ld, sp, v, ROLE_FIELD);
}

static void attr_keys(loader_t *ld, spec_t *sp, const pf_node_t *v)
{
    size_t mark = path_raw(&ld->path, " (keys)");
    sp->keys = load_spec(ld, v, ROLE_KEY);
    if (sp->keys && sp->keys->type != T_STRING && sp->keys->type != T_ENUM)
        lreport(ld, pf_node_get(v, "type"), "map keys must be of type string or enum, not %s.",
                type_names[sp->keys->type]);
    path_pop(&ld->path, mark);
}

typedef struct attr {
    const char *name;
    unsigned types; /* BIT() of every type the attribute applies to */
    attr_fn load;   /* NULL: handled apart (type first, default last) */
} attr_t;

static const attr_t attrs[] = {
    {"type", ALL_TYPES, NULL},
    {"required", ALL_TYPES, attr_required},
    {"default", SCALAR_TYPES, NULL},
    {"doc", ALL_TYPES, attr_doc},
    {"unique", BIT(T_STRING), attr_unique},
    {"min_length", BIT(T_STRING) | BIT(T_TEXT), attr_min_length},
    {"max_length", BIT(T_STRING) | BIT(T_TEXT), attr_max_length},
    {"pattern", BIT(T_STRING) | BIT(T_TEXT), attr_pattern},
    {"min", BIT(T_INTEGER) | BIT(T_NUMBER) | BIT(T_DATE), attr_min},
    {"max", BIT(T_INTEGER) | BIT(T_NUMBER) | BIT(T_DATE), attr_max},
    {"values", BIT(T_ENUM) | BIT(T_MAP), attr_values},
    {"enum", BIT(T_ENUM), attr_enum},
    {"items", BIT(T_LIST), attr_items},
    {"min_items", BIT(T_LIST), attr_min_items},
    {"max_items", BIT(T_LIST) | BIT(T_MAP), attr_max_items},
    {"fields", BIT(T_OBJECT), attr_fields},
    {"keys", BIT(T_MAP), attr_keys},
};
#define ATTR_COUNT (sizeof attrs / sizeof attrs[0])

static const attr_t *find_attr(const char *name)
{
    for (size_t i = 0; i < ATTR_COUNT; i++)
        if (strcmp(attrs[i].name, name) == 0) return &attrs[i];
    return NULL;
}

static void unknown_attr_error(loader_t *ld, const pf_node_t *key)
{
    const char *names[ATTR_COUNT];
    for (size_t i = 0; i < ATTR_COUNT; i++)
        names[i] = attrs[i].name;
    char q[QUOTE_BUF];
    quote(q, key->text, key->len, '\'');
    const char *near = nearest(key->text, names, ATTR_COUNT);
    if (near) {
        lreport(ld, key, "unknown attribute %s in a field spec; did you mean '%s'?", q, near);
        return;
    }
    pf_buf_t b;
    pf_buf_init(&b);
    add_list(&b, names, ATTR_COUNT);
    lreport(ld, key, "unknown attribute %s in a field spec; the attributes are: %s.", q, b.data);
    pf_buf_delete(&b);
}

/* ---- loading: field specs ------------------------------------------------------------ */

static int load_type(loader_t *ld, const pf_node_t *n, spec_t *sp)
{
    const pf_node_t *t = pf_node_get(n, "type");
    char q[QUOTE_BUF];
    if (!t) {
        lreport(ld, n, "this field spec has no type; give one of " TYPE_CHOICES ".");
        return 0;
    }
    if (!is_text(t)) {
        lreport(ld, t, "type must be one of " TYPE_CHOICES ", found %s.", found(t, q));
        return 0;
    }
    for (int i = 0; i < T_COUNT; i++) {
        if (strcmp(t->text, type_names[i]) == 0) {
            sp->type = (spec_type_t)i;
            return 1;
        }
    }
    const char *near = nearest(t->text, type_names, T_COUNT);
    quote(q, t->text, t->len, '\'');
    if (near)
        lreport(ld, t, "unknown type %s; did you mean '%s'?", q, near);
    else
        lreport(ld, t, "unknown type %s; the types are " TYPE_CHOICES ".", q);
    return 0;
}

static void load_attr(loader_t *ld, spec_t *sp, int typed, const pf_node_t *key,
                      const pf_node_t *val)
{
    const attr_t *a = find_attr(key->text);
    if (!a) {
        unknown_attr_error(ld, key);
        return;
    }
    if (!typed) return; /* without a type, applicability cannot be judged */
    if (!(a->types & BIT(sp->type))) {
        lreport(ld, key, "%s does not apply to a field of type %s.", a->name, type_names[sp->type]);
        return;
    }
    if (a->load) a->load(ld, sp, val);
}

/* Checks the default against the field's own rules, by running the same
 * conversion an answer gets; its message explains what is wrong. */
static void load_default(loader_t *ld, spec_t *sp, const pf_node_t *d)
{
    char q[QUOTE_BUF];
    if (sp->role != ROLE_TOP && sp->role != ROLE_FIELD) {
        lreport(ld, d, "default applies only to optional fields of a mapping.");
        return;
    }
    if (sp->required) {
        lreport(ld, d, "a required field cannot have a default: it would never be used.");
        return;
    }
    if (!is_text(d)) {
        lreport(ld, d, "default must be a single value, found %s.", found(d, q));
        return;
    }
    if (sp->type == T_ENUM && !sp->values) return; /* already reported */
    pf_errlist_t tmp;
    pf_errlist_init(&tmp);
    vctx_t c = {.arena = &ld->s->arena, .errs = &tmp, .max_errors = 1};
    pf_buf_init(&c.path);
    pf_value_t v = {0};
    if (check_scalar(&c, sp, d, &v)) {
        sp->has_default = 1;
        sp->def = v;
        if (v.kind == PF_VAL_STR) sp->def.s = ldup(ld, d);
    } else {
        lreport(ld, d, "the default %s is not valid for this field: %s",
                quote(q, d->text, d->len, '"'), tmp.count ? tmp.items[0].msg : "");
    }
    pf_buf_delete(&c.path);
    pf_errlist_delete(&tmp);
}

static void check_bounds(loader_t *ld, spec_t *sp, const pf_node_t *n)
{
    if (sp->min_length > sp->max_length)
        lreport(ld, n, "min_length (%zu) is larger than max_length (%zu).", sp->min_length,
                sp->max_length);
    if (sp->min_items > sp->max_items)
        lreport(ld, n, "min_items (%zu) is larger than max_items (%zu).", sp->min_items,
                sp->max_items);
    if (!sp->has_min || !sp->has_max) return;
    int inverted = sp->type == T_INTEGER  ? sp->imin > sp->imax
                   : sp->type == T_NUMBER ? sp->nmin > sp->nmax
                                          : strcmp(sp->min_text, sp->max_text) > 0;
    if (inverted) lreport(ld, n, "min (%s) is larger than max (%s).", sp->min_text, sp->max_text);
}

/* What each type cannot do without, then the defaults of unset limits. */
static void finish_spec(loader_t *ld, spec_t *sp, const pf_node_t *n)
{
    int has_values = pf_node_get(n, "values") != NULL, has_ref = pf_node_get(n, "enum") != NULL;
    if (sp->type == T_ENUM && has_values == has_ref)
        lreport(ld, n, "an enum field needs exactly one of values: [...] or enum: NAME.");
    if (sp->type == T_LIST && !pf_node_get(n, "items"))
        lreport(ld, n, "a list field needs items: the spec of each item.");
    if (sp->type == T_OBJECT && !pf_node_get(n, "fields"))
        lreport(ld, n, "an object field needs fields: the specs of its fields.");
    if (sp->type == T_MAP && !has_values)
        lreport(ld, n, "a map field needs values: the spec of each value.");
    if (!sp->has_max_length)
        sp->max_length = sp->type == T_TEXT ? TEXT_MAX_DEFAULT : STRING_MAX_DEFAULT;
    if (!sp->has_max_items) sp->max_items = ITEMS_MAX_DEFAULT;
    check_bounds(ld, sp, n);
    const pf_node_t *d = pf_node_get(n, "default");
    if (d && (BIT(sp->type) & SCALAR_TYPES)) load_default(ld, sp, d);
}

static spec_t *load_spec(loader_t *ld, const pf_node_t *n, spec_role_t role)
{
    char q[QUOTE_BUF];
    if (!n || n->kind != PF_NODE_MAP) {
        lreport(ld, n, "expected a field spec (a mapping with at least a type), found %s.",
                found(n, q));
        return NULL;
    }
    spec_t *sp = pf_arena_alloc(&ld->s->arena, sizeof *sp);
    sp->role = role;
    sp->line = n->line;
    sp->column = n->column;
    int typed = load_type(ld, n, sp);
    for (size_t i = 0; i < n->count; i++)
        load_attr(ld, sp, typed, n->items[2 * i], n->items[2 * i + 1]);
    if (!typed) return NULL;
    finish_spec(ld, sp, n);
    return sp;
}

/* Only one field can be the batch's duplicate check. */
static void note_unique(loader_t *ld, const char *name, const pf_node_t *spec_node)
{
    if (!ld->s->unique) {
        ld->s->unique = name;
        return;
    }
    lreport(ld, pf_node_get(spec_node, "unique"),
            "only one field can be unique, and '%s' already is.", ld->s->unique);
}

static void load_fields(loader_t *ld, spec_t *sp, const pf_node_t *v, spec_role_t role)
{
    char q[QUOTE_BUF];
    if (!v || v->kind != PF_NODE_MAP || v->count == 0) {
        lreport(ld, v, "fields must be a mapping of field names to field specs, found %s.",
                v && v->kind == PF_NODE_MAP ? "an empty mapping" : found(v, q));
        return;
    }
    sp->nfields = v->count;
    sp->names = pf_arena_alloc(&ld->s->arena, v->count * sizeof *sp->names);
    sp->fields = pf_arena_alloc(&ld->s->arena, v->count * sizeof *sp->fields);
    for (size_t i = 0; i < v->count; i++) {
        const pf_node_t *key = v->items[2 * i], *val = v->items[2 * i + 1];
        size_t mark = path_name(&ld->path, key->text);
        sp->names[i] = ldup(ld, key);
        sp->fields[i] = load_spec(ld, val, role);
        if (sp->fields[i] && sp->fields[i]->unique) note_unique(ld, sp->names[i], val);
        path_pop(&ld->path, mark);
    }
}

/* ---- loading: the schema file ------------------------------------------------------- */

static void load_version(loader_t *ld, const pf_node_t *root)
{
    const pf_node_t *v = pf_node_get(root, "version");
    char q[QUOTE_BUF];
    size_t mark = path_name(&ld->path, "version");
    if (!v)
        lreport(ld, root, "the schema needs a version, e.g. version: \"2026.1\".");
    else if (!is_text(v))
        lreport(ld, v, "version must be text such as \"2026.1\", found %s.", found(v, q));
    else
        ld->s->version = ldup(ld, v);
    path_pop(&ld->path, mark);
}

static void load_enums(loader_t *ld, const pf_node_t *root)
{
    const pf_node_t *v = pf_node_get(root, "enums");
    char q[QUOTE_BUF];
    if (!v || pf_node_is_null(v)) return;
    if (v->kind != PF_NODE_MAP) {
        size_t mark = path_name(&ld->path, "enums");
        lreport(ld, v, "enums must be a mapping of names to lists of values, found %s.",
                found(v, q));
        path_pop(&ld->path, mark);
        return;
    }
    pf_schema_t *s = ld->s;
    s->enums = pf_arena_alloc(&s->arena, v->count * sizeof *s->enums);
    for (size_t i = 0; i < v->count; i++) {
        const pf_node_t *key = v->items[2 * i];
        size_t mark = path_name(&ld->path, "enums");
        path_name(&ld->path, key->text);
        named_enum_t *e = &s->enums[s->nenums++];
        e->name = ldup(ld, key);
        load_value_list(ld, v->items[2 * i + 1], &e->values, &e->count);
        path_pop(&ld->path, mark);
    }
}

static void check_top_keys(loader_t *ld, const pf_node_t *root)
{
    static const char *const known[] = {"version", "enums", "fields"};
    char q[QUOTE_BUF];
    for (size_t i = 0; i < root->count; i++) {
        const pf_node_t *key = root->items[2 * i];
        int ok = 0;
        for (size_t k = 0; k < 3 && !ok; k++)
            ok = strcmp(key->text, known[k]) == 0;
        if (ok) continue;
        const char *near = nearest(key->text, known, 3);
        quote(q, key->text, key->len, '\'');
        if (near)
            lreport(ld, key, "unknown key %s at the top of the schema; did you mean '%s'?", q,
                    near);
        else
            lreport(ld, key,
                    "unknown key %s at the top of the schema; expected version, enums "
                    "and fields.",
                    q);
    }
}

pf_schema_t *pf_schema_load(const pf_node_t *root, pf_errlist_t *errs)
{
    pf_schema_t *s = pf_xcalloc(1, sizeof *s);
    pf_arena_init(&s->arena);
    loader_t ld = {.s = s, .errs = errs};
    pf_buf_init(&ld.path);
    char q[QUOTE_BUF];
    if (!root || root->kind != PF_NODE_MAP) {
        lreport(&ld, root, "a schema file must be a mapping with version and fields, found %s.",
                found(root, q));
    } else {
        check_top_keys(&ld, root);
        load_version(&ld, root);
        load_enums(&ld, root); /* before fields, which refer to enums by name */
        s->root = pf_arena_alloc(&s->arena, sizeof *s->root);
        s->root->type = T_OBJECT;
        s->root->line = root->line;
        s->root->column = root->column;
        const pf_node_t *fields = pf_node_get(root, "fields");
        size_t mark = path_name(&ld.path, "fields");
        if (!fields) lreport(&ld, root, "the schema needs fields: the questions of an intake.");
        path_pop(&ld.path, mark);
        if (fields) load_fields(&ld, s->root, fields, ROLE_TOP);
    }
    pf_buf_delete(&ld.path);
    if (ld.nerrs) {
        pf_schema_delete(s);
        return NULL;
    }
    return s;
}

/* ---- description, for tooling ------------------------------------------- */

typedef struct describer {
    pf_arena_t *arena;
} describer_t;

static pf_value_t *d_map(describer_t *d, size_t cap)
{
    pf_value_t *v = pf_arena_alloc(d->arena, sizeof *v);
    v->kind = PF_VAL_MAP;
    v->items = pf_arena_alloc(d->arena, (cap ? cap : 1) * sizeof *v->items);
    v->keys = pf_arena_alloc(d->arena, (cap ? cap : 1) * sizeof *v->keys);
    return v;
}

static pf_value_t *d_slot(pf_value_t *map, const char *key)
{
    map->keys[map->count] = key;
    return &map->items[map->count++];
}

static void d_str(pf_value_t *map, const char *key, const char *s)
{
    pf_value_t *v = d_slot(map, key);
    v->kind = PF_VAL_STR;
    v->s = s;
    v->len = strlen(s);
}

static void d_bool(pf_value_t *map, const char *key, int b)
{
    pf_value_t *v = d_slot(map, key);
    v->kind = PF_VAL_BOOL;
    v->b = b;
}

static void d_bound(pf_value_t *map, const char *key, const spec_t *sp, int is_max)
{
    pf_value_t *v = d_slot(map, key);
    if (sp->type == T_INTEGER) {
        v->kind = PF_VAL_INT;
        v->i = is_max ? sp->imax : sp->imin;
    } else if (sp->type == T_NUMBER) {
        v->kind = PF_VAL_NUM;
        v->n = is_max ? sp->nmax : sp->nmin;
    } else {
        v->kind = PF_VAL_STR;
        v->s = is_max ? sp->max_text : sp->min_text;
        v->len = strlen(v->s);
    }
}

static pf_value_t *describe_spec(describer_t *d, const spec_t *sp)
{
    pf_value_t *m = d_map(d, 12);
    d_str(m, "type", type_names[sp->type]);
    if (sp->role == ROLE_FIELD || sp->role == ROLE_TOP) d_bool(m, "required", sp->required);
    if (sp->doc) d_str(m, "doc", sp->doc);
    if (sp->has_default) *d_slot(m, "default") = sp->def;
    if (sp->has_min) d_bound(m, "min", sp, 0);
    if (sp->has_max) d_bound(m, "max", sp, 1);
    if (sp->type == T_STRING || sp->type == T_TEXT) {
        pf_value_t *v = d_slot(m, "max_length");
        v->kind = PF_VAL_INT;
        v->i = (long long)sp->max_length;
        if (sp->pattern) d_str(m, "pattern", sp->pattern);
    }
    if (sp->type == T_ENUM) {
        pf_value_t *list = d_slot(m, "values");
        list->kind = PF_VAL_LIST;
        list->count = sp->nvalues;
        list->items =
            pf_arena_alloc(d->arena, (sp->nvalues ? sp->nvalues : 1) * sizeof *list->items);
        for (size_t i = 0; i < sp->nvalues; i++) {
            list->items[i].kind = PF_VAL_STR;
            list->items[i].s = sp->values[i];
            list->items[i].len = strlen(sp->values[i]);
        }
    }
    if (sp->type == T_LIST) *d_slot(m, "items") = *describe_spec(d, sp->items);
    if (sp->type == T_MAP) {
        if (sp->keys) *d_slot(m, "keys") = *describe_spec(d, sp->keys);
        *d_slot(m, "values") = *describe_spec(d, sp->items);
    }
    if (sp->type == T_OBJECT) {
        pf_value_t *fields = d_map(d, sp->nfields);
        for (size_t i = 0; i < sp->nfields; i++)
            *d_slot(fields, sp->names[i]) = *describe_spec(d, sp->fields[i]);
        *d_slot(m, "fields") = *fields;
    }
    return m;
}

pf_value_t *pf_schema_describe(const pf_schema_t *s, pf_arena_t *arena)
{
    describer_t d = {arena};
    return describe_spec(&d, s->root);
}
