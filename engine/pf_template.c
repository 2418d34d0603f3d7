/*
 * pf_template.c - the intake template and the intake's JSON Schema, from
 * the schema's description (see pf_template.h), and the two commands that
 * print them. Everything a question says (its name, help text, values,
 * bounds) comes from the description; this file knows only the field types.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "pf_config.h"
#include "pf_exit.h"
#include "pf_json.h"
#include "pf_out.h"
#include "pf_schema.h"
#include "pf_template.h"
#include "pf_yemit.h"

/* Comment lines are wrapped to this width, indent included. */
#define WRAP_WIDTH 79
/* The example answer of a date without bounds: fixed, so the template is
 * the same bytes every day. */
#define EXAMPLE_DATE "2026-01-15"

/* ---- reading a spec ------------------------------------------------------- */

static const char *sp_str(const pf_value_t *sp, const char *key)
{
    const pf_value_t *v = pf_value_get(sp, key);
    return v && v->kind == PF_VAL_STR ? v->s : NULL;
}

static int sp_is(const pf_value_t *sp, const char *type)
{
    const char *t = sp_str(sp, "type");
    return t && strcmp(t, type) == 0;
}

static int sp_required(const pf_value_t *sp)
{
    const pf_value_t *v = pf_value_get(sp, "required");
    return v && v->kind == PF_VAL_BOOL && v->b;
}

static int sp_int(const pf_value_t *sp, const char *key, long long *out)
{
    const pf_value_t *v = pf_value_get(sp, key);
    if (!v || v->kind != PF_VAL_INT) return 0;
    *out = v->i;
    return 1;
}

static int is_scalar(const pf_value_t *sp)
{
    return !sp_is(sp, "object") && !sp_is(sp, "list") && !sp_is(sp, "map");
}

/* A scalar value as YAML text: text in double quotes (so that a YAML 1.2
 * reader, an editor's, never takes it for a number), the rest plain. */
static void add_scalar(pf_buf_t *b, const pf_value_t *v, int quote_text)
{
    switch (v->kind) {
    case PF_VAL_BOOL:
        pf_buf_addstr(b, v->b ? "true" : "false");
        break;
    case PF_VAL_INT:
        pf_buf_addint(b, v->i);
        break;
    case PF_VAL_NUM: {
        char tmp[40];
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(tmp, sizeof tmp, "%.*g", prec, v->n);
            if (strtod(tmp, NULL) == v->n) break;
        }
        pf_buf_addstr(b, tmp);
        break;
    }
    case PF_VAL_STR:
        if (!quote_text) {
            pf_buf_addstr(b, v->s);
            break;
        }
        pf_buf_addc(b, '"');
        for (const char *p = v->s; *p; p++) {
            if (*p == '"' || *p == '\\') pf_buf_addc(b, '\\');
            pf_buf_addc(b, *p);
        }
        pf_buf_addc(b, '"');
        break;
    default:
        break;
    }
}

/* ---- what a question accepts, in words ------------------------------------ */

static void add_values(pf_buf_t *b, const pf_value_t *values)
{
    for (size_t i = 0; values && i < values->count; i++) {
        if (i) pf_buf_addstr(b, i + 1 == values->count ? " or " : ", ");
        pf_buf_addstr(b, values->items[i].s);
    }
}

static void add_bounds(pf_buf_t *b, const pf_value_t *sp, const char *from, const char *least,
                       const char *most)
{
    const pf_value_t *lo = pf_value_get(sp, "min"), *hi = pf_value_get(sp, "max");
    if (lo && hi) {
        pf_buf_printf(b, " %s ", from);
        add_scalar(b, lo, 0);
        pf_buf_addstr(b, " to ");
        add_scalar(b, hi, 0);
    } else if (lo || hi) {
        pf_buf_printf(b, " %s ", lo ? least : most);
        add_scalar(b, lo ? lo : hi, 0);
    }
}

