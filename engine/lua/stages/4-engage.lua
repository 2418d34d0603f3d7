-- prelude/stages/4-engage.lua: stage 4, engage (rules/70-engage.lua). Runs
-- the engage rules, each adding a next step (text) to the options it targets:
-- the shortlisted ones (in rank order), the top one, all, or a list of ids.
-- Writes e.steps (and, while tracing, which rules gave each option a step).
-- Knows no option id.

local _, M = ...
local R = M.runner
local begin_rule, end_rule, fires, reason = R.begin_rule, R.end_rule, R.fires, R.reason
local plain_run, fire_plain = R.plain, R.fire_plain
local action_value, fail, charge, contribute = R.action_value, R.fail, R.charge, R.contribute
local engage_rules = M.dsl.by_stage.engage
local shortlisted_ids = M.stages.shortlisted_ids

M.stages = M.stages or {}

local function step_targets(r, e)
  local t = r.targets
  if t == "all" then return e.option_ids end
  if t == "top" then return { e.top } end
  if t == "shortlisted" then return shortlisted_ids(e) end
  return t
end

-- The catalogue's next step of option o for this evaluation: its text for
-- a shortlisted option, unless an engage rule that fired on the option
-- replaces it (an incumbent to extend is not asked for a proposal); nil
-- otherwise. The one place the reports, explain and the brief take it from.
function M.stages.catalogue_step(e, o)
  if e.shortlisted[o.id] and o.next_step and not e.catalogue_replaced[o.id] then return tostring(o.next_step) end
  return nil
end

function M.stages.engage(e, intake, ctx)
  local plain = plain_run()
  for i = 1, #engage_rules do -- the prelude's list of the stage's rules
    local r = engage_rules[i]
    local t0, ent, fired, text
    if plain then -- a normal run: one call for what the three below do
      fired, text = fire_plain(r, intake, ctx)
      text = fired and text or nil
    else
      t0, ent = begin_rule(r)
      fired = fires(r, intake, ctx)
      text = fired and action_value(r, intake, ctx) or nil
    end
    if text ~= nil and type(text) ~= "string" then
      fail("step returned " .. type(text) .. ", expected text", r)
      text = nil
    end
    if text ~= nil and text ~= "" then
      if ent then ent.because = reason(r, intake, ctx) end
      for _, id in ipairs(step_targets(r, e)) do
        charge(#text + #r.id + 4, r)
        if r.replaces_catalogue_step then e.catalogue_replaced[id] = true end
        local list = e.steps[id]
        list[#list + 1] = text .. " [" .. r.id .. "]"
        contribute("step", id, r.id, nil, text)
        r.moved = r.moved + 1
        if ent then
          local eff = ent.effects
          eff[#eff + 1] = { key = id, step = text }
          local by = e.step_rules[id] or {}
          by[#by + 1] = r.id
          e.step_rules[id] = by
        end
      end
    end
    end_rule(r, fired, t0)
  end
end
