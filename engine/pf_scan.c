/*
 * pf_scan.c - deterministic discovery of intake files.
 *
 * The order of the list decides the order of the report rows, so it must not
 * depend on the file system: folder entries are sorted by their bytes. The
 * walk never reads a file; it only decides which paths the reader may open
 * and explains every intake-looking path it will not take. Symbolic links
 * are followed only while they stay inside the folder given, so a link in a
 * drop folder cannot make the batch read (and report on) /etc or /dev.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "pf_common.h"
#include "pf_scan.h"

/* ---- the (dev, ino) set --------------------------------------------------- */

/* Records the object st describes; returns 0 if it was recorded before
 * (or the set's file failed: then the scan is marked failed, and nothing
 * more is listed). */
static int seen_add(pf_scan_t *s, const struct stat *st)
{
    if (s->failed) return 0;
    uint64_t key[2] = {(uint64_t)st->st_dev, (uint64_t)st->st_ino};
    int rc = pf_spill_set_claim(&s->seen, key, sizeof key, NULL, 0, NULL);
    if (rc < 0) s->failed = 1;
    return rc == 1;
}

/* ---- entries ---------------------------------------------------------------- */

/* One entry, in order: handed to the sink, or kept in the list. */
static void add_entry_as(pf_scan_t *s, const char *path, const char *reason, const pf_file_id_t *id)
{
    pf_scan_entry_t e = {(char *)path, (char *)reason, {0, 0, 0}};
    if (id) e.id = *id;
    if (s->failed) return;
    s->count++;
    if (s->sink) {
        if (!s->sink(s->sink_ctx, &e)) s->failed = 1;
        return;
    }
    if (s->count > s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->items = pf_xrealloc(s->items, s->cap * sizeof *s->items);
    }
    e.path = pf_arena_strndup(&s->strings, path, strlen(path));
    e.skip_reason = reason ? pf_arena_strndup(&s->strings, reason, strlen(reason)) : NULL;
    s->items[s->count - 1] = e;
}

static void add_entry(pf_scan_t *s, const char *path, const char *reason)
{
    add_entry_as(s, path, reason, NULL);
}

/* The system's message as a reason: "no such file or directory". strerror
 * is thread-safe in glibc since 2.32, which is all this program targets. */
static void add_errno(pf_scan_t *s, const char *path, int errnum)
{
    char reason[256];
    snprintf(reason, sizeof reason, "%s", strerror(errnum));
    if (reason[0] >= 'A' && reason[0] <= 'Z') reason[0] = (char)(reason[0] - 'A' + 'a');
    add_entry(s, path, reason);
}

static const char *not_regular_reason(mode_t mode)
{
    if (S_ISDIR(mode)) return "is a folder, not a regular file";
    if (S_ISFIFO(mode)) return "is a FIFO, not a regular file";
    if (S_ISSOCK(mode)) return "is a socket, not a regular file";
    if (S_ISCHR(mode)) return "is a character device, not a regular file";
    if (S_ISBLK(mode)) return "is a block device, not a regular file";
    return "is not a regular file";
}

/* Lists a file once, with what it is now (st: after following a link, if
 * via_link); anything but a regular file gets its reason. */
static void take_file(pf_scan_t *s, const char *path, const struct stat *st, int via_link)
{
    if (!seen_add(s, st)) return;
    pf_file_id_t id = {(unsigned long long)st->st_dev, (unsigned long long)st->st_ino, via_link};
    add_entry_as(s, path, S_ISREG(st->st_mode) ? NULL : not_regular_reason(st->st_mode), &id);
}

/* ---- helpers ---------------------------------------------------------------- */

