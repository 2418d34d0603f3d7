-- prelude/evaluation.lua: one whole evaluation of an intake, M.evaluate(intake)
-- -> its record e: the record as a fresh one is (every area and option at
-- 0; in a run, on the tables of the record before it, emptied), the
-- ctx rule functions get (read-only views of e, the as-of date, lifecycle
-- questions; made once, showing the record of the evaluation running), and
-- the four stages run in order. The record is read by
-- reports.lua and tools/. Knows the stages' order, no domain id.

local _, M = ...
local H, pol, lifecycles, stages = M.helpers, M.policy, M.lifecycles, M.stages
local days_between = H.days_between
local option_name = pol.option_name
local lifecycle, carrier = lifecycles.status, lifecycles.carrier
local area_ids, option_list, option_by_id = pol.area_ids, pol.option_list, pol.option_by_id
local reset_runner, enter = M.runner.reset, M.runner.enter
local set_facts, current_trace, set_contrib = M.runner.set_facts, M.runner.trace, M.runner.set_contrib
local new_facts = M.forms.new_facts
local stage_needs, stage_fit, stage_shortlist, stage_engage =
  stages.needs, stages.fit, stages.shortlist, stages.engage

-- The ctx rule functions get, and the one facts get, are made once: an
-- evaluation shows its own record through them (one evaluation runs at a
-- time in a state), so no view or closure is made per intake. cur is the
-- record being evaluated.
local cur = { as_of = nil }
-- ctx field and the record's table it shows
local VIEWS = { { "need", "need" }, { "score", "score" }, { "shortlisted", "shortlisted" }, { "rank", "rank" },
                { "focus_areas", "focus" }, { "in_focus", "in_focus" } }
local show = {}   -- i -> function showing the record's table in view VIEWS[i]
local ctx_data = {}
for i, v in ipairs(VIEWS) do ctx_data[v[1]], show[i] = H.switchable_view("ctx." .. v[1]) end

function ctx_data.days_until(date) return days_between(cur.as_of, date) end
function ctx_data.lifecycle(id)
  local o = option_by_id[id]
  if not o then error("ctx.lifecycle: option '" .. tostring(id) .. "' is not in the catalogue", 2) end
  return (lifecycle(o, cur.as_of))
end
function ctx_data.carrier(id)
  if not option_by_id[id] then error("ctx.carrier: option '" .. tostring(id) .. "' is not in the catalogue", 2) end
  return carrier(id, cur.as_of)
end
-- the option's next lifecycle change, when it is within the policy's
-- lifecycle_notice_days, or within days when that is longer (a contract's
-- lead time): its date, status and successor (nil: none that near)
function ctx_data.change_ahead(id, days)
  local o = option_by_id[id]
  if not o then error("ctx.change_ahead: option '" .. tostring(id) .. "' is not in the catalogue", 2) end
  if days ~= nil and type(days) ~= "number" then
    error("ctx.change_ahead: days must be a number, not " .. type(days), 2)
  end
  local e = lifecycles.coming(o, cur.as_of, days)
  if e == nil then return nil end
  return e.from, e.status, e.successor
end
function ctx_data.successor_note(id)
  if not option_by_id[id] then return "" end
  local c, secondary = lifecycles.carrier_source(id, cur.as_of)
  if c == nil or c == id then return "" end
  return " (On the assessment date " .. option_name(c) .. " carries what " .. option_name(id) .. " offered"
    .. (secondary and ", as secondary sources report" or "") .. ".)"
end

-- Reads of ctx go through tables, not a function: ctx -> ctx_data (the
-- views, the functions and as_of, set per evaluation) -> a function for
-- what changes while the stages run (top). A read of a field is then a
-- table lookup, as in a read-only view, not a Lua call: rule conditions
-- read ctx.<field> a hundred times per intake.
setmetatable(ctx_data, {
  __index = function(_, k)
    if k == "top" then return cur.e.top end
    -- read from the policy when asked: it is loaded after this module
    if k == "min_score" then return pol.min_score end
    return nil
  end,
})

local ctx = setmetatable({}, {
  __index = ctx_data,
  __newindex = function(_, k) error("ctx is read-only (tried to set '" .. tostring(k) .. "')", 2) end,
  __metatable = false,
})

-- what a fact may ask besides the intake and other facts: the date, not
-- the stages' results (a fact is computed once, whenever first read); a
-- table whose as_of is set per evaluation, as ctx_data's
local fact_ctx_data = { days_until = ctx_data.days_until, lifecycle = ctx_data.lifecycle,
                        carrier = ctx_data.carrier }
local fact_ctx = setmetatable({}, {
  __index = fact_ctx_data,
  __newindex = function(_, k) error("the ctx of a fact is read-only (tried to set '" .. tostring(k) .. "')", 2) end,
  __metatable = false,
})

