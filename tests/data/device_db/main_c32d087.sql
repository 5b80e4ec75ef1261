BEGIN TRANSACTION;
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
INSERT INTO "_sqlite_migrations" VALUES(1,'patrol_app.store','m001_initial','2026-12-02 13:31:11.909386+00:00');
INSERT INTO "_sqlite_migrations" VALUES(2,'patrol_app.store','m002_photo_lookup','2026-12-02 13:31:11.911171+00:00');
INSERT INTO "_sqlite_migrations" VALUES(3,'patrol_app.store','m003_superseded','2026-12-02 13:31:11.912293+00:00');
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO "meta" VALUES('sync_cursor','c1.42');
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
            updated_at REAL NOT NULL, superseded_by TEXT,
            UNIQUE(kind, ref)
        );
INSERT INTO "outbox" VALUES(1,'report','01a236f3-b8ce-7566-a9b2-d4c0f3cef881','01a236f3-b8ce-7566-a9b2-d4c0f3cef881','sent',0,NULL,NULL,0.0,1796218271.97203,NULL);
INSERT INTO "outbox" VALUES(2,'photo','81893a13f7c651d232f084df50f06df8a6f7444f418a02cf6f15f118aaae7d05','01a236f3-b8ce-7566-a9b2-d4c0f3cef881','pending',0,NULL,NULL,0.0,1.79621827195086240769e+09,NULL);
INSERT INTO "outbox" VALUES(3,'report','01a236f3-b8cf-72ea-b142-5f5e834b2244','01a236f3-b8cf-72ea-b142-5f5e834b2244','rejected',0,'unknown_place','no such place',0.0,1.7962182719760296345e+09,NULL);
CREATE TABLE photos (
            sha256 TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            size INTEGER NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL
        );
INSERT INTO "photos" VALUES('81893a13f7c651d232f084df50f06df8a6f7444f418a02cf6f15f118aaae7d05','/tmp/tmpyf4qe2i2/device/photos/81893a13f7c651d232f084df50f06df8a6f7444f418a02cf6f15f118aaae7d05.jpg',3136,800,600);
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
INSERT INTO "report_photos" VALUES('01a236f3-b8ce-7566-a9b2-d4c0f3cef881','81893a13f7c651d232f084df50f06df8a6f7444f418a02cf6f15f118aaae7d05');
CREATE TABLE reports (
            id TEXT PRIMARY KEY,
            body TEXT NOT NULL,
            place_id TEXT,
            observed_at TEXT NOT NULL,
            saved_at REAL NOT NULL
        );
INSERT INTO "reports" VALUES('01a236f3-b8ce-7566-a9b2-d4c0f3cef881','{"id":"01a236f3-b8ce-7566-a9b2-d4c0f3cef881","observed_at":"2026-11-01T08:00:00.000Z","presence":{"verdict":"on_site","distance_m":5.0},"severity":"low","visibility":"cooperation","place_id":"pg-1","team_id":null,"fix":{"lat":51.68,"lon":7.82,"accuracy_m":8.0,"fixed_at":"2026-12-02T13:30:01.950Z","source":"gps"},"no_fix_reason":null,"checklist_id":null,"checklist_version":null,"answers":{},"findings":["litter"],"measures":[],"counts":{},"note":"report 1","photos":["81893a13f7c651d232f084df50f06df8a6f7444f418a02cf6f15f118aaae7d05"],"amends":null}','pg-1','2026-11-01T08:00:00.000Z',1.79621827195086240769e+09);
INSERT INTO "reports" VALUES('01a236f3-b8cf-72ea-b142-5f5e834b2244','{"id":"01a236f3-b8cf-72ea-b142-5f5e834b2244","observed_at":"2026-11-01T09:00:00.000Z","presence":{"verdict":"on_site","distance_m":5.0},"severity":"low","visibility":"cooperation","place_id":"pg-1","team_id":null,"fix":{"lat":51.68,"lon":7.82,"accuracy_m":8.0,"fixed_at":"2026-12-02T13:30:01.950Z","source":"gps"},"no_fix_reason":null,"checklist_id":null,"checklist_version":null,"answers":{},"findings":["litter"],"measures":[],"counts":{},"note":"report 2","photos":[],"amends":null}','pg-1','2026-11-01T09:00:00.000Z',1.79621827196476149561e+09);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE INDEX reports_observed ON reports(observed_at);
CREATE INDEX outbox_state ON outbox(state, kind, seq);
CREATE INDEX report_photos_sha ON report_photos(sha256);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('outbox',3);
COMMIT;
