"""SQLite backend (sqlite-utils): the embedded default store. All server SQL lives here.

Concurrency: uvicorn serves sync endpoints from a thread pool. Each thread reads through its own
connection (WAL lets readers run beside the writer); writes go through one connection under a
lock, because SQLite has one writer at a time anyway and queuing in Python is cheaper than
SQLITE_BUSY retries; across processes writers queue on a file lock (``WriterQueue``).

Reference data (districts, places, checklists, teams, assignments) carries a ``seq`` from one
global counter, bumped on every change; a device's sync cursor is the highest seq it has seen.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

try:
    import fcntl
except ImportError:  # not POSIX: SQLite's busy handler alone serialises writers
    fcntl = None  # type: ignore[assignment]

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from patrol_wire import Agency, Role

from .base import IngestOutcome, NewReport, PictureFilter, ReportFilter, ReportRef, User

migrations = Migrations("sync_server")


@migrations()
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta (key, value) VALUES ('change_seq', '0');
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            display_name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL,
            agency TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL
        );
        CREATE TABLE tokens (
            token_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id),
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE districts (id TEXT PRIMARY KEY, body TEXT NOT NULL, seq INTEGER NOT NULL);
        CREATE INDEX districts_seq ON districts(seq);
        CREATE TABLE places (
            id TEXT PRIMARY KEY, body TEXT NOT NULL, type TEXT NOT NULL, district_id TEXT,
            active INTEGER NOT NULL, seq INTEGER NOT NULL
        );
        CREATE INDEX places_seq ON places(seq);
        CREATE TABLE checklists (
            id TEXT NOT NULL, version INTEGER NOT NULL, place_type TEXT NOT NULL,
            body TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (id, version)
        );
        CREATE INDEX checklists_seq ON checklists(seq);
        CREATE TABLE teams (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, shift_date TEXT, seq INTEGER NOT NULL
        );
        CREATE INDEX teams_seq ON teams(seq);
        CREATE TABLE team_members (
            team_id TEXT NOT NULL REFERENCES teams(id),
            user_id INTEGER NOT NULL REFERENCES users(id),
            PRIMARY KEY (team_id, user_id)
        );
        CREATE INDEX team_members_user ON team_members(user_id);
        CREATE TABLE assignments (
            id TEXT PRIMARY KEY, team_id TEXT NOT NULL, body TEXT NOT NULL, seq INTEGER NOT NULL
        );
        CREATE INDEX assignments_seq ON assignments(seq);
        CREATE TABLE reports (
            id TEXT PRIMARY KEY,
            content_hash TEXT NOT NULL,
            body TEXT NOT NULL,
            author_id INTEGER NOT NULL,
            agency TEXT NOT NULL,
            team_id TEXT,
            place_id TEXT,
            observed_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            lat REAL, lon REAL, accuracy_m REAL,
            device_verdict TEXT NOT NULL,
            server_verdict TEXT NOT NULL,
            server_distance_m REAL,
            severity TEXT NOT NULL,
            visibility TEXT NOT NULL
        );
        CREATE INDEX reports_observed ON reports(observed_at);
        CREATE INDEX reports_place ON reports(place_id, observed_at);
        CREATE INDEX reports_author ON reports(author_id, id);
        CREATE TABLE report_photos (
            report_id TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (report_id, sha256)
        ) WITHOUT ROWID;
        CREATE INDEX report_photos_sha ON report_photos(sha256);
        CREATE TABLE photos (
            sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, width INTEGER NOT NULL,
            height INTEGER NOT NULL, format TEXT NOT NULL, uploaded_by INTEGER NOT NULL,
            received_at TEXT NOT NULL
        ) WITHOUT ROWID;
        """
    )


@migrations()
def m002_review_planning_audit(db: Database) -> None:
    """Review states, amendments, queries, route templates, reassignment and the audit log."""
    db.executescript(
        """
        ALTER TABLE reports ADD COLUMN review_state TEXT NOT NULL DEFAULT 'submitted';
        ALTER TABLE reports ADD COLUMN amends TEXT;
        -- partial indexes: a new report ('submitted', no amends) writes neither of them, so
        -- the ingest hot path pays nothing; the 'submitted' queue reads newest ids first anyway
        CREATE INDEX reports_reviewed ON reports(review_state, id) WHERE review_state <> 'submitted';
        CREATE INDEX reports_amends ON reports(amends) WHERE amends IS NOT NULL;
        -- a removed member stays as inactive so that their devices still pull the team and
        -- learn they left it
        ALTER TABLE team_members ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE assignments ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE assignments ADD COLUMN shift_start TEXT;
        ALTER TABLE assignments ADD COLUMN shift_end TEXT;
        CREATE INDEX assignments_shift ON assignments(shift_end);
        CREATE TABLE routes (id TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE TABLE queries (
            id TEXT PRIMARY KEY, report_id TEXT NOT NULL, author_id INTEGER NOT NULL,
            body TEXT NOT NULL, open INTEGER NOT NULL, seq INTEGER NOT NULL
        );
        CREATE INDEX queries_author ON queries(author_id, seq);
        CREATE INDEX queries_report ON queries(report_id);
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            object_type TEXT NOT NULL,
            object_id TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX audit_object ON audit(object_type, object_id, id);
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """
    )


@migrations()
def m003_situation(db: Database) -> None:
    """What the situation picture reads of a report, kept beside it at ingest: findings as a
    bit mask (bit = Finding order, see patrol_wire.FINDING_BITS), their count, the measures'
    count; places get their category and event dates as columns. (Whole days are read from the
    derived figures, m004/m005; only partial days come from here, by reports_observed.)"""
    db.executescript(
        """
        ALTER TABLE reports ADD COLUMN findings_mask INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE reports ADD COLUMN n_findings INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE reports ADD COLUMN n_measures INTEGER NOT NULL DEFAULT 0;
        UPDATE reports SET n_findings = json_array_length(body, '$.findings'),
                           n_measures = json_array_length(body, '$.measures');
        ALTER TABLE places ADD COLUMN category TEXT;
        ALTER TABLE places ADD COLUMN active_from TEXT;
        ALTER TABLE places ADD COLUMN active_until TEXT;
        UPDATE places SET category = json_extract(body, '$.category'),
                          active_from = json_extract(body, '$.active_from'),
                          active_until = json_extract(body, '$.active_until');
        """
    )
    from patrol_wire import FINDING_BITS  # existing rows: the mask from their findings

    rows = db.execute("SELECT id, body FROM reports WHERE n_findings > 0").fetchall()
    for rid, body in rows:
        mask = 0
        for f in json.loads(body)["findings"]:
            mask |= 1 << FINDING_BITS[f]
        db.execute("UPDATE reports SET findings_mask = ? WHERE id = ?", [mask, rid])


N_CATEGORIES = 16  # columns f0..f15: patrol_wire.FINDING_BITS (a 17th finding needs a migration)
_F = [f"f{i}" for i in range(N_CATEGORIES)]
_C = [f"c{h}" for h in range(24)]
_H = [f"h{h}" for h in range(24)]
STAT_COLUMNS = ["checks", "findings", "measures", *_F, *_C, *_H]


_AGGREGATES = ", ".join([
    "count(*)", "sum(r.n_findings)", "sum(r.n_measures)",
    *[f"sum((r.findings_mask >> {i}) & 1)" for i in range(N_CATEGORIES)],
    *[f"sum(substr(r.observed_at, 12, 2) = '{h:02d}')" for h in range(24)],
    *[f"sum(CASE WHEN substr(r.observed_at, 12, 2) = '{h:02d}' THEN r.n_findings ELSE 0 END)"
      for h in range(24)]])


def _stats_select(where: str) -> str:
    """day_stats rows aggregated in SQL from the reports ``r`` that ``where`` selects: the
    backfill when the table was created (m004); ``day_figures`` is the live definition."""
    return (f"SELECT substr(r.observed_at, 1, 10), coalesce(r.place_id, ''), r.agency,"
            f" r.visibility, {_AGGREGATES} FROM reports r {where} GROUP BY 1, 2, 3, 4")


def _totals_select(where: str) -> str:
    """day_totals rows: the same figures per day, agency, visibility and the place's district,
    type and category (the backfill of m005)."""
    return (f"SELECT substr(r.observed_at, 1, 10), r.agency, r.visibility,"
            f" coalesce(p.district_id, ''), coalesce(p.type, ''), coalesce(p.category, ''),"
            f" {_AGGREGATES} FROM reports r LEFT JOIN places p ON p.id = r.place_id {where}"
            " GROUP BY 1, 2, 3, 4, 5, 6")


