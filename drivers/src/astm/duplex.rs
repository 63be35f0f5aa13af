//! The line under an ASTM link: a [`Duplex`] reads with a timeout and
//! writes, over TCP or a serial port, and [`drive`] runs a [`Link`] over
//! one, blocking, until its [`Session`] says stop.
//!
//! The protocol itself stays in [`super::link`], pure; this module is the
//! little that touches the clock and the device: it reads, hands the bytes
//! and `Instant::now()` to the link, writes what the link says, and wakes
//! for the link's timers even when the line is silent. Records go to the
//! session, and the frame that completed them is acknowledged only when
//! the session has journalled every one of them (or answered NAK when it
//! could not), which is what [`Acknowledge::AfterJournal`] asks for.
//!
//! Errors of the line are [`TransportError`]s, as for scanners, so a
//! supervisor tells a gone device or a closed connection (`Disconnected`)
//! from other failures the same way.

use super::link::{Acknowledge, Action, EncodeError, Link};
use crate::serial::SerialSettings;
use crate::TransportError;
use serialport::SerialPort;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The shortest wait a read is given: a zero timeout means "forever" to
/// sockets, and is refused by some.
const MIN_WAIT: Duration = Duration::from_millis(1);
/// The longest the drive loop sleeps in a read before it asks the session
/// again whether to go on and what to send.
const POLL: Duration = Duration::from_millis(100);
/// The most bytes one read takes.
const READ_BUF: usize = 4096;

/// A two-way byte line.
pub trait Duplex {
    /// Waits at most `timeout` for bytes and reads what is there into
    /// `buf`; `Ok(None)` when the line stayed silent. A closed line is
    /// `TransportError::Disconnected`.
    fn receive(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<Option<usize>, TransportError>;

    /// Writes every byte.
    fn transmit(&mut self, bytes: &[u8]) -> Result<(), TransportError>;
}

fn is_silence(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

fn line_error(e: io::Error) -> TransportError {
    use io::ErrorKind as K;
    match e.kind() {
        K::BrokenPipe
        | K::ConnectionAborted
        | K::ConnectionReset
        | K::NotConnected
        | K::UnexpectedEof => TransportError::Disconnected(e.to_string()),
        // A pty or USB serial device that went away fails reads with EIO,
        // which serialport reports by its text only.
        _ if e.to_string().contains("I/O error") => TransportError::Disconnected(e.to_string()),
        _ => TransportError::Io(e.to_string()),
    }
}

fn read_result(read: io::Result<usize>) -> Result<Option<usize>, TransportError> {
    match read {
        Ok(0) => Err(TransportError::Disconnected("end of stream".to_string())),
        Ok(n) => Ok(Some(n)),
        Err(e) if is_silence(&e) => Ok(None),
        Err(e) => Err(line_error(e)),
    }
}

impl Duplex for TcpStream {
    fn receive(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<Option<usize>, TransportError> {
        self.set_read_timeout(Some(timeout.max(MIN_WAIT)))
            .map_err(line_error)?;
        read_result(self.read(buf))
    }

    fn transmit(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.write_all(bytes).map_err(line_error)?;
        self.flush().map_err(line_error)
    }
}

/// An open serial port as an ASTM line.
pub struct SerialLine {
    port: Box<dyn SerialPort>,
    timeout: Duration,
}

impl std::fmt::Debug for SerialLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialLine")
            .field("port", &self.port.name())
            .finish()
    }
}

impl SerialLine {
    /// Opens the port at `settings.path`, raw and exclusive, as scanners'
    /// ports are opened.
    pub fn open(settings: &SerialSettings) -> Result<SerialLine, TransportError> {
        let (port, _) = crate::serial::open_port(settings, POLL)?;
        Ok(SerialLine::from_port(port, POLL))
    }

    /// An already open port (a pty's master in tests, a port opened
    /// otherwise).
    pub fn from_port(port: Box<dyn SerialPort>, timeout: Duration) -> SerialLine {
        SerialLine { port, timeout }
    }
}

impl Duplex for SerialLine {
    fn receive(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<Option<usize>, TransportError> {
        let timeout = timeout.max(MIN_WAIT);
        if timeout != self.timeout {
            self.port
                .set_timeout(timeout)
                .map_err(|e| TransportError::Io(e.description))?;
            self.timeout = timeout;
        }
        read_result(self.port.read(buf))
    }

    fn transmit(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.port.write_all(bytes).map_err(line_error)?;
        self.port.flush().map_err(line_error)
    }
}

/// What [`drive`] asks of the program around the link.
pub trait Session {
    /// A whole record arrived. Return `true` once it is journalled; `false`
    /// has the frame answered NAK, so the instrument sends it again. (A
    /// link that acknowledges at once has already answered, and the answer
    /// is not asked for.)
    fn record(&mut self, record: Vec<u8>) -> bool;

    /// Every other event of the link (not its writes).
    fn event(&mut self, action: Action);

    /// A message to send (its records, each without CR), asked at least
    /// every 100 ms.
    fn next_message(&mut self) -> Option<Vec<Vec<u8>>> {
        None
    }

    /// A message from [`Session::next_message`] that cannot be framed.
    fn unsendable(&mut self, _error: EncodeError) {}

    /// Whether to go on, asked at least every 100 ms.
    fn keep_going(&mut self) -> bool;
}

/// Runs `link` over `line` until the session says stop or the line fails.
pub fn drive<D: Duplex + ?Sized, S: Session + ?Sized>(
    link: &mut Link,
    line: &mut D,
    session: &mut S,
) -> Result<(), TransportError> {
    let mut buf = vec![0; READ_BUF];
    while session.keep_going() {
        while let Some(message) = session.next_message() {
            match link.send(&message, Instant::now()) {
                Ok((_, actions)) => perform(link, line, session, actions)?,
                Err(error) => session.unsendable(error),
            }
        }
        let now = Instant::now();
        let wait = link
            .next_deadline()
            .map_or(POLL, |deadline| deadline.saturating_duration_since(now))
            .min(POLL);
        let read = line.receive(&mut buf, wait)?;
        let now = Instant::now();
        let mut actions = match read {
            Some(n) => link.on_bytes(&buf[..n], now),
            None => Vec::new(),
        };
        // Timers run even while bytes keep coming.
        actions.extend(link.on_tick(now));
        perform(link, line, session, actions)?;
    }
    Ok(())
}

/// Writes the link's bytes, hands its records and events to the session,
/// and acknowledges a frame once its records are journalled.
fn perform<D: Duplex + ?Sized, S: Session + ?Sized>(
    link: &mut Link,
    line: &mut D,
    session: &mut S,
    actions: Vec<Action>,
) -> Result<(), TransportError> {
    let mut journalled = true;
    for action in actions {
        match action {
            Action::Write(bytes) => line.transmit(&bytes)?,
            Action::Record(record) => journalled &= session.record(record),
            other => session.event(other),
        }
    }
    if link.config().acknowledge == Acknowledge::AfterJournal && link.awaiting_acknowledge() {
        let now = Instant::now();
        let reply = if journalled {
            link.acknowledge(now)
        } else {
            link.reject(now)
        };
        for action in reply {
            match action {
                Action::Write(bytes) => line.transmit(&bytes)?,
                other => session.event(other),
            }
        }
    }
    Ok(())
}
