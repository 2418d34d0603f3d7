-- prelude/runner.lua: running one rule on one intake, for every stage. It
-- calls a rule's functions (when, because, the action; only stages/2-fit.lua
-- also calls a fit action, protected, for explain's closest miss), adds up
-- what each rule moved and (with --timings) its time, records hits, and
-- checks and adds the points of the needs and fit stages (points_stage).
--
-- Owns the state that changes while intakes are evaluated, as its own
-- locals, so the hot path reads upvalues and no table: the modes of an
-- evaluation (all off in a normal run: the trace of explain and test, the
-- probe of check, the clock of --timings), the rule running (for error
-- messages) and the hits of P.evaluate. Other modules set and read them
-- through the functions below. Knows rules and stages as notions, never a
-- rule, area or option id.

local P, M = ...
local sorted_keys = M.helpers.sorted_keys
local POINTS_MAX = M.helpers.POINTS_MAX
local pol = M.policy
local weights, option_list, option_name = pol.weights, pol.option_list, pol.option_name
local points_carrier = M.lifecycles.points_carrier
local ACTION_FIELD = M.dsl.ACTION_FIELD

local R = {}
M.runner = R

local clock   -- host.clock when --timings asked for per-rule time
local mark    -- host.mark: tells a supervisor which rule runs (pf_beacon.h)
local trace   -- the trace being recorded (explain, test), or nil
local probe   -- the probe being run (check), or nil
local running -- the rule whose code runs, or whose result is checked and added; nil between rules
local step    -- the part of the evaluation the prelude is in ("the fit stage"), when running is nil
local hits    -- what each rule that fired did in this evaluation: {index, moved, ...}
local hits_n = 0 -- #hits, kept here: every entry is added by this file
local hits_list = {} -- the list hits is in a run, handed on from one evaluation to the next
local facts   -- the facts of the intake being evaluated (forms.new_facts), the third argument of rule functions
local contrib -- what each rule did to each key in this evaluation, flat: kind, key, rule id, points, text, ...
local contrib_n = 0 -- #contrib, kept here: every entry is added by this file
local contrib_stale = 0 -- entries of contrib an earlier evaluation left (a list handed on), cleared at the end
local contrib_kind -- the kind of key the points stage running adds to: "area" or "option"
local written = 0          -- bytes of report text rules made in this evaluation
local written_max = math.huge -- the host's output cap per intake (host.output_limit)

-- host.native_plan, native_run and native_cursor with the native path on (pf_native.h)
local native_plan, native_run, native_cursor
local plans = setmetatable({}, { __mode = "k" }) -- [rules of a stage] -> its plan (native path)
local native_stage -- the { plan, rules } native_run last ran in, while a points stage runs

function R.use_clock(fn) clock = fn end
function R.use_native(host)
  native_plan, native_run, native_cursor = host and host.native_plan, host and host.native_run,
    host and host.native_cursor
