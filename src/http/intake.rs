//! Taking requests in: how many connections and body reads one client
//! address (and all clients together) may hold, and how fast a request
//! body must arrive.
//!
//! The server's own timeout covers a request's head only. Without these
//! limits a client that sends a head and then trickles its body (a byte a
//! second to `POST /signin`, no token needed) holds a connection, a file
//! descriptor and a worker's attention for as long as it likes, and a
//! thousand such clients starve everyone else. So, for every route (API,
//! pages, the sign-in form, uploads):
//!
//! - a body must be complete within `[limits] body_seconds` of its first
//!   read, and after `body_grace_seconds` must keep up an average of
//!   `body_min_bytes_per_second`; a body that does not is answered 408
//!   `request_timeout` and its connection closed;
//! - one address may hold `connections_per_address` connections that have
//!   sent a request and `body_reads_per_address` bodies being read at
//!   once (429 `too_many_connections`, connection closed, beyond that);
//!   all clients together `connections` and `body_reads` (503, same code).
//!
//! A connection is counted from its first request to its close (a guard
//! kept with the connection, dropped with it); a body read from its first
//! read to its end, so a body that arrives whole costs a slot for
//! microseconds and many desks behind one NAT do not collide.

use super::error::AppError;
use crate::config::Limits;
use crate::domain::messages::RecordMsg;
use crate::domain::RuleCode;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{header, ConnectionType, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::HttpMessage;
use futures_util::Stream;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// Which count a slot is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Connection,
    BodyRead,
}

#[derive(Debug, Default)]
struct Counts {
    per_address: HashMap<IpAddr, u32>,
    total: u32,
}

impl Counts {
    fn take(&mut self, ip: IpAddr, per_address: u32, total: u32) -> Result<(), Refusal> {
        if self.total >= total {
            return Err(Refusal::Everyone);
        }
        let held = self.per_address.entry(ip).or_insert(0);
        if *held >= per_address {
            return Err(Refusal::ThisAddress);
        }
        *held += 1;
        self.total += 1;
        Ok(())
    }

    fn give_back(&mut self, ip: IpAddr) {
        if let Some(held) = self.per_address.get_mut(&ip) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                self.per_address.remove(&ip);
            }
        }
        self.total = self.total.saturating_sub(1);
    }
}

/// Why a request was not taken in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// This address holds its share: 429.
    ThisAddress,
    /// All clients together hold everything: 503.
    Everyone,
}

/// The server's counts and limits, shared by all workers.
#[derive(Debug)]
pub struct Intake {
    limits: Limits,
    /// The total of connections, lowered to what the open-file limit allows.
    connections: u32,
    conns: Mutex<Counts>,
    reads: Mutex<Counts>,
}

/// A slot held; given back when dropped.
#[derive(Debug)]
struct Slot {
    intake: Arc<Intake>,
    ip: IpAddr,
    kind: Kind,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.intake.counts(self.kind).give_back(self.ip);
    }
}

/// Kept with each connection (`HttpServer::on_connect`): its slot, taken
/// at its first request and given back when the connection closes.
#[derive(Debug, Default)]
pub struct ConnectionSlot(RefCell<Option<Slot>>);

impl Intake {
    /// `open_files` is the process's open-file limit, when known: the
    /// total of connections stays below it, so the server never runs out
    /// of descriptors for its database and its listener.
    pub fn new(limits: &Limits, open_files: Option<u64>) -> Arc<Intake> {
        /// Descriptors kept for the database, the listener, logs, scanners.
        const RESERVED: u64 = 64;
        let connections = match open_files {
            Some(n) => u64::from(limits.connections).min(n.saturating_sub(RESERVED).max(1)),
            None => u64::from(limits.connections),
        };
        Arc::new(Intake {
            limits: limits.clone(),
            connections: u32::try_from(connections).unwrap_or(u32::MAX),
            conns: Mutex::new(Counts::default()),
            reads: Mutex::new(Counts::default()),
        })
    }

