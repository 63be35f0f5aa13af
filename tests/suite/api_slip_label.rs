//! The shipping slip (検体送付票, docs/RULES.md, packing: the slip's fields) and the outer package label
//! through the HTTP API: what a package's slip lists and in which order, the
//! overrides it owns up to, the printable A4 page, the label's GS1-128 SSCC
//! scanned back from the SVG the server sends, the UN3373 and UN1845 marks in
//! SVG and ZPL, and names that try to break out of HTML, SVG or ZPL.

use crate::common::rules::*;
use crate::common::*;
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use kentai::domain::roles::Role;
use kentai::domain::SpecimenType;
use kentai::print::gs1_128::{decode_modules, modules_from_svg_rects};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The harness's site configuration (`common`).
const SITE_NAME: &str = "テスト内科";
const SITE_ADDRESS: &str = "東京都新宿区西新宿2-8-1";
const SITE_PHONE: &str = "03-1234-5678";
const SITE_EMERGENCY_PHONE: &str = "090-1234-5678";

const CONTENTS: &str = "UN3373 Biological Substance, Category B";
const UN3373_NAME: &str = "Biological Substance, Category B";

/// Why the day-10 saliva was registered anyway.
const REGISTRATION_REASON: &str = "医師の指示により発症10日目の唾液で検査";
/// Why the saliva went into the box before the sputum and swab.
const PRIORITY_REASON: &str = "喀痰・鼻咽頭ぬぐい液も同じ箱に入れるため唾液から梱包";

/// Creates a package and insists on 201; answers its id.
async fn create_package(app: &TestApp, token: &str, body: &Value) -> String {
    let (status, res) = app.post("/api/v1/packages", token, body).await;
    assert_eq!(status, 201, "create a package with {body}: {res}");
    let id = res["package_id"].as_str().expect("package_id").to_string();
    assert_eq!(id.len(), 18, "an SSCC-18: {id}");
    id
}

/// Packs `tube` and insists on 201; answers the package.
async fn add_tube(
    app: &TestApp,
    token: &str,
    package_id: &str,
    tube: &str,
    override_reason: Option<&str>,
) -> Value {
    let mut body = json!({"specimen_id": tube});
    if let Some(reason) = override_reason {
        body["override_reason"] = json!(reason);
    }
    let (status, res) = app
        .post(
            &format!("/api/v1/packages/{package_id}/specimens"),
            token,
            &body,
        )
        .await;
    assert_eq!(status, 201, "pack {tube}: {res}");
    res
}

/// Ticks every required item; answers the package, now complete.
async fn tick_required(app: &TestApp, token: &str, package_id: &str) -> Value {
    let mut last = Value::Null;
    for item in REQUIRED_ITEMS {
        let (status, res) = tick(app, token, package_id, &json!({"item": item})).await;
        assert_eq!(status, 201, "tick {item}: {res}");
        last = res;
    }
    assert_eq!(last["complete"], true, "{last}");
    assert_eq!(last["missing"], json!([]), "{last}");
    last
}

async fn slip_json(app: &TestApp, token: &str, package_id: &str) -> Value {
    let (status, slip) = app
        .get(&format!("/api/v1/packages/{package_id}/slip"), token)
        .await;
    assert_eq!(status, 200, "slip of {package_id}: {slip}");
    slip
}

/// GETs a rendered document, insists on 200 and on the content type
/// starting with `media_type`; answers the text.
async fn document(app: &TestApp, token: &str, path: &str, media_type: &str) -> String {
    let (status, content_type, text) = app.get_text(path, token).await;
    assert_eq!(status, 200, "{path}: {text}");
    assert!(
        content_type.starts_with(media_type),
        "{path} answered {content_type:?}, not {media_type}"
    );
    text
}

async fn slip_html(app: &TestApp, token: &str, package_id: &str) -> String {
    let path = format!("/api/v1/packages/{package_id}/slip?format=html");
    document(app, token, &path, "text/html").await
}

async fn label_svg(app: &TestApp, token: &str, package_id: &str) -> String {
    let path = format!("/api/v1/packages/{package_id}/label");
    document(app, token, &path, "image/svg+xml").await
}

async fn label_zpl(app: &TestApp, token: &str, package_id: &str) -> String {
    let path = format!("/api/v1/packages/{package_id}/label?format=zpl");
    document(app, token, &path, "application/zpl").await
}

/// Where `needle` first occurs in `text`.
#[track_caller]
fn position(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not in the document"))
}

/// Up to `chars` characters of `text` from the first `anchor` on.
#[track_caller]
fn near<'a>(text: &'a str, anchor: &str, chars: usize) -> &'a str {
    let rest = &text[position(text, anchor)..];
    match rest.char_indices().nth(chars) {
        Some((end, _)) => &rest[..end],
        None => rest,
    }
}

/// The barcode of an SVG label as a scanner reads it.
fn scan(svg: &str) -> Option<(String, String)> {
    let modules = modules_from_svg_rects(svg, "sscc-barcode")?;
    decode_modules(&modules)
}

/// Patient P-1's three tubes: (id, type, hours since collection). They
/// are packed saliva first, then sputum, then the swab — the reverse of
/// the sending priority.
const TUBES: [(&str, &str, i64); 3] = [
    ("SA-1", "saliva", 3),
    ("SP-1", "sputum", 2),
    ("NP-1", "nasopharyngeal_swab", 1),
];

/// A package holding patient P-1's saliva, sputum and swab, all packed by a
/// lab user: the saliva (1.5 mL, day 10, registered with an override)
/// went in first with a priority override. Nothing ticked yet.
struct ThreeTubes {
    app: TestApp,
    lab: String,
    lab_name: String,
    package_id: String,
    collected: BTreeMap<&'static str, DateTime<Utc>>,
}

