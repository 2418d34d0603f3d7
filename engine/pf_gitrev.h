/*
 * pf_gitrev.h - a rule pack and policy as they were at a git revision, for
 * `diff --base-rev REV`: analysts keep their rules in git, so the baseline
 * of a change is usually "what is committed", not a second folder.
 *
 * The files are taken with `git archive REV:./PATH | tar -x` (git and tar
 * run directly, never through a shell, so REV is only ever an argument)
 * into a fresh folder under $TMPDIR or /tmp, which pf_gitrev_delete
 * removes.
 *
 * Owns: the folder and its paths, until pf_gitrev_delete().
 */
#ifndef PF_GITREV_H
#define PF_GITREV_H

#include <stdio.h>

typedef struct pf_gitrev {
    char *dir;         /* the folder holding both trees, NULL until taken */
    char *rules_dir;   /* DIR/rules: the rules folder at REV */
    char *policy_path; /* DIR/policy/NAME: the policy file at REV, its folder with it */
} pf_gitrev_t;

void pf_gitrev_init(pf_gitrev_t *g);
/* Takes rules_dir and the folder of policy_path (paths relative to the
 * current folder, inside a git work tree) as they were at rev. Returns 1,
 * or 0 after saying on log what went wrong. */
int pf_gitrev_take(pf_gitrev_t *g, const char *rev, const char *rules_dir, const char *policy_path,
                   FILE *log);
void pf_gitrev_delete(pf_gitrev_t *g);

#endif
