/*
 * pf_overview.c - index.html: the closed reports' rows streamed to the
 * prelude's overview, its page added to the run's files.
 */
#include <stdlib.h>
#include <string.h>

#include "pf_csvin.h"
#include "pf_overview.h"

/* The result file called name, or -1. */
static long find_file(const pf_results_t *res, const char *name)
{
    for (size_t i = 0; i < res->nfiles; i++)
        if (res->files[i].listed && strcmp(res->files[i].name, name) == 0) return (long)i;
    return -1;
}

/* Every row of one finished report (its header first) to
 * P.overview_row(name, cell, ...). */
static int feed_report(pf_eval_t *ev, const pf_results_t *res, size_t file, FILE *log)
{
    const char *path = pf_results_temp_path(res, file);
    FILE *fp = path ? fopen(path, "rb") : NULL;
    if (!fp) {
        fprintf(log, "partnerfit: cannot read %s back for the overview\n", res->files[file].name);
        return 0;
    }
    pf_csvin_t in;
    pf_csvin_init(&in);
    if (res->style && res->style->delimiter) pf_csvin_set_delim(&in, res->style->delimiter);
    pf_csvin_open_file(&in, fp);
    const char *cells[PF_CSVIN_MAX_FIELDS + 1];
    size_t lens[PF_CSVIN_MAX_FIELDS + 1];
    cells[0] = res->files[file].name;
    lens[0] = strlen(cells[0]);
    int ok = 1;
    pf_err_t err;
    int said = 0;
    while (ok && pf_csvin_next(&in)) {
        size_t n = in.kept;
        if (in.fields > n && !said) {
            fprintf(log,
                    "partnerfit: %s has more than %d columns; the overview reads the first %d\n",
                    res->files[file].name, PF_CSVIN_MAX_FIELDS, PF_CSVIN_MAX_FIELDS);
            said = 1;
        }
        for (size_t i = 0; i < n; i++)
            cells[i + 1] = pf_csvin_field(&in, i, &lens[i + 1]);
        ok = pf_eval_feed(ev, "overview_row", cells, lens, n + 1, &err);
        if (!ok) pf_log_error(log, res->files[file].name, &err);
    }
    pf_csvin_delete(&in);
    fclose(fp);
    return ok;
}

int pf_overview_write(pf_eval_t *ev, pf_results_t *res, const pf_value_t *manifest, FILE *log)
{
    pf_buf_t names, page;
    pf_buf_init(&names);
    pf_buf_init(&page);
    pf_err_t err;
    int verdict = 0;
    int ok = pf_eval_tool(ev, "overview_begin", NULL, "", manifest, &verdict, &names, &err);
    if (!ok) pf_log_error(log, PF_OVERVIEW_NAME, &err);
    /* names: one report name a line, the ones the overview reads */
    for (char *p = names.data, *nl; ok && p && *p; p = nl + 1) {
        nl = strchr(p, '\n');
        if (!nl) break;
        *nl = '\0';
        long file = find_file(res, p);
        if (file >= 0) ok = feed_report(ev, res, (size_t)file, log);
    }
    if (ok) {
        ok = pf_eval_tool(ev, "overview", NULL, "", manifest, &verdict, &page, &err);
        if (!ok) pf_log_error(log, PF_OVERVIEW_NAME, &err);
    }
    size_t at;
    if (ok && (ok = pf_results_add_file(res, PF_OVERVIEW_NAME, NULL, &at))) {
        pf_results_write(res, at, page.data ? page.data : "", page.len, 0);
        ok = pf_results_finish_file(res, at);
    }
    pf_buf_delete(&names);
    pf_buf_delete(&page);
    return ok;
}
