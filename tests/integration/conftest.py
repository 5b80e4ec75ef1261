"""A real uvicorn server process on a free loopback port, seeded with the Hamm demo."""

from __future__ import annotations

import pytest

from tests.support.servers import free_port, server_cli, start_server


@pytest.fixture
def server_db(backend, request) -> str | None:
    """The live server's PostgreSQL database (a fresh one), or None: SQLite in its data dir."""
    return request.getfixturevalue("pg_url") if backend == "postgres" else None


@pytest.fixture
def live_server(tmp_path, server_db):
    """Yields a controller: .url, .start(), .stop(sig) -- the data directory (and database)
    survive restarts."""
    data = tmp_path / "server"
    server_cli(data, "init", db=server_db)
    server_cli(data, "seed-demo", db=server_db)

    class Live:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = None

        def start(self):
            self.proc = start_server(data, self.port, tmp_path / "server.log", db=server_db)

        def stop(self, sig=15):
            if self.proc:
                self.proc.stop(sig)
                self.proc = None

    live = Live()
    live.data = data
    live.db = server_db
    yield live
    live.stop()
