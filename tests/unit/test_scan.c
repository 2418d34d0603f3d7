/*
 * test_scan.c - pf_scan in a mkdtemp folder: order, recursion, .yml/.yaml,
 * dedupe through a link, links out of the folder, FIFOs, folders named
 * x.yaml, missing paths, explicit files, loops and the depth limit; the
 * string pool the list keeps its paths in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_common.h"
#include "pf_scan.h"
#include "test_util.h"

/* ---- helpers --------------------------------------------------------------------- */

static int setup_dir(void **state)
{
    *state = pft_temp_dir("/tmp/pf_test_scan.XXXXXX");
    return *state ? 0 : -1;
}

static int teardown_dir(void **state)
{
    pft_remove_tree(*state);
    free(*state);
    return 0;
}

/* A path under the test folder; the result lives until the next 8 calls. */
static const char *at(const char *root, const char *rel)
{
    static char ring[8][4096];
    static int next;
    char *p = ring[next++ % 8];
    snprintf(p, sizeof ring[0], "%s/%s", root, rel);
    return p;
}

static void make_dir(const char *root, const char *rel)
{
    assert_int_equal(mkdir(at(root, rel), 0755), 0);
}

static void make_file(const char *root, const char *rel)
{
    FILE *fp = fopen(at(root, rel), "wb");
    assert_non_null(fp);
    fputs("a: 1\n", fp);
    assert_int_equal(fclose(fp), 0);
}

static void make_link(const char *root, const char *target, const char *rel)
{
    assert_int_equal(symlink(target, at(root, rel)), 0);
}

/*
 * The scan as text, one entry a line: "path" for a file to read or
 * "path -- reason" for a skip, with the test folder shown as "T".
 */
static char *render(const pf_scan_t *s, const char *root)
{
    pf_buf_t b;
    pf_buf_init(&b);
    size_t n = strlen(root);
    for (size_t i = 0; i < s->count; i++) {
        const char *p = s->items[i].path;
        if (strncmp(p, root, n) == 0) {
            pf_buf_addc(&b, 'T');
            p += n;
        }
        pf_buf_addstr(&b, p);
        const char *r = s->items[i].skip_reason;
        if (r) {
            /* reasons may name the test folder too */
            const char *hit = strstr(r, root);
            if (hit) {
                pf_buf_printf(&b, " -- %.*sT%s", (int)(hit - r), r, hit + n);
            } else {
                pf_buf_printf(&b, " -- %s", r);
            }
        }
        pf_buf_addc(&b, '\n');
    }
    pf_buf_addc(&b, '\0');
    return b.data;
}

static void assert_scan(const pf_scan_t *s, const char *root, const char *want)
{
    char *got = render(s, root);
    assert_string_equal(got, want);
    free(got);
}

/* The tree most tests use:
 *   samples/ B.yaml a.yml b.yaml c.txt notes.YAML sub/d.yaml sub/deeper/e.yaml
 *            link_in.yaml -> a.yml, out.yaml -> ../outside/x.yaml,
 *            outdir -> ../outside, fifo.yaml (FIFO), dir.yaml/ (folder),
 *            sub/up -> .. (a loop), gone.yaml -> nowhere
 *   outside/ x.yaml notes.txt
 */
static void make_tree(const char *root)
{
    make_dir(root, "samples");
    make_dir(root, "samples/sub");
    make_dir(root, "samples/sub/deeper");
    make_dir(root, "samples/dir.yaml");
    make_dir(root, "outside");
    make_file(root, "samples/B.yaml");
    make_file(root, "samples/a.yml");
    make_file(root, "samples/b.yaml");
    make_file(root, "samples/c.txt");
    make_file(root, "samples/notes.YAML");
    make_file(root, "samples/dir.yaml/inner.yaml");
    make_file(root, "samples/sub/d.yaml");
    make_file(root, "samples/sub/deeper/e.yaml");
    make_file(root, "outside/x.yaml");
    make_file(root, "outside/notes.txt");
    make_link(root, "a.yml", "samples/link_in.yaml");
    make_link(root, "../outside/x.yaml", "samples/out.yaml");
    make_link(root, "../outside", "samples/outdir");
    make_link(root, "..", "samples/sub/up");
    make_link(root, "nowhere", "samples/gone.yaml");
    assert_int_equal(mkfifo(at(root, "samples/fifo.yaml"), 0644), 0);
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_folder(void **state)
{
    const char *root = *state;
    make_tree(root);
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "samples"));
    assert_scan(&s, root,
                "T/samples/B.yaml\n"
                "T/samples/a.yml\n"
                "T/samples/b.yaml\n"
                "T/samples/dir.yaml/inner.yaml\n"
                "T/samples/fifo.yaml -- is a FIFO, not a regular file\n"
                "T/samples/gone.yaml -- symbolic link leads nowhere\n"
                "T/samples/notes.YAML\n"
                "T/samples/out.yaml -- symbolic link leads outside T/samples/\n"
                "T/samples/outdir -- symbolic link leads outside T/samples/\n"
                "T/samples/sub/d.yaml\n"
                "T/samples/sub/deeper/e.yaml\n");
    pf_scan_delete(&s);
    assert_int_equal(s.count, 0);
    assert_null(s.items);
}

