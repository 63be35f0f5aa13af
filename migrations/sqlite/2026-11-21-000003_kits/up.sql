-- The kit catalog and the kit a specimen was collected with (SPEC §2.1
-- swab kits, §4 kit labels). Kits added over the API live in `kits`; the
-- site's `[[kit]]` entries in kentai.toml are read from the configuration
-- and never written here.
CREATE TABLE kits (
    gtin TEXT PRIMARY KEY NOT NULL,
    specimen_type TEXT NOT NULL,
    swab_material TEXT NOT NULL,
    description TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

-- From the kit's GS1 label: (01) GTIN, (10) lot, (17) expiry, (21) serial.
-- Null for a plain (non-GS1) kit code and for specimens without a kit.
ALTER TABLE specimens ADD COLUMN kit_gtin TEXT;
ALTER TABLE specimens ADD COLUMN kit_lot TEXT;
ALTER TABLE specimens ADD COLUMN kit_expiry DATE;
ALTER TABLE specimens ADD COLUMN kit_serial TEXT;
-- Recall tracing: every specimen of a lot, in collection order.
CREATE INDEX specimens_kit_lot ON specimens (kit_lot, collected_at);
