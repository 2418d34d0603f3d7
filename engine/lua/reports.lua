-- prelude/reports.lua: the reports an evaluation produces and their rows.
-- Owns the reports' names and columns (P.reports, published at P.init),
-- the run's entry point P.evaluate (evaluate, hand each row to the host
-- through host.emit, return the hits) and the per-rule counters of
-- rule_hits.csv (P.rule_stats). Knows report columns, no domain id.

local P, M = ...
local pol, R = M.policy, M.runner
local lifecycle_note = M.lifecycles.note
local evaluate = M.evaluate
local rules = M.dsl.rules
local area_ids, area_name = pol.area_ids, pol.area_name
local level_labels, area_level_text = pol.level_labels, pol.area_level_text
local collect_hits, take_hits = R.collect_hits, R.take_hits
local shortlisted_ids = M.stages.shortlisted_ids
local catalogue_step = M.stages.catalogue_step

local reports = {}
M.reports = reports

-- the kinds of contributions.csv: what a rule did to an area or option
local CONTRIB_KIND = { area = "need", option = "fit", exclusion = "exclusion", step = "step" }
reports.CONTRIB_KIND = CONTRIB_KIND

-- What the host writes itself from the evaluation's contributions
-- (host.explain; pf_why.h in the host): an `explains` column gets the key
-- (an option's or area's id) and the host joins that key's contributions of
-- the kind into "rule +5: reason; rule -3: reason" (`none` when it has
-- none); the `contributions` report gets one row per contribution, with
-- the kind's text from the table: intake_id, kind, target_id, rule_id,
-- points, reason.
function reports.describe()
  local label_column = pol.label_column
  P.reports = {
    { name = "recommendations.csv",
      columns = { "intake_id", label_column, "rank", "option_id", "option_name", "score",
                  "shortlisted", "areas_covered", "why", "next_step", "lifecycle_note",
                  "shortlist_note", "source" },
      explains = { column = "why", kind = "option", none = "no rule scored this option" } },
    { name = "needs.csv",
      columns = { "intake_id", label_column, "area_id", "area_name", "need_level",
                  "need_label", "drivers", "source" },
      explains = { column = "drivers", kind = "area", none = "no rule raised this area" } },
    -- lean on purpose: the largest report per intake, and intakes.csv has
    -- each intake's label and source, the policy the names of areas and options
    { name = "contributions.csv",
      columns = { "intake_id", "kind", "target_id", "rule_id", "points", "reason" },
      contributions = CONTRIB_KIND },
    { name = "intakes.csv", columns = reports.intake_columns() },
  }
end

