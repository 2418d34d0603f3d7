-- Stage 3: shortlist. The policy keeps the best-scoring options above the
-- minimum score; these rules take out options that must not be pursued first
-- whatever their score.

local average_maturity = shared.average_maturity

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
  when = function(intake, ctx)
    return ctx.lifecycle("fasttrack_for_azure") == "active"
      and not (intake.procurement or {}).active_paid_subscription
  end,
  exclude = { "fasttrack_for_azure" },
}

rule {
  id = "shortlist.self_service.deadline",
  stage = "shortlist",
  because = "Self-service suits teams with no pressing deadline; a datacenter exit within a year, with a team that "
    .. "is still maturing, rules it out as a first option.",
  when = function(intake, ctx)
    local d = ctx.days_until((intake.estate or {}).datacenter_exit)
    return d ~= nil and d <= 365 and average_maturity(intake) < 3
  end,
  exclude = { "self_service" },
}
