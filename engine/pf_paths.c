/*
 * pf_paths.c - the default rule pack and policy: the current folder's,
 * else the installed ones (see pf_paths.h for the order and why).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_paths.h"

/* Set by CMake for this file only, from the install layout. */
#ifndef PF_DATA_DIR
#define PF_DATA_DIR "/usr/local/share/partnerfit"
#endif
#ifndef PF_DATA_DIR_FROM_BIN
#define PF_DATA_DIR_FROM_BIN "../share/partnerfit"
#endif

static int exists_as(const char *path, int want_dir)
{
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    return want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
}

const char *pf_paths_pick(const char *rel, int want_dir, const char *const *dirs, size_t ndirs,
                          char *buf, size_t size)
{
    if (exists_as(rel, want_dir)) return rel;
    for (size_t i = 0; i < ndirs; i++) {
        char joined[PATH_MAX], real[PATH_MAX];
        if (!dirs[i]) continue;
        int n = snprintf(joined, sizeof joined, "%s/%s", dirs[i], rel);
        if (n < 0 || (size_t)n >= sizeof joined || !exists_as(joined, want_dir)) continue;
        /* a clean absolute path: it is printed in errors and the manifest */
        const char *found = realpath(joined, real) ? real : joined;
        if (strlen(found) >= size) continue;
        strcpy(buf, found);
        return buf;
    }
    return rel;
}

/* The data folder next to this program's bin/, or NULL when the kernel
 * does not say where the program is (no /proc). */
static const char *beside_program(char *buf, size_t size)
{
    ssize_t len = readlink("/proc/self/exe", buf, size - 1);
    if (len <= 0) return NULL;
    buf[len] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash) return NULL;
    size_t dir = (size_t)(slash - buf) + 1;
    if (dir + sizeof PF_DATA_DIR_FROM_BIN > size) return NULL;
    memcpy(buf + dir, PF_DATA_DIR_FROM_BIN, sizeof PF_DATA_DIR_FROM_BIN);
    return buf;
}

static const char *pick_default(const char *rel, int want_dir, char *buf, size_t size)
{
    char program_dir[PATH_MAX];
    const char *dirs[] = {beside_program(program_dir, sizeof program_dir), PF_DATA_DIR};
    return pf_paths_pick(rel, want_dir, dirs, sizeof dirs / sizeof dirs[0], buf, size);
}

const char *pf_paths_default_rules(void)
{
    static char buf[PATH_MAX];
    return pick_default(PF_PATHS_RULES, 1, buf, sizeof buf);
}

const char *pf_paths_default_policy(void)
{
    static char buf[PATH_MAX];
    return pick_default(PF_PATHS_POLICY, 0, buf, sizeof buf);
}

const char *pf_paths_installed_dir(void)
{
    return PF_DATA_DIR;
}

void pf_paths_describe(FILE *out)
{
    fprintf(out,
            "\n"
            "defaults of --rules and --policy: " PF_PATHS_RULES " and " PF_PATHS_POLICY
            " in the current\n"
            "folder when they are there, else the installed ones (" PF_DATA_DIR "); here:\n"
            "  --rules %s\n"
            "  --policy %s\n",
            pf_paths_default_rules(), pf_paths_default_policy());
}
