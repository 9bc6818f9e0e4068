#!/usr/bin/python3
"""count_events.py LOG_PATH TYPE [--seq]

Counts the events of TYPE that oxd wrote under LOG_PATH (every <YYYYMMDD>/<TYPE>-<DATE>.log
file), decoding the msgpack stream independently of the BlueOx tools. Prints one JSON line.
With --seq, also looks at body.seq (the load sender's sequence numbers): distinct values,
duplicates and the missing ranges between 0 and the highest one seen.
"""
import glob
import json
import os
import sys

import msgpack


def events(root, type_name):
    files = sorted(glob.glob(os.path.join(root, '*', glob.escape(type_name) + '-*.log')))
    out = []
    for path in files:
        with open(path, 'rb') as f:
            unpacker = msgpack.Unpacker(f, raw=False, unicode_errors='surrogateescape', strict_map_key=False)
            for ev in unpacker:
                out.append(ev)
    return files, out


def ranges(missing):
    out = []
    for n in missing:
        if out and out[-1][1] == n - 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return out


def main():
    root, type_name = sys.argv[1], sys.argv[2]
    files, evs = events(root, type_name)
    result = {'type': type_name, 'count': len(evs), 'files': files}
    if '--seq' in sys.argv[3:]:
        seqs = [ev.get('body', {}).get('seq') for ev in evs if isinstance(ev, dict) and isinstance(ev.get('body'), dict)]
        seqs = [s for s in seqs if isinstance(s, int)]
        distinct = set(seqs)
        top = max(distinct) if distinct else -1
        result.update({
            'distinct': len(distinct),
            'duplicates': len(seqs) - len(distinct),
            'max_seq': top,
            'missing_ranges': ranges([n for n in range(top + 1) if n not in distinct]),
        })
    print(json.dumps(result))


if __name__ == '__main__':
    main()