end
function R.use_mark(fn) mark = fn end
function R.set_trace(t) trace = t end
function R.trace() return trace end
function R.set_probe(p) probe = p end
function R.probe() return probe end
function R.running() return running end
function R.set_facts(f) facts = f end
function R.facts() return facts end
-- the list contributions are recorded in for this evaluation
-- (contributions.csv). A list handed on from the evaluation before (stale:
-- its entries are that one's) is written over from its start, not emptied
-- first, and what this evaluation did not write over is cleared when it
-- ends (set_contrib(nil)): growing a fresh list to a hundred entries or
-- more cost more than the rest of the bookkeeping of the points.
function R.set_contrib(list, stale)
  if list == nil then
    local c = contrib
    if c ~= nil then
      for i = contrib_n + 1, contrib_stale do c[i] = nil end
    end
    contrib, contrib_n, contrib_stale = nil, 0, 0
  elseif stale then
    contrib, contrib_n, contrib_stale = list, 0, #list
  else
    contrib, contrib_n, contrib_stale = list, #list, 0
  end
end
-- records one contribution: a rule's points to a key, or (points nil) its
-- exclusion of an option or a next step for it
function R.contribute(kind, key, rule_id, points, text)
  local c = contrib
  if c == nil then return end
  local n = contrib_n
  c[n + 1], c[n + 2], c[n + 3], c[n + 4], c[n + 5] = kind, key, rule_id, points or false, text
  contrib_n = n + 5
end
-- the start of an evaluation: no rule is running yet, no text written
function R.reset()
  running, step, written, native_stage = nil, "the start of the evaluation", 0, nil
  written_max = M.host.output_limit or math.huge
end
-- the part of the evaluation the prelude enters, named in a limit's message
-- when no rule is running there
function R.enter(what) step = what end
-- hits are collected between collect_hits() and take_hits() -> the list.
-- The list is written over from its start at each evaluation, not made
-- again (growing it was a handful of resizes per intake), and cleared past
-- this evaluation's entries when taken: what an earlier evaluation, one
-- that failed half-way included, left there is one run of entries.
function R.collect_hits() hits, hits_n = hits_list, 0 end

function R.take_hits()
  local fired, i = hits, hits_n + 1
  while fired[i] ~= nil do
    fired[i] = nil
    i = i + 1
  end
  hits = nil
  return fired
end

-- P.running_rule() -> "id (file:line)" of the rule whose code ran when
-- the evaluation stopped, or nil and the part of the evaluation the
-- prelude was in (no rule's code was running: the limit is not a rule's)
function P.running_rule()
  local r = running
  if r == nil and native_stage ~= nil then
    -- the condition native_run was evaluating when the evaluation stopped
    local j = native_cursor(native_stage.plan)
    if j > 0 then r = native_stage.rules[j] end
  end
  if r == nil then return nil, step end
  return r.id .. " (" .. r.at .. ")"
end

-- Counts n bytes of report text rule r made (reasons, steps, exclusion
-- notes) against the host's output cap, so a rule that floods the reports
-- is stopped and named; the host counts the rows themselves too
-- (host.emit), for what no rule wrote.
local function charge(n, r)
  written = written + n
  if written > written_max then
    running = r
    M.host.over_output(written)
  end
end
R.charge = charge

-- Calls one of a rule's functions. While probing, a failure is recorded as
-- a problem of the rule and read as "no result", so one broken rule does
-- not hide the others.
local function call(r, f, intake, ctx)
  running = r
  if not probe then return f(intake, ctx, facts) end
  local ok, res = M.host.pcall(f, intake, ctx, facts)
  if ok then return res end
  M.forms.clear_computing() -- the failure may have left a fact half-computed
  probe.fail(r, res)
  return nil
end

-- begin_rule(r) -> start time (with a clock), trace entry (when tracing).
-- running is set only around the rule's own functions (call, and the
-- functions below): the bookkeeping between them is the prelude's.
local function begin_rule(r)
  r.moved_before = r.moved
  mark(r.index) -- for a supervisor that may have to stop this worker (pf_beacon.h)
  local ent
  if trace then
    ent = { rule = r, fired = false, effects = {}, reads = {}, seen = {} }
    trace.entries[#trace.entries + 1] = ent
    trace.current = ent
  end
  return clock and clock(), ent
end
R.begin_rule = begin_rule

local function end_rule(r, fired, t0)
  if fired then
    if hits then
      local n = hits_n
      hits[n + 1], hits[n + 2] = r.index, r.moved - r.moved_before
      hits_n = n + 2
    end
  end
  if trace then
    trace.current.fired = fired
    trace.current = nil
  end
  if t0 then r.secs = r.secs + (clock() - t0) end
  running = nil
end
R.end_rule = end_rule

local function fires(r, intake, ctx)
  if r.when == nil then return true end
  local res = call(r, r.when, intake, ctx)
  running = nil
  return res and true or false
end
R.fires = fires

local function reason(r, intake, ctx)
  local b = r.because
  if r.because_fn then
    b = call(r, b, intake, ctx)
    running = nil
    if type(b) ~= "string" then
      if probe then return "?" end
      running = r
      error("because returned " .. type(b) .. ", expected text", 0)
    end
  end
  return b
end
R.reason = reason

local function action_value(r, intake, ctx)
  local a = r.action
  if type(a) == "function" then
    a = call(r, a, intake, ctx)
    running = nil
  end
  return a
end
R.action_value = action_value

-- a rule's result is unusable: a problem of the rule r while probing, else
-- the evaluation's error, blamed on r
local function fail(msg, r)
  running = r or running
  if probe then
    probe.fail(running, msg)
    return false
  end
  error(msg, 0)
end
R.fail = fail

-- The problem of a table of points that check_points refused, for the
-- first bad key in sorted order: pairs' order changes from one state to the
-- next, and the same pack and intake must give the same message.
local function bad_points(r, t, known, what)
  for _, k in ipairs(sorted_keys(t)) do
    local v = t[k]
    if not known[k] then return fail("returned points for unknown " .. what .. " '" .. tostring(k) .. "'", r) end
    if type(v) ~= "number" then
      -- "5" is text, not points: say so, or the message reads like a number
      -- (the type of anything else: a table's address changes from run to run)
      local got = type(v) == "string" and ("the text '" .. v:sub(1, 40) .. "'") or type(v)
      return fail("returned " .. got .. " for '" .. tostring(k) .. "', expected a number of points", r)
    end
    if v ~= v or v == math.huge or v == -math.huge then
      return fail("returned " .. tostring(v) .. " points for '" .. tostring(k) .. "'", r)
    end
    if not (v <= POINTS_MAX and v >= -POINTS_MAX) then
      return fail("returned " .. tostring(v) .. " points for '" .. tostring(k) ..
        "', outside the range of -1e9 to 1e9 points", r)
    end
  end
  return fail("returned a table of points that changed while it was checked", r)
end

-- checks points a rule function returned; static tables were checked at load
local function check_points(r, t, known, what)
  if type(t) ~= "table" then
    return fail(ACTION_FIELD[r.stage] .. " returned " .. type(t) .. ", expected a table of " .. what .. " = points", r)
  end
  for k, v in pairs(t) do
    -- in range (which refuses NaN and infinities), inline: this runs for
    -- every function rule on every intake
    if not known[k] or type(v) ~= "number" or not (v <= POINTS_MAX and v >= -POINTS_MAX) then
      return bad_points(r, t, known, what)
    end
  end
  return true
end

-- ---- tables of points that name programmes ----------------------------------------

-- A fit rule's table of points names options as ideas: on the assessment
-- date each key goes to the option that carries it then (lifecycles.lua:
-- a successor, or a predecessor before the option starts). Keys listed
-- under `programmes` do the same, and the reason then says which option
-- carries the programme, on that option's row only. Resolved once per rule
-- and lifecycle epoch (the span between two changes of the catalogue: a
-- handful), not per date.
local resolved = {} -- [rule index][epoch] -> { points, keys, note = { [carrier] = text } }
local epoch_of = M.lifecycles.epoch

local function add_carried(t, points, as_of, notes)
  for _, o in ipairs(option_list) do
    local v = points[o.id]
    if v ~= nil then
      local c, by_successor = points_carrier(o.id, as_of)
      if c ~= nil then
        t[c] = (t[c] or 0) + v
        if notes and by_successor then
          notes[c] = (notes[c] or "") .. " (On the assessment date " .. option_name(c) .. " carries what " ..
            option_name(o.id) .. " offered" .. (by_successor == "secondary" and ", as secondary sources report" or "")
            .. ".)"
        end
      end
    end
  end
end

local function resolve_table(r, as_of)
  local t, notes = {}, {}
  add_carried(t, r.action, as_of, nil)
  if r.programmes then add_carried(t, r.programmes, as_of, notes) end
  local keys = {}
  for _, o in ipairs(option_list) do
    if t[o.id] ~= nil then keys[#keys + 1] = o.id end
  end
  return { points = t, keys = keys, note = notes }
end

-- a table's points scaled by the need level of an area: level 3 of 5 gives
-- 60 % of each, rounded half up
local function scaled(points, keys, level)
  local f = level / pol.max_level
  local t = {}
  for i = 1, #keys do
    local k = keys[i]
    t[k] = math.floor(points[k] * f + 0.5)
  end
  return t
end

-- table_points(r, ctx) -> the points of fit rule r's table on ctx's date,
-- their keys in catalogue order, and the notes on successors for its
-- reason, by the option whose row each belongs to
local last_date, last_epoch = false, nil -- the epoch of the date asked last

local function table_points(r, ctx)
  local as_of = ctx.as_of
  if as_of ~= last_date then last_date, last_epoch = as_of, epoch_of(as_of) end
  local epoch = last_epoch
  local by_epoch = resolved[r.index]
  if by_epoch == nil then
    by_epoch = {}
    resolved[r.index] = by_epoch
  end
  local entry = by_epoch[epoch]
  if entry == nil then
    entry = resolve_table(r, ctx.as_of)
    by_epoch[epoch] = entry
  end
  if r.scale_area then return scaled(entry.points, entry.keys, ctx.need[r.scale_area]), entry.keys, entry.note end
  return entry.points, entry.keys, entry.note
end
R.table_points = table_points

-- a weighted contribution or the total it makes is out of range: the
-- rule's problem (fail), so the intake is refused instead of ranked on a
-- total that wrapped or became inf or NaN
local function out_of_range(r, k, v, total)
  return fail(string.format("its %.15g points for '%s' bring the total to %.15g, outside the range " ..
    "of -1e9 to 1e9 points", v, tostring(k), total), r)
end

-- adds a rule's points to totals[key] and records the contribution with
-- its reason (and, on a programme's carrier, the note on successors: notes
-- maps an option to its note, or is nil): the why and drivers cells and
-- contributions.csv are written from that record by the host
local function add_points(r, t, keys, totals, intake, ctx, notes)
  local w = r.weight and weights[r.weight] or 1
  local hi, lo = POINTS_MAX, -POINTS_MAX
  local c = contrib
  local n = contrib_n -- the list's length, set in contrib_n after each entry
  local moved = 0
  local base, noted, id_cost
  for i = 1, #keys do -- keys: a list the prelude made (no holes)
    local k = keys[i]
    local v = t[k]
    if v ~= nil and v ~= 0 then
      v = v * w -- |v|, |w| <= POINTS_MAX (checked): an integer product cannot wrap
      local total = totals[k] + v
      if v <= hi and v >= lo and total <= hi and total >= lo then
        totals[k] = total
        moved = moved + (v < 0 and -v or v) -- math.abs, inline (v ~= 0)
        if base == nil then base, id_cost = reason(r, intake, ctx), #r.id + 16 end
        local note = notes and notes[k]
        local text = note and (base .. note) or base
        local wr = written + #text + id_cost -- charge(cost, r), inline
        written = wr
        if wr > written_max then
          running = r
          M.host.over_output(wr)
        end
        if c then
          c[n + 1], c[n + 2], c[n + 3], c[n + 4], c[n + 5] = contrib_kind, k, r.id, v, text
          n = n + 5
          contrib_n = n
        end
        if trace then
          local eff = trace.current.effects
          eff[#eff + 1] = { key = k, points = v }
          -- the trace shows one reason per rule: with a programme's note if
          -- any row has one
          if note or not noted then trace.current.because, noted = text, note ~= nil end
        end
        if probe then probe.scored[k] = true end
      else
        out_of_range(r, k, v, total) -- raises, or a problem of the rule while probing
      end
    end
  end
  r.moved = r.moved + moved
end

-- Calls a rule's function as a tail call, as call() does, so that the
-- traceback of a failing rule reads the same in every path ("in function
-- <file:line>", not the name of a local variable of the prelude).
local function invoke(f, intake, ctx)
  return f(intake, ctx, facts)
end

-- nothing is traced, probed or timed: a normal run, where the stages may
-- take the plain paths below
function R.plain() return not (trace or probe or clock) end

-- What begin_rule, fires and action_value do for rule r in a normal run,
-- in one call (the shortlist and engage stages): whether it fired, and
-- its action's value when it did. The rule's functions are called through
-- invoke, as call() calls them: the same tracebacks.
function R.fire_plain(r, intake, ctx)
  r.moved_before = r.moved
  mark(r.index)
  local w = r.when
  if w ~= nil then
    running = r
    local held = invoke(w, intake, ctx)
    running = nil
    if not held then return false, nil end
  end
  local a = r.action
  if r.action_fn then
    running = r
    a = invoke(a, intake, ctx)
    running = nil
  end
  return true, a
end

-- A rule whose condition held, on both plain paths (points_stage_plain and
-- points_stage_native): its points, contributions and hit. Out of line:
-- few rules fire, so the call is cheap.
local function fired_rule(r, intake, ctx, known, what, keys, totals)
  local before = r.moved
  local t, k, note = r.action, r.static_keys or keys, nil
  if r.action_fn then
    t, k = invoke(t, intake, ctx), keys
    running = nil -- from here on, the prelude's own code runs (check_points names r)
    if t ~= nil and not check_points(r, t, known, what) then t = nil end
  elseif r.resolves then
    t, k, note = table_points(r, ctx)
  end
  running = nil
  if t ~= nil then add_points(r, t, k, totals, intake, ctx, note) end
  if hits then
    local n = hits_n
    hits[n + 1], hits[n + 2] = r.index, r.moved - before
    hits_n = n + 2
  end
end

-- The same as points_stage below when nothing is traced, probed or timed
-- (a normal run): one call per rule that fires instead of four calls per
-- rule, which were a fifth of the instructions of an evaluation.
local function points_stage_plain(rules_of_stage, intake, ctx, known, what, keys, totals)
  contrib_kind = what
  for i = 1, #rules_of_stage do -- the prelude's list of the stage's rules
    local r = rules_of_stage[i]
    running = r
    mark(r.index)
    local w = r.when
    if w == nil or invoke(w, intake, ctx) then fired_rule(r, intake, ctx, known, what, keys, totals) end
    running = nil
  end
end

local function plan_of(rules_of_stage)
  local p = plans[rules_of_stage]
  if p == nil then
    p = { plan = native_plan(rules_of_stage), rules = rules_of_stage }
    plans[rules_of_stage] = p
  end
  return p
end

-- points_stage_plain on the native path: host.native_run marks and
-- evaluates the declarative conditions in C, rule after rule, until one
-- fires or only Lua can say; that rule runs here, and C carries on after it
local function points_stage_native(rules_of_stage, intake, ctx, known, what, keys, totals)
  contrib_kind = what
  local p = plan_of(rules_of_stage)
  local plan, n, i = p.plan, #rules_of_stage, 1
  native_stage = p
  while true do
    local fired, raised
    i, fired, raised = native_run(plan, i, intake, ctx, facts)
    if i > n then break end
    local r = rules_of_stage[i]
    running = r
    if fired == nil then
      -- only Lua can say (the condition would raise, or a fact raised in C:
      -- computed again here, it raises with the Lua path's message)
      if raised then M.forms.clear_computing() end
      mark(r.index)
      local w = r.when
      fired = w == nil or invoke(w, intake, ctx)
    end
    if fired then fired_rule(r, intake, ctx, known, what, keys, totals) end
    running = nil
    i = i + 1
  end
  native_stage = nil
end

-- Runs the rules of a points stage (needs or fit): each adds points per key
-- (known: the keys a rule may name, what: "area" or "option"; keys: every
-- key in policy order) to totals, and records each contribution. While
-- tracing, missed(r, intake, ctx, entry) is told of each rule that did not fire.
function R.points_stage(rules_of_stage, intake, ctx, known, what, keys, totals, missed)
  if not (trace or probe or clock) then
    if native_run then return points_stage_native(rules_of_stage, intake, ctx, known, what, keys, totals) end
    return points_stage_plain(rules_of_stage, intake, ctx, known, what, keys, totals)
  end
  contrib_kind = what
  for _, r in ipairs(rules_of_stage) do
    local t0, ent = begin_rule(r)
    local fired = fires(r, intake, ctx)
    if fired then
      local t, k, note
      if r.resolves then
        t, k, note = table_points(r, ctx)
      else
        t = action_value(r, intake, ctx)
        k = type(r.action) == "function" and keys or r.static_keys or keys
      end
      if t ~= nil and (type(r.action) ~= "function" or check_points(r, t, known, what)) then
        add_points(r, t, k, totals, intake, ctx, note)
      end
    end
    end_rule(r, fired, t0)
    if not fired and ent and missed then
      running = r -- missed runs the rule's action again
      missed(r, intake, ctx, ent)
      running = nil
    end
  end
end
