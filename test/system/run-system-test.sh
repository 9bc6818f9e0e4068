#!/bin/bash
# run-system-test.sh [RUN_DIR]
#
# The booted-Debian system test, host side: boots Debian bookworm with systemd under
# qemu, installs the project's .debs in it and exercises them (guest/stages/*.sh), and
# brings the observations back to RUN_DIR/results (default build/system-test/results)
# for test/system/booted-debian.test.ts to assert on. Prints the time of every stage.
#
#   1. host tools   qemu-system-x86, debootstrap, e2fsprogs (apt-get, through sudo if not root)
#   2. packages     the newest blueox-oxd and blueox-tools .debs in BLUEOX_DEBS_DIR (make
#                   system-test passes dist/deb), else built here with `make deb`
#   3. image        Debian bookworm + kernel + nodejs, python3-zmq, python3-msgpack, ... + every
#                   Depends/Recommends of the .debs (the guest has no network), cached under
#                   BLUEOX_VM_CACHE (default /var/tmp/blueox-vm) by a key of what goes into it
#   4. payload      the .debs, an upgrade build of them (version +systest1), the blueox npm
#                   package unpacked as node_modules/blueox, the guest scripts
#   5. boot         qemu -accel tcg; the guest runs the stages and powers off
# Exit status: 0 when the guest's results came back (pass/fail is the ava test's to decide),
# 2 when the machinery failed (no results).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUN=$(realpath -m "${1:-$ROOT/build/system-test}")
CACHE=${BLUEOX_VM_CACHE:-/var/tmp/blueox-vm}
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
T0=$SECONDS

stage_start=$SECONDS
timing=()
log() { printf '[system-test %4ds] %s\n' "$((SECONDS - T0))" "$*"; }
stage_done() { timing+=("$1=$((SECONDS - stage_start))"); log "$1 done in $((SECONDS - stage_start)) s"; stage_start=$SECONDS; }
die() { log "ERROR: $*"; exit 2; }

# A qemu left running by an earlier run in this folder (its harness killed outright) is
# stopped by its pid, once it is sure to be ours.
if [ -f "$RUN/qemu.pid" ]; then
    old=$(cat "$RUN/qemu.pid")
    if tr '\0' ' ' < "/proc/$old/cmdline" 2>/dev/null | grep -qF "$RUN/payload.tar"; then
        log "stopping qemu $old left by an earlier run"
        kill "$old" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
    fi
fi
rm -rf "$RUN"; mkdir -p "$RUN"

# ---------------------------------------------------------------- 1. host tools
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
command -v mkfs.ext4 >/dev/null || [ -x /usr/sbin/mkfs.ext4 ] || need+=(e2fsprogs)
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    apt() { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@"; }
    apt update -q > "$RUN/host-apt.log" 2>&1 || true
    apt install -y -q --no-install-recommends "${need[@]}" >> "$RUN/host-apt.log" 2>&1 \
        || die "apt-get install ${need[*]} failed: $(tail -5 "$RUN/host-apt.log")"
fi
export PATH=$PATH:/usr/sbin:/sbin
stage_done host-tools

# ---------------------------------------------------------------- 2. packages
if [ -n "${BLUEOX_DEBS_DIR:-}" ]; then
    DEBS=$BLUEOX_DEBS_DIR
else
    log "make deb"
    make -C "$ROOT" --no-print-directory deb > "$RUN/make-deb.log" 2>&1 || die "make deb failed: $(tail -15 "$RUN/make-deb.log")"
    DEBS=$ROOT/dist/deb
fi
newest() { ls "$DEBS"/"$1"_*.deb 2>/dev/null | sort -V | tail -1; }
OXD_DEB=$(newest blueox-oxd); TOOLS_DEB=$(newest blueox-tools)
[ -n "$OXD_DEB" ] && [ -n "$TOOLS_DEB" ] || die "no blueox-oxd/blueox-tools .deb in $DEBS"
# Taken now: what is tested does not change if dist/deb is rebuilt meanwhile.
mkdir -p "$RUN/debs"
cp "$OXD_DEB" "$TOOLS_DEB" "$RUN/debs/" || die "could not copy the .debs from $DEBS"
OXD_DEB=$RUN/debs/$(basename "$OXD_DEB"); TOOLS_DEB=$RUN/debs/$(basename "$TOOLS_DEB")
TGZ=$(ls "$ROOT"/dist/blueox-*.tgz 2>/dev/null | sort -V | tail -1)
[ -n "$TGZ" ] || die "dist/blueox-<version>.tgz missing: run make build"
log "packages: $(basename "$OXD_DEB") $(basename "$TOOLS_DEB") $(basename "$TGZ")"
stage_done packages

# ---------------------------------------------------------------- 3. image
# What the test itself uses in the guest, plus what the packages depend on or recommend.
PKGS=(nodejs python3 python3-zmq python3-msgpack bzip2 logrotate man-db iproute2 procps rsyslog dbus)
deps() {
    dpkg-deb -f "$1" Pre-Depends Depends Recommends | sed -E 's/^[A-Za-z-]+: //' | tr ',' '\n' \
        | sed -E 's/\|.*//; s/\(.*\)//; s/:any//; s/[[:space:]]//g' | grep -v '^$' || true
}
for d in $(deps "$OXD_DEB") $(deps "$TOOLS_DEB"); do
    case $d in blueox-*) ;; *) PKGS+=("$d") ;; esac
