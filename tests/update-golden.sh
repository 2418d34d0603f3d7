#!/bin/sh
# Refreshes tests/golden/ from a fresh run over samples/. Run it only after
# reviewing what changed (git diff tests/golden afterwards shows it again).
set -eu
cd "$(dirname "$0")/.."
bin=${1:-build/partnerfit}
out=$(mktemp -d)
"$bin" run --quiet --out "$out" samples/
for f in recommendations.csv needs.csv contributions.csv intakes.csv rejects.csv rule_hits.csv index.html manifest.yaml; do cp "$out/$f" tests/golden/; done
rm -rf "$out"
git --no-pager diff --stat -- tests/golden || true
