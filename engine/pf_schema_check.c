/*
 * pf_schema_check.c - validation of intake documents against a loaded
 * schema, and the conversion of every answer from text to its typed value
 * (see pf_schema.h for the error kinds, pf_schema_int.h for the specs).
 *
 * Every intake scalar arrives as text and the schema alone decides what it
 * means, through strict grammars per type. Nothing is guessed the YAML 1.1
 * way: `NO` stays text in a string field, `0755` is not an integer and
 * `yes` is not a boolean. No question name appears here; all of them come
 * from the schema file.
 *
 * The schema is only read: each call keeps its state (errors, the path of
 * the answer being checked) in its own context, so evaluator threads may
 * share one schema.
 */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pf_schema_int.h"

/* ---- strict scalar grammars ------------------------------------------------ */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Why text is not a decimal -?(0|[1-9][0-9]*) (with fraction (\.[0-9]+)?
 * when allowed), or NULL when it is one. The reason names the usual YAML and
 * spreadsheet habits so an analyst knows what to change. */
const char *sch_decimal_problem(const char *s, int fraction)
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
int sch_date_problem(const char *s, size_t len, char *why, size_t why_size)
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
    size_t left_out;   /* errors found past the cap: counted, not listed */
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
    if (cap_reached(c)) {
        c->left_out++;
        return;
    }
    char msg[PF_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pf_err_set(pf_errlist_add(c->errs), kind, n ? n->line : 0, n ? n->column : 0,
               sch_path_str(&c->path), "%s", msg);
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
        sch_add_list(b, sp->values, sp->nvalues);
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
    report(c, "schema.shape", n, "expected %s, found %s.", exp.data, sch_found(n, q));
    pf_buf_delete(&exp);
    return 0;
}

/* The bound phrase of a range error ("from 0 to 5", "of at least 0"...). */
static int range_error(vctx_t *c, const spec_t *sp, const pf_node_t *n, const char *what,
                       const char *at_least, const char *at_most)
{
    char q[QUOTE_BUF];
    sch_quote(q, n->text, n->len, '"');
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

/* Length in characters, as analysts count: UTF-8 continuation bytes are not
 * characters of their own (the reader has already checked the encoding). */
static size_t utf8_length(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
    return n;
}

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
               sch_quote(q, n->text, n->len, '"'));
        return 0;
    }
    size_t chars = utf8_length(n->text, n->len);
    if (chars > sp->max_length) {
        report(c, "schema.length", n, "expected at most %zu character%s, found %zu.",
               sp->max_length, sch_plural(sp->max_length), chars);
        return 0;
    }
    if (chars < sp->min_length) {
        report(c, "schema.length", n, "expected at least %zu character%s, found %zu in %s.",
               sp->min_length, sch_plural(sp->min_length), chars,
               sch_quote(q, n->text, n->len, '"'));
        return 0;
    }
    if (sp->has_re && !whole_match(&sp->re, n->text, n->len)) {
        report(c, "schema.pattern", n, "expected text matching the pattern %s, found %s.",
               sp->pattern, sch_quote(q, n->text, n->len, '"'));
        return 0;
    }
    set_str(out, n);
    return 1;
}

