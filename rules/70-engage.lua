-- Stage 4: begin contract and paperwork reviews. These rules add next steps
-- to report rows; they never change scores or the shortlist.

-- Before the tier to buy: whether to buy a direct plan at all (the
-- steps of a row keep the order of the rules).
rule {
  id = "engage.csp.support_overlap",
  stage = "engage",
  because = "A Cloud Solution Provider is the first point of contact for support, so buying a direct plan as well "
    .. "can mean paying twice.",
  options = { "csp", "azure_support" },
  -- an open gap is closed first (engage.support.tier says how long for)
  when = "ctx.shortlisted.csp and ctx.shortlisted.azure_support and not f.support_via_csp and not f.live_support_gap",
  step = "Before buying or upgrading a direct plan, decide whether technical support comes through the Cloud "
    .. "Solution Provider or a direct Azure support "
    .. "plan, and write the escalation path into the contract.",
}

-- A Unified agreement is negotiated with Microsoft, not bought online like
-- the other tiers: its contract takes the organisation's lead time, and
-- production needs a plan that answers until it is signed.
local function negotiated(f, live)
  local lt = f.lead_time
  local text = " Unified is an agreement negotiated with Microsoft, not a plan bought online: open the negotiation "
    .. "now" .. (lt ~= nil and (", as contracting usually takes " .. lt .. " days here") or "")
  if not live then return text .. ", and have it signed before the first production workload goes live." end
  if f.support_held == "professional_direct" then
    return text .. "; the Professional Direct plan held today covers production until it is signed."
  end
  return text .. "; until it is signed, cover production with Professional Direct, which is bought online."
end

rule {
  id = "engage.support.tier",
  stage = "engage",
  because = "The support tier follows the criticality of the workloads, compared with the plan held today.",
  options = { "azure_support" },
  step = function(_, _, f)
    local text = "Recommended tier: " .. f.recommended_tier_name .. " - " .. f.recommended_tier_reason .. "."
    local live = f.production_in_azure
    if f.support_covered then
      return text .. " The " .. f.support_held_name .. " plan held today already covers this; review it at renewal."
    elseif f.support_leaving and f.support_through_csp then
      -- a new provider is to carry support: no gap if it starts in time
      return text .. " Support is bought today through the Cloud Solution Provider being replaced and ends with "
        .. "its contract: have the new provider's support signed and started before then, with response times that "
        .. "meet this tier written into its contract."
    elseif f.support_through_csp and f.live_support_gap and f.support_awaits_csp then
      -- the provider is not signed yet, and production runs today
      return text .. " Support is to come with the Cloud Solution Provider, but production already runs in Azure "
        .. "on " .. f.support_held_name .. ": until the provider's support is signed the live workloads have no "
        .. f.recommended_tier_name .. " response, so sign the provider first, with its support starting on "
        .. "signature and response times that meet this tier written into its contract."
    elseif f.support_through_csp then
      return text .. " Support comes with the Cloud Solution Provider: write response times that meet it into the "
        .. "provider's contract instead of buying a direct plan."
    elseif f.support_via_csp and f.support_held == "none" then
      return text .. " Support is bought through a Cloud Solution Provider today: check that its response times "
        .. "meet this tier, and buy a direct plan only where they fall short"
        .. (live and "; production already runs in Azure, so check now." or ", before the first production "
          .. "workload goes live.")
    elseif f.support_leaving then
      return text .. " Support is bought today through the Cloud Solution Provider being replaced and ends with "
        .. "its contract: " .. (live and "production already runs in Azure, so buy a direct plan now to cover the "
          .. "change of provider, and drop it only once the new partner's support is signed and meets this tier."
          or "buy a direct plan before that contract ends, unless the new partner's support is signed by then and "
          .. "meets this tier.")
    elseif f.recommended_tier == "developer" then
      -- nothing in production: no production plan to buy yet, but one to plan
      return text .. " Held today: " .. f.support_held_name .. "; Developer is enough while nothing runs in "
        .. "production, and a production plan (Standard or above) is due before the first production workload goes "
        .. "live."
    elseif f.recommended_tier == "unified" then
      -- negotiated, not bought online: the lead time applies, and what
      -- runs meanwhile needs cover
      return text .. (f.support_held == "none" and " No support plan is held today." or (" Held today: "
        .. f.support_held_name .. ".")) .. negotiated(f, live)
    elseif f.support_held == "none" then
      return text .. (live and " No support plan is held and production already runs in Azure: buy it now."
        or " No support plan is held today: buy it before the first production workload goes live.")
    end
    return text .. " Held today: " .. f.support_held_name .. (live and "; production already runs in Azure, so "
      .. "upgrade now." or "; upgrade before the first production workload goes live.")
  end,
}

