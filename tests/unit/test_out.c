/*
 * test_out.c - pf_out: atomic replacement, abort, failures on open and on
 * write (a real file capped by RLIMIT_FSIZE), folder creation and sweeping.
 * Every test works in its own mkdtemp folder under /tmp.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_out.h"
#include "test_util.h"

/* ---- helpers ------------------------------------------------------------------ */

static int setup_dir(void **state)
{
    *state = pft_temp_dir("/tmp/pf_test_out.XXXXXX");
    return *state ? 0 : -1;
}

static int teardown_dir(void **state)
{
    pft_remove_tree(*state);
    free(*state);
    return 0;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *p = pft_path_in(dir, name);
    pft_write_file(p, text, strlen(text));
    free(p);
}

/* The whole content of dir/name; fails the test if it cannot be read. */
static char *read_file(const char *dir, const char *name)
{
    char *p = pft_path_in(dir, name);
    FILE *fp = fopen(p, "rb");
    assert_non_null(fp);
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    free(p);
    return buf;
}

/* Names in dir, sorted and joined by '|', for exact listings. */
static char *listing(const char *dir)
{
    char *names[64];
    size_t n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        assert_true(n < 64);
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    char *out = calloc(1, 4096);
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(out, "|");
        strcat(out, names[i]);
        free(names[i]);
    }
    return out;
}

static void assert_listing(const char *dir, const char *want)
{
    char *got = listing(dir);
    assert_string_equal(got, want);
    free(got);
}

/* ---- commit and abort ---------------------------------------------------------- */

static void test_commit_replaces(void **state)
{
    const char *dir = *state;
    write_file(dir, "r.csv", "old\n");
    pf_out_file_t f;
    pf_err_t err;
    pf_err_clear(&err);
    assert_int_equal(pf_out_open(&f, dir, "r.csv", &err), 1);

    /* The temporary file is hidden, beside the target, named after it. */
    const char *base = strrchr(f.tmp_path, '/') + 1;
    assert_int_equal(strncmp(base, ".r.csv.tmp.", 11), 0);
    assert_int_equal(strlen(base), 11 + 6);
    char *want_final = pft_path_in(dir, "r.csv");
    assert_string_equal(f.final_path, want_final);
    free(want_final);

    assert_int_equal(pf_out_write(&f, "new,", 4), 1);
    assert_int_equal(pf_out_write(&f, "", 0), 1);
    assert_int_equal(pf_out_write(&f, "content\n", 8), 1);
    /* Nothing is visible under the final name until the commit. */
    char *before = read_file(dir, "r.csv");
    assert_string_equal(before, "old\n");
    free(before);

    assert_int_equal(pf_out_commit(&f, &err), 1);
    assert_null(f.fp);
    assert_null(f.tmp_path);
    assert_null(f.final_path);
    char *after = read_file(dir, "r.csv");
    assert_string_equal(after, "new,content\n");
    free(after);
    assert_listing(dir, "r.csv");

    char *p = pft_path_in(dir, "r.csv");
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    free(p);
    pf_out_abort(&f); /* harmless after a commit */
}

static void test_commit_new_file_and_trailing_slash(void **state)
{
    const char *dir = *state;
    char slashed[4096];
    snprintf(slashed, sizeof slashed, "%s/", dir);
    pf_out_file_t f;
    pf_err_t err;
    assert_int_equal(pf_out_open(&f, slashed, "m.yaml", &err), 1);
    assert_null(strstr(f.tmp_path, "//"));
    assert_null(strstr(f.final_path, "//"));
    assert_int_equal(pf_out_write(&f, "a: 1\n", 5), 1);
    assert_int_equal(pf_out_commit(&f, &err), 1);
    char *got = read_file(dir, "m.yaml");
    assert_string_equal(got, "a: 1\n");
    free(got);
    assert_listing(dir, "m.yaml");
}

