#!/usr/bin/python3
"""Reads BlueOx log files as the original's readers did (a stream of msgpack
maps, raw=True) and prints a JSON summary: events, how many bodies hold a
raw_bytes value that is not UTF-8, and the sorted event types."""
import json
import signal
import sys

import msgpack

signal.alarm(30)
events = 0
not_utf8 = 0
types = set()
for name in sys.argv[1:]:
    with open(name, 'rb') as f:
        for ev in msgpack.Unpacker(f, raw=True):
            events += 1
            types.add(ev[b'type'].decode('utf-8'))
            raw = (ev[b'body'] or {}).get(b'raw_bytes')
            if raw is not None:
                try:
                    raw.decode('utf-8')
                except UnicodeDecodeError:
                    not_utf8 += 1
json.dump({'events': events, 'not_utf8': not_utf8, 'types': sorted(types)}, sys.stdout)
