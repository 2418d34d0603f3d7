-- prelude/tools/check.lua: `partnerfit check`, the rule pack run on intakes
-- built from the schema (low, high and minimal answers, dated on each day
-- the catalogue changes) through a probe: a rule that fails on an intake
-- the schema allows, or reads a question the schema lacks, is an error of
-- that rule; options no rule scores, and retired options scored without a
-- note, are warnings. Knows the schema description's shape, no domain id.

local P, M = ...
local pol, R = M.policy, M.runner
local closest = M.helpers.closest
local sorted_keys = M.helpers.sorted_keys
local tracker = M.trace.tracker
local evaluate = M.evaluate
local option_list = pol.option_list
local fit_rules = M.dsl.by_stage.fit

local PROBE_VARIANTS = { "low", "high", "minimal" }

local function probe_value(spec, variant, date)
  local t = spec.type
  if spec.default ~= nil and variant == "minimal" then return spec.default end
  if t == "object" then
    local o = {}
    for _, name in ipairs(sorted_keys(spec.fields or {})) do
      local f = spec.fields[name]
      if variant ~= "minimal" or f.required or f.default ~= nil then o[name] = probe_value(f, variant, date) end
    end
    return o
  elseif t == "list" then
    if variant == "minimal" then return {} end
    return { probe_value(spec.items, variant, date),
             probe_value(spec.items, variant == "low" and "high" or "low", date) }
  elseif t == "map" then
    local m = {}
    if variant == "minimal" then return m end
    local keys = spec.keys and spec.keys.values or { "example" }
    for _, k in ipairs(keys) do m[k] = probe_value(spec.values, variant, date) end
    return m
  elseif t == "enum" then
    return variant == "high" and spec.values[#spec.values] or spec.values[1]
  elseif t == "integer" or t == "number" then
    local lo, hi = spec.min or 0, spec.max or (spec.min or 0) + 1000
    return variant == "high" and hi or lo
  elseif t == "boolean" then
    return variant == "high"
  elseif t == "date" then
    return date
  end
  return variant == "high" and "probe text" or "x"
end

-- check(schema description) -> clean, report. Runs every rule on intakes
-- built from the schema, watching what they read; then cross-checks.
function P.check(_, _, schema)
  local found, seen = {}, {}
  local scored = {}
  local function add(at, msg)
    local line = at .. ": " .. msg
    if not seen[line] then
      seen[line] = true
      found[#found + 1] = line
    end
  end
  local probe
  probe = {
    scored = scored,
    fail = function(r, msg)
      local key = (r and r.id or "?") .. "\0" .. tostring(msg)
      if seen[key] then return end -- once per rule and message, at its first probe
      seen[key] = true
      add(r and r.at or "?", "rule '" .. (r and r.id or "?") .. "' fails on an intake the schema allows (" ..
        probe.variant .. "): " .. tostring(msg))
    end,
    unknown = function(path, why, candidates, where)
      local hint = candidates and closest(path:match("[^.%[]+$") or path, candidates)
      local running = R.running()
      add(where, "rule '" .. (running and running.id or "?") .. "' reads '" .. path .. "', but " .. why ..
        (hint and (" (did you mean '" .. hint .. "'?)") or ""))
    end,
  }
  R.set_probe(probe)
  M.forms.record_fact_reads({})
  local ok, err = pcall(function()
    -- every date the catalogue changes on, so each lifecycle stage is seen
    local dates, seen_date = { "2026-01-01" }, { ["2026-01-01"] = true }
    for _, o in ipairs(option_list) do
      for _, l in ipairs(o.lifecycle) do
        if not seen_date[l.from] then
          seen_date[l.from] = true
          dates[#dates + 1] = l.from
        end
      end
    end
    table.sort(dates)
    for _, date in ipairs(dates) do
      for _, variant in ipairs(PROBE_VARIANTS) do
        probe.variant = variant .. " answers, dated " .. date
        evaluate(tracker(probe_value(schema, variant, date), "", schema))
      end
    end
  end)
  R.set_probe(nil)
  if not ok then add("prelude", "check stopped: " .. tostring(err)) end
  M.check_forms.problems(schema, add)
  local errors = #found
  M.check_forms.warnings(add)
  M.forms.record_fact_reads(nil)
  -- warnings: options no rule ever scores, retired options scored without a note
  for _, r in ipairs(fit_rules) do
    if type(r.action) == "table" then
      for k in pairs(r.action) do scored[k] = true end
    end
    for k in pairs(r.programmes or {}) do scored[k] = true end
  end
  for _, o in ipairs(option_list) do
    if not scored[o.id] then add(o.at, "warning: no rule ever scores option '" .. o.id .. "'") end
    -- a table's points for a retired option go to its successor; with none,
    -- they stay on an option that is never shortlisted again
    local last = o.lifecycle[#o.lifecycle]
    if last and last.status == "retired" and last.successor == nil then
      for _, r in ipairs(fit_rules) do
        local named = type(r.action) == "table" and r.action[o.id] or (r.programmes and r.programmes[o.id])
        if named and r.note == nil then
          add(r.at, "warning: rule '" .. r.id .. "' scores option '" .. o.id .. "', retired since " ..
            last.from .. " with no successor, without a note saying why")
        end
      end
    end
  end
  return errors == 0, table.concat(found, "\n") .. (#found > 0 and "\n" or "")
end
