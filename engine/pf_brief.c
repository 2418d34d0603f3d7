/*
 * pf_brief.c - one intake's brief through the prelude, and a run's briefs
 * written into a hidden folder that replaces briefs/ at the commit.
 */
#define _GNU_SOURCE /* syncfs; nftw */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lua.h>

#include "pf_brief.h"
#include "pf_csv.h"
#include "pf_out.h"
#include "pf_sha256.h"

static const char *const INDEX_COLUMNS[] = {"intake_id", "label", "file", "bytes", "sha256", NULL};

void pf_brief_init(pf_brief_t *b)
{
    pf_buf_init(&b->id);
    pf_buf_init(&b->label);
    pf_buf_init(&b->file);
    pf_buf_init(&b->html);
}

void pf_brief_delete(pf_brief_t *b)
{
    pf_buf_delete(&b->id);
    pf_buf_delete(&b->label);
    pf_buf_delete(&b->file);
    pf_buf_delete(&b->html);
}

int pf_brief_name_ok(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && n <= 200 && name[0] != '.' && !strchr(name, '/') &&
           strcmp(name + n - 5, ".html") == 0;
}

/* One text field of the table on top into buf ("" when not text).
 * [-0, +0, m] */
static void take_field(lua_State *L, const char *key, pf_buf_t *buf)
{
    size_t len = 0;
    lua_getfield(L, -1, key);
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : "";
    pf_buf_reset(buf);
    pf_buf_add(buf, s, len);
    pf_buf_addc(buf, '\0');
    buf->len--; /* NUL-terminated, not counted */
    lua_pop(L, 1);
}

/* Reads the tool's {id, label, file, html}, on top of L's stack. [-0, +0, -] */
static void read_brief(lua_State *L, void *ud)
{
    pf_brief_t *b = ud;
    if (lua_type(L, -1) != LUA_TTABLE) {
        pf_buf_reset(&b->file); /* an unsafe (empty) name: refused by the caller */
        return;
    }
    take_field(L, "id", &b->id);
    take_field(L, "label", &b->label);
    take_field(L, "file", &b->file);
    take_field(L, "html", &b->html);
}

/* The tool's answer checked at the boundary: a plain .html file name. */
static int name_checked(const pf_brief_t *b, pf_err_t *err)
{
    if (b->file.len && pf_brief_name_ok(b->file.data)) return 1;
    pf_err_set(err, "brief.name", 0, 0, "", "the brief's file name '%s' is not a plain .html name",
               b->file.len ? b->file.data : "");
    return 0;
}

int pf_brief_name(pf_eval_t *ev, const pf_value_t *intake, pf_brief_t *b, pf_err_t *err)
{
    pf_buf_reset(&b->file);
    return pf_eval_tool_read(ev, "brief_name", intake, "", read_brief, b, err) &&
           name_checked(b, err);
}

int pf_brief_render(pf_eval_t *ev, const pf_value_t *intake, const char *source, pf_brief_t *b,
                    pf_err_t *err)
{
    pf_buf_reset(&b->file);
    if (!pf_eval_tool_read(ev, "brief", intake, source, read_brief, b, err)) return 0;
    /* rule text on the page as in the reports: bytes that are not clean
     * UTF-8, and control characters other than line ends, shown as \xHH */
    if (!pf_text_clean(b->html.data, b->html.len, 1)) {
        pf_buf_t clean;
        pf_buf_init(&clean);
        pf_text_escape(&clean, b->html.data, b->html.len, 1);
        pf_buf_t tmp = b->html;
        b->html = clean;
        pf_buf_delete(&tmp);
    }
    return name_checked(b, err);
}

/* ---- a run's briefs -------------------------------------------------------------- */

int pf_briefs_begin(pf_briefs_t *bs, const char *out_dir, const char *filter, pf_results_t *res,
                    FILE *log)
{
    memset(bs, 0, sizeof *bs);
    bs->out_dir = out_dir;
    bs->filter = filter && *filter ? filter : NULL;
    bs->log = log;
    pf_brief_init(&bs->page);
    size_t n = strlen(out_dir) + 32;
    bs->tmp_dir = pf_xmalloc(n);
    snprintf(bs->tmp_dir, n, "%s/.briefs-XXXXXX", out_dir);
    if (!mkdtemp(bs->tmp_dir)) {
        fprintf(log, "partnerfit: cannot make a folder for the briefs in %s: %s\n", out_dir,
                strerror(errno));
        free(bs->tmp_dir);
        bs->tmp_dir = NULL;
        return 0;
    }
    chmod(bs->tmp_dir, 0755);
    return pf_results_add_file(res, PF_BRIEFS_INDEX, INDEX_COLUMNS, &res->briefs);
}

/* The index row of one written brief. */
static void index_row(pf_results_t *res, const pf_brief_t *b, const char *hex)
{
    pf_buf_t *l = &res->line;
    size_t cells = 0;
    char path[256];
    snprintf(path, sizeof path, "%s/%s", PF_BRIEFS_DIR, b->file.data);
    pf_buf_reset(l);
    pf_csv_cell_text(l, &cells, b->id.data, b->id.len, res->style);
    pf_csv_cell_text(l, &cells, b->label.data, b->label.len, res->style);
    pf_csv_cell_text(l, &cells, path, strlen(path), res->style);
    pf_csv_cell_int(l, &cells, (long long)b->html.len, res->style);
    pf_csv_cell_text(l, &cells, hex, 64, res->style);
    pf_csv_end_row(l, &cells, res->style);
    pf_results_write(res, res->briefs, l->data, l->len, 1);
}

