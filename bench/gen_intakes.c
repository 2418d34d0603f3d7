/*
 * gen_intakes.c - seeded synthetic corpus of intake questionnaires for the
 * benchmark (bench/run.sh). Not part of partnerfit.
 *
 *   gen_intakes -n COUNT -s SEED -o DIR [-p PER_DIR] [-b BAD_PER_MILLE]
 *
 * Writes COUNT intakes as DIR/bNNNN/<id>.yaml, PER_DIR files per folder
 * (default 1000). The same COUNT, SEED and PER_DIR give byte-identical files
 * on every machine: the generator uses its own PRNG (splitmix64) and no
 * locale, clock or libc random source.
 *
 * Every answer of policies/intake-schema.yaml is varied within its range,
 * the way the samples in samples/ use them (flow-style help and skills,
 * folded notes, optional questions left out now and then), and the files
 * come out about the size of the samples. About BAD_PER_MILLE intakes per
 * thousand (default 5) carry one mistake an analyst makes (a value out of
 * range, a misspelt field, an enum in the wrong case, a missing required
 * answer), so the rejects path is exercised as in a real export.
 *
 * The answers the schema gained later (estate.counts_estimated and
 * production_in_azure, culture.area_approach and adoption_phase,
 * procurement.incumbent_partner, support_via_csp and account_team, and
 * premier, Unified's earlier name, as the support plan held) come at modest
 * rates from a second stream per intake, so every other answer of an intake
 * is the one the generator gave before they were added.
 *
 * Prints one line on stdout: files, bytes, bad intakes.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/* ---- PRNG ------------------------------------------------------------------ */

static uint64_t rng_state;

static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform integer in [lo, hi]. */
static long range(long lo, long hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    return lo + (long)(next_u64() % span);
}

/* 1 with probability percent/100. */
static int chance(int percent)
{
    return range(0, 99) < percent;
}

/* The second stream of an intake (the answers added later): the same
 * generator on its own state, so drawing from it leaves the first alone. */
static uint64_t extra_state;

static long xrange(long lo, long hi)
{
    uint64_t saved = rng_state;
    rng_state = extra_state;
    long v = range(lo, hi);
    extra_state = rng_state;
    rng_state = saved;
    return v;
}

static int xchance(int percent)
{
    return xrange(0, 99) < percent;
}

/* Log-uniform integer in [0, max]: many small estates, few huge ones. */
static long skewed(long max)
{
    int bits = 0;
    while ((1L << bits) <= max)
        bits++;
    long b = range(0, bits);
    long lo = b ? 1L << (b - 1) : 0, hi = (1L << b) - 1;
    return range(lo, hi > max ? max : hi);
}

#define PICK(arr) (arr[range(0, (long)(sizeof arr / sizeof arr[0]) - 1)])
#define COUNT(arr) (sizeof arr / sizeof arr[0])

/* ---- vocabulary -------------------------------------------------------------- */

static const char *const NAME_FIRST[] = {
    "Nordvik",    "Aurora",    "Kestrel",  "Brightwater", "Lindqvist", "Thornbury", "Polaris",
    "Cortexa",    "Meridian",  "Atlas",    "Halden",      "Ostera",    "Greystone", "Fernhill",
    "Skagerrak",  "Lumenfeld", "Bergholm", "Vestra",      "Solberg",   "Ravenna",   "Hollis",
    "Castellane", "Mariner",   "Eskdale",  "Tessaro",     "Kvarn",     "Juniper",   "Ålesund",
    "Mälar",      "Zürich",    "Oakridge", "Pinecrest",   "Silverton", "Harbour",   "Evergreen",
    "Northwind",  "Bluestone", "Redfern",  "Westmark",    "Eastholm"};
static const char *const NAME_SECOND[] = {
    "Freight",   "Dental",   "Software",  "Sparebank", "Utilities", "Foods",    "Marine",
    "Medtech",   "Retail",   "Logistics", "Stahl",     "Biotech",   "Energi",   "Health",
    "Insurance", "Council",  "Analytics", "Pharma",    "Textiles",  "Hotels",   "Media",
    "Robotics",  "Shipping", "Bank",      "Clinics",   "Builders",  "Airlines", "Telecom"};
