/*
 * pf_eval.h - one rule evaluator: a Lua 5.4 state holding the sandbox, the
 * embedded prelude (the rule DSL and the four stages), the policy and the
 * analysts' rule pack, and the limits that keep a hostile rule in check.
 *
 * One pf_eval_t per worker: a lua_State must never be used by two threads
 * at once, and nothing here is global, so N evaluators run side by side
 * (a run gives each its own process: pf_procs.h).
 *
 * Limits (pf_eval_limits_t), per intake: an instruction budget and a
 * monotonic deadline checked in a count hook, a memory cap for the whole
 * state through its allocator (on the bytes the state holds live, so the
 * verdict never depends on the intakes before), and a cap on the bytes of
 * report rows one intake may produce. The hook is set only on intakes that
 * have run for 10 ms of CPU time (pf_watch), so the budget counts from
 * there; normal intakes run without it. A rule over a limit fails that intake;
 * the evaluator then rebuilds its state so nothing of it lingers.
 *
 * Owns: a pf_eval_t owns its lua_State, its copies of the report names and
 * columns, its digest string and the rule pack it read (when the config
 * gave none); pf_eval_delete() frees them. The config's policy value,
 * strings and pack must outlive the evaluator (it may rebuild).
 */
#ifndef PF_EVAL_H
#define PF_EVAL_H

#include "pf_common.h"
#include "pf_csv.h"
#include "pf_hits.h"
#include "pf_value.h"

struct pf_beacon;
typedef struct pf_eval_limits {
    size_t mem_bytes;                /* whole Lua state: the bytes it holds live */
    unsigned long long instructions; /* per intake (and per rule file load) */
    double seconds;                  /* per intake, wall clock (monotonic) */
    size_t output_bytes;             /* report rows per intake, all reports together */
    /* the limit behind the time limits: a process outside that kills this
     * one when rule code runs on past its deadline (pf_guard.h); NULL: none */
    struct pf_beacon *beacon;
} pf_eval_limits_t;

/* 64 MiB, 20 million instructions, 2 seconds, 1 MiB of report rows. */
void pf_eval_limits_default(pf_eval_limits_t *l);

struct pf_pack;

typedef struct pf_eval_config {
    const char *rules_dir; /* folder of *.lua rule files, loaded in sorted order */
    /* the folder as read once (pf_pack.h), shared read-only by every
     * evaluator of a run; NULL: pf_eval_new reads rules_dir itself. Every
     * state an evaluator builds, rebuilds too, uses this one copy. */
    const struct pf_pack *pack;
    const char *policy_path;  /* for messages */
    const pf_value_t *policy; /* typed policy document */
    /* the intake schema as pf_schema_describe gives it: the policy's
     * question paths are checked against it at load (NULL: not checked;
     * the facts' are checked by `check`). Lives as long as the config. */
    const pf_value_t *schema;
    pf_eval_limits_t limits;
    int timings; /* measure time per rule (costs a clock read per rule) */
} pf_eval_config_t;

typedef struct pf_eval pf_eval_t;

/*
 * Creates an evaluator: a fresh sandboxed state, the prelude, the policy
 * (checked by the prelude) and every rule file. Returns NULL and appends
 * every problem found (file:line, rule id) to errs when the policy or the
 * rule pack is unusable.
 */
pf_eval_t *pf_eval_new(const pf_eval_config_t *cfg, pf_errlist_t *errs);
void pf_eval_delete(pf_eval_t *ev);

/* Lets the evaluator report to a supervisor what it runs (pf_beacon.h):
 * the deadline of rule code while it runs, and the rule it is in. For a
 * worker process; beacon NULL stops it. */
void pf_eval_set_beacon(pf_eval_t *ev, struct pf_beacon *beacon);
/* With a beacon: the rule (1-based, load order) that was running when the
 * last evaluation failed; 0 when none was or no beacon is set. */
int pf_eval_failed_rule(const pf_eval_t *ev);

