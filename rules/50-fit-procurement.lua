-- Stage 2 (part 5): procurement preferences: how the organisation wants to
-- be billed and whether it can already buy Azure.

local proc = shared.procurement

rule {
  id = "fit.procurement.single_invoice",
  stage = "fit",
  weight = "procurement",
  because = "One invoice covering licences, consumption and services is what a Cloud Solution Provider offers, and "
    .. "an Azure Expert MSP can bill the same way.",
  when = function(intake) return proc(intake).billing_preference == "single_invoice" end,
  score = { csp = 25, azure_expert_msp = 10 },
}

rule {
  id = "fit.procurement.pay_as_you_go",
  stage = "fit",
  weight = "procurement",
  because = "Monthly pay-as-you-go billing is the flexible model that solution providers and managed service "
    .. "partners run for their customers.",
  when = function(intake) return proc(intake).billing_preference == "pay_as_you_go" end,
  score = { csp = 10, azure_expert_msp = 5 },
}

rule {
  id = "fit.procurement.enterprise_agreement",
  stage = "fit",
  weight = "procurement",
  because = "Azure is bought under an enterprise agreement directly with Microsoft, so a reseller's billing adds "
    .. "little, while support can be negotiated alongside the agreement.",
  when = function(intake) return proc(intake).billing_preference == "enterprise_agreement" end,
  score = { csp = -10, azure_support = 5 },
}

rule {
  id = "fit.procurement.no_subscription",
  stage = "fit",
  weight = "procurement",
  because = "There is no paid Azure subscription yet; a Cloud Solution Provider can provision the first "
    .. "subscriptions and billing as part of its service.",
  when = function(intake) return not proc(intake).active_paid_subscription end,
  score = { csp = 10 },
}