static const char *const NAME_SUFFIX[] = {"AS", "ASA", "AB",  "Oy",  "GmbH", "Ltd", "plc",
                                          "SA", "BV",  "Inc", "A/S", "AG",   "SE",  "LLC"};
static const char *const INDUSTRY[] = {
    "financial_services",    "insurance",           "healthcare", "life_sciences",
    "public_sector",         "education",           "retail",     "manufacturing",
    "energy_utilities",      "transport_logistics", "technology", "media",
    "professional_services", "hospitality",         "other"};
static const char *const SIZE[] = {"small", "medium", "large", "enterprise"};
static const char *const COUNTRY[] = {"NO", "SE", "FI", "DK", "DE", "NL", "GB", "IE", "FR",
                                      "ES", "IT", "PL", "US", "CA", "AT", "CH", "BE", "IS"};
static const char *const AREA[] = {"strategy", "plan",   "ready", "migrate",
                                   "innovate", "govern", "manage"};
static const char *const LEVEL3[] = {"low", "medium", "high"};
static const char *const APPROACH[] = {"develop_skills", "augment_staff", "offload"};
static const char *const MODEL[] = {"decentralized", "centralized", "enterprise", "distributed"};
static const char *const SKILL[] = {"cloud_architecture", "networking", "identity",   "security",
                                    "governance",         "operations", "iac_devops", "data",
                                    "cloud_native",       "ai",         "finops"};
static const char *const CRIT[] = {"mission_critical", "unit_critical", "high",
                                   "medium",           "low",           "unsupported"};
static const char *const BILLING[] = {"single_invoice", "direct", "pay_as_you_go",
                                      "enterprise_agreement"};
static const char *const PLAN[] = {
    "none", "basic", "developer", "standard", "professional_direct", "unified"};
static const char *const PHASE[] = {"exploring", "planning", "migrating", "operating"};
static const char *const INCUMBENT[] = {"none", "csp", "azure_expert_msp", "other_partner"};

static const char *const NOTE_OPEN[] = {"The infrastructure team",
                                        "Leadership",
                                        "The CIO",
                                        "Procurement",
                                        "The board",
                                        "Our operations group",
                                        "The security officer",
                                        "The finance director",
                                        "A new platform team",
                                        "The data team",
                                        "Two senior engineers",
                                        "The service desk"};
static const char *const NOTE_VERB[] = {
    "wants to move",        "is worried about",    "has budgeted for",  "expects to review",
    "plans to consolidate", "cannot yet staff",    "asked us to price", "would rather outsource",
    "has already piloted",  "needs a decision on", "is renegotiating",  "is reluctant to change"};
static const char *const NOTE_OBJECT[] = {
    "the booking platform",       "the ERP system",           "the customer portal",
    "the data warehouse",         "two legacy mainframes",    "the payroll service",
    "the file servers in Bergen", "the lab systems in Malmö", "the test environments",
    "the warehouse scanners",     "the shared network",       "the identity directory",
    "the reporting stack",        "the site in Tromsø",       "the München office",
    "the backup estate"};
static const char *const NOTE_TAIL[] = {
    "before the lease ends",      "this financial year",
    "after the merger closes",    "within the current budget",
    "without new hires",          "once the audit is done",
    "by the end of next quarter", "as part of the cloud programme",
    "with help from a partner",   "in two waves",
    "if the business case holds", "ahead of the peak season"};

/* ---- dates ------------------------------------------------------------------ */

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

static void fmt_date(char *out, size_t n, long days)
{
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, n, "%04d-%02d-%02d", y, m, d);
}

#define DAY_2022_01_01 18993L
#define DAY_2026_12_31 20818L

/* ---- output buffer ------------------------------------------------------------ */

typedef struct out {
    char *p;
    size_t len, cap;
} out_t;

static void put(out_t *o, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = o->cap - o->len;
        int n = vsnprintf(o->p + o->len, room, fmt, ap);
        va_end(ap);
        if (n < 0) abort();
        if ((size_t)n < room) {
            o->len += (size_t)n;
            return;
        }
        o->cap = o->cap * 2 + (size_t)n;
        o->p = realloc(o->p, o->cap);
        if (!o->p) abort();
    }
}

/* ---- one intake ----------------------------------------------------------------- */

