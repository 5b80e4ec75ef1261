"""A TCP proxy on loopback between device and server that misbehaves on purpose.

``drop_responses`` swallows that many answers (the request reached the server, the reply never
reaches the client: the case idempotent uploads exist for). With ``fault_rate`` each new
connection is, with that probability, one of:

    reset       closed before anything reaches the server
    cut_request the request is cut off halfway (the server sees a partial body)
    drop        the server answers, the client hears nothing
    truncate    the client gets the first part of the answer, then the connection closes
    stall       the answer is held back longer than the client waits, then dropped
    delay       the answer comes, late (not a failure: slow mobile networks)

Given several target ports it is also a round-robin load balancer: each new connection goes to
the next target, and to the one after if that one refuses the connection (a killed instance).

Use it with a client that opens one connection per request (no keep-alive) so that faults hit
requests, not just the first request of a long-lived connection.

Plain threads and blocking sockets, two per connection (one each way). The asyncio version
before this one left, in about one full suite run in two, a forwarded connection unread: the
kernel held the client's 750-byte PUT on the proxy's socket (``ss`` showed Recv-Q 750) while
the loop sat idle in select, so the test saw a timeout instead of the dropped answer. A thread
blocked in ``recv`` has no registration to lose. Every connection ends by itself; ``__exit__``
closes what is still open.
"""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter

FAULTS = ("reset", "cut_request", "drop", "truncate", "stall", "delay")
CHUNK = 65536


class FaultProxy:
    def __init__(self, target_port: int | list[int], *, fault_rate: float = 0.0, seed: int = 1,
                 stall_s: float = 3.0, delay_s: float = 0.5) -> None:
        self.targets = [target_port] if isinstance(target_port, int) else list(target_port)
        self.target_port = self.targets[0]
        self.per_target: Counter[int] = Counter()  # connections each target accepted
        self._next = 0
        self.drop_responses = 0
        self.dropped = 0
        self.fault_rate = fault_rate
        self.stall_s = stall_s
        self.delay_s = delay_s
        self.faults: Counter[str] = Counter()
        self.connections = 0
        self.traffic: list[dict] = []  # one entry per connection (see _handle)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()  # counters and the choice of fault and target
        self._open: set[socket.socket] = set()
        self._stop = threading.Event()
        self._started = time.monotonic()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)  # wakes up to see a stop
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)

    def __enter__(self) -> "FaultProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(10)
        self._listener.close()
        with self._lock:
            still = list(self._open)
        for s in still:
            _close(s)

    # ------------------------------------------------------------ diagnosis

    def explain(self) -> str:
        """For a failing test: every connection's traffic with times, the kernel's view of the
        sockets on the proxy's and the targets' ports (queued bytes, owning processes) and where
        each thread of this process stands."""
        ports = {self.port, *self.targets}
        try:
            table = subprocess.run(["ss", "-tanpi"], capture_output=True, text=True,
                                   timeout=10).stdout.splitlines()
            sockets = [line for line in table if any(f":{p} " in line + " " for p in ports)]
        except (OSError, subprocess.SubprocessError) as exc:
            sockets = [f"ss failed: {exc}"]
        frames = sys._current_frames()
        stacks = [f"--- thread {t.name}:\n" + "".join(traceback.format_stack(frame)[-4:])
                  for t in threading.enumerate() if (frame := frames.get(t.ident)) is not None]
        return "\n".join([f"proxy port {self.port}, targets {self.targets}, now {self._now()}",
                          json.dumps(self.traffic), "sockets:", *sockets, "threads:", *stacks])

    def _now(self) -> float:
        return round(time.monotonic() - self._started, 3)

    # ------------------------------------------------------------ the proxy

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, peer = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            client.settimeout(None)
            threading.Thread(target=self._handle, args=(client, peer[1]), daemon=True,
                             name=f"fault-proxy-{peer[1]}").start()

    def _choose(self) -> str | None:
        if self.drop_responses > 0:
            self.drop_responses -= 1
            return "drop"
        if self.fault_rate and self._rng.random() < self.fault_rate:
            return self._rng.choice(FAULTS)
        return None

    def _connect(self) -> socket.socket | None:
        """The next target in turn; the following ones if it refuses (as a balancer would)."""
        with self._lock:
            start = self._next
            self._next = (self._next + 1) % len(self.targets)
        for i in range(len(self.targets)):
            port = self.targets[(start + i) % len(self.targets)]
            try:
                up = socket.create_connection(("127.0.0.1", port), timeout=5)
            except OSError:
                continue
            up.settimeout(None)
            with self._lock:
                self.per_target[port] += 1
            return up
        return None

    def _handle(self, client: socket.socket, peer_port: int) -> None:
        with self._lock:
            self.connections += 1
            fault = self._choose()
            if fault:
                self.faults[fault] += 1
            # what each connection carried, for a failing test to say where a request got stuck
            seen = {"fault": fault, "peer_port": peer_port, "up": None,
                    "request_bytes": 0, "answer_bytes": 0, "opened_at": self._now(),
                    "first_request_byte_at": None, "first_answer_byte_at": None}
            self.traffic.append(seen)
            self._open.add(client)
        if fault == "reset":
            self._forget(client)
            return
        up = self._connect()
        seen["up"] = up is not None
        if up is None:
            self._forget(client)
            return
        with self._lock:
            self._open.add(up)
        pump = threading.Thread(target=self._upstream, args=(client, up, fault, seen),
                                daemon=True)
        pump.start()
        try:
            self._downstream(client, up, fault, seen)
        finally:
            self._forget(client, up)
            pump.join(10)

    def _upstream(self, client: socket.socket, up: socket.socket, fault: str | None,
                  seen: dict) -> None:
        try:
            while data := client.recv(CHUNK):
                seen["first_request_byte_at"] = seen["first_request_byte_at"] or self._now()
                if fault == "cut_request":
                    up.sendall(data[: max(1, len(data) // 2)])
                    self._forget(client, up)
                    return
                up.sendall(data)
                seen["request_bytes"] += len(data)
        except OSError:
            pass  # the other side closed: the downstream pump ends the connection

    def _downstream(self, client: socket.socket, up: socket.socket, fault: str | None,
                    seen: dict) -> None:
        first = True
        try:
            while data := up.recv(CHUNK):
                seen["answer_bytes"] += len(data)
                seen["first_answer_byte_at"] = seen["first_answer_byte_at"] or self._now()
                if fault == "drop":
                    with self._lock:
                        self.dropped += 1
                    return  # the server answered; the client never hears it
                if fault == "stall":
                    self._stop.wait(self.stall_s)
                    return
                if fault == "delay" and first:
                    self._stop.wait(self.delay_s)
                if fault == "truncate":
                    client.sendall(data[: max(1, len(data) // 3)])
                    return
                first = False
                client.sendall(data)
        except OSError:
            pass

    def _forget(self, *socks: socket.socket) -> None:
        for s in socks:
            with self._lock:
                self._open.discard(s)
            _close(s)


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in recv on it
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass
