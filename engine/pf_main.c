/*
 * pf_main.c - the command line: parse arguments, call the library, map the
 * outcome to a documented exit code. No logic lives here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_batch.h"
#include "pf_exit.h"
#include "pf_guard.h"
#include "pf_import.h"
#include "pf_paths.h"
#include "pf_template.h"
#include "pf_tools.h"

static const char USAGE[] =
    "usage: partnerfit run [options] PATH...\n"
    "       partnerfit check [--rules DIR] [--policy FILE] [--strict]\n"
    "       partnerfit test [--rules DIR] [--policy FILE] [--name TEXT] [--junit FILE]\n"
    "                       [DIR|FILE...]   (default tests/rules)\n"
    "       partnerfit explain [--rules DIR] [--policy FILE] [--format text|json]\n"
    "                          [--sensitivity] FILE\n"
    "       partnerfit sensitivity [--rules DIR] [--policy FILE] [--format text|json] FILE\n"
    "       partnerfit brief [--rules DIR] [--policy FILE] [--out FILE] FILE\n"
    "       partnerfit diff --base-rules DIR [--base-policy FILE] [--rules DIR] [--policy FILE]\n"
    "                       [--out DIR] PATH...\n"
    "       partnerfit diff --base-rev REV [--rules DIR] [--policy FILE]   (baseline from git)\n"
    "                       [--out DIR] PATH...\n"
    "       partnerfit types [--policy FILE] [--out FILE]\n"
    "       partnerfit isolation [--rules DIR] [--policy FILE] [--orders N] [--seed S] PATH...\n"
    "       partnerfit merge [--rules DIR] [--policy FILE] [--out DIR] SHARD_DIR...\n"
    "       partnerfit template [--policy FILE] [--example] [--out FILE]\n"
    "       partnerfit schema [--policy FILE] [--json-schema] [--out FILE]\n"
    "       partnerfit import --map MAP.yaml --out DIR [--rejects FILE] [--policy FILE]\n"
    "                         [-q] FORM.csv\n"
    "       partnerfit --help | --version\n"
    "\n"
    "Reads the YAML intake questionnaires in each PATH (a file, or a folder searched\n"
    "recursively for *.yaml and *.yml in sorted order), evaluates the rule pack under\n"
    "the policy, and writes ranked, explained CSV reports.\n"
    "\n"
    "options:\n"
    "  --rules DIR     rule files (*.lua), loaded in name order   [rules]\n"
    "  --policy FILE   policy: catalogue, shortlist, weights       [policies/default.yaml]\n"
    "  --out DIR       where the reports go                        [reports]\n"
    "  --jobs N        worker processes, each with its own Lua state [CPUs it may use]\n"
    "  --excel         write files for Excel: UTF-8 BOM, CRLF line ends and a leading '\n"
    "                  in text cells a spreadsheet would run as a formula\n"
    "  --delimiter C   ',' (default) or ';' between cells; with ';' decimals are\n"
    "                  written 12,5 (Excel in locales whose decimal mark is a comma)\n"
    "  --timings       measure the time each rule takes (rule_hits.csv time_ms)\n"
    "  --shard K/N     take only the files whose path hashes to K of N (0 <= K < N) and\n"
    "                  write shard-index.csv too; combine the N outputs with merge\n"
    "  --max-file-docs N  intakes read from one bulk file [1000]\n"
    "  --incremental   reuse the rows of files unchanged since the last --incremental\n"
    "                  run into the same --out (state in partnerfit-state.csv)\n"
    "  --max-file-mb N largest intake file read, in MiB [1]; raise it for bulk files\n"
    "                  holding many intakes as YAML documents separated by ---\n"
    "  --fail-on-dead-rules  exit 6 when a rule fired on no intake\n"
    "  --allow-empty   write empty reports when no intake file is found (else exit 7)\n"
    "  --max-drop P    exit 7, writing nothing, when P% fewer intake files are found\n"
    "                  than the previous run's manifest counted (a half-mounted share)\n"
    "  --briefs        also write an HTML brief per intake into OUT/briefs/ (listed\n"
    "                  in briefs.csv); index.html, the overview, is written every run\n"
    "  --briefs-for P  briefs only for intake ids matching the shell pattern P\n"
    "  -q, --quiet     no progress or summary line on stderr\n"
    "\n"
    "check    load the policy, schema and rules and probe every rule with intakes\n"
    "         built from the schema: unknown questions, unknown options, rules that\n"
    "         fail on allowed answers, options never scored (exit 2 on problems)\n"
    "test     run rule tests (YAML: intake + expectations); exit 1 on failures;\n"
    "         --name TEXT runs the cases whose name contains TEXT, --junit FILE also\n"
    "         writes JUnit XML for a CI server\n"
    "explain  the trace of one intake: every rule, what it read, what it added\n"
    "sensitivity  which single answer of one intake, changed by one step, moves\n"
    "         its top option or shortlist (explain --sensitivity is the same)\n"
    "brief    one intake's HTML brief for the customer (to stdout or --out FILE)\n"
    "diff     a baseline and a candidate rule pack/policy over the same intakes:\n"
    "         writes diff.csv, prints a summary; exit 1 when anything changed\n"
    "types    Lua Language Server annotations for rule files, from the schema\n"
    "isolation  each intake on a fresh evaluator and on a warm one in several orders:\n"
    "         exit 1 when a rule pack lets one intake's rows depend on another\n"
    "merge    combine the output folders of `run --shard K/N` (all N of them) into\n"
    "         reports identical to one run's; same --rules, --policy, --excel,\n"
    "         --delimiter\n"
    "template a blank intake from the schema, each question with its help, values\n"
    "         and ranges as comments; --example fills in example answers\n"
    "schema   the intake schema as data; --json-schema as a JSON Schema for editors\n"
    "import   one intake file per response row of a form export (CSV), by a map;\n"
    "         rows that cannot be imported go to import-rejects.csv (exit 1)\n"
    "\n"
    "reports (in --out): recommendations.csv, needs.csv, rejects.csv, rule_hits.csv,\n"
    "                    manifest.yaml\n"
    "\n"
    "exit codes:\n"
    "  0  every intake evaluated\n"
    "  1  the run finished, but some intakes were rejected (see rejects.csv)\n"
    "  2  usage, policy, schema or rule-pack error: no reports written\n"
    "  3  I/O or internal error: previous reports left as they were\n"
    "  4  another run is writing to the same output folder: nothing written\n"
    "  5  the run finished, but a rule failed on some intakes (see rejects.csv)\n"
    "  6  the run finished, but a rule fired on no intake (--fail-on-dead-rules)\n"
    "  7  no intake file found (or far fewer, --max-drop): nothing written\n";

typedef struct cli {
    pf_batch_options_t batch;
    const char **paths;
    size_t npaths;
    int quiet;
} cli_t;

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "partnerfit: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see partnerfit --help)\n");
    return PF_EXIT_CONFIG;
}

/* Options of `run` that `merge` has no use for (it reads no intake and
 * evaluates nothing): refused there rather than ignored. */
