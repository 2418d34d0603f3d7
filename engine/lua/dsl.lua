-- prelude/dsl.lua: the rule DSL, what a rule file may say and see. Owns the
-- rule registry (M.dsl.rules in load order, by_stage, by_id), the grammar of
-- rule{} (the stages, their fields and load-time checks of each field),
-- share{} and `shared`, the end of the pack's load (P.finish), the rule
-- objects the host freezes (P.rule_objects), and the one list of names rule
-- files see besides the standard libraries (P.dsl, published at P.init).
-- Knows the four stages by name and the policy's shape (areas, options,
-- weights), never a particular area, option or rule id.

local P, M = ...
local H, pol, forms = M.helpers, M.policy, M.forms
local problem = M.problem
local sorted_keys, finite, closest, one_of = H.sorted_keys, H.finite, H.closest, H.one_of
local area_ids, area_known = pol.area_ids, pol.area_known
local option_list, option_by_id, weights = pol.option_list, pol.option_by_id, pol.weights

local STAGES = { "needs", "fit", "shortlist", "engage" }
local ACTION_FIELD = { needs = "need", fit = "score", shortlist = "exclude", engage = "step" }
local COMMON_FIELDS = { "id", "stage", "because", "when", "weight", "doc", "note" }
local STAGE_FIELDS = { needs = { "need" }, fit = { "score", "programmes", "scale_by_need" },
                       shortlist = { "exclude" }, engage = { "step", "options", "replaces_catalogue_step" } }
local STEP_TARGETS = { shortlisted = true, top = true, all = true }

local rules = {}
local by_stage = { needs = {}, fit = {}, shortlist = {}, engage = {} }
local by_id = {}

M.dsl = { STAGES = STAGES, ACTION_FIELD = ACTION_FIELD, rules = rules, by_stage = by_stage, by_id = by_id }

-- ---- rule { ... }: load-time checks -------------------------------------------------

local template_of -- below: a because or step text, or the function filling in its placeholders

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
  if action == nil and r.stage == "fit" and type(spec.programmes) == "table" then
    action = {} -- points for programmes alone
  end
  if action == nil then
    bad("a " .. r.stage .. " rule needs '" .. ACTION_FIELD[r.stage] .. "'")
  elseif type(action) ~= "function" then
    if r.stage == "needs" then check_static_points(r, action, area_known, "area", bad)
    elseif r.stage == "fit" then check_static_points(r, action, option_by_id, "option", bad)
    elseif r.stage == "shortlist" then check_option_list(action, bad, "exclude")
    elseif type(action) ~= "string" then bad("step must be text or a function returning text")
    else action = template_of(r, action, "step", bad) end
  end
  r.action = action
  if spec.programmes ~= nil then
    if type(action) == "function" then bad("programmes goes with a table of score, not a function") end
    check_static_points(r, spec.programmes, option_by_id, "option", bad)
    r.programmes = spec.programmes
  end
  if spec.scale_by_need ~= nil then
    if type(action) == "function" then bad("scale_by_need goes with a table of score, not a function") end
    if not area_known[spec.scale_by_need] then
      local hint = closest(tostring(spec.scale_by_need), area_ids)
      bad("scale_by_need: area '" .. tostring(spec.scale_by_need) .. "' is not in the policy" ..
        (hint and (" (did you mean '" .. hint .. "'?)") or ""))
    end
    r.scale_area = spec.scale_by_need
  end
  if r.stage == "engage" then
    local o = spec.options or "shortlisted"
    if type(o) == "string" then
      if not STEP_TARGETS[o] then bad("options must be 'shortlisted', 'top', 'all' or a list of option ids") end
    else
      check_option_list(o, bad, "options")
    end
    r.targets = o
    local rc = spec.replaces_catalogue_step
    if rc ~= nil and type(rc) ~= "boolean" then bad("replaces_catalogue_step must be true or false") end
    r.replaces_catalogue_step = rc == true
  end
end

