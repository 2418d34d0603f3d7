-- prelude/tools/check_forms.lua: the part of `partnerfit check` that reads
-- the rule pack rather than running it. Problems: a decision table's row
-- whose value its question can never hold, and a comparison in a rule file
-- (a condition string or a function) of an enum question, or of a fact that
-- is its answer, with a value outside the enum. Warnings: thresholds and
-- facts that nothing reads. Knows the schema description's shape, no
-- question, fact or threshold by name.

local _, M = ...
local H, pol, forms = M.helpers, M.policy, M.forms
local closest, sorted_keys, contains, one_of = H.closest, H.sorted_keys, H.contains, H.one_of
local rules = M.dsl.rules

local check_forms = {}
M.check_forms = check_forms

-- the schema description of a dotted question path, or nil
local spec_of = H.question_spec

-- the question a fact answers, or nil
local function question_of_fact(name)
  local d = forms.facts_by_id[name]
  return d and d.answer
end

-- why value cannot be an answer of spec, or nil when it can
local function impossible(spec, value)
  local t = spec.type
  if t == "enum" then
    if contains(spec.values, value) then return nil end
    local hint = type(value) == "string" and closest(value, spec.values)
    return "'" .. tostring(value) .. "' is not one of its values (" .. one_of(spec.values) .. ")" ..
      (hint and (": did you mean '" .. hint .. "'?") or "")
  elseif t == "boolean" and type(value) ~= "boolean" then
    return tostring(value) .. " is not true or false"
  elseif (t == "integer" or t == "number") and type(value) ~= "number" then
    return "'" .. tostring(value) .. "' is not a number"
  end
  return nil
end

-- decide{} rows: each row's value must be one its question can hold
local function check_decisions(schema, add)
  for _, r in ipairs(rules) do
    local d = r.decide
    if d then
      local path = d.fact and question_of_fact(d.fact) or (not d.fact and d.on) or nil
      local spec = path and spec_of(schema, path)
      if path and not spec then
        add(r.at, "rule '" .. r.id .. "': decide on '" .. d.on .. "', but the schema has no question " .. path)
      elseif spec then
        local why = impossible(spec, d.is)
        if why then add(r.at, "rule '" .. r.id .. "': decide on " .. path .. " row is = " .. why) end
      end
    end
  end
end

local LIFECYCLE_STATUSES = { "active", "legacy", "retired", "unavailable" }

-- what a comparison `<subject> == 'value'` in rule text compares: the
-- question's description and its path, or a list of values, or nil
local function compared(schema, subject)
  local fact = subject:match("^f%.([%a_][%w_]*)$")
  if fact then
    local q = question_of_fact(fact)
    return q and spec_of(schema, q), q
  end
  local q = subject:match("^intake%.([%a_][%w_.]*)$")
  if q then return spec_of(schema, q), q end
  if subject:match("^ctx%.lifecycle%b()$") then
    return { type = "enum", values = LIFECYCLE_STATUSES }, "an option's lifecycle status"
  end
  return nil
end

-- the comparisons with a quoted value on one line of rule text, both ways
-- round: { subject, value }
local SUBJECT = "([%a_][%w_.]*%b())"
local SUBJECT_PLAIN = "([%a_][%w_.]*)"
local function comparisons(line)
  local out = {}
  for _, subj_pat in ipairs({ SUBJECT, SUBJECT_PLAIN }) do
    for subject, _, value in line:gmatch(subj_pat .. "%s*[=~]=%s*(['\"])(.-)%2") do
      out[#out + 1] = { subject = subject, value = value }
    end
    for _, value, subject in line:gmatch("(['\"])(.-)%1%s*[=~]=%s*" .. subj_pat) do
      out[#out + 1] = { subject = subject, value = value }
    end
  end
  return out
end

-- every `x == 'value'` in the rule files (conditions in strings and code
-- in functions alike) where x is an enum question, a fact answering one,
-- or ctx.lifecycle(...), and the value is not one x can hold
local function check_comparisons(schema, add)
  local ok, files = pcall(M.host.rule_files)
  if not ok then return end
  for _, file in ipairs(files) do
    local n = 0
    for line in (file.text .. "\n"):gmatch("([^\n]*)\n") do
      n = n + 1
      local code = line:gsub("%-%-.*$", "")
      for _, c in ipairs(comparisons(code)) do
        local spec, what = compared(schema, c.subject)
        local why = spec and spec.type == "enum" and impossible(spec, c.value)
        if why then
          add(file.path .. ":" .. n, "compares " .. c.subject .. " (" .. what .. ") with " .. why)
        end
      end
    end
  end
end

-- facts that answer a question: the question must be in the schema
local function check_answers(schema, add)
  for _, d in ipairs(forms.facts) do
    if d.answer and not spec_of(schema, d.answer) then
      local parent, last = d.answer:match("^(.-)%.?([^.]+)$")
      local pspec = parent == "" and schema or spec_of(schema, parent)
      local names = pspec and pspec.fields and sorted_keys(pspec.fields) or {}
      local hint = closest(last, names)
      add(d.at, "fact '" .. d.id .. "' answers '" .. d.answer .. "', but the schema has no such question" ..
        (hint and (" (did you mean '" .. hint .. "'?)") or ""))
    end
  end
end

-- problems(schema, add): what check reports as errors from the pack's text
function check_forms.problems(schema, add)
  check_answers(schema, add)
  check_decisions(schema, add)
  check_comparisons(schema, add)
end

-- the names the rule files' text reads as prefix.name (thresholds., f.)
local function names_in_text(prefix)
  local seen = {}
  local ok, files = pcall(M.host.rule_files)
  for _, file in ipairs(ok and files or {}) do
    for name in (" " .. file.text):gmatch("[^%w_.]" .. prefix .. "%.([%a_][%w_]*)") do seen[name] = true end
  end
  return seen
end

-- warnings(add): thresholds and facts that no rule or fact reads: not
-- while check probed the pack, nor anywhere in the rule files' text
function check_forms.warnings(add)
  local threshold_text, fact_text = names_in_text("thresholds"), names_in_text("f")
  for _, k in ipairs(sorted_keys(pol.threshold_info)) do
    if not forms.threshold_reads[k] and not threshold_text[k] then
      add(pol.threshold_info[k].at, "warning: no rule or fact reads threshold '" .. k .. "'")
    end
  end
  local read = forms.fact_reads or {}
  for _, d in ipairs(forms.facts) do
    if not read[d.id] and not fact_text[d.id] then add(d.at, "warning: no rule reads fact '" .. d.id .. "'") end
  end
end
