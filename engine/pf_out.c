/*
 * pf_out.c - report files that appear whole or not at all.
 *
 * A report is written to ".NAME.tmp.XXXXXX" beside its final name (hidden,
 * so a consumer's "*.csv" glob never sees it, and on the same file system,
 * so rename() is atomic), then flushed, fsynced, closed with every error
 * checked, renamed over NAME, and the folder is fsynced so the rename
 * survives a crash. Any failure removes the temporary file; a run killed
 * outright leaves one behind, which pf_out_sweep() removes next time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_out.h"

static const char tmp_tag[] = ".tmp.";
#define TMP_TAG_LEN (sizeof tmp_tag - 1)
#define TMP_RAND_LEN 6          /* the XXXXXX of mkstemp */
#define OUT_BUFFER (128u << 10) /* stdio buffer per report */

/* strerror is thread-safe in glibc since 2.32 (it no longer shares a
 * buffer for known error numbers), which is all this program targets. */
static void io_error(pf_err_t *err, int errnum, const char *what, const char *path)
{
    if (err) pf_err_set(err, "io", 0, 0, "", "%s %s: %s", what, path, strerror(errnum));
}

/* dir + "/" + name, without doubling a slash that dir already ends with. */
static char *join_path(const char *dir, const char *prefix, const char *name, const char *suffix)
{
    pf_buf_t b;
    pf_buf_init(&b);
    pf_buf_addstr(&b, *dir ? dir : ".");
    if (b.data[b.len - 1] != '/') pf_buf_addc(&b, '/');
    pf_buf_printf(&b, "%s%s%s", prefix, name, suffix);
    return b.data;
}

/* The folder part of path: "a/b/c" -> "a/b", "/c" -> "/", "c" -> ".". */
static char *parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return pf_xstrdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *dir = pf_xmalloc(n + 1);
    memcpy(dir, path, n);
    dir[n] = '\0';
    return dir;
}

/* ---- folders ---------------------------------------------------------- */

/* Creates one folder of a chain; an existing folder is fine. */
static int make_one_dir(const char *path, pf_err_t *err)
{
    if (mkdir(path, 0755) == 0) return 1;
    int e = errno;
    /* Ask stat rather than trusting EEXIST: on a read-only file system an
     * existing folder can give EROFS instead. */
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return 1;
        if (err)
            pf_err_set(err, "io", 0, 0, "",
                       "cannot create folder %s: it exists and is not a folder", path);
        return 0;
    }
    io_error(err, e, "cannot create folder", path);
    return 0;
}

int pf_out_mkdirs(const char *dir, pf_err_t *err)
{
    if (!dir || !*dir) {
        if (err) pf_err_set(err, "io", 0, 0, "", "cannot create a folder with an empty name");
        return 0;
    }
    char *path = pf_xstrdup(dir);
    int ok = 1;
    /* Create each prefix that ends before a slash, then the whole path;
     * starting at index 1 skips the root of an absolute path. */
    for (char *p = path + 1; ok; p++) {
        if (*p != '/' && *p != '\0') continue;
        char saved = *p;
        *p = '\0';
        ok = make_one_dir(path, err);
        *p = saved;
        if (saved == '\0') break;
    }
    free(path);
    return ok;
}

int pf_out_sync_dir(const char *dir, pf_err_t *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        io_error(err, errno, "cannot open folder", dir);
        return 0;
    }
    /* EINVAL: the file system cannot sync folders; nothing more to do. */
    if (fsync(fd) != 0 && errno != EINVAL) {
        int e = errno;
        close(fd);
        io_error(err, e, "cannot sync folder", dir);
        return 0;
    }
    close(fd);
    return 1;
}

/* ---- report files ------------------------------------------------------- */

/* A report name is one plain file name: no folders, nothing hidden that
 * could collide with the temporary names. */
static int valid_name(const char *name)
{
    return name && *name && name[0] != '.' && !strchr(name, '/');
}

static void remove_tmp(pf_out_file_t *f)
{
    if (f->tmp_path) unlink(f->tmp_path);
    free(f->tmp_path);
    f->tmp_path = NULL;
}

/* mkstemp's descriptor as a buffered stream: close-on-exec so rule code
 * never inherits it, and 0644 whatever the umask, as reports are shared. */
static int open_stream(pf_out_file_t *f, int fd, pf_err_t *err)
{
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || fchmod(fd, 0644) != 0) {
        io_error(err, errno, "cannot prepare temporary file", f->tmp_path);
        close(fd);
        return 0;
    }
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        io_error(err, errno, "cannot open temporary file", f->tmp_path);
        close(fd);
        return 0;
    }
    /* Reports grow by several KB per intake: stdio's few-KB buffer would
     * make that one write(2) per report per intake. (glibc ignores the size
     * unless it is given the buffer.) */
    f->iobuf = pf_xmalloc(OUT_BUFFER);
    setvbuf(f->fp, f->iobuf, _IOFBF, OUT_BUFFER);
    return 1;
}

int pf_out_open(pf_out_file_t *f, const char *dir, const char *name, pf_err_t *err)
{
    memset(f, 0, sizeof *f);
    if (!valid_name(name)) {
        if (err)
            pf_err_set(err, "io", 0, 0, "", "'%s' is not a valid report file name",
                       name ? name : "");
        return 0;
    }
    f->final_path = join_path(dir, "", name, "");
    f->tmp_path = join_path(dir, ".", name, ".tmp.XXXXXX");
    int fd = mkstemp(f->tmp_path);
    if (fd < 0) {
        /* mkstemp may have changed the template: name the target instead. */
        io_error(err, errno, "cannot create a temporary file for", f->final_path);
        free(f->tmp_path);
        f->tmp_path = NULL;
        pf_out_abort(f);
        return 0;
    }
    if (!open_stream(f, fd, err)) {
        pf_out_abort(f);
        return 0;
    }
    return 1;
}

