# A central log host: oxd-syslog.socket is installed but not enabled; once enabled, systemd
# holds port 514 (TCP and UDP, every address) for the unprivileged oxd, and the guest's own
# rsyslog forwards everything to it as the document's servers do (*.* @@loghost:port).
# `logger` in the guest then shows in oxview, as a syslog event and as a classic syslog line.
require_oxd
obs syslog.enabled_before "$(systemctl is-enabled oxd-syslog.socket 2>&1)"
obs syslog.listening_before "$({ ss -Hltn; ss -Hlun; } | awk '{print $4}' | grep -E ':514$' | tr '\n' ' ')"
# systemd starts no socket unit whose service runs ("already active, refusing"), and a running
# oxd takes sockets only when it starts: the steps the README gives.
c=$(journal_cursor)
save syslog-enable.txt systemctl enable oxd-syslog.socket
save syslog-stop.txt systemctl stop oxd.service
save syslog-start.txt systemctl start oxd-syslog.socket oxd.service
save syslog-journal.txt journal_since "$c" -u oxd-syslog.socket -u oxd.service
obs syslog.socket "$(systemctl is-active oxd-syslog.socket 2>&1)"
obs syslog.listening_udp "$(ss -Hlun | awk '{print $4}' | grep -E ':514$' | tr '\n' ' ')"
obs syslog.listening_tcp "$(ss -Hltn | awk '{print $4}' | grep -E ':514$' | tr '\n' ' ')"
wait_for 90 syslog.oxd_up systemctl is-active -q oxd.service
obs syslog.ready_line "$(journalctl -u oxd.service -o cat --no-pager | grep 'ready collect=' | tail -1)"

printf '# Written by the BlueOx system test\n*.* @@127.0.0.1:514\n' > /etc/rsyslog.d/60-blueox-systest.conf
save syslog-rsyslog-restart.txt systemctl restart rsyslog.service
obs syslog.rsyslog "$(systemctl is-active rsyslog.service 2>&1)"
token="hello-$(date +%s%N)"
logger -t systest-app -p local3.warning "$token" && obs syslog.logger ok || obs syslog.logger failed
obs syslog.token "$token"
syslog_arrived() { oxview -l /var/log/blueox -n syslog 2>/dev/null | grep -q "$token"; }
wait_for 120 syslog.arrived syslog_arrived
save syslog-oxview.txt sh -c "oxview -l /var/log/blueox -n syslog | grep -F '$token'"
save syslog-oxview-line.txt sh -c "oxview -l /var/log/blueox -n syslog --syslog | grep -F '$token'"
save syslog-oxctl.json oxctl --raw
save syslog-oxctl.txt oxctl
obs syslog.hostname "$(hostname)"
# Later stages restart and upgrade oxd: the forwarding ends here, the socket stays enabled.
rm -f /etc/rsyslog.d/60-blueox-systest.conf
save syslog-rsyslog-restart2.txt systemctl restart rsyslog.service
