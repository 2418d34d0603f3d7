/*
 * parse_floor.c - the benchmark's floor: find, read and parse the same intake
 * files with libyaml and nothing else, on one thread (bench/run.sh).
 *
 *   parse_floor PATH...
 *
 * Each PATH is a file or a folder walked recursively (*.yaml, *.yml, names
 * sorted like partnerfit's scan). Every file is read whole into memory and
 * pulled through yaml_parser_parse() event by event to the end of the
 * stream; the events are counted and dropped. No tree, no validation, no
 * output: whatever partnerfit does above this is its own cost.
 *
 * Prints: files, bytes, events, parse errors.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

typedef struct totals {
    unsigned long files, errors;
    unsigned long long bytes, events;
    char *buf;
    size_t cap;
} totals_t;

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

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: parse_floor PATH...\n");
        return 2;
    }
    totals_t t = {0};
    for (int i = 1; i < argc; i++)
        walk(&t, argv[i]);
    free(t.buf);
    printf("files %lu bytes %llu events %llu errors %lu\n", t.files, t.bytes, t.events, t.errors);
    return 0;
}
