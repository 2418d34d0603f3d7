/*
 * pf_sandbox.h - everything a rule file can reach, in one place: which base
 * functions and which library functions a rule sees (named allow-lists at
 * the top of pf_sandbox.c), the library functions replaced by bounded or
 * address-free versions, the read-only sandbox table and each rule file's
 * own environment.
 *
 * Layout it builds in a state:
 *   globals                only the base, string, table, math and utf8
 *                          libraries, each library cut to its allow-list
 *                          (the prelude, trusted, runs with these globals)
 *   sandbox                plain table: allow-listed base functions, the
 *                          sandbox's own pcall/tostring/next/rawlen,
 *                          read-only views of the libraries, P.dsl entries;
 *                          reachable only as __index of a rule file's env
 *   env of a rule file     empty table {__index = sandbox, __newindex = error}
 *
 * Works on the Lua state alone; the wrappers check the time limit through
 * pf_limits. Each function notes its Lua stack effect as in the manual.
 *
 * Owns: nothing outside the Lua state.
 */
#ifndef PF_SANDBOX_H
#define PF_SANDBOX_H

#include <lua.h>

/* Opens only the allowed libraries (never luaL_openlibs), cuts each to its
 * allow-list, puts the wrappers in place and locks the string metatable.
 * Once, first thing in a fresh state. [-0, +0, e] */
void pf_sandbox_open_libs(lua_State *L);

/* Pushes the sandbox table rule environments read from; P (the prelude's
 * table, whose P.dsl lists the DSL) at prelude_idx. [-0, +1, m] */
void pf_sandbox_push(lua_State *L, int prelude_idx);

/* Pushes a fresh environment for one rule file; sandbox at sb_idx.
 * [-0, +1, m] */
void pf_sandbox_push_rule_env(lua_State *L, int sb_idx);

/* The rules' pcall (also the prelude's host.pcall): like the standard one,
 * except that a limit error is raised again, never caught. A
 * lua_CFunction: [-(n+1), +r, e] */
int pf_sandbox_pcall(lua_State *L);

/* The i-th library function removed whatever the allow-lists say (0 from
 * the first): 1 with *lib and *name set, 0 past the last. For the test that
 * checks the library views lack them. No Lua stack. */
int pf_sandbox_removed(int i, const char **lib, const char **name);

#endif
