-- prelude/tools/overview.lua: index.html, the overview of a run (every run
-- and merge writes it; engine/pf_overview.c). The host gives the manifest
-- so far (overview_begin), then the rows of the reports named here, one
-- call per row (overview_row), and asks for the page (overview). Only
-- counts are kept, plus a bounded number of examples and links, so the
-- page costs the same memory for a thousand intakes as for a million.
-- Knows the reports' columns by name, no option, area or question id.

local P, M = ...
local pol, HT = M.policy, M.html
local esc, bdi, num, tbl, bars = HT.esc, HT.bdi, HT.num, HT.table, HT.bars
local area_ids, area_name, level_labels = pol.area_ids, pol.area_name, pol.level_labels
local option_list = pol.option_list

local EXAMPLES_PER_KIND = 20 -- rejects listed per kind; the rest are counted
local READS = { "intakes.csv", "rejects.csv", "rule_hits.csv", "briefs.csv" }

local agg -- what the rows added up to, for the page of this run

local function new_aggregate()
  local a = { cols = {}, intakes = 0, need = {}, top = {}, shortlisted = {}, no_shortlist = 0,
              rejects = {}, reject_kinds = {}, reject_rows = 0, dead = {}, rules = 0,
              briefs = {}, brief_count = 0, first_date = nil, last_date = nil }
  for _, id in ipairs(area_ids) do
    a.need[id] = {}
    for level = 0, pol.max_level do a.need[id][level] = 0 end
  end
  for _, o in ipairs(option_list) do a.top[o.id], a.shortlisted[o.id] = 0, 0 end
  return a
end

-- P.overview_begin(nil, "", manifest) -> true, the reports to read, one a line
function P.overview_begin()
  agg = new_aggregate()
  return true, table.concat(READS, "\n") .. "\n"
end

local function cell(cols, row, name)
  local i = cols[name]
  return i and row[i] or nil
end

local function add_intake(a, cols, row)
  a.intakes = a.intakes + 1
  for _, id in ipairs(area_ids) do
    local level = math.tointeger(tonumber(cell(cols, row, "need_" .. id)))
    if level and a.need[id][level] then a.need[id][level] = a.need[id][level] + 1 end
  end
  local top = cell(cols, row, "top_option")
  if top and a.top[top] then a.top[top] = a.top[top] + 1 end
  local short = cell(cols, row, "shortlist") or ""
  if short == "" then a.no_shortlist = a.no_shortlist + 1 end
  for id in short:gmatch("[^;%s]+") do
    if a.shortlisted[id] then a.shortlisted[id] = a.shortlisted[id] + 1 end
  end
  local date = cell(cols, row, pol.as_of_column)
  if date and date:match("^%d%d%d%d%-%d%d%-%d%d$") then
    if not a.first_date or date < a.first_date then a.first_date = date end
    if not a.last_date or date > a.last_date then a.last_date = date end
  end
end

