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
local COMMON_FIELDS = { "id", "stage", "because", "when", "weight", "doc", "note" }
local STAGE_FIELDS = { needs = { "need" }, fit = { "score" }, shortlist = { "exclude" },
                       engage = { "step", "options" } }
local STATUSES = { active = true, legacy = true, retired = true }
local STEP_TARGETS = { shortlisted = true, top = true, all = true }

local host          -- functions and data the C host hands over
local problems = {} -- policy and rule-pack problems, as "file:line: message"
local rules = {}
local shared_view -- what rule files see as `shared` (see P.share)
local by_stage = { needs = {}, fit = {}, shortlist = {}, engage = {} }
local by_id = {}
local running       -- the rule being evaluated, for error messages
-- per-evaluation modes, all off in a normal run
local clock         -- host.clock when --timings asked for per-rule time
local trace         -- the trace being recorded (explain, test), or nil
local probe         -- the probe being run (check), or nil

-- policy, copied into plain tables for speed
local area_ids, area_name, area_known = {}, {}, {}
local option_list, option_by_id = {}, {}
local max_level, level_labels, focus_level = 5, {}, 3
local shortlist_size, min_score, excluded_status = 3, 0, {}
local weights = {}
local id_path, label_path, as_of_path
local label_column = "label"
-- texts every intake needs, made once: "area (level)" and "shortlisted (k of n)"
local area_level_text, shortlisted_text = {}, {}

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

