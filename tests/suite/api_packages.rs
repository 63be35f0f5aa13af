//! Packaging (docs/RULES.md, packing, 基本三重梱包) walked end to end through the HTTP
//! API, as a `lab` user at the packing bench would: make a package (its id an
//! SSCC-18), put tubes in under the sending-priority rule (`priority_violation`), tick the
//! triple-packaging checklist, dispatch, and check the delivery in at the
//! testing lab.
//!
//! It proves that
//! - a complete package dispatches, ships every tube, and each tube's chain
//!   of custody reads collected → stored → packed → dispatched → received /
//!   missing → resulted;
//! - every refusal (each missing checklist item or slip field, dry ice in the
//!   secondary, the 48-hour rule, the priority rule, autopsy tissue without a
//!   consultation, a tube packed elsewhere or already shipped, a dispatched
//!   package) answers with its code and changes nothing: the row counts of
//!   every table and the package itself are the same before and after;
//! - the overridable refusals give way to a written reason from `lab`, and
//!   the reason travels on the slip;
//! - un-ticking is an event in the package's history, never a delete;
//! - only `lab` and `admin` may use the package routes.
//!
//! Every storage time is sent explicitly relative to a collection time in
//! the past, so nothing depends on how fast the test runs.

use crate::common::rules::*;
use crate::common::*;
use chrono::{DateTime, Utc};
use kentai::domain::roles::Role;
use serde_json::{json, Value};

/// The per-tube items of the primary container.
const PRIMARY: [&str; 4] = [
    "primary.leakproof_tube",
    "primary.lid_closed",
    "primary.wiped",
    "primary.parafilm",
];

/// The package-level items dispatch waits for (`secondary.cushioned` only
/// with more than one tube).
const PACKAGE_LEVEL: [&str; 10] = [
    "secondary.absorbent",
    "secondary.leakproof_sealed",
    "secondary.cushioned",
    "tertiary.rigid_outer",
    "tertiary.coolant",
    "tertiary.cushioned",
    "tertiary.slip_enclosed",
    "tertiary.sealed",
    "marks.un3373",
    "transport.secured",
];

const REASON: &str = "検査機関(衛生研究所)と電話で相談済み: 本日中に搬送";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A package body for `carrier` with the full consignee.
fn package_body(carrier: &str) -> Value {
    json!({"consignee": consignee(), "carrier": carrier})
}

async fn locations(app: &TestApp) {
    app.location("FRIDGE", "fridge_4c").await;
    app.location("M80", "frozen_minus80").await;
}

/// Registers `id` for `patient`, collected 2 h ago (onset the day before).
async fn registered_tube(
    app: &TestApp,
    id: &str,
    specimen_type: &str,
    patient: &str,
) -> DateTime<Utc> {
    let (body, at) = registration_at(id, specimen_type, 2, 1);
    register_ok(app, &app.admin, &for_patient(body, patient)).await;
    at
}

/// Registers `id` for `patient` and stores it in the 4 °C fridge ten
/// minutes after collection.
async fn stored_tube(app: &TestApp, id: &str, specimen_type: &str, patient: &str) -> DateTime<Utc> {
    let at = registered_tube(app, id, specimen_type, patient).await;
    store_ok(app, &app.admin, id, "FRIDGE", at + minutes(10)).await;
    at
}

fn pkg_path(package_id: &str, rest: &str) -> String {
    format!("/api/v1/packages/{package_id}{rest}")
}

/// Creates a package and insists on 201; returns its id.
async fn create(app: &TestApp, token: &str, body: &Value) -> String {
    let (status, res) = app.post("/api/v1/packages", token, body).await;
    assert_eq!(status, 201, "create package: {res}");
    assert_eq!(res["status"], "open", "{res}");
    assert_eq!(res["warnings"], json!([]), "{res}");
    res["package_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no package_id: {res}"))
        .to_string()
}

/// A Category B carrier package with the full consignee.
async fn new_package(app: &TestApp, token: &str) -> String {
    create(app, token, &package_body("category_b_carrier")).await
}

async fn add(app: &TestApp, token: &str, package_id: &str, tube: &str) -> (u16, Value) {
    app.post(
        &pkg_path(package_id, "/specimens"),
        token,
        &json!({"specimen_id": tube}),
    )
    .await
}

/// Adds a tube and insists on 201.
async fn add_ok(app: &TestApp, token: &str, package_id: &str, tube: &str) -> Value {
    let (status, res) = add(app, token, package_id, tube).await;
    assert_eq!(status, 201, "add {tube}: {res}");
    res
}

/// Ticks and insists on 201 (something was recorded).
async fn tick_ok(app: &TestApp, token: &str, package_id: &str, body: Value) -> Value {
    let (status, res) = tick(app, token, package_id, &body).await;
    assert_eq!(status, 201, "tick {body}: {res}");
    res
}

/// Ticks every required item except those in `skip`: a package-level code,
/// a bare primary code (that item for no tube), or `primary.x:TUBE` (that
/// item for that tube only). Primary items go without `specimen_id` (every
/// tube at once) when no tube is skipped.
async fn tick_all_except(
    app: &TestApp,
    token: &str,
    package_id: &str,
    tubes: &[&str],
    skip: &[&str],
) {
    for item in PRIMARY {
        if skip.contains(&item) {
            continue;
        }
        let prefix = format!("{item}:");
        if skip.iter().any(|k| k.starts_with(&prefix)) {
            for tube in tubes {
                if !skip.contains(&format!("{item}:{tube}").as_str()) {
                    tick_ok(
                        app,
                        token,
                        package_id,
                        json!({"item": item, "specimen_id": tube}),
                    )
                    .await;
                }
            }
        } else {
            tick_ok(app, token, package_id, json!({"item": item})).await;
        }
    }
    for item in PACKAGE_LEVEL {
        if !skip.contains(&item) {
            tick_ok(app, token, package_id, json!({"item": item})).await;
        }
    }
}

async fn tick_all(app: &TestApp, token: &str, package_id: &str, tubes: &[&str]) {
    tick_all_except(app, token, package_id, tubes, &[]).await;
}

/// A new package holding `tubes` (added in this order) with every item
/// ticked: nothing missing.
async fn complete_package(app: &TestApp, token: &str, tubes: &[&str]) -> String {
    let package_id = new_package(app, token).await;
    for tube in tubes {
        add_ok(app, token, &package_id, tube).await;
    }
    tick_all(app, token, &package_id, tubes).await;
    let view = package(app, &package_id).await;
    assert_eq!(view["missing"], json!([]), "{view}");
    assert_eq!(view["complete"], true, "{view}");
    package_id
}

async fn receive(app: &TestApp, token: &str, package_id: &str, body: &Value) -> (u16, Value) {
    app.post(&pkg_path(package_id, "/receive"), token, body)
        .await
}

async fn slip(app: &TestApp, token: &str, package_id: &str) -> Value {
    let (status, body) = app.get(&pkg_path(package_id, "/slip"), token).await;
    assert_eq!(status, 200, "slip {package_id}: {body}");
    body
}

/// The package as shown, without the one figure that moves with the clock
/// (hours unfrozen until now).
fn stable(mut view: Value) -> Value {
    if let Some(tubes) = view["specimens"].as_array_mut() {
        for t in tubes {
            if let Some(t) = t.as_object_mut() {
                t.remove("hours_unfrozen");
            }
        }
    }
    view
}

/// What a refused request must leave as it was.
struct Before {
    counts: Vec<(&'static str, i64)>,
    view: Value,
}

async fn before(app: &TestApp, package_id: &str) -> Before {
    Before {
        counts: app.snapshot(),
        view: stable(package(app, package_id).await),
    }
}

#[track_caller]
fn assert_same_counts(app: &TestApp, counts: &[(&'static str, i64)]) {
    assert_eq!(app.snapshot(), counts, "a refused request changed a table");
}

async fn assert_unchanged(app: &TestApp, package_id: &str, b: &Before) {
    assert_same_counts(app, &b.counts);
    let now = stable(package(app, package_id).await);
    assert_eq!(now["status"], b.view["status"]);
    assert_eq!(now, b.view, "a refused request changed the package");
}

/// Strings of a JSON list.
fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a list, got {v}"))
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_else(|| panic!("expected a string, got {s}"))
                .to_string()
        })
        .collect()
}

/// A field of every element of a JSON list.
fn field(v: &Value, key: &str) -> Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a list, got {v}"))
        .iter()
        .map(|e| e[key].clone())
        .collect()
}

/// The tube ids of a package view, in the order shown.
fn tube_ids(view: &Value) -> Vec<String> {
    strings(&Value::Array(field(&view["specimens"], "specimen_id")))
}

/// The steps of a specimen's chain of custody.
fn steps(specimen: &Value) -> Vec<String> {
    strings(&Value::Array(field(&specimen["custody"], "step")))
}

/// The tube `id` as a package view shows it.
fn tube<'a>(view: &'a Value, id: &str) -> &'a Value {
    view["specimens"]
        .as_array()
        .unwrap_or_else(|| panic!("no specimens: {view}"))
        .iter()
        .find(|t| t["specimen_id"] == id)
        .unwrap_or_else(|| panic!("tube {id} not in {view}"))
}

/// The checklist line for `item` (and tube).
fn line<'a>(view: &'a Value, item: &str, tube: Option<&str>) -> &'a Value {
    view["checklist"]
        .as_array()
        .unwrap_or_else(|| panic!("no checklist: {view}"))
        .iter()
        .find(|l| l["item"] == item && l["specimen_id"] == json!(tube))
        .unwrap_or_else(|| panic!("no checklist line {item} {tube:?}: {view}"))
}

