-- Citizen complaints imported from the city's complaint system (see sqlite_schema.m012_complaints):
-- the source's id, when, where, the category, the derived place and district. No text, no names.
CREATE TABLE complaints (
    id ctext PRIMARY KEY, occurred_at ctext NOT NULL, lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL, category ctext NOT NULL, place_id ctext, district_id ctext,
    imported_at ctext NOT NULL
);
CREATE INDEX complaints_at ON complaints(occurred_at);
