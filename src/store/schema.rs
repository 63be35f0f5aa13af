//! The one diesel schema both backends share (see `migrations/`).

diesel::table! {
    users (id) {
        id -> BigInt,
        name -> Text,
        role -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        disabled -> Bool,
        facility_code -> Text,
        password_hash -> Nullable<Text>,
        password_must_change -> Bool,
        password_set_at -> Nullable<Timestamp>,
        pin_hash -> Nullable<Text>,
        pin_set_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_facilities (id) {
        id -> BigInt,
        user_ref -> BigInt,
        facility_code -> Text,
    }
}

diesel::table! {
    patients (id) {
        id -> BigInt,
        patient_key -> Text,
        patient_number -> Nullable<Text>,
        name -> Text,
        name_kana -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        sex -> Text,
        address -> Nullable<Text>,
        phone -> Nullable<Text>,
        updated_at -> Timestamp,
        facility_code -> Text,
        version -> Integer,
    }
}

diesel::table! {
    patient_versions (id) {
        id -> BigInt,
        patient_ref -> BigInt,
        version -> Integer,
        kind -> Text,
        patient_number -> Nullable<Text>,
        name -> Text,
        name_kana -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        sex -> Text,
        address -> Nullable<Text>,
        phone -> Nullable<Text>,
        reason -> Nullable<Text>,
        changed_by -> BigInt,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    specimens (specimen_id) {
        specimen_id -> Text,
        patient_ref -> BigInt,
        facility_code -> Text,
        specimen_type -> Text,
        priority -> Integer,
        collected_at -> Timestamp,
        onset_date -> Nullable<Date>,
        asymptomatic -> Bool,
        days_since_onset -> Nullable<Integer>,
        test_method -> Text,
        kit -> Nullable<Text>,
        volume_ml -> Nullable<Double>,
        ppe -> Text,
        override_reason -> Nullable<Text>,
        flags -> Text,
        warnings -> Text,
        status -> Text,
        registration -> Text,
        registered_by -> BigInt,
        registered_at -> Timestamp,
        kit_gtin -> Nullable<Text>,
        kit_lot -> Nullable<Text>,
        kit_expiry -> Nullable<Date>,
        kit_serial -> Nullable<Text>,
    }
}

diesel::table! {
    locations (code) {
        code -> Text,
        name -> Text,
        storage_class -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        facility_code -> Text,
    }
}

diesel::table! {
    storage_events (id) {
        id -> BigInt,
        specimen_id -> Text,
        location_code -> Text,
        storage_class -> Text,
        at -> Timestamp,
        warnings -> Text,
        override_reason -> Nullable<Text>,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    results (id) {
        id -> BigInt,
        specimen_id -> Text,
        version -> Integer,
        result -> Text,
        method -> Text,
        resulted_at -> Timestamp,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
        status -> Text,
        correction_reason -> Nullable<Text>,
        assay -> Nullable<Text>,
        ct -> Nullable<Text>,
        interpretation -> Nullable<Text>,
        import_id -> Nullable<Text>,
        well -> Nullable<Text>,
        released_by -> Nullable<BigInt>,
        released_at -> Nullable<Timestamp>,
        return_reason -> Nullable<Text>,
    }
}

diesel::table! {
    result_imports (import_id) {
        import_id -> Text,
        content_hash -> Text,
        format -> Text,
        assay -> Text,
        file_name -> Nullable<Text>,
        instrument -> Nullable<Text>,
        run_name -> Nullable<Text>,
        preview -> Text,
        status -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        committed_by -> Nullable<BigInt>,
        committed_at -> Nullable<Timestamp>,
        facility_code -> Text,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        user_ref -> Nullable<BigInt>,
        user_name -> Text,
        role -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
        changes -> Text,
        station -> Nullable<Text>,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        last_id -> BigInt,
        last_hash -> Text,
        row_count -> BigInt,
    }
}

diesel::table! {
    packages (package_id) {
        package_id -> Text,
        serial -> BigInt,
        status -> Text,
        carrier -> Text,
        consignee_name -> Text,
        consignee_address -> Text,
        consignee_phone -> Text,
        packer_name -> Nullable<Text>,
        packer_certificate_id -> Nullable<Text>,
        emergency_phone -> Nullable<Text>,
        shipper -> Nullable<Text>,
        dispatched_at -> Nullable<Timestamp>,
        dispatched_by -> Nullable<BigInt>,
        dispatch_override_reason -> Nullable<Text>,
        dispatch_overrides -> Nullable<Text>,
        received_at -> Nullable<Timestamp>,
        received_by -> Nullable<BigInt>,
        receipt_note -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> Timestamp,
        facility_code -> Text,
    }
}

diesel::table! {
    package_specimens (id) {
        id -> BigInt,
        package_id -> Text,
        specimen_id -> Text,
        status_before -> Text,
        override_reason -> Nullable<Text>,
        added_by -> BigInt,
        added_at -> Timestamp,
        removed_by -> Nullable<BigInt>,
        removed_at -> Nullable<Timestamp>,
        receipt -> Nullable<Text>,
        receipt_by -> Nullable<BigInt>,
        receipt_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    checklist_events (id) {
        id -> BigInt,
        package_id -> Text,
        item -> Text,
        specimen_id -> Nullable<Text>,
        done -> Bool,
        dry_ice_kg -> Nullable<Double>,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    consultations (id) {
        id -> BigInt,
        specimen_id -> Text,
        consulted_with -> Text,
        note -> Nullable<Text>,
        consulted_at -> Timestamp,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    kits (gtin) {
        gtin -> Text,
        specimen_type -> Text,
        swab_material -> Text,
        description -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    scans (id) {
        id -> BigInt,
        station -> Text,
        device -> Text,
        raw -> Binary,
        aim -> Nullable<Text>,
        scanned_at -> Timestamp,
        acted_by -> BigInt,
        duplicate_of -> Nullable<BigInt>,
        processed_at -> Nullable<Timestamp>,
        kind -> Nullable<Text>,
        accepted -> Nullable<Bool>,
        outcome -> Nullable<Text>,
        state_after -> Nullable<Text>,
        facility_code -> Text,
        operator -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        locked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_ref -> BigInt,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    row_changes (id) {
        id -> BigInt,
        tbl -> Text,
        row_key -> Text,
        op -> Text,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
        audit_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    analyzer_messages (id) {
        id -> BigInt,
        facility_code -> Text,
        analyzer -> Text,
        protocol -> Text,
        raw -> Binary,
        digest -> Text,
        control_id -> Nullable<Text>,
        received_at -> Timestamp,
        processed_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    analyzer_results (id) {
        id -> BigInt,
        message_id -> BigInt,
        facility_code -> Text,
        analyzer -> Text,
        specimen_id -> Text,
        observations -> Text,
        reading -> Text,
        completed_at -> Nullable<Timestamp>,
        state -> Text,
        result_id -> Nullable<BigInt>,
        note -> Nullable<Text>,
        resolved_by -> Nullable<BigInt>,
        resolved_at -> Nullable<Timestamp>,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    badges (id) {
        id -> BigInt,
        user_ref -> BigInt,
        facility_code -> Text,
        label -> Text,
        code_hash -> Text,
        created_at -> Timestamp,
        created_by -> BigInt,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    print_jobs (id) {
        id -> BigInt,
        facility_code -> Text,
        printer -> Text,
        document -> Text,
        target -> Text,
        cause -> Text,
        dedupe_key -> Nullable<Text>,
        state -> Text,
        media_type -> Nullable<Text>,
        payload -> Nullable<Binary>,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        created_by -> BigInt,
        next_attempt_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(specimens -> patients (patient_ref));
diesel::joinable!(patient_versions -> patients (patient_ref));
diesel::joinable!(storage_events -> specimens (specimen_id));
diesel::joinable!(storage_events -> locations (location_code));
diesel::joinable!(results -> specimens (specimen_id));
diesel::joinable!(package_specimens -> packages (package_id));
diesel::joinable!(package_specimens -> specimens (specimen_id));
diesel::joinable!(checklist_events -> packages (package_id));
diesel::joinable!(consultations -> specimens (specimen_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(badges -> users (user_ref));
diesel::joinable!(user_facilities -> users (user_ref));
diesel::joinable!(api_tokens -> users (user_ref));
diesel::joinable!(analyzer_results -> analyzer_messages (message_id));

diesel::allow_tables_to_appear_in_same_query!(
    badges,
    users,
    user_facilities,
    patients,
    patient_versions,
    specimens,
    locations,
    storage_events,
    results,
    result_imports,
    audit_log,
    audit_head,
    packages,
    package_specimens,
    checklist_events,
    consultations,
    kits,
    scans,
    sessions,
    api_tokens,
    row_changes,
    analyzer_messages,
    analyzer_results,
    print_jobs
);
