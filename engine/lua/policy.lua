-- prelude/policy.lua: the policy document checked once, at P.init, and
-- copied into plain tables for speed (M.policy): areas, the option
-- catalogue with each option's lifecycle entries, need levels and their
-- labels, the shortlist settings, weights and where an intake keeps its id,
-- label and as-of date. Every problem names its file:line. Other modules
-- take the tables at load (they are filled in place) and read the settings
-- (max_level, focus_level, shortlist_size, min_score, id_path, label_path,
-- as_of_path, label_column) when they use them, as P.init sets them late.
-- Knows the shape of a policy, never a particular area, option or weight.

local _, M = ...
local H = M.helpers
local problem = M.problem
local sorted_keys, finite, one_of, day_number = H.sorted_keys, H.finite, H.one_of, H.day_number

local STATUSES = { active = true, legacy = true, retired = true }

local pol = {
  area_ids = {}, area_name = {}, area_known = {},
  option_list = {}, option_by_id = {},
  max_level = 5, level_labels = {}, focus_level = 3,
  shortlist_size = 3, min_score = 0, excluded_status = {},
  notice_days = 0, -- lifecycle_notice_days: a row tells of its option's next lifecycle change this many days ahead
  weights = {},
  -- thresholds: name -> value; threshold_info: name -> {value, min, max, doc, at}
  thresholds = {}, threshold_info = {},
  id_path = nil, label_path = nil, as_of_path = nil,
  label_column = "label",
  -- texts every intake needs, made once: "area (level)" and "shortlisted (k of n)"
  area_level_text = {}, shortlisted_text = {},
}
M.policy = pol

local area_ids, area_name, area_known = pol.area_ids, pol.area_name, pol.area_known
local option_list, option_by_id = pol.option_list, pol.option_by_id
local level_labels, excluded_status, weights = pol.level_labels, pol.excluded_status, pol.weights

-- "policies/x.yaml:12:5" for a key of a policy table, or the file alone
local function policy_at(t, key)
  local pos = type(t) == "table" and t["\1pos"] or nil
  local lc = pos and pos[key]
  return lc and (M.host.policy_path .. ":" .. lc) or M.host.policy_path
end

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
  -- at the value's own line when the policy gives it (at: its section's)
  problem(section[name] ~= nil and policy_at(section, name) or at, expected)
  return fallback
end

local function whole_from(lo, hi)
  return function(v) return math.type(v) == "integer" and v >= lo and (hi == nil or v <= hi) end
end

local function check_needs(policy)
  local n = policy.needs
  if n == nil then return end
  local at = policy_at(policy, "needs")
  pol.max_level = setting(n, "max_level", pol.max_level, whole_from(1), at,
    "needs.max_level must be a whole number of at least 1", 5)
  local max_level = pol.max_level
  pol.focus_level = setting(n, "focus_level", pol.focus_level, whole_from(0, max_level), at,
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
                                successor = e.successor, source = e.source, at = eat,
                                inherits_conditions = e.inherits_conditions ~= false }
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
      entry.predecessor = o.predecessor
      option_list[#option_list + 1] = entry
      option_by_id[o.id] = entry
    end)
  for _, o in ipairs(option_list) do
    if o.predecessor ~= nil and not option_by_id[o.predecessor] then
      problem(o.at, "option '" .. o.id .. "': predecessor '" .. tostring(o.predecessor) .. "' is not in the catalogue")
      o.predecessor = nil
    end
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
  pol.shortlist_size = setting(s, "size", pol.shortlist_size, whole_from(1), at,
    "shortlist.size must be a whole number of at least 1", 3)
  pol.min_score = setting(s, "min_score", pol.min_score, finite, at, "shortlist.min_score must be a number", 0)
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
    if not H.in_points_range(w[k]) then
      problem(policy_at(w, k), "weight '" .. tostring(k) .. "' must be a number from -1e9 to 1e9")
    else
      weights[k] = w[k]
    end
  end
