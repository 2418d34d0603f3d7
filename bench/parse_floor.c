/*
 * parse_floor.c - the benchmark's floors, on one thread (bench/run.sh).
 *
 *   parse_floor PATH...                       the parse-only floor
 *   parse_floor --write REF OUT PATH...       the re-based floor
 *
 * Each PATH is a file or a folder walked recursively (*.yaml, *.yml, names
 * sorted like partnerfit's scan). Every file is read whole into memory and
 * pulled through yaml_parser_parse() event by event to the end of the
 * stream; the events are counted and dropped. No tree, no validation.
 *
 * The parse-only floor writes nothing: whatever partnerfit does above it is
 * its own cost. The re-based floor (issue 16) also writes what a run must
 * write: the CSV reports of a partnerfit run over the same PATHs (REF, its
 * --out folder) are loaded before the clock starts; then, after each intake
 * file is parsed, the next group of rows of every report (rows in a row
 * with the same first cell: one intake's rows in the per-intake reports)
 * goes out through libcsv's csv_write() (numbers unquoted, as partnerfit
 * writes them) into a 128 KiB stdio buffer, with SHA-256 over every byte;
 * what is left goes out at the end, then each file is fsynced and renamed
 * into OUT and OUT is fsynced. So the floor writes the bytes partnerfit
 * wrote, in its cadence, and pays what any program writing them must pay.
 *
 * Prints: files, bytes, events, parse errors; with --write also the rows
 * and bytes written and "elapsed_s", the time from the first file to the
 * last rename (the load of REF left out).
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <csv.h>
#include <yaml.h>

#include "pf_sha256.h"

#define MAX_REPORTS 16

/* One report of REF: its cells end to end, each row a run of cells, and
 * where the writer stands. */
typedef struct report {
    char name[256];
    char *text;      /* every cell's bytes, end to end */
    size_t text_len, text_cap;
    size_t *cell_end; /* cell i is text[cell_end[i-1] .. cell_end[i]) */
    size_t ncells, cells_cap;
    size_t *row_end; /* row r is cells [row_end[r-1] .. row_end[r]) */
    size_t nrows, rows_cap;
    size_t next_row; /* the first row not yet written */
    FILE *out;
    pf_sha256_t sha;
    char *scratch;
    size_t scratch_cap;
} report_t;

typedef struct totals {
    unsigned long files, errors;
    unsigned long long bytes, events;
    char *buf;
    size_t cap;
    report_t *reports; /* NULL for the parse-only floor */
    int nreports;
    unsigned long long rows_out, bytes_out;
} totals_t;

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return p;
    size_t c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    p = realloc(p, c * size);
    if (!p) abort();
    *cap = c;
    return p;
}

/* ---- loading REF (before the clock) ---- */

static void on_cell(void *s, size_t len, void *data)
{
    report_t *r = data;
    r->text = grow(r->text, &r->text_cap, r->text_len + len, 1);
    if (len) memcpy(r->text + r->text_len, s, len);
    r->text_len += len;
    r->cell_end = grow(r->cell_end, &r->cells_cap, r->ncells + 1, sizeof *r->cell_end);
    r->cell_end[r->ncells++] = r->text_len;
}

static void on_row(int c, void *data)
{
    (void)c;
    report_t *r = data;
    r->row_end = grow(r->row_end, &r->rows_cap, r->nrows + 1, sizeof *r->row_end);
    r->row_end[r->nrows++] = r->ncells;
}

static void load_report(report_t *r, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (csv_parse(&p, chunk, n, on_cell, on_row, r) != n) {
            fprintf(stderr, "%s: %s\n", path, csv_strerror(csv_error(&p)));
            exit(2);
        }
    csv_fini(&p, on_cell, on_row, r);
    csv_free(&p);
    fclose(f);
}

static int is_csv(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".csv") == 0 && name[0] != '.';
}

static int load_reports(totals_t *t, const char *ref)
{
    DIR *d = opendir(ref);
    if (!d) {
        perror(ref);
        exit(2);
    }
    t->reports = calloc(MAX_REPORTS, sizeof *t->reports);
    if (!t->reports) abort();
    for (struct dirent *de; (de = readdir(d));) {
        if (!is_csv(de->d_name) || t->nreports == MAX_REPORTS || strlen(de->d_name) >= 200) continue;
        report_t *r = &t->reports[t->nreports++];
        snprintf(r->name, sizeof r->name, "%s", de->d_name);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", ref, de->d_name);
        load_report(r, path);
    }
    closedir(d);
    return t->nreports;
}

/* ---- writing (on the clock) ---- */

static const char *cell(const report_t *r, size_t i, size_t *len)
{
    size_t from = i ? r->cell_end[i - 1] : 0;
    *len = r->cell_end[i] - from;
    return r->text + from;
}

/* A report cell that partnerfit writes bare: a plain decimal number. */
static int is_number(const char *s, size_t len)
{
    size_t i = len && s[0] == '-' ? 1 : 0, digits = 0, dots = 0;
    for (; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else if (s[i] == '.' && dots++ == 0)
            continue;
        else
            return 0;
    }
    return digits > 0;
}

static void put(totals_t *t, report_t *r, const void *p, size_t len)
{
    if (fwrite(p, 1, len, r->out) != len) abort();
    pf_sha256_update(&r->sha, p, len);
    t->bytes_out += len;
}

