//! Collection kits through the HTTP API (docs/RULES.md, kits; README, barcodes: kit
//! labels): the kit catalog and who may change it, a kit label read at
//! registration (expired kits refused, cotton and wooden swabs warned, lot,
//! expiry and serial kept), and recall tracing by lot.

use crate::common::rules::{assert_error, codes, registration_at, specimen, user_name};
use crate::common::*;
use chrono::{Duration, NaiveDate};
use kentai::domain::kits::{KitEntry, SwabMaterial};
use kentai::domain::roles::Role;
use kentai::domain::SpecimenType;
use serde_json::{json, Value};

/// GS1's group separator, as scanners send it between variable fields.
const GS: char = '\u{1d}';

/// A GTIN-14 from its first 13 digits and the GS1 check digit.
fn gtin(body: &str) -> String {
    assert_eq!(body.len(), 13, "{body}");
    let sum: u32 = body
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).expect("digit") * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// GS1's own example GTIN, a flocked nasopharyngeal kit in these tests.
const FLOCKED: &str = "09506000134352";

fn yymmdd(d: NaiveDate) -> String {
    d.format("%y%m%d").to_string()
}

/// A kit label as a bracketed element string.
fn bracketed(gtin: &str, expiry: NaiveDate, lot: &str, serial: Option<&str>) -> String {
    let mut s = format!("(01){gtin}(17){}(10){lot}", yymmdd(expiry));
    if let Some(serial) = serial {
        s.push_str(&format!("(21){serial}"));
    }
    s
}

/// The same label as a GS1 DataMatrix scanner sends it: `]d2`, fixed-length
/// fields run on, GS after the variable-length lot.
fn scan_data(gtin: &str, expiry: NaiveDate, lot: &str, serial: Option<&str>) -> String {
    let mut s = format!("]d201{gtin}17{}10{lot}", yymmdd(expiry));
    if let Some(serial) = serial {
        s.push_str(&format!("{GS}21{serial}"));
    }
    s
}

/// The same label as a GS1 Digital Link URI (a QR code).
fn digital_link(gtin: &str, expiry: NaiveDate, lot: &str, serial: &str) -> String {
    format!(
        "https://id.gs1.org/01/{gtin}/10/{lot}/21/{serial}?17={}",
        yymmdd(expiry)
    )
}

fn entry(gtin: &str, specimen_type: &str, material: &str, description: &str) -> Value {
    json!({"gtin": gtin, "specimen_type": specimen_type,
           "swab_material": material, "description": description})
}

async fn catalogue(app: &TestApp, body: &Value) -> Value {
    let (status, answer) = app.post("/api/v1/kits", &app.admin, body).await;
    assert_eq!(status, 201, "catalogue {body}: {answer}");
    answer
}

/// A nasopharyngeal swab registration collected an hour ago (onset two
/// days before) with `kit`; returns the body and its collection date in
/// Tokyo.
fn swab_with_kit(specimen_id: &str, kit: &str) -> (Value, NaiveDate) {
    let (mut body, at) = registration_at(specimen_id, "nasopharyngeal_swab", 1, 2);
    body["kit"] = json!(kit);
    (body, tokyo_date(at))
}

/// The collection date `swab_with_kit` will give, to build labels first.
fn collection_date() -> NaiveDate {
    swab_with_kit("probe", "x").1
}

fn kit_fields(s: &Value) -> Value {
    json!({
        "kit_gtin": s["kit_gtin"], "kit_lot": s["kit_lot"],
        "kit_expiry": s["kit_expiry"], "kit_serial": s["kit_serial"],
    })
}

