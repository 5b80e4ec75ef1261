"""The device's local store: reports, their outbox, photos and the reference data pulled last.

The one promise: what the officer saved survives. A report and its outbox entries are written in
one SQLite transaction (WAL, synchronous=FULL), photo files are written (temp file, fsync,
rename) before that transaction, and nothing is deleted before the server confirmed it. A
report the server refused stays, with the reason, until the officer sends it again or saves a
correction that supersedes it (then it is kept, marked, and never sent). Only files no row
refers to -- left by a killed app between its photo write and its commit -- are cleaned up.

One store is shared by the UI and the sync worker thread, so every call takes a lock.

It runs on the standard library's sqlite3 with a small migration runner (``store_schema``), not on
sqlite-utils: the store's SQL is hand-written, and sqlite-utils was used for three calls
(``execute``, ``atomic()``, ``Migrations``) while it brought click, click-default-group, pluggy,
python-dateutil, tzdata, sqlite-fts4, tabulate and pip into the phone's bundle -- 9 packages,
8.3 MB of the 37.0 MB the app's closure installs (28.7 MB, 21 packages, without them; measured by
tests/unit/test_phone_bundle.py with ``-s``). The server keeps sqlite-utils (its extra). The
runner keeps sqlite-utils' bookkeeping exactly -- the ``_sqlite_migrations`` table, its
index, the set name ``patrol_app.store`` and the migrations' names -- so a device database
made by earlier app versions opens as it is and new ones are the same schema
(tests/unit/test_store_migrations.py opens databases made by that code).
"""

from __future__ import annotations

import enum
import json
import os
import sqlite3
import threading
import time
from datetime import date, datetime, tzinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import patrol_wire as wire
from patrol_wire import Assignment, Checklist, District, Place, Report, Team

from .photos import ProcessedPhoto
from .store_schema import Db, _atomic, apply_migrations


class OutboxState(str, enum.Enum):
    PENDING = "pending"  # waiting to be sent
    SENDING = "sending"  # handed to the network; back to pending if we crash meanwhile
    SENT = "sent"  # the server confirmed it
    FAILED = "failed"  # a transient failure; retried after next_attempt_at
    REJECTED = "rejected"  # the server refused it; reason kept; the officer resends or corrects it
    SUPERSEDED = "superseded"  # refused, then replaced by a correction (superseded_by): never sent


class ItemKind(str, enum.Enum):
    REPORT = "report"
    PHOTO = "photo"


class StoreError(RuntimeError):
    """A store failure an officer must hear about (message in plain German)."""


class StorageFullError(StoreError):
    pass


@dataclass(frozen=True, slots=True)
class OutboxItem:
    seq: int
    kind: ItemKind
    ref: str  # report id or photo sha256
    report_id: str
    state: OutboxState
    attempts: int
    error_code: str | None
    error: str | None
    next_attempt_at: float
    updated_at: float
    superseded_by: str | None = None  # the correction that replaced this refused report


_COLUMNS = ("seq, kind, ref, report_id, state, attempts, error_code, error, next_attempt_at,"
            " updated_at, superseded_by")
_O_COLUMNS = ", ".join(f"o.{c.strip()}" for c in _COLUMNS.split(","))
ORPHAN_AGE_S = 60.0  # a photo file younger than this may belong to a save in progress


_REF_KINDS: dict[str, type] = {
    "district": District,
    "place": Place,
    "checklist": Checklist,
    "team": Team,
    "assignment": Assignment,
    "query": wire.Query,
    "agency": wire.Agency,
    "operation": wire.Operation,
}


