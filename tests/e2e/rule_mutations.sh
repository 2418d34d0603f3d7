# Mutation check of the rule tests: removing any one rule of the pack (or,
# for needs, fit and shortlist rules, making it add nothing) must make
# `partnerfit test tests/rules` fail. See tests/rules/mutate.sh.
# Called as: sh rule_mutations.sh PARTNERFIT SOURCE_DIR WORK_DIR CSVCHECK
set -eu
rm -rf "$3"
exec sh "$2/tests/rules/mutate.sh" "$1" "$2" "$3"
