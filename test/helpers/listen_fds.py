"""Runs a program with a datagram and a stream socket passed as systemd passes a socket unit's.

Usage: listen_fds.py NAME PROGRAM [ARG...]

Binds a UDP and a TCP socket on one free loopback port, as a unit with ListenDatagram= and
ListenStream= on one address does, hands them over as descriptors 3 and 4 in that order with
LISTEN_FDS=2, LISTEN_FDNAMES=NAME:NAME and LISTEN_PID set to this process (sd_listen_fds(3)),
writes "port N" and a newline on stderr, then becomes PROGRAM (exec keeps the pid).
"""
import os
import socket
import sys

udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(('127.0.0.1', 0))
port = udp.getsockname()[1]
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.bind(('127.0.0.1', port))
tcp.listen(64)
# Move them out of the way first: the sockets may already sit on 3 or 4.
fds = [os.dup(udp.fileno()), os.dup(tcp.fileno())]
udp.close()
tcp.close()
for target, fd in zip((3, 4), fds):
    os.dup2(fd, target, inheritable=True)
    os.close(fd)
env = dict(os.environ, LISTEN_FDS='2', LISTEN_PID=str(os.getpid()), LISTEN_FDNAMES='%s:%s' % (sys.argv[1], sys.argv[1]))
sys.stderr.write('port %d\n' % port)
sys.stderr.flush()
os.execve(sys.argv[2], sys.argv[2:], env)
