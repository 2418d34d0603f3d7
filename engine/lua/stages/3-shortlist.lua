-- prelude/stages/3-shortlist.lua: stage 3, shortlist (rules/60-shortlist.lua).
-- Runs the shortlist rules, which exclude options; ranks every option (score,
-- then catalogue order: a total order, so the same intake always ranks the
-- same) and takes the shortlist by the policy: exclusions, lifecycle status,
-- minimum score, size. Writes e.excluded, e.order, e.rank, e.shortlisted,
-- e.top and each option's shortlist note. Knows no option id.

local _, M = ...
local pol, R = M.policy, M.runner
local signed = M.helpers.signed
local lifecycle, conditions_carrier = M.lifecycles.status, M.lifecycles.conditions_carrier
local begin_rule, end_rule, fires, reason = R.begin_rule, R.end_rule, R.fires, R.reason
local plain_run, fire_plain = R.plain, R.fire_plain
local action_value, fail, charge, contribute = R.action_value, R.fail, R.charge, R.contribute
local shortlist_rules = M.dsl.by_stage.shortlist
local option_list, option_by_id = pol.option_list, pol.option_by_id
local excluded_status, shortlisted_text = pol.excluded_status, pol.shortlisted_text

M.stages = M.stages or {}

-- A list written in the rule names offers, like a table of points: each
-- entry excludes the option carrying it on the date, unless a successor
-- does not take on its predecessor's entry conditions (lifecycles.lua).
local function carried_exclusions(list, as_of)
  local out, seen = {}, {}
  for _, id in ipairs(list) do
    local c = conditions_carrier(id, as_of)
    if c ~= nil and not seen[c] then
      seen[c] = true
      out[#out + 1] = c
    end
  end
  return out
end

local function valid_exclusions(r, list, as_of)
  if type(r.action) ~= "function" then return carried_exclusions(list, as_of) end
  if type(list) ~= "table" then
    fail("exclude returned " .. type(list) .. ", expected a list of option ids", r)
    return {}
  end
  for _, id in ipairs(list) do
    if not option_by_id[id] then
      fail("exclude returned unknown option '" .. tostring(id) .. "'", r)
      return {}
    end
  end
  return list
end

local function apply_exclusions(e, intake, ctx)
  local plain = plain_run()
  for i = 1, #shortlist_rules do
    local r = shortlist_rules[i]
    local t0, ent, fired, list
    if plain then -- a normal run: one call for what the three below do
      fired, list = fire_plain(r, intake, ctx)
      list = fired and list
    else
      t0, ent = begin_rule(r)
      fired = fires(r, intake, ctx)
      list = fired and action_value(r, intake, ctx)
    end
    if list then
      list = valid_exclusions(r, list, ctx.as_of)
      local text
      for _, id in ipairs(list) do
        text = text or reason(r, intake, ctx)
        charge(#text + #r.id + 4, r)
        local x = e.excluded[id] or {}
        x[#x + 1] = r.id .. ": " .. text
        e.excluded[id] = x
        contribute("exclusion", id, r.id, nil, text)
        r.moved = r.moved + 1
        if ent then
          local eff = ent.effects
          eff[#eff + 1] = { key = id, excluded = true }
          ent.because = text
        end
      end
    end
    end_rule(r, fired, t0)
  end
end

-- rank every option: score, then catalogue order (a total order: deterministic)
local function rank_options(e)
  local order = {}
  for i = 1, #option_list do order[i] = option_list[i] end
  local score = e.score
  -- insertion sort: a handful of options, and no Lua call per comparison
  -- as table.sort with a comparator would make
  for i = 2, #order do
    local o = order[i]
    local s, j = score[o.id], i - 1
    while j >= 1 and (score[order[j].id] < s or (score[order[j].id] == s and order[j].index > o.index)) do
      order[j + 1] = order[j]
      j = j - 1
    end
    order[j + 1] = o
  end
  e.order = order
end

-- points as a report shows them: 12, 7.5 (signed's text without its plus:
-- a pattern call here cost more than the rest of the margins' notes)
local byte, sub = string.byte, string.sub
local function points(x)
  local s = signed(x)
  if byte(s, 1) == 43 then return sub(s, 2) end -- "+"
  return s
end

-- "1 point", "2.5 points"
local function points_of(x)
  local p = points(x)
  return p .. (p == "1" and " point" or " points")
end

-- The margin of each competing option (one that could take a place: not
-- excluded, available, at the minimum score) to its neighbours, so a
-- reader tells a firm result from a fragile one: a tie is named with its
-- partners and how it was broken; a shortlisted option says how far ahead
-- of the next it is; the first left out, how far behind the last place.
local tied = {} -- an option's partners in a tie, refilled for each option (1..nt)

local function margins(e, competing, taken)
  local score = e.score
  local n = #competing
  for i = 1, n do
    local o = competing[i]
    local s = score[o.id]
    local nt = 0
    for j = 1, n do
      local p = competing[j]
      if p ~= o and score[p.id] == s then
        nt = nt + 1
        tied[nt] = p.id
      end
    end
    local note = e.shortlist_note[o.id]
    if nt > 0 then
      note = note .. "; tied with " .. table.concat(tied, " and ", 1, nt) .. " at " .. points(s) ..
        " (catalogue order decides)"
    elseif i <= taken and competing[i + 1] then
      local nxt = competing[i + 1]
      note = note .. "; " .. points_of(s - score[nxt.id]) .. " ahead of " .. nxt.id
    elseif i == taken then
      note = note .. "; no other eligible option reaches the minimum score of " .. points(pol.min_score)
    elseif i == taken + 1 then
      local last = competing[taken]
      note = note .. "; " .. points_of(score[last.id] - s) .. " behind " .. last.id .. ", the last place"
    end
    e.shortlist_note[o.id] = note
  end
end

local function select_shortlist(e, ctx)
  local min_score, shortlist_size = pol.min_score, pol.shortlist_size
  local taken, competing = 0, {}
  local order = e.order
  for i = 1, #order do
    local o = order[i]
    e.rank[o.id] = i
    local status = lifecycle(o, ctx.as_of)
    local note
    if e.excluded[o.id] then
      note = "excluded by " .. table.concat(e.excluded[o.id], "; ")
    elseif status == "unavailable" or excluded_status[status] then
      note = "not shortlisted: the option is " .. status .. " on " .. (ctx.as_of or "the assessment date")
    elseif e.score[o.id] < min_score then
      note = "below the minimum score of " .. points(min_score)
    else
      competing[#competing + 1] = o
      if taken >= shortlist_size then
        note = "the shortlist is full (" .. shortlist_size .. " options)"
      else
        taken = taken + 1
        e.shortlisted[o.id] = true
        note = shortlisted_text[taken]
        if taken == 1 then e.top = o.id end
      end
    end
    e.shortlist_note[o.id] = note
  end
  margins(e, competing, taken)
  for i = 1, #option_list do
    local id = option_list[i].id
    e.shortlisted[id] = e.shortlisted[id] or false
  end
end

-- the ids of the shortlisted options, in rank order (after the stage ran)
function M.stages.shortlisted_ids(e)
  local ids, order, shortlisted = {}, e.order, e.shortlisted
  for i = 1, #order do
    local id = order[i].id
    if shortlisted[id] then ids[#ids + 1] = id end
  end
  return ids
end

function M.stages.shortlist(e, intake, ctx)
  apply_exclusions(e, intake, ctx)
  rank_options(e)
  select_shortlist(e, ctx)
end