end

-- thresholds: { name: {value, min, max, doc} }: the tunable numbers rules
-- compare with, each with the range an analyst may move it in, so a retuned
-- value is checked here and not found wrong on the first intake.
local function check_thresholds(policy)
  local th = policy.thresholds
  if th == nil then return end
  for _, k in ipairs(sorted_keys(th)) do
    local t, at = th[k], policy_at(th, k)
    if type(k) ~= "string" or not k:match("^[%a_][%w_]*$") then
      problem(at, "threshold '" .. tostring(k) .. "': a name is letters, digits and _")
    elseif type(t) ~= "table" or not finite(t.value) then
      problem(at, "threshold '" .. k .. "' needs a number 'value' (and may give min, max and doc)")
    elseif (t.min ~= nil and not finite(t.min)) or (t.max ~= nil and not finite(t.max)) then
      problem(at, "threshold '" .. k .. "': min and max must be numbers")
    elseif (t.min ~= nil and t.value < t.min) or (t.max ~= nil and t.value > t.max) then
      problem(at, string.format("threshold '%s' is %s, outside its range %s to %s", k, tostring(t.value),
        t.min ~= nil and tostring(t.min) or "-inf", t.max ~= nil and tostring(t.max) or "inf"))
    else
      pol.thresholds[k] = t.value
      pol.threshold_info[k] = { value = t.value, min = t.min, max = t.max, doc = t.doc, at = at }
    end
  end
end

-- intake.attributes: the answers intakes.csv carries to slice a batch by
-- (industry, size...), each a column name and the question it reads; a
-- name intakes.csv already has is refused (reports.intake_columns)
local FIXED_COLUMNS = { "intake_id", "top_option", "top_score", "lead_over_next", "tied_at_top", "shortlist",
                        "shortlist_size", "source" }
