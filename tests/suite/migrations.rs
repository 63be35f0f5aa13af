//! Upgrading a database that already holds patients: the per-facility,
//! versioned patient identity keeps every patient, their specimens and
//! their ids, and gives each its first version (both backends).

use crate::common;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use kentai::actions::specimens::{self, RegisterSpecimen};
use kentai::actions::users::{authenticate, create_user, NewUserRequest};
use kentai::actions::{Actor, Ctx};
use kentai::config::Config;
use kentai::domain::roles::Role;
use kentai::store::Store;

/// The rows of a clinic that ran the version before patient identity.
const BEFORE: &str = "
INSERT INTO users (name, role, token_hash, created_at, disabled)
VALUES ('clerk', 'reception', 'hash-1', '2026-11-30 00:00:00', FALSE);
INSERT INTO patients (patient_key, patient_number, name, name_kana, birth_date, sex, address, phone, updated_at)
VALUES ('id:P-1', 'P-1', '山田 太郎', 'ヤマダ タロウ', '1980-04-01', 'male', '東京都', '03-0000-0000', '2026-11-30 00:00:00');
INSERT INTO specimens (specimen_id, patient_ref, facility_code, specimen_type, priority, collected_at,
    onset_date, asymptomatic, days_since_onset, test_method, kit, volume_ml, ppe, override_reason,
    flags, warnings, status, registration, registered_by, registered_at)
SELECT 'OLD-1', p.id, '1310000001', 'saliva', 3, '2026-11-30 00:30:00', '2026-11-28', FALSE, 2,
    'pcr', NULL, NULL, '[]', NULL, '[]', '[]', 'registered', '{}', u.id, '2026-11-30 00:31:00'
FROM patients p, users u;
";

fn connect<C: diesel::Connection>(url: &str) -> C {
    C::establish(url).expect("connect")
}

/// Applies the first six migrations of `dir` (the version before patient
/// identity) and writes [`BEFORE`].
fn old_database(url: &str) {
    older_database(url, 6, "");
}

/// Applies the first `migrations` migrations, writes [`BEFORE`], then
/// `more`.
fn older_database(url: &str, migrations: usize, more: &str) {
    if url.starts_with("postgres") {
        kentai::store::init_libpq();
        let mut c: PgConnection = connect(url);
        let set = FileBasedMigrations::from_path(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/migrations/postgres"
        ))
        .expect("migrations");
        for _ in 0..migrations {
            c.run_next_migration(set.clone()).expect("migration");
        }
        c.batch_execute(BEFORE).expect("old rows");
        if !more.is_empty() {
            c.batch_execute(more).expect("more old rows");
        }
    } else {
        let path = url.trim_start_matches("sqlite://");
        let mut c: SqliteConnection = connect(path);
        let set = FileBasedMigrations::from_path(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/migrations/sqlite"
        ))
        .expect("migrations");
        for _ in 0..migrations {
            c.run_next_migration(set.clone()).expect("migration");
        }
        c.batch_execute(BEFORE).expect("old rows");
        if !more.is_empty() {
            c.batch_execute(more).expect("more old rows");
        }
    }
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Patient {
    #[diesel(sql_type = diesel::sql_types::Text)]
    facility_code: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    version: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    versions: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    specimens: i64,
}

#[test]
fn an_upgraded_database_keeps_its_patients_and_gives_each_a_first_version() {
    let (url, _db) = common::test_database();
    old_database(&url);
    let store = Store::open(&url).expect("open");
    assert!(store.migrate().expect("migrate") >= 1);
    let patient: Patient = store
        .read(|c| {
            diesel::sql_query(
                "SELECT p.facility_code, p.version, \
                 (SELECT COUNT(*) FROM patient_versions v WHERE v.patient_ref = p.id AND v.kind = 'registered') AS versions, \
                 (SELECT COUNT(*) FROM specimens s WHERE s.patient_ref = p.id) AS specimens \
                 FROM patients p",
            )
            .get_result(c)
            .map_err(kentai::store::StoreError::from)
        })
        .expect("patient");
    assert_eq!(
        patient,
        Patient {
            facility_code: "1310000001".into(),
            version: 1,
            versions: 1,
            specimens: 1,
        }
    );

    // The upgraded patient is found again by a registration at the same
    // facility, and nothing about them is rewritten.
    let mut config = Config {
        database: url.clone(),
        ..Config::default()
    };
    config.site.facility_code = "1310000001".into();
    let ctx = Ctx::new(store, config).expect("ctx");
    let body: RegisterSpecimen = serde_json::from_value(serde_json::json!({
        "specimen_id": "NEW-1",
        "patient": {"name": "山田　太郎", "patient_id": "P-1"},
        "type": "nasopharyngeal_swab",
        "collected_at": chrono::Utc::now().to_rfc3339(),
        "onset_date": null,
        "test_method": "pcr",
        "ppe": ["surgical_mask", "eye_protection", "gown", "gloves"]
    }))
    .expect("body");
    let token = create_user(
        &ctx,
        &Actor::system(),
        &NewUserRequest {
            name: "lab".into(),
            role: Role::Lab,
            facilities: Vec::new(),
        },
    )
    .expect("user")
    .token;
    let lab = authenticate(&ctx, &token).expect("lookup").expect("lab");
    let registered =
        specimens::register(&ctx, &lab, &body, kentai::actions::now()).expect("register");
    assert_eq!(registered.specimen.patient.name, "山田 太郎");
    assert_eq!(
        registered.specimen.patient.phone.as_deref(),
        Some("03-0000-0000")
    );
}

