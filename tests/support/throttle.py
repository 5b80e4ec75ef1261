"""A slow mobile link on loopback: a TCP proxy with a bandwidth and a one-way latency.

Each direction is one shared link (a phone has one uplink, whatever number of connections it
opens): a chunk occupies the link for len*8/rate seconds after the chunks queued before it,
from any connection, and arrives ``latency_s`` after it has been sent. A new connection waits
one round trip first (the TCP handshake). Chunks are packet-sized (1,500 bytes), so store and
forward adds ~12 ms at 1 Mbit/s, not a whole buffer's worth. Not modelled: TCP slow start,
loss, a radio's wake-up.

Counts the bytes each way and the connections. Runs its own asyncio loop in a thread; use it as
a context manager. ``CountingTransport`` counts on the client's side: requests, and photo
uploads in flight at once.
"""

from __future__ import annotations

import asyncio
import threading
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
    """One direction: when each chunk is through, serialised in arrival order."""

    def __init__(self, rate_bps: float, latency_s: float) -> None:
        self.rate_bps = rate_bps
        self.latency_s = latency_s
        self.free_at = 0.0
        self.bytes = 0

    def arrival(self, now: float, n: int) -> float:
        start = max(now, self.free_at)
        self.free_at = start + n * 8 / self.rate_bps
        self.bytes += n
        return self.free_at + self.latency_s


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
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        try:
            await asyncio.sleep(self.profile.rtt_s)  # SYN, SYN-ACK: the handshake's round trip
            await asyncio.gather(self._pump(reader, up_w, self._up),
                                 self._pump(up_r, writer, self._down), return_exceptions=True)
        except asyncio.CancelledError:
            pass  # the proxy is closing: the connection ends with it
        finally:
            for w in (writer, up_w):
                w.close()

    async def _pump(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, link: _Link) -> None:
        """Read as it comes, deliver each chunk when the link has carried it."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                at, data = await queue.get()
                delay = at - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                if not data:
                    if dst.can_write_eof():
                        dst.write_eof()
                    return
                dst.write(data)
                await dst.drain()

        sender = asyncio.create_task(deliver())
        last = loop.time()
        try:
            while data := await src.read(PACKET):
                last = link.arrival(loop.time(), len(data))
                queue.put_nowait((last, data))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        queue.put_nowait((max(last, loop.time() + link.latency_s), b""))  # the FIN, in order
        try:
            await sender
        except (ConnectionError, OSError):
            pass


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