/// Asserts a 409 `package_incomplete` listing exactly `want`.
#[track_caller]
fn assert_incomplete(status: u16, res: &Value, want: &[&str]) {
    assert_error(status, res, 409, "package_incomplete");
    assert_eq!(strings(&res["error"]["missing"]), want, "{res}");
    let detail_keys = strings(&Value::Array(field(
        &res["error"]["missing_details"],
        "key",
    )));
    assert_eq!(detail_keys, want, "{res}");
    for d in res["error"]["missing_details"].as_array().unwrap() {
        assert!(
            d["message"].as_str().is_some_and(|m| !m.is_empty()),
            "missing detail without a message: {res}"
        );
    }
}

/// The GS1 mod-10 check digit of `digits` (weights 3, 1, 3, … from the
/// right).
fn gs1_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).expect("digit");
            if i % 2 == 0 {
                3 * d
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

async fn record_result(app: &TestApp, token: &str, id: &str) -> (u16, Value) {
    app.post(
        &format!("/api/v1/specimens/{id}/results"),
        token,
        &json!({"result": "negative", "resulted_at": Utc::now().to_rfc3339()}),
    )
    .await
}

// ---------------------------------------------------------------------------
// 1. The whole walk
// ---------------------------------------------------------------------------

// docs/RULES.md, packing: a complete package leaves; its tubes ship, arrive (or not) and are resulted
#[tokio::test]
async fn a_complete_package_dispatches_ships_every_tube_and_is_received_with_one_tube_missing() {
    let app = spawn_app().await;
    locations(&app).await;
    let lab = app.token(Role::Lab);
    let lab_name = user_name(&app, &lab).await;
    stored_tube(&app, "CP-1", "sputum", "P-1").await;
    stored_tube(&app, "CP-2", "saliva", "P-1").await;
    stored_tube(&app, "CP-3", "nasopharyngeal_swab", "P-2").await;

    // The package, before anything is in it.
    let (status, created) = app
        .post(
            "/api/v1/packages",
            &lab,
            &package_body("category_b_carrier"),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let pkg = created["package_id"].as_str().unwrap().to_string();
    assert_eq!(created["status"], "open");
    assert_eq!(created["carrier"], "category_b_carrier");
    assert!(created["carrier_label_ja"]
        .as_str()
        .is_some_and(|l| !l.is_empty()));
    assert_eq!(created["consignee"], consignee());
    assert_eq!(
        created["shipper"],
        json!({"name": "テスト内科", "address": "東京都新宿区西新宿2-8-1", "phone": "03-1234-5678"})
    );
    assert_eq!(created["emergency_phone"], "090-1234-5678");
    assert_eq!(created["packer"], Value::Null);
    assert_eq!(created["created_by"], lab_name);
    assert_eq!(created["quantity"], 0);
    assert_eq!(created["complete"], false);
    assert!(strings(&created["missing"]).contains(&"tubes".to_string()));
    assert_eq!(created["warnings"], json!([]));

    // Tubes in priority order for patient P-1 (sputum before saliva), then
    // another patient's swab.
    for id in ["CP-1", "CP-2", "CP-3"] {
        let res = add_ok(&app, &lab, &pkg, id).await;
        assert_eq!(res["warnings"], json!([]), "{id}: {res}");
        let s = specimen(&app, id).await;
        assert_eq!(s["status"], "packed", "{id}");
        assert_eq!(s["package"]["package_id"], pkg.as_str());
        assert_eq!(s["package"]["status"], "open");
    }
    tick_all(&app, &lab, &pkg, &["CP-1", "CP-2", "CP-3"]).await;

    let view = package(&app, &pkg).await;
    assert_eq!(view["missing"], json!([]), "{view}");
    assert_eq!(view["missing_details"], json!([]));
    assert_eq!(view["complete"], true);
    assert_eq!(view["quantity"], 3);
    // Shown in sending-priority order: sputum 1, swab 2, saliva 3.
    assert_eq!(tube_ids(&view), ["CP-1", "CP-3", "CP-2"]);
    assert_eq!(
        field(&view["specimens"], "priority"),
        [json!(1), json!(2), json!(3)]
    );
    assert_eq!(tube(&view, "CP-2")["patient_id"], "P-1");
    assert_eq!(tube(&view, "CP-3")["added_by"], lab_name);
    for l in view["checklist"].as_array().unwrap() {
        if l["required"] == true {
            assert_eq!(l["done"], true, "{l}");
            assert_eq!(l["by"], lab_name, "{l}");
            assert!(l["at"].is_string(), "{l}");
        }
    }
    for t in ["CP-1", "CP-2", "CP-3"] {
        for item in PRIMARY {
            assert_eq!(line(&view, item, Some(t))["done"], true, "{item} {t}");
        }
    }

    // Dispatch, with an empty body.
    let (status, res) = app.post_raw(&pkg_path(&pkg, "/dispatch"), &lab, "").await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["status"], "dispatched");
    assert_eq!(res["dispatched_by"], lab_name);
    assert!(res["dispatched_at"].is_string(), "{res}");
    assert_eq!(res["dispatch_override_reason"], Value::Null);
    assert_eq!(res["dispatch_overrides"], json!([]));
    assert_eq!(res["warnings"], json!([]));
    for t in res["specimens"].as_array().unwrap() {
        assert_eq!(t["status"], "shipped", "{t}");
    }
    for id in ["CP-1", "CP-2", "CP-3"] {
        let s = specimen(&app, id).await;
        assert_eq!(s["status"], "shipped", "{id}");
        let p = &s["package"];
        assert_eq!(p["package_id"], pkg.as_str());
        assert_eq!(p["status"], "dispatched");
        assert_eq!(p["packed_by"], lab_name);
        assert_eq!(p["dispatched_at"], res["dispatched_at"]);
        assert_eq!(p["received_at"], Value::Null);
        assert_eq!(p["receipt"], Value::Null);
        assert_eq!(
            steps(&s),
            ["collected", "stored", "packed", "dispatched"],
            "{id}"
        );
        let custody = s["custody"].as_array().unwrap();
        assert_eq!(custody[2]["detail"], pkg.as_str());
        assert_eq!(custody[2]["by"], lab_name);
        assert_eq!(custody[3]["detail"], pkg.as_str());
        assert_eq!(custody[3]["by"], lab_name);
    }

    // The slip: fields of 注2, the tubes in priority order.
    let sl = slip(&app, &lab, &pkg).await;
    assert_eq!(sl["package_id"], pkg.as_str());
    assert_eq!(sl["status"], "dispatched");
    assert_eq!(sl["contents"], "UN3373 Biological Substance, Category B");
    assert!(sl["contents_ja"].as_str().is_some_and(|c| !c.is_empty()));
    assert_eq!(sl["quantity"], 3);
    assert_eq!(sl["shipper"], created["shipper"]);
    assert_eq!(sl["consignee"], consignee());
    assert_eq!(sl["emergency_phone"], "090-1234-5678");
    assert_eq!(sl["carrier"], "category_b_carrier");
    assert_eq!(sl["dispatched_by"], lab_name);
    assert_eq!(sl["overrides"], json!([]));
    assert_eq!(sl["missing"], json!([]));
    assert_eq!(
        field(&sl["specimens"], "specimen_id"),
        [json!("CP-1"), json!("CP-3"), json!("CP-2")]
    );
    assert_eq!(
        field(&sl["specimens"], "number"),
        [json!(1), json!(2), json!(3)]
    );
    let date = time(&res["dispatched_at"])
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    assert_eq!(sl["date"], date.to_string());
    let (status, content_type, html) = app
        .get_text(&pkg_path(&pkg, "/slip?format=html"), &lab)
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(html.contains("検体送付票"));
    assert!(html.contains("id=\"package-id\""));
    assert!(html.contains(&pkg));
    assert!(html.contains("CP-3"));

    // The testing lab checks it in: CP-2 did not arrive.
    let (status, res) = receive(
        &app,
        &lab,
        &pkg,
        &json!({"missing": ["CP-2"], "note": "唾液1本なし"}),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["status"], "received");
    assert_eq!(res["received_by"], lab_name);
    assert!(res["received_at"].is_string());
    assert_eq!(res["receipt_note"], "唾液1本なし");
    assert_eq!(tube(&res, "CP-1")["receipt"], "received");
    assert_eq!(tube(&res, "CP-3")["receipt"], "received");
    assert_eq!(tube(&res, "CP-2")["receipt"], "missing");
    assert_eq!(tube(&res, "CP-2")["receipt_by"], lab_name);
    for (id, status) in [
        ("CP-1", "received"),
        ("CP-3", "received"),
        ("CP-2", "missing"),
    ] {
        let s = specimen(&app, id).await;
        assert_eq!(s["status"], status, "{id}");
        assert_eq!(s["package"]["status"], "received");
        assert_eq!(s["package"]["receipt"], status);
        assert_eq!(
            steps(&s),
            ["collected", "stored", "packed", "dispatched", status],
            "{id}"
        );
    }

    // A result on the received tube closes its chain of custody.
    let (status, res) = record_result(&app, &lab, "CP-1").await;
    assert_eq!(status, 201, "{res}");
    let s = specimen(&app, "CP-1").await;
    assert_eq!(
        steps(&s),
        [
            "collected",
            "stored",
            "packed",
            "dispatched",
            "received",
            "resulted"
        ]
    );

    let (status, list) = app.get("/api/v1/packages?status=received", &lab).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(field(&list, "package_id"), [json!(pkg)]);
    let (status, list) = app.get("/api/v1/packages?status=open", &lab).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list, json!([]));
}

