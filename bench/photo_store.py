"""Photo upload and download through a real server, SQLite (files in the data directory) beside
PostgreSQL (bytea rows, reachable from every instance), over HTTP on loopback.

Each backend gets its own data directory (init + seed-demo) and server process; PostgreSQL runs
as a throwaway cluster with its production durability (fsync on). The demo officer ``kod`` sends
reports listing the photos, then uploads them one after another (PUT) and reads them back (GET,
bytes compared). Photos are ~300 KB noisy JPEGs, each distinct. Printed per backend: median and
p95 ms per upload and per download, and MB/s.

Run: .venv/bin/python bench/photo_store.py [--photos 40] [--port 0] [--smoke]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.photo_memory import PER_REPORT, report  # noqa: E402
from tests.support.postgres import fresh_database, start_cluster  # noqa: E402
from tests.support.servers import free_port, server_cli, start_server  # noqa: E402

TARGET = 300 * 1024


def photos(n: int, seed: int = 1) -> list[tuple[str, bytes]]:
    """``n`` distinct JPEGs of about 300 KB (noise: a phone photo's entropy, not a flat colour)."""
    rng = __import__("random").Random(seed)
    out = []
    for _ in range(n):
        w, h = 750, 560
        img = Image.frombytes("RGB", (w, h), rng.randbytes(w * h * 3))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=82)
        data = buf.getvalue()
        out.append((hashlib.sha256(data).hexdigest(), data))
    return out


def ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"median {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def run(name: str, data: Path, db: str | None, port: int, pics: list[tuple[str, bytes]]) -> str:
    server_cli(data, "init", db=db)
    server_cli(data, "seed-demo", db=db)
    proc = start_server(data, port, data.parent / f"{name}.log", db=db)
    try:
        url = f"http://127.0.0.1:{port}/api/v1"
        with httpx.Client(timeout=60) as c:
            token = c.post(f"{url}/auth/login", json={"username": "kod", "password": "streife2026"}
                           ).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            shas = [s for s, _ in pics]
            reports = [report(shas[i:i + PER_REPORT]) for i in range(0, len(shas), PER_REPORT)]
            r = c.post(f"{url}/reports/batch", json={"reports": reports}, headers=auth)
            assert r.status_code == 200, r.text
            up, down = [], []
            for sha, body in pics:
                t = time.perf_counter()
                r = c.put(f"{url}/photos/{sha}", content=body,
                          headers={**auth, "Content-Type": "image/jpeg"})
                up.append(time.perf_counter() - t)
                assert r.status_code == 201, r.text
            for sha, body in pics:
                t = time.perf_counter()
                r = c.get(f"{url}/photos/{sha}", headers=auth)
                down.append(time.perf_counter() - t)
                assert r.status_code == 200 and r.content == body, r.status_code
    finally:
        proc.stop()
    mb = sum(len(b) for _, b in pics) / 1e6
    return (f"{name}: {len(pics)} photos, {mb / len(pics) * 1000:.0f} KB each\n"
            f"  upload   {ms(up)}, {mb / sum(up):.1f} MB/s\n"
            f"  download {ms(down)}, {mb / sum(down):.1f} MB/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=40)
    ap.add_argument("--port", type=int, default=0, help="first port (default: free ones)")
    ap.add_argument("--smoke", action="store_true", help="3 photos, the same code paths")
    args = ap.parse_args()
    pics = photos(3 if args.smoke else args.photos)
    cluster = start_cluster(durable=True)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-photo-store-") as d:
            ports = [args.port, args.port + 1] if args.port else [free_port(), free_port()]
            print(run("sqlite", Path(d) / "sqlite", None, ports[0], pics), flush=True)
            print(run("postgres", Path(d) / "postgres", fresh_database(cluster), ports[1], pics))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
