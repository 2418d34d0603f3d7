/*
 * test_util.h - what several unit tests need around the code under test:
 * a scratch folder of their own under /tmp, paths in it, files written
 * whole, and the folder removed again (whatever a test left in it,
 * read-only folders included). Include after <cmocka.h>.
 *
 * Owns: the strings it returns are malloc'd; the caller frees them.
 */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A new folder from a mkdtemp template ("/tmp/pf_x.XXXXXX"), or NULL. */
static inline char *pft_temp_dir(const char *template_path)
{
    char tmpl[256];
    snprintf(tmpl, sizeof tmpl, "%s", template_path);
    char *dir = mkdtemp(tmpl);
    return dir ? strdup(dir) : NULL;
}

/* Removes path and everything under it; links are removed, not followed. */
static inline void pft_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    chmod(path, 0700); /* a test may have made it unreadable */
    DIR *d = opendir(path);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
            size_t n = strlen(path) + strlen(de->d_name) + 2;
            char *child = malloc(n);
            snprintf(child, n, "%s/%s", path, de->d_name);
            pft_remove_tree(child);
            free(child);
        }
        closedir(d);
    }
    rmdir(path);
}

/* "dir/name", malloc'd. */
static inline char *pft_path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Writes len bytes to path (created or replaced); fails the test if it cannot. */
static inline void pft_write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

#endif