// ---------------------------------------------------------------------------
// 2. Refusals: each with its code, each changing nothing
// ---------------------------------------------------------------------------

// docs/RULES.md, packing: dispatch waits for every required item; the refusal names it
#[tokio::test]
async fn each_required_item_left_undone_alone_refuses_dispatch_with_exactly_that_key() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let mut skips: Vec<String> = PRIMARY.iter().map(|i| format!("{i}:A")).collect();
    skips.extend(PACKAGE_LEVEL.iter().map(|i| i.to_string()));
    for (n, skip) in skips.iter().enumerate() {
        // Two tubes of two patients, so secondary.cushioned is required.
        let a = format!("MI-{n}-A");
        let b = format!("MI-{n}-B");
        registered_tube(&app, &a, "nasopharyngeal_swab", &format!("P-{a}")).await;
        registered_tube(&app, &b, "nasopharyngeal_swab", &format!("P-{b}")).await;
        let key = match skip.strip_suffix(":A") {
            Some(item) => format!("{item}:{a}"),
            None => skip.clone(),
        };
        let pkg = new_package(&app, &lab).await;
        add_ok(&app, &lab, &pkg, &a).await;
        add_ok(&app, &lab, &pkg, &b).await;
        tick_all_except(&app, &lab, &pkg, &[a.as_str(), b.as_str()], &[key.as_str()]).await;

        let view = package(&app, &pkg).await;
        assert_eq!(strings(&view["missing"]), [key.as_str()], "{view}");
        assert_eq!(view["complete"], false);
        let b4 = before(&app, &pkg).await;
        let (status, res) = dispatch(&app, &lab, &pkg, &json!({})).await;
        assert_incomplete(status, &res, &[&key]);
        assert_unchanged(&app, &pkg, &b4).await;
        // A reason does not override a missing item.
        let (status, res) = dispatch(&app, &lab, &pkg, &json!({"override_reason": REASON})).await;
        assert_incomplete(status, &res, &[&key]);
        assert_unchanged(&app, &pkg, &b4).await;
        assert_eq!(specimen(&app, &a).await["status"], "packed");
    }
}

// docs/RULES.md, packing: cushioning between tubes only with more than one tube
#[tokio::test]
async fn secondary_cushioning_is_not_required_for_a_single_tube() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    registered_tube(&app, "ONE-1", "saliva", "P-1").await;
    let pkg = new_package(&app, &lab).await;
    add_ok(&app, &lab, &pkg, "ONE-1").await;
    tick_all_except(&app, &lab, &pkg, &["ONE-1"], &["secondary.cushioned"]).await;
    let view = package(&app, &pkg).await;
    let cushioned = line(&view, "secondary.cushioned", None);
    assert_eq!(cushioned["required"], false, "{cushioned}");
    assert_eq!(cushioned["done"], false);
    assert_eq!(view["missing"], json!([]));
    dispatch_ok(&app, &lab, &pkg, &json!({})).await;
}

// docs/RULES.md, packing: the slip's fields: the consignee is a slip field
#[tokio::test]
async fn a_missing_consignee_phone_or_name_refuses_dispatch_with_that_slip_field() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    for (n, (field_name, key)) in [("phone", "consignee.phone"), ("name", "consignee.name")]
        .into_iter()
        .enumerate()
    {
        let id = format!("CN-{n}");
        registered_tube(&app, &id, "saliva", &format!("P-{id}")).await;
        let mut body = package_body("official_vehicle");
        body["consignee"][field_name] = json!("");
        let pkg = create(&app, &lab, &body).await;
        add_ok(&app, &lab, &pkg, &id).await;
        tick_all(&app, &lab, &pkg, &[id.as_str()]).await;
        assert_eq!(strings(&package(&app, &pkg).await["missing"]), [key]);

        let b4 = before(&app, &pkg).await;
        let (status, res) = dispatch(&app, &lab, &pkg, &json!({})).await;
        assert_incomplete(status, &res, &[key]);
        assert_unchanged(&app, &pkg, &b4).await;

        // Filling it in lets the package go.
        let (status, res) = app
            .patch(
                &pkg_path(&pkg, ""),
                &lab,
                &json!({"consignee": consignee()}),
            )
            .await;
        assert_eq!(status, 200, "{res}");
        assert_eq!(res["consignee"], consignee());
        assert_eq!(res["missing"], json!([]));
        dispatch_ok(&app, &lab, &pkg, &json!({})).await;
    }
}

// docs/RULES.md, packing: the slip's fields: a 24-hour emergency phone is a slip field
#[tokio::test]
async fn a_site_without_an_emergency_phone_refuses_dispatch_unless_the_package_names_its_own() {
    let app = spawn_app_with(|c| c.site.emergency_phone.clear()).await;
    let lab = app.token(Role::Lab);
    registered_tube(&app, "EP-1", "saliva", "P-1").await;
    registered_tube(&app, "EP-2", "saliva", "P-2").await;

    let pkg = complete_or_missing(&app, &lab, &package_body("category_b_carrier"), "EP-1").await;
    let view = package(&app, &pkg).await;
    assert_eq!(view["emergency_phone"], "");
    assert_eq!(strings(&view["missing"]), ["emergency_phone"]);
    let b4 = before(&app, &pkg).await;
    let (status, res) = dispatch(&app, &lab, &pkg, &json!({})).await;
    assert_incomplete(status, &res, &["emergency_phone"]);
    assert_unchanged(&app, &pkg, &b4).await;

    // A package that names its own emergency phone may leave.
    let mut body = package_body("category_b_carrier");
    body["emergency_phone"] = json!("03-5555-0000");
    let own = complete_or_missing(&app, &lab, &body, "EP-2").await;
    assert_eq!(package(&app, &own).await["missing"], json!([]));
    dispatch_ok(&app, &lab, &own, &json!({})).await;
    assert_eq!(
        slip(&app, &lab, &own).await["emergency_phone"],
        "03-5555-0000"
    );

    // So may the first, once a phone is patched in.
    let (status, res) = app
        .patch(
            &pkg_path(&pkg, ""),
            &lab,
            &json!({"emergency_phone": "03-5555-0001"}),
        )
        .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["emergency_phone"], "03-5555-0001");
    let res = dispatch_ok(&app, &lab, &pkg, &json!({})).await;
    assert_eq!(res["emergency_phone"], "03-5555-0001");
}

/// Creates a package from `body` with `tube` in it and every item ticked
/// (slip fields may still be missing).
async fn complete_or_missing(app: &TestApp, token: &str, body: &Value, tube: &str) -> String {
    let pkg = create(app, token, body).await;
    add_ok(app, token, &pkg, tube).await;
    tick_all(app, token, &pkg, &[tube]).await;
    pkg
}

// docs/RULES.md, packing: a package with no tube is not a shipment
#[tokio::test]
async fn an_empty_package_is_refused_with_tubes_missing() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let pkg = new_package(&app, &lab).await;
    for item in PACKAGE_LEVEL {
        if item != "secondary.cushioned" {
            tick_ok(&app, &lab, &pkg, json!({"item": item})).await;
        }
    }
    let view = package(&app, &pkg).await;
    assert_eq!(strings(&view["missing"]), ["tubes"]);
    let b4 = before(&app, &pkg).await;
    let (status, res) = dispatch(&app, &lab, &pkg, &json!({})).await;
    assert_incomplete(status, &res, &["tubes"]);
    assert_unchanged(&app, &pkg, &b4).await;
}

// docs/RULES.md, packing: no dry ice in the secondary — ever; dry ice in the overpack is weighed
#[tokio::test]
async fn dry_ice_is_refused_in_the_secondary_and_must_be_weighed_in_the_overpack() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let admin_token = app.admin.clone();
    registered_tube(&app, "DI-1", "serum_acute", "P-1").await;
    let pkg = new_package(&app, &lab).await;
    add_ok(&app, &lab, &pkg, "DI-1").await;

    let b4 = before(&app, &pkg).await;
    for token in [&lab, &admin_token] {
        let (status, res) = tick(&app, token, &pkg, &json!({"item": "secondary.dry_ice"})).await;
        assert_error(status, &res, 422, "dry_ice_in_secondary");
        assert_eq!(res["error"]["overridable"], false, "{res}");
        assert_unchanged(&app, &pkg, &b4).await;
    }
    // Not a line of the checklist at all, and never in the history.
    let view = package(&app, &pkg).await;
    assert!(view["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["item"] != "secondary.dry_ice"));
    assert_eq!(view["history"], json!([]));

    // Dry ice in the overpack needs its net weight, within reason.
    for body in [
        json!({"item": "overpack.dry_ice"}),
        json!({"item": "overpack.dry_ice", "dry_ice_kg": 0}),
        json!({"item": "overpack.dry_ice", "dry_ice_kg": -1.5}),
        json!({"item": "overpack.dry_ice", "dry_ice_kg": 250}),
        json!({"item": "overpack.coolant", "dry_ice_kg": 2.5}),
    ] {
        let (status, res) = tick(&app, &lab, &pkg, &body).await;
        assert_error(status, &res, 400, "invalid_input");
        assert_unchanged(&app, &pkg, &b4).await;
    }
    tick_ok(&app, &lab, &pkg, json!({"item": "overpack.insulated_box"})).await;
    let res = tick_ok(
        &app,
        &lab,
        &pkg,
        json!({"item": "overpack.dry_ice", "dry_ice_kg": 2.5}),
    )
    .await;
    assert_eq!(res["dry_ice_kg"], 2.5);
    let l = line(&res, "overpack.dry_ice", None);
    assert_eq!(l["required"], false);
    assert_eq!(l["done"], true);
    assert_eq!(l["dry_ice_kg"], 2.5);

    tick_all(&app, &lab, &pkg, &["DI-1"]).await;
    dispatch_ok(&app, &lab, &pkg, &json!({})).await;
    assert_eq!(slip(&app, &lab, &pkg).await["dry_ice_kg"], 2.5);
}

// docs/RULES.md, packing: the carrier: Yu-Pack needs a certified packaging responsible person
#[tokio::test]
async fn a_yu_pack_package_needs_a_named_certified_packer_before_it_dispatches() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    registered_tube(&app, "YP-1", "saliva", "P-1").await;
    let pkg = complete_or_missing(&app, &lab, &package_body("yu_pack"), "YP-1").await;
    let view = package(&app, &pkg).await;
    assert_eq!(view["carrier"], "yu_pack");
    assert_eq!(view["packer"], Value::Null);
    assert_eq!(
        strings(&view["missing"]),
        ["packer.name", "packer.certificate_id"]
    );

    let b4 = before(&app, &pkg).await;
    let (status, res) = dispatch(&app, &lab, &pkg, &json!({})).await;
    assert_incomplete(status, &res, &["packer.name", "packer.certificate_id"]);
    assert_unchanged(&app, &pkg, &b4).await;

    let packer = json!({"name": "包装 花子", "certificate_id": "JP-UN3373-0042"});
    let (status, res) = app
        .patch(&pkg_path(&pkg, ""), &lab, &json!({"packer": packer}))
        .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["packer"], packer);
    assert_eq!(res["missing"], json!([]));
    assert_eq!(res["consignee"], consignee(), "PATCH kept the consignee");
    let res = dispatch_ok(&app, &lab, &pkg, &json!({})).await;
    assert_eq!(res["packer"], packer);
    assert_eq!(slip(&app, &lab, &pkg).await["packer"], packer);
}

