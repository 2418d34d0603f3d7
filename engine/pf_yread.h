/*
 * pf_yread.h - reads YAML intake files into pf_node_t trees with libyaml's
 * event API, enforcing limits while it reads (so a hostile file costs
 * bounded time and memory) and refusing the YAML features an intake never
 * needs and an attacker loves: anchors, aliases (and so merge keys),
 * explicit tags, %TAG directives and duplicate keys. Every scalar is kept
 * as text; typing is the schema's job (pf_schema).
 *
 * Characters: UTF-8 with or without BOM and BOM-marked UTF-16 are accepted
 * (libyaml decodes them); NUL, other control characters (except TAB and
 * LF), C1 controls, bidirectional overrides, line/paragraph separators and
 * a byte order mark inside text are rejected, with their position.
 *
 * Owns: the tree goes into the caller's pf_doc_t (its arena). A pf_yread_t
 * owns its libyaml parser and scratch memory until pf_yread_delete().
 */
#ifndef PF_YREAD_H
#define PF_YREAD_H

#include <yaml.h>

#include "pf_common.h"
#include "pf_node.h"

typedef struct pf_yread_limits {
    size_t max_file_bytes;   /* whole file */
    size_t max_depth;        /* nested mappings/sequences */
    size_t max_nodes;        /* nodes per document */
    size_t max_scalar_bytes; /* one scalar, after decoding */
} pf_yread_limits_t;

/* 1 MiB, depth 32, 20000 nodes, 64 KiB scalars. */
void pf_yread_limits_default(pf_yread_limits_t *l);

/* A reader over one buffer holding a stream of documents. */
typedef struct pf_yread {
    yaml_parser_t parser;
    const unsigned char *buf;
    size_t len;
    pf_yread_limits_t limits;
    int parser_ready; /* parser started (only when the fast path cannot read the file) */
    int libyaml_only; /* tests: read with libyaml alone, never the fast path */
    int dead;         /* an error was reported: libyaml cannot go on */
    int started;      /* STREAM_START seen */
    int finished;     /* STREAM_END seen */
    size_t documents;
    /* scratch: children of the open collections, and the open frames */
    pf_node_t **kids;
    size_t nkids, kids_cap;
    struct pf_yread_frame *frames;
    size_t nframes;
} pf_yread_t;

/* The buffer must outlive the reader. */
void pf_yread_init(pf_yread_t *r, const void *buf, size_t len, const pf_yread_limits_t *lim);
void pf_yread_delete(pf_yread_t *r);

/*
 * Reads the next document into doc (which must be freshly initialised).
 * Returns 1 with doc->root set, 0 at the end of the stream, -1 on error
 * with err filled (kind "yaml.*"; 1-based line:column). After -1 the reader
 * is dead and every later call returns -1 with kind "yaml.dead".
 */
int pf_yread_next(pf_yread_t *r, pf_doc_t *doc, pf_err_t *err);

/*
 * Convenience for files that must hold exactly one document (intakes,
 * schema, policy): reads path (a regular file, at most max_file_bytes) and
 * parses it. Returns 1, or 0 with err. An empty or comment-only file, a
 * bare "---" and a second document are errors.
 */
int pf_yread_file(const char *path, const pf_yread_limits_t *lim, pf_doc_t *doc, pf_err_t *err);
/* The same over a buffer already in memory. */
int pf_yread_one(const void *buf, size_t len, const pf_yread_limits_t *lim, pf_doc_t *doc,
                 pf_err_t *err);

#endif
