# Helpers for the stage scripts that run inside the booted guest (sourced).
#
# The guest does not judge: it acts, waits for conditions and records what it saw.
#   obs KEY VALUE          one observation, appended to $OUT/obs.tsv (KEY<TAB>VALUE, one line)
#   save NAME CMD...       runs CMD, keeps its output in $OUT/NAME, records NAME.rc
#   wait_for SECS KEY CMD  polls CMD every 0.2 s until it succeeds or SECS pass;
#                          records KEY = "ok <ms>" or "timeout <ms>"; returns 0 / 1
# The host-side test (booted-debian.test.ts) asserts on these files.
# No fixed sleeps as synchronisation: every wait is a condition with a deadline.
OUT=${OUT:-/vmtest/out}
IN=${IN:-/vmtest/in}
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 MANWIDTH=80
mkdir -p "$OUT"

now_ms() { date +%s%3N; }
say() { printf '[guest %6.1fs] %s\n' "$(awk '{print $1}' /proc/uptime)" "$*"; }

obs() {
    local key=$1; shift
    local value="$*"
    value=${value//$'\t'/ }
    value=${value//$'\n'/ \\n }
    printf '%s\t%s\n' "$key" "$value" >> "$OUT/obs.tsv"
    printf '    %s = %s\n' "$key" "$value"
}

save() {
    local name=$1; shift
    "$@" > "$OUT/$name" 2>&1
    local rc=$?
    obs "$name.rc" "$rc"
    [ "$rc" = 0 ] || tail -n 6 "$OUT/$name" | sed 's/^/      | /'
    return $rc
}

# A stage that needs the packages installed, or oxd running, says so first; when that is
# not so it is skipped (exit 3) instead of spending its deadlines on a missing daemon.
require_installed() {
    dpkg-query -W -f '${Status}' blueox-oxd 2>/dev/null | grep -q 'install ok installed' && return 0
    obs "skipped.$STAGE" "blueox-oxd is not installed"
    exit 3
}
require_oxd() {
    require_installed
    systemctl is-active -q oxd.service && return 0
    { exec 3<>/dev/tcp/127.0.0.1/3514; exec 3<&- 3>&-; } 2>/dev/null
    wait_for 60 "$STAGE.oxd_up" systemctl is-active -q oxd.service && return 0
    obs "skipped.$STAGE" "oxd.service is not active"
    exit 3
}

wait_for() {
    local secs=$1 key=$2; shift 2
    local t0 deadline
    t0=$(now_ms); deadline=$((t0 + secs * 1000))
    until "$@" >/dev/null 2>&1; do
        if [ "$(now_ms)" -ge "$deadline" ]; then
            obs "$key" "timeout $(( $(now_ms) - t0 ))"
            return 1
        fi
        sleep 0.2
    done
    obs "$key" "ok $(( $(now_ms) - t0 ))"
    return 0
}

# The guest is emulated (TCG) on a host that may be busy: oxd answering its control port
# is what the stages assert, not that it answers within oxctl's interactive 5 s.
oxctl() { command oxctl --timeout 60000 "$@"; }

unit_prop() { systemctl show -P "$2" "$1" 2>/dev/null; }
main_pid() { unit_prop oxd.service MainPID; }

# Journal cursors: what a unit logged after a point in time.
journal_cursor() { journalctl -n 0 --show-cursor --no-pager 2>/dev/null | sed -n 's/^-- cursor: //p'; }
journal_since() { local c=$1; shift; journalctl --no-pager -o cat --after-cursor="$c" "$@" 2>/dev/null; }

# Number of events of a type in the files under /var/log/blueox (decoded with msgpack).
events_in_files() { python3 "$IN/py/count_events.py" /var/log/blueox "$1" | sed -n 's/.*"count": \([0-9]*\).*/\1/p'; }
have_events() { [ "$(events_in_files "$1")" -ge "$2" ] 2>/dev/null; }
