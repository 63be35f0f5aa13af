-- Every column that holds a code holds one kentai knows: a status, kind,
-- role, type, method, class or checklist item outside its closed set is
-- refused when it is written, whoever writes it. kentai reads such a value
-- back as an error naming the row (`store::codes`), so the database keeps
-- them out first.
-- NULL (a scan not yet processed, a tube not yet checked in) passes.
--
-- SQLite cannot add a CHECK to a table it has; rebuilding the tables would
-- also rebuild their indexes and foreign keys for nothing. Triggers refuse
-- the same values instead, on insert and on update of the columns.
-- The lists follow the domain enums; a unit test holds them equal.

CREATE TRIGGER users_codes_insert BEFORE INSERT ON users
BEGIN
    SELECT RAISE(ABORT, 'users.role: not a known role')
        WHERE NEW.role NOT IN ('reception', 'lab', 'health_centre', 'admin');
END;
CREATE TRIGGER users_codes_update BEFORE UPDATE OF role ON users
BEGIN
    SELECT RAISE(ABORT, 'users.role: not a known role')
        WHERE NEW.role NOT IN ('reception', 'lab', 'health_centre', 'admin');
END;

CREATE TRIGGER patients_codes_insert BEFORE INSERT ON patients
BEGIN
    SELECT RAISE(ABORT, 'patients.sex: not a known sex')
        WHERE NEW.sex NOT IN ('male', 'female', 'other', 'unknown');
END;
CREATE TRIGGER patients_codes_update BEFORE UPDATE OF sex ON patients
BEGIN
    SELECT RAISE(ABORT, 'patients.sex: not a known sex')
        WHERE NEW.sex NOT IN ('male', 'female', 'other', 'unknown');
END;

CREATE TRIGGER patient_versions_codes_insert BEFORE INSERT ON patient_versions
BEGIN
    SELECT RAISE(ABORT, 'patient_versions.sex: not a known sex')
        WHERE NEW.sex NOT IN ('male', 'female', 'other', 'unknown');
END;
CREATE TRIGGER patient_versions_codes_update BEFORE UPDATE OF sex ON patient_versions
BEGIN
    SELECT RAISE(ABORT, 'patient_versions.sex: not a known sex')
        WHERE NEW.sex NOT IN ('male', 'female', 'other', 'unknown');
END;

CREATE TRIGGER specimens_codes_insert BEFORE INSERT ON specimens
BEGIN
    SELECT RAISE(ABORT, 'specimens.status: not a known specimen status')
        WHERE NEW.status NOT IN ('registered', 'stored', 'packed', 'shipped', 'received', 'missing');
    SELECT RAISE(ABORT, 'specimens.specimen_type: not a known specimen type')
        WHERE NEW.specimen_type NOT IN ('sputum', 'tracheal_aspirate', 'nasopharyngeal_swab', 'saliva', 'serum_acute', 'serum_convalescent', 'stool', 'whole_blood', 'urine', 'autopsy_tissue');
    SELECT RAISE(ABORT, 'specimens.test_method: not a known test method')
        WHERE NEW.test_method NOT IN ('pcr', 'lamp', 'antigen_qualitative', 'antigen_quantitative');
END;
CREATE TRIGGER specimens_codes_update BEFORE UPDATE OF status, specimen_type, test_method ON specimens
BEGIN
    SELECT RAISE(ABORT, 'specimens.status: not a known specimen status')
        WHERE NEW.status NOT IN ('registered', 'stored', 'packed', 'shipped', 'received', 'missing');
    SELECT RAISE(ABORT, 'specimens.specimen_type: not a known specimen type')
        WHERE NEW.specimen_type NOT IN ('sputum', 'tracheal_aspirate', 'nasopharyngeal_swab', 'saliva', 'serum_acute', 'serum_convalescent', 'stool', 'whole_blood', 'urine', 'autopsy_tissue');
    SELECT RAISE(ABORT, 'specimens.test_method: not a known test method')
        WHERE NEW.test_method NOT IN ('pcr', 'lamp', 'antigen_qualitative', 'antigen_quantitative');
