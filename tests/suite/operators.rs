//! The person working a station: two clerks share one storage desk and
//! its serial scanner, switching by staff badge and PIN; every scan, its
//! journal row, the storage record and the audit row it makes name the
//! clerk and the station. A revoked badge signs nobody in, a wrong PIN
//! counts as a wrong password does, an idle clerk is signed out, and a
//! station that requires an operator journals and refuses scans without
//! one.

use crate::common::{self, clerk, serial_scanner, spawn_app_with, with_stations, TestApp};
use diesel::prelude::*;
use kentai::actions::{badges, Actor};
use kentai::simulate::Pty;
use kentai_drivers::framing::Suffix;
use serde_json::{json, Value};
use std::time::Duration;

// A deadline for correctness, generous for a busy CI machine.
const WAIT: Duration = Duration::from_secs(30);

/// A storage desk `fridge-1` with a serial scanner, its events followed.
struct Desk {
    _dir: tempfile::TempDir,
    pty: Pty,
    app: TestApp,
    events: common::EventStream,
}

async fn desk(adjust: impl FnOnce(&mut kentai::config::Config)) -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("gun-1");
    let pty = Pty::create(&link).unwrap();
    let app = spawn_app_with(move |c| {
        with_stations(c);
        c.scanners = vec![serial_scanner("gun-1", &link, "fridge-1")];
        // The tests read the same badge again at once, as no person does.
        c.scanning.duplicate_window_ms = 0;
        adjust(c);
    })
    .await;
    app.until_scanner_open("gun-1", WAIT).await;
    let events = app.events("fridge-1", &app.admin, None).await;
    Desk {
        _dir: dir,
        pty,
        app,
        events,
    }
}

impl Desk {
    /// Scans `code` with the desk's scanner; its scan event.
    async fn scan(&mut self, code: &str) -> Value {
        let bytes = code.as_bytes().to_vec();
        let pty = &mut self.pty;
        tokio::task::block_in_place(|| pty.send_scan(&bytes, Suffix::Cr, Some(9600)))
            .expect("write to the pty");
        self.events.next_scan(WAIT).await.expect("the scan").data
    }

    async fn pin(&self, pin: &str) -> (u16, Value) {
        self.app
            .post(
                "/api/v1/stations/fridge-1/operator",
                &self.app.admin,
                &json!({ "pin": pin }),
            )
            .await
    }

