-- The facts the rules decide on, each declared once here and computed once
-- per intake, when a rule first reads it (as f.name). A fact is an answer
-- of the intake (answer = "a.b", with a default for a missing one), an
-- expression over other facts and thresholds (is = "..."), or, where
-- neither can say it, a function. `partnerfit explain` lists every fact
-- with its value; `partnerfit check` refuses a rule that reads one not
-- declared. The numbers they compare with are the policy's thresholds.

-- ---- answers, by the names the rules use ----

fact { id = "approach", answer = "culture.approach",
  doc = "How the organisation wants to work with partners: develop_skills, augment_staff or offload." }
fact { id = "risk_tolerance", answer = "culture.risk_tolerance", doc = "How much risk leadership accepts." }
fact { id = "operating_model", answer = "culture.operating_model", doc = "The cloud operating model." }
fact { id = "executive_sponsor", answer = "culture.executive_sponsor",
  doc = "Whether an executive sponsor has committed to the programme." }
fact { id = "regulated", answer = "organisation.regulated",
  doc = "Whether a regulator supervises how the organisation runs and outsources IT." }
fact { id = "inventory_complete", answer = "estate.inventory_complete",
  doc = "Whether a complete, current inventory of the estate exists." }
fact { id = "paid_subscription", answer = "procurement.active_paid_subscription",
  doc = "Whether the organisation already has a paid Azure subscription." }
fact { id = "counts_estimated", answer = "estate.counts_estimated", default = false,
  doc = "Whether the intake says its counts of servers, databases and applications are estimates." }
fact { id = "production_in_azure", answer = "estate.production_in_azure", default = false,
  doc = "Whether production workloads already run in Azure." }
fact { id = "incumbent_answer", answer = "procurement.incumbent_partner", default = "none",
  doc = "The partner under contract or on the approved vendor list, as the intake names it." }
fact { id = "incumbent_replaced", answer = "procurement.incumbent_replaced", default = false,
  doc = "Whether that partner is to be replaced rather than extended." }
-- The rules build on the incumbent only while it is kept: one to be
-- replaced has no head start to extend (it is f.replaced_partner instead).
fact { id = "incumbent_partner", doc = "The partner under contract that the organisation builds on: the intake's "
    .. "incumbent, or none when it is to be replaced.",
  is = "f.incumbent_replaced and 'none' or f.incumbent_answer" }
fact { id = "replaced_partner", doc = "The incumbent partner to be replaced (nil when none is).",
  is = "f.incumbent_replaced and f.incumbent_answer ~= 'none' and f.incumbent_answer or nil" }
fact { id = "support_via_csp_answer", answer = "procurement.support_via_csp", default = false,
  doc = "Whether Azure support is bought through a Cloud Solution Provider today, as the intake says." }
-- support bought through a provider that is being replaced ends with it
fact { id = "support_via_csp", doc = "Azure support is bought through a Cloud Solution Provider today that the "
    .. "organisation keeps (not one being replaced).",
  is = "f.support_via_csp_answer and f.replaced_partner ~= 'csp'" }
fact { id = "support_leaving", doc = "The only Azure support held today comes through the Cloud Solution Provider "
    .. "being replaced, and ends with its contract.",
  is = "f.support_via_csp_answer and f.replaced_partner == 'csp' and f.support_held == 'none'" }
fact { id = "account_team", answer = "procurement.account_team", default = false,
  doc = "Whether a Microsoft account team covers the organisation." }
fact { id = "who_to_ask", doc = "Whom to ask about Microsoft's programmes, in words for a reason: the account "
    .. "team or a partner, or a partner alone where no account team covers the organisation.",
  is = "f.account_team and 'the Microsoft account team or a partner' or 'a partner'" }
fact { id = "self_service_preference", answer = "culture.self_service_preference", default = "medium",
  doc = "How strongly the team prefers to do the work itself from the public guidance: low, medium or high." }
fact { id = "billing_preference", answer = "procurement.billing_preference",
  doc = "How the organisation wants to be billed for Azure (nil when not given)." }
fact { id = "adoption_phase", answer = "culture.adoption_phase",
  doc = "Where the adoption stands: exploring, planning, migrating or operating." }
fact { id = "organisation_size", answer = "organisation.size", default = "medium",
  doc = "The head-count band: small, medium, large or enterprise." }
