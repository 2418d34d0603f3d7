-- prelude/wiring.lua: how the prelude's chunks hang together, and the
-- hand-over from the C host. Owns the table P (what the host calls), the
-- table M (what the chunks share), the host's functions and data (M.host)
-- and the list of policy and rule-pack problems. Knows no stage, option,
-- area or question: it only starts the other modules, in order.
--
-- The host loads every chunk of the prelude in a fixed order (the list in
-- CMakeLists.txt) and calls each with (P, M). A chunk takes, at load, the
-- functions and tables of the chunks loaded before it into locals, and adds
-- its own to M (its module) or to P (what the host calls). Only this chunk,
-- the first, reaches later ones, and only in P.init, after all are loaded.
--
-- P, the host's entry points, and the module that defines each:
--   init(host)                  here: policy checks, reports, the DSL
--   dsl, rule, share, finish,   dsl.lua: what rule files see; the end of
--   rule_objects                the pack's load; what the host freezes
--   running_rule                runner.lua: the rule being evaluated
--   reports, evaluate,          reports.lua: report columns, one intake's
--   rule_stats                  rows through host.emit; each rule's identity and time
--   explain, test, check,       tools/: the analyst commands
--   types, ranking
--
-- State that changes while intakes are evaluated (the trace, the probe, the
-- clock, the rule running, the hits of an evaluation) lives in runner.lua,
-- the only module whose locals hold it; the others read and set it through
-- its functions. Policy settings live in M.policy (policy.lua).

local P, M = ...

M.problems = {} -- policy and rule-pack problems, as "file:line: message"

function M.problem(where, msg)
  local problems = M.problems
  problems[#problems + 1] = where .. ": " .. msg
end

-- P.init(host) -> problems: takes the host's functions and data (host.where,
-- emit, keys, pcall, mark, clock when per-rule time is asked for, policy,
-- policy_path), checks the policy and publishes the reports and the DSL.
function P.init(h)
  M.host = h
  M.helpers.use_host_keys(h.keys)
  M.runner.use_clock(h.clock)
  M.runner.use_mark(h.mark)
  M.policy.read(h.policy)
  M.forms.policy_read()
  M.reports.describe()
  M.dsl.publish(h.policy)
  return M.problems
end
