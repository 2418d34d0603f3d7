/*
 * fuzz_isolation - libFuzzer harness for the isolation property: an
 * intake's rows depend only on that intake, the rules and the policy,
 * never on what the same evaluator ran before.
 *
 * The input does not become a rule file byte for byte (almost every such
 * file is a syntax error); it drives a small generator that writes a rule
 * file out of fragments that try to carry state from one intake to the
 * next: file-level tables and counters, closures made by factories,
 * tables used as keys, _ENV assignment, iterators made at load, shared
 * helpers with upvalues, error objects kept by pcall, score tables reused
 * between calls. Each generated pack then evaluates three sample intakes
 * on a fresh evaluator each, and on one warm evaluator in the order
 * A B C A C B; any difference (or a pack that loads for one evaluator and
 * not for another) is a finding: the generated file is printed and the
 * harness traps. Nothing generated depends on `pairs` order, which is a
 * different (and known, see `check`) way of differing between states.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_csv.h"
#include "pf_eval.h"
#include "pf_node.h"
#include "pf_pack.h"
#include "pf_schema.h"
#include "pf_yread.h"

#include "fuzz_util.h"

#define NINTAKES 3
static const char *const SAMPLES[NINTAKES] = {"kestrel-dental", "atlas-marine",
                                              "lumenfeld-software"};
static fuzz_config_t conf;
static pf_doc_t intake_doc[NINTAKES];
static pf_value_t *intake[NINTAKES];
static pf_eval_config_t cfg;
static pf_pack_file_t pack_file;
static pf_pack_t pack;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_load_config("fuzz_isolation", &conf);
    for (int i = 0; i < NINTAKES; i++)
        intake[i] = fuzz_load_sample("fuzz_isolation", &conf, SAMPLES[i], &intake_doc[i]);
    pack_file.display = "rules/50-fuzz.lua";
    pack.files = &pack_file;
    pack.count = 1;
    strcpy(pack.digest, "fuzz");
    cfg.rules_dir = "rules";
    cfg.pack = &pack;
    cfg.policy_path = conf.policy_path;
    cfg.policy = conf.policy;
    cfg.limits.mem_bytes = 32u << 20;
    cfg.limits.instructions = 1000000ULL;
    cfg.limits.seconds = 0.5;
    return 0;
}

/* ---- the generator ------------------------------------------------------------ */

typedef struct gen {
    const uint8_t *p, *end;
    pf_buf_t text;
    int nrules;
} gen_t;

static unsigned take(gen_t *g, unsigned n)
{
    return g->p < g->end ? (unsigned)(*g->p++ % n) : 0;
}

static const char *const OPTIONS[] = {"csp", "azure_expert_msp", "self_service", "azure_support"};
static const char *const FIELDS[] = {"intake.id", "intake.organisation.name",
                                     "tostring(intake.assessed_on)", "'fixed'"};

/* State at the top of the file, named s<k>. Each returns the Lua text. */
static void top_fragment(gen_t *g, int k)
{
    pf_buf_t *t = &g->text;
    switch (take(g, 9)) {
    case 0:
        pf_buf_printf(t, "local s%d = 0\n", k);
        break;
    case 1:
        pf_buf_printf(t, "local s%d = {}\n", k);
        break;
    case 2:
        pf_buf_printf(t, "local s%d = { [{}] = true }\n", k);
        break;
    case 3:
        pf_buf_printf(t,
                      "local function mk%d() local c = 0 return function(v) c = c + 1 "
                      "return c, v end end\nlocal s%d = mk%d()\n",
                      k, k, k);
        break;
    case 4:
        pf_buf_printf(t, "local s%d = string.gmatch('abcdefgh', '%%a')\n", k);
        break;
    case 5:
        pf_buf_printf(t, "local s%d = { inner = { n = 0 } }\n", k);
        break;
    case 6:
        pf_buf_printf(t, "local s%d = { csp = 1 }\n", k);
        break;
    case 7:
        pf_buf_printf(t, "local s%d = pcall\n", k);
        break;
    default:
        pf_buf_printf(t, "local s%d = 'x'\n", k);
        break;
    }
}

/* A statement inside a rule function that touches state s<k>. */
static void body_fragment(gen_t *g, int k)
{
    pf_buf_t *t = &g->text;
    const char *f = FIELDS[take(g, 4)];
    switch (take(g, 12)) {
    case 0:
        pf_buf_printf(t, "    if type(s%d) == 'number' then s%d = s%d + 1 end\n", k, k, k);
        break;
    case 1:
        pf_buf_printf(t, "    if type(s%d) == 'table' then s%d.v = %s end\n", k, k, f);
        break;
    case 2:
        pf_buf_printf(t,
                      "    if type(s%d) == 'table' then local b = next(s%d) "
                      "if type(b) == 'table' then b.v = %s end end\n",
                      k, k, f);
        break;
    case 3:
        pf_buf_printf(t, "    if type(s%d) == 'function' then s%d(%s) end\n", k, k, f);
        break;
    case 4:
        pf_buf_printf(t, "    s%d = %s\n", k, f);
        break;
    case 5:
        pf_buf_printf(t,
                      "    if type(s%d) == 'table' and type(s%d.inner) == 'table' then "
                      "s%d.inner.n = 1 end\n",
                      k, k, k);
        break;
    case 6:
        pf_buf_printf(t,
                      "    _ENV = { saved = %s, tostring = tostring, type = type, "
                      "next = next, pcall = pcall }\n",
                      f);
        break;
    case 7:
        pf_buf_printf(t, "    local ok, e = pcall(error, { %s }) s%d = e\n", f, k);
        break;
    case 8:
        pf_buf_printf(t, "    seen = %s\n", f);
        break;
    case 9:
        pf_buf_printf(t, "    shared.keep = %s\n", f);
        break;
    case 10:
        pf_buf_printf(t, "    local q = {} q[#q + 1] = %s s%d = q\n", f, k);
        break;
    default:
        pf_buf_printf(t, "    local _ = s%d\n", k);
        break;
    }
}