class LocalStore:
    """The device's SQLite store. ``data_dir`` holds ``device.db`` and ``photos/``."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.data_dir = Path(data_dir)
        self.photo_dir = self.data_dir / "photos"
        self.photo_dir.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.data_dir / "device.db", check_same_thread=False,
                                  isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self._lock = threading.RLock()
        self._agencies: dict[str, wire.Agency] | None = None
        with self._lock:
            apply_migrations(self.db)
            self.recover_interrupted()
            self.remove_orphan_files()

    def close(self) -> None:
        with self._lock:
            self.db.close()

    # ------------------------------------------------------------ saving

    def save_report(self, report: Report, photos: Iterable[ProcessedPhoto] = (), *,
                    supersedes: str | None = None) -> None:
        """Persist a report, its photos and their outbox entries; all or nothing.

        ``supersedes``: a refused report this one corrects; it is marked superseded in the same
        transaction (StoreError if it is no longer refused: resent meanwhile)."""
        photos = list(photos)
        if sorted(p.sha256 for p in photos) != sorted(report.photos):
            raise ValueError("the report's photo list and the photos given differ")
        now = time.time()
        body = wire.canonical_json(report).decode("utf-8")
        try:
            paths = {p.sha256: self._write_photo_file(p) for p in photos}
            with self._lock, self._atomic() as db:
                db.execute(
                    "INSERT INTO reports (id, body, place_id, observed_at, saved_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [report.id, body, report.place_id, report.observed_at, now],
                )
                self._enqueue(db, ItemKind.REPORT, report.id, report.id, now)
                if supersedes is not None and db.execute(
                        "UPDATE outbox SET state = ?, superseded_by = ?, updated_at = ?"
                        " WHERE kind = 'report' AND ref = ? AND state = ?",
                        [OutboxState.SUPERSEDED.value, report.id, now, supersedes,
                         OutboxState.REJECTED.value]).rowcount != 1:
                    raise _NotRefused(supersedes)
                for p in photos:
                    db.execute(
                        "INSERT OR IGNORE INTO photos (sha256, path, size, width, height)"
                        " VALUES (?, ?, ?, ?, ?)",
                        [p.sha256, str(paths[p.sha256]), len(p.data), p.width, p.height],
                    )
                    db.execute(
                        "INSERT OR IGNORE INTO report_photos (report_id, sha256) VALUES (?, ?)",
                        [report.id, p.sha256],
                    )
                    self._enqueue(db, ItemKind.PHOTO, p.sha256, report.id, now)
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"Bericht {report.id} ist bereits gespeichert.") from exc
        except _NotRefused as exc:
            raise StoreError("Der abgelehnte Bericht wurde inzwischen erneut gesendet; die "
                             "Korrektur wurde nicht gespeichert.") from exc
        except (sqlite3.OperationalError, OSError) as exc:
            if _is_disk_full(exc):
                raise StorageFullError(
                    "Der Speicher des Geräts ist voll. Der Bericht wurde nicht gespeichert; "
                    "bereits gespeicherte Berichte bleiben erhalten. Bitte Platz schaffen."
                ) from exc
            raise

    def _enqueue(self, db: Db, kind: ItemKind, ref: str, report_id: str, now: float) -> None:
        """A new outbox entry; a photo held back with a refused report goes again with this
        one (a correction, or another check with the same picture)."""
        db.execute(
            "INSERT INTO outbox (kind, ref, report_id, state, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (kind, ref) DO UPDATE SET state = excluded.state, error_code = NULL,"
            " error = NULL, report_id = excluded.report_id, updated_at = excluded.updated_at"
            " WHERE outbox.state = 'rejected' AND outbox.error_code = 'report_rejected'",
            [kind.value, ref, report_id, OutboxState.PENDING.value, now],
        )

    def _write_photo_file(self, photo: ProcessedPhoto) -> Path:
        path = self.photo_dir / f"{photo.sha256}.jpg"
        if path.exists() and path.stat().st_size == len(photo.data):
            return path
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with open(tmp, "wb") as fh:
            fh.write(photo.data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return path

    # ------------------------------------------------------------ reading reports

    def get_report(self, report_id: str) -> Report | None:
        with self._lock:
            row = self.db.execute("SELECT body FROM reports WHERE id = ?", [report_id]).fetchone()
        return None if row is None else wire.decode(Report, json.loads(row[0]))

    def report_bodies(self, report_ids: list[str]) -> list[str]:
        """Stored wire bodies (canonical JSON text) in the order asked, in one query (KeyError
        for an unknown id)."""
        with self._lock:
            rows = dict(self.db.execute(
                f"SELECT id, body FROM reports WHERE id IN ({','.join('?' * len(report_ids))})",
                report_ids).fetchall()) if report_ids else {}
        return [rows[rid] for rid in report_ids]

    def checks_since(self, since: str) -> list[tuple[str, str, str]]:
        """(place_id, observed_at, device verdict) of reports observed at or after ``since``."""
        with self._lock:
            return self.db.execute(
                "SELECT place_id, observed_at, json_extract(body, '$.presence.verdict')"
                " FROM reports WHERE place_id IS NOT NULL AND observed_at >= ?", [since]).fetchall()

    def history(self, *, since: str | None = None, until: str | None = None, place_query: str = "",
                state: OutboxState | None = None, limit: int = 200,
                offset: int = 0) -> list[tuple[dict, OutboxState]]:
        """My reports newest first with their outbox state, observed in [since, until) (UTC
        wire timestamps: a local day is a UTC range); ``place_query`` matches place id or name.
        ``limit``/``offset``: one page of them."""
        sql = ("SELECT r.body, o.state FROM reports r JOIN outbox o ON o.kind = 'report'"
               " AND o.ref = r.id LEFT JOIN ref_data p ON p.kind = 'place' AND p.id = r.place_id"
               " WHERE 1 = 1")
        params: list[Any] = []
        if since:
            sql += " AND r.observed_at >= ?"
            params.append(since)
        if until:
            sql += " AND r.observed_at < ?"
            params.append(until)
        if place_query.strip():
            sql += " AND (r.place_id LIKE ? OR json_extract(p.body, '$.name') LIKE ?)"
            like = f"%{place_query.strip()}%"
            params += [like, like]
        if state is not None:
            sql += " AND o.state = ?"
            params.append(state.value)
        with self._lock:
            rows = self.db.execute(sql + " ORDER BY r.id DESC LIMIT ? OFFSET ?",
                                   [*params, limit, offset]).fetchall()
        return [(json.loads(body), OutboxState(st)) for body, st in rows]

    def amended_at(self) -> dict[str, str]:
        """For each report this device amended: when it last did (answers to queries)."""
        with self._lock:
            rows = self.db.execute(
                "SELECT json_extract(body, '$.amends') AS target, max(observed_at) FROM reports"
                " WHERE target IS NOT NULL GROUP BY target").fetchall()
        return dict(rows)

    def report_days(self, tz: tzinfo | None = None) -> list[date]:
        """The local days (``tz``, default the device's zone) with reports, newest first. Read
        as UTC hours -- a few hundred rows however many reports -- then turned into days."""
        with self._lock:
            rows = self.db.execute("SELECT DISTINCT substr(observed_at, 1, 13) FROM reports").fetchall()
        days = {datetime.fromisoformat(h + ":00:00+00:00").astimezone(tz).date() for (h,) in rows}
        return sorted(days, reverse=True)

    def saved_at(self, report_id: str) -> float | None:
        """When the report was saved on this device (its own clock, epoch seconds)."""
        with self._lock:
            row = self.db.execute("SELECT saved_at FROM reports WHERE id = ?", [report_id]).fetchone()
        return None if row is None else row[0]

    def report_count(self) -> int:
        with self._lock:
            return self.db.execute("SELECT count(*) FROM reports").fetchone()[0]

    def photos_of(self, report_id: str) -> list[ProcessedPhoto]:
        """The processed photos a stored report lists, in its order (for a correction)."""
        with self._lock:
            rows = {r[0]: r[1:] for r in self.db.execute(
                "SELECT p.sha256, p.path, p.width, p.height FROM report_photos rp JOIN photos p"
                " ON p.sha256 = rp.sha256 WHERE rp.report_id = ?", [report_id])}
        report = self.get_report(report_id)
        order = report.photos if report else list(rows)
        return [ProcessedPhoto(self._photo_path(sha, rows[sha][0]).read_bytes(), sha,
                               rows[sha][1], rows[sha][2]) for sha in order if sha in rows]

    def _photo_path(self, sha256: str, stored: str) -> Path:
        """Where a photo file is: its stored path, or by name in this store's photo folder
        (the data folder may have moved)."""
        path = Path(stored)
        return path if path.exists() else self.photo_dir / f"{sha256}.jpg"

    def remove_orphan_files(self, *, now: float | None = None) -> int:
        """Delete photo files no row refers to and temp files, older than ``ORPHAN_AGE_S``:
        what a killed app leaves between writing a photo and committing its report. Files are
        matched by name (``<sha256>.jpg``), so a moved data folder loses nothing."""
        now = time.time() if now is None else now
        with self._lock:
            known = {r[0] for r in self.db.execute("SELECT sha256 FROM photos")}
        removed = 0
        for entry in os.scandir(self.photo_dir):
            name = entry.name
            stem, _, suffix = name.partition(".")
            orphan = suffix.startswith("tmp") or (suffix == "jpg" and stem not in known)
            if not orphan or not entry.is_file(follow_symlinks=False):
                continue
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime < ORPHAN_AGE_S:
                    continue
                os.unlink(entry.path)
                removed += 1
            except FileNotFoundError:
                pass
        return removed

    def photo_bytes(self, sha256: str) -> bytes:
        with self._lock:
            row = self.db.execute("SELECT path FROM photos WHERE sha256 = ?", [sha256]).fetchone()
        if row is None:
            raise KeyError(sha256)
        return self._photo_path(sha256, row[0]).read_bytes()

    # ------------------------------------------------------------ outbox

    def recover_interrupted(self) -> int:
        """Items left 'sending' by a crash or a killed app go back to pending; nothing is lost."""
        with self._lock, self._atomic() as db:
            cur = db.execute(
                "UPDATE outbox SET state = ? WHERE state = ?",
                [OutboxState.PENDING.value, OutboxState.SENDING.value],
            )
            return cur.rowcount

    _DUE = "(o.state = ? OR (o.state = ? AND o.next_attempt_at <= ?))"

    def due_items(
        self, kind: ItemKind, *, now: float | None = None, limit: int = 500,
        report_sent: bool = False,
    ) -> list[OutboxItem]:
        """Pending items, and failed ones whose backoff has passed, oldest first.

        ``report_sent`` keeps only photos whose report the server has confirmed: the server
        accepts a photo only for a report it knows.
        """
        now = time.time() if now is None else now
        sql = f"SELECT {_O_COLUMNS} FROM outbox o WHERE o.kind = ? AND {self._DUE}"
        if report_sent:  # any report that lists the photo will do (one picture, two checks)
            sql += (" AND EXISTS (SELECT 1 FROM report_photos rp JOIN outbox r"
                    " ON r.kind = 'report' AND r.ref = rp.report_id"
                    " WHERE rp.sha256 = o.ref AND r.state = 'sent')")
        with self._lock:
            rows = self.db.execute(
                sql + " ORDER BY o.seq LIMIT ?",
                [kind.value, OutboxState.PENDING.value, OutboxState.FAILED.value, now, limit],
            ).fetchall()
        return [_item(r) for r in rows]

    def due_count(self, *, now: float | None = None) -> int:
        now = time.time() if now is None else now
        with self._lock:
            return self.db.execute(
                f"SELECT count(*) FROM outbox o WHERE {self._DUE}",
                [OutboxState.PENDING.value, OutboxState.FAILED.value, now],
            ).fetchone()[0]

    def outbox(self, *, states: Iterable[OutboxState] | None = None) -> list[OutboxItem]:
        sql = f"SELECT {_COLUMNS} FROM outbox"
        params: list[Any] = []
        if states is not None:
            wanted = [s.value for s in states]
            sql += f" WHERE state IN ({','.join('?' * len(wanted))})"
            params = wanted
        with self._lock:
            return [_item(r) for r in self.db.execute(sql + " ORDER BY seq", params).fetchall()]

    def outbox_entry(self, kind: ItemKind, ref: str) -> OutboxItem | None:
        """One item's outbox row (a report's state and refusal reason, for its detail)."""
        with self._lock:
            row = self.db.execute("SELECT * FROM outbox WHERE kind = ? AND ref = ?",
                                  [kind.value, ref]).fetchone()
        return None if row is None else _item(row)

    def recent_outbox(self, limit: int = 100) -> list[tuple[OutboxItem, dict, str | None, list[OutboxItem]]]:
        """The newest ``limit`` reports' outbox rows: (item, report body, place name, photo rows).

        Three queries whatever the store holds: the outbox screen must open fast with 10,000
        reports on the phone.
        """
        with self._lock:
            rows = self.db.execute(
                f"SELECT {_O_COLUMNS}, r.body, json_extract(p.body, '$.name') FROM outbox o"
                " JOIN reports r ON r.id = o.ref LEFT JOIN ref_data p ON p.kind = 'place'"
                " AND p.id = r.place_id WHERE o.kind = 'report' ORDER BY o.seq DESC LIMIT ?",
                [limit]).fetchall()
            ids = [r[2] for r in rows]
            photos: dict[str, list[OutboxItem]] = {}
            for chunk_start in range(0, len(ids), 500):
                chunk = ids[chunk_start:chunk_start + 500]
                for prow in self.db.execute(
                        f"SELECT {_COLUMNS} FROM outbox WHERE kind = 'photo' AND report_id IN"
                        f" ({','.join('?' * len(chunk))}) ORDER BY seq", chunk).fetchall():
                    item = _item(prow)
                    photos.setdefault(item.report_id, []).append(item)
        return [(_item(r[:11]), json.loads(r[11]), r[12], photos.get(r[2], [])) for r in rows]

    def resend(self, report_id: str) -> bool:
        """Send a refused report again (after a change on the server, e.g. a place added),
        with the photos held back with it. False when it is not refused (any more)."""
        now = time.time()
        with self._lock, self._atomic() as db:
            if db.execute("UPDATE outbox SET state = ?, error_code = NULL, error = NULL,"
                          " next_attempt_at = 0, updated_at = ? WHERE kind = 'report' AND ref = ?"
                          " AND state = ?", [OutboxState.PENDING.value, now, report_id,
                                             OutboxState.REJECTED.value]).rowcount != 1:
                return False
            db.execute("UPDATE outbox SET state = ?, error_code = NULL, error = NULL,"
                       " next_attempt_at = 0, updated_at = ? WHERE kind = 'photo' AND state = ?"
                       " AND ref IN (SELECT sha256 FROM report_photos WHERE report_id = ?)",
                       [OutboxState.PENDING.value, now, OutboxState.REJECTED.value, report_id])
            return True

    def refused_count(self) -> int:
        """What the server refused and the officer has not dealt with: refused reports, and
        photos refused for themselves (those held back with their report are not counted
        twice)."""
        with self._lock:
            return self.db.execute(
                "SELECT count(*) FROM outbox WHERE state = 'rejected' AND (kind = 'report'"
                " OR error_code IS NOT 'report_rejected')").fetchone()[0]

    def next_attempt_at(self) -> float | None:
        """When the earliest item waiting out a backoff is due again (None: none waits so)."""
        with self._lock:
            return self.db.execute("SELECT min(next_attempt_at) FROM outbox WHERE state = ?",
                                   [OutboxState.FAILED.value]).fetchone()[0]

    def outbox_counts(self) -> dict[OutboxState, int]:
        with self._lock:
            rows = self.db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        counts = {s: 0 for s in OutboxState}
        counts.update({OutboxState(s): n for s, n in rows})
        return counts

    def mark(
        self,
        kind: ItemKind,
        refs: Iterable[str],
        state: OutboxState,
        *,
        error_code: str | None = None,
        error: str | None = None,
        next_attempt_at: float = 0.0,
        count_attempt: bool = False,
    ) -> None:
        refs = list(refs)
        if not refs:
            return
        now = time.time()
        with self._lock, self._atomic() as db:
            db.executemany(
                "UPDATE outbox SET state = ?, error_code = ?, error = ?, next_attempt_at = ?,"
                " attempts = attempts + ?, updated_at = ? WHERE kind = ? AND ref = ?",
                [
                    (state.value, error_code, error, next_attempt_at, int(count_attempt), now,
                     kind.value, ref)
                    for ref in refs
                ],
            )

    def photos_without_live_report(self, shas: list[str]) -> list[str]:
        """Those of ``shas`` that no report other than refused (or superseded) ones lists."""
        if not shas:
            return []
        with self._lock:
            alive = {r[0] for r in self.db.execute(
                "SELECT DISTINCT rp.sha256 FROM report_photos rp JOIN outbox r ON r.kind = 'report'"
                f" AND r.ref = rp.report_id WHERE rp.sha256 IN ({','.join('?' * len(shas))})"
                " AND r.state NOT IN ('rejected', 'superseded')", shas)}
        return [s for s in shas if s not in alive]

    def photo_refs_by_report(self, report_ids: list[str]) -> dict[str, list[str]]:
        """The photos each report lists, for many reports in one query."""
        out: dict[str, list[str]] = {}
        with self._lock:
            for i in range(0, len(report_ids), 500):
                chunk = report_ids[i:i + 500]
                for rid, sha in self.db.execute(
                        f"SELECT report_id, sha256 FROM report_photos WHERE report_id IN"
                        f" ({','.join('?' * len(chunk))})", chunk).fetchall():
                    out.setdefault(rid, []).append(sha)
        return out

    def report_receipts(self, report_ids: list[str] | None = None) -> dict[str, tuple[int, int]]:
        """Per report: (photos confirmed, photos in total), for "3/5 Fotos bestätigt"."""
        sql = ("SELECT rp.report_id, count(*), sum(o.state = ?) FROM report_photos rp"
               " JOIN outbox o ON o.kind = 'photo' AND o.ref = rp.sha256")
        params: list[Any] = [OutboxState.SENT.value]
        if report_ids is not None:
            if not report_ids:
                return {}
            sql += f" WHERE rp.report_id IN ({','.join('?' * len(report_ids))})"
            params += report_ids
        with self._lock:
            rows = self.db.execute(sql + " GROUP BY rp.report_id", params).fetchall()
        return {r[0]: (r[2] or 0, r[1]) for r in rows}

    # ------------------------------------------------------------ drafts kept for their author

    def park_draft(self, username: str, body: str, photos: Iterable[ProcessedPhoto]) -> None:
        """Keep ``username``'s half-filled check (replacing any kept before), photos included."""
        with self._lock, self._atomic() as db:
            db.execute("DELETE FROM draft_photos WHERE username = ?", [username])
            db.execute("INSERT OR REPLACE INTO drafts (username, body, saved_at) VALUES (?, ?, ?)",
                       [username, body, time.time()])
            db.executemany(
                "INSERT INTO draft_photos (username, seq, sha256, data, width, height)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(username, i, p.sha256, p.data, p.width, p.height) for i, p in enumerate(photos)])

    def parked_draft(self, username: str) -> tuple[str, list[ProcessedPhoto]] | None:
        """The kept draft's body and photos, or None."""
        with self._lock:
            row = self.db.execute("SELECT body FROM drafts WHERE username = ?", [username]).fetchone()
            if row is None:
                return None
            photos = [ProcessedPhoto(bytes(data), sha, w, h) for sha, data, w, h in self.db.execute(
                "SELECT sha256, data, width, height FROM draft_photos WHERE username = ?"
                " ORDER BY seq", [username])]
        return row[0], photos

    def drop_draft(self, username: str) -> None:
        with self._lock, self._atomic() as db:
            db.execute("DELETE FROM drafts WHERE username = ?", [username])
            db.execute("DELETE FROM draft_photos WHERE username = ?", [username])

    # ------------------------------------------------------------ reference data and settings

    def apply_sync_page(self, page: wire.SyncPage) -> None:
        """Store a pulled page and its cursor together, so a crash never skips changes."""
        with self._lock, self._atomic() as db:
            for kind, items in (
                ("district", page.districts),
                ("place", page.places),
                ("checklist", page.checklists),
                ("team", page.teams),
                ("assignment", page.assignments),
                ("query", page.queries),
                ("agency", page.agencies),
                ("operation", page.operations),
            ):
                db.executemany(
                    "INSERT OR REPLACE INTO ref_data (kind, id, body) VALUES (?, ?, ?)",
                    [(kind, _ref_key(kind, x), wire.canonical_json(x).decode()) for x in items],
                )
            self._set_meta(db, "sync_cursor", page.next_cursor)
        if page.agencies:
            self._agencies = None

    def ref_items(self, kind: str) -> list[Any]:
        cls = _REF_KINDS[kind]
        with self._lock:
            rows = self.db.execute(
                "SELECT body FROM ref_data WHERE kind = ? ORDER BY id", [kind]
            ).fetchall()
        return [wire.decode(cls, json.loads(r[0])) for r in rows]

    def agencies(self) -> dict[str, wire.Agency]:
        """The agencies the device pulled, by code (deactivated ones too: their people and
        reports keep them). Kept in memory until a pull brings changed ones."""
        if self._agencies is None:
            self._agencies = {a.code: a for a in self.ref_items("agency")}
        return self._agencies

    def places(self, *, active_only: bool = True) -> list[Place]:
        return [p for p in self.ref_items("place") if p.active or not active_only]

    def place(self, place_id: str) -> Place | None:
        with self._lock:
            row = self.db.execute(
                "SELECT body FROM ref_data WHERE kind = 'place' AND id = ?", [place_id]
            ).fetchone()
        return None if row is None else wire.decode(Place, json.loads(row[0]))

    def checklist_for(self, place_type: wire.PlaceType) -> Checklist | None:
        """The newest checklist version for a place type."""
        lists = [c for c in self.ref_items("checklist") if c.place_type == place_type]
        return max(lists, key=lambda c: c.version, default=None)

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return default if row is None else row[0]

    def set_meta(self, key: str, value: str | None) -> None:
        with self._lock, self._atomic() as db:
            self._set_meta(db, key, value)

    def _set_meta(self, db: Db, key: str, value: str | None) -> None:
        if value is None:
            db.execute("DELETE FROM meta WHERE key = ?", [key])
        else:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])

    # ------------------------------------------------------------ helpers

    def _atomic(self) -> Iterator[Db]:
        return _atomic(self.db)


def _ref_key(kind: str, item: Any) -> str:
    if kind == "checklist":
        return f"{item.id}@{item.version:08d}"
    if kind == "agency":
        return item.code
    return item.id


def _item(row: tuple) -> OutboxItem:
    seq, kind, ref, report_id, state, attempts, code, error, next_at, updated, superseded = row
    return OutboxItem(seq, ItemKind(kind), ref, report_id, OutboxState(state), attempts, code,
                      error, next_at, updated, superseded)


class _NotRefused(Exception):
    """Inside save_report: the report to supersede is not refused; rolls the save back."""


def _is_disk_full(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "disk is full" in text or "no space left" in text or getattr(exc, "errno", None) == 28
