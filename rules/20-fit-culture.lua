-- Stage 2 (part 1): options that fit the organisation's culture.
-- Microsoft programmes change names and are bundled over time. A key of a
-- score table names the programme as an idea: on the assessment date the
-- engine gives its points to the option that carries it then (following
-- the catalogue's lifecycles). Keys under `programmes` do the same, and the
-- reason then says which option carries the programme.

rule {
  id = "fit.baseline.self_service",
  stage = "fit",
  weight = "baseline",
  because = "The Cloud Adoption Framework treats adoption as self-service by default, so doing the work in-house "
    .. "stays a candidate until other signals outweigh it.",
  score = { self_service = 15 },
}

-- What handing work over to an Azure Expert MSP earns it: everything (the
-- offload approach), or a share for each area handed over on its own.
local OFFLOAD_POINTS = { all = 25, per_area = 5 }

-- What a centralized team at enterprise scale adds (fit.culture.model.centralized_at_scale).
local CENTRAL_AT_SCALE = { msp = 5, programme = 10 }

-- How the organisation wants to work with partners.
decide {
  on = "culture.approach",
  stage = "fit",
  weight = "culture",
  rows = {
    { id = "fit.culture.develop_skills", is = "develop_skills",
      when = "#f.kept_skill_gaps > 0 and not f.fasttrack_out_of_reach",
      because = "The team wants to grow its own skills and has real gaps to close ({f.kept_skill_gap_names}); expert "
        .. "guidance from set-up to production suits that best, and a provider that does the work for it suits it "
        .. "less.",
      score = { self_service = 5 }, programmes = { fasttrack_for_azure = 20 } },
    -- FastTrack out of reach (no paid subscription, or winding down with
    -- nothing in its place): the guided route is the partner-delivered
    -- programme that fits the work, not a stranded option
    { id = "fit.culture.develop_skills.build_via_partner", is = "develop_skills",
      when = "#f.kept_skill_gaps > 0 and f.fasttrack_out_of_reach and (f.greenfield or ctx.in_focus.innovate)",
      because = "The team wants to grow its own skills for what it builds ({f.kept_skill_gap_names}), but FastTrack "
        .. "for Azure {f.fasttrack_barrier}; the innovation programme, reached through a qualifying partner, brings "
        .. "Microsoft expertise and skilling to the build instead.",
      score = { self_service = 5 }, programmes = { azure_innovate = 20 } },
    { id = "fit.culture.develop_skills.migrate_via_partner", is = "develop_skills",
      when = "#f.kept_skill_gaps > 0 and f.fasttrack_out_of_reach and f.assets > 0 "
        .. "and not (f.greenfield or ctx.in_focus.innovate)",
      because = "The team wants to grow its own skills ({f.kept_skill_gap_names}), but FastTrack for Azure "
        .. "{f.fasttrack_barrier}; the migration programme, reached through a qualifying partner, brings "
        .. "step-by-step guidance and skill building instead.",
      score = { self_service = 5 }, programmes = { ammp = 20 } },
    { id = "fit.culture.develop_skills.no_route", is = "develop_skills",
      when = "#f.kept_skill_gaps > 0 and f.fasttrack_out_of_reach and f.assets == 0 "
        .. "and not (f.greenfield or ctx.in_focus.innovate)",
      because = "The team wants to grow its own skills ({f.kept_skill_gap_names}), but FastTrack for Azure "
        .. "{f.fasttrack_barrier}, and there is neither a build nor an estate for a partner-delivered programme to "
        .. "guide: learning from the public guidance stays its route.",
      score = { self_service = 5 } },
    -- a team that wants to do the work itself is one disposition: a strong
    -- self-service preference (fit.culture.self_service.high) owns it when
    -- it is stated, and this row does not count it again
    { id = "fit.culture.develop_skills.no_gaps", is = "develop_skills",
      when = "#f.kept_skill_gaps == 0 and f.self_service_preference ~= 'high'",
      because = "The team wants to build its own skills and reports no material gap in the work it keeps, so "
        .. "guided self-service is enough.",
      score = { self_service = 15 } },
    { id = "fit.culture.augment_staff", is = "augment_staff",
      because = "The organisation wants extra hands inside its own teams, which solution providers and managed "
        .. "service partners supply.",
      score = { csp = 10, azure_expert_msp = 10 } },
    { id = "fit.culture.offload", is = "offload", when = "#f.kept_areas == 0",
      because = "The organisation wants whole processes taken off its hands: an Azure Expert MSP is built to run "
        .. "them end to end, a solution provider can take on part of the running, and doing it in-house is the "
        .. "opposite of what was asked.",
      score = { azure_expert_msp = OFFLOAD_POINTS.all, csp = 5, self_service = -20 } },
    -- areas kept back are learnt or staffed in-house: the managed service
    -- earns its share for each area handed over, as with offload.areas
    { id = "fit.culture.offload.keeps_areas", is = "offload", when = "#f.kept_areas > 0",
      because = "The organisation wants most of its processes taken off its hands and keeps {f.kept_areas} for "
        .. "itself; an Azure Expert MSP is built to run the rest end to end, in proportion to how much is handed "
        .. "over, while doing everything in-house is not what was asked.",
      score = function(_, _, f)
        local handed = #areas - #f.kept_areas
        return { azure_expert_msp = math.min(handed * OFFLOAD_POINTS.per_area, OFFLOAD_POINTS.all), csp = 5,
          self_service = -20 }
      end },
  },
}

-- An area kept back to learn, under another default approach, earns the
-- guided route of the date a share (10) of what wanting to learn
-- everything earns (20): the rest of the work goes the default's way.
decide {
  on = "f.learning_route",
  stage = "fit",
  weight = "culture",
  rows = {
    { id = "fit.culture.develop_skills.areas", is = "fasttrack",
      because = "The organisation keeps {f.learning_areas} to learn in-house and is short of {f.learning_gap_names} "
        .. "there; expert guidance through that part of the work, from set-up to production, suits it.",
      programmes = { fasttrack_for_azure = 10 } },
    { id = "fit.culture.develop_skills.areas.build_via_partner", is = "innovation",
      because = "The organisation keeps {f.learning_areas} to learn in-house and is short of {f.learning_gap_names} "
        .. "there, but FastTrack for Azure {f.fasttrack_barrier}; the innovation programme, reached through a "
        .. "qualifying partner, brings Microsoft guidance and skilling to that part of the build instead.",
      programmes = { azure_innovate = 10 } },
    { id = "fit.culture.develop_skills.areas.migrate_via_partner", is = "migration",
      because = "The organisation keeps {f.learning_areas} to learn in-house and is short of {f.learning_gap_names} "
        .. "there, but FastTrack for Azure {f.fasttrack_barrier}; the migration programme, reached through a "
        .. "qualifying partner, brings step-by-step guidance and skill building to that part of the move instead.",
      programmes = { ammp = 10 } },
    { id = "fit.culture.develop_skills.areas.no_route", is = "none",
      because = "The organisation keeps {f.learning_areas} to learn in-house and is short of {f.learning_gap_names} "
        .. "there, but FastTrack for Azure {f.fasttrack_barrier}, and there is neither a build nor an estate for a "
        .. "partner-delivered programme to guide: the public guidance is its route for that part.",
      score = { self_service = 5 } },
  },
}

-- Wanting to learn counts against a provider doing the work, but only for
-- the work kept: an area handed over is not held against the partner
-- taking it (one signal per area, not one per organisation).
rule {
  id = "fit.culture.develop_skills.in_house",
  stage = "fit",
  weight = "culture",
  because = "The team wants to close its own gaps ({f.kept_skill_gap_names}) and hands no area over, so a provider "
    .. "that does the work for it suits it less.",
  when = "f.approach == 'develop_skills' and #f.kept_skill_gaps > 0 and #f.offloaded_areas == 0",
  score = { azure_expert_msp = -5 },
}

rule {
  id = "fit.culture.offload.areas",
  stage = "fit",
  weight = "culture",
  because = "The organisation wants a partner to run {f.offloaded_areas} while the rest follows its own approach; "
    .. "running such processes end to end is what an Azure Expert MSP is audited for, in proportion to how much is "
    .. "handed over.",
  when = "#f.offloaded_areas > 0 and f.approach ~= 'offload'",
  -- the ask is weighed by its size: each area handed over adds its share,
  -- up to what handing over everything earns (fit.culture.offload)
  score = function(_, _, f)
    return { azure_expert_msp = math.min(#f.offloaded_areas * OFFLOAD_POINTS.per_area, OFFLOAD_POINTS.all) }
  end,
}

-- How much the team wants to work from the public guidance alone.
decide {
  on = "culture.self_service_preference",
  stage = "fit",
  weight = "culture",
  rows = {
    { id = "fit.culture.self_service.high", is = "high", when = "#f.offloaded_areas == 0",
      because = "The team strongly prefers to do the work itself from the public guidance, so self-service fits "
        .. "its culture and a fully managed service does not.",
      score = { self_service = 20, azure_expert_msp = -10 } },
    -- the preference is for the work kept: the areas handed over are the
    -- partner's, and a managed service is not marked down for taking them
    { id = "fit.culture.self_service.high.keeps_rest", is = "high", when = "#f.offloaded_areas > 0",
      because = "The team strongly prefers to do the work it keeps itself from the public guidance, so self-service "
        .. "fits; the areas it hands over ({f.offloaded_areas}) are not held against a managed service.",
      score = { self_service = 20 } },
    { id = "fit.culture.self_service.low", is = "low",
      because = "The team does not want to work things out from documentation alone, so self-service is a weak "
        .. "fit and a partner relationship a stronger one.",
      score = { self_service = -15, azure_expert_msp = 5, csp = 5 } },
  },
}

rule {
  id = "fit.culture.risk.low",
  stage = "fit",
  weight = "culture",
  because = "Leadership accepts little risk, which favours audited partners and a support contract with "
    .. "guaranteed response times over learning by doing.",
  when = "f.risk_tolerance == 'low'",
  score = { azure_expert_msp = 5, azure_support = 10, self_service = -10 },
}

rule {
  id = "fit.culture.sponsor.missing",
  stage = "fit",
  weight = "culture",
  because = "No executive sponsor has committed yet: funded Microsoft programmes expect a committed plan, so a "
    .. "bounded, data-driven assessment that builds the business case is the easier first step.",
  when = "not f.executive_sponsor",
  score = { solution_assessment = 10 },
  programmes = { ammp = -10 },
}

-- The cloud operating model.
decide {
  on = "culture.operating_model",
  stage = "fit",
  weight = "culture",
  rows = {
    { id = "fit.culture.model.decentralized", is = "decentralized",
      because = "In a decentralized model each workload team buys and runs its own cloud, which suits a provider "
        .. "that provisions subscriptions and bills per team, and teams that serve themselves.",
      score = { csp = 10, self_service = 5 } },
    { id = "fit.culture.model.enterprise", is = "enterprise",
      because = "An enterprise operating model with a cloud centre of excellence needs an organisation-wide "
        .. "support agreement and partners audited across every CAF methodology.",
      score = { azure_support = 10, azure_expert_msp = 5 } },
    { id = "fit.culture.model.distributed", is = "distributed",
      because = "A distributed model mixes business units at different maturity; a partner audited across every "
        .. "CAF methodology can serve each unit at its own level.",
      score = { azure_expert_msp = 10, csp = 5 } },
    { id = "fit.culture.model.centralized_at_scale", is = "centralized", when = "f.counted_enterprise_scale",
      because = "A centralized team suits a few hundred workloads; with {f.assets} in scope it will need partner "
        .. "capacity or an enterprise-scale programme.",
      score = { azure_expert_msp = CENTRAL_AT_SCALE.msp }, programmes = { ammp = CENTRAL_AT_SCALE.programme } },
    -- below the enterprise line the same load phases in with the counted
    -- estate (f.enterprise_share), so it does not snap on at one asset more
    { id = "fit.culture.model.centralized_nearing_scale", is = "centralized",
      when = "f.enterprise_share > 0 and not f.enterprise_scale",
      because = function(_, _, f)
        return "A centralized team suits a few hundred workloads; " .. f.assets .. " counted ones bring it close to "
          .. "the enterprise line, and the need for partner capacity or an enterprise-scale programme"
          .. (f.migration_programme and (" (on this date " .. f.migration_programme .. ")") or "")
          .. " grows with them."
      end,
      score = function(_, ctx, f)
        local t = {}
        local msp = math.floor(CENTRAL_AT_SCALE.msp * f.enterprise_share + 0.5)
        local programme = math.floor(CENTRAL_AT_SCALE.programme * f.enterprise_share + 0.5)
        if msp ~= 0 then t.azure_expert_msp = msp end
        local cur = ctx.carrier("ammp")
        if cur ~= nil and programme ~= 0 then t[cur] = programme end
        return t
      end },
  },
}
