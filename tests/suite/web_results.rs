//! The result desk (`/results`) without a browser: who may open it, the
//! tubes it lists and the ones it leaves out, the filters, the release
//! queue only where a second person releases, every tube's versions,
//! the instrument import form, both languages, and the API calls its
//! script makes with the session cookie and CSRF token.

use crate::common::*;
use kentai::domain::assay::{Assay, AssayRule};
use kentai::domain::results::{ReleasePolicy, TestMethod};
use kentai::domain::roles::Role;
use serde_json::{json, Value};

fn second_person(config: &mut kentai::config::Config) {
    config.policy.result_release = ReleasePolicy::SecondPerson;
}

fn with_assay(config: &mut kentai::config::Config) {
    config.assays.push(Assay {
        name: "CDC N1/N2".into(),
        method: TestMethod::Pcr,
        targets: vec!["N1".into(), "N2".into()],
        internal_control: Some("RP".into()),
        ct_cutoff: 40.0,
        internal_control_cutoff: None,
        ntc_names: vec!["NTC".into()],
        positive_control_names: vec!["PC".into()],
        positive_control_ct_range: None,
        rule: AssayRule::AnyTarget,
        loinc: None,
        jlac10: None,
    });
}

async fn tubes(app: &TestApp, ids: &[&str]) {
    for id in ids {
        let (status, body) = app
            .register(&app.admin, &registration(id, "nasopharyngeal_swab", 2))
            .await;
        assert_eq!(status, 201, "{body}");
    }
}

async fn record(app: &TestApp, token: &str, id: &str, result: &str) -> (u16, Value) {
    app.post(
        &format!("/api/v1/specimens/{id}/results"),
        token,
        &json!({"result": result, "resulted_at": chrono::Utc::now().to_rfc3339()}),
    )
    .await
}

/// The part of `html` from the element with `id` to the end of its
/// section (the page's sections do not nest).
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

