//! The packing pages (docs/RULES.md, packing) without a browser: a lab
//! technician starts a package through the form, puts tubes in, sees the
//! package as its layers and the "still missing" list shrink as the
//! checklist forms are ticked, is refused an early dispatch with the list
//! of what is missing, and dispatches once nothing is. Every refused form
//! answers with the package page, the refusal's status, its reason and its
//! code, and changes nothing; a form without the session's CSRF token is
//! 403; reception and the health centre open none of it; the print view
//! and the command sheet carry what goes on paper.

use crate::common::*;
use kentai::domain::roles::Role;
use serde_json::{json, Value};

const CONSIGNEE: [(&str, &str); 3] = [
    ("consignee_name", "東京都健康安全研究センター 微生物部"),
    ("consignee_address", "東京都新宿区百人町3-24-1"),
    ("consignee_phone", "03-3363-3231"),
];

/// A form's fields, without the CSRF token.
type Form<'a> = Vec<(&'a str, &'a str)>;

/// Posts a form as the page does (the session's CSRF token first) that
/// must succeed: the 303's `Location`, back to the package page.
async fn submit_ok(
    app: &TestApp,
    session: &WebSession,
    path: &str,
    fields: &[(&str, &str)],
) -> String {
    let (status, location, body) = app.submit_with_csrf(session, path, fields).await;
    assert_eq!(status, 303, "{path} {fields:?}: {body}");
    location
}

/// Puts `tube` into the package at `page_path` through its form.
async fn put_in(app: &TestApp, session: &WebSession, page_path: &str, tube: &str) -> String {
    let fields = [("specimen_id", tube)];
    submit_ok(app, session, &format!("{page_path}/specimens"), &fields).await
}

/// Ticks `item` of the package at `page_path` (`done` "true"), or takes
/// the tick back ("false"), through the checklist form; the answer.
async fn tick_form(
    app: &TestApp,
    session: &WebSession,
    page_path: &str,
    item: &str,
    done: &str,
) -> (u16, String, String) {
    let fields = [("item", item), ("done", done)];
    app.submit_with_csrf(session, &format!("{page_path}/checklist"), &fields)
        .await
}

/// [`tick`], which must succeed: the 303's `Location`.
async fn tick_form_ok(
    app: &TestApp,
    session: &WebSession,
    page_path: &str,
    item: &str,
    done: &str,
) -> String {
    let (status, location, body) = tick_form(app, session, page_path, item, done).await;
    assert_eq!(status, 303, "{item} {done}: {body}");
    location
}

/// Registers a tube of `patient` collected an hour ago (onset the day
/// before).
async fn tube(app: &TestApp, id: &str, specimen_type: &str, patient: &str) {
    let mut body = registration(id, specimen_type, 1);
    body["patient"]["patient_id"] = json!(patient);
    let (status, res) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201, "register {id}: {res}");
}

/// Starts a package through the form; returns its id.
async fn start_package(app: &TestApp, session: &WebSession, carrier: &str) -> String {
    let mut form = vec![("carrier", carrier)];
    form.extend(CONSIGNEE);
    let location = submit_ok(app, session, "/packing", &form).await;
    let rest = location
        .strip_prefix("/packing/")
        .unwrap_or_else(|| panic!("not a package page: {location}"));
    let (id, query) = rest.split_once('?').expect("a confirmation");
    assert_eq!(query, "done=created");
    assert_eq!(id.len(), 18, "an SSCC-18: {id}");
    id.to_string()
}

/// A package started through the form holding the sputum tube `inside`,
/// with the sputum tube `outside` registered beside it (another
/// patient's); returns the package's id.
async fn package_holding(app: &TestApp, lab: &WebSession, inside: &str, outside: &str) -> String {
    let id = start_package(app, lab, "category_b_carrier").await;
    tube(app, inside, "sputum", &format!("P-{inside}")).await;
    put_in(app, lab, &format!("/packing/{id}"), inside).await;
    tube(app, outside, "sputum", &format!("P-{outside}")).await;
    id
}

/// One of each form the packing pages post, for package `id` holding tube
/// `inside` with tube `outside` beside it: path and fields, without the
/// CSRF token.
fn every_form<'a>(id: &str, inside: &str, outside: &'a str) -> Vec<(String, Form<'a>)> {
    vec![
        ("/packing".into(), vec![("carrier", "official_vehicle")]),
        (
            format!("/packing/{id}/specimens"),
            vec![("specimen_id", outside)],
        ),
        (format!("/packing/{id}/specimens/{inside}/remove"), vec![]),
        (
            format!("/packing/{id}/checklist"),
            vec![("item", "secondary.absorbent"), ("done", "true")],
        ),
        (format!("/packing/{id}/dispatch"), vec![]),
    ]
}