#[tokio::test]
async fn the_catalog_takes_a_kit_once_and_refuses_a_different_one_under_its_gtin() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let lab_name = user_name(&app, &lab).await;
    // Written as a GTIN-13, kept as the 14 digits of (01).
    let body = entry(
        &FLOCKED[1..],
        "nasopharyngeal_swab",
        "flocked",
        "FLOQSwab + UTM 3 mL",
    );
    let (status, kit) = app.post("/api/v1/kits", &lab, &body).await;
    assert_eq!(status, 201, "{kit}");
    assert_eq!(kit["gtin"], FLOCKED, "{kit}");
    assert_eq!(kit["specimen_type"], "nasopharyngeal_swab");
    assert_eq!(kit["swab_material"], "flocked");
    assert_eq!(kit["reduces_yield"], false);
    assert_eq!(kit["source"], "api");
    assert_eq!(kit["created_by"], json!(lab_name));
    assert_eq!(app.count("kits"), 1);

    // The same entry again, in its 14-digit form: 200, nothing written.
    let before = (app.snapshot(), app.count("kits"));
    let mut again = body.clone();
    again["gtin"] = json!(FLOCKED);
    let (status, answer) = app.post("/api/v1/kits", &lab, &again).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, kit);
    assert_eq!((app.snapshot(), app.count("kits")), before);

    // Other details under the same GTIN: 409, nothing written.
    for (field, value) in [
        ("description", json!("another kit")),
        ("swab_material", json!("cotton")),
        ("specimen_type", json!("saliva")),
    ] {
        let mut other = body.clone();
        other[field] = value;
        let (status, answer) = app.post("/api/v1/kits", &app.admin, &other).await;
        assert_error(status, &answer, 409, "duplicate_kit");
    }
    assert_eq!((app.snapshot(), app.count("kits")), before);

    // Read back by any of its forms, and in the list.
    for form in [FLOCKED, &FLOCKED[1..]] {
        let (status, got) = app.get(&format!("/api/v1/kits/{form}"), &lab).await;
        assert_eq!(status, 200, "{got}");
        assert_eq!(got, kit);
    }
    let (status, list) = app.get("/api/v1/kits", &lab).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list, json!([kit]));

    // Unknown and impossible GTINs.
    let (status, answer) = app
        .get(&format!("/api/v1/kits/{}", gtin("4987654321999")), &lab)
        .await;
    assert_error(status, &answer, 404, "unknown_kit");
    for bad in ["123", "09506000134353", "0950600013435x"] {
        let (status, answer) = app.get(&format!("/api/v1/kits/{bad}"), &lab).await;
        assert_error(status, &answer, 400, "invalid_input");
    }
    let audit = app
        .get("/api/v1/audit?entity=kit", &app.admin)
        .await
        .1
        .to_string();
    assert!(audit.contains("kit.create"), "{audit}");
}

#[tokio::test]
async fn a_bad_catalog_entry_is_refused_with_400_and_stores_nothing() {
    let app = spawn_app().await;
    let before = (app.snapshot(), app.count("kits"));
    let good = entry(FLOCKED, "nasopharyngeal_swab", "flocked", "NP kit");
    let mut bodies = Vec::new();
    for (field, value) in [
        ("gtin", json!("09506000134353")), // check digit
        ("gtin", json!("950600013435")),   // a GTIN-12 with a bad check digit
        ("gtin", json!("1234567")),        // no GTIN has 7 digits
        ("gtin", json!("0950600013435a")),
        ("gtin", json!("")),
        ("gtin", json!(9506000134352u64)), // a number, not text
        ("swab_material", json!("bamboo")),
        ("specimen_type", json!("nose")),
        ("description", json!("")),
        ("description", json!("   ")),
        ("description", json!("a\nb")),
        ("description", json!("x".repeat(201))),
    ] {
        let mut b = good.clone();
        b[field] = value;
        bodies.push(b);
    }
    let mut extra = good.clone();
    extra["colour"] = json!("blue");
    bodies.push(extra);
    let mut missing = good.clone();
    missing
        .as_object_mut()
        .expect("object")
        .remove("swab_material");
    bodies.push(missing);
    bodies.push(json!([FLOCKED, "nasopharyngeal_swab", "flocked", "NP kit"]));
    for body in bodies {
        let (status, answer) = app.post("/api/v1/kits", &app.admin, &body).await;
        assert_error(status, &answer, 400, "invalid_input");
    }
    assert_eq!((app.snapshot(), app.count("kits")), before);
}

