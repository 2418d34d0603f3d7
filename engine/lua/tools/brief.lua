-- prelude/tools/brief.lua: the brief of one organisation, a self-contained
-- HTML page (`partnerfit brief FILE`, `run --briefs`): the need per area
-- and the ranking as charts with tables beside them, the reasons and next
-- steps of each shortlisted option, contracting against the deadlines,
-- the lifecycle notes and the answers the result rests on. Texts, colours
-- and the timeline's questions come from the policy's brief section; the
-- evaluation is the traced one of explain, so the page and the reports
-- agree. Knows no option, area or question id.

local P, M = ...
local pol, HT = M.policy, M.html
local esc, bdi, num, bars, tbl = HT.esc, HT.bdi, HT.num, HT.bars, HT.table
local days_between = M.helpers.days_between
local traced_evaluation = M.trace.evaluation
local intake_names = M.reports.intake_names
local lifecycle_status, lifecycle_note = M.lifecycles.status, M.lifecycles.note
local area_ids, area_name, level_labels = pol.area_ids, pol.area_name, pol.level_labels
local option_by_id, option_name = pol.option_by_id, pol.option_name

local brief = {}
M.brief = brief

-- "1 point", "-5 points", "2.5 points"
local function points_text(p)
  return num(p) .. (p == 1 and " point" or " points")
end

