//! `spawn_app()`: a real kentai server on port 0 with its own database.
//!
//! SQLite by default (a temporary file per test). With
//! `KENTAI_TEST_DATABASE_URL=postgres://…/postgres` every test gets a fresh
//! PostgreSQL database instead, dropped when the test ends, so the same
//! suite proves both backends.
//!
//! Also the helpers more than one module uses: packages, GS1 reference
//! files, scanners, and [`alone`] for tests that must not run beside each
//! other.

pub mod rules;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::{Connection, RunQueryDsl};
use kentai::actions::users::{create_user, NewUserRequest};
use kentai::actions::{Actor, Ctx};
use kentai::config::Config;
use kentai::domain::roles::Role;
use kentai::startup::Application;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Every table kentai writes.
pub const TABLES: [&str; 20] = [
    "specimens",
    "patients",
    "patient_versions",
    "audit_log",
    "locations",
    "storage_events",
    "results",
    "result_imports",
    "users",
    "packages",
    "package_specimens",
    "checklist_events",
    "consultations",
    "kits",
    "scans",
    "sessions",
    "api_tokens",
    "badges",
    "print_jobs",
    "row_changes",
];

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// Token of the admin created on the fresh database.
    pub admin: String,
    pub ctx: Ctx,
    /// Set by a test that changes the database around kentai on purpose:
    /// the audit is then expected not to hold.
    pub tampered: std::sync::atomic::AtomicBool,
    _db: TestDb,
}

/// Every test's server must end with an audit that holds (unless
/// `KENTAI_TEST_VERIFY_AUDIT=0`): the chain and the records it replays match the
/// tables, so a write that changes a record without an audit entry fails
/// the test that makes it.
impl Drop for TestApp {
    fn drop(&mut self) {
        if std::thread::panicking()
            || std::env::var_os("KENTAI_TEST_VERIFY_AUDIT").is_some_and(|v| v == "0")
            || self.tampered.load(std::sync::atomic::Ordering::SeqCst)
        {
            return;
        }
        self.assert_audit_holds();
    }
}

impl TestApp {
    /// The audit chain verifies and the records match it.
    pub fn assert_audit_holds(&self) {
        let check = kentai::actions::audit::check(&self.ctx.store, None).expect("audit check runs");
        assert!(check.is_ok(), "the audit does not hold: {check:?}");
    }
}

pub enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Another server's database, dropped with that server's test app.
    Shared,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            if let Ok(mut c) = diesel::PgConnection::establish(admin_url) {
                let _ =
                    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&mut c);
            }
        }
    }
}

