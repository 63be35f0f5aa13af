//! Who may call what: bearer tokens on every route but `/healthz`, the
//! role × route table of the README's HTTP API (packaging included: only `lab` and `admin`
//! pack, dispatch and receive; the kit catalog: reception reads it, `lab`
//! and `admin` add kits and trace lots), users and their tokens, the OpenAPI
//! document against the real routes, and `kentai user add`. A browser's
//! session cookie (the web pages') stands in for a token on every route,
//! but writes with it only with the session's `X-CSRF-Token`.

use crate::common::*;
use kentai::domain::roles::Role;
use reqwest::header::{HeaderMap, AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Every route `kentai::http::register` serves (src/http/mod.rs): those of
/// `configure`, each with its OpenAPI description, and the undocumented
/// ones. Adding a route there means adding it here.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/me/tokens"),
    ("POST", "/api/v1/me/tokens"),
    ("DELETE", "/api/v1/me/tokens/{token_id}"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/users"),
    ("PATCH", "/api/v1/users/{user_id}"),
    ("POST", "/api/v1/users/{user_id}/token"),
    ("GET", "/api/v1/audit"),
    ("POST", "/api/v1/specimens"),
    ("GET", "/api/v1/specimens"),
    ("GET", "/api/v1/specimens/{specimen_id}"),
    ("GET", "/api/v1/specimens/{specimen_id}/label"),
    ("GET", "/api/v1/labels/commands"),
    ("POST", "/api/v1/print"),
    ("GET", "/api/v1/print/jobs"),
    ("POST", "/api/v1/print/jobs/{job_id}/retry"),
    ("GET", "/api/v1/print/printers"),
    ("POST", "/api/v1/specimens/{specimen_id}/storage"),
    ("POST", "/api/v1/specimens/{specimen_id}/results"),
    (
        "POST",
        "/api/v1/specimens/{specimen_id}/results/{version}/release",
    ),
    (
        "POST",
        "/api/v1/specimens/{specimen_id}/results/{version}/return",
    ),
    ("GET", "/api/v1/results/worklist"),
    ("POST", "/api/v1/results/imports"),
    ("GET", "/api/v1/results/imports/{import_id}"),
    ("POST", "/api/v1/results/imports/{import_id}/commit"),
    ("GET", "/api/v1/alerts"),
    ("GET", "/api/v1/analyzers"),
    ("GET", "/api/v1/analyzers/results"),
    ("GET", "/api/v1/analyzers/{name}/messages"),
    ("POST", "/api/v1/analyzers/results/reread"),
    ("POST", "/api/v1/analyzers/results/{id}/link"),
    ("POST", "/api/v1/analyzers/results/{id}/discard"),
    ("GET", "/api/v1/patients/{patient_id}"),
    ("PATCH", "/api/v1/patients/{patient_id}"),
    ("POST", "/api/v1/locations"),
    ("GET", "/api/v1/locations"),
    ("GET", "/api/v1/locations/{code}"),
    ("GET", "/api/v1/locations/{code}/label"),
    ("POST", "/api/v1/specimens/{specimen_id}/consultations"),
    ("POST", "/api/v1/packages"),
    ("GET", "/api/v1/packages"),
    ("GET", "/api/v1/packages/{package_id}"),
    ("PATCH", "/api/v1/packages/{package_id}"),
    ("POST", "/api/v1/packages/{package_id}/specimens"),
    (
        "DELETE",
        "/api/v1/packages/{package_id}/specimens/{specimen_id}",
    ),
    (
        "POST",
        "/api/v1/packages/{package_id}/specimens/{specimen_id}/missing",
    ),
    ("POST", "/api/v1/packages/{package_id}/checklist"),
    ("POST", "/api/v1/packages/{package_id}/dispatch"),
    ("POST", "/api/v1/packages/{package_id}/receive"),
    ("GET", "/api/v1/packages/{package_id}/slip"),
    ("GET", "/api/v1/packages/{package_id}/label"),
    ("POST", "/api/v1/kits"),
    ("GET", "/api/v1/kits"),
    ("GET", "/api/v1/kits/{gtin}"),
    ("GET", "/api/v1/kits/lots/{lot}/specimens"),
    ("POST", "/api/v1/scans"),
    ("GET", "/api/v1/scans"),
    ("GET", "/api/v1/stations"),
    ("POST", "/api/v1/session/lock"),
    ("POST", "/api/v1/session/unlock"),
    ("GET", "/api/v1/stations/{station}/operator"),
    ("POST", "/api/v1/stations/{station}/operator"),
    ("DELETE", "/api/v1/stations/{station}/operator"),
    ("GET", "/api/v1/stations/{station}/events"),
    ("GET", "/api/v1/devices"),
    ("GET", "/api/v1/reports/hersys"),
    ("GET", "/api/v1/reports/summary"),
];

/// The methods the routes use; ROUTES lists no other.
const METHODS: [&str; 4] = ["GET", "POST", "PATCH", "DELETE"];

/// The only route that answers without a token (README, "The HTTP API").
const PUBLIC: (&str, &str) = ("GET", "/healthz");

/// Routes the OpenAPI document does not list: the document itself.
const UNDOCUMENTED: &[(&str, &str)] = &[("GET", "/api/openapi.json")];

/// The values put in a route's `{…}` segments.
#[derive(Debug, Clone, Copy)]
struct Ids<'a> {
    specimen_id: &'a str,
    package_id: &'a str,
    code: &'a str,
    gtin: &'a str,
    lot: &'a str,
    station: &'a str,
    user_id: &'a str,
    patient_id: &'a str,
    version: &'a str,
    import_id: &'a str,
    /// An `[[analyzer]]`'s name.
    name: &'a str,
    /// A waiting analyser result.
    id: &'a str,
    /// One of the caller's own API tokens.
    token_id: &'a str,
    /// A print job.
    job_id: &'a str,
}

