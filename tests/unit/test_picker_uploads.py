"""Picked files on their way from the browser: what a killed app left half-received is
removed on the next start, and only that."""

import os
import time

from patrol_app.platform.picker import clean_uploads


def test_leftover_uploads_older_than_a_minute_are_removed_and_fresh_ones_kept(tmp_path):
    old, fresh, other = tmp_path / "a.upload", tmp_path / "b.upload", tmp_path / "notes.txt"
    for p in (old, fresh, other):
        p.write_bytes(b"x")
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    os.utime(other, (hour_ago, hour_ago))
    assert clean_uploads(tmp_path) == 1
    assert not old.exists() and fresh.exists() and other.exists()