static const char *const RUN_ONLY[] = {
    "--shard",         "--incremental", "--jobs",     "-j",       "--timings",    "--max-file-mb",
    "--max-file-docs", "--allow-empty", "--max-drop", "--briefs", "--briefs-for", NULL};

static int merge_refuses(const char *opt)
{
    for (size_t i = 0; RUN_ONLY[i]; i++)
        if (strcmp(RUN_ONLY[i], opt) == 0) return 1;
    return 0;
}

/* Returns -1 when parsed, else the exit code to stop with. */
static int parse_run(int argc, char **argv, cli_t *c)
{
    c->paths = calloc((size_t)argc, sizeof *c->paths);
    if (!c->paths) return PF_EXIT_IO;
    int only_paths = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **target = NULL;
        if (only_paths || a[0] != '-' || strcmp(a, "-") == 0) {
            c->paths[c->npaths++] = a;
            continue;
        }
        if (strcmp(argv[1], "merge") == 0 && merge_refuses(a))
            return usage_error("merge does not take the option '%s'", a);
        if (strcmp(a, "--") == 0) {
            only_paths = 1;
        } else if (strcmp(a, "--excel") == 0) {
            /* for a spreadsheet: BOM, CR LF and the formula guard */
            c->batch.style.bom = c->batch.style.crlf = c->batch.style.guard = 1;
        } else if (strcmp(a, "--delimiter") == 0) {
            if (i + 1 >= argc) return usage_error("option '%s' needs a value", a);
            const char *d = argv[++i];
            if (strcmp(d, ",") != 0 && strcmp(d, ";") != 0)
                return usage_error("--delimiter is ',' or ';', not '%s'", d);
            c->batch.style.delimiter = d[0];
        } else if (strcmp(a, "--max-file-mb") == 0) {
            if (i + 1 >= argc) return usage_error("option '%s' needs a value", a);
            char *end;
            unsigned long mb = strtoul(argv[++i], &end, 10);
            if (*end || mb < 1 || mb > 4096)
                return usage_error("--max-file-mb takes a whole number from 1 to 4096, not '%s'",
                                   argv[i]);
            c->batch.intake_limits.max_file_bytes = (size_t)mb << 20;
        } else if (strcmp(a, "--shard") == 0) {
            if (i + 1 >= argc) return usage_error("option '%s' needs a value", a);
            unsigned long k, n;
            char slash, extra;
            if (sscanf(argv[++i], "%lu%c%lu%c", &k, &slash, &n, &extra) != 3 || slash != '/' ||
                n < 1 || n > 100000 || k >= n)
                return usage_error("--shard takes K/N with 0 <= K < N, e.g. 0/4, not '%s'",
                                   argv[i]);
            c->batch.shard_k = k;
            c->batch.shard_n = n;
        } else if (strcmp(a, "--max-file-docs") == 0) {
            if (i + 1 >= argc) return usage_error("option '%s' needs a value", a);
            char *end;
            unsigned long n = strtoul(argv[++i], &end, 10);
            if (*end || n < 1 || n > 10000000)
                return usage_error(
                    "--max-file-docs takes a whole number from 1 to 10000000, not '%s'", argv[i]);
            c->batch.max_file_docs = (size_t)n;
        } else if (strcmp(a, "--incremental") == 0) {
            c->batch.incremental = 1;
        } else if (strcmp(a, "--briefs") == 0) {
            c->batch.briefs = 1;
        } else if (strcmp(a, "--briefs-for") == 0) {
            if (i + 1 >= argc || !argv[i + 1][0])
                return usage_error("option '%s' needs a pattern of intake ids, e.g. 'acme-*'", a);
            c->batch.briefs = 1;
            c->batch.briefs_filter = argv[++i];
        } else if (strcmp(a, "--allow-empty") == 0) {
            c->batch.allow_empty = 1;
        } else if (strcmp(a, "--max-drop") == 0) {
            if (i + 1 >= argc) return usage_error("option '%s' needs a value", a);
            char *end;
            unsigned long pct = strtoul(argv[++i], &end, 10);
            if (*end == '%') end++;
            if (*end || pct < 1 || pct > 100)
                return usage_error("--max-drop takes a share from 1 to 100 (percent), not '%s'",
                                   argv[i]);
            c->batch.max_drop = (unsigned)pct;
        } else if (strcmp(a, "--timings") == 0) {
            c->batch.timings = 1;
        } else if (strcmp(a, "--fail-on-dead-rules") == 0) {
            c->batch.fail_on_dead_rules = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            c->quiet = c->batch.quiet = 1;
        } else if (strcmp(a, "--rules") == 0) {
            target = &c->batch.rules_dir;
        } else if (strcmp(a, "--policy") == 0) {
            target = &c->batch.policy_path;
        } else if (strcmp(a, "--out") == 0) {
            target = &c->batch.out_dir;
        } else if (strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) {
            if (i + 1 >= argc) return usage_error("option '%s' needs a value", a);
            char *end;
            unsigned long n = strtoul(argv[++i], &end, 10);
            if (*end || n < 1 || n > 256)
                return usage_error("--jobs takes a whole number from 1 to 256, not '%s'", argv[i]);
            c->batch.jobs = (size_t)n;
        } else {
            return usage_error("unknown option '%s'", a);
        }
        if (target) {
            if (i + 1 >= argc) return usage_error("option '%s' needs a value", a);
            *target = argv[++i];
        }
    }
    if (c->npaths == 0)
        return usage_error(
            "%s", "give at least one intake file or folder, e.g. 'partnerfit run samples/'");
    c->batch.paths = c->paths;
    c->batch.npaths = c->npaths;
    return -1;
}

