"""A real uvicorn server process on a free loopback port, seeded with the Hamm demo."""

from __future__ import annotations

import pytest

from tests.support.servers import free_port, server_cli, start_server


@pytest.fixture
def live_server(tmp_path):
    """Yields a controller: .url, .start(), .stop(sig) -- the data directory survives restarts."""
    data = tmp_path / "server"
    server_cli(data, "init")
    server_cli(data, "seed-demo")

    class Live:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = None

        def start(self):
            self.proc = start_server(data, self.port, tmp_path / "server.log")

        def stop(self, sig=15):
            if self.proc:
                self.proc.stop(sig)
                self.proc = None

    live = Live()
    live.data = data
    yield live
    live.stop()
