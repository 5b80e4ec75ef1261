"""``backup`` while reports keep arriving, ``restore`` into an empty installation, ``check``:
on both backends. The copy is one consistent moment: every report in it whole and as stored,
every photo hash right, the audit log a prefix of the original's, the derived figures equal to
the ones recomputed from its reports."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time

import pytest
from PIL import Image

import patrol_wire as wire
from sync_server.backup import BackupError, backup, check, restore
from sync_server.cli import main
from sync_server.config import Settings
from sync_server.storage import NewReport, open_photos, open_storage
from tests.conftest import FAST_KDF, add_place, add_user, ts


def photo(i: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (i % 256, (i * 7) % 256, 90)).save(out, "JPEG")
    return out.getvalue()


def new_report(i: int, photos: list[str]) -> NewReport:
    body = json.dumps({"id": f"r-{i:06d}", "note": f"report {i}", "photos": photos},
                      separators=(",", ":"))
    return NewReport(id=f"r-{i:06d}", content_hash=hashlib.sha256(body.encode()).hexdigest(),
                     body=body, place_id="pg-1" if i % 3 else None, team_id=None,
                     observed_at=ts(-3600 * (i % 50)), lat=51.68, lon=7.82, accuracy_m=8.0,
                     device_verdict="on_site", server_verdict="on_site", server_distance_m=5.0,
                     severity="low", visibility="cooperation" if i % 2 else "agency",
                     photos=photos, findings_mask=i % 8, n_findings=bin(i % 8).count("1"),
                     n_measures=i % 2)


class Writer:
    """Reports (every fifth with a photo) in batches of 40, as the API stores them."""

    def __init__(self, storage, files, author) -> None:
        self.storage, self.files, self.author, self.n = storage, files, author, 0

    def batch(self) -> None:
        reports = []
        for _ in range(40):
            shas = []
            if self.n % 5 == 0:
                data = photo(self.n)
                sha = hashlib.sha256(data).hexdigest()
                self.files.write(sha, data)  # bytes first, then the row: as PUT /photos does
                shas.append(sha)
            reports.append((new_report(self.n, shas), shas, data if shas else b""))
            self.n += 1
        self.storage.ingest_reports([r for r, _, _ in reports], author=self.author,
                                    received_at=ts())
        for r, shas, data in reports:
            for sha in shas:
                self.storage.add_photo(sha256=sha, size=len(data), width=64, height=48, fmt="JPEG",
                                       uploaded_by=self.author.id, received_at=ts(),
                                       actor=self.author.username)


def empty_twin(settings: Settings, tmp_path, request) -> Settings:
    """Another installation on the same backend, empty."""
    url = None
    if settings.database_url:
        from tests.support.postgres import fresh_database

        url = fresh_database(request.getfixturevalue("pg_cluster"))
    return Settings(data_dir=tmp_path / "restored", kdf=FAST_KDF, database_url=url)


def manifest_photo_rows(settings: Settings) -> set[str]:
    with open_storage(settings) as restored:
        return restored.photo_rows()


def rows(storage, sql: str) -> list[tuple]:
    return [tuple(r) for r in storage.db.query(sql)]


def test_a_backup_made_during_ingest_restores_one_consistent_moment(storage, settings, tmp_path,
                                                                     request):
    author = add_user(storage, "officer")
    add_place(storage)
    files = open_photos(settings, storage)
    writer = Writer(storage, files, author)
    for _ in range(5):
        writer.batch()
    stop, failures = threading.Event(), []

    def keep_writing() -> None:
        try:
            while not stop.is_set():
                writer.batch()
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        while writer.n < 400:
            time.sleep(0.01)
        manifest = backup(settings, tmp_path / "backup")
    finally:
        stop.set()
        thread.join(30)
    assert not failures, failures
    writer.batch()  # and more after the backup

    twin = empty_twin(settings, tmp_path, request)
    counts = restore(twin, tmp_path / "backup")
    assert counts == manifest["counts"]
    assert 200 <= counts["reports"] < writer.n  # ingest went on while the copy was made
    with open_storage(twin) as restored:
        original = {r[0]: r for r in rows(storage, "SELECT id, body, content_hash, observed_at,"
                                                   " agency, visibility FROM reports")}
        copied = rows(restored, "SELECT id, body, content_hash, observed_at, agency, visibility"
                                " FROM reports")
        assert len(copied) == counts["reports"]
        assert all(original[r[0]] == r for r in copied)  # each whole, as stored
        audit_sql = "SELECT id, at, actor, action, object_type, object_id, detail FROM audit ORDER BY id"
        assert rows(restored, audit_sql) == [a for a in rows(storage, audit_sql)
                                             if a[0] <= manifest["counts"]["last_audit_id"]]
        restored_files = open_photos(twin, restored)
        for (sha,) in rows(restored, "SELECT sha256 FROM photos"):
            assert hashlib.sha256(restored_files.read(sha)).hexdigest() == sha
    # integrity, photos both ways, derived figures recomputed. On PostgreSQL the snapshot also
    # holds the bytes of uploads whose row came after it (bytes go first): those alone may show
    later = storage.photo_rows() - set(manifest_photo_rows(twin))
    assert [p for p in check(twin) if p.removeprefix("photo bytes without a row: ") not in later] == []
    with pytest.raises(BackupError, match="empty"):
        restore(twin, tmp_path / "backup")  # never over an installation that has data


def test_a_damaged_backup_is_refused_before_anything_is_written(storage, settings, tmp_path,
                                                                 request):
    author = add_user(storage, "officer")
    add_place(storage)
    Writer(storage, open_photos(settings, storage), author).batch()
    manifest = backup(settings, tmp_path / "backup")
    damaged = tmp_path / "backup" / manifest["database"]["file"]
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one bit flip's worth of damage, mid-file
    damaged.write_bytes(bytes(data))
    twin = empty_twin(settings, tmp_path, request)
    with pytest.raises(BackupError, match="does not match"):
        restore(twin, tmp_path / "backup")
    assert not twin.db_path.exists()
    with pytest.raises(BackupError, match="not empty"):
        backup(settings, tmp_path / "backup")


def test_check_finds_missing_photos_orphans_and_wrong_figures(storage, settings, tmp_path):
    author = add_user(storage, "officer")
    add_place(storage)
    files = open_photos(settings, storage)
    Writer(storage, files, author).batch()
    db = ["--data", str(settings.data_dir)] + (["--db", settings.database_url]
                                               if settings.database_url else [])
    assert main([*db, "check"]) == 0
    (gone, *_) = sorted(storage.photo_rows())
    files.delete(gone)
    files.write("0" * 64, b"stray")
    with storage.db.tx() as c:
        c.execute("UPDATE day_stats SET checks = checks + 1 WHERE place_id = 'pg-1'")
    problems = check(settings)
    assert f"photo row without bytes: {gone}" in problems
    assert f"photo bytes without a row: {'0' * 64}" in problems
    assert any(p.startswith("derived figures: day_stats") for p in problems)
    assert main([*db, "check"]) == 1
