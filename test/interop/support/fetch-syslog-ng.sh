#!/usr/bin/env bash
# Debian's syslog-ng, unpacked into DEST (usage: fetch-syslog-ng.sh DEST) without installing it:
# syslog-ng-core conflicts with rsyslog (both provide system-log-daemon), which the other syslog
# tests need installed. apt-get downloads syslog-ng-core and, recursively, the libraries among its
# Depends that this machine does not have (a clause counts as met when any alternative is
# installed; packages that are not libraries, such as sysvinit-utils, are not needed to run it),
# dpkg-deb unpacks them into DEST/root, and ldd checks that the daemon and every module find
# their libraries there or on the system. The tests run DEST/root/usr/sbin/syslog-ng with
# LD_LIBRARY_PATH and --module-path into DEST/root (test/helpers/syslog-ng.ts).
#
# DEST/.complete is written last, so an interrupted run starts again from scratch.
set -euo pipefail

dest=${1:?usage: fetch-syslog-ng.sh DEST}
SUDO=${SUDO-$([ "$(id -u)" = 0 ] || echo sudo)}
# As root, apt-get download would drop to the _apt user, which cannot write to a private temp folder.
apt_opts=()
[ "$(id -u)" != 0 ] || apt_opts=(-o APT::Sandbox::User=root)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

installed() {
  dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed'
}

# The libraries a .deb depends on that are not installed: per clause, the first alternative.
missing_libraries() {
  dpkg-deb -f "$1" Depends | tr ',' '\n' | while read -r clause; do
    [ -n "$clause" ] || continue
    first=
    met=no
    IFS='|' read -ra alternatives <<<"$clause"
    for alternative in "${alternatives[@]}"; do
      name=$(awk '{ print $1 }' <<<"$alternative")
      name=${name%%:*}
      [ -n "$first" ] || first=$name
      if installed "$name"; then met=yes; fi
    done
    if [ "$met" = no ]; then
      case $first in lib*) echo "$first" ;; esac
    fi
  done
}

download() {
  (cd "$work" && apt-get "${apt_opts[@]}" download "$@" >/dev/null) && return 0
  # A machine whose package lists were never fetched (or were cleaned) has nothing to download from.
  echo "apt-get download $* failed; updating the package lists and trying once more" >&2
  $SUDO apt-get update -q >/dev/null
  (cd "$work" && apt-get "${apt_opts[@]}" download "$@" >/dev/null)
}

rm -rf "$dest"
mkdir -p "$dest/root"
fetched=" "
wanted=(syslog-ng-core)
while [ ${#wanted[@]} -gt 0 ]; do
  download "${wanted[@]}"
  for p in "${wanted[@]}"; do fetched+="$p "; done
  next=()
  for deb in "$work"/*.deb; do
    for lib in $(missing_libraries "$deb"); do
      case "$fetched ${next[*]} " in *" $lib "*) ;; *) next+=("$lib") ;; esac
    done
  done
  wanted=("${next[@]+"${next[@]}"}")
done
for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$dest/root"
done

root=$(cd "$dest/root" && pwd)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
libs="$root/usr/lib/syslog-ng:$root/usr/lib/$multiarch:$root/lib/$multiarch"
modules=$(echo "$root"/usr/lib/syslog-ng/[0-9]*)
unresolved=$(for f in "$root/usr/sbin/syslog-ng" "$modules"/*.so; do
  LD_LIBRARY_PATH=$libs ldd "$f" | sed -n "s|^\s*\(\S*\) => not found|$(basename "$f"): \1|p"
done)
if [ -n "$unresolved" ]; then
  echo "syslog-ng unpacked into $dest, but these libraries are neither installed nor fetched:" >&2
  echo "$unresolved" >&2
  exit 1
fi
version=$(LD_LIBRARY_PATH=$libs "$root/usr/sbin/syslog-ng" --version | head -1)
printf 'LD_LIBRARY_PATH=%s\nMODULE_PATH=%s\n' "$libs" "$modules" >"$dest/paths"
echo "syslog-ng: $version unpacked into $dest (packages:$fetched)"
touch "$dest/.complete"
