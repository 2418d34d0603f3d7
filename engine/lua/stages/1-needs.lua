-- prelude/stages/1-needs.lua: stage 1, needs (rules/10-needs.lua). Runs the
-- needs rules, which add points per area, and turns each area's points into
-- a need level (rounded, 0..max_level) and the list of focus areas (at or
-- above the policy's focus level). Knows areas as policy entries, never a
-- particular area or question.

local _, M = ...
local pol = M.policy
local clamp = M.helpers.clamp
local points_stage = M.runner.points_stage
local needs_rules = M.dsl.by_stage.needs
local area_ids, area_known = pol.area_ids, pol.area_known

M.stages = M.stages or {}

function M.stages.needs(e, intake, ctx)
  points_stage(needs_rules, intake, ctx, area_known, "area", area_ids, e.need_points)
  local max_level, focus_level = pol.max_level, pol.focus_level
  for i = 1, #area_ids do -- the policy's list (no holes), without a call per step
    local a = area_ids[i]
    e.need[a] = clamp(math.floor(e.need_points[a] + 0.5), 0, max_level)
    if e.need[a] >= focus_level then
      e.focus[#e.focus + 1] = a
      e.in_focus[a] = true
    end
  end
end
