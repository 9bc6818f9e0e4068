#!/usr/bin/python3
"""Stands in for systemd's notification socket (sd_notify(3)): binds a unix
datagram socket at argv[1], prints "bound", then one line per datagram
received (newlines inside a datagram become ' | '). SIGALRM bounds the run."""
import os
import signal
import socket
import sys

signal.alarm(int(sys.argv[2]) if len(sys.argv) > 2 else 60)
path = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
os.chmod(path, 0o666)
print('bound', flush=True)
while True:
    data = sock.recv(65536)
    print(data.decode('utf-8', 'replace').strip().replace('\n', ' | '), flush=True)
