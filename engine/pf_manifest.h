/*
 * pf_manifest.h - manifest.yaml, the record of a run written after its
 * reports: the engine's version, the rules, policy and schema with their
 * digests, the inputs, the counts (files = evaluated + rejected), and each
 * report's rows, bytes and digest. `merge` reads the shards' manifests
 * back to check them and to name what the single run would have named.
 *
 * Owns: nothing; the text goes to a caller's buffer.
 */
#ifndef PF_MANIFEST_H
#define PF_MANIFEST_H

#include "pf_batch.h"
#include "pf_config.h"
#include "pf_results.h"

#define PF_MANIFEST_NAME "manifest.yaml"

/* What a manifest names. In a run these are the run's own options; a merge
 * takes the folder, file and input names from the shards' manifests. */
typedef struct pf_manifest {
    const pf_config_t *cfg; /* the policy and schema (texts for their digests) */
    const pf_eval_t *ev;    /* the rule pack's digest */
    const pf_batch_stats_t *stats;
    const char *rules_dir, *policy_path, *schema_path;
    const char *const *inputs;
    size_t ninputs;
    size_t shard_k, shard_n; /* shard_n = 0: not a shard */
} pf_manifest_t;

/* The manifest of a run whose files res holds (closed), as a value in
 * arena a (for the overview, which shows it). */
pf_value_t *pf_manifest_value(const pf_manifest_t *m, pf_results_t *res, pf_arena_t *a);

/* The manifest of a run whose files res holds (closed: their digests are
 * taken), as YAML text appended to out. 0 with err set on failure. */
int pf_manifest_text(const pf_manifest_t *m, pf_results_t *res, pf_buf_t *out, pf_err_t *err);

/* counts.files of the manifest in out_dir (the previous run's), or -1 when
 * there is none or it cannot be read. */
long long pf_manifest_previous_files(const char *out_dir);

/* Whether the manifest in out_dir (the previous run's) lists the report
 * name: 0 when it does not or there is none. */
int pf_manifest_previous_lists(const char *out_dir, const char *name);

/* The text at section.key of a manifest read back ("" when absent). */
const char *pf_manifest_field(const pf_value_t *manifest, const char *section, const char *key);

/* --incremental: whether the manifest in out_dir vouches for the state
 * file state_name (its SHA-256 is the one the manifest recorded, so the
 * run that wrote the manifest wrote the state) and for the n reports
 * names[] open at fds[] (each as long as the manifest says). A run without
 * --incremental writes a manifest with no state in it. */
int pf_manifest_vouches(const char *out_dir, const char *state_name, const char *const *names,
                        size_t n, const int *fds);

#endif