impl<'a> Ids<'a> {
    /// One value in every segment.
    fn all(value: &'a str) -> Ids<'a> {
        Ids {
            specimen_id: value,
            package_id: value,
            code: value,
            gtin: value,
            lot: value,
            station: value,
            user_id: value,
            patient_id: value,
            version: value,
            import_id: value,
            name: value,
            id: value,
            token_id: value,
            job_id: value,
        }
    }
}

/// `/api/v1/packages/{package_id}/specimens/{specimen_id}` →
/// `/api/v1/packages/049123450000000019/specimens/S-1`. A parameter this
/// test has no value for fails loudly rather than becoming a literal.
fn concrete(path: &str, ids: &Ids) -> String {
    path.split('/')
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some("specimen_id") => ids.specimen_id,
                Some("package_id") => ids.package_id,
                Some("code") => ids.code,
                Some("gtin") => ids.gtin,
                Some("lot") => ids.lot,
                Some("station") => ids.station,
                Some("user_id") => ids.user_id,
                Some("patient_id") => ids.patient_id,
                Some("version") => ids.version,
                Some("import_id") => ids.import_id,
                Some("name") => ids.name,
                Some("id") => ids.id,
                Some("token_id") => ids.token_id,
                Some("job_id") => ids.job_id,
                Some(other) => panic!("{path}: no value for the path parameter {{{other}}}"),
                None => seg,
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn concrete_fills_each_path_parameter_with_its_own_value() {
    let ids = Ids {
        specimen_id: "S-1",
        package_id: "049123450000000019",
        code: "F-1",
        gtin: KIT_GTIN,
        lot: "LOT-1",
        station: "reception-1",
        user_id: "7",
        patient_id: "P-S-1",
        version: "1",
        import_id: "0123abcd",
        name: "pcr-1",
        id: "3",
        token_id: "5",
        job_id: "8",
    };
    assert_eq!(
        concrete(
            "/api/v1/packages/{package_id}/specimens/{specimen_id}/missing",
            &ids
        ),
        "/api/v1/packages/049123450000000019/specimens/S-1/missing"
    );
    assert_eq!(
        concrete("/api/v1/locations/{code}", &ids),
        "/api/v1/locations/F-1"
    );
    assert_eq!(
        concrete("/api/v1/specimens/{specimen_id}/consultations", &ids),
        "/api/v1/specimens/S-1/consultations"
    );
    assert_eq!(concrete("/api/v1/packages", &ids), "/api/v1/packages");
    assert_eq!(
        concrete("/api/v1/kits/lots/{lot}/specimens", &ids),
        "/api/v1/kits/lots/LOT-1/specimens"
    );
    assert_eq!(
        concrete("/api/v1/kits/{gtin}", &ids),
        format!("/api/v1/kits/{KIT_GTIN}")
    );
    assert_eq!(
        concrete("/api/v1/users/{user_id}/token", &ids),
        "/api/v1/users/7/token"
    );
    assert_eq!(
        concrete("/api/v1/me/tokens/{token_id}", &ids),
        "/api/v1/me/tokens/5"
    );
    assert_eq!(
        concrete("/api/v1/packages/{package_id}", &Ids::all("X")),
        "/api/v1/packages/X"
    );
}

fn method(m: &str) -> Method {
    Method::from_bytes(m.as_bytes()).expect("HTTP method")
}

/// Whether requests of this method carry a JSON body (POST, PATCH); GET
/// and DELETE go without one.
fn carries_body(m: &str) -> bool {
    matches!(m, "POST" | "PATCH")
}

/// Sends one request of any method (GET, POST, PATCH, DELETE); `auth` is the
/// raw Authorization header, if any, and a POST or PATCH carries `body` as
/// JSON. A body on a GET or DELETE is a mistake in the test.
/// A JSON body, or for a route that takes a file (an instrument export)
/// a string sent as it is.
fn with_body(req: reqwest::RequestBuilder, body: Option<&Value>) -> reqwest::RequestBuilder {
    match body {
        Some(Value::String(file)) => req.header("content-type", "text/plain").body(file.clone()),
        Some(body) => req.json(body),
        None => req,
    }
}

async fn send(
    app: &TestApp,
    m: &str,
    path: &str,
    auth: Option<&str>,
    body: Option<&Value>,
) -> (u16, HeaderMap, Value) {
    assert!(
        body.is_none() || carries_body(m),
        "{m} {path} takes no body"
    );
    let mut req = app.client.request(method(m), app.url(path));
    if let Some(auth) = auth {
        req = req.header(AUTHORIZATION, auth);
    }
    req = with_body(req, body);
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    // A station's event stream never ends: its status and headers are
    // the answer.
    let streaming = headers
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if streaming {
        return (status, headers, Value::Null);
    }
    let text = res.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, value)
}

/// A body for an assertion message, cut short.
fn short(body: &Value) -> String {
    let text = body.to_string();
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

fn assert_unauthorized(what: &str, status: u16, headers: &HeaderMap, body: &Value) {
    assert_eq!(status, 401, "{what}: {}", short(body));
    assert_eq!(body["error"]["code"], "unauthorized", "{what}: {body}");
    assert!(body["error"]["message"].is_string(), "{what}: {body}");
    let challenge = headers
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer"),
        "{what}: WWW-Authenticate is {challenge:?}"
    );
}

/// The kit every server of these tests has catalogued (GS1's example GTIN).
const KIT_GTIN: &str = "09506000134352";

/// A catalog entry for `gtin`.
fn kit(gtin: &str) -> Value {
    json!({"gtin": gtin, "specimen_type": "nasopharyngeal_swab",
           "swab_material": "flocked", "description": "鼻咽頭ぬぐい液採取キット"})
}

/// A kit GTIN of its own for each role's `POST /api/v1/kits`, so each is a
/// new entry (201), not the repeat of another role's (200).
fn role_kit_gtin(role_code: &str) -> &'static str {
    match role_code {
        "reception" => "04987654321049",
        "lab" => "4987654321018",
        "health_centre" => "4987654321025",
        _ => "4987654321032",
    }
}

/// Catalogues [`KIT_GTIN`] as the admin.
async fn catalogue_kit(app: &TestApp) {
    let (status, body) = app.post("/api/v1/kits", &app.admin, &kit(KIT_GTIN)).await;
    assert!(
        status == 201 || status == 200,
        "catalogue a kit: {status} {body}"
    );
}

/// A well-formed body for each POST and PATCH route, so only the token is
/// wrong. Package routes name tube `S-2` (registered, not packed) where
/// they take a tube; `POST …/missing` takes no body.
fn valid_body(path: &str) -> Value {
    match path {
        "/api/v1/users" => json!({"name": "someone", "role": "lab"}),
        "/api/v1/me/tokens" => json!({"name": "nightly report"}),
        "/api/v1/print" => json!({"printer": "zebra-1", "document": "tube_label", "id": "S-1"}),
        // PATCH: disabling the fixture's own user, never the admin.
        "/api/v1/users/{user_id}" => json!({"disabled": true}),
        "/api/v1/specimens" => registration("NOAUTH-1", "saliva", 3),
        "/api/v1/locations" => {
            json!({"code": "F-NOAUTH", "name": "Fridge", "storage_class": "fridge_4c"})
        }
        "/api/v1/packages" => json!({"carrier": "category_b_carrier", "consignee": consignee()}),
        "/api/v1/kits" => kit("4987654321056"),
        "/api/v1/scans" => json!({"station": "reception-1", "data": "P-NOAUTH"}),
        // PATCH: the only body this path takes.
        "/api/v1/packages/{package_id}" => {
            json!({"consignee": {"name": "衛生研究所", "address": "東京都", "phone": "03-0000-0000"},
                   "emergency_phone": "090-0000-0000"})
        }
        "/api/v1/packages/{package_id}/specimens" => json!({"specimen_id": "S-2"}),
        "/api/v1/patients/{patient_id}" => {
            json!({"phone": "03-1111-2222", "reason": "本人に確認"})
        }
        "/api/v1/packages/{package_id}/checklist" => json!({"item": "secondary.absorbent"}),
        "/api/v1/packages/{package_id}/dispatch" => json!({}),
        "/api/v1/packages/{package_id}/receive" => json!({"note": "受領"}),
        "/api/v1/specimens/{specimen_id}/consultations" => {
            json!({"consulted_with": "衛生研究所 ウイルス担当", "note": "解剖検体の送付を相談"})
        }
        p if p.ends_with("/storage") => json!({"location": "F-1"}),
        "/api/v1/results/imports" => Value::String(bench_file("S-1")),
        "/api/v1/results/imports/{import_id}/commit" => json!({}),
        "/api/v1/analyzers/results/{id}/link" => json!({"specimen_id": "S-1"}),
        "/api/v1/analyzers/results/{id}/discard" => json!({"reason": "精度管理用の検体"}),
        p if p.ends_with("/return") => json!({"reason": "内部コントロールの再確認"}),
        p if p.ends_with("/release") => json!({}),
        p if p.ends_with("/results") => {
            json!({"result": "negative", "resulted_at": chrono::Utc::now().to_rfc3339()})
        }
        _ => json!({}),
    }
}

/// A generic CSV of one negative tube, read with the `bench` assay.
fn bench_file(tube: &str) -> String {
    format!("Well,Sample,Target,Ct\nA1,{tube},N1,Undetermined\nA1,{tube},N2,Undetermined\nA1,{tube},RP,27.0\n")
}

/// The `bench` assay (no control wells), and results that wait for a
/// second person, so release and return have something to act on.
fn with_results(config: &mut kentai::config::Config) {
    config.policy.result_release = kentai::domain::results::ReleasePolicy::SecondPerson;
    config.assays.push(bench_assay());
    // A label printer that is never there, and one attempt a job: each
    // job is `failed` a moment after it is made and stays so, so a retry
    // always finds it retryable (a job the worker is sending just then
    // is left as it is, and the retry would write nothing).
    config.printing.max_attempts = 1;
    config.printers.push(
        toml::from_str("name = \"zebra-1\"\nkind = \"raw9100\"\naddress = \"127.0.0.1:9\"\n")
            .expect("a [[printer]] entry"),
    );
    // Switched off: its queue is filled through the actions, not a line.
    config.analyzers.push(
        toml::from_str(
            "name = \"pcr-1\"\nkind = \"hl7_mllp\"\nlisten = \"127.0.0.1:9\"\nenabled = false\n",
        )
        .expect("an [[analyzer]] entry"),
    );
}

