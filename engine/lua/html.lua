-- prelude/html.lua: the pieces the HTML pages (tools/brief.lua,
-- tools/overview.lua) are made of: escaping, the page shell with its
-- Content-Security-Policy and print CSS, tables, and horizontal bar charts
-- in inline SVG with a text equivalent. Every text that reaches a page goes
-- through esc() (or attr()), whoever wrote it: an intake, a rule, the
-- policy. Knows HTML, no domain id.

local _, M = ...

local H = {}
M.html = H

local ESC = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }

local find = string.find

-- esc(x) -> x as HTML text (tostring'd; nil is ""). Most texts hold none
-- of the five characters: five plain searches (memchr-like) are far
-- cheaper than a pattern substitution over every character.
local function esc(x)
  if x == nil then return "" end
  local s = tostring(x)
  if not (find(s, "&", 1, true) or find(s, "<", 1, true) or find(s, ">", 1, true) or
          find(s, '"', 1, true) or find(s, "'", 1, true)) then
    return s
  end
  return (s:gsub("[&<>\"']", ESC))
end
H.esc = esc

-- text from an intake or a rule, isolated from the text around it in both
-- directions (a right-to-left name cannot turn the sentence it sits in)
local function bdi(x)
  return "<bdi>" .. esc(x) .. "</bdi>"
end
H.bdi = bdi

-- a colour from the policy, or the fallback when it is not #rgb/#rrggbb
-- (a colour goes into CSS: nothing else may)
function H.colour(c, fallback)
  if type(c) == "string" and (c:match("^#%x%x%x$") or c:match("^#%x%x%x%x%x%x$")) then return c end
  return fallback
end

-- clip(text, n) -> text cut to at most n bytes on a character boundary,
-- with an ellipsis when cut (a chart label; the table beside it has all)
function H.clip(text, n)
  text = tostring(text or "")
  if #text <= n then return text end
  local cut = n - 1
  while cut > 1 and text:byte(cut + 1) and text:byte(cut + 1) >= 0x80 and text:byte(cut + 1) < 0xC0 do
    cut = cut - 1
  end
  return text:sub(1, cut) .. "…"
end

-- numbers as a page shows them: 12, 7.5, -3
function H.num(x)
  if type(x) ~= "number" then return esc(x) end
  if x == math.floor(x) and math.abs(x) < 1e15 then return string.format("%d", x) end
  return (string.format("%.2f", x):gsub("0+$", ""):gsub("%.$", ""))
end

-- No script, no request to anywhere: styles inline, images only as data.
H.CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; " ..
  "form-action 'none'"

-- The stylesheet of every page; c holds the policy's colours.
local function stylesheet(c)
  return table.concat({
    ":root{--accent:", c.accent, ";--text:", c.text, ";--muted:", c.muted, "}",
    "*{box-sizing:border-box}",
    "body{margin:0;font:16px/1.5 'DejaVu Sans',Verdana,Arial,sans-serif;color:var(--text);background:#fff}",
    "main{max-width:60rem;margin:0 auto;padding:1.5rem 1rem 3rem}",
    "h1,h2,h3{line-height:1.25;color:var(--accent)}h1{font-size:2rem;margin:.2rem 0 .5rem}",
    "h2{font-size:1.4rem;margin:2rem 0 .5rem;border-bottom:2px solid var(--accent);padding-bottom:.2rem}",
    "h3{font-size:1.15rem;margin:1.4rem 0 .4rem}",
    ".kicker{text-transform:uppercase;letter-spacing:.08em;font-size:.85rem;color:var(--muted);margin:0}",
    ".lead{font-size:1.1rem}",
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:1rem 0}",
    "dl.facts dt{font-weight:bold}dl.facts dd{margin:0}",
    "table{border-collapse:collapse;width:100%;margin:.6rem 0 1rem;font-size:.92rem}",
    "caption{text-align:left;font-weight:bold;padding:.3rem 0}",
    "th,td{border:1px solid #c9ced6;padding:.35rem .5rem;text-align:left;vertical-align:top}",
    "thead th{background:#eef1f5}td.n,th.n{text-align:right;white-space:nowrap}",
    ".badge{display:inline-block;padding:0 .45rem;border-radius:.3rem;font-size:.85rem;color:#fff;",
    "background:var(--accent)}",
    ".note{border-left:4px solid var(--accent);background:#f4f6f9;padding:.5rem .8rem;margin:.6rem 0}",
    "figure{margin:.8rem 0}figcaption{font-size:.9rem;color:var(--muted)}",
    "svg{width:100%;height:auto;display:block}",
    ".wrap{overflow-x:auto}",
    "a{color:var(--accent)}",
    "footer{margin-top:2.5rem;font-size:.85rem;color:var(--muted)}",
    "@media (max-width:40rem){body{font-size:15px}h1{font-size:1.6rem}dl.facts{grid-template-columns:1fr}",
    "th,td{padding:.25rem .3rem}td:last-child{overflow-wrap:anywhere}td ul{padding-left:1rem;margin:0}",
    "figure{overflow-x:auto}figure svg{min-width:34rem}}",
    "@page{size:A4;margin:16mm 14mm}",
    "@media print{main{max-width:none;padding:0}section.page{break-before:page}",
    "h2,h3{break-after:avoid}tr,figure,li{break-inside:avoid}a{color:var(--text);text-decoration:none}}",
  })
end

