# A Node application (the blueox npm package) and a Python sender (the original's framing)
# send events; they must land in /var/log/blueox/<day>/<TYPE>-<day>.log owned by _blueox;
# oxview reads them, oxctl shows the counters, systemctl status shows the STATUS line.
require_oxd
NODE_N=50 PY_N=40
obs send.node_n "$NODE_N"
obs send.py_n "$PY_N"
( cd "$IN/app" && save send-node.txt node send.mjs systest_node "$NODE_N" )
save send-py.txt python3 "$IN/py/send_original.py" --type systest_py --count "$PY_N"

wait_for 60 send.node_delivered have_events systest_node "$NODE_N"
wait_for 30 send.node_db_delivered have_events systest_node.db "$NODE_N"
wait_for 30 send.py_delivered have_events systest_py "$PY_N"
for t in systest_node systest_node.db systest_py; do
    obs "send.count.$t" "$(events_in_files "$t")"
done
save send-files.txt find /var/log/blueox -printf '%u:%g %m %y %P\n'

# The tools, as an administrator would run them.
day=$(date -u +%Y%m%d)
save oxview-node.jsonl oxview -l /var/log/blueox -n 'systest_node*' --start-date "$day"
save oxview-py.jsonl oxview /var/log/blueox/"$day"/systest_py-"$day".log
save oxview-pretty.txt oxview --pretty /var/log/blueox/"$day"/systest_py-"$day".log
save oxctl.txt oxctl
save oxctl-raw.json oxctl --raw

# STATUS= is refreshed every few seconds: wait until it has counted what was sent.
total=$((NODE_N * 2 + PY_N))
status_counted() {
    local n
    n=$(unit_prop oxd.service StatusText | sed -n 's/.*received \([0-9]*\).*/\1/p')
    [ -n "$n" ] && [ "$n" -ge "$total" ]
}
wait_for 30 send.status_counted status_counted
obs send.status_text "$(unit_prop oxd.service StatusText)"
save status-oxd.txt systemctl status --no-pager -n 0 oxd.service