async fn package_json(app: &TestApp, id: &str) -> Value {
    let (status, body) = app.get(&format!("/api/v1/packages/{id}"), &app.admin).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// What of a package a refused form must leave as it was.
async fn package_state(app: &TestApp, id: &str) -> Value {
    let p = package_json(app, id).await;
    json!({
        "status": p["status"],
        "specimens": p["specimens"].as_array().map(|s| s.iter().map(|t| t["specimen_id"].clone()).collect::<Vec<_>>()),
        "checklist": p["checklist"],
        "history": p["history"],
        "missing": p["missing"],
    })
}

fn missing_keys(p: &Value) -> Vec<String> {
    p["missing"]
        .as_array()
        .expect("missing")
        .iter()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect()
}

/// The keys the page's "still missing" list shows.
fn page_missing(html: &str) -> Vec<String> {
    attribute_values(html, ("id=\"missing\"", "</ul>"), "data-key")
        .into_iter()
        .map(|k| k.replace("&quot;", "\""))
        .collect()
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

/// The anchor a tick's redirect comes back to (`…#item-7`).
fn anchor_of(location: &str) -> String {
    location
        .split_once('#')
        .map(|(_, a)| a.to_string())
        .unwrap_or_else(|| panic!("no anchor in {location}"))
}

/// The element of `html` with id `id`, up to the end of the element that
/// holds it: its opening tag's name closes it (`li` → `</li>`).
fn element<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let open = html[..at].rfind('<').expect("the opening tag");
    let name: String = html[open + 1..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let rest = &html[open..];
    let end = rest.find(&format!("</{name}>")).expect("the closing tag");
    &rest[..end]
}

#[tokio::test]
async fn a_lab_technician_starts_fills_ticks_and_dispatches_a_package_through_the_forms() {
    let app = spawn_app().await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;

    // The list, with the form prefilled from the site's configuration.
    let (status, html) = app.page(&lab, "/packing").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(count(&html, "<h1"), 1);
    assert!(html.contains("action=\"/packing\""));
    assert!(html.contains("href=\"/packing/commands\""));
    assert_eq!(
        form_value(&html, "emergency_phone").as_deref(),
        Some("090-1234-5678")
    );
    assert_eq!(
        form_value(&html, "csrf").as_deref(),
        Some(lab.csrf.as_str())
    );

    let id = start_package(&app, &lab, "category_b_carrier").await;
    let page_path = format!("/packing/{id}");
    let (status, html) = app.page(&lab, &format!("{page_path}?done=created")).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("role=\"status\""), "the confirmation");
    assert!(html.contains(kentai::web::text::packing::PACKING_JA.done_created));
    for layer in [
        "一次容器",
        "二次容器",
        "三次容器",
        "オーバーパック",
        "梱包チェックリスト",
    ] {
        assert!(html.contains(layer), "{layer}");
    }
    assert_eq!(
        page_missing(&html),
        missing_keys(&package_json(&app, &id).await)
    );
    assert!(page_missing(&html).contains(&"tubes".to_string()));
    // The new package is listed among the open ones, and its consignee is
    // offered for the next package.
    let (_, list) = app.page(&lab, "/packing").await;
    assert!(list.contains(&format!("href=\"/packing/{id}\"")));
    assert_eq!(
        form_value(&list, "consignee_name").as_deref(),
        Some(CONSIGNEE[0].1)
    );

    // Two tubes go in.
    tube(&app, "WP-0001", "sputum", "P-1").await;
    tube(&app, "WP-0002", "nasopharyngeal_swab", "P-2").await;
    for t in ["WP-0001", "WP-0002"] {
        let location = put_in(&app, &lab, &page_path, t).await;
        assert_eq!(location, format!("{page_path}?done=added"));
    }
    let (_, html) = app.page(&lab, &page_path).await;
    assert!(html.contains("data-specimen-id=\"WP-0001\""));
    assert!(html.contains("data-specimen-id=\"WP-0002\""));
    assert!(html.contains(&format!("action=\"{page_path}/specimens/WP-0001/remove\"")));
    assert!(html.contains("喀痰"), "the tube's type");
    let missing = page_missing(&html);
    assert!(
        missing.contains(&"primary.parafilm:WP-0002".to_string()),
        "{missing:?}"
    );
    assert!(!missing.contains(&"tubes".to_string()));

    // Dispatch tried early: refused with everything that is missing, and
    // nothing changes.
    let before = (app.snapshot(), package_state(&app, &id).await);
    let (status, _, html) = app
        .submit_with_csrf(&lab, &format!("{page_path}/dispatch"), &[])
        .await;
    assert_eq!(status, 409, "{html}");
    assert_refused(&html, "package_incomplete");
    assert!(html.contains("梱包のチェックリストが未完了"));
    assert!(html.contains("data-key=\"secondary.absorbent\""));
    assert!(html.contains("data-key=\"primary.lid_closed:WP-0001\""));
    assert_eq!(before, (app.snapshot(), package_state(&app, &id).await));

    // Each required item ticked through its form: the list shrinks.
    let mut left = page_missing(&app.page(&lab, &page_path).await.1).len();
    for item in REQUIRED_ITEMS {
        let location = tick_form_ok(&app, &lab, &page_path, item, "true").await;
        let at = anchor_of(&location);
        assert_eq!(
            location,
            format!("{page_path}?done=ticked&at={at}#{at}"),
            "{item}"
        );
        let (_, html) = app.page(&lab, &location).await;
        let now = page_missing(&html).len();
        assert!(now < left, "{item}: {now} of {left} left");
        left = now;
    }
    assert_eq!(left, 0);
    let (_, html) = app.page(&lab, &page_path).await;
    assert!(html.contains(kentai::web::text::packing::PACKING_JA.missing_none));
    // Who ticked shows with each item.
    assert!(html.contains("— lab-"), "the ticker's name");

    // Un-ticking brings an item back, then it is ticked again.
    let location = tick_form_ok(&app, &lab, &page_path, "marks.un3373", "false").await;
    let at = anchor_of(&location);
    assert!(at.starts_with("item-"), "{location}");
    assert_eq!(location, format!("{page_path}?done=unticked&at={at}#{at}"));
    let (_, html) = app.page(&lab, &location).await;
    assert_eq!(page_missing(&html), vec!["marks.un3373".to_string()]);
    assert_eq!(
        missing_keys(&package_json(&app, &id).await),
        ["marks.un3373"]
    );
    // The same un-tick again records nothing and says so.
    let location = tick_form_ok(&app, &lab, &page_path, "marks.un3373", "false").await;
    assert_eq!(location, format!("{page_path}?done=unchanged&at={at}#{at}"));
    tick_form_ok(&app, &lab, &page_path, "marks.un3373", "true").await;

    // Complete: it leaves.
    let location = submit_ok(&app, &lab, &format!("{page_path}/dispatch"), &[]).await;
    assert_eq!(location, format!("{page_path}?done=dispatched"));
    let p = package_json(&app, &id).await;
    assert_eq!(p["status"], "dispatched");
    let (status, html) = app.page(&lab, &location).await;
    assert_eq!(status, 200);
    assert!(html.contains("発送済み"));
    assert!(html.contains(&format!("href=\"{page_path}/print\"")));
    assert!(
        !html.contains("/checklist\""),
        "no tick forms after dispatch"
    );
    assert!(
        !html.contains("/dispatch\""),
        "no dispatch form after dispatch"
    );
    // The list now shows it among the dispatched ones.
    let (_, list) = app.page(&lab, "/packing").await;
    assert!(list.contains(kentai::web::text::packing::PACKING_JA.recent_title));
    assert!(list.contains(&format!("href=\"/packing/{id}\"")));
    // A dispatched package refuses further changes with 409.
    let before = app.snapshot();
    let (status, _, html) = tick_form(&app, &lab, &page_path, "marks.un3373", "false").await;
    assert_eq!(status, 409);
    assert!(html.contains("package_dispatched"));
    assert_eq!(before, app.snapshot());
}

#[tokio::test]
async fn one_tube_is_ticked_on_its_own_and_a_tube_taken_out_leaves_the_package() {
    let app = spawn_app().await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let id = start_package(&app, &lab, "official_vehicle").await;
    let page_path = format!("/packing/{id}");
    tube(&app, "WP-0011", "sputum", "P-11").await;
    tube(&app, "WP-0012", "saliva", "P-12").await;
    for t in ["WP-0011", "WP-0012"] {
        put_in(&app, &lab, &page_path, t).await;
    }
    // A primary item for one tube only.
    submit_ok(
        &app,
        &lab,
        &format!("{page_path}/checklist"),
        &[
            ("item", "primary.parafilm"),
            ("specimen_id", "WP-0012"),
            ("done", "true"),
        ],
    )
    .await;
    let missing = missing_keys(&package_json(&app, &id).await);
    assert!(missing.contains(&"primary.parafilm:WP-0011".to_string()));
    assert!(!missing.contains(&"primary.parafilm:WP-0012".to_string()));

    let location = submit_ok(
        &app,
        &lab,
        &format!("{page_path}/specimens/WP-0011/remove"),
        &[],
    )
    .await;
    assert_eq!(location, format!("{page_path}?done=removed"));
    let p = package_json(&app, &id).await;
    let ids: Vec<&str> = p["specimens"]
        .as_array()
        .expect("specimens")
        .iter()
        .filter_map(|t| t["specimen_id"].as_str())
        .collect();
    assert_eq!(ids, ["WP-0012"]);
    let (_, html) = app.page(&lab, &location).await;
    assert!(!html.contains("data-specimen-id=\"WP-0011\""));
    assert!(html.contains(kentai::web::text::packing::PACKING_JA.done_removed));
    // The tube is back in care: it may be packed again.
    let (status, body) = app.get("/api/v1/specimens/WP-0011", &app.admin).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "registered", "{body}");
}