/* One sentence: what kind of answer a scalar question takes. */
static void describe_scalar(pf_buf_t *b, const pf_value_t *sp)
{
    long long n;
    if (sp_is(sp, "string") || sp_is(sp, "text")) {
        pf_buf_addstr(b, sp_is(sp, "string") ? "Text on one line" : "Text (several lines allowed)");
        if (sp_int(sp, "min_length", &n)) pf_buf_printf(b, ", at least %lld characters", n);
        if (sp_int(sp, "max_length", &n)) pf_buf_printf(b, ", at most %lld characters", n);
        const char *pattern = sp_str(sp, "pattern");
        if (pattern) pf_buf_printf(b, ", matching %s", pattern);
    } else if (sp_is(sp, "integer")) {
        pf_buf_addstr(b, "A whole number");
        add_bounds(b, sp, "from", "of at least", "of at most");
    } else if (sp_is(sp, "number")) {
        pf_buf_addstr(b, "A number (a decimal point is allowed)");
        add_bounds(b, sp, "from", "of at least", "of at most");
    } else if (sp_is(sp, "boolean")) {
        pf_buf_addstr(b, "true or false");
    } else if (sp_is(sp, "enum")) {
        pf_buf_addstr(b, "One of: ");
        add_values(b, pf_value_get(sp, "values"));
    } else if (sp_is(sp, "date")) {
        pf_buf_addstr(b, "A date written YYYY-MM-DD");
        add_bounds(b, sp, "from", "on or after", "on or before");
    }
    pf_buf_addc(b, '.');
}

/* The paragraph above a question: its help text, then REQUIRED, what it
 * accepts and its default. */
static void describe_field(pf_buf_t *b, const pf_value_t *sp)
{
    const char *doc = sp_str(sp, "doc");
    if (doc) pf_buf_printf(b, "%s\n", doc);
    if (sp_required(sp)) pf_buf_addstr(b, is_scalar(sp) ? "REQUIRED. " : "REQUIRED.");
    long long n;
    if (is_scalar(sp)) {
        describe_scalar(b, sp);
    } else if (sp_is(sp, "list")) {
        pf_buf_addstr(b, "A list");
        if (sp_int(sp, "min_items", &n) && n > 0) pf_buf_printf(b, " of at least %lld", n);
        if (sp_int(sp, "max_items", &n))
            pf_buf_printf(b, "%s at most %lld", strstr(b->data, " of at least") ? " and" : " of",
                          n);
        pf_buf_addstr(b, " entries, each starting with \"- \" on a line of its own.");
    } else if (sp_is(sp, "map")) {
        const pf_value_t *keys = pf_value_get(sp, "keys");
        pf_buf_addstr(b, "Entries \"KEY: answer\", one per line; KEY is ");
        if (keys && sp_is(keys, "enum")) {
            pf_buf_addstr(b, "one of ");
            add_values(b, pf_value_get(keys, "values"));
        } else if (keys) {
            describe_scalar(b, keys);
            b->len--; /* its full stop */
        } else {
            pf_buf_addstr(b, "made of letters, digits, '_', '.' or '-'");
        }
        if (sp_int(sp, "max_items", &n)) pf_buf_printf(b, "; at most %lld entries", n);
        pf_buf_addc(b, '.');
    }
    const pf_value_t *def = pf_value_get(sp, "default");
    if (def) {
        pf_buf_addstr(b, " Default: ");
        add_scalar(b, def, 0);
        pf_buf_addc(b, '.');
    }
}

/* text as comment lines at indent, wrapped at spaces; a '\n' in text
 * starts a new line, and a line that starts with spaces continues two
 * further in. */
static void add_comment(pf_buf_t *out, int indent, const char *text)
{
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p), lead = strspn(p, " ");
        size_t hang = lead ? lead + 2 : 0, first = 1;
        while (len > 0 && p[len - 1] == ' ')
            len--;
        do {
            size_t width = (WRAP_WIDTH > indent + 22 ? (size_t)(WRAP_WIDTH - indent - 2) : 20) -
                           (first ? 0 : hang);
            size_t cut = len;
            if (len > width) {
                cut = width;
                while (cut > lead && p[cut] != ' ')
                    cut--;
                if (cut <= lead) /* one long word: up to the next space */
                    for (cut = width; cut < len && p[cut] != ' '; cut++) {
                    }
            }
            pf_buf_printf(out, "%*s#", indent, "");
            if (cut) pf_buf_printf(out, " %*s%.*s", first ? 0 : (int)hang, "", (int)cut, p);
            pf_buf_addc(out, '\n');
            p += cut;
            len -= cut;
            while (len > 0 && *p == ' ')
                p++, len--;
            first = 0;
        } while (len > 0);
        p = eol ? eol + 1 : p + strlen(p);
    }
}