/// The tubes listed in the worklist, in order.
fn listed(html: &str) -> Vec<String> {
    html.split("<tr class=\"work-row\"")
        .skip(1)
        .filter_map(|row| row.split("data-specimen=\"").nth(1))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_result_desk_opens_for_the_lab_and_admin_and_is_forbidden_to_reception_and_the_health_centre(
) {
    let app = spawn_app().await;
    tubes(&app, &["WR-1"]).await;
    for role in [Role::Lab, Role::Admin] {
        let session = app.sign_in(&app.token(role)).await;
        let (status, html) = app.page(&session, "/results").await;
        assert_eq!(status, 200, "{role:?}: {html}");
        assert!(html.contains("<h1>結果入力</h1>"), "{html}");
        assert!(
            html.contains("href=\"/results\" aria-current=\"page\""),
            "the navigation marks the desk: {html}"
        );
        assert!(html.contains("/assets/results.js?v="), "{html}");
    }
    for role in [Role::Reception, Role::HealthCentre] {
        let session = app.sign_in(&app.token(role)).await;
        let (status, html) = app.page(&session, "/results").await;
        assert_eq!(status, 403, "{role:?}");
        assert!(html.contains(kentai::web::text::JA.forbidden_title));
        assert!(!html.contains("WR-1"), "a refused page reads nothing");
        assert!(!html.contains("href=\"/results\""), "{role:?}'s menu");
    }
}

#[tokio::test]
async fn the_worklist_lists_the_tubes_awaiting_a_result_with_keys_and_batch_entry() {
    let app = spawn_app().await;
    tubes(&app, &["WR-1", "WR-2", "WR-3"]).await;
    let lab = app.token(Role::Lab);
    let (status, body) = record(&app, &lab, "WR-2", "negative").await;
    assert_eq!(status, 201, "{body}");
    let session = app.sign_in(&lab).await;
    let (status, html) = app.page(&session, "/results").await;
    assert_eq!(status, 200);
    assert_eq!(
        listed(&html),
        ["WR-1", "WR-3"],
        "a released result leaves the list"
    );
    assert!(html.contains("2本"), "the count: {html}");
    let list = section(&html, "worklist-title");
    // Each row: the columns, the four results with their keys, the button.
    for word in [
        "検体番号",
        "患者",
        "検体",
        "検査方法",
        "採取日時",
        "状態",
        "結果待ち",
    ] {
        assert!(list.contains(word), "{word}: {list}");
    }
    assert!(
        list.contains("山田 太郎") && list.contains("鼻咽頭ぬぐい液"),
        "{list}"
    );
    for (value, key, name) in [
        ("positive", "P", "陽性"),
        ("negative", "N", "陰性"),
        ("inconclusive", "I", "判定保留"),
        ("invalid", "V", "無効"),
    ] {
        assert!(
            list.contains(&format!("value=\"{value}\" data-key=\"{key}\"")),
            "{value}: {list}"
        );
        assert!(list.contains(name), "{name}");
    }
    assert!(list.contains("data-action=\"save\""), "{list}");
    assert!(list.contains("class=\"row-select\""), "{list}");
    assert!(list.contains("id=\"select-all\""), "{list}");
    assert!(
        list.contains("id=\"batch-record\">選択した検体を陰性で登録</button>"),
        "{list}"
    );
    assert!(list.contains("id=\"resulted-at\""), "{list}");
    // The keys are written on the page, in words.
    let keys = section(&html, "keys-help");
    for word in [
        "<kbd>P</kbd> 陽性",
        "<kbd>N</kbd> 陰性",
        "<kbd>I</kbd> 判定保留（再検査）",
        "<kbd>V</kbd> 無効（判定不能）",
        "<kbd>Enter</kbd>",
        "<kbd>X</kbd>",
    ] {
        assert!(keys.contains(word), "{word}: {keys}");
    }
    // Outcomes are spoken.
    assert!(html.contains("id=\"results-live\" role=\"status\" aria-live=\"polite\""));
    assert!(html.contains("id=\"results-alert\" role=\"alert\""));
    // The script's words are the page's language's.
    assert!(html.contains("id=\"results-data\""), "{html}");
    assert!(html.contains("\"lang\":\"ja\""), "{html}");
}

#[tokio::test]
async fn an_empty_worklist_says_so_and_offers_no_batch() {
    let app = spawn_app().await;
    let session = app.sign_in(&app.token(Role::Lab)).await;
    let (status, html) = app.page(&session, "/results").await;
    assert_eq!(status, 200);
    assert!(html.contains("この条件で結果を待っている検体はありません。"));
    assert!(listed(&html).is_empty());
    assert!(!html.contains("id=\"batch-record\""));
}

#[tokio::test]
async fn the_filters_narrow_the_list_by_day_method_and_package() {
    let app = spawn_app().await;
    tubes(&app, &["WR-1"]).await;
    let mut lamp = registration("WR-2", "nasopharyngeal_swab", 2);
    lamp["test_method"] = json!("lamp");
    let (status, body) = app.register(&app.admin, &lamp).await;
    assert_eq!(status, 201, "{body}");
    let session = app.sign_in(&app.token(Role::Lab)).await;
    let (day, _) = collected(1, 0);
    let today = day
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive()
        .to_string();

    let (_, html) = app.page(&session, &format!("/results?day={today}")).await;
    assert_eq!(listed(&html), ["WR-1", "WR-2"]);
    assert!(
        html.contains(&format!("value=\"{today}\"")),
        "the form keeps the day"
    );

    let (_, html) = app.page(&session, "/results?day=2020-01-01").await;
    assert!(listed(&html).is_empty());

    let (_, html) = app.page(&session, "/results?method=lamp&day=").await;
    assert_eq!(listed(&html), ["WR-2"]);
    assert!(html.contains("<option value=\"lamp\" selected>"), "{html}");

    let (_, html) = app.page(&session, "/results?package=NO-SUCH-PACKAGE").await;
    assert!(listed(&html).is_empty());
    assert!(html.contains("value=\"NO-SUCH-PACKAGE\""));

    // A day the form cannot read shows the last 14 days, and says so.
    let (status, html) = app.page(&session, "/results?day=yesterday").await;
    assert_eq!(status, 200);
    assert_eq!(listed(&html), ["WR-1", "WR-2"]);
    assert!(html.contains("id=\"bad-day\""), "{html}");
}

#[tokio::test]
async fn a_site_that_releases_on_entry_shows_no_release_queue_and_says_why() {
    let app = spawn_app().await;
    tubes(&app, &["WR-1"]).await;
    let session = app.sign_in(&app.token(Role::Lab)).await;
    let (_, html) = app.page(&session, "/results").await;
    assert!(html.contains("data-policy=\"on_entry\""), "{html}");
    assert!(html.contains("登録した結果はすぐに保健所への日報に使われます"));
    assert!(!html.contains("id=\"release-queue\""));
    assert!(!html.contains("承認待ち</h2>") && !html.contains("data-action=\"release\""));
}

#[tokio::test]
async fn under_second_person_the_release_queue_lists_entered_results_with_release_and_return() {
    let app = spawn_app_with(second_person).await;
    tubes(&app, &["WR-1", "WR-2", "WR-3"]).await;
    let (_, entering) = app.api_user("入力 花子", "lab").await;
    let (_, releasing) = app.api_user("承認 次郎", "lab").await;
    let (status, body) = record(&app, &entering, "WR-1", "positive").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["result"]["status"], "entered");

    let session = app.sign_in(&releasing).await;
    let (_, html) = app.page(&session, "/results").await;
    assert!(html.contains("data-policy=\"second_person\""), "{html}");
    assert!(html.contains("入力した人とは別の人が承認してから日報に使われます"));
    assert_eq!(
        listed(&html),
        ["WR-2", "WR-3"],
        "an entered result waits elsewhere"
    );
    let queue = section(&html, "release-queue");
    assert!(
        queue.contains("data-specimen=\"WR-1\" data-version=\"1\""),
        "{queue}"
    );
    assert!(queue.contains("<strong>陽性</strong>"), "{queue}");
    assert!(queue.contains("入力 花子"), "who entered it: {queue}");
    assert!(
        queue.contains("data-action=\"release\">承認</button>"),
        "{queue}"
    );
    assert!(
        queue.contains("data-action=\"return\">差し戻し</button>"),
        "{queue}"
    );
    assert!(queue.contains("class=\"return-reason\""), "{queue}");
    assert!(!queue.contains("data-own"), "someone else's entry: {queue}");

    // The person who entered it is told, before trying, that someone
    // else releases it; the API refuses them all the same.
    let own = app.sign_in(&entering).await;
    let (_, html) = app.page(&own, "/results").await;
    let queue = section(&html, "release-queue");
    assert!(queue.contains("data-own=\"true\""), "{queue}");
    assert!(queue.contains("あなたが入力した結果です"), "{queue}");
}

