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
requests, not just the first request of a long-lived connection. Runs its own asyncio loop in a
thread; every connection ends by itself.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import threading
import traceback
from collections import Counter

FAULTS = ("reset", "cut_request", "drop", "truncate", "stall", "delay")


class FaultProxy:
    def __init__(self, target_port: int | list[int], *, fault_rate: float = 0.0, seed: int = 1,
                 stall_s: float = 3.0, delay_s: float = 0.5) -> None:
        self.targets = [target_port] if isinstance(target_port, int) else list(target_port)
        self.target_port = self.targets[0]
        self.per_target: Counter[int] = Counter()  # connections each target accepted
        self._next = 0
        self.port = 0
        self.drop_responses = 0
        self.dropped = 0
        self.fault_rate = fault_rate
        self.stall_s = stall_s
        self.delay_s = delay_s
        self.faults: Counter[str] = Counter()
        self.connections = 0
        self.traffic: list[dict] = []  # one entry per connection (see _handle)
        self.max_loop_lag_s = 0.0
        self._rng = random.Random(seed)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "FaultProxy":
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        lag = self._loop.create_task(self._watch_lag())
        self._loop.run_forever()
        lag.cancel()
        server.close()
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    def explain(self) -> str:
        """For a failing test: every connection's traffic with times, how late this proxy's loop
        ran at worst, the kernel's view of the sockets on the proxy's and the targets' ports
        (queued bytes, owning processes) and where each thread of this process stands."""
        ports = {self.port, *self.targets}
        try:
            table = subprocess.run(["ss", "-tanpi"], capture_output=True, text=True,
                                   timeout=10).stdout.splitlines()
            sockets = [line for line in table if any(f":{p} " in line + " " for p in ports)]
        except (OSError, subprocess.SubprocessError) as exc:
            sockets = [f"ss failed: {exc}"]
        stacks = [f"--- thread {t.name}:\n" + "".join(traceback.format_stack(frame)[-4:])
                  for t in threading.enumerate()
                  if (frame := sys._current_frames().get(t.ident)) is not None]
        return "\n".join([f"proxy port {self.port}, targets {self.targets}, loop time "
                          f"{self._loop.time():.3f}, max loop lag {self.max_loop_lag_s} s",
                          json.dumps(self.traffic, indent=None), "sockets:", *sockets,
                          "threads:", *stacks])

    def _now(self) -> float:
        return round(self._loop.time(), 3)

    async def _watch_lag(self) -> None:
        """How late this loop ran a 50 ms timer at worst (a starved proxy would show here)."""
        while True:
            before = self._loop.time()
            await asyncio.sleep(0.05)
            self.max_loop_lag_s = max(self.max_loop_lag_s,
                                      round(self._loop.time() - before - 0.05, 3))

    def _choose(self) -> str | None:
        if self.drop_responses > 0:
            self.drop_responses -= 1
            return "drop"
        if self.fault_rate and self._rng.random() < self.fault_rate:
            return self._rng.choice(FAULTS)
        return None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """The next target in turn; the following ones if it refuses (as a balancer would)."""
        start = self._next
        self._next = (self._next + 1) % len(self.targets)
        for i in range(len(self.targets)):
            port = self.targets[(start + i) % len(self.targets)]
            try:
                opened = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue
            self.per_target[port] += 1
            return opened
        return None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        fault = self._choose()
        if fault:
            self.faults[fault] += 1
        # what each connection carried, for a failing test to say where a request got stuck
        peer = writer.get_extra_info("peername")
        seen = {"fault": fault, "peer_port": peer[1] if peer else None, "up": None,
                "request_bytes": 0, "answer_bytes": 0, "opened_at": self._now(),
                "first_request_byte_at": None, "first_answer_byte_at": None}
        self.traffic.append(seen)
        if fault == "reset":
            writer.close()
            return
        opened = await self._connect()
        seen["up"] = opened is not None
        if opened is None:
            writer.close()
            return
        up_r, up_w = opened

        async def upstream() -> None:
            try:
                while data := await reader.read(65536):
                    seen["first_request_byte_at"] = seen["first_request_byte_at"] or self._now()
                    if fault == "cut_request":
                        up_w.write(data[: max(1, len(data) // 2)])
                        await up_w.drain()
                        break
                    up_w.write(data)
                    await up_w.drain()
                    seen["request_bytes"] += len(data)
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                if fault == "cut_request":
                    _close(up_w, writer)

        async def downstream() -> None:
            try:
                first = True
                while data := await up_r.read(65536):
                    seen["answer_bytes"] += len(data)
                    seen["first_answer_byte_at"] = seen["first_answer_byte_at"] or self._now()
                    if fault == "drop":
                        self.dropped += 1
                        break  # the server answered; the client never hears it
                    if fault == "stall":
                        await asyncio.sleep(self.stall_s)
                        break
                    if fault == "delay" and first:
                        await asyncio.sleep(self.delay_s)
                    if fault == "truncate":
                        writer.write(data[: max(1, len(data) // 3)])
                        await writer.drain()
                        break
                    first = False
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                _close(writer, up_w)

        await asyncio.gather(upstream(), downstream())


def _close(*writers: asyncio.StreamWriter) -> None:
    for w in writers:
        try:
            w.close()
        except Exception:
            pass
