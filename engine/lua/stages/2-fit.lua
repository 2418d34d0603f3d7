-- prelude/stages/2-fit.lua: stage 2, fit (rules/20-fit-culture.lua to
-- 50-fit-procurement.lua). Runs the fit rules, which add points per option
-- to the scores; while tracing, notes what each fit rule that did not fire
-- would have added (explain's "closest rule that did not fire"). Knows
-- options as catalogue entries, never a particular option or question.

local _, M = ...
local pol = M.policy
local finite = M.helpers.finite
local points_stage = M.runner.points_stage
local fit_rules = M.dsl.by_stage.fit
local option_list, option_by_id, weights = pol.option_list, pol.option_by_id, pol.weights

M.stages = M.stages or {}

-- In a trace, what a fit rule that did not fire would have added (in its
-- trace entry, ent.would), so an explanation can name the closest miss.
local function would_add(r, intake, ctx, ent)
  local t = r.action
  if type(t) == "function" then
    local ok, res = M.host.pcall(t, intake, ctx, M.runner.facts())
    t = ok and type(res) == "table" and res or nil
  elseif r.resolves then
    local ok, res = M.host.pcall(M.runner.table_points, r, ctx)
    t = ok and res or nil
  end
  if type(t) ~= "table" then return end
  local w = r.weight and weights[r.weight] or 1
  ent.would = {}
  for _, o in ipairs(option_list) do
    local v = t[o.id]
    if finite(v) and v ~= 0 then ent.would[#ent.would + 1] = { key = o.id, points = v * w } end
  end
end

function M.stages.fit(e, intake, ctx)
  points_stage(fit_rules, intake, ctx, option_by_id, "option", e.option_ids, e.score, would_add)
end
