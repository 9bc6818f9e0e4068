# A forwarding oxd with the package's disk spool (/var/lib/blueox/spool): events sent while its
# central is stopped survive `systemctl restart oxd`, and reach the central over the link once it
# starts. The central is a second oxd started here from the package (its own ports, files, spool).
require_oxd
CENTRAL_LOG=/tmp/central-log CENTRAL_SPOOL=/tmp/central-spool
central_start() {
    /usr/sbin/oxd --config /dev/null -c 127.0.0.1:4514 -t 127.0.0.1:4513 --admin-socket '' \
        -l "$CENTRAL_LOG" --spool-path "$CENTRAL_SPOOL" >> "$OUT/fwd-central.txt" 2>&1 &
    central=$!
}
cp /etc/blueox/oxd.conf /tmp/oxd.conf.before-forward
printf '\n# Written by the BlueOx system test\nforward = "127.0.0.1:4514"\n' >> /etc/blueox/oxd.conf
save fwd-restart-1.txt systemctl restart oxd.service
wait_for 60 fwd.oxd_up systemctl is-active -q oxd.service

# The central is down: what the sender sends waits in the forwarding oxd's spool.
python3 "$IN/py/load_sender.py" --type systest_fwd --rate 1000 --duration 3 \
    --progress /tmp/fwd.progress --out "$OUT/fwd-sender.json" > "$OUT/fwd-sender.txt" 2>&1
obs fwd.sender_rc "$?"
obs fwd.sent "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$OUT/fwd-sender.json" 2>&1)"
spooled() {
    oxctl --raw 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
f = s["sinks"].get("forward") or {}
sys.exit(0 if f.get("spool", {}).get("appended", 0) >= int(sys.argv[1]) else 1)' "$(grep -o '[0-9]*' /tmp/fwd.progress)"
}
wait_for 60 fwd.spooled spooled
save fwd-before-restart.json oxctl --raw
save fwd-restart-2.txt systemctl restart oxd.service
wait_for 60 fwd.oxd_up_again systemctl is-active -q oxd.service
save fwd-spool-check.txt /usr/sbin/oxd --check-spool
obs fwd.spool_files "$(ls /var/lib/blueox/spool | tr '\n' ' ')"

# The central starts: everything comes over the link.
central_start
in_central() {
    python3 "$IN/py/count_events.py" "$CENTRAL_LOG" systest_fwd --seq > /tmp/fwd-count.json 2>/dev/null &&
        python3 -c 'import json,sys; c=json.load(open("/tmp/fwd-count.json")); sys.exit(0 if c["distinct"] >= int(sys.argv[1]) else 1)' "$(grep -o '[0-9]*' /tmp/fwd.progress)"
}
wait_for 120 fwd.delivered in_central
save fwd-count.json python3 "$IN/py/count_events.py" "$CENTRAL_LOG" systest_fwd --seq
obs fwd.in_central "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["distinct"])' "$OUT/fwd-count.json" 2>&1)"
acked() {
    oxctl --raw 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
sys.exit(0 if s["sinks"]["forward"]["spool"]["unacked"] == 0 else 1)'
}
wait_for 60 fwd.acknowledged acked
save fwd-after.json oxctl --raw
obs fwd.mode "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sinks"]["forward"]["mode"])' "$OUT/fwd-after.json" 2>&1)"

# Back as it was for the later stages: no forwarding, no central.
kill -TERM "$central" 2>/dev/null; wait "$central"; obs fwd.central_rc "$?"
cp /tmp/oxd.conf.before-forward /etc/blueox/oxd.conf
save fwd-restart-3.txt systemctl restart oxd.service