/* run and merge: the same options, the same reports, the same summary. */
typedef struct run_call {
    cli_t *c;
    int merging;
} run_call_t;

/* The run itself and its summary line (in the guarded child). */
static int run_guarded(void *arg)
{
    run_call_t *rc = arg;
    cli_t *c = rc->c;
    pf_batch_stats_t st;
    int code =
        rc->merging ? pf_batch_merge(&c->batch, &st, stderr) : pf_batch_run(&c->batch, &st, stderr);
    if (!c->quiet && (code == PF_EXIT_OK || code == PF_EXIT_REJECTS ||
                      code == PF_EXIT_RULE_ERRORS || code == PF_EXIT_DEAD_RULES))
        fprintf(stderr,
                "partnerfit: %zu file%s, %zu intake%s: %zu evaluated, %zu rejected; %zu rules; "
                "reports in %s/\n",
                st.files, st.files == 1 ? "" : "s", st.intakes, st.intakes == 1 ? "" : "s",
                st.evaluated, st.rejected, st.rules, c->batch.out_dir);
    if (!c->quiet && c->batch.incremental)
        fprintf(stderr, "partnerfit: %zu intake%s reused from the previous run\n", st.reused,
                st.reused == 1 ? "" : "s");
    return code;
}

/* How long rule code may run past its deadline before the process it runs
 * in is killed from outside: the evaluator's own checks come first. */
