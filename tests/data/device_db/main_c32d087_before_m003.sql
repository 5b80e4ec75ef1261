BEGIN TRANSACTION;
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
INSERT INTO "_sqlite_migrations" VALUES(1,'patrol_app.store','m001_initial','2026-12-02 13:31:12.033226+00:00');
INSERT INTO "_sqlite_migrations" VALUES(2,'patrol_app.store','m002_photo_lookup','2026-12-02 13:31:12.048582+00:00');
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            ref TEXT NOT NULL,
            report_id TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            error_code TEXT,
            error TEXT,
            next_attempt_at REAL NOT NULL DEFAULT 0,
            updated_at REAL NOT NULL,
            UNIQUE(kind, ref)
        );
INSERT INTO "outbox" VALUES(1,'report','r-1','r-1','pending',0,NULL,NULL,0.0,1.0);
CREATE TABLE photos (
            sha256 TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            size INTEGER NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL
        );
CREATE TABLE ref_data (
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (kind, id)
        );
CREATE TABLE report_photos (
            report_id TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            PRIMARY KEY (report_id, sha256)
        );
CREATE TABLE reports (
            id TEXT PRIMARY KEY,
            body TEXT NOT NULL,
            place_id TEXT,
            observed_at TEXT NOT NULL,
            saved_at REAL NOT NULL
        );
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE INDEX reports_observed ON reports(observed_at);
CREATE INDEX outbox_state ON outbox(state, kind, seq);
CREATE INDEX report_photos_sha ON report_photos(sha256);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('outbox',1);
COMMIT;
