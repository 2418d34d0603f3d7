-- luacheck configuration for the rule pack: exactly the globals a rule file
-- sees in partnerfit's sandbox (engine/pf_sandbox.c SANDBOX_BASE, SANDBOX_OWN_BASE
-- and SANDBOX_LIBS, and the DSL the prelude exports in P.dsl, engine/lua/dsl.lua).
-- Anything else is an error. The unit test tests/unit/test_surface.c compares
-- files["rules/"].read_globals with the running engine's sandbox and fails on a
-- name missing here or listed here that the sandbox lacks (see docs/rules.md,
-- "What a rule can read").
std = "none"
exclude_files = { "policies/intake-types.lua" } -- generated annotations, not code
max_line_length = 120

files["rules/"] = {
  read_globals = {
    -- allow-listed base functions
    "assert", "error", "ipairs", "next", "pairs", "select", "tonumber",
    "tostring", "type", "rawequal", "rawlen", "pcall",
    -- read-only standard libraries (string.dump, math.random/randomseed removed)
    "string", "table", "math", "utf8",
    -- the rule DSL
    "rule", "decide", "fact", "thresholds", "policy", "areas", "options",
    "sorted_keys", "contains", "count", "sum", "clamp", "days_between", "option_name",
    "share", "shared",
  },
}

-- the engine's own Lua (trusted, full base library)
files["engine/lua/"] = { std = "lua54" }