#[tokio::test]
async fn a_form_without_or_with_a_wrong_csrf_token_is_403_and_changes_nothing() {
    let app = spawn_app().await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let id = package_holding(&app, &lab, "WP-0021", "WP-0022").await;
    let forms = every_form(&id, "WP-0021", "WP-0022");
    let before = (app.snapshot(), package_state(&app, &id).await);
    for (path, fields) in &forms {
        for csrf in [None, Some("0".repeat(64)), Some(String::new())] {
            let mut form = fields.clone();
            if let Some(c) = &csrf {
                form.push(("csrf", c));
            }
            let (status, _, html) = app.submit(&lab, path, &form).await;
            assert_eq!(status, 403, "{path} with {csrf:?}: {html}");
            assert!(
                html.contains(kentai::web::text::JA.forbidden_title),
                "{path}"
            );
        }
    }
    assert_eq!(before, (app.snapshot(), package_state(&app, &id).await));
}

#[tokio::test]
async fn bad_input_shows_the_package_again_with_the_coded_reason_and_changes_nothing() {
    let app = spawn_app().await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let id = start_package(&app, &lab, "category_b_carrier").await;
    let page_path = format!("/packing/{id}");
    tube(&app, "WP-0031", "sputum", "P-31").await;
    put_in(&app, &lab, &page_path, "WP-0031").await;
    let checklist = format!("{page_path}/checklist");
    let cases: Vec<(String, Form, u16, &str)> = vec![
        (
            format!("{page_path}/specimens"),
            vec![("specimen_id", "WP-NOWHERE")],
            404,
            "unknown_specimen",
        ),
        (
            format!("{page_path}/specimens"),
            vec![("specimen_id", "")],
            400,
            "invalid_input",
        ),
        (
            checklist.clone(),
            vec![("item", "primary.glitter"), ("done", "true")],
            400,
            "invalid_input",
        ),
        (
            checklist.clone(),
            vec![("item", "tertiary.sealed"), ("done", "perhaps")],
            400,
            "invalid_input",
        ),
        (
            checklist.clone(),
            vec![
                ("item", "primary.wiped"),
                ("specimen_id", "WP-NOWHERE"),
                ("done", "true"),
            ],
            404,
            "unknown_specimen",
        ),
        (
            checklist.clone(),
            vec![("item", "secondary.dry_ice"), ("done", "true")],
            422,
            "dry_ice_in_secondary",
        ),
        (
            checklist.clone(),
            vec![("item", "overpack.dry_ice"), ("done", "true")],
            400,
            "invalid_input",
        ),
        (
            checklist.clone(),
            vec![
                ("item", "overpack.dry_ice"),
                ("dry_ice_kg", "two"),
                ("done", "true"),
            ],
            400,
            "invalid_input",
        ),
        (
            format!("{page_path}/specimens/WP-NOWHERE/remove"),
            vec![],
            409,
            "not_in_package",
        ),
    ];
    for (path, fields, expected, code) in cases {
        let before = (app.snapshot(), package_state(&app, &id).await);
        let (status, _, html) = app.submit_with_csrf(&lab, &path, &fields).await;
        assert_eq!(status, expected, "{path} {fields:?}: {html}");
        assert!(
            html.contains(&format!("data-code=\"{code}\"")),
            "{path} {fields:?} should say {code}: {html}"
        );
        assert_refused(&html, code);
        // It is the package page again, with its layers.
        assert!(html.contains(&format!("<code class=\"sscc\">{id}</code>")));
        assert!(html.contains("一次容器"));
        assert_eq!(
            before,
            (app.snapshot(), package_state(&app, &id).await),
            "{path} {fields:?}"
        );
    }
    // The refused tube id stays in the field, in Japanese words.
    let (_, _, html) = app
        .submit_with_csrf(
            &lab,
            &format!("{page_path}/specimens"),
            &[("specimen_id", "WP-NOWHERE")],
        )
        .await;
    assert_eq!(
        form_value(&html, "specimen_id").as_deref(),
        Some("WP-NOWHERE")
    );
    assert!(html.contains("登録されていない検体"), "{html}");
    // Dry ice in the overpack is weighed, and then it is accepted.
    let location = submit_ok(
        &app,
        &lab,
        &checklist,
        &[
            ("item", "overpack.dry_ice"),
            ("dry_ice_kg", "2.5"),
            ("done", "true"),
        ],
    )
    .await;
    let at = anchor_of(&location);
    assert_eq!(
        location,
        format!("{page_path}?done=ticked&warn=dry_ice_without_overpack&at={at}#{at}")
    );
    let (_, html) = app.page(&lab, &location).await;
    assert!(
        html.contains("オーバーパックなしのドライアイス"),
        "the warning"
    );
    assert!(html.contains("2.5 kg"));
    // An unknown package is the 404 page, for a form as for a page.
    let (status, html) = app.page(&lab, "/packing/PKG-NOWHERE").await;
    assert_eq!(status, 404);
    assert!(html.contains(kentai::web::text::JA.not_found_title));
    let (status, _, _) = tick_form(
        &app,
        &lab,
        "/packing/PKG-NOWHERE",
        "tertiary.sealed",
        "true",
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = app.page(&lab, "/packing/PKG-NOWHERE/print").await;
    assert_eq!(status, 404);
    // A carrier that does not exist starts nothing.
    let before = app.snapshot();
    let (status, _, html) = app
        .submit_with_csrf(&lab, "/packing", &[("carrier", "pigeon")])
        .await;
    assert_eq!(status, 400);
    assert!(html.contains("data-code=\"invalid_input\""));
    assert_eq!(before, app.snapshot());
}

#[tokio::test]
async fn the_sending_priority_refuses_a_tube_with_its_reason_and_gives_way_to_a_written_one() {
    let app = spawn_app().await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let id = start_package(&app, &lab, "category_b_carrier").await;
    let page_path = format!("/packing/{id}");
    tube(&app, "WP-0041", "sputum", "P-41").await;
    tube(&app, "WP-0042", "saliva", "P-41").await;
    let before = (app.snapshot(), package_state(&app, &id).await);
    let (status, _, html) = app
        .submit_with_csrf(
            &lab,
            &format!("{page_path}/specimens"),
            &[("specimen_id", "WP-0042")],
        )
        .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("data-code=\"priority_violation\""));
    assert!(html.contains("送付優先順位"), "the rule's Japanese name");
    let error = element(&html, "form-error");
    assert!(
        error.contains("送付優先順位: 同じ患者の") && error.contains("WP-0041（優先順位1）"),
        "which tube is left behind, in Japanese: {error}"
    );
    assert!(
        !error.contains("priority 1"),
        "no English sentence: {error}"
    );
    assert!(
        html.contains("name=\"override_reason\""),
        "a reason is offered"
    );
    assert_eq!(before, (app.snapshot(), package_state(&app, &id).await));

    let location = submit_ok(
        &app,
        &lab,
        &format!("{page_path}/specimens"),
        &[
            ("specimen_id", "WP-0042"),
            ("override_reason", "喀痰は別便で本日中に送付"),
        ],
    )
    .await;
    assert_eq!(
        location,
        format!("{page_path}?done=added&warn=priority_violation")
    );
    let (_, html) = app.page(&lab, &location).await;
    assert!(
        html.contains("喀痰は別便で本日中に送付"),
        "the reason shows with the tube"
    );
}