/// Two results of the analyser `pcr-1` for specimens kentai does not
/// know, waiting: one to link, one to discard.
fn waiting_analyzer_results(app: &TestApp, code: &str) -> (String, String) {
    use kentai::actions::analyzers::{self, Protocol, SpecimenReport};
    use kentai::domain::analyzer::Observation;
    let analyzer = app.ctx.config.analyzers[0].clone();
    let actor = kentai::actions::users::service_actor(&app.ctx, "analyzer:pcr-1", Role::Lab)
        .expect("actor");
    let report = |id: String| SpecimenReport {
        specimen_id: id,
        observations: vec![Observation {
            code: "94500-6".into(),
            value: "Detected".into(),
            status: "F".into(),
            ..Observation::default()
        }],
        completed_at: None,
    };
    let (link, discard) = (format!("UNK-{code}-1"), format!("UNK-{code}-2"));
    let message = analyzers::journal(
        &app.ctx,
        "pcr-1",
        Protocol::Hl7,
        format!("MSH|{code}").as_bytes(),
        None,
        chrono::Utc::now(),
    )
    .expect("journal");
    analyzers::process(
        &app.ctx,
        &analyzer,
        &actor,
        message.id,
        Ok(vec![report(link.clone()), report(discard.clone())]),
    )
    .expect("process");
    let waiting = analyzers::waiting(&app.ctx, &kentai::actions::Actor::system()).expect("queue");
    let id_of = |specimen: &str| {
        waiting
            .iter()
            .find(|w| w.specimen_id == specimen)
            .map(|w| w.id.to_string())
            .expect("waiting")
    };
    (id_of(&link), id_of(&discard))
}

/// Registers `tube` (saliva, its own patient) as the admin.
async fn register_tube(app: &TestApp, tube: &str) {
    let (status, body) = app
        .register(&app.admin, &registration(tube, "saliva", 3))
        .await;
    assert_eq!(status, 201, "register {tube}: {body}");
}

/// An open package made by the admin holding `tubes` (registered here).
async fn open_package(app: &TestApp, tubes: &[&str]) -> String {
    let (status, body) = app
        .post(
            "/api/v1/packages",
            &app.admin,
            &json!({"carrier": "category_b_carrier", "consignee": consignee()}),
        )
        .await;
    assert_eq!(status, 201, "create a package: {body}");
    let id = body["package_id"].as_str().expect("package_id").to_string();
    for tube in tubes {
        register_tube(app, tube).await;
        let (status, body) = app
            .post(
                &format!("/api/v1/packages/{id}/specimens"),
                &app.admin,
                &json!({"specimen_id": tube}),
            )
            .await;
        assert_eq!(status, 201, "pack {tube}: {body}");
    }
    id
}

/// A package holding `tubes` with every required item ticked: ready to go.
async fn complete_package(app: &TestApp, tubes: &[&str]) -> String {
    let id = open_package(app, tubes).await;
    let mut last = Value::Null;
    for item in REQUIRED_ITEMS {
        let (status, body) = app
            .post(
                &format!("/api/v1/packages/{id}/checklist"),
                &app.admin,
                &json!({"item": item}),
            )
            .await;
        assert_eq!(status, 201, "tick {item}: {body}");
        last = body;
    }
    assert_eq!(last["complete"], true, "{last}");
    assert_eq!(last["missing"], json!([]), "{last}");
    id
}

/// A complete package the admin has dispatched.
async fn dispatched_package(app: &TestApp, tubes: &[&str]) -> String {
    let id = complete_package(app, tubes).await;
    let (status, body) = app
        .post(
            &format!("/api/v1/packages/{id}/dispatch"),
            &app.admin,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "dispatch {id}: {body}");
    assert_eq!(body["status"], "dispatched", "{body}");
    id
}

/// A dispatched package the admin has checked in as received in full.
async fn received_package(app: &TestApp, tubes: &[&str]) -> String {
    let id = dispatched_package(app, tubes).await;
    let (status, body) = app
        .post(
            &format!("/api/v1/packages/{id}/receive"),
            &app.admin,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "receive {id}: {body}");
    assert_eq!(body["status"], "received", "{body}");
    id
}

fn protected_routes() -> impl Iterator<Item = (&'static str, &'static str)> {
    ROUTES.iter().copied().filter(|r| *r != PUBLIC)
}

#[tokio::test]
async fn healthz_answers_ok_without_a_token() {
    let app = spawn_app().await;
    let (status, _, body) = send(&app, "GET", "/healthz", None, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"status": "ok"}));
}

/// A server holding location `F-1`, specimen `S-1` in an open package and
/// specimen `S-2` outside it, so every route has something real to answer
/// about.
struct Fixture {
    app: TestApp,
    package_id: String,
    /// A lab user to disable and give new tokens (not the admin, whose
    /// token the tests go on using).
    user_id: String,
    /// A waiting analyser result of `pcr-1`.
    analyzer_result: String,
    /// One of the admin's API tokens, to revoke.
    token_id: String,
}

impl Fixture {
    fn ids(&self) -> Ids<'_> {
        Ids {
            specimen_id: "S-1",
            package_id: &self.package_id,
            code: "F-1",
            gtin: KIT_GTIN,
            lot: "LOT-1",
            station: "reception-1",
            user_id: &self.user_id,
            // The patient `registration("S-1", …)` makes.
            patient_id: "P-S-1",
            version: "1",
            import_id: "0123456789abcdef0123",
            name: "pcr-1",
            id: &self.analyzer_result,
            token_id: &self.token_id,
            job_id: "1",
        }
    }
}

async fn app_with_a_location_a_specimen_and_a_package() -> Fixture {
    let app = spawn_app_with(|c| {
        with_stations(c);
        // The matrix sends far more wrong tokens than a minute allows one
        // address; the limit has its own tests (`limits`).
        c.security.auth_failures_per_minute = 0;
        with_results(c);
    })
    .await;
    app.location("F-1", "fridge_4c").await;
    let package_id = open_package(&app, &["S-1"]).await;
    register_tube(&app, "S-2").await;
    catalogue_kit(&app).await;
    let user_id = managed_user(&app, "fixture-user").await;
    let (analyzer_result, _) = waiting_analyzer_results(&app, "fixture");
    let (status, body) = app
        .post("/api/v1/me/tokens", &app.admin, &json!({"name": "fixture"}))
        .await;
    assert_eq!(status, 201, "make an API token: {body}");
    let token_id = body["id"].as_i64().expect("token id").to_string();
    Fixture {
        app,
        package_id,
        user_id,
        analyzer_result,
        token_id,
    }
}

/// A lab user made by the admin, for the routes that manage one: its id.
async fn managed_user(app: &TestApp, name: &str) -> String {
    let (status, body) = app
        .post(
            "/api/v1/users",
            &app.admin,
            &json!({"name": name, "role": "lab"}),
        )
        .await;
    assert_eq!(status, 201, "create {name}: {body}");
    body["user"]["id"].as_i64().expect("user id").to_string()
}

#[tokio::test]
async fn every_other_route_answers_401_with_a_bearer_challenge_without_a_token() {
    let fixture = app_with_a_location_a_specimen_and_a_package().await;
    let app = &fixture.app;
    let before = app.snapshot();
    for (m, p) in protected_routes() {
        let path = concrete(p, &fixture.ids());
        let body = carries_body(m).then(|| valid_body(p));
        let (status, headers, answer) = send(app, m, &path, None, body.as_ref()).await;
        assert_unauthorized(
            &format!("{m} {path} without a token"),
            status,
            &headers,
            &answer,
        );
    }
    assert_eq!(app.snapshot(), before, "an unauthenticated request wrote");
}