static double overrun_seconds(const pf_eval_limits_t *l)
{
    return 1.0 + l->seconds / 2;
}

static int run_command(int argc, char **argv, int merging)
{
    cli_t c;
    memset(&c, 0, sizeof c);
    pf_batch_options_default(&c.batch);
    int code = parse_run(argc, argv, &c);
    if (code < 0) {
        run_call_t call = {&c, merging};
        pf_eval_limits_t *lim = &c.batch.eval_limits;
        code = pf_guard_run(run_guarded, &call, lim, overrun_seconds(lim), PF_EXIT_CONFIG, stderr);
    }
    free(c.paths);
    return code;
}

/* The options each analyst command takes (with a value unless noted);
 * any other is refused rather than ignored. */
static const struct tool_options {
    const char *cmd;
    const char *const opts[7];
} TOOL_OPTIONS[] = {
    {"check", {"--rules", "--policy", "--strict", NULL}},
    {"test", {"--rules", "--policy", "--name", "--junit", NULL}},
    {"explain", {"--rules", "--policy", "--format", "--sensitivity", NULL}},
    {"sensitivity", {"--rules", "--policy", "--format", NULL}},
    {"brief", {"--rules", "--policy", "--out", NULL}},
    {"diff", {"--rules", "--policy", "--base-rules", "--base-policy", "--base-rev", "--out", NULL}},
    {"types", {"--policy", "--out", NULL}},
    {"isolation", {"--rules", "--policy", "--orders", "--seed", NULL}},
    {"template", {"--policy", "--example", "--out", NULL}},
    {"schema", {"--policy", "--json-schema", "--out", NULL}},
    {"import", {"--policy", "--map", "--out", "--rejects", "--quiet", "-q", NULL}},
    {NULL, {NULL}},
};

static int tool_takes(const char *cmd, const char *opt)
{
    for (const struct tool_options *t = TOOL_OPTIONS; t->cmd; t++)
        if (strcmp(t->cmd, cmd) == 0)
            for (size_t i = 0; t->opts[i]; i++)
                if (strcmp(t->opts[i], opt) == 0) return 1;
    return 0;
}

