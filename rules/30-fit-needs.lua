-- Stage 2 (part 2): options that fit the needs per area, the team's overall
-- maturity and its skill gaps. Area rules fire when the area is a focus area
-- (its need level reaches the policy's focus level) and scale their points
-- with the level (scale_by_need: need 3 = 60 %, 4 = 80 %, 5 = 100 % of the
-- listed points).

-- One rule per CAF area: who typically helps there.
local AREA_HELP = {
  { area = "strategy",
    because = "Strategy is a focus area: a data-driven assessment or a consulting partner can build the business "
      .. "case and technology strategy, and Microsoft engineers can help shape the vision.",
    score = { solution_assessment = 10, azure_expert_msp = 5, fasttrack_for_azure = 5 },
    learned = {
      because = "Strategy is a focus area the organisation keeps to learn itself: a data-driven assessment and "
        .. "Microsoft engineers help it shape the business case, where a partner would shape it for it.",
      score = { solution_assessment = 10, fasttrack_for_azure = 5 } } },
  { area = "plan",
    because = "Plan is a focus area: the portfolio has to be discovered and assessed with tooling, which a "
      .. "Solution Assessment does on its own and a migration programme does as its first step.",
    score = { solution_assessment = 20, ammp = 10 } },
  { area = "ready",
    because = "Ready is a focus area: a landing zone is best built with expert guidance or by a partner that also "
      .. "provisions the subscriptions.",
    score = { azure_expert_msp = 5, csp = 5, fasttrack_for_azure = 15 },
    learned = {
      because = "Ready is a focus area the organisation keeps to learn itself: a landing zone built with expert "
        .. "guidance teaches the team, where one built by a partner would not.",
      score = { fasttrack_for_azure = 15 } } },
  { area = "migrate",
    because = "Migrate is a focus area: moving workloads takes hands, which a solution provider or a managed "
      .. "partner supplies, and a migration programme's partners, Microsoft staff, free tooling and offers lower "
      .. "its cost.",
    score = { azure_expert_msp = 5, csp = 5, ammp = 25 },
    learned = {
      because = "Migrate is a focus area the organisation keeps to learn itself: a migration programme's Microsoft "
        .. "staff, free tooling and offers guide the team's own moves, where a partner's hands would make them for it.",
      score = { ammp = 25 } } },
  { area = "innovate",
    because = "Innovate is a focus area: building or re-architecting solutions benefits from innovation funding "
      .. "and from Microsoft engineers who have built similar solutions.",
    score = { azure_innovate = 25, fasttrack_for_azure = 10 } },
  { area = "govern",
    because = "Govern is a focus area: ongoing governance and controls are a managed service that Azure Expert "
      .. "MSPs are audited to deliver.",
    score = { azure_expert_msp = 15 },
    -- kept to learn, governance is the team's own work: nothing to credit
    learned = {} },
  { area = "manage",
    because = "Manage is a focus area: operating the platform and workloads calls for a managed service provider, "
      .. "or at least a provider or support plan that answers when things break.",
    score = { azure_expert_msp = 15, csp = 10, azure_support = 10 },
    learned = {
      because = "Manage is a focus area the organisation keeps to learn itself: while the team learns to run the "
        .. "platform, a support plan answers when things break.",
      score = { azure_support = 10 } },
    -- handed over, the partner that runs it is the one that answers: the
    -- other shares of the area go with it. While production already runs
    -- in Azure short of support, the support plan keeps its share too:
    -- until the partner is signed, something must answer today.
    handed_over = {
      because = "Manage is a focus area and is handed over: the managed partner that runs the platform is the one "
        .. "that answers when things break.",
      score = { azure_expert_msp = 15 },
      live_gap = {
        because = "Manage is handed over, but production already runs in Azure short of support: until the "
          .. "managed partner is signed, a support plan is what answers when things break.",
        score = { azure_support = 10 } } } },
}

-- An area kept to learn (`learned`) is the team's own work: the help that
-- guides it there keeps its points, a partner that would do the work for it
-- earns none (fit.culture.develop_skills.areas credits the learning itself).
-- One rule of an area's help: its id suffix, its part of AREA_HELP (the
-- area's own, .learned, .handed_over ...) and its condition.
local function area_rule(h, suffix, part, when)
  rule {
    id = "fit.need." .. h.area .. suffix,
    stage = "fit",
    weight = "needs",
    because = part.because,
    when = when,
    score = part.score,
    scale_by_need = h.area,
  }
end

for _, h in ipairs(AREA_HELP) do
  local focus = "ctx.in_focus." .. h.area
  local when = h.handed_over and (focus .. " and not f.handed_over." .. h.area) or focus
  area_rule(h, "", h, h.learned and (when .. " and not f.kept_to_learn." .. h.area) or when)
  if h.learned and h.learned.score then
    area_rule(h, ".learned", h.learned, focus .. " and f.kept_to_learn." .. h.area)
  end
  if h.handed_over then
    area_rule(h, ".handed_over", h.handed_over, focus .. " and f.handed_over." .. h.area)
    area_rule(h, ".handed_over.live_gap", h.handed_over.live_gap,
      focus .. " and f.handed_over." .. h.area .. " and f.live_support_gap")
  end
end

rule {
  id = "fit.need.breadth",
  stage = "fit",
  weight = "needs",
  because = "{#ctx.focus_areas} of the seven areas need help ({ctx.focus_areas}); one partner audited across every "
    .. "methodology avoids stitching several together, and in-house alone is unrealistic.",
  when = "#ctx.focus_areas >= thresholds.breadth_focus_areas and f.approach ~= 'develop_skills' "
    .. "and not f.broad_skill_gap and not f.small_organisation",
  score = { azure_expert_msp = 15, self_service = -10 },
}

rule {
  id = "fit.need.none",
  stage = "fit",
  weight = "needs",
  -- no clock, no exit date at all and no enterprise-scale estate: "carry on
  -- alone" must not snap on one day or one month past a window
  because = "No area reaches the focus level, no skill is short, no deadline presses, the estate is not at "
    .. "enterprise scale and no production workload runs short of support, so the team can carry on with the CAF "
    .. "guidance on its own.",
  -- a capable team is one signal: high maturity (fit.maturity.high) owns it
  -- when it fires, and this rule does not count it again
  when = "#ctx.focus_areas == 0 and #f.skill_gaps == 0 and not f.on_the_clock and f.exit_days == nil "
    .. "and not f.enterprise_scale and f.average_maturity < thresholds.high_maturity "
    .. "and not f.live_support_gap",
  score = { self_service = 25 },
}

rule {
  id = "fit.maturity.high",
  stage = "fit",
  weight = "maturity",
  because = "Average maturity across the seven areas is {f.average_maturity:%.1f} of 5, high enough for the team "
    .. "to lead its own adoption.",
  when = "f.average_maturity >= thresholds.high_maturity",
  score = { self_service = 20 },
}

rule {
  id = "fit.maturity.low",
  stage = "fit",
  weight = "maturity",
  because = "Average maturity across the seven areas is only {f.average_maturity:%.1f} of 5; a partner that can "
    .. "cover several areas at once is safer than learning everything in-house.",
  -- a thin team is one signal: the broad skill gap or the breadth of need
  -- owns it when they fire, and this rule does not count it again
  when = "f.average_maturity < thresholds.low_maturity and not f.broad_skill_gap "
    .. "and #ctx.focus_areas < thresholds.breadth_focus_areas",
  score = { azure_expert_msp = 5, self_service = -15 },
}

rule {
  id = "fit.skills.broad_gap",
  stage = "fit",
  weight = "skills",
  because = "{#f.partner_skill_gaps} skill areas are two or more levels short of what the plans need "
    .. "({f.partner_skill_gap_names}); few teams close that many gaps alone, which is where a broad managed partner "
    .. "helps.",
  when = "f.broad_skill_gap and f.approach ~= 'develop_skills' and not f.small_organisation",
  score = { azure_expert_msp = 15, self_service = -15 },
}

rule {
  id = "fit.skills.broad_gap.small",
  stage = "fit",
  weight = "skills",
  because = "A small organisation short of many skills ({f.partner_skill_gap_names}) or needing help in many areas "
    .. "needs extra hands it can buy in proportion: one solution provider that moves, bills and supports, rather "
    .. "than a broad managed service.",
  when = "(f.broad_skill_gap or #ctx.focus_areas >= thresholds.breadth_focus_areas) and f.small_organisation "
    .. "and f.approach ~= 'develop_skills'",
  score = { csp = 15, self_service = -15 },
}

rule {
  id = "fit.skills.broad_gap.learn",
  stage = "fit",
  weight = "skills",
  because = "{#f.skill_gaps} skill areas are two or more levels short ({f.skill_gap_names}) and the team wants to "
    .. "close them itself; that many gaps need structured expert guidance, not reading alone.",
  when = "f.broad_skill_gap and f.approach == 'develop_skills'",
  score = { self_service = -10 },
  programmes = { fasttrack_for_azure = 10 },
}

rule {
  id = "fit.skills.no_gap",
  stage = "fit",
  weight = "skills",
  because = "The team already has every skill its plans call for, which is the main precondition of self-service.",
  when = "f.no_skill_gap",
  score = { self_service = 15 },
}

rule {
  id = "fit.skills.operations",
  stage = "fit",
  weight = "skills",
  because = "Operations skills (keeping the platform ready, administered, monitored and protected) are short by two "
    .. "levels or more; a managed service or a support plan covers the gap while it is closed.",
  -- operations handed over with its area: the ask to offload owns that
  -- signal (fit.culture.offload.areas), and this rule does not count it again
  when = "f.kept_short_skills.operations",
  score = { azure_expert_msp = 10, azure_support = 5 },
}

rule {
  id = "fit.skills.build",
  stage = "fit",
  weight = "skills",
  because = "AI, data or cloud-native skills are short for the solutions the team wants to build; expert engineers "
    .. "and innovation funding shorten the learning curve.",
  when = "ctx.in_focus.innovate and (f.short_skills.ai or f.short_skills.data or f.short_skills.cloud_native)",
  score = { fasttrack_for_azure = 5 },
  programmes = { azure_innovate = 10 },
}

rule {
  id = "fit.skills.finops",
  stage = "fit",
  weight = "skills",
  because = "FinOps skills are short; a provider's consolidated billing and cost reporting gives spending control "
    .. "while the team learns to manage cloud costs.",
  -- under an enterprise agreement Microsoft bills for the term, so a
  -- provider's billing is no help (one bought online could move to a
  -- provider's billing at any time)
  when = "f.short_skills.finops and f.billing_preference ~= 'enterprise_agreement'",
  score = { csp = 5, azure_expert_msp = 5 },
}
