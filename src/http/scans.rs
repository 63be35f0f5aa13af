//! Scans over HTTP (API.md): `POST /api/v1/scans` for browser keyboard-wedge
//! fields and scripts — the same path a hardware scanner's frames take —,
//! the journal, the stations, each station's live event stream (SSE), and
//! the scanners' state.

use super::auth::{BearerAuth, Caller, SessionAuth, User};
use super::error::{AppError, ErrorBody};
use super::Answer;
use super::Object;
use crate::actions::revocations::Revoked;
use crate::actions::scans::{self, ScanFilter, ScanView};
use crate::actions::{sessions, users, ActionError, Ctx};
use crate::domain::messages::{render_in, InputMsg, Lang, RecordMsg};
use crate::domain::roles::Action;
use crate::scanning::devices::{self, DeviceLine};
use crate::scanning::operators::{PinAnswer, StationStaffing};
use crate::scanning::{Incoming, ScanService, StationEvent};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

/// The longest scan accepted: a GS1 DataMatrix holds at most 3116 digits.
pub const MAX_SCAN_BYTES: usize = 4096;

/// How often an idle event stream sends a comment, so proxies and the
/// browser keep the connection.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Least time between two writes of one stream. A busy station's events
/// that arrive closer together than this go out together in one write, so
/// that a station watched by hundreds of streams costs a write per stream
/// every few tens of milliseconds, not one per scan per stream; a scan
/// after a quiet moment goes out at once.
const WRITE_GAP: Duration = Duration::from_millis(25);

/// Most events one write carries.
const EVENTS_PER_WRITE: usize = 64;

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanRequest {
    /// A configured station (`[[station]]` in kentai.toml).
    #[schema(min_length = 1)]
    pub station: String,
    /// The scan as the scanner sent it, without its suffix; GS as U+001D.
    /// An AIM identifier (`]d2`, `]C1`, …) in front is read as such.
    /// At most 4096 bytes.
    #[schema(min_length = 1, max_length = 4096)]
    pub data: String,
    /// Which client sent it (a browser field, a script); scans from one
    /// device at one station are checked for double reads. Default
    /// `api:<user>`.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 64)]
    pub device: Option<String>,
}

/// Control characters a scan may carry: GS, RS, FS and EOT (GS1 and ISO
/// 15434 separators).
fn allowed_in_scan(c: char) -> bool {
    !c.is_control() || SCAN_SEPARATORS.contains(&c)
}

const SCAN_SEPARATORS: [char; 4] = ['\u{1d}', '\u{1e}', '\u{1c}', '\u{04}'];

/// The AIM symbology identifier at the front of a scan, if any.
pub fn aim_of(data: &[u8]) -> Option<String> {
    crate::barcode::aim::Symbology::sniff(data).map(|s| s.code().to_string())
}

fn check(req: &ScanRequest) -> Result<(), AppError> {
    let field = || "data".to_string();
    let refuse = |m: InputMsg| Err(AppError::from(ActionError::invalid(m)));
    if req.data.is_empty() {
        return refuse(InputMsg::FieldEmpty { field: field() });
    }
    if req.data.len() > MAX_SCAN_BYTES {
        return refuse(InputMsg::FieldTooManyBytes {
            field: field(),
            max: MAX_SCAN_BYTES,
        });
    }
    if !req.data.chars().all(allowed_in_scan) {
        return refuse(InputMsg::ScanControlCharacters);
    }
    // A barcode never holds a bidi control or a zero-width character; the
    // station's page shows what was scanned.
    if let Some((position, _)) =
        crate::domain::text::first_hidden_except(&req.data, &SCAN_SEPARATORS)
    {
        return refuse(InputMsg::FieldInvisibleCharacterAt {
            field: field(),
            position,
        });
    }
    if let Some(device) = &req.device {
        crate::actions::check_text("device", device, 64)?;
    }
    Ok(())
}

