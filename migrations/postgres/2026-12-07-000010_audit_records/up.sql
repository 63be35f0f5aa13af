-- The audit chain covers the records, not only itself. Every change to a
-- covered table (patients, specimens, storage, packages, results, users,
-- configuration) leaves one row here with the row's state before and
-- after (`to_jsonb`, so columns added later are covered as they come) and
-- the writing transaction's id; the audit entry written in the same
-- transaction claims its rows (`audit_id`) and seals a digest of them
-- (`audit_log.changes`) into its hash. `kentai audit verify` replays the
-- claimed rows, compares the result with the tables, and names rows that
-- no entry claims (written around kentai).
--
-- Migrations run with `kentai.capture = off`: what they change is
-- recorded afterwards by kentai as one entry.
CREATE TABLE row_changes (
    id BIGSERIAL PRIMARY KEY,
    tbl TEXT NOT NULL,
    row_key TEXT NOT NULL,
    op TEXT NOT NULL,
    before TEXT,
    after TEXT,
    audit_id BIGINT,
    txid BIGINT NOT NULL DEFAULT txid_current()
);
CREATE INDEX row_changes_by_audit ON row_changes (audit_id, id);
CREATE INDEX row_changes_unclaimed ON row_changes (txid) WHERE audit_id IS NULL;

ALTER TABLE audit_log ADD COLUMN changes TEXT NOT NULL DEFAULT '';

-- TG_ARGV[0]: the key column.
CREATE FUNCTION kentai_capture_row() RETURNS trigger AS $$
DECLARE
    old_row JSONB;
    new_row JSONB;
BEGIN
    IF current_setting('kentai.capture', true) = 'off' THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_row := to_jsonb(OLD);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_row := to_jsonb(NEW);
    END IF;
    -- An update that changes nothing is no change of state.
    IF TG_OP = 'UPDATE' AND old_row = new_row THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND old_row ->> TG_ARGV[0] IS DISTINCT FROM new_row ->> TG_ARGV[0] THEN
        INSERT INTO row_changes (tbl, row_key, op, before, after)
        VALUES (TG_TABLE_NAME, old_row ->> TG_ARGV[0], 'delete', old_row::text, NULL),
               (TG_TABLE_NAME, new_row ->> TG_ARGV[0], 'insert', NULL, new_row::text);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO row_changes (tbl, row_key, op, before, after)
        VALUES (TG_TABLE_NAME, old_row ->> TG_ARGV[0], 'delete', old_row::text, NULL);
    ELSE
        INSERT INTO row_changes (tbl, row_key, op, before, after)
        VALUES (TG_TABLE_NAME, new_row ->> TG_ARGV[0], lower(TG_OP), old_row::text, new_row::text);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER users_capture AFTER INSERT OR UPDATE OR DELETE ON users
FOR EACH ROW EXECUTE FUNCTION kentai_capture_row('id');
CREATE TRIGGER user_facilities_capture AFTER INSERT OR UPDATE OR DELETE ON user_facilities
FOR EACH ROW EXECUTE FUNCTION kentai_capture_row('id');
CREATE TRIGGER patients_capture AFTER INSERT OR UPDATE OR DELETE ON patients
FOR EACH ROW EXECUTE FUNCTION kentai_capture_row('id');
CREATE TRIGGER patient_versions_capture AFTER INSERT OR UPDATE OR DELETE ON patient_versions
FOR EACH ROW EXECUTE FUNCTION kentai_capture_row('id');
CREATE TRIGGER specimens_capture AFTER INSERT OR UPDATE OR DELETE ON specimens
FOR EACH ROW EXECUTE FUNCTION kentai_capture_row('specimen_id');
CREATE TRIGGER locations_capture AFTER INSERT OR UPDATE OR DELETE ON locations
FOR EACH ROW EXECUTE FUNCTION kentai_capture_row('code');
CREATE TRIGGER storage_events_capture AFTER INSERT OR UPDATE OR DELETE ON storage_events
FOR EACH ROW EXECUTE FUNCTION kentai_capture_row('id');
CREATE TRIGGER results_capture AFTER INSERT OR UPDATE OR DELETE ON results
FOR EACH ROW EXECUTE FUNCTION kentai_capture_row('id');
CREATE TRIGGER result_imports_capture AFTER INSERT OR UPDATE OR DELETE ON result_imports
FOR EACH ROW EXECUTE FUNCTION kentai_capture_row('import_id');
CREATE TRIGGER packages_capture AFTER INSERT OR UPDATE OR DELETE ON packages
FOR EACH ROW EXECUTE FUNCTION kentai_capture_row('package_id');
CREATE TRIGGER package_specimens_capture AFTER INSERT OR UPDATE OR DELETE ON package_specimens
FOR EACH ROW EXECUTE FUNCTION kentai_capture_row('id');
CREATE TRIGGER checklist_events_capture AFTER INSERT OR UPDATE OR DELETE ON checklist_events
FOR EACH ROW EXECUTE FUNCTION kentai_capture_row('id');
CREATE TRIGGER consultations_capture AFTER INSERT OR UPDATE OR DELETE ON consultations
FOR EACH ROW EXECUTE FUNCTION kentai_capture_row('id');
CREATE TRIGGER kits_capture AFTER INSERT OR UPDATE OR DELETE ON kits
FOR EACH ROW EXECUTE FUNCTION kentai_capture_row('gtin');
