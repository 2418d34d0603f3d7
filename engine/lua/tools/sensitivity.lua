-- prelude/tools/sensitivity.lua: `partnerfit sensitivity`, which single
-- answer of one intake, changed by one step, changes its top option or its
-- shortlist. The steps come from the schema description (as check's probes
-- do): a number one step each way (an integer on a scale of at most ten
-- values by 1, any other by 10 %, at least 1), an enum on an ordered scale to
-- its neighbours and any other enum to each other value, a boolean flipped,
-- a date 30 days each way, a list's item or a map's entry removed, and an
-- item added to a list of objects that one required enum names (each value
-- no item holds yet). Every step stays within the schema (bounds, item
-- counts), so each changed intake is one the host would accept. One
-- evaluation per step, on a plain copy of the intake behind a read-only
-- view. Knows the schema description's shape, no question, option or area.

local P, M = ...
local H, pol = M.helpers, M.policy
local sorted_keys, day_number = H.sorted_keys, H.day_number
local evaluate = M.evaluate
local intake_names = M.reports.intake_names
local json = M.explain.json
local facts = M.forms.facts

-- More steps than this are not tried (the whole tool runs within one
-- intake's instruction limit; check's probes are some 200 evaluations).
local MAX_STEPS = 400
local DATE_STEP_DAYS = 30
local SMALL_SCALE = 10 -- an integer with at most this many steps between its bounds moves by 1

-- Enums whose values all come, in this order, from one of these scales are
-- ordered: a step goes to the neighbouring value. Words of degree, not
-- answers of a questionnaire; any other enum steps to each other value.
local SCALES = {
  { "none", "very_low", "low", "medium", "high", "very_high" },
  { "small", "medium", "large", "very_large" },
}

local function on_scale(values, scale)
  local j = 1
  for _, v in ipairs(values) do
    while scale[j] ~= nil and scale[j] ~= v do j = j + 1 end
    if scale[j] == nil then return false end
    j = j + 1
  end
  return true
end

local function ordered(values)
  if #values < 3 then return false end
  for _, scale in ipairs(SCALES) do
    if on_scale(values, scale) then return true end
  end
  return false
end

-- ---- dates ---------------------------------------------------------------------------

-- the YYYY-MM-DD text of a day number (days since 1970-01-01), the
-- inverse of helpers' day_number
local function date_text(z)
  z = z + 719468
  local era = z // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400 + (m <= 2 and 1 or 0)
  return string.format("%04d-%02d-%02d", y, m, d)
end

-- ---- one answer's steps ----------------------------------------------------------------

local function within(spec, v)
  return (spec.min == nil or v >= spec.min) and (spec.max == nil or v <= spec.max)
end

