#!/bin/bash
# build-image.sh CACHE PACKAGE...
#
# Makes (or reuses) a bootable Debian bookworm disk image with systemd, a kernel
# and the given Debian packages installed, and prints the folder holding it:
#   <folder>/image.raw  ext4 file system of the whole root (no partition table)
#   <folder>/vmlinuz, <folder>/initrd.img   booted directly by qemu (-kernel/-initrd)
#
# Two cache levels under CACHE, each keyed by a hash of what goes into it, so a
# change of any input rebuilds only what depends on it:
#   base/<key>   debootstrap --variant=minbase with systemd (suite, mirror, package list)
#   image/<key>  base + kernel + PACKAGE... + the test runner (+ this script's text)
# Older keys are deleted once a new one is built. BLUEOX_VM_REBUILD=1 forces both.
# No loop devices and no mounts: the image is made with mkfs.ext4 -d.
# Needs root (debootstrap, chroot): run through sudo when not root.
set -euo pipefail

CACHE=$1; shift
PACKAGES=$(printf '%s\n' "$@" | sort -u | tr '\n' ' ')
HERE=$(cd "$(dirname "$0")" && pwd)
IMAGE_FILES=$(cd "$HERE/../image" && pwd)
SUITE=bookworm
BASE_INCLUDE=systemd,systemd-sysv,dbus
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

