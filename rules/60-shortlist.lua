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
  because = "The programme is winding down and what replaces it has not started on this date: ask {f.who_to_ask} "
    .. "which route is open before counting on it.",
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
  id = "shortlist.support.through_csp",
  stage = "shortlist",
  because = "Support comes with the Cloud Solution Provider (bought through one today, or part of the one invoice "
    .. "wanted), and the workloads need no more than its first-line support covers: a direct plan is nothing "
    .. "separate to buy, so it takes no place on the shortlist.",
  when = "f.support_through_csp",
  exclude = { "azure_support" },
}

rule {
  id = "shortlist.msp.small",
  stage = "shortlist",
  because = "A small organisation that hands no process over to be run for it buys help in proportion: one "
    .. "solution provider, not an audited managed service built for consumption at scale.",
  when = "f.msp_out_of_proportion",
  exclude = { "azure_expert_msp" },
}

-- One invoice means one provider. An Expert MSP provisions and bills as a
-- solution provider does, so when it ranks above the CSP and stays on the
-- list, the CSP would be the second invoice the organisation asked not to
-- have. Not when the CSP is the incumbent and its head start matters: a
-- new MSP may not be signed in time.
rule {
  id = "shortlist.csp.msp_bills",
  stage = "shortlist",
  because = "One invoice is wanted, and the Azure Expert MSP ranked above the Cloud Solution Provider provisions, "
    .. "bills and answers first-line support itself: a provider beside it would be a second contract and a second "
    .. "invoice.",
  -- the MSP must reach the shortlist itself to be the one that bills
  when = "f.billing_preference == 'single_invoice' and not f.msp_out_of_proportion "
    .. "and not (f.incumbent_partner == 'csp' and f.contracting_presses) "
    .. "and ctx.score.azure_expert_msp > ctx.score.csp and ctx.score.azure_expert_msp >= ctx.min_score",
  exclude = { "csp" },
}

-- Under an enterprise agreement Azure is bought from Microsoft directly: a
-- solution provider's billing and provisioning are not needed, and the
-- hands it would add come from the Expert MSP ranked above it.
rule {
  id = "shortlist.csp.under_agreement",
  stage = "shortlist",
  because = "Azure is bought directly under an enterprise agreement, so a solution provider's provisioning and "
    .. "billing are not needed, and the Azure Expert MSP ranked above it supplies the hands: a provider beside it "
    .. "would be one more contract, not more help.",
  -- the MSP must reach the shortlist itself to be the one supplying hands
  when = "f.billing_preference == 'enterprise_agreement' and not f.msp_out_of_proportion "
    .. "and f.incumbent_partner ~= 'csp' and ctx.score.azure_expert_msp > ctx.score.csp "
    .. "and ctx.score.azure_expert_msp >= ctx.min_score",
  exclude = { "csp" },
}

rule {
  id = "shortlist.programme.small",
  stage = "shortlist",
  because = "A small organisation with a small estate moves it with one provider: a migration programme's "
    .. "nominations, funding requests and several parties are out of proportion to a few dozen workloads, unless "
    .. "it is building something new, where the programme's innovation funding still fits.",
  when = "f.small_organisation and f.small_estate and not ctx.in_focus.innovate",
  exclude = { "ammp" },
}

rule {
  id = "shortlist.fasttrack.subscription",
  stage = "shortlist",
  because = "FastTrack for Azure requires an active paid subscription, which the organisation does not have yet.",
  when = "f.fasttrack_closed",
  exclude = { "fasttrack_for_azure" },
}

rule {
  id = "shortlist.self_service.deadline",
  stage = "shortlist",
  because = "Self-service suits teams with no pressing deadline; a datacenter exit that {f.exit_distance}, with a "
    .. "team that is still maturing, rules it out.",
  when = "f.exit_near and f.average_maturity < thresholds.defined_maturity",
  exclude = { "self_service" },
}
