//! The specimen pages without a browser: one specimen's history
//! shows its chain of custody, every storage event with its temperature,
//! the freeze–thaw count, the flags, every result version with the
//! correction marked, the package and the 48-hour deadline; the day's list
//! holds that day's specimens only; the lookup opens a registered tube and
//! says so when there is none; the label page embeds the label route's
//! image with a print button; and the pages open only for the roles that
//! use them.

use crate::common::*;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use kentai::domain::roles::Role;
use kentai::web::text::specimens::{SPECIMENS_EN, SPECIMENS_JA};
use serde_json::{json, Value};

async fn app() -> TestApp {
    spawn_app_with(with_stations).await
}

/// Registers `id` (saliva) for its own patient, collected `hours_ago`, with
/// onset two days before; returns the collection time.
async fn register_at(app: &TestApp, id: &str, hours_ago: i64) -> DateTime<Utc> {
    let at = Utc::now() - Duration::hours(hours_ago);
    let onset = at.with_timezone(&chrono_tz::Asia::Tokyo).date_naive() - Duration::days(2);
    let mut body = registration(id, "saliva", 2);
    body["collected_at"] = json!(at.to_rfc3339());
    body["onset_date"] = json!(onset.to_string());
    let (status, res) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201, "register {id}: {res}");
    at
}

async fn store(app: &TestApp, id: &str, location: &str, at: DateTime<Utc>) -> Value {
    let (status, res) = app
        .post(
            &format!("/api/v1/specimens/{}/storage", encode(id)),
            &app.admin,
            &json!({"location": location, "at": at.to_rfc3339()}),
        )
        .await;
    assert_eq!(status, 201, "store {id} at {location}: {res}");
    res
}

async fn result(app: &TestApp, id: &str, result: &str) {
    let (status, res) = app
        .post(
            &format!("/api/v1/specimens/{}/results", encode(id)),
            &app.admin,
            // A second, different result is a correction: it carries its reason.
            &json!({"result": result, "resulted_at": Utc::now().to_rfc3339(), "reason": "再検査"}),
        )
        .await;
    assert_eq!(status, 201, "result {id}: {res}");
}

fn encode(id: &str) -> String {
    kentai::web::encode_query_value(id)
}

/// Packs `id` into a new package; returns the package id.
async fn pack(app: &TestApp, id: &str) -> String {
    let (status, res) = app
        .post(
            "/api/v1/packages",
            &app.admin,
            &json!({
                "consignee": {
                    "name": "東京都健康安全研究センター 微生物部",
                    "address": "東京都新宿区百人町3-24-1",
                    "phone": "03-3363-3231"
                },
                "carrier": "category_b_carrier"
            }),
        )
        .await;
    assert_eq!(status, 201, "create package: {res}");
    let package = res["package_id"].as_str().unwrap_or_default().to_string();
    let (status, res) = app
        .post(
            &format!("/api/v1/packages/{package}/specimens"),
            &app.admin,
            &json!({"specimen_id": id}),
        )
        .await;
    assert_eq!(status, 201, "pack {id}: {res}");
    package
}

/// Packs `id` into a new package, ticks the checklist and dispatches it:
/// the tube leaves the lab's care.
async fn ship(app: &TestApp, id: &str) {
    let package = pack(app, id).await;
    for item in REQUIRED_ITEMS {
        let (status, res) = app
            .post(
                &format!("/api/v1/packages/{package}/checklist"),
                &app.admin,
                &json!({"item": item}),
            )
            .await;
        assert_eq!(status, 201, "tick {item}: {res}");
    }
    let (status, res) = app
        .post(
            &format!("/api/v1/packages/{package}/dispatch"),
            &app.admin,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "dispatch {package}: {res}");
}

/// The specimen ids of a list page's table, in order.
fn listed_ids(html: &str) -> Vec<String> {
    html.split("<tr")
        .skip(1)
        .filter_map(|r| {
            r.split("</tr>")
                .next()?
                .split("href=\"/specimens/")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .map(str::to_string)
        })
        .collect()
}

