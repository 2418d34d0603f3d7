-- Stage 2 (part 2): options that fit the needs per area, the team's overall
-- maturity and its skill gaps. Area rules fire when the area's need level
-- reaches the policy's focus level and scale their points with the level
-- (need 3 = 60 %, 4 = 80 %, 5 = 100 % of the listed points).

local add, skill_gaps, average_maturity = shared.add, shared.skill_gaps, shared.average_maturity

local function gap(intake, skill)
  local v = (intake.skills or {})[skill]
  if v == nil then return 0 end
  return (v.need or 0) - (v.have or 0)
end

local function focus(ctx, area)
  return (ctx.need[area] or 0) >= policy.needs.focus_level
end

-- Scales a table of points by the need level of an area.
local function scaled(ctx, area, points)
  local f = (ctx.need[area] or 0) / policy.needs.max_level
  local t = {}
  for _, id in ipairs(sorted_keys(points)) do
    t[id] = math.floor(points[id] * f + 0.5)
  end
  return t
end

-- One rule per CAF area: who typically helps there.
local AREA_HELP = {
  { area = "strategy",
    because = "Strategy is a focus area: a data-driven assessment or a consulting partner can build the business "
      .. "case and technology strategy, and Microsoft engineers can help shape the vision.",
    points = function(ctx)
      local t = { solution_assessment = 10, azure_expert_msp = 5 }
      add(t, ctx.carrier("fasttrack_for_azure"), 5)
      return t
    end },
  { area = "plan",
    because = "Plan is a focus area: discovering the portfolio and assessing the estate with tooling is exactly what "
      .. "a Solution Assessment delivers, and migration programmes bring assessment tools too.",
    points = function(ctx)
      local t = { solution_assessment = 20 }
      add(t, ctx.carrier("ammp"), 10)
      return t
    end },
  { area = "ready",
    because = "Ready is a focus area: a landing zone is best built with expert guidance or by a partner that also "
      .. "provisions the subscriptions.",
    points = function(ctx)
      local t = { azure_expert_msp = 5, csp = 5 }
      add(t, ctx.carrier("fasttrack_for_azure"), 15)
      return t
    end },
  { area = "migrate",
    because = "Migrate is a focus area: a migration programme brings partners, Microsoft staff, free tooling and "
      .. "offers that lower the cost of moving workloads.",
    points = function(ctx)
      local t = { azure_expert_msp = 5, csp = 5 }
      add(t, ctx.carrier("ammp"), 25)
      return t
    end },
  { area = "innovate",
    because = "Innovate is a focus area: building or re-architecting solutions benefits from innovation funding and "
      .. "from Microsoft engineers who have built similar solutions.",
    points = function(ctx)
      local t = {}
      add(t, ctx.carrier("azure_innovate") or ctx.carrier("ammp"), 25)
      add(t, ctx.carrier("fasttrack_for_azure"), 10)
      return t
    end },
  { area = "govern",
    because = "Govern is a focus area: ongoing governance and controls are a managed service that Azure Expert MSPs "
      .. "are audited to deliver.",
    points = function() return { azure_expert_msp = 15 } end },
  { area = "manage",
    because = "Manage is a focus area: operating the platform and workloads calls for a managed service provider, "
      .. "or at least a provider or support plan that answers when things break.",
    points = function() return { azure_expert_msp = 15, csp = 10, azure_support = 10 } end },
}

for _, h in ipairs(AREA_HELP) do
  rule {
    id = "fit.need." .. h.area,
    stage = "fit",
    weight = "needs",
    because = h.because,
    when = function(_, ctx) return focus(ctx, h.area) end,
    score = function(_, ctx) return scaled(ctx, h.area, h.points(ctx)) end,
  }
end

rule {
  id = "fit.need.breadth",
  stage = "fit",
  weight = "needs",
  because = function(_, ctx)
    return #ctx.focus_areas .. " of the seven areas need help (" .. table.concat(ctx.focus_areas, ", ")
      .. "); one partner audited across every methodology avoids stitching several together, and in-house "
      .. "alone is unrealistic."
  end,
  when = function(intake, ctx) return #ctx.focus_areas >= 5 and intake.culture.approach ~= "develop_skills" end,
  score = { azure_expert_msp = 15, self_service = -10 },
}

