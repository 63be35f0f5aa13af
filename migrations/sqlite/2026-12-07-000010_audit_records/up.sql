-- The audit chain covers the records, not only itself. Every change kentai
-- makes to a covered table (patients, specimens, storage, packages,
-- results, users, configuration) leaves one row here with the row's state
-- before and after, as JSON; the audit entry written in the same
-- transaction claims the rows (`audit_id`) and seals a digest of them
-- (`audit_log.changes`) into its hash. `kentai audit verify` replays the
-- claimed rows and compares the result with the tables.
--
-- On SQLite kentai creates the capturing triggers itself, as TEMP triggers
-- on each of its connections, from the tables' columns as they are: a
-- change made by another program leaves no row here and shows up as a
-- difference between the replay and the table.
CREATE TABLE row_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl TEXT NOT NULL,
    row_key TEXT NOT NULL,
    op TEXT NOT NULL,
    before TEXT,
    after TEXT,
    audit_id BIGINT
);
CREATE INDEX row_changes_by_audit ON row_changes (audit_id, id);

ALTER TABLE audit_log ADD COLUMN changes TEXT NOT NULL DEFAULT '';