/* ---- example answers -------------------------------------------------------- */

/* 1 when text matches the whole of an extended regular expression. */
static int matches(const char *pattern, const char *text)
{
    pf_buf_t whole;
    pf_buf_init(&whole);
    pf_buf_printf(&whole, "^(%s)$", pattern);
    regex_t re;
    int ok = regcomp(&re, whole.data, REG_EXTENDED | REG_NOSUB) == 0;
    if (ok) {
        ok = regexec(&re, text, 0, NULL, 0) == 0;
        regfree(&re);
    }
    pf_buf_delete(&whole);
    return ok;
}

/* An example text for a question called name: its name in words, or the
 * first of a few plain candidates its pattern accepts ("" when none). */
static void example_text(pf_buf_t *b, const pf_value_t *sp, const char *name)
{
    long long max = 200;
    sp_int(sp, "max_length", &max);
    const char *pattern = sp_str(sp, "pattern");
    if (!pattern) {
        pf_buf_t t;
        pf_buf_init(&t);
        pf_buf_addstr(&t, "Example ");
        for (const char *p = name; *p; p++)
            pf_buf_addc(&t, *p == '_' ? ' ' : *p);
        pf_buf_add(b, t.data, t.len < (size_t)max ? t.len : (size_t)max);
        pf_buf_delete(&t);
        return;
    }
    static const char *const candidates[] = {
        "example", "Example", "EXAMPLE", "example-1", "EX", "ex", "X", "x", "1", "0", NULL};
    for (size_t i = 0; candidates[i]; i++)
        if ((long long)strlen(candidates[i]) <= max && matches(pattern, candidates[i])) {
            pf_buf_addstr(b, candidates[i]);
            return;
        }
}

/* The example answer of a scalar question, as YAML text. */
static void example_scalar(pf_buf_t *b, const pf_value_t *sp, const char *name)
{
    const pf_value_t *def = pf_value_get(sp, "default");
    const pf_value_t *lo = pf_value_get(sp, "min"), *hi = pf_value_get(sp, "max");
    if (def) {
        add_scalar(b, def, sp_is(sp, "string") || sp_is(sp, "text"));
    } else if (sp_is(sp, "enum")) {
        const pf_value_t *values = pf_value_get(sp, "values");
        if (values && values->count) pf_buf_addstr(b, values->items[0].s);
    } else if (sp_is(sp, "boolean")) {
        pf_buf_addstr(b, "false");
    } else if (sp_is(sp, "integer") || sp_is(sp, "number")) {
        if (lo)
            add_scalar(b, lo, 0);
        else if (hi &&
                 ((hi->kind == PF_VAL_INT && hi->i < 0) || (hi->kind == PF_VAL_NUM && hi->n < 0)))
            add_scalar(b, hi, 0);
        else
            pf_buf_addstr(b, "0");
    } else if (sp_is(sp, "date")) {
        pf_buf_addstr(b, lo ? lo->s : hi ? hi->s : EXAMPLE_DATE);
    } else {
        pf_buf_t t;
        pf_buf_init(&t);
        example_text(&t, sp, name);
        pf_value_t v = {.kind = PF_VAL_STR, .s = t.data ? t.data : ""};
        add_scalar(b, &v, 1);
        pf_buf_delete(&t);
    }
}

static void example_entry(pf_buf_t *b, int indent, const char *key, const pf_value_t *sp);

/* One example item of a list at indent: "- " then the item. */
static void example_item(pf_buf_t *b, int indent, const pf_value_t *item, const char *name)
{
    if (is_scalar(item)) {
        pf_buf_printf(b, "%*s- ", indent, "");
        example_scalar(b, item, name);
        pf_buf_addc(b, '\n');
        return;
    }
    /* the item as if it were a value two deeper, then "- " on its first line */
    pf_buf_t t;
    pf_buf_init(&t);
    if (sp_is(item, "object")) {
        const pf_value_t *fields = pf_value_get(item, "fields");
        for (size_t i = 0; fields && i < fields->count; i++)
            example_entry(&t, indent + 2, fields->keys[i], &fields->items[i]);
    } else {
        example_item(&t, indent + 2, sp_is(item, "list") ? pf_value_get(item, "items") : item,
                     name);
    }
    if (t.len > (size_t)indent + 1) {
        t.data[indent] = '-';
        pf_buf_add(b, t.data, t.len);
    }
    pf_buf_delete(&t);
}

