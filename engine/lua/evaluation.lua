-- prelude/evaluation.lua: one whole evaluation of an intake, M.evaluate(intake)
-- -> its record e: the record made fresh (every area and option at 0), the
-- ctx rule functions get (read-only views of e, the as-of date, lifecycle
-- questions), and the four stages run in order. The record is read by
-- reports.lua and tools/. Knows the stages' order, no domain id.

local _, M = ...
local H, pol, lifecycles, stages = M.helpers, M.policy, M.lifecycles, M.stages
local readonly, days_between, get_path = H.readonly, H.days_between, H.get_path
local option_name = pol.option_name
local lifecycle, carrier = lifecycles.status, lifecycles.carrier
local area_ids, option_list, option_by_id = pol.area_ids, pol.option_list, pol.option_by_id
local reset_runner, enter = M.runner.reset, M.runner.enter
local set_facts, current_trace = M.runner.set_facts, M.runner.trace
local new_facts = M.forms.new_facts
local stage_needs, stage_fit, stage_shortlist, stage_engage =
  stages.needs, stages.fit, stages.shortlist, stages.engage

local function new_evaluation(as_of)
  local e = { need = {}, need_points = {}, need_why = {}, focus = {}, in_focus = {}, score = {}, why = {},
              excluded = {}, shortlisted = {}, rank = {}, steps = {}, step_rules = {}, shortlist_note = {},
              option_ids = {}, as_of = as_of }
  for _, a in ipairs(area_ids) do
    e.need[a], e.need_points[a], e.need_why[a] = 0, 0, {}
  end
  for i, o in ipairs(option_list) do
    e.option_ids[i] = o.id
    e.score[o.id], e.why[o.id], e.steps[o.id] = 0, {}, {}
  end
  local ctx_data = {
    as_of = as_of,
    need = readonly(e.need, "ctx.need"),
    score = readonly(e.score, "ctx.score"),
    shortlisted = readonly(e.shortlisted, "ctx.shortlisted"),
    rank = readonly(e.rank, "ctx.rank"),
    focus_areas = readonly(e.focus, "ctx.focus_areas"),
    in_focus = readonly(e.in_focus, "ctx.in_focus"),
    days_until = function(date) return days_between(as_of, date) end,
    lifecycle = function(id)
      local o = option_by_id[id]
      if not o then error("ctx.lifecycle: option '" .. tostring(id) .. "' is not in the catalogue", 2) end
      return (lifecycle(o, as_of))
    end,
    carrier = function(id)
      if not option_by_id[id] then error("ctx.carrier: option '" .. tostring(id) .. "' is not in the catalogue", 2) end
      return carrier(id, as_of)
    end,
    successor_note = function(id)
      local cur = option_by_id[id] and carrier(id, as_of)
      if cur == nil or cur == id then return "" end
      return " (On the assessment date " .. option_name(cur) .. " carries what " .. option_name(id) .. " offered.)"
    end,
  }
  local ctx = setmetatable({}, {
    __index = function(_, k)
      if k == "top" then return e.top end
      return ctx_data[k]
    end,
    __newindex = function(_, k) error("ctx is read-only (tried to set '" .. tostring(k) .. "')", 2) end,
    __metatable = false,
  })
  -- what a fact may ask besides the intake and other facts: the date, not
  -- the stages' results (a fact is computed once, whenever first read)
  local fact_ctx = readonly({ as_of = as_of, days_until = ctx_data.days_until, lifecycle = ctx_data.lifecycle,
                              carrier = ctx_data.carrier }, "the ctx of a fact")
  return e, ctx, fact_ctx
end

-- a trace's record of a fact read by the rule running: "f.name=value"
local function note_fact_read(name, value)
  local t = current_trace()
  local ent = t and t.current
  local key = "f." .. name
  if ent and not ent.seen[key] then
    ent.seen[key] = true
    local shown = tostring(value)
    if type(value) == "table" then
      local items = {}
      for i, x in ipairs(value) do items[i] = tostring(x) end
      shown = "{" .. table.concat(items, ", ") .. "}"
    end
    ent.reads[#ent.reads + 1] = key .. "=" .. shown
  end
end

function M.evaluate(intake)
  reset_runner()
  local as_of = get_path(intake, pol.as_of_path)
  local e, ctx, fact_ctx = new_evaluation(as_of)
  e.facts = new_facts(intake, fact_ctx, current_trace() and note_fact_read or nil)
  set_facts(e.facts)
  -- where the prelude is, for a limit met while no rule's code runs
  enter("the needs stage")
  stage_needs(e, intake, ctx)
  enter("the fit stage")
  stage_fit(e, intake, ctx)
  enter("the shortlist stage")
  stage_shortlist(e, intake, ctx)
  enter("the engage stage")
  stage_engage(e, intake, ctx)
  enter("the end of the evaluation")
  set_facts(nil)
  return e
end
