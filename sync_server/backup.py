"""``patrol-server backup`` / ``restore`` / ``check``: copies that restore, and a verdict.

A backup is a directory: the database (SQLite: ``server.db``, a consistent copy made by the
online backup API while the server serves; PostgreSQL: ``database.dump``, ``pg_dump`` of one
snapshot, photos included), for SQLite the photo files it references under ``photos/``, and
``manifest.json`` -- written last, so a directory without one is no backup -- with the hash of
every file and the row counts the copy holds. ``restore`` checks every hash before it writes
anything, and only into an empty data directory (or database); ``check`` looks at a live
installation: the database's integrity, photo rows without bytes and bytes without rows,
every photo's hash, and the derived figures recomputed from the reports.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

from .config import Settings
from .storage import PhotoFiles, SqliteStorage, open_photos, open_storage
from .storage.maintenance import counts_in, photo_rows_in

FORMAT = 1
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup that cannot be made or restored as asked; the message says why."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _empty_dir(dest: Path) -> None:
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty: a backup goes into a new directory")
    dest.mkdir(parents=True, exist_ok=True)


def backup(settings: Settings, dest: Path) -> dict:
    """Make a backup in ``dest`` (new or empty) while the server may serve; returns the manifest."""
    dest = Path(dest)
    _empty_dir(dest)
    manifest: dict = {"format": FORMAT,
                      "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    if settings.database_url:
        from .storage.pg_engine import dump

        target = dest / "database.dump"
        counts, shas = dump(settings.database_url, target,
                            lambda c: (counts_in(c), photo_rows_in(c)))
        manifest.update(backend="postgres", database={"file": target.name, "sha256": _sha256(target),
                                                      "bytes": target.stat().st_size},
                        counts=counts, photos=len(shas))
    else:
        from .storage.sqlite_engine import backup_file

        if not settings.db_path.exists():
            raise BackupError(f"no database at {settings.db_path}")
        target = dest / "server.db"
        backup_file(settings.db_path, target)
        with SqliteStorage(target) as copy:
            counts, shas = copy.counts(), sorted(copy.photo_rows())
        for side in (target.with_name(target.name + "-writer"),):
            side.unlink(missing_ok=True)
        source, kept = PhotoFiles(settings.photo_dir), PhotoFiles(dest / "photos")
        photos = {}
        for sha in shas:  # rows of the copy: each file was complete before its row was written
            data = source.read(sha)
            if hashlib.sha256(data).hexdigest() != sha:
                raise BackupError(f"photo {sha} does not hash to its name: run check")
            kept.write(sha, data)
            photos[sha] = len(data)
        manifest.update(backend="sqlite", database={"file": target.name, "sha256": _sha256(target),
                                                    "bytes": target.stat().st_size},
                        counts=counts, photos=photos)
    tmp = dest / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, dest / MANIFEST)
    return manifest


def read_manifest(src: Path) -> dict:
    path = Path(src) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{src} has no {MANIFEST}: not a (complete) backup")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r}; this server reads {FORMAT}")
    return manifest


def verify(src: Path) -> dict:
    """Every hash in the manifest against the files; returns the manifest."""
    src = Path(src)
    manifest = read_manifest(src)
    db = src / manifest["database"]["file"]
    if not db.is_file() or _sha256(db) != manifest["database"]["sha256"]:
        raise BackupError(f"{db} is missing or does not match the manifest's hash")
    if manifest["backend"] == "sqlite":
        files = PhotoFiles(src / "photos")
        for sha, size in manifest["photos"].items():
            if not files.exists(sha) or _sha256(files.path(sha)) != sha \
                    or files.path(sha).stat().st_size != size:
                raise BackupError(f"photo {sha} is missing or damaged in the backup")
    return manifest


def restore(settings: Settings, src: Path) -> dict:
    """Restore ``src`` into this (empty) installation; returns the restored counts."""
    manifest = verify(src)
    src = Path(src)
    if manifest["backend"] == "postgres":
        if not settings.database_url:
            raise BackupError("a PostgreSQL backup restores into a database: give --db URL")
        from .storage.pg_engine import restore as pg_restore

        try:
            pg_restore(settings.database_url, src / manifest["database"]["file"])
        except ValueError as exc:
            raise BackupError(str(exc)) from None
    else:
        if settings.database_url:
            raise BackupError("an SQLite backup restores into a data directory, not --db")
        if settings.db_path.exists():
            raise BackupError(f"{settings.db_path} exists: restore goes into an empty data directory")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        tmp = settings.db_path.with_name(".restoring-" + settings.db_path.name)
        shutil.copyfile(src / manifest["database"]["file"], tmp)
        files, kept = PhotoFiles(settings.photo_dir), PhotoFiles(src / "photos")
        for sha in manifest["photos"]:
            files.write(sha, kept.read(sha))
        os.replace(tmp, settings.db_path)  # last: a half-done restore leaves no database
    with open_storage(settings) as storage:
        counts = storage.counts()
    if counts != manifest["counts"]:
        raise BackupError(f"restored counts {counts} differ from the manifest's {manifest['counts']}")
    return counts


def check(settings: Settings, *, hashes: bool = True) -> list[str]:
    """Everything found wrong with the installation (empty: all is well)."""
    problems: list[str] = []
    with open_storage(settings) as storage:
        problems += [f"database: {p}" for p in storage.integrity_problems()]
        files = open_photos(settings, storage)
        rows, stored = storage.photo_rows(), files.shas()
        problems += [f"photo row without bytes: {s}" for s in sorted(rows - stored)]
        problems += [f"photo bytes without a row: {s}" for s in sorted(stored - rows)]
        if hashes:
            problems += [f"photo does not hash to its name: {s}" for s in sorted(rows & stored)
                         if hashlib.sha256(files.read(s)).hexdigest() != s]
        problems += [f"derived figures: {d}" for d in storage.figure_differences()]
    return problems