/* Lower-case, hyphenated ASCII id part from a name ("Ålesund Foods" -> "lesund-foods"). */
static void slug(char *out, size_t n, const char *a, const char *b)
{
    size_t k = 0;
    const char *parts[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        if (i && k + 1 < n) out[k++] = '-';
        for (const char *s = parts[i]; *s && k + 1 < n; s++) {
            unsigned char c = (unsigned char)*s;
            if (c >= 'A' && c <= 'Z')
                out[k++] = (char)(c - 'A' + 'a');
            else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                out[k++] = (char)c;
        }
    }
    out[k] = '\0';
}

/* A folded note of about target characters, wrapped at 78 columns. */
static void notes(out_t *o, long target)
{
    put(o, "notes: >-\n ");
    long written = 0, col = 2;
    while (written < target) {
        char sentence[256];
        snprintf(sentence, sizeof sentence, "%s %s %s %s.", PICK(NOTE_OPEN), PICK(NOTE_VERB),
                 PICK(NOTE_OBJECT), PICK(NOTE_TAIL));
        /* word by word, so the folded lines stay under 80 columns */
        for (char *w = strtok(sentence, " "); w; w = strtok(NULL, " ")) {
            long wl = (long)strlen(w);
            if (col + 1 + wl > 78) {
                put(o, "\n ");
                col = 2;
            }
            put(o, " %s", w);
            col += 1 + wl;
            written += 1 + wl;
        }
    }
    put(o, "\n");
}

typedef enum mistake {
    M_NONE,
    M_MATURITY_RANGE,
    M_MISSPELT_FIELD,
    M_ENUM_CASE,
    M_MISSING_APPROACH,
    M_BAD_DATE
} mistake_t;

