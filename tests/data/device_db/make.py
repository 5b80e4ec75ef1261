"""Writes the device databases that tests/unit/test_store_migrations.py opens: made by the
store as it was when it ran on sqlite-utils (main at c32d087), as SQL dumps (text, reviewable).

Run from a checkout of that code (its ``patrol_app`` is the one imported):
    git worktree add --detach /tmp/old c32d087
    cd /tmp/old && python THIS_TREE/tests/data/device_db/make.py THIS_TREE/tests/data/device_db
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))

import patrol_wire as wire  # noqa: E402
from patrol_app.core.store import LocalStore, OutboxState, ItemKind, migrations  # noqa: E402
from tests.conftest import jpeg_bytes, make_report  # noqa: E402
from patrol_app.core.photos import process_photo  # noqa: E402
from sqlite_utils import Database  # noqa: E402
import sqlite3  # noqa: E402


def dump(db_path: Path, out: Path) -> None:
    conn = sqlite3.connect(db_path)
    lines = [line for line in conn.iterdump()]
    conn.close()
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        data = Path(d) / "device"
        store = LocalStore(data)
        photo = process_photo(jpeg_bytes())
        sent = wire.decode(wire.Report, make_report(1, observed_at="2026-11-01T08:00:00.000Z",
                                                    photos=[photo.sha256]))
        refused = wire.decode(wire.Report, make_report(2, observed_at="2026-11-01T09:00:00.000Z"))
        store.save_report(sent, [photo])
        store.save_report(refused)
        store.mark(ItemKind.REPORT, [sent.id], OutboxState.SENT)
        store.mark(ItemKind.REPORT, [refused.id], OutboxState.REJECTED,
                   error_code="unknown_place", error="no such place")
        store.set_meta("sync_cursor", "c1.42")
        store.close()
        dump(data / "device.db", out_dir / "main_c32d087.sql")
        print("ids:", sent.id, refused.id, "photo:", photo.sha256)

        # a device that stopped before the third migration (an app from before superseded_by)
        early = Path(d) / "early.db"
        db = Database(sqlite3.connect(early))
        migrations.apply(db, stop_before="m003_superseded")
        db.execute("INSERT INTO outbox (kind, ref, report_id, state, updated_at) VALUES "
                   "('report', 'r-1', 'r-1', 'pending', 1.0)")
        db.close()
        dump(early, out_dir / "main_c32d087_before_m003.sql")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