#[tokio::test]
async fn kits_in_kentai_toml_are_listed_and_read_only_over_the_api() {
    let configured = KitEntry {
        gtin: "4987654321018".into(),
        specimen_type: SpecimenType::NasopharyngealSwab,
        swab_material: SwabMaterial::Rayon,
        description: "レーヨンスワブ".into(),
    };
    let app = spawn_app_with(|c| c.kits = vec![configured.clone()]).await;
    let (status, list) = app.get("/api/v1/kits", &app.admin).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().expect("list").len(), 1, "{list}");
    let kit = &list[0];
    assert_eq!(kit["gtin"], "04987654321018");
    assert_eq!(kit["source"], "config");
    assert_eq!(kit["created_by"], Value::Null);

    let before = (app.snapshot(), app.count("kits"));
    let same = entry(
        "04987654321018",
        "nasopharyngeal_swab",
        "rayon",
        "レーヨンスワブ",
    );
    let (status, answer) = app.post("/api/v1/kits", &app.admin, &same).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(&answer, kit);
    let mut other = same.clone();
    other["swab_material"] = json!("cotton");
    let (status, answer) = app.post("/api/v1/kits", &app.admin, &other).await;
    assert_error(status, &answer, 409, "duplicate_kit");
    assert_eq!((app.snapshot(), app.count("kits")), before);
    assert_eq!(app.count("kits"), 0, "configuration entries are not stored");

    // An API kit sits beside it, in GTIN order.
    catalogue(
        &app,
        &entry(FLOCKED, "nasopharyngeal_swab", "flocked", "NP kit"),
    )
    .await;
    let (_, list) = app.get("/api/v1/kits", &app.admin).await;
    let order: Vec<(&str, &str)> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|k| {
            (
                k["gtin"].as_str().expect("gtin"),
                k["source"].as_str().expect("source"),
            )
        })
        .collect();
    assert_eq!(order, [("04987654321018", "config"), (FLOCKED, "api")]);
}

#[tokio::test]
async fn reception_reads_the_catalog_but_neither_adds_kits_nor_traces_lots() {
    let app = spawn_app().await;
    catalogue(
        &app,
        &entry(FLOCKED, "nasopharyngeal_swab", "flocked", "NP kit"),
    )
    .await;
    let reception = app.token(Role::Reception);
    let officer = app.token(Role::HealthCentre);
    let before = (app.snapshot(), app.count("kits"));
    let new = entry("4987654321025", "saliva", "none", "唾液採取容器");
    for token in [&reception, &officer] {
        let (status, answer) = app.post("/api/v1/kits", token, &new).await;
        assert_error(status, &answer, 403, "forbidden");
        let (status, answer) = app.get("/api/v1/kits/lots/L1/specimens", token).await;
        assert_error(status, &answer, 403, "forbidden");
    }
    assert_eq!((app.snapshot(), app.count("kits")), before);
    let (status, list) = app.get("/api/v1/kits", &reception).await;
    assert_eq!(status, 200, "{list}");
    let (status, _) = app
        .get(&format!("/api/v1/kits/{FLOCKED}"), &reception)
        .await;
    assert_eq!(status, 200);
    let (status, answer) = app.get("/api/v1/kits", &officer).await;
    assert_error(status, &answer, 403, "forbidden");
}

#[tokio::test]
async fn kit_expired_is_refused_with_422_not_overridable_and_nothing_is_stored() {
    let app = spawn_app().await;
    catalogue(
        &app,
        &entry(FLOCKED, "nasopharyngeal_swab", "flocked", "NP kit"),
    )
    .await;
    let lab = app.token(Role::Lab);
    let day = collection_date();
    let before = (app.snapshot(), app.count("kits"));
    let (body, _) = swab_with_kit(
        "EXP-1",
        &bracketed(FLOCKED, day - Duration::days(1), "L1", None),
    );
    let (status, answer) = app.register(&app.admin, &body).await;
    assert_error(status, &answer, 422, "kit_expired");
    assert_eq!(answer["error"]["overridable"], false, "{answer}");
    assert_eq!(codes(&answer["error"]["refusals"]), ["kit_expired"]);

    // A written reason from the lab lifts nothing.
    let mut with_reason = body.clone();
    with_reason["override_reason"] = json!("期限切れだが他にキットがない");
    let (status, answer) = app.register(&lab, &with_reason).await;
    assert_error(status, &answer, 422, "kit_expired");
    assert_eq!(answer["error"]["overridable"], false, "{answer}");

    // An expiry of `00` is the month's last day: last month's is expired.
    let last_month = day - Duration::days(i64::from(chrono::Datelike::day(&day)));
    let end_of_last_month = format!("(01){FLOCKED}(17){}00(10)L1", last_month.format("%y%m"));
    let (body, _) = swab_with_kit("EXP-2", &end_of_last_month);
    let (status, answer) = app.register(&app.admin, &body).await;
    assert_error(status, &answer, 422, "kit_expired");
    assert_eq!(
        (app.snapshot(), app.count("kits")),
        before,
        "a refused kit wrote"
    );
    let (status, _) = app.get("/api/v1/specimens/EXP-1", &app.admin).await;
    assert_eq!(status, 404);

    // Good on its expiry day, and this month's `00` is good all month.
    let (body, _) = swab_with_kit("EXP-3", &bracketed(FLOCKED, day, "L1", None));
    let (status, answer) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(codes(&answer["warnings"]), Vec::<String>::new());
    let this_month = format!("(01){FLOCKED}(17){}00(10)L1", day.format("%y%m"));
    let (body, _) = swab_with_kit("EXP-4", &this_month);
    let (status, answer) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201, "{answer}");
}

