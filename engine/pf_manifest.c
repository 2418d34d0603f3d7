/*
 * pf_manifest.c - manifest.yaml: a value tree built in an arena, emitted
 * by pf_yemit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_manifest.h"
#include "pf_schema.h"
#include "pf_sha256.h"
#include "pf_yemit.h"

/* ---- a value tree of fixed-capacity maps and lists ------------------------------- */

typedef struct vbuild {
    pf_arena_t arena;
} vbuild_t;

static pf_value_t *v_map(vbuild_t *vb, size_t cap)
{
    pf_value_t *v = pf_arena_alloc(&vb->arena, sizeof *v);
    v->kind = PF_VAL_MAP;
    v->items = pf_arena_alloc(&vb->arena, cap * sizeof *v->items);
    v->keys = pf_arena_alloc(&vb->arena, cap * sizeof *v->keys);
    v->len = cap; /* unused by collections: holds the capacity while building */
    return v;
}

static pf_value_t *v_list(vbuild_t *vb, size_t cap)
{
    pf_value_t *v = v_map(vb, cap);
    v->kind = PF_VAL_LIST;
    return v;
}

static pf_value_t *v_add(vbuild_t *vb, pf_value_t *parent, const char *key)
{
    if (parent->count >= parent->len) {
        fprintf(stderr, "partnerfit: internal error: manifest entry '%s' over capacity\n",
                key ? key : "(item)");
        abort();
    }
    pf_value_t *v = &parent->items[parent->count];
    if (parent->kind == PF_VAL_MAP && key)
        parent->keys[parent->count] = pf_arena_strndup(&vb->arena, key, strlen(key));
    parent->count++;
    return v;
}

static void v_str(vbuild_t *vb, pf_value_t *parent, const char *key, const char *s)
{
    pf_value_t *v = v_add(vb, parent, key);
    v->kind = PF_VAL_STR;
    v->s = pf_arena_strndup(&vb->arena, s, strlen(s));
    v->len = strlen(s);
}

static void v_int(vbuild_t *vb, pf_value_t *parent, const char *key, long long i)
{
    pf_value_t *v = v_add(vb, parent, key);
    v->kind = PF_VAL_INT;
    v->i = i;
}

static void v_put(vbuild_t *vb, pf_value_t *parent, const char *key, const pf_value_t *child)
{
    *v_add(vb, parent, key) = *child;
}

static pf_value_t *manifest_value(const pf_manifest_t *m, pf_results_t *res, vbuild_t *vb)
{
    char hex[65];
    pf_value_t *root = v_map(vb, 8);
    v_str(vb, root, "partnerfit", PF_VERSION);

    pf_value_t *rules = v_map(vb, 3);
    v_str(vb, rules, "folder", m->rules_dir);
    v_int(vb, rules, "rules", (long long)m->stats->rules);
    v_str(vb, rules, "sha256", pf_eval_rules_digest(m->ev));
    v_put(vb, root, "rules", rules);

    pf_value_t *policy = v_map(vb, 2);
    v_str(vb, policy, "file", m->policy_path);
    pf_sha256_hex(m->cfg->policy_text, m->cfg->policy_len, hex);
    v_str(vb, policy, "sha256", hex);
    v_put(vb, root, "policy", policy);

    pf_value_t *schema = v_map(vb, 3);
    v_str(vb, schema, "file", m->schema_path);
    const char *version = pf_schema_version(m->cfg->schema);
    v_str(vb, schema, "version", version ? version : "");
    pf_sha256_hex(m->cfg->schema_text, m->cfg->schema_len, hex);
    v_str(vb, schema, "sha256", hex);
    v_put(vb, root, "schema", schema);

    pf_value_t *inputs = v_list(vb, m->ninputs);
    for (size_t i = 0; i < m->ninputs; i++)
        v_str(vb, inputs, NULL, m->inputs[i]);
    v_put(vb, root, "inputs", inputs);

    pf_value_t *counts = v_map(vb, 8); /* room for every count below */
    v_int(vb, counts, "files", (long long)m->stats->files);
    v_int(vb, counts, "intakes", (long long)m->stats->intakes);
    v_int(vb, counts, "evaluated", (long long)m->stats->evaluated);
    v_int(vb, counts, "rejected", (long long)m->stats->rejected);
    v_int(vb, counts, "reject_rows", (long long)m->stats->reject_rows);
    v_int(vb, counts, "rule_errors", (long long)m->stats->rule_errors);
    v_int(vb, counts, "rules_never_fired", (long long)m->stats->dead_rules);
    v_put(vb, root, "counts", counts);

    pf_value_t *reports = v_list(vb, res->nfiles);
    for (size_t i = 0; i < res->nfiles; i++) {
        if (!res->files[i].listed) continue; /* the state: not a report */
        pf_value_t *r = v_map(vb, 4);
        pf_results_digest(res, i, hex);
        v_str(vb, r, "file", res->files[i].name);
        v_int(vb, r, "rows", (long long)res->files[i].rows);
        v_int(vb, r, "bytes", (long long)res->files[i].bytes);
        v_str(vb, r, "sha256", hex);
        v_put(vb, reports, NULL, r);
    }
    v_put(vb, root, "reports", reports);
    if (m->shard_n) {
        char shard[64];
        snprintf(shard, sizeof shard, "%zu/%zu", m->shard_k, m->shard_n);
        v_str(vb, root, "shard", shard);
    }
    return root;
}

int pf_manifest_text(const pf_manifest_t *m, pf_results_t *res, pf_buf_t *out, pf_err_t *err)
{
    vbuild_t vb;
    pf_arena_init(&vb.arena);
    int ok = pf_yemit_buf(out, manifest_value(m, res, &vb), err);
    pf_arena_delete(&vb.arena);
    return ok;
}

const char *pf_manifest_field(const pf_value_t *manifest, const char *section, const char *key)
{
    const pf_value_t *v = pf_value_get(pf_value_get(manifest, section), key);
    return v && v->kind == PF_VAL_STR ? v->s : "";
}
