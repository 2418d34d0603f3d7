/*
 * pf_csvcheck - a test oracle for partnerfit's reports, reading them back
 * with libcsv in strict mode (not with partnerfit's own code).
 *
 *   pf_csvcheck valid FILE
 *       strict RFC 4180 parse; every row has as many fields as the header.
 *   pf_csvcheck shortlists RECOMMENDATIONS EXPECTED
 *       EXPECTED has lines "INTAKE_ID: opt1 opt2 ..." (the shortlist in rank
 *       order; '#' lines are comments). Checks each intake's shortlisted
 *       options, in rank order, against it, and that every intake in the
 *       report has an expectation.
 *   pf_csvcheck cell FILE ROW COLUMN
 *       prints one cell (ROW 0 is the header; COLUMN by name).
 *
 * Exit 0 when the check holds, 1 when it does not (with a message), 2 on
 * usage or I/O errors.
 */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct table {
    char ***rows; /* rows[r][c] */
    size_t *ncols;
    size_t nrows, cap;
    /* row being built */
    char **cur;
    size_t curn, curcap;
} table_t;

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("pf_csvcheck: out of memory\n", stderr);
        exit(2);
    }
    return q;
}

static void on_field(void *s, size_t len, void *data)
{
    table_t *t = data;
    if (t->curn == t->curcap) {
        t->curcap = t->curcap ? t->curcap * 2 : 16;
        t->cur = xrealloc(t->cur, t->curcap * sizeof *t->cur);
    }
    char *f = xrealloc(NULL, len + 1);
    if (len) memcpy(f, s, len);
    f[len] = '\0';
    t->cur[t->curn++] = f;
}

static void on_row(int c, void *data)
{
    (void)c;
    table_t *t = data;
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->rows = xrealloc(t->rows, t->cap * sizeof *t->rows);
        t->ncols = xrealloc(t->ncols, t->cap * sizeof *t->ncols);
    }
    t->rows[t->nrows] = t->cur;
    t->ncols[t->nrows] = t->curn;
    t->nrows++;
    t->cur = NULL;
    t->curn = t->curcap = 0;
}

static void table_free(table_t *t)
{
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols[r]; c++)
            free(t->rows[r][c]);
        free(t->rows[r]);
    }
    for (size_t c = 0; c < t->curn; c++)
        free(t->cur[c]);
    free(t->cur);
    free(t->rows);
    free(t->ncols);
    memset(t, 0, sizeof *t);
}

static int load(const char *path, table_t *t)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "pf_csvcheck: cannot open %s\n", path);
        return 0;
    }
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI);
    char buf[65536];
    size_t n, at = 0;
    int ok = 1;
    /* skip a UTF-8 BOM: Excel-style files start with one */
    n = fread(buf, 1, 3, fp);
    size_t skip = (n == 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0;
    if (csv_parse(&p, buf + skip, n - skip, on_field, on_row, t) != n - skip) ok = 0;
    while (ok && (n = fread(buf, 1, sizeof buf, fp)) > 0) {
        if (csv_parse(&p, buf, n, on_field, on_row, t) != n) ok = 0;
        at += n;
    }
    if (ok && csv_fini(&p, on_field, on_row, t) != 0) ok = 0;
    if (!ok) fprintf(stderr, "%s: not strict CSV: %s\n", path, csv_strerror(csv_error(&p)));
    csv_free(&p);
    fclose(fp);
    return ok;
}

static int column(const table_t *t, const char *name)
{
    for (size_t c = 0; t->nrows && c < t->ncols[0]; c++)
        if (strcmp(t->rows[0][c], name) == 0) return (int)c;
    fprintf(stderr, "pf_csvcheck: no column '%s'\n", name);
    exit(2);
}

