-- Stage 1 of the partner alignment strategy: understand support needs.
-- Each rule adds need points to CAF areas; the engine sums them per area and
-- clamps the result to 0..needs.max_level. Areas at or above
-- needs.focus_level become the focus areas of the later stages
-- (ctx.focus_areas, ctx.in_focus.<area>).

-- Which CAF areas a missing skill shows up in: 00-facts.lua.
local SKILL_AREAS = shared.SKILL_AREAS

-- Need points for a request for help, by its urgency (unset: medium).
local URGENCY_POINTS = { low = 1, medium = 2, high = 3 }

-- Need points for a skill gap: a wide gap counts double.
local GAP_POINTS = { gap = 1, wide = 2 }

rule {
  id = "needs.maturity",
  stage = "needs",
  because = "Below defined practice (maturity {thresholds.defined_maturity}) an area needs outside help in proportion "
    .. "to how far it falls short: 3 points at maturity 0, 2 at 1, 1 at 2.",
  need = function(intake)
    local t = {}
    for _, a in ipairs(areas) do
      local m = intake.maturity[a] or 0
      if m < thresholds.defined_maturity then t[a] = thresholds.defined_maturity - m end
    end
    return t
  end,
}

rule {
  id = "needs.help.requested",
  stage = "needs",
  because = "The team asked for help in this area itself; the more urgent the request, the higher the need "
    .. "(1 point low, 2 medium, 3 high).",
  when = "intake.help ~= nil and #intake.help > 0",
  need = function(intake)
    local t = {}
    for _, h in ipairs(intake.help) do
      t[h.area] = (t[h.area] or 0) + URGENCY_POINTS[h.urgency or "medium"]
    end
    return t
  end,
}

rule {
  id = "needs.skills.gaps",
  stage = "needs",
  because = "Skills the plans require but the team lacks ({f.skill_gap_names}) raise the need in the areas that depend "
    .. "on them: 1 point for a gap of 2 levels, 2 for 3 or more.",
  when = "#f.skill_gaps > 0",
  need = function(_, _, f)
    local best = {}
    for _, k in ipairs(f.skill_gaps) do
      local pts = f.skill_gap[k] >= thresholds.wide_skill_gap_levels and GAP_POINTS.wide or GAP_POINTS.gap
      for _, a in ipairs(SKILL_AREAS[k] or {}) do
        if pts > (best[a] or 0) then best[a] = pts end
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
  when = "not f.inventory_complete",
  need = { plan = 2 },
}

rule {
  id = "needs.scale.enterprise",
  stage = "needs",
  because = "With {f.assets} servers, databases and applications in scope (more than about "
    .. "{thresholds.enterprise_assets:,}), planning, landing zones, governance and the migration itself have to "
    .. "work at enterprise scale.",
  when = "f.counted_enterprise_scale",
  need = { plan = 1, ready = 1, migrate = 1, govern = 1 },
}

rule {
  id = "needs.time.datacenter_exit",
  stage = "needs",
  because = function(_, _, f)
    local d = f.exit_days
    if d < 0 then
      return "The datacenter-exit date has already passed (" .. -d .. " days ago), so migration, and the "
        .. "planning and landing zone it depends on, cannot wait."
    elseif f.exit_near then
      return "The datacenter must be vacated within " .. d .. " days, which compresses migration and the "
        .. "planning and landing zone it depends on."
    end
    return "The datacenter must be vacated within " .. d .. " days (under two years), which sets the pace of migration."
  end,
  when = "f.exit_in_window",
  need = function(_, _, f)
    if f.exit_near then return { migrate = 2, plan = 1, ready = 1 } end
    return { migrate = 1 }
  end,
}

rule {
  id = "needs.criticality.mission",
  stage = "needs",
  because = "{f.mission_critical_workloads} must be operated and governed without gaps, which "
    .. "raises the need for help in Manage and Govern.",
  when = "f.mission_critical > 0",
  need = { manage = 1, govern = 1 },
}

rule {
  id = "needs.sponsor.missing",
  stage = "needs",
  because = "No executive sponsor has committed to the programme yet, so the business case and strategy need work "
    .. "before partners can be engaged with confidence.",
  when = "not f.executive_sponsor",
  need = { strategy = 1 },
}

rule {
  id = "needs.phase.exploring",
  stage = "needs",
  because = "The organisation is still exploring the cloud with no adoption plan, so the business case and the plan "
    .. "come before any partner is engaged.",
  when = "f.adoption_phase == 'exploring'",
  need = { strategy = 1, plan = 1 },
}

rule {
  id = "needs.regulated",
  stage = "needs",
  because = "A regulator supervises how this organisation runs and outsources IT, so controls and evidence "
    .. "(Govern) need more than the usual attention.",
  when = "f.regulated",
  need = { govern = 1 },
}

rule {
  id = "needs.greenfield",
  stage = "needs",
  because = "The organisation reports no servers or databases to move, so there is nothing to migrate; "
    .. "low Migrate maturity is not a need here.",
  when = "f.greenfield",
  need = { migrate = -5 },
}