int pf_out_write(pf_out_file_t *f, const void *p, size_t n)
{
    if (!f->fp || f->failed) return 0;
    if (n == 0) return 1;
    errno = 0;
    if (fwrite(p, 1, n, f->fp) == n) return 1;
    f->failed = 1;
    f->write_errno = errno ? errno : EIO;
    return 0;
}

/* The first error of flush, fsync and close; 0 if all went well. The
 * stream is closed in every case. */
static int close_stream(pf_out_file_t *f)
{
    int e = f->failed ? f->write_errno : 0;
    errno = 0;
    if (!e && (fflush(f->fp) != 0 || ferror(f->fp))) e = errno ? errno : EIO;
    /* EINVAL: the file system cannot sync; the data still went to it. */
    if (!e && fsync(fileno(f->fp)) != 0 && errno != EINVAL) e = errno;
    errno = 0;
    if (fclose(f->fp) != 0 && !e) e = errno ? errno : EIO;
    f->fp = NULL;
    free(f->iobuf);
    f->iobuf = NULL;
    return e;
}

int pf_out_finish(pf_out_file_t *f, pf_err_t *err)
{
    if (!f->fp) {
        if (err)
            pf_err_set(err, "io", 0, 0, "", "report %s is not open for writing",
                       f->final_path ? f->final_path : "(none)");
        return 0;
    }
    int e = close_stream(f);
    if (e == 0) return 1;
    if (err)
        pf_err_set(err, "io", 0, 0, "", "cannot write %s (temporary file %s): %s", f->final_path,
                   f->tmp_path, strerror(e));
    remove_tmp(f);
    return 0;
}

int pf_out_rename(pf_out_file_t *f, pf_err_t *err)
{
    if (f->fp && !pf_out_finish(f, err)) return 0;
    if (!f->tmp_path) {
        if (err)
            pf_err_set(err, "io", 0, 0, "", "report %s has no finished file to rename",
                       f->final_path ? f->final_path : "(none)");
        return 0;
    }
    if (rename(f->tmp_path, f->final_path) != 0) {
        if (err)
            pf_err_set(err, "io", 0, 0, "", "cannot rename %s to %s: %s", f->tmp_path,
                       f->final_path, strerror(errno));
        remove_tmp(f);
        return 0;
    }
    free(f->tmp_path);
    f->tmp_path = NULL;
    return 1;
}

int pf_out_write_file(const char *path, const void *p, size_t n, pf_err_t *err)
{
    char *dir = pf_xstrdup(path), *slash = strrchr(dir, '/');
    const char *name = slash ? slash + 1 : path;
    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    pf_out_file_t f = {0};
    int ok = pf_out_open(&f, dir[0] ? dir : "/", name, err) && pf_out_write(&f, p, n) &&
             pf_out_commit(&f, err);
    if (!ok && f.failed && err)
        pf_err_set(err, "io", 0, 0, "", "cannot write %s: %s", path, strerror(f.write_errno));
    pf_out_abort(&f);
    free(dir);
    return ok;
}

int pf_out_commit(pf_out_file_t *f, pf_err_t *err)
{
    int ok = pf_out_rename(f, err);
    if (ok) {
        char *dir = parent_dir(f->final_path);
        ok = pf_out_sync_dir(dir, err);
        free(dir);
    }
    pf_out_abort(f);
    return ok;
}

void pf_out_abort(pf_out_file_t *f)
{
    if (f->fp) fclose(f->fp);
    f->fp = NULL;
    free(f->iobuf);
    remove_tmp(f);
    free(f->final_path);
    memset(f, 0, sizeof *f);
}

/* ---- sweeping ---------------------------------------------------------- */

/* Not isalnum(): that would depend on the locale. */
static int is_ascii_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ".NAME.tmp.XXXXXX" with a non-empty NAME and mkstemp's six letters or
 * digits: exactly the names pf_out_open makes, nothing a person would. */
static int is_stale_tmp(const char *name)
{
    size_t len = strlen(name);
    if (name[0] != '.' || len < 2 + TMP_TAG_LEN + TMP_RAND_LEN) return 0;
    const char *tag = name + len - TMP_RAND_LEN - TMP_TAG_LEN;
    if (memcmp(tag, tmp_tag, TMP_TAG_LEN) != 0) return 0;
    for (const char *p = tag + TMP_TAG_LEN; *p; p++)
        if (!is_ascii_alnum(*p)) return 0;
    return 1;
}

void pf_out_sweep(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    /* Collect first: unlinking while readdir runs may skip or repeat names. */
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!is_stale_tmp(de->d_name)) continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 8;
            names = pf_xrealloc(names, cap * sizeof *names);
        }
        names[count++] = pf_xstrdup(de->d_name);
    }
    int dfd = dirfd(d);
    for (size_t i = 0; i < count; i++) {
        struct stat st;
        /* Only regular files: never follow a link or remove a folder. */
        if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            unlinkat(dfd, names[i], 0);
        free(names[i]);
    }
    free(names);
    closedir(d);
}
