# Upgrade to a rebuilt package (same files, higher version, made by the host harness):
# an edited conffile survives, oxd keeps working.
require_installed
CONF=/etc/blueox/oxd.conf
printf '\n# edited by the system test\n' >> "$CONF"
obs upgrade.conf_sum_before "$(sha256sum < "$CONF" | cut -c1-16)"
obs upgrade.pid_before "$(main_pid)"
cd "$IN/upgrade"
save upgrade-apt.txt apt-get install -y -q -o Dpkg::Use-Pty=0 ./blueox-oxd_*.deb ./blueox-tools_*.deb
for p in blueox-oxd blueox-tools; do
    obs "upgrade.status.$p" "$(dpkg-query -W -f '${Status} ${Version}' "$p" 2>&1)"
done
obs upgrade.conf_sum_after "$(sha256sum < "$CONF" | cut -c1-16)"
obs upgrade.conf_leftovers "$(ls /etc/blueox/ | grep -E 'dpkg-(new|old|dist)' | tr '\n' ' ')"
obs upgrade.socket "$(systemctl is-active oxd.socket)"
obs upgrade.service "$(systemctl is-active oxd.service)"
obs upgrade.pid_after "$(main_pid)"
# Enabled by the administrator (37-syslog.sh), it stays enabled and listening.
obs upgrade.syslog_socket "$(systemctl is-enabled oxd-syslog.socket 2>&1) $(systemctl is-active oxd-syslog.socket 2>&1)"
save upgrade-send.txt python3 "$IN/py/send_original.py" --type systest_upgrade --count 5
wait_for 60 upgrade.delivered have_events systest_upgrade 5