async fn three_tube_package(app: TestApp, package: Value) -> ThreeTubes {
    let lab = app.token(Role::Lab);
    let lab_name = user_name(&app, &lab).await;
    let mut collected = BTreeMap::new();
    for (id, specimen_type, hours_ago) in TUBES {
        let (body, at) = registration_at(id, specimen_type, hours_ago, 10);
        let mut body = for_patient(body, "P-1");
        if specimen_type == "saliva" {
            body["volume_ml"] = json!(1.5);
            body["override_reason"] = json!(REGISTRATION_REASON);
        }
        let res = register_ok(&app, &lab, &body).await;
        if specimen_type == "saliva" {
            let flags = &res["specimen"]["flags"];
            assert!(
                flags
                    .as_array()
                    .expect("flags")
                    .iter()
                    .any(|f| f["code"] == "saliva_window_exceeded"
                        && f["override_reason"] == REGISTRATION_REASON),
                "{res}"
            );
        }
        collected.insert(id, at);
    }
    let package_id = create_package(&app, &lab, &package).await;

    // The saliva before the sputum and swab breaks the priority rule: refused
    // without a reason, packed with one.
    let before = app.snapshot();
    let (status, res) = app
        .post(
            &format!("/api/v1/packages/{package_id}/specimens"),
            &lab,
            &json!({"specimen_id": "SA-1"}),
        )
        .await;
    assert_error(status, &res, 422, "priority_violation");
    assert_eq!(app.snapshot(), before, "a refused tube was packed");
    let res = add_tube(&app, &lab, &package_id, "SA-1", Some(PRIORITY_REASON)).await;
    assert!(
        codes(&res["warnings"]).contains(&"priority_violation".to_string()),
        "{res}"
    );
    for tube in ["SP-1", "NP-1"] {
        let res = add_tube(&app, &lab, &package_id, tube, None).await;
        assert_eq!(codes(&res["warnings"]), Vec::<String>::new(), "{res}");
    }
    ThreeTubes {
        app,
        lab,
        lab_name,
        package_id,
        collected,
    }
}

fn category_b(consignee_name: &str) -> Value {
    json!({"carrier": "category_b_carrier", "consignee": consignee_named(consignee_name)})
}

/// One override on a slip: (specimen_id, code, reason, by); `None` for an
/// override listed against the whole package.
type OverrideRow = (Option<String>, String, String, String);

fn row(specimen_id: &str, code: &str, reason: &str, by: &str) -> OverrideRow {
    (
        Some(specimen_id.to_string()),
        code.to_string(),
        reason.to_string(),
        by.to_string(),
    )
}

/// The overrides of a slip as sorted rows.
fn override_rows(slip: &Value) -> Vec<OverrideRow> {
    let mut rows: Vec<OverrideRow> = slip["overrides"]
        .as_array()
        .unwrap_or_else(|| panic!("no overrides list: {slip}"))
        .iter()
        .map(|o| {
            assert!(o["at"].is_string(), "override without a time: {o}");
            let text = |k: &str| o[k].as_str().unwrap_or_default().to_string();
            (
                o["specimen_id"].as_str().map(str::to_string),
                text("code"),
                text("reason"),
                text("by"),
            )
        })
        .collect();
    rows.sort();
    rows
}

// ---------------------------------------------------------------------------
// The slip as JSON
// ---------------------------------------------------------------------------

