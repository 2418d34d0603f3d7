/*
 * pf_view.h - what a rule may read but never change: read-only views of
 * the host's data, and the rule files' own state frozen after the pack loads.
 *
 *   views    an empty proxy table whose metatable serves a hidden data
 *            table (__index, __len, __pairs through an iterator that never
 *            hands the data out, __tostring without an address) and refuses
 *            writes; the metatable itself is locked. Intakes, the policy and
 *            the sandbox's libraries reach rules only this way.
 *   freezing every table a rule file holds once the pack has loaded is
 *            turned into a view of itself in place, and every upvalue of its
 *            functions is recorded, to be put back before each intake: no
 *            rule carries anything from one intake to the next.
 *
 * Works on the Lua state alone (no pf_eval_t). Each function notes its Lua
 * stack effect as in the manual: [-pop, +push, errors].
 *
 * Owns: nothing outside the Lua state. The views, their sorted-key caches
 * and the upvalue snapshot are Lua objects, collected with the state; the
 * snapshot is held by the registry reference pf_view_freeze_rules returns,
 * the proxies intakes hand on by a registry key of pf_view.c's.
 */
#ifndef PF_VIEW_H
#define PF_VIEW_H

#include <lua.h>

#include "pf_value.h"

/* Replaces the table on top by a read-only view of it. [-1, +1, m] */
void pf_view_make_readonly(lua_State *L);

/* Pushes a typed value as Lua data, tables as read-only views. with_pos
 * records where each entry came from ("line:column" under the key "\1pos"
 * of its data table), for the policy's messages. [-0, +1, m] */
void pf_view_push_value(lua_State *L, const pf_value_t *v, int with_pos);

/* Pushes an intake as pf_view_push_value does (no positions), its views
 * made from the proxies and metatables of the intake pushed before in this
 * state (kept in the registry), which are then views of this one: only
 * when nothing of that intake is in use any more. [-0, +1, m] */
void pf_view_push_intake(lua_State *L, const pf_value_t *v);

/* host.keys(t): the keys of a plain table or a view sorted as the DSL's
 * sorted_keys sorts them (numbers by value, then text byte by byte), in a
 * new list; nothing when t has other keys. A view's list is sorted once and
 * kept with it. A lua_CFunction: [-1, +(0|1), m] */
int pf_view_keys(lua_State *L);

/* After the pack has loaded: freezes everything P.rule_objects() lists and
 * returns a registry reference to the snapshot of the rule functions'
 * upvalues (P at index p). [-0, +0, e] */
int pf_view_freeze_rules(lua_State *L, int p);

/* Puts every rule upvalue back as it was loaded (nothing for LUA_NOREF).
 * [-0, +0, -] */
void pf_view_restore_rules(lua_State *L, int ref);

#endif
