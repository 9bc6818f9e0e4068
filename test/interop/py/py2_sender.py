#!/usr/bin/python3
"""Sends BlueOx events exactly as the original Python 2 client packed them.

Meta frame: struct '!Bd64p64p' (version 3, end, host, type).
Body frame: msgpack map packed with use_bin_type=False, i.e. the old raw family
only (fixraw, raw16, raw32; never str8 or bin), with id/type/host/pid/start/end/body.

Writes the exact body bytes it sent, per type, as JSON {type: [hex, ...]} to --out.
With --pause-after N it sends N events, prints "PAUSED", waits for a line on
stdin, then sends the rest. SIGALRM (--timeout) guarantees it cannot hang.
"""
import argparse
import json
import os
import signal
import struct
import sys
import time

import msgpack
import zmq

# Strings that exercise the raw family: fixraw, raw16 (0xda: 32..65535 bytes), non-ASCII.
NON_ASCII = u'Gr\u00fc\u00dfe aus \u6771\u4eac \u2603'
FORTY = 'x' * 40
# Bytes a Python 2 str could hold that are not UTF-8 at all.
NOT_UTF8 = b'\xff\xfe\x80\xc3(\xa0\xa1 not utf-8 \xed\xa0\x80'


def event_id():
    return (struct.pack('!I', int(time.time())) + os.urandom(12)).hex()


def build(i, type_name, host, with_bad_bytes):
    start = time.time()
    end = start + 0.0005 * (i % 7)
    body = {
        'i': i,
        'text': NON_ASCII,
        'forty': FORTY,
        'ratio': i / 7.0,
        'negative': -i - 1,
        'big': 2 ** 40 + i,
        'tags': ['a', i, 1.5, None, True],
        'response': {'status': 200 + (i % 3), 'headers': {'content-type': 'text/html'}},
    }
    if with_bad_bytes and i % 5 == 0:
        body['raw_bytes'] = NOT_UTF8
    packed = msgpack.packb({
        'id': event_id(),
        'type': type_name,
        'host': host,
        'pid': os.getpid(),
        'start': start,
        'end': end,
        'body': body,
    }, use_bin_type=False)
    meta = struct.pack('!Bd64p64p', 3, end, host.encode('utf-8'), type_name.encode('utf-8'))
    return meta, packed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--address', required=True, help='host:port of the collect port')
    ap.add_argument('--count', type=int, required=True)
    ap.add_argument('--types', required=True, help='comma separated; event i gets types[i % n]')
    ap.add_argument('--out', required=True)
    ap.add_argument('--host', default='py2host')
    ap.add_argument('--bad-bytes', action='store_true', help='every 5th body carries bytes that are not UTF-8')
    ap.add_argument('--heartbeat', action='store_true', help='ZMTP heartbeats: ivl 50 ms, timeout 500 ms')
    ap.add_argument('--pause-after', type=int, default=-1)
    ap.add_argument('--timeout', type=int, default=60)
    args = ap.parse_args()
    signal.alarm(args.timeout)

    types = args.types.split(',')
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH)
    if args.heartbeat:
        sock.setsockopt(zmq.HEARTBEAT_IVL, 50)
        sock.setsockopt(zmq.HEARTBEAT_TIMEOUT, 500)
    sock.connect('tcp://' + args.address)

    sent = {t: [] for t in types}
    for i in range(args.count):
        if i == args.pause_after:
            print('PAUSED', flush=True)
            if not sys.stdin.readline():
                sys.exit('stdin closed while paused')
        type_name = types[i % len(types)]
        meta, body = build(i, type_name, args.host, args.bad_bytes)
        sock.send_multipart([meta, body])
        sent[type_name].append(body.hex())

    sock.close(linger=20000)
    ctx.term()
    with open(args.out, 'w') as f:
        json.dump(sent, f)
    print('DONE', flush=True)


if __name__ == '__main__':
    main()
