# systemctl restart oxd, several times in a row, while a sender pushes events at a steady
# rate: none may be lost. Sent (libzmq accepted them) against found in the files, by
# sequence number; plus what each oxd process said it received, and the sockets' queues
# sampled around the restarts, to tell where any missing one went.
require_oxd
# The sender runs until the last restart is over (a restart in this guest can take 15 s); DURATION
# only bounds it.
RATE=1000 DURATION=240 RESTARTS=3 RESTART_EVERY=3000
obs restart.rate "$RATE"
obs restart.duration_s "$DURATION"
# What the running oxd has received from senders so far: its "stopped received=N" line counts
# those too. Events oxd makes itself from statsd lines (statsd.interval every 10 s) are left out.
from_senders='import json,sys; s=json.load(open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin); print(s["totals"]["received"] - (s.get("statsd") or {}).get("events_made", 0))'
obs restart.old_baseline "$(oxctl --raw 2>/dev/null | python3 -c "$from_senders")"

# Socket queues of the collect port (Recv-Q on oxd's side, Send-Q on the sender's) every 50 ms.
rm -f /tmp/ss.stop
( while [ ! -e /tmp/ss.stop ]; do
      echo "@ $(date +%s.%N)"
      ss -Htn state all '( sport = :3514 or dport = :3514 )'
      sleep 0.05
  done ) > "$OUT/restart-ss.txt" 2>&1 &
sampler=$!

rm -f /tmp/load.progress /tmp/load.stop
python3 "$IN/py/load_sender.py" --type systest_load --rate "$RATE" --duration "$DURATION" --until /tmp/load.stop \
    --progress /tmp/load.progress --out "$OUT/restart-sender.json" > "$OUT/restart-sender.txt" 2>&1 &
sender=$!
progress_past() { [ "$(cat /tmp/load.progress 2>/dev/null || echo 0)" -ge "$1" ]; }
old=$(main_pid)
c=$(journal_cursor)
obs restart.count "$RESTARTS"
obs restart.begin "$(date +%s.%N)"
# Each restart while the sender is connected and sending: RESTART_EVERY events after the one before.
next=$RESTART_EVERY
for k in $(seq "$RESTARTS"); do
    wait_for 60 "restart.$k.sender_running" progress_past "$next"
    obs "restart.$k.begin" "$(date +%s.%N)"
    obs "restart.$k.sent_at_begin" "$(cat /tmp/load.progress)"
    obs "restart.$k.old_pid" "$(main_pid)"
    t0=$(now_ms)
    save "restart-systemctl-$k.txt" systemctl restart oxd.service
    obs "restart.$k.ms" "$(( $(now_ms) - t0 ))"
    obs "restart.$k.sent_at_end" "$(cat /tmp/load.progress)"
    obs "restart.$k.new_pid" "$(main_pid)"
    next=$(( $(cat /tmp/load.progress) + RESTART_EVERY ))
done
# Some more events to the last oxd, then the sender stops.
wait_for 60 restart.sender_after_last progress_past "$next"
touch /tmp/load.stop
obs restart.old_pid "$old"
obs restart.new_pid "$(main_pid)"
obs restart.watchdog_usec "$(unit_prop oxd.service WatchdogUSec)"

sender_done() { ! kill -0 "$sender" 2>/dev/null; }
wait_for 90 restart.sender_finished sender_done
wait "$sender"; obs restart.sender_rc "$?"
# Everything oxd took in is written once no sender is connected and written == received.
settled() {
    oxctl --raw 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
sys.exit(0 if s["collect"]["connections"] == 0 and s["totals"]["received"] == s["totals"]["written"] else 1)'
}
wait_for 30 restart.settled settled
touch /tmp/ss.stop; wait "$sampler"

save restart-oxctl.json oxctl --raw
save restart-count.json python3 "$IN/py/count_events.py" /var/log/blueox systest_load --seq
obs restart.sent "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$OUT/restart-sender.json" 2>&1)"
obs restart.in_files "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["distinct"])' "$OUT/restart-count.json" 2>&1)"
save restart-journal.txt journal_since "$c" -o short-unix -u oxd.service -u oxd.socket
# One "stopped received=N" line per oxd that stopped: the first counts what it had before the test.
journal_since "$c" -u oxd.service | grep 'stopped received=' > "$OUT/restart-stopped-lines.txt" || true
# Each new oxd says how many senders' connections it took over from the one before.
journal_since "$c" -u oxd.service | grep -o 'took over [0-9]* collect connections' > "$OUT/restart-takeover-lines.txt" || true
obs restart.new_received "$(python3 -c "$from_senders" "$OUT/restart-oxctl.json" 2>&1)"
