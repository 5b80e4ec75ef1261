"""A slow mobile link on loopback: a TCP proxy with a bandwidth and a one-way latency.

Each direction is one shared link (a phone has one uplink, whatever number of connections it
opens): packets of up to 1,500 bytes leave one at a time at the link's rate, round robin over
the connections that have data waiting, and arrive ``latency_s`` after they left. A new
connection waits one round trip first (the TCP handshake). Not modelled: TCP's windows and
slow start, loss, a radio's wake-up.

Counts the bytes each way and the connections. Runs its own asyncio loop in a thread; use it as
a context manager. ``CountingTransport`` counts on the client's side: requests, and photo
uploads in flight at once.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from dataclasses import dataclass

import httpx

PACKET = 1500


@dataclass(frozen=True)
class Profile:
    name: str
    up_bps: float
    down_bps: float
    latency_s: float  # one way

    @property
    def rtt_s(self) -> float:
        return 2 * self.latency_s


class _Link:
    """One direction, shared by every connection: packets leave one at a time at the link's
    rate, taken round robin from the connections that have some waiting (as TCP flows share a
    bottleneck, roughly), and arrive ``latency_s`` after they left. First come, first served
    would hold a new request's first bytes behind whole uploads on other connections -- long
    enough at 384 kbit/s for the server to close that kept-alive connection as idle."""

    def __init__(self, rate_bps: float, latency_s: float) -> None:
        self.rate_bps = rate_bps
        self.latency_s = latency_s
        self.bytes = 0
        self._queues: dict[int, tuple[deque, asyncio.StreamWriter]] = {}  # (data, on_end)
        self._turn: deque[int] = deque()  # connections with packets waiting, in serving order
        self._wake = asyncio.Event()

    def send(self, conn: int, dst: asyncio.StreamWriter, data: bytes,
             on_end: asyncio.Future | None = None) -> None:
        """Queue a packet for ``dst``; b"" is the end of the stream (``on_end`` is set once it
        has arrived)."""
        queue, _ = self._queues.setdefault(conn, (deque(), dst))
        if not queue and conn not in self._turn:
            self._turn.append(conn)
        queue.append((data, on_end))
        self._wake.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        free_at = loop.time()
        while True:
            if not self._turn:
                self._wake.clear()
                await self._wake.wait()
                free_at = max(free_at, loop.time())
            conn = self._turn.popleft()
            queue, dst = self._queues[conn]
            data, on_end = queue.popleft()
            if queue:
                self._turn.append(conn)
            else:
                del self._queues[conn]
            self.bytes += len(data)
            # busy: the next packet leaves when this one is through, whenever the loop wakes
            # (a late wake-up is caught up, not added: the rate holds on average)
            free_at += len(data) * 8 / self.rate_bps
            loop.call_at(free_at + self.latency_s, _deliver, dst, data, on_end)
            delay = free_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)


def _deliver(dst: asyncio.StreamWriter, data: bytes, on_end: asyncio.Future | None) -> None:
    try:
        if data:
            dst.write(data)
        elif dst.can_write_eof():
            dst.write_eof()
    except (ConnectionError, OSError, RuntimeError):
        pass  # that side has gone: a real link would drop the packet too
    if on_end is not None and not on_end.done():
        on_end.set_result(None)


class ThrottledLink:
    def __init__(self, target_port: int, profile: Profile) -> None:
        self.target_port = target_port
        self.profile = profile
        self.port = 0
        self.connections = 0
        self._up = _Link(profile.up_bps, profile.latency_s)
        self._down = _Link(profile.down_bps, profile.latency_s)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="throttled-link")

    @property
    def bytes_up(self) -> int:
        return self._up.bytes

    @property
    def bytes_down(self) -> int:
        return self._down.bytes

    def __enter__(self) -> "ThrottledLink":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the throttling proxy did not start")
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        for link in (self._up, self._down):
            self._loop.create_task(link.run())
        self._ready.set()
        self._loop.run_forever()
        server.close()
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        conn = self.connections
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        try:
            await asyncio.sleep(self.profile.rtt_s)  # SYN, SYN-ACK: the handshake's round trip
            await asyncio.gather(self._pump(reader, conn, up_w, self._up),
                                 self._pump(up_r, conn, writer, self._down), return_exceptions=True)
        except asyncio.CancelledError:
            pass  # the proxy is closing: the connection ends with it
        finally:
            for w in (writer, up_w):
                w.close()

    async def _pump(self, src: asyncio.StreamReader, conn: int, dst: asyncio.StreamWriter,
                    link: _Link) -> None:
        """Read as it comes, in packets, onto the link; the end of the stream goes after them,
        and this returns once it has arrived."""
        try:
            while data := await src.read(PACKET):
                link.send(conn, dst, data)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        ended = asyncio.get_running_loop().create_future()
        link.send(conn, dst, b"", ended)
        await ended


class CountingTransport(httpx.HTTPTransport):
    """httpx's own transport, counting requests and the photo uploads in flight at once.

    ``gate`` (optional): a ``threading.Barrier(n)`` the first n photo uploads pass before they
    are sent: they go only once n are in flight together, so a client that sends one at a time
    breaks the barrier (at its timeout) instead of passing it."""

    def __init__(self, gate: threading.Barrier | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.gate = gate
        self.requests = 0
        self.photo_puts = 0
        self.peak_photo_puts = 0
        self._in_flight = 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        photo = request.method == "PUT" and "/photos/" in request.url.path
        with self._lock:
            self.requests += 1
            if photo:
                self.photo_puts += 1
                self._in_flight += 1
                self.peak_photo_puts = max(self.peak_photo_puts, self._in_flight)
            gated = photo and self.gate is not None and self.photo_puts <= self.gate.parties
        try:
            if gated:
                try:
                    self.gate.wait()
                except threading.BrokenBarrierError:
                    pass  # later uploads pass; the test reads gate.broken
            response = super().handle_request(request)
            response.read()
            return response
        finally:
            if photo:
                with self._lock:
                    self._in_flight -= 1