#[tokio::test]
async fn a_wrong_or_malformed_authorization_header_answers_401_on_every_route() {
    let fixture = app_with_a_location_a_specimen_and_a_package().await;
    let app = &fixture.app;
    let admin = app.admin.clone();
    // The admin's token with its last hex digit changed.
    let mut near_miss = admin.clone();
    let last = near_miss.pop().unwrap();
    near_miss.push(if last == '0' { '1' } else { '0' });
    let headers = [
        format!("Bearer kt_{}", "0".repeat(64)),
        format!("Bearer {near_miss}"),
        format!("Bearer {admin}x"),
        format!("Bearer {}", &admin[..admin.len() - 1]),
        format!("Bearer {}", admin.to_uppercase()),
        format!("Bearer {} {admin}", "kt_0"),
        "Basic YWRtaW46YWRtaW4=".to_string(),
        format!("Basic {admin}"),
        "Bearer".to_string(),
        "Bearer ".to_string(),
        "Bearer    ".to_string(),
        format!("bearer kt_{}", "0".repeat(64)),
        format!("Token {admin}"),
        admin.clone(),
        format!("Bearer{admin}"),
    ];
    let before = app.snapshot();
    for (m, p) in protected_routes() {
        let path = concrete(p, &fixture.ids());
        let body = carries_body(m).then(|| valid_body(p));
        for auth in &headers {
            let (status, h, answer) = send(app, m, &path, Some(auth), body.as_ref()).await;
            assert_unauthorized(
                &format!("{m} {path} with Authorization: {auth:?}"),
                status,
                &h,
                &answer,
            );
        }
    }
    assert_eq!(
        app.snapshot(),
        before,
        "a badly authenticated request wrote"
    );
    // The same requests with the real token do get through: each reaches
    // its route (whatever the route then makes of it).
    let real = format!("Bearer {admin}");
    for (m, p) in protected_routes() {
        let path = concrete(p, &fixture.ids());
        let body = carries_body(m).then(|| valid_body(p));
        let (status, _, answer) = send(app, m, &path, Some(&real), body.as_ref()).await;
        assert_ne!(
            status, 401,
            "{m} {path} refused the admin's token: {answer}"
        );
        assert_ne!(
            answer["error"]["code"], "not_found",
            "{m} {path} is no route: {answer}"
        );
    }
    let (status, _, body) = send(
        app,
        "GET",
        "/api/v1/me",
        Some(&format!("Bearer {admin}")),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "admin");
}

#[tokio::test]
async fn a_missing_or_wrong_token_is_refused_before_the_body_is_looked_at() {
    let fixture = app_with_a_location_a_specimen_and_a_package().await;
    let app = &fixture.app;
    let wrong = format!("Bearer kt_{}", "f".repeat(64));
    let before = app.snapshot();
    // Every protected route, whatever its method: the routes that read a
    // body (POST, PATCH) must not get as far as reading it, and the others
    // must not be confused by one.
    let mut with_a_body = 0;
    for (m, p) in protected_routes() {
        let path = concrete(p, &fixture.ids());
        with_a_body += usize::from(carries_body(m));
        let bad_bodies: [(&str, &[u8]); 4] = [
            ("application/json", b"{not json"),
            ("application/json", b"[1, 2, 3]"),
            ("text/plain", b"hello"),
            ("application/json", &[b'"'; 100_000]),
        ];
        for (auth, who) in [(None, "no token"), (Some(wrong.as_str()), "a wrong token")] {
            for (content_type, bytes) in bad_bodies {
                let mut req = app
                    .client
                    .request(method(m), app.url(&path))
                    .header("content-type", content_type)
                    .body(bytes.to_vec());
                if let Some(auth) = auth {
                    req = req.header(AUTHORIZATION, auth);
                }
                let res = req.send().await.expect("request");
                let status = res.status().as_u16();
                let headers = res.headers().clone();
                let text = res.text().await.expect("body");
                let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
                assert_unauthorized(
                    &format!("{m} {path} with {who} and a bad {content_type} body"),
                    status,
                    &headers,
                    &body,
                );
            }
        }
    }
    // 28 POST routes and the PATCH of a package, a user and a patient.
    assert_eq!(with_a_body, 31, "routes that read a body");
    assert_eq!(app.snapshot(), before);
}

/// Sends one request with a browser's session cookie instead of a bearer
/// token, and `X-CSRF-Token` when given.
async fn send_with_cookie(
    app: &TestApp,
    m: &str,
    path: &str,
    cookie: &str,
    csrf: Option<&str>,
    body: Option<&Value>,
) -> (u16, HeaderMap, Value) {
    let mut req = app
        .client
        .request(method(m), app.url(path))
        .header("cookie", cookie);
    if let Some(token) = csrf {
        req = req.header("X-CSRF-Token", token);
    }
    req = with_body(req, body);
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    if headers
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"))
    {
        return (status, headers, Value::Null);
    }
    let text = res.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, value)
}