    async fn operator(&self) -> Value {
        let (status, body) = self
            .app
            .get("/api/v1/stations/fridge-1/operator", &self.app.admin)
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

/// Who each storage record names, oldest first.
fn storage_people(app: &TestApp) -> Vec<(String, String)> {
    use kentai::store::schema::{storage_events, users};
    app.ctx
        .store
        .read(|c| {
            storage_events::table
                .inner_join(users::table.on(users::id.eq(storage_events::recorded_by)))
                .order(storage_events::id)
                .select((storage_events::specimen_id, users::name))
                .load::<(String, String)>(c)
                .map_err(kentai::actions::ActionError::from)
        })
        .expect("storage records")
}

/// The journal's rows: data, the person acting, the operator column.
fn journal(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    use kentai::store::schema::{scans, users};
    app.ctx
        .store
        .read(|c| {
            scans::table
                .inner_join(users::table.on(users::id.eq(scans::acted_by)))
                .order(scans::id)
                .select((scans::raw, users::name, scans::operator))
                .load::<(Vec<u8>, String, Option<String>)>(c)
                .map_err(kentai::actions::ActionError::from)
        })
        .expect("journal")
        .into_iter()
        .map(|(raw, name, operator)| (String::from_utf8_lossy(&raw).into_owned(), name, operator))
        .collect()
}

/// The audit rows of `action`: the person and the station they name.
fn audited(app: &TestApp, action: &str) -> Vec<(String, Option<String>)> {
    use kentai::store::schema::audit_log;
    app.ctx
        .store
        .read(|c| {
            audit_log::table
                .filter(audit_log::action.eq(action))
                .order(audit_log::id)
                .select((audit_log::user_name, audit_log::station))
                .load::<(String, Option<String>)>(c)
                .map_err(kentai::actions::ActionError::from)
        })
        .expect("audit")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_clerks_switch_by_badge_and_every_record_of_their_scans_names_them() {
    let mut desk = desk(|_| {}).await;
    let tanaka = clerk(&desk.app, "tanaka", "2580");
    let suzuki = clerk(&desk.app, "suzuki", "7391");
    desk.app.location("FRIDGE-A", "fridge_4c").await;
    for tube in ["T-1", "T-2", "T-3"] {
        desk.app
            .admin_registers(tube, "nasopharyngeal_swab", 2)
            .await;
    }

    // Nobody works the desk yet: its scans are the station's own.
    assert!(desk.operator().await.get("operator").is_none());

    // Tanaka's badge, then a wrong PIN: the badge must be read again.
    let read = desk.scan(&tanaka).await;
    assert_eq!(read["outcome"]["kind"], "badge", "{read}");
    assert_eq!(read["outcome"]["accepted"], true, "{read}");
    assert_eq!(
        read["data"],
        "KTB-".to_string() + &tanaka[3..7] + "*",
        "the journal keeps the label only"
    );
    assert_eq!(desk.operator().await["waiting_for_pin"], "tanaka");
    let (status, body) = desk.pin("0410").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["error"]["message"],
        "PIN が違います。バッジを読み取り直してから、もう一度入力してください"
    );
    let (status, _) = desk.pin("2580").await;
    assert_eq!(status, 400, "the wrong PIN dropped the badge");
    desk.scan(&tanaka).await;
    let (status, body) = desk.pin("2580").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["operator"]["name"], "tanaka", "{body}");
    assert_eq!(body["operator"]["badge"], format!("KTB-{}", &tanaka[3..7]));

    let first = desk.scan("T-1").await;
    assert_eq!(first["operator"], "tanaka", "{first}");
    let stored = desk.scan("FRIDGE-A").await;
    assert_eq!(stored["outcome"]["accepted"], true, "{stored}");
    assert_eq!(stored["operator"], "tanaka");
    // A tube she reads and leaves is not finished by the next person.
    assert_eq!(desk.scan("T-3").await["outcome"]["accepted"], true);

    // Suzuki's badge in the middle of the morning ends Tanaka's turn.
    let read = desk.scan(&suzuki).await;
    assert_eq!(
        read["outcome"]["message"],
        "tanaka さんの担当を終え、suzuki さんのバッジを読み取りました。この画面で PIN を入力してください"
    );
    let (status, body) = desk.pin("7391").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["operator"]["name"], "suzuki");
    desk.scan("FRIDGE-A").await;
    let second = desk.scan("T-2").await;
    assert_eq!(second["operator"], "suzuki", "{second}");
    assert_eq!(second["outcome"]["accepted"], true, "{second}");

    // Suzuki's own badge again signs her out: the desk is nobody's.
    let out = desk.scan(&suzuki).await;
    assert_eq!(out["outcome"]["message"], "suzuki さんの担当を終えました");
    assert!(desk.operator().await.get("operator").is_none());
    desk.scan("FRIDGE-A").await;
    let third = desk.scan("T-3").await;
    assert!(third.get("operator").is_none(), "{third}");