END;

CREATE TRIGGER locations_codes_insert BEFORE INSERT ON locations
BEGIN
    SELECT RAISE(ABORT, 'locations.storage_class: not a known storage class')
        WHERE NEW.storage_class NOT IN ('ambient', 'fridge_4c', 'frozen_minus20', 'frozen_minus80');
END;
CREATE TRIGGER locations_codes_update BEFORE UPDATE OF storage_class ON locations
BEGIN
    SELECT RAISE(ABORT, 'locations.storage_class: not a known storage class')
        WHERE NEW.storage_class NOT IN ('ambient', 'fridge_4c', 'frozen_minus20', 'frozen_minus80');
END;

CREATE TRIGGER storage_events_codes_insert BEFORE INSERT ON storage_events
BEGIN
    SELECT RAISE(ABORT, 'storage_events.storage_class: not a known storage class')
        WHERE NEW.storage_class NOT IN ('ambient', 'fridge_4c', 'frozen_minus20', 'frozen_minus80');
END;
CREATE TRIGGER storage_events_codes_update BEFORE UPDATE OF storage_class ON storage_events
BEGIN
    SELECT RAISE(ABORT, 'storage_events.storage_class: not a known storage class')
        WHERE NEW.storage_class NOT IN ('ambient', 'fridge_4c', 'frozen_minus20', 'frozen_minus80');
END;

CREATE TRIGGER results_codes_insert BEFORE INSERT ON results
BEGIN
    SELECT RAISE(ABORT, 'results.status: not a known result status')
        WHERE NEW.status NOT IN ('entered', 'released', 'returned');
    SELECT RAISE(ABORT, 'results.result: not a known test result')
        WHERE NEW.result NOT IN ('positive', 'negative', 'inconclusive', 'invalid');
    SELECT RAISE(ABORT, 'results.method: not a known test method')
        WHERE NEW.method NOT IN ('pcr', 'lamp', 'antigen_qualitative', 'antigen_quantitative');
END;
CREATE TRIGGER results_codes_update BEFORE UPDATE OF status, result, method ON results
BEGIN
    SELECT RAISE(ABORT, 'results.status: not a known result status')
        WHERE NEW.status NOT IN ('entered', 'released', 'returned');
    SELECT RAISE(ABORT, 'results.result: not a known test result')
        WHERE NEW.result NOT IN ('positive', 'negative', 'inconclusive', 'invalid');
    SELECT RAISE(ABORT, 'results.method: not a known test method')
        WHERE NEW.method NOT IN ('pcr', 'lamp', 'antigen_qualitative', 'antigen_quantitative');
END;

CREATE TRIGGER packages_codes_insert BEFORE INSERT ON packages
BEGIN
    SELECT RAISE(ABORT, 'packages.status: not a known package status')
        WHERE NEW.status NOT IN ('open', 'dispatched', 'received');
    SELECT RAISE(ABORT, 'packages.carrier: not a known carrier')
        WHERE NEW.carrier NOT IN ('official_vehicle', 'category_b_carrier', 'yu_pack');
END;
CREATE TRIGGER packages_codes_update BEFORE UPDATE OF status, carrier ON packages
BEGIN
    SELECT RAISE(ABORT, 'packages.status: not a known package status')
        WHERE NEW.status NOT IN ('open', 'dispatched', 'received');
    SELECT RAISE(ABORT, 'packages.carrier: not a known carrier')
        WHERE NEW.carrier NOT IN ('official_vehicle', 'category_b_carrier', 'yu_pack');
END;

CREATE TRIGGER package_specimens_codes_insert BEFORE INSERT ON package_specimens
BEGIN
    SELECT RAISE(ABORT, 'package_specimens.status_before: not a known specimen status')
        WHERE NEW.status_before NOT IN ('registered', 'stored', 'packed', 'shipped', 'received', 'missing');
    SELECT RAISE(ABORT, 'package_specimens.receipt: not a known receipt')
        WHERE NEW.receipt NOT IN ('received', 'missing');