#[utoipa::path(
    post, path = "/scans", tag = "scans", operation_id = "submit_scan",
    request_body = ScanRequest,
    description = "Journals the scan, then processes it as the station's workflow says (the same path a scanner's scans take). \
The caller's role must be one that may do the station's work (reception and storage desks: `reception`, `lab`, `admin`; \
packing, receiving and result desks: `lab`, `admin`): otherwise 403 and nothing is journalled. The same `data` from the same \
`device` at the same station within `[scanning] duplicate_window_ms` is journalled as a `duplicate_scan` and not \
processed again; the same code at another station is a new scan.",
    responses(
        (status = 201, description = "Journalled and processed; `outcome` says what it did (accepted or refused, with the code)", body = ScanView),
        (status = 400, description = "Empty or over-long data, a control character", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not send scans, or may not do this station's work; nothing is journalled", body = ErrorBody),
        (status = 404, description = "`unknown_station`", body = ErrorBody),
    ),
)]
pub async fn submit(
    service: web::Data<Arc<ScanService>>,
    User(actor): User,
    body: web::Json<Object<ScanRequest>>,
) -> Result<HttpResponse, AppError> {
    let req = body.into_inner().0;
    check(&req)?;
    let raw = req.data.into_bytes();
    let incoming = Incoming {
        station: req.station,
        device: req.device.unwrap_or_else(|| format!("api:{}", actor.name)),
        aim: aim_of(&raw),
        raw,
        scanned_at: crate::actions::now(),
    };
    let service = service.get_ref().clone();
    let view = web::block(move || service.submit_as(&actor, incoming)).await??;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(
    get, path = "/scans", tag = "scans", operation_id = "list_scans",
    params(ScanFilter),
    responses(
        (status = 200, description = "The scan journal: newest first, or after `after` oldest first", body = [ScanView]),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
)]
pub async fn list(call: Caller, query: web::Query<ScanFilter>) -> Answer {
    call.ok(move |ctx, actor| scans::list(ctx, actor, &query))
        .await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StationView {
    pub name: String,
    /// `reception`, `storage`, `packing`, `receiving` or `results`.
    pub workflow: crate::config::Workflow,
}

#[utoipa::path(
    get, path = "/stations", tag = "scans", operation_id = "list_stations",
    responses(
        (status = 200, description = "The configured stations", body = [StationView]),
        (status = 403, body = ErrorBody),
    ),
)]
pub async fn stations(
    service: web::Data<Arc<ScanService>>,
    User(actor): User,
) -> Result<HttpResponse, AppError> {
    actor.require(Action::WatchStations)?;
    let list: Vec<StationView> = service
        .station_names()
        .into_iter()
        .map(|(name, workflow)| StationView { name, workflow })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

/// `POST /api/v1/stations/{station}/operator`: take the station.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorRequest {
    /// The PIN of the person whose badge was just read at the station.
    /// Without it, the caller takes the station themselves.
    #[serde(default)]
    #[schema(min_length = 4, max_length = 8)]
    pub pin: Option<String>,
}

#[utoipa::path(
    get, path = "/stations/{station}/operator", tag = "scans", operation_id = "station_operator",
    params(("station" = String, Path, description = "A configured station")),
    responses(
        (status = 200, description = "Who works the station now, and whose badge waits for a PIN there", body = StationStaffing),
        (status = 403, body = ErrorBody), (status = 404, description = "`unknown_station`", body = ErrorBody),
    ),
)]
pub async fn operator(
    service: web::Data<Arc<ScanService>>,
    User(actor): User,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let name = path.into_inner();
    actor.require(Action::WatchStations)?;
    Ok(HttpResponse::Ok().json(service.staffing(&name)?))
}