-- A because or step text: itself, or the function filling in its
-- {placeholders} (forms.template); the compiled parts are held for the
-- host to freeze with the rule.
template_of = function(r, text, what, bad)
  local t, parts = forms.template(text, r.at, what, "rule '" .. r.id .. "'")
  if t == nil then
    bad(parts)
    return text
  end
  if type(t) == "function" then
    r.templates = r.templates or {}
    r.templates[what] = true
    for _, fn in ipairs(parts or {}) do r.held[#r.held + 1] = fn end
  end
  return t
end

-- A when: a function, or one expression in a string (forms.compile)
local function condition_of(r, when, bad)
  if when == nil or type(when) == "function" then return when end
  if type(when) ~= "string" then
    bad("when must be a function(intake, ctx, f) or one expression in a string")
    return nil
  end
  local fn, err = forms.compile(when, r.at, "when", "rule '" .. r.id .. "'")
  if not fn then
    bad(err)
    return nil
  end
  r.condition = when
  return fn
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

-- declare(spec, at, match) -> the rule spec declares (nil and a problem
-- recorded when it cannot be one). match, for a row of a decision table,
-- is the test of the table's field that the row's own `when` adds to.
local function declare(spec, at, match)
  local id = spec.id
  local function bad(msg)
    problem(at, "rule '" .. tostring(id) .. "': " .. msg)
  end
  if type(id) ~= "string" or not id:match("^[%w][%w._-]*$") then
    problem(at, "a rule needs an 'id' that starts with a letter or digit, then letters, digits, '.', '_' and '-'" ..
      (type(id) == "string" and (" (not '" .. id .. "')") or ""))
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
  local r = { id = id, stage = stage, at = at, because = spec.because,
              note = spec.note, doc = spec.doc, moved = 0, secs = 0, held = {} }
  check_fields(spec, stage, bad)
  r.when = condition_of(r, spec.when, bad)
  r.when_fn = type(spec.when) == "function" -- (a decision table's row: its own when) for native_form
  if match then -- a row of a decision table: its value, then the row's own condition
    local own = r.when
    if own == nil then
      r.when = match
    else
      r.held[#r.held + 1] = own
      r.when = function(intake, ctx, f) return match(intake, ctx, f) and own(intake, ctx, f) end
    end
  end
  if type(spec.because) ~= "function" and (type(spec.because) ~= "string" or spec.because == "") then
    bad("because must be a sentence (text, with {placeholders} if need be) or a function returning one")
  elseif type(spec.because) == "string" then
    r.because = template_of(r, spec.because, "because", bad)
  end
  if spec.weight ~= nil then
    if weights[spec.weight] == nil then
      bad("weight '" .. tostring(spec.weight) .. "' is not in the policy's weights")
    else
      r.weight = spec.weight
    end
  end
  check_action(r, spec, bad)
  -- what the runner tests for each rule that fires, once here
  r.action_fn, r.because_fn = type(r.action) == "function", type(r.because) == "function"
  if type(r.action) == "table" and stage == "needs" then
    -- a static table: its keys in policy order, once, instead of every key per intake
    r.static_keys = {}
    for _, k in ipairs(area_ids) do
      if r.action[k] ~= nil then r.static_keys[#r.static_keys + 1] = k end
    end
  elseif type(r.action) == "table" and stage == "fit" then
    r.resolves = true -- its keys go to the options carrying them on the date (runner.table_points)
  end
  rules[#rules + 1] = r
  r.index = #rules
  by_stage[stage][#by_stage[stage] + 1] = r
  by_id[id] = r
  return r
end

function P.rule(spec)
  local at = load_time_call("rule", "declares rules", spec, "{ id = ..., stage = ..., ... }")
  if at then declare(spec, at) end
end

-- ---- decide { ... }: a decision table --------------------------------------------------

local DECIDE_FIELDS = { on = true, stage = true, weight = true, rows = true, doc = true }

-- the value a decision table decides on: an answer (a dotted path into the
-- intake) or a fact (f.name)
local function decided_value(on)
  local fact = on:match("^f%.([%a_][%w_]*)$")
  if fact then
    return function(_, _, f) return f[fact] end, fact
  end
  return H.path_reader(on), nil
end

-- decide { on = "culture.approach", stage = "fit", weight = "culture",
--          rows = { { id = ..., is = "offload", because = ..., score = {...} }, ... } }:
-- one rule per row, firing when the field has the row's value (and the
-- row's own `when`, if it has one), so each row keeps its id in reports.
function P.decide(spec)
  local at = load_time_call("decide", "declares a decision table", spec,
    "{ on = <question or f.fact>, stage = ..., rows = { {id = ..., is = ..., ...}, ... } }")
  if not at then return end
  for _, k in ipairs(sorted_keys(spec)) do
    if not DECIDE_FIELDS[k] then
      local hint = closest(tostring(k), sorted_keys(DECIDE_FIELDS))
      problem(at, "decide: unknown field '" .. tostring(k) .. "'" ..
        (hint and (" (did you mean '" .. hint .. "'?)") or " (allowed: doc, on, rows, stage, weight)"))
    end
  end
  if type(spec.on) ~= "string" or not (spec.on:match("^[%a_][%w_.]*$")) then
    problem(at, "decide needs 'on': the question (a.b) or the fact (f.name) its rows compare")
    return
  end
  if type(spec.rows) ~= "table" or #spec.rows == 0 then
    problem(at, "decide needs 'rows': a list of { id = ..., is = <value>, because = ..., ... }")
    return
  end
  local value, fact = decided_value(spec.on)
  if fact then forms.note_fact_use(fact, at, "decide") end
  for i, row in ipairs(spec.rows) do
    local where = at .. " (row " .. i .. ")"
    if type(row) ~= "table" or row.is == nil then
      problem(where, "decide: each row needs 'is', the value it applies to")
    else
      local rs = {}
      for k, v in pairs(row) do if k ~= "is" then rs[k] = v end end
      rs.stage = rs.stage or spec.stage
      if rs.weight == nil then rs.weight = spec.weight end
      local is = row.is
      local r = declare(rs, at, function(intake, ctx, f) return value(intake, ctx, f) == is end)
      if r then r.decide = { on = spec.on, is = is, fact = fact } end
    end
  end
end

-- ---- fact { ... } ------------------------------------------------------------------

local FACT_FORMS = { "value", "answer", "is" }

-- fact { id = "assets", doc = "...", value = function(intake, ctx, f) ... end }
-- fact { id = "approach", doc = "...", answer = "culture.approach" }
-- fact { id = "enterprise_scale", doc = "...", is = "f.assets > thresholds.enterprise_assets" }
function P.fact(spec)
  local at = load_time_call("fact", "declares facts", spec, "{ id = ..., doc = ..., value | answer | is = ... }")
  if not at then return end
  local id = spec.id
  if type(id) ~= "string" or not id:match("^[%a_][%w_]*$") then
    problem(at, "a fact needs an 'id' made of letters, digits and _")
    return
  end
  local function bad(msg) problem(at, "fact '" .. id .. "': " .. msg) end
  if forms.facts_by_id[id] then
    bad("already declared at " .. forms.facts_by_id[id].at)
    return
  end
  if type(spec.doc) ~= "string" or spec.doc == "" then bad("needs 'doc': what the fact means, for explain") end
  local given = {}
  for _, k in ipairs(FACT_FORMS) do if spec[k] ~= nil then given[#given + 1] = k end end
  for _, k in ipairs(sorted_keys(spec)) do
    if k ~= "id" and k ~= "doc" and k ~= "default" and not H.contains(FACT_FORMS, k) then
      bad("unknown field '" .. tostring(k) .. "' (allowed: id, doc, value, answer with its default, is)")
    end
  end
  if spec.default ~= nil and spec.answer == nil then bad("default goes with answer") end
  if #given ~= 1 then
    bad("give exactly one of value (a function), answer (a question) or is (an expression)")
    return
  end
  local d = { id = id, at = at, doc = spec.doc }
  if spec.value ~= nil then
    if type(spec.value) ~= "function" then return bad("value must be a function(intake, ctx, f)") end
    d.value = spec.value
  elseif spec.answer ~= nil then
    if type(spec.answer) ~= "string" or not spec.answer:match("^[%a_][%w_.]*$") then
      return bad("answer must be a question's path, such as culture.approach")
    end
    local path, default = spec.answer, spec.default
    if type(default) == "table" or type(default) == "function" then
      return bad("default must be a plain value: text, a number or true/false")
    end
    d.answer, d.default = path, default
    local read = H.path_reader(path)
    d.value = function(intake)
      local v = read(intake)
      if v == nil then return default end
      return v
    end
  else
    local fn, err = forms.compile(spec.is, at, "is", "fact '" .. id .. "'")
    if not fn then return bad(err) end
    d.value, d.expression = fn, spec.is
  end
  forms.add_fact(d)
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

-- ---- the declarative rules (issue 16) -------------------------------------------

-- The test of a decision table's row as a program (forms.classify's form):
-- its field equal to its value; an answer's path is read as path_reader
-- reads it ("ref_safe": nil where a step is not a table), a fact as f.name.
local function decide_program(d)
  local t = type(d.is)
  if t ~= "string" and t ~= "number" and t ~= "boolean" then return nil, "a row's value that is not plain" end
  local ins = { "ref", "f", d.fact }
  if not d.fact then
    ins = { "ref_safe", "intake" }
    for part in d.on:gmatch("[^.]+") do ins[#ins + 1] = part end
  end
  return { ins, { "const", d.is }, { "cmp", "==" } }
end

-- native_form(r) -> the program of r's condition when the whole rule is
-- declarative (a needs or fit rule; its when absent, an expression in the
-- subset or a decision table's row; its points a static table; its
-- because a sentence, with {placeholders} or not), else nil and why it
-- stays in Lua.
local function native_form(r)
  if r.stage ~= "needs" and r.stage ~= "fit" then return nil, "a " .. r.stage .. " rule" end
  if type(r.action) ~= "table" then return nil, "points from a function" end
  -- a because with {placeholders} is declarative too: its text is filled
  -- in by the template's function, called only when the rule adds points
  if type(r.because) ~= "string" and not (r.templates and r.templates.because) then
    return nil, "a because function"
  end
  local own = r.condition -- the expression of its own when, if it is one
  if r.when_fn then return nil, "a when function" end
  local prog, why = {}
  if r.decide then
    prog, why = decide_program(r.decide)
    if not prog then return nil, why end
  end
  if own ~= nil then
    local p
    p, why = forms.classify(own)
    if not p then return nil, why end
    for _, ins in ipairs(p) do prog[#prog + 1] = ins end
    if r.decide then prog[#prog + 1] = { "and" } end
  end
  return prog
end

-- the program with each thresholds.<name> read once, as a constant: the
-- policy does not change once loaded (an unknown name stays a reference,
-- which the host refuses to compile)
local function with_thresholds(prog)
  local out = {}
  for i, ins in ipairs(prog) do
    local v = ins[1] == "ref" and ins[2] == "thresholds" and #ins == 3 and pol.thresholds[ins[3]]
    out[i] = v ~= nil and v ~= false and { "const", v } or ins
  end
  return out
end

-- marks each rule: r.native, the program of its condition ({} when it
-- has none), or r.lua_why, why it stays in Lua; with the native path on
-- (host.native_compile), r.native_when, its condition compiled by the host
local function classify_rules()
  local compile = M.host and M.host.native_compile
  for _, r in ipairs(rules) do
    r.native, r.lua_why = native_form(r)
    if compile and r.native and r.native[1] ~= nil then
      r.native_when = compile(with_thresholds(r.native))
    end
  end
  M.runner.use_native(compile and M.host)
end

-- P.native_summary() -> the number of rules the native path may run, the
-- number of needs and fit rules, and "id: why" for each of those left to
-- Lua, in load order
function P.native_summary()
  local native, points, left = 0, 0, {}
  for _, r in ipairs(rules) do
    if r.stage == "needs" or r.stage == "fit" then
      points = points + 1
      if r.native then
        native = native + 1
      else
        left[#left + 1] = r.id .. ": " .. tostring(r.lua_why)
      end
    end
  end
  return native, points, left
end

-- ---- the pack's load --------------------------------------------------------------

function P.finish()
  loading = false
  forms.check_uses()
  classify_rules()
  return M.problems, #rules
end

-- The functions and tables the rule files handed over, for the host to
-- freeze: from here on a rule cannot keep state from one intake to the next.
local RULE_STATE_FIELDS = { "when", "because", "action", "targets", "programmes", "held" }

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
  for _, d in ipairs(forms.facts) do
    out[#out + 1] = d.value
    whose[#out] = "fact " .. d.id .. " (" .. d.at .. ")"
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
    decide = P.decide,
    fact = P.fact,
    thresholds = forms.thresholds,
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
