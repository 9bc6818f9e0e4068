"""The Frozone document's Python logging through logging.handlers.SysLogHandler, to oxd.

Usage: syslog_handler.py PORT udp|tcp
Sends three records (info, warning with a non-ASCII message, error) with the handler's defaults
(facility user, a NUL after each message) as the document's applications do.
"""
import logging
import logging.handlers
import socket
import sys

port = int(sys.argv[1])
kind = socket.SOCK_DGRAM if sys.argv[2] == 'udp' else socket.SOCK_STREAM
handler = logging.handlers.SysLogHandler(address=('127.0.0.1', port), socktype=kind)
handler.setFormatter(logging.Formatter('frozone[%(process)d]: %(levelname)s %(message)s'))
log = logging.getLogger('frozone')
log.addHandler(handler)
log.setLevel(logging.INFO)
log.info('order %s placed', 42)
log.warning('Grüße from %s', sys.argv[2])
log.error('payment failed')
handler.close()