static void intake(out_t *o, long index, mistake_t bad, char *id, size_t idsz)
{
    const char *first = PICK(NAME_FIRST), *second = PICK(NAME_SECOND);
    char s[96];
    slug(s, sizeof s, first, second);
    snprintf(id, idsz, "%s-%06ld", s, index);

    long assessed = range(DAY_2022_01_01, DAY_2026_12_31);
    char date[16];
    fmt_date(date, sizeof date, assessed);
    const char *industry = PICK(INDUSTRY);
    int regulated_sector =
        strcmp(industry, "financial_services") == 0 || strcmp(industry, "insurance") == 0 ||
        strcmp(industry, "healthcare") == 0 || strcmp(industry, "public_sector") == 0;

    put(o, "# Synthetic intake %ld: %s %s.\n", index, first, second);
    put(o, "id: %s\n", id);
    if (bad == M_BAD_DATE)
        put(o, "assessed_on: %.5s02-30\n", date); /* no such day */
    else
        put(o, "assessed_on: %s\n", date);

    put(o, "organisation:\n  name: %s %s %s\n", first, second, PICK(NAME_SUFFIX));
    if (chance(90)) put(o, "  industry: %s\n", industry);
    if (chance(85)) put(o, "  size: %s\n", PICK(SIZE));
    if (chance(90)) {
        const char *c = PICK(COUNTRY);
        put(o, chance(15) ? "  country: \"%s\"\n" : "  country: %s\n", c);
    }
    if (regulated_sector ? chance(80) : chance(30))
        put(o, "  regulated: %s\n", regulated_sector && chance(85) ? "true" : "false");
    if (chance(10)) put(o, "  business_unit_of: %s Group\n", first);

    put(o, "maturity:\n");
    for (size_t i = 0; i < COUNT(AREA); i++) {
        long m = range(0, 5);
        if (bad == M_MATURITY_RANGE && i == 3) m = 7;
        put(o, "  %s: %ld\n", AREA[i], m);
    }

    long nhelp = range(bad == M_ENUM_CASE ? 1 : 0, 5);
    if (nhelp) {
        put(o, "help:\n");
        int used[7] = {0};
        int block = chance(15);
        for (long h = 0; h < nhelp; h++) {
            long a;
            do
                a = range(0, 6);
            while (used[a]);
            used[a] = 1;
            const char *u = PICK(LEVEL3);
            if (bad == M_ENUM_CASE && h == 0) u = "High";
            int with_urgency = chance(85) || (bad == M_ENUM_CASE && h == 0);
            if (block) {
                put(o, "  - area: %s\n", AREA[a]);
                if (with_urgency) put(o, "    urgency: %s\n", u);
            } else if (with_urgency) {
                put(o, "  - {area: %s, urgency: %s}\n", AREA[a], u);
            } else {
                put(o, "  - {area: %s}\n", AREA[a]);
            }
        }
    }

    put(o, "culture:\n");
    if (bad != M_MISSING_APPROACH) put(o, "  approach: %s\n", PICK(APPROACH));
    if (chance(90)) put(o, "  self_service_preference: %s\n", PICK(LEVEL3));
    if (chance(85)) put(o, "  risk_tolerance: %s\n", PICK(LEVEL3));
    if (chance(90)) put(o, "  executive_sponsor: %s\n", chance(70) ? "true" : "false");
    if (chance(85)) put(o, "  operating_model: %s\n", PICK(MODEL));
    if (xchance(30)) put(o, "  adoption_phase: %s\n", PHASE[xrange(0, 3)]);
    if (xchance(15)) {
        /* one or two areas run differently from the default, mostly handed over */
        long a0 = xrange(0, 6), n = xrange(1, 2);
        put(o, "  area_approach: {");
        for (long k = 0; k < n; k++) {
            long a = (a0 + k * 3) % 7;
            const char *ap = xchance(65) ? "offload" : APPROACH[xrange(0, 1)];
            put(o, "%s%s: %s", k ? ", " : "", AREA[a], ap);
        }
        put(o, "}\n");
    }

    long nskills = range(0, 11);
    if (nskills) {
        put(o, "skills:\n");
        int used[11] = {0};
        for (long k = 0; k < nskills; k++) {
            long a;
            do
                a = range(0, 10);
            while (used[a]);
            used[a] = 1;
            long need = range(1, 5), have = range(0, need);
            if (chance(8))
                put(o, "  %s: {need: %ld}\n", SKILL[a], need);
            else if (chance(5))
                put(o, "  %s: {have: %ld}\n", SKILL[a], range(0, 5));
            else
                put(o, "  %s: {have: %ld, need: %ld}\n", SKILL[a], have, need);
        }
    }

    if (chance(92)) {
        put(o, "estate:\n");
        int greenfield = chance(6);
        long servers = greenfield ? 0 : skewed(4000);
        long databases = greenfield ? 0 : skewed(1500);
        long apps = greenfield ? range(0, 8) : skewed(1500);
        put(o, "  servers: %ld\n  databases: %ld\n  applications: %ld\n", servers, databases, apps);
        if (chance(90)) put(o, "  inventory_complete: %s\n", chance(55) ? "true" : "false");
        if (chance(45)) put(o, "  adoption_window_months: %ld\n", range(1, 60));
        if (xchance(25)) put(o, "  counts_estimated: %s\n", xchance(55) ? "true" : "false");
        if (xchance(25)) put(o, "  production_in_azure: %s\n", xchance(50) ? "true" : "false");
        if (chance(85)) {
            put(o, "  criticality:\n");
            long total = servers + apps + 1;
            for (size_t c = 0; c < COUNT(CRIT); c++) {
                int p = c == 0 ? 35 : c == 1 ? 45 : 60;
                if (chance(p))
                    put(o, "    %s: %ld\n", CRIT[c], range(c < 2 ? 1 : 0, total / 8 + 3));
            }
        }
        if (chance(30)) {
            char exit_date[16];
            fmt_date(exit_date, sizeof exit_date, assessed + range(-120, 1200));
            put(o, "  datacenter_exit: %s\n", exit_date);
        }
        if (chance(75)) {
            long spend = skewed(3000) * 1000 + range(0, 99) * 10;
            if (chance(20))
                put(o, "  annual_azure_spend: %ld.%02ld\n", spend, range(1, 99));
            else
                put(o, "  annual_azure_spend: %ld\n", spend);
        }
    }

    if (chance(90)) {
        put(o, "procurement:\n");
        if (chance(85)) put(o, "  approved_vendor_list: %s\n", chance(30) ? "true" : "false");
        if (chance(80)) put(o, "  contract_lead_time_days: %ld\n", skewed(360));
        if (chance(85)) {
            const char *f = bad == M_MISSPELT_FIELD ? "billing_preferense" : "billing_preference";
            put(o, "  %s: %s\n", f, PICK(BILLING));
        } else if (bad == M_MISSPELT_FIELD) {
            put(o, "  billing_preferense: direct\n");
        }
        if (chance(85)) {
            const char *plan = PICK(PLAN);
            if (strcmp(plan, "unified") == 0 && xchance(40)) plan = "premier"; /* read as unified */
            put(o, "  existing_support_plan: %s\n", plan);
        }
        if (chance(85)) put(o, "  active_paid_subscription: %s\n", chance(70) ? "true" : "false");
        if (xchance(25)) put(o, "  incumbent_partner: %s\n", INCUMBENT[xrange(0, 3)]);
        if (xchance(20)) put(o, "  support_via_csp: %s\n", xchance(50) ? "true" : "false");
        if (xchance(40)) put(o, "  account_team: %s\n", xchance(60) ? "true" : "false");
    } else if (bad == M_MISSPELT_FIELD) {
        put(o, "procurment:\n  billing_preference: direct\n");
    }

    if (chance(88)) {
        long r = range(0, 99);
        long target = r < 70 ? range(60, 300) : r < 95 ? range(300, 900) : range(900, 3000);
        notes(o, target);
    }
}