fact { id = "approved_vendor_list", answer = "procurement.approved_vendor_list",
  doc = "Whether a new supplier must first join an approved vendor list." }
fact { id = "lead_time", answer = "procurement.contract_lead_time_days",
  doc = "Days a contract usually takes to sign here (nil when not given)." }
fact { id = "support_plan_answer", answer = "procurement.existing_support_plan", default = "none",
  doc = "The Azure support plan held today, as the intake names it." }
fact { id = "support_held", doc = "The Azure support plan held today; Premier is read as Unified, its later name.",
  value = function(_, _, f)
    if f.support_plan_answer == "premier" then return "unified" end
    return f.support_plan_answer
  end }
fact { id = "annual_azure_spend", answer = "estate.annual_azure_spend", default = 0,
  doc = "Annual Azure spend today." }
fact { id = "mission_critical", answer = "estate.criticality.mission_critical", default = 0,
  doc = "Workloads whose outage stops the whole business." }
fact { id = "unit_critical", answer = "estate.criticality.unit_critical", default = 0,
  doc = "Workloads whose outage stops a business unit." }

-- ---- the estate ----

fact { id = "assets", doc = "Servers, databases and applications in scope together: the size of the estate.",
  value = function(intake)
    local e = intake.estate or {}
    return (e.servers or 0) + (e.databases or 0) + (e.applications or 0)
  end }

fact { id = "greenfield", doc = "The intake counts its servers and reports none, nor any database: nothing to migrate.",
  value = function(intake)
    local e = intake.estate
    return e ~= nil and e.servers ~= nil and (e.servers or 0) + (e.databases or 0) == 0
  end }

fact { id = "enterprise_scale", is = "f.assets > thresholds.enterprise_assets",
  doc = "The estate is larger than the enterprise-scale threshold." }
fact { id = "estate_estimated", is = "f.counts_estimated or not f.inventory_complete",
  doc = "The estate's size is a guess: the counts are estimates, or no complete inventory stands behind them." }
fact { id = "counted_enterprise_scale", is = "f.enterprise_scale and not f.estate_estimated",
  doc = "Enterprise scale on counted numbers, not on an estimate." }
fact { id = "size_share",
  doc = "How far the estate, counted or estimated, has come from the start of the band below enterprise scale "
    .. "(thresholds.enterprise_band_assets) to the enterprise line: 0 at or below the band, 1 at the line and above.",
  value = function(_, _, f)
    local lo, hi = thresholds.enterprise_band_assets, thresholds.enterprise_assets
    if f.assets <= lo then return 0 end
    if f.assets >= hi or lo >= hi then return 1 end
    return (f.assets - lo) / (hi - lo)
  end }
fact { id = "enterprise_share",
  doc = "The same share for a counted estate; always 0 for an estimated one, which weighs less than a counted one "
    .. "(fit.scale.enterprise.estimated phases in on f.size_share instead).",
  value = function(_, _, f)
    if f.estate_estimated then return 0 end
    return f.size_share
  end }
fact { id = "small_organisation",
  is = "f.small_estate or (f.organisation_size == 'small' and f.assets <= thresholds.small_org_estate_assets)",
  doc = "A small estate, or a small head count with an estate of a size it can carry: one provider is "
    .. "proportionate, a broad managed service is not. Help is sized to the work: a small firm with a mid-size "
    .. "estate to move is not small here." }
fact { id = "small_estate", is = "f.assets <= thresholds.small_estate_assets and f.assets > 0 and not f.greenfield",
  doc = "There is an estate to move, and it is small." }

fact { id = "production_workloads", doc = "Production workloads without a business-critical label.",
  value = function(intake)
    local c = (intake.estate or {}).criticality or {}
    return (c.high or 0) + (c.medium or 0) + (c.low or 0)
  end }

-- ---- time ----

fact { id = "exit_days",
  doc = "Days from the assessment to the datacenter exit, negative once passed; nil without one.",
  value = function(intake, ctx) return ctx.days_until((intake.estate or {}).datacenter_exit) end }
fact { id = "exit_near", is = "f.exit_days ~= nil and f.exit_days <= thresholds.exit_near_days",
  doc = "The datacenter exit is near (or has passed)." }
fact { id = "exit_in_window", is = "f.exit_days ~= nil and f.exit_days <= thresholds.exit_window_days",
  doc = "The datacenter exit falls within the window that sets the pace of migration." }