#[tokio::test]
async fn reception_and_the_health_centre_get_403_on_every_packing_route_and_see_no_data() {
    let app = spawn_app().await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let id = package_holding(&app, &lab, "WP-0051", "WP-0052").await;
    let clerk = app.sign_in(&app.token(Role::Reception)).await;
    let health = app.sign_in(&app.token(Role::HealthCentre)).await;
    let gets = [
        "/packing".to_string(),
        "/packing/commands".to_string(),
        format!("/packing/{id}"),
        format!("/packing/{id}/print"),
        "/packing/PKG-NOWHERE".to_string(),
    ];
    let posts = every_form(&id, "WP-0051", "WP-0052");
    let before = (app.snapshot(), package_state(&app, &id).await);
    for session in [&clerk, &health] {
        let mut answers = Vec::new();
        for path in &gets {
            let (status, html) = app.page(session, path).await;
            answers.push((format!("GET {path}"), status, html));
        }
        for (path, fields) in &posts {
            // With the session's own token: the role alone refuses.
            let (status, _, html) = app.submit_with_csrf(session, path, fields).await;
            answers.push((format!("POST {path}"), status, html));
        }
        for (what, status, html) in answers {
            assert_eq!(status, 403, "{what}: {html}");
            assert!(
                html.contains(kentai::web::text::JA.forbidden_title),
                "{what}"
            );
            assert!(!html.contains(&id), "{what} shows the package id");
            assert!(!html.contains("<table"), "{what} shows a table");
            assert!(!html.contains("WP-0051"), "{what} shows a tube");
        }
    }
    assert_eq!(before, (app.snapshot(), package_state(&app, &id).await));
    // The admin may pack too.
    let admin = app.sign_in(&app.admin).await;
    let (status, html) = app.page(&admin, &format!("/packing/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("WP-0051"));
}

#[tokio::test]
async fn the_print_view_holds_the_slip_the_label_images_and_the_print_button() {
    let app = spawn_app().await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let id = start_package(&app, &lab, "category_b_carrier").await;
    let page_path = format!("/packing/{id}");
    tube(&app, "WP-0061", "sputum", "P-61").await;
    put_in(&app, &lab, &page_path, "WP-0061").await;

    // While items are missing the slip is a draft that says so.
    let (status, html) = app.page(&lab, &format!("{page_path}/print")).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("検体送付票"));
    assert!(html.contains("class=\"slip-draft\""));

    for item in REQUIRED_ITEMS {
        tick_form_ok(&app, &lab, &page_path, item, "true").await;
    }
    submit_ok(&app, &lab, &format!("{page_path}/dispatch"), &[]).await;

    let (status, html) = app.page(&lab, &format!("{page_path}/print")).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(count(&html, "<h1"), 1);
    assert!(
        !html.contains("class=\"slip-draft\""),
        "no draft banner once sent"
    );
    for field in [
        id.as_str(),
        "WP-0061",
        "喀痰",
        "東京都健康安全研究センター 微生物部",
        "東京都新宿区百人町3-24-1",
        "03-3363-3231",
        "テスト内科",
        "東京都新宿区西新宿2-8-1",
        "03-1234-5678",
        "090-1234-5678",
        "UN3373 Biological Substance, Category B",
        "発送済み",
        "id=\"dispatched-at\"",
        "id=\"quantity\">1 本",
    ] {
        assert!(html.contains(field), "the slip lacks {field}");
    }
    let label = format!("/api/v1/packages/{id}/label?format=svg");
    assert!(
        html.contains(&format!("src=\"{label}\"")),
        "the label image"
    );
    assert!(html.contains("data-print"), "the print button");
    assert!(html.contains("print.js"), "its script");
    assert!(
        html.contains("class=\"label-sheet\""),
        "labels on a sheet of their own"
    );
    // The label image opens with the page's session.
    let res = app.get_with_session(&lab, &label).await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(header(&res, "content-type").starts_with("image/svg+xml"));
    // The stylesheet keeps the site's frame and the buttons off the paper.
    let (_, _, css) = app
        .get_text(&kentai::web::assets::url("kentai.css"), &app.admin)
        .await;
    let packing_css = css
        .split("/* The packing pages:")
        .nth(1)
        .expect("the packing pages' rules");
    let print = packing_css
        .split("@media print")
        .nth(1)
        .expect("print rules");
    for rule in [
        ".site-header",
        ".skip-link",
        "button",
        "nav",
        "break-before: page",
    ] {
        assert!(print.contains(rule), "{rule} in the print rules");
    }
}

#[tokio::test]
async fn the_command_sheet_page_embeds_every_page_of_the_sheet_ready_to_print() {
    let app = spawn_app().await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let (status, html) = app.page(&lab, "/packing/commands").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(count(&html, "<h1"), 1);
    let pages = kentai::print::command_sheet::page_count();
    assert!(pages >= 1);
    for n in 1..=pages {
        let src = format!("/api/v1/labels/commands?format=svg&amp;page={n}");
        assert!(html.contains(&format!("src=\"{src}\"")), "page {n}");
        let res = app.get_with_session(&lab, &src.replace("&amp;", "&")).await;
        assert_eq!(res.status().as_u16(), 200, "page {n}");
        assert!(res.text().await.expect("svg").contains("KTCMD:"));
    }
    assert!(html.contains("data-print"));
    assert!(html.contains("print.js"));
    assert!(html.contains("alt=\"コマンドバーコード（梱包・結果入力） 1 / "));
}

#[tokio::test]
async fn with_lang_en_the_packing_pages_read_in_english() {
    let app = spawn_app().await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let (status, html) = app.page(&lab, "/packing?lang=en").await;
    assert_eq!(status, 200);
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"en\">"));
    assert!(html.contains("Start a package"));
    assert!(html.contains("Consignee (testing lab)"));
    let id = start_package(&app, &lab, "yu_pack").await;
    let (status, html) = app.page(&lab, &format!("/packing/{id}?lang=en")).await;
    assert_eq!(status, 200);
    for words in [
        "Still missing before dispatch",
        "Primary container",
        "Secondary container",
        "Tertiary (outer) container",
        "Overpack (insulated box)",
        "Packing checklist",
        "Japan Post Yu-Pack (land only)",
    ] {
        assert!(html.contains(words), "{words}");
    }
    assert!(!html.contains("一次容器"));
    assert!(
        html.contains("data-key=\"packer.certificate_id\""),
        "Yu-Pack needs a packer"
    );
    // An early dispatch is refused in English too.
    let (status, _, html) = app
        .submit_with_csrf(&lab, &format!("/packing/{id}/dispatch?lang=en"), &[])
        .await;
    assert_eq!(status, 409);
    assert!(html.contains("The package cannot be dispatched until all of these are done."));
    assert!(html.contains("No tube is in the package"));
    let (_, html) = app
        .page(&lab, &format!("/packing/{id}/print?lang=en"))
        .await;
    assert!(html.contains("Specimen shipping slip"));
    assert!(html.contains(">Print<"));
    let (_, html) = app.page(&lab, "/packing/commands?lang=en").await;
    assert!(html.contains("Command barcodes (packing, results)"));
}

