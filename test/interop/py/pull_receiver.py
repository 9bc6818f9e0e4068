#!/usr/bin/python3
"""A collector in the original's style: a libzmq PULL socket that receives
N two-frame events, unpacks the meta frame with struct '!Bd64p64p' and the
body with msgpack raw=True (as Python 2 readers did), and prints one JSON
line per event. Prints "bound <port>" first. SIGALRM bounds the run."""
import json
import signal
import struct
import sys

import msgpack
import zmq

signal.alarm(int(sys.argv[2]) if len(sys.argv) > 2 else 30)
count = int(sys.argv[1])
ctx = zmq.Context()
sock = ctx.socket(zmq.PULL)
port = sock.bind_to_random_port('tcp://127.0.0.1')
print('bound %d' % port, flush=True)


def text(v):
    if isinstance(v, bytes):
        return v.decode('utf-8')
    if isinstance(v, dict):
        return {text(k): text(x) for k, x in v.items()}
    if isinstance(v, list):
        return [text(x) for x in v]
    return v


for _ in range(count):
    frames = sock.recv_multipart()
    version, end, host, type_name = struct.unpack('!Bd64p64p', frames[0])
    body = msgpack.unpackb(frames[1], raw=True)
    print(json.dumps({
        'frames': len(frames),
        'version': version,
        'meta_end': end,
        'meta_host': host.decode('utf-8'),
        'meta_type': type_name.decode('utf-8'),
        'body_keys': sorted(k.decode('utf-8') for k in body),
        'event': text(body),
    }), flush=True)
sock.close(0)
ctx.term()