/* Options shared by the analyst tools; returns -1 when parsed. */
static int parse_tool(int argc, char **argv, pf_tools_options_t *o, const char **paths)
{
    o->rules_dir = pf_paths_default_rules();
    o->policy_path = pf_paths_default_policy();
    pf_eval_limits_default(&o->limits);
    o->paths = paths;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **target = NULL;
        if (a[0] != '-') {
            paths[o->npaths++] = a;
            continue;
        }
        if (!tool_takes(argv[1], a))
            return usage_error("this command does not take the option '%s'", a);
        if (strcmp(a, "--strict") == 0) {
            o->strict = 1;
            continue;
        }
        if (strcmp(a, "--sensitivity") == 0) {
            o->sensitivity = 1;
            continue;
        }
        if (strcmp(a, "--example") == 0 || strcmp(a, "--json-schema") == 0 ||
            strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            int *flag = a[2] == 'e' ? &o->example : a[2] == 'j' ? &o->json_schema : &o->quiet;
            *flag = 1;
            continue;
        }
        if (strcmp(a, "--orders") == 0 || strcmp(a, "--seed") == 0) {
            char *end;
            if (i + 1 >= argc) return usage_error("option '%s' needs a value", a);
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (*end || end == argv[i] || argv[i][0] == '-' || (a[2] == 'o' && (v < 1 || v > 1000)))
                return usage_error("'%s' takes a whole number (--orders 1 to 1000)", a);
            if (a[2] == 'o')
                o->orders = (unsigned)v;
            else
                o->seed = v;
            continue;
        }
        if (strcmp(a, "--rules") == 0)
            target = &o->rules_dir;
        else if (strcmp(a, "--policy") == 0)
            target = &o->policy_path;
        else if (strcmp(a, "--base-rules") == 0)
            target = &o->base_rules_dir;
        else if (strcmp(a, "--base-policy") == 0)
            target = &o->base_policy_path;
        else if (strcmp(a, "--base-rev") == 0)
            target = &o->base_rev;
        else if (strcmp(a, "--out") == 0)
            target = &o->out;
        else if (strcmp(a, "--format") == 0)
            target = &o->format;
        else if (strcmp(a, "--name") == 0)
            target = &o->name;
        else if (strcmp(a, "--junit") == 0)
            target = &o->junit;
        else if (strcmp(a, "--map") == 0)
            target = &o->map;
        else if (strcmp(a, "--rejects") == 0)
            target = &o->rejects;
        else
            return usage_error("unknown option '%s'", a);
        if (i + 1 >= argc) return usage_error("option '%s' needs a value", a);
        *target = argv[++i];
    }
    return -1;
}

typedef struct tool_call {
    const pf_tools_options_t *o;
    int (*cmd)(const pf_tools_options_t *, FILE *, FILE *);
} tool_call_t;

static int tool_guarded(void *arg)
{
    tool_call_t *tc = arg;
    int code = tc->cmd(tc->o, stdout, stderr);
    if (fflush(stdout) != 0 && code == PF_EXIT_OK) code = PF_EXIT_IO;
    return code;
}

static int tool_command(int argc, char **argv,
                        int (*cmd)(const pf_tools_options_t *, FILE *, FILE *))
{
    pf_tools_options_t o;
    memset(&o, 0, sizeof o);
    const char **paths = calloc((size_t)argc, sizeof *paths);
    if (!paths) return PF_EXIT_IO;
    int code = parse_tool(argc, argv, &o, paths);
    if (code < 0) {
        tool_call_t call = {&o, cmd};
        code = pf_guard_run(tool_guarded, &call, &o.limits, overrun_seconds(&o.limits),
                            PF_EXIT_CONFIG, stderr);
    }
    free(paths);
    return code;
}

static int dispatch(int argc, char **argv);

/* CMD --help (or -h) before any "--": the usage, exit 0, nothing run. */
/* `partnerfit CMD --help`: that command's page; the whole usage for a
 * command this table does not know. */
