DROP INDEX specimens_kit_lot;
ALTER TABLE specimens DROP COLUMN kit_serial;
ALTER TABLE specimens DROP COLUMN kit_expiry;
ALTER TABLE specimens DROP COLUMN kit_lot;
ALTER TABLE specimens DROP COLUMN kit_gtin;
DROP TABLE kits;
