# Shared helpers for the end-to-end tests (sourced, POSIX sh).
# Each test is called as: sh TEST.sh PARTNERFIT SOURCE_DIR WORK_DIR CSVCHECK
set -eu
PF=$1
SRC=$2
WORK=$3
CSVCHECK=$4
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$SRC"
PASSED=0

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

ok() {
    PASSED=$((PASSED + 1))
    echo "ok - $*"
}

# expect_exit CODE LOGFILE command...: runs the command, keeps its stderr.
expect_exit() {
    want=$1
    log=$2
    shift 2
    set +e
    "$@" 2>"$log"
    got=$?
    set -e
    if [ "$got" != "$want" ]; then
        cat "$log" >&2
        fail "expected exit $want, got $got: $*"
    fi
}

# contains FILE TEXT: FILE holds TEXT (fixed string).
contains() {
    grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "'$2' not found in $1"; }
}

# small_intake ID: a small valid intake, for tests that change one thing in it
small_intake() {
    cat <<YAML
id: $1
assessed_on: 2026-01-15
organisation:
  name: Test Org $1
  country: NO
maturity: {strategy: 2, plan: 2, ready: 1, migrate: 1, innovate: 1, govern: 1, manage: 1}
culture:
  approach: augment_staff
YAML
}

done_testing() {
    echo "$PASSED passed, 0 failed"
}
