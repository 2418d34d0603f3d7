-- prelude/lifecycles.lua: an option's lifecycle on a date, from the
-- catalogue's entries (checked in policy.lua): its status (active, legacy,
-- retired, or unavailable before its first entry), the option that carries
-- it then (itself or a successor), and the note a report row gives. Owns a
-- memo of what it answered per date (every answer depends on the option,
-- the date and the catalogue alone). Knows no option id.

local _, M = ...
local pol = M.policy
local option_by_id = pol.option_by_id
local days_between = M.helpers.days_between

local lifecycles = {}
M.lifecycles = lifecycles

local function lifecycle_at(o, as_of)
  if #o.lifecycle == 0 then return "active", nil end
  local status, entry = "unavailable", nil
  local entries = o.lifecycle
  for i = 1, #entries do
    local e = entries[i]
    if as_of == nil or e.from <= as_of then status, entry = e.status, e end
  end
  return status, entry
end

-- The same option's status, carrier and note on the same date are asked
-- for many times per intake (every ctx.lifecycle and ctx.carrier, each
-- table of points, each report row). Statuses and carriers are the same on
-- every date between two changes of the catalogue (an epoch, below: a
-- handful), so they are kept per epoch; a note names the date, so notes are
-- kept per date, for at most NOTE_DATES dates (then forgotten all at once:
-- a bound, whatever the dates; a corpus has a few hundred to a few
-- thousand). Nothing of an intake is in either: only the date, the option
-- and the catalogue decide an answer, so an intake evaluated after others
-- gets the answers it would get alone.
local NOTE_DATES = 4096
local NO_DATE = {}  -- the key of as_of nil in the notes (status then takes every entry)
local by_epoch = {} -- [epoch] -> status, entry (false: none), carrier, points carrier, conditions carrier
local notes_by_date, note_dates = {}, 0
local last_date, last_memo = NO_DATE, nil   -- the date memo() was asked for last, and its epoch's memo
local last_note_date, last_notes = NO_DATE, nil

-- memo(as_of) -> what is kept for the date's epoch, by option id
local function memo(as_of)
  if as_of == last_date and last_memo then return last_memo end
  local epoch = lifecycles.epoch(as_of)
  local m = by_epoch[epoch]
  if m == nil then
    m = { status = {}, entry = {}, carrier = {}, points = {}, points_by = {}, conditions = {} }
    by_epoch[epoch] = m
  end
  last_date, last_memo = as_of, m
  return m
end

-- notes_of(as_of) -> the notes kept for the date, by option id
local function notes_of(as_of)
  if as_of == last_note_date and last_notes then return last_notes end
  local key = as_of
  if key == nil then key = NO_DATE end
  local n = notes_by_date[key]
  if n == nil then
    if note_dates >= NOTE_DATES then notes_by_date, note_dates = {}, 0 end
    n = {}
    notes_by_date[key], note_dates = n, note_dates + 1
  end
  last_note_date, last_notes = as_of, n
  return n
end
lifecycles.note_dates = NOTE_DATES

-- status(o, as_of) -> status, entry (the lifecycle entry in force, or nil)
local function status(o, as_of)
  local m = memo(as_of)
  local s = m.status[o.id]
  if s == nil then
    local entry
    s, entry = lifecycle_at(o, as_of)
    m.status[o.id], m.entry[o.id] = s, entry or false
  end
  return s, m.entry[o.id] or nil
end
lifecycles.status = status

-- The option that carries id on a date: itself while active, or while
-- legacy with no successor available yet; else the successor it points
-- to, followed as far as needed; nil when nothing carries it then. The
-- second result is true when a successor carries it; the third, when a
-- lifecycle entry followed on the way rests on a secondary source.
local function resolve(id, as_of)
  local seen, via_successor, secondary = {}, false, false
  while id ~= nil and not seen[id] do
    seen[id] = true
    local o = option_by_id[id]
    if o == nil then return nil end
    local s, entry = status(o, as_of)
    if s == "active" then return id, via_successor, secondary end
    if s == "unavailable" then return nil end
    local nxt = entry and entry.successor
    local nxt_status = nxt and option_by_id[nxt] and status(option_by_id[nxt], as_of)
    if nxt == nil or nxt_status == nil or nxt_status == "unavailable" then
      if s == "legacy" then return id, via_successor, secondary end
      return nil
    end
    id, via_successor, secondary = nxt, true, secondary or entry.source == "secondary"
  end
  return nil
