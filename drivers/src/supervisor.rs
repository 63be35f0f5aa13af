//! Keeping every configured scanner read, whatever the scanners do.
//!
//! Scanners are unplugged and plugged back, swapped for another unit,
//! powered off overnight; a station must start scanning again without a
//! restart, and the user must be told when it cannot (SPEC §5). The
//! supervisor runs one reader thread per configured scanner, named
//! `scanner-<name>`, so a device that hangs in `open` or never answers
//! cannot hold up the others. Each thread:
//!
//! 1. opens its device through an [`Opener`] (state `open`; `absent` while
//!    it cannot, retrying with back-off),
//! 2. reads it (`reading`), cutting streams into scans with a [`Framer`]
//!    and flushing half-sent scans when the device stays silent,
//! 3. on a disconnect reports the scan it cut off, goes `lost`, then
//!    `back_off`, and opens the device again; any other read error is
//!    counted and reported the same way, minus the `lost`.
//!
//! Back-off doubles from `backoff_min` to `backoff_max` and starts over
//! after a successful open. While a device stays absent, the state stays
//! `absent` during the waits between attempts (rather than flipping to
//! `back_off` and back every attempt), and a State event is sent only when
//! the reason it cannot be opened changes: an unplugged scanner must not
//! journal two events every two seconds all night.
//!
//! Every scan, framing error and state change goes to the sink, on the
//! reader thread: a sink that blocks (to journal a scan durably before it
//! is acknowledged) holds back only that scanner, and that is intended.
//! After [`Supervisor::stop`] returns the sink is never called again; a
//! thread stuck in its device's `open` is left behind rather than waited
//! for, and can no longer reach the sink.

use crate::framing::{frame_symbol, Frame, FrameEvent, Framer, FramingConfig, FramingError};
use crate::keyboard::Layout;
use crate::serial::{SerialSettings, SerialTransport};
use crate::usb::{self, UsbSelector};
use crate::{Chunk, Transport, TransportError};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

/// Which device a scanner is and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceKind {
    Serial(SerialSettings),
    HidPos(UsbSelector),
    UsbKeyboard(UsbSelector, Layout),
}

impl DeviceKind {
    /// The configuration code: `serial`, `hid_pos`, `usb_keyboard`.
    pub fn code(&self) -> &'static str {
        match self {
            DeviceKind::Serial(_) => "serial",
            DeviceKind::HidPos(_) => "hid_pos",
            DeviceKind::UsbKeyboard(..) => "usb_keyboard",
        }
    }

    /// Where the device is: its path, or `0c2e:0b87` plus ` serial XYZ`.
    pub fn target(&self) -> String {
        match self {
            DeviceKind::Serial(settings) => settings.path.display().to_string(),
            DeviceKind::HidPos(sel) | DeviceKind::UsbKeyboard(sel, _) => {
                let mut target = format!("{:04x}:{:04x}", sel.vid, sel.pid);
                if let Some(serial) = &sel.serial {
                    target.push_str(" serial ");
                    target.push_str(serial);
                }
                target
            }
        }
    }
}

/// One configured scanner (`[[scanner]]` in `kentai.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSpec {
    pub name: String,
    pub station: String,
    pub kind: DeviceKind,
    pub framing: FramingConfig,
}

impl DeviceSpec {
    /// A scanner with the default framing (CR suffix).
    pub fn new(name: impl Into<String>, station: impl Into<String>, kind: DeviceKind) -> Self {
        DeviceSpec {
            name: name.into(),
            station: station.into(),
            kind,
            framing: FramingConfig::default(),
        }
    }
}

/// Opens the device a spec names. Tests substitute their own.
pub trait Opener: Send + Sync {
    fn open(&self, spec: &DeviceSpec) -> Result<Box<dyn Transport>, TransportError>;
}

/// Opens real devices.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemOpener;

impl Opener for SystemOpener {
    fn open(&self, spec: &DeviceSpec) -> Result<Box<dyn Transport>, TransportError> {
        Ok(match &spec.kind {
            DeviceKind::Serial(settings) => Box::new(SerialTransport::open(settings)?),
            DeviceKind::HidPos(sel) => Box::new(usb::HidPosTransport::open(sel)?),
            DeviceKind::UsbKeyboard(sel, layout) => {
                Box::new(usb::UsbKeyboardTransport::open(sel, *layout)?)
            }
        })
    }
}

/// Where a scanner is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceState {
    /// Not (yet) opened: not attached, or it refused to open.
    Absent,
    /// Opened, not read yet.
    Open,
    /// Being read.
    Reading,
    /// It went away.
    Lost,
    /// Waiting before opening it again.
    BackOff,
}

