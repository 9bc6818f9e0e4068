#!/usr/bin/python3
"""restart_under_load.py --log-path DIR --restarts N --rate R --senders S --per-instance K -- OXD_CMD...

Plays systemd's part in a restart under load, without a booted systemd: holds the
collect port's listening socket (never accepting on it, as systemd does) and hands
it to each oxd as socket activation does (fd 3, LISTEN_FDS=1, LISTEN_FDNAMES=collect,
LISTEN_PID), listens on NOTIFY_SOCKET for READY=1, and stops each oxd with SIGTERM
before starting the next one on the same socket, N times in a row.

Meanwhile S libzmq PUSH senders (pyzmq, as the original Python client sends) send
events at a steady R events/s each, every body carrying its sender and sequence
number. An oxd is stopped once the senders have sent K more events since it said
READY=1. After the last oxd has been up for K events the senders stop, close with a
linger (libzmq delivers what it holds) and the last oxd is stopped. Then every file
under DIR is read with a strict msgpack Unpacker and each (sender, seq) is counted.

Prints one JSON object: sent per sender, found, missing ranges, duplicates, and per
oxd instance its pid, exit status and "stopped received=..." line.
"""
import argparse
import glob
import json
import os
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time

import msgpack
import zmq

ap = argparse.ArgumentParser()
ap.add_argument('--log-path', required=True)
ap.add_argument('--restarts', type=int, default=3)
ap.add_argument('--rate', type=int, default=1000)
ap.add_argument('--senders', type=int, default=2)
ap.add_argument('--per-instance', type=int, default=2000)
ap.add_argument('--type', default='restart_load')
ap.add_argument('--timeout', type=int, default=600)
ap.add_argument('--client-cmd', action='append', default=[],
                help='a command sending through the blueox client (steady-client.js) as the next sender; '
                     'given ADDRESS SENDER RATE, stopped by closing its stdin, prints its counters as JSON')
ap.add_argument('oxd', nargs=argparse.REMAINDER)
args = ap.parse_args()
oxd_cmd = args.oxd[1:] if args.oxd and args.oxd[0] == '--' else args.oxd
signal.alarm(args.timeout)

work = tempfile.mkdtemp(prefix='blueox-restart-')
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(('127.0.0.1', 0))
listener.listen(128)
port = listener.getsockname()[1]
notify_path = os.path.join(work, 'notify')
notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
notify.bind(notify_path)

sent = [0] * args.senders
stop_sending = threading.Event()
errors = []


def sender(index):
    try:
        ctx = zmq.Context.instance()
        sock = ctx.socket(zmq.PUSH)
        sock.connect('tcp://127.0.0.1:%d' % port)
        host = socket.gethostname().encode()[:63]
        type_b = args.type.encode()
        start = time.monotonic()
        while not stop_sending.is_set():
            due = int((time.monotonic() - start) * args.rate) + 1
            while sent[index] < due and not stop_sending.is_set():
                now = time.time()
                body = msgpack.packb({'id': '%08x%08x' % (index, sent[index]), 'type': args.type, 'host': 'restart-test',
                                      'start': now, 'end': now, 'body': {'sender': index, 'seq': sent[index]}},
                                     use_bin_type=False)
                sock.send_multipart([struct.pack('!Bd64p64p', 3, now, host, type_b), body])
                sent[index] += 1
            pause = sent[index] / args.rate - (time.monotonic() - start)
            if pause > 0:
                time.sleep(min(pause, 0.05))
        sock.close(linger=60000)
    except Exception as e:  # reported in the summary, never silently
        errors.append('sender %d: %r' % (index, e))


def total_sent():
    return sum(sent)


def wait_ready(pid, deadline):
    """READY=1 from this pid's notifications (NotifyAccess=main)."""
    notify.settimeout(1.0)
    while time.monotonic() < deadline:
        try:
            data, _ = notify.recvfrom(65536)
        except socket.timeout:
            continue
        if b'READY=1' in data.split(b'\n'):
            return True
    return False


