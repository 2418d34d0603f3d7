# --shard K/N runs and merge give reports byte-identical to a single run,
# including duplicate ids across shards, rejects and bulk files; merge
# refuses shards made with other rules, or an incomplete set.
. "$(dirname "$0")/../lib.sh"

in=$WORK/in
mkdir -p "$in/a" "$in/b"
cp samples/*.yaml "$in/a/"
i=0
for f in samples/*.yaml; do # copies with new ids, and a few with clashing ones
    i=$((i + 1))
    sed "s/^id: .*/id: copy-$i/" "$f" > "$in/b/copy-$i.yaml"
done
sed 's/^id: .*/id: copy-3/' samples/kestrel-dental.yaml > "$in/b/zz-dup.yaml"
sed 's/^id: .*/id: copy-5/' samples/kestrel-dental.yaml > "$in/a/aa-dup.yaml"
printf 'id: [broken\n' > "$in/b/broken.yaml"
{ printf -- '---\n'; sed 's/^id: .*/id: bulk-1/' samples/atlas-marine.yaml;
  printf -- '---\n'; sed 's/^id: .*/id: copy-7/' samples/atlas-marine.yaml; } > "$in/b/bulk.yaml"

expect_exit 1 "$WORK/log" "$PF" run --out "$WORK/single" "$in/a" "$in/b"
for k in 0 1 2; do
    set +e
    "$PF" run --quiet --jobs 2 --shard "$k/3" --out "$WORK/shard$k" "$in/a" "$in/b" 2>"$WORK/log$k"
    code=$?
    set -e
    [ "$code" -le 1 ] || { cat "$WORK/log$k" >&2; fail "shard $k exited $code"; }
done
expect_exit 1 "$WORK/log" "$PF" merge --out "$WORK/merged" "$WORK/shard0" "$WORK/shard1" "$WORK/shard2"
for f in recommendations.csv needs.csv contributions.csv intakes.csv index.html rejects.csv rule_hits.csv manifest.yaml; do
    if ! cmp -s "$WORK/single/$f" "$WORK/merged/$f"; then
        diff "$WORK/single/$f" "$WORK/merged/$f" | head -20 >&2 || true
        fail "$f of the merged shards differs from the single run's"
    fi
done
contains "$WORK/merged/rejects.csv" '"intake.duplicate_id"'
ok "3 shards merged give byte-identical reports (the tidy ones and index.html too), duplicates across shards included"

# each file went to exactly one shard
total=0
for k in 0 1 2; do
    n=$(sed -n 's/^  files: //p' "$WORK/shard$k/manifest.yaml")
    total=$((total + n))
done
want=$(sed -n 's/^  files: //p' "$WORK/single/manifest.yaml")
[ "$total" = "$want" ] || fail "shards hold $total files, the single run $want"
ok "the shards split the files exactly ($want)"

expect_exit 2 "$WORK/log" "$PF" merge --out "$WORK/m2" "$WORK/shard0" "$WORK/shard2"
contains "$WORK/log" "not one of 2 distinct shards"
ok "an incomplete set of shards is refused"
cp -r rules "$WORK/rules2"
echo 'rule { id = "t.extra", stage = "fit", because = "test", score = { csp = 1 } }' > "$WORK/rules2/99-extra.lua"
expect_exit 2 "$WORK/log" "$PF" merge --rules "$WORK/rules2" --out "$WORK/m3" "$WORK/shard0" "$WORK/shard1" "$WORK/shard2"
contains "$WORK/log" "made with other rules, policy or schema"
ok "shards made with other rules are refused"
# a damaged shard index never gives a quietly short merge: a record cut
# short, or a header of other columns, stops the merge (exit 2, nothing
# written) and says where
for k in 0 1 2; do cp -r "$WORK/shard$k" "$WORK/bad$k"; done
idx=$WORK/bad1/shard-index.csv
[ "$(wc -l <"$idx")" -ge 3 ] || fail "test setup: shard 1 has too few intakes"
awk 'NR == 3 { print substr($0, 1, 12); next } { print }' "$idx" >"$idx.new" && mv "$idx.new" "$idx"
expect_exit 2 "$WORK/log" "$PF" merge --out "$WORK/m4" "$WORK/bad0" "$WORK/bad1" "$WORK/bad2"
contains "$WORK/log" "bad1/shard-index.csv: "
contains "$WORK/log" "damaged"
[ ! -e "$WORK/m4/recommendations.csv" ] || fail "a merge with a damaged index wrote reports"
cp "$WORK/shard1/shard-index.csv" "$idx"
sed -i '1s/"doc"/"document"/' "$idx"
expect_exit 2 "$WORK/log" "$PF" merge --out "$WORK/m5" "$WORK/bad0" "$WORK/bad1" "$WORK/bad2"
contains "$WORK/log" "bad1/shard-index.csv: not a shard index of this version"
ok "a damaged index record or a foreign header stops the merge (exit 2), naming the file and record"
done_testing