static void test_trailing_slash_and_repeat(void **state)
{
    const char *root = *state;
    make_dir(root, "in");
    make_file(root, "in/one.yaml");
    make_file(root, "in/two.yml");
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "in/"));
    pf_scan_add(&s, at(root, "in")); /* the same files again: dropped */
    pf_scan_add(&s, at(root, "in/one.yaml"));
    assert_scan(&s, root,
                "T/in/one.yaml\n"
                "T/in/two.yml\n");
    pf_scan_delete(&s);
}

/* The reason names the path the way it was given. */
static void test_outside_reason_keeps_given_form(void **state)
{
    const char *root = *state;
    make_tree(root);
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "samples/"));
    char *got = render(&s, root);
    assert_non_null(strstr(got, "T/samples/out.yaml -- symbolic link leads outside T/samples/\n"));
    assert_null(strstr(got, "//"));
    free(got);
    pf_scan_delete(&s);
}

static void test_explicit_paths(void **state)
{
    const char *root = *state;
    make_tree(root);
    pf_scan_t s;
    pf_scan_init(&s);
    /* Named files are taken whatever their name, and links among them are
     * followed even out of any folder. */
    pf_scan_add(&s, at(root, "outside/notes.txt"));
    pf_scan_add(&s, at(root, "samples/out.yaml"));
    pf_scan_add(&s, at(root, "missing.yaml"));
    pf_scan_add(&s, at(root, "samples/fifo.yaml"));
    pf_scan_add(&s, at(root, "samples/gone.yaml"));
    pf_scan_add(&s, at(root, "samples/c.txt/x.yaml"));
    pf_scan_add(&s, at(root, "outside/x.yaml")); /* same file as out.yaml */
    assert_scan(&s, root,
                "T/outside/notes.txt\n"
                "T/samples/out.yaml\n"
                "T/missing.yaml -- no such file or directory\n"
                "T/samples/fifo.yaml -- is a FIFO, not a regular file\n"
                "T/samples/gone.yaml -- symbolic link leads nowhere\n"
                "T/samples/c.txt/x.yaml -- not a directory\n");
    pf_scan_delete(&s);
}

/* A file listed explicitly first is not listed again from its folder; a
 * link that was inside one given folder can lead outside another. */
static void test_dedupe_across_paths(void **state)
{
    const char *root = *state;
    make_tree(root);
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "samples/link_in.yaml"));
    pf_scan_add(&s, at(root, "samples/sub"));
    pf_scan_add(&s, at(root, "samples"));
    assert_scan(&s, root,
                "T/samples/link_in.yaml\n"
                "T/samples/sub/d.yaml\n"
                "T/samples/sub/deeper/e.yaml\n"
                "T/samples/sub/up -- symbolic link leads outside T/samples/sub/\n"
                "T/samples/B.yaml\n"
                "T/samples/b.yaml\n"
                "T/samples/dir.yaml/inner.yaml\n"
                "T/samples/fifo.yaml -- is a FIFO, not a regular file\n"
                "T/samples/gone.yaml -- symbolic link leads nowhere\n"
                "T/samples/notes.YAML\n"
                "T/samples/out.yaml -- symbolic link leads outside T/samples/\n"
                "T/samples/outdir -- symbolic link leads outside T/samples/\n");
    pf_scan_delete(&s);
}

/* Links that stay inside are followed, into folders too; a link sorting
 * before its target takes the file's place. */