static void write_row(totals_t *t, report_t *r, size_t row)
{
    size_t first = row ? r->row_end[row - 1] : 0;
    for (size_t i = first; i < r->row_end[row]; i++) {
        size_t len;
        const char *s = cell(r, i, &len);
        if (i > first) put(t, r, ",", 1);
        if (is_number(s, len)) {
            put(t, r, s, len);
            continue;
        }
        r->scratch = grow(r->scratch, &r->scratch_cap, 2 * len + 2, 1);
        put(t, r, r->scratch, csv_write(r->scratch, r->scratch_cap, s, len));
    }
    put(t, r, "\n", 1);
    t->rows_out++;
}

/* The first cell of a row ("" for an empty row). */
static const char *row_key(const report_t *r, size_t row, size_t *len)
{
    size_t first = row ? r->row_end[row - 1] : 0;
    if (r->row_end[row] == first) {
        *len = 0;
        return "";
    }
    return cell(r, first, len);
}

/* The next run of rows whose first cell is the same. */
static void write_group(totals_t *t, report_t *r)
{
    if (r->next_row >= r->nrows) return;
    size_t klen, len;
    const char *key = row_key(r, r->next_row, &klen);
    do
        write_row(t, r, r->next_row++);
    while (r->next_row < r->nrows && (row_key(r, r->next_row, &len), len == klen) &&
           memcmp(row_key(r, r->next_row, &len), key, klen) == 0);
}

static void open_reports(totals_t *t, const char *outdir)
{
    for (int i = 0; i < t->nreports; i++) {
        report_t *r = &t->reports[i];
        char path[4096];
        snprintf(path, sizeof path, "%s/.%s.tmp", outdir, r->name);
        r->out = fopen(path, "wb");
        if (!r->out) {
            perror(path);
            exit(2);
        }
        setvbuf(r->out, NULL, _IOFBF, 128 * 1024);
        pf_sha256_init(&r->sha);
        if (r->nrows) write_row(t, r, r->next_row++); /* the header */
    }
}

static void close_reports(totals_t *t, const char *outdir)
{
    for (int i = 0; i < t->nreports; i++) {
        report_t *r = &t->reports[i];
        while (r->next_row < r->nrows) write_group(t, r);
        unsigned char digest[32];
        pf_sha256_final(&r->sha, digest);
        if (fflush(r->out) != 0 || fsync(fileno(r->out)) != 0 || fclose(r->out) != 0) abort();
        char from[4096], to[4096];
        snprintf(from, sizeof from, "%s/.%s.tmp", outdir, r->name);
        snprintf(to, sizeof to, "%s/%s", outdir, r->name);
        if (rename(from, to) != 0) abort();
    }
    int dfd = open(outdir, O_RDONLY | O_DIRECTORY);
    if (dfd < 0 || fsync(dfd) != 0) abort();
    close(dfd);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static void parse_file(totals_t *t, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        t->errors++;
        return;
    }
    size_t len = 0, n;
    for (;;) {
        if (len == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 65536;
            t->buf = realloc(t->buf, t->cap);
            if (!t->buf) abort();
        }
        n = fread(t->buf + len, 1, t->cap - len, f);
        len += n;
        if (n == 0) break;
    }
    fclose(f);
    t->files++;
    t->bytes += len;

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) abort();
    yaml_parser_set_input_string(&parser, (const unsigned char *)t->buf, len);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            t->errors++;
            break;
        }
        t->events++;
        int done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (done) break;
    }
    yaml_parser_delete(&parser);
    for (int i = 0; i < t->nreports; i++)
        write_group(t, &t->reports[i]);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(totals_t *t, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        t->errors++;
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        parse_file(t, path);
        return;
    }
    DIR *d = opendir(path);
    if (!d) {
        t->errors++;
        return;
    }
    size_t n = 0, cap = 64;
    char **names = malloc(cap * sizeof *names);
    for (struct dirent *de; names && (de = readdir(d));) {
        if (de->d_name[0] == '.') continue;
        if (n == cap) names = realloc(names, (cap *= 2) * sizeof *names);
        if (names) names[n++] = strdup(de->d_name);
    }
    closedir(d);
    if (!names) abort();
    qsort(names, n, sizeof *names, by_name);
    size_t plen = strlen(path);
    for (size_t i = 0; i < n; i++) {
        char *full = malloc(plen + strlen(names[i]) + 2);
        if (!full) abort();
        sprintf(full, "%s%s%s", path, plen && path[plen - 1] == '/' ? "" : "/", names[i]);
        struct stat cst;
        if (stat(full, &cst) == 0 && S_ISDIR(cst.st_mode))
            walk(t, full);
        else if (ends_with(names[i], ".yaml") || ends_with(names[i], ".yml"))
            parse_file(t, full);
        free(full);
        free(names[i]);
    }
    free(names);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    totals_t t = {0};
    int first = 1;
    const char *outdir = NULL;
    if (argc >= 2 && strcmp(argv[1], "--write") == 0) {
        if (argc < 5) first = argc; /* usage below */
        else {
            load_reports(&t, argv[2]);
            outdir = argv[3];
            first = 4;
        }
    }
    if (first >= argc) {
        fprintf(stderr, "usage: parse_floor [--write REF OUT] PATH...\n");
        return 2;
    }
    double t0 = now();
    if (outdir) open_reports(&t, outdir);
    for (int i = first; i < argc; i++)
        walk(&t, argv[i]);
    if (outdir) close_reports(&t, outdir);
    double elapsed = now() - t0;
    free(t.buf);
    printf("files %lu bytes %llu events %llu errors %lu", t.files, t.bytes, t.events, t.errors);
    if (outdir)
        printf(" reports %d rows_out %llu bytes_out %llu elapsed_s %.6f", t.nreports, t.rows_out, t.bytes_out,
               elapsed);
    printf("\n");
    return 0;
}
