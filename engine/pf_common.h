/*
 * pf_common.h - small shared pieces: growable byte buffers, arenas, checked
 * allocation, error records, reading a whole file into memory, and a text
 * distance for "did you mean" suggestions.
 *
 * Owns: nothing global. A pf_buf_t owns its bytes until pf_buf_delete();
 * a pf_arena_t owns everything it handed out until pf_arena_delete();
 * a pf_errlist_t owns its records until pf_errlist_delete(); the buffer
 * pf_read_file() returns is the caller's to free().
 * Every *_init has a matching *_delete; both are safe on a zeroed object.
 */
#ifndef PF_COMMON_H
#define PF_COMMON_H

#include <stddef.h>
#include <stdio.h>

/* ---- growable byte buffer ------------------------------------------- */

typedef struct pf_buf {
    char *data; /* always NUL-terminated when cap > 0 */
    size_t len;
    size_t cap;
} pf_buf_t;

void pf_buf_init(pf_buf_t *b);
void pf_buf_delete(pf_buf_t *b);
void pf_buf_reset(pf_buf_t *b); /* len = 0, keeps the memory */
/* Appends; aborts the process on out-of-memory (the batch cannot go on). */
void pf_buf_add(pf_buf_t *b, const void *p, size_t n);
void pf_buf_addstr(pf_buf_t *b, const char *s);
/* Appends v in decimal, as "%lld" would. */
void pf_buf_addint(pf_buf_t *b, long long v);
void pf_buf_printf(pf_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Room for n more bytes at b->data + b->len, for a writer that then adds
 * what it used with pf_buf_commit (which keeps the NUL). */
char *pf_buf_reserve(pf_buf_t *b, size_t n);
void pf_buf_commit(pf_buf_t *b, size_t used);
/* One byte: inline, as CSV cells add their quotes and delimiters a byte at
 * a time (a call and a one-byte memcpy per byte were a few % of a run). */
static inline void pf_buf_addc(pf_buf_t *b, char c)
{
    if (b->len + 2 > b->cap) pf_buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

/* ---- arena ------------------------------------------------------------- */

/* Memory that lives as long as its arena (a document's nodes and strings,
 * the paths of a scan, the ids of a batch), taken from large blocks and
 * freed all at once: none of the 8-16 bytes a malloc header and alignment
 * add to each small piece. */
typedef struct pf_arena_block pf_arena_block_t;
typedef struct pf_arena {
    pf_arena_block_t *head;
    size_t total; /* bytes handed out, for limits and tests */
} pf_arena_t;

void pf_arena_init(pf_arena_t *a);
void pf_arena_delete(pf_arena_t *a);
/* Zeroed, 16-byte aligned memory; aborts on out-of-memory. */
void *pf_arena_alloc(pf_arena_t *a, size_t n);
/* n bytes, unaligned and uninitialised (for text); aborts on out-of-memory. */
void *pf_arena_bytes(pf_arena_t *a, size_t n);
/* Copies n bytes and adds a NUL; packed end to end, unaligned. */
char *pf_arena_strndup(pf_arena_t *a, const char *s, size_t n);

/* Allocation helpers that abort on out-of-memory with a clear message. */
void *pf_xmalloc(size_t n);
void *pf_xcalloc(size_t n, size_t size);
void *pf_xrealloc(void *p, size_t n);
char *pf_xstrdup(const char *s);

/* ---- error records ---------------------------------------------------- */

#define PF_ERR_KIND_MAX 32
#define PF_ERR_FIELD_MAX 256
#define PF_ERR_MSG_MAX 1024

/*
 * One problem found in an input, placed as precisely as we can.
 * line and column are 1-based; 0 means "not known" (e.g. a reader error
 * that libyaml only places by byte offset; then offset is set).
 */
typedef struct pf_err {
    char kind[PF_ERR_KIND_MAX];   /* short stable code, e.g. "schema.type" */
    char field[PF_ERR_FIELD_MAX]; /* field path, e.g. "estate.servers"; "" if none */
    char msg[PF_ERR_MSG_MAX];     /* sentence for an analyst: what was expected */
    char rule[PF_ERR_FIELD_MAX];  /* the rule id, for a rule's reject ("" otherwise) */
    unsigned long line, column;
    long long offset; /* byte offset when line is unknown, else -1 */
} pf_err_t;

void pf_err_clear(pf_err_t *e);
void pf_err_set(pf_err_t *e, const char *kind, unsigned long line, unsigned long column,
                const char *field, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* A list of errors; add never fails (aborts on out-of-memory). */
typedef struct pf_errlist {
    pf_err_t *items;
    size_t count;
    size_t cap;
} pf_errlist_t;

void pf_errlist_init(pf_errlist_t *l);
void pf_errlist_delete(pf_errlist_t *l);
void pf_errlist_reset(pf_errlist_t *l);
pf_err_t *pf_errlist_add(pf_errlist_t *l); /* returns a cleared record */
void pf_errlist_push(pf_errlist_t *l, const pf_err_t *e);
/* Prints an error record for a person: "partnerfit: file:line:column:
 * message", or shorter when the record has no place or file is NULL. */
void pf_log_error(FILE *log, const char *file, const pf_err_t *e);

/* ---- text --------------------------------------------------------------- */

/* Longest word pf_edit_distance compares; longer ones are never "near". */
#define PF_EDIT_WORD_MAX 64

/* Optimal string alignment distance between two words: the insertions,
 * deletions, substitutions and swaps of adjacent bytes that turn a into b
 * (each counted once). SIZE_MAX when either is longer than PF_EDIT_WORD_MAX,
 * which keeps the table on the stack. */
size_t pf_edit_distance(const char *a, const char *b);

/* Text from outside that is shown to people (file names, what rules
 * write into reports and tool output) must be valid UTF-8 without control
 * characters: else a report is not valid text, a NUL cuts a message short,
 * and an ESC sequence reaches whoever reads it in a terminal. The bytes
 * that break this (invalid UTF-8, C0 controls, DEL, C1 controls) are shown
 * as \xHH; once anything is escaped, so is every backslash, so the text
 * reads back unambiguously. keep_lines keeps \n and \t (multi-line tool
 * output). pf_text_clean says whether s[0..n) needs nothing; pf_text_escape
 * appends the escaped form of s[0..n) to out. */
int pf_text_clean(const char *s, size_t n, int keep_lines);
void pf_text_escape(pf_buf_t *out, const char *s, size_t n, int keep_lines);

/* ---- whole files ------------------------------------------------------- */

/*
 * Reads a whole regular file into a malloc'd buffer (NUL-terminated; the
 * caller frees *out), refusing non-regular files and files over max_bytes.
 * Opens with O_NONBLOCK so a FIFO cannot hang the batch. Returns 1, or 0
 * with err (kinds io.open, io.type, io.size, io.read).
 */
int pf_read_file(const char *path, size_t max_bytes, char **out, size_t *len, pf_err_t *err);

/* A file as a scan saw it: its device and inode, and whether its name was
 * a symbolic link (to a file inside the folder scanned). */
typedef struct pf_file_id {
    unsigned long long dev, ino;
    int via_link;
} pf_file_id_t;

/* pf_read_file for a file found by a scan: it must still be the file the
 * scan saw. A name that was no link is opened without following one
 * (O_NOFOLLOW), and the file opened must have the scan's device and inode;
 * else kind "io.changed" and nothing is read (a file replaced between the
 * scan and the read by a link to something outside stays unread). */
int pf_read_file_as(const char *path, const pf_file_id_t *id, size_t max_bytes, char **out,
                    size_t *len, pf_err_t *err);

/* Asks the kernel to start reading a file found by a scan into the page
 * cache (posix_fadvise WILLNEED), after the same checks as
 * pf_read_file_as (a FIFO is not waited for, a link that was none is not
 * followed, another file is not touched). Reads nothing itself and
 * reports nothing: the read that follows does both. */
void pf_prefetch_file_as(const char *path, const pf_file_id_t *id);

#endif
