-- Every column that holds a code holds one kentai knows: a status, kind,
-- role, type, method, class or checklist item outside its closed set is
-- refused when it is written, whoever writes it. kentai reads such a value
-- back as an error naming the row (`store::codes`), so the database keeps
-- them out first.
-- NULL (a scan not yet processed, a tube not yet checked in) passes.
--
-- The lists follow the domain enums; a unit test holds them equal.
ALTER TABLE users ADD CONSTRAINT users_role_known
    CHECK (role IN ('reception', 'lab', 'health_centre', 'admin'));
ALTER TABLE patients ADD CONSTRAINT patients_sex_known
    CHECK (sex IN ('male', 'female', 'other', 'unknown'));
ALTER TABLE patient_versions ADD CONSTRAINT patient_versions_sex_known
    CHECK (sex IN ('male', 'female', 'other', 'unknown'));
ALTER TABLE specimens ADD CONSTRAINT specimens_status_known
    CHECK (status IN ('registered', 'stored', 'packed', 'shipped', 'received', 'missing'));
ALTER TABLE specimens ADD CONSTRAINT specimens_specimen_type_known
    CHECK (specimen_type IN ('sputum', 'tracheal_aspirate', 'nasopharyngeal_swab', 'saliva', 'serum_acute', 'serum_convalescent', 'stool', 'whole_blood', 'urine', 'autopsy_tissue'));
ALTER TABLE specimens ADD CONSTRAINT specimens_test_method_known
    CHECK (test_method IN ('pcr', 'lamp', 'antigen_qualitative', 'antigen_quantitative'));
ALTER TABLE locations ADD CONSTRAINT locations_storage_class_known
    CHECK (storage_class IN ('ambient', 'fridge_4c', 'frozen_minus20', 'frozen_minus80'));
ALTER TABLE storage_events ADD CONSTRAINT storage_events_storage_class_known
    CHECK (storage_class IN ('ambient', 'fridge_4c', 'frozen_minus20', 'frozen_minus80'));
ALTER TABLE results ADD CONSTRAINT results_status_known
    CHECK (status IN ('entered', 'released', 'returned'));
ALTER TABLE results ADD CONSTRAINT results_result_known
    CHECK (result IN ('positive', 'negative', 'inconclusive', 'invalid'));
ALTER TABLE results ADD CONSTRAINT results_method_known
    CHECK (method IN ('pcr', 'lamp', 'antigen_qualitative', 'antigen_quantitative'));
ALTER TABLE packages ADD CONSTRAINT packages_status_known
    CHECK (status IN ('open', 'dispatched', 'received'));
ALTER TABLE packages ADD CONSTRAINT packages_carrier_known
    CHECK (carrier IN ('official_vehicle', 'category_b_carrier', 'yu_pack'));
ALTER TABLE package_specimens ADD CONSTRAINT package_specimens_status_before_known
    CHECK (status_before IN ('registered', 'stored', 'packed', 'shipped', 'received', 'missing'));
ALTER TABLE package_specimens ADD CONSTRAINT package_specimens_receipt_known
    CHECK (receipt IN ('received', 'missing'));
ALTER TABLE kits ADD CONSTRAINT kits_specimen_type_known
    CHECK (specimen_type IN ('sputum', 'tracheal_aspirate', 'nasopharyngeal_swab', 'saliva', 'serum_acute', 'serum_convalescent', 'stool', 'whole_blood', 'urine', 'autopsy_tissue'));
ALTER TABLE kits ADD CONSTRAINT kits_swab_material_known
    CHECK (swab_material IN ('flocked', 'rayon', 'polyester', 'foam', 'cotton', 'wooden', 'none'));
ALTER TABLE checklist_events ADD CONSTRAINT checklist_events_item_known
    CHECK (item IN ('primary.leakproof_tube', 'primary.lid_closed', 'primary.wiped', 'primary.parafilm', 'secondary.absorbent', 'secondary.leakproof_sealed', 'secondary.cushioned', 'secondary.dry_ice', 'tertiary.rigid_outer', 'tertiary.coolant', 'tertiary.cushioned', 'tertiary.slip_enclosed', 'tertiary.sealed', 'overpack.insulated_box', 'overpack.coolant', 'overpack.dry_ice', 'overpack.cardboard_cover', 'marks.un3373', 'transport.secured'));
ALTER TABLE scans ADD CONSTRAINT scans_kind_known
    CHECK (kind IN ('specimen', 'kit', 'patient', 'location', 'package', 'command', 'unknown'));
