#!/usr/bin/python3
"""A MOCK of systemd's service manager, as far as oxd's restarts use it: socket
activation of the collect port, the notification socket (READY=1, FDSTORE=1
with descriptors, FDSTOREREMOVE=1) and the file descriptor store, passed to the
next instance by LISTEN_FDS/LISTEN_FDNAMES. It exists because the tests on this
machine cannot run a real systemd as PID 1; the booted-Debian test does the same
with the real one.

Usage: mock-systemd-fdstore.py FDSTORE_MAX -- COMMAND...
Prints one JSON line per thing that happens on stdout ("listening" with the port,
"ready", "stored", "removed", "exited"); reads commands on stdin: "restart"
(SIGTERM, wait for the exit, start again with the store), "stop" (the same, no
new start, the store closed).
"""
import array
import json
import os
import select
import signal
import socket
import sys
import tempfile

max_fds = int(sys.argv[1])
command = sys.argv[sys.argv.index("--") + 1:]

def say(**what):
    sys.stdout.write(json.dumps(what) + "\n")
    sys.stdout.flush()

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(128)
say(event="listening", port=listener.getsockname()[1])

folder = tempfile.mkdtemp(prefix="mock-systemd-")
notify_path = os.path.join(folder, "notify")
notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
notify.bind(notify_path)
notify.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)

store = []  # [(name, fd)]

# `systemctl list-jobs`, as oxd asks whether it is being restarted: the job this mock runs.
jobs_path = os.path.join(folder, "jobs")
open(jobs_path, "w").close()
os.mkdir(os.path.join(folder, "bin"))
with open(os.path.join(folder, "bin", "systemctl"), "w") as f:
    f.write('#!/bin/sh\n# MOCK systemctl: the jobs mock-systemd-fdstore.py is running.\ncat "%s"\n' % jobs_path)
os.chmod(os.path.join(folder, "bin", "systemctl"), 0o755)

def start():
    fds = [("collect", listener.fileno())] + store
    pid = os.fork()
    if pid == 0:
        # The child: the descriptors from 3 on, as sd_listen_fds(3) expects them.
        dups = [os.dup(fd) for _, fd in fds]
        for i, fd in enumerate(dups):
            os.dup2(fd, 3 + i, inheritable=True)
        env = dict(os.environ)
        env.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS=str(len(fds)),
                   LISTEN_FDNAMES=":".join(name for name, _ in fds),
                   NOTIFY_SOCKET=notify_path, FDSTORE=str(max_fds), BLUEOX_SYSTEMD_UNIT="oxd.service",
                   PATH=os.path.join(folder, "bin") + ":" + os.environ.get("PATH", "/usr/bin:/bin"))
        os.execvpe(command[0], command, env)
    return pid

def receive():
    data, ancdata, _, _ = notify.recvmsg(4096, socket.CMSG_SPACE(max_fds * 4))
    fds = array.array("i")
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    fields = dict(line.split("=", 1) for line in data.decode().split("\n") if "=" in line)
    if fields.get("FDSTORE") == "1":
        name = fields.get("FDNAME", "stored")
        room = max_fds - len(store)
        for fd in fds[:room]:
            store.append((name, fd))
        for fd in fds[room:]:
            os.close(fd)
        say(event="stored", name=name, count=min(len(fds), room), refused=max(0, len(fds) - room))
    else:
        for fd in fds:
            os.close(fd)
    if fields.get("FDSTOREREMOVE") == "1":
        name = fields.get("FDNAME")
        gone = [fd for n, fd in store if n == name]
        for fd in gone:
            os.close(fd)
        store[:] = [(n, fd) for n, fd in store if n != name]
        say(event="removed", name=name, count=len(gone))
    if fields.get("READY") == "1":
        say(event="ready")

child = start()
stdin_open = True
pending = None  # "restart" or "stop" once SIGTERM was sent
while True:
    wait_on = [notify] + ([sys.stdin] if stdin_open else [])
    readable, _, _ = select.select(wait_on, [], [], 0.05)
    if notify in readable:
        receive()
        continue  # notifications first, as systemd orders them before the exit
    if sys.stdin in readable:
        line = sys.stdin.readline()
        if line == "":
            stdin_open = False
            line = "stop"
        line = line.strip()
        if line in ("restart", "stop") and pending is None:
            pending = line
            with open(jobs_path, "w") as f:
                f.write("1 oxd.service %s running\n" % line)
            os.kill(child, signal.SIGTERM)
    done, status = os.waitpid(child, os.WNOHANG)
    if done == child:
        # What is still queued on the notification socket came before the exit.
        while select.select([notify], [], [], 0)[0]:
            receive()
        say(event="exited", code=os.waitstatus_to_exitcode(status))
        open(jobs_path, "w").close()
        if pending == "restart":
            pending = None
            child = start()
        else:
            for _, fd in store:
                os.close(fd)
            say(event="store_closed", count=len(store))
            break