/// A specimen with a full history: stored in the fridge, frozen, thawed
/// back into the fridge (one freeze–thaw cycle), resulted negative then
/// corrected to positive, and packed. Returns its package id.
async fn full_history(app: &TestApp, id: &str) -> String {
    app.location("FRIDGE", "fridge_4c").await;
    app.location("M80", "frozen_minus80").await;
    let at = register_at(app, id, 3).await;
    store(app, id, "FRIDGE", at + Duration::minutes(10)).await;
    store(app, id, "M80", at + Duration::minutes(40)).await;
    let thawed = store(app, id, "FRIDGE", at + Duration::minutes(90)).await;
    assert_eq!(thawed["freeze_thaw_count"], 1, "{thawed}");
    result(app, id, "negative").await;
    result(app, id, "positive").await;
    pack(app, id).await
}

fn minutes(at: &str) -> String {
    DateTime::<FixedOffset>::parse_from_rfc3339(at)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|e| panic!("{at:?}: {e}"))
}

/// The text of the page's section whose heading has `id`.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

/// Table rows of a fragment, each as its cells' text with tags removed.
fn rows(fragment: &str) -> Vec<String> {
    fragment
        .split("<tr")
        .skip(1)
        .map(|row| {
            let row = row.split("</tr>").next().unwrap_or_default();
            let mut text = String::new();
            let mut in_tag = false;
            for c in row.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => {
                        in_tag = false;
                        text.push(' ');
                    }
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

#[tokio::test]
async fn the_history_page_shows_custody_storage_temperatures_freeze_thaw_flags_results_and_deadline(
) {
    let app = app().await;
    full_history(&app, "WS-1").await;
    let (_, api) = app.get("/api/v1/specimens/WS-1", &app.admin).await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let (status, html) = app.page(&lab, "/specimens/WS-1").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(html.matches("<h1").count(), 1);
    assert!(html.contains("山田 太郎") && html.contains("ヤマダ タロウ"));
    assert!(html.contains("P-WS-1"));
    assert!(html.contains("唾液"));

    // The chain of custody: every step, in order, with its time.
    let custody = section(&html, "custody-title");
    let steps: Vec<&str> = api["custody"]
        .as_array()
        .expect("custody")
        .iter()
        .map(|s| s["step"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        steps,
        [
            "collected",
            "stored",
            "stored",
            "stored",
            "resulted",
            "resulted",
            "packed"
        ],
        "{api}"
    );
    assert_eq!(custody.matches("<li").count(), steps.len(), "{custody}");
    let mut from = 0;
    for word in [
        "採取",
        "保管",
        "保管",
        "保管",
        "検査結果",
        "検査結果",
        "梱包",
    ] {
        let at = custody[from..]
            .find(word)
            .unwrap_or_else(|| panic!("{word} after {from}: {custody}"));
        from += at + word.len();
    }
    for step in api["custody"].as_array().expect("custody") {
        let at = step["at"].as_str().unwrap_or_default();
        assert!(
            custody.contains(&format!("datetime=\"{at}\"")),
            "{at}: {custody}"
        );
    }

    // The storage timeline: each event with its place, class and temperature.
    let storage = rows(section(&html, "storage-title"));
    assert_eq!(storage.len(), 4, "{storage:?}");
    assert!(storage[1].contains("FRIDGE") && storage[1].contains("4 °C"));
    assert!(storage[1].contains("冷蔵"), "{}", storage[1]);
    assert!(storage[2].contains("M80") && storage[2].contains("−80 °C"));
    assert!(storage[3].contains("FRIDGE") && storage[3].contains("凍結融解"));
    assert!(storage[1].contains("admin"), "recorded by: {}", storage[1]);

    // The freeze–thaw count, the flag and the deadline with time left.
    let now = section(&html, "storage-now-title");
    assert!(now.contains(SPECIMENS_JA.freeze_thaw), "{now}");
    assert!(now.contains("1回"), "{now}");
    let due = api["freeze_or_ship_by"].as_str().expect("deadline");
    assert!(now.contains(&format!("datetime=\"{due}\"")), "{now}");
    assert!(now.contains(&minutes(due)), "{now}");
    assert!(now.contains(SPECIMENS_JA.time_left), "{now}");
    assert!(now.contains("時間"), "{now}");
    let flags = section(&html, "flags-title");
    assert!(flags.contains("凍結融解"), "{flags}");

    // Both result versions; the correction marked, the latest highlighted.
    let results = section(&html, "results-title");
    let result_rows = rows(results);
    assert_eq!(result_rows.len(), 3, "{result_rows:?}");
    assert!(result_rows[1].contains("陰性") && result_rows[1].contains(SPECIMENS_JA.original));
    assert!(result_rows[2].contains("陽性") && result_rows[2].contains(SPECIMENS_JA.correction));
    assert!(result_rows[2].contains(SPECIMENS_JA.latest));
    assert_eq!(results.matches("class=\"latest\"").count(), 1);
    let latest = results.find("class=\"latest\"").unwrap_or_default();
    assert!(results[latest..].contains("陽性"));

    // The label link.
    assert!(html.contains("href=\"/specimens/WS-1/label\""));
}

#[tokio::test]
async fn a_frozen_specimen_has_no_deadline_and_an_overdue_one_is_highlighted_in_the_list() {
    let app = app().await;
    app.location("M80", "frozen_minus80").await;
    app.location("FRIDGE", "fridge_4c").await;
    let frozen_at = register_at(&app, "FROZEN-1", 5).await;
    store(&app, "FROZEN-1", "M80", frozen_at + Duration::minutes(10)).await;
    // Three days in the fridge: the 48-hour deadline has passed.
    let late_at = register_at(&app, "LATE-1", 72).await;
    store(&app, "LATE-1", "FRIDGE", late_at + Duration::minutes(10)).await;
    let admin = app.sign_in(&app.admin).await;

    let (_, html) = app.page(&admin, "/specimens/FROZEN-1").await;
    assert!(
        section(&html, "storage-now-title").contains(SPECIMENS_JA.frozen_no_deadline),
        "{html}"
    );
    let (_, html) = app.page(&admin, "/specimens/LATE-1").await;
    let now = section(&html, "storage-now-title");
    assert!(now.contains("class=\"overdue\""), "{now}");
    assert!(now.contains(kentai::web::text::JA.overdue), "{now}");

    let date = late_at.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let (status, html) = app.page(&admin, &format!("/specimens?date={date}")).await;
    assert_eq!(status, 200);
    let row = html
        .split("<tr")
        .find(|r| r.contains("LATE-1"))
        .expect("LATE-1 listed");
    assert!(row.starts_with(" class=\"overdue\""), "{row}");
    assert!(row.contains(kentai::web::text::JA.overdue), "{row}");
}

#[tokio::test]
async fn the_list_for_a_date_shows_that_days_specimens_and_not_another_days() {
    let app = app().await;
    let today_at = register_at(&app, "TODAY-1", 0).await;
    let earlier_at = register_at(&app, "EARLIER-1", 24 * 3).await;
    let tokyo = chrono_tz::Asia::Tokyo;
    let today = today_at.with_timezone(&tokyo).date_naive();
    let earlier = earlier_at.with_timezone(&tokyo).date_naive();
    let clerk = app.sign_in(&app.token(Role::Reception)).await;

    let (status, html) = app
        .page(&clerk, &format!("/specimens?date={earlier}"))
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("href=\"/specimens/EARLIER-1\""), "{html}");
    assert!(!html.contains("TODAY-1"), "{html}");
    let listed = rows(&html);
    assert_eq!(listed.len(), 2, "{listed:?}");
    for word in ["EARLIER-1", "唾液", "山田 太郎", "受付済み", "—"] {
        assert!(listed[1].contains(word), "{word}: {}", listed[1]);
    }
    assert!(listed[1].contains(
        &earlier_at
            .with_timezone(&tokyo)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    ));
    assert!(html.contains(&format!("value=\"{earlier}\"")));

    // Without a date (or with one that is not a date): today.
    for path in ["/specimens", "/specimens?date=not-a-date"] {
        let (status, html) = app.page(&clerk, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.contains(&format!("value=\"{today}\"")), "{path}");
        assert!(html.contains("href=\"/specimens/TODAY-1\""), "{path}");
        assert!(!html.contains("EARLIER-1"), "{path}");
        assert_eq!(
            html.contains(SPECIMENS_JA.bad_date),
            path.contains("not-a-date"),
            "{path}"
        );
    }

    // A day with nothing collected says so.
    let (_, html) = app
        .page(
            &clerk,
            &format!("/specimens?date={}", earlier - Duration::days(30)),
        )
        .await;
    assert!(html.contains(SPECIMENS_JA.list_empty));
    assert!(!html.contains("<table"));
}

#[tokio::test]
async fn the_lookup_opens_a_registered_specimen_and_says_when_there_is_none() {
    let app = app().await;
    register_at(&app, "LOOK-1", 1).await;
    // An id with characters a path must encode.
    let odd = "(8004)4912345/7 A";
    register_at(&app, odd, 1).await;
    let clerk = app.sign_in(&app.token(Role::Reception)).await;

    for (q, expected) in [
        ("LOOK-1", "/specimens/LOOK-1".to_string()),
        ("  LOOK-1 ", "/specimens/LOOK-1".to_string()),
        (odd, format!("/specimens/{}", encode(odd))),
    ] {
        let res = app
            .get_with_session(&clerk, &format!("/specimens?q={}", encode(q)))
            .await;
        assert_eq!(res.status().as_u16(), 303, "{q:?}");
        let location = location(&res);
        assert_eq!(location, expected, "{q:?}");
        let (status, html) = app.page(&clerk, &location).await;
        assert_eq!(status, 200, "{location}: {html}");
        assert!(html.contains(q.trim()), "{location}");
    }

    // A scanner that sends AIM identifiers types them into the field too:
    // the tube is found as the scan pipeline reads it.
    let giai = "(8004)4912345000017";
    register_at(&app, giai, 1).await;
    for (q, expected) in [
        ("]C0LOOK-1", "/specimens/LOOK-1".to_string()),
        (
            "]C180044912345000017",
            format!("/specimens/{}", encode(giai)),
        ),
    ] {
        let res = app
            .get_with_session(&clerk, &format!("/specimens?q={}", encode(q)))
            .await;
        assert_eq!(res.status().as_u16(), 303, "{q:?}");
        assert_eq!(location(&res), expected, "{q:?}");
    }

    let (status, html) = app.page(&clerk, "/specimens?q=NO-SUCH-TUBE").await;
    assert_eq!(status, 404);
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains(
        &SPECIMENS_JA
            .lookup_not_found
            .replace("{id}", "NO-SUCH-TUBE")
    ));
    // The form keeps what was typed, to correct it.
    assert!(html.contains("name=\"q\" type=\"text\" value=\"NO-SUCH-TUBE\""));
    // An empty lookup is just the page.
    let (status, html) = app.page(&clerk, "/specimens?q=").await;
    assert_eq!(status, 200);
    assert!(!html.contains("role=\"alert\""));
}

#[tokio::test]
async fn the_package_link_appears_for_lab_and_admin_but_not_for_reception() {
    let app = app().await;
    let package = full_history(&app, "PK-1").await;
    let link = format!("href=\"/packing/{package}\"");
    for (role, linked) in [
        (Role::Lab, true),
        (Role::Admin, true),
        (Role::Reception, false),
    ] {
        let token = if role == Role::Admin {
            app.admin.clone()
        } else {
            app.token(role)
        };
        let session = app.sign_in(&token).await;
        let (status, html) = app.page(&session, "/specimens/PK-1").await;
        assert_eq!(status, 200, "{role:?}");
        let package_section = section(&html, "package-title");
        assert!(
            package_section.contains(&package),
            "{role:?}: {package_section}"
        );
        assert_eq!(html.contains(&link), linked, "{role:?}: {package_section}");
        assert!(package_section.contains("梱包中"), "{package_section}");
    }
}

#[tokio::test]
async fn the_health_centre_may_open_none_of_the_specimen_pages() {
    let app = app().await;
    full_history(&app, "HC-1").await;
    let health = app.sign_in(&app.token(Role::HealthCentre)).await;
    for path in [
        "/specimens",
        "/specimens?q=HC-1",
        "/specimens/HC-1",
        "/specimens/HC-1/label",
        "/specimens/NOPE",
    ] {
        let (status, html) = app.page(&health, path).await;
        assert_eq!(status, 403, "{path}");
        assert!(
            html.contains(kentai::web::text::JA.forbidden_title),
            "{path}"
        );
        assert!(!html.contains("山田"), "{path}");
        assert!(!html.contains("ヤマダ"), "{path}");
        assert!(!html.contains("P-HC-1"), "{path}: no patient number");
        assert!(!html.contains("<table"), "{path}");
    }
}

#[tokio::test]
async fn an_unknown_specimen_is_404_on_its_page_and_its_label() {
    let app = app().await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    for path in ["/specimens/NOPE-1", "/specimens/NOPE-1/label"] {
        let (status, html) = app.page(&lab, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            html.contains(kentai::web::text::JA.not_found_title),
            "{path}"
        );
        assert!(html.contains(SPECIMENS_JA.not_found_body), "{path}");
        assert!(html.contains("id=\"q\""), "{path}: the lookup to try again");
    }
}

#[tokio::test]
async fn the_label_page_embeds_the_label_and_a_print_button() {
    let app = app().await;
    register_at(&app, "LB-1", 1).await;
    let clerk = app.sign_in(&app.token(Role::Reception)).await;
    let (status, html) = app.page(&clerk, "/specimens/LB-1/label").await;
    assert_eq!(status, 200, "{html}");
    let src = "/api/v1/specimens/LB-1/label?format=svg";
    assert!(html.contains(&format!("<img src=\"{src}\"")), "{html}");
    assert!(html.contains("alt=\"検体 LB-1（唾液）"), "{html}");
    assert!(html.contains("<button type=\"button\" class=\"primary\" data-print"));
    assert!(html.contains("/assets/print.js"), "{html}");
    assert!(html.contains("唾液"));
    assert_eq!(html.matches("<h1").count(), 1);
    // The image opens with the page's own session cookie.
    let res = app.get_with_session(&clerk, src).await;
    assert_eq!(res.status().as_u16(), 200);
    let content_type = header(&res, "content-type");
    assert!(content_type.starts_with("image/svg+xml"), "{content_type}");
    // The stylesheet prints only the label.
    let (_, _, css) = app.get_text("/assets/kentai.css", &app.admin).await;
    assert!(css.contains("@media print"));
    assert!(css.contains("body:has(.label-page) .site-header"));
}

#[tokio::test]
async fn english_pages_have_english_headings() {
    let app = app().await;
    full_history(&app, "EN-1").await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let (status, html) = app.page(&lab, "/specimens/EN-1?lang=en").await;
    assert_eq!(status, 200);
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"en\">"));
    for heading in [
        SPECIMENS_EN.patient_title,
        SPECIMENS_EN.custody_title,
        SPECIMENS_EN.storage_title,
        SPECIMENS_EN.results_title,
        SPECIMENS_EN.flags_title,
        SPECIMENS_EN.freeze_thaw,
    ] {
        assert!(html.contains(heading), "{heading}");
    }
    assert!(!html.contains(SPECIMENS_JA.custody_title));
    assert!(html.contains("fridge (4 °C)"));
    assert!(html.contains("correction"));
    // The language is remembered: the list follows in English.
    let (_, html) = app.page(&lab, "/specimens?lang=en").await;
    assert!(html.contains(SPECIMENS_EN.lookup_title));
    assert!(html.contains(SPECIMENS_EN.in_care_title));
    assert!(html.contains(SPECIMENS_EN.view_day));
    let (_, html) = app.page(&lab, "/specimens/EN-1/label?lang=en").await;
    assert!(html.contains(SPECIMENS_EN.print_button));
    assert!(html.contains("alt=\"Tube label of specimen EN-1 (saliva)"));
}

