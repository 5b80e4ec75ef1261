"""A throwaway PostgreSQL cluster for the tests: Debian's server binaries, a temporary directory,
a free loopback port, removed again when the test session ends.

``PATROL_TEST_PG_URL`` (a ``postgresql://`` URL of a server the tests may create databases on)
skips all of this. Otherwise ``initdb`` and ``pg_ctl`` come from ``/usr/lib/postgresql/*/bin``
(Debian's ``postgresql`` package, which ``scripts/test.sh`` installs when it is missing) or
from ``PATH``. PostgreSQL refuses to run as root, so under root the cluster runs as the
unprivileged ``postgres`` user the Debian package creates (or ``nobody``).

Durability is switched off (``fsync``, ``synchronous_commit``, ``full_page_writes``): a test
cluster never outlives a crash, and this keeps the suite's PostgreSQL half fast. The benches
use their own cluster with production settings.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from .servers import free_port

FAST_TEST_SETTINGS = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                      " -c max_connections=200")


class PostgresUnavailable(RuntimeError):
    """No server binaries and no PATROL_TEST_PG_URL: say how to get either."""


def server_binaries() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``, newest major version first."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[4]) if Path(p).parts[4].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise PostgresUnavailable(
        "PostgreSQL's server binaries are missing: install Debian's 'postgresql' package "
        "(scripts/test.sh does) or set PATROL_TEST_PG_URL to a server the tests may use")


def _run_as() -> str | None:
    """The unprivileged user to run the cluster as when we are root (else None: ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise PostgresUnavailable("running as root and no unprivileged user to run PostgreSQL as")


@dataclass
class Cluster:
    """A running server: ``url`` names its maintenance database ``postgres``."""

    url: str
    directory: Path | None = None
    pg_ctl: Path | None = None
    user: str | None = None

    def database_url(self, name: str) -> str:
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def stop(self) -> None:
        if self.directory is None:
            return
        subprocess.run([str(self.pg_ctl), "-D", str(self.directory / "data"), "-m", "immediate",
                        "-w", "stop"], user=self.user, capture_output=True, timeout=60)
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = None


def start_cluster(*, durable: bool = False) -> Cluster:
    """A fresh cluster on a free loopback port (or the server PATROL_TEST_PG_URL names).
    ``durable``: PostgreSQL's production defaults (fsync on), for benches."""
    given = os.environ.get("PATROL_TEST_PG_URL")
    if given and not durable:
        return Cluster(url=given)
    bin_dir = server_binaries()
    user = _run_as()
    top = Path(tempfile.mkdtemp(prefix="patrol-pg-"))
    data, sockets = top / "data", top / "run"
    sockets.mkdir()
    if user is not None:
        info = pwd.getpwnam(user)
        for path in (top, sockets):
            os.chown(path, info.pw_uid, info.pw_gid)
    port = free_port()
    log = top / "server.log"
    try:
        subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", "patrol", "-A", "trust",
                        "-E", "UTF8", "--no-locale", "--no-sync"], user=user, check=True,
                       capture_output=True, timeout=120)
        settings = "-c max_connections=200" if durable else FAST_TEST_SETTINGS
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 {settings}"
        subprocess.run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
                        "-w", "-t", "60", "start"], user=user, check=True, capture_output=True,
                       timeout=90)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        server_log = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        shutil.rmtree(top, ignore_errors=True)
        raise PostgresUnavailable(f"could not start a test cluster: {exc}\n"
                                  f"{detail.decode(errors='replace')}\n{server_log}") from exc
    return Cluster(url=f"postgresql://patrol@127.0.0.1:{port}/postgres", directory=top,
                   pg_ctl=bin_dir / "pg_ctl", user=user)


def fresh_database(cluster: Cluster) -> str:
    """A new, empty database on the cluster; returns its URL (dropped with the cluster)."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(cluster.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    return cluster.database_url(name)
