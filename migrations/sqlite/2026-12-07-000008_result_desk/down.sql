-- SQLite cannot drop a column that holds a foreign key: the table is
-- rebuilt with its columns before the result desk.
DROP TABLE result_imports;
CREATE TABLE results_before_desk (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    specimen_id TEXT NOT NULL REFERENCES specimens (specimen_id),
    version INTEGER NOT NULL,
    result TEXT NOT NULL,
    method TEXT NOT NULL,
    resulted_at TIMESTAMP NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (specimen_id, version)
);
INSERT INTO results_before_desk
    SELECT id, specimen_id, version, result, method, resulted_at, recorded_by, recorded_at
    FROM results;
DROP TABLE results;
ALTER TABLE results_before_desk RENAME TO results;
CREATE INDEX results_resulted ON results (resulted_at);