rule {
  id = "fit.need.none",
  stage = "fit",
  weight = "needs",
  because = "No area reaches the focus level, so the team can carry on with the CAF guidance on its own.",
  when = function(_, ctx) return #ctx.focus_areas == 0 end,
  score = { self_service = 25 },
}

rule {
  id = "fit.maturity.high",
  stage = "fit",
  weight = "maturity",
  because = function(intake)
    return string.format("Average maturity across the seven areas is %.1f of 5, high enough for the team to lead "
      .. "its own adoption.", average_maturity(intake))
  end,
  when = function(intake) return average_maturity(intake) >= 3.5 end,
  score = { self_service = 20 },
}

rule {
  id = "fit.maturity.low",
  stage = "fit",
  weight = "maturity",
  because = function(intake)
    return string.format("Average maturity across the seven areas is only %.1f of 5; a partner that can cover "
      .. "several areas at once is safer than learning everything in-house.", average_maturity(intake))
  end,
  when = function(intake) return average_maturity(intake) < 1.5 end,
  score = { azure_expert_msp = 5, self_service = -15 },
}

rule {
  id = "fit.skills.broad_gap",
  stage = "fit",
  weight = "skills",
  because = function(intake)
    local g = skill_gaps(intake, 2)
    return #g .. " skill areas are two or more levels short of what the plans need (" .. table.concat(g, ", ")
      .. "); few teams close that many gaps alone, which is where a broad managed partner helps."
  end,
  when = function(intake) return #skill_gaps(intake, 2) >= 5 and intake.culture.approach ~= "develop_skills" end,
  score = { azure_expert_msp = 15, self_service = -15 },
}

rule {
  id = "fit.skills.broad_gap.learn",
  stage = "fit",
  weight = "skills",
  because = function(intake, ctx)
    local g = skill_gaps(intake, 2)
    return #g .. " skill areas are two or more levels short (" .. table.concat(g, ", ") .. ") and the team wants to "
      .. "close them itself; that many gaps need structured guidance from Microsoft engineers, not reading alone."
      .. ctx.successor_note("fasttrack_for_azure")
  end,
  when = function(intake) return #skill_gaps(intake, 2) >= 5 and intake.culture.approach == "develop_skills" end,
  score = function(_, ctx)
    local t = { self_service = -10 }
    add(t, ctx.carrier("fasttrack_for_azure"), 10)
    return t
  end,
}

rule {
  id = "fit.skills.no_gap",
  stage = "fit",
  weight = "skills",
  because = "The team already has every skill its plans call for, which is the main precondition of self-service.",
  when = function(intake)
    return intake.skills ~= nil and #sorted_keys(intake.skills) > 0 and #skill_gaps(intake, 1) == 0
  end,
  score = { self_service = 15 },
}

rule {
  id = "fit.skills.operations",
  stage = "fit",
  weight = "skills",
  because = "Operations skills (keeping the platform ready, administered, monitored and protected) are short by two "
    .. "levels or more; a managed service or a support plan covers the gap while it is closed.",
  when = function(intake) return gap(intake, "operations") >= 2 end,
  score = { azure_expert_msp = 10, azure_support = 5 },
}

rule {
  id = "fit.skills.build",
  stage = "fit",
  weight = "skills",
  because = function(_, ctx)
    return "AI, data or cloud-native skills are short for the solutions the team wants to build; expert engineers and "
      .. "innovation funding shorten the learning curve." .. ctx.successor_note("azure_innovate")
  end,
  when = function(intake, ctx)
    return focus(ctx, "innovate")
      and (gap(intake, "ai") >= 2 or gap(intake, "data") >= 2 or gap(intake, "cloud_native") >= 2)
  end,
  score = function(_, ctx)
    local t = {}
    add(t, ctx.carrier("azure_innovate") or ctx.carrier("ammp"), 10)
    add(t, ctx.carrier("fasttrack_for_azure"), 5)
    return t
  end,
}

rule {
  id = "fit.skills.finops",
  stage = "fit",
  weight = "skills",
  because = "FinOps skills are short; a provider's consolidated billing and cost reporting gives spending control "
    .. "while the team learns to manage cloud costs.",
  when = function(intake) return gap(intake, "finops") >= 2 end,
  score = { csp = 5, azure_expert_msp = 5 },
}
