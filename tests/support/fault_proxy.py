"""A TCP proxy on loopback that can lose answers: the request reaches the server, the reply never
reaches the client. That is the case idempotent uploads exist for.

Runs its own asyncio loop in a thread; ``drop_responses`` counts how many answers to swallow.
"""

from __future__ import annotations

import asyncio
import threading


class FaultProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.drop_responses = 0
        self.dropped = 0
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
        self._loop.run_forever()
        server.close()
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        drop = self.drop_responses > 0
        if drop:
            self.drop_responses -= 1

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, swallow: bool) -> None:
            try:
                while data := await src.read(65536):
                    if swallow:
                        self.dropped += 1
                        break  # the server answered; the client never hears it
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                for w in (dst, writer if swallow else dst):
                    try:
                        w.close()
                    except Exception:
                        pass

        await asyncio.gather(pump(reader, up_w, False), pump(up_r, writer, drop))