#[utoipa::path(
    post, path = "/stations/{station}/operator", tag = "scans", operation_id = "take_station",
    params(("station" = String, Path, description = "A configured station")),
    request_body = OperatorRequest,
    description = "With `pin`: the PIN of the person whose staff badge was read at the station in the last two minutes; right, that person works the station from now on (its scanners' scans act as them). Wrong, the badge must be read again, and the attempt counts against that person's sign-in limit as a wrong password does. Without `pin`: the caller works the station. The caller must be allowed the station's work.",
    responses(
        (status = 200, description = "Who works the station now", body = StationStaffing),
        (status = 400, description = "`invalid_input`: no badge waits for a PIN here, or the holder has no PIN yet", body = ErrorBody),
        (status = 401, description = "`unauthorized`: wrong PIN", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "`unknown_station`", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`", body = ErrorBody),
    ),
)]
pub async fn take_station(
    req: HttpRequest,
    service: web::Data<Arc<ScanService>>,
    User(actor): User,
    path: web::Path<String>,
    body: web::Json<Object<OperatorRequest>>,
) -> Result<HttpResponse, AppError> {
    let name = path.into_inner();
    let service = service.get_ref().clone();
    service.may_work_at(&actor, &name)?;
    let Some(pin) = body.into_inner().0.pin else {
        let view = web::block(move || service.sign_in_here(&name, &actor)).await??;
        return Ok(HttpResponse::Ok().json(view));
    };
    if pin.len() > 64 {
        return Err(AppError::unauthorized(RecordMsg::PinWrong));
    }
    // A wrong PIN counts where a wrong password for the same person does.
    let limit = super::auth::Limit::of(&req);
    let key = service
        .waiting_for_pin(&name)?
        .map(|person| crate::tokens::hash_token(&format!("password:{person}")));
    if let Some(key) = &key {
        limit.before_lookup(key)?;
    }
    let answer = web::block(move || service.confirm_pin(&name, &pin)).await??;
    match answer {
        PinAnswer::SignedIn(view) => Ok(HttpResponse::Ok().json(view)),
        PinAnswer::Wrong => {
            if let Some(key) = &key {
                limit.failed(key)?;
            }
            Err(AppError::unauthorized(RecordMsg::PinWrong))
        }
        PinAnswer::NoPin(person) => Err(ActionError::Invalid(crate::domain::Notice::new(
            crate::domain::RuleCode::InvalidInput,
            RecordMsg::NoPinSet { name: person },
        ))
        .into()),
    }
}

#[utoipa::path(
    delete, path = "/stations/{station}/operator", tag = "scans", operation_id = "leave_station",
    params(("station" = String, Path, description = "A configured station")),
    description = "Signs out whoever works the station (as their own badge read again would).",
    responses(
        (status = 200, description = "Nobody works the station now", body = StationStaffing),
        (status = 403, body = ErrorBody), (status = 404, description = "`unknown_station`", body = ErrorBody),
    ),
)]
pub async fn leave_station(
    service: web::Data<Arc<ScanService>>,
    User(actor): User,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let name = path.into_inner();
    let service = service.get_ref().clone();
    service.may_work_at(&actor, &name)?;
    let view = web::block(move || service.sign_out_here(&name)).await??;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(
    get, path = "/devices", tag = "scans", operation_id = "list_devices",
    responses(
        (status = 200, description = "The configured scanners and their state, then devices seen but not configured", body = [DeviceLine]),
        (status = 403, body = ErrorBody),
    ),
)]
pub async fn device_list(
    ctx: web::Data<Ctx>,
    service: web::Data<Arc<ScanService>>,
    User(actor): User,
) -> Result<HttpResponse, AppError> {
    actor.require(Action::ReadDevices)?;
    let service = service.get_ref().clone();
    let lines = web::block(move || -> Result<Vec<DeviceLine>, AppError> {
        let mut lines = devices::live_lines(service.device_statuses());
        let probed = devices::probe(&ctx.config).map_err(|e| {
            // The configuration was validated at start-up: a person can do
            // nothing about this but read the log.
            tracing::error!(error = %e, "probing the scanners failed");
            AppError::new(
                actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
                crate::domain::RuleCode::Internal,
                RecordMsg::Internal,
            )
        })?;
        // Configured scanners come from the running supervisor; the probe
        // adds what is attached but configured nowhere.
        lines.extend(probed.into_iter().filter(|l| l.name.is_none()));
        Ok(lines)
    })
    .await??;
    Ok(HttpResponse::Ok().json(lines))
}

/// `?last_event_id=`: where a station page's first connection resumes.
#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    pub last_event_id: Option<i64>,
}

/// One event of a station's stream as `text/event-stream` frames it, for
/// the OpenAPI document (the schema of a `text/event-stream` response
/// describes one event as an SSE client reads it): `event` names it, `id`
/// is the scan id of a scan (other events keep the last id sent), and
/// `data` is a [`StationEvent`] as JSON.
pub struct StationEventFrame;

impl utoipa::PartialSchema for StationEventFrame {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .property(
                "event",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["scan", "device", "device_error", "reset"])),
            )
            .required("event")
            .property(
                "id",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("The scan id: what `Last-Event-ID` resumes after")),
            )
            .property(
                "data",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .content_media_type("application/json")
                    .description(Some("A `StationEvent` as JSON")),
            )
            .required("data")
            .description(Some("One server-sent event of a station's stream"))
            .into()
    }
}

impl utoipa::ToSchema for StationEventFrame {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::{PartialSchema, ToSchema};
        schemas.push((
            <StationEvent as ToSchema>::name().into(),
            StationEvent::schema(),
        ));
        <StationEvent as ToSchema>::schemas(schemas);
    }
}

#[utoipa::path(
    get, path = "/stations/{station}/events", tag = "scans", operation_id = "station_events",
    params(
        ("station" = String, Path, description = "A configured station"),
        ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this scan: the scans processed since are sent first"),
        ("last_event_id" = Option<i64>, Query, description = "As `Last-Event-ID`, for a first connection that cannot set headers (a browser's EventSource after the page showed the journal up to this scan); the header wins when both are sent"),
    ),
    responses(
        (status = 200, description = "The stream ends within a second when its credential is taken back (the user disabled, its token replaced, the browser signed out) or its session expires; it asks the database again every `[limits] stream_recheck_seconds`. `text/event-stream`: `event: scan` (id = scan id, data = the scan with its outcome), `event: device` (a scanner's state), `event: device_error` (a bad frame), `event: reset` (a reception draft ended without a scan: `reason` `registered` or `expired`, with the sentence in `message`); each event's `data` is a `StationEvent` as JSON", content_type = "text/event-stream", body = StationEventFrame),
        (status = 400, description = "`last_event_id` is not a scan id (an integer)", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_station`", body = ErrorBody),
    ),
)]
pub async fn events(
    req: HttpRequest,
    ctx: web::Data<Ctx>,
    service: web::Data<Arc<ScanService>>,
    User(actor): User,
    path: web::Path<String>,
    query: web::Query<EventsQuery>,
) -> Result<HttpResponse, AppError> {
    actor.require(Action::WatchStations)?;
    let station = path.into_inner();
    // Subscribe before reading the journal, so nothing falls between the
    // catch-up and the live feed (duplicates are skipped by id).
    let receiver = service.subscribe(&station)?;
    let last_id = req
        .headers()
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(query.last_event_id);
    let credential = {
        let extensions = req.extensions();
        match (
            extensions.get::<SessionAuth>(),
            extensions.get::<BearerAuth>(),
        ) {
            (Some(s), _) => Some(Credential::Session(s.id.clone())),
            (None, Some(b)) => Some(Credential::Bearer(b.hash.clone())),
            (None, None) => None,
        }
    };
    let recheck = Duration::from_secs_f64(ctx.config.limits.stream_recheck_seconds);
    let mut feed = Feed {
        lang: crate::http::lang::of(&req),
        ctx: ctx.get_ref().clone(),
        // Listening starts before the credential is read again below, so
        // a revocation in between is heard.
        revoked: ctx.revocations.subscribe(),
        user: actor.id,
        credential,
        recheck,
        check_at: Instant::now(),
        keep_alive_at: Instant::now() + KEEP_ALIVE,
        written_at: Instant::now(),
        station,
        receiver,
        pending: VecDeque::new(),
        last_id: last_id.unwrap_or(0),
        greeted: false,
    };
    if !feed.still_admitted().await {
        return Err(AppError::unauthorized(RecordMsg::SessionEnded));
    }
    if last_id.is_some() {
        feed.catch_up().await?;
    }
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        let chunk = feed.next_chunk().await?;
        Some((Ok::<_, actix_web::Error>(web::Bytes::from(chunk)), feed))
    });
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "text/event-stream"))
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream))
}