@migrations()
def m004_day_stats(db: Database) -> None:
    """Derived figures: per UTC day, place, agency and visibility -- checks, findings,
    measures, findings per category, checks and findings per UTC hour. Kept up to date by
    ingest (added in the same transaction; reports never change), read by the situation
    picture for whole days so a window costs days x places rows, not reports."""
    cols = ", ".join(f"{c} INTEGER NOT NULL" for c in STAT_COLUMNS)
    db.executescript(f"""
        CREATE TABLE day_stats (
            day TEXT NOT NULL, place_id TEXT NOT NULL, agency TEXT NOT NULL,
            visibility TEXT NOT NULL, {cols},
            PRIMARY KEY (day, place_id, agency, visibility)
        ) WITHOUT ROWID;
        INSERT INTO day_stats {_stats_select("")};
    """)


@migrations()
def m005_day_totals(db: Database) -> None:
    """Derived figures without the place: per UTC day, agency, visibility and the place's
    district, type and category. The weekday x hour grid, the days and the categories read
    these few rows per day instead of one per place."""
    cols = ", ".join(f"{c} INTEGER NOT NULL" for c in STAT_COLUMNS)
    select = _totals_select("")
    db.executescript(f"""
        CREATE TABLE day_totals (
            day TEXT NOT NULL, agency TEXT NOT NULL, visibility TEXT NOT NULL,
            district_id TEXT NOT NULL, place_type TEXT NOT NULL, category TEXT NOT NULL, {cols},
            PRIMARY KEY (day, agency, visibility, district_id, place_type, category)
        ) WITHOUT ROWID;
        INSERT INTO day_totals {select};
    """)


@migrations()
def m006_login_failures(db: Database) -> None:
    """Failed logins per user and per address, for throttling across worker processes."""
    db.executescript("""
        CREATE TABLE login_failures (key TEXT NOT NULL, at REAL NOT NULL);
        CREATE INDEX login_failures_key ON login_failures(key, at);
    """)


@migrations()
def m007_clock_skew(db: Database) -> None:
    """The device clock's skew at receipt (device time - server time, seconds; NULL: the
    device did not say). ``observed_at`` holds the corrected time when the skew was notable;
    the claimed time stays in the body (see ``Ingestor.clock_rule``)."""
    db.execute("ALTER TABLE reports ADD COLUMN clock_skew_s REAL")


@migrations()
def m008_team_membership(db: Database) -> None:
    """When a membership ended (NULL while it lasts): a member removed mid-shift may still
    deliver the reports of the time they were in the team, and no later ones. Removals before
    this migration were not timed; they count as ending now."""
    db.execute("ALTER TABLE team_members ADD COLUMN until TEXT")
    db.execute("UPDATE team_members SET until = ? WHERE active = 0", [_now()])


@migrations()
def m009_stop_figures(db: Database) -> None:
    """Route stops as rows, beside their assignment: the situation picture finds the stops
    whose window ends in its window by an index and joins each with the few on-site reports
    of its team at its place, instead of decoding every assignment and reading every report
    of the team since that shift began (109 s for a 90-day picture with 1,080 assignments).
    Times are canonical UTC text, as reports' observed_at."""
    db.executescript("""
        CREATE TABLE assignment_stops (
            assignment_id TEXT NOT NULL, seq INTEGER NOT NULL, team_id TEXT NOT NULL,
            place_id TEXT NOT NULL, window_start TEXT NOT NULL, window_end TEXT NOT NULL,
            shift_end TEXT NOT NULL, active INTEGER NOT NULL,
            PRIMARY KEY (assignment_id, seq)
        ) WITHOUT ROWID;
        CREATE INDEX assignment_stops_end ON assignment_stops(window_end) WHERE active = 1;
    """)
    for aid, team_id, body, active in db.execute(
            "SELECT id, team_id, body, active FROM assignments").fetchall():
        _put_stops(db.conn, aid, team_id, body, bool(active))


def _put_stops(c: sqlite3.Connection, assignment_id: str, team_id: str, body: str,
               active: bool) -> None:
    """An assignment's stops as rows (m009), replacing what was there."""
    data = json.loads(body)
    shift_end = _utc_or_none(data["shift_end"])
    c.execute("DELETE FROM assignment_stops WHERE assignment_id = ?", [assignment_id])
    c.executemany(
        "INSERT INTO assignment_stops (assignment_id, seq, team_id, place_id, window_start,"
        " window_end, shift_end, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(assignment_id, st["seq"], team_id, st["place_id"], _utc_or_none(st["window_start"]),
          _utc_or_none(st["window_end"]), shift_end, int(active)) for st in data["stops"]])


@migrations()
def m010_query_reads(db: Database) -> None:
    """When review read an officer's answer. An answered question waits for the supervisor --
    counted, badged, first in the queue -- until someone in review opens the report or takes a
    step on it (one mark for the whole review desk, not per person). Answers given before this
    migration count as waiting only while their report is still in review."""
    db.executescript(f"""
        ALTER TABLE queries ADD COLUMN read_at TEXT;
        ALTER TABLE queries ADD COLUMN read_by TEXT;
        UPDATE queries SET read_at = '{_now()}', read_by = 'm010' WHERE open = 0
            AND report_id NOT IN (SELECT id FROM reports WHERE review_state = 'in_review');
        CREATE INDEX queries_unread ON queries(report_id) WHERE open = 0 AND read_at IS NULL;
    """)


def _upsert(table: str, keys: tuple[str, ...]) -> str:
    """Add figures to a derived table: new keys inserted, existing ones summed."""
    k = ", ".join(keys)
    return (f"INSERT INTO {table} ({k}, {', '.join(STAT_COLUMNS)})"
            f" VALUES ({', '.join('?' * (len(keys) + len(STAT_COLUMNS)))})"
            f" ON CONFLICT ({k}) DO UPDATE SET "
            + ", ".join(f"{c} = {c} + excluded.{c}" for c in STAT_COLUMNS))


_UPSERT_STATS = _upsert("day_stats", ("day", "place_id", "agency", "visibility"))
_UPSERT_TOTALS = _upsert("day_totals", ("day", "agency", "visibility", "district_id",
                                        "place_type", "category"))

# (observed_at, place_id, agency, visibility, findings_mask, n_findings, n_measures)
FigureRow = tuple[str, "str | None", str, str, int, int, int]


_FINDING_COLUMNS: dict[int, tuple[int, ...]] = {}  # findings mask -> its columns in a figures row


def day_figures(rows: Iterable[FigureRow], places: dict[str, tuple[str, str, str]]
                ) -> tuple[dict[tuple, list[int]], dict[tuple, list[int]]]:
    """The derived figures of some reports, keyed as day_stats and day_totals rows (``places``:
    id -> (district_id, type, category)). The live definition, used by ingest and by purge;
    the SQL in m004/m005 is the one-off backfill of the same figures, pinned equal by a test.
    Python, not SQL: summing 67 columns per row in SQL made ingest 10 ms per batch slower."""
    width = len(STAT_COLUMNS)
    stats: dict[tuple, list[int]] = {}
    totals: dict[tuple, list[int]] = {}
    for observed_at, place_id, agency, visibility, mask, n_findings, n_measures in rows:
        key = (observed_at[:10], place_id or "", agency, visibility)
        row = stats.get(key)
        if row is None:
            row = stats[key] = [0] * width
        row[0] += 1
        row[1] += n_findings
        row[2] += n_measures
        columns = _FINDING_COLUMNS.get(mask)
        if columns is None:
            columns = _FINDING_COLUMNS[mask] = tuple(
                3 + i for i in range(mask.bit_length()) if mask >> i & 1)
        for i in columns:
            row[i] += 1
        hour = int(observed_at[11:13])
        row[3 + N_CATEGORIES + hour] += 1
        row[3 + N_CATEGORIES + 24 + hour] += n_findings
    for (day, place_id, agency, visibility), row in stats.items():
        district, ptype, category = places.get(place_id, ("", "", ""))
        t = totals.setdefault((day, agency, visibility, district or "", ptype or "", category or ""),
                              [0] * width)
        for i, v in enumerate(row):
            if v:
                t[i] += v
    return stats, totals


BUSY_TIMEOUT_S = 10  # how long a writer waits for another before it fails
CHECKPOINT_EVERY_S = 0.2  # while serving: how often the WAL is copied back into the database
WAL_BACKSTOP_PAGES = 10_000  # past this (~40 MB of WAL) writers copy it back themselves


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across app crashes
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA cache_size=-65536")  # 64 MiB
    return conn