#[tokio::test]
async fn the_slip_fields_form_completes_a_package_started_without_a_consignee() {
    let app = spawn_app().await;
    let token = app.token(Role::Lab);
    let lab = app.sign_in(&token).await;
    // A package as a scan of the "new package" code starts it: no consignee.
    let (status, body) = app
        .post(
            "/api/v1/packages",
            &token,
            &json!({"carrier": "category_b_carrier"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["package_id"].as_str().expect("package id").to_string();
    let details = format!("/packing/{id}/details");

    let (status, html) = app.page(&lab, &format!("/packing/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("action=\"{details}\"")), "{html}");
    assert!(page_missing(&html).contains(&"consignee.name".to_string()));

    // Without the token: 403, nothing saved.
    let before = (app.snapshot(), package_state(&app, &id).await);
    let (status, _, _) = app
        .submit(&lab, &details, &[("consignee_name", "どこか")])
        .await;
    assert_eq!(status, 403);
    assert_eq!(before, (app.snapshot(), package_state(&app, &id).await));

    let mut form = vec![("carrier", "category_b_carrier")];
    form.extend(CONSIGNEE);
    let location = submit_ok(&app, &lab, &details, &form).await;
    assert_eq!(location, format!("/packing/{id}?done=details"));
    let p = package_json(&app, &id).await;
    assert_eq!(p["consignee"]["name"], CONSIGNEE[0].1);
    assert!(!missing_keys(&p).iter().any(|k| k.starts_with("consignee.")));
}

#[tokio::test]
async fn a_tick_comes_back_to_its_item_which_confirms_it_beside_the_button_the_script_focuses() {
    let app = spawn_app().await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let id = package_holding(&app, &lab, "WP-0101", "WP-0102").await;
    let page_path = format!("/packing/{id}");

    // An item of the secondary layer: back to its anchor, not the top.
    let location = tick_form_ok(&app, &lab, &page_path, "secondary.absorbent", "true").await;
    let at = anchor_of(&location);
    let (status, html) = app.page(&lab, &location).await;
    assert_eq!(status, 200, "{html}");
    let item = element(&html, &at);
    assert!(
        item.contains("data-item=\"secondary.absorbent\""),
        "{at} is the ticked item: {item}"
    );
    assert!(item.contains("class=\"just-done\""), "{item}");
    assert!(item.contains(kentai::web::text::packing::PACKING_JA.done_ticked));
    assert!(
        item.contains(&format!("aria-describedby=\"{at}-state {at}-done\"")),
        "the button is described by the item's state and the confirmation: {item}"
    );
    assert!(item.contains(kentai::web::text::packing::PACKING_JA.untick_button));
    // Only that item confirms; the script that focuses it is on the page.
    assert_eq!(count(&html, "class=\"just-done\""), 1);
    assert!(html.contains("/assets/packing.js?v="), "the page's script");
    let (status, _, js) = app.get_text("/assets/packing.js", &app.admin).await;
    assert_eq!(status, 200);
    assert!(js.contains("button.focus"), "{js}");

    // One tube's primary item comes back to that tube's line.
    let fields = [
        ("item", "primary.wiped"),
        ("specimen_id", "WP-0101"),
        ("done", "true"),
    ];
    let location = submit_ok(&app, &lab, &format!("{page_path}/checklist"), &fields).await;
    let (_, html) = app.page(&lab, &location).await;
    let item = element(&html, &anchor_of(&location));
    assert!(item.contains("data-item=\"primary.wiped\""), "{item}");
    assert!(item.contains("WP-0101"), "{item}");

    // A primary item for every tube comes back to its own button.
    let location = tick_form_ok(&app, &lab, &page_path, "primary.parafilm", "true").await;
    let at = anchor_of(&location);
    assert_eq!(at, "tick-all-primary-parafilm");
    let (_, html) = app.page(&lab, &location).await;
    assert!(element(&html, &at).contains("class=\"just-done\""));
}

#[tokio::test]
async fn a_refused_tick_is_explained_beside_its_item_in_japanese() {
    let app = spawn_app().await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let id = package_holding(&app, &lab, "WP-0111", "WP-0112").await;
    let page_path = format!("/packing/{id}");
    let (_, page) = app.page(&lab, &page_path).await;

    // Dry ice in the overpack without its weight: refused at that item.
    let before = (app.snapshot(), package_state(&app, &id).await);
    let (status, _, html) = tick_form(&app, &lab, &page_path, "overpack.dry_ice", "true").await;
    assert_eq!(status, 400, "{html}");
    assert_eq!(before, (app.snapshot(), package_state(&app, &id).await));
    assert_refused(&html, "invalid_input");
    let item_id = page
        .split("data-item=\"overpack.dry_ice\"")
        .next()
        .and_then(|s| s.rsplit("id=\"").next())
        .and_then(|s| s.split('"').next())
        .expect("the dry ice item's id");
    let item = element(&html, item_id);
    assert!(item.contains("id=\"form-error\""), "{item}");
    assert_eq!(count(&html, "id=\"form-error\""), 1);
    // The top of the page links down to it.
    assert!(html.contains("href=\"#form-error\""));

    // Dry ice in the secondary has no button of its own: the rule in
    // words at the top.
    let (status, _, html) = tick_form(&app, &lab, &page_path, "secondary.dry_ice", "true").await;
    assert_eq!(status, 422, "{html}");
    assert_refused(&html, "dry_ice_in_secondary");
    assert!(element(&html, "form-error").contains("二次容器にドライアイス"));
    assert!(!html.contains("href=\"#form-error\""));
}

/// Registers a sputum tube collected `hours_ago` and never frozen.
async fn late_tube(app: &TestApp, id: &str, hours_ago: i64) {
    let mut body = registration(id, "sputum", 1);
    let (at, onset) = collected(hours_ago, 1);
    body["collected_at"] = json!(at.to_rfc3339());
    body["onset_date"] = json!(onset.to_string());
    let (status, res) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201, "register {id}: {res}");
}

#[tokio::test]
async fn a_complete_package_refused_for_the_48_hour_rule_asks_for_a_reason_and_never_says_ready() {
    let app = spawn_app().await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let id = start_package(&app, &lab, "category_b_carrier").await;
    let page_path = format!("/packing/{id}");
    late_tube(&app, "WP-LATE-1", 50).await;
    put_in(&app, &lab, &page_path, "WP-LATE-1").await;
    for item in REQUIRED_ITEMS {
        if item != "secondary.cushioned" {
            tick_form_ok(&app, &lab, &page_path, item, "true").await;
        }
    }
    let t = &kentai::web::text::packing::PACKING_JA;

    // Complete, and the page already knows the tube is late: no green
    // "ready", a reason asked for, the field for it.
    let (_, html) = app.page(&lab, &page_path).await;
    assert!(!html.contains(t.missing_none), "{html}");
    assert!(!html.contains(t.dispatch_ready), "{html}");
    assert!(html.contains(t.missing_needs_reason));
    assert!(html.contains("id=\"dispatch_override_reason\""));

    // Dispatched without a reason: refused in words, beside the dispatch
    // button, the reason's field focused; nothing changes.
    let before = (app.snapshot(), package_state(&app, &id).await);
    let (status, _, html) = app
        .submit_with_csrf(&lab, &format!("{page_path}/dispatch"), &[])
        .await;
    assert_eq!(status, 422, "{html}");
    assert_eq!(before, (app.snapshot(), package_state(&app, &id).await));
    assert_refused(&html, "storage_deadline_exceeded");
    assert!(
        !html.contains(t.missing_none),
        "no ready box under a refusal"
    );
    assert!(!html.contains(t.dispatch_ready));
    assert!(html.contains(t.missing_needs_reason));
    let dispatch = element(&html, "dispatch");
    assert!(dispatch.contains("id=\"form-error\""), "{dispatch}");
    assert!(
        dispatch.contains("未凍結48時間超過: 採取管 WP-LATE-1: 採取から"),
        "the rule, the tube and the hours in words: {dispatch}"
    );
    assert!(dispatch.contains("凍結されていませんでした"), "{dispatch}");
    assert!(
        !dispatch.contains("spent"),
        "no English sentence: {dispatch}"
    );
    // The box above names the same tube.
    let above = element(&html, "needs-reason");
    assert!(above.contains("採取管 WP-LATE-1"), "{above}");
    assert!(dispatch.contains("autofocus"), "{dispatch}");
    assert!(dispatch.contains("name=\"override_reason\""));

    // With a reason it leaves, and the reason is kept.
    let location = submit_ok(
        &app,
        &lab,
        &format!("{page_path}/dispatch"),
        &[("override_reason", "検査機関と相談のうえ冷蔵のまま発送")],
    )
    .await;
    assert_eq!(
        location,
        format!("{page_path}?done=dispatched&warn=storage_deadline_exceeded")
    );
    let p = package_json(&app, &id).await;
    assert_eq!(p["status"], "dispatched");
    assert_eq!(
        p["dispatch_override_reason"],
        "検査機関と相談のうえ冷蔵のまま発送"
    );
}

#[tokio::test]
async fn an_early_dispatch_names_what_is_missing_in_words_beside_the_dispatch_button() {
    let app = spawn_app().await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let id = package_holding(&app, &lab, "WP-0121", "WP-0122").await;
    let page_path = format!("/packing/{id}");
    let (status, _, html) = app
        .submit_with_csrf(&lab, &format!("{page_path}/dispatch"), &[])
        .await;
    assert_eq!(status, 409, "{html}");
    let error = element(&html, "form-error");
    assert!(
        error.contains("一次容器: パラフィルムで密封した（WP-0121）"),
        "{error}"
    );
    assert!(error.contains("三次容器（外装容器）: 検体送付票を同封した"));
    assert!(
        !error.contains(">primary.parafilm:WP-0121<"),
        "no raw key as the words: {error}"
    );
    assert!(element(&html, "dispatch").contains("id=\"form-error\""));
    assert!(
        !html.contains(kentai::web::text::packing::PACKING_JA.missing_none),
        "{html}"
    );
}

#[tokio::test]
async fn the_print_view_slip_reads_in_japanese_with_the_amount_in_words() {
    let app = spawn_app().await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let id = start_package(&app, &lab, "category_b_carrier").await;
    tube(&app, "WP-0131", "nasopharyngeal_swab", "P-131").await;
    put_in(&app, &lab, &format!("/packing/{id}"), "WP-0131").await;
    let (status, html) = app.page(&lab, &format!("/packing/{id}/print")).await;
    assert_eq!(status, 200, "{html}");
    let slip = element(&html, "slip");
    assert!(
        slip.contains("スワブ1本（輸送培地 1–3 mL）（目安・実量は未記録）"),
        "{slip}"
    );
    assert!(slip.contains("一次容器: パラフィルムで密封した（WP-0131）"));
    for english in ["swab in", "VTM", ">No.<", "TEL ", "Specimen shipping slip"] {
        assert!(!slip.contains(english), "{english} on the Japanese slip");
    }
    let (_, html) = app
        .page(&lab, &format!("/packing/{id}/print?lang=en"))
        .await;
    let slip = element(&html, "slip");
    assert!(slip.contains("1 swab in 1–3 mL VTM/UTM (guide; volume not recorded)"));
    assert!(slip.contains("Specimen shipping slip"));
}
