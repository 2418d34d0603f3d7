-- Stage 2 (part 1): options that fit the organisation's culture.
-- Microsoft programmes change names and are bundled over time; the DSL's
-- `ctx.carrier` resolves a programme to the option that carries it on the
-- assessment date (following the lifecycle successors in the policy), so
-- rules are written once against the idea and score whatever is current.

local add, skill_gaps, assets = shared.add, shared.skill_gaps, shared.assets

rule {
  id = "fit.baseline.self_service",
  stage = "fit",
  weight = "baseline",
  because = "The Cloud Adoption Framework treats adoption as self-service by default, so doing the work in-house "
    .. "stays a candidate until other signals outweigh it.",
  score = { self_service = 15 },
}

rule {
  id = "fit.culture.develop_skills",
  stage = "fit",
  weight = "culture",
  because = function(intake, ctx)
    return "The team wants to grow its own skills and has real gaps to close ("
      .. table.concat(skill_gaps(intake, 2), ", ")
      .. "); Microsoft engineers guiding it from set-up to production suit that best, and a provider that "
      .. "does the work for it suits it less."
      .. ctx.successor_note("fasttrack_for_azure")
  end,
  when = function(intake) return intake.culture.approach == "develop_skills" and #skill_gaps(intake, 2) > 0 end,
  score = function(_, ctx)
    local t = { self_service = 5, azure_expert_msp = -5 }
    add(t, ctx.carrier("fasttrack_for_azure"), 20)
    return t
  end,
}

rule {
  id = "fit.culture.develop_skills.no_gaps",
  stage = "fit",
  weight = "culture",
  because = "The team wants to build its skills itself and reports no material gaps, so guided self-service is enough.",
  when = function(intake) return intake.culture.approach == "develop_skills" and #skill_gaps(intake, 2) == 0 end,
  score = { self_service = 15 },
}

rule {
  id = "fit.culture.augment_staff",
  stage = "fit",
  weight = "culture",
  because = "The organisation wants extra hands inside its own teams, which solution providers and managed service "
    .. "partners supply.",
  when = function(intake) return intake.culture.approach == "augment_staff" end,
  score = { csp = 10, azure_expert_msp = 10 },
}

rule {
  id = "fit.culture.offload",
  stage = "fit",
  weight = "culture",
  because = "The organisation wants whole processes taken off its hands; an Azure Expert MSP is built to run them "
    .. "end to end, and doing it in-house is the opposite of what was asked.",
  when = function(intake) return intake.culture.approach == "offload" end,
  score = { azure_expert_msp = 25, csp = 5, self_service = -20 },
}

rule {
  id = "fit.culture.self_service.high",
  stage = "fit",
  weight = "culture",
  because = "The team strongly prefers to do the work itself from the public guidance, so self-service fits its "
    .. "culture and a fully managed service does not.",
  when = function(intake) return intake.culture.self_service_preference == "high" end,
  score = { self_service = 20, azure_expert_msp = -10 },
}

rule {
  id = "fit.culture.self_service.low",
  stage = "fit",
  weight = "culture",
  because = "The team does not want to work things out from documentation alone, so self-service is a weak fit "
    .. "and a partner relationship a stronger one.",
  when = function(intake) return intake.culture.self_service_preference == "low" end,
  score = { self_service = -15, azure_expert_msp = 5, csp = 5 },
}

rule {
  id = "fit.culture.risk.low",
  stage = "fit",
  weight = "culture",
  because = "Leadership accepts little risk, which favours audited partners and a support contract with "
    .. "guaranteed response times over learning by doing.",
  when = function(intake) return intake.culture.risk_tolerance == "low" end,
  score = { azure_expert_msp = 5, azure_support = 10, self_service = -10 },
}

rule {
  id = "fit.culture.sponsor.missing",
  stage = "fit",
  weight = "culture",
  because = function(_, ctx)
    return "No executive sponsor has committed yet: funded Microsoft programmes expect a committed plan, so a "
      .. "bounded, data-driven assessment that builds the business case is the easier first step."
      .. ctx.successor_note("ammp")
  end,
  when = function(intake) return not intake.culture.executive_sponsor end,
  score = function(_, ctx)
    local t = { solution_assessment = 10 }
    add(t, ctx.carrier("ammp"), -10)
    return t
  end,
}

rule {
  id = "fit.culture.model.decentralized",
  stage = "fit",
  weight = "culture",
  because = "In a decentralized model each workload team buys and runs its own cloud, which suits a provider that "
    .. "provisions subscriptions and bills per team, and teams that serve themselves.",
  when = function(intake) return intake.culture.operating_model == "decentralized" end,
  score = { csp = 10, self_service = 5 },
}

rule {
  id = "fit.culture.model.enterprise",
  stage = "fit",
  weight = "culture",
  because = "An enterprise operating model with a cloud centre of excellence needs an organisation-wide support "
    .. "agreement and partners audited across every CAF methodology.",
  when = function(intake) return intake.culture.operating_model == "enterprise" end,
  score = { azure_support = 10, azure_expert_msp = 5 },
}

rule {
  id = "fit.culture.model.distributed",
  stage = "fit",
  weight = "culture",
  because = "A distributed model mixes business units at different maturity; a partner audited across every CAF "
    .. "methodology can serve each unit at its own level.",
  when = function(intake) return intake.culture.operating_model == "distributed" end,
  score = { azure_expert_msp = 10, csp = 5 },
}

rule {
  id = "fit.culture.model.centralized_at_scale",
  stage = "fit",
  weight = "culture",
  because = function(intake, ctx)
    return "A centralized team suits a few hundred workloads; with " .. assets(intake)
      .. " in scope it will need partner capacity or an enterprise-scale programme." .. ctx.successor_note("ammp")
  end,
  when = function(intake) return intake.culture.operating_model == "centralized" and assets(intake) > 1000 end,
  score = function(_, ctx)
    local t = { azure_expert_msp = 10 }
    add(t, ctx.carrier("ammp"), 5)
    return t
  end,
}