/* Writes the page into the hidden folder: 1, or 2 when a brief of that
 * name was written before in this run (a duplicate id keeps the first, as
 * the reports do), 0 after saying why. Not synced one by one: the folder
 * is synced once before it is put in place (pf_briefs_commit). */
static int write_page(pf_briefs_t *bs, const pf_brief_t *b)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", bs->tmp_dir, b->file.data);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 && errno == EEXIST) {
        /* ids are unique in the reports, so two of them met on one name */
        fprintf(bs->log,
                "partnerfit: the brief of '%s' is not written: an earlier intake's brief has "
                "its file name %s\n",
                b->id.data, b->file.data);
        bs->skipped++;
        return 2;
    }
    size_t done = 0;
    while (fd >= 0 && done < b->html.len) {
        ssize_t n = write(fd, b->html.data + done, b->html.len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += (size_t)n;
    }
    int e = fd < 0 || done < b->html.len ? (errno ? errno : EIO) : 0;
    if (fd >= 0 && close(fd) != 0 && !e) e = errno;
    if (!e) return 1;
    fprintf(bs->log, "partnerfit: cannot write the brief %s: %s\n", path, strerror(e));
    return 0;
}

int pf_briefs_add(pf_briefs_t *bs, pf_eval_t *ev, pf_results_t *res, const pf_value_t *intake,
                  const char *source)
{
    pf_brief_t *b = &bs->page;
    pf_err_t err;
    if (bs->filter &&
        (!pf_brief_name(ev, intake, b, &err) || fnmatch(bs->filter, b->id.data, 0) != 0))
        return 1;
    if (!pf_brief_render(ev, intake, source, b, &err)) {
        /* evaluated in the reports, yet its page failed (a limit met while
         * the page was made): said, counted, the run goes on */
        pf_log_error(bs->log, source, &err);
        bs->skipped++;
        return 1;
    }
    int wrote = write_page(bs, b);
    if (wrote != 1) return wrote == 2;
    char hex[65];
    pf_sha256_hex(b->html.data, b->html.len, hex);
    index_row(res, b, hex);
    bs->written++;
    return 1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path); /* best effort: what cannot go stays */
    return 0;
}

static void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int pf_briefs_may_replace(const char *out_dir, int ours, FILE *log)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", out_dir, PF_BRIEFS_DIR);
    if (lstat(path, &st) != 0) return 1;
    if (S_ISDIR(st.st_mode) && ours) return 1;
    fprintf(log,
            "partnerfit: %s exists and is not a briefs folder a previous run wrote (%s); "
            "nothing written: move it, or write to another --out\n",
            path,
            S_ISDIR(st.st_mode) ? "the previous manifest lists no briefs.csv"
                                : "it is not a folder");
    return 0;
}

int pf_briefs_commit(pf_briefs_t *bs)
{
    if (!bs->tmp_dir) return 0;
    char final[4096];
    snprintf(final, sizeof final, "%s/%s", bs->out_dir, PF_BRIEFS_DIR);
    /* every brief on disk before the folder takes its name */
    int dfd = open(bs->tmp_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || syncfs(dfd) != 0) {
        fprintf(bs->log, "partnerfit: cannot sync the briefs in %s: %s\n", bs->tmp_dir,
                strerror(errno));
        if (dfd >= 0) close(dfd);
        return 0;
    }
    close(dfd);
    struct stat st;
    int had = lstat(final, &st) == 0;
    /* one rename: briefs/ is never missing, and the old one is then under
     * the hidden name, removed below (or by the next run's sweep) */
    int rc = had ? renameat2(AT_FDCWD, bs->tmp_dir, AT_FDCWD, final, RENAME_EXCHANGE)
                 : rename(bs->tmp_dir, final);
    if (rc != 0) {
        fprintf(bs->log, "partnerfit: cannot put the briefs in place at %s: %s\n", final,
                strerror(errno));
        return 0;
    }
    if (had) remove_tree(bs->tmp_dir);
    free(bs->tmp_dir);
    bs->tmp_dir = NULL;
    pf_err_t err;
    if (pf_out_sync_dir(bs->out_dir, &err)) return 1;
    pf_log_error(bs->log, NULL, &err);
    return 0;
}

void pf_briefs_delete(pf_briefs_t *bs)
{
    if (bs->tmp_dir) remove_tree(bs->tmp_dir);
    free(bs->tmp_dir);
    bs->tmp_dir = NULL;
    pf_brief_delete(&bs->page);
}

void pf_briefs_remove_stale(const char *out_dir)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", out_dir, PF_BRIEFS_INDEX);
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) remove(path);
    snprintf(path, sizeof path, "%s/%s", out_dir, PF_BRIEFS_DIR);
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) remove_tree(path);
}

void pf_briefs_sweep(const char *out_dir)
{
    DIR *d = opendir(out_dir);
    if (!d) return;
    struct dirent *de;
    char path[4096];
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, ".briefs-", 8) != 0) continue;
        snprintf(path, sizeof path, "%s/%s", out_dir, de->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) remove_tree(path);
    }
    closedir(d);
}