-- What to do when the contract cannot be signed in time: an incumbent
-- extended, a framework supplier, or a bridging engagement. On the
-- incumbent's own row the extension is the step itself: it is done by an
-- order under the agreement already signed, not by a new contract cycle.
local OPTION_BY_ID = {}
for _, o in ipairs(options) do OPTION_BY_ID[o.id] = o end

-- The incumbent by name, so a reader finds it whether or not it made the
-- shortlist (a partner outside the catalogue has no name here).
local function incumbent_named(f)
  local o = OPTION_BY_ID[f.incumbent_partner]
  return o and ("the incumbent " .. o.name) or "the current partner"
end

local function when_too_slow(f, option_id)
  if f.incumbent_partner == option_id then
    return "extend it by a change or work order under the agreement already signed, which need not wait for a full "
      .. "contract cycle, or start a bridging engagement"
  elseif f.incumbent_partner ~= "none" then
    return "extend " .. incumbent_named(f) .. "'s contract for the first phase, or start a bridging engagement while "
      .. "the new contract is signed"
  elseif f.replaced_partner then
    -- the partner on its way out can still bridge, for a short term
    return "agree a short bridging term with the partner being replaced, or use a framework or pre-approved "
      .. "supplier, while the new contract is signed"
  end
  return "use a framework or pre-approved supplier, or start a bridging engagement while the contract is signed"
end

-- What to do when a contract still fits before the exit but eats much of
-- the time: a partner already signed can start the work sooner.
local function when_squeezed(f, option_id)
  if f.incumbent_partner == option_id then
    return "extend it by a change or work order under the agreement already signed rather than wait for a new "
      .. "contract"
  elseif f.incumbent_partner ~= "none" then
    return "ask for an expedited or framework route, or start the first phase with " .. incumbent_named(f)
      .. " under the agreement already signed"
  end
  return "ask for an expedited or framework route"
end

