#!/usr/bin/python3
"""A control-port client as the original's Python 2 tools were: REQ socket,
requests packed with use_bin_type=False, replies decoded with raw=False.

Prints one JSON document on stdout: a list of
{"cmd", "request": hex, "raw": reply hex, "reply": decoded (bytes as {"__bytes__": hex})}.
"""
import argparse
import json
import signal
import sys

import msgpack
import zmq


def jsonable(v):
    if isinstance(v, bytes):
        return {'__bytes__': v.hex()}
    if isinstance(v, dict):
        return {str(jsonable(k)) if not isinstance(k, str) else k: jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--address', required=True, help='host:port of the control port')
    ap.add_argument('--cmd', action='append', required=True)
    ap.add_argument('--timeout', type=int, default=20)
    args = ap.parse_args()
    signal.alarm(args.timeout)

    ctx = zmq.Context()
    sock = ctx.socket(zmq.REQ)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.RCVTIMEO, 10000)
    sock.connect('tcp://' + args.address)
    out = []
    for cmd in args.cmd:
        request = msgpack.packb({'cmd': cmd}, use_bin_type=False)
        sock.send(request)
        try:
            raw = sock.recv()
        except zmq.Again:
            sys.exit('no reply to %s' % cmd)
        reply = msgpack.unpackb(raw, raw=False)
        out.append({'cmd': cmd, 'request': request.hex(), 'raw': raw.hex(), 'reply': jsonable(reply)})
    sock.close()
    ctx.term()
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
