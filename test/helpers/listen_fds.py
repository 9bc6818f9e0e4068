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



def bind_pair():
    """A UDP and a TCP socket on one port. The kernel picks a port free for UDP; other tests
    running at the same time may hold it for TCP, and then another port is picked."""
    for _ in range(100):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(('127.0.0.1', 0))
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            tcp.bind(('127.0.0.1', port))
        except OSError:
            udp.close()
            tcp.close()
            continue
        tcp.listen(64)
        return udp, tcp, port
    sys.exit('listen_fds.py: no loopback port was free for both UDP and TCP in 100 tries')


udp, tcp, port = bind_pair()
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
