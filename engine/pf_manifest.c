/*
 * pf_manifest.c - manifest.yaml: a value tree built in an arena with the
 * pf_value builder, emitted by pf_yemit.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_manifest.h"
#include "pf_schema.h"
#include "pf_sha256.h"
#include "pf_value.h"
#include "pf_yemit.h"
#include "pf_yread.h"

/* Puts a finished collection into its parent under key (NULL in a list). */
static void put(pf_arena_t *a, pf_value_t *parent, const char *key, const pf_value_t *child)
{
    *pf_value_add(a, parent, key) = *child;
}

pf_value_t *pf_manifest_value(const pf_manifest_t *m, pf_results_t *res, pf_arena_t *a)
{
    char hex[65];
    pf_value_t *root = pf_value_map(a, 10); /* 7 sections, state or shard or both, run_date */
    pf_value_add_str(a, root, "partnerfit", PF_VERSION);

    pf_value_t *rules = pf_value_map(a, 3);
    pf_value_add_str(a, rules, "folder", m->rules_dir);
    pf_value_add_int(a, rules, "rules", (long long)m->stats->rules);
    pf_value_add_str(a, rules, "sha256", pf_eval_rules_digest(m->ev));
    put(a, root, "rules", rules);

    pf_value_t *policy = pf_value_map(a, 2);
    pf_value_add_str(a, policy, "file", m->policy_path);
    pf_sha256_hex(m->cfg->policy_text, m->cfg->policy_len, hex);
    pf_value_add_str(a, policy, "sha256", hex);
    put(a, root, "policy", policy);

    pf_value_t *schema = pf_value_map(a, 3);
    pf_value_add_str(a, schema, "file", m->schema_path);
    const char *version = pf_schema_version(m->cfg->schema);
    pf_value_add_str(a, schema, "version", version ? version : "");
    pf_sha256_hex(m->cfg->schema_text, m->cfg->schema_len, hex);
    pf_value_add_str(a, schema, "sha256", hex);
    put(a, root, "schema", schema);

    pf_value_t *inputs = pf_value_list(a, m->ninputs);
    for (size_t i = 0; i < m->ninputs; i++)
        pf_value_add_str(a, inputs, NULL, m->inputs[i]);
    put(a, root, "inputs", inputs);

    pf_value_t *counts = pf_value_map(a, 8); /* room for every count below */
    pf_value_add_int(a, counts, "files", (long long)m->stats->files);
    pf_value_add_int(a, counts, "intakes", (long long)m->stats->intakes);
    pf_value_add_int(a, counts, "evaluated", (long long)m->stats->evaluated);
    pf_value_add_int(a, counts, "rejected", (long long)m->stats->rejected);
    pf_value_add_int(a, counts, "reject_rows", (long long)m->stats->reject_rows);
    pf_value_add_int(a, counts, "rule_errors", (long long)m->stats->rule_errors);
    pf_value_add_int(a, counts, "rules_never_fired", (long long)m->stats->dead_rules);
    if (res->briefs) pf_value_add_int(a, counts, "briefs", (long long)res->files[res->briefs].rows);
    put(a, root, "counts", counts);

    pf_value_t *reports = pf_value_list(a, res->nfiles);
    for (size_t i = 0; i < res->nfiles; i++) {
        if (!res->files[i].listed) continue; /* the state: not a report */
        pf_value_t *r = pf_value_map(a, 4);
        pf_results_digest(res, i, hex);
        pf_value_add_str(a, r, "file", res->files[i].name);
        pf_value_add_int(a, r, "rows", (long long)res->files[i].rows);
        pf_value_add_int(a, r, "bytes", (long long)res->files[i].bytes);
        pf_value_add_str(a, r, "sha256", hex);
        put(a, reports, NULL, r);
    }
    put(a, root, "reports", reports);
    for (size_t i = 0; i < res->nfiles; i++) { /* the state these reports go with */
        if (res->files[i].listed) continue;
        pf_value_t *st = pf_value_map(a, 4);
        pf_results_digest(res, i, hex);
        pf_value_add_str(a, st, "file", res->files[i].name);
        pf_value_add_int(a, st, "bytes", (long long)res->files[i].bytes);
        pf_value_add_str(a, st, "sha256", hex);
        put(a, root, "state", st);
    }
    if (m->shard_n) {
        char shard[64];
        snprintf(shard, sizeof shard, "%zu/%zu", m->shard_k, m->shard_n);
        pf_value_add_str(a, root, "shard", shard);
    }
    return root;
}