impl DeviceState {
    /// `absent`, `open`, `reading`, `lost`, `back_off`.
    pub fn code(self) -> &'static str {
        match self {
            DeviceState::Absent => "absent",
            DeviceState::Open => "open",
            DeviceState::Reading => "reading",
            DeviceState::Lost => "lost",
            DeviceState::BackOff => "back_off",
        }
    }
}

impl fmt::Display for DeviceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A scanner as `kentai devices` and the station page show it.
#[derive(Debug, Clone)]
pub struct DeviceStatus {
    pub name: String,
    pub station: String,
    /// [`DeviceKind::code`].
    pub kind: &'static str,
    /// [`DeviceKind::target`].
    pub target: String,
    pub state: DeviceState,
    /// When it entered `state`.
    pub since: SystemTime,
    /// Why it could not be opened, why it was lost, or the last bad scan.
    pub last_error: Option<String>,
    pub frames: u64,
    /// Framing errors and read errors (failed opens are not counted: an
    /// absent scanner would count forever).
    pub errors: u64,
    /// Successful opens.
    pub connects: u64,
}

/// What the supervisor reports, from the reader threads.
#[derive(Debug, Clone)]
pub enum DeviceEvent {
    /// A scan. `at` is when its last byte was read.
    Frame {
        device: String,
        station: String,
        frame: Frame,
        at: SystemTime,
    },
    /// Bytes that were not a scan.
    Error {
        device: String,
        station: String,
        error: FramingError,
        at: SystemTime,
    },
    /// The scanner changed state; `detail` says why or names the device
    /// opened.
    State {
        device: String,
        station: String,
        state: DeviceState,
        detail: Option<String>,
        at: SystemTime,
    },
}

impl DeviceEvent {
    /// The scanner's configured name.
    pub fn device(&self) -> &str {
        match self {
            DeviceEvent::Frame { device, .. }
            | DeviceEvent::Error { device, .. }
            | DeviceEvent::State { device, .. } => device,
        }
    }

    pub fn station(&self) -> &str {
        match self {
            DeviceEvent::Frame { station, .. }
            | DeviceEvent::Error { station, .. }
            | DeviceEvent::State { station, .. } => station,
        }
    }

    pub fn at(&self) -> SystemTime {
        match self {
            DeviceEvent::Frame { at, .. }
            | DeviceEvent::Error { at, .. }
            | DeviceEvent::State { at, .. } => *at,
        }
    }
}

/// Timing of the reader threads.
#[derive(Debug, Clone)]
pub struct SupervisorConfig {
    /// The longest a read waits; also how quickly a thread notices `stop`.
    pub read_timeout: Duration,
    /// The first wait before reopening a device.
    pub backoff_min: Duration,
    /// The longest wait before reopening a device.
    pub backoff_max: Duration,
}

impl Default for SupervisorConfig {
    fn default() -> Self {
        SupervisorConfig {
            read_timeout: Duration::from_millis(20),
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(2),
        }
    }
}

/// Receives every event; called on the reader threads. It must not call
/// [`Supervisor::stop`].
pub type Sink = Arc<dyn Fn(DeviceEvent) + Send + Sync>;

/// How long `stop` waits for the reader threads beyond one read timeout
/// before leaving behind the ones stuck in a device's `open`.
const JOIN_GRACE: Duration = Duration::from_millis(500);

/// What the supervisor and its threads share.
struct Shared {
    stop: AtomicBool,
    /// Wakes threads sleeping in back-off when `stop` is set.
    wake: Condvar,
    sleeping: Mutex<()>,
    /// `true` once stopped. Sink calls hold it for reading, so `stop`
    /// taking it for writing waits for calls in flight and bars new ones.
    closed: RwLock<bool>,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Sleeps `d` unless stopped first; returns whether stopped.
    fn sleep(&self, d: Duration) -> bool {
        let end = Instant::now() + d;
        let mut guard = lock(&self.sleeping);
        loop {
            if self.stopped() {
                return true;
            }
            let now = Instant::now();
            if now >= end {
                return false;
            }
            guard = match self.wake.wait_timeout(guard, end - now) {
                Ok((g, _)) => g,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    fn signal_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        // Taking the lock orders this after any sleeper's check.
        let _guard = lock(&self.sleeping);
        self.wake.notify_all();
    }
}

/// A mutex guard even if a holder panicked: the data are plain counters
/// and states, still meaningful.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs the reader threads. Dropping it stops them, as [`stop`] does.
///
/// [`stop`]: Supervisor::stop
pub struct Supervisor {
    shared: Arc<Shared>,
    statuses: Vec<Arc<Mutex<DeviceStatus>>>,
    threads: Vec<JoinHandle<()>>,
    read_timeout: Duration,
}

impl fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Supervisor")
            .field("devices", &self.statuses.len())
            .field("stopped", &self.shared.stopped())
            .finish()
    }
}