END;
CREATE TRIGGER package_specimens_codes_update BEFORE UPDATE OF status_before, receipt ON package_specimens
BEGIN
    SELECT RAISE(ABORT, 'package_specimens.status_before: not a known specimen status')
        WHERE NEW.status_before NOT IN ('registered', 'stored', 'packed', 'shipped', 'received', 'missing');
    SELECT RAISE(ABORT, 'package_specimens.receipt: not a known receipt')
        WHERE NEW.receipt NOT IN ('received', 'missing');
END;

CREATE TRIGGER kits_codes_insert BEFORE INSERT ON kits
BEGIN
    SELECT RAISE(ABORT, 'kits.specimen_type: not a known specimen type')
        WHERE NEW.specimen_type NOT IN ('sputum', 'tracheal_aspirate', 'nasopharyngeal_swab', 'saliva', 'serum_acute', 'serum_convalescent', 'stool', 'whole_blood', 'urine', 'autopsy_tissue');
    SELECT RAISE(ABORT, 'kits.swab_material: not a known swab material')
        WHERE NEW.swab_material NOT IN ('flocked', 'rayon', 'polyester', 'foam', 'cotton', 'wooden', 'none');
END;
CREATE TRIGGER kits_codes_update BEFORE UPDATE OF specimen_type, swab_material ON kits
BEGIN
    SELECT RAISE(ABORT, 'kits.specimen_type: not a known specimen type')
        WHERE NEW.specimen_type NOT IN ('sputum', 'tracheal_aspirate', 'nasopharyngeal_swab', 'saliva', 'serum_acute', 'serum_convalescent', 'stool', 'whole_blood', 'urine', 'autopsy_tissue');
    SELECT RAISE(ABORT, 'kits.swab_material: not a known swab material')
        WHERE NEW.swab_material NOT IN ('flocked', 'rayon', 'polyester', 'foam', 'cotton', 'wooden', 'none');
END;

CREATE TRIGGER checklist_events_codes_insert BEFORE INSERT ON checklist_events
BEGIN
    SELECT RAISE(ABORT, 'checklist_events.item: not a known checklist item')
        WHERE NEW.item NOT IN ('primary.leakproof_tube', 'primary.lid_closed', 'primary.wiped', 'primary.parafilm', 'secondary.absorbent', 'secondary.leakproof_sealed', 'secondary.cushioned', 'secondary.dry_ice', 'tertiary.rigid_outer', 'tertiary.coolant', 'tertiary.cushioned', 'tertiary.slip_enclosed', 'tertiary.sealed', 'overpack.insulated_box', 'overpack.coolant', 'overpack.dry_ice', 'overpack.cardboard_cover', 'marks.un3373', 'transport.secured');
END;
CREATE TRIGGER checklist_events_codes_update BEFORE UPDATE OF item ON checklist_events
BEGIN
    SELECT RAISE(ABORT, 'checklist_events.item: not a known checklist item')
        WHERE NEW.item NOT IN ('primary.leakproof_tube', 'primary.lid_closed', 'primary.wiped', 'primary.parafilm', 'secondary.absorbent', 'secondary.leakproof_sealed', 'secondary.cushioned', 'secondary.dry_ice', 'tertiary.rigid_outer', 'tertiary.coolant', 'tertiary.cushioned', 'tertiary.slip_enclosed', 'tertiary.sealed', 'overpack.insulated_box', 'overpack.coolant', 'overpack.dry_ice', 'overpack.cardboard_cover', 'marks.un3373', 'transport.secured');
END;

CREATE TRIGGER scans_codes_insert BEFORE INSERT ON scans
BEGIN
    SELECT RAISE(ABORT, 'scans.kind: not a known scan outcome kind')
        WHERE NEW.kind NOT IN ('specimen', 'kit', 'patient', 'location', 'package', 'command', 'unknown');
END;
CREATE TRIGGER scans_codes_update BEFORE UPDATE OF kind ON scans
BEGIN
    SELECT RAISE(ABORT, 'scans.kind: not a known scan outcome kind')
        WHERE NEW.kind NOT IN ('specimen', 'kit', 'patient', 'location', 'package', 'command', 'unknown');
END;
