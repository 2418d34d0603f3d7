/*
 * tests/yread_both_ways.h - for tests only: a YAML file read with the
 * reader's fast path allowed and with libyaml alone, as text that can be
 * compared (every document's tree with its positions, plain flags and
 * texts, then the end or the error). Used by tests/unit/test_yread.c and
 * the fuzz_intake harness; static, so each includer has its own copy.
 */
#ifndef PF_TESTS_YREAD_BOTH_WAYS_H
#define PF_TESTS_YREAD_BOTH_WAYS_H

#include "pf_common.h"
#include "pf_node.h"
#include "pf_yread.h"

/* The tree of a node as text: kind, position, plain flag, text. */
static void yb_dump_node(pf_buf_t *b, const pf_node_t *n)
{
    pf_buf_printf(b, "(%d %lu:%lu", (int)n->kind, n->line, n->column);
    if (n->kind == PF_NODE_SCALAR) {
        pf_buf_printf(b, " %d ", n->plain);
        pf_buf_add(b, n->text, n->len);
    } else {
        size_t k = n->kind == PF_NODE_MAP ? 2 * n->count : n->count;
        for (size_t i = 0; i < k; i++)
            yb_dump_node(b, n->items[i]);
    }
    pf_buf_addc(b, ')');
}

/* Reads every document of buf under limits (NULL: the defaults), the fast
 * path allowed or not, into b. Returns 1 when the fast path read it. */
static int yb_read_all(const char *buf, size_t len, const pf_yread_limits_t *limits,
                       int libyaml_only, pf_buf_t *b)
{
    pf_yread_t r;
    pf_yread_init(&r, buf, len, limits);
    r.libyaml_only = libyaml_only;
    for (;;) {
        pf_doc_t doc;
        pf_err_t err;
        pf_doc_init(&doc);
        pf_err_clear(&err);
        int rc = pf_yread_next(&r, &doc, &err);
        pf_buf_printf(b, "[%d]", rc);
        if (rc == 1) yb_dump_node(b, doc.root);
        if (rc < 0) pf_buf_printf(b, "%s %lu:%lu %s", err.kind, err.line, err.column, err.msg);
        pf_doc_delete(&doc);
        if (rc != 1) break;
    }
    int fast = !r.parser_ready;
    pf_yread_delete(&r);
    return fast;
}

#endif