static const struct command_help {
    const char *cmd;
    const char *text;
} COMMAND_HELP[] = {
    {"run",
     "usage: partnerfit run [options] PATH...\n"
     "\n"
     "Evaluates every intake under the PATHs (files, or folders searched recursively\n"
     "for *.yaml and *.yml in sorted order) and writes the reports to --out:\n"
     "recommendations.csv, needs.csv, rejects.csv, rule_hits.csv, manifest.yaml.\n"
     "Each intake ends up in the recommendations or in rejects.csv.\n"
     "\n"
     "  --rules DIR        rule files (*.lua), loaded in name order   [rules]\n"
     "  --policy FILE      the policy                                 [policies/default.yaml]\n"
     "  --out DIR          where the reports go                       [reports]\n"
     "  --jobs N           worker processes                           [CPUs it may use]\n"
     "  --excel            for Excel: UTF-8 BOM, CRLF, formula guard (a leading ')\n"
     "  --delimiter C      ',' or ';' between cells (';': a decimal comma too)\n"
     "  --timings          time per rule in rule_hits.csv\n"
     "  --shard K/N        this run's share of the files, for merge\n"
     "  --incremental      reuse the rows of files unchanged since the last such run\n"
     "  --max-file-mb N    largest intake file read, in MiB [1]\n"
     "  --max-file-docs N  intakes read from one bulk file [1000]\n"
     "  --fail-on-dead-rules  exit 6 when a rule fired on no intake\n"
     "  --allow-empty      write empty reports when no intake file is found\n"
     "  --max-drop P       exit 7 when P% fewer files are found than last time\n"
     "  -q, --quiet        no progress or summary line\n"
     "\n"
     "exit: 0 all evaluated, 1 some rejected, 2 configuration, 3 I/O, 4 busy,\n"
     "      5 a rule failed, 6 a dead rule (--fail-on-dead-rules), 7 no input\n"},
    {"merge", "usage: partnerfit merge [--rules DIR] [--policy FILE] [--out DIR] [--excel]\n"
              "                        [--delimiter C] [-q]\n"
              "                        SHARD_DIR...\n"
              "\n"
              "Combines the output folders of `partnerfit run --shard K/N` (all N of them)\n"
              "into reports byte-identical to one run's over the same files. The shards must\n"
              "have used the same rules, policy, --excel and --delimiter; their digests\n"
              "are checked.\n"
              "Exit codes as for run.\n"},
    {"check", "usage: partnerfit check [--rules DIR] [--policy FILE] [--strict]\n"
              "\n"
              "Loads the policy, the schema and the rules, and probes every rule with intakes\n"
              "built from the schema: unknown questions or options, rules that fail on an\n"
              "allowed answer, options never scored. Exit 0 when clean, 2 on problems (and\n"
              "on warnings with --strict).\n"},
    {"test", "usage: partnerfit test [--rules DIR] [--policy FILE] [--name TEXT] [--junit FILE]\n"
             "                       [DIR|FILE...]\n"
             "\n"
             "Runs the rule tests (YAML: an intake and what is expected of it) in the files\n"
             "and folders given [tests/rules]. --name TEXT runs only the cases whose name\n"
             "contains TEXT; --junit FILE also writes JUnit XML. Exit 0 when all pass,\n"
             "1 on a failure, 2 when no case is found or the pack cannot load.\n"},
    {"explain", "usage: partnerfit explain [--rules DIR] [--policy FILE] [--format text|json]\n"
                "                          [--sensitivity] FILE\n"
                "\n"
                "The trace of one intake: every rule, whether it fired, what it read and what\n"
                "it added, the ranking and the shortlist. --sensitivity prints what\n"
                "`partnerfit sensitivity FILE` does instead.\n"},
    {"brief", "usage: partnerfit brief [--rules DIR] [--policy FILE] [--out FILE] FILE\n"
              "\n"
              "One intake's brief: a self-contained HTML page (no script, no request to\n"
              "anywhere) with the need per area, the ranking with the shortlist cut, the\n"
              "reasons and next steps of each shortlisted option, contracting against the\n"
              "deadlines, lifecycle notes and the answers the result rests on; printable on\n"
              "A4. To stdout, or written whole to --out FILE. Texts and colours come from the\n"
              "policy's brief section. Exit 0; 1 when the intake cannot be read; 5 when a\n"
              "rule fails on it.\n"},
    {"sensitivity",
     "usage: partnerfit sensitivity [--rules DIR] [--policy FILE] [--format text|json] FILE\n"
     "\n"
     "Which single answer of one intake, changed by one step, changes its top option\n"
     "or its shortlist. The steps come from the intake schema: an integer by 1 on a\n"
     "scale of at most ten values and by 10 % (at least 1) otherwise, a number by\n"
     "10 %, an enum of an ordered scale (low, medium, high) to its neighbours and any\n"
     "other enum to each other value, a boolean flipped, a date by 30 days, a list\n"
     "item or map entry removed, a list item named by an enum added; every changed\n"
     "intake stays valid for the schema. One evaluation per step. Prints each change\n"
     "that moves the outcome (path, old -> new, what moved, a policy threshold it\n"
     "crosses) sorted by path, then \"N of M one-step changes move the top option,\n"
     "K move the shortlist\". Exit 0, or 1 when the intake cannot be read or\n"
     "evaluated.\n"},
    {"diff", "usage: partnerfit diff --base-rules DIR [--base-policy FILE] [--rules DIR]\n"
             "                       [--policy FILE] [--out DIR] PATH...\n"
             "       partnerfit diff --base-rev REV [--rules DIR] [--policy FILE] [--out DIR]\n"
             "                       PATH...\n"
             "\n"
             "Evaluates the intakes under PATH with a baseline and a candidate pack (the\n"
             "baseline from folders, or as committed at git revision REV) and writes what\n"
             "changed per intake and option to diff.csv in --out, with a summary on stdout.\n"
             "Exit 0 when nothing changed, 1 when something did.\n"},
    {"types", "usage: partnerfit types [--policy FILE] [--out FILE]\n"
              "\n"
              "Writes Lua Language Server annotations for rule files, from the intake schema\n"
              "(to stdout, or to FILE).\n"},
    {"isolation",
     "usage: partnerfit isolation [--rules DIR] [--policy FILE] [--orders N] [--seed S] PATH...\n"
     "\n"
     "Evaluates each intake under PATH on a fresh evaluator of its own, then on one\n"
     "warm evaluator in N orders [4]: input order, reversed and seeded shuffles. An\n"
     "intake whose rows differ is printed with the order and what ran before it.\n"
     "Exit 0 when none differs, 1 when one does (the pack carries state between\n"
     "intakes or depends on pairs order), 2 when the pack cannot load.\n"},
    {"template", "usage: partnerfit template [--policy FILE] [--example] [--out FILE]\n"
                 "\n"
                 "Writes a blank intake made from the intake schema the policy names, in the\n"
                 "questionnaire's order: every question with its help text, whether it is\n"
                 "required, its allowed values, range and default as comments. Fill in the\n"
                 "answers and check the file with `partnerfit run FILE`. --example fills in an\n"
                 "example answer for every question, one per line, and one entry for every\n"
                 "list and map. To stdout, or to FILE. Exit 0, 2 when the schema cannot load.\n"},
    {"schema", "usage: partnerfit schema [--policy FILE] [--json-schema] [--out FILE]\n"
               "\n"
               "The intake schema the policy names, as data (YAML). --json-schema writes it as\n"
               "a JSON Schema (draft 2020-12) for the YAML language server, so an editor\n"
               "completes question names and values and flags mistakes while you type; the\n"
               "shipped copy is policies/intake.schema.json. To stdout, or to FILE.\n"},
    {"import",
     "usage: partnerfit import --map MAP.yaml --out DIR [--rejects FILE] [--policy FILE]\n"
     "                         [-q] FORM.csv\n"
     "\n"
     "Turns a form or spreadsheet export (CSV, UTF-8 with or without a byte order\n"
     "mark) into intakes: one file DIR/ID.yaml per response row, as the map says\n"
     "(which column answers which question, how answers become values, how the id is\n"
     "made). Each file is checked against the intake schema before it is written.\n"
     "A row that cannot be imported is listed in the rejects report [DIR/import-\n"
     "rejects.csv] with its row, column, question and what was expected. The same\n"
     "CSV gives the same files, byte for byte.\n"
     "Exit 0 every row imported, 1 some rows rejected (the others were written),\n"
     "2 usage, map or schema error or a mapped column missing (nothing written),\n"
     "3 I/O error.\n"},
    {NULL, NULL},
};

