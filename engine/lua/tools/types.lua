-- prelude/tools/types.lua: `partnerfit types`, Lua Language Server
-- annotations for rule files: a class per object of the intake schema
-- (from its description) and the DSL's names and ctx, so an editor checks
-- what a rule reads. The output is checked in as policies/intake-types.lua.
-- The DSL part follows P.dsl (dsl.lua) by hand: a name added there is added
-- here (tests/unit/test_surface.c checks the checked-in output against the
-- sandbox). Knows the schema description's shape, no question.

local P, M = ...
local sorted_keys = M.helpers.sorted_keys

local function doc_line(s)
  return s and (" " .. tostring(s):gsub("%s+", " ")) or ""
end

local function annotation_type(spec, class, pending)
  local t = spec.type
  if t == "string" or t == "text" or t == "date" then return "string" end
  if t == "integer" or t == "number" or t == "boolean" then return t end
  if t == "enum" then
    local alts = {}
    for i, v in ipairs(spec.values) do alts[i] = string.format("%q", v) end
    return table.concat(alts, "|")
  end
  if t == "list" then return annotation_type(spec.items, class .. ".item", pending) .. "[]" end
  if t == "map" then
    local key = spec.keys and annotation_type(spec.keys, class .. ".key", pending) or "string"
    return "table<" .. key .. ", " .. annotation_type(spec.values, class .. ".value", pending) .. ">"
  end
  pending[#pending + 1] = { name = class, spec = spec }
  return class
end

local DSL_ANNOTATIONS = [[
---@class Ctx
---@field as_of string the intake's as-of date (YYYY-MM-DD)
---@field need table<string, integer> need level per area, after the needs stage
---@field focus_areas string[] areas at or above the policy's focus level
---@field in_focus table<string, boolean> true for each focus area, after the needs stage
---@field score table<string, number> points per option so far
---@field shortlisted table<string, boolean> in the engage stage
---@field rank table<string, integer> in the engage stage
---@field top string? the first shortlisted option, in the engage stage
---@field min_score number the policy's minimum score for a shortlist place
---@field days_until fun(date: string?): integer? days from as_of to date
---@field lifecycle fun(option_id: string): "active"|"legacy"|"retired"|"unavailable"
---@field carrier fun(option_id: string): string? the option carrying it on the as-of date
---@field change_ahead fun(option_id: string, days: integer?): string?, string?, string? next change, notice or days
---@field successor_note fun(option_id: string): string "" or a sentence naming the carrier

---@class RuleSpec
---@field id string unique id: letters, digits, '.', '_' and '-'
---@field stage "needs"|"fit"|"shortlist"|"engage"
---@field because string|fun(intake: Intake, ctx: Ctx, f: Facts): string the reason; text may hold {f.fact} placeholders
---@field when? string|fun(intake: Intake, ctx: Ctx, f: Facts): boolean? when it fires: one expression, or a function
---@field weight? string a key of the policy's weights that multiplies the points
---@field need? table<string, number>|fun(intake: Intake, ctx: Ctx, f: Facts): table<string, number>? needs stage
---@field score? table<string, number>|fun(intake: Intake, ctx: Ctx, f: Facts): table<string, number>? fit stage
---@field programmes? table<string, number> fit stage: points for programmes; the reason names their carrier
---@field scale_by_need? string fit stage: an area whose need level scales the table's points
---@field exclude? string[]|fun(intake: Intake, ctx: Ctx, f: Facts): string[]? shortlist stage
---@field step? string|fun(intake: Intake, ctx: Ctx, f: Facts): string? engage stage; text may hold placeholders
---@field options? "shortlisted"|"top"|"all"|string[] engage stage: rows the step goes to
---@field doc? string longer notes for readers of the rule
---@field note? string why a retired option is still scored

---@class DecideRow: RuleSpec
---@field is any the value of the table's field this row applies to

---@class DecideSpec
---@field on string the question (a.b) or fact (f.name) the rows compare
---@field stage "needs"|"fit"|"shortlist"|"engage"
---@field weight? string the weight of every row (a row may give its own)
---@field rows DecideRow[] one rule per row, each with its own id
---@field doc? string

---@class FactSpec
---@field id string the name rules read as f.<id>
---@field doc string what the fact means (explain shows it)
---@field answer? string a question's path; the fact is its answer
---@field default? any the value when that answer is missing
---@field is? string one expression over f.<fact>, thresholds.<name> and intake
---@field value? fun(intake: Intake, ctx: Ctx, f: Facts): any

---Declares a rule.
---@param spec RuleSpec
function rule(spec) end

---Declares a decision table: one rule per row.
---@param spec DecideSpec
function decide(spec) end

---Declares a fact, computed once per intake when first read.
---@param spec FactSpec
function fact(spec) end

---@type Thresholds the policy's thresholds by name (read-only)
thresholds = {}

---@type table read-only policy document
policy = {}
---@type string[] area ids, in policy order
areas = {}
---@type table[] the option catalogue, read-only
options = {}

---@param t table
---@return any[]
function sorted_keys(t) end
---@param list any[]?
---@param x any
---@return boolean
function contains(list, x) end
---@param list any[]?
---@param pred? fun(v: any): boolean
---@return integer
function count(list, pred) end
---@param list any[]?
---@param fn? fun(v: any): number
---@return number
function sum(list, fn) end
---@param x number
---@param lo number
---@param hi number
---@return number
function clamp(x, lo, hi) end
---@param a string? YYYY-MM-DD
---@param b string? YYYY-MM-DD
---@return integer? days from a to b
function days_between(a, b) end
---@param id string
---@return string the catalogue name of the option
function option_name(id) end
---Hands helpers to the rule files loaded after this one (while the pack loads).
---@param helpers table<string, any>
function share(helpers) end
---Helpers handed on by earlier rule files with share{}.
---@type table<string, any>
shared = {}
]]

function P.types(_, source, schema)
  local out = { "---@meta",
                "-- Editor annotations for partnerfit rule files (Lua Language Server).",
                "-- Generated by `partnerfit types` from " .. tostring(source) .. "; do not edit.", "" }
  local pending = { { name = "Intake", spec = schema } }
  local i = 1
  while pending[i] do
    local class = pending[i]
    out[#out + 1] = "---@class " .. class.name .. doc_line(class.spec.doc)
    for _, name in ipairs(sorted_keys(class.spec.fields or {})) do
      local f = class.spec.fields[name]
      local optional = (f.required or f.default ~= nil) and "" or "?"
      out[#out + 1] = "---@field " .. name .. optional .. " " ..
        annotation_type(f, class.name .. "." .. name, pending) .. doc_line(f.doc)
    end
    out[#out + 1] = ""
    i = i + 1
  end
  out[#out + 1] = "---@class Facts the pack's facts (rules/), read as f.<name>"
  for _, d in ipairs(M.forms.facts) do
    local t, optional = "any", ""
    if d.answer then -- an answer's fact has the question's type
      local spec = schema
      for part in d.answer:gmatch("[^.]+") do spec = spec and spec.fields and spec.fields[part] end
      if spec then
        t = annotation_type(spec, "Facts." .. d.id, {})
        optional = d.default == nil and "?" or "" -- nil when the question or an object above it is missing
      end
    end
    out[#out + 1] = "---@field " .. d.id .. optional .. " " .. t .. doc_line(d.doc)
  end
  out[#out + 1] = ""
  out[#out + 1] = "---@class Thresholds the policy's thresholds, read as thresholds.<name>"
  for _, k in ipairs(sorted_keys(M.policy.threshold_info)) do
    out[#out + 1] = "---@field " .. k .. " number" .. doc_line(M.policy.threshold_info[k].doc)
  end
  out[#out + 1] = ""
  out[#out + 1] = DSL_ANNOTATIONS
  return true, table.concat(out, "\n")
end
