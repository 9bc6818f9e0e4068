#!/usr/bin/python3
"""send_original.py --type TYPE --count N [--address host:port]

Sends N events as the original Python 2 BlueOx client packed them: a meta frame
struct '!Bd64p64p' (version 3, end time, host, type) and a body packed with
msgpack use_bin_type=False (old raw strings only). Body: {'i': n, 'text': ...,
'response': {'status': 200}}. Exits 0 after the socket delivered (linger).
"""
import argparse
import os
import signal
import socket
import struct
import time

import msgpack
import zmq

ap = argparse.ArgumentParser()
ap.add_argument('--type', required=True)
ap.add_argument('--count', type=int, required=True)
ap.add_argument('--address', default='127.0.0.1:3514')
args = ap.parse_args()
signal.alarm(120)

host = socket.gethostname()
ctx = zmq.Context()
sock = ctx.socket(zmq.PUSH)
sock.connect('tcp://' + args.address)
for i in range(args.count):
    start = time.time()
    end = start + 0.001
    body = msgpack.packb({
        'id': (struct.pack('!I', int(start)) + os.urandom(12)).hex(),
        'type': args.type,
        'host': host,
        'pid': os.getpid(),
        'start': start,
        'end': end,
        'body': {'i': i, 'text': u'Gr\u00fc\u00dfe \u2603', 'response': {'status': 200}},
    }, use_bin_type=False)
    meta = struct.pack('!Bd64p64p', 3, end, host.encode(), args.type.encode())
    sock.send_multipart([meta, body])
sock.close(linger=30000)
ctx.term()
print('sent %d %s events' % (args.count, args.type))
