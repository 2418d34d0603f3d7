-- prelude/tools/explain.lua: `partnerfit explain`, one intake's evaluation
-- told stage by stage from its trace: which rules fired, what they read and
-- added and why, the need levels, the ranking with its margins and, for an
-- option left out, the closest rule that did not fire. As text (also the
-- trace `test` prints under a failure) or as JSON. Knows the stages by name,
-- no domain id.

local P, M = ...
local H, pol = M.helpers, M.policy
local signed, finite, sorted_keys = H.signed, H.finite, H.sorted_keys
local STAGES = M.dsl.STAGES
local traced_evaluation = M.trace.evaluation
local intake_names = M.reports.intake_names
local area_ids, level_labels = pol.area_ids, pol.level_labels

local explain = {}
M.explain = explain

-- ---- text -------------------------------------------------------------------------

local function effects_text(ent)
  local parts = {}
  for _, eff in ipairs(ent.effects) do
    if eff.excluded then parts[#parts + 1] = "excludes " .. eff.key
    elseif eff.step then parts[#parts + 1] = "step for " .. eff.key
    else parts[#parts + 1] = eff.key .. " " .. signed(eff.points) end
  end
  return table.concat(parts, ", ")
end

local STAGE_TITLES = { needs = "1. needs", fit = "2. fit", shortlist = "3. shortlist", engage = "4. engage" }

local function explain_stage(out, e, stage)
  out[#out + 1] = ""
  out[#out + 1] = "Stage " .. STAGE_TITLES[stage]
  for _, ent in ipairs(e.trace.entries) do
    local r = ent.rule
    if r.stage == stage then
      local mark = ent.fired and "fired " or "  -   "
      out[#out + 1] = "  " .. mark .. r.id .. "  (" .. r.at .. ")"
      if #ent.reads > 0 then out[#out + 1] = "         read: " .. table.concat(ent.reads, ", ") end
      if #ent.effects > 0 then
        out[#out + 1] = "         adds: " .. effects_text(ent)
        out[#out + 1] = "         because: " .. tostring(ent.because)
      elseif ent.fired then
        out[#out + 1] = "         (fired, but changed nothing)"
      end
    end
  end
  if stage == "needs" then
    local levels = {}
    for _, a in ipairs(area_ids) do
      levels[#levels + 1] = a .. " " .. e.need[a] .. " (" .. level_labels[e.need[a]] .. ")"
    end
    out[#out + 1] = "  need levels: " .. table.concat(levels, ", ")
  end
end

-- the rule that did not fire and would have added the most to option id
local function closest_miss(e, id)
  local best, best_points, best_reads
  for _, ent in ipairs(e.trace.entries) do
    for _, w in ipairs(ent.would or {}) do
      if w.key == id and w.points > 0 and (best_points == nil or w.points > best_points) then
        best, best_points, best_reads = ent.rule, w.points, ent.reads
      end
    end
  end
  return best, best_points, best_reads
end

-- what kept a missed rule from firing, as far as its condition read (the
-- last values read decided it): "f.exit_near=false" tells a reader that a
-- rule about a near exit is no lever for an intake without one
local MISS_READS = 3
local function miss_reason(reads)
  if reads == nil or #reads == 0 then return "" end
  local from = math.max(1, #reads - MISS_READS + 1)
  return "; it read " .. table.concat(reads, ", ", from) .. (from > 1 and " (and more)" or "")
end

-- the score an option needs to get in: the minimum while places are free,
-- else the last shortlisted option's score
local function entry_score(e)
  local taken, last = 0, nil
  for _, o in ipairs(e.order) do
    if e.shortlisted[o.id] then
      taken = taken + 1
      last = e.score[o.id]
    end
  end
  if taken < pol.shortlist_size or last == nil then return pol.min_score end
  return last
end

local function explain_ranking(out, e)
  local shortlist_size = pol.shortlist_size
  out[#out + 1] = ""
  out[#out + 1] = "Ranking (shortlist of " .. shortlist_size .. ", minimum score " ..
    signed(pol.min_score):gsub("^%+", "") .. ")"
  local needed = entry_score(e)
  for rank, o in ipairs(e.order) do
    local score = e.score[o.id]
    -- one margin per row, the shortlist note's: to the next option that
    -- competes for a place, not to whatever row follows in the ranking
    out[#out + 1] = string.format("  %2d. %-28s %7s  %s", rank, o.id, signed(score):gsub("^%+", ""),
      e.shortlisted[o.id] and "shortlisted" or "-")
    out[#out + 1] = "      " .. e.shortlist_note[o.id] -- with the margin or tie a reader needs
    if not e.shortlisted[o.id] then
      if rank <= shortlist_size + 2 and not e.excluded[o.id] then
        local r, pts, reads = closest_miss(e, o.id)
        if r then
          out[#out + 1] = "      closest rule that did not fire: " .. r.id .. " (" .. r.at .. ") would add " ..
            signed(pts) .. (score + pts >= needed and ", enough to reach the shortlist" or "") .. miss_reason(reads)
        end
      end
    end
  end
end

-- ---- facts ------------------------------------------------------------------------

-- a fact's value as a line shows it: text quoted, lists and sets in braces
local function fact_text(v)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) ~= "table" then return tostring(v) end
  local items = {}
  if #v > 0 then
    for i, x in ipairs(v) do items[i] = tostring(x) end
  else
    for _, k in ipairs(sorted_keys(v)) do
      items[#items + 1] = v[k] == true and tostring(k) or (tostring(k) .. "=" .. tostring(v[k]))
    end
  end
  return "{" .. table.concat(items, ", ") .. "}"
end

-- every declared fact of the pack with its value for this intake (or the
-- error computing it), in declaration order: { id, value | error, doc }
local function fact_values(e)
  local out = {}
  for i, d in ipairs(M.forms.facts) do
    local ok, v = pcall(function() return e.facts[d.id] end)
    out[i] = { id = d.id, doc = d.doc, at = d.at }
    if ok then out[i].value = v else
      out[i].error = tostring(v)
      M.forms.clear_computing()
    end
  end
  return out
end

local function explain_facts(out, e)
  local facts = fact_values(e)
  if #facts == 0 then return end
  out[#out + 1] = ""
  out[#out + 1] = "Facts"
  for _, x in ipairs(facts) do
    out[#out + 1] = "  " .. x.id .. " = " .. (x.error and ("error: " .. x.error) or fact_text(x.value))
  end
end

-- explain.text(e, id, label, source) -> the explanation of a traced record
function explain.text(e, id, label, source)
  local out = { "Intake " .. id .. " (" .. label .. ")  " .. tostring(source),
                "assessed on " .. tostring(e.as_of) }
  explain_facts(out, e)
  for _, stage in ipairs(STAGES) do
    explain_stage(out, e, stage)
    if stage == "shortlist" then explain_ranking(out, e) end
  end
  out[#out + 1] = ""
  out[#out + 1] = "Next steps"
  for _, o in ipairs(e.order) do
    -- the same text as the next_step column: the catalogue's step for a
    -- shortlisted option first, then what the engage rules added
    local steps = {}
    local own = M.stages.catalogue_step(e, o)
    if own then steps[1] = own .. " [catalogue]" end
    for _, st in ipairs(e.steps[o.id]) do steps[#steps + 1] = st end
    if #steps > 0 then out[#out + 1] = "  " .. o.id .. ": " .. table.concat(steps, " ") end
  end
  return table.concat(out, "\n") .. "\n"
end

-- ---- JSON -------------------------------------------------------------------------

local function json(v)
  local t = type(v)
  if t == "nil" then return "null" end
  if t == "boolean" then return tostring(v) end
  if t == "number" then
    if math.type(v) == "integer" then return tostring(v) end
    if not finite(v) then return "null" end
    return string.format("%.14g", v)
  end
  if t == "string" then
    return '"' .. v:gsub('[%c"\\]', function(c)
      local map = { ['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\t'] = '\\t', ['\r'] = '\\r' }
      return map[c] or string.format("\\u%04x", string.byte(c))
    end) .. '"'
  end
  if #v > 0 or next(v) == nil then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = json(x) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  local parts = {}
  for _, k in ipairs(sorted_keys(v)) do parts[#parts + 1] = json(tostring(k)) .. ":" .. json(v[k]) end
  return "{" .. table.concat(parts, ",") .. "}"
end

explain.json = json -- the same JSON for the other tools (sensitivity)

local function explain_data(e, id, label, source)
  local rules_out = {}
  for i, ent in ipairs(e.trace.entries) do
    local eff = {}
    for j, x in ipairs(ent.effects) do
      eff[j] = { target = x.key, points = x.points, excluded = x.excluded, step = x.step }
    end
    rules_out[i] = { id = ent.rule.id, stage = ent.rule.stage, where = ent.rule.at, fired = ent.fired,
                     reads = ent.reads, effects = eff, because = ent.because }
  end
  local ranking = {}
  for rank, o in ipairs(e.order) do
    ranking[rank] = { rank = rank, option = o.id, score = e.score[o.id], shortlisted = e.shortlisted[o.id],
                      note = e.shortlist_note[o.id], steps = e.steps[o.id] }
    if not e.shortlisted[o.id] then
      local r, pts = closest_miss(e, o.id)
      if r then
        ranking[rank].closest_miss = { rule = r.id, where = r.at, points = pts,
                                       enough = e.score[o.id] + pts >= entry_score(e) }
      end
    end
  end
  local needs = {}
  for i, a in ipairs(area_ids) do needs[i] = { area = a, level = e.need[a], label = level_labels[e.need[a]] } end
  local facts = {}
  for i, x in ipairs(fact_values(e)) do
    facts[i] = { id = x.id, value = x.value, error = x.error, where = x.at }
  end
  return { intake = id, label = label, source = source, as_of = e.as_of, facts = facts, needs = needs,
           rules = rules_out, ranking = ranking, top = e.top }
end

-- explain(intake, source, {format = "text"|"json"}) -> true, the explanation
function P.explain(intake, source, opts)
  local e = traced_evaluation(intake)
  local id, label = intake_names(intake)
  if opts and opts.format == "json" then return true, json(explain_data(e, id, label, source)) .. "\n" end
  return true, explain.text(e, id, label, source)
end
