#!/usr/bin/python3
"""Stands in for systemd's notification socket where descriptors come with the
message (FDSTORE=1, https://systemd.io/FILE_DESCRIPTOR_STORE/): binds a unix
datagram socket at argv[1], prints "bound", then for each datagram one JSON line:

  {"text": <the message>, "truncated": <control data cut short>, "fds": [<one per descriptor>]}

where a regular file (a memfd) is {"kind": "file", "name": <its /proc link>,
"content": <its bytes from offset 0, as text>} and a socket is {"kind": "socket",
"peer": [host, port], "sent": <bytes written through it>}: the socket writes
"through the passed descriptor\\n" to its peer, which the sender's side can read
to tell the descriptor is its own connection. Every received descriptor is then
closed. SIGALRM (argv[2] seconds, default 60) bounds the run."""
import array
import json
import os
import signal
import socket
import stat
import sys

SCM_MAX_FD = 253
GREETING = b'through the passed descriptor\n'


def describe(fd):
    mode = os.fstat(fd).st_mode
    if stat.S_ISSOCK(mode):
        sock = socket.socket(fileno=fd)
        try:
            sock.sendall(GREETING)
            return {'kind': 'socket', 'peer': list(sock.getpeername()), 'sent': GREETING.decode()}
        finally:
            sock.close()
    try:
        if not stat.S_ISREG(mode):
            return {'kind': 'other', 'mode': mode}
        os.lseek(fd, 0, os.SEEK_SET)
        content = b''
        while chunk := os.read(fd, 65536):
            content += chunk
        return {'kind': 'file', 'name': os.readlink(f'/proc/self/fd/{fd}'), 'content': content.decode('utf-8', 'replace')}
    finally:
        os.close(fd)


signal.alarm(int(sys.argv[2]) if len(sys.argv) > 2 else 60)
receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
receiver.bind(sys.argv[1])
print('bound', flush=True)
while True:
    data, ancillary, flags, _ = receiver.recvmsg(65536, socket.CMSG_SPACE(SCM_MAX_FD * 4))
    fds = array.array('i')
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
    print(json.dumps({
        'text': data.decode('utf-8', 'replace'),
        'truncated': bool(flags & socket.MSG_CTRUNC),
        'fds': [describe(fd) for fd in fds],
    }), flush=True)
