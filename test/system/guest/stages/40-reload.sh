# systemctl reload oxd applies an edited /etc/blueox/oxd.conf (verbosity), and refuses a broken one
# (ExecReload validates first) while the daemon keeps running.
require_oxd
CONF=/etc/blueox/oxd.conf
cp -p "$CONF" /root/oxd.conf.orig
pid=$(main_pid)
obs reload.pid_before "$pid"

# verbosity 2 logs "control request STATUS" for every control request; at 0 it does not.
c=$(journal_cursor)
oxctl > /dev/null 2>&1
obs reload.debug_lines_before "$(journal_since "$c" -u oxd.service | grep -c 'control request STATUS')"

if grep -qE '^[#[:space:]]*verbosity[[:space:]]*=' "$CONF"; then
    sed -i -E 's/^[#[:space:]]*verbosity[[:space:]]*=.*/verbosity = 2/' "$CONF"
else
    echo 'verbosity = 2' >> "$CONF"
fi
save reload-conf-edited.txt grep -nE '^verbosity' "$CONF"
c=$(journal_cursor)
t0=$(now_ms)
save reload-verbosity.txt systemctl reload oxd.service
obs reload.ms "$(( $(now_ms) - t0 ))"
obs reload.pid_after "$(main_pid)"
obs reload.active_after "$(systemctl is-active oxd.service)"
oxctl > /dev/null 2>&1
debug_logged() { journal_since "$c" -u oxd.service | grep -q 'control request STATUS'; }
wait_for 15 reload.debug_logged debug_logged
save reload-journal.txt journal_since "$c" -u oxd.service

# A broken edit: an unknown key.
echo 'no_such_setting = 1' >> "$CONF"
c=$(journal_cursor)
save reload-broken.txt systemctl reload oxd.service
obs reload.broken_active "$(systemctl is-active oxd.service)"
obs reload.broken_pid "$(main_pid)"
save reload-broken-journal.txt journal_since "$c"
save reload-broken-check.txt oxd --check-config
# The running daemon kept its settings: verbosity 2 still logs control requests.
c=$(journal_cursor)
oxctl > /dev/null 2>&1
wait_for 15 reload.broken_still_debug debug_logged

# Back to the original file.
cp -p /root/oxd.conf.orig "$CONF"
save reload-restore.txt systemctl reload oxd.service
obs reload.restored_pid "$(main_pid)"
