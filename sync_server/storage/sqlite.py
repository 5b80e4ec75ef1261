"""SQLite backend (sqlite-utils): the embedded default store. All server SQL lives here.

Concurrency: uvicorn serves sync endpoints from a thread pool. Each thread reads through its own
connection (WAL lets readers run beside the writer); writes go through one connection under a
lock, because SQLite has one writer at a time anyway and queuing in Python is cheaper than
SQLITE_BUSY retries.

Reference data (districts, places, checklists, teams, assignments) carries a ``seq`` from one
global counter, bumped on every change; a device's sync cursor is the highest seq it has seen.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterable

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from patrol_wire import Agency, Role

from .base import IngestOutcome, NewReport, ReportFilter, User

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


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across app crashes
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA cache_size=-65536")  # 64 MiB
    return conn


class SqliteStorage:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write_conn = _connect(self.path)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        db = Database(sqlite3.connect(self.path))
        migrations.apply(db)
        db.close()

    def close(self) -> None:
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._write_conn.close()

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
            self.s._write_conn.execute("BEGIN IMMEDIATE")
            return self.s._write_conn

        def __exit__(self, exc_type, exc, tb) -> None:
            try:
                self.s._write_conn.execute("ROLLBACK" if exc_type else "COMMIT")
            finally:
                self.s._write_lock.release()

    def _tx(self) -> "_Tx":
        return SqliteStorage._Tx(self)

    @staticmethod
    def _bump(conn: sqlite3.Connection) -> int:
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'change_seq'")
        return int(conn.execute("SELECT value FROM meta WHERE key = 'change_seq'").fetchone()[0])

    # ------------------------------------------------------------ users and tokens

    def create_user(self, *, username: str, display_name: str, password_hash: str, role: Role,
                    agency: Agency) -> User:
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO users (username, display_name, password_hash, role, agency, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [username, display_name, password_hash, role.value, agency.value, time.time()],
            )
            return User(cur.lastrowid, username, display_name, role, agency)

    def set_disabled(self, username: str, disabled: bool) -> bool:
        with self._tx() as c:
            return c.execute("UPDATE users SET disabled = ? WHERE username = ?",
                             [int(disabled), username]).rowcount == 1

    def user_by_name(self, username: str) -> tuple[User, str] | None:
        row = self._read().execute(
            "SELECT id, username, display_name, role, agency, disabled, password_hash"
            " FROM users WHERE username = ?", [username]).fetchone()
        return None if row is None else (_user(row[:6]), row[6])

    def store_token(self, *, token_hash: str, user_id: int, expires_at: float) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO tokens (token_hash, user_id, created_at, expires_at)"
                      " VALUES (?, ?, ?, ?)", [token_hash, user_id, time.time(), expires_at])

    def user_for_token(self, token_hash: str, *, now: float) -> tuple[User, float] | None:
        """The token's user and expiry, if the token exists, is not revoked and the user active."""
        row = self._read().execute(
            "SELECT u.id, u.username, u.display_name, u.role, u.agency, u.disabled, t.expires_at"
            " FROM tokens t JOIN users u ON u.id = t.user_id"
            " WHERE t.token_hash = ? AND t.revoked = 0 AND u.disabled = 0", [token_hash]).fetchone()
        return None if row is None else (_user(row[:6]), row[6])

    def revoke_token(self, token_hash: str) -> None:
        with self._tx() as c:
            c.execute("UPDATE tokens SET revoked = 1 WHERE token_hash = ?", [token_hash])

    def team_ids_of(self, user_id: int) -> list[str]:
        rows = self._read().execute(
            "SELECT team_id FROM team_members WHERE user_id = ? ORDER BY team_id", [user_id])
        return [r[0] for r in rows]

    # ------------------------------------------------------------ reference data

    def upsert_district(self, district_id: str, body: str) -> None:
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO districts (id, body, seq) VALUES (?, ?, ?)",
                      [district_id, body, self._bump(c)])

    def upsert_places(self, rows: Iterable[tuple[str, str, str, str | None, bool]]) -> int:
        """rows: (id, body, type, district_id, active). One seq per place, one transaction."""
        n = 0
        with self._tx() as c:
            for pid, body, ptype, district, active in rows:
                c.execute(
                    "INSERT OR REPLACE INTO places (id, body, type, district_id, active, seq)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [pid, body, ptype, district, int(active), self._bump(c)])
                n += 1
        return n

    def upsert_checklist(self, checklist_id: str, version: int, place_type: str, body: str) -> None:
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO checklists (id, version, place_type, body, seq)"
                      " VALUES (?, ?, ?, ?, ?)",
                      [checklist_id, version, place_type, body, self._bump(c)])

    def upsert_team(self, team_id: str, name: str, shift_date: str | None,
                    member_ids: list[int]) -> None:
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO teams (id, name, shift_date, seq) VALUES (?, ?, ?, ?)",
                      [team_id, name, shift_date, self._bump(c)])
            c.execute("DELETE FROM team_members WHERE team_id = ?", [team_id])
            c.executemany("INSERT INTO team_members (team_id, user_id) VALUES (?, ?)",
                          [(team_id, uid) for uid in member_ids])
            # a new member must receive the team's assignments at their next pull
            c.execute("UPDATE assignments SET seq = ? WHERE team_id = ?", [self._bump(c), team_id])

    def upsert_assignment(self, assignment_id: str, team_id: str, body: str) -> None:
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO assignments (id, team_id, body, seq) VALUES (?, ?, ?, ?)",
                      [assignment_id, team_id, body, self._bump(c)])

    def team_members(self, team_id: str) -> list[User]:
        rows = self._read().execute(
            "SELECT u.id, u.username, u.display_name, u.role, u.agency, u.disabled FROM users u"
            " JOIN team_members m ON m.user_id = u.id WHERE m.team_id = ? ORDER BY u.username",
            [team_id])
        return [_user(r) for r in rows]

    def team_row(self, team_id: str) -> tuple[str, str, str | None] | None:
        return self._read().execute("SELECT id, name, shift_date FROM teams WHERE id = ?",
                                    [team_id]).fetchone()

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
        }
        merged: list[tuple[int, str, str]] = []
        for kind, (sql, extra) in queries.items():
            for s, body in conn.execute(sql, [seq, *extra, limit + 1]):
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
        """Store new reports; tell identical replays (same id, same content) from conflicts."""
        out: list[IngestOutcome] = []
        with self._tx() as c:
            ids = [r.id for r in reports]
            existing: dict[str, tuple[str, int]] = {}
            for chunk in _chunks(ids, 900):
                for rid, h, a in c.execute(
                        f"SELECT id, content_hash, author_id FROM reports WHERE id IN"
                        f" ({','.join('?' * len(chunk))})", chunk):
                    existing[rid] = (h, a)
            new_rows = []
            photo_rows = []
            statuses = []
            for r in reports:
                prior = existing.get(r.id)
                if prior is None:
                    existing[r.id] = (r.content_hash, author.id)
                    new_rows.append((r.id, r.content_hash, r.body, author.id, author.agency.value,
                                     r.team_id, r.place_id, r.observed_at, received_at, r.lat,
                                     r.lon, r.accuracy_m, r.device_verdict, r.server_verdict,
                                     r.server_distance_m, r.severity, r.visibility))
                    photo_rows.extend((r.id, sha) for sha in r.photos)
                    statuses.append("created")
                elif prior == (r.content_hash, author.id):
                    statuses.append("identical")
                else:
                    statuses.append("conflict")
            c.executemany(
                "INSERT INTO reports (id, content_hash, body, author_id, agency, team_id, place_id,"
                " observed_at, received_at, lat, lon, accuracy_m, device_verdict, server_verdict,"
                " server_distance_m, severity, visibility)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", new_rows)
            c.executemany("INSERT OR IGNORE INTO report_photos (report_id, sha256) VALUES (?, ?)",
                          photo_rows)
            wanted = sorted({sha for r in reports for sha in r.photos})
            have: set[str] = set()
            for chunk in _chunks(wanted, 900):
                have.update(row[0] for row in c.execute(
                    f"SELECT sha256 FROM photos WHERE sha256 IN ({','.join('?' * len(chunk))})",
                    chunk))
        for r, status in zip(reports, statuses):
            missing = [s for s in r.photos if s not in have] if status != "conflict" else []
            out.append(IngestOutcome(r.id, status, missing))
        return out

    def photo_exists(self, sha256: str) -> bool:
        return self._read().execute("SELECT 1 FROM photos WHERE sha256 = ?", [sha256]).fetchone() is not None

    def photo_referenced_by(self, sha256: str, author_id: int) -> bool:
        return self._read().execute(
            "SELECT 1 FROM report_photos rp JOIN reports r ON r.id = rp.report_id"
            " WHERE rp.sha256 = ? AND r.author_id = ? LIMIT 1", [sha256, author_id]).fetchone() is not None

    def add_photo(self, *, sha256: str, size: int, width: int, height: int, fmt: str,
                  uploaded_by: int, received_at: str) -> bool:
        with self._tx() as c:
            cur = c.execute(
                "INSERT OR IGNORE INTO photos (sha256, size, width, height, format, uploaded_by,"
                " received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [sha256, size, width, height, fmt, uploaded_by, received_at])
            return cur.rowcount == 1

    def photo_count(self) -> int:
        return self._read().execute("SELECT count(*) FROM photos").fetchone()[0]

    def report_count(self) -> int:
        return self._read().execute("SELECT count(*) FROM reports").fetchone()[0]

    def list_reports(self, flt: ReportFilter, *, viewer: User, own_only: bool) -> list[dict[str, Any]]:
        """Reports newest first, with the viewer's agency rule applied in SQL."""
        where = ["(r.visibility = 'cooperation' OR r.agency = ?)"]
        params: list[Any] = [viewer.agency.value]
        if own_only:
            where.append("r.author_id = ?")
            params.append(viewer.id)
        for column, value in (("r.place_id", flt.place_id), ("r.agency", flt.agency),
                              ("u.username", flt.author), ("r.severity", flt.severity)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if flt.district_id is not None:
            where.append("p.district_id = ?")
            params.append(flt.district_id)
        if flt.since is not None:
            where.append("r.observed_at >= ?")
            params.append(flt.since)
        if flt.until is not None:
            where.append("r.observed_at < ?")
            params.append(flt.until)
        if flt.before_id is not None:
            where.append("r.id < ?")
            params.append(flt.before_id)
        rows = self._read().execute(
            "SELECT r.body, u.username, r.agency, r.received_at, r.server_verdict,"
            " r.server_distance_m, p.district_id FROM reports r JOIN users u ON u.id = r.author_id"
            " LEFT JOIN places p ON p.id = r.place_id WHERE " + " AND ".join(where) +
            " ORDER BY r.id DESC LIMIT ?", [*params, flt.limit])
        return [
            {"report": json.loads(body), "author": author, "agency": agency,
             "received_at": received, "district_id": district,
             "server_presence": {"verdict": verdict, "distance_m": dist}}
            for body, author, agency, received, verdict, dist, district in rows
        ]


def _user(row: tuple) -> User:
    uid, username, display, role, agency, disabled = row
    return User(uid, username, display, Role(role), Agency(agency), bool(disabled))


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