/// What authenticated an event stream, to ask again whether it still
/// admits the stream's user.
enum Credential {
    /// A browser session's cookie value.
    Session(String),
    /// The SHA-256 of a bearer token.
    Bearer(String),
}

/// One listener's position in a station's events.
struct Feed {
    /// The listener's language: the stream's messages are rendered in it
    /// as they are sent (outside the request that opened the stream).
    lang: Lang,
    ctx: Ctx,
    /// Credentials taken back in this process: the stream ends at once
    /// when its user's or its session's is among them.
    revoked: tokio::sync::broadcast::Receiver<Revoked>,
    user: Option<i64>,
    /// `None` only for a stream opened without one (a bare test app).
    credential: Option<Credential>,
    /// How often the database is asked again (another server sharing it
    /// may have taken the credential back).
    recheck: Duration,
    /// When it is asked next: at `recheck` intervals, and at the moment a
    /// session would expire.
    check_at: Instant,
    /// When an idle stream sends a comment.
    keep_alive_at: Instant,
    /// When the stream last wrote.
    written_at: Instant,
    station: String,
    receiver: tokio::sync::broadcast::Receiver<Arc<StationEvent>>,
    /// Scans read back from the journal, to send before live ones.
    pending: VecDeque<StationEvent>,
    /// The last scan sent: live events at or below it were already sent.
    last_id: i64,
    greeted: bool,
}