// docs/RULES.md, storage: a tube ≥ 48 h unfrozen since collection blocks dispatch (override with reason)
#[tokio::test]
async fn a_tube_past_48_hours_at_4c_blocks_dispatch_until_lab_overrides_with_a_reason() {
    let app = spawn_app().await;
    locations(&app).await;
    let lab = app.token(Role::Lab);
    let lab_name = user_name(&app, &lab).await;
    let (body, at) = registration_at("DL-1", "nasopharyngeal_swab", 49, 1);
    register_ok(&app, &app.admin, &body).await;
    store_ok(&app, &app.admin, "DL-1", "FRIDGE", at + minutes(1)).await;

    let pkg = new_package(&app, &lab).await;
    let res = add_ok(&app, &lab, &pkg, "DL-1").await;
    assert_eq!(codes(&res["warnings"]), ["storage_deadline_exceeded"]);
    let t = tube(&res, "DL-1");
    assert_eq!(t["deadline_exceeded"], true, "{t}");
    assert!(t["hours_unfrozen"].as_f64().unwrap() >= 48.0, "{t}");
    tick_all(&app, &lab, &pkg, &["DL-1"]).await;
    assert_eq!(package(&app, &pkg).await["complete"], true);

    let b4 = before(&app, &pkg).await;
    let (status, res) = dispatch(&app, &lab, &pkg, &json!({})).await;
    assert_error(status, &res, 422, "storage_deadline_exceeded");
    assert_eq!(res["error"]["overridable"], true, "{res}");
    assert_eq!(
        codes(&res["error"]["refusals"]),
        ["storage_deadline_exceeded"]
    );
    assert_unchanged(&app, &pkg, &b4).await;
    assert_eq!(specimen(&app, "DL-1").await["status"], "packed");

    let res = dispatch_ok(&app, &lab, &pkg, &json!({"override_reason": REASON})).await;
    assert_eq!(res["dispatch_override_reason"], REASON);
    assert_eq!(
        codes(&res["dispatch_overrides"]),
        ["storage_deadline_exceeded"]
    );
    assert!(codes(&res["warnings"]).contains(&"storage_deadline_exceeded".to_string()));
    assert_eq!(specimen(&app, "DL-1").await["status"], "shipped");
    let view = package(&app, &pkg).await;
    assert_eq!(view["dispatch_override_reason"], REASON);

    let sl = slip(&app, &lab, &pkg).await;
    let overrides = sl["overrides"].as_array().unwrap();
    assert_eq!(overrides.len(), 1, "{sl}");
    assert_eq!(overrides[0]["code"], "storage_deadline_exceeded");
    assert_eq!(overrides[0]["reason"], REASON);
    assert_eq!(overrides[0]["by"], lab_name);
    assert_eq!(overrides[0]["specimen_id"], "DL-1");
    let (_, _, html) = app
        .get_text(&pkg_path(&pkg, "/slip?format=html"), &lab)
        .await;
    assert!(html.contains("id=\"overrides\""));
    assert!(html.contains(REASON));
}

// docs/RULES.md, storage: time at −80 °C does not count toward the 48 hours
#[tokio::test]
async fn a_tube_frozen_at_minus_80_within_48_hours_and_kept_frozen_for_days_dispatches_without_override(
) {
    let app = spawn_app().await;
    locations(&app).await;
    let lab = app.token(Role::Lab);
    let (body, at) = registration_at("FZ-1", "nasopharyngeal_swab", 100, 1);
    register_ok(&app, &app.admin, &body).await;
    store_ok(&app, &app.admin, "FZ-1", "M80", at + hours(1)).await;

    let pkg = new_package(&app, &lab).await;
    let res = add_ok(&app, &lab, &pkg, "FZ-1").await;
    assert_eq!(res["warnings"], json!([]));
    let t = tube(&res, "FZ-1");
    assert_eq!(t["deadline_exceeded"], false, "{t}");
    assert_eq!(t["hours_unfrozen"], 1.0, "{t}");
    tick_all(&app, &lab, &pkg, &["FZ-1"]).await;
    let res = dispatch_ok(&app, &lab, &pkg, &json!({})).await;
    assert_eq!(res["dispatch_overrides"], json!([]));
    assert_eq!(res["dispatch_override_reason"], Value::Null);
}

// `priority_violation`: the same patient's higher-priority specimen goes first (override with reason)
#[tokio::test]
async fn packing_saliva_while_the_same_patients_sputum_stays_behind_is_a_priority_violation_lab_may_override(
) {
    let app = spawn_app().await;
    locations(&app).await;
    let lab = app.token(Role::Lab);
    let lab_name = user_name(&app, &lab).await;
    let reception = app.token(Role::Reception);
    stored_tube(&app, "PV-1", "sputum", "P-1").await;
    stored_tube(&app, "PV-2", "saliva", "P-1").await;
    let pkg = new_package(&app, &lab).await;

    let b4 = before(&app, &pkg).await;
    let (status, res) = add(&app, &lab, &pkg, "PV-2").await;
    assert_error(status, &res, 422, "priority_violation");
    assert_eq!(res["error"]["overridable"], true, "{res}");
    assert_eq!(codes(&res["error"]["refusals"]), ["priority_violation"]);
    assert!(
        res["error"]["refusals"][0]["message"]
            .as_str()
            .unwrap()
            .contains("PV-1"),
        "{res}"
    );
    assert_unchanged(&app, &pkg, &b4).await;
    assert_eq!(specimen(&app, "PV-2").await["status"], "stored");

    // Reception may not override (nor pack at all).
    let (status, res) = app
        .post(
            &pkg_path(&pkg, "/specimens"),
            &reception,
            &json!({"specimen_id": "PV-2", "override_reason": REASON}),
        )
        .await;
    assert_error(status, &res, 403, "forbidden");
    assert_unchanged(&app, &pkg, &b4).await;

    // Lab may, with a written reason.
    let (status, res) = app
        .post(
            &pkg_path(&pkg, "/specimens"),
            &lab,
            &json!({"specimen_id": "PV-2", "override_reason": REASON}),
        )
        .await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(codes(&res["warnings"]), ["priority_violation"]);
    assert_eq!(tube(&res, "PV-2")["override_reason"], REASON);
    assert_eq!(specimen(&app, "PV-2").await["status"], "packed");

    // Overridden when packed: dispatch does not ask again.
    tick_all(&app, &lab, &pkg, &["PV-2"]).await;
    let res = dispatch_ok(&app, &lab, &pkg, &json!({})).await;
    assert_eq!(res["dispatch_overrides"], json!([]));
    let sl = slip(&app, &lab, &pkg).await;
    let overrides = sl["overrides"].as_array().unwrap();
    assert_eq!(overrides.len(), 1, "{sl}");
    assert_eq!(overrides[0]["code"], "priority_violation");
    assert_eq!(overrides[0]["specimen_id"], "PV-2");
    assert_eq!(overrides[0]["reason"], REASON);
    assert_eq!(overrides[0]["by"], lab_name);
    // The sputum stayed behind, in care.
    assert_eq!(specimen(&app, "PV-1").await["status"], "stored");
}