#[tokio::test]
async fn kit_swab_material_kit_type_mismatch_and_unknown_kit_warn() {
    let app = spawn_app().await;
    let cotton = gtin("4987654321100");
    let wooden = gtin("4987654321200");
    let saliva = gtin("4987654321300");
    catalogue(
        &app,
        &entry(&cotton, "nasopharyngeal_swab", "cotton", "綿棒キット"),
    )
    .await;
    catalogue(
        &app,
        &entry(&wooden, "nasopharyngeal_swab", "wooden", "木製軸スワブ"),
    )
    .await;
    catalogue(&app, &entry(&saliva, "saliva", "none", "唾液容器")).await;
    catalogue(
        &app,
        &entry(FLOCKED, "nasopharyngeal_swab", "flocked", "NP kit"),
    )
    .await;
    let expiry = collection_date() + Duration::days(200);
    let unknown = gtin("4987654321400");
    let cases: [(&str, &str, &[&str]); 5] = [
        ("W-1", &cotton, &["kit_swab_material"]),
        ("W-2", &wooden, &["kit_swab_material"]),
        ("W-3", &saliva, &["kit_type_mismatch"]),
        ("W-4", &unknown, &["unknown_kit"]),
        ("W-5", FLOCKED, &[]),
    ];
    for (id, g, want) in cases {
        let (body, _) = swab_with_kit(id, &bracketed(g, expiry, "L1", None));
        let (status, answer) = app.register(&app.admin, &body).await;
        assert_eq!(status, 201, "{id}: {answer}");
        assert_eq!(codes(&answer["warnings"]), want, "{id}: {answer}");
        // The warnings stay with the specimen.
        let s = specimen(&app, id).await;
        assert_eq!(codes(&s["registration_warnings"]), want, "{id}: {s}");
    }
    let s = specimen(&app, "W-1").await;
    assert_eq!(s["kit_description"], "綿棒キット", "{s}");

    // A kit catalogued after the registration shows its description then.
    let s = specimen(&app, "W-4").await;
    assert_eq!(s["kit_description"], Value::Null, "{s}");
    catalogue(
        &app,
        &entry(&unknown, "nasopharyngeal_swab", "polyester", "後から登録"),
    )
    .await;
    let s = specimen(&app, "W-4").await;
    assert_eq!(s["kit_description"], "後から登録", "{s}");
}

#[tokio::test]
async fn lot_expiry_and_serial_are_stored_and_a_repost_answers_200_with_them() {
    let app = spawn_app().await;
    catalogue(
        &app,
        &entry(FLOCKED, "nasopharyngeal_swab", "flocked", "NP kit"),
    )
    .await;
    let expiry = collection_date() + Duration::days(120);
    let label = scan_data(FLOCKED, expiry, "LOT-42", Some("SN0001"));
    let (body, _) = swab_with_kit("K-1", &label);
    let (status, answer) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201, "{answer}");
    let s = &answer["specimen"];
    assert_eq!(
        s["kit"],
        label.as_str(),
        "the label is kept as scanned: {s}"
    );
    assert_eq!(
        kit_fields(s),
        json!({"kit_gtin": FLOCKED, "kit_lot": "LOT-42",
               "kit_expiry": expiry.to_string(), "kit_serial": "SN0001"})
    );
    assert_eq!(s["kit_description"], "NP kit");
    assert_eq!(&specimen(&app, "K-1").await, s);

    let before = app.snapshot();
    let (status, again) = app.register(&app.admin, &body).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(kit_fields(&again["specimen"]), kit_fields(s));
    assert_eq!(app.snapshot(), before);

    // Without (21) and (10) only what the label carries is kept.
    let short = format!("(01){FLOCKED}(17){}", yymmdd(expiry));
    let (body, _) = swab_with_kit("K-2", &short);
    let (status, answer) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(
        kit_fields(&answer["specimen"]),
        json!({"kit_gtin": FLOCKED, "kit_lot": null,
               "kit_expiry": expiry.to_string(), "kit_serial": null})
    );
}

