/*
 * pf_native.h - conditions of declarative rules evaluated in C (issue 16).
 *
 * Owns the compiled form of a rule's `when` within the declarative subset
 * the prelude's classifier accepts (forms.classify, dsl.lua native_form):
 * a small tree of nodes (references into the intake, ctx and the facts,
 * constants, #, comparisons, and/or/not) kept in a full userdata of the
 * Lua state that compiled it, its keys and constants in the userdata's user
 * value. The Lua garbage collector frees it with the state: there is one
 * set per lua_State and no state in this module.
 *
 * The evaluation reads values through the Lua API (lua_gettable, lua_len,
 * lua_compare), so metamethods of views and lazily computed facts run as
 * they do for the compiled Lua condition. Where the Lua condition would
 * raise (indexing a value that is not a table, < between values that are
 * not two numbers or two strings, # of a value that is neither a table nor
 * a string), the evaluation answers "unknown" and the caller runs the
 * rule's Lua condition, which raises the same error with the same message.
 */
#ifndef PF_NATIVE_H
#define PF_NATIVE_H

#include <lua.h>

/* host.native_compile(program) -> a compiled condition (userdata), or nil
 * and why when the program is outside what this module evaluates.
 * program: the prelude's postfix list ({ "ref", "f", "name" }, { "const",
 * v }, { "cmp", "==" }, ...). Lua stack: [-1, +1 or +2, m]. */
int pf_native_compile(lua_State *L);

/* host.native_plan(rules) -> the plan of a points stage's rules (a
 * userdata): per position, its compiled condition, "always fires" (a
 * declarative rule with no when) or "Lua decides". Lua stack: [-1, +1, m] */
int pf_native_plan(lua_State *L);

/* host.native_run(plan, i, intake, ctx, f) -> j, fired: marks (pf_eval_mark)
 * and evaluates the conditions of positions i, i+1, ... in order while they
 * are compiled and false; j is the first position that fired (fired true),
 * that only Lua can evaluate or whose condition Lua must decide (fired
 * nil), or #rules + 1. While a condition is evaluated, native_cursor(plan)
 * says its position (for the name of the rule that raised), else 0.
 * A fact or metamethod that raises meanwhile: j, nil and true (Lua runs
 * the condition again, which raises the same error with the Lua path's
 * traceback), unless the state is over a limit (pf_limits_reached), which
 * goes on up. Lua stack: [-5, +2 or +3, e] */
int pf_native_run(lua_State *L);

/* host.native_cursor(plan) -> position or 0. Lua stack: [-0, +1, -] */
int pf_native_cursor(lua_State *L);

#endif