#[tokio::test]
async fn a_session_cookie_without_its_csrf_header_is_403_on_every_route_that_writes() {
    // A browser sends its cookie to any request a page makes, another
    // site's page included: a cookie alone may read, never write.
    let fixture = app_with_a_location_a_specimen_and_a_package().await;
    let app = &fixture.app;
    let session = app.sign_in(&app.admin).await;
    let before = app.snapshot();
    let wrong = "0".repeat(64);
    let mut writes = 0;
    for (m, p) in protected_routes() {
        let path = concrete(p, &fixture.ids());
        let body = carries_body(m).then(|| valid_body(p));
        if m == "GET" {
            let (status, _, answer) =
                send_with_cookie(app, m, &path, &session.cookie(), None, None).await;
            assert_ne!(status, 401, "GET {path} refused the session: {answer}");
            assert_ne!(status, 403, "GET {path} wanted a CSRF header: {answer}");
            continue;
        }
        writes += 1;
        for csrf in [None, Some(wrong.as_str()), Some("")] {
            let (status, _, answer) =
                send_with_cookie(app, m, &path, &session.cookie(), csrf, body.as_ref()).await;
            assert_eq!(
                status,
                403,
                "{m} {path} with X-CSRF-Token {csrf:?}: {}",
                short(&answer)
            );
            assert_eq!(answer["error"]["code"], "forbidden", "{m} {path}: {answer}");
        }
    }
    assert_eq!(writes, 34, "POST, PATCH and DELETE routes");
    assert_eq!(
        app.snapshot(),
        before,
        "a cookie without its CSRF token wrote"
    );
    // With the session's token, a write goes through as that user.
    let (status, _, answer) = send_with_cookie(
        app,
        "POST",
        "/api/v1/locations",
        &session.cookie(),
        Some(&session.csrf),
        Some(&json!({"code": "F-COOKIE", "name": "fridge", "storage_class": "fridge_4c"})),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
}

#[tokio::test]
async fn an_unknown_session_cookie_answers_401_with_a_bearer_challenge_on_every_route() {
    let fixture = app_with_a_location_a_specimen_and_a_package().await;
    let app = &fixture.app;
    let before = app.snapshot();
    let cookie = format!("kentai_session={}", "ab".repeat(32));
    for (m, p) in protected_routes() {
        let path = concrete(p, &fixture.ids());
        let body = carries_body(m).then(|| valid_body(p));
        let (status, headers, answer) =
            send_with_cookie(app, m, &path, &cookie, Some("x"), body.as_ref()).await;
        assert_unauthorized(
            &format!("{m} {path} with an unknown session"),
            status,
            &headers,
            &answer,
        );
    }
    assert_eq!(app.snapshot(), before);
}

/// Expected status for each route, per role, in the order
/// reception, lab, health_centre, admin (src/domain/roles.rs).
/// Packaging is `lab` and `admin` only: creating, packing a tube, ticking and
/// recording a consultation answer 201; reading, changing the slip fields,
/// taking a tube out, dispatching, receiving and marking a tube missing 200.
const MATRIX: &[((&str, &str), [u16; 4])] = &[
    (("GET", "/api/v1/me"), [200, 200, 200, 200]),
    // Everyone's own API tokens, for their programs.
    (("GET", "/api/v1/me/tokens"), [200, 200, 200, 200]),
    (("POST", "/api/v1/me/tokens"), [201, 201, 201, 201]),
    (
        ("DELETE", "/api/v1/me/tokens/{token_id}"),
        [204, 204, 204, 204],
    ),
    (("POST", "/api/v1/users"), [403, 403, 403, 201]),
    (("GET", "/api/v1/users"), [403, 403, 403, 200]),
    (("PATCH", "/api/v1/users/{user_id}"), [403, 403, 403, 200]),
    (
        ("POST", "/api/v1/users/{user_id}/token"),
        [403, 403, 403, 200],
    ),
    (("GET", "/api/v1/audit"), [403, 403, 403, 200]),
    // Printing: whoever reads the document may print it (reception its
    // tubes' labels); the health centre prints nothing.
    (("POST", "/api/v1/print"), [202, 202, 403, 202]),
    (("GET", "/api/v1/print/jobs"), [200, 200, 403, 200]),
    (
        ("POST", "/api/v1/print/jobs/{job_id}/retry"),
        [200, 200, 403, 200],
    ),
    (("GET", "/api/v1/print/printers"), [200, 200, 403, 200]),
    (("POST", "/api/v1/specimens"), [201, 201, 403, 201]),
    (("GET", "/api/v1/specimens"), [200, 200, 403, 200]),
    (
        ("GET", "/api/v1/specimens/{specimen_id}"),
        [200, 200, 403, 200],
    ),
    (
        ("GET", "/api/v1/specimens/{specimen_id}/label"),
        [200, 200, 403, 200],
    ),
    (("GET", "/api/v1/labels/commands"), [403, 200, 403, 200]),
    (
        ("POST", "/api/v1/specimens/{specimen_id}/storage"),
        [201, 201, 403, 201],
    ),
    (
        ("POST", "/api/v1/specimens/{specimen_id}/results"),
        [403, 201, 403, 201],
    ),
    // Results are the lab's: entered, released, returned, imported.
    (
        (
            "POST",
            "/api/v1/specimens/{specimen_id}/results/{version}/release",
        ),
        [403, 200, 403, 200],
    ),
    (
        (
            "POST",
            "/api/v1/specimens/{specimen_id}/results/{version}/return",
        ),
        [403, 200, 403, 200],
    ),
    (("GET", "/api/v1/results/worklist"), [403, 200, 403, 200]),
    (("POST", "/api/v1/results/imports"), [403, 200, 403, 200]),
    (
        ("GET", "/api/v1/results/imports/{import_id}"),
        [403, 200, 403, 200],
    ),
    (
        ("POST", "/api/v1/results/imports/{import_id}/commit"),
        [403, 201, 403, 201],
    ),
    (("GET", "/api/v1/alerts"), [200, 200, 403, 200]),
    (("GET", "/api/v1/analyzers"), [200, 200, 403, 200]),
    (("GET", "/api/v1/analyzers/results"), [200, 200, 403, 200]),
    (
        ("GET", "/api/v1/analyzers/{name}/messages"),
        [200, 200, 403, 200],
    ),
    (
        ("POST", "/api/v1/analyzers/results/reread"),
        [403, 200, 403, 200],
    ),
    (
        ("POST", "/api/v1/analyzers/results/{id}/link"),
        [403, 200, 403, 200],
    ),
    (
        ("POST", "/api/v1/analyzers/results/{id}/discard"),
        [403, 200, 403, 200],
    ),
    (
        ("GET", "/api/v1/patients/{patient_id}"),
        [200, 200, 403, 200],
    ),
    (
        ("PATCH", "/api/v1/patients/{patient_id}"),
        [403, 200, 403, 200],
    ),
    (("POST", "/api/v1/locations"), [403, 201, 403, 201]),
    (("GET", "/api/v1/locations"), [200, 200, 403, 200]),
    (("GET", "/api/v1/locations/{code}"), [200, 200, 403, 200]),
    // The label goes on the fridge every desk that stores tubes scans.
    (
        ("GET", "/api/v1/locations/{code}/label"),
        [200, 200, 403, 200],
    ),
    (
        ("POST", "/api/v1/specimens/{specimen_id}/consultations"),
        [403, 201, 403, 201],
    ),
    (("POST", "/api/v1/packages"), [403, 201, 403, 201]),
    (("GET", "/api/v1/packages"), [403, 200, 403, 200]),
    (
        ("GET", "/api/v1/packages/{package_id}"),
        [403, 200, 403, 200],
    ),
    (
        ("PATCH", "/api/v1/packages/{package_id}"),
        [403, 200, 403, 200],
    ),
    (
        ("POST", "/api/v1/packages/{package_id}/specimens"),
        [403, 201, 403, 201],
    ),
    (
        (
            "DELETE",
            "/api/v1/packages/{package_id}/specimens/{specimen_id}",
        ),
        [403, 200, 403, 200],
    ),
    (
        (
            "POST",
            "/api/v1/packages/{package_id}/specimens/{specimen_id}/missing",
        ),
        [403, 200, 403, 200],
    ),
    (
        ("POST", "/api/v1/packages/{package_id}/checklist"),
        [403, 201, 403, 201],
    ),
    (
        ("POST", "/api/v1/packages/{package_id}/dispatch"),
        [403, 200, 403, 200],
    ),
    (
        ("POST", "/api/v1/packages/{package_id}/receive"),
        [403, 200, 403, 200],
    ),
    (
        ("GET", "/api/v1/packages/{package_id}/slip"),
        [403, 200, 403, 200],
    ),
    (
        ("GET", "/api/v1/packages/{package_id}/label"),
        [403, 200, 403, 200],
    ),
    // The kit catalog: reception reads it (it scans kits); lab and admin
    // add to it and trace recalled lots.
    (("POST", "/api/v1/kits"), [403, 201, 403, 201]),
    (("GET", "/api/v1/kits"), [200, 200, 403, 200]),
    (("GET", "/api/v1/kits/{gtin}"), [200, 200, 403, 200]),
    (
        ("GET", "/api/v1/kits/lots/{lot}/specimens"),
        [403, 200, 403, 200],
    ),
    // Scans and stations: every desk role; what a scan then does is
    // checked as the action it becomes.
    (("POST", "/api/v1/scans"), [201, 201, 403, 201]),
    (("GET", "/api/v1/scans"), [200, 200, 403, 200]),
    (("GET", "/api/v1/stations"), [200, 200, 403, 200]),
    (
        ("GET", "/api/v1/stations/{station}/events"),
        [200, 200, 403, 200],
    ),
    // A token has no screen to lock: for browsers' sessions only.
    (("POST", "/api/v1/session/lock"), [403, 403, 403, 403]),
    (("POST", "/api/v1/session/unlock"), [403, 403, 403, 403]),
    // Working a desk: every role that may scan at it.
    (
        ("GET", "/api/v1/stations/{station}/operator"),
        [200, 200, 403, 200],
    ),
    (
        ("POST", "/api/v1/stations/{station}/operator"),
        [200, 200, 403, 200],
    ),
    (
        ("DELETE", "/api/v1/stations/{station}/operator"),
        [200, 200, 403, 200],
    ),
    (("GET", "/api/v1/devices"), [200, 200, 403, 200]),
    // The day's report holds every patient's details: the health centre's
    // and the admin's only.
    (("GET", "/api/v1/reports/hersys"), [403, 403, 200, 200]),
    (("GET", "/api/v1/reports/summary"), [403, 403, 200, 200]),
];

const MATRIX_ROLES: [Role; 4] = [Role::Reception, Role::Lab, Role::HealthCentre, Role::Admin];

/// What one role's row of the matrix acts on, all made by the admin before
/// the role's requests, so each request would succeed if the role may make
/// it: a 403 is the route's authorisation and nothing else.
struct RoleState {
    /// A registered tube (storage, results, consultations, reads).
    tube: String,
    /// A registered tube in no package, for `POST …/specimens`.
    to_pack: String,
    /// An open package holding `to_take_out`.
    open: String,
    to_take_out: String,
    /// A complete package, for dispatch.
    ready: String,
    /// A dispatched package, for receive.
    sent: String,
    /// A received package holding `arrived`, for `…/missing`.
    received: String,
    arrived: String,
    /// A user to disable and give a new token.
    user_id: String,
    /// Tubes whose version 1 another lab user entered, to release and to
    /// return.
    to_release: String,
    to_return: String,
    /// An instrument import of `IMP-<role>`, previewed, to commit.
    import_id: String,
    /// Waiting analyser results, to link (to `link_tube`) and to discard.
    to_link: String,
    to_discard: String,
    link_tube: String,
    /// One of the role's own API tokens, made by the role's user, to revoke.
    token_id: String,
    /// A print job of the role's tube, made by the admin, to retry.
    job_id: String,
}

async fn role_state(app: &TestApp, code: &str) -> RoleState {
    let tube = format!("TUBE-{code}");
    register_tube(app, &tube).await;
    let to_pack = format!("PACK-{code}");
    register_tube(app, &to_pack).await;
    let to_take_out = format!("OUT-{code}");
    let open = open_package(app, &[&to_take_out]).await;
    let ready = complete_package(app, &[&format!("READY-{code}")]).await;
    let sent = dispatched_package(app, &[&format!("SENT-{code}")]).await;
    let arrived = format!("RECV-{code}");
    let received = received_package(app, &[&arrived]).await;
    let user_id = managed_user(app, &format!("managed-by-{code}")).await;
    let tech = app.token(Role::Lab);
    let mut entered = Vec::new();
    for prefix in ["REL", "RET"] {
        let tube = format!("{prefix}-{code}");
        register_tube(app, &tube).await;
        let (status, body) = app
            .post(
                &format!("/api/v1/specimens/{tube}/results"),
                &tech,
                &json!({"result": "negative", "resulted_at": chrono::Utc::now().to_rfc3339()}),
            )
            .await;
        assert_eq!(status, 201, "{tube}: {body}");
        entered.push(tube);
    }
    let imported = format!("IMP-{code}");
    register_tube(app, &imported).await;
    let (status, _, preview) = send(
        app,
        "POST",
        "/api/v1/results/imports?format=generic&assay=bench",
        Some(&format!("Bearer {}", app.admin)),
        Some(&Value::String(bench_file(&imported))),
    )
    .await;
    assert_eq!(status, 200, "{preview}");
    let import_id = preview["import_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let to_return = entered.pop().unwrap_or_default();
    let to_release = entered.pop().unwrap_or_default();
    let link_tube = format!("LINK-{code}");
    register_tube(app, &link_tube).await;
    let (to_link, to_discard) = waiting_analyzer_results(app, code);
    let (status, job) = app
        .post(
            "/api/v1/print",
            &app.admin,
            &json!({"printer": "zebra-1", "document": "tube_label", "id": tube}),
        )
        .await;
    assert_eq!(status, 202, "queue a print job: {job}");
    let job_id = job["id"].as_i64().unwrap_or_default().to_string();
    RoleState {
        job_id,
        token_id: String::new(),
        to_link,
        to_discard,
        link_tube,
        to_release,
        to_return,
        import_id,
        tube,
        to_pack,
        open,
        to_take_out,
        ready,
        sent,
        received,
        arrived,
        user_id,
    }
}

/// An API token the holder of `token` makes for itself: its id.
async fn own_api_token(app: &TestApp, token: &str, code: &str) -> String {
    let (status, body) = app
        .post(
            "/api/v1/me/tokens",
            token,
            &json!({"name": format!("to revoke {code}")}),
        )
        .await;
    assert_eq!(status, 201, "{code} makes an API token: {body}");
    body["id"].as_i64().expect("token id").to_string()
}

/// The path and body of one matrix request on a role's own state.
fn matrix_request(m: &str, p: &str, code: &str, s: &RoleState) -> (String, Option<Value>) {
    // The patient `registration` gives the role's own tube.
    let patient_id = format!("P-{}", s.tube);
    let analyzer_result = match p.ends_with("/discard") {
        true => &s.to_discard,
        false => &s.to_link,
    };
    let on = |package_id: &str, specimen_id: &str| {
        concrete(
            p,
            &Ids {
                specimen_id,
                package_id,
                code: "F-1",
                gtin: KIT_GTIN,
                lot: "LOT-1",
                station: "reception-1",
                user_id: &s.user_id,
                patient_id: &patient_id,
                version: "1",
                import_id: &s.import_id,
                name: "pcr-1",
                id: analyzer_result,
                token_id: &s.token_id,
                job_id: &s.job_id,
            },
        )
    };
    match (m, p) {
        ("POST", "/api/v1/analyzers/results/{id}/link") => (
            on(&s.open, &s.tube),
            Some(json!({"specimen_id": s.link_tube})),
        ),
        ("POST", "/api/v1/print") => (
            p.to_string(),
            Some(json!({"printer": "zebra-1", "document": "tube_label", "id": s.tube})),
        ),
        ("POST", "/api/v1/users") => (
            p.to_string(),
            Some(json!({"name": format!("made-by-{code}"), "role": "lab"})),
        ),
        ("POST", "/api/v1/specimens") => (
            p.to_string(),
            Some(registration(&format!("NEW-{code}"), "saliva", 3)),
        ),
        ("POST", "/api/v1/kits") => (p.to_string(), Some(kit(role_kit_gtin(code)))),
        ("POST", "/api/v1/locations") => (
            p.to_string(),
            Some(json!({"code": format!("L-{code}"), "name": "Bench", "storage_class": "ambient"})),
        ),
        ("POST", "/api/v1/packages/{package_id}/specimens") => (
            on(&s.open, &s.tube),
            Some(json!({"specimen_id": s.to_pack})),
        ),
        ("DELETE", _) => (on(&s.open, &s.to_take_out), None),
        ("POST", "/api/v1/specimens/{specimen_id}/results/{version}/release") => {
            (on(&s.open, &s.to_release), Some(valid_body(p)))
        }
        ("POST", "/api/v1/specimens/{specimen_id}/results/{version}/return") => {
            (on(&s.open, &s.to_return), Some(valid_body(p)))
        }
        // The site has a receiving desk and the tube was not received:
        // the lab decides to record it anyway.
        ("POST", "/api/v1/results/imports/{import_id}/commit") => (
            on(&s.open, &s.tube),
            Some(json!({"decisions": [{"sample": format!("IMP-{code}"), "decision": "record"}]})),
        ),
        ("POST", "/api/v1/results/imports") => (
            format!("{p}?format=generic&assay=bench"),
            Some(Value::String(bench_file(&s.tube))),
        ),
        ("POST", "/api/v1/packages/{package_id}/specimens/{specimen_id}/missing") => {
            (on(&s.received, &s.arrived), Some(valid_body(p)))
        }
        ("POST", "/api/v1/packages/{package_id}/dispatch") => {
            (on(&s.ready, &s.tube), Some(valid_body(p)))
        }
        ("POST", "/api/v1/packages/{package_id}/receive") => {
            (on(&s.sent, &s.tube), Some(valid_body(p)))
        }
        ("POST" | "PATCH", _) => (on(&s.open, &s.tube), Some(valid_body(p))),
        ("GET", _) if p.starts_with("/api/v1/reports/") => (format!("{p}?date=2026-11-20"), None),
        ("GET", _) => (on(&s.open, &s.tube), None),
        _ => unreachable!("{m} {p}"),
    }
}

#[tokio::test]
async fn each_role_may_call_exactly_the_routes_api_md_gives_it() {
    let app = spawn_app_with(|c| {
        with_stations(c);
        with_results(c);
    })
    .await;
    app.location("F-1", "fridge_4c").await;
    catalogue_kit(&app).await;
    // The matrix covers every authenticated /api/v1 route.
    let covered: BTreeSet<_> = MATRIX.iter().map(|(r, _)| *r).collect();
    let expected: BTreeSet<_> = protected_routes()
        .filter(|(_, p)| p.starts_with("/api/v1/"))
        .collect();
    assert_eq!(
        covered, expected,
        "the role matrix must list every /api/v1 route"
    );
    assert_eq!(MATRIX.len(), covered.len(), "a route is listed twice");

    let mut states = Vec::new();
    for (i, role) in MATRIX_ROLES.into_iter().enumerate() {
        let code = role.code();
        let token = app.token(role);
        // This role's own tubes and packages, made by the admin.
        let mut state = role_state(&app, code).await;
        state.token_id = own_api_token(&app, &token, code).await;

        for ((m, p), statuses) in MATRIX {
            let expected = statuses[i];
            let (path, body) = matrix_request(m, p, code, &state);
            let before = app.snapshot();
            let (status, _, answer) = send(
                &app,
                m,
                &path,
                Some(&format!("Bearer {token}")),
                body.as_ref(),
            )
            .await;
            let what = format!("{code} {m} {path}");
            assert_eq!(status, expected, "{what}: {}", short(&answer));
            let after = app.snapshot();
            match status {
                403 => {
                    assert_eq!(answer["error"]["code"], "forbidden", "{what}: {answer}");
                    assert_eq!(after, before, "{what} was refused but wrote");
                }
                _ if *m == "GET" => assert_eq!(after, before, "{what} is a read but wrote"),
                // Every change is recorded (at least in audit_log).
                _ => assert_ne!(after, before, "{what} answered {status} but wrote nothing"),
            }
            // A package route that succeeded answered about that package.
            if status < 300 && p.contains("{package_id}") {
                let package_id = path.split('/').nth(4).expect("package id in the path");
                assert!(
                    answer.to_string().contains(package_id),
                    "{what}: the answer does not name the package: {}",
                    short(&answer)
                );
            }
        }
        states.push((role, state));
    }

    // What was allowed happened; what was refused did not.
    for (role, s) in &states {
        let allowed = matches!(role, Role::Lab | Role::Admin);
        let code = role.code();
        let open = package(&app, &s.open).await;
        let packed: Vec<&str> = open["specimens"]
            .as_array()
            .expect("specimens")
            .iter()
            .map(|t| t["specimen_id"].as_str().expect("specimen_id"))
            .collect();
        let expected_tubes = if allowed {
            vec![s.to_pack.as_str()]
        } else {
            vec![s.to_take_out.as_str()]
        };
        assert_eq!(packed, expected_tubes, "{code}: {open}");
        let absorbent = open["checklist"]
            .as_array()
            .expect("checklist")
            .iter()
            .find(|l| l["item"] == "secondary.absorbent")
            .unwrap_or_else(|| panic!("{code}: no secondary.absorbent line: {open}"));
        assert_eq!(absorbent["done"], allowed, "{code}: {open}");
        let consignee = if allowed {
            valid_body("/api/v1/packages/{package_id}")["consignee"].clone()
        } else {
            consignee()
        };
        assert_eq!(open["consignee"], consignee, "{code}: {open}");

        let want = |yes: &'static str, no: &'static str| if allowed { yes } else { no };
        assert_eq!(
            package(&app, &s.ready).await["status"],
            want("dispatched", "open"),
            "{code}"
        );
        assert_eq!(
            package(&app, &s.sent).await["status"],
            want("received", "dispatched"),
            "{code}"
        );
        let received = package(&app, &s.received).await;
        assert_eq!(
            received["specimens"][0]["receipt"],
            want("missing", "received"),
            "{code}: {received}"
        );
        let (status, tube) = app
            .get(&format!("/api/v1/specimens/{}", s.to_take_out), &app.admin)
            .await;
        assert_eq!(status, 200, "{tube}");
        assert_eq!(
            tube["status"],
            want("registered", "packed"),
            "{code}: {tube}"
        );
    }
    // lab and admin each made one package over the API.
    let (status, list) = app.get("/api/v1/packages?limit=1000", &app.admin).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        list.as_array().expect("packages").len(),
        4 * 4 + 2,
        "{}",
        short(&list)
    );
    assert_eq!(app.count("consultations"), 2);
}

#[tokio::test]
async fn reception_cannot_override_a_rule_and_lab_can() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let lab = app.token(Role::Lab);
    let mut late = registration("LATE-1", "saliva", 12);
    late["override_reason"] = json!("医師の指示により唾液で検査");

    let before = app.snapshot();
    let (status, body) = app.register(&reception, &late).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden", "{body}");
    // Even a reason with nothing to override is an override reception may
    // not give.
    let mut ordinary = registration("LATE-2", "saliva", 3);
    ordinary["override_reason"] = json!("念のため");
    let (status, body) = app.register(&reception, &ordinary).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden", "{body}");
    assert_eq!(app.snapshot(), before, "a refused override wrote");
    let (status, _) = app.get("/api/v1/specimens/LATE-1", &lab).await;
    assert_eq!(status, 404);

    let (status, body) = app.register(&lab, &late).await;
    assert_eq!(status, 201, "{body}");
    let flags = body["specimen"]["flags"].as_array().expect("flags");
    assert!(
        flags.iter().any(|f| f["code"] == "saliva_window_exceeded"
            && f["override_reason"] == "医師の指示により唾液で検査"),
        "{body}"
    );
}

