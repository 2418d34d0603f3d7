/*
 * test_why.c - unit tests for pf_why: the explained cells and the
 * contributions rows the host writes from the prelude's flat list must be
 * the bytes the generic writer gives for the joined text the prelude used
 * to build ("rule +5: reason; ..."), whatever the text (quotes, text that
 * is not clean, the formula guard, the cell limit), on the first intake and
 * on later ones (pieces kept), and nothing of one list may reach a cell
 * after a reset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "pf_why.h"

static const pf_csv_style_t DATA = {0, 0, ',', 0};
static const pf_csv_style_t SHEET = {1, 1, ';', 1};

/* One contribution for the list: kind, key, rule, points (NULL text for
 * none; "i:5" an integer, else a float), text. */
typedef struct contrib {
    const char *kind, *key, *rule, *points, *text;
} contrib_t;

/* Pushes the flat list: [-0, +1, m] */
static void push_list(lua_State *L, const contrib_t *c, size_t n)
{
    lua_createtable(L, (int)(n * 5), 0);
    for (size_t i = 0; i < n; i++) {
        lua_Integer at = (lua_Integer)(i * 5);
        lua_pushstring(L, c[i].kind);
        lua_rawseti(L, -2, at + 1);
        lua_pushstring(L, c[i].key);
        lua_rawseti(L, -2, at + 2);
        lua_pushstring(L, c[i].rule);
        lua_rawseti(L, -2, at + 3);
        if (!c[i].points)
            lua_pushboolean(L, 0);
        else if (strncmp(c[i].points, "i:", 2) == 0)
            lua_pushinteger(L, strtoll(c[i].points + 2, NULL, 10));
        else
            lua_pushnumber(L, strtod(c[i].points, NULL));
        lua_rawseti(L, -2, at + 4);
        lua_pushstring(L, c[i].text);
        lua_rawseti(L, -2, at + 5);
    }
}

/* The cell the prelude's joined text gave through the generic writer. */
static void expected_cell(pf_buf_t *out, const char *joined, const pf_csv_style_t *style)
{
    size_t cells = 0;
    pf_csv_cell_shown(out, &cells, joined, strlen(joined), style);
}

static void check_cell(pf_why_t *w, const char *kind, const char *key, const char *joined,
                       const pf_csv_style_t *style)
{
    pf_buf_t got, want;
    pf_buf_init(&got);
    pf_buf_init(&want);
    size_t cells = 0;
    pf_why_cell(w, kind, key, strlen(key), "none here", &got, &cells, style);
    expected_cell(&want, joined, style);
    assert_int_equal(cells, 1);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len);
    pf_buf_delete(&got);
    pf_buf_delete(&want);
}

static lua_State *new_state(void)
{
    lua_State *L = luaL_newstate();
    assert_non_null(L);
    return L;
}

static void test_joined_cells_as_generic(void **state)
{
    (void)state;
    static const contrib_t list[] = {
        {"option", "csp", "fit.a", "i:15", "Extra \"hands\" inside its teams."},
        {"area", "plan", "needs.m", "i:2", "Below defined practice."},
        {"option", "msp", "fit.a", "i:-5", "Extra \"hands\" inside its teams."},
        {"option", "csp", "fit.b", "7.5", "Half points, weighted."},
        {"option", "csp", "fit.c", "3.0", "A float that is whole."},
        {"option", "csp", "fit.d", "-2.25", "Two decimals."},
        {"option", "csp", "fit.e", "0.004", "Rounds to zero."},
        {"exclusion", "csp", "short.x", NULL, "No steps."},
    };
    lua_State *L = new_state();
    pf_why_t *w = pf_why_new();
    char err[160];
    for (int round = 0; round < 3; round++) { /* pieces kept from the second on */
        push_list(L, list, sizeof list / sizeof *list);
        assert_true(pf_why_read(w, L, -1, err, sizeof err));
        lua_pop(L, 1);
        lua_gc(L, LUA_GCCOLLECT); /* the anchor keeps the strings */
        const pf_csv_style_t *style = round == 1 ? &SHEET : &DATA;
        check_cell(w, "option", "csp",
                   "fit.a +15: Extra \"hands\" inside its teams.; fit.b +7.5: Half points, "
                   "weighted.; fit.c +3: A float that is whole.; fit.d -2.25: Two decimals.; "
                   "fit.e +0: Rounds to zero.",
                   style);
        check_cell(w, "option", "msp", "fit.a -5: Extra \"hands\" inside its teams.", style);
        check_cell(w, "area", "plan", "needs.m +2: Below defined practice.", style);
        check_cell(w, "exclusion", "csp", "short.x: No steps.", style);
        check_cell(w, "area", "csp", "none here", style);
    }
    pf_why_reset(w, L);
    check_cell(w, "option", "csp", "none here", &DATA); /* nothing of the last list */
    pf_why_delete(w);
    lua_close(L);
}

/* A piece that is not clean text makes the whole cell escaped, the
 * backslashes of its other pieces too; a guarded start and a cell over the
 * limit are the generic writer's. */