/* What a rule's `when` finally returns, reading state s<k>. */
static void verdict_fragment(gen_t *g, int k)
{
    pf_buf_t *t = &g->text;
    switch (take(g, 6)) {
    case 0:
        pf_buf_printf(t, "    return type(s%d) == 'number' and s%d > 1\n", k, k);
        break;
    case 1:
        pf_buf_printf(t, "    return type(s%d) == 'table' and s%d.v ~= nil\n", k, k);
        break;
    case 2:
        pf_buf_printf(t, "    return type(s%d) == 'function' and s%d() == 'a'\n", k, k);
        break;
    case 3:
        pf_buf_printf(t, "    local ok, v = pcall(function() return saved end) "
                         "return ok and v ~= nil\n");
        break;
    case 4:
        pf_buf_printf(t, "    return type(s%d) == 'string' and s%d ~= 'x'\n", k, k);
        break;
    default:
        pf_buf_printf(t, "    return true\n");
        break;
    }
}

static void generate(gen_t *g)
{
    int nstate = 1 + (int)take(g, 4);
    for (int k = 0; k < nstate; k++)
        top_fragment(g, k);
    g->nrules = 1 + (int)take(g, 4);
    for (int r = 0; r < g->nrules; r++) {
        int k = (int)take(g, (unsigned)nstate);
        pf_buf_printf(&g->text,
                      "rule { id = 't.fuzz.%d', stage = 'fit', because = 'fuzz %d',\n"
                      "  when = function(intake, ctx)\n",
                      r, r);
        for (int n = 1 + (int)take(g, 3); n > 0; n--)
            body_fragment(g, (int)take(g, (unsigned)nstate));
        verdict_fragment(g, k);
        pf_buf_printf(&g->text, "  end,\n  score = { %s = %d } }\n", OPTIONS[take(g, 4)],
                      1 + (int)take(g, 50));
    }
}

/* ---- the property --------------------------------------------------------------- */

/* Rows of one intake (or its reject) as one text. */
static void evaluate(pf_eval_t *ev, int i, pf_buf_t *text)
{
    size_t n = pf_eval_report_count(ev);
    pf_buf_t out[16];
    for (size_t r = 0; r < n && r < 16; r++)
        pf_buf_init(&out[r]);
    pf_csv_style_t style = {0, 0, ',', 0};
    pf_err_t err;
    pf_buf_reset(text);
    if (!pf_eval_run(ev, intake[i], SAMPLES[i], out, NULL, NULL, &style, &err))
        pf_buf_printf(text, "rejected %s: %s", err.kind, err.msg);
    else
        for (size_t r = 0; r < n && r < 16; r++)
            pf_buf_add(text, out[r].data ? out[r].data : "", out[r].len);
    for (size_t r = 0; r < n && r < 16; r++)
        pf_buf_delete(&out[r]);
}

static void finding(const gen_t *g, const char *what)
{
    fprintf(stderr, "fuzz_isolation: %s\n--- the generated rule file:\n%s---\n", what,
            g->text.data ? g->text.data : "");
    __builtin_trap();
}

static int same(const pf_buf_t *a, const pf_buf_t *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gen_t g = {data, data + size, {0}, 0};
    pf_buf_init(&g.text);
    generate(&g);
    pf_buf_addc(&g.text, '\0');
    g.text.len--;
    pack_file.bytes = g.text.data;
    pack_file.len = g.text.len;
    pf_buf_t fresh[NINTAKES], warm;
    pf_buf_init(&warm);
    int loaded = -1;
    for (int i = 0; i < NINTAKES; i++) {
        pf_buf_init(&fresh[i]);
        pf_errlist_t errs;
        pf_errlist_init(&errs);
        pf_eval_t *ev = pf_eval_new(&cfg, &errs);
        pf_errlist_delete(&errs);
        if (loaded >= 0 && loaded != (ev != NULL)) finding(&g, "the pack loads only sometimes");
        loaded = ev != NULL;
        if (ev) evaluate(ev, i, &fresh[i]);
        pf_eval_delete(ev);
    }
    if (loaded == 1) {
        pf_errlist_t errs;
        pf_errlist_init(&errs);
        pf_eval_t *ev = pf_eval_new(&cfg, &errs);
        pf_errlist_delete(&errs);
        if (!ev) finding(&g, "the pack loads only sometimes");
        static const int ORDER[] = {0, 1, 2, 0, 2, 1};
        for (size_t j = 0; j < sizeof ORDER / sizeof *ORDER; j++) {
            evaluate(ev, ORDER[j], &warm);
            if (!same(&warm, &fresh[ORDER[j]])) {
                fprintf(stderr, "intake %s, after %zu others\nfresh: %.400s\nwarm:  %.400s\n",
                        SAMPLES[ORDER[j]], j, fresh[ORDER[j]].data ? fresh[ORDER[j]].data : "",
                        warm.data ? warm.data : "");
                finding(&g, "an intake's rows differ on a warm evaluator");
            }
        }
        pf_eval_delete(ev);
    }
    for (int i = 0; i < NINTAKES; i++)
        pf_buf_delete(&fresh[i]);
    pf_buf_delete(&warm);
    pf_buf_delete(&g.text);
    return 0;
}
