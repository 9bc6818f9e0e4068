"""Starts nginx on a listening socket made here, which nginx inherits instead of binding its own.

Usage: nginx_listen.py TEMPLATE CONFIG NGINX [ARG...]

Binds and listens on 127.0.0.1 port 0 (the kernel picks a free port, and it stays ours from then
on: no port is picked first and bound later, by which time another process may hold it), writes
TEMPLATE with every @LISTEN_PORT@ replaced by that port to CONFIG, puts the socket on descriptor 3,
writes "port N" and a newline on stderr, then becomes NGINX with NGINX=3; in its environment
(exec keeps the pid).

NGINX=fd;fd; is how nginx hands its listening sockets to a new binary on an upgrade: at start it
takes each listed descriptor as a listening socket (logging "using inherited sockets from") and
uses it for the `listen` line whose address is the socket's own, rather than binding one. Requests
that arrive before nginx is up wait in the socket's backlog.
"""
import os
import socket
import sys

PLACEHOLDER = '@LISTEN_PORT@'

template, config, program = sys.argv[1], sys.argv[2], sys.argv[3]
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind(('127.0.0.1', 0))
# nginx's own default backlog on Linux; nginx calls listen() again with the `listen` line's.
sock.listen(511)
# nginx makes its own listening sockets non-blocking but takes an inherited one as it is: a blocking
# one leaves a worker that lost the race for a connection to another asleep in accept(), deaf to
# signals (a stop then waits for the master to kill it, seconds later).
sock.setblocking(False)
port = sock.getsockname()[1]
with open(template) as f:
    text = f.read()
if PLACEHOLDER not in text:
    sys.exit('nginx_listen.py: %s has no %s for the port' % (template, PLACEHOLDER))
with open(config, 'w') as f:
    f.write(text.replace(PLACEHOLDER, str(port)))
# Moved out of the way first: the socket may already sit on 3.
fd = os.dup(sock.fileno())
sock.close()
os.dup2(fd, 3, inheritable=True)
os.close(fd)
sys.stderr.write('port %d\n' % port)
sys.stderr.flush()
os.execve(program, sys.argv[3:], dict(os.environ, NGINX='3;'))