/* The first key a map's example entry can use. */
static const char *example_key(const pf_value_t *map)
{
    const pf_value_t *keys = pf_value_get(map, "keys");
    const pf_value_t *values = keys ? pf_value_get(keys, "values") : NULL;
    if (keys && sp_is(keys, "enum") && values && values->count) return values->items[0].s;
    return "example";
}

/* key: example answer (a whole block for an object, list or map). */
static void example_entry(pf_buf_t *b, int indent, const char *key, const pf_value_t *sp)
{
    pf_buf_printf(b, "%*s%s:", indent, "", key);
    if (is_scalar(sp)) {
        pf_buf_addc(b, ' ');
        example_scalar(b, sp, key);
        pf_buf_addc(b, '\n');
        return;
    }
    pf_buf_addc(b, '\n');
    if (sp_is(sp, "object")) {
        const pf_value_t *fields = pf_value_get(sp, "fields");
        for (size_t i = 0; fields && i < fields->count; i++)
            example_entry(b, indent + 2, fields->keys[i], &fields->items[i]);
    } else if (sp_is(sp, "list")) {
        example_item(b, indent + 2, pf_value_get(sp, "items"), key);
    } else {
        example_entry(b, indent + 2, example_key(sp), pf_value_get(sp, "values"));
    }
}

/* ---- the template ------------------------------------------------------------ */

/* The comment on the fields of a list item or map value: one line each. */
static void describe_members(pf_buf_t *b, const pf_value_t *sp)
{
    const pf_value_t *member =
        sp_is(sp, "list") ? pf_value_get(sp, "items") : pf_value_get(sp, "values");
    if (!member) return;
    if (!sp_is(member, "object")) {
        pf_buf_addstr(b, sp_is(sp, "list") ? "\nEach entry: " : "\nEach answer: ");
        describe_field(b, member);
        return;
    }
    const pf_value_t *fields = pf_value_get(member, "fields");
    pf_buf_addstr(b, sp_is(sp, "list") ? "\nEach entry has:" : "\nEach answer has:");
    for (size_t i = 0; fields && i < fields->count; i++) {
        pf_buf_printf(b, "\n  %s: ", fields->keys[i]);
        /* one line per member: its help text and what it accepts */
        pf_buf_t t;
        pf_buf_init(&t);
        describe_field(&t, &fields->items[i]);
        for (size_t k = 0; k < t.len; k++)
            if (t.data[k] == '\n') t.data[k] = ' ';
        pf_buf_add(b, t.data, t.len);
        pf_buf_delete(&t);
    }
}

static void template_field(pf_buf_t *out, int indent, const char *key, const pf_value_t *sp,
                           int example)
{
    pf_buf_t text;
    pf_buf_init(&text);
    describe_field(&text, sp);
    int collection = sp_is(sp, "list") || sp_is(sp, "map");
    if (collection) describe_members(&text, sp);
    if (collection && !example) pf_buf_addstr(&text, "\nFor example:");
    add_comment(out, indent, text.data);
    pf_buf_delete(&text);
    if (collection) {
        pf_buf_t entry;
        pf_buf_init(&entry);
        example_entry(&entry, indent, key, sp);
        if (example) {
            pf_buf_add(out, entry.data, entry.len);
        } else {
            /* the example entry commented out (its first line is the key),
             * then the key with no answer */
            const char *body = strchr(entry.data, '\n') + 1;
            for (const char *p = body; *p;) {
                const char *eol = strchr(p, '\n');
                pf_buf_printf(out, "%*s# %.*s\n", indent, "", (int)(eol - p - indent), p + indent);
                p = eol + 1;
            }
            pf_buf_printf(out, "%*s%s:\n", indent, "", key);
        }
        pf_buf_delete(&entry);
        return;
    }
    pf_buf_printf(out, "%*s%s:", indent, "", key);
    if (sp_is(sp, "object")) {
        pf_buf_addc(out, '\n');
        const pf_value_t *fields = pf_value_get(sp, "fields");
        for (size_t i = 0; fields && i < fields->count; i++)
            template_field(out, indent + 2, fields->keys[i], &fields->items[i], example);
        return;
    }
    if (example) {
        pf_buf_addc(out, ' ');
        example_scalar(out, sp, key);
    }
    pf_buf_addc(out, '\n');
}

