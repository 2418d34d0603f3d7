/*
 * pf_schema_load.c - reads the schema file (data in policies/) into a tree
 * of field specs: types, attributes and where each applies, enums (inline
 * or named), defaults (checked as an answer would be), bounds, and unknown
 * attributes or keys with a "did you mean". Every problem is reported, each
 * at its line:column in the schema file, before the load fails.
 *
 * Also the schema's lifetime (pf_schema_delete) and its two accessors.
 */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_schema_int.h"

/* ---- types ---------------------------------------------------------------- */

const char *const sch_type_names[T_COUNT] = {"string", "text", "integer", "number", "boolean",
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

/* ---- context and helpers ------------------------------------------------- */

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
               sch_path_str(&ld->path), "%s", msg);
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
    lreport(ld, v, "%s must be true or false, found %s.", attr, sch_found(v, q));
    return 0;
}

static int load_count(loader_t *ld, const pf_node_t *v, const char *attr, size_t *out)
{
    char q[QUOTE_BUF];
    if (!is_text(v) || sch_decimal_problem(v->text, 0) || v->text[0] == '-') {
        lreport(ld, v, "%s must be a whole number of 0 or more, found %s.", attr, sch_found(v, q));
        return 0;
    }
    errno = 0;
    unsigned long long x = strtoull(v->text, NULL, 10);
    if (errno == ERANGE || x > SIZE_MAX) {
        lreport(ld, v, "%s is too large: %s.", attr, sch_found(v, q));
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
                sch_found(v, q));
        return 0;
    }
    const char **vals = pf_arena_alloc(&ld->s->arena, v->count * sizeof *vals);
    size_t n = 0;
    int ok = 1;
    for (size_t i = 0; i < v->count; i++) {
        const pf_node_t *item = v->items[i];
        if (!is_text(item)) {
            lreport(ld, item, "each value must be a word or text, found %s.", sch_found(item, q));
            ok = 0;
            continue;
        }
        int dup = 0;
        for (size_t j = 0; j < n && !dup; j++)
            dup = strcmp(vals[j], item->text) == 0;
        if (dup) {
            lreport(ld, item, "the value %s is listed twice.",
                    sch_quote(q, item->text, item->len, '"'));
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

/* ---- attributes ---------------------------------------------------------- */

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
        lreport(ld, v, "doc must be text, found %s.", sch_found(v, q));
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
        lreport(ld, v, "pattern must be a regular expression, found %s.", sch_found(v, q));
        return;
    }
    int rc = regcomp(&sp->re, v->text, REG_EXTENDED);
    if (rc != 0) {
        char why[256];
        regerror(rc, &sp->re, why, sizeof why);
        lreport(ld, v, "pattern %s is not a valid regular expression: %s.",
                sch_quote(q, v->text, v->len, '\''), why);
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
        lreport(ld, v, "%s must be a single value, found %s.", attr, sch_found(v, q));
        return;
    }
    const char *problem = NULL;
    if (sp->type == T_DATE) {
        if (sch_date_problem(v->text, v->len, why, sizeof why)) problem = "a real date YYYY-MM-DD";
    } else if (sch_decimal_problem(v->text, sp->type == T_NUMBER)) {
        problem = sp->type == T_NUMBER ? "a number" : "a whole number";
    }
    errno = 0;
    long long i = sp->type == T_INTEGER && !problem ? strtoll(v->text, NULL, 10) : 0;
    double d = sp->type == T_NUMBER && !problem ? strtod(v->text, NULL) : 0;
    if (!problem && errno == ERANGE) problem = "a value that fits";
    if (problem) {
        lreport(ld, v, "%s must be %s (the field is of type %s), found %s.", attr, problem,
                sch_type_names[sp->type], sch_quote(q, v->text, v->len, '"'));
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
        size_t mark = sch_path_name(&ld->path, "*");
        sp->items = load_spec(ld, v, ROLE_VALUE);
        sch_path_pop(&ld->path, mark);
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
    sch_quote(q, v->text, v->len, '\'');
    if (s->nenums == 0) {
        lreport(ld, v, "unknown enum %s: the schema has no enums section.", q);
        return;
    }
    const char **names = pf_xcalloc(s->nenums, sizeof *names);
    for (size_t i = 0; i < s->nenums; i++)
        names[i] = s->enums[i].name;
    const char *near = sch_nearest(v->text, names, s->nenums);
    pf_buf_t b;
    pf_buf_init(&b);
    sch_add_list(&b, names, s->nenums);
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
        lreport(ld, v, "enum must name an entry of the enums section, found %s.", sch_found(v, q));
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
    size_t mark = sch_path_raw(&ld->path, "[]");
    sp->items = load_spec(ld, v, ROLE_ITEM);
    sch_path_pop(&ld->path, mark);
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
    size_t mark = sch_path_raw(&ld->path, " (keys)");
    sp->keys = load_spec(ld, v, ROLE_KEY);
    if (sp->keys && sp->keys->type != T_STRING && sp->keys->type != T_ENUM)
        lreport(ld, pf_node_get(v, "type"), "map keys must be of type string or enum, not %s.",
                sch_type_names[sp->keys->type]);
    sch_path_pop(&ld->path, mark);
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
    sch_quote(q, key->text, key->len, '\'');
    const char *near = sch_nearest(key->text, names, ATTR_COUNT);
    if (near) {
        lreport(ld, key, "unknown attribute %s in a field spec; did you mean '%s'?", q, near);
        return;
    }
    pf_buf_t b;
    pf_buf_init(&b);
    sch_add_list(&b, names, ATTR_COUNT);
    lreport(ld, key, "unknown attribute %s in a field spec; the attributes are: %s.", q, b.data);
    pf_buf_delete(&b);
}

/* ---- field specs ------------------------------------------------------------ */

static int load_type(loader_t *ld, const pf_node_t *n, spec_t *sp)
{
    const pf_node_t *t = pf_node_get(n, "type");
    char q[QUOTE_BUF];
    if (!t) {
        lreport(ld, n, "this field spec has no type; give one of " TYPE_CHOICES ".");
        return 0;
    }
    if (!is_text(t)) {
        lreport(ld, t, "type must be one of " TYPE_CHOICES ", found %s.", sch_found(t, q));
        return 0;
    }
    for (int i = 0; i < T_COUNT; i++) {
        if (strcmp(t->text, sch_type_names[i]) == 0) {
            sp->type = (spec_type_t)i;
            return 1;
        }
    }
    const char *near = sch_nearest(t->text, sch_type_names, T_COUNT);
    sch_quote(q, t->text, t->len, '\'');
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
        lreport(ld, key, "%s does not apply to a field of type %s.", a->name,
                sch_type_names[sp->type]);
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
        lreport(ld, d, "default must be a single value, found %s.", sch_found(d, q));
        return;
    }
    if (sp->type == T_ENUM && !sp->values) return; /* already reported */
    char why[PF_ERR_MSG_MAX];
    pf_value_t v = {0};
    if (sch_check_default(sp, d, &ld->s->arena, &v, why, sizeof why)) {
        sp->has_default = 1;
        sp->def = v;
        if (v.kind == PF_VAL_STR) sp->def.s = ldup(ld, d);
    } else {
        lreport(ld, d, "the default %s is not valid for this field: %s",
                sch_quote(q, d->text, d->len, '"'), why);
    }
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
                sch_found(n, q));
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
                v && v->kind == PF_NODE_MAP ? "an empty mapping" : sch_found(v, q));
        return;
    }
    sp->nfields = v->count;
    sp->names = pf_arena_alloc(&ld->s->arena, v->count * sizeof *sp->names);
    sp->fields = pf_arena_alloc(&ld->s->arena, v->count * sizeof *sp->fields);
    for (size_t i = 0; i < v->count; i++) {
        const pf_node_t *key = v->items[2 * i], *val = v->items[2 * i + 1];
        size_t mark = sch_path_name(&ld->path, key->text);
        sp->names[i] = ldup(ld, key);
        sp->fields[i] = load_spec(ld, val, role);
        if (sp->fields[i] && sp->fields[i]->unique) note_unique(ld, sp->names[i], val);
        sch_path_pop(&ld->path, mark);
    }
}

