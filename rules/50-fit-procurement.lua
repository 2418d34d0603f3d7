-- Stage 2 (part 5): procurement preferences: how the organisation wants to
-- be billed and whether it can already buy Azure.

-- How the organisation wants to be billed.
decide {
  on = "procurement.billing_preference",
  stage = "fit",
  weight = "procurement",
  rows = {
    { id = "fit.procurement.single_invoice", is = "single_invoice",
      because = "One invoice covering licences, consumption and services is what a Cloud Solution Provider offers, "
        .. "and an Azure Expert MSP can bill the same way.",
      score = { csp = 25, azure_expert_msp = 10 } },
    { id = "fit.procurement.pay_as_you_go", is = "pay_as_you_go",
      because = "Monthly pay-as-you-go billing is the flexible model that solution providers and managed service "
        .. "partners run for their customers.",
      score = { csp = 10, azure_expert_msp = 5 } },
    { id = "fit.procurement.enterprise_agreement", is = "enterprise_agreement",
      because = "Azure is bought under an enterprise agreement directly with Microsoft, so a reseller's billing adds "
        .. "little, while support can be negotiated alongside the agreement.",
      score = { csp = -10, azure_support = 5 } },
  },
}

-- A partner already under contract or on the vendor list can be extended
-- faster than a new one can be contracted, which matters when contracting
-- is slow or the exit is near.
decide {
  on = "f.incumbent_partner",
  stage = "fit",
  weight = "procurement",
  rows = {
    { id = "fit.procurement.incumbent.csp", is = "csp", when = "f.contracting_presses",
      because = "A Cloud Solution Provider is already under contract or on the approved vendor list; extending it "
        .. "avoids the lead time of contracting a new supplier.",
      score = { csp = 10 } },
    { id = "fit.procurement.incumbent.msp", is = "azure_expert_msp", when = "f.contracting_presses",
      because = "An Azure Expert MSP is already under contract or on the approved vendor list; extending it avoids "
        .. "the lead time of contracting a new supplier.",
      score = { azure_expert_msp = 10 } },
    -- When a new supplier would be signed only after the exit, the partner
    -- already under contract is the one route to more hands before it: it
    -- takes the capacity points a new partner would have had, and more,
    -- since the work can start by a change order under the agreement signed.
    { id = "fit.procurement.incumbent.only_route.csp", is = "csp", when = "f.new_contract_late and f.assets > 0",
      because = "A new supplier takes {f.lead_time} days to contract and the datacenter exit {f.exit_distance}: "
        .. "the Cloud Solution Provider already under contract is the one partner that can add hands before it.",
      score = { csp = 30 } },
    { id = "fit.procurement.incumbent.only_route.msp", is = "azure_expert_msp",
      when = "f.new_contract_late and f.assets > 0",
      because = "A new supplier takes {f.lead_time} days to contract and the datacenter exit {f.exit_distance}: "
        .. "the Azure Expert MSP already under contract is the one partner that can add hands before it.",
      score = { azure_expert_msp = 30 } },
  },
}

-- An Expert MSP under contract already supplies the extra hands, the
-- billing and the first line of support a new solution provider would: a
-- second provider is one more supplier to contract, not more help.
rule {
  id = "fit.procurement.incumbent.msp.covers_provider",
  stage = "fit",
  weight = "procurement",
  because = "An Azure Expert MSP is already under contract; it provides the hands, billing and first-line support a "
    .. "new Cloud Solution Provider would, so a second provider adds a contract rather than help.",
  when = "f.incumbent_partner == 'azure_expert_msp'",
  score = { csp = -15 },
}

rule {
  id = "fit.procurement.no_subscription",
  stage = "fit",
  weight = "procurement",
  because = "There is no paid Azure subscription yet; a Cloud Solution Provider can provision the first "
    .. "subscriptions and billing as part of its service.",
  when = "not f.paid_subscription",
  score = { csp = 10 },
}