// `priority_violation`: sputum first, then the saliva may follow
#[tokio::test]
async fn packing_the_sputum_first_lets_the_same_patients_saliva_follow() {
    let app = spawn_app().await;
    locations(&app).await;
    let lab = app.token(Role::Lab);
    stored_tube(&app, "PF-1", "sputum", "P-1").await;
    stored_tube(&app, "PF-2", "saliva", "P-1").await;
    let pkg = new_package(&app, &lab).await;
    assert_eq!(
        add_ok(&app, &lab, &pkg, "PF-1").await["warnings"],
        json!([])
    );
    let res = add_ok(&app, &lab, &pkg, "PF-2").await;
    assert_eq!(res["warnings"], json!([]));
    assert_eq!(tube(&res, "PF-2")["override_reason"], Value::Null);
    tick_all(&app, &lab, &pkg, &["PF-1", "PF-2"]).await;
    let res = dispatch_ok(&app, &lab, &pkg, &json!({})).await;
    assert_eq!(res["dispatch_overrides"], json!([]));
    assert_eq!(slip(&app, &lab, &pkg).await["overrides"], json!([]));
}

// `priority_violation`: the rule is checked again at dispatch (the sputum was taken back out)
#[tokio::test]
async fn taking_the_sputum_back_out_makes_dispatch_refuse_the_saliva_until_overridden() {
    let app = spawn_app().await;
    locations(&app).await;
    let lab = app.token(Role::Lab);
    stored_tube(&app, "PD-1", "sputum", "P-1").await;
    stored_tube(&app, "PD-2", "saliva", "P-1").await;
    let pkg = new_package(&app, &lab).await;
    add_ok(&app, &lab, &pkg, "PD-1").await;
    add_ok(&app, &lab, &pkg, "PD-2").await;
    let (status, res) = app.delete(&pkg_path(&pkg, "/specimens/PD-1"), &lab).await;
    assert_eq!(status, 200, "{res}");
    tick_all(&app, &lab, &pkg, &["PD-2"]).await;
    assert_eq!(package(&app, &pkg).await["complete"], true);

    let b4 = before(&app, &pkg).await;
    let (status, res) = dispatch(&app, &lab, &pkg, &json!({})).await;
    assert_error(status, &res, 422, "priority_violation");
    assert_eq!(res["error"]["overridable"], true, "{res}");
    assert_unchanged(&app, &pkg, &b4).await;

    let res = dispatch_ok(&app, &lab, &pkg, &json!({"override_reason": REASON})).await;
    assert_eq!(codes(&res["dispatch_overrides"]), ["priority_violation"]);
    assert_eq!(res["dispatch_override_reason"], REASON);
    let sl = slip(&app, &lab, &pkg).await;
    assert_eq!(codes(&sl["overrides"]), ["priority_violation"]);
    assert_eq!(sl["overrides"][0]["reason"], REASON);
}

// docs/RULES.md, storage and packing: a dispatch override on the slip names the tube it was for
#[tokio::test]
async fn a_deadline_override_on_the_slip_names_its_tube_even_when_another_tube_id_is_a_prefix_of_it(
) {
    let app = spawn_app().await;
    locations(&app).await;
    let lab = app.token(Role::Lab);

    // The 48-hour rule, for tube DL-10, next to a fresh DL-1 whose id is a
    // prefix of it and which comes first in priority order.
    stored_tube(&app, "DL-1", "sputum", "P-1").await;
    let (body, at) = registration_at("DL-10", "nasopharyngeal_swab", 49, 1);
    register_ok(&app, &app.admin, &body).await;
    store_ok(&app, &app.admin, "DL-10", "FRIDGE", at + minutes(1)).await;
    let pkg = complete_package(&app, &lab, &["DL-1", "DL-10"]).await;
    assert_eq!(tube_ids(&package(&app, &pkg).await), ["DL-1", "DL-10"]);
    dispatch_ok(&app, &lab, &pkg, &json!({"override_reason": REASON})).await;
    let sl = slip(&app, &lab, &pkg).await;
    assert_eq!(codes(&sl["overrides"]), ["storage_deadline_exceeded"]);
    assert_eq!(sl["overrides"][0]["specimen_id"], "DL-10", "{sl}");
}

// `priority_violation`; docs/RULES.md, packing: a dispatch override on the slip names the tube it was for
#[tokio::test]
async fn a_priority_override_made_at_dispatch_names_on_the_slip_the_saliva_sent_without_its_sputum()
{
    let app = spawn_app().await;
    locations(&app).await;
    let lab = app.token(Role::Lab);
    // The saliva went in after its sputum, which was then taken back out.
    stored_tube(&app, "PS-1", "sputum", "P-2").await;
    stored_tube(&app, "PS-2", "saliva", "P-2").await;
    let pkg = new_package(&app, &lab).await;
    add_ok(&app, &lab, &pkg, "PS-1").await;
    add_ok(&app, &lab, &pkg, "PS-2").await;
    let (status, res) = app.delete(&pkg_path(&pkg, "/specimens/PS-1"), &lab).await;
    assert_eq!(status, 200, "{res}");
    tick_all(&app, &lab, &pkg, &["PS-2"]).await;
    dispatch_ok(&app, &lab, &pkg, &json!({"override_reason": REASON})).await;
    let sl = slip(&app, &lab, &pkg).await;
    assert_eq!(codes(&sl["overrides"]), ["priority_violation"]);
    assert_eq!(sl["overrides"][0]["specimen_id"], "PS-2", "{sl}");
}

// docs/RULES.md, packing: the refusal lists everything missing at once
#[tokio::test]
async fn the_missing_list_names_every_gap_at_once_in_checklist_order() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    registered_tube(&app, "SG-1", "nasopharyngeal_swab", "P-1").await;
    registered_tube(&app, "SG-2", "nasopharyngeal_swab", "P-2").await;
    let mut body = package_body("yu_pack");
    body["consignee"]["phone"] = json!("");
    let pkg = create(&app, &lab, &body).await;
    add_ok(&app, &lab, &pkg, "SG-1").await;
    add_ok(&app, &lab, &pkg, "SG-2").await;
    tick_ok(&app, &lab, &pkg, json!({"item": "primary.leakproof_tube"})).await;
    tick_ok(
        &app,
        &lab,
        &pkg,
        json!({"item": "primary.lid_closed", "specimen_id": "SG-1"}),
    )
    .await;
    for item in [
        "secondary.absorbent",
        "tertiary.rigid_outer",
        "tertiary.coolant",
        "tertiary.cushioned",
        "tertiary.slip_enclosed",
        "tertiary.sealed",
    ] {
        tick_ok(&app, &lab, &pkg, json!({"item": item})).await;
    }
    let want = [
        "primary.lid_closed:SG-2",
        "primary.wiped:SG-1",
        "primary.wiped:SG-2",
        "primary.parafilm:SG-1",
        "primary.parafilm:SG-2",
        "secondary.leakproof_sealed",
        "secondary.cushioned",
        "marks.un3373",
        "transport.secured",
        "consignee.phone",
        "packer.name",
        "packer.certificate_id",
    ];
    let view = package(&app, &pkg).await;
    assert_eq!(strings(&view["missing"]), want);
    let b4 = before(&app, &pkg).await;
    let (status, res) = dispatch(&app, &lab, &pkg, &json!({})).await;
    assert_incomplete(status, &res, &want);
    assert_unchanged(&app, &pkg, &b4).await;
    // The draft slip says the same.
    assert_eq!(strings(&slip(&app, &lab, &pkg).await["missing"]), want);
    let (_, _, html) = app
        .get_text(&pkg_path(&pkg, "/slip?format=html"), &lab)
        .await;
    assert!(html.contains("id=\"missing\""));
    assert!(html.contains("packer.certificate_id"));
}

// ---------------------------------------------------------------------------
// 3. A dispatched package is closed
// ---------------------------------------------------------------------------

// docs/RULES.md, packing: once dispatched, nothing about the package changes
#[tokio::test]
async fn a_dispatched_package_refuses_every_change_and_changes_nothing() {
    let app = spawn_app().await;
    locations(&app).await;
    let lab = app.token(Role::Lab);
    stored_tube(&app, "IM-1", "saliva", "P-1").await;
    stored_tube(&app, "IM-2", "saliva", "P-2").await;
    registered_tube(&app, "IM-3", "saliva", "P-3").await;
    let pkg = complete_package(&app, &lab, &["IM-1", "IM-2"]).await;
    dispatch_ok(&app, &lab, &pkg, &json!({})).await;

    for round in ["dispatched", "received"] {
        if round == "received" {
            let (status, res) = receive(&app, &lab, &pkg, &json!({})).await;
            assert_eq!(status, 200, "{res}");
        }
        let b4 = before(&app, &pkg).await;
        let (status, res) = add(&app, &lab, &pkg, "IM-3").await;
        assert_error(status, &res, 409, "package_dispatched");
        let (status, res) = tick(&app, &lab, &pkg, &json!({"item": "overpack.coolant"})).await;
        assert_error(status, &res, 409, "package_dispatched");
        let (status, res) = tick(
            &app,
            &lab,
            &pkg,
            &json!({"item": "marks.un3373", "done": false}),
        )
        .await;
        assert_error(status, &res, 409, "package_dispatched");
        let (status, res) = tick(
            &app,
            &lab,
            &pkg,
            &json!({"item": "primary.parafilm", "specimen_id": "IM-1", "done": false}),
        )
        .await;
        assert_error(status, &res, 409, "package_dispatched");
        let (status, res) = app
            .patch(
                &pkg_path(&pkg, ""),
                &lab,
                &json!({"consignee": {"name": "別の宛先", "address": "大阪府", "phone": "06-0000-0000"}}),
            )
            .await;
        assert_error(status, &res, 409, "package_dispatched");
        let (status, res) = app
            .patch(&pkg_path(&pkg, ""), &lab, &json!({"carrier": "yu_pack"}))
            .await;
        assert_error(status, &res, 409, "package_dispatched");
        let (status, res) = app.delete(&pkg_path(&pkg, "/specimens/IM-1"), &lab).await;
        assert_error(status, &res, 409, "package_dispatched");
        let (status, res) = dispatch(&app, &lab, &pkg, &json!({})).await;
        assert_error(status, &res, 409, "package_dispatched");
        let (status, res) = dispatch(&app, &lab, &pkg, &json!({"override_reason": REASON})).await;
        assert_error(status, &res, 409, "package_dispatched");
        // A shipped tube is out of the lab's storage too.
        let (status, res) = store_at(&app, &app.admin, "IM-1", "FRIDGE", Utc::now()).await;
        assert_eq!(status, 409, "{round}: {res}");
        assert_unchanged(&app, &pkg, &b4).await;
        assert_eq!(package(&app, &pkg).await["status"], round);
    }
    assert_eq!(specimen(&app, "IM-3").await["status"], "registered");
}