end

-- (in a memo's tables, false stands for nil: an answer that is nothing)
function lifecycles.carrier(id, as_of)
  local kept = memo(as_of).carrier
  local c = kept[id]
  if c == nil then
    c = resolve(id, as_of) or false
    kept[id] = c
  end
  return c or nil
end

-- lifecycles.carrier_source(id, as_of) -> the option carrying id (as
-- lifecycles.carrier) and whether a secondary source says so; not kept,
-- for the rare reason that names the carrier (ctx.successor_note)
function lifecycles.carrier_source(id, as_of)
  local c, _, secondary = resolve(id, as_of)
  return c, secondary
end

-- points_carrier(id, as_of) -> the option that gets the points a table
-- names for id, and whether it is a successor (a report notes that):
-- false, true, or "secondary" when a secondary source says so.
-- Before the option starts, its predecessor's carrier (policy
-- `predecessor:`), if it names one; otherwise, when nothing carries it, the
-- points stay on the option named, which is not shortlisted on that date.
local function points_carrier(id, as_of)
  local o = option_by_id[id]
  if status(o, as_of) == "unavailable" and o.predecessor ~= nil then
    return (resolve(o.predecessor, as_of)), false
  end
  local c, by_successor, secondary = resolve(id, as_of)
  if c == nil then return id, false end
  return c, by_successor and secondary and "secondary" or by_successor
end

function lifecycles.points_carrier(id, as_of)
  local m = memo(as_of)
  local c = m.points[id]
  if c == nil then
    c, m.points_by[id] = points_carrier(id, as_of)
    m.points[id] = c or false
  end
  return c or nil, m.points_by[id]
end

-- conditions_carrier(id, as_of) -> the option an entry condition written
-- for id applies to on a date (a shortlist rule's exclude list): the
-- option carrying id, when every successor on the way inherits its
-- predecessor's conditions (a lifecycle entry may say
-- inherits_conditions: false); nil when one does not; id itself when
-- nothing carries it.
local function conditions_carrier(id, as_of)
  local seen = {}
  while not seen[id] do
    seen[id] = true
    local o = option_by_id[id]
    if o == nil then return nil end
    local s, entry = status(o, as_of)
    local nxt = entry and entry.successor
    if s == "active" or s == "unavailable" or nxt == nil then return id end
    local nxt_status = option_by_id[nxt] and status(option_by_id[nxt], as_of)
    if nxt_status == nil or nxt_status == "unavailable" then return id end
    if not entry.inherits_conditions then return nil end
    id = nxt
  end
  return id
end

function lifecycles.conditions_carrier(id, as_of)
  local kept = memo(as_of).conditions
  local c = kept[id]
  if c == nil then
    c = conditions_carrier(id, as_of) or false
    kept[id] = c
  end
  return c or nil
end

-- The catalogue's change dates, sorted: every status, carrier and note is
-- the same on two dates between the same two changes, so what depends on
-- lifecycles alone can be kept per epoch instead of per date.
local change_dates

