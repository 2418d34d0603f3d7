-- Stage 3: shortlist. The policy keeps the best-scoring options above the
-- minimum score; these rules take out options that must not be pursued first
-- whatever their score.

-- The options that are legacy on the assessment date, those whose successor
-- has started (carried by another option) or not (still carried by
-- themselves): lists that depend on the catalogue, so functions.
local function legacy_options(ctx, successor_started)
  local out = {}
  for _, o in ipairs(options) do
    if ctx.lifecycle(o.id) == "legacy" and (ctx.carrier(o.id) ~= o.id) == successor_started then
      out[#out + 1] = o.id
    end
  end
  return out
end

rule {
  id = "shortlist.legacy",
  stage = "shortlist",
  because = "A legacy programme stays in the report for reference, but its successor has started and is what to "
    .. "pursue now.",
  exclude = function(_, ctx) return legacy_options(ctx, true) end,
}

rule {
  id = "shortlist.legacy.gap",
  stage = "shortlist",
  because = "The programme is winding down and what replaces it has not started on this date: ask the Microsoft "
    .. "account team or a partner which route is open before counting on it.",
  exclude = function(_, ctx) return legacy_options(ctx, false) end,
}

rule {
  id = "shortlist.support.covered",
  stage = "shortlist",
  because = "The support plan held today already meets the tier the workloads call for: there is nothing to buy, so "
    .. "it takes no place on the shortlist.",
  when = "f.support_covered",
  exclude = { "azure_support" },
}

rule {
  id = "shortlist.fasttrack.subscription",
  stage = "shortlist",
  because = "FastTrack for Azure requires an active paid subscription, which the organisation does not have yet.",
  when = "ctx.lifecycle('fasttrack_for_azure') == 'active' and not f.paid_subscription",
  exclude = { "fasttrack_for_azure" },
}

rule {
  id = "shortlist.self_service.deadline",
  stage = "shortlist",
  because = "Self-service suits teams with no pressing deadline; a datacenter exit within a year, with a team that "
    .. "is still maturing, rules it out as a first option.",
  when = "f.exit_near and f.average_maturity < thresholds.defined_maturity",
  exclude = { "self_service" },
}