// ---------------------------------------------------------------------------
// 4. Un-ticking
// ---------------------------------------------------------------------------

// docs/RULES.md, packing: each item recorded with who and when; un-ticking is recorded too
#[tokio::test]
async fn unticking_is_a_recorded_event_and_ticking_what_is_ticked_records_nothing() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let lab_name = user_name(&app, &lab).await;
    let other = app.token(Role::Lab);
    let other_name = user_name(&app, &other).await;
    registered_tube(&app, "UT-1", "saliva", "P-1").await;
    let pkg = complete_package(&app, &lab, &["UT-1"]).await;
    let events = package(&app, &pkg).await["history"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(events, PRIMARY.len() + PACKAGE_LEVEL.len());

    // Ticking again records nothing.
    let b4 = before(&app, &pkg).await;
    for body in [
        json!({"item": "marks.un3373"}),
        json!({"item": "marks.un3373", "done": true}),
        json!({"item": "primary.parafilm"}),
        json!({"item": "primary.parafilm", "specimen_id": "UT-1"}),
    ] {
        let (status, res) = tick(&app, &other, &pkg, &body).await;
        assert_eq!(status, 200, "{body}: {res}");
        assert_unchanged(&app, &pkg, &b4).await;
    }

    // Un-ticking is an event, by whoever did it.
    let res = tick_ok(
        &app,
        &other,
        &pkg,
        json!({"item": "marks.un3373", "done": false}),
    )
    .await;
    let history = res["history"].as_array().unwrap();
    assert_eq!(history.len(), events + 1);
    let ticked = history
        .iter()
        .find(|e| e["item"] == "marks.un3373" && e["done"] == true)
        .expect("the tick stays in the history");
    assert_eq!(ticked["by"], lab_name);
    assert!(ticked["at"].is_string());
    let unticked = history.last().unwrap();
    assert_eq!(unticked["item"], "marks.un3373");
    assert_eq!(unticked["done"], false);
    assert_eq!(unticked["by"], other_name);
    assert!(time(&unticked["at"]) >= time(&ticked["at"]));
    let l = line(&res, "marks.un3373", None);
    assert_eq!(l["done"], false);
    assert_eq!(l["by"], other_name);
    assert_eq!(strings(&res["missing"]), ["marks.un3373"]);
    assert_eq!(res["complete"], false);

    let b4 = before(&app, &pkg).await;
    let (status, res) = dispatch(&app, &lab, &pkg, &json!({})).await;
    assert_incomplete(status, &res, &["marks.un3373"]);
    assert_unchanged(&app, &pkg, &b4).await;
    // Un-ticking what is not ticked records nothing either.
    let (status, res) = tick(
        &app,
        &lab,
        &pkg,
        &json!({"item": "marks.un3373", "done": false}),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_unchanged(&app, &pkg, &b4).await;

    // A primary item un-ticked for one tube.
    let res = tick_ok(
        &app,
        &lab,
        &pkg,
        json!({"item": "primary.wiped", "specimen_id": "UT-1", "done": false}),
    )
    .await;
    assert_eq!(
        strings(&res["missing"]),
        ["primary.wiped:UT-1", "marks.un3373"]
    );

    tick_ok(&app, &lab, &pkg, json!({"item": "marks.un3373"})).await;
    tick_ok(&app, &lab, &pkg, json!({"item": "primary.wiped"})).await;
    let res = dispatch_ok(&app, &lab, &pkg, &json!({})).await;
    let marks: Vec<Value> = res["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["item"] == "marks.un3373")
        .map(|e| e["done"].clone())
        .collect();
    assert_eq!(marks, [json!(true), json!(false), json!(true)]);
    assert_eq!(res["history"].as_array().unwrap().len(), events + 4);
}

// API: what a tick may name
#[tokio::test]
async fn ticks_naming_the_wrong_thing_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    registered_tube(&app, "TK-1", "saliva", "P-1").await;
    registered_tube(&app, "TK-2", "saliva", "P-2").await;
    let pkg = new_package(&app, &lab).await;

    let b4 = before(&app, &pkg).await;
    let (status, res) = tick(&app, &lab, &pkg, &json!({"item": "primary.parafilm"})).await;
    assert_error(status, &res, 409, "not_in_package");
    assert_unchanged(&app, &pkg, &b4).await;

    add_ok(&app, &lab, &pkg, "TK-1").await;
    let b4 = before(&app, &pkg).await;
    for (body, want_status, want_code) in [
        (json!({"item": "primary.teleported"}), 400, "invalid_input"),
        (json!({}), 400, "invalid_input"),
        (
            json!({"item": "marks.un3373", "specimen_id": "TK-1"}),
            400,
            "invalid_input",
        ),
        (
            json!({"item": "marks.un3373", "colour": "red"}),
            400,
            "invalid_input",
        ),
        (
            json!({"item": "primary.parafilm", "specimen_id": "TK-2"}),
            409,
            "not_in_package",
        ),
        (
            json!({"item": "primary.parafilm", "specimen_id": "NOPE-9"}),
            404,
            "unknown_specimen",
        ),
    ] {
        let (status, res) = tick(&app, &lab, &pkg, &body).await;
        assert_error(status, &res, want_status, want_code);
        assert_unchanged(&app, &pkg, &b4).await;
    }
    let (status, res) = tick(
        &app,
        &lab,
        "049123459999999999",
        &json!({"item": "marks.un3373"}),
    )
    .await;
    assert_error(status, &res, 404, "unknown_package");
    assert_same_counts(&app, &b4.counts);
}

// ---------------------------------------------------------------------------
// 5. Add-time checks
// ---------------------------------------------------------------------------

// API: unknown package or specimen
#[tokio::test]
async fn adding_to_an_unknown_package_or_an_unknown_specimen_is_404() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    registered_tube(&app, "UK-1", "saliva", "P-1").await;
    let pkg = new_package(&app, &lab).await;
    let b4 = before(&app, &pkg).await;
    let (status, res) = add(&app, &lab, "049123450000000999", "UK-1").await;
    assert_error(status, &res, 404, "unknown_package");
    let (status, res) = add(&app, &lab, &pkg, "NOPE-1").await;
    assert_error(status, &res, 404, "unknown_specimen");
    let (status, res) = app.get(&pkg_path("049123450000000999", ""), &lab).await;
    assert_error(status, &res, 404, "unknown_package");
    assert_unchanged(&app, &pkg, &b4).await;
    assert_eq!(specimen(&app, "UK-1").await["status"], "registered");
}

// docs/RULES.md, packing: a tube is in one package at a time
#[tokio::test]
async fn a_tube_already_in_another_open_package_is_already_packed() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    registered_tube(&app, "AP-1", "saliva", "P-1").await;
    let first = new_package(&app, &lab).await;
    add_ok(&app, &lab, &first, "AP-1").await;
    let second = new_package(&app, &lab).await;
    let b4 = before(&app, &second).await;
    let first_view = stable(package(&app, &first).await);
    let (status, res) = add(&app, &lab, &second, "AP-1").await;
    assert_error(status, &res, 409, "already_packed");
    assert!(res["error"]["message"].as_str().unwrap().contains(&first));
    assert_unchanged(&app, &second, &b4).await;
    assert_eq!(stable(package(&app, &first).await), first_view);
    assert_eq!(
        specimen(&app, "AP-1").await["package"]["package_id"],
        first.as_str()
    );
}

// API: shipped, received or missing tubes are out of the lab's care
#[tokio::test]
async fn a_shipped_or_received_tube_cannot_be_packed_again_and_is_not_in_care() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    registered_tube(&app, "SH-1", "saliva", "P-1").await;
    let shipped = complete_package(&app, &lab, &["SH-1"]).await;
    dispatch_ok(&app, &lab, &shipped, &json!({})).await;
    assert_eq!(specimen(&app, "SH-1").await["status"], "shipped");

    let pkg = new_package(&app, &lab).await;
    let b4 = before(&app, &pkg).await;
    let (status, res) = add(&app, &lab, &pkg, "SH-1").await;
    assert_error(status, &res, 409, "not_in_care");
    assert_unchanged(&app, &pkg, &b4).await;

    let (status, res) = receive(&app, &lab, &shipped, &json!({})).await;
    assert_eq!(status, 200, "{res}");
    let b4 = before(&app, &pkg).await;
    let (status, res) = add(&app, &lab, &pkg, "SH-1").await;
    assert_error(status, &res, 409, "not_in_care");
    assert_unchanged(&app, &pkg, &b4).await;
}