#[tokio::test]
async fn the_lab_sees_every_specimen_still_in_care_by_default_a_two_day_old_tube_included() {
    let app = app().await;
    app.location("FRIDGE", "fridge_4c").await;
    let old_at = register_at(&app, "OLD-1", 50).await;
    store(&app, "OLD-1", "FRIDGE", old_at + Duration::minutes(10)).await;
    register_at(&app, "NEW-1", 0).await;
    register_at(&app, "PACKED-1", 1).await;
    pack(&app, "PACKED-1").await;
    register_at(&app, "SHIPPED-1", 2).await;
    ship(&app, "SHIPPED-1").await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;

    // The lab's default: in care, whatever the day, packed tubes too;
    // shipped ones are not.
    let (status, html) = app.page(&lab, "/specimens").await;
    assert_eq!(status, 200, "{html}");
    let ids = listed_ids(&html);
    for id in ["OLD-1", "NEW-1", "PACKED-1"] {
        assert!(ids.contains(&id.to_string()), "{id} in care: {ids:?}");
    }
    assert!(!ids.contains(&"SHIPPED-1".to_string()), "{ids:?}");
    let heading = |title: &str| format!("<h2 id=\"list-title\">{title}</h2>");
    assert!(html.contains(&heading(SPECIMENS_JA.in_care_title)));
    assert!(html.contains("href=\"/specimens?view=in_care\" aria-current=\"page\""));
    let old_row = html
        .split("<tr")
        .find(|r| r.contains("OLD-1"))
        .expect("OLD-1's row");
    assert!(
        old_row.starts_with(" class=\"overdue\""),
        "two days in the fridge: {old_row}"
    );
    // The admin's default is the same list.
    let admin = app.sign_in(&app.admin).await;
    assert_eq!(listed_ids(&app.page(&admin, "/specimens").await.1), ids);

    // The day view stays one click away, and a date asks for it.
    let (_, html) = app.page(&lab, "/specimens?view=day").await;
    assert!(html.contains(&heading(SPECIMENS_JA.list_title)));
    assert!(html.contains("href=\"/specimens?view=day\" aria-current=\"page\""));
    assert!(!listed_ids(&html).contains(&"OLD-1".to_string()));
    let day = old_at.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let (_, html) = app.page(&lab, &format!("/specimens?date={day}")).await;
    assert!(listed_ids(&html).contains(&"OLD-1".to_string()));
    assert!(!html.contains(&heading(SPECIMENS_JA.in_care_title)));

    // Reception keeps the day it registers as its default, and may ask
    // for the list in care.
    let clerk = app.sign_in(&app.token(Role::Reception)).await;
    let (_, html) = app.page(&clerk, "/specimens").await;
    assert!(html.contains(&heading(SPECIMENS_JA.list_title)));
    assert!(!listed_ids(&html).contains(&"OLD-1".to_string()));
    let (_, html) = app.page(&clerk, "/specimens?view=in_care").await;
    assert!(listed_ids(&html).contains(&"OLD-1".to_string()));
    // In English too.
    let (_, html) = app.page(&lab, "/specimens?lang=en").await;
    assert!(html.contains(&heading(SPECIMENS_EN.in_care_title)));
}

