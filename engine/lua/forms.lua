-- prelude/forms.lua: the declarative forms of the rule DSL that are not
-- functions: facts (declared once, computed once per intake, on first read,
-- and read as f.name), thresholds (the policy's tunable numbers, read as
-- thresholds.name), conditions (a `when` written as one expression in a
-- string) and templates (a `because` or `step` with {expression}
-- placeholders). Owns the fact registry (M.forms.facts in load order,
-- by_id), the names each compiled text uses (checked at the pack's end, when
-- every fact is declared) and the thresholds view. Knows no fact, threshold
-- or question by name.
--
-- A condition or placeholder is compiled once, at load, into a function of
-- (intake, ctx, f) like the ones rule files write, so the runner calls both
-- kinds the same way; its chunk is named after the rule file's line, so an
-- error in it points there.

local _, M = ...
local H, pol = M.helpers, M.policy
local closest, sorted_keys = H.closest, H.sorted_keys

local forms = { facts = {}, facts_by_id = {} }
M.forms = forms

local facts, facts_by_id = forms.facts, forms.facts_by_id
local uses = {} -- { kind = "fact"|"threshold", name, at, text }: names compiled texts use

-- while check probes the pack: the set of facts read (nil otherwise); its
-- being set also tells the thresholds view to note names read, which a
-- normal run does not pay for
local fact_reads

-- ---- thresholds -------------------------------------------------------------------

local function unknown_threshold(k)
  local near = type(k) == "string" and closest(k, sorted_keys(pol.thresholds))
  return "thresholds." .. tostring(k) .. " is not in the policy's thresholds" ..
    (near and (" (did you mean '" .. near .. "'?)") or "")
end

-- What rule files see as `thresholds`: the policy's values by name; a name
-- the policy lacks is an error at the line that reads it. While check
-- probes, threshold_reads[name] is set for every name read (check warns of
-- thresholds nothing reads).
forms.threshold_reads = {}
local function read_threshold(_, k)
  local v = pol.thresholds[k]
  if v == nil then error(unknown_threshold(k), 2) end
  if fact_reads then forms.threshold_reads[k] = true end
  return v
end
local thresholds_mt = {
  __index = read_threshold,
  __newindex = function(_, k)
    error("thresholds are read-only; change " .. tostring(k) .. " in the policy's thresholds", 2)
  end,
  __metatable = false,
}
forms.thresholds = setmetatable({}, thresholds_mt)

-- Once the policy is read (forms.policy_read) and while check records no
-- reads, the view reads a copy of the thresholds through a table, not a
-- function: conditions read thresholds.<name> dozens of times per intake.
-- A name the policy lacks still reaches read_threshold (the copy's own
-- __index), at the same level: the line that reads it.
local threshold_table -- the copy, made when the policy is read

local function sync_thresholds()
  thresholds_mt.__index = (threshold_table and not fact_reads) and threshold_table or read_threshold
end

function forms.policy_read()
  threshold_table = setmetatable({}, { __index = read_threshold })
  for k, v in pairs(pol.thresholds) do threshold_table[k] = v end
  sync_thresholds()
end

-- ---- compiling expressions ----------------------------------------------------------

-- The only global name an expression sees: anything else is a mistake,
-- said at the rule's line when it runs (the names of facts and thresholds
-- are checked before, at load).
local EXPRESSION_ENV = setmetatable({ thresholds = forms.thresholds }, {
  __index = function(_, k)
    error("'" .. tostring(k) .. "' is not a name an expression can use: write f.<fact>, thresholds.<name>, " ..
      "intake.<question> or ctx.<field>", 2)
  end,
  __newindex = function(_, k) error("an expression cannot set '" .. tostring(k) .. "'", 2) end,
  __metatable = false,
})

-- the text of an expression with its string literals emptied, so that a
-- name inside quotes is not taken for a fact or threshold
local function without_strings(src)
  return (src:gsub("(['\"])(.-)%1", "%1%1"))
end

-- what the keys of ctx's tables are
local CTX_KEYS = { need = "area", in_focus = "area", score = "option", shortlisted = "option", rank = "option" }