// `consultation_required`: autopsy tissue needs a recorded consultation (要相談), not an override
#[tokio::test]
async fn autopsy_tissue_is_packed_only_after_a_recorded_consultation() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let lab_name = user_name(&app, &lab).await;
    registered_tube(&app, "AT-1", "autopsy_tissue", "P-1").await;
    let pkg = new_package(&app, &lab).await;

    let b4 = before(&app, &pkg).await;
    let (status, res) = add(&app, &lab, &pkg, "AT-1").await;
    assert_error(status, &res, 422, "consultation_required");
    assert_eq!(res["error"]["overridable"], false, "{res}");
    assert_unchanged(&app, &pkg, &b4).await;
    let (status, res) = app
        .post(
            &pkg_path(&pkg, "/specimens"),
            &lab,
            &json!({"specimen_id": "AT-1", "override_reason": REASON}),
        )
        .await;
    assert_error(status, &res, 422, "consultation_required");
    assert_eq!(res["error"]["overridable"], false, "{res}");
    assert_unchanged(&app, &pkg, &b4).await;

    let (status, res) = app
        .post(
            "/api/v1/specimens/AT-1/consultations",
            &lab,
            &json!({"consulted_with": "衛生研究所 ウイルス部 佐藤", "note": "ホルマリン固定せずに送付"}),
        )
        .await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["specimen_id"], "AT-1");
    assert_eq!(res["consulted_with"], "衛生研究所 ウイルス部 佐藤");
    assert_eq!(res["recorded_by"], lab_name);
    assert_eq!(app.count("consultations"), 1);

    let res = add_ok(&app, &lab, &pkg, "AT-1").await;
    assert_eq!(res["warnings"], json!([]));
    assert_eq!(tube(&res, "AT-1")["override_reason"], Value::Null);
    assert_eq!(specimen(&app, "AT-1").await["status"], "packed");
}

// API: adding a tube twice is harmless
#[tokio::test]
async fn adding_the_same_tube_twice_to_the_same_package_is_200_and_no_duplicate() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    registered_tube(&app, "TW-1", "saliva", "P-1").await;
    let pkg = new_package(&app, &lab).await;
    add_ok(&app, &lab, &pkg, "TW-1").await;
    let b4 = before(&app, &pkg).await;
    let (status, res) = add(&app, &lab, &pkg, "TW-1").await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["quantity"], 1);
    assert_eq!(tube_ids(&res), ["TW-1"]);
    assert_eq!(res["warnings"], json!([]));
    assert_unchanged(&app, &pkg, &b4).await;
}

// API: a tube taken out returns to its previous status; the custody shows it
#[tokio::test]
async fn removing_a_tube_returns_it_to_its_previous_status_and_custody_shows_unpacked() {
    let app = spawn_app().await;
    locations(&app).await;
    let lab = app.token(Role::Lab);
    let lab_name = user_name(&app, &lab).await;
    stored_tube(&app, "RM-1", "saliva", "P-1").await;
    registered_tube(&app, "RM-2", "saliva", "P-2").await;
    let pkg = new_package(&app, &lab).await;
    add_ok(&app, &lab, &pkg, "RM-1").await;
    add_ok(&app, &lab, &pkg, "RM-2").await;

    for (id, previous) in [("RM-1", "stored"), ("RM-2", "registered")] {
        let (status, res) = app
            .delete(&pkg_path(&pkg, &format!("/specimens/{id}")), &lab)
            .await;
        assert_eq!(status, 200, "{res}");
        assert!(!tube_ids(&res).contains(&id.to_string()), "{res}");
        let s = specimen(&app, id).await;
        assert_eq!(s["status"], previous, "{id}");
        assert_eq!(s["package"], Value::Null, "{id}");
        let custody = s["custody"].as_array().unwrap();
        let last = custody.last().unwrap();
        assert_eq!(last["step"], "unpacked", "{id}: {s}");
        assert_eq!(last["detail"], pkg.as_str());
        assert_eq!(last["by"], lab_name);
        assert_eq!(custody[custody.len() - 2]["step"], "packed");
    }
    assert_eq!(package(&app, &pkg).await["quantity"], 0);

    // Out is out: a second removal is refused and changes nothing.
    let b4 = before(&app, &pkg).await;
    let (status, res) = app.delete(&pkg_path(&pkg, "/specimens/RM-1"), &lab).await;
    assert_error(status, &res, 409, "not_in_package");
    assert_unchanged(&app, &pkg, &b4).await;

    // And the tube may go into another package.
    let other = new_package(&app, &lab).await;
    add_ok(&app, &lab, &other, "RM-1").await;
    let s = specimen(&app, "RM-1").await;
    assert_eq!(s["package"]["package_id"], other.as_str());
    assert_eq!(
        steps(&s),
        ["collected", "stored", "packed", "unpacked", "packed"]
    );
}

// docs/RULES.md, storage: a tube stored while packed is a stored tube once taken back out
#[tokio::test]
async fn a_tube_first_stored_while_packed_is_stored_when_taken_back_out() {
    let app = spawn_app().await;
    locations(&app).await;
    let lab = app.token(Role::Lab);
    let at = registered_tube(&app, "SP-1", "saliva", "P-1").await;
    let pkg = new_package(&app, &lab).await;
    add_ok(&app, &lab, &pkg, "SP-1").await;
    // Into the fridge after packing (the open package waits there).
    let (_, res) = store_ok(&app, &lab, "SP-1", "FRIDGE", Utc::now()).await;
    assert!(time(&res["event"]["at"]) > at);
    assert_eq!(specimen(&app, "SP-1").await["status"], "packed");
    let (status, res) = app.delete(&pkg_path(&pkg, "/specimens/SP-1"), &lab).await;
    assert_eq!(status, 200, "{res}");
    let s = specimen(&app, "SP-1").await;
    assert_eq!(s["location"], "FRIDGE");
    assert_eq!(s["status"], "stored", "{s}");
}

// ---------------------------------------------------------------------------
// 6. SSCC
// ---------------------------------------------------------------------------

// README, barcodes: a package is an SSCC-18 — extension digit, company prefix, serial, check digit
#[tokio::test]
async fn package_ids_are_sscc_18_with_the_company_prefix_increasing_serials_and_a_gs1_check_digit()
{
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let mut ids = Vec::new();
    for n in 1..=3u32 {
        let id = new_package(&app, &lab).await;
        assert_eq!(id.len(), 18, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_digit()), "{id}");
        assert!(id.starts_with("04912345"), "{id}");
        assert_eq!(&id[8..17], format!("{n:09}"), "{id}");
        let check = id[17..].parse::<u32>().unwrap();
        assert_eq!(check, gs1_check_digit(&id[..17]), "{id}");
        ids.push(id);
    }
    assert_eq!(ids[0], "049123450000000019");
    let (status, list) = app.get("/api/v1/packages", &lab).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        field(&list, "package_id"),
        [json!(ids[2]), json!(ids[1]), json!(ids[0])]
    );
    let (status, list) = app.get("/api/v1/packages?limit=1", &lab).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(field(&list, "package_id"), [json!(ids[2])]);
}

// README, barcodes: no company prefix, no SSCC, no package
#[tokio::test]
async fn a_site_without_a_gs1_company_prefix_cannot_create_packages() {
    let app = spawn_app_with(|c| c.site.gs1_company_prefix.clear()).await;
    let lab = app.token(Role::Lab);
    let counts = app.snapshot();
    let (status, res) = app
        .post(
            "/api/v1/packages",
            &lab,
            &package_body("category_b_carrier"),
        )
        .await;
    assert_error(status, &res, 409, "site_not_configured");
    assert_same_counts(&app, &counts);
    let (status, list) = app.get("/api/v1/packages", &lab).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list, json!([]));
}

// API: the package body is checked
#[tokio::test]
async fn a_package_body_with_an_unknown_field_or_carrier_is_invalid_input() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let counts = app.snapshot();
    for body in [
        json!({"consignee": consignee(), "carrier": "category_b_carrier", "colour": "red"}),
        json!({"consignee": consignee(), "carrier": "drone"}),
        json!({"consignee": consignee()}),
    ] {
        let (status, res) = app.post("/api/v1/packages", &lab, &body).await;
        assert_error(status, &res, 400, "invalid_input");
        assert_same_counts(&app, &counts);
    }
}

// ---------------------------------------------------------------------------
// 7. Receiving
// ---------------------------------------------------------------------------

// API: receive only what was dispatched; receiving twice changes nothing
#[tokio::test]
async fn receiving_before_dispatch_is_refused_and_receiving_twice_changes_nothing() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    registered_tube(&app, "RC-1", "saliva", "P-1").await;
    registered_tube(&app, "RC-2", "saliva", "P-2").await;
    registered_tube(&app, "RC-X", "saliva", "P-3").await;
    let pkg = complete_package(&app, &lab, &["RC-1", "RC-2"]).await;

    let b4 = before(&app, &pkg).await;
    let (status, res) = receive(&app, &lab, &pkg, &json!({})).await;
    assert_error(status, &res, 409, "package_not_dispatched");
    let (status, res) = app.post_raw(&pkg_path(&pkg, "/receive"), &lab, "").await;
    assert_error(status, &res, 409, "package_not_dispatched");
    assert_unchanged(&app, &pkg, &b4).await;

    dispatch_ok(&app, &lab, &pkg, &json!({})).await;
    let b4 = before(&app, &pkg).await;
    let (status, res) = receive(&app, &lab, &pkg, &json!({"missing": ["RC-X"]})).await;
    assert_error(status, &res, 409, "not_in_package");
    let (status, res) = receive(&app, &lab, &pkg, &json!({"missing": ["NOPE-1"]})).await;
    assert_error(status, &res, 404, "unknown_specimen");
    let (status, res) = receive(&app, &lab, "049123450000000999", &json!({})).await;
    assert_error(status, &res, 404, "unknown_package");
    assert_unchanged(&app, &pkg, &b4).await;

    let (status, res) = app.post_raw(&pkg_path(&pkg, "/receive"), &lab, "").await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["status"], "received");
    assert_eq!(tube(&res, "RC-1")["receipt"], "received");
    assert_eq!(tube(&res, "RC-2")["receipt"], "received");

    let b4 = before(&app, &pkg).await;
    let (status, res) = receive(&app, &lab, &pkg, &json!({"missing": ["RC-2"]})).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["status"], "received");
    assert_eq!(tube(&res, "RC-2")["receipt"], "received");
    assert_unchanged(&app, &pkg, &b4).await;
    assert_eq!(specimen(&app, "RC-2").await["status"], "received");
}

