-- prelude/tools/ranking.lua: the ranking `partnerfit diff` compares between
-- two packs: one plain evaluation of an intake, reduced to its id and each
-- option's rank, score and place on the shortlist, as lines the host parses
-- (engine/pf_tools.c). Knows no option id.

local P, M = ...
local evaluate = M.evaluate
local intake_names = M.reports.intake_names

-- ranking(intake) -> true, "id<TAB>label\n" then "option<TAB>rank<TAB>score<TAB>yes|no\n"...
function P.ranking(intake)
  local e = evaluate(intake)
  local id, label = intake_names(intake)
  local lines = { id .. "\t" .. label }
  for rank, o in ipairs(e.order) do
    lines[rank + 1] = o.id .. "\t" .. rank .. "\t" .. string.format("%.2f", e.score[o.id]) .. "\t" ..
      (e.shortlisted[o.id] and "yes" or "no")
  end
  return true, table.concat(lines, "\n") .. "\n"
end
