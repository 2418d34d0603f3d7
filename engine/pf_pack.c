/*
 * pf_pack.c - a rule pack read once into memory (see pf_pack.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_pack.h"
#include "pf_sha256.h"

static void add_error(pf_errlist_t *errs, const char *fmt, const char *a, const char *b)
{
    pf_err_t *e = pf_errlist_add(errs);
    snprintf(e->kind, sizeof e->kind, "rules.io");
    snprintf(e->msg, sizeof e->msg, fmt, a, b);
}

static int by_name(const void *a, const void *b)
{
    /* strcmp order: byte-wise, the same on every machine and locale */
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the *.lua files in dir; NULL-terminated, malloc'd. */
static char **list_rule_files(const char *dir, size_t *count, pf_errlist_t *errs)
{
    DIR *d = opendir(dir);
    if (!d) {
        add_error(errs, "%.200s: cannot open the rules folder: %.200s", dir, strerror(errno));
        return NULL;
    }
    size_t n = 0, cap = 16;
    char **names = pf_xmalloc(cap * sizeof *names);
    for (struct dirent *de; (de = readdir(d));) {
        size_t len = strlen(de->d_name);
        if (len < 5 || de->d_name[0] == '.' || strcmp(de->d_name + len - 4, ".lua") != 0) continue;
        if (n + 1 >= cap) names = pf_xrealloc(names, (cap *= 2) * sizeof *names);
        names[n++] = pf_xstrdup(de->d_name);
    }
    closedir(d);
    names[n] = NULL;
    qsort(names, n, sizeof *names, by_name);
    *count = n;
    return names;
}

void pf_pack_delete(pf_pack_t *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->count; i++) {
        free(p->files[i].display);
        free(p->files[i].bytes);
    }
    free(p->files);
    free(p);
}

pf_pack_t *pf_pack_read(const char *dir, pf_errlist_t *errs)
{
    size_t before = errs->count, n = 0;
    char **names = list_rule_files(dir, &n, errs);
    if (!names) return NULL;
    if (n == 0) add_error(errs, "%.200s: the rules folder holds no .lua files%s", dir, "");
    pf_pack_t *p = pf_xcalloc(1, sizeof *p);
    p->files = pf_xcalloc(n ? n : 1, sizeof *p->files);
    size_t dlen = strlen(dir);
    while (dlen > 1 && dir[dlen - 1] == '/')
        dlen--;
    pf_sha256_t sha;
    pf_sha256_init(&sha);
    for (size_t i = 0; i < n; i++) {
        pf_buf_t display;
        pf_buf_init(&display);
        pf_buf_printf(&display, "%.*s/%s", (int)dlen, dir, names[i]);
        pf_pack_file_t *f = &p->files[p->count];
        pf_err_t ioerr;
        if (!pf_read_file(display.data, PF_PACK_FILE_MAX, &f->bytes, &f->len, &ioerr)) {
            add_error(errs, "%.200s: %.800s", display.data, ioerr.msg);
            pf_buf_delete(&display);
            continue;
        }
        f->display = display.data; /* the buffer's bytes are the pack's now */
        pf_sha256_update(&sha, f->display, strlen(f->display) + 1);
        pf_sha256_update(&sha, f->bytes, f->len);
        p->count++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    unsigned char digest[32];
    pf_sha256_final(&sha, digest);
    pf_sha256_tohex(digest, p->digest);
    if (errs->count != before) {
        pf_pack_delete(p);
        return NULL;
    }
    return p;
}
