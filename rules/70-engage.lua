-- Stage 4: begin contract and paperwork reviews. These rules add next steps
-- to report rows; they never change scores or the shortlist.

local TIER_ORDER, TIER_NAME, recommended_tier = shared.TIER_ORDER, shared.TIER_NAME, shared.recommended_tier

-- Options that are bought from an outside party under a contract.
local CONTRACTED = {
  "csp", "azure_expert_msp", "ammp", "azure_migrate_modernize", "azure_innovate", "azure_accelerate",
  "solution_assessment",
}

local estate, proc = shared.estate, shared.procurement

local function lead_time(intake)
  return proc(intake).contract_lead_time_days
end

rule {
  id = "engage.support.tier",
  stage = "engage",
  because = "The support tier follows the criticality of the workloads, compared with the plan held today.",
  options = { "azure_support" },
  step = function(intake)
    local tier, reason = recommended_tier(intake)
    local has = proc(intake).existing_support_plan or "none"
    local text = "Recommended tier: " .. TIER_NAME[tier] .. " - " .. reason .. "."
    if TIER_ORDER[has] >= TIER_ORDER[tier] then
      return text .. " The " .. TIER_NAME[has] .. " plan held today already covers this; review it at renewal."
    end
    return text .. " Held today: " .. TIER_NAME[has] .. "; upgrade before the first production workload goes live."
  end,
}

-- One rule per contracted option, so that the step appears only on the rows
-- of options that made the shortlist.
for _, id in ipairs(CONTRACTED) do
  rule {
    id = "engage.contract." .. id,
    stage = "engage",
    because = "Contracting takes time, more so when a supplier must first be added to an approved vendor list; "
      .. "reviewing terms early removes a barrier for when the teams need help most.",
    options = { id },
    when = function(intake, ctx)
      local lt = lead_time(intake)
      return ctx.shortlisted[id] and (proc(intake).approved_vendor_list or (lt ~= nil and lt >= 60))
    end,
    step = function(intake, ctx)
      local parts = { "Start contract and paperwork review now" }
      local lt = lead_time(intake)
      if lt ~= nil then parts[#parts + 1] = ": contracting usually takes " .. lt .. " days here" end
      if proc(intake).approved_vendor_list then
        parts[#parts + 1] = (lt ~= nil and "," or ":")
          .. " and the supplier may first need to join the approved vendor list"
      end
      local d = ctx.days_until(estate(intake).datacenter_exit)
      if d ~= nil and lt ~= nil then
        if d < 0 then
          parts[#parts + 1] = "; the datacenter-exit date has already passed"
        else
          parts[#parts + 1] = "; " .. (d - lt >= 0 and (d - lt) or 0) .. " of the " .. d
            .. " days before the datacenter exit remain once the contract is signed"
        end
      end
      return table.concat(parts) .. "."
    end,
  }
end

rule {
  id = "engage.contract.deadline_squeeze",
  stage = "engage",
  because = "When contracting would use up a third or more of the time left before a datacenter exit, procurement "
    .. "is on the critical path and must be escalated.",
  options = "top",
  when = function(intake, ctx)
    local lt = lead_time(intake)
    local d = ctx.days_until(estate(intake).datacenter_exit)
    return lt ~= nil and d ~= nil and d > 0 and lt * 3 >= d
  end,
  step = function(intake, ctx)
    local d = ctx.days_until(estate(intake).datacenter_exit)
    return "Escalate procurement: a " .. lead_time(intake) .. "-day contract cycle takes a large share of the " .. d
      .. " days left before the datacenter exit; ask for an expedited or framework route."
  end,
}

rule {
  id = "engage.clear_leader",
  stage = "engage",
  because = "When one option clearly outscores the rest, the guidance is to start the contract review with it "
    .. "rather than wait for the full plan.",
  options = "top",
  when = function(_, ctx)
    local top = ctx.top
    if top == nil or top == "self_service" or top == "azure_support" or not ctx.shortlisted[top] then
      return false
    end
    local second = 0
    for _, o in ipairs(options) do
      if o.id ~= top and ctx.shortlisted[o.id] and ctx.score[o.id] > second then second = ctx.score[o.id] end
    end
    return ctx.score[top] >= 1.5 * second
  end,
  step = function(_, ctx)
    return option_name(ctx.top) .. " is the clear leader: open the contract and paperwork review with it now."
  end,
}

rule {
  id = "engage.csp.support_overlap",
  stage = "engage",
  because = "A Cloud Solution Provider is the first point of contact for support, so buying a direct plan as well "
    .. "can mean paying twice.",
  options = { "csp", "azure_support" },
  when = function(_, ctx) return ctx.shortlisted.csp and ctx.shortlisted.azure_support end,
  step = "Decide whether technical support comes through the Cloud Solution Provider or a direct Azure support "
    .. "plan, and write the escalation path into the contract.",
}

rule {
  id = "engage.msp.regulated",
  stage = "engage",
  because = "Regulators expect outsourcing to be checked against their rules before contracts are signed.",
  options = { "azure_expert_msp" },
  when = function(intake, ctx) return intake.organisation.regulated and ctx.shortlisted.azure_expert_msp end,
  step = "Ask each candidate for its third-party audit report and check it against the regulator's outsourcing "
    .. "requirements before contract review.",
}

rule {
  id = "engage.fasttrack.nomination",
  stage = "engage",
  because = "FastTrack for Azure is reached through a Microsoft nomination, not bought from a supplier.",
  options = { "fasttrack_for_azure" },
  when = function(_, ctx)
    return ctx.shortlisted.fasttrack_for_azure and ctx.lifecycle("fasttrack_for_azure") == "active"
  end,
  step = "Ask the Microsoft account team for a nomination now, alongside any partner search, and confirm the "
    .. "paid subscription it will run on.",
}

rule {
  id = "engage.assessment.first",
  stage = "engage",
  because = "Migration proposals and programme funding rest on an estate inventory, which this organisation does "
    .. "not have yet.",
  options = { "solution_assessment" },
  when = function(intake, ctx)
    return ctx.shortlisted.solution_assessment and not estate(intake).inventory_complete
  end,
  step = "Run the assessment first: its inventory is the input partners and programmes need for firm proposals.",
}

rule {
  id = "engage.sponsor.missing",
  stage = "engage",
  because = "Multi-year managed services and funded programmes need someone who can commit budget.",
  options = "top",
  when = function(intake, ctx)
    return not intake.culture.executive_sponsor and ctx.top ~= "self_service"
  end,
  step = "Name an executive sponsor before signing anything beyond the first, bounded engagement.",
}