void pf_template_yaml(const pf_value_t *desc, const char *version, int example, pf_buf_t *out)
{
    pf_buf_printf(out,
                  "# An intake questionnaire for partnerfit (intake schema version %s).\n"
                  "# Made by `partnerfit template%s`. Write each answer after its colon, as\n"
                  "# the comment above it says; leave an optional question blank to skip it.\n"
                  "# Text that looks like a number or a date is kept as text, but quote it\n"
                  "# (\"1881\") for an editor's sake. Check it with `partnerfit run FILE`.\n",
                  version ? version : "?", example ? " --example" : "");
    const pf_value_t *fields = pf_value_get(desc, "fields");
    for (size_t i = 0; fields && i < fields->count; i++) {
        pf_buf_addc(out, '\n');
        template_field(out, 0, fields->keys[i], &fields->items[i], example);
    }
}

/* ---- the JSON Schema ------------------------------------------------------------ */

/* A POSIX extended expression as the ECMA-262 dialect JSON Schema uses:
 * anchored on the whole answer, character classes spelt out, a backslash
 * inside brackets (literal in POSIX) escaped. */
static void json_pattern(pf_buf_t *b, const char *posix)
{
    static const struct {
        const char *posix, *ecma;
    } classes[] = {{"[:alpha:]", "A-Za-z"},
                   {"[:digit:]", "0-9"},
                   {"[:alnum:]", "A-Za-z0-9"},
                   {"[:upper:]", "A-Z"},
                   {"[:lower:]", "a-z"},
                   {"[:xdigit:]", "0-9A-Fa-f"},
                   {"[:space:]", " \\t\\n\\r\\f\\v"},
                   {"[:blank:]", " \\t"}};
    pf_buf_addstr(b, "^(?:");
    int in_bracket = 0;
    for (const char *p = posix; *p; p++) {
        if (!in_bracket) {
            if (*p == '\\' && p[1]) {
                pf_buf_addc(b, *p++);
            } else if (*p == '[') {
                in_bracket = 1;
                pf_buf_addc(b, *p);
                if (p[1] == '^') pf_buf_addc(b, *++p);
                if (p[1] == ']') pf_buf_addstr(b, "\\"), pf_buf_addc(b, *++p); /* a literal ] */
                continue;
            }
            pf_buf_addc(b, *p);
            continue;
        }
        size_t k = 0, nclasses = sizeof classes / sizeof classes[0];
        while (k < nclasses && strncmp(p, classes[k].posix, strlen(classes[k].posix)) != 0)
            k++;
        if (k < nclasses) {
            pf_buf_addstr(b, classes[k].ecma);
            p += strlen(classes[k].posix) - 1;
        } else if (*p == '\\') {
            pf_buf_addstr(b, "\\\\");
        } else {
            if (*p == ']') in_bracket = 0;
            pf_buf_addc(b, *p);
        }
    }
    pf_buf_addstr(b, ")$");
}

/* "type": "T", or ["T", "null"] for an optional answer. */
static void json_type(pf_json_t *j, const char *type, int nullable)
{
    pf_json_key(j, "type");
    if (!nullable) {
        pf_json_str(j, type);
        return;
    }
    pf_json_array(j);
    pf_json_str(j, type);
    pf_json_str(j, "null");
    pf_json_end(j);
}

static void json_spec(pf_json_t *j, const pf_value_t *sp, int nullable);

