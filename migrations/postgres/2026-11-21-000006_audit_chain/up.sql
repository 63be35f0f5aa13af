-- A tamper-evident audit log. Each row carries the hash of the
-- row before it and its own: SHA-256 over the previous hash and the row's
-- fields (src/actions/audit.rs), so editing, deleting or reordering a row
-- breaks the chain from there on. `audit_head` holds the newest row's id
-- and hash and the number of rows, so removing rows from the end is caught
-- too; writers lock it (SELECT … FOR UPDATE), so concurrent transactions
-- append one after another and the chain never forks. A trigger moves
-- the head with every appended row, so it cannot fall behind the log,
-- whoever appends.
--
-- Rows written before this migration have an empty hash; kentai seals
-- them into the chain, in id order, when it starts. After that the table
-- is append-only: the trigger refuses to change or delete a sealed row.
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

CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.hash <> '' THEN
        RAISE EXCEPTION 'audit_log is append-only';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE FUNCTION audit_log_move_head() RETURNS trigger AS $$
BEGIN
    UPDATE audit_head
    SET last_id = NEW.id, last_hash = NEW.hash, row_count = row_count + 1
    WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_moves_head AFTER INSERT ON audit_log
FOR EACH ROW WHEN (NEW.hash <> '') EXECUTE FUNCTION audit_log_move_head();
