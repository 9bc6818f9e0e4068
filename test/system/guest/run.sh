#!/bin/bash
# Runs inside the booted guest (started by vmtest-runner from the payload folder).
# Each stage is its own bash process, so one that breaks cannot stop the others;
# its exit status and duration go to $OUT/stages.tsv. Observations go to
# $OUT/obs.tsv (see lib.sh); the host-side test asserts on them.
set -u
cd "$(dirname "$0")"
export IN=$PWD OUT=/vmtest/out
. ./lib.sh
: > "$OUT/obs.tsv"
: > "$OUT/stages.tsv"

# meta/stages (optional, for development): run only the stages whose names start with these.
only=$(cat meta/stages 2>/dev/null || true)
for stage in stages/[0-9]*.sh; do
    name=$(basename "$stage" .sh)
    if [ -n "$only" ] && ! printf '%s\n' $only | grep -q "^${name%%-*}"; then continue; fi
    t0=$(now_ms)
    say "stage $name"
    STAGE=$name bash -c '. ./lib.sh; . "$1"' stage "$stage"
    rc=$?
    ms=$(( $(now_ms) - t0 ))
    printf '%s\t%s\t%s\n' "$name" "$rc" "$ms" >> "$OUT/stages.tsv"
    say "stage $name: exit $rc after $ms ms"
done
say "all stages run"