/* ---- the schema file ------------------------------------------------------- */

static void load_version(loader_t *ld, const pf_node_t *root)
{
    const pf_node_t *v = pf_node_get(root, "version");
    char q[QUOTE_BUF];
    size_t mark = sch_path_name(&ld->path, "version");
    if (!v)
        lreport(ld, root, "the schema needs a version, e.g. version: \"2026.1\".");
    else if (!is_text(v))
        lreport(ld, v, "version must be text such as \"2026.1\", found %s.", sch_found(v, q));
    else
        ld->s->version = ldup(ld, v);
    sch_path_pop(&ld->path, mark);
}

static void load_enums(loader_t *ld, const pf_node_t *root)
{
    const pf_node_t *v = pf_node_get(root, "enums");
    char q[QUOTE_BUF];
    if (!v || pf_node_is_null(v)) return;
    if (v->kind != PF_NODE_MAP) {
        size_t mark = sch_path_name(&ld->path, "enums");
        lreport(ld, v, "enums must be a mapping of names to lists of values, found %s.",
                sch_found(v, q));
        sch_path_pop(&ld->path, mark);
        return;
    }
    pf_schema_t *s = ld->s;
    s->enums = pf_arena_alloc(&s->arena, v->count * sizeof *s->enums);
    for (size_t i = 0; i < v->count; i++) {
        const pf_node_t *key = v->items[2 * i];
        size_t mark = sch_path_name(&ld->path, "enums");
        sch_path_name(&ld->path, key->text);
        named_enum_t *e = &s->enums[s->nenums++];
        e->name = ldup(ld, key);
        load_value_list(ld, v->items[2 * i + 1], &e->values, &e->count);
        sch_path_pop(&ld->path, mark);
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
        const char *near = sch_nearest(key->text, known, 3);
        sch_quote(q, key->text, key->len, '\'');
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
                sch_found(root, q));
    } else {
        check_top_keys(&ld, root);
        load_version(&ld, root);
        load_enums(&ld, root); /* before fields, which refer to enums by name */
        s->root = pf_arena_alloc(&s->arena, sizeof *s->root);
        s->root->type = T_OBJECT;
        s->root->line = root->line;
        s->root->column = root->column;
        const pf_node_t *fields = pf_node_get(root, "fields");
        size_t mark = sch_path_name(&ld.path, "fields");
        if (!fields) lreport(&ld, root, "the schema needs fields: the questions of an intake.");
        sch_path_pop(&ld.path, mark);
        if (fields) load_fields(&ld, s->root, fields, ROLE_TOP);
    }
    pf_buf_delete(&ld.path);
    if (ld.nerrs) {
        pf_schema_delete(s);
        return NULL;
    }
    return s;
}

/* ---- the loaded schema -------------------------------------------------------------- */

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