pub fn test_database() -> (String, TestDb) {
    match std::env::var("KENTAI_TEST_DATABASE_URL") {
        Ok(admin_url) if admin_url.starts_with("postgres") => {
            kentai::store::init_libpq();
            let name = format!("kentai_test_{}", &kentai::tokens::generate_token()[3..19]);
            let mut c = diesel::PgConnection::establish(&admin_url)
                .expect("connect to KENTAI_TEST_DATABASE_URL");
            diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                .execute(&mut c)
                .expect("create test database");
            let base = admin_url.split('?').next().unwrap_or(&admin_url);
            let (server, _) = base
                .rsplit_once('/')
                .expect("postgres URL with a database name");
            (
                format!("{server}/{name}"),
                TestDb::Postgres { admin_url, name },
            )
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("kentai.db").display());
            (url, TestDb::Sqlite(dir))
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A server whose configuration `adjust` may change first (policy, site).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_with_opener(
        adjust,
        std::sync::Arc::new(kentai_drivers::supervisor::SystemOpener),
    )
    .await
}

/// As [`spawn_app_with`], opening the configured scanners through `opener`
/// (recorded USB reports instead of devices this machine does not have).
pub async fn spawn_app_with_opener(
    adjust: impl FnOnce(&mut Config),
    opener: std::sync::Arc<dyn kentai_drivers::supervisor::Opener>,
) -> TestApp {
    let (database, db) = test_database();
    let mut config = Config {
        bind: "127.0.0.1:0".into(),
        database,
        ..Config::default()
    };
    config.site.facility_name = "テスト内科".into();
    config.site.facility_code = "1310000001".into();
    config.site.address = "東京都新宿区西新宿2-8-1".into();
    config.site.phone = "03-1234-5678".into();
    config.site.emergency_phone = "090-1234-5678".into();
    config.site.gs1_company_prefix = "4912345".into();
    adjust(&mut config);
    let app = Application::build_with_opener(config, opener).expect("build app");
    TestApp::running(app, db)
}

impl TestApp {
    /// A second server on this app's database serving another facility
    /// (two clinics sharing one database), with its own first admin.
    pub async fn neighbour(&self, facility_code: &str) -> TestApp {
        let mut config = (*self.ctx.config).clone();
        config.bind = "127.0.0.1:0".into();
        config.site.facility_code = facility_code.into();
        config.site.facility_name = format!("隣の医院 {facility_code}");
        let app = Application::build(config).expect("build neighbour");
        TestApp::running(app, TestDb::Shared)
    }

    /// Runs `app` in the background; its database (`db`) lives as long as
    /// the returned test app. The first admin's token must have been made
    /// by this start (a fresh database, or a facility new to it).
    fn running(app: Application, db: TestDb) -> TestApp {
        let address = format!("http://127.0.0.1:{}", app.port());
        let admin = app
            .admin_token()
            .expect("this start creates the facility's first admin")
            .to_string();
        let ctx = app.ctx().clone();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            client: reqwest::Client::new(),
            admin,
            ctx,
            tampered: Default::default(),
            _db: db,
        }
    }

    /// A new user with `role`; returns its token.
    pub fn token(&self, role: Role) -> String {
        let name = format!(
            "{}-{}",
            role.code(),
            &kentai::tokens::generate_token()[3..11]
        );
        create_user(
            &self.ctx,
            &Actor::system(),
            &NewUserRequest {
                name,
                role,
                facilities: Vec::new(),
            },
        )
        .expect("create user")
        .token
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let res = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request");
        read(res).await
    }

    /// POSTs raw bytes as JSON (malformed bodies, huge bodies).
    pub async fn post_raw(
        &self,
        path: &str,
        token: &str,
        body: impl Into<reqwest::Body>,
    ) -> (u16, Value) {
        let res = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        read(res).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let res = self
            .client
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request");
        read(res).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        let res = self
            .client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        read(res).await
    }

    /// GETs a document (HTML, SVG, ZPL): status, content type and text.
    pub async fn get_text(&self, path: &str, token: &str) -> (u16, String, String) {
        let res = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (status, content_type, res.text().await.expect("body"))
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let res = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        read(res).await
    }

    pub async fn register(&self, token: &str, body: &Value) -> (u16, Value) {
        self.post("/api/v1/specimens", token, body).await
    }

    pub async fn location(&self, code: &str, class: &str) {
        let (status, body) = self
            .post(
                "/api/v1/locations",
                &self.admin,
                &json!({"code": code, "name": format!("{class} {code}"), "storage_class": class}),
            )
            .await;
        assert!(
            status == 201 || status == 200,
            "location {code}: {status} {body}"
        );
    }

    /// Row counts of every table a request can write, to compare before and
    /// after a request that must change nothing.
    pub fn snapshot(&self) -> Vec<(&'static str, i64)> {
        TABLES.iter().map(|t| (*t, self.count(t))).collect()
    }

    /// Rows in a table, to prove a refused request changed nothing.
    pub fn count(&self, table: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        self.ctx
            .store
            .read(|c| {
                diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                    .get_result::<N>(c)
                    .map_err(kentai::store::StoreError::from)
            })
            .expect("count")
            .n
    }
}