impl Supervisor {
    /// Starts one reader thread per spec.
    pub fn start(
        specs: Vec<DeviceSpec>,
        opener: Arc<dyn Opener>,
        config: SupervisorConfig,
        sink: Sink,
    ) -> Supervisor {
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            wake: Condvar::new(),
            sleeping: Mutex::new(()),
            closed: RwLock::new(false),
        });
        let mut statuses = Vec::with_capacity(specs.len());
        let mut threads = Vec::with_capacity(specs.len());
        for spec in specs {
            let status = Arc::new(Mutex::new(DeviceStatus {
                name: spec.name.clone(),
                station: spec.station.clone(),
                kind: spec.kind.code(),
                target: spec.kind.target(),
                state: DeviceState::Absent,
                since: SystemTime::now(),
                last_error: None,
                frames: 0,
                errors: 0,
                connects: 0,
            }));
            statuses.push(status.clone());
            let thread_name = format!("scanner-{}", spec.name);
            let reader = Reader {
                framer: Framer::new(spec.framing.clone()),
                backoff: config.backoff_min,
                spec,
                opener: opener.clone(),
                config: config.clone(),
                sink: sink.clone(),
                shared: shared.clone(),
                status: status.clone(),
                last_byte_at: SystemTime::now(),
                absent_reason: None,
            };
            match thread::Builder::new()
                .name(thread_name)
                .spawn(move || reader.run())
            {
                Ok(handle) => threads.push(handle),
                Err(e) => {
                    lock(&status).last_error = Some(format!("cannot start its reader thread: {e}"))
                }
            }
        }
        Supervisor {
            shared,
            statuses,
            threads,
            read_timeout: config.read_timeout,
        }
    }

    /// Every scanner's status, in spec order.
    pub fn statuses(&self) -> Vec<DeviceStatus> {
        self.statuses.iter().map(|s| lock(s).clone()).collect()
    }

    /// Stops every reader thread and waits for them (see the module
    /// documentation for threads stuck in `open`). The sink is not called
    /// after this returns.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.signal_stop();
        {
            let mut closed = self
                .shared
                .closed
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            *closed = true;
        }
        let deadline = Instant::now() + self.read_timeout + JOIN_GRACE;
        for handle in std::mem::take(&mut self.threads) {
            while !handle.is_finished() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(1));
            }
            if handle.is_finished() {
                // A panic in a reader thread has already been counted in
                // its status; nothing more to do with it here.
                let _ = handle.join();
            }
            // Otherwise it is stuck in `open`: leave it; the closed gate
            // keeps it from the sink and it exits once `open` returns.
        }
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// How a connection ended.
enum End {
    Stopped,
    Lost(String),
    Failed(String),
}

/// One scanner's reader thread.
struct Reader {
    spec: DeviceSpec,
    opener: Arc<dyn Opener>,
    config: SupervisorConfig,
    sink: Sink,
    shared: Arc<Shared>,
    status: Arc<Mutex<DeviceStatus>>,
    framer: Framer,
    backoff: Duration,
    /// When the last stream bytes were read: the time of a scan that
    /// silence ended.
    last_byte_at: SystemTime,
    /// Why the last open failed, to report a change of reason once.
    absent_reason: Option<String>,
}

impl Reader {
    fn run(mut self) {
        while !self.shared.stopped() {
            let opened = self.opener.open(&self.spec);
            if self.shared.stopped() {
                break;
            }
            let transport = match opened {
                Ok(transport) => transport,
                Err(e) => {
                    let reason = e.to_string();
                    lock(&self.status).last_error = Some(reason.clone());
                    if self.absent_reason.as_deref() != Some(&reason)
                        || self.state() != DeviceState::Absent
                    {
                        self.absent_reason = Some(reason.clone());
                        self.set_state(DeviceState::Absent, Some(reason));
                    }
                    if self.back_off() {
                        break;
                    }
                    continue;
                }
            };
            self.absent_reason = None;
            self.backoff = self.config.backoff_min;
            lock(&self.status).connects += 1;
            self.set_state(DeviceState::Open, Some(transport.describe()));
            match self.read(transport) {
                End::Stopped => break,
                End::Lost(why) => {
                    self.cut_off();
                    lock(&self.status).last_error = Some(why.clone());
                    self.set_state(DeviceState::Lost, Some(why));
                    let wait = self.wait_text();
                    self.set_state(DeviceState::BackOff, Some(wait));
                }
                End::Failed(why) => {
                    {
                        let mut status = lock(&self.status);
                        status.errors += 1;
                        status.last_error = Some(why.clone());
                    }
                    self.cut_off();
                    let wait = format!("{why}; {}", self.wait_text());
                    self.set_state(DeviceState::BackOff, Some(wait));
                }
            }
            if self.back_off() {
                break;
            }
        }
    }

