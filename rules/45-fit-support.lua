-- Stage 2 (part 4): Azure support plans and regulated organisations.
-- The support tier follows workload criticality. The option azure_support
-- stands for "buy or upgrade an Azure support plan"; the engage rule
-- engage.support.tier names the tier (the tiers and the one the workloads
-- call for are in 00-shared.lua).
local TIER_ORDER, TIER_NAME = shared.TIER_ORDER, shared.TIER_NAME
local crit, recommended_tier = shared.criticality, shared.recommended_tier

local function held(intake)
  return (intake.procurement or {}).existing_support_plan or "none"
end

rule {
  id = "fit.support.mission_critical",
  stage = "fit",
  weight = "support",
  because = function(intake)
    return crit(intake).mission_critical .. " mission-critical workload(s) need a severity-A response within an hour "
      .. "and proactive guidance: a higher support tier, or a managed partner that provides one."
  end,
  when = function(intake) return (crit(intake).mission_critical or 0) > 0 end,
  score = { azure_support = 30, azure_expert_msp = 5 },
}

rule {
  id = "fit.support.unit_critical",
  stage = "fit",
  weight = "support",
  because = function(intake)
    return crit(intake).unit_critical .. " unit-critical workload(s) stop a business unit when they fail; "
      .. "business-critical support with a one-hour response fits them."
  end,
  when = function(intake)
    return (crit(intake).mission_critical or 0) == 0 and (crit(intake).unit_critical or 0) > 0
  end,
  score = { azure_support = 20 },
}

rule {
  id = "fit.support.production",
  stage = "fit",
  weight = "support",
  because = "Production workloads run without a business-critical label; a production support plan with technical "
    .. "help is still needed once they are in Azure.",
  when = function(intake)
    local c = crit(intake)
    return (c.mission_critical or 0) + (c.unit_critical or 0) == 0
      and (c.high or 0) + (c.medium or 0) + (c.low or 0) > 0
  end,
  score = { azure_support = 10 },
}

rule {
  id = "fit.support.below_tier",
  stage = "fit",
  weight = "support",
  because = function(intake)
    return "Support held today (" .. TIER_NAME[held(intake)] .. ") is below the " .. TIER_NAME[recommended_tier(intake)]
      .. " tier these workloads call for."
  end,
  when = function(intake)
    local t = recommended_tier(intake)
    return TIER_ORDER[t] >= TIER_ORDER.standard and TIER_ORDER[held(intake)] < TIER_ORDER[t]
  end,
  score = { azure_support = 10 },
}

rule {
  id = "fit.support.covered",
  stage = "fit",
  weight = "support",
  because = function(intake)
    return "Support held today (" .. TIER_NAME[held(intake)] .. ") already meets the "
      .. TIER_NAME[recommended_tier(intake)] .. " tier these workloads call for, so no support purchase is needed now."
  end,
  when = function(intake) return TIER_ORDER[held(intake)] >= TIER_ORDER[recommended_tier(intake)] end,
  score = { azure_support = -30 },
}

rule {
  id = "fit.regulation.regulated",
  stage = "fit",
  weight = "regulation",
  because = function(intake)
    local text = "A regulator expects evidence that critical IT is run under control; a support contract with "
      .. "defined response times makes that case more easily than self-service"
    if intake.culture.approach ~= "develop_skills" then
      return text .. ", and work handed to a partner should go to one that is third-party audited."
    end
    return text .. "."
  end,
  when = function(intake) return intake.organisation.regulated end,
  score = function(intake)
    local t = { azure_support = 10, self_service = -10 }
    if intake.culture.approach ~= "develop_skills" then t.azure_expert_msp = 10 end
    return t
  end,
}