fn hex_part(token: &str) -> &str {
    token
        .strip_prefix("kt_")
        .unwrap_or_else(|| panic!("token {token:?} lacks the kt_ prefix"))
}

fn assert_strong(token: &str) {
    let hex = hex_part(token);
    assert!(hex.len() >= 32, "token {token:?} has under 128 bits");
    assert!(
        hex.chars().all(|c| c.is_ascii_hexdigit()),
        "token {token:?} is not hex after kt_"
    );
}

/// Every text column of every row of `users` and `audit_log`.
fn stored_text(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use kentai::store::schema::{audit_log, users};
    app.ctx
        .store
        .read(|c| {
            let users: Vec<(String, String, String)> = users::table
                .select((users::name, users::role, users::token_hash))
                .load(c)?;
            let audit: Vec<(String, String, Option<String>, Option<String>)> = audit_log::table
                .select((
                    audit_log::action,
                    audit_log::entity_id,
                    audit_log::before,
                    audit_log::after,
                ))
                .load(c)?;
            let mut out = Vec::new();
            for (a, b, c) in users {
                out.extend([a, b, c]);
            }
            for (a, b, c, d) in audit {
                out.extend([Some(a), Some(b), c, d].into_iter().flatten());
            }
            Ok::<_, kentai::store::StoreError>(out)
        })
        .expect("read users and audit_log")
}