local function mixed_order(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return ta < tb end
  if ta == "number" or ta == "string" then return a < b end
  return false
end

local host_keys -- host.keys: the same in C, kept per read-only view

local function sorted_keys(t)
  local keys = host_keys and host_keys(t)
  if keys then return keys end
  local all_strings = true
  keys = {}
  for k in pairs(t) do
    if k ~= "\1pos" then
      keys[#keys + 1] = k
      all_strings = all_strings and type(k) == "string"
    end
  end
  if all_strings then -- the common case: C's own comparison, no Lua call per step
    table.sort(keys)
    return keys
  end
  table.sort(keys, mixed_order)
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

-- points as text: +30, -5, +7.5 (remembered: the same few values recur)
local signed_memo, signed_count = {}, 0

local function signed_text(x)
  local s
  if x == math.floor(x) and math.abs(x) < 1e15 then
    s = string.format("%d", math.floor(x))
  else
    s = string.format("%.2f", x):gsub("0+$", ""):gsub("%.$", "")
  end
  if x >= 0 then s = "+" .. s end
  return s
end

local function signed(x)
  local s = signed_memo[x]
  if s then return s end
  s = signed_text(x)
  if signed_count >= 4096 then -- a bound, whatever values the rules produce
    signed_memo, signed_count = {}, 0
  end
  signed_memo[x], signed_count = s, signed_count + 1
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
    -- an iterator over t that never hands t itself to the caller
    __pairs = function(view) return function(_, k) return next(t, k) end, view, nil end,
    __target = t,
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

local function option_name(id)
  local o = option_by_id[id]
  return o and o.name or tostring(id)
end

local function one_of(list)
  return table.concat(list, ", ")
end

-- ==================================================================
-- policy
-- ==================================================================

-- Walks the policy's list policy[key] of entries with an id ("areas",
-- "options"): a missing or empty list, an entry without a proper id and an
-- id listed twice (seen[id] already set) are problems; take(entry, i, at)
-- gets every other entry and records it in seen.
local function each_policy_entry(policy, key, what, missing, seen, take)
  local list = policy[key]
  if type(list) ~= "table" or #list == 0 then
    problem(policy_at(policy, key), missing)
    return
  end
  for i, x in ipairs(list) do
    local at = policy_at(list, i)
    if type(x) ~= "table" or type(x.id) ~= "string" or not x.id:match("^[%a_][%w_]*$") then
      problem(at, key .. "[" .. i .. "] needs an 'id' of letters, digits and _")
    elseif seen[x.id] then
      problem(at, what .. " '" .. x.id .. "' is listed twice")
    else
      take(x, i, at)
    end
  end
end

local function check_areas(policy)
  each_policy_entry(policy, "areas", "area", "the policy needs a list 'areas' of {id, name}", area_known,
    function(a)
      area_ids[#area_ids + 1] = a.id
      area_known[a.id] = true
      area_name[a.id] = type(a.name) == "string" and a.name or a.id
    end)
end

-- A policy setting: section[name] (or current when absent) if valid(v),
-- else a problem at `at` saying what was expected, and fallback.
local function setting(section, name, current, valid, at, expected, fallback)
  local v = section[name]
  if v == nil then v = current end
  if valid(v) then return v end
  problem(at, expected)
  return fallback
end

local function whole_from(lo, hi)
  return function(v) return math.type(v) == "integer" and v >= lo and (hi == nil or v <= hi) end
end

local function check_needs(policy)
  local n = policy.needs
  if n == nil then return end
  local at = policy_at(policy, "needs")
  max_level = setting(n, "max_level", max_level, whole_from(1), at,
    "needs.max_level must be a whole number of at least 1", 5)
  focus_level = setting(n, "focus_level", focus_level, whole_from(0, max_level), at,
    "needs.focus_level must be a whole number from 0 to max_level", max_level)
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
  each_policy_entry(policy, "options", "option", "the policy needs a list 'options' (the catalogue)", option_by_id,
    function(o, i, at)
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
    end)
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
  shortlist_size = setting(s, "size", shortlist_size, whole_from(1), at,
    "shortlist.size must be a whole number of at least 1", 3)
  min_score = setting(s, "min_score", min_score, finite, at, "shortlist.min_score must be a number", 0)
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
  host_keys = h.keys
  clock = h.clock
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
  for _, a in ipairs(area_ids) do
    area_level_text[a] = {}
    for level = 0, max_level do area_level_text[a][level] = a .. " (" .. level .. ")" end
  end
  -- no more places can be taken than there are options, whatever size says
  for k = 1, math.min(shortlist_size, #option_list) do
    shortlisted_text[k] = "shortlisted (" .. k .. " of " .. shortlist_size .. ")"
  end
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
    option_name = option_name,
    share = P.share,
    shared = shared_view,
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

local loading = true -- rule{} and share{} are only allowed while the rule files load

-- The start of rule{} and share{}, called by them: refuses a call while
-- intakes are evaluated (what: what the call is for), and returns the rule
-- file's position, or nil (a problem recorded) when arg is not a table.
local function load_time_call(name, what, arg, shape)
  if not loading then
    error(name .. "{} " .. what .. " while the pack loads; it cannot be called while intakes are evaluated", 3)
  end
  local at = host.where(3)
  if type(arg) ~= "table" then
    problem(at, name .. " expects a table: " .. name .. " " .. shape)
    return nil
  end
  return at
end

function P.rule(spec)
  local at = load_time_call("rule", "declares rules", spec, "{ id = ..., stage = ..., ... }")
  if not at then return end
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
  local r = { id = id, stage = stage, at = at, when = spec.when, because = spec.because,
              note = spec.note, doc = spec.doc, n_eval = 0, n_fired = 0, moved = 0, secs = 0 }
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
  if type(r.action) == "table" and (stage == "needs" or stage == "fit") then
    -- a static table: its keys in policy order, once, instead of every key per intake
    local order = stage == "needs" and area_ids or {}
    if stage == "fit" then for i, o in ipairs(option_list) do order[i] = o.id end end
    r.static_keys = {}
    for _, k in ipairs(order) do
      if r.action[k] ~= nil then r.static_keys[#r.static_keys + 1] = k end
    end
  end
  rules[#rules + 1] = r
  r.index = #rules
  by_stage[stage][#by_stage[stage] + 1] = r
  by_id[id] = r
end

-- Helpers rule files hand to the files loaded after them: share { name =
-- value, ... } while the pack loads, read back as shared.name. One copy of
-- each helper instead of one per file (rule files cannot require each other).
local shared, shared_at = {}, {}

function P.share(t)
  local at = load_time_call("share", "hands helpers on", t, "{ name = value, ... }")
  if not at then return end
  for _, k in ipairs(sorted_keys(t)) do
    if type(k) ~= "string" or not k:match("^[%a_][%w_]*$") then
      problem(at, "share: '" .. tostring(k) .. "' is not a name of letters, digits and _")
    elseif shared[k] ~= nil then
      problem(at, "share: '" .. k .. "' is already shared at " .. shared_at[k])
    else
      shared[k], shared_at[k] = t[k], at
    end
  end
end

-- What rule files see as `shared`: reading a name nobody shared (yet) is an
-- error at that line, not a nil that fails later.
shared_view = setmetatable({}, {
  __index = function(_, k)
    local v = shared[k]
    if v == nil then
      local near = type(k) == "string" and closest(k, sorted_keys(shared))
      error("shared." .. tostring(k) .. " is not shared by a rule file loaded before this one"
        .. (near and (" (did you mean '" .. near .. "'?)") or ""), 2)
    end
    return v
  end,
  __newindex = function(_, k)
    error("shared is read-only; hand a helper on with share { " .. tostring(k) .. " = ... }", 2)
  end,
  __metatable = false,
})

function P.finish()
  loading = false
  return problems, #rules
end

-- The functions and tables the rule files handed over, for the host to
-- freeze: from here on a rule cannot keep state from one intake to the next.
function P.rule_objects()
  local out = {}
  for _, r in ipairs(rules) do
    for _, v in ipairs({ r.when, r.because, r.action, r.targets }) do
      if type(v) == "function" or type(v) == "table" then out[#out + 1] = v end
    end
  end
  for _, k in ipairs(sorted_keys(shared)) do
    local v = shared[k]
    if type(v) == "function" or type(v) == "table" then out[#out + 1] = v end
  end
  return out
end

function P.running_rule()
  if running == nil then return nil end
  return running.id .. " (" .. running.at .. ")"
end

-- ==================================================================
-- evaluation
-- ==================================================================

local function lifecycle_at(o, as_of)
  if #o.lifecycle == 0 then return "active", nil end
  local status, entry = "unavailable", nil
  for _, e in ipairs(o.lifecycle) do
    if as_of == nil or e.from <= as_of then status, entry = e.status, e end
  end
  return status, entry
end

-- the same option's status on the same date is asked for many times per
-- intake (every ctx.lifecycle and ctx.carrier): remembered for one date
local lifecycle_memo = { date = false, status = {}, entry = {} }

local function lifecycle(o, as_of)
  local m = lifecycle_memo
  if m.date ~= as_of then
    m.date, m.status, m.entry = as_of, {}, {}
  end
  local status = m.status[o.id]
  if status == nil then
    status, m.entry[o.id] = lifecycle_at(o, as_of)
    m.status[o.id] = status
  end
  return status, m.entry[o.id]
end

-- The option that carries id on a date: itself while active, or while
-- legacy with no successor available yet; else the successor it points
-- to, followed as far as needed; nil when nothing carries it then.
local function carrier(id, as_of)
  local seen = {}
  while id ~= nil and not seen[id] do
    seen[id] = true
    local o = option_by_id[id]
    if o == nil then return nil end
    local status, entry = lifecycle(o, as_of)
    if status == "active" then return id end
    if status == "unavailable" then return nil end
    local nxt = entry and entry.successor
    local nxt_status = nxt and option_by_id[nxt] and lifecycle(option_by_id[nxt], as_of)
    if nxt == nil or nxt_status == nil or nxt_status == "unavailable" then
      return status == "legacy" and id or nil
    end
    id = nxt
  end
  return nil
end

local function lifecycle_note(o, as_of)
  local status, e = lifecycle(o, as_of)
  if status == "active" then return "" end
  if status == "unavailable" then
    return "not yet available on " .. (as_of or "the assessment date") .. " (from " .. o.lifecycle[1].from .. ")"
  end
  local note = status .. " since " .. e.from
  if e.note then note = note .. ": " .. tostring(e.note) end
  if e.successor then
    local s = option_by_id[e.successor]
    note = note .. "; successor: " .. (s and s.name or e.successor) .. " (" .. e.successor .. ")"
  end
  return note
end


-- Calls one of a rule's functions. While probing, a failure is recorded as
-- a problem of the rule and read as "no result", so one broken rule does
-- not hide the others.
local function call(r, f, intake, ctx)
  running = r
  if not probe then return f(intake, ctx) end
  local ok, res = host.pcall(f, intake, ctx)
  if ok then return res end
  probe.fail(r, res)
  return nil
end

local hits -- what each rule that fired did in this evaluation: {index, moved, ...}

local function begin_rule(r)
  r.n_eval = r.n_eval + 1
  r.moved_before = r.moved
  running = r
  if trace then
    local ent = { rule = r, fired = false, effects = {}, reads = {}, seen = {} }
    trace.entries[#trace.entries + 1] = ent
    trace.current = ent
  end
  return clock and clock()
end

local function end_rule(r, fired, t0)
  if fired then
    r.n_fired = r.n_fired + 1
    if hits then
      hits[#hits + 1] = r.index
      hits[#hits + 1] = r.moved - r.moved_before
    end
  end
  if trace then
    trace.current.fired = fired
    trace.current = nil
  end
  if t0 then r.secs = r.secs + (clock() - t0) end
  running = nil
end

local function fires(r, intake, ctx)
  if r.when == nil then return true end
  return call(r, r.when, intake, ctx) and true or false
end

local function reason(r, intake, ctx)
  local b = r.because
  if type(b) == "function" then
    b = call(r, b, intake, ctx)
    if type(b) ~= "string" then
      if probe then return "?" end
      error("because returned " .. type(b) .. ", expected text", 0)
    end
  end
  return b
end

local function action_value(r, intake, ctx)
  local a = r.action
  if type(a) == "function" then a = call(r, a, intake, ctx) end
  return a
end

local function fail(msg)
  if probe then
    probe.fail(running, msg)
    return false
  end
  error(msg, 0)
end

-- checks points a rule function returned; static tables were checked at load
local function check_points(r, t, known, what)
  if type(t) ~= "table" then
    return fail(ACTION_FIELD[r.stage] .. " returned " .. type(t) .. ", expected a table of " .. what .. " = points")
  end
  local huge = math.huge
  for k, v in pairs(t) do
    if not known[k] then return fail("returned points for unknown " .. what .. " '" .. tostring(k) .. "'") end
    -- finite(v), inline: this runs for every function rule on every intake
    if type(v) ~= "number" or v ~= v or v == huge or v == -huge then
      return fail("returned " .. tostring(v) .. " points for '" .. tostring(k) .. "'")
    end
  end
  return true
end

-- adds a rule's points to totals[key] and its explanation to why[key]
local function add_points(r, t, keys, totals, why, intake, ctx)
  local w = r.weight and weights[r.weight] or 1
  local text
  if t == r.action and r.static_keys then keys = r.static_keys end -- only the keys it names
  for _, k in ipairs(keys) do
    local v = t[k]
    if v ~= nil and v ~= 0 then
      v = v * w
      totals[k] = totals[k] + v
      r.moved = r.moved + math.abs(v)
      text = text or reason(r, intake, ctx)
      local list = why[k]
      list[#list + 1] = r.id .. " " .. signed(v) .. ": " .. text
      if trace then
        local eff = trace.current.effects
        eff[#eff + 1] = { key = k, points = v }
        trace.current.because = text
      end
      if probe then probe.scored[k] = true end
    end
  end
end

-- In a trace, what a fit rule that did not fire would have added, so an
-- explanation can name the closest miss.
local function would_add(r, intake, ctx)
  if not trace or r.stage ~= "fit" then return end
  local t = r.action
  if type(t) == "function" then
    local ok, res = host.pcall(t, intake, ctx)
    t = ok and type(res) == "table" and res or nil
  end
  if type(t) ~= "table" then return end
  local w = r.weight and weights[r.weight] or 1
  local ent = trace.entries[#trace.entries]
  ent.would = {}
  for _, o in ipairs(option_list) do
    local v = t[o.id]
    if finite(v) and v ~= 0 then ent.would[#ent.would + 1] = { key = o.id, points = v * w } end
  end
end

-- Calls a rule's function as a tail call, as call() does, so that the
-- traceback of a failing rule reads the same in every path ("in function
-- <file:line>", not the name of a local variable of the prelude).
local function invoke(f, intake, ctx)
  return f(intake, ctx)
end

-- The same as points_stage below when nothing is traced, probed or timed
-- (a normal run): the bookkeeping inline instead of four calls per rule,
-- which was a fifth of the instructions of an evaluation.
local function points_stage_plain(rules_of_stage, intake, ctx, known, what, keys, totals, why)
  for _, r in ipairs(rules_of_stage) do
    r.n_eval = r.n_eval + 1
    running = r
    local w = r.when
    if w == nil or invoke(w, intake, ctx) then
      local before = r.moved
      local t = r.action
      if type(t) == "function" then
        t = invoke(t, intake, ctx)
        if t ~= nil and not check_points(r, t, known, what) then t = nil end
      end
      if t ~= nil then add_points(r, t, keys, totals, why, intake, ctx) end
      r.n_fired = r.n_fired + 1
      if hits then
        hits[#hits + 1] = r.index
        hits[#hits + 1] = r.moved - before
      end
    end
  end
  running = nil
end

-- Runs the rules of a points stage (needs or fit).
local function points_stage(rules_of_stage, intake, ctx, known, what, keys, totals, why)
  if not (trace or probe or clock) then
    return points_stage_plain(rules_of_stage, intake, ctx, known, what, keys, totals, why)
  end
  for _, r in ipairs(rules_of_stage) do
    local t0 = begin_rule(r)
    local fired = fires(r, intake, ctx)
    if fired then
      local t = action_value(r, intake, ctx)
      if t ~= nil and (type(r.action) ~= "function" or check_points(r, t, known, what)) then
        add_points(r, t, keys, totals, why, intake, ctx)
      end
    end
    end_rule(r, fired, t0)
    if not fired then would_add(r, intake, ctx) end
  end
end

local function stage_needs(e, intake, ctx)
  points_stage(by_stage.needs, intake, ctx, area_known, "area", area_ids, e.need_points, e.need_why)
  for _, a in ipairs(area_ids) do
    e.need[a] = clamp(math.floor(e.need_points[a] + 0.5), 0, max_level)
    if e.need[a] >= focus_level then e.focus[#e.focus + 1] = a end
  end
end

local function stage_fit(e, intake, ctx)
  points_stage(by_stage.fit, intake, ctx, option_by_id, "option", e.option_ids, e.score, e.why)
end

local function valid_exclusions(r, list)
  if type(r.action) ~= "function" then return list end
  if type(list) ~= "table" then
    fail("exclude returned " .. type(list) .. ", expected a list of option ids")
    return {}
  end
  for _, id in ipairs(list) do
    if not option_by_id[id] then
      fail("exclude returned unknown option '" .. tostring(id) .. "'")
      return {}
    end
  end
  return list
end

local function apply_exclusions(e, intake, ctx)
  for _, r in ipairs(by_stage.shortlist) do
    local t0 = begin_rule(r)
    local fired = fires(r, intake, ctx)
    local list = fired and action_value(r, intake, ctx)
    if list then
      list = valid_exclusions(r, list)
      local text
      for _, id in ipairs(list) do
        text = text or reason(r, intake, ctx)
        local x = e.excluded[id] or {}
        x[#x + 1] = r.id .. ": " .. text
        e.excluded[id] = x
        r.moved = r.moved + 1
        if trace then
          local eff = trace.current.effects
          eff[#eff + 1] = { key = id, excluded = true }
          trace.current.because = text
        end
      end
    end
    end_rule(r, fired, t0)
  end
end

-- rank every option: score, then catalogue order (a total order: deterministic)
local function rank_options(e)
  local order = {}
  for i, o in ipairs(option_list) do order[i] = o end
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

local function select_shortlist(e, ctx)
  local taken = 0
  for i, o in ipairs(e.order) do
    e.rank[o.id] = i
    local status = lifecycle(o, ctx.as_of)
    local note
    if e.excluded[o.id] then
      note = "excluded by " .. table.concat(e.excluded[o.id], "; ")
    elseif status == "unavailable" or excluded_status[status] then
      note = "not shortlisted: the option is " .. status .. " on " .. (ctx.as_of or "the assessment date")
    elseif e.score[o.id] < min_score then
      note = "below the minimum score of " .. signed(min_score):gsub("^%+", "")
    elseif taken >= shortlist_size then
      note = "the shortlist is full (" .. shortlist_size .. " options)"
    else
      taken = taken + 1
      e.shortlisted[o.id] = true
      note = shortlisted_text[taken]
      if taken == 1 then e.top = o.id end
    end
    e.shortlist_note[o.id] = note
  end
  for _, o in ipairs(option_list) do
    e.shortlisted[o.id] = e.shortlisted[o.id] or false
  end
end

local function stage_shortlist(e, intake, ctx)
  apply_exclusions(e, intake, ctx)
  rank_options(e)
  select_shortlist(e, ctx)
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
    local t0 = begin_rule(r)
    local fired = fires(r, intake, ctx)
    local text = fired and action_value(r, intake, ctx) or nil
    if text ~= nil and type(text) ~= "string" then
      fail("step returned " .. type(text) .. ", expected text")
      text = nil
    end
    if text ~= nil and text ~= "" then
      if trace then trace.current.because = reason(r, intake, ctx) end
      for _, id in ipairs(step_targets(r, e)) do
        local list = e.steps[id]
        list[#list + 1] = text .. " [" .. r.id .. "]"
        r.moved = r.moved + 1
        if trace then
          local eff = trace.current.effects
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

local function new_evaluation(as_of)
  local e = { need = {}, need_points = {}, need_why = {}, focus = {}, score = {}, why = {},
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
  return e, ctx
end

local function joined(list, empty)
  if #list == 0 then return empty end
  return table.concat(list, "; ")
end

local function intake_names(intake)
  return tostring(get_path(intake, id_path) or ""), tostring(get_path(intake, label_path) or "")
end

-- Hands each row to the host as it is made (host.emit(report, cells...)):
-- no table per row. Report 1 is recommendations, 2 needs (P.reports).
local function emit_rows(e, intake, source)
  local emit = host.emit
  local id, label = intake_names(intake)
  for rank, o in ipairs(e.order) do
    local covered = {}
    for _, a in ipairs(o.areas) do
      covered[#covered + 1] = area_level_text[a][e.need[a]] or (a .. " (" .. e.need[a] .. ")")
    end
    local next_step = {}
    if e.shortlisted[o.id] and o.next_step then next_step[1] = tostring(o.next_step) end
    for _, st in ipairs(e.steps[o.id]) do next_step[#next_step + 1] = st end
    emit(1, id, label, rank, o.id, o.name, e.score[o.id],
         e.shortlisted[o.id] and "yes" or "no", table.concat(covered, "; "),
         joined(e.why[o.id], "no rule scored this option"),
         table.concat(next_step, " "), lifecycle_note(o, e.as_of),
         e.shortlist_note[o.id], source)
  end
  for _, a in ipairs(area_ids) do
    emit(2, id, label, a, area_name[a], e.need[a], level_labels[e.need[a]],
         joined(e.need_why[a], "no rule raised this area"), source)
  end
end

-- One whole evaluation, returning its record.
local function evaluate(intake)
  running = nil
  local as_of = get_path(intake, as_of_path)
  local e, ctx = new_evaluation(as_of)
  stage_needs(e, intake, ctx)
  stage_fit(e, intake, ctx)
  stage_shortlist(e, intake, ctx)
  stage_engage(e, intake, ctx)
  return e
end

-- evaluate(intake, source) writes the rows of each report through
-- host.emit and returns the list of {rule index, points moved} pairs of
-- the rules that fired, from which the host builds rule_hits.csv in input
-- order (so sums never depend on which thread or shard evaluated what).
function P.evaluate(intake, source)
  hits = {}
  local e = evaluate(intake)
  emit_rows(e, intake, source)
  local fired = hits
  hits = nil
  return fired
end

-- Per-rule counters for rule_hits.csv: one row per rule, in load order.
function P.rule_stats()
  local out = {}
  for i, r in ipairs(rules) do
    out[i] = { r.id, r.stage, r.at, r.n_eval, r.n_fired, r.moved, r.secs }
  end
  return out
end

-- ==================================================================
-- analyst tools: tracing (explain, test), probes (check), rankings (diff)
-- ==================================================================

local function path_join(path, k)
  if type(k) == "number" then return path .. "[" .. k .. "]" end
  if path == "" then return tostring(k) end
  return path .. "." .. tostring(k)
end

local function show(v)
  if type(v) == "string" then
    if #v > 40 then v = v:sub(1, 37) .. "..." end
    return string.format("%q", v):gsub("\\\n", "\\n")
  end
  if type(v) == "table" then return "{...}" end
  return tostring(v)
end

-- The child spec of a schema description for key k, or nil and why not.
local function child_spec(spec, k)
  if spec.type == "object" then
    local f = spec.fields and spec.fields[k]
    if f then return f end
    return nil, "the schema does not define it", spec.fields and sorted_keys(spec.fields)
  elseif spec.type == "list" then
    if math.type(k) == "integer" then return spec.items end
    return nil, "a list is indexed by position (1, 2, ...)"
  elseif spec.type == "map" then
    local allowed = spec.keys and spec.keys.values
    if allowed and not contains(allowed, k) then
      local list = {}
      for i, v in ipairs(allowed) do list[i] = v end
      return nil, "the schema does not allow this key", list
    end
    return spec.values
  end
  return nil, "it is not a table"
end

-- A read-only view of intake data that logs every answer a rule reads and,
-- with a schema description, every read of a question the schema lacks.
local function tracker(target, path, spec)
  local mt = {}
  mt.__index = function(_, k)
    local p = path_join(path, k)
    local sub, why, candidates
    if spec then
      sub, why, candidates = child_spec(spec, k)
      if sub == nil and probe then probe.unknown(p, why, candidates, host.where(2)) end
    end
    local v = target[k]
    local ent = trace and trace.current
    if ent and type(v) ~= "table" and not ent.seen[p] then -- answers, not the tables holding them
      ent.seen[p] = true
      ent.reads[#ent.reads + 1] = p .. "=" .. show(v)
    end
    if type(v) == "table" then return tracker(v, p, sub) end
    return v
  end
  mt.__newindex = function(_, k) error("the intake is read-only (tried to set '" .. path_join(path, k) .. "')", 2) end
  mt.__len = function() return #target end
  mt.__pairs = function()
    local keys = sorted_keys(target)
    local i = 0
    return function()
      i = i + 1
      local k = keys[i]
      if k == nil then return nil end
      return k, mt.__index(nil, k)
    end
  end
  mt.__target = target
  mt.__metatable = false
  return setmetatable({}, mt)
end

local function traced_evaluation(intake)
  trace = { entries = {} }
  local ok, res = pcall(evaluate, tracker(intake, "", nil))
  local t = trace
  trace = nil
  if not ok then error(res, 0) end
  res.trace = t
  return res
end

-- ---- explain: text ---------------------------------------------------------

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
  local best, best_points
  for _, ent in ipairs(e.trace.entries) do
    for _, w in ipairs(ent.would or {}) do
      if w.key == id and w.points > 0 and (best_points == nil or w.points > best_points) then
        best, best_points = ent.rule, w.points
      end
    end
  end
  return best, best_points
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
  if taken < shortlist_size or last == nil then return min_score end
  return last
end

local function explain_ranking(out, e)
  out[#out + 1] = ""
  out[#out + 1] = "Ranking (shortlist of " .. shortlist_size .. ", minimum score " ..
    signed(min_score):gsub("^%+", "") .. ")"
  local needed = entry_score(e)
  for rank, o in ipairs(e.order) do
    local score = e.score[o.id]
    local margin = ""
    local nxt = e.order[rank + 1]
    if nxt then margin = "  (" .. signed(score - e.score[nxt.id]) .. " over #" .. (rank + 1) .. ")" end
    out[#out + 1] = string.format("  %2d. %-28s %7s  %s%s", rank, o.id, signed(score):gsub("^%+", ""),
      e.shortlisted[o.id] and "shortlisted" or "-", margin)
    if not e.shortlisted[o.id] then
      out[#out + 1] = "      " .. e.shortlist_note[o.id]
      if rank <= shortlist_size + 2 and not e.excluded[o.id] then
        local r, pts = closest_miss(e, o.id)
        if r then
          out[#out + 1] = "      closest rule that did not fire: " .. r.id .. " (" .. r.at .. ") would add " ..
            signed(pts) .. (score + pts >= needed and ", enough to reach the shortlist" or "")
        end
      end
    end
  end
end

local function explain_text(e, id, label, source)
  local out = { "Intake " .. id .. " (" .. label .. ")  " .. tostring(source),
                "assessed on " .. tostring(e.as_of) }
  for _, stage in ipairs(STAGES) do
    explain_stage(out, e, stage)
    if stage == "shortlist" then explain_ranking(out, e) end
  end
  out[#out + 1] = ""
  out[#out + 1] = "Next steps"
  for _, o in ipairs(e.order) do
    if #e.steps[o.id] > 0 or e.shortlisted[o.id] then
      out[#out + 1] = "  " .. o.id .. ": " .. table.concat(e.steps[o.id], " ")
    end
  end
  return table.concat(out, "\n") .. "\n"
end

-- ---- explain: JSON -----------------------------------------------------------

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
  return { intake = id, label = label, source = source, as_of = e.as_of, needs = needs, rules = rules_out,
           ranking = ranking, top = e.top }
end

function P.explain(intake, source, opts)
  local e = traced_evaluation(intake)
  local id, label = intake_names(intake)
  if opts and opts.format == "json" then return true, json(explain_data(e, id, label, source)) .. "\n" end
  return true, explain_text(e, id, label, source)
end

-- ---- test: expectations ----------------------------------------------------------

-- a number or a comparison text like ">= 3", "< 40", "3"
local function compare(actual, want)
  if type(want) == "number" then return actual == want, tostring(want) end
  local op, num = tostring(want):match("^%s*([<>=~!]*)%s*(%-?[%d.]+)%s*$")
  num = tonumber(num)
  if not num then return false, tostring(want) .. " (not a number or comparison)" end
  local ok = ({ [">="] = actual >= num, [">"] = actual > num, ["<="] = actual <= num, ["<"] = actual < num,
                ["=="] = actual == num, ["="] = actual == num, [""] = actual == num, ["~="] = actual ~= num,
                ["!="] = actual ~= num })[op]
  if ok == nil then return false, tostring(want) .. " (unknown comparison)" end
  return ok, tostring(want)
end

local function shortlist_of(e)
  local ids = {}
  for _, o in ipairs(e.order) do
    if e.shortlisted[o.id] then ids[#ids + 1] = o.id end
  end
  return ids
end

local function fired_set(e)
  local set = {}
  for _, ent in ipairs(e.trace.entries) do
    if ent.fired then set[ent.rule.id] = true end
  end
  return set
end

local EXPECT_KEYS = { "top", "shortlist", "shortlisted", "not_shortlisted", "need", "score", "rank",
                      "fired", "not_fired", "steps" }

-- Problems with the expectations themselves: a test that cannot fail is
-- worse than none, so a scalar where a list belongs, an unknown option,
-- area or rule, or an empty expect are failures of the test file.
local LIST_EXPECTS = { "shortlist", "shortlisted", "not_shortlisted", "fired", "not_fired" }
local OPTION_LISTS = { shortlist = true, shortlisted = true, not_shortlisted = true }

local function expectation_problems(expect)
  local out = {}
  local function bad(msg) out[#out + 1] = "  bad expectation: " .. msg end
  local keys = sorted_keys(expect)
  if #keys == 0 then bad("'expect' is empty, so nothing would be checked") end
  for _, k in ipairs(keys) do
    if not contains(EXPECT_KEYS, k) then
      bad("unknown key '" .. tostring(k) .. "' (known: " .. one_of(EXPECT_KEYS) .. ")")
    end
  end
  for _, k in ipairs(LIST_EXPECTS) do
    local v = expect[k]
    if v ~= nil and (type(v) ~= "table" or (#v == 0 and #sorted_keys(v) > 0)) then
      bad(k .. " must be a list, e.g. " .. k .. ": [" .. tostring(v) .. "]")
    elseif v ~= nil then
      for _, id in ipairs(v) do
        if OPTION_LISTS[k] and not option_by_id[id] then
          bad(k .. ": option '" .. tostring(id) .. "' is not in the catalogue")
        elseif not OPTION_LISTS[k] and not by_id[id] then
          bad(k .. ": rule '" .. tostring(id) .. "' does not exist")
        end
      end
    end
  end
  if expect.top ~= nil and not option_by_id[expect.top] then
    bad("top: option '" .. tostring(expect.top) .. "' is not in the catalogue")
  end
  for _, k in ipairs({ "score", "rank", "need" }) do
    local v = expect[k]
    if v ~= nil and type(v) ~= "table" then
      bad(k .. " must be a mapping, e.g. " .. k .. ": {id: value}")
    elseif v ~= nil then
      for _, id in ipairs(sorted_keys(v)) do
        local known = k == "need" and area_known[id] or (k ~= "need" and option_by_id[id])
        if not known then
          bad(k .. ": " .. (k == "need" and "area '" or "option '") .. tostring(id) .. "' does not exist")
        end
      end
    end
  end
  local steps = expect.steps
  if steps ~= nil and type(steps) ~= "table" then
    bad("steps must be a mapping, e.g. steps: {option: [engage rule ids]}")
  elseif steps ~= nil then
    for _, id in ipairs(sorted_keys(steps)) do
      local list = steps[id]
      if not option_by_id[id] then bad("steps: option '" .. tostring(id) .. "' is not in the catalogue") end
      if type(list) ~= "table" or (#list == 0 and #sorted_keys(list) > 0) then
        bad("steps: " .. tostring(id) .. " must be a list of engage rule ids ([] for none)")
      else
        for _, rid in ipairs(list) do
          local r = by_id[rid]
          if not r then bad("steps: rule '" .. tostring(rid) .. "' does not exist")
          elseif r.stage ~= "engage" then
            bad("steps: rule '" .. rid .. "' is a " .. r.stage .. " rule, not an engage rule")
          end
        end
      end
    end
  end
  return out
end

local function check_expectations(e, expect)
  local failures = expectation_problems(expect)
  if #failures > 0 then return failures end
  local function failed(what, want, got)
    failures[#failures + 1] = "  expected " .. what .. ": " .. want .. "\n       got " .. what .. ": " .. got
  end
  if expect.top ~= nil and expect.top ~= e.top then failed("top", tostring(expect.top), tostring(e.top)) end
  local got = shortlist_of(e)
  if expect.shortlist ~= nil then
    local want = {}
    for i, v in ipairs(expect.shortlist) do want[i] = v end
    if table.concat(want, " ") ~= table.concat(got, " ") then
      failed("shortlist", "[" .. table.concat(want, ", ") .. "]", "[" .. table.concat(got, ", ") .. "]")
    end
  end
  for _, id in ipairs(expect.shortlisted or {}) do
    if not e.shortlisted[id] then
      failed(id .. " shortlisted", "yes", "no (" .. tostring(e.shortlist_note[id]) .. ")")
    end
  end
  for _, id in ipairs(expect.not_shortlisted or {}) do
    if e.shortlisted[id] then failed(id .. " shortlisted", "no", "yes") end
  end
  for _, a in ipairs(sorted_keys(expect.need or {})) do
    local ok, want = compare(e.need[a] or -1, expect.need[a])
    if e.need[a] == nil then failed("need of " .. a, want, "no such area")
    elseif not ok then failed("need of " .. a, want, tostring(e.need[a])) end
  end
  for _, id in ipairs(sorted_keys(expect.score or {})) do
    local ok, want = compare(e.score[id] or 0, expect.score[id])
    if not ok then failed("score of " .. id, want, signed(e.score[id] or 0):gsub("^%+", "")) end
  end
  for _, id in ipairs(sorted_keys(expect.rank or {})) do
    local ok, want = compare(e.rank[id] or 0, expect.rank[id])
    if not ok then failed("rank of " .. id, want, tostring(e.rank[id])) end
  end
  for _, id in ipairs(sorted_keys(expect.steps or {})) do
    local want, got_rules = {}, e.step_rules[id] or {}
    for i, rid in ipairs(expect.steps[id]) do want[i] = rid end
    if table.concat(want, " ") ~= table.concat(got_rules, " ") then
      failed("steps of " .. id, "[" .. table.concat(want, ", ") .. "]", "[" .. table.concat(got_rules, ", ") .. "]")
    end
  end
  local fired = fired_set(e)
  for _, id in ipairs(expect.fired or {}) do
    if not by_id[id] then failed("rule " .. id .. " to fire", "fired", "no such rule")
    elseif not fired[id] then failed("rule " .. id .. " to fire", "fired", "did not fire") end
  end
  for _, id in ipairs(expect.not_fired or {}) do
    if not by_id[id] then failed("rule " .. id .. " not to fire", "not fired", "no such rule")
    elseif fired[id] then failed("rule " .. id .. " not to fire", "not fired", "fired") end
  end
  return failures
end

-- test(intake, source, expect) -> passed, text (the failures and the trace)
function P.test(intake, source, expect)
  local e = traced_evaluation(intake)
  local failures = check_expectations(e, expect or {})
  if #failures == 0 then return true, "" end
  local id, label = intake_names(intake)
  return false, table.concat(failures, "\n") .. "\n\n  trace of the intake:\n    " ..
    explain_text(e, id, label, source):gsub("\n", "\n    "):gsub("%s+$", "") .. "\n"
end

-- ---- diff: the ranking as lines ---------------------------------------------------

-- ranking(intake) -> true, "id<TAB>label\n" then "option<TAB>rank<TAB>score<TAB>yes|no\n"...
function P.ranking(intake)
  local e = evaluate(intake)
  local id, label = intake_names(intake)
  local lines = { id .. "\t" .. label }
  for rank, o in ipairs(e.order) do
    lines[rank + 1] = o.id .. "\t" .. rank .. "\t" .. string.format("%.2f", e.score[o.id]) .. "\t" ..
      (e.shortlisted[o.id] and "yes" or "no")
  end
  return true, table.concat(lines, "\n") .. "\n"
end

-- ---- types: Lua Language Server annotations from the schema -----------------------

local function doc_line(s)
  return s and (" " .. tostring(s):gsub("%s+", " ")) or ""
end

local function annotation_type(spec, class, pending)
  local t = spec.type
  if t == "string" or t == "text" or t == "date" then return "string" end
  if t == "integer" or t == "number" or t == "boolean" then return t end
  if t == "enum" then
    local alts = {}
    for i, v in ipairs(spec.values) do alts[i] = string.format("%q", v) end
    return table.concat(alts, "|")
  end
  if t == "list" then return annotation_type(spec.items, class .. ".item", pending) .. "[]" end
  if t == "map" then
    local key = spec.keys and annotation_type(spec.keys, class .. ".key", pending) or "string"
    return "table<" .. key .. ", " .. annotation_type(spec.values, class .. ".value", pending) .. ">"
  end
  pending[#pending + 1] = { name = class, spec = spec }
  return class
end

local DSL_ANNOTATIONS = [[
---@class Ctx
---@field as_of string the intake's as-of date (YYYY-MM-DD)
---@field need table<string, integer> need level per area, after the needs stage
---@field focus_areas string[] areas at or above the policy's focus level
---@field score table<string, number> points per option so far
---@field shortlisted table<string, boolean> in the engage stage
---@field rank table<string, integer> in the engage stage
---@field top string? the first shortlisted option, in the engage stage
---@field days_until fun(date: string?): integer? days from as_of to date
---@field lifecycle fun(option_id: string): "active"|"legacy"|"retired"|"unavailable"
---@field carrier fun(option_id: string): string? the option carrying it on the as-of date
---@field successor_note fun(option_id: string): string "" or a sentence naming the carrier

---@class RuleSpec
---@field id string unique id: letters, digits, '.', '_' and '-'
---@field stage "needs"|"fit"|"shortlist"|"engage"
---@field because string|fun(intake: Intake, ctx: Ctx): string the reason, as an analyst would sign it
---@field when? fun(intake: Intake, ctx: Ctx): boolean? when the rule fires (default: always)
---@field weight? string a key of the policy's weights that multiplies the points
---@field need? table<string, number>|fun(intake: Intake, ctx: Ctx): table<string, number>? needs stage
---@field score? table<string, number>|fun(intake: Intake, ctx: Ctx): table<string, number>? fit stage
---@field exclude? string[]|fun(intake: Intake, ctx: Ctx): string[]? shortlist stage
---@field step? string|fun(intake: Intake, ctx: Ctx): string? engage stage
---@field options? "shortlisted"|"top"|"all"|string[] engage stage: rows the step goes to
---@field doc? string longer notes for readers of the rule
---@field note? string why a retired option is still scored

---Declares a rule.
---@param spec RuleSpec
function rule(spec) end

---@type table read-only policy document
policy = {}
---@type string[] area ids, in policy order
areas = {}
---@type table[] the option catalogue, read-only
options = {}

---@param t table
---@return any[]
function sorted_keys(t) end
---@param list any[]?
---@param x any
---@return boolean
function contains(list, x) end
---@param list any[]?
---@param pred? fun(v: any): boolean
---@return integer
function count(list, pred) end
---@param list any[]?
---@param fn? fun(v: any): number
---@return number
function sum(list, fn) end
---@param x number
---@param lo number
---@param hi number
---@return number
function clamp(x, lo, hi) end
---@param a string? YYYY-MM-DD
---@param b string? YYYY-MM-DD
---@return integer? days from a to b
function days_between(a, b) end
---@param id string
---@return string the catalogue name of the option
function option_name(id) end
---Hands helpers to the rule files loaded after this one (while the pack loads).
---@param helpers table<string, any>
function share(helpers) end
---Helpers handed on by earlier rule files with share{}.
---@type table<string, any>
shared = {}
]]

function P.types(_, source, schema)
  local out = { "---@meta",
                "-- Editor annotations for partnerfit rule files (Lua Language Server).",
                "-- Generated by `partnerfit types` from " .. tostring(source) .. "; do not edit.", "" }
  local pending = { { name = "Intake", spec = schema } }
  local i = 1
  while pending[i] do
    local class = pending[i]
    out[#out + 1] = "---@class " .. class.name .. doc_line(class.spec.doc)
    for _, name in ipairs(sorted_keys(class.spec.fields or {})) do
      local f = class.spec.fields[name]
      local optional = (f.required or f.default ~= nil) and "" or "?"
      out[#out + 1] = "---@field " .. name .. optional .. " " ..
        annotation_type(f, class.name .. "." .. name, pending) .. doc_line(f.doc)
    end
    out[#out + 1] = ""
    i = i + 1
  end
  out[#out + 1] = DSL_ANNOTATIONS
  return true, table.concat(out, "\n")
end

-- ---- check: probes built from the schema ------------------------------------------

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
      add(where, "rule '" .. (running and running.id or "?") .. "' reads '" .. path .. "', but " .. why ..
        (hint and (" (did you mean '" .. hint .. "'?)") or ""))
    end,
  }
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
  probe = nil
  if not ok then add("prelude", "check stopped: " .. tostring(err)) end
  local errors = #found
  -- warnings: options no rule ever scores, retired options scored without a note
  for _, r in ipairs(by_stage.fit) do
    if type(r.action) == "table" then
      for k in pairs(r.action) do scored[k] = true end
    end
  end
  for _, o in ipairs(option_list) do
    if not scored[o.id] then add(o.at, "warning: no rule ever scores option '" .. o.id .. "'") end
    local last = o.lifecycle[#o.lifecycle]
    if last and last.status == "retired" then
      for _, r in ipairs(by_stage.fit) do
        if type(r.action) == "table" and r.action[o.id] and r.note == nil then
          add(r.at, "warning: rule '" .. r.id .. "' scores option '" .. o.id .. "', retired since " ..
            last.from .. ", without a note saying why")
        end
      end
    end
  end
  return errors == 0, table.concat(found, "\n") .. (#found > 0 and "\n" or "")
end

return P