async fn read(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

/// A collection time `hours` ago and the onset date `days` calendar days
/// before the collection date in Tokyo (onset day = day 0).
pub fn collected(hours_ago: i64, days_since_onset: i64) -> (DateTime<Utc>, NaiveDate) {
    let at = Utc::now() - Duration::hours(hours_ago);
    let date = at.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    (at, date - Duration::days(days_since_onset))
}

/// A valid registration body; tests change what they exercise.
pub fn registration(specimen_id: &str, specimen_type: &str, days_since_onset: i64) -> Value {
    let (at, onset) = collected(1, days_since_onset);
    json!({
        "specimen_id": specimen_id,
        "patient": {
            "name": "山田 太郎", "name_kana": "ヤマダ タロウ", "birth_date": "1980-04-01",
            "sex": "male", "address": "東京都新宿区1-1", "phone": "03-0000-0000",
            "patient_id": format!("P-{specimen_id}")
        },
        "type": specimen_type,
        "collected_at": at.to_rfc3339(),
        "onset_date": onset.to_string(),
        "asymptomatic": false,
        "test_method": "pcr",
        "ppe": ["surgical_mask", "n95", "eye_protection", "gown", "gloves"]
    })
}

/// The checklist items dispatch waits for (primary ones ticked for every
/// tube at once).
pub const REQUIRED_ITEMS: [&str; 14] = [
    "primary.leakproof_tube",
    "primary.lid_closed",
    "primary.wiped",
    "primary.parafilm",
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

/// One station's Server-Sent Events, read as a browser's EventSource would.
pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

/// One event: its name, its id (scans) and its data.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: String,
    pub id: Option<i64>,
    pub data: Value,
}

impl EventStream {
    /// The next event with data, or `None` if none comes within `within`.
    pub async fn next(&mut self, within: std::time::Duration) -> Option<Event> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = "message".to_string();
                let mut id = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event: ") {
                        name = v.to_string();
                    } else if let Some(v) = line.strip_prefix("id: ") {
                        id = v.parse().ok();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data.push_str(v);
                    }
                }
                if data.is_empty() {
                    continue;
                }
                return Some(Event {
                    name,
                    id,
                    data: serde_json::from_str(&data).expect("event data is JSON"),
                });
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .expect("event stream read")?;
            self.buffer
                .push_str(std::str::from_utf8(&chunk).expect("UTF-8 events"));
        }
    }

    /// The next `scan` event (device events skipped).
    pub async fn next_scan(&mut self, within: std::time::Duration) -> Option<Event> {
        loop {
            let e = self.next(within).await?;
            if e.name == "scan" {
                return Some(e);
            }
        }
    }
}

impl TestApp {
    /// Opens `GET /api/v1/stations/{station}/events`.
    pub async fn events(&self, station: &str, token: &str, last_id: Option<i64>) -> EventStream {
        self.events_in(station, token, last_id, None).await
    }

    /// [`TestApp::events`] in the language `lang` (`?lang=`) asks for.
    pub async fn events_in(
        &self,
        station: &str,
        token: &str,
        last_id: Option<i64>,
        lang: Option<&str>,
    ) -> EventStream {
        let query = lang.map(|l| format!("?lang={l}")).unwrap_or_default();
        let mut req = self
            .client
            .get(self.url(&format!("/api/v1/stations/{station}/events{query}")))
            .bearer_auth(token);
        if let Some(id) = last_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let response = req.send().await.expect("open event stream");
        assert_eq!(response.status().as_u16(), 200, "event stream status");
        EventStream {
            response,
            buffer: String::new(),
        }
    }