int pf_manifest_text(const pf_manifest_t *m, pf_results_t *res, pf_buf_t *out, pf_err_t *err)
{
    pf_arena_t arena;
    pf_arena_init(&arena);
    int ok = pf_yemit_buf(out, pf_manifest_value(m, res, &arena), err);
    pf_arena_delete(&arena);
    return ok;
}

const char *pf_manifest_field(const pf_value_t *manifest, const char *section, const char *key)
{
    const pf_value_t *v = pf_value_get(pf_value_get(manifest, section), key);
    return v && v->kind == PF_VAL_STR ? v->s : "";
}

/* The manifest in out_dir as values (in doc's arena), or NULL when there
 * is none that reads. */
static const pf_value_t *read_previous(const char *out_dir, pf_doc_t *doc)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", out_dir, PF_MANIFEST_NAME);
    pf_yread_limits_t lim;
    pf_yread_limits_default(&lim);
    pf_err_t err;
    if (!pf_yread_file(path, &lim, doc, &err)) return NULL;
    return pf_value_from_node(&doc->arena, doc->root);
}

long long pf_manifest_previous_files(const char *out_dir)
{
    pf_doc_t doc;
    pf_doc_init(&doc);
    const pf_value_t *v =
        pf_value_get(pf_value_get(read_previous(out_dir, &doc), "counts"), "files");
    long long files = v && v->kind == PF_VAL_INT && v->i >= 0 ? v->i : -1;
    pf_doc_delete(&doc);
    return files;
}

int pf_manifest_previous_lists(const char *out_dir, const char *name)
{
    pf_doc_t doc;
    pf_doc_init(&doc);
    const pf_value_t *reports = pf_value_get(read_previous(out_dir, &doc), "reports");
    int found = 0;
    for (size_t i = 0; reports && reports->kind == PF_VAL_LIST && i < reports->count; i++) {
        const pf_value_t *f = pf_value_get(&reports->items[i], "file");
        found = found || (f && f->kind == PF_VAL_STR && strcmp(f->s, name) == 0);
    }
    pf_doc_delete(&doc);
    return found;
}

/* SHA-256 (hex) of what fd holds, read from its start. 0 on a read error. */
static int digest_fd(int fd, char hex[65])
{
    pf_sha256_t c;
    pf_sha256_init(&c);
    char chunk[65536];
    off_t off = 0;
    for (;;) {
        ssize_t got = pread(fd, chunk, sizeof chunk, off);
        if (got < 0) return 0;
        if (got == 0) break;
        pf_sha256_update(&c, chunk, (size_t)got);
        off += got;
    }
    unsigned char d[32];
    pf_sha256_final(&c, d);
    pf_sha256_tohex(d, hex);
    return 1;
}

int pf_manifest_vouches(const char *out_dir, const char *state_name, const char *const *names,
                        size_t n, const int *fds)
{
    char path[4096];
    pf_doc_t doc;
    pf_doc_init(&doc);
    const pf_value_t *root = read_previous(out_dir, &doc);
    int ok = root != NULL;
    const pf_value_t *st = pf_value_get(root, "state");
    const pf_value_t *file = pf_value_get(st, "file"), *sha = pf_value_get(st, "sha256");
    char hex[65];
    ok = ok && file && file->kind == PF_VAL_STR && strcmp(file->s, state_name) == 0 && sha &&
         sha->kind == PF_VAL_STR;
    if (ok) { /* the state file as the manifest saw it */
        snprintf(path, sizeof path, "%s/%s", out_dir, state_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ok = fd >= 0 && digest_fd(fd, hex) && strcmp(hex, sha->s) == 0;
        if (fd >= 0) close(fd);
    }
    const pf_value_t *reports = pf_value_get(root, "reports");
    for (size_t r = 0; ok && r < n; r++) { /* each report as long as it was */
        const pf_value_t *bytes = NULL;
        for (size_t i = 0; reports && reports->kind == PF_VAL_LIST && i < reports->count; i++) {
            const pf_value_t *f = pf_value_get(&reports->items[i], "file");
            if (f && f->kind == PF_VAL_STR && strcmp(f->s, names[r]) == 0)
                bytes = pf_value_get(&reports->items[i], "bytes");
        }
        struct stat sb;
        ok = bytes && bytes->kind == PF_VAL_INT && fstat(fds[r], &sb) == 0 &&
             (long long)sb.st_size == bytes->i;
    }
    pf_doc_delete(&doc);
    return ok;
}