static void json_object(pf_json_t *j, const pf_value_t *sp)
{
    const pf_value_t *fields = pf_value_get(sp, "fields");
    pf_json_key(j, "properties");
    pf_json_object(j);
    size_t required = 0;
    for (size_t i = 0; fields && i < fields->count; i++) {
        pf_json_key(j, fields->keys[i]);
        json_spec(j, &fields->items[i], !sp_required(&fields->items[i]));
        required += (size_t)sp_required(&fields->items[i]);
    }
    pf_json_end(j);
    if (required) {
        pf_json_key(j, "required");
        pf_json_array(j);
        for (size_t i = 0; fields && i < fields->count; i++)
            if (sp_required(&fields->items[i])) pf_json_str(j, fields->keys[i]);
        pf_json_end(j);
    }
    pf_json_key(j, "additionalProperties");
    pf_json_bool(j, 0);
}

/* Bounds JSON Schema cannot state (a date's) go into the description. */
static void json_description(pf_json_t *j, const pf_value_t *sp)
{
    const char *doc = sp_str(sp, "doc");
    pf_buf_t d;
    pf_buf_init(&d);
    if (doc) pf_buf_addstr(&d, doc);
    if (sp_is(sp, "date") && (pf_value_get(sp, "min") || pf_value_get(sp, "max"))) {
        if (d.len) pf_buf_addc(&d, ' ');
        describe_scalar(&d, sp);
    }
    if (d.len) pf_json_kstr(j, "description", d.data);
    pf_buf_delete(&d);
}

static void json_bound(pf_json_t *j, const pf_value_t *sp, const char *key, const char *as)
{
    const pf_value_t *v = pf_value_get(sp, key);
    if (!v) return;
    pf_json_key(j, as);
    pf_json_value(j, v);
}

static void json_spec(pf_json_t *j, const pf_value_t *sp, int nullable)
{
    long long n;
    pf_json_object(j);
    json_description(j, sp);
    if (sp_is(sp, "string") || sp_is(sp, "text") || sp_is(sp, "date")) {
        json_type(j, "string", nullable);
        if (sp_int(sp, "min_length", &n)) pf_json_kint(j, "minLength", n);
        if (sp_int(sp, "max_length", &n)) pf_json_kint(j, "maxLength", n);
        const char *pattern = sp_str(sp, "pattern");
        /* a string is one line: no tab or line break */
        const char *one_line = sp_is(sp, "string") ? "^[^\\t\\n\\r]*$" : NULL;
        if (sp_is(sp, "date")) {
            pf_json_kstr(j, "format", "date");
            pattern = NULL;
            one_line = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
        }
        if (pattern) {
            pf_buf_t p;
            pf_buf_init(&p);
            json_pattern(&p, pattern);
            pf_json_kstr(j, "pattern", p.data);
            pf_buf_delete(&p);
            if (one_line) {
                pf_json_key(j, "allOf");
                pf_json_array(j);
                pf_json_object(j);
                pf_json_kstr(j, "pattern", one_line);
                pf_json_end(j);
                pf_json_end(j);
            }
        } else if (one_line) {
            pf_json_kstr(j, "pattern", one_line);
        }
    } else if (sp_is(sp, "integer") || sp_is(sp, "number")) {
        json_type(j, sp_is(sp, "integer") ? "integer" : "number", nullable);
        json_bound(j, sp, "min", "minimum");
        json_bound(j, sp, "max", "maximum");
    } else if (sp_is(sp, "boolean")) {
        json_type(j, "boolean", nullable);
    } else if (sp_is(sp, "enum")) {
        const pf_value_t *values = pf_value_get(sp, "values");
        pf_json_key(j, "enum");
        pf_json_array(j);
        for (size_t i = 0; values && i < values->count; i++)
            pf_json_str(j, values->items[i].s);
        if (nullable) pf_json_null(j);
        pf_json_end(j);
    } else if (sp_is(sp, "list")) {
        json_type(j, "array", nullable);
        pf_json_key(j, "items");
        json_spec(j, pf_value_get(sp, "items"), 0);
        if (sp_int(sp, "min_items", &n) && n > 0) pf_json_kint(j, "minItems", n);
        if (sp_int(sp, "max_items", &n)) pf_json_kint(j, "maxItems", n);
    } else if (sp_is(sp, "object")) {
        json_type(j, "object", nullable);
        json_object(j, sp);
    } else if (sp_is(sp, "map")) {
        json_type(j, "object", nullable);
        pf_json_key(j, "propertyNames");
        const pf_value_t *keys = pf_value_get(sp, "keys");
        if (keys) {
            json_spec(j, keys, 0);
        } else {
            pf_json_object(j);
            pf_json_kstr(j, "pattern", "^[A-Za-z0-9_.-]+$");
            pf_json_end(j);
        }
        pf_json_key(j, "additionalProperties");
        json_spec(j, pf_value_get(sp, "values"), 0);
        if (sp_int(sp, "max_items", &n)) pf_json_kint(j, "maxProperties", n);
    }
    const pf_value_t *def = pf_value_get(sp, "default");
    if (def) {
        pf_json_key(j, "default");
        pf_json_value(j, def);
    }
    pf_json_end(j);
}