#[tokio::test]
async fn a_user_created_over_the_api_gets_a_working_token_shown_once_and_stored_hashed() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(
            "/api/v1/users",
            &app.admin,
            &json!({"name": "nurse-a", "role": "reception"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["user"]["name"], "nurse-a");
    assert_eq!(body["user"]["role"], "reception");
    let token = body["token"].as_str().expect("token").to_string();
    assert_strong(&token);

    // The token works, as that user.
    let (status, me) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me, json!({"name": "nurse-a", "role": "reception"}));
    let (status, body) = app
        .register(&token, &registration("BY-NURSE", "saliva", 3))
        .await;
    assert_eq!(status, 201, "{body}");

    // Listing users never shows a token or a hash.
    let hash = kentai::tokens::hash_token(&token);
    let (status, list) = app.get("/api/v1/users", &app.admin).await;
    assert_eq!(status, 200, "{list}");
    let users = list.as_array().expect("a list of users");
    assert!(users.iter().any(|u| u["name"] == "nurse-a"), "{list}");
    for u in users {
        let keys: Vec<&String> = u.as_object().expect("user object").keys().collect();
        assert!(
            !keys
                .iter()
                .any(|k| k.contains("token") || k.contains("hash")),
            "a user in the list has {keys:?}"
        );
    }
    let text = list.to_string();
    assert!(!text.contains(hex_part(&token)), "the list shows the token");
    assert!(!text.contains(&hash), "the list shows the token's hash");
    assert!(
        !text.contains(hex_part(&app.admin)),
        "the list shows the admin's token"
    );

    // A second user of the same name is refused, and no token is shown.
    let (status, again) = app
        .post(
            "/api/v1/users",
            &app.admin,
            &json!({"name": "nurse-a", "role": "admin"}),
        )
        .await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(again["error"]["code"], "duplicate_user", "{again}");
    assert!(again.get("token").is_none(), "{again}");

    // The database holds only the hash: no column of users or audit_log
    // contains any token.
    let stored = stored_text(&app);
    assert!(
        stored.contains(&hash),
        "the users table keeps the token's hash"
    );
    for t in [&token, &app.admin] {
        let secret = hex_part(t);
        assert!(
            !stored.iter().any(|s| s.contains(secret)),
            "a token is stored in clear"
        );
    }
}

