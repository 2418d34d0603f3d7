-- Stage 1 of the partner alignment strategy: understand support needs.
-- Each rule adds need points to CAF areas; the engine sums them per area and
-- clamps the result to 0..needs.max_level. Areas at or above
-- needs.focus_level become ctx.focus_areas for the later stages.

-- Which CAF areas a missing skill shows up in.
local SKILL_AREAS = {
  cloud_architecture = { "plan", "ready" },
  networking = { "ready" },
  identity = { "ready", "govern" },
  security = { "ready", "govern" },
  governance = { "govern" },
  operations = { "manage" },
  iac_devops = { "ready" },
  data = { "migrate", "innovate" },
  cloud_native = { "innovate" },
  ai = { "innovate" },
  finops = { "strategy", "govern" },
}

local URGENCY_POINTS = { low = 1, medium = 2, high = 3 }

local estate, criticality, assets, add = shared.estate, shared.criticality, shared.assets, shared.add

rule {
  id = "needs.maturity",
  stage = "needs",
  because = "Below defined practice (maturity 3) an area needs outside help in proportion to how far it falls short: "
    .. "3 points at maturity 0, 2 at 1, 1 at 2.",
  need = function(intake)
    local t = {}
    for _, a in ipairs(areas) do
      local m = intake.maturity[a] or 0
      if m < 3 then add(t, a, 3 - m) end
    end
    return t
  end,
}

rule {
  id = "needs.help.requested",
  stage = "needs",
  because = "The team asked for help in this area itself; the more urgent the request, the higher the need "
    .. "(1 point low, 2 medium, 3 high).",
  when = function(intake) return intake.help ~= nil and #intake.help > 0 end,
  need = function(intake)
    local t = {}
    for _, h in ipairs(intake.help) do
      add(t, h.area, URGENCY_POINTS[h.urgency or "medium"] or 2)
    end
    return t
  end,
}

rule {
  id = "needs.skills.gaps",
  stage = "needs",
  because = function(intake)
    local names = {}
    local s = intake.skills or {}
    for _, k in ipairs(sorted_keys(s)) do
      local v = s[k]
      if (v.need or 0) - (v.have or 0) >= 2 then names[#names + 1] = k end
    end
    return "Skills the plans require but the team lacks (" .. table.concat(names, ", ")
      .. ") raise the need in the areas that depend on them: 1 point for a gap of 2 levels, 2 for 3 or more."
  end,
  when = function(intake)
    local s = intake.skills or {}
    for _, k in ipairs(sorted_keys(s)) do
      if (s[k].need or 0) - (s[k].have or 0) >= 2 then return true end
    end
    return false
  end,
  need = function(intake)
    local best = {}
    local s = intake.skills or {}
    for _, k in ipairs(sorted_keys(s)) do
      local gap = (s[k].need or 0) - (s[k].have or 0)
      local pts = (gap >= 3 and 2) or (gap == 2 and 1) or 0
      if pts > 0 then
        for _, a in ipairs(SKILL_AREAS[k] or {}) do
          if pts > (best[a] or 0) then best[a] = pts end
        end
      end
    end
    return best
  end,
}

rule {
  id = "needs.estate.unknown",
  stage = "needs",
  because = "There is no complete, current inventory of the estate, so the portfolio must be discovered and "
    .. "assessed before an adoption plan can be trusted.",
  when = function(intake) return not estate(intake).inventory_complete end,
  need = { plan = 2 },
}

rule {
  id = "needs.scale.enterprise",
  stage = "needs",
  because = function(intake)
    return "With " .. assets(intake) .. " servers, databases and applications in scope (more than about 1,000), "
      .. "planning, landing zones, governance and the migration itself have to work at enterprise scale."
  end,
  when = function(intake) return assets(intake) > 1000 end,
  need = { plan = 1, ready = 1, migrate = 1, govern = 1 },
}

rule {
  id = "needs.time.datacenter_exit",
  stage = "needs",
  because = function(intake, ctx)
    local d = ctx.days_until(estate(intake).datacenter_exit)
    if d < 0 then
      return "The datacenter-exit date has already passed (" .. -d .. " days ago), so migration, and the "
        .. "planning and landing zone it depends on, cannot wait."
    elseif d <= 365 then
      return "The datacenter must be vacated within " .. d .. " days, which compresses migration and the "
        .. "planning and landing zone it depends on."
    end
    return "The datacenter must be vacated within " .. d .. " days (under two years), which sets the pace of migration."
  end,
  when = function(intake, ctx)
    local d = ctx.days_until(estate(intake).datacenter_exit)
    return d ~= nil and d <= 730
  end,
  need = function(intake, ctx)
    local d = ctx.days_until(estate(intake).datacenter_exit)
    if d <= 365 then return { migrate = 2, plan = 1, ready = 1 } end
    return { migrate = 1 }
  end,
}

rule {
  id = "needs.criticality.mission",
  stage = "needs",
  because = function(intake)
    return criticality(intake).mission_critical .. " mission-critical workload(s) must be operated and governed "
      .. "without gaps, which raises the need for help in Manage and Govern."
  end,
  when = function(intake) return (criticality(intake).mission_critical or 0) > 0 end,
  need = { manage = 1, govern = 1 },
}

rule {
  id = "needs.sponsor.missing",
  stage = "needs",
  because = "No executive sponsor has committed to the programme yet, so the business case and strategy need work "
    .. "before partners can be engaged with confidence.",
  when = function(intake) return not intake.culture.executive_sponsor end,
  need = { strategy = 1 },
}

rule {
  id = "needs.regulated",
  stage = "needs",
  because = "A regulator supervises how this organisation runs and outsources IT, so controls and evidence "
    .. "(Govern) need more than the usual attention.",
  when = function(intake) return intake.organisation.regulated end,
  need = { govern = 1 },
}

rule {
  id = "needs.greenfield",
  stage = "needs",
  because = "The organisation reports no servers or databases to move, so there is nothing to migrate; "
    .. "low Migrate maturity is not a need here.",
  when = function(intake)
    local e = intake.estate
    return e ~= nil and e.servers ~= nil and (e.servers or 0) + (e.databases or 0) == 0
  end,
  need = { migrate = -5 },
}