    /// Waits (up to `wait`) until the server reads the scanner `name`.
    pub async fn until_scanner_open(&self, name: &str, wait: std::time::Duration) {
        let deadline = std::time::Instant::now() + wait;
        loop {
            let (_, body) = self.get("/api/v1/devices", &self.admin).await;
            let state = body
                .as_array()
                .and_then(|l| l.iter().find(|d| d["name"] == name))
                .map(|d| d["state"].as_str().unwrap_or("").to_string());
            if matches!(state.as_deref(), Some("open" | "reading")) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{name} never opened: {body}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// `POST /api/v1/scans`.
    pub async fn scan(&self, token: &str, station: &str, data: &str) -> (u16, Value) {
        self.post(
            "/api/v1/scans",
            token,
            &json!({"station": station, "data": data}),
        )
        .await
    }
}

/// The catalogue's VTM kit (GTIN 04912345000019, nasopharyngeal swab,
/// flocked) that the reception tests scan.
pub fn with_vtm_kit(config: &mut Config) {
    config.kits.push(kentai::domain::kits::KitEntry {
        gtin: "04912345000019".into(),
        specimen_type: kentai::domain::SpecimenType::NasopharyngealSwab,
        swab_material: kentai::domain::kits::SwabMaterial::Flocked,
        description: "VTM kit".into(),
    });
}

/// The stations the scan tests use, one per workflow.
pub fn with_stations(config: &mut Config) {
    use kentai::config::{StationConfig, Workflow};
    for (name, workflow) in [
        ("reception-1", Workflow::Reception),
        ("fridge-1", Workflow::Storage),
        ("packing-1", Workflow::Packing),
        ("receiving-1", Workflow::Receiving),
    ] {
        config.stations.push(StationConfig {
            name: name.into(),
            workflow,
            require_operator: false,
        });
    }
}

/// A browser's session after the sign-in form: the cookie's value and the
/// CSRF token its pages carry.
#[derive(Debug, Clone)]
pub struct WebSession {
    pub id: String,
    pub csrf: String,
}

impl WebSession {
    /// The `Cookie` header a browser would send.
    pub fn cookie(&self) -> String {
        format!("kentai_session={}", self.id)
    }
}

/// The value of the cookie `name` a response sets, if it sets it.
pub fn set_cookie_value(res: &reqwest::Response, name: &str) -> Option<String> {
    set_cookie_header(res, name).and_then(|h| {
        h.split(';')
            .next()
            .and_then(|pair| pair.split_once('='))
            .map(|(_, v)| v.to_string())
    })
}

/// The whole `Set-Cookie` header for the cookie `name`.
pub fn set_cookie_header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// The `value` of the first `<input name="NAME" value="…">` in a page, or
/// of `<meta name="NAME" content="…">`.
pub fn form_value(html: &str, name: &str) -> Option<String> {
    ["value", "content"].iter().find_map(|attr| {
        let marker = format!("name=\"{name}\" {attr}=\"");
        let start = html.find(&marker)? + marker.len();
        html[start..].split('"').next().map(str::to_string)
    })
}

impl TestApp {
    /// A client as a browser without a cookie jar: it does not follow
    /// redirects, so tests see the 303s.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("browser client")
    }

    /// `GET /signin`: the form's own CSRF cookie and hidden field.
    pub async fn sign_in_form(&self) -> (String, String) {
        let res = self
            .browser()
            .get(self.url("/signin"))
            .send()
            .await
            .expect("sign-in form");
        assert_eq!(res.status().as_u16(), 200, "GET /signin");
        let cookie = set_cookie_value(&res, "kentai_signin").expect("sign-in form cookie");
        let html = res.text().await.expect("sign-in page");
        let field = form_value(&html, "csrf").expect("csrf field in the sign-in form");
        (cookie, field)
    }

    /// Posts the sign-in form as a browser would (its cookie, its field).
    pub async fn post_sign_in(&self, token: &str, next: Option<&str>) -> reqwest::Response {
        let (cookie, csrf) = self.sign_in_form().await;
        let mut form = vec![("csrf", csrf.as_str()), ("token", token)];
        if let Some(n) = next {
            form.push(("next", n));
        }
        self.browser()
            .post(self.url("/signin"))
            .header("cookie", format!("kentai_signin={cookie}"))
            .form(&form)
            .send()
            .await
            .expect("sign in")
    }

    /// Signs in through the form and reads the session's CSRF token from a
    /// page, as the station page's script does.
    pub async fn sign_in(&self, token: &str) -> WebSession {
        let res = self.post_sign_in(token, None).await;
        assert_eq!(res.status().as_u16(), 303, "sign in with a good token");
        let id = set_cookie_value(&res, "kentai_session").expect("session cookie");
        let page = self
            .page(
                &WebSession {
                    id: id.clone(),
                    csrf: String::new(),
                },
                "/stations",
            )
            .await;
        let csrf = form_value(&page.1, "csrf-token").expect("csrf-token meta");
        WebSession { id, csrf }
    }

    /// GETs a page with a session: status and HTML.
    pub async fn page(&self, session: &WebSession, path: &str) -> (u16, String) {
        let res = self.get_with_session(session, path).await;
        let status = res.status().as_u16();
        (status, res.text().await.expect("page body"))
    }

    /// GETs `path` with the session's cookie, as a page's browser would:
    /// a page (redirects not followed), or what a page loads (an image, the
    /// API its script reads).
    pub async fn get_with_session(&self, session: &WebSession, path: &str) -> reqwest::Response {
        self.browser()
            .get(self.url(path))
            .header("cookie", session.cookie())
            .send()
            .await
            .expect("GET with the session cookie")
    }

    /// Posts a urlencoded form as a browser would, with this `Cookie`
    /// header (a session's, the sign-in form's, or none).
    pub async fn post_form_with_cookie(
        &self,
        path: &str,
        cookie: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.browser()
            .post(self.url(path))
            .header("cookie", cookie)
            .form(form)
            .send()
            .await
            .expect("form post")
    }

    /// Posts a form with the session's cookie and exactly these fields
    /// (a test forging or leaving out the CSRF token says so here).
    pub async fn post_form(
        &self,
        session: &WebSession,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.post_form_with_cookie(path, &session.cookie(), form)
            .await
    }

    /// Posts a form and reads the answer: status, `Location`, body.
    pub async fn submit(
        &self,
        session: &WebSession,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, String, String) {
        let res = self.post_form(session, path, form).await;
        let status = res.status().as_u16();
        let location = location(&res);
        (status, location, res.text().await.expect("body"))
    }

    /// [`TestApp::submit`] as the pages' own forms post: the session's
    /// CSRF token first, then `fields`.
    pub async fn submit_with_csrf(
        &self,
        session: &WebSession,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String, String) {
        let mut form = vec![("csrf", session.csrf.as_str())];
        form.extend_from_slice(fields);
        self.submit(session, path, &form).await
    }

    /// Creates a user over the API: its id and its token.
    pub async fn api_user(&self, name: &str, role: &str) -> (i64, String) {
        let (status, body) = self
            .post(
                "/api/v1/users",
                &self.admin,
                &json!({"name": name, "role": role}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        (
            body["user"]["id"].as_i64().expect("user id"),
            body["token"].as_str().expect("token").to_string(),
        )
    }

    /// The id of the user called `name`, from the API's list.
    pub async fn user_id(&self, name: &str) -> i64 {
        let (status, list) = self.get("/api/v1/users", &self.admin).await;
        assert_eq!(status, 200, "{list}");
        list.as_array()
            .expect("users")
            .iter()
            .find(|u| u["name"] == name)
            .and_then(|u| u["id"].as_i64())
            .unwrap_or_else(|| panic!("no user {name:?} in {list}"))
    }

    /// `PATCH /api/v1/users/{id}`: disables or enables a user, as `token`.
    pub async fn set_disabled(&self, token: &str, id: i64, disabled: bool) -> (u16, Value) {
        self.patch(
            &format!("/api/v1/users/{id}"),
            token,
            &json!({ "disabled": disabled }),
        )
        .await
    }
}

/// The value of the response's header `name`, or "" without one.
pub fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Where a redirect points ("" for an answer that is not one).
pub fn location(res: &reqwest::Response) -> String {
    header(res, "location")
}

/// The values of attribute `attr` within the first part of `html` that
/// starts at `from` and ends at the next `to` (none without such a part).
pub fn attribute_values(html: &str, (from, to): (&str, &str), attr: &str) -> Vec<String> {
    let Some(part) = html.split(from).nth(1).and_then(|s| s.split(to).next()) else {
        return Vec::new();
    };
    part.split(&format!("{attr}=\""))
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

/// A page answering a refused form: its error box, naming the refusal's
/// `code`.
pub fn assert_refused(html: &str, code: &str) {
    assert!(html.contains("class=\"error\" role=\"alert\""), "{html}");
    assert_eq!(error_code(html).as_deref(), Some(code), "{html}");
}

/// The rule code a page's error box (`id="form-error"`) names last, if the
/// page has one: the code of the refusal that a form met.
pub fn error_code(html: &str) -> Option<String> {
    let start = html.find("id=\"form-error\"")?;
    let end = start + html[start..].find("</div>")?;
    let (_, code) = html[start..end].rsplit_once("<code>")?;
    code.split('<').next().map(str::to_string)
}

/// The port in `kentai serve`'s "listening" log line, if this is it.
pub fn listening_port(line: &str) -> Option<u16> {
    line.split("port=")
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Reads a child `kentai serve`'s log for its whole life (as a terminal
/// would, so the server never writes into a closed pipe) and sends the
/// port once it is listening.
pub fn watch_for_port(stderr: std::process::ChildStderr) -> std::sync::mpsc::Receiver<u16> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(port) = listening_port(&line) {
                let _ = tx.send(port);
            }
        }
    });
    rx
}

/// `kentai serve` as a child process on a SQLite file in `dir`, with
/// `dir/kentai.toml` (tests that kill it or copy its database while it
/// runs). Killed when dropped.
pub struct ChildServer {
    pub child: std::process::Child,
    pub port: u16,
    /// The admin token, printed only when the database was new.
    pub token: Option<String>,
}

impl ChildServer {
    pub fn start(dir: &std::path::Path) -> ChildServer {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kentai"))
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--config",
                "kentai.toml",
                "--database",
            ])
            .arg(format!("sqlite://{}", dir.join("kentai.db").display()))
            .env("KENTAI_LOG", "info")
            .current_dir(dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn kentai");
        let rx = watch_for_port(child.stderr.take().expect("stderr"));
        let stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let (ttx, trx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if line.starts_with("kt_") {
                    let _ = ttx.send(line);
                }
            }
        });
        let port = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("kentai did not start");
        let token = trx.recv_timeout(std::time::Duration::from_millis(200)).ok();
        ChildServer { child, port, token }
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `command` to its end or until `limit`, reading its stdout and
/// stderr on their own threads so a chatty child never blocks: whether it
/// succeeded, and what it printed (a line saying so when it was killed for
/// taking too long).
pub fn run_with_limit(
    mut command: std::process::Command,
    limit: std::time::Duration,
) -> (bool, String) {
    use std::io::Read;
    let what = format!("{:?}", command.get_program());
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => return (false, format!("cannot start {what}: {e}")),
    };
    let pipe = |mut from: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = from.read_to_string(&mut s);
            s
        })
    };
    let out = pipe(Box::new(child.stdout.take().expect("stdout")));
    let err = pipe(Box::new(child.stderr.take().expect("stderr")));
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(100)),
            Err(_) => break None,
        }
    };
    let text = format!(
        "{}{}",
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default()
    );
    match status {
        Some(s) => (s.success(), text),
        None => (
            false,
            format!("{text}\n{what} did not finish within {limit:?}"),
        ),
    }
}

