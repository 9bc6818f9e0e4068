#!/usr/bin/python3
"""A live viewer as the original's: asks the control port for SOCK_STREAM,
connects a SUB socket there, subscribes to a prefix and prints what arrives.

Exits 0 after --expect messages with one JSON document on stdout:
{"port": stream port, "messages": [[type hex, body hex], ...]}.
Exits 3 (printing what it got) when --timeout seconds pass first.
"""
import argparse
import json
import sys
import time

import msgpack
import zmq


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--control', required=True, help='host:port of the control port')
    ap.add_argument('--prefix', required=True)
    ap.add_argument('--expect', type=int, required=True)
    ap.add_argument('--timeout', type=float, default=30)
    args = ap.parse_args()
    deadline = time.monotonic() + args.timeout

    ctx = zmq.Context()
    req = ctx.socket(zmq.REQ)
    req.setsockopt(zmq.LINGER, 0)
    req.setsockopt(zmq.RCVTIMEO, 10000)
    req.connect('tcp://' + args.control)
    req.send(msgpack.packb({'cmd': 'SOCK_STREAM'}, use_bin_type=False))
    port = msgpack.unpackb(req.recv(), raw=False)['port']
    req.close()

    host = args.control.rsplit(':', 1)[0]
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, args.prefix.encode('utf-8'))
    sub.connect('tcp://%s:%d' % (host, port))
    print('SUBSCRIBED', flush=True)

    messages = []
    code = 0
    while len(messages) < args.expect:
        left = deadline - time.monotonic()
        if left <= 0 or not sub.poll(int(left * 1000)):
            code = 3
            break
        messages.append([f.hex() for f in sub.recv_multipart()])
    sub.close()
    ctx.term()
    json.dump({'port': port, 'messages': messages}, sys.stdout)
    sys.stdout.write('\n')
    sys.exit(code)


if __name__ == '__main__':
    main()
