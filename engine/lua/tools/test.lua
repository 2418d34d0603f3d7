-- prelude/tools/test.lua: `partnerfit test`, one intake's evaluation held
-- to the expectations of a rule test (tests/rules/): top, shortlist,
-- (not_)shortlisted, need, score, rank, (not_)fired, steps, facts. Expectations
-- that could never fail (unknown keys, options, areas or rules, a scalar
-- where a list belongs, an empty expect) are failures of the test itself.
-- A failure comes with the intake's explanation. Knows the expectation
-- keys, no domain id.

local P, M = ...
local H, pol, dsl = M.helpers, M.policy, M.dsl
local signed, sorted_keys, contains, one_of = H.signed, H.sorted_keys, H.contains, H.one_of
local option_by_id, area_known = pol.option_by_id, pol.area_known
local by_id = dsl.by_id
local traced_evaluation = M.trace.evaluation
local intake_names = M.reports.intake_names
local explain_text = M.explain.text

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

-- a fact's value (or an expected one) as text: lists as [a, b]
-- a list shows its items; a set (f.kept_short_skills, f.extend_first) its
-- members in name order, so `facts: {extend_first: [csp]}` can test it
local function fact_shown(v)
  if type(v) ~= "table" then return tostring(v) end
  local items = {}
  for i, x in ipairs(v) do items[i] = tostring(x) end
  if #items == 0 then
    for _, k in ipairs(sorted_keys(v)) do items[#items + 1] = tostring(k) end
  end
  return "[" .. table.concat(items, ", ") .. "]"
end

local shortlist_of = M.stages.shortlisted_ids

local function fired_set(e)
  local set = {}
  for _, ent in ipairs(e.trace.entries) do
    if ent.fired then set[ent.rule.id] = true end
  end
  return set
end

local EXPECT_KEYS = { "top", "shortlist", "shortlisted", "not_shortlisted", "need", "score", "rank",
                      "fired", "not_fired", "steps", "says", "catalogue_step", "facts" }

-- expect[key], when given, must map catalogue options to lists: an unknown
-- option is a problem, and every value, an option's known or not, goes to
-- check(id, value) (bad(msg) records a problem)
local function option_lists(expect, key, example, bad, check)
  local m = expect[key]
  if m == nil then return end
  if type(m) ~= "table" then return bad(key .. " must be a mapping, e.g. " .. example) end
  for _, id in ipairs(sorted_keys(m)) do
    if not option_by_id[id] then bad(key .. ": option '" .. tostring(id) .. "' is not in the catalogue") end
    check(id, m[id])
  end
end

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
  local cat = expect.catalogue_step
  if cat ~= nil and type(cat) ~= "table" then
    bad("catalogue_step must be a mapping, e.g. catalogue_step: {csp: false}")
  elseif cat ~= nil then
    for _, id in ipairs(sorted_keys(cat)) do
      if not option_by_id[id] then bad("catalogue_step: option '" .. tostring(id) .. "' is not in the catalogue")
      elseif type(cat[id]) ~= "boolean" then bad("catalogue_step: " .. tostring(id) .. " must be true or false") end
    end
  end
  -- says: {option: [texts]}, each text a step of the option's row contains
  option_lists(expect, "says", "says: {azure_support: [\"open the negotiation now\"]}", bad, function(id, list)
    if type(list) ~= "table" or #list == 0 or #list ~= #sorted_keys(list) then
      return bad("says: " .. tostring(id) .. " must be a list of texts its next steps contain")
    end
    for _, text in ipairs(list) do
      if type(text) ~= "string" or text == "" then
        bad("says: " .. tostring(id) .. ": " .. tostring(text) .. " is not a text")
      end
    end
  end)
  local facts = expect.facts
  if facts ~= nil and type(facts) ~= "table" then
    bad("facts must be a mapping, e.g. facts: {assets: 1200}")
  elseif facts ~= nil then
    for _, name in ipairs(sorted_keys(facts)) do
      if not M.forms.facts_by_id[name] then
        local near = H.closest(tostring(name), M.forms.fact_names())
        bad("facts: '" .. tostring(name) .. "' is not a declared fact" ..
          (near and (" (did you mean '" .. near .. "'?)") or ""))
      end
    end
  end
  -- steps: {option: [engage rule ids]}, exactly and in order
  option_lists(expect, "steps", "steps: {option: [engage rule ids]}", bad, function(id, list)
    if type(list) ~= "table" or (#list == 0 and #sorted_keys(list) > 0) then
      return bad("steps: " .. tostring(id) .. " must be a list of engage rule ids ([] for none)")
    end
    for _, rid in ipairs(list) do
      local r = by_id[rid]
      if not r then bad("steps: rule '" .. tostring(rid) .. "' does not exist")
      elseif r.stage ~= "engage" then
        bad("steps: rule '" .. rid .. "' is a " .. r.stage .. " rule, not an engage rule")
      end
    end
  end)
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
  -- the next_step cell's text, as the report writes it: the catalogue's
  -- step, then each engage step with its rule id
  for _, id in ipairs(sorted_keys(expect.says or {})) do
    local cell = { M.stages.catalogue_step(e, option_by_id[id]) }
    for _, step in ipairs(e.steps[id] or {}) do cell[#cell + 1] = step end
    local text = table.concat(cell, " ")
    for _, want in ipairs(expect.says[id]) do
      if not text:find(want, 1, true) then
        failed("next steps of " .. id, "a text containing \"" .. want .. "\"", "\"" .. text .. "\"")
      end
    end
  end
  for _, id in ipairs(sorted_keys(expect.catalogue_step or {})) do
    local shown = M.stages.catalogue_step(e, option_by_id[id]) ~= nil
    if shown ~= expect.catalogue_step[id] then
      failed("catalogue step of " .. id, expect.catalogue_step[id] and "shown" or "not shown",
        shown and "shown" or "not shown")
    end
  end
  for _, name in ipairs(sorted_keys(expect.facts or {})) do
    local want, ok, value = expect.facts[name], pcall(function() return e.facts[name] end)
    local shown = ok and fact_shown(value) or ("error: " .. tostring(value))
    if type(want) == "number" or (type(want) == "string" and type(value) == "number") then
      local same, shown_want = compare(type(value) == "number" and value or 0 / 0, want)
      if not (ok and same) then failed("fact " .. name, shown_want, shown) end
    elseif not ok or fact_shown(want) ~= shown then
      failed("fact " .. name, fact_shown(want), shown)
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