/// What the served OpenAPI document says of `template`'s GET: the media
/// types of its 200 and the values of its parameter `param`.
pub fn documented(doc: &Value, template: &str, param: &str) -> (Vec<String>, Vec<String>) {
    let op = &doc["paths"][template]["get"];
    let media_types = op["responses"]["200"]["content"]
        .as_object()
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default();
    let values = op["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == param))
        .and_then(|p| p["schema"]["enum"].as_array())
        .map(|e| {
            e.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    (media_types, values)
}

/// The SARS-CoV-2 N1/N2 assay of the fixtures in `fixtures/results/`:
/// RP as internal control, Ct cut-off 40, an NTC and a positive control
/// (Ct 20–35) on every plate.
pub fn sars2_assay() -> kentai::domain::assay::Assay {
    kentai::domain::assay::Assay {
        name: "sars2-n1n2".into(),
        method: kentai::domain::results::TestMethod::Pcr,
        targets: vec!["N1".into(), "N2".into()],
        internal_control: Some("RP".into()),
        ct_cutoff: 40.0,
        internal_control_cutoff: None,
        ntc_names: vec!["NTC".into()],
        positive_control_names: vec!["PC".into()],
        positive_control_ct_range: Some([20.0, 35.0]),
        rule: kentai::domain::assay::AssayRule::AnyTarget,
        loinc: None,
        jlac10: None,
    }
}

/// The same targets read at the bench without control wells.
pub fn bench_assay() -> kentai::domain::assay::Assay {
    kentai::domain::assay::Assay {
        name: "bench".into(),
        ntc_names: Vec::new(),
        positive_control_names: Vec::new(),
        positive_control_ct_range: None,
        ..sars2_assay()
    }
}

/// Held by the tests that load the whole machine (twenty server kills, a
/// browser, schemathesis) and by those that bound how long something
/// takes: every test shares one process, and a time limit holds only if
/// no heavy test runs beside it.
pub async fn alone() -> tokio::sync::MutexGuard<'static, ()> {
    static ALONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    ALONE.lock().await
}

/// The repository's root (this crate's folder).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The calendar date of `at` in Tokyo (the tests' site time zone).
pub fn tokyo_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Asia::Tokyo).date_naive()
}