fact { id = "adoption_window", answer = "estate.adoption_window_months",
  doc = "Months the organisation gives itself to adopt the cloud (nil when not given)." }
fact { id = "on_the_clock", doc = "The adoption must be done soon: a short adoption window, or a datacenter exit "
    .. "within the window.",
  is = "(f.adoption_window ~= nil and f.adoption_window <= thresholds.adoption_window_months) or f.exit_in_window" }
fact { id = "exit_distance", doc = "The datacenter exit's distance in words: 'is N days away' or 'passed N days ago'.",
  value = function(_, _, f)
    local d = f.exit_days
    if d == nil then return nil end
    if d < 0 then return "passed " .. -d .. " days ago" end
    return "is " .. d .. " days away"
  end }

-- ---- the team ----

-- Which CAF areas a missing skill shows up in (the needs stage raises them;
-- an area handed over takes its skills' gaps with it).
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
share { SKILL_AREAS = SKILL_AREAS }

-- What the reports call each skill (an id the table lacks is shown as is).
local SKILL_NAMES = {
  cloud_architecture = "cloud architecture", iac_devops = "DevOps (infrastructure as code)",
  cloud_native = "cloud-native development", ai = "AI", finops = "FinOps",
}
local function skill_names(list)
  local out = {}
  for i, k in ipairs(list) do out[i] = SKILL_NAMES[k] or k end
  return out
end

-- A list as a set: set_of({ "a", "b" }).b is true.
local function set_of(list)
  local set = {}
  for _, k in ipairs(list) do set[k] = true end
  return set
end

fact { id = "skill_gap", doc = "For every skill the intake lists: the levels the plans need beyond what the team has.",
  value = function(intake)
    local out, s = {}, intake.skills or {}
    for _, k in ipairs(sorted_keys(s)) do out[k] = (s[k].need or 0) - (s[k].have or 0) end
    return out
  end }

fact { id = "skill_gaps", doc = "The skills short by at least thresholds.skill_gap_levels, in name order.",
  value = function(intake, _, f)
    local out = {}
    for _, k in ipairs(sorted_keys(intake.skills or {})) do
      if f.skill_gap[k] >= thresholds.skill_gap_levels then out[#out + 1] = k end
    end
    return out
  end }

fact { id = "short_skills",
  doc = "The same skills as a set: f.short_skills.operations is true when operations is short.",
  value = function(_, _, f) return set_of(f.skill_gaps) end }

fact { id = "no_skill_gap", doc = "The intake lists skills and none is short at all.",
  value = function(intake, _, f)
    local s = intake.skills
    if s == nil or #sorted_keys(s) == 0 then return false end
    for _, k in ipairs(sorted_keys(s)) do
      if f.skill_gap[k] > 0 then return false end
    end
    return true
  end }

fact { id = "broad_skill_gap", is = "#f.partner_skill_gaps >= thresholds.broad_gap_skills",
  doc = "So many skills are short, outside the areas the team keeps to learn itself, that few teams close the "
    .. "gaps alone." }

fact { id = "average_maturity", doc = "The average maturity over the seven areas, 0 to 5.",
  value = function(intake)
    local total = 0
    for _, a in ipairs(areas) do total = total + (intake.maturity[a] or 0) end
    return total / #areas
  end }

-- ---- support ----

-- Azure support plans, lowest first, and how the reports name them.
local TIER_ORDER = { none = 0, basic = 1, developer = 2, standard = 3, professional_direct = 4, unified = 5 }
local TIER_NAME = {
  none = "no support plan", basic = "Basic", developer = "Developer", standard = "Standard",
  professional_direct = "Professional Direct", unified = "Unified",
}

-- "1 mission-critical workload", "3 mission-critical workloads": the
-- plural ending by count (one count is singular)
local PLURAL_END = { [1] = "" }
local function workloads(n, kind)
  return n .. " " .. kind .. " workload" .. (PLURAL_END[n] or "s")
end
fact { id = "mission_critical_workloads", doc = "How many mission-critical workloads, in words for a report.",
  value = function(_, _, f) return workloads(f.mission_critical, "mission-critical") end }
fact { id = "unit_critical_workloads", doc = "How many unit-critical workloads, in words for a report.",
  value = function(_, _, f) return workloads(f.unit_critical, "unit-critical") end }

fact { id = "recommended_tier", doc = "The support tier the workloads call for.",
  value = function(_, _, f)
    if f.mission_critical > 0 and (f.counted_enterprise_scale
        or f.annual_azure_spend >= thresholds.unified_annual_spend
        or f.operating_model == "enterprise") then
      return "unified"
    elseif f.mission_critical > 0 or f.unit_critical > 0 then
      return "professional_direct"
    elseif f.production_workloads > 0 then
      return "standard"
    end
    return "developer"
  end }

fact { id = "recommended_tier_reason", doc = "Why the workloads call for that tier.",
  value = function(_, _, f)
    local tier = f.recommended_tier
    if tier == "unified" then
      return "for " .. f.mission_critical_workloads .. " in an organisation-wide estate, a negotiated Unified agreement"
    elseif tier == "professional_direct" and f.mission_critical > 0 then
      return "for " .. f.mission_critical_workloads .. ", one-hour severity-A response plus advisory help and a "
        .. "delivery manager"
    elseif tier == "professional_direct" then
      return "for " .. f.unit_critical_workloads .. ", the business-critical tier"
    elseif tier == "standard" then
      return "production workloads without a business-critical label call for Standard, with "
        .. "severity-A response under an hour"
    end
    return "with no production workloads yet, Developer covers trial and non-production use"
  end }

fact { id = "recommended_tier_name", doc = "The recommended tier as the reports name it.",
  value = function(_, _, f) return TIER_NAME[f.recommended_tier] end }
fact { id = "support_held_name", doc = "The plan held today as the reports name it.",
  value = function(_, _, f)
    if f.support_plan_answer == "premier" then return "Premier (now Unified)" end
    return TIER_NAME[f.support_held]
  end }
fact { id = "support_covered", doc = "The plan held today already meets the recommended tier.",
  value = function(_, _, f) return TIER_ORDER[f.support_held] >= TIER_ORDER[f.recommended_tier] end }
fact { id = "support_below_tier", doc = "The workloads call for Standard or above, and the plan held is below it. "
    .. "Support bought through a Cloud Solution Provider with no direct plan is not known to fall short: the "
    .. "provider's terms decide (engage.support.tier says to check them).",
  value = function(_, _, f)
    if f.support_via_csp and f.support_held == "none" then return false end
    local rec = TIER_ORDER[f.recommended_tier]
    return rec >= TIER_ORDER.standard and TIER_ORDER[f.support_held] < rec
  end }

fact { id = "live_support_gap", doc = "Production already runs in Azure below the recommended support tier: the "
    .. "gap is open today.",
  is = "f.support_below_tier and f.production_in_azure" }
fact { id = "critical_tier", doc = "The recommended tier is a business-critical one (Professional Direct or "
    .. "Unified), beyond what a provider's first-line support covers.",
  value = function(_, _, f) return TIER_ORDER[f.recommended_tier] >= TIER_ORDER.professional_direct end }

fact { id = "support_through_csp",
  doc = "Support comes with a Cloud Solution Provider: bought through one today, or one invoice is wanted, and the "
    .. "workloads call for no more than Standard, which a provider's first-line support covers.",
  value = function(_, _, f)
    return (f.support_via_csp or f.support_awaits_csp)
      and TIER_ORDER[f.recommended_tier] <= TIER_ORDER.standard
  end }
-- a provider's support to come does not answer yet for production running
-- today (engage.support.tier says what does meanwhile)
fact { id = "support_awaits_csp", doc = "Support is to come with a Cloud Solution Provider not yet bought from: "
    .. "one invoice is wanted, and no support is bought through a provider the organisation keeps.",
  is = "f.billing_preference == 'single_invoice' and not f.support_via_csp" }

-- ---- procurement ----

fact { id = "review_contracts_early", doc = "Contracting here is slow: a vendor list to join, or a long lead time.",
  is = "f.approved_vendor_list or (f.lead_time ~= nil and f.lead_time >= thresholds.contract_lead_days)" }
fact { id = "contracting_presses", doc = "A partner already under contract has a head start that matters here: "
    .. "contracting is slow, or the exit is near.",
  is = "f.review_contracts_early or f.exit_near" }
fact { id = "extend_first", doc = "The incumbent partner as a set, when the exit is near: its row is told to "
    .. "extend its contract now (f.extend_first.csp is true for an incumbent CSP then).",
  value = function(_, _, f)
    local set = {}
    if f.exit_near and f.incumbent_partner ~= "none" then set[f.incumbent_partner] = true end
    return set
  end }
fact { id = "procurement_squeeze", doc = "Contracting would use a large share of the days left before the exit, or "
    .. "the exit has passed and any contracting comes after it.",
  is = "f.lead_time ~= nil and f.exit_days ~= nil and f.lead_time > 0 "
    .. "and f.lead_time * thresholds.squeeze_parts >= f.exit_days" }
fact { id = "new_contract_late", doc = "A supplier contracted from today would be signed only on or after the "
    .. "datacenter exit: the usual lead time is at least the days left, or the exit has passed.",
  is = "f.procurement_squeeze and f.lead_time >= f.exit_days" }

fact { id = "migration_programme", doc = "The name of the option that carries the migration programme (AMMP's "
    .. "line) on the assessment date, for a reason that speaks of 'a migration programme'; nil when none does.",
  value = function(_, ctx)
    local c = ctx.carrier("ammp")
    return c and option_name(c)
  end }

-- In the gap of 2025 FastTrack is winding down and nothing carries it yet:
-- a team that wants to learn needs the partner-delivered route then too.
fact { id = "fasttrack_winding_down", doc = "FastTrack for Azure is legacy on the assessment date and no successor "
    .. "has started to carry it.",
  is = "ctx.lifecycle('fasttrack_for_azure') == 'legacy' and ctx.carrier('fasttrack_for_azure') == "
    .. "'fasttrack_for_azure'" }
fact { id = "fasttrack_out_of_reach", doc = "FastTrack for Azure cannot take this organisation on: closed without a "
    .. "paid subscription (f.fasttrack_closed), or winding down with nothing yet in its place.",
  is = "f.fasttrack_closed or f.fasttrack_winding_down" }
fact { id = "fasttrack_barrier", doc = "Why FastTrack for Azure is out of reach, in words for a reason.",
  value = function(_, _, f)
    if f.fasttrack_winding_down then return "is winding down with nothing yet in its place" end
    return "is closed to it without a paid subscription"
  end }
fact { id = "fasttrack_closed", is = "ctx.lifecycle('fasttrack_for_azure') == 'active' and not f.paid_subscription",
  doc = "FastTrack for Azure is the current route on this date, but closed to this organisation: it needs an "
    .. "active paid subscription, which there is not." }

-- ---- the approach per area ----

-- The areas whose culture.area_approach answer passes test, in area order
-- (one walk for offloaded_areas, kept_areas and learning_areas).
local function areas_where(intake, test)
  local out, by_area = {}, (intake.culture or {}).area_approach or {}
  for _, a in ipairs(areas) do
    if test(by_area[a]) then out[#out + 1] = a end
  end
  return out
end
local function is_offload(v) return v == "offload" end
local function is_not_offload(v) return v ~= nil and v ~= "offload" end
local function is_develop_skills(v) return v == "develop_skills" end

-- The skill gaps, in name order, with at least one of their areas in set
-- (want true) or out of it (want false); a skill with no area listed
-- counts as `unlisted` says.
local function gaps_where(f, set, want, unlisted)
  local out = {}
  for _, k in ipairs(f.skill_gaps) do
    local listed, hit = SKILL_AREAS[k], false
    for _, a in ipairs(listed or {}) do hit = hit or (set[a] == true) == want end
    if hit or (listed == nil and unlisted) then out[#out + 1] = k end
  end
  return out
end

fact { id = "offloaded_areas", doc = "Areas the organisation wants a partner to run, where that differs from its "
    .. "default approach (culture.area_approach), in area order.",
  value = function(intake) return areas_where(intake, is_offload) end }

fact { id = "kept_areas", doc = "Under the offload approach, the areas the organisation keeps for itself "
    .. "(culture.area_approach other than offload), in area order; empty under any other approach.",
  value = function(intake, _, f)
    if f.approach ~= "offload" then return {} end
    return areas_where(intake, is_not_offload)
  end }

fact { id = "msp_out_of_proportion",
  doc = "An audited managed service is more than this organisation needs: it is small, wants extra hands rather "
    .. "than processes run for it, hands no area over, and has no Expert MSP under contract already.",
  is = "f.small_organisation and not f.enterprise_scale and f.approach ~= 'offload' and #f.offloaded_areas == 0 "
    .. "and f.incumbent_partner ~= 'azure_expert_msp'" }

fact { id = "handed_over", doc = "The areas a partner is to run, as a set: every area but f.kept_areas when "
    .. "the approach is offload, else those of f.offloaded_areas (f.handed_over.manage is true when Manage is "
    .. "handed over).",
  value = function(_, _, f)
    local set = {}
    for _, a in ipairs(f.approach == "offload" and areas or f.offloaded_areas) do set[a] = true end
    for _, a in ipairs(f.kept_areas) do set[a] = nil end
    return set
  end }

fact { id = "kept_skill_gaps", doc = "The skill gaps in the work the organisation keeps: those of f.skill_gaps that "
    .. "show up in at least one area not handed over (a skill with no area listed is kept), in name order.",
  value = function(_, _, f) return gaps_where(f, f.handed_over, false, true) end }

fact { id = "learning_areas", doc = "Areas the organisation keeps to learn itself where its default approach is "
    .. "another (culture.area_approach develop_skills), in area order.",
  value = function(intake, _, f)
    if f.approach == "develop_skills" then return {} end
    return areas_where(intake, is_develop_skills)
  end }

fact { id = "kept_to_learn", doc = "The same areas as f.learning_areas, as a set: f.kept_to_learn.ready is true "
    .. "when Ready is kept to learn in-house.",
  value = function(_, _, f) return set_of(f.learning_areas) end }

fact { id = "learning_gaps", doc = "The skill gaps that show up in one of f.learning_areas, in name order.",
  value = function(_, _, f) return gaps_where(f, f.kept_to_learn, true, false) end }

-- The guided route for the areas kept to learn follows the work in them:
-- FastTrack while it can take the organisation on, else the programme a
-- qualifying partner delivers for a build or for an estate.
fact { id = "learning_route", doc = "Where the team gets Microsoft's guidance for the areas it keeps to learn "
    .. "(f.learning_gaps): 'fasttrack' when FastTrack for Azure (or what carries it) can take it on; when it "
    .. "cannot, 'innovation' when Innovate is one of them or nothing is to move (greenfield), 'migration' with an "
    .. "estate, 'none' with neither; nil when no such area has a gap.",
  value = function(_, _, f)
    if #f.learning_gaps == 0 then return nil end
    if not f.fasttrack_out_of_reach then return "fasttrack" end
    if f.greenfield or f.kept_to_learn.innovate then return "innovation" end
    if f.assets > 0 then return "migration" end
    return "none"
  end }

-- A gap the team keeps to close itself is not a gap a partner is hired
-- for: it counts once, for the guided route (fit.culture.develop_skills.areas).
fact { id = "partner_skill_gaps", doc = "The skill gaps a partner would be hired to close: those of f.skill_gaps "
    .. "that show up in at least one area not kept to learn (f.learning_areas; a skill with no area listed "
    .. "counts), in name order. The same as f.skill_gaps when no area is kept to learn.",
  value = function(_, _, f) return gaps_where(f, f.kept_to_learn, false, true) end }

fact { id = "kept_short_skills",
  doc = "The same skills as a set: f.kept_short_skills.operations is true when operations is short and not "
    .. "handed over with its area.",
  value = function(_, _, f) return set_of(f.kept_skill_gaps) end }

-- The skill lists above in words, for reasons ("cloud architecture" for
-- cloud_architecture); rules decide on the ids.
fact { id = "skill_gap_names", doc = "f.skill_gaps as the reports name them.",
  value = function(_, _, f) return skill_names(f.skill_gaps) end }
fact { id = "kept_skill_gap_names", doc = "f.kept_skill_gaps as the reports name them.",
  value = function(_, _, f) return skill_names(f.kept_skill_gaps) end }
fact { id = "learning_gap_names", doc = "f.learning_gaps as the reports name them.",
  value = function(_, _, f) return skill_names(f.learning_gaps) end }
fact { id = "partner_skill_gap_names", doc = "f.partner_skill_gaps as the reports name them.",
  value = function(_, _, f) return skill_names(f.partner_skill_gaps) end }

-- ---- contracting against the deadline ----

fact { id = "days_short", doc = "Days by which the contract lead time overruns the days left before the datacenter "
    .. "exit (0 when it fits; nil without both dates).",
  value = function(_, _, f)
    if f.lead_time == nil or f.exit_days == nil or f.exit_days < 0 then return nil end
    local short = f.lead_time - f.exit_days
    return short > 0 and short or 0
  end }
