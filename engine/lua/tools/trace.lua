-- prelude/tools/trace.lua: the views the analyst tools evaluate through. A
-- tracker is a read-only view of intake data that logs every answer a rule
-- reads (into the trace entry of the rule running) and, with a schema
-- description, reports every read of a question the schema lacks (to the
-- probe of check). traced_evaluation(intake) is one evaluation with a trace
-- recorded (explain, test). Knows the schema description's shape, never a
-- question.

local _, M = ...
local H, R = M.helpers, M.runner
local sorted_keys, contains = H.sorted_keys, H.contains
local evaluate = M.evaluate
local current_trace, current_probe = R.trace, R.probe

local trace = {}
M.trace = trace

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
    local probe = current_probe()
    if spec then
      sub, why, candidates = child_spec(spec, k)
      if sub == nil and probe then probe.unknown(p, why, candidates, M.host.where(2)) end
    end
    local v = target[k]
    local t = current_trace()
    local ent = t and t.current
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
trace.tracker = tracker

-- one evaluation with its trace: the record, with e.trace = { entries = {...} }
function trace.evaluation(intake)
  local t = { entries = {} }
  R.set_trace(t)
  local ok, res = pcall(evaluate, tracker(intake, "", nil))
  R.set_trace(nil)
  if not ok then error(res, 0) end
  res.trace = t
  return res
end
