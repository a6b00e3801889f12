"""The delay line of delay-line.c, in Python's standard library: the same arguments, the same
`ready` line, the same `stats` command and JSON line. The bench measures both (npm run
bench:delay-line) and runs the C one where a C compiler is found; this one where none is.

    python3 delay-line.py DEV_A DEV_B DELAY_US JITTER_US SEED
"""
import fcntl
import json
import os
import random
import resource
import select
import struct
import sys
import time
from collections import deque

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
SLOTS = 32768
SLOT_BYTES = 2048
FINE_US = 1000


def open_tun(name):
    if len(name) > 15:
        sys.exit(f"delay-line: device name {name} is longer than 15 characters")
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def number(text, what, top):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0 or value > top:
        sys.exit(f'delay-line: {what} must be a whole number from 0 to {top}, got "{text}"')
    return value


class Direction:
    def __init__(self):
        self.queue = deque()
        self.last_due = 0
        self.packets = 0
        self.bytes = 0
        self.overflow = 0


class Lateness:
    def __init__(self):
        self.clear()

    def clear(self):
        self.fine = [0] * FINE_US
        self.coarse = {}
        self.count = 0
        self.max = 0

    def add(self, late_ns):
        us = late_ns // 1000
        if us < FINE_US:
            self.fine[us] += 1
        else:
            self.coarse[us // 1000] = self.coarse.get(us // 1000, 0) + 1
        self.count += 1
        self.max = max(self.max, us)

    def percentile(self, p):
        if self.count == 0:
            return 0
        rank = min(int(p * self.count), self.count - 1)
        seen = 0
        for us, n in enumerate(self.fine):
            seen += n
            if seen > rank:
                return us
        # A coarse bucket answers with its highest value, as the C line does: a lateness is never understated.
        for ms in sorted(self.coarse):
            seen += self.coarse[ms]
            if seen > rank:
                return min(ms * 1000 + 999, self.max)
        return self.max


def main():
    if len(sys.argv) != 6:
        sys.exit("usage: delay-line.py DEV_A DEV_B DELAY_US JITTER_US SEED")
    delay_ns = number(sys.argv[3], "DELAY_US", 60_000_000) * 1000
    jitter_us = number(sys.argv[4], "JITTER_US", delay_ns // 1000)
    rng = random.Random(number(sys.argv[5], "SEED", 2**63 - 1))
    # Real-time priority where it can be had, as the C line does; epoll's timeout is whole ms.
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
        realtime = True
    except OSError:
        realtime = False
    fds = [open_tun(sys.argv[1]), open_tun(sys.argv[2])]
    os.set_blocking(0, False)
    ways = [Direction(), Direction()]  # 0: from A to B, 1: from B to A
    late = Lateness()
    poller = select.epoll()
    for fd in (fds[0], fds[1], 0):
        poller.register(fd, select.EPOLLIN)
    pending = b""
    print("ready", flush=True)
    while True:
        now = time.monotonic_ns()
        for i, way in enumerate(ways):
            out = fds[1 - i]
            while way.queue and way.queue[0][0] <= now:
                due, packet = way.queue.popleft()
                try:
                    os.write(out, packet)
                except OSError:
                    pass
                late.add(now - due)
                way.packets += 1
                way.bytes += len(packet)
        heads = [way.queue[0][0] for way in ways if way.queue]
        timeout = max(0.0, (min(heads) - now) / 1e9) if heads else -1
        for fd, _ in poller.poll(timeout):
            if fd == 0:
                chunk = os.read(0, 4096)
                if not chunk:
                    return
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    if line == b"stats":
                        usage = resource.getrusage(resource.RUSAGE_SELF)
                        stats = {
                            "realtime": realtime,
                            "cpuUs": round((usage.ru_utime + usage.ru_stime) * 1e6),
                            "packets": [w.packets for w in ways],
                            "bytes": [w.bytes for w in ways],
                            "overflow": [w.overflow for w in ways],
                            "queued": [len(w.queue) for w in ways],
                            "late": {"count": late.count, "p50": late.percentile(0.5), "p99": late.percentile(0.99), "p999": late.percentile(0.999), "max": late.max},
                        }
                        print(json.dumps(stats, separators=(",", ":")), flush=True)
                        late.clear()
                    elif line:
                        print(f'delay-line: unknown command "{line.decode(errors="replace")}" (the one command is stats)', file=sys.stderr)
                continue
            i = 0 if fd == fds[0] else 1
            way = ways[i]
            while True:
                try:
                    packet = os.read(fd, SLOT_BYTES)
                except BlockingIOError:
                    break
                if len(way.queue) >= SLOTS:
                    way.overflow += 1
                    continue
                jitter = rng.randint(-jitter_us, jitter_us) * 1000 if jitter_us else 0
                due = max(time.monotonic_ns() + delay_ns + jitter, way.last_due)
                way.last_due = due
                way.queue.append((due, packet))


if __name__ == "__main__":
    main()
