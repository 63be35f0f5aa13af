ALTER TABLE audit_log DROP COLUMN changes;
DROP TABLE row_changes;
