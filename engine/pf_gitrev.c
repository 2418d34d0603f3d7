/*
 * pf_gitrev.c - a rule pack and policy at a git revision (see pf_gitrev.h).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pf_common.h"
#include "pf_gitrev.h"

void pf_gitrev_init(pf_gitrev_t *g)
{
    memset(g, 0, sizeof g[0]);
}

/* Runs `git archive --format=tar TREE` into `tar -x -C DEST`, stderr of
 * both to log's descriptor. 1 when both exit 0. */
static int archive_into(const char *tree, const char *dest, FILE *log)
{
    int fds[2];
    if (pipe(fds) != 0) return 0;
    fflush(log);
    pid_t git = fork();
    if (git == 0) {
        dup2(fds[1], STDOUT_FILENO);
        dup2(fileno(log), STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        execlp("git", "git", "archive", "--format=tar", tree, (char *)NULL);
        _exit(127);
    }
    pid_t tar = git > 0 ? fork() : -1;
    if (tar == 0) {
        dup2(fds[0], STDIN_FILENO);
        dup2(fileno(log), STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        execlp("tar", "tar", "-x", "-f", "-", "-C", dest, (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    close(fds[1]);
    int ok = git > 0 && tar > 0, status;
    if (git > 0)
        ok = waitpid(git, &status, 0) == git && WIFEXITED(status) && WEXITSTATUS(status) == 0 && ok;
    if (tar > 0)
        ok = waitpid(tar, &status, 0) == tar && WIFEXITED(status) && WEXITSTATUS(status) == 0 && ok;
    return ok;
}

/* "REV:./PATH", the tree at PATH relative to the current folder. */
static char *tree_name(const char *rev, const char *path)
{
    size_t n = strlen(rev) + strlen(path) + 4;
    char *t = pf_xmalloc(n);
    snprintf(t, n, "%s:./%s", rev, path);
    return t;
}

static char *joined(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = pf_xmalloc(n);
    snprintf(p, n, "%s/%s", a, b);
    return p;
}

/* Takes the tree at rev:./path into the new folder dest. */
static int take_tree(const char *rev, const char *path, const char *dest, FILE *log)
{
    if (mkdir(dest, 0700) != 0) {
        fprintf(log, "partnerfit: %s: %s\n", dest, strerror(errno));
        return 0;
    }
    char *tree = tree_name(rev, path);
    int ok = archive_into(tree, dest, log);
    if (!ok)
        fprintf(log,
                "partnerfit: cannot take '%s' from git (is REV a commit of this repository, and %s "
                "in it?)\n",
                tree, path);
    free(tree);
    return ok;
}

int pf_gitrev_take(pf_gitrev_t *g, const char *rev, const char *rules_dir, const char *policy_path,
                   FILE *log)
{
    if (rev[0] == '-') { /* never an option of git's */
        fprintf(log, "partnerfit: --base-rev takes a revision, not '%s'\n", rev);
        return 0;
    }
    /* git archive reads REV:./PATH against the current folder and then keeps
     * only what lies under it, so anywhere but the work tree's top it can
     * take the wrong files: refuse what it cannot do right. */
    struct stat st;
    if (lstat(".git", &st) != 0) {
        fprintf(log, "partnerfit: --base-rev runs from the top folder of the git work tree "
                     "(where .git is)\n");
        return 0;
    }
    char *policy_dir_name = pf_xstrdup(policy_path);
    int whole_repo = strcmp(dirname(policy_dir_name), ".") == 0;
    free(policy_dir_name);
    if (rules_dir[0] == '/' || policy_path[0] == '/' || whole_repo) {
        fprintf(log, "partnerfit: --base-rev takes --rules and --policy as paths inside the work "
                     "tree, relative to its top, the policy in a folder of its own\n");
        return 0;
    }
    const char *tmp = getenv("TMPDIR");
    char *tmpl = joined(tmp && tmp[0] ? tmp : "/tmp", "partnerfit-base.XXXXXX");
    if (!mkdtemp(tmpl)) {
        fprintf(log, "partnerfit: %s: %s\n", tmpl, strerror(errno));
        free(tmpl);
        return 0;
    }
    g->dir = tmpl;
    g->rules_dir = joined(g->dir, "rules");
    char *policy_copy = pf_xstrdup(policy_path), *name_copy = pf_xstrdup(policy_path);
    char *policy_dir = joined(g->dir, "policy");
    g->policy_path = joined(policy_dir, basename(name_copy));
    int ok = take_tree(rev, rules_dir, g->rules_dir, log) &&
             take_tree(rev, dirname(policy_copy), policy_dir, log);
    free(policy_copy);
    free(name_copy);
    free(policy_dir);
    return ok;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void pf_gitrev_delete(pf_gitrev_t *g)
{
    if (g->dir) nftw(g->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(g->dir);
    free(g->rules_dir);
    free(g->policy_path);
    pf_gitrev_init(g);
}
