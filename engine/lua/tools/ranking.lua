-- prelude/tools/ranking.lua: the ranking `partnerfit diff` compares between
-- two packs: one plain evaluation of an intake, reduced to its id and each
-- option's rank, score and place on the shortlist, as data the host reads
-- (engine/pf_tools.c). Knows no option id.

local P, M = ...
local evaluate = M.evaluate
local intake_names = M.reports.intake_names

-- ranking(intake) -> true, { id = intake id, [rank] = { option = id,
-- score = points, shortlisted = boolean }, ... } in rank order
function P.ranking(intake)
  local e = evaluate(intake)
  local ranking = { id = (intake_names(intake)) }
  for rank, o in ipairs(e.order) do
    ranking[rank] = { option = o.id, score = e.score[o.id], shortlisted = e.shortlisted[o.id] }
  end
  return true, ranking
end
