"""Holds a loopback TCP port closed: bound, never listening.

Usage: closed_port.py

A connection to the port is refused (the kernel answers a SYN for a port with no listener with a
reset), and no other process can bind it meanwhile, as it could a port found free and let go.
Writes "port N" and a newline on stdout, then holds the port until stdin closes (the test's end,
or its process exiting).
"""
import socket
import sys

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind(('127.0.0.1', 0))
sys.stdout.write('port %d\n' % sock.getsockname()[1])
sys.stdout.flush()
sys.stdin.read()
