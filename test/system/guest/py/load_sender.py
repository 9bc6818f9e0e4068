#!/usr/bin/python3
"""load_sender.py --type T --rate R --duration S --progress FILE --out FILE [--until FILE]

Sends events at a steady rate (R per second, spread evenly, for S seconds) from one
libzmq PUSH socket, framed as the original Python client did, each body carrying its
sequence number: {'seq': n}. Counts an event as sent when send_multipart returns
(it is then in libzmq's queue). Keeps FILE (--progress) updated with the number sent,
so the guest script can act at a chosen point. At the end closes the socket with a
30 s linger (what libzmq still holds is delivered if oxd takes it) and writes a JSON
summary to --out: sent, the timeline of (time, seq) every 50 ms, the longest time one
send blocked (libzmq's queue full while oxd was away). With --until, it stops as soon as
that file exists (S is then the most it runs).
"""
import argparse
import json
import os
import signal
import socket
import struct
import time

import msgpack
import zmq

ap = argparse.ArgumentParser()
ap.add_argument('--type', required=True)
ap.add_argument('--rate', type=int, required=True)
ap.add_argument('--duration', type=float, required=True)
ap.add_argument('--progress', required=True)
ap.add_argument('--out', required=True)
ap.add_argument('--address', default='127.0.0.1:3514')
ap.add_argument('--until', default=None)
args = ap.parse_args()
signal.alarm(int(args.duration) + 90)

host = socket.gethostname().encode()
type_b = args.type.encode()
ctx = zmq.Context()
sock = ctx.socket(zmq.PUSH)
sock.connect('tcp://' + args.address)

def write_progress(n):
    tmp = args.progress + '.tmp'
    with open(tmp, 'w') as f:
        f.write('%d\n' % n)
    os.replace(tmp, args.progress)

pid = os.getpid()
sent = 0
timeline = []
max_block = 0.0
t_start = time.time()
m_start = time.monotonic()
next_mark = 0.0
total = int(args.rate * args.duration)
while sent < total and not (args.until and os.path.exists(args.until)):
    elapsed = time.monotonic() - m_start
    due = min(total, int(elapsed * args.rate) + 1)
    while sent < due:
        now = time.time()
        body = msgpack.packb({'id': '%032x' % sent, 'type': args.type, 'host': 'vmtest', 'pid': pid,
                              'start': now, 'end': now, 'body': {'seq': sent}}, use_bin_type=False)
        b0 = time.monotonic()
        sock.send_multipart([struct.pack('!Bd64p64p', 3, now, host, type_b), body])
        max_block = max(max_block, time.monotonic() - b0)
        sent += 1
    if elapsed >= next_mark:
        timeline.append([round(time.time(), 3), sent])
        write_progress(sent)
        next_mark = elapsed + 0.05
    pause = (sent / args.rate) - (time.monotonic() - m_start)
    if pause > 0:
        time.sleep(pause)
write_progress(sent)
t_sent = time.time()
sock.close(linger=30000)
ctx.term()
t_closed = time.time()
timeline.append([round(t_closed, 3), sent])
with open(args.out, 'w') as f:
    json.dump({'sent': sent, 'rate': args.rate, 'duration': args.duration, 'started': t_start,
               'finished_sending': t_sent, 'closed': t_closed, 'max_send_block_s': round(max_block, 3),
               'timeline': timeline}, f)
print('sent %d events in %.1f s, socket closed after %.1f s more' % (sent, t_sent - t_start, t_closed - t_sent))