log() { printf '[image %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

# The Debian mirror this machine's apt already uses.
mirror() {
    local m
    m=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$m" ] || m=$(awk '$1 == "deb" && $3 ~ /^bookworm/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    echo "${BLUEOX_VM_MIRROR:-${m:-http://deb.debian.org/debian}}"
}
MIRROR=$(mirror)

hash() { sha256sum | cut -c1-16; }
BASE_KEY=$(printf 'base v1\n%s\n%s\n%s\n' "$SUITE" "$MIRROR" "$BASE_INCLUDE" | hash)
IMAGE_KEY=$( { printf 'image %s\n%s\n' "$BASE_KEY" "$PACKAGES"; cat "$0" "$IMAGE_FILES"/*; } | hash)
BASE=$CACHE/base/$BASE_KEY
IMAGE=$CACHE/image/$IMAGE_KEY

mkdir -p "$CACHE/base" "$CACHE/image"
# One builder at a time; a second run waits and then finds the image made.
exec 9>"$CACHE/.lock"
flock -w 1800 9 || die "could not lock $CACHE/.lock"

if [ "${BLUEOX_VM_REBUILD:-0}" = 1 ]; then
    log "BLUEOX_VM_REBUILD=1: rebuilding base and image"
    $SUDO rm -rf "$BASE" "$IMAGE"
fi

if [ -f "$IMAGE/ready" ]; then
    log "cached image $IMAGE (key $IMAGE_KEY)"
    echo "cached $IMAGE"
    exit 0
fi

t0=$SECONDS
if [ ! -f "$BASE/ready" ]; then
    command -v debootstrap >/dev/null || die "debootstrap is not installed"
    log "debootstrap $SUITE from $MIRROR (key $BASE_KEY)"
    $SUDO rm -rf "$BASE"; mkdir -p "$BASE"
    $SUDO debootstrap --variant=minbase --include="$BASE_INCLUDE" "$SUITE" "$BASE/root" "$MIRROR" \
        > "$BASE/debootstrap.log" 2>&1 || die "debootstrap failed: $(tail -5 "$BASE/debootstrap.log")"
    touch "$BASE/ready"
    log "debootstrap done in $((SECONDS - t0)) s"
fi

t1=$SECONDS
log "image: kernel + $PACKAGES(key $IMAGE_KEY)"
$SUDO rm -rf "$IMAGE"; mkdir -p "$IMAGE"
R=$IMAGE/root
$SUDO cp -a "$BASE/root" "$R"

# No service may start inside the chroot.
printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$R/usr/sbin/policy-rc.d" >/dev/null
$SUDO chmod 755 "$R/usr/sbin/policy-rc.d"
# A small initrd that only has to find an ext4 root on a virtio disk.
$SUDO mkdir -p "$R/etc/initramfs-tools/conf.d"
printf 'MODULES=list\nCOMPRESS=gzip\n' | $SUDO tee "$R/etc/initramfs-tools/conf.d/vmtest.conf" >/dev/null
printf 'virtio_pci\nvirtio_blk\next4\n' | $SUDO tee "$R/etc/initramfs-tools/modules" >/dev/null
# man-db's index is not rebuilt at every package install (slow under emulation; man finds
# pages without it).
# shellcheck disable=SC2086
$SUDO chroot "$R" /usr/bin/env DEBIAN_FRONTEND=noninteractive /bin/sh -c \
    "echo 'man-db man-db/auto-update boolean false' | debconf-set-selections &&
     apt-get update -q && apt-get install -y -q --no-install-recommends linux-image-amd64 $PACKAGES && apt-get clean" \
    > "$IMAGE/apt.log" 2>&1 || die "installing packages in the image failed: $(tail -8 "$IMAGE/apt.log")"
$SUDO rm -f "$R/usr/sbin/policy-rc.d"
# The guest has no network: local .debs install from what is already there, without lists.
$SUDO rm -rf "$R"/var/lib/apt/lists/*
$SUDO chroot "$R" dpkg-query -W -f '${Package} ${Version}\n' > "$IMAGE/packages.txt"

echo vmtest | $SUDO tee "$R/etc/hostname" >/dev/null
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' | $SUDO tee "$R/etc/fstab" >/dev/null
$SUDO truncate -s 0 "$R/etc/machine-id"     # a fresh machine id on every boot
$SUDO install -m 755 "$IMAGE_FILES/vmtest-runner" "$R/usr/local/sbin/vmtest-runner"
$SUDO install -m 644 "$IMAGE_FILES/vmtest.service" "$R/etc/systemd/system/vmtest.service"
$SUDO mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
$SUDO ln -sf /etc/systemd/system/vmtest.service "$R/etc/systemd/system/multi-user.target.wants/vmtest.service"
# Nobody logs in: no getty on the consoles the runner uses.
$SUDO ln -sf /dev/null "$R/etc/systemd/system/serial-getty@ttyS0.service"
$SUDO ln -sf /dev/null "$R/etc/systemd/system/serial-getty@ttyS1.service"

# (Debian keeps the kernel readable by root only; qemu runs as the invoking user.)
$SUDO install -m 644 -o "$(id -u)" "$(ls "$R"/boot/vmlinuz-* | sort -V | tail -1)" "$IMAGE/vmlinuz"
$SUDO install -m 644 -o "$(id -u)" "$(ls "$R"/boot/initrd.img-* | sort -V | tail -1)" "$IMAGE/initrd.img"
# Room for what the test installs and writes in the guest.
mb=$(( $($SUDO du -sm "$R" | cut -f1) * 13 / 10 + 512 ))
$SUDO mkfs.ext4 -q -F -L vmroot -d "$R" "$IMAGE/image.raw" "${mb}M" > "$IMAGE/mkfs.log" 2>&1 \
    || die "mkfs.ext4 -d failed: $(cat "$IMAGE/mkfs.log")"
$SUDO chown "$(id -u)" "$IMAGE/image.raw"
$SUDO rm -rf "$R"
printf '%s\n' "$PACKAGES" > "$IMAGE/requested-packages.txt"
touch "$IMAGE/ready"
log "image ready in $((SECONDS - t1)) s: $(du -h --apparent-size "$IMAGE/image.raw" | cut -f1) apparent, $(du -h "$IMAGE/image.raw" | cut -f1) allocated"

# Keep only the current entries.
for d in "$CACHE"/base/* "$CACHE"/image/*; do
    [ "$d" = "$BASE" ] || [ "$d" = "$IMAGE" ] || { log "removing old cache entry $d"; $SUDO rm -rf "$d"; }
done
echo "built $IMAGE"