-- intakes.csv: one row per intake, its attributes (policy intake.attributes)
-- and its outcome, with one need column per area, to slice a batch by
function reports.intake_columns()
  local cols = { "intake_id", pol.label_column }
  for _, a in ipairs(pol.attributes) do cols[#cols + 1] = a.column end
  for _, c in ipairs({ pol.as_of_column, "top_option", "top_score", "lead_over_next", "tied_at_top",
                       "shortlist", "shortlist_size" }) do
    cols[#cols + 1] = c
  end
  for _, a in ipairs(area_ids) do cols[#cols + 1] = "need_" .. a end
  cols[#cols + 1] = "source"
  return cols
end

-- intake_names(intake) -> its id and its label, as text
function reports.intake_names(intake)
  return tostring(pol.read_id(intake) or ""), tostring(pol.read_label(intake) or "")
end
local intake_names = reports.intake_names

-- an attribute's cell: a scalar as it is; a list of scalars (a multi-choice
-- answer) joined with "; "; anything else, which a cell cannot hold, empty
function reports.attribute_text(v)
  if type(v) ~= "table" then return v end
  local items = {}
  for i, x in ipairs(v) do
    if type(x) == "table" then return nil end
    items[i] = tostring(x)
  end
  return table.concat(items, "; ")
end
local attribute_text = reports.attribute_text

-- the one row of intakes.csv: emit(4, ...) with a variable number of cells
local intake_cells = {}
local function emit_intake_row(e, intake, id, label, source)
  local cells, n = intake_cells, 2
  cells[1], cells[2] = id, label
  local attributes = pol.attributes
  for i = 1, #attributes do
    n = n + 1
    cells[n] = attribute_text(attributes[i].read(intake))
  end
  local short, top = shortlisted_ids(e), e.top
  -- the lead is over the option ranked just below the top one (an option
  -- ranked above it, excluded or unavailable, is not what it beat)
  local score, second = e.score, top and e.order[e.rank[top] + 1]
  local lead = second and score[top] - score[second.id] or nil
  local tied = second and score[second.id] == score[top]
  cells[n + 1], cells[n + 2], cells[n + 3] = e.as_of, top, top and score[top] or nil
  cells[n + 4], cells[n + 5] = lead, top and (tied and "yes" or "no") or nil
  cells[n + 6], cells[n + 7] = table.concat(short, "; "), #short
  n = n + 7
  local need = e.need
  for i = 1, #area_ids do
    n = n + 1
    cells[n] = need[area_ids[i]]
  end
  n = n + 1
  cells[n] = source
  M.host.emit(4, table.unpack(cells, 1, n))
end

-- Hands each row to the host as it is made (host.emit(report, cells...)):
-- no table per row. Report 1 is recommendations, 2 needs (P.reports). The
-- contributions go to the host first (host.explain), which writes
-- contributions.csv from them and joins the why and drivers cells, given
-- the option's or area's id in their place.
local covered, next_step = {}, {} -- scratch lists of a row's cells, refilled for each row (1..n)
local function emit_rows(e, intake, source)
  local emit = M.host.emit
  local id, label = intake_names(intake)
  M.host.explain(e.contrib, id)
  local order, need, shortlisted, steps, score, notes = e.order, e.need, e.shortlisted, e.steps, e.score,
    e.shortlist_note
  for rank = 1, #order do -- lists the prelude made: no holes
    local o = order[rank]
    local oid, areas = o.id, o.areas
    local nc = 0
    for j = 1, #areas do
      local a = areas[j]
      nc = nc + 1
      covered[nc] = area_level_text[a][need[a]] or (a .. " (" .. need[a] .. ")")
    end
    local ns = 0
    local own_step = catalogue_step(e, o)
    if own_step then
      ns = 1
      next_step[1] = own_step
    end
    local own = steps[oid]
    for j = 1, #own do
      ns = ns + 1
      next_step[ns] = own[j]
    end
    emit(1, id, label, rank, oid, o.name, score[oid],
         shortlisted[oid] and "yes" or "no", table.concat(covered, "; ", 1, nc), oid,
         table.concat(next_step, " ", 1, ns), lifecycle_note(o, e.as_of),
         notes[oid], source)
  end
  for i = 1, #area_ids do
    local a = area_ids[i]
    emit(2, id, label, a, area_name[a], need[a], level_labels[need[a]], a, source)
  end
  emit_intake_row(e, intake, id, label, source)
end

-- evaluate(intake, source) writes the rows of each report through
-- host.emit and returns the list of {rule index, points moved} pairs of
-- the rules that fired, from which the host builds rule_hits.csv in input
-- order (so sums never depend on which thread or shard evaluated what).
function P.evaluate(intake, source)
  collect_hits()
  local e = evaluate(intake, true)
  R.enter("writing the reports")
  emit_rows(e, intake, source)
  M.release(e) -- its rows are written: the next intake takes its tables
  return take_hits()
end

-- Each rule's identity and time for rule_hits.csv, in load order: one row
-- per rule. How often it fired and what it moved are not counted here: the
-- host adds them up from each intake's hits, in input order.
function P.rule_stats()
  local out = {}
  for i, r in ipairs(rules) do
    out[i] = { r.id, r.stage, r.at, r.secs }
  end
  return out
end