// docs/RULES.md, packing: the slip's fields: list of specimens, date, contents, quantity, shipper,
// consignee, 24-hour phone; the list in sending-priority order (`priority_violation`)
#[tokio::test]
async fn the_json_slip_lists_the_tubes_in_priority_order_with_their_amounts_dates_and_overrides() {
    let t = three_tube_package(spawn_app().await, category_b(LAB_NAME)).await;
    let (app, lab, id) = (&t.app, t.lab.as_str(), t.package_id.as_str());

    // A tube packed and taken out again is not on the slip.
    let (extra, _) = registration_at("EX-1", "saliva", 4, 2);
    register_ok(app, lab, &extra).await;
    add_tube(app, lab, id, "EX-1", None).await;
    let (status, res) = app
        .delete(&format!("/api/v1/packages/{id}/specimens/EX-1"), lab)
        .await;
    assert_eq!(status, 200, "{res}");

    let today = tokyo_today();
    let slip = slip_json(app, lab, id).await;
    let after = tokyo_today();
    assert_eq!(slip["package_id"], id);
    assert_eq!(slip["status"], "open");
    let date: NaiveDate = slip["date"]
        .as_str()
        .expect("date")
        .parse()
        .expect("YYYY-MM-DD");
    assert!(
        date == today || date == after,
        "an open package's slip is dated today in Tokyo ({today}), not {date}"
    );
    assert_eq!(slip["contents"], CONTENTS);
    assert!(slip["contents_ja"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(slip["quantity"], 3);
    assert_eq!(
        slip["shipper"],
        json!({"name": SITE_NAME, "address": SITE_ADDRESS, "phone": SITE_PHONE})
    );
    assert_eq!(slip["consignee"], consignee());
    assert_eq!(slip["emergency_phone"], SITE_EMERGENCY_PHONE);
    assert_eq!(slip["carrier"], "category_b_carrier");
    assert_eq!(slip["dry_ice_kg"], Value::Null);

    // Sputum (priority 1), swab (2), saliva (3), numbered 1 to 3, whatever
    // the order they were packed in.
    let lines = slip["specimens"].as_array().expect("specimens");
    // The amount in Japanese: the volume recorded, or the manual's amount
    // marked as a guide.
    let expected = [
        (
            "SP-1",
            SpecimenType::Sputum,
            "喀痰",
            1,
            "1–2 mL（目安・実量は未記録）",
        ),
        (
            "NP-1",
            SpecimenType::NasopharyngealSwab,
            "鼻咽頭ぬぐい液",
            2,
            "スワブ1本（輸送培地 1–3 mL）（目安・実量は未記録）",
        ),
        ("SA-1", SpecimenType::Saliva, "唾液", 3, "1.5 mL"),
    ];
    assert_eq!(lines.len(), expected.len(), "{slip}");
    for (i, (line, (tube, specimen_type, label_ja, priority, amount))) in
        lines.iter().zip(expected).enumerate()
    {
        let what = format!("line {} of {slip}", i + 1);
        assert_eq!(line["number"], i + 1, "{what}");
        assert_eq!(line["specimen_id"], tube, "{what}");
        assert_eq!(line["type"], specimen_type.code(), "{what}");
        assert_eq!(line["type_label_ja"], label_ja, "{what}");
        assert_eq!(line["priority"], priority, "{what}");
        assert_eq!(line["amount"], amount, "{what}");
        let volume = if tube == "SA-1" {
            json!(1.5)
        } else {
            Value::Null
        };
        assert_eq!(line["volume_ml"], volume, "{what}");
        assert_eq!(line["container_ja"], specimen_type.container_ja(), "{what}");
        let at = t.collected[tube];
        assert_eq!(time(&line["collected_at"]), at, "{what}");
        let collection_date = tokyo_date(at);
        assert_eq!(
            line["collection_date"],
            collection_date.to_string(),
            "{what}"
        );
        assert_eq!(
            line["onset_date"],
            (collection_date - chrono::Duration::days(10)).to_string(),
            "{what}"
        );
        assert_eq!(line["days_since_onset"], 10, "{what}");
        assert_eq!(line["patient_id"], "P-1", "{what}");
    }

    // The two rules set aside for the saliva, each with its reason and who
    // gave it.
    let by = t.lab_name.clone();
    assert_eq!(
        override_rows(&slip),
        vec![
            row("SA-1", "priority_violation", PRIORITY_REASON, &by),
            row("SA-1", "saliva_window_exceeded", REGISTRATION_REASON, &by),
        ]
    );

    // What dispatch waits for, the same list as the package's.
    let (status, package) = app.get(&format!("/api/v1/packages/{id}"), lab).await;
    assert_eq!(status, 200, "{package}");
    let missing = slip["missing"].as_array().expect("missing");
    assert!(!missing.is_empty(), "{slip}");
    assert_eq!(slip["missing"], package["missing"]);
    for key in [
        "primary.parafilm:SP-1",
        "primary.parafilm:SA-1",
        "secondary.cushioned",
        "tertiary.slip_enclosed",
        "marks.un3373",
    ] {
        assert!(missing.contains(&json!(key)), "{key} not in {slip}");
    }
    assert_eq!(slip["dispatched_at"], Value::Null);
    assert_eq!(slip["dispatched_by"], Value::Null);

    // Complete: nothing missing, and the slip of a dispatched package is
    // dated and signed by its dispatch.
    tick_required(app, lab, id).await;
    let complete = slip_json(app, lab, id).await;
    assert_eq!(complete["missing"], json!([]), "{complete}");
    let sent = dispatch_ok(app, lab, id, &json!({})).await;
    let slip = slip_json(app, lab, id).await;
    assert_eq!(slip["status"], "dispatched");
    assert_eq!(slip["missing"], json!([]));
    assert_eq!(slip["dispatched_at"], sent["dispatched_at"]);
    assert_eq!(slip["dispatched_by"], by);
    assert_eq!(
        slip["date"],
        tokyo_date(time(&sent["dispatched_at"])).to_string()
    );
    assert_eq!(slip["specimens"], complete["specimens"]);
    assert_eq!(slip["overrides"], complete["overrides"]);
    assert_eq!(slip["shipper"], complete["shipper"]);
    // Admin reads the same slip; a reception clerk may not read it.
    assert_eq!(slip_json(app, &app.admin, id).await, slip);
    let (status, body) = app
        .get(
            &format!("/api/v1/packages/{id}/slip"),
            &app.token(Role::Reception),
        )
        .await;
    assert_error(status, &body, 403, "forbidden");
}

#[tokio::test]
async fn a_dispatch_time_before_the_tubes_were_packed_is_refused_and_the_slip_keeps_the_dispatch_time(
) {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let (body, collected_at) = registration_at("OLD-1", "saliva", 40, 2);
    register_ok(&app, &lab, &body).await;
    let id = create_package(&app, &lab, &category_b(LAB_NAME)).await;
    add_tube(&app, &lab, &id, "OLD-1", None).await;
    tick_required(&app, &lab, &id).await;

    // Transport cannot start before the tube went into the package.
    let before = app.snapshot();
    let transport = collected_at + hours(1);
    let (status, refused) = app
        .post(
            &format!("/api/v1/packages/{id}/dispatch"),
            &lab,
            &json!({"at": transport.to_rfc3339()}),
        )
        .await;
    assert_error(status, &refused, 400, "invalid_input");
    assert_eq!(app.snapshot(), before);

    let at = Utc::now().trunc_subsecs(6);
    let sent = dispatch_ok(&app, &lab, &id, &json!({"at": at.to_rfc3339()})).await;
    assert_eq!(time(&sent["dispatched_at"]), at);
    let slip = slip_json(&app, &lab, &id).await;
    assert_eq!(slip["date"], tokyo_date(at).to_string(), "{slip}");
    assert_eq!(time(&slip["dispatched_at"]), at);
    let html = slip_html(&app, &lab, &id).await;
    assert!(
        html.contains(&tokyo_date(at).to_string()),
        "the printed slip shows the dispatch date"
    );
}

#[tokio::test]
async fn a_package_with_its_own_emergency_phone_prints_it_instead_of_the_sites() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    register_ok(&app, &lab, &registration("EP-1", "saliva", 3)).await;
    let mut body = category_b(LAB_NAME);
    body["emergency_phone"] = json!("080-5555-0101");
    let id = create_package(&app, &lab, &body).await;
    add_tube(&app, &lab, &id, "EP-1", None).await;

    let slip = slip_json(&app, &lab, &id).await;
    assert_eq!(slip["emergency_phone"], "080-5555-0101");
    assert_eq!(
        slip["specimens"][0]["amount"], "1–2 mL（目安・実量は未記録）",
        "no volume given"
    );
    let html = slip_html(&app, &lab, &id).await;
    assert!(
        near(&html, r#"id="emergency-phone""#, 60).contains("080-5555-0101"),
        "{html}"
    );
    assert!(!html.contains(SITE_EMERGENCY_PHONE), "{html}");
    let svg = label_svg(&app, &lab, &id).await;
    assert!(svg.contains("TEL 080-5555-0101"), "{svg}");
    assert!(!svg.contains(SITE_EMERGENCY_PHONE), "{svg}");

    // Changed before dispatch: the slip follows.
    let (status, res) = app
        .patch(
            &format!("/api/v1/packages/{id}"),
            &lab,
            &json!({"emergency_phone": "080-5555-0202"}),
        )
        .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(
        slip_json(&app, &lab, &id).await["emergency_phone"],
        "080-5555-0202"
    );
}

// ---------------------------------------------------------------------------
// The slip as a printable page
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_html_slip_is_an_a4_page_listing_the_tubes_in_priority_order_with_names_escaped() {
    let hostile = "<script>alert(1)</script>衛生研究所";
    let t = three_tube_package(spawn_app().await, category_b(hostile)).await;
    let (app, lab, id) = (&t.app, t.lab.as_str(), t.package_id.as_str());

    // While something is missing the page says so, above everything else.
    let draft = slip_html(app, lab, id).await;
    assert!(draft.contains(r#"id="missing""#), "no draft banner");
    let banner = &draft[position(&draft, r#"id="missing""#)..];
    assert!(banner.contains("primary.parafilm:SA-1"), "{draft}");
    assert!(position(&draft, r#"id="missing""#) < position(&draft, r#"id="package-id""#));

    tick_required(app, lab, id).await;
    let html = slip_html(app, lab, id).await;
    assert!(
        !html.contains(r#"id="missing""#),
        "a complete package's slip still carries the draft banner"
    );
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("@page"), "no print rule");
    assert!(html.contains("size: A4"), "not an A4 page");
    assert!(html.contains("検体送付票"));
    assert!(near(&html, r#"id="package-id""#, 60).contains(id), "{html}");
    for text in [
        CONTENTS,
        "3 本",
        SITE_NAME,
        SITE_ADDRESS,
        SITE_PHONE,
        LAB_ADDRESS,
        LAB_PHONE,
        "24時間緊急連絡先",
        SITE_EMERGENCY_PHONE,
        "1.5 mL",
        "P-1",
        PRIORITY_REASON,
        REGISTRATION_REASON,
        "priority_violation",
        "saliva_window_exceeded",
        &t.lab_name,
    ] {
        assert!(html.contains(text), "{text} is not on the slip");
    }
    assert!(
        near(&html, r#"id="emergency-phone""#, 60).contains(SITE_EMERGENCY_PHONE),
        "{html}"
    );

    // The tubes in sending priority, with their Japanese type names, each
    // row after the one before.
    let table = &html[position(&html, r#"id="specimens""#)..];
    let table = &table[..position(table, "</table>")];
    let mut last = 0;
    for (tube, label_ja) in [
        ("SP-1", "喀痰"),
        ("NP-1", "鼻咽頭ぬぐい液"),
        ("SA-1", "唾液"),
    ] {
        let row = position(table, &format!(r#"data-specimen-id="{tube}""#));
        assert!(row > last, "{tube} is out of priority order in {table}");
        let cells = &table[row..];
        let cells = &cells[..cells.find("</tr>").expect("end of row")];
        assert!(cells.contains(&format!(">{tube}<")), "{cells}");
        assert!(cells.contains(&format!(">{label_ja}<")), "{cells}");
        last = row;
    }
    let overrides = &html[position(&html, r#"id="overrides""#)..];
    assert!(overrides.contains(PRIORITY_REASON));
    assert!(overrides.contains(REGISTRATION_REASON));

    // The consignee's name is text, never markup.
    assert!(!html.contains("<script>alert"), "the name became a script");
    assert!(!html.contains("<script"), "{html}");
    assert!(
        near(&html, r#"id="consignee""#, 120)
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;衛生研究所"),
        "{html}"
    );

    // JSON is the default; PDF is not a format.
    let (status, json_slip) = app
        .get(&format!("/api/v1/packages/{id}/slip?format=json"), lab)
        .await;
    assert_eq!(status, 200, "{json_slip}");
    assert_eq!(json_slip, slip_json(app, lab, id).await);
    assert_eq!(json_slip["consignee"]["name"], hostile);
    for bad in ["pdf", "HTML", ""] {
        let (status, body) = app
            .get(&format!("/api/v1/packages/{id}/slip?format={bad}"), lab)
            .await;
        assert_error(status, &body, 400, "invalid_input");
    }
    let (status, body) = app
        .get("/api/v1/packages/049123450000009999/slip?format=html", lab)
        .await;
    assert_error(status, &body, 404, "unknown_package");
}

#[tokio::test]
async fn the_html_slip_renders_to_an_a4_screenshot_in_headless_chromium() {
    let chromium = std::path::Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        println!("skipped: /usr/bin/chromium is not installed (nothing is downloaded)");
        return;
    }
    let t = three_tube_package(spawn_app().await, category_b(LAB_NAME)).await;
    tick_required(&t.app, &t.lab, &t.package_id).await;
    let html = slip_html(&t.app, &t.lab, &t.package_id).await;

    let dir = tempfile::tempdir().expect("temp dir");
    let shoot = |name: &str, page: &str| -> Vec<u8> {
        let source = dir.path().join(format!("{name}.html"));
        let png = dir.path().join(format!("{name}.png"));
        std::fs::write(&source, page).expect("write the page");
        // coreutils' timeout, where there is one, so a wedged browser
        // fails the test instead of hanging it.
        let timeout = std::path::Path::new("/usr/bin/timeout");
        let mut command = if timeout.exists() {
            let mut c = std::process::Command::new(timeout);
            c.args(["120".as_ref(), chromium.as_os_str()]);
            c
        } else {
            std::process::Command::new(chromium)
        };
        let out = command
            .args([
                &format!("--user-data-dir={}", dir.path().join("profile").display()),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                &format!("--screenshot={}", png.display()),
                "--window-size=1240,1754",
                &format!("file://{}", source.display()),
            ])
            .output()
            .expect("run chromium");
        assert!(out.status.success(), "chromium failed: {out:?}");
        std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot {}: {e}", png.display()))
    };
    let slip = shoot("slip", &html);
    let blank = shoot("blank", "<!DOCTYPE html><html><body></body></html>");

    // A PNG of the window's size (IHDR: width and height, big-endian).
    assert_eq!(&slip[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&slip[12..16], b"IHDR");
    let dimension = |at: usize| u32::from_be_bytes(slip[at..at + 4].try_into().unwrap());
    assert_eq!((dimension(16), dimension(20)), (1240, 1754));
    // Text and ruled tables compress far worse than an empty page.
    assert!(
        slip.len() > 2 * blank.len(),
        "the slip screenshot ({} bytes) looks as empty as a blank page ({} bytes)",
        slip.len(),
        blank.len()
    );
    // Kept where a person can look at it.
    if std::fs::write("/tmp/kentai-slip.png", &slip).is_ok() {
        println!("slip screenshot: /tmp/kentai-slip.png");
    }
}

// ---------------------------------------------------------------------------
// The label: SVG
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_svg_label_carries_a_gs1_128_barcode_that_scans_back_to_the_packages_sscc() {
    let app = spawn_app_with(|c| c.site.responsible_person = "検査 花子".into()).await;
    let lab = app.token(Role::Lab);
    let first = create_package(&app, &lab, &category_b(LAB_NAME)).await;
    let second = create_package(&app, &lab, &category_b(LAB_NAME)).await;
    assert_ne!(first, second);
    for id in [&first, &second] {
        assert!(id.starts_with("04912345"), "extension 0 and prefix: {id}");
        let svg = label_svg(&app, &lab, id).await;
        assert!(svg.contains("<svg"), "{svg}");
        assert_eq!(
            scan(&svg),
            Some(("]C1".to_string(), format!("00{id}"))),
            "the label of {id} does not scan as GS1-128 (00) {id}"
        );
        assert!(
            svg.contains(&format!("(00) {id}")),
            "no human-readable SSCC"
        );
    }

    register_ok(&app, &lab, &registration("LB-1", "saliva", 3)).await;
    add_tube(&app, &lab, &first, "LB-1", None).await;
    let svg = label_svg(&app, &lab, &first).await;
    for text in [
        ">UN3373<",
        UN3373_NAME,
        SITE_NAME,
        SITE_ADDRESS,
        &format!("TEL {SITE_PHONE}"),
        LAB_NAME,
        LAB_ADDRESS,
        &format!("TEL {LAB_PHONE}"),
        "検査 花子",
        &format!("TEL {SITE_EMERGENCY_PHONE}"),
    ] {
        assert!(svg.contains(text), "{text} is not on the label");
    }
    assert!(
        near(&svg, r#"id="quantity""#, 40).contains("Specimens: 1<"),
        "{svg}"
    );
    let responsible = &svg[position(&svg, r#"id="responsible""#)..];
    let responsible = &responsible[..position(responsible, "</g>")];
    assert!(responsible.contains("検査 花子"), "{responsible}");
    assert!(
        responsible.contains(&format!("TEL {SITE_EMERGENCY_PHONE}")),
        "{responsible}"
    );
    assert!(!svg.contains("UN1845"), "dry ice mark without dry ice");

    // Once dispatched the label still scans.
    tick_required(&app, &lab, &first).await;
    dispatch_ok(&app, &lab, &first, &json!({})).await;
    let svg = label_svg(&app, &lab, &first).await;
    assert_eq!(scan(&svg), Some(("]C1".to_string(), format!("00{first}"))));

    for bad in ["png", "pdf", "SVG"] {
        let (status, body) = app
            .get(
                &format!("/api/v1/packages/{first}/label?format={bad}"),
                &lab,
            )
            .await;
        assert_error(status, &body, 400, "invalid_input");
    }
    let (status, body) = app
        .get("/api/v1/packages/049123450000009999/label", &lab)
        .await;
    assert_error(status, &body, 404, "unknown_package");
}

#[tokio::test]
async fn a_yu_pack_label_names_the_certified_packer_as_the_responsible_person() {
    let app = spawn_app_with(|c| c.site.responsible_person = "検査 花子".into()).await;
    let lab = app.token(Role::Lab);
    let id = create_package(
        &app,
        &lab,
        &json!({
            "carrier": "yu_pack",
            "consignee": consignee(),
            "packer": {"name": "包装 次郎", "certificate_id": "JP-PI650-0042"}
        }),
    )
    .await;
    let svg = label_svg(&app, &lab, &id).await;
    let responsible = &svg[position(&svg, r#"id="responsible""#)..];
    let responsible = &responsible[..position(responsible, "</g>")];
    assert!(responsible.contains("包装 次郎"), "{responsible}");
    assert!(
        !svg.contains("検査 花子"),
        "the site's person replaced the packer"
    );
    let zpl = label_zpl(&app, &lab, &id).await;
    assert!(zpl.contains("包装 次郎"), "{zpl}");
    assert!(!zpl.contains("検査 花子"), "{zpl}");

    let slip = slip_json(&app, &lab, &id).await;
    assert_eq!(
        slip["packer"],
        json!({"name": "包装 次郎", "certificate_id": "JP-PI650-0042"})
    );
    assert_eq!(slip["carrier"], "yu_pack");
    let html = slip_html(&app, &lab, &id).await;
    assert!(html.contains("包装 次郎") && html.contains("JP-PI650-0042"));
}

// PI 954: dry ice in the overpack adds the class 9 label, UN1845 and the
// net quantity in kg
#[tokio::test]
async fn dry_ice_adds_un1845_and_its_net_weight_to_the_label_only_while_it_is_ticked() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    register_ok(&app, &lab, &registration("DI-1", "saliva", 3)).await;
    let id = create_package(&app, &lab, &category_b(LAB_NAME)).await;
    add_tube(&app, &lab, &id, "DI-1", None).await;

    let (status, res) = tick(&app, &lab, &id, &json!({"item": "overpack.insulated_box"})).await;
    assert_eq!(status, 201, "{res}");
    let (status, res) = tick(
        &app,
        &lab,
        &id,
        &json!({"item": "overpack.dry_ice", "dry_ice_kg": 2.5}),
    )
    .await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["dry_ice_kg"], 2.5, "{res}");

    let svg = label_svg(&app, &lab, &id).await;
    assert!(svg.contains(r#"id="dry-ice-mark""#), "no class 9 label");
    assert!(svg.contains(">UN1845<"), "no UN1845");
    assert!(svg.contains("Net 2.5 kg"), "no net weight");
    assert!(svg.contains(">UN3373<"), "the UN3373 mark went missing");
    assert_eq!(scan(&svg), Some(("]C1".to_string(), format!("00{id}"))));
    let zpl = label_zpl(&app, &lab, &id).await;
    assert!(zpl.contains("UN1845"), "{zpl}");
    assert!(zpl.contains("Net 2.5 kg"), "{zpl}");
    assert!(zpl.contains("UN3373"), "{zpl}");
    let slip = slip_json(&app, &lab, &id).await;
    assert_eq!(slip["dry_ice_kg"], 2.5, "{slip}");
    let html = slip_html(&app, &lab, &id).await;
    assert!(html.contains("UN1845") && html.contains("2.5 kg"));

    // Taken out again: the marks go with it.
    let (status, res) = tick(
        &app,
        &lab,
        &id,
        &json!({"item": "overpack.dry_ice", "done": false}),
    )
    .await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["dry_ice_kg"], Value::Null, "{res}");
    let svg = label_svg(&app, &lab, &id).await;
    assert!(!svg.contains("UN1845"), "UN1845 after the dry ice came out");
    assert!(!svg.contains("dry-ice-mark"));
    assert!(!svg.contains(" kg"), "a net weight without dry ice");
    let zpl = label_zpl(&app, &lab, &id).await;
    assert!(!zpl.contains("UN1845"), "{zpl}");
    assert!(!zpl.contains(" kg"), "{zpl}");
    assert_eq!(slip_json(&app, &lab, &id).await["dry_ice_kg"], Value::Null);
    assert!(!slip_html(&app, &lab, &id).await.contains("UN1845"));
}

#[tokio::test]
async fn hostile_names_stay_text_in_the_svg_label() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let id = create_package(
        &app,
        &lab,
        &json!({
            "carrier": "yu_pack",
            "consignee": {
                "name": "<script>alert(1)</script>",
                "address": "</text></g></svg><svg onload=\"x\">",
                "phone": "03-0000-0000 & 'x'"
            },
            "packer": {"name": "A&B <i>", "certificate_id": "C-1"}
        }),
    )
    .await;
    let svg = label_svg(&app, &lab, &id).await;
    assert!(!svg.contains("<script"), "{svg}");
    assert!(!svg.contains("<svg onload"), "{svg}");
    assert!(!svg.contains("<i>"), "{svg}");
    assert!(
        svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{svg}"
    );
    assert!(svg.contains("&lt;/text&gt;&lt;/g&gt;&lt;/svg&gt;"), "{svg}");
    assert!(svg.contains("&amp; &apos;x&apos;"), "{svg}");
    assert!(svg.contains("A&amp;B &lt;i&gt;"), "{svg}");
    // The document still has exactly one root and one end.
    assert_eq!(svg.matches("<svg").count(), 1, "{svg}");
    assert_eq!(svg.matches("</svg>").count(), 1, "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(scan(&svg), Some(("]C1".to_string(), format!("00{id}"))));
}

// ---------------------------------------------------------------------------
// The label: ZPL
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_zpl_label_is_one_label_with_the_sscc_as_gs1_128_and_the_un3373_mark() {
    let app = spawn_app_with(|c| c.site.responsible_person = "検査 花子".into()).await;
    let lab = app.token(Role::Lab);
    let id = create_package(&app, &lab, &category_b(LAB_NAME)).await;
    let zpl = label_zpl(&app, &lab, &id).await;
    assert!(zpl.starts_with("^XA"), "{zpl}");
    assert!(zpl.trim_end().ends_with("^XZ"), "{zpl}");
    assert_eq!(zpl.matches("^XA").count(), 1, "{zpl}");
    assert_eq!(zpl.matches("^XZ").count(), 1, "{zpl}");
    // Code 128 in start C with FNC1 (>;>8): GS1-128 carrying AI 00 + SSCC.
    assert!(zpl.contains("^BC"), "no Code 128 field: {zpl}");
    assert!(zpl.contains(&format!("^FD>;>800{id}^FS")), "{zpl}");
    assert!(zpl.contains(&format!("^FD(00) {id}^FS")), "{zpl}");
    for text in [
        "UN3373",
        UN3373_NAME,
        SITE_NAME,
        LAB_NAME,
        "検査 花子",
        &format!("TEL {SITE_EMERGENCY_PHONE}"),
    ] {
        assert!(zpl.contains(text), "{text} is not on the ZPL label");
    }
    assert!(!zpl.contains("UN1845"), "{zpl}");
}

#[tokio::test]
async fn a_name_holding_zpl_commands_cannot_end_the_label_early() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let id = create_package(
        &app,
        &lab,
        &json!({
            "carrier": "yu_pack",
            "consignee": {
                "name": "Evil^XZ^XA^FDx^FS~JR_",
                "address": "^XZ~JA",
                "phone": "03-0000-0000^XZ"
            },
            "packer": {"name": "^XZ^PQ99", "certificate_id": "C-1"}
        }),
    )
    .await;
    let zpl = label_zpl(&app, &lab, &id).await;
    assert_eq!(zpl.matches("^XA").count(), 1, "{zpl}");
    assert_eq!(zpl.matches("^XZ").count(), 1, "{zpl}");
    assert!(zpl.starts_with("^XA"), "{zpl}");
    assert!(zpl.trim_end().ends_with("^XZ"), "{zpl}");
    for command in ["~JR", "~JA", "^PQ", "^FDx^FS"] {
        assert!(
            !zpl.contains(command),
            "{command} reached the printer: {zpl}"
        );
    }
    // The names travel hex-escaped in ^FH fields, so they still print.
    assert!(zpl.contains("Evil_5EXZ_5EXA_5EFDx_5EFS_7EJR_5F"), "{zpl}");
    for line in zpl.lines().filter(|l| l.contains("_5E")) {
        assert!(line.contains("^FH^FD"), "escaped text without ^FH: {line}");
    }
    assert!(zpl.contains(&format!("^FD>;>800{id}^FS")), "{zpl}");
}

// ---------------------------------------------------------------------------
// Dispatch overrides on the slip
// ---------------------------------------------------------------------------

/// Ticks everything, dispatches without a reason (refused with `code`),
/// then with `reason`; answers the slip.
async fn dispatch_with_override(
    app: &TestApp,
    lab: &str,
    id: &str,
    code: &str,
    reason: &str,
) -> Value {
    tick_required(app, lab, id).await;
    let before = app.snapshot();
    let (status, res) = app
        .post(&format!("/api/v1/packages/{id}/dispatch"), lab, &json!({}))
        .await;
    assert_error(status, &res, 422, code);
    assert_eq!(app.snapshot(), before, "a refused dispatch wrote");
    let sent = dispatch_ok(app, lab, id, &json!({"override_reason": reason})).await;
    assert_eq!(sent["dispatch_override_reason"], reason, "{sent}");
    assert_eq!(codes(&sent["dispatch_overrides"]), [code], "{sent}");
    slip_json(app, lab, id).await
}

// docs/RULES.md, storage: a tube 48 h or more unfrozen leaves only with a written reason,
// and the slip says which tube that reason was for
#[tokio::test]
async fn a_deadline_override_at_dispatch_is_listed_against_the_late_tube_even_when_another_id_is_a_prefix_of_it(
) {
    let app = spawn_app().await;
    app.location("FRIDGE", "fridge_4c").await;
    let lab = app.token(Role::Lab);
    let lab_name = user_name(&app, &lab).await;
    // S-10: saliva kept at 4 °C for 49 h. S-1: a fresh sputum of another
    // patient, listed first (priority 1) and whose id starts S-10's.
    let (late, late_at) = registration_at("S-10", "saliva", 49, 2);
    register_ok(&app, &lab, &late).await;
    store_ok(&app, &lab, "S-10", "FRIDGE", late_at + minutes(30)).await;
    let (fresh, _) = registration_at("S-1", "sputum", 1, 2);
    register_ok(&app, &lab, &fresh).await;
    let id = create_package(&app, &lab, &category_b(LAB_NAME)).await;
    let res = add_tube(&app, &lab, &id, "S-10", None).await;
    assert_eq!(
        codes(&res["warnings"]),
        ["storage_deadline_exceeded"],
        "{res}"
    );
    add_tube(&app, &lab, &id, "S-1", None).await;

    let reason = "検査室と協議のうえ冷蔵のまま送付";
    let slip = dispatch_with_override(&app, &lab, &id, "storage_deadline_exceeded", reason).await;
    let order: Vec<&Value> = slip["specimens"]
        .as_array()
        .expect("specimens")
        .iter()
        .map(|l| &l["specimen_id"])
        .collect();
    assert_eq!(order, [&json!("S-1"), &json!("S-10")], "{slip}");
    assert_eq!(
        override_rows(&slip),
        vec![row("S-10", "storage_deadline_exceeded", reason, &lab_name)],
        "the override is listed against the wrong tube"
    );
}

// `priority_violation`: a saliva sent while the same patient's sputum stays behind needs
// a reason; when the sputum turned up after packing, that reason is given at
// dispatch and belongs to the saliva on the slip
#[tokio::test]
async fn a_priority_override_at_dispatch_is_listed_against_the_tube_sent_ahead_of_its_sibling() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let lab_name = user_name(&app, &lab).await;
    let (saliva, _) = registration_at("SA-2", "saliva", 2, 3);
    register_ok(&app, &lab, &for_patient(saliva, "P-9")).await;
    let id = create_package(&app, &lab, &category_b(LAB_NAME)).await;
    let res = add_tube(&app, &lab, &id, "SA-2", None).await;
    assert_eq!(codes(&res["warnings"]), Vec::<String>::new(), "{res}");
    // The same patient's sputum is registered after the saliva was packed.
    let (sputum, _) = registration_at("SP-2", "sputum", 3, 3);
    register_ok(&app, &lab, &for_patient(sputum, "P-9")).await;

    let reason = "喀痰は翌日の便で送付";
    let slip = dispatch_with_override(&app, &lab, &id, "priority_violation", reason).await;
    assert_eq!(
        override_rows(&slip),
        vec![row("SA-2", "priority_violation", reason, &lab_name)],
        "the override is not listed against the saliva it was given for"
    );
    let html = slip_html(&app, &lab, &id).await;
    let overrides = near(&html, r#"id="overrides""#, 2000);
    assert!(overrides.contains(reason), "{overrides}");
    assert!(
        overrides.contains(">SA-2<"),
        "the printed override does not name the saliva: {overrides}"
    );
}

#[tokio::test]
async fn every_slip_and_label_format_answers_with_a_media_type_the_openapi_document_declares() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let id = create_package(&app, &lab, &category_b(LAB_NAME)).await;
    let (status, doc) = app.get("/api/openapi.json", &lab).await;
    assert_eq!(status, 200, "{doc}");
    for (template, formats) in [
        ("/api/v1/packages/{package_id}/slip", ["json", "html"]),
        ("/api/v1/packages/{package_id}/label", ["svg", "zpl"]),
    ] {
        let (media_types, listed) = documented(&doc, template, "format");
        assert_eq!(listed, formats, "{template}: the formats it documents");
        for format in formats {
            let path = format!("{}?format={format}", template.replace("{package_id}", &id));
            let (status, content_type, body) = app.get_text(&path, &lab).await;
            assert_eq!(status, 200, "{path}: {body}");
            let media_type = content_type.split(';').next().unwrap_or_default().trim();
            assert!(
                media_types.iter().any(|m| m == media_type),
                "{path} answered {content_type:?}; the document declares {media_types:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_slip_reads_in_japanese_unless_english_is_asked_for_with_lang_en() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    register_ok(&app, &lab, &registration("LG-1", "nasopharyngeal_swab", 3)).await;
    let id = create_package(&app, &lab, &category_b(LAB_NAME)).await;
    add_tube(&app, &lab, &id, "LG-1", None).await;

    // Japanese by default: the amount, the draft banner's missing items
    // and every heading, never a raw key or an English unit.
    let html = slip_html(&app, &lab, &id).await;
    for text in [
        "スワブ1本（輸送培地 1–3 mL）（目安・実量は未記録）",
        ">一次容器: パラフィルムで密封した（LG-1）<",
        ">表示: UN3373 表示を貼付した<",
        ">番号<",
        "電話 ",
    ] {
        assert!(html.contains(text), "{text} is not on the slip: {html}");
    }
    for english in ["swab in", "VTM", ">No.<", "TEL ", ">primary.parafilm:LG-1<"] {
        assert!(!html.contains(english), "{english} on the Japanese slip");
    }

    // English when asked, in both formats.
    let path = format!("/api/v1/packages/{id}/slip?format=html&lang=en");
    let english = document(&app, &lab, &path, "text/html").await;
    assert!(english.contains(r#"<html lang="en">"#));
    assert!(english.contains("1 swab in 1–3 mL VTM/UTM (guide; volume not recorded)"));
    assert!(english.contains(">Primary container: Sealed with parafilm (LG-1)<"));
    let (status, json) = app
        .get(&format!("/api/v1/packages/{id}/slip?lang=en"), &lab)
        .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(
        json["specimens"][0]["amount"],
        "1 swab in 1–3 mL VTM/UTM (guide; volume not recorded)"
    );
    assert_eq!(json["specimens"][0]["type_label_ja"], "鼻咽頭ぬぐい液");
    // Or with the header a script sends; a language kentai does not speak
    // leaves the slip in Japanese.
    let res = app
        .client
        .get(app.url(&format!("/api/v1/packages/{id}/slip")))
        .bearer_auth(&lab)
        .header("Accept-Language", "en-GB,en;q=0.8")
        .send()
        .await
        .expect("slip");
    let json: Value = res.json().await.expect("JSON");
    assert_eq!(
        json["specimens"][0]["amount"],
        "1 swab in 1–3 mL VTM/UTM (guide; volume not recorded)"
    );
    let (status, body) = app
        .get(&format!("/api/v1/packages/{id}/slip?lang=fr"), &lab)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["specimens"][0]["amount"],
        "スワブ1本（輸送培地 1–3 mL）（目安・実量は未記録）"
    );
}