local function add_reject(a, cols, row)
  a.reject_rows = a.reject_rows + 1
  local kind = cell(cols, row, "kind") or "?"
  local k = a.rejects[kind]
  if not k then
    k = { count = 0, examples = {} }
    a.rejects[kind] = k
    a.reject_kinds[#a.reject_kinds + 1] = kind
  end
  k.count = k.count + 1
  if #k.examples < EXAMPLES_PER_KIND then
    local where = cell(cols, row, "file") or ""
    local line, column = cell(cols, row, "line") or "", cell(cols, row, "column") or ""
    if line ~= "" then where = where .. ":" .. line .. (column ~= "" and ":" .. column or "") end
    k.examples[#k.examples + 1] = { where, cell(cols, row, "field") or "", cell(cols, row, "reason") or "" }
  end
end

local function add_rule(a, cols, row)
  a.rules = a.rules + 1
  if cell(cols, row, "fired") == "0" then
    a.dead[#a.dead + 1] = { cell(cols, row, "rule_id") or "", cell(cols, row, "stage") or "",
                            cell(cols, row, "where") or "" }
  end
end

local function add_brief(a, cols, row)
  a.brief_count = a.brief_count + 1
  if #a.briefs < pol.brief.overview.brief_links then
    a.briefs[#a.briefs + 1] = { cell(cols, row, "intake_id") or "", cell(cols, row, "label") or "",
                                cell(cols, row, "file") or "" }
  end
end

local ADD = { ["intakes.csv"] = add_intake, ["rejects.csv"] = add_reject, ["rule_hits.csv"] = add_rule,
              ["briefs.csv"] = add_brief }

-- P.overview_row(report, cell, ...): the first row of each report is its header
function P.overview_row(report, ...)
  local a = agg
  if not a or not ADD[report] then return end
  local cols = a.cols[report]
  if not cols then
    cols = {}
    for i = 1, select("#", ...) do
      local name = (select(i, ...)):gsub("^\239\187\191", "") -- an Excel byte order mark
      cols[name] = i
    end
    a.cols[report] = cols
    return
  end
  ADD[report](a, cols, { ... })
end

-- ---- the page ----------------------------------------------------------------------

local function counts_section(out, m)
  local c = m.counts or {}
  out[#out + 1] = "<section id=\"counts\">\n<h2>What this run did</h2>\n"
  local rows = {
    { "Files read", num(c.files) }, { "Intakes", num(c.intakes) }, { "Evaluated", num(c.evaluated) },
    { "Rejected", num(c.rejected) }, { "Rule errors", num(c.rule_errors) },
    { "Rules that never fired", num(c.rules_never_fired) },
  }
  if agg.brief_count > 0 then rows[#rows + 1] = { "Briefs written", num(agg.brief_count) } end
  out[#out + 1] = tbl("Counts", { "Count", "Number" }, rows, { false, true })
  if agg.first_date then
    out[#out + 1] = "<p>Assessment dates from " .. esc(agg.first_date) .. " to " .. esc(agg.last_date) .. ".</p>\n"
  end
  out[#out + 1] = "</section>\n"
end

-- a tint of colour (#rrggbb) at share 0..1, light enough for dark text
local function tint(colour, share)
  local r, g, b = colour:match("^#(%x%x)(%x%x)(%x%x)$")
  if not r then return "#ffffff" end
  local alpha = 0.55 * share
  local function mix(x) return math.floor(255 * (1 - alpha) + tonumber(x, 16) * alpha + 0.5) end
  return string.format("#%02x%02x%02x", mix(r), mix(g), mix(b))
end

local function heat_map(out)
  out[#out + 1] = "<section id=\"needs\">\n<h2>Need level per area over all intakes</h2>\n" ..
    "<p>How many evaluated intakes reached each need level in each area; the darker the cell, the larger " ..
    "its share of the intakes.</p>\n"
  local heads, rows = { "Area" }, {}
  for level = 0, pol.max_level do heads[#heads + 1] = level .. " " .. level_labels[level] end
  local colour = pol.brief.colours.need
  if #colour == 4 then colour = colour:gsub("%x", "%0%0") end
  for _, id in ipairs(area_ids) do
    local row = { esc(area_name[id]) }
    for level = 0, pol.max_level do
      local n = agg.need[id][level]
      local share = agg.intakes > 0 and n / agg.intakes or 0
      row[#row + 1] = "<span style=\"display:block;background:" .. tint(colour, share) ..
        ";padding:.1rem .3rem\">" .. num(n) .. "</span>"
    end
    rows[#rows + 1] = row
  end
  local numeric = {}
  for i = 2, #heads do numeric[i] = true end
  out[#out + 1] = tbl("Intakes per area and need level", heads, rows, numeric)
  out[#out + 1] = "</section>\n"
end

local function options_section(out)
  out[#out + 1] = "<section id=\"options\">\n<h2>How often each option comes out</h2>\n"
  local c = pol.brief.colours
  local max, chart, rows = 1, {}, {}
  for _, o in ipairs(option_list) do
    if agg.shortlisted[o.id] > max then max = agg.shortlisted[o.id] end
  end
  local desc = {}
  for _, o in ipairs(option_list) do
    local s, t = agg.shortlisted[o.id], agg.top[o.id]
    chart[#chart + 1] = { label = o.name, value = s, colour = c.shortlisted,
                          text = s .. " shortlisted, " .. t .. " first" }
    desc[#desc + 1] = o.name .. ": shortlisted " .. s .. ", first " .. t
    rows[#rows + 1] = { esc(o.name), num(s), num(t) }
  end
  local spec = { id = "options-chart", title = "Intakes shortlisting each option", max = max * 1.1, bars = chart,
                 desc = table.concat(desc, "; ") .. "." }
  out[#out + 1] = "<figure>" .. bars(spec) .. "<figcaption>" .. esc(spec.desc) .. "</figcaption></figure>\n"
  out[#out + 1] = tbl("Shortlisted and ranked first, per option", { "Option", "Shortlisted", "Ranked first" },
    rows, { false, true, true })
  if agg.no_shortlist > 0 then
    out[#out + 1] = "<p class=\"note\">" .. num(agg.no_shortlist) .. " intake(s) have an empty shortlist.</p>\n"
  end
  out[#out + 1] = "</section>\n"
end

local function rejects_section(out)
  out[#out + 1] = "<section id=\"rejects\">\n<h2>Rejected intakes, by kind</h2>\n"
  if #agg.reject_kinds == 0 then
    out[#out + 1] = "<p>No intake was rejected and no rule failed.</p>\n</section>\n"
    return
  end
  table.sort(agg.reject_kinds)
  for _, kind in ipairs(agg.reject_kinds) do
    local k = agg.rejects[kind]
    local rows = {}
    for _, ex in ipairs(k.examples) do rows[#rows + 1] = { bdi(ex[1]), esc(ex[2]), bdi(ex[3]) } end
    local shown = #k.examples < k.count and (" (the first " .. #k.examples .. " shown)") or ""
    out[#out + 1] = "<h3><code>" .. esc(kind) .. "</code>: " .. num(k.count) .. " row(s)" .. esc(shown) .. "</h3>\n"
    out[#out + 1] = tbl(nil, { "Where", "Field", "Reason" }, rows)
  end
  out[#out + 1] = "<p>Every row is in <a href=\"rejects.csv\">rejects.csv</a>.</p>\n</section>\n"
end

local function rules_section(out)
  out[#out + 1] = "<section id=\"rules\">\n<h2>Rules that never fired</h2>\n"
  if #agg.dead == 0 then
    out[#out + 1] = "<p>Every one of the " .. num(agg.rules) .. " rules fired on at least one intake.</p>\n"
  else
    local rows = {}
    for _, d in ipairs(agg.dead) do rows[#rows + 1] = { "<code>" .. esc(d[1]) .. "</code>", esc(d[2]), esc(d[3]) } end
    out[#out + 1] = "<p>" .. num(#agg.dead) .. " of " .. num(agg.rules) .. " rules fired on no intake of this " ..
      "run: a rule that never fires may be right for this batch, or may never be able to fire.</p>\n"
    out[#out + 1] = tbl(nil, { "Rule", "Stage", "Where" }, rows)
  end
  out[#out + 1] = "</section>\n"
end

local function briefs_section(out)
  out[#out + 1] = "<section id=\"briefs\">\n<h2>Briefs</h2>\n"
  if agg.brief_count == 0 then
    out[#out + 1] = "<p>No brief was written in this run (<code>partnerfit run --briefs</code> writes one per " ..
      "intake; <code>partnerfit brief FILE</code> one for a single intake).</p>\n</section>\n"
    return
  end
  local rows = {}
  for _, b in ipairs(agg.briefs) do
    rows[#rows + 1] = { "<a href=\"" .. esc(b[3]) .. "\">" .. bdi(b[1]) .. "</a>", bdi(b[2]) }
  end
  if agg.brief_count > #agg.briefs then
    out[#out + 1] = "<p>The first " .. num(#agg.briefs) .. " of " .. num(agg.brief_count) ..
      " briefs; <a href=\"briefs.csv\">briefs.csv</a> lists them all.</p>\n"
  end
  out[#out + 1] = tbl(nil, { "Intake", "Organisation" }, rows)
  out[#out + 1] = "</section>\n"
end

local function digests_section(out, m)
  out[#out + 1] = "<section id=\"manifest\">\n<h2>What produced these reports</h2>\n"
  local rows = {}
  local function add(what, file, sha) rows[#rows + 1] = { esc(what), bdi(file), "<code>" .. esc(sha) .. "</code>" } end
  if m.rules then add("Rules (" .. tostring(m.rules.rules) .. ")", m.rules.folder, m.rules.sha256) end
  if m.policy then add("Policy", m.policy.file, m.policy.sha256) end
  if m.schema then add("Intake schema " .. tostring(m.schema.version or ""), m.schema.file, m.schema.sha256) end
  for _, r in ipairs(m.reports or {}) do
    add("Report, " .. tostring(r.rows) .. " rows", r.file, r.sha256)
  end
  out[#out + 1] = tbl("Digests (SHA-256), as in manifest.yaml", { "What", "File", "SHA-256" }, rows)
  local run_date = m.run_date and ("Run on " .. esc(m.run_date) .. ". ") or ""
  out[#out + 1] = "<p>" .. run_date .. "partnerfit " .. esc(m.partnerfit) .. "; the same inputs, rules and policy " ..
    "give the same bytes. <a href=\"manifest.yaml\">manifest.yaml</a> has the full record.</p>\n</section>\n"
end

-- P.overview(nil, "", manifest) -> true, the page
function P.overview(_, _, m)
  m = m or {}
  agg = agg or new_aggregate()
  local o = pol.brief.overview
  local out = { "<header>\n<p class=\"kicker\">" .. esc(pol.brief.title) .. "</p>\n<h1>" .. esc(o.title) .. "</h1>\n" }
  if o.intro then out[#out + 1] = "<p class=\"lead\">" .. esc(o.intro) .. "</p>\n" end
  out[#out + 1] = "</header>\n"
  counts_section(out, m)
  heat_map(out)
  options_section(out)
  rejects_section(out)
  rules_section(out)
  briefs_section(out)
  digests_section(out, m)
  agg = nil
  return true, HT.page(o.title, pol.brief.colours, out)
end