/// The health centre most packages of these tests go to.
pub const LAB_NAME: &str = "東京都健康安全研究センター";
pub const LAB_ADDRESS: &str = "東京都新宿区百人町3-24-1";
pub const LAB_PHONE: &str = "03-3363-3231";

/// The consignee every package of these tests is addressed to.
pub fn consignee() -> Value {
    consignee_named(LAB_NAME)
}

/// A consignee called `name` at the health centre's address and phone.
pub fn consignee_named(name: &str) -> Value {
    json!({"name": name, "address": LAB_ADDRESS, "phone": LAB_PHONE})
}

/// Ticks a checklist item (the body names it) of `package_id`; the answer.
pub async fn tick(app: &TestApp, token: &str, package_id: &str, body: &Value) -> (u16, Value) {
    app.post(
        &format!("/api/v1/packages/{package_id}/checklist"),
        token,
        body,
    )
    .await
}

/// Dispatches `package_id` with `body`; the answer.
pub async fn dispatch(app: &TestApp, token: &str, package_id: &str, body: &Value) -> (u16, Value) {
    app.post(
        &format!("/api/v1/packages/{package_id}/dispatch"),
        token,
        body,
    )
    .await
}

/// Posts a result for tube `id`; the answer.
pub async fn post_result(app: &TestApp, token: &str, id: &str, body: &Value) -> (u16, Value) {
    app.post(&format!("/api/v1/specimens/{id}/results"), token, body)
        .await
}