/// What ends a stream: a credential of its own taken back.
fn concerns(revoked: &Revoked, user: Option<i64>, credential: Option<&Credential>) -> bool {
    match (revoked, credential) {
        (Revoked::User(id), _) => user == Some(*id),
        (Revoked::Session(hash), Some(Credential::Session(id))) => {
            crate::tokens::hashes_match(hash, &crate::tokens::hash_token(id))
        }
        (Revoked::Session(_), _) => false,
        (Revoked::Token(hash), Some(Credential::Bearer(own))) => {
            crate::tokens::hashes_match(hash, own)
        }
        (Revoked::Token(_), _) => false,
    }
}

impl Feed {
    /// Reads the scans after `last_id` back from the journal (after a
    /// reconnect, or when this listener fell behind the live channel).
    async fn catch_up(&mut self) -> Result<(), AppError> {
        let ctx = self.ctx.clone();
        let station = self.station.clone();
        let after = self.last_id;
        let missed = web::block(move || {
            crate::scanning::journal::processed_since(&ctx, &station, after, 1000)
        })
        .await??;
        self.pending
            .extend(missed.into_iter().map(|v| StationEvent::Scan(Box::new(v))));
        Ok(())
    }

    /// Asks the database whether the stream's credential still admits its
    /// user, and sets when to ask next (at the latest when a session would
    /// expire). A failed lookup keeps the stream: the next check asks again.
    async fn still_admitted(&mut self) -> bool {
        let now = Instant::now();
        self.check_at = now + self.recheck;
        let Some(credential) = &self.credential else {
            return true;
        };
        let ctx = self.ctx.clone();
        match credential {
            Credential::Session(id) => {
                let id = id.clone();
                let at = crate::actions::now();
                match web::block(move || sessions::live_until(&ctx, &id, at)).await {
                    Ok(Ok(None)) => false,
                    Ok(Ok(Some(expires))) => {
                        let left = (expires - at).to_std().unwrap_or_default();
                        self.check_at = self.check_at.min(now + left);
                        true
                    }
                    _ => true,
                }
            }
            Credential::Bearer(hash) => {
                let hash = hash.clone();
                match web::block(move || users::authenticate_hash(&ctx, &hash)).await {
                    Ok(Ok(Some(actor))) => actor.id == self.user,
                    Ok(Ok(None)) => false,
                    _ => true,
                }
            }
        }
    }

    fn send(&mut self, chunk: String) -> Option<String> {
        let now = Instant::now();
        self.keep_alive_at = now + KEEP_ALIVE;
        self.written_at = now;
        Some(chunk)
    }

    /// The frame of a live event for this stream, or `None` for a scan it
    /// has already sent.
    fn live_frame(&mut self, event: &Arc<StationEvent>) -> Option<Arc<str>> {
        if let Some(id) = event.scan_id() {
            if id <= self.last_id {
                return None;
            }
            self.last_id = id;
        }
        Some(frames().frame(event, self.lang))
    }

    /// Sends `chunk` with the events that arrive until the write gap has
    /// passed (and those already waiting), in one write; `None` when a
    /// revocation heard meanwhile ends the stream.
    async fn send_gathered(&mut self, mut chunk: String) -> Option<String> {
        let due = self.written_at + WRITE_GAP;
        if Instant::now() < due {
            tokio::time::sleep_until(due.into()).await;
        }
        let mut events = 1;
        while events < EVENTS_PER_WRITE {
            match self.receiver.try_recv() {
                Ok(event) => {
                    if let Some(frame) = self.live_frame(&event) {
                        chunk.push_str(&frame);
                        events += 1;
                    }
                }
                // Fallen behind: the journal has what was missed, sent
                // after this write.
                Err(TryRecvError::Lagged(_)) => {
                    if self.catch_up().await.is_err() {
                        return None;
                    }
                    break;
                }
                Err(TryRecvError::Empty) | Err(TryRecvError::Closed) => break,
            }
        }
        if self.revoked_meanwhile().await {
            return None;
        }
        self.send(chunk)
    }

    /// Whether a revocation heard since the last look ends this stream
    /// (after missed revocations, the database is asked again).
    async fn revoked_meanwhile(&mut self) -> bool {
        match self.revoked.try_recv() {
            Ok(r) => concerns(&r, self.user, self.credential.as_ref()),
            Err(TryRecvError::Empty) => false,
            Err(TryRecvError::Lagged(_)) => !self.still_admitted().await,
            Err(TryRecvError::Closed) => true,
        }
    }

