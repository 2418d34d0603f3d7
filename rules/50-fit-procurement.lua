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

rule {
  id = "fit.procurement.no_subscription",
  stage = "fit",
  weight = "procurement",
  because = "There is no paid Azure subscription yet; a Cloud Solution Provider can provision the first "
    .. "subscriptions and billing as part of its service.",
  when = "not f.paid_subscription",
  score = { csp = 10 },
}