/* Whether s ends with suffix, ASCII letters in any case. */
static int ends_with_nocase(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Kestrel.YAML is as much an intake as kestrel.yaml: exports from other
 * systems often write extensions in capitals. */
static int is_yaml_name(const char *name)
{
    return ends_with_nocase(name, ".yaml") || ends_with_nocase(name, ".yml");
}

/* dir + "/" + name, without doubling a slash that dir already ends with. */
static char *join_path(const char *dir, const char *name)
{
    pf_buf_t b;
    pf_buf_init(&b);
    pf_buf_addstr(&b, dir);
    if (b.len == 0 || b.data[b.len - 1] != '/') pf_buf_addc(&b, '/');
    pf_buf_addstr(&b, name);
    return b.data;
}

/* 1 if the resolved path real is root itself or lies below it. */
static int path_inside(const char *real, const char *root)
{
    size_t n = strlen(root);
    if (n == 1 && root[0] == '/') return 1;
    return strncmp(real, root, n) == 0 && (real[n] == '\0' || real[n] == '/');
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in one folder: their bytes packed in a pool (a folder may hold
 * a whole batch), and an array of them to sort. */
typedef struct names {
    pf_arena_t pool;
    char **list;
    size_t count;
} names_t;

static void names_delete(names_t *n)
{
    pf_arena_delete(&n->pool);
    free(n->list);
}

/* The names in a folder, sorted by strcmp. Returns 0 with *errnum set if
 * the folder cannot be opened or read to the end. */
static int read_names(const char *dir, names_t *out, int *errnum)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (!d) {
        *errnum = errno;
        return 0;
    }
    size_t cap = 0;
    struct dirent *de;
    for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        if (out->count == cap) {
            cap = cap ? cap * 2 : 16;
            out->list = pf_xrealloc(out->list, cap * sizeof *out->list);
        }
        out->list[out->count++] = pf_arena_strndup(&out->pool, de->d_name, strlen(de->d_name));
    }
    *errnum = errno;
    closedir(d);
    if (*errnum) {
        names_delete(out);
        return 0;
    }
    if (out->count > 1) qsort(out->list, out->count, sizeof *out->list, compare_names);
    return 1;
}

/* ---- the walk ---------------------------------------------------------------- */

typedef struct walk {
    pf_scan_t *s;
    const char *given;     /* the path as given, for reasons */
    const char *root_real; /* its resolved form, the bound for links */
} walk_t;

static void walk_dir(const walk_t *w, const char *dir, const struct stat *st, int depth);

/* Decides about a symbolic link met inside a folder. Returns 1 and the
 * target's stat in *st when it is to be followed. */
static int follow_link(const walk_t *w, const char *path, int yaml, struct stat *st)
{
    char *real = realpath(path, NULL);
    if (!real || stat(path, st) != 0) {
        if (yaml) add_entry(w->s, path, "symbolic link leads nowhere");
        free(real);
        return 0;
    }
    int inside = path_inside(real, w->root_real);
    free(real);
    if (inside) return 1;
    /* A link to an outside folder could hide intakes, so say so too. */
    if (yaml || S_ISDIR(st->st_mode)) {
        pf_buf_t reason;
        pf_buf_init(&reason);
        pf_buf_printf(&reason, "symbolic link leads outside %s%s", w->given,
                      w->given[0] && w->given[strlen(w->given) - 1] == '/' ? "" : "/");
        add_entry(w->s, path, reason.data);
        pf_buf_delete(&reason);
    }
    return 0;
}

/* The names the run itself writes in the folder with the stat st, when it
 * is the run's output folder (pf_scan_skip_own); else NULL. */
static const char *const *own_names_in(const pf_scan_t *s, const struct stat *st)
{
    if (!s->has_own || (unsigned long long)st->st_dev != s->own.dev ||
        (unsigned long long)st->st_ino != s->own.ino)
        return NULL;
    return s->own_names;
}

static int listed(const char *const *names, const char *name)
{
    for (const char *const *n = names; n && *n; n++)
        if (strcmp(*n, name) == 0) return 1;
    return 0;
}

/* One name inside a folder: only *.yaml and *.yml are taken, and every
 * folder is entered, whatever its name. own: the name is one of the run's
 * own files in its output folder, not an intake. */
