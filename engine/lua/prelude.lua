-- partnerfit prelude: the rule DSL and the four stages of partner alignment
-- (needs, fit, shortlist, engage). Embedded in the binary and run once per
-- Lua state, trusted, with the state's own globals. Rule files never see
-- this environment: they see only what P.dsl lists, through the sandbox.
--
-- The prelude knows rules, stages, areas and options as generic notions; it
-- never names a particular option, area or question: those come from the
-- policy and the rule pack.

local P = {}

local STAGES = { "needs", "fit", "shortlist", "engage" }
local ACTION_FIELD = { needs = "need", fit = "score", shortlist = "exclude", engage = "step" }
local COMMON_FIELDS = { "id", "stage", "because", "when", "weight", "doc" }
local STAGE_FIELDS = { needs = { "need" }, fit = { "score" }, shortlist = { "exclude" },
                       engage = { "step", "options" } }
local STATUSES = { active = true, legacy = true, retired = true }
local STEP_TARGETS = { shortlisted = true, top = true, all = true }

local host          -- functions and data the C host hands over
local problems = {} -- policy and rule-pack problems, as "file:line: message"
local rules = {}
local by_stage = { needs = {}, fit = {}, shortlist = {}, engage = {} }
local by_id = {}
local running       -- the rule being evaluated, for error messages

-- policy, copied into plain tables for speed
local area_ids, area_name, area_known = {}, {}, {}
local option_list, option_by_id = {}, {}
local max_level, level_labels, focus_level = 5, {}, 3
local shortlist_size, min_score, excluded_status = 3, 0, {}
local weights = {}
local id_path, label_path, as_of_path
local label_column = "label"

-- ==================================================================
-- small helpers
-- ==================================================================

