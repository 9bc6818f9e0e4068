"""The Frozone document's own statsd client (Debian's python3-statsd) sending to oxd.

Usage: statsd_client.py PORT INTERVAL_MS
Waits for the start of a fresh interval (so every metric falls into one window),
sends the metrics and prints the end of that window in milliseconds.
"""
import sys
import time

import statsd

port = int(sys.argv[1])
interval = int(sys.argv[2])
while True:
    now = int(time.time() * 1000)
    into = now % interval
    if 50 <= into < interval // 2:
        break
    time.sleep((interval - into + 50) / 1000)
window_end = (now // interval + 1) * interval

c = statsd.StatsClient('127.0.0.1', port)
c.incr('frozone.statsd.test')
c.incr('frozone.statsd.test', 4)
c.decr('frozone.statsd.down', 2)
c.timing('frozone.api', 320)
c.timing('frozone.api', 100)
c.gauge('frozone.queue', 7)
c.gauge('frozone.queue', 3, delta=True)
c.set('frozone.users', 'alice')
c.set('frozone.users', 'bob')
c.set('frozone.users', 'alice')
with c.pipeline() as p:
    p.incr('frozone.piped', 2)
    p.timing('frozone.api', 210)
print(window_end)
