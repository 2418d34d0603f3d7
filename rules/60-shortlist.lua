-- Stage 3: shortlist. The policy keeps the best-scoring options above the
-- minimum score; these rules take out options that must not be pursued first
-- whatever their score.

-- Every option that is legacy on the assessment date: a list that depends
-- on the catalogue, so a function.
rule {
  id = "shortlist.legacy",
  stage = "shortlist",
  because = "A legacy programme stays in the report for reference, but its successor is what to pursue now.",
  exclude = function(_, ctx)
    local out = {}
    for _, o in ipairs(options) do
      if ctx.lifecycle(o.id) == "legacy" then out[#out + 1] = o.id end
    end
    return out
  end,
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
