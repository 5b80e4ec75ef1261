"""The device process killed (SIGKILL) while it saves reports with photos, again and again:
each report exists with all its outbox entries and photo files, or not at all, and the store
opens cleanly afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from patrol_app.core.store import LocalStore

pytestmark = pytest.mark.timeout(180)

SAVER = r"""
import io, sys
from PIL import Image
from patrol_app.core.checks import CheckDraft, build_report
from patrol_app.core.photos import process_photo
from patrol_app.core.store import LocalStore
from datetime import datetime, timezone
store = LocalStore(sys.argv[1])
i = int(sys.argv[2])
print("ready", flush=True)
while True:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (i % 256, 90, 30)).save(buf, "JPEG")
    draft = CheckDraft(place=None, no_fix_reason="drinnen", note=f"kill test {i}")
    draft.add_photo(process_photo(buf.getvalue()))
    store.save_report(build_report(draft, team_id=None, now=datetime.now(timezone.utc)), draft.photos)
    i += 1
"""


def test_kill_during_saves_leaves_whole_reports_or_none(tmp_path):
    data = tmp_path / "device"
    root = Path(__file__).resolve().parents[2]
    for round_ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", SAVER, str(data), str(round_ * 10_000)],
                                cwd=root, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(root)})
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(0.4 + 0.15 * round_)  # somewhere in the middle of some save
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)

        store = LocalStore(data)  # opens cleanly, recovers what was 'sending'
        try:
            db = store.db
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            reports = {r[0] for r in db.execute("SELECT id FROM reports")}
            queued = {r[0] for r in db.execute("SELECT ref FROM outbox WHERE kind = 'report'")}
            assert reports == queued and reports  # every report with its entry, no entry alone
            for rid, sha in db.execute("SELECT report_id, sha256 FROM report_photos").fetchall():
                assert rid in reports
                (path,) = db.execute("SELECT path FROM photos WHERE sha256 = ?", [sha]).fetchone()
                assert db.execute("SELECT 1 FROM outbox WHERE kind = 'photo' AND ref = ?",
                                  [sha]).fetchone()
                full = Path(path) if Path(path).is_absolute() else data / path
                assert full.is_file() and full.stat().st_size > 0
            with_photo = {r[0] for r in db.execute("SELECT DISTINCT report_id FROM report_photos")}
            assert with_photo == reports  # each saved report kept its photo
        finally:
            store.close()
