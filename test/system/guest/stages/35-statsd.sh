# statsd through socket activation: with oxd stopped, oxd-statsd.socket holds 127.0.0.1:8125
# (UDP and TCP); the first datagram starts oxd, which reads it and shows it in oxctl status.
require_oxd
save statsd-enable.txt systemctl enable --now oxd-statsd.socket
obs statsd.socket "$(systemctl is-active oxd-statsd.socket 2>&1)"
obs statsd.listening_udp "$(ss -Hlun | awk '{print $4}' | grep -E ':8125$' | tr '\n' ' ')"
obs statsd.listening_tcp "$(ss -Hltn | awk '{print $4}' | grep -E ':8125$' | tr '\n' ' ')"
save statsd-stop.txt systemctl stop oxd.service
obs statsd.service_stopped "$(systemctl is-active oxd.service 2>&1)"

# One datagram, two lines (bash's printf to /dev/udp may write a line at a time).
python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'systest.statsd.hits:3|c\nsystest.statsd.lat:12|ms\n', ('127.0.0.1', 8125))" \
    && obs statsd.sent ok || obs statsd.sent failed
wait_for 90 statsd.started systemctl is-active -q oxd.service
obs statsd.triggered_by "$(unit_prop oxd.service TriggeredBy)"
statsd_counted() {
    oxctl --raw 2>/dev/null | python3 -c 'import json,sys; s=json.load(sys.stdin).get("statsd") or {}; sys.exit(0 if s.get("metrics_received", 0) >= 2 else 1)'
}
wait_for 60 statsd.counted statsd_counted
save statsd-oxctl.txt oxctl
save statsd-oxctl.json oxctl --raw
obs statsd.ready_line "$(journalctl -u oxd.service -o cat --no-pager | grep 'ready collect=' | tail -1)"