-- The tables of a record that the run (P.evaluate) hands back to
-- new_evaluation once its rows are written: the next evaluation of the run
-- takes them, emptied to what a fresh record holds, instead of making them
-- again (their keys are kept, so filling them makes no new key). Only the
-- prelude writes them, and only under the policy's area and option ids
-- (what points_stage, the stages and engage's targets allow), so setting
-- those ids empties them. e2e.isolation runs tests/stateful/record.lua,
-- whose rules read them before the stages fill them, and every intake's
-- rows warm against its rows alone.
local spare -- the tables of the last record handed back, or nil

local function fresh_tables()
  local t = { need = {}, need_points = {}, focus = {}, in_focus = {}, score = {}, excluded = {},
              shortlisted = {}, rank = {}, steps = {}, step_rules = {}, catalogue_replaced = {}, shortlist_note = {},
              option_ids = {}, contrib = {} }
  for i = 1, #option_list do t.steps[option_list[i].id] = {} end
  return t
end

-- empties the tables of a record handed back (t) to what fresh_tables() makes;
-- but its contributions list, which the runner writes over and trims
-- (R.set_contrib)
local function emptied(t)
  local need, need_points, in_focus, focus = t.need, t.need_points, t.in_focus, t.focus
  for i = 1, #area_ids do
    local a = area_ids[i]
    need[a], need_points[a], in_focus[a] = nil, nil, nil
  end
  for i = #focus, 1, -1 do focus[i] = nil end
  local score, excluded, shortlisted, rank, steps, step_rules, notes, replaced =
    t.score, t.excluded, t.shortlisted, t.rank, t.steps, t.step_rules, t.shortlist_note, t.catalogue_replaced
  for i = 1, #option_list do
    local id = option_list[i].id
    score[id], excluded[id], shortlisted[id], rank[id], step_rules[id], notes[id] = nil, nil, nil, nil, nil, nil
    replaced[id] = nil
    local list = steps[id]
    for j = #list, 1, -1 do list[j] = nil end
  end
  return t
end

-- M.release(e): the run is done with record e (its rows are written):
-- the next evaluation asked for with reuse takes its tables (from e itself:
-- they are under the same names in a record as in fresh_tables())
function M.release(e)
  spare = e
end

local function new_evaluation(as_of, reuse)
  local t
  local stale = false -- t's contributions list is the last record's
  if reuse and spare then
    t, spare, stale = emptied(spare), nil, true
  else
    spare = nil
    t = fresh_tables()
  end
  local e = { need = t.need, need_points = t.need_points, focus = t.focus, in_focus = t.in_focus,
              score = t.score, excluded = t.excluded, shortlisted = t.shortlisted, rank = t.rank,
              steps = t.steps, step_rules = t.step_rules, catalogue_replaced = t.catalogue_replaced,
              shortlist_note = t.shortlist_note, option_ids = t.option_ids, contrib = t.contrib, as_of = as_of }
  local need, need_points = e.need, e.need_points
  for i = 1, #area_ids do
    local a = area_ids[i]
    need[a], need_points[a] = 0, 0
  end
  local option_ids, score = e.option_ids, e.score
  for i = 1, #option_list do
    local id = option_list[i].id
    option_ids[i] = id
    score[id] = 0
  end
  cur.e, cur.as_of = e, as_of
  ctx_data.as_of, fact_ctx_data.as_of = as_of, as_of
  set_contrib(e.contrib, stale)
  for i = 1, #VIEWS do show[i](e[VIEWS[i][2]]) end
  return e
end

-- a trace's record of a fact read by the rule running: "f.name=value"
local function note_fact_read(name, value)
  local t = current_trace()
  local ent = t and t.current
  local key = "f." .. name
  if ent and not ent.seen[key] then
    ent.seen[key] = true
    local shown = type(value) == "string" and string.format("%q", value) or tostring(value)
    if type(value) == "table" then
      local items = {}
      for i, x in ipairs(value) do items[i] = tostring(x) end
      -- a set (f.kept_short_skills, f.handed_over) shows its members, as
      -- the facts list does, not an empty list
      if #items == 0 then
        for _, k in ipairs(H.sorted_keys(value)) do items[#items + 1] = tostring(k) end
      end
      shown = "{" .. table.concat(items, ", ") .. "}"
    end
    ent.reads[#ent.reads + 1] = key .. "=" .. shown
  end
end

-- M.evaluate(intake, reuse) -> the record; with reuse, its tables may be
-- those of a record handed back with M.release (the run's, P.evaluate),
-- emptied first
function M.evaluate(intake, reuse)
  reset_runner()
  local as_of = pol.read_as_of(intake)
  local e = new_evaluation(as_of, reuse)
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
  set_contrib(nil)
  return e
end