void pf_template_json_schema(const pf_value_t *desc, const char *version, pf_buf_t *out)
{
    pf_json_t j;
    pf_json_init(&j, out);
    pf_json_object(&j);
    pf_json_kstr(&j, "$schema", "https://json-schema.org/draft/2020-12/schema");
    pf_json_kstr(&j, "$comment",
                 "Generated by `partnerfit schema --json-schema` from the intake schema; "
                 "regenerate it, do not edit it.");
    pf_buf_t title;
    pf_buf_init(&title);
    pf_buf_printf(&title, "partnerfit intake (schema version %s)", version ? version : "?");
    pf_json_kstr(&j, "title", title.data);
    pf_buf_delete(&title);
    pf_json_kstr(&j, "description",
                 "One intake questionnaire as partnerfit reads it. partnerfit checks more than "
                 "this schema can say (duplicate keys, invisible characters, the spelling of "
                 "numbers and booleans); `partnerfit run` has the last word.");
    pf_json_key(&j, "type");
    pf_json_str(&j, "object");
    json_object(&j, desc);
    pf_json_end(&j);
    pf_buf_addc(out, '\n');
}

/* ---- the commands --------------------------------------------------------------- */

/* text to --out FILE (whole or not at all), else to out. */
static int write_text(const char *path, const pf_buf_t *text, FILE *out, FILE *log)
{
    if (!path) {
        fwrite(text->data, 1, text->len, out);
        return PF_EXIT_OK;
    }
    pf_err_t err;
    if (pf_out_write_file(path, text->data, text->len, &err)) return PF_EXIT_OK;
    pf_log_error(log, path, &err);
    return PF_EXIT_IO;
}

/* Loads the schema and hands its description to render; prints the text. */
static int schema_command(const pf_tools_options_t *o, FILE *out, FILE *log,
                          void (*render)(const pf_tools_options_t *, const pf_config_t *,
                                         const pf_value_t *, pf_buf_t *))
{
    if (o->npaths) {
        fprintf(log, "partnerfit: this command takes no file or folder ('%s')\n", o->paths[0]);
        return PF_EXIT_CONFIG;
    }
    pf_config_t c;
    pf_config_init(&c);
    int code = PF_EXIT_CONFIG;
    if (pf_config_load_schema(&c, o->policy_path, log)) {
        pf_arena_t arena;
        pf_arena_init(&arena);
        pf_buf_t text;
        pf_buf_init(&text);
        render(o, &c, pf_schema_describe(c.schema, &arena), &text);
        code = write_text(o->out, &text, out, log);
        pf_buf_delete(&text);
        pf_arena_delete(&arena);
    }
    pf_config_delete(&c);
    return code;
}

static void render_template(const pf_tools_options_t *o, const pf_config_t *c,
                            const pf_value_t *desc, pf_buf_t *text)
{
    pf_template_yaml(desc, pf_schema_version(c->schema), o->example, text);
}

static void render_schema(const pf_tools_options_t *o, const pf_config_t *c, const pf_value_t *desc,
                          pf_buf_t *text)
{
    if (o->json_schema) {
        pf_template_json_schema(desc, pf_schema_version(c->schema), text);
        return;
    }
    pf_err_t err;
    if (!pf_yemit_buf(text, desc, &err)) pf_buf_printf(text, "# %s\n", err.msg);
}

int pf_cmd_template(const pf_tools_options_t *o, FILE *out, FILE *log)
{
    return schema_command(o, out, log, render_template);
}

int pf_cmd_schema(const pf_tools_options_t *o, FILE *out, FILE *log)
{
    return schema_command(o, out, log, render_schema);
}