#[tokio::test]
async fn the_api_lists_the_specimens_in_care_with_in_care_true_and_the_rest_with_false() {
    let app = app().await;
    register_at(&app, "CARE-OLD", 60).await;
    register_at(&app, "CARE-NEW", 0).await;
    register_at(&app, "GONE-1", 2).await;
    ship(&app, "GONE-1").await;
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("a list")
            .iter()
            .filter_map(|s| s["specimen_id"].as_str().map(str::to_string))
            .collect()
    };
    let lab = app.token(Role::Lab);
    let (status, body) = app.get("/api/v1/specimens?in_care=true", &lab).await;
    assert_eq!(status, 200, "{body}");
    let mut care = ids(&body);
    care.sort();
    assert_eq!(care, ["CARE-NEW", "CARE-OLD"]);
    let (status, body) = app.get("/api/v1/specimens?in_care=false", &lab).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body), ["GONE-1"]);
    // With the other filters: both must hold.
    let (_, body) = app
        .get("/api/v1/specimens?in_care=true&status=shipped", &lab)
        .await;
    assert_eq!(ids(&body), Vec::<String>::new());
    let (status, body) = app.get("/api/v1/specimens?in_care=perhaps", &lab).await;
    assert_eq!(status, 400, "{body}");
    // The served OpenAPI document names the parameter.
    let (status, doc) = app.get("/api/openapi.json", &lab).await;
    assert_eq!(status, 200);
    let params = doc["paths"]["/api/v1/specimens"]["get"]["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let in_care = params
        .iter()
        .find(|p| p["name"] == "in_care")
        .expect("in_care is documented");
    assert_eq!(in_care["in"], "query");
    assert_eq!(in_care["schema"]["type"], "boolean", "{in_care}");
}