static void test_abort_keeps_old(void **state)
{
    const char *dir = *state;
    write_file(dir, "r.csv", "old\n");
    pf_out_file_t f;
    pf_err_t err;
    assert_int_equal(pf_out_open(&f, dir, "r.csv", &err), 1);
    assert_int_equal(pf_out_write(&f, "half a rep", 10), 1);
    assert_int_equal(fflush(f.fp), 0);
    /* The temporary file exists while writing. */
    struct stat st;
    assert_int_equal(stat(f.tmp_path, &st), 0);
    assert_int_equal(st.st_size, 10);
    assert_int_equal(st.st_mode & 07777, 0644);
    pf_out_abort(&f);
    assert_null(f.fp);
    assert_null(f.tmp_path);
    char *got = read_file(dir, "r.csv");
    assert_string_equal(got, "old\n");
    free(got);
    assert_listing(dir, "r.csv");
    pf_out_abort(&f); /* twice is harmless */
}

/* The batch may finish every report first and rename them all at the end. */
static void test_finish_then_rename(void **state)
{
    const char *dir = *state;
    pf_out_file_t a, b;
    pf_err_t err;
    assert_int_equal(pf_out_open(&a, dir, "a.csv", &err), 1);
    assert_int_equal(pf_out_open(&b, dir, "b.csv", &err), 1);
    assert_int_equal(pf_out_write(&a, "A", 1), 1);
    assert_int_equal(pf_out_write(&b, "B", 1), 1);
    assert_int_equal(pf_out_finish(&a, &err), 1);
    assert_int_equal(pf_out_finish(&b, &err), 1);
    assert_null(a.fp);
    assert_int_equal(pf_out_write(&a, "late", 4), 0); /* closed */
    char *tmp_a = strdup(a.tmp_path);
    struct stat st;
    assert_int_equal(stat(tmp_a, &st), 0);
    assert_int_equal(st.st_size, 1);

    assert_int_equal(pf_out_rename(&a, &err), 1);
    assert_int_equal(stat(tmp_a, &st), -1);
    free(tmp_a);
    pf_out_abort(&a); /* frees the paths, removes nothing */
    /* A second finish of a closed file is refused clearly. */
    assert_int_equal(pf_out_finish(&b, &err), 0);
    assert_string_equal(err.kind, "io");
    assert_non_null(strstr(err.msg, "b.csv"));
    pf_out_abort(&b); /* b is dropped: its temp goes */
    assert_int_equal(pf_out_sync_dir(dir, &err), 1);
    assert_listing(dir, "a.csv");
    char *got = read_file(dir, "a.csv");
    assert_string_equal(got, "A");
    free(got);
}

/* ---- failures ---------------------------------------------------------------------- */

/* pf_out_write_file: the whole text at a path, through a temporary file;
 * a failure (here: a missing folder) says where and leaves no debris. */
static void test_write_file_by_path(void **state)
{
    const char *dir = *state;
    write_file(dir, "out.html", "old");
    char *path = pft_path_in(dir, "out.html");
    pf_err_t err;
    assert_int_equal(pf_out_write_file(path, "new page", 8, &err), 1);
    char *got = read_file(dir, "out.html");
    assert_string_equal(got, "new page");
    free(got);
    assert_listing(dir, "out.html");
    char *missing = pft_path_in(dir, "nope/out.html");
    pf_err_clear(&err);
    assert_int_equal(pf_out_write_file(missing, "x", 1, &err), 0);
    assert_non_null(strstr(err.msg, "No such file or directory"));
    assert_listing(dir, "out.html");
    free(missing);
    free(path);
}

static void test_open_missing_folder(void **state)
{
    const char *dir = *state;
    char *missing = pft_path_in(dir, "nope");
    pf_out_file_t f;
    pf_err_t err;
    pf_err_clear(&err);
    assert_int_equal(pf_out_open(&f, missing, "r.csv", &err), 0);
    assert_null(f.fp);
    assert_null(f.tmp_path);
    assert_null(f.final_path);
    assert_string_equal(err.kind, "io");
    assert_non_null(strstr(err.msg, missing));
    assert_non_null(strstr(err.msg, "No such file or directory"));
    assert_listing(dir, "");
    free(missing);
    pf_out_abort(&f);
}