-- The contract step of one option: with whom (a programme is contracted
-- through the qualifying partner that delivers it), and clauses that
-- depend on what the intake says of lead time, vendor lists and the exit.
local function contract_step(o)
  local with = o.through_partner and " with the qualifying partner that delivers " .. o.name or ""
  return function(_, ctx, f)
    local incumbent = f.incumbent_partner == o.id
    -- a programme's partner may be the one already signed, or the Expert
    -- MSP shortlisted beside it: one partner can do both
    local signed = o.through_partner and OPTION_BY_ID[f.incumbent_partner]
    local opener = "Start contract and paperwork review" .. with .. " now"
    if incumbent then
      opener = "Start the review of the incumbent " .. o.name .. "'s contract now, to extend it to this work rather "
        .. "than tender it anew"
      -- an estimate is no basis to size the extension on (the assessment's
      -- row says to count first): extend for the first phase only
      if f.estate_estimated and ctx.shortlisted.solution_assessment then
        opener = opener .. ", first for the count of the estate (if it is qualified to run it) and the first "
          .. "phase, sizing the rest on the count"
      end
    elseif signed then
      opener = "Start contract and paperwork review" .. with .. " (the incumbent " .. signed.name .. ", if it "
        .. "qualifies) now"
    elseif o.through_partner and ctx.shortlisted.azure_expert_msp then
      opener = "Start contract and paperwork review" .. with .. " (the Azure Expert MSP chosen, if it qualifies, "
        .. "so that one partner does both) now"
    elseif o.through_partner then
      -- no partner is named yet: choosing one is the first move
      opener = "Choose a qualifying partner that delivers " .. o.name .. " and start contract and paperwork review "
        .. "with it now"
    end
    local parts = { opener }
    local lt = f.lead_time
    if lt ~= nil then
      parts[#parts + 1] = (incumbent and ": a new contract usually takes " or ": contracting usually takes ") .. lt
        .. " days here"
    end
    -- the incumbent is on the list already
    if f.approved_vendor_list and not incumbent then
      parts[#parts + 1] = (lt ~= nil and "," or ":")
        .. " and the supplier may first need to join the approved vendor list"
    end
    local d = f.exit_days
    if d ~= nil and lt ~= nil then
      -- the top option's escalation step (below) says what to do instead, once
      local escalated = f.procurement_squeeze and ctx.top == o.id
      if d < 0 then
        parts[#parts + 1] = "; the datacenter-exit date has already passed"
        if not escalated then parts[#parts + 1] = ", so " .. when_too_slow(f, o.id) end
      elseif lt >= d then
        local over = lt > d and ((lt - d) .. " days more than") or "as long as"
        parts[#parts + 1] = "; that is " .. over .. " the " .. d .. " days left before the datacenter exit"
        if not escalated then parts[#parts + 1] = ", so " .. when_too_slow(f, o.id) end
      elseif incumbent then
        -- the arithmetic is the new contract's, not the extension's
        parts[#parts + 1] = ", which would leave " .. (d - lt) .. " of the " .. d .. " days before the datacenter "
          .. "exit; a change to the agreement already signed need not wait that long"
      else
        parts[#parts + 1] = "; " .. (d - lt) .. " of the " .. d
          .. " days before the datacenter exit remain once the contract is signed"
      end
    end
    -- the top row has engage.sponsor.missing's step before this one
    if not f.executive_sponsor and ctx.top ~= o.id then
      parts[#parts + 1] = "; name an executive sponsor before anything beyond a first, bounded piece of work is "
        .. "signed"
    end
    return table.concat(parts) .. "."
  end
end

-- Before any "open the review now" (the steps of a row keep the order of
-- the rules): a sponsor to commit the budget. Other rows with a contract to
-- review say so in their contract step (contract_step).
rule {
  id = "engage.sponsor.missing",
  stage = "engage",
  because = "Multi-year managed services and funded programmes need someone who can commit budget.",
  options = "top",
  when = "not f.executive_sponsor and ctx.top ~= 'self_service'",
  step = "Name an executive sponsor first: no contract beyond a first, bounded piece of work should be signed "
    .. "without one.",
}

-- Whom to ask, and what to ask of them, comes before the contract step:
-- the steps of a row keep the order of the rules.

-- The same kind of partner as the one being replaced: the round of
-- proposals leaves the outgoing one out and asks for the takeover.
local REPLACEMENT_STEP = {
  csp = "Ask two or three Cloud Solution Providers other than the one being replaced for a proposal covering "
    .. "the transfer of the subscriptions and billing from the outgoing provider, provisioning, billing and "
    .. "first-line support, and agree the support-case and escalation path before signing.",
  azure_expert_msp = "Invite audited Azure Expert MSPs other than the one being replaced to present how they would "
    .. "take over what it runs and help in the requested areas, with a transition plan, and ask for customer "
    .. "references of similar size and sector.",
}
for _, id in ipairs({ "csp", "azure_expert_msp" }) do
  if OPTION_BY_ID[id] then
    rule {
      id = "engage.replace." .. id,
      stage = "engage",
      because = "The partner being replaced is not a candidate for the same role; the new one must take over what "
        .. "it runs as well as the new work.",
      options = { id },
      when = "ctx.shortlisted." .. id .. " and f.replaced_partner == '" .. id .. "'",
      replaces_catalogue_step = true,
      step = REPLACEMENT_STEP[id],
    }
  end
end

rule {
  id = "engage.msp.regulated",
  stage = "engage",
  because = "Regulators expect outsourcing to be checked against their rules before contracts are signed.",
  options = { "azure_expert_msp" },
  when = "f.regulated and ctx.shortlisted.azure_expert_msp",
  step = "Ask each candidate for its third-party audit report and check it against the regulator's outsourcing "
    .. "requirements before contract review.",
}

-- One rule per option the catalogue marks as contracted (bought from an
-- outside party under a contract), so that the step appears only on the
-- rows of options that made the shortlist. The incumbent's row has its own
-- rule (engage.extend.*): it is given also when the exit is near, however
-- quick contracting is, and it takes the place of the catalogue's round of
-- proposals, since extending the partner already signed is the move then.
for _, o in ipairs(options) do
  if o.contracted then
    rule {
      id = "engage.contract." .. o.id,
      stage = "engage",
      because = "Contracting takes time, more so when a supplier must first be added to an approved vendor list; "
        .. "reviewing terms early removes a barrier for when the teams need help most.",
      options = { o.id },
      when = "ctx.shortlisted." .. o.id .. " and f.review_contracts_early and f.incumbent_partner ~= '" .. o.id
        .. "'",
      step = contract_step(o),
    }
  end
end
-- the options an intake's procurement.incumbent_partner can name
for _, id in ipairs({ "csp", "azure_expert_msp" }) do
  local o = OPTION_BY_ID[id]
  if o then
    rule {
      id = "engage.extend." .. o.id,
      stage = "engage",
      because = "A partner already under contract can take on this work by a change to the agreement signed, "
        .. "faster than any new supplier can be contracted; asking the market first would only delay it.",
      options = { o.id },
      when = "ctx.shortlisted." .. o.id .. " and f.incumbent_partner == '" .. o.id
        .. "' and (f.review_contracts_early or f.exit_near)",
      replaces_catalogue_step = true,
      step = contract_step(o),
    }
  end
end

local DAY_WORD = { [1] = " day" }

-- The date an option is first active, from the catalogue (nil: never).
local function starts_on(id)
  local o = OPTION_BY_ID[id]
  for _, e in ipairs(o and o.lifecycle or {}) do
    if e.status == "active" then return e.from end
  end
  return nil
end

-- An option that is bundled or retired soon (within the policy's notice
-- window), or before a contract started now would be signed, changes
-- under the engagement: its row says when, and what it carries over to.
-- Only options whose catalogue entry changes at all get the rule.
for _, o in ipairs(options) do
  if o.lifecycle and o.lifecycle[2] ~= nil then
    -- a contract started today is signed lead_time days later
    local within = o.contracted and "f.lead_time" or "nil"
    rule {
      id = "engage.change_ahead." .. o.id,
      stage = "engage",
      because = "A programme that changes (bundled into another, retired) soon, or before its contract would be "
        .. "signed, changes under the engagement: how the engagement carries over is agreed before committing.",
      options = { o.id },
      when = "ctx.shortlisted." .. o.id .. " and ctx.change_ahead('" .. o.id .. "', " .. within .. ") ~= nil",
      step = function(_, ctx, f)
        local date, status, successor = ctx.change_ahead(o.id, o.contracted and f.lead_time or nil)
        local late = ctx.change_ahead(o.id) == nil -- past the notice window, within the lead time
        local days = ctx.days_until(date)
        local commit = o.contracted and "before signing" or "before committing to it"
        -- a successor that starts later leaves a gap, which the reader must hear of
        local starts = successor and starts_on(successor)
        local gap = starts ~= nil and starts > date
        return o.name .. " is " .. status .. " from " .. date .. ", " .. days .. (DAY_WORD[days] or " days")
          .. " after the assessment" .. (late and ", before a contract started now would be signed" or "")
          .. (gap and (", and nothing carries it on until " .. option_name(successor) .. " starts on " .. starts)
            or "")
          .. (successor and (": agree how the engagement carries over to " .. option_name(successor) .. " "
            .. commit .. ".") or (": confirm it is still open " .. commit .. "."))
      end,
    }
  end
end

rule {
  id = "engage.contract.deadline_squeeze",
  stage = "engage",
  because = "When contracting would use up a third or more of the time left before a datacenter exit, or the exit "
    .. "has passed, procurement is on the critical path and must be escalated.",
  options = "top",
  when = "f.procurement_squeeze",
  step = function(_, ctx, f)
    if f.exit_days <= 0 then
      return "Escalate procurement: the datacenter-exit date " .. (f.exit_days < 0 and "has already passed" or
        "is today") .. " and a new contract takes " .. f.lead_time .. " days here; " .. when_too_slow(f, ctx.top) .. "."
    end
    if f.days_short > 0 or f.lead_time == f.exit_days then
      return "Escalate procurement: a " .. f.lead_time .. "-day contract cycle does not fit in the " .. f.exit_days
        .. " days left before the datacenter exit (" .. f.days_short .. " days short); " .. when_too_slow(f, ctx.top)
        .. "."
    end
    return "Escalate procurement: a " .. f.lead_time .. "-day contract cycle uses " .. f.lead_time .. " of the "
      .. f.exit_days .. " days left before the datacenter exit; " .. when_squeezed(f, ctx.top) .. "."
  end,
}

-- A partner being replaced hands over what it runs: the work that falls
-- between two contracts is what goes wrong.
rule {
  id = "engage.handover",
  stage = "engage",
  because = "Replacing a partner means taking back what it runs; notice periods, knowledge and access are lost "
    .. "when the exit is not planned before the new contract starts.",
  options = "top",
  when = "f.replaced_partner ~= nil",
  step = "Plan the handover from the partner being replaced now: its notice period and exit terms, the runbooks, "
    .. "documentation and access to transfer, and an overlap so that nothing it runs is left without an owner.",
}

-- The leader is compared with every other shortlisted option: a loop.
rule {
  id = "engage.clear_leader",
  stage = "engage",
  because = "When one option clearly outscores the rest, the guidance is to start the contract review with it "
    .. "rather than wait for the full plan.",
  options = "top",
  when = function(_, ctx, f)
    local top = ctx.top
    -- only an option the catalogue marks as contracted has a contract review
    -- to open (support, self-service and a nominated programme have none)
    if top == nil or not OPTION_BY_ID[top].contracted or not ctx.shortlisted[top] then return false end
    -- the assessment comes first when nobody knows the estate: no commitment yet
    if ctx.shortlisted.solution_assessment and f.estate_estimated then return false end
    local second = 0
    for _, o in ipairs(options) do
      if o.id ~= top and ctx.shortlisted[o.id] and ctx.score[o.id] > second then second = ctx.score[o.id] end
    end
    return ctx.score[top] >= thresholds.clear_leader_ratio * second
  end,
  step = function(_, ctx, f)
    -- a kind of provider is not a supplier: choose one first, unless the
    -- incumbent is of that kind
    local text = option_name(ctx.top) .. (f.incumbent_partner == ctx.top and " is the clear leader: open the contract "
      .. "and paperwork review with the incumbent now." or " is the clear leader: choose among the providers "
      .. "invited and open the contract and paperwork review with the one chosen now.")
    local others = 0
    for _, o in ipairs(options) do
      if o.id ~= ctx.top and ctx.shortlisted[o.id] then others = others + 1 end
      if o.id == ctx.top and o.through_partner then
        text = option_name(ctx.top) .. " is the clear leader: choose a qualifying partner that delivers it and open "
          .. "the contract and paperwork review with that partner now."
      end
    end
    -- the row's contract step (engage.contract.*) has said "start now", and
    -- named a change ahead, already: say only what is new
    if f.review_contracts_early or f.extend_first[ctx.top] then
      return option_name(ctx.top) .. (others > 0 and " is the clear leader: give its contract review priority "
        .. "over the others." or " is the only option shortlisted: see its contract review through first.")
    end
    -- a leader about to change: its own step says so (engage.change_ahead.*)
    return text
  end,
}

rule {
  id = "engage.fasttrack.nomination",
  stage = "engage",
  because = "FastTrack for Azure is reached through a Microsoft nomination, not bought from a supplier.",
  options = { "fasttrack_for_azure" },
  when = "ctx.shortlisted.fasttrack_for_azure and ctx.lifecycle('fasttrack_for_azure') == 'active'",
  step = function(_, _, f)
    if not f.account_team then
      return "Without a Microsoft account team, ask a partner to request the nomination now, and confirm the paid "
        .. "subscription it will run on."
    end
    return "Ask the Microsoft account team for a nomination now, alongside any partner search, and confirm the "
      .. "paid subscription it will run on."
  end,
}

rule {
  id = "engage.assessment.first",
  stage = "engage",
  because = "Migration proposals and programme funding rest on a counted estate inventory, which this "
    .. "organisation does not have yet.",
  options = { "solution_assessment" },
  when = "ctx.shortlisted.solution_assessment and f.estate_estimated",
  step = "Run the assessment first: its counted inventory is the input partners and programmes need for firm "
    .. "proposals.",
}
