"""The SQLite schema: migrations m001-m013, applied by sqlite-utils in order and recorded in
``_sqlite_migrations`` under these very names (existing databases depend on them: never rename
or edit one, add the next). PostgreSQL's equivalent is ``pg_schema/``.
"""

from __future__ import annotations

import json

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .engine import now_text as _now
from .figures import N_CATEGORIES, STAT_COLUMNS

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
    from .planning import put_stops  # the live definition, as ingest of an assignment uses it

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
        put_stops(db.conn, aid, team_id, body, bool(active))


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


# The agencies of the enum that named them before m011, with the kind of each. Frozen here as
# the migration's data (later names are the admins' to change).
M011_AGENCIES = [
    ("police", "Polizei", "Police", "police"),
    ("kod", "KOD (Kommunaler Ordnungsdienst)", "KOD (municipal order service)", "municipal"),
    ("customs", "Zoll", "Customs", "partner"),
    ("federal_police", "Bundespolizei", "Federal police", "police"),
    ("youth_office", "Jugendamt", "Youth office", "municipal"),
    ("tax_investigation", "Steuerfahndung", "Tax investigation", "partner"),
    ("prison", "Justizvollzugsanstalt (JVA)", "Prison", "partner"),
    ("other", "Sonstige", "Other", "partner"),
]


@migrations()
def m011_agencies(db: Database) -> None:
    """Agencies become data. Seeded: the codes of the former enum (police and kod keep theirs)
    and any other code a user or report carries, so every existing row still names a known
    agency. Each row takes a change seq: devices pull the agencies at their next sync. A user
    must name a known agency (triggers; PostgreSQL: a foreign key)."""
    db.executescript("""
        CREATE TABLE agencies (
            code TEXT PRIMARY KEY, name_de TEXT NOT NULL, name_en TEXT NOT NULL,
            kind TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1, seq INTEGER NOT NULL
        );
        CREATE INDEX agencies_seq ON agencies(seq);
        CREATE TRIGGER users_agency_insert BEFORE INSERT ON users
            WHEN NOT EXISTS (SELECT 1 FROM agencies WHERE code = NEW.agency)
            BEGIN SELECT RAISE(ABORT, 'unknown agency'); END;
        CREATE TRIGGER users_agency_update BEFORE UPDATE OF agency ON users
            WHEN NOT EXISTS (SELECT 1 FROM agencies WHERE code = NEW.agency)
            BEGIN SELECT RAISE(ABORT, 'unknown agency'); END;
        CREATE TRIGGER agencies_no_delete BEFORE DELETE ON agencies
            WHEN EXISTS (SELECT 1 FROM users WHERE agency = OLD.code)
            BEGIN SELECT RAISE(ABORT, 'agency in use: deactivate it instead'); END;
    """)
    known = {code for code, *_ in M011_AGENCIES}
    found = {r[0] for r in db.execute(
        "SELECT agency FROM users UNION SELECT agency FROM reports").fetchall()}
    rows = M011_AGENCIES + [(code, code, code, "partner") for code in sorted(found - known)]
    seq = int(db.execute("SELECT value FROM meta WHERE key = 'change_seq'").fetchone()[0])
    db.conn.executemany(
        "INSERT INTO agencies (code, name_de, name_en, kind, seq) VALUES (?, ?, ?, ?, ?)",
        [(*row, seq + i) for i, row in enumerate(rows, start=1)])
    db.execute("UPDATE meta SET value = ? WHERE key = 'change_seq'", [str(seq + len(rows))])


@migrations()
def m012_complaints(db: Database) -> None:
    """Citizen complaints imported from the city's complaint system: the source's id (the key
    that makes a re-import count nothing twice), when, where, the category, and the place and
    district derived at import. No text and no names: there are no columns for them."""
    db.executescript("""
        CREATE TABLE complaints (
            id TEXT PRIMARY KEY, occurred_at TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,
            category TEXT NOT NULL, place_id TEXT, district_id TEXT, imported_at TEXT NOT NULL
        );
        CREATE INDEX complaints_at ON complaints(occurred_at);
    """)


@migrations()
def m013_operations(db: Database) -> None:
    """Joint operations ("Schwerpunkteinsatz"): the plan as a body with its window as columns,
    and its teams as rows (inactive once removed from the plan: their devices pull the change
    once more). Reports are not tagged here: which belong to an operation is a query (see
    ``storage/operations.py``)."""
    db.executescript("""
        CREATE TABLE operations (
            id TEXT PRIMARY KEY, body TEXT NOT NULL, starts_at TEXT NOT NULL,
            ends_at TEXT NOT NULL, version INTEGER NOT NULL, created_by TEXT NOT NULL,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL, seq INTEGER NOT NULL
        );
        CREATE INDEX operations_start ON operations(starts_at);
        CREATE INDEX operations_seq ON operations(seq);
        CREATE TABLE operation_teams (
            operation_id TEXT NOT NULL REFERENCES operations(id), team_id TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (operation_id, team_id)
        ) WITHOUT ROWID;
        CREATE INDEX operation_teams_team ON operation_teams(team_id);
    """)