    /// How many connections all clients together may hold.
    pub fn connections(&self) -> u32 {
        self.connections
    }

    fn counts(&self, kind: Kind) -> std::sync::MutexGuard<'_, Counts> {
        let counts = match kind {
            Kind::Connection => &self.conns,
            Kind::BodyRead => &self.reads,
        };
        counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn take(self: &Arc<Self>, kind: Kind, ip: IpAddr) -> Result<Slot, Refusal> {
        let (per_address, total) = match kind {
            Kind::Connection => (self.limits.connections_per_address, self.connections),
            Kind::BodyRead => (self.limits.body_reads_per_address, self.limits.body_reads),
        };
        self.counts(kind).take(ip, per_address, total)?;
        Ok(Slot {
            intake: self.clone(),
            ip,
            kind,
        })
    }
}

/// What happened to one request's body, seen by the middleware after the
/// handler answered.
#[derive(Debug, Default)]
struct BodyWatch {
    timed_out: Cell<bool>,
    refused: Cell<Option<Refusal>>,
    finished: Cell<bool>,
}

/// A request body that must arrive in time.
struct Timed {
    inner: Payload,
    intake: Arc<Intake>,
    ip: Option<IpAddr>,
    watch: Rc<BodyWatch>,
    /// The first read: the clocks start here (the head's own timeout
    /// covers the time before, and a handler may first wait for its token
    /// check).
    started: Option<Instant>,
    received: u64,
    timer: Pin<Box<Sleep>>,
    slot: Option<Slot>,
    done: bool,
}

impl Timed {
    /// When the body is late: its whole deadline, or earlier when it falls
    /// behind the minimum rate after the grace period.
    fn due(&self, started: Instant) -> Instant {
        let limits = &self.intake.limits;
        let whole = started + Duration::from_secs_f64(limits.body_seconds);
        if limits.body_min_bytes_per_second == 0 {
            return whole;
        }
        let earned = self.received as f64 / limits.body_min_bytes_per_second as f64;
        let by_rate = started + Duration::from_secs_f64(limits.body_grace_seconds + earned);
        whole.min(by_rate)
    }

    fn end(&mut self) {
        self.done = true;
        self.slot = None;
    }

    fn late(&mut self) -> Poll<Option<Result<Bytes, PayloadError>>> {
        self.watch.timed_out.set(true);
        self.end();
        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "request body too slow",
        )))))
    }
}

impl Stream for Timed {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        let started = match this.started {
            Some(t) => t,
            None => {
                let now = Instant::now();
                this.started = Some(now);
                if let Some(ip) = this.ip {
                    match this.intake.take(Kind::BodyRead, ip) {
                        Ok(slot) => this.slot = Some(slot),
                        Err(refusal) => {
                            this.watch.refused.set(Some(refusal));
                            this.end();
                            return Poll::Ready(Some(Err(PayloadError::Io(
                                std::io::Error::other("too many bodies being read"),
                            ))));
                        }
                    }
                }
                now
            }
        };
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                this.received += bytes.len() as u64;
                if Instant::now()
                    >= started + Duration::from_secs_f64(this.intake.limits.body_seconds)
                {
                    return this.late();
                }
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.end();
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                this.watch.finished.set(true);
                this.end();
                Poll::Ready(None)
            }
            Poll::Pending => {
                let due = this.due(started);
                if Instant::now() >= due {
                    return this.late();
                }
                this.timer.as_mut().reset(due);
                match this.timer.as_mut().poll(cx) {
                    Poll::Ready(()) => this.late(),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

/// Whether the request says a body follows.
fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    let sized = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > 0);
    sized || headers.contains_key(header::TRANSFER_ENCODING)
}

fn refusal_error(refusal: Refusal) -> AppError {
    let status = match refusal {
        Refusal::ThisAddress => StatusCode::TOO_MANY_REQUESTS,
        Refusal::Everyone => StatusCode::SERVICE_UNAVAILABLE,
    };
    AppError::new(
        status,
        RuleCode::TooManyConnections,
        RecordMsg::TooManyConnections,
    )
    .with(|b| b.retry_after_s = Some(1))
}