local function section(out, key, extra_class)
  local s = pol.brief.sections[key]
  out[#out + 1] = "<section id=\"" .. key .. "\"" .. (extra_class and " class=\"" .. extra_class .. "\"" or "") ..
    ">\n<h2>" .. esc(s.title) .. "</h2>\n"
  if s.intro then out[#out + 1] = "<p>" .. esc(s.intro) .. "</p>\n" end
end

-- the contributions of the evaluation, by kind and then by target
local function contributions(e)
  local by = { need = {}, fit = {}, exclusion = {}, step = {} }
  local KIND = M.reports.CONTRIB_KIND
  local c = e.contrib
  for i = 1, #c, 5 do
    local kind, key = KIND[c[i]], c[i + 1]
    local list = by[kind][key] or {}
    list[#list + 1] = { rule = c[i + 2], points = c[i + 3] or nil, text = c[i + 4] }
    by[kind][key] = list
  end
  return by
end

local function cover(out, e, intake, id, label)
  local b = pol.brief
  out[#out + 1] = "<header>\n<p class=\"kicker\">" .. esc(b.title) .. "</p>\n<h1>" ..
    bdi(label ~= "" and label or id) .. "</h1>\n"
  if b.subtitle then out[#out + 1] = "<p class=\"lead\">" .. esc(b.subtitle) .. "</p>\n" end
  out[#out + 1] = "<dl class=\"facts\">"
  local function fact(k, v)
    if v ~= nil and v ~= "" then out[#out + 1] = "<dt>" .. esc(k) .. "</dt><dd>" .. bdi(v) .. "</dd>" end
  end
  fact("Intake", id)
  fact("Assessed on", e.as_of)
  for _, a in ipairs(pol.attributes) do
    local v = a.read(intake)
    if type(v) == "boolean" then v = v and "yes" or "no" end
    fact(a.column:gsub("_", " "):gsub("^%l", string.upper), v)
  end
  fact("Prepared by", b.prepared_by)
  out[#out + 1] = "</dl>\n</header>\n"
end

local shortlist_ids = M.stages.shortlisted_ids

local function summary(out, e)
  section(out, "summary")
  local ids = shortlist_ids(e)
  if #ids == 0 then
    out[#out + 1] = "<p class=\"note\">No option reached the shortlist for this intake: no option scored the " ..
      "minimum of " .. num(pol.min_score) .. " points while available and not excluded.</p>\n"
  else
    local top = e.top
    out[#out + 1] = "<p class=\"lead\"><strong>" .. esc(option_name(top)) .. "</strong> ranks first with " ..
      num(e.score[top]) .. " points.</p>\n"
    out[#out + 1] = "<p class=\"note\">" .. esc(e.shortlist_note[top]) .. "</p>\n"
    local names = {}
    for i, id in ipairs(ids) do names[i] = "<li>" .. esc(option_name(id)) .. " (" .. num(e.score[id]) .. ")</li>" end
    out[#out + 1] = "<p>The shortlist, in order:</p><ol>" .. table.concat(names) .. "</ol>\n"
  end
  out[#out + 1] = "</section>\n"
end

local function needs(out, e, by)
  section(out, "needs", "page")
  local c = pol.brief.colours
  local spec = { id = "needs-chart", title = "Need level per area (0 to " .. pol.max_level .. ")",
                 desc = {}, max = pol.max_level, bars = {} }
  local rows = {}
  for _, a in ipairs(area_ids) do
    local level = e.need[a]
    spec.bars[#spec.bars + 1] = { label = area_name[a], value = level, colour = c.need,
                                  text = level .. " " .. level_labels[level] }
    spec.desc[#spec.desc + 1] = area_name[a] .. " " .. level .. " (" .. level_labels[level] .. ")"
    local drivers = {}
    for _, d in ipairs(by.need[a] or {}) do
      drivers[#drivers + 1] = "<li>" .. points_text(d.points) .. ": " .. bdi(d.text) .. "</li>"
    end
    rows[#rows + 1] = { esc(area_name[a]), level .. " (" .. esc(level_labels[level]) .. ")",
                        #drivers > 0 and "<ul>" .. table.concat(drivers) .. "</ul>" or "No rule raised this area." }
  end
  spec.desc = "Need levels: " .. table.concat(spec.desc, "; ") .. "."
  out[#out + 1] = "<figure>" .. bars(spec) .. "<figcaption>" .. esc(spec.desc) .. "</figcaption></figure>\n"
  out[#out + 1] = tbl("Need level per area and what drove it", { "Area", "Level", "What drove it" }, rows)
  out[#out + 1] = "</section>\n"
end

local function options(out, e)
  section(out, "options")
  local c = pol.brief.colours
  -- the cut goes under the last shortlisted option, wherever it ranks
  local max, cut = pol.min_score, 0
  for rank, o in ipairs(e.order) do
    if e.score[o.id] > max then max = e.score[o.id] end
    if e.shortlisted[o.id] then cut = rank end
  end
  local spec = { id = "options-chart", title = "Score per option, in rank order", max = max * 1.05, bars = {},
                 marks = { { value = pol.min_score, label = "minimum " .. num(pol.min_score), colour = c.cut } },
                 cut_after = cut, cut_label = "shortlist cut", cut_colour = c.cut }
  local desc, rows = {}, {}
  for rank, o in ipairs(e.order) do
    local s, listed = e.score[o.id], e.shortlisted[o.id]
    local colour = listed and c.shortlisted or (e.excluded[o.id] and c.excluded or c.other)
    local prev, nxt = e.order[rank - 1], e.order[rank + 1]
    local tied = (prev and e.score[prev.id] == s) or (nxt and e.score[nxt.id] == s)
    spec.bars[#spec.bars + 1] = { label = o.name, value = s, colour = colour, outline = e.excluded[o.id] ~= nil,
                                  text = num(s) .. (listed and " shortlisted" or "") .. (tied and " (tied)" or "") }
    desc[#desc + 1] = rank .. ". " .. o.name .. " " .. num(s) .. (listed and " (shortlisted)" or "")
    rows[#rows + 1] = { tostring(rank), esc(o.name), num(s), listed and "yes" or "no", bdi(e.shortlist_note[o.id]) }
  end
  spec.desc = "Ranking: " .. table.concat(desc, "; ") .. "."
  out[#out + 1] = "<figure>" .. bars(spec) .. "<figcaption>" .. esc(spec.desc) .. "</figcaption></figure>\n"
  out[#out + 1] = tbl("Every option: score, place and margin", { "Rank", "Option", "Score", "Shortlisted", "Note" },
    rows, { true, false, true })
  out[#out + 1] = "</section>\n"
end

local function option_detail(out, e, by, rank, id)
  local o = option_by_id[id]
  out[#out + 1] = "<article>\n<h3>" .. rank .. ". " .. esc(o.name) .. " <span class=\"badge\">" ..
    num(e.score[id]) .. " points</span></h3>\n"
  local rows = {}
  for _, r in ipairs(by.fit[id] or {}) do
    rows[#rows + 1] = { esc(num(r.points)), bdi(r.text), "<code>" .. esc(r.rule) .. "</code>" }
  end
  if #rows > 0 then
    out[#out + 1] = tbl("Why " .. o.name .. " scores " .. num(e.score[id]), { "Points", "Reason", "Rule" }, rows,
      { true })
  end
  local steps = {}
  local own = M.stages.catalogue_step(e, o)
  if own then steps[1] = "<li>" .. esc(own) .. "</li>" end
  for _, s in ipairs(by.step[id] or {}) do
    steps[#steps + 1] = "<li>" .. bdi(s.text) .. " <small>(" .. esc(s.rule) .. ")</small></li>"
  end
  if #steps > 0 then out[#out + 1] = "<p><strong>Next steps, in order:</strong></p><ol>" .. table.concat(steps) ..
    "</ol>\n" end
  local note = lifecycle_note(o, e.as_of)
  if note ~= "" then out[#out + 1] = "<p class=\"note\">Lifecycle: " .. esc(note) .. "</p>\n" end
  out[#out + 1] = "</article>\n"
end

local function shortlist(out, e, by)
  local ids = shortlist_ids(e)
  if #ids == 0 then return end
  section(out, "shortlist", "page")
  for rank, id in ipairs(ids) do option_detail(out, e, by, rank, id) end
  out[#out + 1] = "</section>\n"
end

-- contract lead time against each deadline of the policy's timeline, in
-- days from the assessment date; only when both are known
local function timeline(out, e, intake)
  local b = pol.brief
  local lead = b.read_lead_time(intake)
  if type(lead) ~= "number" or not e.as_of then return end
  local marks, lines, said, max = {}, {}, { b.lead_time_label .. ": " .. lead .. " days" }, lead
  for _, d in ipairs(b.deadlines) do
    local date = d.read(intake)
    if type(date) == "string" then
      local ok, days = pcall(days_between, e.as_of, date)
      if ok and days then
        marks[#marks + 1] = { value = days, label = d.label .. " (" .. days .. " days)", colour = b.colours.cut }
        said[#said + 1] = d.label .. ": " .. days .. " days"
        local gap = days - lead
        lines[#lines + 1] = "<li>" .. esc(d.label) .. " on " .. esc(date) .. ", " .. days .. " days after the " ..
          "assessment: " .. (gap >= 0 and (gap .. " days to spare after the lead time.") or
            ("<strong>" .. -gap .. " days short</strong>: contracting alone would run past it.")) .. "</li>"
        if days > max then max = days end
      end
    end
  end
  if #marks == 0 then return end
  section(out, "timeline")
  local spec = { id = "timeline-chart", title = b.lead_time_label .. " against the deadlines, in days",
                 desc = table.concat(said, "; ") .. ".", max = max * 1.1,
                 bars = { { label = b.lead_time_label, value = lead, colour = b.colours.accent,
                            text = lead .. " days" } },
                 marks = marks }
  out[#out + 1] = "<figure>" .. bars(spec) .. "<figcaption>" .. esc(spec.desc) .. "</figcaption></figure>\n"
  out[#out + 1] = "<ul>" .. table.concat(lines) .. "</ul>\n</section>\n"
end

local function lifecycles(out, e)
  local rows = {}
  for _, o in ipairs(e.order) do
    local note = lifecycle_note(o, e.as_of)
    if note ~= "" then
      local status = lifecycle_status(o, e.as_of)
      rows[#rows + 1] = { esc(o.name), esc(status == "unavailable" and "not yet available" or status), esc(note) }
    end
  end
  if #rows == 0 then return end
  section(out, "lifecycle")
  out[#out + 1] = tbl(nil, { "Option", "Status on " .. tostring(e.as_of or "the date"), "Note" }, rows)
  out[#out + 1] = "</section>\n"
end

-- the answers read by the rules that fired, in the order first read
local function answers(out, e)
  local seen, rows = {}, {}
  for _, ent in ipairs(e.trace.entries) do
    if ent.fired then
      for _, read in ipairs(ent.reads) do
        local path, value = read:match("^([^=]+)=(.*)$")
        -- a read past the end of a list (nil) is how a rule found the end, not an answer
        if path and not path:match("^f%.") and value ~= "nil" and not seen[path] then
          seen[path] = true
          rows[#rows + 1] = { "<code>" .. esc(path) .. "</code>", bdi((value:gsub('^"(.*)"$', "%1"))) }
        end
      end
    end
  end
  if #rows == 0 then return end
  section(out, "answers", "page")
  out[#out + 1] = tbl(nil, { "Question", "Answer" }, rows)
  out[#out + 1] = "</section>\n"
end

-- brief.html(intake, source) -> the page, and the intake's id
function brief.html(intake, source)
  local e = traced_evaluation(intake)
  local id, label = intake_names(intake)
  local by = contributions(e)
  local out = {}
  cover(out, e, intake, id, label)
  summary(out, e)
  needs(out, e, by)
  options(out, e)
  shortlist(out, e, by)
  timeline(out, e, intake)
  lifecycles(out, e)
  answers(out, e)
  out[#out + 1] = "<footer><p>Made by partnerfit from " .. bdi(source) .. " with policy " ..
    esc(pol.version or "") .. ". The same questionnaire, rules and policy always give this page.</p></footer>\n"
  return HT.page(pol.brief.title .. ": " .. (label ~= "" and label or id), pol.brief.colours, out), id, label
end

-- P.brief_name(intake) -> true, { id, label, file }: what the page would
-- be called, with no evaluation (for a filter on ids)
function P.brief_name(intake)
  local id, label = intake_names(intake)
  return true, { id = id, label = label, file = HT.file_name(id) }
end

-- P.brief(intake, source) -> true, { id = the intake's id, file = its
-- brief's file name, html = the page } (read by the host)
function P.brief(intake, source)
  local html, id, label = brief.html(intake, source)
  return true, { id = id, label = label, file = HT.file_name(id), html = html }
end
