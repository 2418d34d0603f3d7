-- prelude/dsl.lua: the rule DSL, what a rule file may say and see. Owns the
-- rule registry (M.dsl.rules in load order, by_stage, by_id), the grammar of
-- rule{} (the stages, their fields and load-time checks of each field),
-- share{} and `shared`, the end of the pack's load (P.finish), the rule
-- objects the host freezes (P.rule_objects), and the one list of names rule
-- files see besides the standard libraries (P.dsl, published at P.init).
-- Knows the four stages by name and the policy's shape (areas, options,
-- weights), never a particular area, option or rule id.

local P, M = ...
local H, pol = M.helpers, M.policy
local problem = M.problem
local sorted_keys, finite, closest, one_of = H.sorted_keys, H.finite, H.closest, H.one_of
local area_ids, area_known = pol.area_ids, pol.area_known
local option_list, option_by_id, weights = pol.option_list, pol.option_by_id, pol.weights

local STAGES = { "needs", "fit", "shortlist", "engage" }
local ACTION_FIELD = { needs = "need", fit = "score", shortlist = "exclude", engage = "step" }
local COMMON_FIELDS = { "id", "stage", "because", "when", "weight", "doc", "note" }
local STAGE_FIELDS = { needs = { "need" }, fit = { "score" }, shortlist = { "exclude" },
                       engage = { "step", "options" } }
local STEP_TARGETS = { shortlisted = true, top = true, all = true }

local rules = {}
local by_stage = { needs = {}, fit = {}, shortlist = {}, engage = {} }
local by_id = {}

M.dsl = { STAGES = STAGES, ACTION_FIELD = ACTION_FIELD, rules = rules, by_stage = by_stage, by_id = by_id }

-- ---- rule { ... }: load-time checks -------------------------------------------------

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
    elseif not H.in_points_range(t[k]) then
      bad("points for '" .. k .. "' must be from -1e9 to 1e9")
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
  local at = M.host.where(3)
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
              note = spec.note, doc = spec.doc, moved = 0, secs = 0 }
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

-- ---- share { ... } and shared ------------------------------------------------------

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
local shared_view = setmetatable({}, {
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

-- ---- the pack's load --------------------------------------------------------------

function P.finish()
  loading = false
  return M.problems, #rules
end

-- The functions and tables the rule files handed over, for the host to
-- freeze: from here on a rule cannot keep state from one intake to the next.
local RULE_STATE_FIELDS = { "when", "because", "action", "targets" }

function P.rule_objects()
  local out, whose = {}, {} -- whose[i]: the rule or shared name out[i] belongs to, for messages
  for _, r in ipairs(rules) do
    -- by name, not ipairs over {r.when, ...}: that stops at the first nil,
    -- and a rule without `when` would leave its other functions unfrozen
    for _, field in ipairs(RULE_STATE_FIELDS) do
      local v = r[field]
      if type(v) == "function" or type(v) == "table" then
        out[#out + 1] = v
        whose[#out] = "rule " .. r.id .. " (" .. r.at .. ")"
      end
    end
  end
  for _, k in ipairs(sorted_keys(shared)) do
    local v = shared[k]
    if type(v) == "function" or type(v) == "table" then
      out[#out + 1] = v
      whose[#out] = "shared." .. k
    end
  end
  return out, whose
end

-- P.dsl: what rule files see besides the standard libraries, the one list
-- of the DSL's names (the sandbox, .luacheckrc, the editor annotations of
-- tools/types.lua and docs/rules.md follow it; tests/unit/test_surface.c
-- keeps them in step).
function M.dsl.publish(policy)
  local area_list = {}
  for i, a in ipairs(area_ids) do area_list[i] = a end
  P.dsl = {
    rule = P.rule,
    policy = policy,
    areas = H.readonly(area_list, "areas"),
    options = policy.options,
    sorted_keys = sorted_keys,
    contains = H.contains,
    count = H.count,
    sum = H.sum,
    clamp = H.clamp,
    days_between = H.days_between,
    option_name = pol.option_name,
    share = P.share,
    shared = shared_view,
  }
end
