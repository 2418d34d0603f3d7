-- Helpers the other rule files share. Each is written once here and handed
-- on with share{}; a later file takes what it needs as locals, for example
--   local estate, assets = shared.estate, shared.assets
-- (rule files load in name order, so this one comes first).

local function estate(intake) return intake.estate or {} end
local function criticality(intake) return estate(intake).criticality or {} end
local function procurement(intake) return intake.procurement or {} end

-- Servers, databases and applications together: the size of the estate.
local function assets(intake)
  local e = estate(intake)
  return (e.servers or 0) + (e.databases or 0) + (e.applications or 0)
end

-- Adds points to t[id]; nothing when id is nil (for example a programme
-- that nothing carries on the assessment date).
local function add(t, id, points)
  if id ~= nil then t[id] = (t[id] or 0) + points end
end

-- The skills whose required level exceeds the team's by at least min.
local function skill_gaps(intake, min)
  local out = {}
  local s = intake.skills or {}
  for _, k in ipairs(sorted_keys(s)) do
    if (s[k].need or 0) - (s[k].have or 0) >= min then out[#out + 1] = k end
  end
  return out
end

local function average_maturity(intake)
  local total = 0
  for _, a in ipairs(areas) do total = total + (intake.maturity[a] or 0) end
  return total / #areas
end

-- Azure support plans, lowest first, and how the reports name them.
local TIER_ORDER = { none = 0, basic = 1, developer = 2, standard = 3, professional_direct = 4, unified = 5 }
local TIER_NAME = {
  none = "no support plan", basic = "Basic", developer = "Developer", standard = "Standard",
  professional_direct = "Professional Direct", unified = "Unified",
}

-- The support tier the workloads call for, and why.
local function recommended_tier(intake)
  local c = criticality(intake)
  local mc, uc = c.mission_critical or 0, c.unit_critical or 0
  if mc > 0 and (assets(intake) > 1000 or (estate(intake).annual_azure_spend or 0) >= 1000000
      or intake.culture.operating_model == "enterprise") then
    return "unified", mc .. " mission-critical workload(s) in an organisation-wide estate call for a negotiated "
      .. "Unified agreement"
  elseif mc > 0 then
    return "professional_direct", mc .. " mission-critical workload(s) call for Professional Direct: one-hour "
      .. "severity-A response plus advisory help and a delivery manager"
  elseif uc > 0 then
    return "professional_direct", uc .. " unit-critical workload(s) call for Professional Direct, the "
      .. "business-critical tier"
  elseif (c.high or 0) + (c.medium or 0) + (c.low or 0) > 0 then
    return "standard", "production workloads without a business-critical label call for Standard, with "
      .. "severity-A response under an hour"
  end
  return "developer", "with no production workloads yet, Developer covers trial and non-production use"
end

share {
  estate = estate, criticality = criticality, procurement = procurement, assets = assets, add = add,
  skill_gaps = skill_gaps, average_maturity = average_maturity,
  TIER_ORDER = TIER_ORDER, TIER_NAME = TIER_NAME, recommended_tier = recommended_tier,
}