-- the answers one step from v, lower first, each within the spec's bounds
local function number_steps(spec, v)
  local d
  if spec.type == "integer" then
    if spec.min ~= nil and spec.max ~= nil and spec.max - spec.min <= SMALL_SCALE then
      d = 1
    else
      d = math.max(1, math.tointeger(math.floor(math.abs(v) / 10 + 0.5)))
    end
  else
    if v == 0 then return {} end -- 10 % of nothing is no step
    d = math.abs(v) / 10
  end
  local out = {}
  for _, x in ipairs({ v - d, v + d }) do
    if within(spec, x) then out[#out + 1] = x end
  end
  return out
end

local function enum_steps(spec, v)
  local values, out = spec.values, {}
  if ordered(values) then
    for i, x in ipairs(values) do
      if x == v then
        out[#out + 1] = values[i - 1]
        out[#out + 1] = values[i + 1]
      end
    end
    return out
  end
  for _, x in ipairs(values) do
    if x ~= v then out[#out + 1] = x end
  end
  return out
end

local function date_steps(spec, v)
  local out, day = {}, day_number(v)
  for _, x in ipairs({ date_text(day - DATE_STEP_DAYS), date_text(day + DATE_STEP_DAYS) }) do
    if within(spec, x) then out[#out + 1] = x end -- YYYY-MM-DD texts compare as dates
  end
  return out
end

local function scalar_steps(spec, v)
  local t = spec.type
  if t == "boolean" then return { not v } end
  if t == "enum" then return enum_steps(spec, v) end
  if t == "integer" or t == "number" then return number_steps(spec, v) end
  if t == "date" then return date_steps(spec, v) end
  return {} -- text: no step
end

-- ---- the steps of an intake --------------------------------------------------------------
-- Each step is { path, from, to, kind, apply(), undo() } over the plain
-- copy of the intake; from or to is nil where an item is added or removed.

local function join(label, k)
  if math.type(k) == "integer" then return label .. "[" .. k .. "]" end
  return label == "" and k or label .. "." .. k
end

local function set_step(t, k, path, spec, to)
  local from = t[k]
  return { path = path, from = from, to = to, kind = spec.type,
           apply = function() t[k] = to end, undo = function() t[k] = from end }
end

-- the one field an object item is named by: its only required field, an
-- enum (a list of requests each naming its topic); nil when there is none
local function identity(item_spec)
  if item_spec.type ~= "object" then return nil end
  local found
  for _, name in ipairs(sorted_keys(item_spec.fields or {})) do
    if item_spec.fields[name].required then
      if found or item_spec.fields[name].type ~= "enum" then return nil end
      found = name
    end
  end
  return found
end

local walk

-- a new item named value: its identity field and every default
local function new_item(item_spec, id_field, value)
  local item = {}
  for _, name in ipairs(sorted_keys(item_spec.fields)) do
    local d = item_spec.fields[name].default
    if type(d) ~= "table" then item[name] = d end
  end
  item[id_field] = value
  return item
end

local function list_steps(spec, list, path, out)
  local id_field, n = identity(spec.items), #list
  local used = {}
  for i = 1, n do
    local p = join(path, i)
    if id_field then
      used[list[i][id_field]] = true
      for _, name in ipairs(sorted_keys(spec.items.fields)) do
        if name ~= id_field then walk(spec.items.fields[name], list[i], name, join(p, name), out) end
      end
    else
      walk(spec.items, list, i, p, out)
    end
    if n > (spec.min_items or 0) then
      local item = list[i]
      out[#out + 1] = { path = p, from = item, kind = "removed",
                        apply = function() table.remove(list, i) end,
                        undo = function() table.insert(list, i, item) end }
    end
  end
  if id_field and n < (spec.max_items or math.huge) then
    for _, value in ipairs(spec.items.fields[id_field].values) do
      if not used[value] then
        local item = new_item(spec.items, id_field, value)
        out[#out + 1] = { path = join(path, n + 1), to = item, kind = "added",
                          apply = function() list[n + 1] = item end, undo = function() list[n + 1] = nil end }
      end
    end
  end
end

local function map_steps(spec, map, path, out)
  local keys = sorted_keys(map)
  for _, k in ipairs(keys) do
    local p = join(path, k)
    walk(spec.values, map, k, p, out)
    if #keys > (spec.min_items or 0) then
      local entry = map[k]
      out[#out + 1] = { path = p, from = entry, kind = "removed",
                        apply = function() map[k] = nil end, undo = function() map[k] = entry end }
    end
  end
end

-- the steps of the answer t[k] (given, as spec describes it) and of every
-- answer under it, appended to out
function walk(spec, t, k, path, out)
  local v = t[k]
  if v == nil then return end
  local kind = spec.type
  if kind == "object" then
    for _, name in ipairs(sorted_keys(spec.fields or {})) do walk(spec.fields[name], v, name, join(path, name), out) end
  elseif kind == "list" then
    list_steps(spec, v, path, out)
  elseif kind == "map" then
    map_steps(spec, v, path, out)
  else
    for _, to in ipairs(scalar_steps(spec, v)) do out[#out + 1] = set_step(t, k, path, spec, to) end
  end
end

-- ---- evaluating -------------------------------------------------------------------------

-- a plain, writable copy of the host's read-only intake
local function copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for _, k in ipairs(sorted_keys(v)) do t[k] = copy(v[k]) end
  return t
end

-- what a rule sees: the copy as it is now, read-only, as the host's intake is
local function frozen(t)
  local raw = {}
  for k, v in next, t do raw[k] = type(v) == "table" and frozen(v) or v end
  return H.readonly(raw, "the intake")
end

-- The facts written as an expression that reads a threshold, each with
-- the thresholds and the facts it names: { id, thresholds = {...},
-- uses = {fact = true} }.
local function threshold_facts()
  local out = {}
  for _, d in ipairs(facts) do
    local src = d.expression
    if src then
      local names, uses = {}, {}
      for name in (" " .. src):gmatch("[^%w_.]thresholds%.([%a_][%w_]*)") do names[#names + 1] = name end
      for name in (" " .. src):gmatch("[^%w_.]f%.([%a_][%w_]*)") do uses[name] = true end
      if #names > 0 then out[#out + 1] = { id = d.id, thresholds = names, uses = uses } end
    end
  end
  return out
end

-- the values of those facts for the evaluation just made (one that fails
-- to compute is left out)
local function fact_values(e, tf)
  local out = {}
  for _, x in ipairs(tf) do
    local ok, v = M.host.pcall(function() return e.facts[x.id] end) -- a limit is not caught
    if ok and type(v) ~= "table" then out[x.id] = v else M.forms.clear_computing() end
  end
  return out
end

-- The thresholds a number or date step crossed: a threshold fact whose
-- value changed, unless a changed threshold fact it reads explains it.
local function crossings(tf, before, after)
  local changed = {}
  for _, x in ipairs(tf) do changed[x.id] = before[x.id] ~= after[x.id] end
  local out = {}
  for _, x in ipairs(tf) do
    local inner = true
    for name in pairs(x.uses) do inner = inner and not changed[name] end
    if changed[x.id] and inner then
      for _, name in ipairs(x.thresholds) do
        out[#out + 1] = { threshold = name, value = pol.thresholds[name], fact = x.id,
                          from = before[x.id], to = after[x.id] }
      end
    end
  end
  return out
end

local function outcome(e)
  local list, set = {}, {}
  for _, o in ipairs(e.order) do
    if e.shortlisted[o.id] then
      list[#list + 1] = o.id
      set[o.id] = true
    end
  end
  return { top = e.top, shortlist = list, set = set }
end

-- the options of a's shortlist not on b's, in a's order
local function missing(a, b)
  local out = {}
  for _, id in ipairs(a.shortlist) do
    if not b.set[id] then out[#out + 1] = id end
  end
  return out
end

local CROSSING_KINDS = { integer = true, number = true, date = true }

-- Evaluates the intake with step s made: the finding, or nil when neither
-- the top option nor the shortlist moved.
local function try_step(copied, s, base, tf)
  s.apply()
  local view = frozen(copied)
  s.undo()
  local ok, e = M.host.pcall(evaluate, view)
  if not ok then
    local rule = P.running_rule()
    return { step = s, error = (rule and ("rule " .. rule .. ": ") or "") .. tostring(e) }
  end
  local now = outcome(e)
  local f = { step = s, gained = missing(now, base.outcome), lost = missing(base.outcome, now) }
  if now.top ~= base.outcome.top then f.top = { from = base.outcome.top, to = now.top } end
  if f.top == nil and #f.gained == 0 and #f.lost == 0 then return nil end
  if CROSSING_KINDS[s.kind] then f.crosses = crossings(tf, base.facts, fact_values(e, tf)) end
  return f
end

-- findings sorted by path, then in the order the steps were made
local function by_path(a, b)
  if a.step.path ~= b.step.path then return a.step.path < b.step.path end
  return a.index < b.index
end

local function analyse(intake, schema)
  local root = { [""] = copy(intake) } -- walk takes an answer as its table and key
  local steps = {}
  walk(schema, root, "", "", steps)
  local tried = math.min(#steps, MAX_STEPS)
  local tf = threshold_facts()
  local e = evaluate(frozen(root[""]))
  local base = { outcome = outcome(e), facts = fact_values(e, tf), as_of = e.as_of }
  local r = { base = base, steps = tried, skipped = #steps - tried, findings = {}, top = 0, shortlist = 0,
              failed = 0 }
  for i = 1, tried do
    local f = try_step(root[""], steps[i], base, tf)
    if f then
      f.index = i
      r.findings[#r.findings + 1] = f
      if f.error then r.failed = r.failed + 1 end
      if f.top then r.top = r.top + 1 end
      if f.gained and #f.gained + #f.lost > 0 then r.shortlist = r.shortlist + 1 end
    end
  end
  table.sort(r.findings, by_path)
  return r
end

-- ---- text ---------------------------------------------------------------------------------

local function show(v)
  if v == nil then return "(none)" end
  if math.type(v) == "float" then return string.format("%.15g", v) end
  if type(v) ~= "table" then return tostring(v) end
  local parts = {}
  for _, k in ipairs(sorted_keys(v)) do parts[#parts + 1] = tostring(k) .. "=" .. show(v[k]) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function change_text(s)
  if s.kind == "removed" then return show(s.from) .. " -> (removed)" end
  return show(s.from) .. " -> " .. show(s.to)
end

local function finding_text(f)
  local line = "  " .. f.step.path .. ": " .. change_text(f.step) .. ": "
  if f.error then return line .. "the evaluation failed: " .. f.error end
  local what = {}
  if f.top then what[#what + 1] = "top " .. show(f.top.from) .. " -> " .. show(f.top.to) end
  local moves = {}
  if #f.gained > 0 then moves[#moves + 1] = "gained " .. table.concat(f.gained, ", ") end
  if #f.lost > 0 then moves[#moves + 1] = "lost " .. table.concat(f.lost, ", ") end
  if #moves > 0 then what[#what + 1] = "shortlist " .. table.concat(moves, ", ") end
  line = line .. table.concat(what, "; ")
  for _, c in ipairs(f.crosses or {}) do
    line = line .. "\n      crosses thresholds." .. c.threshold .. " = " .. show(c.value) .. " (" .. c.fact ..
      ": " .. show(c.from) .. " -> " .. show(c.to) .. ")"
  end
  return line
end

-- "N of M one-step changes move the top option, K move the shortlist (...)":
-- the same words whatever the numbers, for a script to read
local function summary(r)
  local s = r.top .. " of " .. r.steps .. " one-step changes move the top option, " .. r.shortlist ..
    " move the shortlist (" .. (r.steps + 1) .. " evaluations"
  if r.failed > 0 then s = s .. "; " .. r.failed .. " failed" end
  if r.skipped > 0 then s = s .. "; " .. r.skipped .. " more steps not tried" end
  return s .. ")"
end

local function text(r, id, label, source)
  local b = r.base
  local out = { "Sensitivity of " .. id .. " (" .. label .. ")  " .. tostring(source),
                "assessed on " .. tostring(b.as_of) .. ": top " .. show(b.outcome.top) .. "; shortlist " ..
                (#b.outcome.shortlist > 0 and table.concat(b.outcome.shortlist, ", ") or "(empty)"),
                "",
                "One-step changes that move the top option or the shortlist:" }
  for _, f in ipairs(r.findings) do out[#out + 1] = finding_text(f) end
  if #r.findings == 0 then out[#out + 1] = "  none" end
  out[#out + 1] = ""
  out[#out + 1] = summary(r)
  return table.concat(out, "\n") .. "\n"
end

-- ---- JSON ---------------------------------------------------------------------------------

local function data(r, id, label, source)
  local changes = {}
  for i, f in ipairs(r.findings) do
    local s = f.step
    changes[i] = { path = s.path, from = s.from, to = s.to, kind = s.kind, error = f.error, top = f.top,
                   gained = f.gained or {}, lost = f.lost or {}, crosses = f.crosses or {},
                   moves_top = f.top ~= nil, moves_shortlist = f.gained ~= nil and #f.gained + #f.lost > 0 }
  end
  local b = r.base
  return { intake = id, label = label, source = source, as_of = b.as_of, top = b.outcome.top,
           shortlist = b.outcome.shortlist, steps = r.steps, evaluations = r.steps + 1, not_tried = r.skipped,
           moves_top = r.top, moves_shortlist = r.shortlist, failed = r.failed, changes = changes,
           summary = summary(r) }
end

-- sensitivity(intake, source, { format = "text"|"json", schema = description })
-- -> true, the report
function P.sensitivity(intake, source, opts)
  local r = analyse(intake, opts.schema)
  local id, label = intake_names(intake)
  if opts.format == "json" then return true, json(data(r, id, label, source)) .. "\n" end
  return true, text(r, id, label, source)
end