#[tokio::test]
async fn a_returned_result_is_back_on_the_worklist_with_its_reason_and_its_history() {
    let app = spawn_app_with(second_person).await;
    tubes(&app, &["WR-1"]).await;
    let (_, entering) = app.api_user("入力 花子", "lab").await;
    let (_, releasing) = app.api_user("承認 次郎", "lab").await;
    let (status, body) = record(&app, &entering, "WR-1", "positive").await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app
        .post(
            "/api/v1/specimens/WR-1/results/1/return",
            &releasing,
            &json!({"reason": "Ct値の記載漏れ"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let session = app.sign_in(&entering).await;
    let (_, html) = app.page(&session, "/results").await;
    assert_eq!(listed(&html), ["WR-1"]);
    let list = section(&html, "worklist-title");
    assert!(list.contains("差し戻し（再入力）"), "{list}");
    assert!(list.contains("差し戻しの理由: Ct値の記載漏れ"), "{list}");
    // The history: the version, its result, its status, who and why.
    assert!(
        list.contains("<details class=\"result-history\">"),
        "{list}"
    );
    assert!(list.contains("結果の履歴（1版）"), "{list}");
    for word in [
        "第1版",
        "陽性",
        "差し戻し",
        "入力 花子",
        "承認 次郎",
        "Ct値の記載漏れ",
    ] {
        assert!(list.contains(word), "{word}: {list}");
    }
    assert!(
        list.contains("data-version=\"1\" data-status=\"returned\""),
        "{list}"
    );
}

#[tokio::test]
async fn the_history_shows_every_version_with_the_correction_and_its_reason() {
    let app = spawn_app_with(second_person).await;
    tubes(&app, &["WR-1"]).await;
    let (_, entering) = app.api_user("入力 花子", "lab").await;
    let (status, _) = record(&app, &entering, "WR-1", "negative").await;
    assert_eq!(status, 201);
    // The same person corrects the entered result before anyone releases it.
    let (status, body) = record(&app, &entering, "WR-1", "positive").await;
    assert_eq!(status, 422, "a correction needs its reason: {body}");
    assert_eq!(body["error"]["code"], "correction_reason_required");
    let (status, body) = app
        .post(
            "/api/v1/specimens/WR-1/results",
            &entering,
            &json!({"result": "positive", "resulted_at": chrono::Utc::now().to_rfc3339(),
                    "reason": "ウェルの取り違え"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    let session = app.sign_in(&app.token(Role::Lab)).await;
    let (_, html) = app.page(&session, "/results").await;
    let queue = section(&html, "release-queue");
    assert!(
        queue.contains("data-specimen=\"WR-1\" data-version=\"2\""),
        "{queue}"
    );
    assert!(queue.contains("結果の履歴（2版）"), "{queue}");
    assert!(queue.contains("ウェルの取り違え"), "{queue}");
    let newest = queue.find("data-version=\"2\" data-status").expect("v2");
    let oldest = queue.find("data-version=\"1\" data-status").expect("v1");
    assert!(newest < oldest, "newest first");
}

#[tokio::test]
async fn the_desk_reads_in_english_when_asked() {
    let app = spawn_app_with(second_person).await;
    tubes(&app, &["WR-1"]).await;
    let session = app.sign_in(&app.token(Role::Lab)).await;
    let (status, html) = app.page(&session, "/results?lang=en").await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains("<h1>Result entry</h1>"), "{html}");
    for words in [
        "Tubes awaiting a result",
        "Record the selected tubes as negative",
        "Awaiting release",
        "Correct a result",
        "Import an instrument file",
        "<kbd>P</kbd> positive",
        "awaiting a result",
        "Collection day",
    ] {
        assert!(html.contains(words), "{words}");
    }
    assert!(html.contains("\"lang\":\"en\""));
    for ja in ["結果入力", "結果待ちの検体", "承認待ち", "陰性"] {
        assert!(!html.contains(ja), "{ja} on the English page");
    }
    let (_, html) = app.page(&session, "/results?lang=ja").await;
    assert!(html.contains("<h1>結果入力</h1>"));
}

#[tokio::test]
async fn the_import_form_offers_the_formats_and_the_configured_assays() {
    let app = spawn_app_with(with_assay).await;
    let session = app.sign_in(&app.token(Role::Lab)).await;
    let (_, html) = app.page(&session, "/results").await;
    let import = section(&html, "import-title");
    assert!(import.contains("id=\"import-form\""), "{import}");
    assert!(
        import.contains("type=\"file\" id=\"import-file\""),
        "{import}"
    );
    for (code, label) in [
        ("quantstudio", "QuantStudio"),
        ("cfx", "CFX"),
        ("generic", "汎用CSV"),
    ] {
        assert!(
            import.contains(&format!("<option value=\"{code}\">{label}</option>")),
            "{code}: {import}"
        );
    }
    assert!(
        import.contains("<option value=\"CDC N1/N2\">CDC N1/N2</option>"),
        "{import}"
    );
    assert!(import.contains("id=\"import-read\""), "{import}");
    assert!(import.contains("id=\"import-preview\""), "{import}");

    // Without an assay there is nothing to read a run with: the page says
    // who can set one up instead of offering a form that cannot work.
    let bare = spawn_app().await;
    let session = bare.sign_in(&bare.token(Role::Lab)).await;
    let (_, html) = bare.page(&session, "/results").await;
    assert!(html.contains("id=\"import-no-assays\""), "{html}");
    assert!(!html.contains("id=\"import-form\""));
}

#[tokio::test]
async fn the_scripts_api_calls_work_with_the_session_cookie_and_its_csrf_token() {
    let app = spawn_app_with(second_person).await;
    tubes(&app, &["WR-1", "WR-2"]).await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let other = app.sign_in(&app.token(Role::Lab)).await;
    let call = |session: &WebSession, path: &str, body: Value, csrf: bool| {
        let mut req = app
            .browser()
            .post(app.url(path))
            .header("cookie", session.cookie())
            .json(&body);
        if csrf {
            req = req.header("X-CSRF-Token", session.csrf.clone());
        }
        async move {
            let res = req.send().await.expect("api call");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let now = chrono::Utc::now().to_rfc3339();
    let entry = json!({"result": "negative", "resulted_at": now});
    let (status, _) = call(&lab, "/api/v1/specimens/WR-1/results", entry.clone(), false).await;
    assert_eq!(status, 403, "no CSRF token, nothing recorded");
    let (status, body) = call(&lab, "/api/v1/specimens/WR-1/results", entry.clone(), true).await;
    assert_eq!(status, 201, "{body}");
    // The same send again (a retry after a lost answer) records nothing.
    let (status, body) = call(&lab, "/api/v1/specimens/WR-1/results", entry, true).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["version"], 1);
    // The same person may not release it, in the page's language.
    let (status, body) = call(
        &lab,
        "/api/v1/specimens/WR-1/results/1/release?lang=ja",
        json!({}),
        true,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "same_person_release");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("本人は承認できません")),
        "{body}"
    );
    let (status, body) = call(
        &other,
        "/api/v1/specimens/WR-1/results/1/release",
        json!({}),
        true,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, html) = app.page(&other, "/results").await;
    assert_eq!(listed(&html), ["WR-2"]);
    assert!(
        !html.contains("data-specimen=\"WR-1\""),
        "released: off both lists"
    );
}

#[tokio::test]
async fn the_import_the_page_sends_previews_then_commits_and_a_failed_run_lists_every_control() {
    let app = spawn_app_with(with_assay).await;
    for n in 1..=93 {
        let id = format!("R26-{n:04}");
        let (status, body) = app
            .register(&app.admin, &registration(&id, "saliva", 1))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let send = |path: &str, file: &str| {
        let body = std::fs::read(format!("fixtures/results/{file}")).expect("fixture");
        let req = app
            .browser()
            .post(app.url(path))
            .header("cookie", lab.cookie())
            .header("X-CSRF-Token", lab.csrf.clone())
            .header("content-type", "text/plain")
            .body(body);
        async move {
            let res = req.send().await.expect("import");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let query = "?format=quantstudio&assay=CDC%20N1%2FN2&file_name=plate.txt&lang=ja";

    // A run whose controls failed: every failed control listed after the
    // sentence that sums the run up, and nothing recorded.
    let (status, body) = send(
        &format!("/api/v1/results/imports{query}"),
        "quantstudio-96-ntc-fail.txt",
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "run_controls_failed");
    let refusals = body["error"]["refusals"].as_array().expect("refusals");
    assert!(refusals.len() >= 2, "{body}");
    assert!(
        refusals[1]["message"]
            .as_str()
            .is_some_and(|m| m.contains("NTC") && m.contains("35.2")),
        "{body}"
    );

    // The plate that passed: the preview the page draws, then the commit.
    let (status, preview) = send(
        &format!("/api/v1/results/imports{query}"),
        "quantstudio-96-pass.txt",
    )
    .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["status"], "previewed");
    assert_eq!(preview["file_name"], "plate.txt");
    let rows = preview["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 93);
    let seventh = rows
        .iter()
        .find(|r| r["sample"] == "R26-0007")
        .expect("R26-0007");
    assert_eq!(seventh["result"], "positive");
    assert_eq!(seventh["action"], "record");
    assert_eq!(preview["counts"]["record"], 93);
    let id = preview["import_id"].as_str().expect("import id");
    let commit = app
        .browser()
        .post(app.url(&format!("/api/v1/results/imports/{id}/commit")))
        .header("cookie", lab.cookie())
        .header("X-CSRF-Token", lab.csrf.clone())
        .json(&json!({"decisions": []}))
        .send()
        .await
        .expect("commit");
    assert_eq!(commit.status().as_u16(), 201);
    let committed: Value = commit.json().await.expect("answer");
    assert_eq!(committed["recorded"], 93, "{committed}");
    assert_eq!(committed["results"][0]["specimen_id"], "R26-0001");
    assert!(
        committed["results"][0]["version"].is_number(),
        "{committed}"
    );

    // The whole plate has left the worklist.
    let (_, html) = app.page(&lab, "/results").await;
    assert!(listed(&html).is_empty(), "{:?}", listed(&html));
}