static void test_links_inside(void **state)
{
    const char *root = *state;
    make_dir(root, "in");
    make_dir(root, "in/real");
    make_file(root, "in/real/r.yaml");
    make_link(root, "real", "in/0view");
    make_link(root, "real/r.yaml", "in/alias.yml");
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "in"));
    assert_scan(&s, root, "T/in/0view/r.yaml\n");
    pf_scan_delete(&s);
}

/* The folder given may itself be a link; containment uses its target. */
static void test_given_folder_is_link(void **state)
{
    const char *root = *state;
    make_dir(root, "data");
    make_file(root, "data/k.yaml");
    make_link(root, "k.yaml", "data/same.yaml");
    make_link(root, "data", "current");
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "current"));
    assert_scan(&s, root, "T/current/k.yaml\n");
    pf_scan_delete(&s);
}

static void test_link_to_device_refused(void **state)
{
    const char *root = *state;
    make_dir(root, "in");
    make_link(root, "/dev/zero", "in/zero.yaml");
    make_link(root, "/dev/null", "in/null.txt"); /* not an intake name: ignored */
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "in"));
    assert_scan(&s, root, "T/in/zero.yaml -- symbolic link leads outside T/in/\n");
    pf_scan_delete(&s);
    /* Named explicitly it is followed, and then refused as a device. */
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "in/zero.yaml"));
    assert_scan(&s, root, "T/in/zero.yaml -- is a character device, not a regular file\n");
    pf_scan_delete(&s);
}

static void test_empty_and_plain_folder(void **state)
{
    const char *root = *state;
    make_dir(root, "empty");
    make_dir(root, "other");
    make_file(root, "other/readme.md");
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "empty"));
    pf_scan_add(&s, at(root, "other"));
    assert_int_equal(s.count, 0);
    pf_scan_delete(&s);
}

static void test_depth_limit(void **state)
{
    const char *root = *state;
    pf_buf_t rel;
    pf_buf_init(&rel);
    pf_buf_addstr(&rel, "top");
    make_dir(root, rel.data);
    /* 66 levels below top: level 64 is read, level 65 is refused. */
    for (int i = 1; i <= 66; i++) {
        pf_buf_addstr(&rel, "/d");
        make_dir(root, rel.data);
        if (i == 64) {
            pf_buf_t f;
            pf_buf_init(&f);
            pf_buf_printf(&f, "%s/ok.yaml", rel.data);
            make_file(root, f.data);
            pf_buf_delete(&f);
        }
    }
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "top"));
    /* "d" sorts before "ok.yaml", so the refusal comes first */
    assert_int_equal(s.count, 2);
    assert_string_equal(s.items[0].skip_reason, "folders nest more than 64 levels deep here");
    assert_null(s.items[1].skip_reason);
    assert_non_null(strstr(s.items[1].path, "/ok.yaml"));
    /* the refused folder is the 65th level */
    size_t levels = 0;
    for (const char *p = s.items[0].path; (p = strstr(p, "/d")) != NULL; p++)
        levels++;
    assert_int_equal(levels, 65);
    pf_scan_delete(&s);
    pf_buf_delete(&rel);
}

static void test_unreadable_folder(void **state)
{
    if (geteuid() == 0) skip(); /* root reads any folder */
    const char *root = *state;
    make_dir(root, "in");
    make_dir(root, "in/locked");
    make_file(root, "in/z.yaml");
    assert_int_equal(chmod(at(root, "in/locked"), 0), 0);
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "in"));
    assert_scan(&s, root,
                "T/in/locked -- permission denied\n"
                "T/in/z.yaml\n");
    pf_scan_delete(&s);
}

/* Names sort by bytes: upper case, then lower case, then UTF-8. */
static void test_byte_order(void **state)
{
    const char *root = *state;
    make_dir(root, "in");
    make_file(root, "in/\xC3\xA9.yaml");
    make_file(root, "in/z.yaml");
    make_file(root, "in/Z.yaml");
    make_file(root, "in/a b.yaml");
    make_file(root, "in/a.yaml");
    make_file(root, "in/a-b.yaml");
    make_file(root, "in/10.yaml");
    make_file(root, "in/9.yaml");
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "in"));
    assert_scan(&s, root,
                "T/in/10.yaml\n"
                "T/in/9.yaml\n"
                "T/in/Z.yaml\n"
                "T/in/a b.yaml\n"
                "T/in/a-b.yaml\n"
                "T/in/a.yaml\n"
                "T/in/z.yaml\n"
                "T/in/\xC3\xA9.yaml\n");
    pf_scan_delete(&s);
}