-- change_dates() -> the sorted dates on which some option's status changes
-- (a new list, for check's probes too)
function lifecycles.change_dates()
  if change_dates == nil then
    local seen = {}
    change_dates = {}
    for _, o in pairs(option_by_id) do
      for _, e in ipairs(o.lifecycle) do
        if not seen[e.from] then
          seen[e.from] = true
          change_dates[#change_dates + 1] = e.from
        end
      end
    end
    table.sort(change_dates)
  end
  return { table.unpack(change_dates) }
end

-- epoch(as_of) -> 0 before the first change, k on or after the k-th
-- (as_of nil: the last, as status() takes every entry then)
function lifecycles.epoch(as_of)
  if change_dates == nil then lifecycles.change_dates() end
  if as_of == nil then return #change_dates end
  local lo, hi = 0, #change_dates -- the number of change dates <= as_of, by bisection
  while lo < hi do
    local mid = (lo + hi + 1) // 2
    if change_dates[mid] <= as_of then lo = mid else hi = mid - 1 end
  end
  return lo
end

-- how a lifecycle entry's source qualifies its claim in a report
local SOURCE_TEXT = { secondary = " (secondary source)", approximate = " (date approximate)" }

-- what a report says of a successor on a date: from when it starts, or
-- that it is itself succeeded and which option carries the offer now
local function successor_text(id, as_of)
  local succ = option_by_id[id]
  local text = "successor: " .. (succ and succ.name or id) .. " (" .. id .. ")"
  if succ == nil then return text end
  local s, entry = status(succ, as_of)
  if s == "unavailable" then
    -- not "none is available": other programmes may carry part of the offer
    return text .. ", from " .. succ.lifecycle[1].from .. "; it has not started on " .. (as_of or "this date")
  elseif s ~= "active" then
    local now = resolve(id, as_of)
    text = text .. ", itself " .. s .. " since " .. entry.from
    if now ~= nil and now ~= id then
      text = text .. "; on " .. (as_of or "this date") .. " " .. option_by_id[now].name .. " (" .. now ..
        ") carries the offer"
    end
  end
  return text
end

-- the option's next lifecycle entry when it starts at most within days
-- after as_of (nil when none does), and how many days away it is
local function entry_within(o, as_of, within)
  if as_of == nil then return nil end
  local entries = o.lifecycle
  for i = 1, #entries do
    local e = entries[i]
    if e.from > as_of then
      local days = days_between(as_of, e.from)
      if days > within then return nil end
      return e, days
    end
  end
  return nil
end

-- the option's next lifecycle change when it is at most
-- lifecycle_notice_days away: its entry, and what a note says of it after
-- its status and date (how far, the source, the entry's note and the
-- successor as it stands on that date); nil when none is that near
local function coming_change(o, as_of)
  local e, days = entry_within(o, as_of, pol.notice_days)
  if e == nil then return nil end
  local source = SOURCE_TEXT[e.source]
  local text = "(" .. days .. (days == 1 and " day" or " days") .. " after the assessment"
    .. (source and ("; " .. source:sub(3, -2)) or "") .. ")"
  if e.note then text = text .. ": " .. tostring(e.note):gsub("%.$", "") end
  if e.successor then text = text .. "; " .. successor_text(e.successor, e.from) end
  return e, text
end

-- lifecycles.coming(o, as_of, within) -> the lifecycle entry that starts
-- within lifecycle_notice_days after as_of, or within `within` days when
-- that is longer (a contract's lead time), or nil
function lifecycles.coming(o, as_of, within)
  local days = pol.notice_days
  if within ~= nil and within > days then days = within end
  return (entry_within(o, as_of, days))
end

-- the lifecycle_note cell of a report row: "" while active and no change
-- is near; the entry's source qualifies it (secondary, approximate), the
-- successor is named as it stands on the date, and a change within the
-- notice is told after it
local function note_text(o, as_of)
  local s, e = status(o, as_of)
  local next_entry, coming = coming_change(o, as_of)
  if s == "active" then
    if next_entry == nil then return "" end
    return "active until " .. next_entry.from .. ", then " .. next_entry.status .. " " .. coming
  end
  if s == "unavailable" then
    return "not yet available on " .. (as_of or "the assessment date") .. " (from " .. o.lifecycle[1].from .. ")"
  end
  local note = s .. " since " .. e.from .. (SOURCE_TEXT[e.source] or "")
  if e.note then
    local text = tostring(e.note)
    if e.successor then text = text:gsub("%.$", "") end -- the successor follows after "; "
    note = note .. ": " .. text
  end
  if e.successor then note = note .. "; " .. successor_text(e.successor, as_of) end
  if next_entry then note = note .. "; then " .. next_entry.status .. " from " .. next_entry.from .. " " .. coming end
  return note
end

function lifecycles.note(o, as_of)
  local notes = notes_of(as_of)
  local n = notes[o.id]
  if n == nil then
    n = note_text(o, as_of)
    notes[o.id] = n
  end
  return n
end
