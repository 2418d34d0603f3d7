/*
 * pf_paths.h - where the default rule pack and policy are: `rules` and
 * `policies/default.yaml` in the current folder when they are there (an
 * analyst's checkout, as the README runs it), else the copies installed
 * with the program, so a scheduled job started from any folder finds them.
 *
 * The installed copies are looked for next to the program first
 * (../share/partnerfit from its bin/, so a tree installed or unpacked under
 * any prefix finds its own data), then in the data folder compiled in
 * (CMAKE_INSTALL_FULL_DATADIR/partnerfit). When neither has it, the
 * relative name stays, so the error names the file the user expected.
 *
 * Only paths live here: which rules and which options they hold is data.
 * Owns: static buffers holding the paths it returns (valid until exit).
 */
#ifndef PF_PATHS_H
#define PF_PATHS_H

#include <stddef.h>
#include <stdio.h>

/* The relative defaults, as the current folder holds them. */
#define PF_PATHS_RULES "rules"
#define PF_PATHS_POLICY "policies/default.yaml"

/* The default --rules folder and --policy file for this process. */
const char *pf_paths_default_rules(void);
const char *pf_paths_default_policy(void);

/* The data folder compiled in (DATADIR/partnerfit). */
const char *pf_paths_installed_dir(void);

/* One line per default for --help: what it is here, and the rule. */
void pf_paths_describe(FILE *out);

/* The choice itself, for tests: rel when it exists relative to the
 * current folder (a folder when want_dir, else a regular file), else the
 * first of dirs[0..ndirs) holding dir/rel (canonicalised into buf), else
 * rel. NULL entries in dirs are skipped. */
const char *pf_paths_pick(const char *rel, int want_dir, const char *const *dirs, size_t ndirs,
                          char *buf, size_t size);

#endif
