-- prelude/helpers.lua: small functions of plain data used across the
-- prelude, some of them also handed to rule files by the DSL (sorted_keys,
-- contains, count, sum, clamp, days_between): ordering keys, dates, points
-- as text, dotted paths, read-only views, "did you mean" suggestions. Owns
-- nothing but a memo of point texts; knows no stage, rule, policy or domain
-- id.

local _, M = ...

local H = {}
M.helpers = H

local function mixed_order(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return ta < tb end
  if ta == "number" or ta == "string" then return a < b end
  return false
end

local host_keys -- host.keys: the same in C, kept per read-only view

function H.use_host_keys(fn)
  host_keys = fn
end

function H.sorted_keys(t)
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

function H.contains(list, x)
  if list == nil then return false end
  for _, v in ipairs(list) do
    if v == x then return true end
  end
  return false
end

function H.count(list, pred)
  local n = 0
  for _, v in ipairs(list or {}) do
    if pred == nil or pred(v) then n = n + 1 end
  end
  return n
end

function H.sum(list, fn)
  local s = 0
  for _, v in ipairs(list or {}) do
    s = s + (fn and fn(v) or v)
  end
  return s
end

function H.clamp(x, lo, hi)
  if x < lo then return lo end
  if x > hi then return hi end
  return x
end

-- days since 1970-01-01 of a YYYY-MM-DD text (proleptic Gregorian); the
-- error names the caller of days_between (level 3). Remembered by the text:
-- the same dates (the assessment date, the catalogue's) are asked for again
-- and again, and a pattern match costs more than the rest.
local day_memo, day_count = {}, 0

local function day_number(s)
  local known = day_memo[s]
  if known then return known end
  local y, m, d = string.match(tostring(s), "^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then error("not a date in the form YYYY-MM-DD: " .. tostring(s), 3) end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local year_of_era = y - era * 400
  local shifted_month = (m + 9) % 12 -- March = 0
  local day_of_year = (153 * shifted_month + 2) // 5 + d - 1
  local day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
  local n = era * 146097 + day_of_era - 719468
  if type(s) == "string" then
    if day_count >= 4096 then day_memo, day_count = {}, 0 end -- a bound, whatever dates come
    day_memo[s], day_count = n, day_count + 1
  end
  return n
end
H.day_number = day_number

function H.days_between(a, b)
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

function H.signed(x)
  local s = signed_memo[x]
  if s then return s end
  s = signed_text(x)
  if signed_count >= 4096 then -- a bound, whatever values the rules produce
    signed_memo, signed_count = {}, 0
  end
  signed_memo[x], signed_count = s, signed_count + 1
  return s
end

function H.finite(x)
  return type(x) == "number" and x == x and x ~= math.huge and x ~= -math.huge
end

-- The range of points (docs/rules.md, "Points"): what one rule gives one
-- key (after its weight), each total, and each weight. Within it integer
-- points never wrap (1e9 * 1e9 < 2^63) and float sums stay exact enough
-- to rank and print, so a total is always a plain number.
H.POINTS_MAX = 1e9

-- a number within -POINTS_MAX .. POINTS_MAX (false for NaN and infinities)
function H.in_points_range(x)
  return type(x) == "number" and x <= H.POINTS_MAX and x >= -H.POINTS_MAX
end

-- path_reader("a.b.c") -> function(t) returning t.a.b.c, or nil where a
-- step is missing or not a table (path nil: always nil); the path is split
-- once, not at every read
function H.path_reader(path)
  if path == nil then return function() return nil end end
  local parts = {}
  for part in string.gmatch(path, "[^.]+") do parts[#parts + 1] = part end
  local n = #parts
  if n == 1 then
    local a = parts[1]
    return function(t) return t[a] end
  elseif n == 2 then
    local a, b = parts[1], parts[2]
    return function(t)
      local x = t[a]
      if type(x) ~= "table" then return nil end
      return x[b]
    end
  end
  return function(t)
    for i = 1, n do
      if type(t) ~= "table" then return nil end
      t = t[parts[i]]
      if t == nil then return nil end
    end
    return t
  end
end

-- switchable_view(what) -> view, show(t): a read-only view made once whose
-- contents are switched with show(t) (each evaluation shows its own
-- record: no view is made per intake). Reads are table lookups, as in
-- H.readonly.
function H.switchable_view(what)
  local mt = { __metatable = false }
  mt.__index = {}
  mt.__newindex = function(_, k) error(what .. " is read-only (tried to set '" .. tostring(k) .. "')", 2) end
  mt.__len = function() return #mt.__index end
  mt.__pairs = function(view)
    local t = mt.__index
    return function(_, k) return next(t, k) end, view, nil
  end
  return setmetatable({}, mt), function(t) mt.__index = t end
end

function H.readonly(t, what)
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

-- the candidate nearest to a misspelt word (at most 2 edits, or a
-- difference of case, or one containing the other), for "did you mean"
function H.closest(word, candidates)
  local w = string.lower(tostring(word))
  local best, best_d = nil, 3
  for _, c in ipairs(candidates) do
    local lc = string.lower(c)
    local d = M.host.distance(w, lc) -- the engine's one edit distance (pf_common)
    if d < best_d then best, best_d = c, d end
  end
  if best then return best end
  for _, c in ipairs(candidates) do
    local lc = string.lower(c)
    if #w >= 3 and (lc:find(w, 1, true) or w:find(lc, 1, true)) then return c end
  end
  return nil
end

-- The paths of every question of the schema description spec (objects'
-- fields, and a map's keys where they are a list of values), for "did
-- you mean".
local function question_paths(spec, prefix, out)
  local named = {}
  if spec.type == "object" and spec.fields then
    for _, k in ipairs(H.sorted_keys(spec.fields)) do named[#named + 1] = { k, spec.fields[k] } end
  elseif spec.type == "map" and spec.keys and spec.keys.values then
    for _, k in ipairs(spec.keys.values) do named[#named + 1] = { k, spec.values } end
  end
  for _, e in ipairs(named) do
    local path = prefix and (prefix .. "." .. e[1]) or e[1]
    out[#out + 1] = path
    question_paths(e[2], path, out)
  end
  return out
end

-- H.question_spec(schema, path) -> the spec of the question the dotted
-- path names in a schema description (pf_schema_describe's shape: an
-- object's field, a map's key where its keys are a list of values, any key
-- where not), or nil. check's forms and the policy's paths read it.
function H.question_spec(schema, path)
  local spec = schema
  for seg in tostring(path):gmatch("[^.]+") do
    if spec == nil then return nil end
    local keys = spec.type == "map" and spec.keys and spec.keys.values
    if spec.type == "object" then
      spec = spec.fields and spec.fields[seg]
    elseif spec.type == "map" and (keys == nil or H.contains(keys, seg)) then
      spec = spec.values
    else
      spec = nil
    end
  end
  return spec
end

-- H.question_problem(path) -> nil when the dotted path names a question of
-- the intake schema (host.schema, as pf_schema_describe describes it: an
-- object's field, a map's key), else what is wrong with it, with the
-- nearest path that does; nil too when the host gave no schema.
function H.question_problem(path)
  local spec = M.host and M.host.schema
  if spec == nil then return nil end
  path = tostring(path)
  if path == "" or path:find("^%.") or path:find("%.$") or path:find("%.%.") then
    return "'" .. path .. "' is not a question's path (names joined by dots, such as organisation.name)"
  end
  spec = H.question_spec(spec, path)
  if spec == nil then
    local near = H.closest(path, question_paths(M.host.schema, nil, {}))
    return "'" .. path .. "' is not a question of the intake schema" ..
      (near and (" (did you mean '" .. near .. "'?)") or "")
  end
  if spec.type == "object" then
    return "'" .. path .. "' is a group of questions, not one question"
  end
  return nil
end

function H.one_of(list)
  return table.concat(list, ", ")
end
