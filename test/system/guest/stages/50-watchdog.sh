# WatchdogSec= is honoured: oxd pings systemd (WatchdogTimestamp advances) and stays up across
# several intervals; a frozen oxd is killed by the watchdog (and started again).
require_oxd
obs watchdog.shipped_usec "$(unit_prop oxd.service WatchdogUSec)"

# A short interval for the test, in a runtime drop-in (gone at the end of this stage).
WD=3
mkdir -p /run/systemd/system/oxd.service.d
printf '[Service]\nWatchdogSec=%s\n' "$WD" > /run/systemd/system/oxd.service.d/zz-systest-watchdog.conf
systemctl daemon-reload
save watchdog-restart.txt systemctl restart oxd.service
obs watchdog.test_usec "$(unit_prop oxd.service WatchdogUSec)"
pid=$(main_pid)
restarts=$(unit_prop oxd.service NRestarts)
obs watchdog.pid "$pid"

# Count distinct pings (WatchdogTimestampMonotonic changes) over at least 3 intervals.
declare -A seen=()
t0=$(now_ms)
pinged_over_intervals() {
    local ts
    ts=$(unit_prop oxd.service WatchdogTimestampMonotonic)
    [ -n "$ts" ] && [ "$ts" != 0 ] && seen[$ts]=1
    [ "${#seen[@]}" -ge 5 ] && [ $(( $(now_ms) - t0 )) -ge $((WD * 3000)) ]
}
# (not through wait_for: the poll must run in this shell to keep its tally)
deadline=$((t0 + 40000))
until pinged_over_intervals; do
    [ "$(now_ms)" -lt "$deadline" ] || break
    sleep 0.2
done
obs watchdog.pings "${#seen[@]}"
obs watchdog.observed_ms "$(( $(now_ms) - t0 ))"
obs watchdog.pid_after "$(main_pid)"
obs watchdog.active_after "$(systemctl is-active oxd.service)"
obs watchdog.nrestarts_delta "$(( $(unit_prop oxd.service NRestarts) - restarts ))"

# A frozen oxd stops pinging: systemd must kill it (and, with Restart=, start it again).
c=$(journal_cursor)
kill -STOP "$pid"
obs watchdog.frozen_at "$(date +%s.%N)"
timeout_logged() { journal_since "$c" -u oxd.service | grep -q 'Watchdog timeout'; }
wait_for 30 watchdog.enforced timeout_logged
gone() { ! kill -0 "$pid" 2>/dev/null; }
wait_for 30 watchdog.killed gone
obs watchdog.state_after_kill "$(systemctl is-active oxd.service)"
obs watchdog.restart_policy "$(unit_prop oxd.service Restart)"
kill -CONT "$pid" 2>/dev/null
# Whatever the restart policy, a connection brings it back (socket activation).
systemctl reset-failed oxd.service 2>/dev/null
exec 3<>/dev/tcp/127.0.0.1/3514; exec 3<&- 3>&-
back() { systemctl is-active -q oxd.service && [ "$(main_pid)" != "$pid" ] && [ "$(main_pid)" != 0 ]; }
wait_for 90 watchdog.back back
save watchdog-journal.txt journal_since "$c" -u oxd.service
obs watchdog.timeout_line "$(journal_since "$c" -u oxd.service | grep -m1 'Watchdog timeout')"

# Back to the shipped interval from the next start on (the restart in 60-restart-load).
rm -f /run/systemd/system/oxd.service.d/zz-systest-watchdog.conf
systemctl daemon-reload