static void visit(const walk_t *w, const char *dir, const char *name, int depth, int own)
{
    char *path = join_path(dir, name);
    int yaml = is_yaml_name(name) && !own;
    struct stat st;
    int via_link = 0;
    if (lstat(path, &st) != 0) {
        if (yaml) add_errno(w->s, path, errno); /* vanished while we looked */
    } else if (S_ISLNK(st.st_mode) && !(via_link = follow_link(w, path, yaml, &st))) {
        /* reported or ignored by follow_link */
    } else if (S_ISDIR(st.st_mode)) {
        walk_dir(w, path, &st, depth + 1); /* x.yaml/ is a folder like any other */
    } else if (yaml) {
        take_file(w->s, path, &st, via_link);
    }
    free(path);
}

static void walk_dir(const walk_t *w, const char *dir, const struct stat *st, int depth)
{
    if (depth > PF_SCAN_MAX_DEPTH) {
        pf_buf_t reason;
        pf_buf_init(&reason);
        pf_buf_printf(&reason, "folders nest more than %d levels deep here", PF_SCAN_MAX_DEPTH);
        add_entry(w->s, dir, reason.data);
        pf_buf_delete(&reason);
        return;
    }
    /* A folder met again (a link to an ancestor, or two links to one
     * folder) has had its files listed already; entering it would loop. */
    if (!seen_add(w->s, st)) return;
    names_t names;
    int errnum;
    if (!read_names(dir, &names, &errnum)) {
        add_errno(w->s, dir, errnum);
        return;
    }
    /* The folder is closed again before descending, so deep trees do not
     * hold one descriptor per level. */
    const char *const *own = own_names_in(w->s, st);
    for (size_t i = 0; i < names.count; i++)
        visit(w, dir, names.list[i], depth, listed(own, names.list[i]));
    names_delete(&names);
}

/* ---- public -------------------------------------------------------------------- */

void pf_scan_init(pf_scan_t *s)
{
    pf_scan_init_in(s, NULL, NULL, NULL);
}

void pf_scan_init_in(pf_scan_t *s, const char *dir, pf_scan_sink_t sink, void *ctx)
{
    memset(s, 0, sizeof *s);
    pf_spill_set_init(&s->seen, dir, pf_spill_budget());
    s->sink = sink;
    s->sink_ctx = ctx;
}

void pf_scan_delete(pf_scan_t *s)
{
    free(s->items);
    pf_arena_delete(&s->strings);
    pf_spill_set_delete(&s->seen);
    pf_scan_init(s);
}

void pf_scan_finish(pf_scan_t *s)
{
    pf_spill_set_delete(&s->seen);
    s->finished = 1;
}

void pf_scan_skip_own(pf_scan_t *s, const char *dir, const char *const *own_names)
{
    struct stat st;
    s->has_own = 0;
    if (!dir || !own_names || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) return;
    s->has_own = 1;
    s->own.dev = (unsigned long long)st.st_dev;
    s->own.ino = (unsigned long long)st.st_ino;
    s->own_names = own_names;
}

void pf_scan_add(pf_scan_t *s, const char *path)
{
    if (s->finished) {
        fprintf(stderr, "partnerfit: internal error: a path added to a finished scan\n");
        abort();
    }
    struct stat st;
    if (lstat(path, &st) != 0) {
        add_errno(s, path, errno);
        return;
    }
    /* A path named on the command line is followed wherever it leads: the
     * operator chose it. */
    int via_link = S_ISLNK(st.st_mode);
    if (via_link && stat(path, &st) != 0) {
        add_entry(s, path, "symbolic link leads nowhere");
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        take_file(s, path, &st, via_link);
        return;
    }
    char *real = realpath(path, NULL);
    if (!real) {
        add_errno(s, path, errno);
        return;
    }
    walk_t w = {s, path, real};
    walk_dir(&w, path, &st, 0);
    free(real);
}