    assert_eq!(
        storage_people(&desk.app),
        vec![
            ("T-1".to_string(), "tanaka".to_string()),
            ("T-2".to_string(), "suzuki".to_string()),
            ("T-3".to_string(), "station:fridge-1".to_string()),
        ]
    );
    // Each tube's history names who took it in and who stored it.
    for (tube, who) in [("T-1", "tanaka"), ("T-2", "suzuki")] {
        let (_, view) = desk
            .app
            .get(&format!("/api/v1/specimens/{tube}"), &desk.app.admin)
            .await;
        let by = |step: &str| -> Vec<Value> {
            view["custody"]
                .as_array()
                .expect("custody")
                .iter()
                .filter(|s| s["step"] == step)
                .map(|s| s["by"].clone())
                .collect()
        };
        assert_eq!(by("collected"), vec![json!("admin")], "{view}");
        assert_eq!(by("stored"), vec![json!(who)], "{view}");
    }
    let rows = journal(&desk.app);
    let by_data = |data: &str| -> Vec<(String, Option<String>)> {
        rows.iter()
            .filter(|(d, _, _)| d == data)
            .map(|(_, who, op)| (who.clone(), op.clone()))
            .collect()
    };
    assert_eq!(
        by_data("T-1"),
        vec![("tanaka".into(), Some("tanaka".into()))]
    );
    assert_eq!(
        by_data("T-2"),
        vec![("suzuki".into(), Some("suzuki".into()))]
    );
    assert_eq!(
        by_data("T-3"),
        vec![
            ("tanaka".into(), Some("tanaka".into())),
            ("station:fridge-1".into(), None)
        ]
    );
    assert!(
        rows.iter()
            .all(|(d, _, _)| !d.contains(&tanaka[3..]) && !d.contains(&suzuki[3..])),
        "no badge code in the journal: {rows:?}"
    );
    let stored: Vec<_> = audited(&desk.app, "specimen.store");
    assert_eq!(
        stored,
        vec![
            ("tanaka".to_string(), Some("fridge-1".to_string())),
            ("suzuki".to_string(), Some("fridge-1".to_string())),
            ("station:fridge-1".to_string(), Some("fridge-1".to_string())),
        ]
    );
    let turns: Vec<String> = audited(&desk.app, "station.operator_sign_in")
        .into_iter()
        .map(|(who, _)| who)
        .collect();
    assert_eq!(turns, vec!["tanaka", "suzuki"]);
    assert_eq!(audited(&desk.app, "station.operator_sign_out").len(), 2);
    desk.app.assert_audit_holds();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_station_that_requires_an_operator_journals_and_refuses_scans_without_one() {
    let mut desk = desk(|c| {
        for s in &mut c.stations {
            s.require_operator = s.name == "fridge-1";
        }
    })
    .await;
    let tanaka = clerk(&desk.app, "tanaka", "2580");
    desk.app.location("FRIDGE-A", "fridge_4c").await;
    desk.app
        .admin_registers("T-1", "nasopharyngeal_swab", 2)
        .await;

    let refused = desk.scan("T-1").await;
    assert_eq!(refused["outcome"]["accepted"], false, "{refused}");
    assert_eq!(refused["outcome"]["code"], "operator_required");
    assert_eq!(
        refused["outcome"]["message"],
        "ステーション fridge-1 では担当者のサインインが必要です。先に職員バッジを読み取ってください"
    );
    assert_eq!(
        journal(&desk.app).len(),
        1,
        "the refused scan is journalled"
    );
    assert_eq!(desk.app.count("storage_events"), 0);

    desk.scan(&tanaka).await;
    assert_eq!(desk.pin("2580").await.0, 200);
    desk.scan("T-1").await;
    let stored = desk.scan("FRIDGE-A").await;
    assert_eq!(stored["outcome"]["accepted"], true, "{stored}");
    assert_eq!(
        storage_people(&desk.app),
        vec![("T-1".into(), "tanaka".into())]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_idle_clerk_is_signed_out_and_a_revoked_badge_signs_nobody_in() {
    let mut desk = desk(|c| c.scanning.operator_idle_minutes = 0.03).await;
    let tanaka = clerk(&desk.app, "tanaka", "2580");
    desk.scan(&tanaka).await;
    assert_eq!(desk.pin("2580").await.0, 200);
    // The sweeper signs Tanaka out after 1.8 s without a scan, and says so.
    let ended = loop {
        let e = desk.events.next(WAIT).await.expect("an event");
        if e.name == "operator" && e.data["change"] == "idle" {
            break e.data;
        }
    };
    assert!(ended.get("operator").is_none(), "{ended}");
    assert_eq!(
        ended["message"],
        "1分間操作がなかったため、tanaka さんの担当を終えました"
    );
    assert!(desk.operator().await.get("operator").is_none());

    // Reprinting revokes the old badge: scanning it signs nobody in.
    let tanaka_id = desk.app.user_id("tanaka").await;
    let reprinted = badges::issue(&desk.app.ctx, &Actor::system(), tanaka_id).expect("reprint");
    let old = desk.scan(&tanaka).await;
    assert_eq!(old["outcome"]["accepted"], false, "{old}");
    assert_eq!(old["outcome"]["code"], "unknown_badge");
    assert!(desk.operator().await.get("waiting_for_pin").is_none());
    let new = desk.scan(&reprinted.code).await;
    assert_eq!(new["outcome"]["accepted"], true, "{new}");
    badges::revoke(&desk.app.ctx, &Actor::system(), reprinted.badge.id).expect("revoke");
    // A badge read waits two minutes for its PIN; revoking does not stop
    // a PIN already asked for, but the next read of it is refused.
    let again = desk.scan(&reprinted.code).await;
    assert_eq!(again["outcome"]["code"], "unknown_badge", "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_pins_count_against_the_clerks_sign_in_limit() {
    let mut desk = desk(|c| c.security.auth_failures_per_minute = 3).await;
    let tanaka = clerk(&desk.app, "tanaka", "2580");
    let mut statuses = Vec::new();
    for n in 0..5 {
        desk.scan(&tanaka).await;
        statuses.push(desk.pin(&format!("90{n}7")).await.0);
    }
    assert_eq!(statuses[0], 401, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    desk.scan(&tanaka).await;
    assert_eq!(desk.pin("2580").await.0, 429, "the right PIN waits too");

    // A person without a PIN is told how to set one.
    let (_, token) = desk.app.api_user("sato", "reception").await;
    let _ = token;
    let sato_id = desk.app.user_id("sato").await;
    let sato = badges::issue(&desk.app.ctx, &Actor::system(), sato_id).expect("badge");
    desk.scan(&sato.code).await;
    let (status, body) = desk.pin("1357").await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("PIN がまだ設定されていません"),
        "{body}"
    );
}

/// Posts JSON to the API with a browser session's cookie and CSRF token.
async fn post_as_page(
    app: &TestApp,
    session: &common::WebSession,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    let res = app
        .browser()
        .post(app.url(path))
        .header("cookie", session.cookie())
        .header("X-CSRF-Token", &session.csrf)
        .json(body)
        .send()
        .await
        .expect("post");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_locked_page_opens_only_to_its_persons_password_or_to_a_badge_and_pin_which_takes_the_screen(
) {
    let app = spawn_app_with(with_stations).await;
    let tanaka_badge = clerk(&app, "tanaka", "2580");
    let _ = clerk(&app, "suzuki", "7391");
    let (_, pc) = app.api_user("reception-pc", "reception").await;
    let session = app.sign_in(&pc).await;

    // The page left idle locks its session.
    let (status, _) = post_as_page(&app, &session, "/api/v1/session/lock", &json!({})).await;
    assert_eq!(status, 204);
    let res = app.get_with_session(&session, "/api/v1/me").await;
    assert_eq!(res.status().as_u16(), 401);
    let body: Value = res.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("画面をロックしました"),
        "{body}"
    );
    let res = app.get_with_session(&session, "/stations/fridge-1").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        common::location(&res),
        "/unlock?next=%2Fstations%2Ffridge-1"
    );
    let (status, page) = app.page(&session, "/unlock?next=/stations/fridge-1").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("画面をロックしました") && page.contains("職員バッジで再開"),
        "{page}"
    );

    // A wrong badge PIN, then someone else's badge with its PIN: the
    // screen is now Tanaka's, the page's stream and all.
    let (status, body) = post_as_page(
        &app,
        &session,
        "/api/v1/session/unlock",
        &json!({"badge": tanaka_badge, "pin": "0410"}),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["error"]["message"],
        "パスワード、またはバッジか PIN が違います"
    );
    let (status, body) = post_as_page(
        &app,
        &session,
        "/api/v1/session/unlock",
        &json!({"badge": tanaka_badge, "pin": "2580"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "tanaka");
    let (status, me) = {
        let res = app.get_with_session(&session, "/api/v1/me").await;
        (
            res.status().as_u16(),
            res.json::<Value>().await.expect("json"),
        )
    };
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["name"], "tanaka", "{me}");

    // Locked again: Tanaka's own password opens it; nobody else's does.
    post_as_page(&app, &session, "/api/v1/session/lock", &json!({})).await;
    let (status, _) = post_as_page(
        &app,
        &session,
        "/api/v1/session/unlock",
        &json!({"password": "suzuki-quiet-harbor"}),
    )
    .await;
    assert_eq!(status, 401);
    let (status, body) = post_as_page(
        &app,
        &session,
        "/api/v1/session/unlock",
        &json!({"password": "tanaka-quiet-harbor"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(audited(&app, "session.unlock").len(), 2);
    // The form of /unlock does the same for a page loaded while locked.
    post_as_page(&app, &session, "/api/v1/session/lock", &json!({})).await;
    let res = app
        .post_form_with_cookie(
            "/unlock",
            &session.cookie(),
            &[
                ("how", "password"),
                ("password", "tanaka-quiet-harbor"),
                ("csrf", &session.csrf),
                ("next", "/stations/fridge-1"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(common::location(&res), "/stations/fridge-1");
    let (status, _) = app.page(&session, "/stations/fridge-1").await;
    assert_eq!(status, 200);
}