/* Many files: the (dev, ino) set grows and still drops every duplicate. */
static void test_many_files_dedupe(void **state)
{
    const char *root = *state;
    make_dir(root, "in");
    make_dir(root, "in/a");
    make_link(root, "a", "in/b");
    for (int i = 0; i < 300; i++) {
        char name[64];
        snprintf(name, sizeof name, "in/a/f%03d.yaml", i);
        make_file(root, name);
    }
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "in"));
    pf_scan_add(&s, at(root, "in/b"));
    assert_int_equal(s.count, 300);
    for (size_t i = 0; i < s.count; i++) {
        char want[64];
        snprintf(want, sizeof want, "/in/a/f%03zu.yaml", i);
        assert_non_null(strstr(s.items[i].path, want));
        assert_null(s.items[i].skip_reason);
    }
    pf_scan_delete(&s);
}

/* A hard link is the same file under a second name: listed once. */
static void test_hard_link_listed_once(void **state)
{
    const char *root = *state;
    make_dir(root, "in");
    make_file(root, "in/b.yaml");
    assert_int_equal(link(at(root, "in/b.yaml"), at(root, "in/a.yaml")), 0);
    make_file(root, "in/c.yaml");
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "in"));
    assert_scan(&s, root,
                "T/in/a.yaml\n"
                "T/in/c.yaml\n");
    pf_scan_delete(&s);
}

/* Finishing frees the duplicate set and leaves every entry as it was. */
static void test_finish_keeps_entries(void **state)
{
    const char *root = *state;
    make_tree(root);
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "samples"));
    char *before = render(&s, root);
    assert_true(s.seen.count > 0);
    pf_scan_finish(&s);
    assert_int_equal(s.seen.count, 0);
    assert_null(s.seen.slots);
    char *after = render(&s, root);
    assert_string_equal(before, after);
    free(before);
    free(after);
    pf_scan_delete(&s);
}

/* Paths and reasons share one pool of 64 KiB blocks: paths longer than a
 * quarter block get blocks of their own, and the strings around them stay
 * intact; a folder whose names fill several blocks is read and sorted. */
static void test_long_and_many_paths(void **state)
{
    const char *root = *state;
    make_dir(root, "in");
    char name[256];
    memset(name, 'n', sizeof name);
    for (int i = 0; i < 700; i++) { /* ~180 KiB of names and ~190 KiB of paths */
        snprintf(name + 200, sizeof name - 200, "%04d.yaml", 699 - i);
        char rel[300];
        snprintf(rel, sizeof rel, "in/%s", name);
        make_file(root, rel);
    }
    pf_buf_t huge;
    pf_buf_init(&huge);
    pf_buf_addstr(&huge, root);
    while (huge.len < 40000)
        pf_buf_addstr(&huge, "/very-long-folder-name");
    pf_buf_addstr(&huge, "/x.yaml");
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "missing-1.yaml"));
    pf_scan_add(&s, huge.data);
    pf_scan_add(&s, at(root, "in"));
    pf_scan_add(&s, huge.data); /* not found again, so listed again */
    pf_scan_finish(&s);
    assert_int_equal(s.count, 703);
    assert_string_equal(s.items[0].path, at(root, "missing-1.yaml"));
    assert_string_equal(s.items[0].skip_reason, "no such file or directory");
    assert_string_equal(s.items[1].path, huge.data);
    assert_string_equal(s.items[1].skip_reason, "file name too long");
    for (int i = 0; i < 700; i++) {
        snprintf(name + 200, sizeof name - 200, "%04d.yaml", i);
        char rel[300];
        snprintf(rel, sizeof rel, "in/%s", name);
        assert_string_equal(s.items[2 + i].path, at(root, rel));
        assert_null(s.items[2 + i].skip_reason);
    }
    assert_string_equal(s.items[702].path, huge.data);
    pf_scan_delete(&s);
    pf_buf_delete(&huge);
}

/* The arena's text on its own: small strings pack end to end, large ones
 * do not disturb them, and aligned allocations still come out aligned. */