#[tokio::test]
async fn the_bracketed_scanned_and_digital_link_forms_of_one_kit_store_the_same_fields() {
    let app = spawn_app().await;
    catalogue(
        &app,
        &entry(FLOCKED, "nasopharyngeal_swab", "flocked", "NP kit"),
    )
    .await;
    let expiry = collection_date() + Duration::days(30);
    let forms = [
        bracketed(FLOCKED, expiry, "ABC123", Some("77")),
        scan_data(FLOCKED, expiry, "ABC123", Some("77")),
        digital_link(FLOCKED, expiry, "ABC123", "77"),
    ];
    let mut stored = Vec::new();
    for (i, form) in forms.iter().enumerate() {
        let id = format!("F-{i}");
        let (body, _) = swab_with_kit(&id, form);
        let (status, answer) = app.register(&app.admin, &body).await;
        assert_eq!(status, 201, "{form:?}: {answer}");
        assert_eq!(codes(&answer["warnings"]), Vec::<String>::new(), "{answer}");
        let s = specimen(&app, &id).await;
        assert_eq!(s["kit"], form.as_str());
        stored.push(kit_fields(&s));
    }
    let want = json!({"kit_gtin": FLOCKED, "kit_lot": "ABC123",
                      "kit_expiry": expiry.to_string(), "kit_serial": "77"});
    for s in stored {
        assert_eq!(s, want);
    }
}