static void print_help(const char *cmd)
{
    for (const struct command_help *h = COMMAND_HELP; h->cmd; h++)
        if (strcmp(h->cmd, cmd) == 0) {
            fputs(h->text, stdout);
            return;
        }
    fputs(USAGE, stdout);
}

static int wants_help(int argc, char **argv)
{
    for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return 1;
    return 0;
}

/* argv with every "--name=value" before "--" split into "--name" "value",
 * so both spellings parse alike. args has room for twice argc; the split
 * names are copied into names, one buffer as long as all of argv. */
typedef struct split_args {
    char **args;
    char *names;
    int count;
} split_args_t;

static int split_equals(int argc, char **argv, split_args_t *sp)
{
    size_t total = 0;
    for (int i = 0; i < argc; i++)
        total += strlen(argv[i]) + 1;
    sp->args = calloc((size_t)argc * 2 + 1, sizeof *sp->args);
    sp->names = malloc(total + 1);
    sp->count = 0;
    if (!sp->args || !sp->names) return 0;
    char *next = sp->names;
    int options = 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        if (strcmp(a, "--") == 0) options = 0;
        if (options && i >= 2 && eq && strncmp(a, "--", 2) == 0 && eq > a + 2) {
            size_t len = (size_t)(eq - a);
            memcpy(next, a, len);
            next[len] = '\0';
            sp->args[sp->count++] = next;
            sp->args[sp->count++] = (char *)eq + 1;
            next += len + 1;
        } else {
            sp->args[sp->count++] = argv[i];
        }
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(USAGE, stderr);
        return PF_EXIT_CONFIG;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(USAGE, stdout);
        pf_paths_describe(stdout);
        return PF_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("partnerfit %s\n", PF_VERSION);
        return PF_EXIT_OK;
    }
    if (wants_help(argc, argv)) {
        print_help(cmd);
        if (strcmp(cmd, "types") != 0 && strcmp(cmd, "template") != 0 &&
            strcmp(cmd, "schema") != 0 && strcmp(cmd, "import") != 0)
            pf_paths_describe(stdout); /* these take no --rules */
        return PF_EXIT_OK;
    }
    split_args_t sp;
    int code = split_equals(argc, argv, &sp) ? dispatch(sp.count, sp.args) : PF_EXIT_IO;
    free(sp.args);
    free(sp.names);
    return code;
}