local function check_attributes(list)
  pol.attributes = {}
  local seen = {}
  for _, c in ipairs(FIXED_COLUMNS) do seen[c] = "a column intakes.csv always has" end
  seen[pol.label_column] = "the label column"
  if pol.as_of_column then seen[pol.as_of_column] = "the as-of column" end
  for i, a in ipairs(list) do
    local at = "intake.attributes[" .. i .. "]"
    if type(a.column) ~= "string" or not a.column:match("^[%a_][%w_]*$") then
      problem(at, "column '" .. tostring(a.column) .. "': a column name is letters, digits and _")
    elseif a.column:match("^need_") then
      problem(at, "column '" .. a.column .. "': need_<area> columns are intakes.csv's own")
    elseif seen[a.column] then
      problem(at, "column '" .. a.column .. "' is " .. (seen[a.column] == true and "named twice" or seen[a.column]))
    else
      seen[a.column] = true
      pol.attributes[#pol.attributes + 1] = { column = a.column, field = a.field, read = H.path_reader(a.field) }
    end
  end
end

-- A path the policy reads from every intake must name a question of the
-- schema: a misspelt one reads nothing, and every intake would silently
-- lose its id, date or column.
local function check_question(t, key, what)
  local path = t[key]
  if path == nil then return end
  local why = type(path) ~= "string" and ("'" .. tostring(path) .. "' is not a question's path")
    or H.question_problem(path)
  if why then problem(policy_at(t, key), what .. ": " .. why) end
end

local function check_intake_fields(policy)
  local f = policy.intake or {}
  check_question(f, "id_field", "intake.id_field")
  check_question(f, "label_field", "intake.label_field")
  check_question(f, "as_of_field", "intake.as_of_field")
  for i, a in ipairs(type(f.attributes) == "table" and f.attributes or {}) do
    if type(a) == "table" then check_question(a, "field", "intake.attributes[" .. i .. "].field") end
  end
  pol.id_path = f.id_field or "id"
  pol.label_path = f.label_field
  pol.as_of_path = f.as_of_field
  -- read for every intake: the paths split once
  pol.read_id, pol.read_label = H.path_reader(pol.id_path), H.path_reader(pol.label_path)
  pol.read_as_of = H.path_reader(pol.as_of_path)
  pol.label_column = f.label_column or (pol.label_path and pol.label_path:match("([^.]+)%.[^.]+$")) or "label"
  pol.as_of_column = pol.as_of_path and pol.as_of_path:match("([^.]+)$") or "as_of"
  check_attributes(f.attributes or {})
end

-- brief: the texts and colours of the HTML pages, each with a fallback so
-- a policy without the section still gets readable pages
local BRIEF_COLOURS = { text = "#1f2937", muted = "#4b5563", accent = "#1d4f91", need = "#b45309",
                        shortlisted = "#1d6b3a", other = "#9ca3af", excluded = "#e5e7eb", cut = "#b91c1c" }
local BRIEF_SECTIONS = { "summary", "needs", "options", "shortlist", "timeline", "lifecycle", "answers" }
local function read_brief(policy)
  local b = type(policy.brief) == "table" and policy.brief or {}
  local out = { title = b.title or "Brief", subtitle = b.subtitle, prepared_by = b.prepared_by,
                colours = {}, sections = {}, deadlines = {} }
  local colours = type(b.colours) == "table" and b.colours or {}
  for k, v in pairs(BRIEF_COLOURS) do out.colours[k] = M.html.colour(colours[k], v) end
  local sections = type(b.sections) == "table" and b.sections or {}
  for _, k in ipairs(BRIEF_SECTIONS) do
    local s = type(sections[k]) == "table" and sections[k] or {}
    out.sections[k] = { title = s.title or (k:sub(1, 1):upper() .. k:sub(2)), intro = s.intro }
  end
  local t = type(b.timeline) == "table" and b.timeline or {}
  check_question(t, "lead_time_field", "brief.timeline.lead_time_field")
  out.read_lead_time = H.path_reader(t.lead_time_field)
  out.lead_time_label = t.lead_time_label or "Lead time"
  for i, d in ipairs(type(t.deadlines) == "table" and t.deadlines or {}) do
    if type(d) == "table" then check_question(d, "field", "brief.timeline.deadlines[" .. i .. "].field") end
    out.deadlines[#out.deadlines + 1] = { read = H.path_reader(d.field), label = d.label or d.field }
  end
  local o = type(b.overview) == "table" and b.overview or {}
  out.overview = { title = o.title or "Batch overview", intro = o.intro,
                   brief_links = math.tointeger(o.brief_links) or 2000 }
  pol.brief = out
end

-- Checks the policy document and fills M.policy; problems go to M.problem.
function pol.read(policy)
  check_areas(policy)
  check_needs(policy)
  for level = 0, pol.max_level do
    level_labels[level] = level_labels[level] or tostring(level)
  end
  check_options(policy)
  check_shortlist(policy)
  pol.notice_days = setting(policy, "lifecycle_notice_days", pol.notice_days, whole_from(0),
    policy_at(policy, "lifecycle_notice_days"), "lifecycle_notice_days must be a whole number of at least 0", 0)
  check_weights(policy)
  check_thresholds(policy)
  check_intake_fields(policy)
  read_brief(policy)
  for _, a in ipairs(area_ids) do
    pol.area_level_text[a] = {}
    for level = 0, pol.max_level do pol.area_level_text[a][level] = a .. " (" .. level .. ")" end
  end
  -- no more places can be taken than there are options, whatever size says
  for k = 1, math.min(pol.shortlist_size, #option_list) do
    pol.shortlisted_text[k] = "shortlisted (" .. k .. " of " .. pol.shortlist_size .. ")"
  end
end

-- the catalogue name of an option (handed to rule files as option_name)
function pol.option_name(id)
  local o = option_by_id[id]
  return o and o.name or tostring(id)
end