static void test_open_bad_names(void **state)
{
    const char *dir = *state;
    static const char *const bad[] = {"", ".", "..", "a/b", ".hidden"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pf_out_file_t f;
        pf_err_t err;
        pf_err_clear(&err);
        assert_int_equal(pf_out_open(&f, dir, bad[i], &err), 0);
        assert_string_equal(err.kind, "io");
        assert_non_null(strstr(err.msg, "not a valid report file name"));
    }
    assert_listing(dir, "");
}

static void test_open_read_only_folder(void **state)
{
    if (geteuid() == 0) skip(); /* root ignores permissions */
    const char *dir = *state;
    char *ro = pft_path_in(dir, "ro");
    assert_int_equal(mkdir(ro, 0555), 0);
    pf_out_file_t f;
    pf_err_t err;
    assert_int_equal(pf_out_open(&f, ro, "r.csv", &err), 0);
    assert_string_equal(err.kind, "io");
    assert_non_null(strstr(err.msg, "Permission denied"));
    assert_listing(ro, "");
    free(ro);
}

/*
 * A write that really fails, even as root: RLIMIT_FSIZE caps the file at
 * 4 KiB, so the kernel refuses the rest (EFBIG; SIGXFSZ is ignored).
 */
static void test_write_failure_keeps_old(void **state)
{
    const char *dir = *state;
    write_file(dir, "r.csv", "old\n");
    pf_out_file_t f;
    pf_err_t err;
    pf_err_clear(&err);
    assert_int_equal(pf_out_open(&f, dir, "r.csv", &err), 1);

    struct rlimit saved, capped;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    capped = saved;
    capped.rlim_cur = 4096;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &capped), 0);

    char chunk[1000];
    memset(chunk, 'x', sizeof chunk);
    int ok = 1;
    for (int i = 0; i < 100 && ok; i++)
        ok = pf_out_write(&f, chunk, sizeof chunk);
    int committed = pf_out_commit(&f, &err);

    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, old_handler);

    assert_int_equal(committed, 0);
    assert_string_equal(err.kind, "io");
    assert_non_null(strstr(err.msg, "r.csv"));
    assert_non_null(strstr(err.msg, "File too large"));
    char *got = read_file(dir, "r.csv");
    assert_string_equal(got, "old\n");
    free(got);
    assert_listing(dir, "r.csv");
}

/* A full device: the temp file's stream is swapped for /dev/full, so the
 * failure surfaces only at fflush, as with a full disk. */
static void test_full_disk_at_flush(void **state)
{
    const char *dir = *state;
    pf_out_file_t f;
    pf_err_t err;
    assert_int_equal(pf_out_open(&f, dir, "r.csv", &err), 1);
    FILE *full = fopen("/dev/full", "wb");
    if (!full) skip();
    fclose(f.fp);
    f.fp = full;
    assert_int_equal(pf_out_write(&f, "small", 5), 1); /* buffered: no error yet */
    assert_int_equal(pf_out_finish(&f, &err), 0);
    assert_null(f.fp);
    assert_null(f.tmp_path);
    assert_string_equal(err.kind, "io");
    assert_non_null(strstr(err.msg, "No space left on device"));
    assert_int_equal(pf_out_rename(&f, &err), 0);
    pf_out_abort(&f);
    assert_listing(dir, "");
}

static void test_sync_dir_missing(void **state)
{
    const char *dir = *state;
    char *missing = pft_path_in(dir, "gone");
    pf_err_t err;
    assert_int_equal(pf_out_sync_dir(missing, &err), 0);
    assert_string_equal(err.kind, "io");
    assert_non_null(strstr(err.msg, missing));
    free(missing);
}

/* ---- folders ------------------------------------------------------------------------- */