#[test]
fn the_sqlite_rebuild_leaves_no_dangling_reference() {
    let (url, _db) = common::test_database();
    if url.starts_with("postgres") {
        return;
    }
    old_database(&url);
    Store::open(&url).expect("open").migrate().expect("migrate");
    let mut c: SqliteConnection = connect(url.trim_start_matches("sqlite://"));
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let dangling: N = diesel::sql_query("SELECT COUNT(*) AS n FROM pragma_foreign_key_check")
        .get_result(&mut c)
        .expect("check");
    assert_eq!(dangling.n, 0);
    let fk: N = diesel::sql_query("SELECT COUNT(*) AS n FROM pragma_foreign_key_list('specimens') WHERE \"table\" = 'patients'")
        .get_result(&mut c)
        .expect("fk");
    assert_eq!(fk.n, 1, "specimens still reference patients");
}

/// An audit row as a version before the hash chain wrote it.
const LEGACY_AUDIT: &str = "INSERT INTO audit_log (at, user_ref, user_name, role, action, entity, entity_id, before, after) \
     VALUES ('2026-11-30 00:31:00', NULL, 'system', 'admin', 'specimen.register', 'specimen', 'OLD-1', NULL, '{}');";

#[test]
fn an_upgraded_database_snapshots_its_records_into_the_chain_once_and_then_catches_an_edit() {
    use kentai::actions::audit::{self, Finding};
    let (url, _db) = common::test_database();
    old_database(&url);
    let store = Store::open(&url).expect("open");
    let first = audit::migrate(&store).expect("migrate");
    assert!(first.applied >= 1 && first.baseline, "{first:?}");
    let check = audit::check(&store, None).expect("check");
    assert!(check.is_ok(), "{check:?}");
    let again = audit::migrate(&store).expect("migrate again");
    assert_eq!(again, audit::Migrated::default());
    store
        .read(|c| {
            diesel::sql_query("UPDATE specimens SET status = 'missing' WHERE specimen_id = 'OLD-1'")
                .execute(c)
                .map_err(kentai::store::StoreError::from)
        })
        .expect("edit");
    let check = audit::check(&store, None).expect("check");
    assert!(
        check.findings.contains(&Finding::Changed {
            table: "specimens".into(),
            key: "OLD-1".into(),
            fields: vec!["status".into()],
        }),
        "{check:?}"
    );
}

#[test]
fn audit_rows_from_before_the_chain_are_sealed_only_by_the_run_that_adds_the_chain() {
    use kentai::actions::audit;
    let (url, _db) = common::test_database();
    older_database(&url, 5, LEGACY_AUDIT);
    let store = Store::open(&url).expect("open");
    let migrated = audit::migrate(&store).expect("migrate");
    assert_eq!(migrated.sealed, 1, "{migrated:?}");
    let check = audit::check(&store, None).expect("check");
    assert!(check.is_ok(), "{check:?}");
}

/// The newest `n` migrations of the backend's set, newest first: their
/// folders (for `down.sql`) and their versions.
fn newest_migrations(postgres: bool, n: usize) -> Vec<(std::path::PathBuf, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(if postgres { "postgres" } else { "sqlite" });
    let mut folders: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("down.sql").is_file())
        .collect();
    folders.sort();
    folders
        .into_iter()
        .rev()
        .take(n)
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let version: String = name
                .chars()
                .filter(|c| c.is_ascii_digit())
                .take(14)
                .collect();
            (p, version)
        })
        .collect()
}

/// The check that decides whether an upgrade is recorded walks the chain
/// before the migrations run, so it must read audit rows of a schema
/// without `audit_log.station`. On PostgreSQL here; on SQLite, whose
/// capture triggers refuse the column drops this test reverts with,
/// `.ci/package` upgrades the installed package onto such a database.
#[test]
fn a_chain_written_before_audit_rows_named_their_station_is_walked_by_the_upgrade() {
    use kentai::actions::audit;
    let (url, _db) = common::test_database();
    let postgres = url.starts_with("postgres");
    if !postgres {
        return;
    }
    let store = Store::open(&url).expect("open");
    audit::migrate(&store).expect("migrate");
    let ctx = Ctx::new(
        store.clone(),
        Config {
            database: url.clone(),
            ..Config::default()
        },
    )
    .expect("ctx");
    create_user(
        &ctx,
        &Actor::system(),
        &NewUserRequest {
            name: "clerk".into(),
            role: Role::Reception,
            facilities: Vec::new(),
        },
    )
    .expect("user");
    // Back to the version before audit rows named their station (and
    // before print jobs): what a clinic upgrading from it has.
    for (folder, version) in newest_migrations(postgres, 2) {
        let down = std::fs::read_to_string(folder.join("down.sql")).unwrap();
        store
            .read(|c| {
                c.batch_execute(&down)?;
                diesel::sql_query("DELETE FROM __diesel_schema_migrations WHERE version = $1")
                    .bind::<diesel::sql_types::Text, _>(&version)
                    .execute(c)
                    .map_err(kentai::store::StoreError::from)
            })
            .expect("revert");
    }
    drop(ctx);
    let store = Store::open(&url).expect("open the older database");
    assert!(store.has_pending_migrations().expect("pending"));
    let upgraded = audit::migrate(&store).expect("the upgrade walks the older chain");
    assert_eq!(upgraded.applied, 2, "{upgraded:?}");
    assert!(!store.has_pending_migrations().expect("pending"));
    audit::check(&store, None).expect("the upgraded chain is walked");
}
