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

/* host.native_when(compiled, intake, ctx, f) -> true or false, or nil when
 * only the Lua condition can say (it would raise). Lua stack: [-4, +1, e]
 * (errors are those of the metamethods and facts it reads). */
int pf_native_when(lua_State *L);

#endif