local function problem(where, msg)
  problems[#problems + 1] = where .. ": " .. msg
end

-- "policies/x.yaml:12:5" for a key of a policy table, or the file alone
local function policy_at(t, key)
  local pos = type(t) == "table" and t["\1pos"] or nil
  local lc = pos and pos[key]
  return lc and (host.policy_path .. ":" .. lc) or host.policy_path
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    if k ~= "\1pos" then keys[#keys + 1] = k end
  end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    if ta == "number" or ta == "string" then return a < b end
    return false
  end)
  return keys
end

local function contains(list, x)
  if list == nil then return false end
  for _, v in ipairs(list) do
    if v == x then return true end
  end
  return false
end

local function count(list, pred)
  local n = 0
  for _, v in ipairs(list or {}) do
    if pred == nil or pred(v) then n = n + 1 end
  end
  return n
end

local function sum(list, fn)
  local s = 0
  for _, v in ipairs(list or {}) do
    s = s + (fn and fn(v) or v)
  end
  return s
end

local function clamp(x, lo, hi)
  if x < lo then return lo end
  if x > hi then return hi end
  return x
end

-- days since 1970-01-01 of a YYYY-MM-DD text (proleptic Gregorian)
local function day_number(s)
  local y, m, d = string.match(tostring(s), "^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then error("not a date in the form YYYY-MM-DD: " .. tostring(s), 3) end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local year_of_era = y - era * 400
  local shifted_month = (m + 9) % 12 -- March = 0
  local day_of_year = (153 * shifted_month + 2) // 5 + d - 1
  local day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
  return era * 146097 + day_of_era - 719468
end

local function days_between(a, b)
  if a == nil or b == nil then return nil end
  return day_number(b) - day_number(a)
end

-- points as text: +30, -5, +7.5
local function signed(x)
  local s
  if x == math.floor(x) and math.abs(x) < 1e15 then
    s = string.format("%d", math.floor(x))
  else
    s = string.format("%.2f", x):gsub("0+$", ""):gsub("%.$", "")
  end
  if x >= 0 then s = "+" .. s end
  return s
end

local function finite(x)
  return type(x) == "number" and x == x and x ~= math.huge and x ~= -math.huge
end

-- a dotted path into a table: "organisation.name"
local function get_path(t, path)
  if path == nil then return nil end
  for part in string.gmatch(path, "[^.]+") do
    if type(t) ~= "table" then return nil end
    t = t[part]
    if t == nil then return nil end
  end
  return t
end

local function readonly(t, what)
  return setmetatable({}, {
    __index = t,
    __newindex = function(_, k) error(what .. " is read-only (tried to set '" .. tostring(k) .. "')", 2) end,
    __len = function() return #t end,
    __pairs = function() return next, t, nil end,
    __metatable = false,
  })
end

-- edit distance with transpositions (optimal string alignment), capped
local function distance(a, b)
  local la, lb = #a, #b
  if math.abs(la - lb) > 2 then return 3 end
  local d = {}
  for i = 0, la do d[i] = { [0] = i } end
  for j = 0, lb do d[0][j] = j end
  for i = 1, la do
    for j = 1, lb do
      local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
      local v = math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if i > 1 and j > 1 and a:sub(i, i) == b:sub(j - 1, j - 1) and a:sub(i - 1, i - 1) == b:sub(j, j) then
        v = math.min(v, d[i - 2][j - 2] + 1)
      end
      d[i][j] = v
    end
  end
  return d[la][lb]
end

-- the candidate nearest to a misspelt word (at most 2 edits, or a
-- difference of case, or one containing the other), for "did you mean"
local function closest(word, candidates)
  local w = string.lower(tostring(word))
  local best, best_d = nil, 3
  for _, c in ipairs(candidates) do
    local lc = string.lower(c)
    local d = distance(w, lc)
    if d < best_d then best, best_d = c, d end
  end
  if best then return best end
  for _, c in ipairs(candidates) do
    local lc = string.lower(c)
    if #w >= 3 and (lc:find(w, 1, true) or w:find(lc, 1, true)) then return c end
  end
  return nil
end

local function one_of(list)
  return table.concat(list, ", ")
end

-- ==================================================================
-- policy
-- ==================================================================

local function check_areas(policy)
  local areas = policy.areas
  if type(areas) ~= "table" or #areas == 0 then
    problem(policy_at(policy, "areas"), "the policy needs a list 'areas' of {id, name}")
    return
  end
  for i, a in ipairs(areas) do
    local at = policy_at(areas, i)
    if type(a) ~= "table" or type(a.id) ~= "string" or not a.id:match("^[%a_][%w_]*$") then
      problem(at, "areas[" .. i .. "] needs an 'id' of letters, digits and _")
    elseif area_known[a.id] then
      problem(at, "area '" .. a.id .. "' is listed twice")
    else
      area_ids[#area_ids + 1] = a.id
      area_known[a.id] = true
      area_name[a.id] = type(a.name) == "string" and a.name or a.id
    end
  end
end

local function check_needs(policy)
  local n = policy.needs
  if n == nil then return end
  local at = policy_at(policy, "needs")
  max_level = n.max_level or max_level
  if math.type(max_level) ~= "integer" or max_level < 1 then
    problem(at, "needs.max_level must be a whole number of at least 1")
    max_level = 5
  end
  focus_level = n.focus_level or focus_level
  if math.type(focus_level) ~= "integer" or focus_level < 0 or focus_level > max_level then
    problem(at, "needs.focus_level must be a whole number from 0 to max_level")
    focus_level = max_level
  end
  if n.labels ~= nil then
    if #n.labels ~= max_level + 1 then
      problem(policy_at(n, "labels"), string.format(
        "needs.labels must give one label per level 0..%d (%d labels), found %d",
        max_level, max_level + 1, #n.labels))
    end
    for i, l in ipairs(n.labels) do level_labels[i - 1] = tostring(l) end
  end
end

local function check_lifecycle(o, at)
  local entries = {}
  local previous
  for i, e in ipairs(o.lifecycle or {}) do
    local eat = policy_at(o.lifecycle, i)
    if type(e) ~= "table" or not STATUSES[e.status] then
      problem(eat, "option '" .. o.id .. "': lifecycle[" .. i .. "].status must be one of active, legacy, retired")
    elseif type(e.from) ~= "string" or not pcall(day_number, e.from) then
      problem(eat, "option '" .. o.id .. "': lifecycle[" .. i .. "].from must be a date YYYY-MM-DD")
    else
      if previous and e.from <= previous then
        problem(eat, "option '" .. o.id .. "': lifecycle entries must be in date order")
      end
      previous = e.from
      entries[#entries + 1] = { status = e.status, from = e.from, note = e.note,
                                successor = e.successor, source = e.source, at = eat }
    end
  end
  if #entries == 0 and o.lifecycle ~= nil then
    problem(at, "option '" .. o.id .. "': lifecycle has no usable entry")
  end
  return entries
end

local function check_options(policy)
  local opts = policy.options
  if type(opts) ~= "table" or #opts == 0 then
    problem(policy_at(policy, "options"), "the policy needs a list 'options' (the catalogue)")
    return
  end
  for i, o in ipairs(opts) do
    local at = policy_at(opts, i)
    if type(o) ~= "table" or type(o.id) ~= "string" or not o.id:match("^[%a_][%w_]*$") then
      problem(at, "options[" .. i .. "] needs an 'id' of letters, digits and _")
    elseif option_by_id[o.id] then
      problem(at, "option '" .. o.id .. "' is listed twice")
    else
      local entry = { id = o.id, name = type(o.name) == "string" and o.name or o.id, index = i,
                      areas = {}, next_step = o.next_step, at = at }
      for j, a in ipairs(o.areas or {}) do
        if area_known[a] then
          entry.areas[#entry.areas + 1] = a
        else
          problem(policy_at(o.areas, j), "option '" .. o.id .. "' covers unknown area '" .. tostring(a) ..
            "' (areas are: " .. one_of(area_ids) .. ")")
        end
      end
      entry.lifecycle = check_lifecycle(o, at)
      option_list[#option_list + 1] = entry
      option_by_id[o.id] = entry
    end
  end
  for _, o in ipairs(option_list) do
    for _, e in ipairs(o.lifecycle) do
      if e.successor ~= nil and not option_by_id[e.successor] then
        problem(e.at, "option '" .. o.id .. "': successor '" .. tostring(e.successor) .. "' is not in the catalogue")
      end
    end
  end
end

local function check_shortlist(policy)
  local s = policy.shortlist
  if s == nil then return end
  local at = policy_at(policy, "shortlist")
  shortlist_size = s.size or shortlist_size
  if math.type(shortlist_size) ~= "integer" or shortlist_size < 1 then
    problem(at, "shortlist.size must be a whole number of at least 1")
    shortlist_size = 3
  end
  min_score = s.min_score or min_score
  if not finite(min_score) then
    problem(at, "shortlist.min_score must be a number")
    min_score = 0
  end
  for _, st in ipairs(s.exclude_status or {}) do
    if not STATUSES[st] then
      problem(policy_at(s, "exclude_status"), "shortlist.exclude_status: '" .. tostring(st) ..
        "' is not one of active, legacy, retired")
    end
    excluded_status[st] = true
  end
end

local function check_weights(policy)
  local w = policy.weights
  if w == nil then return end
  for _, k in ipairs(sorted_keys(w)) do
    if not finite(w[k]) then
      problem(policy_at(w, k), "weight '" .. tostring(k) .. "' must be a number")
    else
      weights[k] = w[k]
    end
  end
end

local function check_intake_fields(policy)
  local f = policy.intake or {}
  id_path = f.id_field or "id"
  label_path = f.label_field
  as_of_path = f.as_of_field
  label_column = f.label_column or (label_path and label_path:match("([^.]+)%.[^.]+$")) or "label"
end

function P.init(h)
  host = h
  local policy = h.policy
  check_areas(policy)
  check_needs(policy)
  for level = 0, max_level do
    level_labels[level] = level_labels[level] or tostring(level)
  end
  check_options(policy)
  check_shortlist(policy)
  check_weights(policy)
  check_intake_fields(policy)
  P.reports = {
    { name = "recommendations.csv",
      columns = { "intake_id", label_column, "rank", "option_id", "option_name", "score",
                  "shortlisted", "areas_covered", "why", "next_step", "lifecycle_note",
                  "shortlist_note", "source" } },
    { name = "needs.csv",
      columns = { "intake_id", label_column, "area_id", "area_name", "need_level",
                  "need_label", "drivers", "source" } },
  }
  -- what rule files see besides the standard libraries
  local area_list = {}
  for i, a in ipairs(area_ids) do area_list[i] = a end
  P.dsl = {
    rule = P.rule,
    policy = policy,
    areas = readonly(area_list, "areas"),
    options = policy.options,
    sorted_keys = sorted_keys,
    contains = contains,
    count = count,
    sum = sum,
    clamp = clamp,
    days_between = days_between,
  }
  return problems
end

-- ==================================================================
-- the DSL: rule { ... }
-- ==================================================================

local function check_static_points(r, t, known, what, bad)
  if type(t) ~= "table" then
    bad(ACTION_FIELD[r.stage] .. " must be a table of " .. what .. " = points, or a function returning one")
    return
  end
  for _, k in ipairs(sorted_keys(t)) do
    if not known[k] then
      local list = what == "area" and area_ids or {}
      if what ~= "area" then for _, o in ipairs(option_list) do list[#list + 1] = o.id end end
      local hint = closest(k, list)
      bad(what .. " '" .. tostring(k) .. "' is not in the policy" ..
        (hint and (" (did you mean '" .. hint .. "'?)") or ""))
    elseif not finite(t[k]) then
      bad("points for '" .. k .. "' must be a number")
    end
  end
end

local function check_option_list(list, bad, field)
  if type(list) ~= "table" then
    bad(field .. " must be a list of option ids")
    return
  end
  for _, id in ipairs(list) do
    if not option_by_id[id] then
      bad(field .. ": option '" .. tostring(id) .. "' is not in the catalogue")
    end
  end
end

local function check_fields(spec, stage, bad)
  local allowed = {}
  for _, f in ipairs(COMMON_FIELDS) do allowed[f] = true end
  for _, f in ipairs(STAGE_FIELDS[stage] or {}) do allowed[f] = true end
  for _, k in ipairs(sorted_keys(spec)) do
    if not allowed[k] then
      local names = {}
      for f in pairs(allowed) do names[#names + 1] = f end
      table.sort(names)
      local hint = closest(k, names)
      bad("unknown field '" .. tostring(k) .. "' for a " .. stage .. " rule" ..
        (hint and (" (did you mean '" .. hint .. "'?)") or (" (allowed: " .. one_of(names) .. ")")))
    end
  end
end

local function check_action(r, spec, bad)
  local action = spec[ACTION_FIELD[r.stage]]
  if action == nil then
    bad("a " .. r.stage .. " rule needs '" .. ACTION_FIELD[r.stage] .. "'")
  elseif type(action) ~= "function" then
    if r.stage == "needs" then check_static_points(r, action, area_known, "area", bad)
    elseif r.stage == "fit" then check_static_points(r, action, option_by_id, "option", bad)
    elseif r.stage == "shortlist" then check_option_list(action, bad, "exclude")
    elseif type(action) ~= "string" then bad("step must be text or a function returning text") end
  end
  r.action = action
  if r.stage == "engage" then
    local o = spec.options or "shortlisted"
    if type(o) == "string" then
      if not STEP_TARGETS[o] then bad("options must be 'shortlisted', 'top', 'all' or a list of option ids") end
    else
      check_option_list(o, bad, "options")
    end
    r.targets = o
  end
end

function P.rule(spec)
  local at = host.where(2)
  if type(spec) ~= "table" then
    problem(at, "rule expects a table: rule { id = ..., stage = ..., ... }")
    return
  end
  local id = spec.id
  local function bad(msg)
    problem(at, "rule '" .. tostring(id) .. "': " .. msg)
  end
  if type(id) ~= "string" or not id:match("^[%w][%w._-]*$") then
    problem(at, "a rule needs an 'id' made of letters, digits, '.', '_' and '-'")
    return
  end
  if by_id[id] then
    bad("the id is already used by the rule at " .. by_id[id].at)
    return
  end
  local stage = spec.stage
  if ACTION_FIELD[stage] == nil then
    bad("stage '" .. tostring(stage) .. "' is not one of " .. one_of(STAGES))
    return
  end
  local r = { id = id, stage = stage, at = at, when = spec.when, because = spec.because }
  check_fields(spec, stage, bad)
  if spec.when ~= nil and type(spec.when) ~= "function" then
    bad("when must be a function(intake, ctx)")
  end
  if type(spec.because) ~= "function" and (type(spec.because) ~= "string" or spec.because == "") then
    bad("because must be a sentence (text) or a function returning one")
  end
  if spec.weight ~= nil then
    if weights[spec.weight] == nil then
      bad("weight '" .. tostring(spec.weight) .. "' is not in the policy's weights")
    else
      r.weight = spec.weight
    end
  end
  check_action(r, spec, bad)
  rules[#rules + 1] = r
  by_stage[stage][#by_stage[stage] + 1] = r
  by_id[id] = r
end

function P.finish()
  return problems, #rules
end

function P.running_rule()
  if running == nil then return nil end
  return running.id .. " (" .. running.at .. ")"
end

-- ==================================================================
-- evaluation
-- ==================================================================

local function lifecycle(o, as_of)
  if #o.lifecycle == 0 then return "active", nil end
  local status, entry = "unavailable", nil
  for _, e in ipairs(o.lifecycle) do
    if as_of == nil or e.from <= as_of then status, entry = e.status, e end
  end
  return status, entry
end

local function lifecycle_note(o, as_of)
  local status, e = lifecycle(o, as_of)
  if status == "active" then return "" end
  if status == "unavailable" then
    return "not yet available on " .. tostring(as_of) .. " (from " .. o.lifecycle[1].from .. ")"
  end
  local note = status .. " since " .. e.from
  if e.note then note = note .. ": " .. tostring(e.note) end
  if e.successor then
    local s = option_by_id[e.successor]
    note = note .. "; successor: " .. (s and s.name or e.successor) .. " (" .. e.successor .. ")"
  end
  return note
end

local function fires(r, intake, ctx)
  if r.when == nil then return true end
  running = r
  return r.when(intake, ctx) and true or false
end

local function reason(r, intake, ctx)
  local b = r.because
  if type(b) == "function" then
    running = r
    b = b(intake, ctx)
    if type(b) ~= "string" then error("because returned " .. type(b) .. ", expected text", 0) end
  end
  return b
end

local function action_value(r, intake, ctx)
  local a = r.action
  if type(a) == "function" then
    running = r
    a = a(intake, ctx)
  end
  return a
end

-- checks points a rule function returned; static tables were checked at load
local function check_points(r, t, known, what)
  if type(t) ~= "table" then
    error(ACTION_FIELD[r.stage] .. " returned " .. type(t) .. ", expected a table of " .. what .. " = points", 0)
  end
  for k, v in pairs(t) do
    if not known[k] then error("returned points for unknown " .. what .. " '" .. tostring(k) .. "'", 0) end
    if not finite(v) then error("returned " .. tostring(v) .. " points for '" .. tostring(k) .. "'", 0) end
  end
end

-- adds a rule's points to totals[key] and its explanation to why[key]
local function add_points(r, t, keys, totals, why, intake, ctx)
  local w = r.weight and weights[r.weight] or 1
  local text
  for _, k in ipairs(keys) do
    local v = t[k]
    if v ~= nil and v ~= 0 then
      v = v * w
      totals[k] = totals[k] + v
      text = text or reason(r, intake, ctx)
      local list = why[k]
      list[#list + 1] = r.id .. " " .. signed(v) .. ": " .. text
    end
  end
end

local function stage_needs(e, intake, ctx)
  for _, r in ipairs(by_stage.needs) do
    if fires(r, intake, ctx) then
      local t = action_value(r, intake, ctx)
      if t ~= nil then
        if type(r.action) == "function" then check_points(r, t, area_known, "area") end
        add_points(r, t, area_ids, e.need_points, e.need_why, intake, ctx)
      end
    end
  end
  running = nil
  for _, a in ipairs(area_ids) do
    e.need[a] = clamp(math.floor(e.need_points[a] + 0.5), 0, max_level)
    if e.need[a] >= focus_level then e.focus[#e.focus + 1] = a end
  end
end

local function stage_fit(e, intake, ctx)
  for _, r in ipairs(by_stage.fit) do
    if fires(r, intake, ctx) then
      local t = action_value(r, intake, ctx)
      if t ~= nil then
        if type(r.action) == "function" then check_points(r, t, option_by_id, "option") end
        add_points(r, t, e.option_ids, e.score, e.why, intake, ctx)
      end
    end
  end
  running = nil
end

local function stage_shortlist(e, intake, ctx)
  for _, r in ipairs(by_stage.shortlist) do
    if fires(r, intake, ctx) then
      local list = action_value(r, intake, ctx)
      if list ~= nil then
        if type(r.action) == "function" then
          if type(list) ~= "table" then
            error("exclude returned " .. type(list) .. ", expected a list of option ids", 0)
          end
          for _, id in ipairs(list) do
            if not option_by_id[id] then error("exclude returned unknown option '" .. tostring(id) .. "'", 0) end
          end
        end
        local text
        for _, id in ipairs(list) do
          text = text or reason(r, intake, ctx)
          local x = e.excluded[id] or {}
          x[#x + 1] = r.id .. ": " .. text
          e.excluded[id] = x
        end
      end
    end
  end
  running = nil
  -- rank every option: score, then catalogue order (a total order: deterministic)
  local order = {}
  for i, o in ipairs(option_list) do order[i] = o end
  local score = e.score
  table.sort(order, function(a, b)
    if score[a.id] ~= score[b.id] then return score[a.id] > score[b.id] end
    return a.index < b.index
  end)
  e.order = order
  local taken = 0
  for i, o in ipairs(order) do
    e.rank[o.id] = i
    local status = lifecycle(o, ctx.as_of)
    local note
    if e.excluded[o.id] then
      note = "excluded by " .. table.concat(e.excluded[o.id], "; ")
    elseif status == "unavailable" or excluded_status[status] then
      note = "not shortlisted: the option is " .. status .. " on " .. tostring(ctx.as_of)
    elseif score[o.id] < min_score then
      note = "below the minimum score of " .. signed(min_score):gsub("^%+", "")
    elseif taken >= shortlist_size then
      note = "the shortlist is full (" .. shortlist_size .. " options)"
    else
      taken = taken + 1
      e.shortlisted[o.id] = true
      note = "shortlisted (" .. taken .. " of " .. shortlist_size .. ")"
      if taken == 1 then e.top = o.id end
    end
    e.shortlist_note[o.id] = note
  end
  for _, o in ipairs(option_list) do
    e.shortlisted[o.id] = e.shortlisted[o.id] or false
  end
end

local function step_targets(r, e)
  local t = r.targets
  if t == "all" then return e.option_ids end
  if t == "top" then return { e.top } end
  if t == "shortlisted" then
    local ids = {}
    for _, o in ipairs(e.order) do
      if e.shortlisted[o.id] then ids[#ids + 1] = o.id end
    end
    return ids
  end
  return t
end

local function stage_engage(e, intake, ctx)
  for _, r in ipairs(by_stage.engage) do
    if fires(r, intake, ctx) then
      local text = action_value(r, intake, ctx)
      if text ~= nil and type(text) ~= "string" then
        error("step returned " .. type(text) .. ", expected text", 0)
      end
      if text ~= nil and text ~= "" then
        for _, id in ipairs(step_targets(r, e)) do
          local list = e.steps[id]
          list[#list + 1] = text .. " [" .. r.id .. "]"
        end
      end
    end
  end
  running = nil
end

local function new_evaluation(as_of)
  local e = { need = {}, need_points = {}, need_why = {}, focus = {}, score = {}, why = {},
              excluded = {}, shortlisted = {}, rank = {}, steps = {}, shortlist_note = {},
              option_ids = {} }
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
    days_until = function(date) return days_between(as_of, date) end,
    lifecycle = function(id)
      local o = option_by_id[id]
      if not o then error("ctx.lifecycle: option '" .. tostring(id) .. "' is not in the catalogue", 2) end
      return (lifecycle(o, as_of))
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
  return e, ctx
end

local function joined(list, empty)
  if #list == 0 then return empty end
  return table.concat(list, "; ")
end

local function rows_for(e, intake, ctx, source)
  local id = tostring(get_path(intake, id_path) or "")
  local label = tostring(get_path(intake, label_path) or "")
  local recs, needs = {}, {}
  for rank, o in ipairs(e.order) do
    local covered = {}
    for _, a in ipairs(o.areas) do covered[#covered + 1] = a .. " (" .. e.need[a] .. ")" end
    local next_step = {}
    if e.shortlisted[o.id] and o.next_step then next_step[1] = tostring(o.next_step) end
    for _, s in ipairs(e.steps[o.id]) do next_step[#next_step + 1] = s end
    recs[rank] = { id, label, rank, o.id, o.name, e.score[o.id],
                   e.shortlisted[o.id] and "yes" or "no", table.concat(covered, "; "),
                   joined(e.why[o.id], "no rule scored this option"),
                   table.concat(next_step, " "), lifecycle_note(o, ctx.as_of),
                   e.shortlist_note[o.id], source }
  end
  for i, a in ipairs(area_ids) do
    needs[i] = { id, label, a, area_name[a], e.need[a], level_labels[e.need[a]],
                 joined(e.need_why[a], "no rule raised this area"), source }
  end
  return { recs, needs }
end

function P.evaluate(intake, source)
  running = nil
  local as_of = get_path(intake, as_of_path)
  local e, ctx = new_evaluation(as_of)
  stage_needs(e, intake, ctx)
  stage_fit(e, intake, ctx)
  stage_shortlist(e, intake, ctx)
  stage_engage(e, intake, ctx)
  return rows_for(e, intake, ctx, source)
end

return P
