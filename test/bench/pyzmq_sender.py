#!/usr/bin/python3
"""A benchmark sender using Debian's pyzmq: a real libzmq PUSH socket.

    /usr/bin/python3 pyzmq_sender.py HOST:PORT PAYLOAD_FILE

PAYLOAD_FILE holds K ZMTP-encoded two-frame messages (what the node senders
write); they are split into frames once, before anything is timed, and sent
with send_multipart in a loop. Same JSON-lines protocol as sender.ts:
stdin {"cmd":"send","n":N} / {"cmd":"exit"}; stdout ready, started, sent.
"""
import json
import sys
import time

import zmq


def report(kind, **extra):
    extra["kind"] = kind
    sys.stdout.write(json.dumps(extra) + "\n")
    sys.stdout.flush()


def split_messages(data):
    messages, frames, pos = [], [], 0
    while pos < len(data):
        flags = data[pos]
        if flags & 0x02:
            size, header = int.from_bytes(data[pos + 1:pos + 9], "big"), 9
        else:
            size, header = data[pos + 1], 2
        frames.append(data[pos + header:pos + header + size])
        pos += header + size
        if not flags & 0x01:
            messages.append(frames)
            frames = []
    return messages


def main():
    addr, path = sys.argv[1], sys.argv[2]
    with open(path, "rb") as f:
        messages = split_messages(f.read())
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect("tcp://" + addr)
    report("ready", batch=len(messages), bodySize=len(messages[0][1]))
    send = sock.send_multipart
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "send":
            n = cmd["n"]
            full, rest = divmod(n, len(messages))
            report("started", t=time.time() * 1000)
            for _ in range(full):
                for m in messages:
                    send(m)
            for m in messages[:rest]:
                send(m)
            report("sent", n=n, t=time.time() * 1000)
        elif cmd["cmd"] == "exit":
            break
    sock.close(0)
    ctx.term()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