static void test_arena_text(void **state)
{
    (void)state;
    pf_arena_t pool;
    pf_arena_init(&pool);
    char *small[2000], big[70000];
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char *bigs[3];
    for (int i = 0; i < 2000; i++) {
        char text[32];
        snprintf(text, sizeof text, "s%d", i);
        small[i] = pf_arena_strndup(&pool, text, strlen(text));
        if (i % 700 == 0) bigs[i / 700] = pf_arena_strndup(&pool, big, sizeof big - 1);
    }
    assert_ptr_equal(small[1], small[0] + 3); /* packed: no header, no alignment */
    void *aligned = pf_arena_alloc(&pool, 24);
    assert_int_equal((uintptr_t)aligned % 16, 0);
    assert_int_equal(((unsigned char *)aligned)[23], 0);
    for (int i = 0; i < 2000; i++) {
        char text[32];
        snprintf(text, sizeof text, "s%d", i);
        assert_string_equal(small[i], text);
    }
    for (int i = 0; i < 3; i++)
        assert_string_equal(bigs[i], big);
    assert_string_equal(pf_arena_strndup(&pool, "", 0), "");
    pf_arena_delete(&pool);
    assert_null(pool.head);
}

/* The read refuses a file swapped in after the scan: a link to a file
 * outside the folder, or another file renamed over it; an unchanged file
 * and a link the scan followed inside the folder read as before. */
static const pf_scan_entry_t *entry_named(const pf_scan_t *s, const char *suffix)
{
    size_t n = strlen(suffix);
    for (size_t i = 0; i < s->count; i++) {
        size_t len = strlen(s->items[i].path);
        if (len >= n && strcmp(s->items[i].path + len - n, suffix) == 0) return &s->items[i];
    }
    fail_msg("no entry ends with %s", suffix);
    return NULL;
}

static void test_read_refuses_a_swap(void **state)
{
    const char *root = *state;
    make_tree(root);
    make_file(root, "samples/renamed.yaml");
    make_file(root, "samples/spare.txt");
    make_file(root, "samples/sub/target.txt");
    make_link(root, "sub/target.txt", "samples/via.yaml");
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "samples"));
    char *buf;
    size_t len;
    pf_err_t err;
    const pf_scan_entry_t *e = entry_named(&s, "/b.yaml");
    assert_int_equal(pf_read_file_as(e->path, &e->id, 1 << 20, &buf, &len, &err), 1);
    free(buf);
    e = entry_named(&s, "/via.yaml");
    assert_int_equal(pf_read_file_as(e->path, &e->id, 1 << 20, &buf, &len, &err), 1);
    free(buf);
    /* b.yaml becomes a link to a file outside the folder */
    e = entry_named(&s, "/b.yaml");
    assert_int_equal(unlink(e->path), 0);
    make_link(root, "../outside/x.yaml", "samples/b.yaml");
    assert_int_equal(pf_read_file_as(e->path, &e->id, 1 << 20, &buf, &len, &err), 0);
    assert_string_equal(err.kind, "io.changed");
    assert_null(buf);
    /* renamed.yaml is replaced by another file */
    e = entry_named(&s, "/renamed.yaml");
    assert_int_equal(rename(at(root, "samples/spare.txt"), e->path), 0);
    assert_int_equal(pf_read_file_as(e->path, &e->id, 1 << 20, &buf, &len, &err), 0);
    assert_string_equal(err.kind, "io.changed");
    /* a link the scan followed, now pointing outside */
    e = entry_named(&s, "/via.yaml");
    assert_int_equal(unlink(e->path), 0);
    make_link(root, "../outside/x.yaml", "samples/via.yaml");
    assert_int_equal(pf_read_file_as(e->path, &e->id, 1 << 20, &buf, &len, &err), 0);
    assert_string_equal(err.kind, "io.changed");
    pf_scan_delete(&s);
}

/* The prefetch makes the read's checks and waits for nothing: a FIFO
 * swapped in is not waited on (the open would block without O_NONBLOCK;
 * the alarm fails the test then), a link swapped in or a file gone is no
 * error, and the read after it gives the file's bytes as before. */