def start_oxd(n):
    env = dict(os.environ, LISTEN_FDS='1', LISTEN_FDNAMES='collect', NOTIFY_SOCKET=notify_path)
    env.pop('LISTEN_PID', None)
    fd = listener.fileno()
    stderr = open(os.path.join(work, 'oxd-%d.stderr' % n), 'w+')
    # sh's $$ is the pid oxd keeps after exec: LISTEN_PID must name oxd itself.
    proc = subprocess.Popen(['/bin/sh', '-c', 'LISTEN_PID=$$ exec "$@"', 'sh'] + oxd_cmd,
                            env=env, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
                            pass_fds=(3,), preexec_fn=lambda: os.dup2(fd, 3))
    return proc, stderr


def start_clients():
    clients = []
    for j, cmd in enumerate(args.client_cmd):
        index = args.senders + j
        clients.append(subprocess.Popen(cmd.split() + ['127.0.0.1:%d' % port, str(index), str(args.rate)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE))
    return clients


def stop_clients(clients):
    reports = []
    for c in clients:
        out, _ = c.communicate(timeout=120)
        reports.append(json.loads(out.decode().strip().splitlines()[-1]))
    return reports


instances = []
clients = []
client_reports = []
threads = [threading.Thread(target=sender, args=(i,), daemon=True) for i in range(args.senders)]
procs = []
try:
    for t in threads:
        t.start()
    clients = start_clients()
    for n in range(args.restarts + 1):
        proc, stderr = start_oxd(n)
        procs.append(proc)
        if not wait_ready(proc.pid, time.monotonic() + 60):
            raise SystemExit('oxd #%d (pid %d) sent no READY=1 within 60 s' % (n, proc.pid))
        mark = total_sent()
        while total_sent() < mark + args.per_instance and not errors:
            time.sleep(0.01)
        last = n == args.restarts
        if last:
            stop_sending.set()
            for t in threads:
                t.join()
            client_reports = stop_clients(clients)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=120)
        stderr.seek(0)
        text = stderr.read()
        stopped = [l for l in text.splitlines() if 'stopped received=' in l]
        instances.append({'pid': proc.pid, 'exit': code, 'stop_ms': round((time.monotonic() - t0) * 1000),
                          'sent_when_stopped': total_sent(), 'stopped_line': stopped[-1] if stopped else None,
                          'stderr_tail': text.splitlines()[-5:]})
finally:
    stop_sending.set()
    for p in procs + clients:
        if p.poll() is None:
            p.kill()
            p.wait()

seen = {}
files = sorted(glob.glob(os.path.join(args.log_path, '*', '*.log')))
undecodable = []
for path in files:
    with open(path, 'rb') as f:
        data = f.read()
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=False)
    unpacker.feed(data)
    try:
        for event in unpacker:
            b = event.get('body') or {}
            key = (b.get('sender'), b.get('seq'))
            seen[key] = seen.get(key, 0) + 1
    except Exception as e:
        undecodable.append('%s: %r' % (path, e))
    if unpacker.tell() != len(data):
        undecodable.append('%s: %d of %d bytes decoded' % (path, unpacker.tell(), len(data)))


def ranges(nums):
    out = []
    for x in sorted(nums):
        if out and out[-1][1] == x - 1:
            out[-1][1] = x
        else:
            out.append([x, x])
    return out


for r in client_reports:
    sent.append(r['sent'])
missing = {}
for i in range(len(sent)):
    gone = [s for s in range(sent[i]) if (i, s) not in seen]
    if gone:
        missing[i] = ranges(gone)
duplicates = sum(c - 1 for c in seen.values() if c > 1)
unexpected = sum(1 for (i, s) in seen if i is None or i >= len(sent) or s >= sent[i])
print(json.dumps({'sent': sent, 'total_sent': total_sent(), 'found': len(seen), 'missing': missing,
                  'lost': sum(b - a + 1 for r in missing.values() for a, b in r),
                  'duplicates': duplicates, 'unexpected': unexpected, 'undecodable': undecodable,
                  'errors': errors, 'clients': client_reports, 'restarts': args.restarts, 'instances': instances, 'files': len(files)}))