// API: a tube checked in as received may turn out to be missing
#[tokio::test]
async fn a_received_tube_can_later_be_marked_missing() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let lab_name = user_name(&app, &lab).await;
    registered_tube(&app, "MM-1", "saliva", "P-1").await;
    registered_tube(&app, "MM-2", "saliva", "P-2").await;
    registered_tube(&app, "MM-X", "saliva", "P-3").await;
    let pkg = complete_package(&app, &lab, &["MM-1", "MM-2"]).await;
    let missing_path = pkg_path(&pkg, "/specimens/MM-2/missing");

    // Not before the package has arrived.
    let b4 = before(&app, &pkg).await;
    let (status, res) = app.post(&missing_path, &lab, &json!({})).await;
    assert_error(status, &res, 409, "package_not_dispatched");
    assert_unchanged(&app, &pkg, &b4).await;
    dispatch_ok(&app, &lab, &pkg, &json!({})).await;
    let b4 = before(&app, &pkg).await;
    let (status, res) = app.post(&missing_path, &lab, &json!({})).await;
    assert_error(status, &res, 409, "package_not_dispatched");
    assert_unchanged(&app, &pkg, &b4).await;

    let (status, res) = receive(&app, &lab, &pkg, &json!({})).await;
    assert_eq!(status, 200, "{res}");
    let (status, res) = app.post(&missing_path, &lab, &json!({})).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(tube(&res, "MM-2")["receipt"], "missing");
    assert_eq!(tube(&res, "MM-2")["receipt_by"], lab_name);
    assert_eq!(tube(&res, "MM-1")["receipt"], "received");
    let s = specimen(&app, "MM-2").await;
    assert_eq!(s["status"], "missing");
    assert_eq!(s["package"]["receipt"], "missing");
    assert_eq!(steps(&s).last().unwrap(), "missing");

    // Again: nothing new. A tube that was never in it: not_in_package.
    let b4 = before(&app, &pkg).await;
    let (status, res) = app.post(&missing_path, &lab, &json!({})).await;
    assert_eq!(status, 200, "{res}");
    assert_unchanged(&app, &pkg, &b4).await;
    let (status, res) = app
        .post(&pkg_path(&pkg, "/specimens/MM-X/missing"), &lab, &json!({}))
        .await;
    assert_error(status, &res, 409, "not_in_package");
    assert_unchanged(&app, &pkg, &b4).await;
}

// ---------------------------------------------------------------------------
// 8. Roles
// ---------------------------------------------------------------------------

// API roles: packaging is for lab and admin only
#[tokio::test]
async fn reception_and_health_centre_may_not_use_the_package_routes() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    registered_tube(&app, "RL-1", "saliva", "P-1").await;
    registered_tube(&app, "RL-2", "saliva", "P-2").await;
    let pkg = complete_package(&app, &lab, &["RL-1"]).await;
    let reception = app.token(Role::Reception);
    let health_centre = app.token(Role::HealthCentre);

    let b4 = before(&app, &pkg).await;
    for token in [&reception, &health_centre] {
        let posts = [
            (
                "/api/v1/packages".to_string(),
                package_body("official_vehicle"),
            ),
            (pkg_path(&pkg, "/specimens"), json!({"specimen_id": "RL-2"})),
            (
                pkg_path(&pkg, "/checklist"),
                json!({"item": "overpack.coolant"}),
            ),
            (pkg_path(&pkg, "/dispatch"), json!({})),
            (pkg_path(&pkg, "/receive"), json!({})),
            (pkg_path(&pkg, "/specimens/RL-1/missing"), json!({})),
            (
                "/api/v1/specimens/RL-2/consultations".to_string(),
                json!({"consulted_with": "衛生研究所"}),
            ),
        ];
        for (path, body) in posts {
            let (status, res) = app.post(&path, token, &body).await;
            assert_error(status, &res, 403, "forbidden");
        }
        let (status, res) = app
            .patch(&pkg_path(&pkg, ""), token, &json!({"carrier": "yu_pack"}))
            .await;
        assert_error(status, &res, 403, "forbidden");
        let (status, res) = app.delete(&pkg_path(&pkg, "/specimens/RL-1"), token).await;
        assert_error(status, &res, 403, "forbidden");
        for path in [
            pkg_path(&pkg, "/slip"),
            pkg_path(&pkg, ""),
            "/api/v1/packages".to_string(),
        ] {
            let (status, res) = app.get(&path, token).await;
            assert_error(status, &res, 403, "forbidden");
        }
        let (status, _, _) = app
            .get_text(&pkg_path(&pkg, "/slip?format=html"), token)
            .await;
        assert_eq!(status, 403);
        let (status, _, _) = app.get_text(&pkg_path(&pkg, "/label"), token).await;
        assert_eq!(status, 403);
        assert_unchanged(&app, &pkg, &b4).await;
    }
}

// API roles: lab and admin pack, dispatch, receive and print
#[tokio::test]
async fn lab_and_admin_may_create_fill_tick_dispatch_receive_and_print() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let admin_token = app.admin.clone();
    for (n, token) in [&lab, &admin_token].into_iter().enumerate() {
        let name = user_name(&app, token).await;
        let id = format!("OK-{n}");
        registered_tube(&app, &id, "saliva", &format!("P-{id}")).await;
        let pkg = complete_package(&app, token, &[id.as_str()]).await;
        let (status, res) = app
            .patch(
                &pkg_path(&pkg, ""),
                token,
                &json!({"carrier": "official_vehicle"}),
            )
            .await;
        assert_eq!(status, 200, "{res}");
        let res = dispatch_ok(&app, token, &pkg, &json!({})).await;
        assert_eq!(res["dispatched_by"], name);
        assert_eq!(res["created_by"], name);
        assert_eq!(slip(&app, token, &pkg).await["dispatched_by"], name);
        let (status, res) = receive(&app, token, &pkg, &json!({})).await;
        assert_eq!(status, 200, "{res}");
        assert_eq!(res["received_by"], name);
        let (status, _, svg) = app.get_text(&pkg_path(&pkg, "/label"), token).await;
        assert_eq!(status, 200, "{svg}");
    }
}

// ---------------------------------------------------------------------------
// The label
// ---------------------------------------------------------------------------

// docs/RULES.md, packing: the label's marks; README, barcodes: the label's barcode scans back as (00) SSCC; UN1845 only with dry ice
#[tokio::test]
async fn the_label_carries_the_sscc_as_gs1_128_and_un1845_only_with_dry_ice() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    registered_tube(&app, "LB-1", "serum_acute", "P-1").await;
    let pkg = new_package(&app, &lab).await;
    add_ok(&app, &lab, &pkg, "LB-1").await;

    let (status, content_type, svg) = app.get_text(&pkg_path(&pkg, "/label"), &lab).await;
    assert_eq!(status, 200, "{svg}");
    assert!(content_type.starts_with("image/svg+xml"), "{content_type}");
    let modules = kentai::print::gs1_128::modules_from_svg_rects(&svg, "sscc-barcode")
        .expect("the label has the sscc-barcode bars");
    assert_eq!(
        kentai::print::gs1_128::decode_modules(&modules),
        Some(("]C1".to_string(), format!("00{pkg}")))
    );

    let (status, content_type, zpl) = app
        .get_text(&pkg_path(&pkg, "/label?format=zpl"), &lab)
        .await;
    assert_eq!(status, 200, "{zpl}");
    assert!(
        content_type.starts_with("application/zpl"),
        "{content_type}"
    );
    assert!(zpl.starts_with("^XA"), "{zpl}");
    assert!(zpl.trim_end().ends_with("^XZ"), "{zpl}");
    assert!(zpl.contains(&pkg));
    assert!(zpl.contains("UN3373"));
    assert!(!zpl.contains("UN1845"), "{zpl}");
    assert!(!svg.contains("UN1845"));

    tick_ok(&app, &lab, &pkg, json!({"item": "overpack.insulated_box"})).await;
    tick_ok(
        &app,
        &lab,
        &pkg,
        json!({"item": "overpack.dry_ice", "dry_ice_kg": 3}),
    )
    .await;
    let (_, _, zpl) = app
        .get_text(&pkg_path(&pkg, "/label?format=zpl"), &lab)
        .await;
    assert!(zpl.contains("UN1845"), "{zpl}");
    let (_, _, svg) = app.get_text(&pkg_path(&pkg, "/label"), &lab).await;
    assert!(svg.contains("UN1845"));

    let (status, res) = app.get(&pkg_path(&pkg, "/label?format=pdf"), &lab).await;
    assert_error(status, &res, 400, "invalid_input");
    let (status, res) = app.get(&pkg_path(&pkg, "/slip?format=pdf"), &lab).await;
    assert_error(status, &res, 400, "invalid_input");
}
