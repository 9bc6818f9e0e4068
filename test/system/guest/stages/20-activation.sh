# systemctl enable --now oxd.socket; oxd must not run until the first connection, then start.
require_installed
save activation-enable.txt systemctl enable --now oxd.socket
obs activation.socket "$(systemctl is-active oxd.socket 2>&1)"
save activation-sockets.txt systemctl list-sockets --all --no-pager --no-legend
obs activation.listening "$(ss -Hltn | awk '{print $4}' | grep -E ':(3513|3514)$' | sort | tr '\n' ' ')"
obs activation.service_before "$(systemctl is-active oxd.service 2>&1)"
obs activation.processes_before "$(pgrep -c -u _blueox 2>/dev/null; true)"

# The first connection (a bare TCP connect to the collect port) starts the service.
t0=$(now_ms)
exec 3<>/dev/tcp/127.0.0.1/3514 && obs activation.connect ok || obs activation.connect failed
exec 3<&- 3>&-
wait_for 90 activation.started systemctl is-active -q oxd.service
obs activation.start_ms "$(( $(now_ms) - t0 ))"
obs activation.service_after "$(systemctl is-active oxd.service 2>&1)"
pid=$(main_pid)
obs activation.user "$(ps -o user= -p "$pid" 2>&1)"
obs activation.triggered_by "$(unit_prop oxd.service TriggeredBy)"
obs activation.type "$(unit_prop oxd.service Type)"
obs activation.ready_line "$(journalctl -u oxd.service -o cat --no-pager | grep -m1 'ready collect=')"
save activation-show.txt systemctl show oxd.service -p Type -p User -p MainPID -p ExecMainStartTimestamp \
    -p WatchdogUSec -p StatusText -p NRestarts -p TriggeredBy -p NotifyAccess
# The listening sockets still belong to systemd (oxd adopted them; it did not bind its own).
save activation-ss.txt ss -Hltnp