static void test_cells_made_the_generic_way(void **state)
{
    (void)state;
    static char huge[PF_CSV_CELL_MAX];
    memset(huge, 'h', sizeof huge - 1);
    const contrib_t list[] = {
        {"option", "a", "r.1", "i:1", "back\\slash"},
        {"option", "a", "r.2", "i:2", "bad \x01 byte"},
        {"option", "b", "=r.3", "i:3", "a formula start"},
        {"option", "c", "r.4", "i:4", huge},
        {"option", "c", "r.5", "i:5", "past the limit"},
    };
    lua_State *L = new_state();
    pf_why_t *w = pf_why_new();
    char err[160];
    for (int round = 0; round < 2; round++) {
        push_list(L, list, sizeof list / sizeof *list);
        assert_true(pf_why_read(w, L, -1, err, sizeof err));
        lua_pop(L, 1);
        check_cell(w, "option", "a", "r.1 +1: back\\slash; r.2 +2: bad \x01 byte", &DATA);
        check_cell(w, "option", "b", "=r.3 +3: a formula start", &SHEET);
        check_cell(w, "option", "b", "=r.3 +3: a formula start", &DATA);
        char *joined = malloc(sizeof huge + 64);
        snprintf(joined, sizeof huge + 64, "r.4 +4: %s; r.5 +5: past the limit", huge);
        check_cell(w, "option", "c", joined, &DATA);
        free(joined);
    }
    pf_why_delete(w);
    lua_close(L);
}

static void test_contribution_rows(void **state)
{
    (void)state;
    static const contrib_t list[] = {
        {"area", "plan", "needs.m", "i:2", "Below \"defined\" practice."},
        {"option", "csp", "fit.a", "7.5", "=starts like a formula"},
        {"exclusion", "csp", "short.x", NULL, "Excluded."},
        {"other", "csp", "odd.kind", NULL, "A kind the report does not list."},
    };
    static const char *const kinds[] = {"area",      "need",      "option", "fit",
                                        "exclusion", "exclusion", NULL};
    lua_State *L = new_state();
    pf_why_t *w = pf_why_new();
    char err[160];
    push_list(L, list, sizeof list / sizeof *list);
    assert_true(pf_why_read(w, L, -1, err, sizeof err));
    lua_pop(L, 1);
    for (int k = 0; k < 2; k++) {
        const pf_csv_style_t *style = k ? &SHEET : &DATA;
        pf_buf_t got, want;
        pf_buf_init(&got);
        pf_buf_init(&want);
        assert_int_equal(pf_why_write_rows(w, "org-1", 5, kinds, &got, style), 4);
        const char *rows[][6] = {
            {"org-1", "need", "plan", "needs.m", "2", "Below \"defined\" practice."},
            {"org-1", "fit", "csp", "fit.a", "7.5", "=starts like a formula"},
            {"org-1", "exclusion", "csp", "short.x", NULL, "Excluded."},
            {"org-1", "", "csp", "odd.kind", NULL, "A kind the report does not list."},
        };
        for (size_t r = 0; r < 4; r++) {
            size_t cells = 0;
            for (size_t c = 0; c < 6; c++) {
                if (c == 4 && rows[r][4] && r == 0)
                    pf_csv_cell_int(&want, &cells, 2, style);
                else if (c == 4 && rows[r][4])
                    pf_csv_cell_num(&want, &cells, 7.5, style);
                else if (c == 4)
                    pf_csv_cell_text(&want, &cells, "", 0, style);
                else
                    pf_csv_cell_shown(&want, &cells, rows[r][c], strlen(rows[r][c]), style);
            }
            pf_csv_end_row(&want, &cells, style);
        }
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.data, want.data, want.len);
        pf_buf_delete(&got);
        pf_buf_delete(&want);
    }
    pf_why_delete(w);
    lua_close(L);
}

static void test_list_out_of_shape(void **state)
{
    (void)state;
    lua_State *L = new_state();
    pf_why_t *w = pf_why_new();
    char err[160];
    lua_createtable(L, 4, 0); /* not a multiple of five */
    for (int i = 1; i <= 4; i++) {
        lua_pushliteral(L, "x");
        lua_rawseti(L, -2, i);
    }
    assert_false(pf_why_read(w, L, -1, err, sizeof err));
    lua_pushliteral(L, "x");
    lua_rawseti(L, -2, 5); /* five values, but the points are text */
    assert_false(pf_why_read(w, L, -1, err, sizeof err));
    lua_pushboolean(L, 0);
    lua_rawseti(L, -2, 4);
    assert_true(pf_why_read(w, L, -1, err, sizeof err));
    lua_pushinteger(L, 3);
    lua_rawseti(L, -2, 2); /* a key that is a number */
    assert_false(pf_why_read(w, L, -1, err, sizeof err));
    lua_pop(L, 1);
    pf_why_delete(w);
    lua_close(L);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_joined_cells_as_generic),
        cmocka_unit_test(test_cells_made_the_generic_way),
        cmocka_unit_test(test_contribution_rows),
        cmocka_unit_test(test_list_out_of_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
