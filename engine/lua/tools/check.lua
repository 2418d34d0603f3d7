-- prelude/tools/check.lua: `partnerfit check`, the rule pack run on intakes
-- built from the schema through a probe: low, high and minimal answers, dated
-- on each day the catalogue changes; then the low and the high answers with
-- one answer changed (to each value of an enum, a map keyed by one holding one
-- key alone, a number to its bounds and middle), the dates taking turns. A
-- rule that fails on an intake the schema allows, or reads a question the
-- schema lacks, is an error of that rule; options no rule scores, and retired
-- options scored without a note, are warnings. Knows the schema description's
-- shape, no domain id.

local P, M = ...
local pol, R = M.policy, M.runner
local closest = M.helpers.closest
local sorted_keys = M.helpers.sorted_keys
local tracker = M.trace.tracker
local evaluate = M.evaluate
local option_list = pol.option_list
local fit_rules = M.dsl.by_stage.fit

local PROBE_VARIANTS = { "low", "high", "minimal" }
local CHANGED_VARIANTS = { "low", "high" } -- the answers one change is made to

-- The numbers a question is probed with: its bounds and their middle. One
-- with no maximum gets one far above any count or amount a rule would
-- compare with. A number answer is a float, as the host passes it.
local function numbers(spec)
  local lo = spec.min or 0
  local hi = spec.max or lo + 1000000000
  if spec.type == "number" then return { lo + 0.0, (lo + hi) / 2, hi + 0.0 } end
  return { lo, (lo + hi) // 2, hi }
end

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
    local n = numbers(spec)
    return variant == "high" and n[3] or n[1]
  elseif t == "boolean" then
    return variant == "high"
  elseif t == "date" then
    return date
  end
  return variant == "high" and "probe text" or "x"
end

-- ---- one answer changed --------------------------------------------------------
-- Low and high answers never reach a middle enum value, a number between its
-- bounds (nor one bound while the others are at theirs), nor a map with some
-- of its keys but not the others: so each is tried once on the low and once
-- on the high answers. Check runs within one intake's instruction limit (20
-- million), which allows some 850 evaluations of the 76-rule pack: each
-- change on every date would take most of that, and a pack twice the size
-- would go over, so the dates take turns and each change is seen on two.