#[tokio::test]
async fn a_bad_user_request_is_refused_and_creates_no_user() {
    let app = spawn_app().await;
    let before = app.snapshot();
    for body in [
        json!({"name": "x", "role": "superuser"}),
        json!({"name": "", "role": "lab"}),
        json!({"name": " padded ", "role": "lab"}),
        json!({"name": "a\nb", "role": "lab"}),
        json!({"name": "x".repeat(65), "role": "lab"}),
        json!({"name": "x", "role": "lab", "token": "kt_chosen"}),
        json!({"role": "lab"}),
        json!(["positional", "lab"]),
    ] {
        let (status, answer) = app.post("/api/v1/users", &app.admin, &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], "invalid_input", "{body}: {answer}");
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn every_token_kentai_issues_has_at_least_128_random_bits() {
    let app = spawn_app().await;
    let mut seen = BTreeSet::new();
    let mut tokens = vec![app.admin.clone()];
    for role in Role::ALL {
        tokens.push(app.token(role));
    }
    for t in &tokens {
        assert_strong(t);
        assert!(seen.insert(hex_part(t).to_string()), "token issued twice");
    }
}

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_real_routes() {
    let app = spawn_app().await;
    let (status, doc) = app.get("/api/openapi.json", &app.admin).await;
    assert_eq!(status, 200, "{doc}");
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3."), "openapi {version}");
    let paths = doc["paths"].as_object().expect("paths");

    let mut documented = BTreeSet::new();
    for (path, item) in paths {
        for m in item.as_object().expect("path item").keys() {
            if ["get", "post", "put", "patch", "delete", "head", "options"].contains(&m.as_str()) {
                documented.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .filter(|r| !UNDOCUMENTED.contains(r))
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        documented, expected,
        "documented routes differ from the real ones"
    );

    // Every documented operation exists: without a token it is refused
    // (not "no such route"), and /healthz answers.
    for (m, p) in &documented {
        let path = concrete(p, &Ids::all("X"));
        let body = carries_body(m).then(|| json!({}));
        let (status, headers, answer) = send(&app, m, &path, None, body.as_ref()).await;
        if (m.as_str(), p.as_str()) == PUBLIC {
            assert_eq!(status, 200, "{m} {path}: {answer}");
        } else {
            assert_unauthorized(&format!("documented {m} {path}"), status, &headers, &answer);
        }
    }

    // Every protected operation declares the bearer scheme.
    assert!(
        doc["components"]["securitySchemes"]["bearer"].is_object(),
        "no bearer security scheme"
    );
    for (m, p) in &documented {
        if (m.as_str(), p.as_str()) == PUBLIC {
            continue;
        }
        let op = &doc["paths"][p][m.to_lowercase()];
        assert!(
            op["security"].as_array().is_some_and(|s| !s.is_empty()),
            "{m} {p} does not declare its bearer security"
        );
    }

    // Operation ids are unique (OpenAPI requires it; client generators
    // name functions after them).
    let mut ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (m, p) in &documented {
        let id = doc["paths"][p][m.to_lowercase()]["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{m} {p} has no operationId"));
        ids.entry(id.to_string())
            .or_default()
            .push(format!("{m} {p}"));
    }
    let shared: Vec<_> = ids.iter().filter(|(_, ops)| ops.len() > 1).collect();
    assert!(
        shared.is_empty(),
        "operationIds used by more than one operation: {shared:?}"
    );
}

#[test]
fn the_route_list_in_this_test_matches_src_http_mod_rs() {
    // `configure` registers every API route as `Api::<m::__path_f>::to(m::f)`:
    // the handler at the path and method of its own description, which is
    // what the OpenAPI document is gathered from (checked against ROUTES
    // above). So it registers as many as ROUTES documents, each with its
    // own description, and routes nothing any other way; `register` adds
    // only the undocumented routes.
    let source = include_str!("../../src/http/mod.rs");
    let body_of = |function: &str| {
        source
            .split(&format!("pub fn {function}"))
            .nth(1)
            .and_then(|b| b.split("\n}\n").next())
            .unwrap_or_else(|| panic!("{function} in src/http/mod.rs"))
    };
    let configure = body_of("configure");
    let registrations: Vec<&str> = configure.split("Api::<").skip(1).collect();
    assert_eq!(
        registrations.len(),
        ROUTES.len() - UNDOCUMENTED.len(),
        "configure() registers a different number of routes than ROUTES documents"
    );
    for r in &registrations {
        let (described, rest) = r.split_once(">::to(").expect("Api::<…>::to(…)");
        let handler = rest
            .split(')')
            .next()
            .expect("handler")
            .trim()
            .trim_end_matches(',');
        assert_eq!(
            described.replace("__path_", ""),
            handler,
            "{handler} is registered with another handler's description"
        );
    }
    let literals = |body: &str| -> BTreeSet<String> {
        body.split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| s.starts_with('/'))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        literals(configure),
        BTreeSet::from(["/api/v1".to_string()]),
        "configure() routes a path outside the API's descriptions"
    );
    let other = [
        ".route(",
        "web::resource(",
        "web::get()",
        "web::post()",
        "web::patch()",
        "web::delete()",
        "web::put()",
        "web::head()",
        "web::trace()",
        "web::method(",
        "Method::",
        "guard::",
    ]
    .iter()
    .map(|m| configure.matches(m).count())
    .sum::<usize>();
    assert_eq!(
        other, 0,
        "configure() routes a method outside the API's descriptions"
    );

    let register = body_of("register");
    let undocumented: BTreeSet<String> = UNDOCUMENTED.iter().map(|(_, p)| p.to_string()).collect();
    assert_eq!(
        literals(register),
        undocumented,
        "register() routes another path"
    );
    assert!(
        ROUTES.iter().all(|(m, _)| METHODS.contains(m)),
        "ROUTES uses a method outside {METHODS:?}"
    );
    for m in METHODS {
        let listed = UNDOCUMENTED.iter().filter(|(um, _)| *um == m).count();
        assert_eq!(
            register
                .matches(&format!("web::{}()", m.to_lowercase()))
                .count(),
            listed,
            "register() routes {m} other than as UNDOCUMENTED lists"
        );
    }
}

fn kentai(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(args)
        .current_dir(dir)
        .env_remove("KENTAI_CONFIG")
        .env_remove("KENTAI_DATABASE_URL")
        .env_remove("KENTAI_BIND")
        .env("KENTAI_LOG", "error")
        .output()
        .expect("run kentai")
}

#[test]
fn kentai_user_add_prints_a_working_token_alone_on_the_last_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("k.db").display());

    let out = kentai(
        dir.path(),
        &["--database", &url, "user", "add", "aiko", "--role", "lab"],
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout {stdout:?} stderr {stderr:?}"
    );
    let last = stdout.lines().last().expect("a line of output");
    assert_eq!(last, last.trim(), "the token line has padding");
    assert_strong(last);

    // The printed token authenticates as that user.
    let store = kentai::store::Store::open(&url).expect("open the CLI's database");
    let ctx = kentai::actions::Ctx::new(store, kentai::config::Config::default()).expect("ctx");
    let actor = kentai::actions::users::authenticate(&ctx, last)
        .expect("authenticate")
        .expect("the printed token belongs to a user");
    assert_eq!((actor.name.as_str(), actor.role), ("aiko", Role::Lab));

    // A role that does not exist is bad usage: exit 2, a message, no token.
    let out = kentai(
        dir.path(),
        &[
            "--database",
            &url,
            "user",
            "add",
            "ben",
            "--role",
            "superuser",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{:?}", out);
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("kt_"),
        "{:?}",
        out
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("superuser"), "{:?}", out);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr:?}");

    // The same name twice is bad input too.
    let out = kentai(
        dir.path(),
        &["--database", &url, "user", "add", "aiko", "--role", "admin"],
    );
    assert_eq!(out.status.code(), Some(2), "{:?}", out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "stderr {stderr:?}");

    let n = kentai::actions::users::list_users(&ctx, &kentai::actions::Actor::system())
        .expect("list users")
        .len();
    assert_eq!(n, 1, "only aiko exists");

    // Migrating an up-to-date database is a no-op that succeeds.
    let out = kentai(dir.path(), &["--database", &url, "migrate"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", out);
}

#[test]
fn kentai_user_add_grants_a_health_centre_user_other_facilities_and_nobody_else() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("k.db").display());
    let out = kentai(
        dir.path(),
        &[
            "--database",
            &url,
            "user",
            "add",
            "hokenjo",
            "--role",
            "health_centre",
            "--facility",
            "1320000002",
            "--facility",
            "1330000003",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let token = String::from_utf8(out.stdout).expect("utf-8");
    let token = token.lines().last().expect("token line").to_string();
    // The server of a granted facility accepts the token; another does not.
    let store = kentai::store::Store::open(&url).expect("open");
    for (facility, accepted) in [
        ("1320000002", true),
        ("1330000003", true),
        ("1340000004", false),
    ] {
        let mut config = kentai::config::Config::default();
        config.site.facility_code = facility.into();
        let ctx = kentai::actions::Ctx::new(store.clone(), config).expect("ctx");
        let actor = kentai::actions::users::authenticate(&ctx, &token).expect("authenticate");
        assert_eq!(actor.is_some(), accepted, "{facility}");
    }
    // A clerk is never granted another facility: bad input, nothing made.
    let out = kentai(
        dir.path(),
        &[
            "--database",
            &url,
            "user",
            "add",
            "clerk",
            "--role",
            "reception",
            "--facility",
            "1320000002",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("kt_"));
}