static int check_integer(vctx_t *c, const spec_t *sp, const pf_node_t *n, pf_value_t *out)
{
    char q[QUOTE_BUF];
    const char *why = sch_decimal_problem(n->text, 0);
    if (why) {
        report(c, "schema.type", n, "expected a whole number, found %s: %s.",
               sch_quote(q, n->text, n->len, '"'), why);
        return 0;
    }
    errno = 0;
    long long v = strtoll(n->text, NULL, 10);
    if (errno == ERANGE) {
        report(c, "schema.range", n, "expected a whole number, found %s, which is too large.",
               sch_quote(q, n->text, n->len, '"'));
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
    const char *why = sch_decimal_problem(n->text, 1);
    if (why) {
        report(c, "schema.type", n, "expected a number, found %s: %s.",
               sch_quote(q, n->text, n->len, '"'), why);
        return 0;
    }
    errno = 0;
    double v = strtod(n->text, NULL);
    if (errno == ERANGE && (v > 1.0 || v < -1.0)) {
        report(c, "schema.range", n, "expected a number, found %s, which is too large.",
               sch_quote(q, n->text, n->len, '"'));
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
           sch_quote(q, n->text, n->len, '"'));
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
    sch_add_list(&b, sp->values, sp->nvalues);
    pf_buf_printf(&b, "; found %s", sch_quote(q, n->text, n->len, '"'));
    const char *near = sch_nearest(n->text, sp->values, sp->nvalues);
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
    int bad = sch_date_problem(n->text, n->len, why, sizeof why);
    sch_quote(q, n->text, n->len, '"');
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
               sch_plural(sp->max_items), n->count);
        return 0;
    }
    if (n->count < sp->min_items) {
        report(c, "schema.items", n, "expected at least %zu item%s, found %zu.", sp->min_items,
               sch_plural(sp->min_items), n->count);
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
    for (size_t i = 0; i < n->count; i++) {
        size_t mark = sch_path_index(&c->path, i);
        const pf_node_t *item = n->items[i];
        if (pf_node_is_null(item)) {
            empty_entry_error(c, sp->items, item, "for this list item");
            ok = 0;
        } else if (!check_value(c, sp->items, item, &out->items[i])) {
            ok = 0;
        }
        sch_path_pop(&c->path, mark);
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
               sch_quote(q, key->text, key->len, '"'));
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
    for (size_t i = 0; i < n->count; i++) {
        const pf_node_t *key = n->items[2 * i], *val = n->items[2 * i + 1];
        size_t mark = sch_path_name(&c->path, key->text);
        int entry_ok = check_map_key(c, sp, key);
        if (pf_node_is_null(val)) {
            empty_entry_error(c, sp->items, val, "for this entry");
            entry_ok = 0;
        } else if (!check_value(c, sp->items, val, &e[kept].value)) {
            entry_ok = 0;
        }
        if (entry_ok) e[kept++].key = key->text;
        ok &= entry_ok;
        sch_path_pop(&c->path, mark);
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
    sch_quote(q, key->text, key->len, '\'');
    const char *near = sch_nearest(key->text, sp->names, sp->nfields);
    if (near) {
        report(c, "schema.unknown_field", key, "unknown field %s; did you mean '%s'?", q, near);
        return;
    }
    pf_buf_t b;
    pf_buf_init(&b);
    sch_add_list(&b, sp->names, sp->nfields);
    report(c, "schema.unknown_field", key, "unknown field %s; the fields here are: %s.", q, b.data);
    pf_buf_delete(&b);
}

/* First pass, in document order so errors read top to bottom: flags
 * unknown keys and converts each given field into its declaration slot. */
static int check_given_fields(vctx_t *c, const spec_t *sp, const pf_node_t *n, pf_value_t *slots,
                              const pf_node_t **given)
{
    int ok = 1;
    for (size_t i = 0; i < n->count; i++) {
        const pf_node_t *key = n->items[2 * i], *val = n->items[2 * i + 1];
        size_t mark = sch_path_name(&c->path, key->text);
        long f = find_field(sp, key->text);
        if (f < 0) {
            unknown_field_error(c, sp, key);
            ok = 0;
        } else {
            given[f] = val;
            if (!pf_node_is_null(val) && !check_value(c, sp->fields[f], val, &slots[f])) ok = 0;
        }
        sch_path_pop(&c->path, mark);
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
            size_t mark = sch_path_name(&c->path, sp->names[i]);
            report(c, "schema.required", val ? val : n, "the required field '%s' is %s.",
                   sp->names[i], val ? "empty" : "missing");
            sch_path_pop(&c->path, mark);
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
    if (c.left_out) /* every problem is accounted for, if not listed */
        pf_err_set(pf_errlist_add(errs), "schema.more", 0, 0, "",
                   "and %zu more problem%s not listed here: the first %zu are above; "
                   "fix them and run again",
                   c.left_out, c.left_out == 1 ? "" : "s", c.added);
    pf_buf_delete(&c.path);
    if (out) *out = c.failed ? NULL : v;
    return !c.failed;
}

/* ---- defaults in the schema file ------------------------------------------------- */

int sch_check_default(const spec_t *sp, const pf_node_t *d, pf_arena_t *arena, pf_value_t *out,
                      char *why, size_t why_size)
{
    pf_errlist_t tmp;
    pf_errlist_init(&tmp);
    vctx_t c = {.arena = arena, .errs = &tmp, .max_errors = 1};
    pf_buf_init(&c.path);
    int ok = check_scalar(&c, sp, d, out);
    snprintf(why, why_size, "%s", tmp.count ? tmp.items[0].msg : "");
    pf_buf_delete(&c.path);
    pf_errlist_delete(&tmp);
    return ok;
}