local function note_uses(src, at, who)
  local code = " " .. without_strings(src)
  for name in code:gmatch("[^%w_.]f%.([%a_][%w_]*)") do
    uses[#uses + 1] = { kind = "fact", name = name, at = at, who = who }
  end
  for name in code:gmatch("[^%w_.]thresholds%.([%a_][%w_]*)") do
    uses[#uses + 1] = { kind = "threshold", name = name, at = at, who = who }
  end
  -- ctx's tables keyed by area or option: a misspelt key would read nil
  for field, name in code:gmatch("[^%w_.]ctx%.([%a_]+)%.([%a_][%w_]*)") do
    local kind = CTX_KEYS[field]
    if kind then uses[#uses + 1] = { kind = kind, name = name, at = at, field = "ctx." .. field, who = who } end
  end
  for name in src:gmatch("ctx%.lifecycle%(%s*['\"]([^'\"]*)['\"]%s*%)") do
    uses[#uses + 1] = { kind = "option", name = name, at = at, field = "ctx.lifecycle", who = who }
  end
end

-- a fact named outside an expression (decide's `on = "f.name"`)
function forms.note_fact_use(name, at, who)
  uses[#uses + 1] = { kind = "fact", name = name, at = at, who = who }
end

-- compile(src, at, what, who) -> function(intake, ctx, f) returning the
-- value of the expression src, or nil and the problem (what: "when", ...;
-- who: "rule 'x'" or "fact 'y'", for messages about the names it uses).
local function compile(src, at, what, who)
  if type(src) ~= "string" or src:match("^%s*$") then return nil, what .. " is empty" end
  if without_strings(src):find("%f[%w_]function%f[^%w_]") then
    return nil, what .. " is one expression; write a function for more"
  end
  -- "return (src)": the parentheses make a second statement a syntax error;
  -- the chunk returns the function (named parameters: no vararg call)
  local chunk, err = load("return function(intake, ctx, f) return (" .. src .. "\n) end", "=" .. at, "t",
    EXPRESSION_ENV)
  if not chunk then
    return nil, what .. " '" .. src .. "' is not a valid expression: " .. tostring(err):gsub("^.-:%d+: ", "")
  end
  note_uses(src, at, who)
  return chunk()
end
forms.compile = compile

-- ---- the declarative subset (issue 16, step 1) ----------------------------------------

-- classify(src) -> a compact postfix program for a condition within the
-- subset a native evaluator can run without the VM, or nil and why not.
-- The subset: f.<fact>[.<key>...], intake.<q>[.<q>...], ctx.in_focus.<a>,
-- ctx.need.<a>, ctx.focus_areas and thresholds.<name>; numbers (finite,
-- |n| < 2^53), quoted strings without escapes, true, false, nil; # of a
-- reference; == ~= < <= > >= between two operands; and, or, not and
-- parentheses over conditions. A value of `and`/`or` used as an operand
-- (`(a or b) == c`) is refused: only its truth is kept in the program.
-- Anything else (calls, arithmetic, ..) is left to Lua. The program is a
-- flat list: { "ref", root, key1, ... } pushes a value, { "const", v },
-- { "len" }, { "cmp", op }, { "not" }, { "and" } / { "or" } pop two truths.
-- A native evaluator reading it must still fall back to Lua where Lua
-- would raise (a step of a path that is not a table, < between a number
-- and text, # of a non-table): the program says what, not those errors.
local CLASSIFY_MAX_DEPTH = 32 -- nesting beyond this is Lua's to handle
local CLASSIFY_ROOTS = { f = true, intake = true, ctx = true, thresholds = true }
local CTX_NATIVE = { in_focus = 2, need = 2, focus_areas = 1 } -- ctx field -> path length
local CMP_OPS = { ["=="] = true, ["~="] = true, ["<"] = true, ["<="] = true, [">"] = true, [">="] = true }
local KEYWORDS = { ["and"] = true, ["or"] = true, ["not"] = true, ["true"] = true, ["false"] = true,
                   ["nil"] = true }

-- the tokens of src: { kind, text } with kind name, number, string, op;
-- nil and the reason at anything the subset has no token for
local function tokens_of(src)
  local out, i, n = {}, 1, #src
  while i <= n do
    local c = src:sub(i, i)
    local s, e = src:find("^%s+", i)
    if s then
      i = e + 1
    elseif c:match("[%a_]") then
      s, e = src:find("^[%a_][%w_]*", i)
      out[#out + 1] = { "name", src:sub(s, e) }
      i = e + 1
    elseif c:match("%d") then
      s, e = src:find("^%d+%.?%d*", i)
      if src:find("^[%w_.]", e + 1) then return nil, "a number form outside the subset" end
      local v = tonumber(src:sub(s, e))
      if v == nil or v >= 2 ^ 53 then return nil, "a number outside the subset" end
      out[#out + 1] = { "number", v }
      i = e + 1
    elseif c == "'" or c == '"' then
      e = src:find(c, i + 1, true)
      if e == nil then return nil, "an unfinished string" end
      local text = src:sub(i + 1, e - 1)
      if text:find("[\\\n]") then return nil, "a string with an escape" end
      out[#out + 1] = { "string", text }
      i = e + 1
    else
      local op = src:match("^[=~<>]=", i) or src:match("^[<>#().]", i)
      if op == nil then return nil, "'" .. c .. "' is outside the subset" end
      out[#out + 1] = { "op", op }
      i = i + #op
    end
  end
  return out
end

-- the parser's state: tokens, position, the program being written
local function classifier(toks)
  local pos, prog = 1, {}
  local function peek(kind, text)
    local t = toks[pos]
    return t ~= nil and t[1] == kind and (text == nil or t[2] == text)
  end
  local function take() pos = pos + 1; return toks[pos - 1] end
  local cond -- forward: a condition (or/and/not level)

  -- a reference: root.key.key...; nil and why when outside the subset
  local function reference()
    local root = take()[2]
    if not CLASSIFY_ROOTS[root] then return nil, "the name '" .. root .. "'" end
    local ins = { "ref", root }
    while peek("op", ".") do
      take()
      if not peek("name") or KEYWORDS[toks[pos][2]] then return nil, "a path step that is not a name" end
      ins[#ins + 1] = take()[2]
    end
    if #ins < 3 then return nil, "'" .. root .. "' without a field" end
    if root == "thresholds" and #ins ~= 3 then return nil, "a threshold's field" end
    if root == "ctx" and CTX_NATIVE[ins[3]] ~= #ins - 2 then return nil, "ctx." .. ins[3] end
    prog[#prog + 1] = ins
    return true
  end

  -- an operand: a literal, a reference, # reference, or ( condition ) kept
  -- only as a truth (so it may not be compared)
  local function operand(depth)
    local t = toks[pos]
    if t == nil then return nil, "an unfinished expression" end
    if t[1] == "number" or t[1] == "string" then
      take()
      prog[#prog + 1] = { "const", t[2] }
      return "value"
    elseif t[1] == "name" and (t[2] == "true" or t[2] == "false" or t[2] == "nil") then
      take()
      local v = nil
      if t[2] ~= "nil" then v = t[2] == "true" end
      prog[#prog + 1] = { "const", v }
      return "value"
    elseif t[1] == "name" and not KEYWORDS[t[2]] then
      local ok, why = reference()
      if not ok then return nil, why end
      return "value"
    elseif t[1] == "op" and t[2] == "#" then
      take()
      if not peek("name") then return nil, "# of something other than a reference" end
      local ok, why = reference()
      if not ok then return nil, why end
      prog[#prog + 1] = { "len" }
      return "value"
    elseif t[1] == "op" and t[2] == "(" then
      take()
      local ok, why = cond(depth + 1)
      if not ok then return nil, why end
      if not peek("op", ")") then return nil, "an unclosed parenthesis" end
      take()
      return "truth"
    end
    return nil, "'" .. tostring(t[2]) .. "' where an operand belongs"
  end

  -- a comparison, or a lone operand read for its truth
  local function comparison(depth)
    local kind, why = operand(depth)
    if not kind then return nil, why end
    local t = toks[pos]
    if t and t[1] == "op" and CMP_OPS[t[2]] then
      take()
      local kind2, why2 = operand(depth)
      if not kind2 then return nil, why2 end
      if kind ~= "value" or kind2 ~= "value" then return nil, "a comparison of a condition's value" end
      prog[#prog + 1] = { "cmp", t[2] }
    end
    return true
  end

  local function negation(depth)
    if depth > CLASSIFY_MAX_DEPTH then return nil, "nesting deeper than " .. CLASSIFY_MAX_DEPTH end
    if peek("name", "not") then
      take()
      local ok, why = negation(depth + 1)
      if not ok then return nil, why end
      prog[#prog + 1] = { "not" }
      return true
    end
    return comparison(depth)
  end

  local function binary(word, sub)
    return function(depth)
      local ok, why = sub(depth)
      if not ok then return nil, why end
      while peek("name", word) do
        take()
        ok, why = sub(depth)
        if not ok then return nil, why end
        prog[#prog + 1] = { word }
      end
      return true
    end
  end
  local conjunction = binary("and", negation)
  cond = function(depth)
    if depth > CLASSIFY_MAX_DEPTH then return nil, "nesting deeper than " .. CLASSIFY_MAX_DEPTH end
    return binary("or", conjunction)(depth)
  end

  return function()
    local ok, why = cond(0)
    if not ok then return nil, why end
    if toks[pos] ~= nil then return nil, "'" .. tostring(toks[pos][2]) .. "' after the expression" end
    return prog
  end
end

function forms.classify(src)
  if type(src) ~= "string" then return nil, "not an expression in a string" end
  if #src > 4096 then return nil, "longer than 4096 bytes" end
  local toks, why = tokens_of(src)
  if not toks then return nil, why end
  return classifier(toks)()
end

-- ---- templates ------------------------------------------------------------------------

-- thousands grouping of a whole number: 1000 -> "1,000"
local function grouped(v)
  local s = string.format("%d", math.floor(v))
  local sign, digits = s:match("^(-?)(%d+)$")
  digits = digits:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", "")
  return sign .. digits
end

-- a placeholder's value as text: a list as prose ("a", "a and b", "a, b
-- and c"), numbers as Lua prints them (as `..` would), or with the
-- placeholder's format
local function shown(v, fmt, part)
  if v == nil then error("{" .. part .. "} has no value for this intake", 0) end
  if fmt == "," then return grouped(v) end
  if fmt then return string.format(fmt, v) end
  if type(v) == "table" then
    local n, items = #v, {}
    for i = 1, n - 1 do items[i] = tostring(v[i]) end
    if n <= 1 then return n == 1 and tostring(v[1]) or "" end
    return table.concat(items, ", ") .. " and " .. tostring(v[n])
  end
  return tostring(v)
end

-- parse(src) -> list of literal texts and { src, fmt } placeholders, or nil
-- and the problem. {{ and }} stand for literal braces.
local function parse_template(src)
  local parts, buf, i = {}, {}, 1
  while i <= #src do
    local c = src:sub(i, i)
    local two = src:sub(i, i + 1)
    if two == "{{" or two == "}}" then
      buf[#buf + 1] = c
      i = i + 2
    elseif c == "{" then
      local close = src:find("}", i + 1, true)
      if not close then return nil, "a '{' without its '}' (write {{ for a brace)" end
      local inner = src:sub(i + 1, close - 1)
      local expr, fmt = inner:match("^(.-):([%%,].*)$")
      parts[#parts + 1] = table.concat(buf)
      buf = {}
      parts[#parts + 1] = { src = expr or inner, fmt = fmt }
      i = close + 1
    elseif c == "}" then
      return nil, "a '}' without its '{' (write }} for a brace)"
    else
      buf[#buf + 1] = c
      i = i + 1
    end
  end
  parts[#parts + 1] = table.concat(buf)
  return parts
end

-- template(src, at, what, who) -> src itself when it has no placeholder, or a
-- function(intake, ctx, f) that fills them in; nil and the problem when a
-- placeholder does not compile
function forms.template(src, at, what, who)
  if not src:find("[{}]") then return src end
  local parts, err = parse_template(src)
  if not parts then return nil, what .. ": " .. err end
  local fns = {}
  for i, p in ipairs(parts) do
    if type(p) == "table" then
      local fn, cerr = compile(p.src, at, what .. " placeholder {" .. p.src .. "}", who)
      if not fn then return nil, cerr end
      if p.fmt and p.fmt ~= "," and not pcall(string.format, p.fmt, 1) then
        return nil, what .. ": '" .. p.fmt .. "' is not a format (write %.1f, %d or , for 1,000)"
      end
      fns[i] = fn
    end
  end
  -- The text's pieces are kept in one list, the literal ones set once and
  -- the placeholders' written over at each call, instead of a new list per
  -- reason: a reason is made for most rules that fire. A call made while
  -- the list is being filled (a placeholder that reaches this template
  -- again), or after a placeholder raised there, fills a list of its own.
  local n, holes, out, busy = #parts, {}, {}, false
  for i = 1, n do
    if type(parts[i]) == "string" then out[i] = parts[i] else holes[#holes + 1] = i end
  end
  local function fill(into, intake, ctx, f)
    for j = 1, #holes do
      local i = holes[j]
      local p = parts[i]
      into[i] = shown(fns[i](intake, ctx, f), p.fmt, p.src)
    end
    return table.concat(into, "", 1, n)
  end
  return function(intake, ctx, f)
    if busy then return fill(table.move(out, 1, n, 1, {}), intake, ctx, f) end
    busy = true
    local text = fill(out, intake, ctx, f)
    busy = false
    return text
  end, fns
end

-- ---- facts ---------------------------------------------------------------------------

function forms.record_fact_reads(set)
  fact_reads, forms.fact_reads = set, set
  sync_thresholds()
end

local function unknown_fact(k)
  local near = type(k) == "string" and closest(k, forms.fact_names())
  return "f." .. tostring(k) .. " is not a declared fact" .. (near and (" (did you mean '" .. near .. "'?)") or "")
end

function forms.fact_names()
  local names = {}
  for i, d in ipairs(facts) do names[i] = d.id end
  return names
end

-- forms.add_fact(d): d = { id, at, value = function(intake, ctx, f), doc }
function forms.add_fact(d)
  facts[#facts + 1] = d
  facts_by_id[d.id] = d
end

-- new_facts(intake, ctx, on_read) -> f: the facts of one intake, each
-- computed on its first read and kept for the rest of this evaluation
-- only. f itself stays empty, so that writing to it is always an error; a
-- computed value is read from the memo behind it without a function call
-- (__index a table), and the memo's own __index computes a missing one. A
-- fact that reads itself, directly or not, is an error, not a loop.
--
-- In a run, one f and one memo serve every intake of the state: the memo
-- is emptied at each new_facts, so nothing of one intake is seen by the
-- next, and nothing is made per intake. on_read(name, value), when given
-- (explain, test) or while check records reads, hears every read: then a
-- fresh f, whose every read goes through a function.
local READ_ONLY = function(_, k) error("facts are read-only (tried to set f." .. tostring(k) .. ")", 2) end

local cur = { intake = nil, ctx = nil } -- the intake the shared memo computes for
local memo, nils, computing = {}, {}, {}
-- the facts computed for the intake: what new_facts clears, so that it does
-- not walk the memo's whole hash part with next() (a hundred slots or more)
local computed, n_computed = {}, 0
local shared_f = setmetatable({}, { __index = memo, __newindex = READ_ONLY, __metatable = false })

setmetatable(memo, {
  __index = function(_, k)
    if nils[k] then return nil end
    local d = facts_by_id[k]
    if d == nil then error(unknown_fact(k), 2) end -- level 2: the line reading f.<k>
    if computing[k] then error("fact '" .. k .. "' depends on itself (" .. d.at .. ")", 2) end
    computing[k] = true
    local v = d.value(cur.intake, cur.ctx, shared_f)
    computing[k] = nil
    if v == nil then nils[k] = true else memo[k] = v end -- (memo has no __newindex: a raw set)
    n_computed = n_computed + 1
    computed[n_computed] = k
    return v
  end,
})

-- after a fact's computation failed and the caller carried on (check's
-- probes, explain's list of facts): no fact is still being computed
function forms.clear_computing()
  for k in next, computing do computing[k] = nil end
end

local function empty(t)
  for k in next, t do t[k] = nil end
end

function forms.new_facts(intake, ctx, on_read)
  for i = 1, n_computed do
    local k = computed[i]
    memo[k], nils[k] = nil, nil
  end
  n_computed = 0
  empty(computing) -- a fact that failed midway is not half-computed next time
  cur.intake, cur.ctx = intake, ctx
  if on_read == nil and fact_reads == nil then return shared_f end
  return setmetatable({}, {
    __index = function(_, k)
      if facts_by_id[k] == nil then error(unknown_fact(k), 2) end
      local v = memo[k]
      if fact_reads then fact_reads[k] = true end
      if on_read then on_read(k, v) end
      return v
    end,
    __newindex = READ_ONLY,
    __metatable = false,
  })
end

-- The names compiled texts use that nothing declares: problems at their
-- rule's line. Called once, when the pack has loaded.
function forms.check_uses()
  -- a problem at the line of the rule or fact whose text names the thing
  local function problem(at, msg, who) M.problem(at, (who and (who .. ": ") or "") .. msg) end
  for _, u in ipairs(uses) do
    if u.kind == "fact" and not facts_by_id[u.name] then
      problem(u.at, unknown_fact(u.name), u.who)
    elseif u.kind == "area" and not pol.area_known[u.name] then
      local near = closest(u.name, pol.area_ids)
      problem(u.at, u.field .. "." .. u.name .. ": '" .. u.name .. "' is not an area of the policy" ..
        (near and (" (did you mean '" .. near .. "'?)") or ""), u.who)
    elseif u.kind == "option" and not pol.option_by_id[u.name] then
      local ids = {}
      for i, o in ipairs(pol.option_list) do ids[i] = o.id end
      local near = closest(u.name, ids)
      problem(u.at, u.field .. ": '" .. u.name .. "' is not an option of the catalogue" ..
        (near and (" (did you mean '" .. near .. "'?)") or ""), u.who)
    elseif u.kind == "threshold" then
      if pol.thresholds[u.name] == nil then
        problem(u.at, unknown_threshold(u.name), u.who)
      else
        forms.threshold_reads[u.name] = true
      end
    end
  end
end

return forms
