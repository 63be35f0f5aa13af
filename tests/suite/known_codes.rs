//! Stored codes are closed sets: the schema refuses a status, role or kind
//! no code knows, whoever writes it, and a value that got in anyway (a
//! database from before the check, a hand edit with the check dropped)
//! reads back as an error naming its table, row and value, never as a
//! default. Runs on both backends.

use crate::common::*;
use kentai::actions::users::authenticate;
use kentai::actions::ActionError;
use kentai::domain::roles::Role;
use kentai::store::{DbConnection, StoreError};

/// Runs `sql` around kentai; the database's answer, as text when refused.
fn raw(app: &TestApp, sql: &str) -> Result<usize, String> {
    use diesel::RunQueryDsl;
    app.ctx
        .store
        .read(|c| Ok::<_, StoreError>(diesel::sql_query(sql).execute(c)))
        .expect("connection")
        .map_err(|e| e.to_string())
}

fn is_pg(app: &TestApp) -> bool {
    app.ctx
        .store
        .read(|c| Ok::<_, StoreError>(matches!(c, DbConnection::Pg(_))))
        .expect("connection")
}

#[tokio::test]
async fn the_schema_refuses_a_status_role_or_kind_no_code_knows() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let (status, body) = app
        .register(&reception, &registration("CODES-1", "saliva", 2))
        .await;
    assert_eq!(status, 201, "{body}");
    for sql in [
        "UPDATE specimens SET status = 'frozen' WHERE specimen_id = 'CODES-1'",
        "UPDATE specimens SET specimen_type = 'blood' WHERE specimen_id = 'CODES-1'",
        "UPDATE specimens SET test_method = 'culture' WHERE specimen_id = 'CODES-1'",
        "UPDATE users SET role = 'superuser' WHERE name LIKE 'reception-%'",
        "INSERT INTO users (name, role, token_hash, created_at, disabled, facility_code) \
         VALUES ('mallory', 'root', 'x', '2026-01-01 00:00:00', false, '1310000001')",
        "INSERT INTO packages (package_id, serial, status, carrier, consignee_name, \
         consignee_address, consignee_phone, created_by, created_at, facility_code) \
         SELECT 'PKG-X', 1, 'lost', 'yu_pack', 'lab', 'addr', '03', id, \
         '2026-01-01 00:00:00', '1310000001' FROM users LIMIT 1",
    ] {
        let refused = raw(&app, sql).expect_err(sql);
        assert!(
            refused.contains("_known") || refused.contains("not a known"),
            "{sql}: {refused}"
        );
    }
    // Every known value still goes in (and the audit, checked when the
    // app ends, sees no change: the refused writes left nothing).
    assert_eq!(
        raw(
            &app,
            "UPDATE specimens SET status = 'registered' WHERE specimen_id = 'CODES-1'"
        ),
        Ok(1)
    );
}

#[tokio::test]
async fn a_stored_status_no_code_knows_reads_back_as_an_error_naming_the_row() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let (status, body) = app
        .register(&reception, &registration("CODES-2", "saliva", 2))
        .await;
    assert_eq!(status, 201, "{body}");
    app.tampered
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let drop_check = if is_pg(&app) {
        "ALTER TABLE specimens DROP CONSTRAINT specimens_status_known"
    } else {
        "DROP TRIGGER specimens_codes_update"
    };
    raw(&app, drop_check).expect(drop_check);
    raw(
        &app,
        "UPDATE specimens SET status = 'frozen' WHERE specimen_id = 'CODES-2'",
    )
    .expect("edit");

    let (status, body) = app.get("/api/v1/specimens/CODES-2", &reception).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["error"]["code"], "internal", "{body}");
    assert!(!body.to_string().contains("frozen"), "{body}");

    let actor = authenticate(&app.ctx, &reception)
        .expect("lookup")
        .expect("reception");
    match kentai::actions::specimens::get(&app.ctx, &actor, "CODES-2") {
        Err(ActionError::Store(StoreError::Corrupt(message))) => {
            for part in ["specimens", "\"CODES-2\"", "status", "\"frozen\""] {
                assert!(message.contains(part), "{part} missing from {message}");
            }
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_status_is_written_and_read_as_its_enum_on_either_backend() {
    use diesel::prelude::*;
    use kentai::domain::SpecimenStatus;
    use kentai::store::codes::Code;
    use kentai::store::schema::specimens;
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let (status, body) = app
        .register(&reception, &registration("CODES-3", "saliva", 2))
        .await;
    assert_eq!(status, 201, "{body}");
    let read = |app: &TestApp| {
        app.ctx.store.read(|c| {
            specimens::table
                .find("CODES-3")
                .select(specimens::status)
                .first::<Code<SpecimenStatus>>(c)
                .map_err(StoreError::from)
        })
    };
    assert_eq!(read(&app).expect("read"), Code(SpecimenStatus::Registered));
    let in_care: i64 = app
        .ctx
        .store
        .read(|c| {
            specimens::table
                .filter(specimens::status.eq_any([
                    Code(SpecimenStatus::Registered),
                    Code(SpecimenStatus::Stored),
                ]))
                .count()
                .get_result(c)
                .map_err(StoreError::from)
        })
        .expect("count");
    assert_eq!(in_care, 1);

    app.tampered
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let drop_check = if is_pg(&app) {
        "ALTER TABLE specimens DROP CONSTRAINT specimens_status_known"
    } else {
        "DROP TRIGGER specimens_codes_update"
    };
    raw(&app, drop_check).expect(drop_check);
    raw(
        &app,
        "UPDATE specimens SET status = 'frozen' WHERE specimen_id = 'CODES-3'",
    )
    .expect("edit");
    let error = read(&app).expect_err("an unknown status");
    let mut refused = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        refused.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert!(
        refused.contains("\"frozen\" is not a specimen status"),
        "{refused}"
    );
}