#[tokio::test]
async fn an_invalid_gs1_kit_is_refused_with_400_invalid_barcode_naming_the_ai() {
    let app = spawn_app().await;
    let day = collection_date() + Duration::days(30);
    let before = (app.snapshot(), app.count("kits"));
    // (kit, the AI and the position in its value the message names)
    let cases = [
        // (01) with a wrong check digit (its 14th digit).
        (
            format!("(01)09506000134353(17){}(10)L1", yymmdd(day)),
            "01",
            13,
        ),
        // (17) with month 13.
        (
            format!("(01){FLOCKED}(17){}1301(10)L1", day.format("%y")),
            "17",
            2,
        ),
        // The same, as scan data.
        (format!("]d201{FLOCKED}17{}1301", day.format("%y")), "17", 2),
    ];
    for (kit, ai, position) in cases {
        let (body, _) = swab_with_kit("BAD-1", &kit);
        let (status, answer) = app.register(&app.admin, &body).await;
        assert_error(status, &answer, 400, "invalid_barcode");
        // Scripts read where the data breaks the rule from the body; a
        // person reads it in the message (Japanese counts from 1).
        assert_eq!(answer["error"]["ai"], ai, "{kit:?}: {answer}");
        assert_eq!(answer["error"]["position"], position, "{kit:?}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        let at = format!("AI ({ai}) の{}文字目", position + 1);
        assert!(message.contains(&at), "{kit:?}: {message}");
    }
    // Valid GS1, but no kit: a tube's label in the kit field.
    let (body, _) = swab_with_kit("BAD-1", "(8018)049123450000000012(8019)1");
    let (status, answer) = app.register(&app.admin, &body).await;
    assert_error(status, &answer, 400, "invalid_barcode");
    assert_eq!((app.snapshot(), app.count("kits")), before);
}

#[tokio::test]
async fn a_plain_kit_code_is_kept_as_scanned_and_not_checked() {
    let app = spawn_app().await;
    let (body, _) = swab_with_kit("P-1", "KIT-2026-0001");
    let (status, answer) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(codes(&answer["warnings"]), Vec::<String>::new());
    let s = &answer["specimen"];
    assert_eq!(s["kit"], "KIT-2026-0001");
    assert_eq!(
        kit_fields(s),
        json!({"kit_gtin": null, "kit_lot": null, "kit_expiry": null, "kit_serial": null})
    );
    assert_eq!(s["kit_description"], Value::Null);
}

#[tokio::test]
async fn a_recall_lists_every_specimen_of_the_lot_in_collection_order() {
    let app = spawn_app().await;
    let other = gtin("4987654321500");
    catalogue(
        &app,
        &entry(FLOCKED, "nasopharyngeal_swab", "flocked", "NP kit"),
    )
    .await;
    catalogue(
        &app,
        &entry(&other, "nasopharyngeal_swab", "rayon", "Rayon kit"),
    )
    .await;
    let lab = app.token(Role::Lab);
    // (id, hours ago, GTIN, lot), registered out of collection order.
    let tubes = [
        ("R-NEW", 1, FLOCKED, "A/7"),
        ("R-OLD", 9, FLOCKED, "A/7"),
        ("R-MID", 5, FLOCKED, "A/7"),
        ("R-B", 3, FLOCKED, "B8"),
        ("R-OTHER", 7, other.as_str(), "A/7"),
    ];
    for (id, hours, g, lot) in tubes {
        let (mut body, at) = registration_at(id, "nasopharyngeal_swab", hours, 2);
        let expiry = tokyo_date(at) + Duration::days(60);
        body["kit"] = json!(bracketed(g, expiry, lot, Some(id)));
        let (status, answer) = app.register(&app.admin, &body).await;
        assert_eq!(status, 201, "{id}: {answer}");
    }
    // A plain kit code and no kit at all never match a lot.
    let (body, _) = swab_with_kit("R-PLAIN", "A/7");
    assert_eq!(app.register(&app.admin, &body).await.0, 201);

    let ids = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap_or_else(|| panic!("a list: {list}"))
            .iter()
            .map(|s| s["specimen_id"].as_str().expect("specimen_id").to_string())
            .collect()
    };
    let before = app.snapshot();
    let (status, list) = app.get("/api/v1/kits/lots/A%2F7/specimens", &lab).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(ids(&list), ["R-OLD", "R-OTHER", "R-MID", "R-NEW"]);
    assert_eq!(
        list[0]["kit_serial"], "R-OLD",
        "whole specimen views: {list}"
    );
    let (status, list) = app
        .get(
            &format!("/api/v1/kits/lots/A%2F7/specimens?gtin={}", &FLOCKED[1..]),
            &lab,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(ids(&list), ["R-OLD", "R-MID", "R-NEW"]);
    let (status, list) = app
        .get(
            &format!("/api/v1/kits/lots/B8/specimens?gtin={other}"),
            &lab,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(ids(&list), Vec::<String>::new());
    let (status, list) = app.get("/api/v1/kits/lots/NOPE/specimens", &lab).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list, json!([]));
    for bad in [
        "/api/v1/kits/lots/A%2F7/specimens?gtin=123",
        "/api/v1/kits/lots/A%2F7/specimens?colour=blue",
        "/api/v1/kits/lots/ABCDEFGHIJKLMNOPQRSTU/specimens",
    ] {
        let (status, answer) = app.get(bad, &lab).await;
        assert_error(status, &answer, 400, "invalid_input");
    }
    assert_eq!(app.snapshot(), before, "a recall listing wrote");
}

/// A registration answers with the record it wrote rather than reading it
/// back; that record must be exactly what every later read returns.
#[tokio::test]
async fn the_answer_to_a_registration_is_the_record_a_later_read_returns() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let cotton = gtin("4987654321100");
    catalogue(
        &app,
        &entry(&cotton, "nasopharyngeal_swab", "cotton", "綿棒キット"),
    )
    .await;
    let expiry = collection_date() + Duration::days(200);
    let (mut with_kit, _) = swab_with_kit("R-1", &bracketed(&cotton, expiry, "L1", Some("S9")));
    with_kit["patient"]["phone"] = Value::Null;
    // The same patient again, now with the phone number the record lacked
    // (a completed patient row), then a tube with no kit.
    let mut moved = registration("R-2", "saliva", 2);
    moved["patient"] = with_kit["patient"].clone();
    moved["patient"]["phone"] = json!("03-9999-9999");
    for (id, body) in [("R-1", with_kit), ("R-2", moved)] {
        let (status, answer) = app.register(&reception, &body).await;
        assert_eq!(status, 201, "{id}: {answer}");
        let (status, read) = app
            .get(&format!("/api/v1/specimens/{id}"), &reception)
            .await;
        assert_eq!(status, 200, "{id}: {read}");
        assert_eq!(answer["specimen"], read, "{id}");
        // Posting it again answers from the database: the same record.
        let (status, again) = app.register(&reception, &body).await;
        assert_eq!(status, 200, "{id}: {again}");
        assert_eq!(again, answer, "{id}");
    }
    let (_, r1) = app.get("/api/v1/specimens/R-1", &reception).await;
    assert_eq!(r1["kit_description"], "綿棒キット", "{r1}");
    assert_eq!(codes(&r1["registration_warnings"]), ["kit_swab_material"]);
    let (_, r2) = app.get("/api/v1/specimens/R-2", &reception).await;
    assert_eq!(r2["patient"]["phone"], "03-9999-9999", "{r2}");
}