impl TestApp {
    /// Registers tube `id` as the admin ([`registration`]'s body) and
    /// insists on 201.
    pub async fn admin_registers(&self, id: &str, specimen_type: &str, days_since_onset: i64) {
        let (status, body) = self
            .register(
                &self.admin,
                &registration(id, specimen_type, days_since_onset),
            )
            .await;
        assert_eq!(status, 201, "register {id}: {body}");
    }
}

/// A `[[scanner]]` entry: a serial scanner at `path` for `station`, 9600
/// baud, CR after each scan.
pub fn serial_scanner(name: &str, path: &Path, station: &str) -> kentai::config::ScannerConfig {
    let text = format!(
        "name = {name:?}\nkind = \"serial\"\npath = {:?}\nbaud = 9600\nsuffix = \"cr\"\nstation = {station:?}\n",
        path.display().to_string()
    );
    toml::from_str(&text).expect("scanner entry")
}

/// The shared GS1 reference folder when it holds `file`, or `None` (after
/// saying so) when a plain clone does not have it; CI sets
/// `KENTAI_REQUIRE_SHARED=1` to make its absence a failure.
pub fn gs1_shared_dir(file: &str, what: &str) -> Option<PathBuf> {
    let dir = root().join("../shared/gs1");
    if dir.join(file).is_file() {
        return Some(dir);
    }
    if std::env::var("KENTAI_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!(
            "KENTAI_REQUIRE_SHARED=1 but {} has no {file}",
            dir.display()
        );
    }
    eprintln!(
        "SKIPPED: {what} not found at {} (set KENTAI_REQUIRE_SHARED=1 to require it)",
        dir.display()
    );
    None
}

/// Dispatches `package_id` and insists on 200 and the dispatched status.
pub async fn dispatch_ok(app: &TestApp, token: &str, package_id: &str, body: &Value) -> Value {
    let (status, res) = dispatch(app, token, package_id, body).await;
    assert_eq!(status, 200, "dispatch {package_id}: {res}");
    assert_eq!(res["status"], "dispatched", "{res}");
    res
}

/// `GET /api/v1/packages/{id}` as the admin, insisting on 200.
pub async fn package(app: &TestApp, package_id: &str) -> Value {
    let (status, body) = app
        .get(&format!("/api/v1/packages/{package_id}"), &app.admin)
        .await;
    assert_eq!(status, 200, "GET package {package_id}: {body}");
    body
}

/// Runs raw SQL as someone going around kentai would, and marks the app
/// tampered (its audit is then expected not to hold).
pub fn tamper(app: &TestApp, sql: &str) -> Result<usize, diesel::result::Error> {
    app.tampered
        .store(true, std::sync::atomic::Ordering::SeqCst);
    app.ctx
        .store
        .read(|c| Ok::<_, kentai::store::StoreError>(diesel::sql_query(sql).execute(c)))
        .expect("connection")
}

/// A clerk with a password, a PIN and a badge; the badge's code.
pub fn clerk(app: &TestApp, name: &str, pin: &str) -> String {
    let system = kentai::actions::Actor::system();
    let created = kentai::actions::users::create_user(
        &app.ctx,
        &system,
        &kentai::actions::users::NewUserRequest {
            name: name.into(),
            role: Role::Reception,
            facilities: Vec::new(),
        },
    )
    .expect("create");
    let password = format!("{name}-quiet-harbor");
    kentai::actions::passwords::set_by_name(&app.ctx, &system, name, &password).expect("password");
    let me = kentai::actions::users::actor_by_id(&app.ctx, created.user.id)
        .expect("read")
        .expect("enabled");
    kentai::actions::badges::set_own_pin(&app.ctx, &me, &password, pin, pin).expect("PIN");
    kentai::actions::badges::issue(&app.ctx, &system, created.user.id)
        .expect("badge")
        .code
}
