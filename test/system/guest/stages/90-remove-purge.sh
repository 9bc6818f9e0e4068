# apt-get remove stops the units; apt-get purge removes what the packages created.
# First keep the journal and the event files (purge may remove them).
journalctl --no-pager -o short-monotonic -u oxd.service -u oxd.socket -u oxd-control.socket -u oxd-statsd.socket \
    -u 'oxingest@*' -u 'blueox*' > "$OUT/journal-oxd.txt" 2>&1
mkdir -p "$OUT/logs" && cp -a /var/log/blueox/. "$OUT/logs/" 2>/dev/null
require_installed
save before-remove-units.txt systemctl list-units --all --no-pager --no-legend 'oxd*' 'oxingest*' 'blueox*'

c=$(journal_cursor)
save remove-apt.txt apt-get remove -y -q -o Dpkg::Use-Pty=0 blueox-oxd blueox-tools
save remove-journal.txt journal_since "$c" -o short-monotonic
for u in oxd.socket oxd-control.socket oxd-statsd.socket oxd-syslog.socket oxd.service oxingest@systest.service; do
    obs "remove.active.$u" "$(systemctl is-active "$u" 2>&1)"
done
obs remove.listening "$({ ss -Hltn; ss -Hlun; } | awk '{print $4}' | grep -E ':(3513|3514|8125|514)$' | tr '\n' ' ')"
obs remove.processes "$(pgrep -c -u _blueox 2>/dev/null; true)"
save remove-processes.txt ps -o pid,user,args -u _blueox
obs remove.conf_kept "$(test -f /etc/blueox/oxd.conf && echo yes || echo no)"

save purge-apt.txt apt-get purge -y -q -o Dpkg::Use-Pty=0 blueox-oxd blueox-tools
for p in blueox-oxd blueox-tools; do
    obs "purge.status.$p" "$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>&1)"
done
obs purge.conf "$(test -e /etc/blueox/oxd.conf && echo present || echo absent)"
obs purge.etc_blueox "$(find /etc/blueox 2>/dev/null | sort | tr '\n' ' ')"
obs purge.logdir "$(test -e /var/log/blueox && echo present || echo absent)"
obs purge.user "$(getent passwd _blueox)"
obs purge.units "$(ls /lib/systemd/system /usr/lib/systemd/system /etc/systemd/system 2>/dev/null | grep -E '^(oxd|oxingest|blueox)' | sort -u | tr '\n' ' ')"
obs purge.unit_loaded "$(systemctl show -P LoadState oxd.service oxd.socket | tr '\n' ' ')"
# (not counting man-db's cache of pages formatted by this test, nor the test's own files)
save purge-leftovers.txt find / -xdev \( -path /proc -o -path /sys -o -path /vmtest -o -path /dev -o -path /tmp \
    -o -path /root -o -path /var/cache/man \) -prune -o \
    \( -iname '*blueox*' -o -name 'oxd*' -o -name 'oxingest*' -o -name 'oxview*' -o -name 'oxctl*' \) -print
