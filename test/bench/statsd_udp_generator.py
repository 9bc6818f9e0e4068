#!/usr/bin/python3
"""statsd UDP load for the statsd benchmark (test/bench/statsd-run.ts), in its
own process so it shares no event loop with the receiver or the benchmark.

    statsd_udp_generator.py PORT SHAPE RATE SECONDS NAMES

SHAPE is `single` (one metric a datagram) or `multi` (about 1,400 bytes,
40 metrics a datagram). Names cycle over NAMES distinct ones, 70 % counters,
20 % timers, 10 % gauges. RATE is datagrams a second: what is due by the clock
is sent at once, and the generator sleeps while it is ahead; SECONDS 0 runs until killed. Prints one JSON line at
the end: datagrams and metrics sent, the seconds it took, the rate reached.
"""
import json
import socket
import sys
import time

PER_DATAGRAM = 40


def metric(i):
    kind = i % 10
    if kind < 7:
        return b"bench.frontend.requests_%06d:1|c" % i
    if kind < 9:
        return b"bench.frontend.latency_ms_%06d:%d|ms" % (i, 1 + i % 97)
    return b"bench.frontend.queue_depth_%06d:%d|g" % (i, i % 50)


def datagrams(shape, names):
    if shape == "single":
        return [metric(i) for i in range(names)], 1
    out = []
    for start in range(0, names, PER_DATAGRAM):
        out.append(b"\n".join(metric((start + k) % names) for k in range(PER_DATAGRAM)))
    return out, PER_DATAGRAM


def main():
    port, shape, rate, seconds, names = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    payloads, per = datagrams(shape, names)
    n = len(payloads)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", port))
    send = sock.send
    clock = time.perf_counter
    total = int(rate * seconds) if seconds > 0 else None
    sent = 0
    errors = 0
    started = clock()
    while total is None or sent < total:
        due = int((clock() - started) * rate)
        if total is not None and due > total:
            due = total
        if due <= sent:
            # Caught up: give the core back (the receiver may need it) rather than spin.
            time.sleep(0.0005)
            continue
        while sent < due:
            try:
                send(payloads[sent % n])
            except OSError:
                # ECONNREFUSED from an earlier datagram (the receiver went away): counted, not fatal.
                errors += 1
            sent += 1
    took = clock() - started
    print(json.dumps({"kind": "done", "datagrams": sent, "metrics": sent * per, "seconds": took, "rate": sent / took, "errors": errors, "bytes": sum(len(payloads[i % n]) for i in range(min(sent, n))) / max(1, min(sent, n))}), flush=True)


if __name__ == "__main__":
    main()
