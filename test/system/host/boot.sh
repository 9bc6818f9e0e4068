#!/bin/bash
# boot.sh IMAGE_DIR PAYLOAD_DIR RUN_DIR
#
# Boots the image made by build-image.sh under qemu (software emulation, -accel tcg)
# with the payload folder as a read-only tar disk. The image's runner unit extracts
# it, runs its run.sh, writes a tar of the guest's /vmtest/out to the results disk
# and powers off. The guest's progress is shown here as it happens (second serial
# port). Then the results are unpacked into RUN_DIR/results.
#
# The root disk is attached with snapshot=on: the cached image is never changed.
# qemu is stopped in every case: on its own time limit (BLUEOX_VM_TIMEOUT seconds,
# default 900), and on any exit of this script (trap). Should this script be killed
# outright (SIGKILL), the guest still powers itself off (its run is bounded too), and the
# next run stops a qemu left over in RUN_DIR (by its pid file, see run-system-test.sh).
# Env: BLUEOX_VM_MEM (MiB, 1536), BLUEOX_VM_SMP (2), BLUEOX_VM_GUEST_TIMEOUT (600),
#      BLUEOX_VM_ACCEL (tcg; "kvm" where it works).
# Exit status: 0 results came back; 2 the machine did not run to the end.
set -euo pipefail

IMAGE=$1 PAYLOAD=$2 RUN=$3
MEM=${BLUEOX_VM_MEM:-1536}
SMP=${BLUEOX_VM_SMP:-2}
# Under emulation on a busy machine the stages took up to 575 s; on a quiet one about 4 min.
TIMEOUT=${BLUEOX_VM_TIMEOUT:-1200}
GUEST_TIMEOUT=${BLUEOX_VM_GUEST_TIMEOUT:-900}
ACCEL=${BLUEOX_VM_ACCEL:-tcg}

log() { printf '[boot %s] %s\n' "$(date +%T)" "$*"; }
die() { log "ERROR: $*"; exit 2; }

[ -f "$PAYLOAD/run.sh" ] || die "payload $PAYLOAD has no run.sh"
mkdir -p "$RUN/results"
tar -cf "$RUN/payload.tar" -C "$PAYLOAD" .
rm -f "$RUN/results.img"; truncate -s 256M "$RUN/results.img"
: > "$RUN/console.log"; : > "$RUN/channel.log"

case $ACCEL in
    tcg) ACC=(-accel tcg -cpu max) ;;
    kvm) ACC=(-accel kvm -cpu host) ;;
    *) die "BLUEOX_VM_ACCEL must be tcg or kvm" ;;
esac
QEMU=(qemu-system-x86_64 "${ACC[@]}" -m "$MEM" -smp "$SMP"
    -kernel "$IMAGE/vmlinuz" -initrd "$IMAGE/initrd.img"
    -append "root=/dev/vda rw console=ttyS0,115200 panic=-1 fsck.mode=skip quiet vmtest.timeout=$GUEST_TIMEOUT"
    -drive "file=$IMAGE/image.raw,format=raw,if=none,id=root,snapshot=on" -device virtio-blk-pci,drive=root,serial=vmtest-root
    -drive "file=$RUN/payload.tar,format=raw,if=none,id=in,readonly=on" -device virtio-blk-pci,drive=in,serial=vmtest-in
    -drive "file=$RUN/results.img,format=raw,if=none,id=out" -device virtio-blk-pci,drive=out,serial=vmtest-out
    -device virtio-rng-pci -nic none -nodefaults -no-reboot -pidfile "$RUN/qemu.pid"
    -display none -monitor none -serial "file:$RUN/console.log" -serial "file:$RUN/channel.log")
printf '%q ' "${QEMU[@]}" > "$RUN/qemu-cmdline.txt"

t0=$SECONDS
timeout -k 10 "$TIMEOUT" "${QEMU[@]}" < /dev/null > "$RUN/qemu.out" 2>&1 &
qpid=$!
tailpid=
stop() {
    kill "$qpid" 2>/dev/null || true
    [ -z "$tailpid" ] || kill "$tailpid" 2>/dev/null || true
}
trap stop EXIT
trap 'stop; exit 130' INT TERM
log "qemu pid $qpid (${ACC[1]}, ${MEM} MiB, $SMP vcpu, limit ${TIMEOUT} s); console $RUN/console.log"
# Show the guest's progress while it runs (tail stops when qemu does).
tail -n +1 -f --pid="$qpid" "$RUN/channel.log" | sed -u 's/\r$//; s/^/  guest| /' &
tailpid=$!
set +e; wait "$qpid"; qrc=$?; set -e
wait "$tailpid" 2>/dev/null || true
tailpid=
trap - EXIT INT TERM
log "qemu exited with status $qrc after $((SECONDS - t0)) s"
[ "$qrc" != 124 ] || die "the guest did not finish within ${TIMEOUT} s; last console lines: $(tail -5 "$RUN/console.log" | tr -d '\r')"
[ "$qrc" = 0 ] || die "qemu failed: $(cat "$RUN/qemu.out")"
tar -xf "$RUN/results.img" -C "$RUN/results" 2>/dev/null || die "no results on the results disk (see $RUN/console.log)"
log "results in $RUN/results"
