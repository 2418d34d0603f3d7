-- Stage 2 (part 4): Azure support plans and regulated organisations.
-- The support tier follows workload criticality (the facts recommended_tier
-- and support_held, 00-facts.lua). The option azure_support stands for "buy
-- or upgrade an Azure support plan"; the engage rule engage.support.tier
-- names the tier.

rule {
  id = "fit.support.mission_critical",
  stage = "fit",
  weight = "support",
  because = "{f.mission_critical_workloads}: a severity-A response within an hour and proactive guidance are "
    .. "needed, which a higher support tier gives.",
  when = "f.mission_critical > 0",
  score = { azure_support = 30 },
}

-- A need already met earns nothing for anyone: once the plan held covers
-- the tier, the managed partner's share of the support case goes too.
rule {
  id = "fit.support.mission_critical.partner",
  stage = "fit",
  weight = "support",
  because = "The plan held today ({f.support_held_name}) does not give the {f.mission_critical_workloads} "
    .. "the response needed; a managed partner that provides it is another way to close the gap.",
  when = "f.mission_critical > 0 and not f.support_covered",
  score = { azure_expert_msp = 5 },
}

rule {
  id = "fit.support.unit_critical",
  stage = "fit",
  weight = "support",
  because = "{f.unit_critical_workloads}: an outage stops a business unit, so business-critical "
    .. "support with a one-hour response fits them.",
  when = "f.mission_critical == 0 and f.unit_critical > 0",
  score = { azure_support = 20 },
}

rule {
  id = "fit.support.production",
  stage = "fit",
  weight = "support",
  because = "Production workloads run without a business-critical label; a production support plan with technical "
    .. "help is still needed once they are in Azure.",
  when = "f.mission_critical + f.unit_critical == 0 and f.production_workloads > 0",
  score = { azure_support = 10 },
}

rule {
  id = "fit.support.below_tier",
  stage = "fit",
  weight = "support",
  because = "Support held today ({f.support_held_name}) is below the {f.recommended_tier_name} tier these workloads "
    .. "call for.",
  when = "f.support_below_tier",
  score = { azure_support = 10 },
}

-- A gap in production is open today, not at a future go-live: the
-- purchase is due now and outranks advice that can wait.
rule {
  id = "fit.support.live_gap",
  stage = "fit",
  weight = "support",
  because = "Production already runs in Azure with {f.support_held_name} held, below the {f.recommended_tier_name} "
    .. "tier its workloads call for: the gap is open today, so closing it comes first.",
  when = "f.live_support_gap",
  score = { azure_support = 20 },
}

-- Business-critical workloads live without their tier: no provider's
-- first-line support answers for them, so the plan leads any partner.
rule {
  id = "fit.support.live_gap.critical",
  stage = "fit",
  weight = "support",
  because = "The workloads running short of support today are business-critical ({f.recommended_tier_name}): no "
    .. "provider's first-line support answers for them, so buying the plan comes before choosing a partner.",
  when = "f.live_support_gap and f.critical_tier",
  score = { azure_support = 10 },
}

rule {
  id = "fit.support.covered",
  stage = "fit",
  weight = "support",
  because = "Support held today ({f.support_held_name}) already meets the {f.recommended_tier_name} tier these "
    .. "workloads call for, so no support purchase is needed now.",
  when = "f.support_covered",
  score = { azure_support = -30 },
}

-- Work handed to a partner should go to an audited one, unless the team
-- means to do it itself: a reason and points that depend on the approach.
rule {
  id = "fit.regulation.regulated",
  stage = "fit",
  weight = "regulation",
  because = function(_, _, f)
    local text = "A regulator expects evidence that critical IT is run under control; a support contract with "
      .. "defined response times makes that case more easily than self-service"
    if f.approach ~= "develop_skills" then
      return text .. ", and work handed to a partner should go to one that is third-party audited."
    end
    return text .. "."
  end,
  when = "f.regulated",
  score = function(_, _, f)
    local t = { azure_support = 10, self_service = -10 }
    if f.approach ~= "develop_skills" then t.azure_expert_msp = 10 end
    return t
  end,
}
