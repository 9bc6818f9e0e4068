# What the guest is: kernel, systemd, Debian's nodejs, python, and which packages the payload brings.
obs guest.kernel "$(uname -r)"
obs guest.systemd "$(systemctl --version | head -1)"
obs guest.pid1 "$(cat /proc/1/comm)"
obs guest.node "$(node --version)"
obs guest.python "$(python3 --version 2>&1)"
obs guest.boot_state "$(systemctl is-system-running 2>&1)"
obs guest.network "$(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')"
obs payload.debs "$(cd "$IN/debs" && ls)"
save guest-failed-units.txt systemctl --failed --no-legend --plain
