"""The tools' JSON rules (src/json/), written independently with Python's
msgpack and json, to check our writer against.

    msgpack_json.py dump FILE          one JSON line per msgpack value in FILE
    msgpack_json.py check FILE JSON    parses each line of JSON with Python's
                                       json and compares it, type for type,
                                       with the value Python's msgpack decodes

The rules as Python spells them: integers as Python writes ints (exact);
floats as json.dumps writes them (repr(), NaN and Infinity as tokens); byte
strings decoded with the "backslashreplace" error handler after a literal
backslash-x is written as \\x5c plus x; map keys that are not strings as the
text of their JSON value; timestamps as ISO 8601 with 3, 6 or 9 fraction
digits; other extensions as {"ext": type, "base64": data}.
"""
import base64
import datetime
import json
import math
import sys

import msgpack


def text(b):
    return b.replace(b"\\x", b"\\x5cx").decode("utf-8", "backslashreplace")


def iso(ts):
    day = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=ts.seconds)
    ns = ts.nanoseconds
    digits = "%09d" % ns
    if ns % 1000000 == 0:
        digits = digits[:3]
    elif ns % 1000 == 0:
        digits = digits[:6]
    return "%04d-%02d-%02dT%02d:%02d:%02d.%sZ" % (day.year, day.month, day.day, day.hour, day.minute, day.second, digits)


class Pairs(list):
    """A map as its pairs, in order, duplicates kept."""


class Ext:
    """An extension value (msgpack.ExtType refuses the negative types)."""

    def __init__(self, code, data):
        self.code = code
        self.data = data


def unpacker(data):
    u = msgpack.Unpacker(raw=True, strict_map_key=False, object_pairs_hook=Pairs, ext_hook=Ext, timestamp=0, max_buffer_size=len(data) + 1)
    u.feed(data)
    return u


def dump(v):
    if v is None or isinstance(v, bool) or isinstance(v, int):
        return json.dumps(v)
    if isinstance(v, float):
        return json.dumps(v)
    if isinstance(v, bytes):
        return json.dumps(text(v), ensure_ascii=False)
    if isinstance(v, list) and not isinstance(v, Pairs):
        return "[" + ",".join(dump(x) for x in v) + "]"
    if isinstance(v, Pairs):
        return "{" + ",".join(key(k) + ":" + dump(x) for k, x in v) + "}"
    if isinstance(v, msgpack.Timestamp):
        return json.dumps(iso(v))
    if isinstance(v, Ext):
        return '{"ext":%d,"base64":"%s"}' % (v.code, base64.b64encode(v.data).decode("ascii"))
    raise TypeError(type(v))


def key(k):
    if isinstance(k, bytes):
        return dump(k)
    return json.dumps(dump(k), ensure_ascii=False)


def model(v):
    """What a JSON reader should get for v."""
    if isinstance(v, bytes):
        return text(v)
    if isinstance(v, Pairs):
        return [(text(k) if isinstance(k, bytes) else dump(k), model(x)) for k, x in v]
    if isinstance(v, list):
        return [model(x) for x in v]
    if isinstance(v, msgpack.Timestamp):
        return iso(v)
    if isinstance(v, Ext):
        return [("ext", v.code), ("base64", base64.b64encode(v.data).decode("ascii"))]
    return v


def same(a, b, where):
    if type(a) is not type(b):
        return "%s: %r (%s) is not %r (%s)" % (where, a, type(a).__name__, b, type(b).__name__)
    if isinstance(a, float):
        if math.isnan(a) and math.isnan(b):
            return None
        if a != b or math.copysign(1, a) != math.copysign(1, b):
            return "%s: %r != %r" % (where, a, b)
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items, not %d" % (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            problem = same(x, y, "%s[%d]" % (where, i))
            if problem:
                return problem
        return None
    if isinstance(a, tuple):
        return same(a[0], b[0], where + ".key") or same(a[1], b[1], where + "." + str(a[0]))
    return None if a == b else "%s: %r != %r" % (where, a, b)


def parsed(line):
    return json.loads(line, object_pairs_hook=lambda pairs: [tuple(p) for p in pairs])


def main():
    sys.setrecursionlimit(20000)  # values nest up to 512 deep, a few frames each
    data = open(sys.argv[2], "rb").read()
    if sys.argv[1] == "dump":
        out = sys.stdout.buffer
        for v in unpacker(data):
            out.write(dump(v).encode("utf-8") + b"\n")
        return 0
    lines = open(sys.argv[3], encoding="utf-8").read().split("\n")[:-1]
    values = list(unpacker(data))
    if len(values) != len(lines):
        print("%d values, %d lines" % (len(values), len(lines)))
        return 1
    problems = [p for p in (same(parsed(line), model(v), "value %d" % i) for i, (v, line) in enumerate(zip(values, lines))) if p]
    print("\n".join(problems[:20]) if problems else "ok %d" % len(values))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