static void test_mkdirs(void **state)
{
    const char *dir = *state;
    char deep[4096];
    snprintf(deep, sizeof deep, "%s/a//b/c/", dir);
    pf_err_t err;
    assert_int_equal(pf_out_mkdirs(deep, &err), 1);
    assert_int_equal(pf_out_mkdirs(deep, &err), 1); /* already there */
    char *c = pft_path_in(dir, "a/b/c");
    struct stat st;
    assert_int_equal(stat(c, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    free(c);
    assert_int_equal(pf_out_mkdirs("/", &err), 1);
    assert_int_equal(pf_out_mkdirs(dir, &err), 1);
}

static void test_mkdirs_through_a_file(void **state)
{
    const char *dir = *state;
    write_file(dir, "plain", "x");
    char *file = pft_path_in(dir, "plain");
    char *below = pft_path_in(dir, "plain/sub/deeper");
    pf_err_t err;
    pf_err_clear(&err);
    assert_int_equal(pf_out_mkdirs(below, &err), 0);
    assert_string_equal(err.kind, "io");
    char want[4200];
    snprintf(want, sizeof want, "cannot create folder %s: it exists and is not a folder", file);
    assert_string_equal(err.msg, want);
    pf_err_clear(&err);
    assert_int_equal(pf_out_mkdirs(file, &err), 0);
    assert_string_equal(err.msg, want);
    assert_int_equal(pf_out_mkdirs("", &err), 0);
    assert_string_equal(err.kind, "io");
    assert_listing(dir, "plain");
    free(file);
    free(below);
}

static void test_sweep(void **state)
{
    const char *dir = *state;
    write_file(dir, ".r.csv.tmp.AbC123", "stale");
    write_file(dir, ".needs.csv.tmp.zzzzzz", "stale");
    write_file(dir, ".r.csv.tmp.short", "keep: not six characters");
    write_file(dir, ".r.csv.tmp.ab-123", "keep: not letters and digits");
    write_file(dir, "r.csv.tmp.AbC123", "keep: not hidden");
    write_file(dir, "..tmp.AbC123", "keep: no name");
    write_file(dir, ".hidden", "keep");
    write_file(dir, "r.csv", "keep");
    char *d = pft_path_in(dir, ".d.tmp.ABCDEF");
    assert_int_equal(mkdir(d, 0755), 0); /* folders are never removed */
    free(d);
    char *target = pft_path_in(dir, "r.csv");
    char *link = pft_path_in(dir, ".l.tmp.ABCDEF");
    assert_int_equal(symlink(target, link), 0); /* nor links */
    free(target);
    free(link);

    /* A live temp of an open report looks stale too: sweep runs first. */
    pf_out_sweep(dir);
    assert_listing(dir, "..tmp.AbC123|.d.tmp.ABCDEF|.hidden|.l.tmp.ABCDEF|"
                        ".r.csv.tmp.ab-123|.r.csv.tmp.short|r.csv|r.csv.tmp.AbC123");
    char *missing = pft_path_in(dir, "missing");
    pf_out_sweep(missing); /* no folder: nothing to do, no crash */
    free(missing);
}

/* What a killed run leaves behind is exactly what sweep removes. */
static void test_sweep_removes_killed_run_temp(void **state)
{
    const char *dir = *state;
    pf_out_file_t f;
    pf_err_t err;
    assert_int_equal(pf_out_open(&f, dir, "r.csv", &err), 1);
    assert_int_equal(pf_out_write(&f, "x", 1), 1);
    /* Simulate a kill: the stream goes away without abort. */
    fclose(f.fp);
    f.fp = NULL;
    pf_out_sweep(dir);
    assert_listing(dir, "");
    pf_out_abort(&f);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_dir, teardown_dir)
    const struct CMUnitTest tests[] = {
        T(test_commit_replaces),
        T(test_commit_new_file_and_trailing_slash),
        T(test_abort_keeps_old),
        T(test_finish_then_rename),
        T(test_open_missing_folder),
        T(test_write_file_by_path),
        T(test_open_bad_names),
        T(test_open_read_only_folder),
        T(test_write_failure_keeps_old),
        T(test_full_disk_at_flush),
        T(test_sync_dir_missing),
        T(test_mkdirs),
        T(test_mkdirs_through_a_file),
        T(test_sweep),
        T(test_sweep_removes_killed_run_temp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