    /// Reads until the device goes away or the supervisor stops; the
    /// transport is dropped (the device closed) on return, before any
    /// reopening.
    fn read(&mut self, mut transport: Box<dyn Transport>) -> End {
        let mut first = true;
        loop {
            if self.shared.stopped() {
                return End::Stopped;
            }
            // Wake in time to flush a half-sent scan, not a read later.
            let timeout = match self.framer.deadline() {
                Some(due) => due
                    .saturating_duration_since(Instant::now())
                    .min(self.config.read_timeout),
                None => self.config.read_timeout,
            };
            let result = transport.read(timeout);
            if first && result.is_ok() {
                first = false;
                self.set_state(DeviceState::Reading, None);
            }
            match result {
                Ok(Some(Chunk::Stream(bytes))) => {
                    let at = SystemTime::now();
                    self.last_byte_at = at;
                    let events = self.framer.push(&bytes, Instant::now());
                    self.deliver(events, at);
                }
                Ok(Some(Chunk::Symbol(symbol))) => {
                    let at = SystemTime::now();
                    let event = frame_symbol(symbol, &self.spec.framing);
                    self.deliver(vec![event], at);
                }
                // Only a read that found nothing flushes: bytes that
                // waited in the driver while the sink was busy are not a
                // pause on the wire.
                Ok(None) => {
                    let events = self.framer.idle(Instant::now());
                    self.deliver(events, self.last_byte_at);
                }
                Err(TransportError::Disconnected(why)) => return End::Lost(why),
                Err(e) => return End::Failed(e.to_string()),
            }
        }
    }

    /// Reports the scan a lost connection cut off.
    fn cut_off(&mut self) {
        if let Some(error) = self.framer.reset() {
            self.deliver(vec![FrameEvent::Error(error)], SystemTime::now());
        }
    }

    /// Waits the current back-off and doubles it; returns whether the
    /// supervisor stopped meanwhile.
    fn back_off(&mut self) -> bool {
        let stopped = self.shared.sleep(self.backoff);
        self.backoff = (self.backoff * 2).min(self.config.backoff_max);
        stopped
    }

    fn wait_text(&self) -> String {
        format!("reopening in {} ms", self.backoff.as_millis())
    }

    fn state(&self) -> DeviceState {
        lock(&self.status).state
    }

    /// Scans and framing errors: counted, then sent. A scan completed by
    /// silence carries the time of its last byte; errors the time found.
    fn deliver(&mut self, events: Vec<FrameEvent>, at: SystemTime) {
        for event in events {
            let event = match event {
                FrameEvent::Frame(frame) => {
                    lock(&self.status).frames += 1;
                    DeviceEvent::Frame {
                        device: self.spec.name.clone(),
                        station: self.spec.station.clone(),
                        frame,
                        at,
                    }
                }
                FrameEvent::Error(error) => {
                    {
                        let mut status = lock(&self.status);
                        status.errors += 1;
                        status.last_error = Some(error.to_string());
                    }
                    DeviceEvent::Error {
                        device: self.spec.name.clone(),
                        station: self.spec.station.clone(),
                        error,
                        at: SystemTime::now().max(at),
                    }
                }
            };
            self.emit(event);
        }
    }

    fn set_state(&mut self, state: DeviceState, detail: Option<String>) {
        let at = SystemTime::now();
        {
            let mut status = lock(&self.status);
            if status.state == state && state != DeviceState::Absent {
                return;
            }
            status.state = state;
            status.since = at;
        }
        self.emit(DeviceEvent::State {
            device: self.spec.name.clone(),
            station: self.spec.station.clone(),
            state,
            detail,
            at,
        });
    }

    /// Calls the sink unless the supervisor has stopped. A panicking sink
    /// costs that one event, not the scanner's thread.
    fn emit(&self, event: DeviceEvent) {
        let closed = self
            .shared
            .closed
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if *closed {
            return;
        }
        let sink = &self.sink;
        if catch_unwind(AssertUnwindSafe(|| sink(event))).is_err() {
            let mut status = lock(&self.status);
            status.errors += 1;
            status.last_error = Some("the event sink panicked".into());
        }
    }
}