static void test_prefetch_waits_for_nothing(void **state)
{
    const char *root = *state;
    make_tree(root);
    make_file(root, "samples/p-fifo.yaml");
    make_file(root, "samples/p-gone.yaml");
    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_add(&s, at(root, "samples"));
    char *buf, *again;
    size_t len, len2;
    pf_err_t err;
    const pf_scan_entry_t *e = entry_named(&s, "/b.yaml");
    assert_int_equal(pf_read_file_as(e->path, &e->id, 1 << 20, &buf, &len, &err), 1);
    pf_prefetch_file_as(e->path, &e->id);
    assert_int_equal(pf_read_file_as(e->path, &e->id, 1 << 20, &again, &len2, &err), 1);
    assert_int_equal(len, len2);
    assert_memory_equal(buf, again, len);
    free(buf);
    free(again);
    alarm(10);
    e = entry_named(&s, "/p-fifo.yaml");
    assert_int_equal(unlink(e->path), 0);
    assert_int_equal(mkfifo(e->path, 0600), 0);
    pf_prefetch_file_as(e->path, &e->id);
    assert_int_equal(pf_read_file_as(e->path, &e->id, 1 << 20, &buf, &len, &err), 0);
    e = entry_named(&s, "/b.yaml");
    assert_int_equal(unlink(e->path), 0);
    make_link(root, "../outside/x.yaml", "samples/b.yaml");
    pf_prefetch_file_as(e->path, &e->id);
    e = entry_named(&s, "/p-gone.yaml");
    assert_int_equal(unlink(e->path), 0);
    pf_prefetch_file_as(e->path, &e->id);
    alarm(0);
    pf_scan_delete(&s);
}

/* A run's own files in its output folder are no intakes, when the folder
 * is the one scanned or a folder inside it; another folder's file of the
 * same name is, and so is the file named on the command line. */
static void test_own_files_passed_over(void **state)
{
    const char *root = *state;
    static const char *const own[] = {"manifest.yaml", NULL};
    make_dir(root, "in");
    make_dir(root, "in/reports");
    make_dir(root, "in/other");
    make_file(root, "in/a.yaml");
    make_file(root, "in/manifest.yaml");
    make_file(root, "in/reports/manifest.yaml");
    make_file(root, "in/reports/kept.yaml");
    make_file(root, "in/other/manifest.yaml");

    pf_scan_t s;
    pf_scan_init(&s);
    pf_scan_skip_own(&s, at(root, "in/reports"), own);
    pf_scan_add(&s, at(root, "in"));
    pf_scan_add(&s, at(root, "in/reports/manifest.yaml"));
    assert_scan(&s, root,
                "T/in/a.yaml\n"
                "T/in/manifest.yaml\n"
                "T/in/other/manifest.yaml\n"
                "T/in/reports/kept.yaml\n"
                "T/in/reports/manifest.yaml\n"); /* the last one named explicitly */
    pf_scan_delete(&s);

    pf_scan_init(&s);
    pf_scan_skip_own(&s, at(root, "in"), own);
    pf_scan_add(&s, at(root, "in"));
    assert_scan(&s, root,
                "T/in/a.yaml\n"
                "T/in/other/manifest.yaml\n"
                "T/in/reports/kept.yaml\n"
                "T/in/reports/manifest.yaml\n");
    pf_scan_delete(&s);

    /* an output folder not made yet changes nothing */
    pf_scan_init(&s);
    pf_scan_skip_own(&s, at(root, "in/new"), own);
    pf_scan_add(&s, at(root, "in/reports"));
    assert_scan(&s, root,
                "T/in/reports/kept.yaml\n"
                "T/in/reports/manifest.yaml\n");
    pf_scan_delete(&s);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_dir, teardown_dir)
    const struct CMUnitTest tests[] = {
        T(test_read_refuses_a_swap),
        T(test_prefetch_waits_for_nothing),
        T(test_folder),
        T(test_trailing_slash_and_repeat),
        T(test_outside_reason_keeps_given_form),
        T(test_explicit_paths),
        T(test_dedupe_across_paths),
        T(test_links_inside),
        T(test_given_folder_is_link),
        T(test_link_to_device_refused),
        T(test_empty_and_plain_folder),
        T(test_depth_limit),
        T(test_unreadable_folder),
        T(test_byte_order),
        T(test_many_files_dedupe),
        T(test_hard_link_listed_once),
        T(test_finish_keeps_entries),
        T(test_long_and_many_paths),
        T(test_arena_text),
        T(test_own_files_passed_over),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