static int check_valid(const char *path)
{
    table_t t = {0};
    int bad = !load(path, &t);
    if (!bad && t.nrows == 0) {
        fprintf(stderr, "%s: no header row\n", path);
        bad = 1;
    }
    for (size_t r = 1; !bad && r < t.nrows; r++)
        if (t.ncols[r] != t.ncols[0]) {
            fprintf(stderr, "%s: row %zu has %zu fields, the header has %zu\n", path, r, t.ncols[r],
                    t.ncols[0]);
            bad = 1;
        }
    table_free(&t);
    return bad;
}

/* The shortlist of one intake, in rank order, as "a b c". */
static void shortlist_of(const table_t *t, const char *id, char *out, size_t outsz)
{
    int cid = column(t, "intake_id"), cs = column(t, "shortlisted"), co = column(t, "option_id");
    out[0] = '\0';
    for (size_t r = 1; r < t->nrows; r++) {
        if (strcmp(t->rows[r][cid], id) != 0 || strcmp(t->rows[r][cs], "yes") != 0) continue;
        if (out[0]) strncat(out, " ", outsz - strlen(out) - 1);
        strncat(out, t->rows[r][co], outsz - strlen(out) - 1);
    }
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

static int check_shortlists(const char *report, const char *expected)
{
    table_t t = {0};
    if (!load(report, &t)) {
        table_free(&t);
        return 1;
    }
    FILE *fp = fopen(expected, "r");
    if (!fp) {
        fprintf(stderr, "pf_csvcheck: cannot open %s\n", expected);
        return 2;
    }
    char line[4096], got[4096];
    int failures = 0, checked = 0;
    int cid = column(&t, "intake_id");
    while (fgets(line, sizeof line, fp)) {
        char *s = trim(line);
        if (!*s || *s == '#') continue;
        char *colon = strchr(s, ':');
        if (!colon) continue;
        *colon = '\0';
        char *id = trim(s), *want = trim(colon + 1);
        /* normalise runs of spaces in the expectation */
        char norm[4096] = "";
        for (char *tok = strtok(want, " \t"); tok; tok = strtok(NULL, " \t")) {
            if (norm[0]) strcat(norm, " ");
            strncat(norm, tok, sizeof norm - strlen(norm) - 2);
        }
        shortlist_of(&t, id, got, sizeof got);
        checked++;
        if (strcmp(got, norm) != 0) {
            printf("FAIL %s: expected shortlist [%s], got [%s]\n", id, norm, got);
            failures++;
        } else {
            printf("ok   %s: [%s]\n", id, got);
        }
    }
    fclose(fp);
    /* every evaluated intake must have an expectation written down */
    for (size_t r = 1; r < t.nrows; r++) {
        int known = 0;
        fp = fopen(expected, "r");
        while (fp && fgets(line, sizeof line, fp)) {
            size_t n = strlen(t.rows[r][cid]);
            if (strncmp(trim(line), t.rows[r][cid], n) == 0 && trim(line)[n] == ':') known = 1;
        }
        if (fp) fclose(fp);
        if (!known) {
            printf("FAIL %s: no expected shortlist written down\n", t.rows[r][cid]);
            failures++;
            break;
        }
    }
    printf("%d passed, %d failed\n", checked - failures > 0 ? checked - failures : 0, failures);
    table_free(&t);
    return failures ? 1 : 0;
}

static int print_cell(const char *path, const char *row, const char *col)
{
    table_t t = {0};
    if (!load(path, &t)) {
        table_free(&t);
        return 2;
    }
    size_t r = (size_t)strtoul(row, NULL, 10);
    int found = r < t.nrows;
    if (found) puts(t.rows[r][column(&t, col)]);
    table_free(&t);
    return found ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "valid") == 0) return check_valid(argv[2]);
    if (argc == 4 && strcmp(argv[1], "shortlists") == 0) return check_shortlists(argv[2], argv[3]);
    if (argc == 5 && strcmp(argv[1], "cell") == 0) return print_cell(argv[2], argv[3], argv[4]);
    fputs("usage: pf_csvcheck valid FILE | shortlists REPORT EXPECTED | cell FILE ROW COLUMN\n",
          stderr);
    return 2;
}
