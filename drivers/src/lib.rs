//! Barcode scanner transports and framing for kentai.
//!
//! kentai reads scanners itself instead of through a browser's keyboard
//! focus, so a scan cannot be lost to a moved cursor, garbled by a keyboard
//! layout or stripped of its GS separators (SPEC §5). This crate keeps the
//! device side of that apart from the server:
//!
//! - a [`Transport`] is one open device that yields what the device sent:
//!   a byte stream ([`Chunk::Stream`]: serial ports, and keyboard-mode
//!   scanners once their key reports are decoded) or whole symbols the
//!   device delimits itself ([`Chunk::Symbol`]: USB HID POS);
//! - [`framing`] cuts a byte stream into frames by the scanner's suffix,
//!   pure and tested on bytes;
//! - [`hid_pos`] and [`keyboard`] decode USB reports, pure and tested on
//!   recorded report bytes;
//! - [`serial`], [`usb`] and [`fake`] are the transports;
//! - [`supervisor`] runs one reader thread per configured scanner and keeps
//!   reopening the ones that come and go;
//! - [`astm`] speaks ASTM with analysers: the E1381 / LIS1-A link and the
//!   E1394 / LIS2-A2 records, pure and tested on bytes.
//! - [`hl7`] reads analysers' HL7 v2.5.1 results (ORU^R01) over MLLP and
//!   writes their ACKs, pure and tested on bytes.

pub mod astm;
pub mod fake;
pub mod framing;
pub mod hid_pos;
pub mod hl7;
pub mod keyboard;
pub mod serial;
pub mod supervisor;
pub mod usb;

use std::time::Duration;
use thiserror::Error;

/// What a transport read from its device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    /// Bytes of a stream that the framer cuts into scans.
    Stream(Vec<u8>),
    /// One whole scan the device delimited itself.
    Symbol(Symbol),
}

/// One decoded barcode as the device reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// The AIM symbology identifier (`]d2`, `]C1`, …) when the device
    /// reported one apart from the data.
    pub aim: Option<[u8; 3]>,
    /// The data, GS separators included, without any suffix.
    pub data: Vec<u8>,
}

#[derive(Debug, Error)]
pub enum TransportError {
    /// The device is gone (unplugged, its pty closed, its path removed).
    /// The supervisor reopens it; other errors it reports and retries too,
    /// but only this one means "lost".
    #[error("device disconnected: {0}")]
    Disconnected(String),
    /// Nothing matching the configuration is attached.
    #[error("device not found: {0}")]
    NotFound(String),
    /// The device exists but may not be opened (permissions, busy).
    #[error("cannot open device: {0}")]
    Open(String),
    #[error("device I/O error: {0}")]
    Io(String),
}

/// One open scanner.
pub trait Transport: Send {
    /// Waits at most `timeout` for the device; `Ok(None)` when it stayed
    /// silent.
    fn read(&mut self, timeout: Duration) -> Result<Option<Chunk>, TransportError>;

    /// How to name the device in logs and `kentai devices` (path, or
    /// VID:PID and serial number).
    fn describe(&self) -> String;
}