-- The changes worth trying, each { path = keys from the intake's root ("*":
-- every item of a list or key of a map), label = the path as the analyst
-- writes it, values = {...} }; keys_only: the map at path holds one of the
-- values, its allowed keys, alone.
local function changes(spec, path, label, out)
  local function under(k, sub, sub_label)
    local p = table.move(path, 1, #path, 1, {})
    p[#p + 1] = k
    changes(sub, p, sub_label, out)
  end
  local t = spec.type
  if t == "object" then
    for _, name in ipairs(sorted_keys(spec.fields or {})) do
      under(name, spec.fields[name], label == "" and name or label .. "." .. name)
    end
  elseif t == "list" then
    under("*", spec.items, label .. "[*]")
  elseif t == "map" then
    local allowed = spec.keys and spec.keys.values
    if allowed then out[#out + 1] = { path = path, label = label, values = allowed, keys_only = true } end
    under("*", spec.values, label .. ".*")
  elseif t == "enum" then
    out[#out + 1] = { path = path, label = label, values = spec.values }
  elseif t == "integer" or t == "number" then
    out[#out + 1] = { path = path, label = label, values = numbers(spec) }
  end
  return out
end

-- the places path names in t, as a list of { table, key } ("*": each child)
local function places(t, path, i, out)
  i, out = i or 1, out or {}
  local k = path[i]
  local keys = k == "*" and sorted_keys(t) or { k }
  for _, key in ipairs(keys) do
    if i == #path then out[#out + 1] = { t, key }
    elseif type(t[key]) == "table" then places(t[key], path, i + 1, out) end
  end
  return out
end

local function show(v)
  if math.type(v) == "float" then return string.format("%.15g", v) end
  return tostring(v)
end

-- intake with change c made with value, and the change's name for the
-- report; nil when the intake answers so already
local function change(intake, c, value)
  local at = places(intake, c.path)
  if c.keys_only then
    for _, p in ipairs(at) do p[1][p[2]] = { [value] = p[1][p[2]][value] } end
    return intake, c.label .. " holding only " .. value
  end
  local same = true
  for _, p in ipairs(at) do
    same = same and p[1][p[2]] == value
    p[1][p[2]] = value
  end
  if same then return nil end
  return intake, c.label .. " = " .. show(value)
end

-- a path as the tracker writes it: "estate.servers", "help[1].area"
local function join(path, k)
  if type(k) == "number" then return path .. "[" .. k .. "]" end
  return path == "" and tostring(k) or path .. "." .. tostring(k)
end

-- A probe intake as a read-only view cheap enough to run some hundreds of
-- times (the tracker runs a function on every read: an evaluation through it
-- costs nearly three through this). A present answer is a table lookup; only a
-- read of an absent one reaches a function: the tracker of an empty table
-- at that path, kept in trackers, which reports a question the schema
-- lacks in the same words and at the same rule line as on the first probes.
local function view(t, spec, path, trackers)
  local raw, keys = {}, sorted_keys(t)
  for _, k in ipairs(keys) do
    local v = t[k]
    if type(v) == "table" then
      local sub = spec.fields and spec.fields[k] or spec.items or spec.values
      v = view(v, sub, join(path, k), trackers)
    end
    raw[k] = v
  end
  trackers[path] = trackers[path] or tracker({}, path, spec)
  setmetatable(raw, { __index = trackers[path] })
  return setmetatable({}, {
    __index = raw,
    __newindex = function(_, k) error("the intake is read-only (tried to set '" .. join(path, k) .. "')", 2) end,
    __len = function() return #raw end,
    __pairs = function()
      local i = 0
      return function()
        i = i + 1
        local k = keys[i]
        if k ~= nil then return k, raw[k] end
      end
    end,
    __metatable = false,
  })
end

-- ---- the probes -------------------------------------------------------------------

-- every date the catalogue changes on, so each lifecycle stage is seen,
-- and a fixed recent one
local function probe_dates()
  local dates = M.lifecycles.change_dates()
  if not M.helpers.contains(dates, "2026-01-01") then dates[#dates + 1] = "2026-01-01" end
  table.sort(dates)
  return dates
end

-- Runs the pack on every probe intake; probe.variant names the one running.
local function run_probes(probe, schema)
  local dates = probe_dates()
  for _, date in ipairs(dates) do
    for _, variant in ipairs(PROBE_VARIANTS) do
      probe.variant = variant .. " answers, dated " .. date
      evaluate(tracker(probe_value(schema, variant, date), "", schema))
    end
  end
  local trackers, n = {}, 0
  for _, c in ipairs(changes(schema, {}, "", {})) do
    for _, value in ipairs(c.values) do
      n = n + 1
      for b, variant in ipairs(CHANGED_VARIANTS) do
        local date = dates[(n + b - 2) % #dates + 1]
        local intake, what = change(probe_value(schema, variant, date), c, value)
        if intake then
          probe.variant = variant .. " answers with " .. what .. ", dated " .. date
          evaluate(view(intake, schema, "", trackers))
        end
      end
    end
  end
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
      -- a read made by the engine for a fact's answer or a table's question
      -- (prelude code): said at the fact's or table's own line instead
      if tostring(where):match("^prelude/") then return end
      local hint = candidates and closest(path:match("[^.%[]+$") or path, candidates)
      local running = R.running()
      add(where, "rule '" .. (running and running.id or "?") .. "' reads '" .. path .. "', but " .. why ..
        (hint and (" (did you mean '" .. hint .. "'?)") or ""))
    end,
  }
  R.set_probe(probe)
  M.forms.record_fact_reads({})
  local ok, err = pcall(run_probes, probe, schema)
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
