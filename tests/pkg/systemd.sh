# contrib/systemd: the service and timer pass `systemd-analyze verify` without
# a word of complaint, against a root holding the installed program (so the
# ExecStart= binary is checked too), and the paths the service names are
# where an install under /usr puts them.
# Called as: sh systemd.sh PARTNERFIT SOURCE_DIR WORK_DIR CSVCHECK BUILD_DIR
. "$(dirname "$0")/../lib.sh"
BUILD=$5
UNITS=contrib/systemd
[ -f "$UNITS/partnerfit.service" ] && [ -f "$UNITS/partnerfit.timer" ] ||
    fail "no $UNITS/partnerfit.service and .timer"
if ! command -v systemd-analyze >/dev/null 2>&1 || [ ! -d /usr/lib/systemd/system ]; then
    echo "SKIP: systemd-analyze is not installed (Debian package systemd)"
    exit 77
fi

# a root with the program installed under /usr, the system's own units
# (verify resolves the dependencies on basic.target & co.) and ours
R="$WORK/root"
cmake --install "$BUILD" --prefix "$R/usr" >"$WORK/install.log" 2>&1 ||
    { cat "$WORK/install.log" >&2; fail "cmake --install failed"; }
mkdir -p "$R/usr/lib/systemd" "$R/etc/systemd/system"
cp -R /usr/lib/systemd/system "$R/usr/lib/systemd/"
cp "$UNITS/partnerfit.service" "$UNITS/partnerfit.timer" "$R/etc/systemd/system/"

# verify exits 0 on unknown keys and bad values, so any output is a failure
set +e
systemd-analyze verify --man=no --root="$R" partnerfit.service partnerfit.timer \
    >"$WORK/verify.log" 2>&1
rc=$?
set -e
if [ "$rc" != 0 ] || [ -s "$WORK/verify.log" ]; then
    cat "$WORK/verify.log" >&2
    fail "systemd-analyze verify: exit $rc"
fi
ok "systemd-analyze verify passes the service and the timer"

svc="$UNITS/partnerfit.service"
for line in "Type=oneshot" "SuccessExitStatus=1" "DynamicUser=yes" "User=partnerfit" \
    "StateDirectory=partnerfit" "ProtectSystem=strict" "NoNewPrivileges=yes"; do
    grep -qx "$line" "$svc" || fail "$svc lacks $line"
done
# every installed path the service names exists in the installed tree
for p in $(grep -o '/usr/[A-Za-z0-9_./-]*' "$svc" | sort -u); do
    [ -e "$R$p" ] || fail "$svc names $p, which an install does not create"
done
# the report folder is inside the one folder the unit may write
grep -q -- "--out /var/lib/partnerfit/" "$svc" || fail "$svc writes outside its StateDirectory"
ok "oneshot, own user, exit 1 a success, hardened, writes only its state folder, installed paths"
done_testing