    /// The next bytes of the stream; `None` ends it.
    async fn next_chunk(&mut self) -> Option<String> {
        if !self.greeted {
            self.greeted = true;
            return self.send("retry: 2000\n: connected\n\n".into());
        }
        loop {
            // A revocation heard while events are queued ends the stream
            // before the next one goes out.
            if self.revoked_meanwhile().await {
                return None;
            }
            if !self.pending.is_empty() {
                let mut chunk = String::new();
                let n = self.pending.len().min(EVENTS_PER_WRITE);
                for event in self.pending.drain(..n) {
                    if let Some(id) = event.scan_id() {
                        self.last_id = self.last_id.max(id);
                    }
                    chunk.push_str(&format_event(&event, self.lang));
                }
                return self.send(chunk);
            }
            // `biased`: a revocation or a due check wins over a scan that
            // arrives at the same moment, however busy the station is.
            tokio::select! {
                biased;
                r = self.revoked.recv() => match r {
                    Ok(r) if concerns(&r, self.user, self.credential.as_ref()) => return None,
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => {
                        if !self.still_admitted().await {
                            return None;
                        }
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = tokio::time::sleep_until(self.check_at.into()) => {
                    if !self.still_admitted().await {
                        return None;
                    }
                }
                _ = tokio::time::sleep_until(self.keep_alive_at.into()) => {
                    return self.send(": keep-alive\n\n".into());
                }
                event = self.receiver.recv() => match event {
                    Ok(event) => {
                        if let Some(frame) = self.live_frame(&event) {
                            return self.send_gathered(frame.to_string()).await;
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        if self.catch_up().await.is_err() {
                            return None;
                        }
                    }
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    }
}

/// Live events framed lately, so that a station watched by many streams
/// renders each event once per language rather than once per stream.
/// Each entry keeps its event alive, so a pointer match is that event.
struct Frames {
    recent: std::sync::Mutex<VecDeque<Framed>>,
}

/// An event, the language it was framed in, and the frame.
type Framed = (Arc<StationEvent>, Lang, Arc<str>);

/// Frames kept: a few per station and language is plenty, since every
/// stream of a station frames the same event within moments.
const FRAMES_KEPT: usize = 64;

fn frames() -> &'static Frames {
    static FRAMES: std::sync::OnceLock<Frames> = std::sync::OnceLock::new();
    FRAMES.get_or_init(|| Frames {
        recent: std::sync::Mutex::new(VecDeque::with_capacity(FRAMES_KEPT)),
    })
}

impl Frames {
    fn frame(&self, event: &Arc<StationEvent>, lang: Lang) -> Arc<str> {
        let found = {
            let recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
            recent
                .iter()
                .find(|(e, l, _)| *l == lang && Arc::ptr_eq(e, event))
                .map(|(_, _, f)| f.clone())
        };
        if let Some(frame) = found {
            return frame;
        }
        let frame: Arc<str> = format_event(event, lang).into();
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if recent.len() >= FRAMES_KEPT {
            recent.pop_front();
        }
        recent.push_back((event.clone(), lang, frame.clone()));
        frame
    }
}

fn format_event(event: &StationEvent, lang: Lang) -> String {
    let data = render_in(Some(lang), || serde_json::to_string(event)).unwrap_or_default();
    match event.scan_id() {
        Some(id) => format!("id: {id}\nevent: {}\ndata: {data}\n\n", event.name()),
        None => format!("event: {}\ndata: {data}\n\n", event.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_aim_identifier_is_read_from_the_front_of_a_scan() {
        assert_eq!(aim_of(b"]d2010950"), Some("]d2".into()));
        assert_eq!(aim_of(b"]C1"), Some("]C1".into()));
        assert_eq!(aim_of(b"T-0001"), None);
        assert_eq!(aim_of(b"]d"), None);
        assert_eq!(aim_of(b"]2d"), None);
    }

    #[test]
    fn a_scan_may_hold_gs1_separators_but_no_other_control_character() {
        assert!(allowed_in_scan('\u{1d}'));
        assert!(allowed_in_scan('\u{04}'));
        assert!(allowed_in_scan('A'));
        assert!(!allowed_in_scan('\r'));
        assert!(!allowed_in_scan('\u{0}'));
    }
}
