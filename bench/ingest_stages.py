"""Where the server's ingest time goes, per report, in one process (no HTTP, no client).

Runs the batch endpoint's steps on device-canonical batches of 500 against a real store (the
app built, its collector settled as in ``serve``) and prints microseconds per report for each
step, plus how long the write lock was held -- the part other workers must wait for.

Machines like this one (a VM) change speed by half from minute to minute, so compare trees side
by side in the same minutes, e.g. an older commit unpacked beside this tree:

    mkdir /tmp/old && git archive <rev> | tar -x -C /tmp/old
    ROOT=/tmp/old .venv/bin/python bench/ingest_stages.py; .venv/bin/python bench/ingest_stages.py

Run: .venv/bin/python bench/ingest_stages.py [--reports 100000]
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(os.environ.get("ROOT") or Path(__file__).resolve().parents[1])
sys.path.insert(0, str(ROOT))

import patrol_wire as wire  # noqa: E402
from bodies import batch_body, device_report  # noqa: E402  (bench/bodies.py)

from sync_server.app import create_app  # noqa: E402
from sync_server.config import Settings  # noqa: E402
from sync_server.ingest import Ingestor  # noqa: E402
from sync_server.storage import SqliteStorage  # noqa: E402

class LockClock:
    """The write connection, timed from BEGIN to the end of COMMIT."""

    def __init__(self, conn) -> None:
        self.conn, self.held, self._t0 = conn, 0.0, 0.0

    def execute(self, sql, *args):
        t = time.perf_counter()
        if sql == "BEGIN IMMEDIATE":
            self._t0 = t
        out = self.conn.execute(sql, *args)
        if sql == "COMMIT":
            self.held += time.perf_counter() - self._t0
        return out

    def __getattr__(self, name):
        return getattr(self.conn, name)


SKEW = timedelta(seconds=0.4)  # a phone clock within the tolerance: the common case
TAKES_SKEW = "skew" in inspect.signature(Ingestor.prepare).parameters  # older trees: no clock


def parse(raw: bytes) -> tuple[list, list | None]:
    """The batch endpoint's first step, in whichever tree runs: (items, their canonical texts).

    This tree decodes each item with msgspec (``wire.decode_batch``); an older one had the
    recogniser for canonical batches (``wire.canonical_batch``) or parsed and normalized each
    report in full."""
    if hasattr(wire, "decode_batch"):
        return wire.decode_batch(raw), None
    fn = getattr(wire, "canonical_batch", None)
    known = None if fn is None else fn(raw, wire.Report, "reports", wire.MAX_BATCH)
    if known is not None:
        return known
    return wire.decode(wire.BatchRequest, wire.parse_json(raw)).reports, None


def check(ingestor, items, texts, now):
    extra = {"skew": SKEW} if TAKES_SKEW else {}  # what devices send (X-Device-Time)
    if hasattr(wire, "decode_batch"):
        return [ingestor.prepare(x.report, now=now, text=x.text, **extra) for x in items]
    if texts is None:
        return [ingestor.prepare(item, now=now, **extra) for item in items]
    return [ingestor.prepare(item, now=now, canonical=t, **extra) for item, t in zip(items, texts)]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--reports", type=int, default=100_000)
    p.add_argument("--smoke", action="store_true",
                   help="seconds on tiny data, the same code paths (CI runs this)")
    args = p.parse_args()
    n = (1_000 if args.smoke else args.reports) // 500 * 500
    with tempfile.TemporaryDirectory() as d:
        data = Path(d)
        for cmd in ("init", "seed-demo"):
            subprocess.run([sys.executable, "-m", "sync_server", "--data", d, cmd], check=True,
                           capture_output=True, cwd=ROOT)
        settings = Settings(data_dir=data)
        create_app(settings)  # the server's heap, for the collector to walk
        try:
            from sync_server.app import settle_heap
            settle_heap()
        except ImportError:  # an older tree
            pass
        storage = SqliteStorage(settings.db_path)
        if hasattr(storage, "start_serving"):  # as the served app does
            storage.start_serving()
        elif hasattr(storage, "start_maintenance"):  # an older tree
            storage.start_maintenance()
        holder = getattr(storage, "db", storage)  # the engine (older trees: the storage itself)
        attr = "write_conn" if hasattr(holder, "write_conn") else "_write_conn"
        clock = LockClock(getattr(holder, attr))
        setattr(holder, attr, clock)
        ingestor = Ingestor(storage, settings)
        author, _ = storage.user_by_name("kod")
        tpl = device_report()
        bodies = [batch_body(500, template=tpl) for _ in range(n // 500)]
        spent = dict.fromkeys(["parse", "check", "store", "answer"], 0.0)
        if not hasattr(wire, "decode_batch") and parse(bodies[0])[1] is None:
            print("  (this tree parses and normalizes every report in full)")
        start = time.perf_counter()
        for raw in bodies:
            t0 = time.perf_counter()
            items, texts = parse(raw)  # as the batch endpoint does
            t1 = time.perf_counter()
            now = datetime.now(timezone.utc)
            ingestor.refresh_places()
            prepared = check(ingestor, items, texts, now)
            t2 = time.perf_counter()
            receipts = ingestor.store(items, prepared, author=author, now=now)
            t3 = time.perf_counter()
            json.dumps({"results": [r if isinstance(r, dict) else wire.encode(r) for r in receipts]})
            t4 = time.perf_counter()
            for k, a, b in (("parse", t0, t1), ("check", t1, t2), ("store", t2, t3), ("answer", t3, t4)):
                spent[k] += b - a
        total = time.perf_counter() - start
        storage.close()
    per = {k: v / n * 1e6 for k, v in spent.items()}
    print(f"{n:,} reports in batches of 500 ({ROOT}):")
    print("  µs per report: " + ", ".join(f"{k} {v:.1f}" for k, v in per.items())
          + f"; total {total / n * 1e6:.1f} ({n / total:,.0f} reports/s in one process)")
    print(f"  write lock held: {clock.held / n * 1e6:.1f} µs per report"
          f" ({clock.held / total:.0%} of the time)")


if __name__ == "__main__":
    main()