-- page(title, colours, body parts) -> one self-contained HTML document
function H.page(title, colours, body)
  return table.concat({
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
    "<meta http-equiv=\"Content-Security-Policy\" content=\"", H.CSP, "\">\n",
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    "<meta name=\"referrer\" content=\"no-referrer\">\n",
    "<title>", esc(title), "</title>\n<style>", stylesheet(colours), "</style>\n</head>\n<body>\n<main>\n",
    table.concat(body), "</main>\n</body>\n</html>\n",
  })
end

-- table_html(caption, heads, rows, numeric) -> a table with a caption and
-- column headers; each row a list of cell HTML (already escaped); numeric[i]
-- right-aligns column i
function H.table(caption, heads, rows, numeric)
  numeric = numeric or {}
  local out = { "<div class=\"wrap\"><table>" }
  if caption then out[#out + 1] = "<caption>" .. esc(caption) .. "</caption>" end
  out[#out + 1] = "<thead><tr>"
  for i, h in ipairs(heads) do
    out[#out + 1] = "<th scope=\"col\"" .. (numeric[i] and " class=\"n\"" or "") .. ">" .. esc(h) .. "</th>"
  end
  out[#out + 1] = "</tr></thead><tbody>"
  for _, row in ipairs(rows) do
    out[#out + 1] = "<tr>"
    for i, cell in ipairs(row) do
      local tag = i == 1 and "th scope=\"row\"" or "td"
      out[#out + 1] = "<" .. tag .. (numeric[i] and " class=\"n\"" or "") .. ">" .. cell ..
        "</" .. (i == 1 and "th" or "td") .. ">"
    end
    out[#out + 1] = "</tr>"
  end
  out[#out + 1] = "</tbody></table></div>\n"
  return table.concat(out)
end

-- bars(spec) -> a horizontal bar chart in SVG with a <title> and <desc>:
-- spec.title, spec.desc, spec.max (the scale's end), spec.bars = list of
-- { label, value, colour, text (drawn after the bar), pattern }, and
-- optional spec.marks = { { value, label, colour } } (vertical lines) and
-- spec.cut_after = n (a dashed line under bar n, labelled spec.cut_label)
function H.bars(spec)
  local W, LABEL, ROW, TOP = 720, 270, 30, 26
  local plot = W - LABEL - 150
  local n = #spec.bars
  local h = TOP + n * ROW + 16
  local max = spec.max
  if not max or max <= 0 then max = 1 end
  local function x(v)
    v = math.max(0, math.min(v, max))
    return LABEL + plot * v / max
  end
  local id = spec.id or "chart"
  local out = {
    string.format("<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"%s-t %s-d\" " ..
      "xmlns=\"http://www.w3.org/2000/svg\" font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"13\">",
      W, h, id, id),
    "<title id=\"" .. id .. "-t\">" .. esc(spec.title) .. "</title>",
    "<desc id=\"" .. id .. "-d\">" .. esc(spec.desc) .. "</desc>",
    string.format("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#6b7280\"/>", LABEL, TOP - 6, LABEL,
      TOP + n * ROW),
  }
  for i, b in ipairs(spec.bars) do
    local y = TOP + (i - 1) * ROW
    local w = x(b.value) - LABEL
    local label = H.clip(b.label, 34)
    out[#out + 1] = string.format("<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#1f2937\">%s</text>",
      LABEL - 8, y + 18, esc(label))
    if w > 0 then
      out[#out + 1] = string.format("<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"20\" fill=\"%s\"%s/>",
        LABEL, y + 4, w, b.colour, b.outline and " stroke=\"#4b5563\" stroke-dasharray=\"3 2\"" or "")
    end
    out[#out + 1] = string.format("<text x=\"%.1f\" y=\"%d\" fill=\"#1f2937\">%s</text>",
      LABEL + math.max(w, 0) + 6, y + 18, esc(b.text))
  end
  for _, m in ipairs(spec.marks or {}) do
    local mx = x(m.value)
    out[#out + 1] = string.format("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" " ..
      "stroke-width=\"2\" stroke-dasharray=\"5 3\"/>", mx, TOP - 10, mx, TOP + n * ROW, m.colour)
    out[#out + 1] = string.format("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#1f2937\" " ..
      "font-size=\"12\">%s</text>", mx, TOP - 13, esc(m.label))
  end
  if spec.cut_after and spec.cut_after > 0 and spec.cut_after < n then
    local cy = TOP + spec.cut_after * ROW + 2
    out[#out + 1] = string.format("<line x1=\"8\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" " ..
      "stroke-width=\"2\" stroke-dasharray=\"8 4\"/>", cy, W - 8, cy, spec.cut_colour or "#b91c1c")
    out[#out + 1] = string.format("<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#1f2937\" " ..
      "font-size=\"12\">%s</text>", W - 8, cy - 4, esc(spec.cut_label or ""))
  end
  out[#out + 1] = "</svg>"
  return table.concat(out)
end

-- a brief's file name for an intake id: letters, digits, '.', '_' and
-- '-' kept; anything else (or a leading '.') replaced, and then a short
-- hash of the id added so two ids never share a name
function H.file_name(id)
  id = tostring(id or "")
  local safe = id:gsub("[^%w._-]", "_"):gsub("^%.", "_")
  if #safe > 80 then safe = safe:sub(1, 80) end
  if safe == id and safe ~= "" then return safe .. ".html" end
  -- 64-bit FNV-1a (integer arithmetic wraps): two ids meeting on one name
  -- would take a deliberate search of 2^32 tries
  local h = -3750763034362895579 -- 0xcbf29ce484222325
  for i = 1, #id do
    h = (h ~ id:byte(i)) * 1099511628211
  end
  return string.format("%s-%016x.html", safe, h)
end
