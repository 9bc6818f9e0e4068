# apt-get install both .debs from the payload, as an operator would. The guest has no network
# and no package lists, so dependencies can only come from what the image already has.
# (Not --no-download: apt 2.6 then refuses local .deb files, "Pathname to install is not absolute".)
cd "$IN/debs"
t0=$(now_ms)
save install-apt.txt apt-get install -y -q -o Dpkg::Use-Pty=0 ./blueox-oxd_*.deb ./blueox-tools_*.deb
obs install.ms "$(( $(now_ms) - t0 ))"
for p in blueox-oxd blueox-tools; do
    obs "install.status.$p" "$(dpkg-query -W -f '${Status} ${Version}' "$p" 2>&1)"
done
obs install.user "$(getent passwd _blueox)"
obs install.group "$(getent group _blueox)"
obs install.logdir "$(stat -c '%U:%G %a' /var/log/blueox 2>&1)"
obs install.conf "$(stat -c '%U:%G %a' /etc/blueox/oxd.conf 2>&1)"
obs install.conffiles "$(dpkg-query -W -f '${Conffiles}' blueox-oxd 2>&1 | awk '{print $1}' | tr '\n' ' ')"
obs install.oxd_path "$(command -v oxd || ls /usr/sbin/oxd 2>&1)"
obs install.tools "$(for t in oxview oxctl oxingest oxstash oxstore oxpoke; do command -v "$t" || echo "missing:$t"; done | tr '\n' ' ')"
# What the package's scripts left running or enabled.
for u in oxd.socket oxd.service; do
    obs "install.after.$u" "$(systemctl is-enabled "$u" 2>&1)/$(systemctl is-active "$u" 2>&1)"
done
save install-unit-files.txt systemctl list-unit-files --no-pager 'oxd*' 'oxingest*' 'blueox*'
save install-dpkg-L.txt dpkg -L blueox-oxd blueox-tools
save install-oxd-help.txt oxd --help
save install-check-config.txt oxd --check-config
save man-oxview.txt man -P cat oxview
obs man.oxview_lines "$(wc -l < "$OUT/man-oxview.txt")"
save man-oxd.txt man -P cat 8 oxd