done
made=$(bash "$HERE/host/build-image.sh" "$CACHE" "${PKGS[@]}") || die "image build failed"
made=$(echo "$made" | tail -1)
IMAGE=${made#* }
[ "${made%% *}" = cached ] && image_cached=1 || image_cached=0
stage_done image

# ---------------------------------------------------------------- 4. payload
P=$RUN/payload
mkdir -p "$P/debs" "$P/upgrade" "$P/meta" "$P/app/node_modules/blueox"
cp -r "$HERE/guest/." "$P/"
cp "$OXD_DEB" "$TOOLS_DEB" "$P/debs/"
tar -xzf "$TGZ" -C "$P/app/node_modules/blueox" --strip-components=1
# For development only: BLUEOX_SYSTEM_STAGES="00 10 20" runs just those guest stages.
[ -z "${BLUEOX_SYSTEM_STAGES:-}" ] || echo "$BLUEOX_SYSTEM_STAGES" > "$P/meta/stages"
# The same packages with a higher version, for the upgrade stage.
for deb in "$OXD_DEB" "$TOOLS_DEB"; do
    x=$RUN/repack; rm -rf "$x"
    dpkg-deb -R "$deb" "$x"
    v=$(dpkg-deb -f "$deb" Version)
    sed -i "s/^Version: .*/Version: ${v}+systest1/" "$x/DEBIAN/control"
    dpkg-deb --root-owner-group -Zgzip -b "$x" "$P/upgrade/$(dpkg-deb -f "$deb" Package)_${v}+systest1_$(dpkg-deb -f "$deb" Architecture).deb" > /dev/null
    rm -rf "$x"
done
stage_done payload

# ---------------------------------------------------------------- 5. boot
bash "$HERE/host/boot.sh" "$IMAGE" "$P" "$RUN" || die "the guest run failed"
stage_done boot

timing+=("total=$((SECONDS - T0))")
{
    printf '{"image_cached": %s, "image": "%s", "debs": ["%s", "%s"], "timing_s": {' \
        "$image_cached" "$IMAGE" "$(basename "$OXD_DEB")" "$(basename "$TOOLS_DEB")"
    sep=''
    for t in "${timing[@]}"; do printf '%s"%s": %s' "$sep" "${t%%=*}" "${t#*=}"; sep=', '; done
    printf '}}\n'
} > "$RUN/results/host.json"
log "guest stages (exit status, ms):"
sed 's/^/    /' "$RUN/results/stages.tsv" 2>/dev/null || true
log "timing: ${timing[*]} (image $([ $image_cached = 1 ] && echo cached || echo built))"
