-- Stage 2 (part 3): options that fit the estate: how big it is, how fast it
-- must move (adoption window, datacenter exit) and how well it is known.

local add, estate, assets = shared.add, shared.estate, shared.assets

local function exit_days(intake, ctx)
  return ctx.days_until(estate(intake).datacenter_exit)
end

-- "Within 18 to 24 months": the stated adoption window, or a datacenter exit
-- less than two years away.
local function within_two_years(intake, ctx)
  local w = estate(intake).adoption_window_months
  local d = exit_days(intake, ctx)
  return (w ~= nil and w <= 24) or (d ~= nil and d <= 730)
end

local function greenfield(intake)
  local e = intake.estate
  return e ~= nil and e.servers ~= nil and (e.servers or 0) + (e.databases or 0) == 0
end

rule {
  id = "fit.scale.enterprise",
  stage = "fit",
  weight = "scale",
  because = function(intake, ctx)
    return "More than about 1,000 servers, databases and applications (" .. assets(intake)
      .. ") are to move within two years: that is an enterprise-scale programme, best run with a migration "
      .. "programme and a partner with capacity, not by a small in-house team." .. ctx.successor_note("ammp")
  end,
  when = function(intake, ctx) return assets(intake) > 1000 and within_two_years(intake, ctx) end,
  score = function(_, ctx)
    local t = { azure_expert_msp = 15, solution_assessment = 5, self_service = -15 }
    add(t, ctx.carrier("ammp"), 25)
    return t
  end,
}

rule {
  id = "fit.scale.large_unhurried",
  stage = "fit",
  weight = "scale",
  because = function(intake, ctx)
    return "The estate is large (" .. assets(intake) .. " servers, databases and applications) but not on a "
      .. "two-year clock, so a migration programme and a capable partner help without being urgent."
      .. ctx.successor_note("ammp")
  end,
  when = function(intake, ctx) return assets(intake) > 1000 and not within_two_years(intake, ctx) end,
  score = function(_, ctx)
    local t = { azure_expert_msp = 10 }
    add(t, ctx.carrier("ammp"), 10)
    return t
  end,
}

rule {
  id = "fit.scale.small",
  stage = "fit",
  weight = "scale",
  because = function(intake, ctx)
    return "The estate is small (" .. assets(intake) .. " servers, databases and applications); one provider that "
      .. "moves, bills and supports it is proportionate, while an Expert MSP's breadth or a multi-party migration "
      .. "programme is more than it needs." .. ctx.successor_note("ammp")
  end,
  when = function(intake) return assets(intake) <= 50 and not greenfield(intake) and assets(intake) > 0 end,
  score = function(_, ctx)
    local t = { csp = 10, azure_expert_msp = -15 }
    add(t, ctx.carrier("ammp"), -20)
    return t
  end,
}

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
  when = function(intake) return greenfield(intake) end,
  score = function(_, ctx)
    local t = { solution_assessment = -15 }
    -- Migration funding no longer applies, but where the programme has been
    -- bundled with innovation funding (Azure Accelerate) the bundle still does.
    local cur = ctx.carrier("ammp")
    if cur ~= nil and cur == (ctx.carrier("azure_innovate") or "") then return t end
    add(t, cur, -20)
    return t
  end,
}

rule {
  id = "fit.time.exit_near",
  stage = "fit",
  weight = "time",
  because = function(intake, ctx)
    local d = exit_days(intake, ctx)
    local when_text = d < 0 and ("passed " .. -d .. " days ago") or ("is " .. d .. " days away")
    return "The datacenter-exit deadline " .. when_text .. ": the migration needs a programme's tooling and "
      .. "offers plus a partner's extra capacity now, and learning everything in-house would take too long."
      .. ctx.successor_note("ammp")
  end,
  when = function(intake, ctx)
    local d = exit_days(intake, ctx)
    return d ~= nil and d <= 365 and assets(intake) > 0
  end,
  score = function(_, ctx)
    local t = { azure_expert_msp = 15, self_service = -20 }
    add(t, ctx.carrier("ammp"), 20)
    return t
  end,
}

rule {
  id = "fit.time.exit_within_two_years",
  stage = "fit",
  weight = "time",
  because = function(intake, ctx)
    return "The datacenter must be vacated in " .. exit_days(intake, ctx) .. " days: enough time to plan, but the "
      .. "migration has to run to a fixed date, which a migration programme supports." .. ctx.successor_note("ammp")
  end,
  when = function(intake, ctx)
    local d = exit_days(intake, ctx)
    return d ~= nil and d > 365 and d <= 730 and assets(intake) > 0
  end,
  score = function(_, ctx)
    local t = { azure_expert_msp = 5 }
    add(t, ctx.carrier("ammp"), 10)
    return t
  end,
}

rule {
  id = "fit.estate.unknown",
  stage = "fit",
  weight = "estate",
  because = "The estate has not been fully inventoried; a Solution Assessment collects the data with tooling and "
    .. "turns it into cost and migration recommendations before anything is committed.",
  when = function(intake) return not estate(intake).inventory_complete and not greenfield(intake) end,
  score = { solution_assessment = 30 },
}

rule {
  id = "fit.estate.known",
  stage = "fit",
  weight = "estate",
  because = "The inventory is complete and planning is not a focus area, so a separate assessment would add little.",
  when = function(intake, ctx)
    return estate(intake).inventory_complete and (ctx.need.plan or 0) < policy.needs.focus_level
  end,
  score = { solution_assessment = -10 },
}
