-- Agencies become data (SQLite: m011_agencies). Seeded: the codes of the former enum (police
-- and kod keep theirs) and any other code a user or report carries, so every existing row still
-- names a known agency. Each row takes a change seq: devices pull the agencies at their next
-- sync. A user must name a known agency (a foreign key), so an agency in use cannot be deleted.

CREATE TABLE agencies (
    code ctext PRIMARY KEY, name_de ctext NOT NULL, name_en ctext NOT NULL,
    kind ctext NOT NULL, active INTEGER NOT NULL DEFAULT 1, seq BIGINT NOT NULL
);
CREATE INDEX agencies_seq ON agencies(seq);

SELECT value FROM meta WHERE key = 'change_seq' FOR UPDATE;  -- the counter is ours until commit

INSERT INTO agencies (code, name_de, name_en, kind, seq)
SELECT s.code, s.name_de, s.name_en, s.kind,
       (SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'change_seq') + s.ord
FROM (VALUES
    (1, 'police', 'Polizei', 'Police', 'police'),
    (2, 'kod', 'KOD (Kommunaler Ordnungsdienst)', 'KOD (municipal order service)', 'municipal'),
    (3, 'customs', 'Zoll', 'Customs', 'partner'),
    (4, 'federal_police', 'Bundespolizei', 'Federal police', 'police'),
    (5, 'youth_office', 'Jugendamt', 'Youth office', 'municipal'),
    (6, 'tax_investigation', 'Steuerfahndung', 'Tax investigation', 'partner'),
    (7, 'prison', 'Justizvollzugsanstalt (JVA)', 'Prison', 'partner'),
    (8, 'other', 'Sonstige', 'Other', 'partner')
) AS s(ord, code, name_de, name_en, kind);

INSERT INTO agencies (code, name_de, name_en, kind, seq)
SELECT f.agency, f.agency, f.agency, 'partner',
       (SELECT max(seq) FROM agencies) + row_number() OVER (ORDER BY f.agency)
FROM (SELECT agency FROM users UNION SELECT agency FROM reports) AS f
WHERE f.agency NOT IN (SELECT code FROM agencies);

UPDATE meta SET value = (SELECT CAST(max(seq) AS TEXT) FROM agencies) WHERE key = 'change_seq';

ALTER TABLE users ADD CONSTRAINT users_agency_known FOREIGN KEY (agency) REFERENCES agencies(code);