/* The reports the prelude produces per intake (besides rejects). */
size_t pf_eval_report_count(const pf_eval_t *ev);
const char *pf_eval_report_name(const pf_eval_t *ev, size_t i);
/* NULL-terminated column names. */
const char *const *pf_eval_report_columns(const pf_eval_t *ev, size_t i);

/* SHA-256 (hex) over the rule files' names and contents, in load order. */
const char *pf_eval_rules_digest(const pf_eval_t *ev);
size_t pf_eval_rule_count(const pf_eval_t *ev);

/*
 * Evaluates one typed intake. On success returns 1 and appends its rows, as
 * CSV text, to out[0 .. report_count-1], and sets rows[r] (if rows is not
 * NULL) to the number of rows it added to report r. On failure returns 0, leaves out
 * as it was, and fills err: kind "rule.error" (a rule raised an error; the
 * message names the rule id, its file:line and a short traceback) or
 * "rule.limit" (a rule went over the instruction, time, memory or output
 * limit; when no rule's code was running, the message says so and names
 * the part of the evaluation the prelude was in). A total of points out of
 * range (docs/rules.md) is a "rule.error" of the rule that made it so.
 * If hits is not NULL, the rules that fired are appended to it (nothing
 * when the evaluation fails).
 */
int pf_eval_run(pf_eval_t *ev, const pf_value_t *intake, const char *source, pf_buf_t *out,
                size_t *rows, pf_hits_t *hits, const pf_csv_style_t *style, pf_err_t *err);

/* One row of rule_hits.csv. The evaluator fills the rule's identity and
 * time; how often it fired and what it moved come from one place only, the
 * hits of each intake (pf_eval_run), added up by the caller in input order
 * (pf_results), so they never depend on which worker saw which intake. */
typedef struct pf_rule_stat {
    char *id, *stage, *where; /* where = "file:line" of the rule */
    double seconds;           /* 0 unless timings were asked for */
    unsigned long long fired; /* filled by the caller from the hits */
    double moved;             /* points added or removed (absolute), exclusions, steps */
} pf_rule_stat_t;

/* The rules in load order with the time each took on this evaluator
 * (fired and moved left 0); *out is malloc'd, free it with
 * pf_rule_stats_free. Time survives a rebuild after a limit. */
size_t pf_eval_rule_stats(pf_eval_t *ev, pf_rule_stat_t **out);
void pf_rule_stats_free(pf_rule_stat_t *stats, size_t n);

/*
 * Runs one of the prelude's analyst tools, P.<tool>(intake, source, arg),
 * under the same limits as an evaluation: "explain" (arg: {format=...}),
 * "test" (arg: the expectations), "check" (intake NULL; arg: the schema
 * description), "ranking". intake and arg may be NULL. The tool returns a
 * verdict (1 passed/clean, 0 not) and a text appended to out. Returns 1, or
 * 0 with err when the tool itself failed (a rule error, a limit).
 */
int pf_eval_tool(pf_eval_t *ev, const char *tool, const pf_value_t *intake, const char *source,
                 const pf_value_t *arg, int *verdict, pf_buf_t *out, pf_err_t *err);

/*
 * The same for a tool that returns data instead of text ("ranking"):
 * P.<tool>(intake, source) -> verdict, value. read(L, ud) is called with the
 * value on top of L's stack, inside the tool's protected call (a Lua error
 * it raises fails the tool); it must leave the stack as it found it,
 * [-0, +0, e]. Returns as pf_eval_tool.
 */
typedef struct lua_State lua_State;
typedef void (*pf_eval_reader_t)(lua_State *L, void *ud);
int pf_eval_tool_read(pf_eval_t *ev, const char *tool, const pf_value_t *intake, const char *source,
                      pf_eval_reader_t read, void *ud, pf_err_t *err);

/*
 * Hands one row of text cells to P.<fn>(cell, ...), under the limits of
 * one evaluation per call, for a prelude tool that takes a report row by
 * row (the overview reads a run's reports this way, so a batch of any size
 * is a series of small calls). Returns 1, or 0 with err.
 */
int pf_eval_feed(pf_eval_t *ev, const char *fn, const char *const *cells, const size_t *lens,
                 size_t n, pf_err_t *err);

#endif
