# Active checks as a service: oxpoke.service is installed but not enabled; with a check
# file in /etc/blueox/poke.d and `systemctl enable --now oxpoke`, it checks a small HTTP
# service in the guest, each run a poke event in oxview; a failing service turns the
# check CRITICAL (a journal line, a poke_state event) and back; `systemctl reload`
# takes a new check file; stopping it is clean.
require_oxd
obs poke.enabled_before "$(systemctl is-enabled oxpoke.service 2>&1)"
obs poke.active_before "$(systemctl is-active oxpoke.service 2>&1)"
work=$(mktemp -d)
chmod 755 "$work"
node "$IN/app/poke-target.mjs" "$work/port" "$work/status" > "$OUT/poke-target.txt" 2>&1 &
target=$!
wait_for 30 poke.target_up test -s "$work/port"
port=$(cat "$work/port")
cat > /etc/blueox/poke.d/systest.toml <<TOML
# Written by the BlueOx system test
[[check]]
name = "add"
url = "http://127.0.0.1:$port/add?a=2&b=2"
interval = "1s"
expect.status = [200]
expect.json."\$.result" = 4
TOML
c=$(journal_cursor)
save poke-enable.txt systemctl enable --now oxpoke.service
obs poke.active "$(systemctl is-active oxpoke.service 2>&1)"
obs poke.user "$(systemctl show -p User --value oxpoke.service)"
obs poke.main_user "$(ps -o user= -p "$(systemctl show -p MainPID --value oxpoke.service)" 2>&1)"
ok_event() { oxview -l /var/log/blueox -n poke 2>/dev/null | grep -q '"outcome": *"OK"'; }
wait_for 60 poke.ok_event ok_event
save poke-oxview-ok.txt sh -c 'oxview -l /var/log/blueox -n poke | tail -n 1'

echo 500 > "$work/status"
critical_line() { journal_since "$c" -u oxpoke.service | grep -q 'systest/add: OK -> CRITICAL'; }
wait_for 60 poke.critical_line critical_line
rm -f "$work/status"
back_line() { journal_since "$c" -u oxpoke.service | grep -q 'systest/add: CRITICAL -> OK'; }
wait_for 60 poke.back_line back_line
state_events() { [ "$(oxview -l /var/log/blueox -n poke_state 2>/dev/null | grep -c systest/add)" -ge 2 ]; }
wait_for 60 poke.state_events state_events
save poke-oxview-state.txt sh -c 'oxview -l /var/log/blueox -n poke_state'

# A second check file, taken by a reload, not a restart.
pid_before=$(systemctl show -p MainPID --value oxpoke.service)
sed -e 's/name = "add"/name = "again"/' /etc/blueox/poke.d/systest.toml > /etc/blueox/poke.d/systest2.toml
save poke-reload.txt systemctl reload oxpoke.service
again_event() { oxview -l /var/log/blueox -n poke 2>/dev/null | grep -q 'systest2/again'; }
wait_for 60 poke.again_event again_event
obs poke.same_pid "$([ "$(systemctl show -p MainPID --value oxpoke.service)" = "$pid_before" ] && echo yes || echo no)"

save poke-stop.txt systemctl disable --now oxpoke.service
obs poke.result "$(systemctl show -p Result --value oxpoke.service)"
save poke-journal.txt journal_since "$c" -u oxpoke.service
rm -f /etc/blueox/poke.d/systest.toml /etc/blueox/poke.d/systest2.toml
kill "$target" 2>/dev/null
wait "$target" 2>/dev/null
rm -rf "$work"