static int dispatch(int argc, char **argv)
{
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0) return run_command(argc, argv, 0);
    if (strcmp(cmd, "merge") == 0) return run_command(argc, argv, 1);
    if (strcmp(cmd, "check") == 0) return tool_command(argc, argv, pf_cmd_check);
    if (strcmp(cmd, "test") == 0) return tool_command(argc, argv, pf_cmd_test);
    if (strcmp(cmd, "explain") == 0) return tool_command(argc, argv, pf_cmd_explain);
    if (strcmp(cmd, "sensitivity") == 0) return tool_command(argc, argv, pf_cmd_sensitivity);
    if (strcmp(cmd, "brief") == 0) return tool_command(argc, argv, pf_cmd_brief);
    if (strcmp(cmd, "diff") == 0) return tool_command(argc, argv, pf_cmd_diff);
    if (strcmp(cmd, "types") == 0) return tool_command(argc, argv, pf_cmd_types);
    if (strcmp(cmd, "isolation") == 0) return tool_command(argc, argv, pf_cmd_isolation);
    if (strcmp(cmd, "template") == 0) return tool_command(argc, argv, pf_cmd_template);
    if (strcmp(cmd, "schema") == 0) return tool_command(argc, argv, pf_cmd_schema);
    if (strcmp(cmd, "import") == 0) return tool_command(argc, argv, pf_cmd_import);
    return usage_error("unknown command '%s'", cmd);
}
