-- Stage 2 (part 3): options that fit the estate: how big it is, how fast it
-- must move (adoption window, datacenter exit) and how well it is known.

-- The enterprise line is "more than about 1,000": below it, a counted
-- estate on the clock earns the enterprise-scale points in proportion to how
-- far into the band it is (f.enterprise_share), on top of what the mid-size
-- rule gives, so nothing snaps on at one asset more. An estimated estate
-- has no share. Points are whole, rounded half up, before the weight.
local ENTERPRISE = { programme = 35, msp = 10, assessment = 5, self_service = -15 }  -- fit.scale.enterprise
local MID_SIZE = { programme = 20, msp = 5, assessment = 0, self_service = -5 }     -- fit.scale.migration_on_the_clock
local function share_of(points, share) return math.floor(points * share + 0.5) end

rule {
  id = "fit.scale.enterprise",
  stage = "fit",
  weight = "scale",
  because = "More than about {thresholds.enterprise_assets:,} servers, databases and applications ({f.assets}) are "
    .. "to move within two years: that is an enterprise-scale programme, best run with a migration programme and a "
    .. "partner with capacity, not by the in-house team alone.",
  when = "f.counted_enterprise_scale and f.on_the_clock",
  score = { azure_expert_msp = ENTERPRISE.msp, solution_assessment = ENTERPRISE.assessment,
    self_service = ENTERPRISE.self_service },
  programmes = { ammp = ENTERPRISE.programme },
}

-- An estimate near or past the line calls for the count before the
-- commitment. It phases in over the same band as a counted estate
-- (f.size_share), so a guess of 1,020 and one of 980 weigh nearly alike.
local ESTIMATED = { assessment = 25, msp = -MID_SIZE.msp }
rule {
  id = "fit.scale.enterprise.estimated",
  stage = "fit",
  weight = "scale",
  because = function(_, _, f)
    return "An estimate of " .. f.assets .. " servers, databases and applications, on a two-year clock, is "
      .. (f.enterprise_scale and "past" or string.format("%d %% of the way", share_of(100, f.size_share)) .. " to")
      .. " the enterprise line, but nobody has counted them yet: the assessment that counts them comes first; until "
      .. "then the programme earns only what a mid-sized estate on the clock earns, and a managed-service contract "
      .. "sized on the guess waits for the count."
  end,
  when = "f.size_share > 0 and f.estate_estimated and f.on_the_clock",
  -- the mid-size rule fires as well: the assessment first, the programme
  -- at its mid-size points, the MSP's capacity points taken back
  score = function(_, _, f)
    local t = {}
    local function add(option, key)
      local p = share_of(ESTIMATED[key], f.size_share)
      if p ~= 0 then t[option] = p end
    end
    add("solution_assessment", "assessment")
    add("azure_expert_msp", "msp")
    return t
  end,
}

rule {
  id = "fit.scale.large_unhurried",
  stage = "fit",
  weight = "scale",
  because = "The estate is large ({f.assets} servers, databases and applications) but not on a two-year clock, so "
    .. "a migration programme and a capable partner help without being urgent.",
  when = "f.counted_enterprise_scale and not f.on_the_clock",
  score = { azure_expert_msp = 5 },
  programmes = { ammp = 20 },
}

rule {
  id = "fit.scale.small",
  stage = "fit",
  weight = "scale",
  because = "The estate is small ({f.assets} servers, databases and applications); one provider that moves, bills "
    .. "and supports it is proportionate, while an Expert MSP's breadth or a multi-party migration programme is more "
    .. "than it needs.",
  when = "f.small_estate",
  score = { csp = 10, azure_expert_msp = -15 },
  programmes = { ammp = -20 },
}

rule {
  id = "fit.scale.migration_on_the_clock",
  stage = "fit",
  weight = "scale",
  because = function(_, _, f)
    return f.assets .. " servers, databases and applications are to move within " .. f.adoption_window
      .. " months: " .. (f.estate_estimated and "an estimate not yet counted" or "below enterprise scale")
      .. ", but a fixed window where a migration programme's tooling and offers still pay."
  end,
  when = "f.on_the_clock and not f.exit_in_window and not f.counted_enterprise_scale and not f.small_estate "
    .. "and f.assets > 0 and not f.greenfield",
  score = { azure_expert_msp = MID_SIZE.msp, self_service = MID_SIZE.self_service },
  programmes = { ammp = MID_SIZE.programme },
}

rule {
  id = "fit.scale.nearing_enterprise",
  stage = "fit",
  weight = "scale",
  because = function(_, _, f)
    return f.assets .. " counted servers, databases and applications are to move within two years: close to the "
      .. "enterprise line, so the case for an enterprise-scale programme"
      .. (f.migration_programme and (" (on this date " .. f.migration_programme .. ")") or "")
      .. " and a partner with capacity grows with the estate ("
      .. string.format("%d", share_of(100, f.enterprise_share)) .. " % of the way)."
  end,
  when = "f.enterprise_share > 0 and not f.enterprise_scale and f.on_the_clock",
  score = function(_, ctx, f)
    -- under an adoption window the mid-size rule already gives its share;
    -- under a datacenter exit the exit rules stand in for it on both sides
    local base = f.exit_in_window and {} or MID_SIZE
    local t = {}
    local function add(option, key)
      local p = share_of(ENTERPRISE[key] - (base[key] or 0), f.enterprise_share)
      if option ~= nil and p ~= 0 then t[option] = p end
    end
    add("azure_expert_msp", "msp")
    add("solution_assessment", "assessment")
    add("self_service", "self_service")
    add(ctx.carrier("ammp"), "programme")
    return t
  end,
}