fn timeout_error(limits: &Limits) -> AppError {
    AppError::new(
        StatusCode::REQUEST_TIMEOUT,
        RuleCode::RequestTimeout,
        RecordMsg::BodyTooSlow {
            seconds: limits.body_seconds,
            bytes_per_second: limits.body_min_bytes_per_second,
        },
    )
    .with(|b| {
        b.body_seconds = Some(limits.body_seconds);
        b.body_min_bytes_per_second = Some(limits.body_min_bytes_per_second);
    })
}

/// The answer to a request not taken in, or cut off: the error, and the
/// connection closed (its body may be unread or half read).
fn answer<B>(req: actix_web::HttpRequest, error: AppError) -> ServiceResponse<EitherBody<B>> {
    let mut res = actix_web::ResponseError::error_response(&error);
    res.head_mut().set_connection_type(ConnectionType::Close);
    ServiceResponse::new(req, res).map_into_right_body()
}

/// The middleware (`from_fn`, wrapped around the whole app inside the
/// language scope so its answers are in the reader's language).
pub async fn admit(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(intake) = req
        .app_data::<web::Data<Intake>>()
        .map(|d| d.clone().into_inner())
    else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let ip = req.peer_addr().map(|a| a.ip());
    if let (Some(ip), Some(held)) = (ip, req.conn_data::<ConnectionSlot>()) {
        let mut held = held.0.borrow_mut();
        if held.is_none() {
            match intake.take(Kind::Connection, ip) {
                Ok(slot) => *held = Some(slot),
                Err(refusal) => {
                    drop(held);
                    let (http, _) = req.into_parts();
                    return Ok(answer(http, refusal_error(refusal)));
                }
            }
        }
    }
    if !has_body(&req) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let watch = Rc::new(BodyWatch::default());
    let timed = Timed {
        inner: req.take_payload(),
        intake: intake.clone(),
        ip,
        watch: watch.clone(),
        started: None,
        received: 0,
        timer: Box::pin(tokio::time::sleep(Duration::ZERO)),
        slot: None,
        done: false,
    };
    let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(timed);
    req.set_payload(Payload::from(stream));
    let res = next.call(req).await?;
    if let Some(refusal) = watch.refused.get() {
        let (http, _) = res.into_parts();
        return Ok(answer(http, refusal_error(refusal)));
    }
    if watch.timed_out.get() {
        let (http, _) = res.into_parts();
        return Ok(answer(http, timeout_error(&intake.limits)));
    }
    let mut res = res.map_into_left_body();
    if !watch.finished.get() {
        // The handler answered without reading the whole body: what is
        // left of it is not waited for.
        res.response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            connections_per_address: 2,
            connections: 3,
            ..Limits::default()
        }
    }

    #[test]
    fn an_address_gets_its_share_and_everyone_together_the_total() {
        let intake = Intake::new(&limits(), None);
        let a = IpAddr::from([127, 0, 0, 2]);
        let b = IpAddr::from([127, 0, 0, 3]);
        let first = intake.take(Kind::Connection, a).expect("first");
        let _second = intake.take(Kind::Connection, a).expect("second");
        assert_eq!(
            intake.take(Kind::Connection, a).err(),
            Some(Refusal::ThisAddress)
        );
        let _third = intake.take(Kind::Connection, b).expect("another address");
        assert_eq!(
            intake.take(Kind::Connection, b).err(),
            Some(Refusal::Everyone)
        );
        drop(first);
        assert!(intake.take(Kind::Connection, a).is_ok());
    }

    #[test]
    fn the_total_of_connections_stays_below_the_open_file_limit() {
        let intake = Intake::new(&Limits::default(), Some(1024));
        assert_eq!(intake.connections(), 1024 - 64);
        let intake = Intake::new(&Limits::default(), None);
        assert_eq!(intake.connections(), Limits::default().connections);
    }
}
