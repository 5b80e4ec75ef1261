"""Server ingest through POST /api/v1/reports/batch on a real uvicorn process (loopback).

Sends ``--total`` reports (default 1.1M, the bodies a device sends: canonical JSON) in batches
of 500 from ``--clients`` kept-alive connections, spread over the server's workers first (see
``spread_connections``), and prints the rate for every 100k, so the first 100k (empty table)
and the last 100k (1M already stored) are compared in the same run. Besides the rate it prints
the server's CPU per report, the client's share of this machine and the CPU the hypervisor took
(this VM's speed changes by half from minute to minute; compare trees in the same minutes).
``--ids uuid4`` repeats it with random ids for the B-tree comparison.
Targets: >= 20,000 reports/s with 1M stored; last 100k >= 0.8x the first.

Compare trees side by side, e.g. an older commit unpacked to /tmp/old:
    ROOT=/tmp/old .venv/bin/python bench/server_ingest.py; .venv/bin/python bench/server_ingest.py

``--db postgres`` (or ``both``, side by side in one run) stores into PostgreSQL instead: a
throwaway cluster with production durability (fsync on), or the ``postgresql://`` URL given.

Run: .venv/bin/python bench/server_ingest.py [--total 1100000] [--workers N] [--ids uuid7|uuid4|both]
     [--db sqlite|postgres|both|postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from uuid6 import uuid7

ROOT = Path(os.environ.get("ROOT") or Path(__file__).resolve().parents[1])  # the tree to serve
sys.path.insert(0, str(ROOT))
from bodies import batch_body, device_report  # noqa: E402  (bench/bodies.py)
from cpu import CpuClock, worker_cpu  # noqa: E402  (bench/cpu.py)
from tests.support.servers import free_port, start_server  # noqa: E402

BATCH = 500
CHUNK = 100_000


def spread_connections(url: str, token: str, clients: int, server_pid: int, make_body
                       ) -> list[httpx.Client]:
    """Client connections that keep every server worker busy, as a fleet of devices does.

    A kept-alive connection stays with the worker that accepted it, and which worker accepts
    is a race: with two clients on two workers, both landed on one worker in about one run of
    four (the other idle, the figure halved). So warm up: each client sends a few small batches
    and the workers' CPU is compared; when a worker did (almost) nothing, reconnect and retry.
    """
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for attempt in range(20):
        conns = [httpx.Client(base_url=url, timeout=120, headers=headers) for _ in range(clients)]
        before = worker_cpu(server_pid)

        def warm(c: httpx.Client) -> None:
            for _ in range(4):
                c.post("/api/v1/reports/batch", content=make_body(100)).raise_for_status()

        threads = [threading.Thread(target=warm, args=(c,)) for c in conns]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        used = [v - before.get(k, 0) for k, v in worker_cpu(server_pid).items()]
        if clients < len(used) or min(used) >= 0.6 * max(used):
            return conns
        for c in conns:
            c.close()
    print("  (could not spread the clients over the workers; figures are for an uneven split)")
    return [httpx.Client(base_url=url, timeout=120, headers=headers) for _ in range(clients)]


def stored_reports(data: Path, db: str | None) -> int:
    """What the server stored, read from its database (/healthz no longer counts: a liveness
    probe must not scan a million rows)."""
    from sync_server.config import Settings
    from sync_server.storage import open_storage

    with open_storage(Settings(data_dir=data, database_url=db)) as storage:
        return storage.report_count()


def batches(total: int, ids: str):
    tpl = device_report()
    make = (lambda: str(uuid7())) if ids == "uuid7" else (lambda: str(uuid.uuid4()))
    for start in range(0, total, BATCH):
        n = min(BATCH, total - start)
        yield n, batch_body(n, make, tpl)


def run(total: int, ids: str, clients: int, workers: int, db: str | None = None) -> list[float]:
    with tempfile.TemporaryDirectory() as d:
        data = Path(d)
        py = [sys.executable, "-m", "sync_server", "--data", str(data), *(["--db", db] if db else [])]
        subprocess.run([*py, "init"], check=True, capture_output=True, cwd=ROOT)
        subprocess.run([*py, "seed-demo"], check=True, capture_output=True, cwd=ROOT)
        port = free_port()
        server = (start_server(data, port, data / "server.log", workers=workers, db=db) if db
                  else start_server(data, port, data / "server.log", workers=workers))
        try:
            url = f"http://127.0.0.1:{port}"
            token = httpx.post(f"{url}/api/v1/auth/login",
                               json={"username": "kod", "password": "streife2026"}).json()["token"]
            work: queue.Queue = queue.Queue(maxsize=clients * 4)
            done = 0
            lock = threading.Lock()
            marks: list[float] = []
            errors: list[str] = []

            prepared = list(batches(total, ids))  # made before the clock starts: the client
            # shares this machine's two cores with the server and must not eat into them

            def producer() -> None:
                for item in prepared:
                    work.put(item)
                for _ in range(clients):
                    work.put(None)

            conns = spread_connections(url, token, clients, server.proc.pid, batch_body)

            def sender(c: httpx.Client) -> None:
                nonlocal done
                try:
                    while (item := work.get()) is not None:
                        n, body = item
                        r = c.post("/api/v1/reports/batch", content=body)
                        if r.status_code != 200 or any(x["status"] != "created" for x in r.json()["results"]):
                            errors.append(r.text[:300])
                        with lock:
                            before = done // CHUNK
                            done += n
                            if done // CHUNK > before:
                                marks.append(time.perf_counter())
                except Exception as exc:  # noqa: BLE001  (said below, and the run goes on)
                    errors.append(repr(exc))
                    while work.get() is not None:  # so that the producer is not left waiting
                        pass
                finally:
                    c.close()

            threads = [threading.Thread(target=producer)] + [threading.Thread(target=sender, args=(c,))
                                                            for c in conns]
            clock = CpuClock(server.proc.pid)
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - start
            cpu = clock.stop(elapsed)
            if errors:
                raise SystemExit(f"{len(errors)} failed batches, first: {errors[0]}")
            edges = [start, *marks]
            rates = [CHUNK / (b - a) for a, b in zip(edges, edges[1:])]
            stored = stored_reports(data, db)
            backend = "postgres" if db else "sqlite"
            print(f"[{backend}, {ids}, {workers} worker(s), {ROOT}] stored {stored:,} reports in {elapsed:.1f} s "
                  f"({total / elapsed:,.0f}/s overall)")
            print(f"  {cpu.server / total * 1e6:.0f} µs of server CPU per report; " + cpu.describe())
            return rates
        finally:
            server.stop()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--total", type=int, default=1_100_000)
    p.add_argument("--ids", choices=["uuid7", "uuid4", "both"], default="uuid7")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="server worker processes (default: one per core)")
    p.add_argument("--clients", type=int, default=None,
                   help="connections (default: one per worker; more measured slower here)")
    p.add_argument("--db", default="sqlite",
                   help="sqlite, postgres (a throwaway cluster), both, or a postgresql:// URL")
    p.add_argument("--smoke", action="store_true",
                   help="seconds on tiny data, the same code paths (CI runs this)")
    args = p.parse_args()
    if args.smoke:  # both backends: their code paths, tiny data
        args.total, args.workers = 2_000, 1
        args.db = "both" if args.db == "sqlite" else args.db
    args.clients = args.clients or args.workers
    backends = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    cluster = None
    for backend in backends:
        url = None
        if backend == "postgres":
            from tests.support.postgres import fresh_database, start_cluster

            cluster = cluster or start_cluster(durable=True)
        elif backend != "sqlite":
            url = backend
        try:
            for ids in (["uuid7", "uuid4"] if args.ids == "both" else [args.ids]):
                if backend == "postgres":
                    url = fresh_database(cluster)
                rates = run(args.total, ids, args.clients, args.workers, url)
                tag = f"{'sqlite' if url is None else 'postgres'}, {ids}"
                for i, r in enumerate(rates):
                    print(f"  [{tag}] reports {i * CHUNK:>9,}-{(i + 1) * CHUNK:>9,}: {r:>8,.0f} reports/s")
                if len(rates) >= 2:
                    print(f"  [{tag}] last 100k / first 100k = {rates[-1] / rates[0]:.2f} (target >= 0.80);"
                          f" last 100k rate {rates[-1]:,.0f}/s (target >= 20,000)")
        finally:
            if cluster is not None and backend == backends[-1]:
                cluster.stop()


if __name__ == "__main__":
    main()
