-- Joint operations ("Schwerpunkteinsatz", see sqlite_schema.m013_operations): the plan as a body
-- with its window as columns, its teams as rows (inactive once removed from the plan). Reports
-- are not tagged here: which belong to an operation is a query (storage/operations.py).
CREATE TABLE operations (
    id ctext PRIMARY KEY, body ctext NOT NULL, starts_at ctext NOT NULL, ends_at ctext NOT NULL,
    version INTEGER NOT NULL, created_by ctext NOT NULL, created_at ctext NOT NULL,
    updated_at ctext NOT NULL, seq BIGINT NOT NULL
);
CREATE INDEX operations_start ON operations(starts_at);
CREATE INDEX operations_seq ON operations(seq);
CREATE TABLE operation_teams (
    operation_id ctext NOT NULL REFERENCES operations(id), team_id ctext NOT NULL,
    active INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (operation_id, team_id)
);
CREATE INDEX operation_teams_team ON operation_teams(team_id);
