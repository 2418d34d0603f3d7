-- Reads the evaluation's record before the stages fill it. The run hands
-- one record's tables on to the next intake (evaluation.lua, M.release),
-- emptied first: whatever of an earlier intake were left in them (a score,
-- a rank, a shortlist flag or note, a need, a focus area, the top option)
-- would fire these rules on a later intake and not on the same intake run
-- alone. The engage rule reads the shortlist, ranks and scores once they are
-- this intake's, so a later intake's steps show a leak of the stages' own
-- tables too.

-- what ctx holds that a fresh record does not: "" when nothing
local function leftovers(ctx, stage)
  local seen = {}
  for _, o in ipairs(options) do
    local id = o.id
    if ctx.shortlisted[id] ~= nil then seen[#seen + 1] = "shortlisted." .. id end
    if ctx.rank[id] ~= nil then seen[#seen + 1] = "rank." .. id end
    if stage == "needs" and ctx.score[id] ~= 0 then seen[#seen + 1] = "score." .. id end
  end
  for _, a in ipairs(areas) do
    if stage == "needs" and ctx.need[a] ~= 0 then seen[#seen + 1] = "need." .. a end
    if stage == "needs" and ctx.in_focus[a] ~= nil then seen[#seen + 1] = "in_focus." .. a end
  end
  if stage == "needs" and #ctx.focus_areas > 0 then seen[#seen + 1] = "focus_areas" end
  if ctx.top ~= nil then seen[#seen + 1] = "top" end
  return table.concat(seen, ", ")
end

rule { id = "t.state.record.needs", stage = "needs",
  because = function(_, ctx) return "state test: the record held " .. leftovers(ctx, "needs") end,
  when = function(_, ctx) return leftovers(ctx, "needs") ~= "" end,
  need = { strategy = 5 } }

rule { id = "t.state.record.fit", stage = "fit",
  because = function(_, ctx) return "state test: the record held " .. leftovers(ctx, "fit") end,
  when = function(_, ctx) return leftovers(ctx, "fit") ~= "" end,
  score = { csp = 50 } }

-- every option's step names what the record says of it now: its rank, its
-- score and whether it is shortlisted
rule { id = "t.state.record.engage", stage = "engage", options = "all",
  because = "state test: the record after the shortlist",
  step = function(_, ctx)
    local parts = {}
    for _, o in ipairs(options) do
      parts[#parts + 1] = o.id .. "=" .. tostring(ctx.rank[o.id]) .. "/" .. tostring(ctx.score[o.id]) .. "/" ..
        tostring(ctx.shortlisted[o.id])
    end
    return table.concat(parts, " ")
  end }