/* ---- main ------------------------------------------------------------------------ */

static int usage(void)
{
    fprintf(stderr, "usage: gen_intakes -n COUNT -s SEED -o DIR [-p PER_DIR] [-b BAD_PER_MILLE]\n");
    return 2;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0755) == 0 || errno == EEXIST) return 1;
    fprintf(stderr, "gen_intakes: %s: %s\n", path, strerror(errno));
    return 0;
}

int main(int argc, char **argv)
{
    long count = -1, per_dir = 1000, bad_per_mille = 5;
    unsigned long long seed = 1;
    const char *dir = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *v = argv[i + 1];
        if (strcmp(argv[i], "-n") == 0)
            count = strtol(v, NULL, 10);
        else if (strcmp(argv[i], "-s") == 0)
            seed = strtoull(v, NULL, 10);
        else if (strcmp(argv[i], "-o") == 0)
            dir = v;
        else if (strcmp(argv[i], "-p") == 0)
            per_dir = strtol(v, NULL, 10);
        else if (strcmp(argv[i], "-b") == 0)
            bad_per_mille = strtol(v, NULL, 10);
        else
            return usage();
    }
    if (argc % 2 == 0 || count < 0 || !dir || per_dir < 1 || bad_per_mille < 0) return usage();
    if (!make_dir(dir)) return 1;

    out_t o = {malloc(8192), 0, 8192};
    if (!o.p) abort();
    unsigned long long bytes = 0;
    long bad_count = 0;
    char sub[4096] = "", path[4200];
    for (long i = 0; i < count; i++) {
        if (i % per_dir == 0) {
            snprintf(sub, sizeof sub, "%s/b%04ld", dir, i / per_dir);
            if (!make_dir(sub)) return 1;
        }
        /* each intake has its own stream: any one can be regenerated alone */
        rng_state = seed * 0x9E3779B97F4A7C15ULL ^ (unsigned long long)i * 0xD1B54A32D192ED03ULL;
        extra_state = (seed + 0x632BE59BD9B4E019ULL) * 0xD1B54A32D192ED03ULL ^
                      ((unsigned long long)i + 1) * 0xBF58476D1CE4E5B9ULL;
        mistake_t bad = M_NONE;
        if (range(0, 999) < bad_per_mille) {
            bad = (mistake_t)range(M_MATURITY_RANGE, M_BAD_DATE);
            bad_count++;
        }
        char id[160];
        o.len = 0;
        intake(&o, i, bad, id, sizeof id);
        snprintf(path, sizeof path, "%s/%s.yaml", sub, id);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(o.p, 1, o.len, f) != o.len || fclose(f) != 0) {
            fprintf(stderr, "gen_intakes: %s: %s\n", path, strerror(errno));
            return 1;
        }
        bytes += o.len;
    }
    free(o.p);
    printf("files %ld bytes %llu bad %ld\n", count, bytes, bad_count);
    return 0;
}