class WriterQueue:
    """One writer at a time across processes (server workers, the command line).

    SQLite alone lets a waiting writer poll with its busy handler, which sleeps 1, 2, 5, 10 ...
    up to 100 ms between tries. A worker with several requests in flight hands the write lock
    from one of its threads to the next without a gap, so another worker's writer kept missing
    it and sleeping longer: with four clients on two workers the server used 1.2 of 2 cores.
    Trying a side file's ``flock`` every half millisecond instead: 1.5-1.6 cores. Gives up
    after ``BUSY_TIMEOUT_S`` with SQLite's own error, as SQLite would.
    """

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600) if fcntl is not None else None

    def acquire(self) -> None:
        if self._fd is None:
            return
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(0.0005)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class SqliteStorage:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write_conn = _connect(self.path)
        self._write_lock = threading.Lock()
        self._writers = WriterQueue(self.path.with_name(self.path.name + "-writer"))
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._checkpointer: tuple[threading.Thread, threading.Event] | None = None
        db = Database(sqlite3.connect(self.path))
        migrations.apply(db)
        db.close()

    def __enter__(self) -> "SqliteStorage":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._checkpointer is not None:
            thread, stop = self._checkpointer
            stop.set()
            thread.join()
            self._checkpointer = None
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._write_conn.close()
        self._writers.close()

    def start_maintenance(self) -> None:
        """While serving, copy the WAL back into the database from a thread of its own.

        Left to SQLite, the commit that takes the WAL past 1,000 pages copies it all back, inside
        the write lock the other workers wait for: a fifth of the time the lock was held during
        batch ingest. A passive checkpoint runs beside writers instead (SQLite releases the GIL
        while it copies); writers still do it themselves should the WAL ever reach
        ``WAL_BACKSTOP_PAGES``. Measured on two workers: 1.65 -> 1.74 cores busy, +5% reports/s.
        Stopped by ``close``.
        """
        if self._checkpointer is not None:
            return
        with self._write_lock:
            self._write_conn.execute(f"PRAGMA wal_autocheckpoint={WAL_BACKSTOP_PAGES}")
        stop = threading.Event()
        thread = threading.Thread(target=self._checkpoint_until, args=(stop,), name="wal-checkpoint",
                                  daemon=True)
        self._checkpointer = (thread, stop)
        thread.start()

    def _checkpoint_until(self, stop: threading.Event) -> None:
        conn = _connect(self.path)
        try:
            while not stop.wait(CHECKPOINT_EVERY_S):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.OperationalError:  # another worker's checkpoint is running
                    pass
        finally:
            conn.close()

    # ------------------------------------------------------------ connections

    def _read(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path)
            conn.execute("PRAGMA query_only=ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    class _Tx:
        def __init__(self, storage: "SqliteStorage") -> None:
            self.s = storage

        def __enter__(self) -> sqlite3.Connection:
            self.s._write_lock.acquire()
            try:
                self.s._writers.acquire()
                try:
                    self.s._write_conn.execute("BEGIN IMMEDIATE")
                except BaseException:
                    self.s._writers.release()
                    raise
            except BaseException:
                self.s._write_lock.release()
                raise
            return self.s._write_conn

        def __exit__(self, exc_type, exc, tb) -> None:
            conn = self.s._write_conn
            try:
                if not exc_type:
                    conn.execute("COMMIT")
                elif conn.in_transaction:  # SQLITE_FULL, for one, has rolled it back already
                    conn.execute("ROLLBACK")
            finally:
                self.s._writers.release()
                self.s._write_lock.release()

    def _tx(self) -> "_Tx":
        return SqliteStorage._Tx(self)

    @staticmethod
    def _bump(conn: sqlite3.Connection) -> int:
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'change_seq'")
        return int(conn.execute("SELECT value FROM meta WHERE key = 'change_seq'").fetchone()[0])

    # ------------------------------------------------------------ users and tokens

    def create_user(self, *, username: str, display_name: str, password_hash: str, role: Role,
                    agency: Agency, actor: str = "cli") -> User | None:
        """The new user, or None when the username is taken."""
        with self._tx() as c:
            cur = c.execute(
                "INSERT OR IGNORE INTO users (username, display_name, password_hash, role, agency,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [username, display_name, password_hash, role.value, agency.value, time.time()],
            )
            if cur.rowcount != 1:
                return None
            _audit(c, actor, "user.create", "user", username,
                   {"role": role.value, "agency": agency.value})
            return User(cur.lastrowid, username, display_name, role, agency)

    def update_user(self, username: str, *, actor: str, display_name: str | None = None,
                    role: Role | None = None, agency: Agency | None = None,
                    disabled: bool | None = None) -> User | None:
        """Change the given fields. Disabling, or a role or agency change, ends the user's
        sessions for good (revoked in the same transaction): re-enabling the user later must
        not bring a lost phone's token back to life."""
        changes = {k: v for k, v in (("display_name", display_name),
                                     ("role", role and role.value),
                                     ("agency", agency and agency.value),
                                     ("disabled", None if disabled is None else int(disabled)))
                   if v is not None}
        with self._tx() as c:
            row = c.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()
            if row is None:
                return None
            if changes:
                c.execute(f"UPDATE users SET {', '.join(f'{k} = ?' for k in changes)}"
                          " WHERE id = ?", [*changes.values(), row[0]])
                if {"role", "agency"} & changes.keys() or disabled:
                    c.execute("UPDATE tokens SET revoked = 1 WHERE user_id = ? AND revoked = 0",
                              [row[0]])
                _audit(c, actor, "user.update", "user", username, changes)
            return _user(c.execute(
                "SELECT id, username, display_name, role, agency, disabled FROM users WHERE id = ?",
                [row[0]]).fetchone())

    def set_password(self, username: str, password_hash: str, *, actor: str) -> bool:
        """New password; every session of the user ends."""
        with self._tx() as c:
            row = c.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()
            if row is None:
                return False
            c.execute("UPDATE users SET password_hash = ? WHERE id = ?", [password_hash, row[0]])
            c.execute("UPDATE tokens SET revoked = 1 WHERE user_id = ?", [row[0]])
            _audit(c, actor, "user.password_reset", "user", username)
            return True

    def list_users(self) -> list[User]:
        rows = self._read().execute(
            "SELECT id, username, display_name, role, agency, disabled FROM users ORDER BY username")
        return [_user(r) for r in rows]

    def users_by_name(self, usernames: Iterable[str]) -> dict[str, User]:
        names = list(set(usernames))
        if not names:
            return {}
        rows = self._read().execute(
            "SELECT id, username, display_name, role, agency, disabled FROM users WHERE username"
            f" IN ({','.join('?' * len(names))})", names)
        return {r[1]: _user(r) for r in rows}

    def user_by_name(self, username: str) -> tuple[User, str] | None:
        row = self._read().execute(
            "SELECT id, username, display_name, role, agency, disabled, password_hash"
            " FROM users WHERE username = ?", [username]).fetchone()
        return None if row is None else (_user(row[:6]), row[6])

    def login_failures(self, keys: list[str], *, since: float) -> dict[str, tuple[int, float]]:
        """Per key: failed logins since ``since`` and the oldest of them."""
        rows = self._read().execute(
            f"SELECT key, count(*), min(at) FROM login_failures WHERE key IN"
            f" ({','.join('?' * len(keys))}) AND at >= ? GROUP BY key", [*keys, since]).fetchall()
        return {k: (n, oldest) for k, n, oldest in rows}

    def record_login_failure(self, keys: list[str], *, at: float, forget_before: float) -> None:
        with self._tx() as c:
            c.executemany("INSERT INTO login_failures (key, at) VALUES (?, ?)", [(k, at) for k in keys])
            c.execute("DELETE FROM login_failures WHERE at < ?", [forget_before])

    def clear_login_failures(self, key: str) -> None:
        with self._tx() as c:
            c.execute("DELETE FROM login_failures WHERE key = ?", [key])

    def store_token(self, *, token_hash: str, user_id: int, expires_at: float, actor: str) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO tokens (token_hash, user_id, created_at, expires_at)"
                      " VALUES (?, ?, ?, ?)", [token_hash, user_id, time.time(), expires_at])
            _audit(c, actor, "auth.login", "user", actor)

    def user_for_token(self, token_hash: str, *, now: float) -> tuple[User, float] | None:
        """The token's user and expiry, if the token exists, is not revoked and the user active."""
        row = self._read().execute(
            "SELECT u.id, u.username, u.display_name, u.role, u.agency, u.disabled, t.expires_at"
            " FROM tokens t JOIN users u ON u.id = t.user_id"
            " WHERE t.token_hash = ? AND t.revoked = 0 AND u.disabled = 0", [token_hash]).fetchone()
        return None if row is None else (_user(row[:6]), row[6])

    def revoke_token(self, token_hash: str, *, actor: str) -> None:
        with self._tx() as c:
            if c.execute("UPDATE tokens SET revoked = 1 WHERE token_hash = ?",
                         [token_hash]).rowcount:
                _audit(c, actor, "auth.logout", "user", actor)

    def team_ids_of(self, user_id: int) -> list[str]:
        rows = self._read().execute(
            "SELECT team_id FROM team_members WHERE user_id = ? AND active = 1 ORDER BY team_id",
            [user_id])
        return [r[0] for r in rows]

    def memberships(self, user_id: int, team_ids: Iterable[str]) -> dict[str, str | None]:
        """For each of ``team_ids`` that exists: when the user's membership ended ('' if they
        were never a member, None while they are one). One query for a whole batch."""
        ids = sorted(set(team_ids))
        if not ids:
            return {}
        rows = self._read().execute(
            "SELECT t.id, CASE WHEN m.user_id IS NULL THEN '' ELSE m.until END FROM teams t"
            " LEFT JOIN team_members m ON m.team_id = t.id AND m.user_id = ?"
            f" WHERE t.id IN ({','.join('?' * len(ids))})", [user_id, *ids])
        return dict(rows.fetchall())

    # ------------------------------------------------------------ reference data

    def upsert_district(self, district_id: str, body: str, *, actor: str = "cli") -> None:
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO districts (id, body, seq) VALUES (?, ?, ?)",
                      [district_id, body, self._bump(c)])
            _audit(c, actor, "district.upsert", "district", district_id)

    def upsert_places(self, rows: Iterable[tuple[str, str, str, str | None, bool]], *,
                      actor: str = "cli") -> int:
        """rows: (id, body, type, district_id, active). One seq per place, one transaction."""
        ids = []
        with self._tx() as c:
            for pid, body, ptype, district, active in rows:
                data = json.loads(body)
                c.execute(
                    "INSERT OR REPLACE INTO places (id, body, type, district_id, active, seq,"
                    " category, active_from, active_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [pid, body, ptype, district, int(active), self._bump(c), data.get("category"),
                     _utc_or_none(data.get("active_from")), _utc_or_none(data.get("active_until"))])
                ids.append(pid)
            if ids:
                _audit(c, actor, "places.upsert", "place", ids[0] if len(ids) == 1 else "*",
                       {"count": len(ids), "ids": ids[:1000]})
        return len(ids)

    def upsert_checklist(self, checklist_id: str, version: int, place_type: str, body: str, *,
                         actor: str = "cli") -> None:
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO checklists (id, version, place_type, body, seq)"
                      " VALUES (?, ?, ?, ?, ?)",
                      [checklist_id, version, place_type, body, self._bump(c)])
            _audit(c, actor, "checklist.upsert", "checklist", checklist_id, {"version": version})

    def add_checklist_version(self, checklist_id: str, version: int, place_type: str, body: str,
                              *, actor: str) -> int | None:
        """Store a new version; None when it is not above the latest (returned otherwise)."""
        with self._tx() as c:
            latest = c.execute("SELECT coalesce(max(version), 0) FROM checklists WHERE id = ?",
                               [checklist_id]).fetchone()[0]
            if version <= latest:
                return None
            c.execute("INSERT INTO checklists (id, version, place_type, body, seq)"
                      " VALUES (?, ?, ?, ?, ?)",
                      [checklist_id, version, place_type, body, self._bump(c)])
            _audit(c, actor, "checklist.version", "checklist", checklist_id, {"version": version})
            return version

    def latest_checklists(self) -> list[str]:
        rows = self._read().execute(
            "SELECT body FROM checklists c WHERE version = (SELECT max(version) FROM checklists"
            " WHERE id = c.id) ORDER BY id")
        return [r[0] for r in rows]

    def upsert_team(self, team_id: str, name: str, shift_date: str | None,
                    member_ids: list[int], *, actor: str = "cli") -> None:
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO teams (id, name, shift_date, seq) VALUES (?, ?, ?, ?)",
                      [team_id, name, shift_date, self._bump(c)])
            c.execute("UPDATE team_members SET until = ? WHERE team_id = ? AND active = 1",
                      [_now(), team_id])
            c.execute("UPDATE team_members SET active = 0 WHERE team_id = ?", [team_id])
            c.executemany("INSERT INTO team_members (team_id, user_id, active) VALUES (?, ?, 1)"
                          " ON CONFLICT (team_id, user_id) DO UPDATE SET active = 1, until = NULL",
                          [(team_id, uid) for uid in member_ids])
            # a new member must receive the team's assignments at their next pull
            c.execute("UPDATE assignments SET seq = ? WHERE team_id = ?", [self._bump(c), team_id])
            _audit(c, actor, "team.upsert", "team", team_id,
                   {"name": name, "shift_date": shift_date, "member_ids": member_ids})

    def upsert_assignment(self, assignment_id: str, team_id: str, body: str, *,
                          shift_start: str | None = None, shift_end: str | None = None,
                          active: bool = True, actor: str = "cli") -> None:
        with self._tx() as c:
            self._put_assignment(c, assignment_id, team_id, body, shift_start, shift_end, active)
            _audit(c, actor, "assignment.upsert", "assignment", assignment_id,
                   {"team_id": team_id, "active": active})

    def reassign(self, old: tuple[str, str, str], new: tuple[str, str, str], *,
                 shift_start: str, shift_end: str, actor: str) -> None:
        """(id, team_id, body) of the retired and of the new assignment, in one transaction."""
        with self._tx() as c:
            self._put_assignment(c, *old, shift_start, shift_end, False)
            self._put_assignment(c, *new, shift_start, shift_end, True)
            _audit(c, actor, "assignment.reassign", "assignment", old[0],
                   {"from_team": old[1], "to_team": new[1], "new_assignment": new[0]})

    def _put_assignment(self, c: sqlite3.Connection, assignment_id: str, team_id: str, body: str,
                        shift_start: str | None, shift_end: str | None, active: bool) -> None:
        c.execute("INSERT OR REPLACE INTO assignments (id, team_id, body, seq, active, shift_start,"
                  " shift_end) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  [assignment_id, team_id, body, self._bump(c), int(active), shift_start, shift_end])
        _put_stops(c, assignment_id, team_id, body, active)

    def assignment(self, assignment_id: str) -> tuple[str, str] | None:
        """(team_id, body) of an assignment."""
        return self._read().execute("SELECT team_id, body FROM assignments WHERE id = ?",
                                    [assignment_id]).fetchone()

    def active_assignments(self, *, ending_after: str, starting_before: str) -> list[str]:
        """Bodies of active assignments whose shift overlaps [ending_after, starting_before)."""
        rows = self._read().execute(
            "SELECT body FROM assignments WHERE active = 1 AND shift_end > ? AND shift_start < ?"
            " ORDER BY shift_start, id", [ending_after, starting_before])
        return [r[0] for r in rows]

    def upsert_route(self, route_id: str, body: str, *, actor: str) -> None:
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO routes (id, body, updated_at) VALUES (?, ?, ?)",
                      [route_id, body, _now()])
            _audit(c, actor, "route.upsert", "route", route_id)

    def route(self, route_id: str) -> str | None:
        row = self._read().execute("SELECT body FROM routes WHERE id = ?", [route_id]).fetchone()
        return None if row is None else row[0]

    def list_routes(self) -> list[str]:
        return [r[0] for r in self._read().execute("SELECT body FROM routes ORDER BY id")]

    def team_members(self, team_id: str) -> list[User]:
        rows = self._read().execute(
            "SELECT u.id, u.username, u.display_name, u.role, u.agency, u.disabled FROM users u"
            " JOIN team_members m ON m.user_id = u.id WHERE m.team_id = ? AND m.active = 1"
            " ORDER BY u.username", [team_id])
        return [_user(r) for r in rows]

    def team_row(self, team_id: str) -> tuple[str, str, str | None] | None:
        return self._read().execute("SELECT id, name, shift_date FROM teams WHERE id = ?",
                                    [team_id]).fetchone()

    def list_teams(self) -> list[tuple[str, str, str | None]]:
        return self._read().execute(
            "SELECT id, name, shift_date FROM teams ORDER BY shift_date DESC, name").fetchall()

    def team_checks(self, team_id: str, *, since: str, until: str, viewer_agency: str | None
                    ) -> list[tuple[str | None, str, str, int]]:
        """(place_id, observed_at, server_verdict, shown) of the team's reports observed in
        [since, until], oldest first; ``shown`` is 1 when a viewer of ``viewer_agency`` may
        read the report (the agency rule; None: only cooperation reports are shown)."""
        return self._read().execute(
            "SELECT place_id, observed_at, server_verdict, (visibility = 'cooperation' OR agency = ?)"
            " FROM reports WHERE observed_at >= ? AND observed_at <= ? AND team_id = ?"
            " ORDER BY observed_at", [viewer_agency or "", since, until, team_id]).fetchall()

    def district_ids(self) -> set[str]:
        return {r[0] for r in self._read().execute("SELECT id FROM districts")}

    def places_version(self) -> int:
        """Changes whenever any place changes, in any process: caches above us compare it."""
        return self._read().execute("SELECT coalesce(max(seq), 0) FROM places").fetchone()[0]

    def place_bodies(self, ids: Iterable[str]) -> dict[str, str]:
        ids = list(set(ids))
        if not ids:
            return {}
        rows = self._read().execute(
            f"SELECT id, body FROM places WHERE id IN ({','.join('?' * len(ids))})", ids)
        return dict(rows.fetchall())

    def current_seq(self) -> int:
        return int(self._read().execute(
            "SELECT value FROM meta WHERE key = 'change_seq'").fetchone()[0])

    def changes_since(self, seq: int, *, user: User, limit: int
                      ) -> tuple[dict[str, list[tuple[int, str]]], int, bool]:
        """Changed reference rows with seq > ``seq`` visible to ``user``, at most ``limit``.

        Returns ({kind: [(seq, body)]}, next_seq, has_more). Each kind is fetched up to limit+1
        rows; merged by seq, the first ``limit`` are exactly the ``limit`` smallest overall.
        """
        conn = self._read()
        queries = {
            "districts": ("SELECT seq, body FROM districts WHERE seq > ? ORDER BY seq LIMIT ?", []),
            "places": ("SELECT seq, body FROM places WHERE seq > ? ORDER BY seq LIMIT ?", []),
            "checklists": ("SELECT seq, body FROM checklists WHERE seq > ? ORDER BY seq LIMIT ?", []),
            "teams": ("SELECT seq, id FROM teams WHERE seq > ? AND id IN (SELECT team_id FROM"
                      " team_members WHERE user_id = ?) ORDER BY seq LIMIT ?", [user.id]),
            "assignments": ("SELECT seq, body FROM assignments WHERE seq > ? AND team_id IN"
                            " (SELECT team_id FROM team_members WHERE user_id = ?)"
                            " ORDER BY seq LIMIT ?", [user.id]),
            "queries": ("SELECT seq, body FROM queries WHERE author_id = ? AND seq > ?"
                        " ORDER BY seq LIMIT ?", [user.id]),
        }
        merged: list[tuple[int, str, str]] = []
        for kind, (sql, extra) in queries.items():
            params = [*extra, seq] if kind == "queries" else [seq, *extra]
            for s, body in conn.execute(sql, [*params, limit + 1]):
                merged.append((s, kind, body))
        merged.sort()
        has_more = len(merged) > limit
        merged = merged[:limit]
        out: dict[str, list[tuple[int, str]]] = {k: [] for k in queries}
        for s, kind, body in merged:
            out[kind].append((s, body))
        next_seq = merged[-1][0] if has_more else max(seq, self.current_seq())
        return out, next_seq, has_more

    # ------------------------------------------------------------ reports and photos

    def ingest_reports(self, reports: list[NewReport], *, author: User, received_at: str
                       ) -> list[IngestOutcome]:
        """Store new reports; tell identical replays (same id, same content) from conflicts.

        An amendment (``amends`` set) answers the open queries on the report it amends and sends
        that report back to review. The batch is one audit entry listing the new ids.

        Other workers wait while this one holds the write lock, so the rows and the derived
        figures are made before it, for the usual case that every report is new; replays are
        sorted out under the lock.
        """
        agency = author.agency.value
        rows = [(r.id, r.content_hash, r.body, author.id, agency, r.team_id, r.place_id,
                 r.observed_at, received_at, r.lat, r.lon, r.accuracy_m, r.device_verdict,
                 r.server_verdict, r.server_distance_m, r.severity, r.visibility, r.amends,
                 r.findings_mask, r.n_findings, r.n_measures, r.clock_skew_s) for r in reports]
        figure_rows: list[FigureRow] = [
            (r.observed_at, r.place_id, agency, r.visibility, r.findings_mask, r.n_findings,
             r.n_measures) for r in reports]
        places = self._figure_places({r.place_id for r in reports if r.place_id})
        ids = [r.id for r in reports]
        all_new = day_figures(figure_rows, places) if len(set(ids)) == len(ids) else None
        with self._tx() as c:
            existing: dict[str, tuple[str, int]] = {}
            for chunk in _chunks(ids, 900):
                for rid, h, a in c.execute(
                        f"SELECT id, content_hash, author_id FROM reports WHERE id IN"
                        f" ({','.join('?' * len(chunk))})", chunk):
                    existing[rid] = (h, a)
            if not existing and all_new is not None:
                fresh = list(range(len(reports)))
                statuses = ["created"] * len(reports)
                figures = all_new
            else:
                fresh, statuses = [], []
                for i, r in enumerate(reports):
                    prior = existing.get(r.id)
                    if prior is None:
                        existing[r.id] = (r.content_hash, author.id)
                        fresh.append(i)
                        statuses.append("created")
                    elif prior == (r.content_hash, author.id):
                        statuses.append("identical")
                    else:
                        statuses.append("conflict")
                figures = day_figures([figure_rows[i] for i in fresh], places)
            new_rows = rows if len(fresh) == len(rows) else [rows[i] for i in fresh]
            c.executemany(
                "INSERT INTO reports (id, content_hash, body, author_id, agency, team_id, place_id,"
                " observed_at, received_at, lat, lon, accuracy_m, device_verdict, server_verdict,"
                " server_distance_m, severity, visibility, amends, findings_mask, n_findings, n_measures,"
                " clock_skew_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                new_rows)
            c.executemany("INSERT OR IGNORE INTO report_photos (report_id, sha256) VALUES (?, ?)",
                          [(reports[i].id, sha) for i in fresh for sha in reports[i].photos])
            for i in fresh:
                if reports[i].amends is not None:
                    self._answer_queries(c, reports[i], author, received_at)
            if new_rows:
                self._write_figures(c, *figures)
                _audit(c, author.username, "reports.submit", "batch", new_rows[0][0],
                       {"count": len(new_rows), "ids": [row[0] for row in new_rows]}, at=received_at)
        have = self._photos_present({sha for r in reports for sha in r.photos})
        return [IngestOutcome(r.id, status, [s for s in r.photos if s not in have]
                              if status != "conflict" and r.photos else [])
                for r, status in zip(reports, statuses)]

    def _photos_present(self, shas: set[str]) -> set[str]:
        have: set[str] = set()
        wanted = sorted(shas)
        for chunk in _chunks(wanted, 900):
            have.update(row[0] for row in self._read().execute(
                f"SELECT sha256 FROM photos WHERE sha256 IN ({','.join('?' * len(chunk))})", chunk))
        return have

    def _figure_places(self, place_ids: Iterable[str], c: sqlite3.Connection | None = None
                       ) -> dict[str, tuple[str, str, str]]:
        """id -> (district_id, type, category): what the derived figures group reports by."""
        ids = sorted(place_ids)
        places: dict[str, tuple[str, str, str]] = {}
        for chunk in _chunks(ids, 900):
            for pid, district, ptype, category in (c or self._read()).execute(
                    "SELECT id, district_id, type, category FROM places WHERE id IN"
                    f" ({','.join('?' * len(chunk))})", chunk):
                places[pid] = (district, ptype, category)
        return places

    def _add_figures(self, c: sqlite3.Connection, rows: list[FigureRow]) -> None:
        """Add reports to the derived figures, one upsert per touched key."""
        places = self._figure_places({r[1] for r in rows if r[1]}, c)
        self._write_figures(c, *day_figures(rows, places))

    @staticmethod
    def _write_figures(c: sqlite3.Connection, stats: dict[tuple, list[int]],
                       totals: dict[tuple, list[int]]) -> None:
        c.executemany(_UPSERT_STATS, [(*k, *v) for k, v in stats.items()])
        c.executemany(_UPSERT_TOTALS, [(*k, *v) for k, v in totals.items()])

    def _answer_queries(self, c: sqlite3.Connection, amendment: NewReport, author: User,
                        at: str) -> None:
        rows = c.execute("SELECT id, body FROM queries WHERE report_id = ? AND open = 1",
                         [amendment.amends]).fetchall()
        for qid, body in rows:
            data = json.loads(body)
            data["answer_report_id"] = amendment.id
            data["answered_at"] = at
            c.execute("UPDATE queries SET body = ?, open = 0, seq = ? WHERE id = ?",
                      [json.dumps(data, separators=(",", ":"), ensure_ascii=False), self._bump(c), qid])
        moved = c.execute("UPDATE reports SET review_state = 'in_review' WHERE id = ?"
                          " AND review_state = 'needs_info'", [amendment.amends]).rowcount
        _audit(c, author.username, "report.amend", "report", amendment.amends,
               {"amendment": amendment.id, "answered_queries": len(rows),
                **({"state": "in_review"} if moved else {})}, at=at)

    def report_refs(self, report_ids: Iterable[str]) -> dict[str, "ReportRef"]:
        """Who wrote each report and who may see it: the facts access rules need."""
        ids = list(set(report_ids))
        out: dict[str, ReportRef] = {}
        for chunk in _chunks(ids, 900):
            for row in self._read().execute(
                    "SELECT id, author_id, team_id, agency, visibility, review_state, place_id"
                    f" FROM reports WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                out[row[0]] = ReportRef(*row)
        return out

    def report_detail(self, report_id: str) -> dict[str, Any] | None:
        row = self._read().execute(
            "SELECT r.body, u.username, u.display_name, r.agency, r.received_at, r.server_verdict,"
            " r.server_distance_m, p.district_id, r.review_state, p.body, r.observed_at,"
            " r.clock_skew_s FROM reports r"
            " JOIN users u ON u.id = r.author_id LEFT JOIN places p ON p.id = r.place_id"
            " WHERE r.id = ?", [report_id]).fetchone()
        if row is None:
            return None
        (body, author, author_name, agency, received, verdict, dist, district, state, place,
         observed, skew) = row
        report = json.loads(body)
        unread = self._read().execute(
            "SELECT count(*) FROM queries WHERE report_id = ? AND open = 0 AND read_at IS NULL",
            [report_id]).fetchone()[0]
        return {"report": report, "author": author, "author_name": author_name,
                "agency": agency, "received_at": received, "district_id": district,
                "review_state": state, "place": None if place is None else json.loads(place),
                "server_presence": {"verdict": verdict, "distance_m": dist},
                "times": time_facts(report, observed, received, skew), "unread_answers": unread}

    def amendments_of(self, report_id: str) -> list[dict[str, Any]]:
        rows = self._read().execute(
            "SELECT r.body, u.username, u.display_name, r.received_at, r.agency, r.visibility"
            " FROM reports r JOIN users u ON u.id = r.author_id WHERE r.amends = ? ORDER BY r.id",
            [report_id])
        return [{"report": json.loads(b), "author": a, "author_name": n, "received_at": at,
                 "agency": ag, "visibility": v} for b, a, n, at, ag, v in rows]

    def mark_answers_read(self, report_id: str, *, actor: str, at: str) -> int:
        """Review has seen the answers to its questions on this report: they stop waiting.
        Audited when there was something to mark; returns how many answers it marked."""
        with self._tx() as c:
            n = self._mark_read(c, report_id, actor, at)
            if n:
                _audit(c, actor, "report.answer_read", "report", report_id, {"answers": n}, at=at)
            return n

    @staticmethod
    def _mark_read(c: sqlite3.Connection, report_id: str, actor: str, at: str) -> int:
        return c.execute("UPDATE queries SET read_at = ?, read_by = ? WHERE report_id = ?"
                         " AND open = 0 AND read_at IS NULL", [at, actor, report_id]).rowcount

    def queries_of(self, report_id: str) -> list[str]:
        return [r[0] for r in self._read().execute(
            "SELECT body FROM queries WHERE report_id = ? ORDER BY seq", [report_id])]

    def review(self, report_id: str, *, expected: str, new: str, actor: str, action: str,
               text: str, at: str, query: tuple[str, str] | None = None) -> bool:
        """Move a report from ``expected`` to ``new`` (False if it was not in ``expected``), with
        its audit entry and, for a question, the query (id, body) its author will pull."""
        with self._tx() as c:
            moved = c.execute("UPDATE reports SET review_state = ? WHERE id = ? AND review_state = ?",
                              [new, report_id, expected]).rowcount == 1
            if not moved:
                return False
            if query is not None:
                author_id = c.execute("SELECT author_id FROM reports WHERE id = ?",
                                      [report_id]).fetchone()[0]
                c.execute("INSERT INTO queries (id, report_id, author_id, body, open, seq)"
                          " VALUES (?, ?, ?, ?, 1, ?)",
                          [query[0], report_id, author_id, query[1], self._bump(c)])
            self._mark_read(c, report_id, actor, at)  # a step on a report is a reading of it
            _audit(c, actor, f"review.{action}", "report", report_id,
                   {"from": expected, "to": new, **({"text": text} if text else {})}, at=at)
            return True

    def audit_trail(self, object_type: str, object_id: str) -> list[dict[str, Any]]:
        """One object's entries, oldest first; ``actor_name`` is the actor's display name today
        (None for actors that are no user: "cli", "demo")."""
        rows = self._read().execute(
            "SELECT a.at, a.actor, u.display_name, a.action, a.detail FROM audit a"
            " LEFT JOIN users u ON u.username = a.actor"
            " WHERE a.object_type = ? AND a.object_id = ? ORDER BY a.id", [object_type, object_id])
        return [{"at": at, "actor": actor, "actor_name": name, "action": action,
                 "detail": json.loads(detail)} for at, actor, name, action, detail in rows]

    def audit_log(self, *, before_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._read().execute(
            "SELECT a.id, a.at, a.actor, u.display_name, a.action, a.object_type, a.object_id,"
            " a.detail FROM audit a LEFT JOIN users u ON u.username = a.actor"
            " WHERE a.id < ? ORDER BY a.id DESC LIMIT ?", [before_id or 2**62, limit])
        return [{"id": i, "at": at, "actor": actor, "actor_name": name, "action": action,
                 "object_type": ot, "object_id": oid, "detail": json.loads(d)}
                for i, at, actor, name, action, ot, oid, d in rows]

    def record(self, actor: str, action: str, object_type: str, object_id: str,
               detail: dict[str, Any] | None = None) -> None:
        """An audit entry for something that changes no table here (e.g. an export)."""
        with self._tx() as c:
            _audit(c, actor, action, object_type, object_id, detail)

    def photo_report_refs(self, sha256: str) -> list["ReportRef"]:
        rows = self._read().execute(
            "SELECT r.id, r.author_id, r.team_id, r.agency, r.visibility, r.review_state,"
            " r.place_id FROM report_photos rp JOIN reports r ON r.id = rp.report_id"
            " WHERE rp.sha256 = ?", [sha256])
        return [ReportRef(*row) for row in rows]

    def photo_format(self, sha256: str) -> str | None:
        """The stored photo's format (JPEG, PNG, WEBP, MPO: what it is served as), None if absent."""
        row = self._read().execute("SELECT format FROM photos WHERE sha256 = ?", [sha256]).fetchone()
        return None if row is None else row[0]

    def photo_referenced_by(self, sha256: str, author_id: int) -> bool:
        return self._read().execute(
            "SELECT 1 FROM report_photos rp JOIN reports r ON r.id = rp.report_id"
            " WHERE rp.sha256 = ? AND r.author_id = ? LIMIT 1", [sha256, author_id]).fetchone() is not None

    def add_photo(self, *, sha256: str, size: int, width: int, height: int, fmt: str,
                  uploaded_by: int, received_at: str, actor: str) -> bool:
        with self._tx() as c:
            cur = c.execute(
                "INSERT OR IGNORE INTO photos (sha256, size, width, height, format, uploaded_by,"
                " received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [sha256, size, width, height, fmt, uploaded_by, received_at])
            if cur.rowcount == 1:
                _audit(c, actor, "photo.upload", "photo", sha256, {"size": size}, at=received_at)
            return cur.rowcount == 1

    def photo_count(self) -> int:
        return self._read().execute("SELECT count(*) FROM photos").fetchone()[0]

    def report_count(self) -> int:
        return self._read().execute("SELECT count(*) FROM reports").fetchone()[0]

    # ------------------------------------------------------------ retention

    def purge_reports(self, cutoffs: dict[str, str], default_cutoff: str, *, actor: str,
                      dry_run: bool = False) -> tuple[dict[str, int], list[str]]:
        """Delete reports observed before their place type's cutoff (``default_cutoff`` for
        other types and reports without a place), with their amendments, questions, photo links
        and photos no other report uses; rebuild the derived figures of the days touched; write
        what was done to the audit log -- one transaction. Returns (counts, photo hashes whose
        files the caller deletes after the commit)."""
        case = " ".join("WHEN ? THEN ?" for _ in cutoffs)
        params: list[Any] = [x for kv in cutoffs.items() for x in kv]
        with self._tx() as c:
            c.execute("DROP TABLE IF EXISTS temp.doomed")
            c.execute("CREATE TEMP TABLE doomed (id TEXT PRIMARY KEY, day TEXT NOT NULL)")
            cutoff = f"CASE coalesce(p.type, '') {case} ELSE ? END" if cutoffs else "?"
            c.execute(
                "INSERT INTO doomed SELECT r.id, substr(r.observed_at, 1, 10) FROM reports r"
                " LEFT JOIN places p ON p.id = r.place_id"
                f" WHERE r.amends IS NULL AND r.observed_at < {cutoff}", [*params, default_cutoff])
            c.execute("INSERT OR IGNORE INTO doomed SELECT id, substr(observed_at, 1, 10)"
                      " FROM reports WHERE amends IN (SELECT id FROM doomed)")
            photos = [r[0] for r in c.execute(
                "SELECT DISTINCT sha256 FROM report_photos WHERE report_id IN (SELECT id FROM doomed)"
                " EXCEPT SELECT sha256 FROM report_photos WHERE report_id NOT IN (SELECT id FROM doomed)")]
            days = [r[0] for r in c.execute("SELECT DISTINCT day FROM doomed ORDER BY day")]
            counts = {"reports": c.execute("SELECT count(*) FROM doomed").fetchone()[0],
                      "photos": len(photos), "days": len(days)}
            if dry_run or not counts["reports"]:
                c.execute("DROP TABLE temp.doomed")
                return counts, []
            counts["queries"] = c.execute("DELETE FROM queries WHERE report_id IN"
                                          " (SELECT id FROM doomed)").rowcount
            c.execute("DELETE FROM report_photos WHERE report_id IN (SELECT id FROM doomed)")
            c.execute("DELETE FROM reports WHERE id IN (SELECT id FROM doomed)")
            for chunk in _chunks(photos, 900):
                c.execute(f"DELETE FROM photos WHERE sha256 IN ({','.join('?' * len(chunk))})", chunk)
            for chunk in _chunks(days, 200):  # derived figures: recomputed from what is left
                marks = ",".join("?" * len(chunk))
                c.execute(f"DELETE FROM day_stats WHERE day IN ({marks})", chunk)
                c.execute(f"DELETE FROM day_totals WHERE day IN ({marks})", chunk)
                self._add_figures(c, c.execute(
                    "SELECT observed_at, place_id, agency, visibility, findings_mask, n_findings,"
                    f" n_measures FROM reports WHERE substr(observed_at, 1, 10) IN ({marks})",
                    chunk).fetchall())
            c.execute("DROP TABLE temp.doomed")
            _audit(c, actor, "retention.purge", "reports", "*",
                   {**counts, "cutoffs": cutoffs, "default_cutoff": default_cutoff,
                    "first_day": days[0], "last_day": days[-1]})
            return counts, photos

    # ------------------------------------------------------------ situation picture

    @staticmethod
    def _picture_where(f: PictureFilter, a: str = "r") -> tuple[str, str, list[Any]]:
        """(join, where, params) for the viewer's agency rule and the picture's filters, on
        the table aliased ``a`` (reports, or day_stats) that has agency, visibility, place_id."""
        where = [f"({a}.visibility = 'cooperation' OR {a}.agency = ?)"]
        params: list[Any] = [f.viewer_agency]
        if f.agency is not None:
            where.append(f"{a}.agency = ?")
            params.append(f.agency)
        join = ""
        place_filters = [("p.district_id", f.district_id), ("p.type", f.place_type),
                         ("p.category", f.category)]
        if any(v is not None for _, v in place_filters):
            join = f" JOIN places p ON p.id = {a}.place_id"
            for column, value in place_filters:
                if value is not None:
                    where.append(f"{column} = ?")
                    params.append(value)
        return join, " AND ".join(where), params

    def picture_by_place(self, f: PictureFilter, *, since: str, until: str
                         ) -> list[tuple[str | None, int, int, int]]:
        """(place_id, checks, findings, measures) of reports in [since, until): for the part
        of a window that is not whole days (day_stats has those)."""
        join, where, params = self._picture_where(f)
        return self._read().execute(
            "SELECT r.place_id, count(*), sum(r.n_findings), sum(r.n_measures)"
            f" FROM reports r{join} WHERE r.observed_at >= ? AND r.observed_at < ? AND {where}"
            " GROUP BY r.place_id", [since, until, *params]).fetchall()

    def picture_by_hour(self, f: PictureFilter, *, since: str, until: str
                        ) -> list[tuple[str, int, int, int]]:
        """(UTC hour 'YYYY-MM-DDTHH', findings_mask, checks, findings) in [since, until): the
        caller turns hours into local days, weekdays and hours, masks into categories."""
        join, where, params = self._picture_where(f)
        return self._read().execute(
            "SELECT substr(r.observed_at, 1, 13) AS h, r.findings_mask, count(*), sum(r.n_findings)"
            f" FROM reports r{join} WHERE r.observed_at >= ? AND r.observed_at < ? AND {where}"
            " GROUP BY h, r.findings_mask", [since, until, *params]).fetchall()

    def picture_by_agency(self, f: PictureFilter, *, days: tuple[str, str] | None,
                          raw: list[tuple[str, str]]) -> list[tuple[str, int, int, int]]:
        """(agency, checks, findings, measures) over whole UTC days [first, end) from day_stats
        plus the reports of the ``raw`` edge ranges: the steering group's measures by agency."""
        join_s, where_s, params_s = self._picture_where(f, "s")
        join_r, where_r, params_r = self._picture_where(f)
        parts, params = [], []
        if days:
            parts.append(f"SELECT s.agency, s.checks, s.findings, s.measures FROM day_stats s{join_s}"
                         f" WHERE s.day >= ? AND s.day < ? AND {where_s}")
            params += [*days, *params_s]
        for since, until in raw:
            parts.append(f"SELECT r.agency, 1, r.n_findings, r.n_measures FROM reports r{join_r}"
                         f" WHERE r.observed_at >= ? AND r.observed_at < ? AND {where_r}")
            params += [since, until, *params_r]
        if not parts:
            return []
        return self._read().execute(
            "SELECT agency, sum(checks), sum(findings), sum(measures) FROM ("
            + " UNION ALL ".join(parts) + ") GROUP BY agency ORDER BY agency", params).fetchall()

    def district_bodies(self) -> list[str]:
        return [r[0] for r in self._read().execute("SELECT body FROM districts ORDER BY id")]

    def stats_by_place(self, f: PictureFilter, *, first_day: str, end_day: str
                       ) -> list[tuple[str, int, int, int]]:
        """(place_id or '', checks, findings, measures) over whole UTC days [first, end)."""
        join, where, params = self._picture_where(f, "s")
        return self._read().execute(
            f"SELECT s.place_id, sum(s.checks), sum(s.findings), sum(s.measures) FROM day_stats s{join}"
            f" WHERE s.day >= ? AND s.day < ? AND {where} GROUP BY s.place_id",
            [first_day, end_day, *params]).fetchall()

    def stats_by_day(self, f: PictureFilter, *, first_day: str, end_day: str
                     ) -> list[tuple[str, list[int], list[int], list[int]]]:
        """(day, checks per UTC hour, findings per UTC hour, checks per finding category)
        summed per UTC day over [first, end), from the place-less day_totals (a few rows a day)."""
        where = ["(t.visibility = 'cooperation' OR t.agency = ?)"]
        params: list[Any] = [f.viewer_agency]
        for column, value in (("t.agency", f.agency), ("t.district_id", f.district_id),
                              ("t.place_type", f.place_type), ("t.category", f.category)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        cols = ", ".join(f"coalesce(sum(t.{c}), 0)" for c in (*_C, *_H, *_F))
        rows = self._read().execute(
            f"SELECT t.day, {cols} FROM day_totals t WHERE t.day >= ? AND t.day < ?"
            f" AND {' AND '.join(where)} GROUP BY t.day", [first_day, end_day, *params])
        n, m = len(_C), len(_C) + len(_H)
        return [(r[0], list(r[1:1 + n]), list(r[1 + n:1 + m]), list(r[1 + m:])) for r in rows]

    def picture_places(self) -> list[str]:
        """Bodies of all places (active or not: old reports may name retired places)."""
        return [r[0] for r in self._read().execute("SELECT body FROM places ORDER BY id")]

    def open_questions(self, f: PictureFilter, *, since: str, until: str, limit: int = 50
                       ) -> list[str]:
        """Query bodies still waiting for an answer, on reports in the window the viewer sees."""
        join, where, params = self._picture_where(f)
        return [row[0] for row in self._read().execute(
            # CROSS JOIN: drive from the few open queries, not from the window's reports
            f"SELECT q.body FROM queries q CROSS JOIN reports r ON r.id = q.report_id{join}"
            f" WHERE q.open = 1 AND r.observed_at >= ? AND r.observed_at < ? AND {where}"
            " ORDER BY q.seq DESC LIMIT ?", [since, until, *params, limit])]

    def stop_checks(self, *, since: str, until: str, grace_s: float, viewer_agency: str
                    ) -> list[tuple]:
        """Stops of active assignments whose window ends in [since, until), each with the first
        on-site report of its team at its place from the window's start to the shift's end +
        grace (the only check the stop rule can pick; see ``patrol_rules.stops.judge``). Rows:
        (assignment_id, team_id, seq, place_id, window_start, window_end, shift_end,
        first_check_at or None, shown), by window end; ``shown`` is the agency rule for a viewer
        of ``viewer_agency`` (1 if any report at that very instant is readable). Cost: one
        index seek per stop in the window, reading the team's reports at that place until the
        first match -- whatever the number of assignments or of reports elsewhere."""
        seen = "(r.visibility = 'cooperation' OR r.agency = ?1)"
        team_check = ("r.place_id = x.place_id AND r.team_id = x.team_id"
                      " AND r.server_verdict = 'on_site'")
        return self._read().execute(
            # MATERIALIZED: flattened, the first-report subquery would run once per use of x.first
            "WITH x AS MATERIALIZED (SELECT s.*, (SELECT " + seen + " || r.observed_at FROM reports r"
            "  WHERE " + team_check.replace("x.", "s.") + " AND r.observed_at >= s.window_start"
            "  AND r.observed_at <= strftime('%Y-%m-%dT%H:%M:%fZ', max(s.window_end, s.shift_end), ?2)"
            "  ORDER BY r.observed_at LIMIT 1) AS first"
            "  FROM assignment_stops s WHERE s.active = 1 AND s.window_end >= ?3 AND s.window_end < ?4)"
            " SELECT x.assignment_id, x.team_id, x.seq, x.place_id, x.window_start, x.window_end,"
            " x.shift_end, substr(x.first, 2), CASE substr(x.first, 1, 1) WHEN '1' THEN 1"
            # the first report is not readable: another at the same instant may be
            f"  ELSE (SELECT max({seen}) FROM reports r WHERE {team_check}"
            "   AND r.observed_at = substr(x.first, 2)) END"
            " FROM x ORDER BY x.window_end, x.assignment_id, x.seq",
            [viewer_agency, f"{grace_s:+.3f} seconds", since, until]).fetchall()

    def export_rows(self, f: PictureFilter, *, since: str, until: str, batch: int = 1000
                    ) -> Iterator[tuple]:
        """Reports for export, oldest first, streamed in batches from one read transaction:
        memory stays flat however many there are. Rows: (body, author, agency, received_at,
        server_verdict, server_distance_m, review_state, place_name, district_id)."""
        join, where, params = self._picture_where(f)
        if not join:
            join = " LEFT JOIN places p ON p.id = r.place_id"
        conn = _connect(self.path)  # its own connection: a long read must not pin a shared one
        try:
            conn.execute("BEGIN")
            cur = conn.execute(
                "SELECT r.body, u.username, r.agency, r.received_at, r.server_verdict,"
                " r.server_distance_m, r.review_state, json_extract(p.body, '$.name'), p.district_id"
                f" FROM reports r JOIN users u ON u.id = r.author_id{join}"
                f" WHERE r.observed_at >= ? AND r.observed_at < ? AND {where}"
                " ORDER BY r.observed_at, r.id", [since, until, *params])
            while rows := cur.fetchmany(batch):
                yield from rows
        finally:
            conn.close()

    _UNREAD = "SELECT report_id FROM queries WHERE open = 0 AND read_at IS NULL"  # queries_unread

    @classmethod
    def _report_where(cls, flt: ReportFilter, viewer: User, team_ids: list[str] | None
                      ) -> tuple[str, list[Any]]:
        """WHERE clause and params of the review queue's filters (reports ``r``, places ``p``,
        users ``u``), the viewer's agency rule and, with ``team_ids``, an officer's scope."""
        where = ["(r.visibility = 'cooperation' OR r.agency = ?)"]
        params: list[Any] = [viewer.agency.value]
        if team_ids is not None:
            where.append(f"(r.author_id = ? OR r.team_id IN ({','.join('?' * len(team_ids))}))")
            params.extend([viewer.id, *team_ids])
        for column, value in (("r.place_id", flt.place_id), ("r.agency", flt.agency),
                              ("u.username", flt.author), ("r.severity", flt.severity),
                              ("r.review_state", flt.review_state), ("p.type", flt.place_type),
                              ("p.district_id", flt.district_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if flt.review_state not in (None, "submitted"):
            where.append("r.review_state <> 'submitted'")  # lets SQLite use reports_reviewed
        if flt.unread_answers:
            where.append(f"r.id IN ({cls._UNREAD})")
        if not flt.amendments:
            where.append("r.amends IS NULL")
        if flt.since is not None:
            where.append("r.observed_at >= ?")
            params.append(flt.since)
        if flt.until is not None:
            where.append("r.observed_at < ?")
            params.append(flt.until)
        if flt.before_id is not None:
            where.append("r.id < ?")
            params.append(flt.before_id)
        return " AND ".join(where), params

    def list_reports(self, flt: ReportFilter, *, viewer: User, team_ids: list[str] | None
                     ) -> list[dict[str, Any]]:
        """Reports newest first, with the viewer's agency rule applied in SQL. ``team_ids``
        given: only the viewer's own reports and those of these teams (an officer's scope).
        Each says how many of its answers to questions review has not read yet."""
        where, params = self._report_where(flt, viewer, team_ids)
        rows = self._read().execute(
            "SELECT r.body, u.username, u.display_name, r.agency, r.received_at, r.server_verdict,"
            " r.server_distance_m, p.district_id, r.review_state, p.body, r.observed_at,"
            " r.clock_skew_s,"
            " (SELECT count(*) FROM queries q WHERE q.report_id = r.id AND q.open = 0"
            "  AND q.read_at IS NULL)"
            " FROM reports r JOIN users u ON u.id = r.author_id"
            " LEFT JOIN places p ON p.id = r.place_id WHERE " + where +
            " ORDER BY r.id DESC LIMIT ?", [*params, flt.limit])
        out = []
        for (body, author, name, agency, received, verdict, dist, district, state, place,
             observed, skew, unread) in rows:
            place_name = json.loads(place)["name"] if place else None
            report = json.loads(body)
            out.append({"report": report, "author": author, "author_name": name,
                        "agency": agency,
                        "received_at": received, "district_id": district, "review_state": state,
                        "place_name": place_name, "unread_answers": unread,
                        "server_presence": {"verdict": verdict, "distance_m": dist},
                        "times": time_facts(report, observed, received, skew)})
        return out

    def count_unread_answers(self, flt: ReportFilter, *, viewer: User,
                             team_ids: list[str] | None) -> int:
        """How many reports matching ``flt`` (whatever its review state and page) carry an
        answer review has not read: the figure beside the queue. Driven from the few unread
        answers, not from the reports."""
        where, params = self._report_where(
            replace(flt, review_state=None, before_id=None, unread_answers=True), viewer, team_ids)
        return self._read().execute(
            "SELECT count(*) FROM reports r JOIN users u ON u.id = r.author_id"
            " LEFT JOIN places p ON p.id = r.place_id WHERE " + where, params).fetchone()[0]


def time_facts(report: dict[str, Any], observed_at: str, received_at: str,
               clock_skew_s: float | None) -> dict[str, Any]:
    """What a reviewer needs to judge a report's times: the device's claim (``claimed_at``,
    from the body), the server's receipt, the time every figure counts (``observed_at``: the
    claim corrected by the skew, see ingest), the skew (None: the device did not say) and the
    fix's age when the report was saved (claim - fix time, both read off the device)."""
    fix = report.get("fix")
    fix_age = None
    if fix:
        fix_age = round((datetime.fromisoformat(report["observed_at"])
                         - datetime.fromisoformat(fix["fixed_at"])).total_seconds(), 1)
    return {"claimed_at": report["observed_at"], "received_at": received_at,
            "observed_at": observed_at, "clock_skew_s": clock_skew_s, "fix_age_s": fix_age}


def _utc_or_none(ts: str | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromisoformat(ts).astimezone(timezone.utc).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _audit(c: sqlite3.Connection, actor: str, action: str, object_type: str, object_id: str,
           detail: dict[str, Any] | None = None, *, at: str | None = None) -> None:
    """Append to the audit log inside the caller's transaction: the entry and the change it
    records commit together or not at all."""
    c.execute("INSERT INTO audit (at, actor, action, object_type, object_id, detail)"
              " VALUES (?, ?, ?, ?, ?, ?)",
              [at or _now(), actor, action, object_type, object_id,
               json.dumps(detail or {}, separators=(",", ":"), ensure_ascii=False)])


def _user(row: tuple) -> User:
    uid, username, display, role, agency, disabled = row
    return User(uid, username, display, Role(role), Agency(agency), bool(disabled))


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
