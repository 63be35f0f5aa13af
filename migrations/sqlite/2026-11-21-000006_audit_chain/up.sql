-- A tamper-evident audit log. Each row carries the hash of the
-- row before it and its own: SHA-256 over the previous hash and the row's
-- fields (src/actions/audit.rs), so editing, deleting or reordering a row
-- breaks the chain from there on. `audit_head` holds the newest row's id
-- and hash and the number of rows, so removing rows from the end is caught
-- too; writers lock it (PostgreSQL) or are already serialised (SQLite),
-- so the chain never forks. A trigger moves the head with every appended
-- row, so it cannot fall behind the log, whoever appends.
--
-- Rows written before this migration have an empty hash; kentai seals
-- them into the chain, in id order, when it starts. After that the table
-- is append-only: the triggers refuse to change or delete a sealed row.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_id BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    row_count BIGINT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash, row_count)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN OLD.hash <> ''
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_moves_head AFTER INSERT ON audit_log
WHEN NEW.hash <> ''
BEGIN
    UPDATE audit_head
    SET last_id = NEW.id, last_hash = NEW.hash, row_count = row_count + 1
    WHERE id = 1;
END;