-- Migration funding does not apply without an estate, but where the
-- programme has been bundled with innovation funding (Azure Accelerate) the
-- bundle still does: what a table cannot say.
rule {
  id = "fit.scale.greenfield",
  stage = "fit",
  weight = "scale",
  because = function(_, ctx)
    local cur = ctx.carrier("ammp")
    if cur ~= nil and cur == ctx.carrier("azure_innovate") then
      return "There are no existing servers or databases, so there is no estate to assess; " .. option_name(cur)
        .. " still applies because it also funds new solutions."
    end
    return "There are no existing servers or databases, so there is no estate to assess or migrate."
  end,
  when = "f.greenfield",
  score = function(_, ctx)
    local t = { solution_assessment = -15 }
    local cur = ctx.carrier("ammp")
    if cur ~= nil and cur ~= ctx.carrier("azure_innovate") then t[cur] = -20 end
    return t
  end,
}

rule {
  id = "fit.time.exit_near",
  stage = "fit",
  weight = "time",
  because = "The datacenter-exit deadline {f.exit_distance}: the migration needs a programme's tooling and offers "
    .. "now, and learning everything in-house would take too long.",
  when = "f.exit_near and f.assets > 0",
  score = { self_service = -20 },
  programmes = { ammp = 30 },
}

-- The extra hands a near exit calls for come from a new managed-service
-- partner only while one can still be contracted before it; otherwise only
-- from a partner already signed (fit.procurement.incumbent.only_route),
-- and with none, a new partner's hands come after the exit like any
-- other's, so they earn nothing here.
rule {
  id = "fit.time.exit_near.capacity",
  stage = "fit",
  weight = "time",
  because = "The datacenter-exit deadline {f.exit_distance}: a partner with capacity can add the hands the "
    .. "migration needs before it.",
  when = "f.exit_near and f.assets > 0 and not f.new_contract_late",
  score = { azure_expert_msp = 15 },
}

rule {
  id = "fit.time.exit_within_two_years",
  stage = "fit",
  weight = "time",
  because = "The datacenter must be vacated in {f.exit_days} days: enough time to plan, but the migration has to run "
    .. "to a fixed date, which a migration programme supports.",
  when = "f.exit_in_window and not f.exit_near and f.assets > 0",
  score = { azure_expert_msp = 5, self_service = -5 },
  programmes = { ammp = 20 },
}

-- An exit beyond the window is still a fixed date: without this rule the
-- programme's points fell away one day past the window (sensitivity check).
rule {
  id = "fit.time.exit_later",
  stage = "fit",
  weight = "time",
  because = "The datacenter must be vacated in {f.exit_days} days: beyond the two-year window, but still a fixed "
    .. "date that a migration programme's planning and tooling help the team meet.",
  when = "f.exit_days ~= nil and not f.exit_in_window and f.assets > 0",
  programmes = { ammp = 20 },
}

rule {
  id = "fit.estate.unknown",
  stage = "fit",
  weight = "estate",
  because = "The estate has not been fully inventoried; a Solution Assessment collects the data with tooling and "
    .. "turns it into cost and migration recommendations before anything is committed.",
  when = "not f.inventory_complete and not f.greenfield",
  score = { solution_assessment = 30 },
}

-- A complete list with guessed counts is half the evidence: the systems
-- are known, their size is not, and proposals are priced on the size, so
-- it weighs as much as no inventory at all (fit.estate.unknown).
rule {
  id = "fit.estate.counts_estimated",
  stage = "fit",
  weight = "estate",
  because = "The list of systems is complete but its counts ({f.assets}) are estimates; proposals and programme "
    .. "funding are sized on counted numbers, which a Solution Assessment's tooling collects.",
  when = "f.counts_estimated and f.inventory_complete and f.assets > 0 and not f.greenfield",
  score = { solution_assessment = 30 },
}

rule {
  id = "fit.estate.known",
  stage = "fit",
  weight = "estate",
  because = "The inventory is complete, its counts are counted rather than estimated, and planning is not a focus "
    .. "area, so a separate assessment would add little.",
  when = "not f.estate_estimated and not ctx.in_focus.plan",
  score = { solution_assessment = -10 },
}

-- Plan as a focus area earns the assessment its points (fit.need.plan),
-- but a small estate that is fully counted has nothing left for tooling to
-- discover: the plan it lacks is one the provider moving it helps write.
rule {
  id = "fit.estate.known.small",
  stage = "fit",
  weight = "estate",
  because = "The inventory is complete and counted, and the estate is small ({f.assets} servers, databases and "
    .. "applications): a tooling-based assessment would find nothing the inventory does not already say, and the "
    .. "plan still missing is one the partner that moves it can help write.",
  when = "not f.estate_estimated and ctx.in_focus.plan and f.small_estate",
  score = { solution_assessment = -20 },
}
