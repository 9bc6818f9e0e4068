#!/usr/bin/python3
"""Python's strict msgpack reader (Debian's python3-msgpack) as a judge for tests.

  strict_msgpack.py files PATH...
      Reads each log file with msgpack.Unpacker(raw=True, strict_map_key=False)
      to the end and prints one JSON object: per path, the number of values, how
      many were not maps, the bytes consumed, the file size and the first error
      (null when every byte decoded).

  strict_msgpack.py bodies
      Reads body frames from stdin (each a 4-byte big-endian length, then the
      bytes) and prints one character per body: "1" when the strict reader
      decodes it to exactly one map, every byte used, with at most 512 levels of
      non-empty maps and arrays (the depth oxd allows), else "0".
"""
import json
import os
import signal
import struct
import sys

import msgpack

MAX_DEPTH = 512


class Pairs(list):
    """A map as its key-value pairs in order, so repeated keys are all seen."""


def depth(value):
    deepest = 0
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, Pairs):
            if v:
                deepest = max(deepest, d)
                stack.extend((x, d + 1) for pair in v for x in pair)
        elif isinstance(v, list):
            if v:
                deepest = max(deepest, d)
                stack.extend((x, d + 1) for x in v)
    return deepest


def accepted(body):
    try:
        value = msgpack.unpackb(body, raw=True, strict_map_key=False)
    except Exception:
        return False
    if not isinstance(value, dict):
        return False
    pairs = msgpack.unpackb(body, raw=True, strict_map_key=False, object_pairs_hook=Pairs)
    return depth(pairs) <= MAX_DEPTH


def bodies():
    data = sys.stdin.buffer.read()
    out = bytearray()
    pos = 0
    while pos < len(data):
        (n,) = struct.unpack_from('>I', data, pos)
        out += b'1' if accepted(data[pos + 4:pos + 4 + n]) else b'0'
        pos += 4 + n
    sys.stdout.buffer.write(bytes(out))


def files(paths):
    report = {}
    for path in paths:
        values = 0
        not_maps = 0
        error = None
        with open(path, 'rb') as f:
            unpacker = msgpack.Unpacker(f, raw=True, strict_map_key=False)
            try:
                for value in unpacker:
                    values += 1
                    if not isinstance(value, dict):
                        not_maps += 1
            except Exception as e:  # the point is to report any failure at all
                error = '%s: %s' % (type(e).__name__, e)
            size = os.fstat(f.fileno()).st_size
        report[path] = {'values': values, 'not_maps': not_maps, 'consumed': unpacker.tell(), 'size': size, 'error': error}
    json.dump(report, sys.stdout)


if __name__ == '__main__':
    signal.alarm(600)
    if sys.argv[1:2] == ['bodies']:
        bodies()
    elif sys.argv[1:2] == ['files']:
        files(sys.argv[2:])
    else:
        sys.exit('usage: strict_msgpack.py bodies | files PATH...')
