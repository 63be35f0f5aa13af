-- Results as the lab records them: the instrument run, per-target Ct, the
-- rule that called it, a correction's reason, and second-person release.
-- Results recorded before release existed were released on entry.
ALTER TABLE results ADD COLUMN status TEXT NOT NULL DEFAULT 'released';
ALTER TABLE results ADD COLUMN correction_reason TEXT;
ALTER TABLE results ADD COLUMN assay TEXT;
ALTER TABLE results ADD COLUMN ct TEXT;
ALTER TABLE results ADD COLUMN interpretation TEXT;
ALTER TABLE results ADD COLUMN import_id TEXT;
ALTER TABLE results ADD COLUMN well TEXT;
ALTER TABLE results ADD COLUMN released_by BIGINT REFERENCES users (id);
ALTER TABLE results ADD COLUMN released_at TIMESTAMP;
ALTER TABLE results ADD COLUMN return_reason TEXT;
UPDATE results SET released_by = recorded_by, released_at = recorded_at;
CREATE INDEX results_status ON results (status);

-- An instrument file read and interpreted: the preview a person decides
-- on, then the commit. The content hash makes a second import of the same
-- file the same import.
CREATE TABLE result_imports (
    import_id TEXT PRIMARY KEY NOT NULL,
    content_hash TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,
    assay TEXT NOT NULL,
    file_name TEXT,
    instrument TEXT,
    run_name TEXT,
    preview TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    committed_by BIGINT REFERENCES users (id),
    committed_at TIMESTAMP
);
