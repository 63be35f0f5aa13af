//! Serial scanners: USB CDC-ACM (`/dev/ttyACM*`), USB-serial adapters
//! (`/dev/ttyUSB*`) and RS-232 ports, read through `serialport`.
//!
//! A serial scanner is the simplest and most faithful transport: the bytes
//! on the wire are the scan, GS included. What this module adds is the
//! mapping of the many ways a port fails onto [`TransportError`], so the
//! supervisor can tell "unplugged, reopen it" (`Disconnected`) from
//! "misconfigured" (`NotFound`, `Open`):
//!
//! - a configured path that does not exist (or a dangling symlink, or a
//!   device node whose device is gone) is `NotFound`;
//! - permission denied or a port held by another program is `Open`;
//! - when the device goes away, Linux makes `poll` report `POLLHUP` (which
//!   `serialport` turns into `BrokenPipe`), or `read` fail with `EIO`, or
//!   return zero bytes: all three are `Disconnected`. That is also what a
//!   pseudo-terminal's slave sees when its master is closed, which is how
//!   the tests unplug a scanner. None of them block, so a gone device is
//!   reported at once instead of being polled in a busy loop.
//!
//! The path may be a symlink (a udev rule's `/dev/scanner-desk1`); it is
//! resolved each time the port is opened, so pointing the link at another
//! device takes effect on the next reopen.
//!
//! Ports are opened exclusive (`TIOCEXCL` plus an `flock`), which is
//! `serialport`'s default: it keeps a second kentai, or ModemManager
//! probing a new `ttyACM`, from reading half of the scans. Reopening is not
//! affected because the transport is dropped (and the port closed) before
//! the supervisor opens it again.

use crate::{Chunk, Transport, TransportError};
use serialport::{DataBits, ErrorKind, FlowControl, SerialPort, StopBits};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The most bytes one read hands over; at scanner speeds a read rarely
/// finds more than a few.
const READ_BUF: usize = 4096;

/// Parity, as configured on the scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Parity {
    None,
    Odd,
    Even,
}

impl Parity {
    /// Parses `none`, `odd` or `even`.
    pub fn from_code(code: &str) -> Option<Parity> {
        match code {
            "none" => Some(Parity::None),
            "odd" => Some(Parity::Odd),
            "even" => Some(Parity::Even),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Parity::None => "none",
            Parity::Odd => "odd",
            Parity::Even => "even",
        }
    }
}

/// How to open one serial scanner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialSettings {
    /// The device path; symlinks are followed when the port is opened.
    pub path: PathBuf,
    pub baud: u32,
    pub parity: Parity,
    /// 7 or 8.
    pub data_bits: u8,
    /// 1 or 2.
    pub stop_bits: u8,
    /// RTS/CTS hardware flow control.
    pub flow_control: bool,
}

impl SerialSettings {
    /// 9600 baud, 8N1, no flow control: what scanners ship with.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        SerialSettings {
            path: path.into(),
            baud: 9600,
            parity: Parity::None,
            data_bits: 8,
            stop_bits: 1,
            flow_control: false,
        }
    }
}

/// One open serial scanner.
pub struct SerialTransport {
    port: Box<dyn SerialPort>,
    /// The timeout currently set on the port, to set it only when it
    /// changes.
    timeout: Duration,
    describe: String,
    buf: Vec<u8>,
}

impl std::fmt::Debug for SerialTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialTransport")
            .field("device", &self.describe)
            .finish()
    }
}

impl SerialTransport {
    /// Opens the port at `settings.path` (following symlinks now).
    pub fn open(settings: &SerialSettings) -> Result<SerialTransport, TransportError> {
        let timeout = Duration::from_millis(20);
        let (port, describe) = open_port(settings, timeout)?;
        Ok(SerialTransport {
            port,
            timeout,
            describe,
            buf: vec![0; READ_BUF],
        })
    }
}

/// Opens the port at `settings.path` raw and exclusive, reads timing out
/// after `timeout`: the port, and its name for logs (the link and the
/// device it points at). Scanners and analysers open their ports here.
pub(crate) fn open_port(
    settings: &SerialSettings,
    timeout: Duration,
) -> Result<(Box<dyn SerialPort>, String), TransportError> {
    let shown = settings.path.display().to_string();
    // Resolving first tells a missing device (or a dangling link) apart
    // from one that refuses to open, and names the real device in logs.
    let real = match std::fs::canonicalize(&settings.path) {
        Ok(real) => real,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(TransportError::NotFound(shown))
        }
        Err(e) => return Err(TransportError::Open(format!("{shown}: {e}"))),
    };
    let data_bits = match settings.data_bits {
        7 => DataBits::Seven,
        8 => DataBits::Eight,
        n => {
            return Err(TransportError::Open(format!(
                "{shown}: {n} data bits (7 or 8 supported)"
            )))
        }
    };
    let stop_bits = match settings.stop_bits {
        1 => StopBits::One,
        2 => StopBits::Two,
        n => {
            return Err(TransportError::Open(format!(
                "{shown}: {n} stop bits (1 or 2 supported)"
            )))
        }
    };
    let parity = match settings.parity {
        Parity::None => serialport::Parity::None,
        Parity::Odd => serialport::Parity::Odd,
        Parity::Even => serialport::Parity::Even,
    };
    let flow = if settings.flow_control {
        FlowControl::Hardware
    } else {
        FlowControl::None
    };
    let builder = serialport::new(real.to_string_lossy(), settings.baud)
        .data_bits(data_bits)
        .stop_bits(stop_bits)
        .parity(parity)
        .flow_control(flow)
        .timeout(timeout);
    #[cfg(unix)]
    let builder = builder.exclusive(true);
    let port = builder.open().map_err(|e| open_error(&shown, &real, e))?;
    let describe = if real == settings.path {
        shown
    } else {
        format!("{shown} -> {}", real.display())
    };
    Ok((port, describe))
}

fn open_error(shown: &str, real: &Path, e: serialport::Error) -> TransportError {
    let at = if Path::new(shown) == real {
        shown.to_string()
    } else {
        format!("{shown} ({})", real.display())
    };
    match e.kind() {
        ErrorKind::Io(io::ErrorKind::NotFound) => TransportError::NotFound(at),
        ErrorKind::Io(io::ErrorKind::PermissionDenied) => {
            TransportError::Open(format!("{at}: permission denied"))
        }
        // EBUSY from TIOCEXCL, or another program's flock.
        ErrorKind::NoDevice => TransportError::Open(format!("{at}: in use ({})", e.description)),
        // ENXIO / ENODEV: the node is there but its device is not.
        _ if is_gone(&e.description) => {
            TransportError::NotFound(format!("{at}: {}", e.description))
        }
        _ => TransportError::Open(format!("{at}: {}", e.description)),
    }
}

/// Does this error text (nix's `strerror`) say the device is gone?
fn is_gone(message: &str) -> bool {
    const GONE: [&str; 5] = [
        "I/O error",
        "No such device",
        "Broken pipe",
        "device disconnected",
        "Input/output error",
    ];
    GONE.iter().any(|g| message.contains(g))
}

/// Maps a failed read. `serialport` keeps no OS error number, only kinds
/// and `strerror` texts, so EIO and ENXIO are recognised by their text.
fn read_error(device: &str, e: io::Error) -> TransportError {
    use io::ErrorKind as K;
    let message = e.to_string();
    match e.kind() {
        K::BrokenPipe
        | K::ConnectionAborted
        | K::ConnectionReset
        | K::NotConnected
        | K::UnexpectedEof
        | K::NotFound => TransportError::Disconnected(format!("{device}: {message}")),
        _ if is_gone(&message) => TransportError::Disconnected(format!("{device}: {message}")),
        _ => TransportError::Io(format!("{device}: {message}")),
    }
}

impl Transport for SerialTransport {
    fn read(&mut self, timeout: Duration) -> Result<Option<Chunk>, TransportError> {
        if timeout != self.timeout {
            self.port
                .set_timeout(timeout)
                .map_err(|e| TransportError::Io(format!("{}: {e}", self.describe)))?;
            self.timeout = timeout;
        }
        // One poll with the timeout, then one read of whatever is there:
        // the bytes are handed over as soon as any arrive.
        match self.port.read(&mut self.buf) {
            Ok(0) => Err(TransportError::Disconnected(format!(
                "{}: end of file (hung up)",
                self.describe
            ))),
            Ok(n) => Ok(Some(Chunk::Stream(self.buf[..n].to_vec()))),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                Ok(None)
            }
            // A signal cut the wait short: as good as a timeout.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(None),
            Err(e) => Err(read_error(&self.describe, e)),
        }
    }

    fn describe(&self) -> String {
        self.describe.clone()
    }
}

/// A serial port the machine has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialPortInfo {
    pub path: String,
    pub description: String,
}

/// The serial ports present, for `kentai devices`. Never fails: an empty
/// list when nothing can be listed.
///
/// `serialport` is built without libudev, so on Linux it reads
/// `/sys/class/tty` (and would panic if that is missing, as in some
/// containers, so it is only asked when it is there). It lists ports with a
/// known bus (USB, PCI, PnP); `/dev/ttyACM*` and `/dev/ttyUSB*` nodes it did
/// not list are added, and when sysfs is unavailable `/dev/ttyS*` too.
pub fn list_ports() -> Vec<SerialPortInfo> {
    let mut ports: Vec<SerialPortInfo> = Vec::new();
    let sysfs = cfg!(target_os = "linux") && Path::new("/sys/class/tty").is_dir();
    if sysfs || !cfg!(target_os = "linux") {
        if let Ok(found) = serialport::available_ports() {
            ports.extend(found.into_iter().map(|p| SerialPortInfo {
                description: describe_port_type(&p.port_type),
                path: p.port_name,
            }));
        }
    }
    if cfg!(target_os = "linux") {
        let mut prefixes = vec!["ttyACM", "ttyUSB"];
        if !sysfs {
            prefixes.push("ttyS");
        }
        for path in dev_nodes(&prefixes) {
            if !ports.iter().any(|p| p.path == path) {
                let description = if path.contains("ttyS") {
                    "serial port".to_string()
                } else {
                    "USB serial".to_string()
                };
                ports.push(SerialPortInfo { path, description });
            }
        }
    }
    ports.sort_by(|a, b| a.path.cmp(&b.path));
    ports
}

fn dev_nodes(prefixes: &[&str]) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/dev") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let numbered = prefixes.iter().any(|p| {
                name.strip_prefix(p)
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            });
            numbered.then(|| format!("/dev/{name}"))
        })
        .collect()
}

fn describe_port_type(kind: &serialport::SerialPortType) -> String {
    use serialport::SerialPortType as T;
    match kind {
        T::UsbPort(usb) => {
            let mut d = format!("USB {:04x}:{:04x}", usb.vid, usb.pid);
            for part in [&usb.manufacturer, &usb.product].into_iter().flatten() {
                d.push(' ');
                d.push_str(part);
            }
            if let Some(serial) = &usb.serial_number {
                d.push_str(" serial ");
                d.push_str(serial);
            }
            d
        }
        T::PciPort => "PCI serial port".to_string(),
        T::BluetoothPort => "Bluetooth serial port".to_string(),
        T::Unknown => "serial port".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parity_codes_round_trip() {
        for p in [Parity::None, Parity::Odd, Parity::Even] {
            assert_eq!(Parity::from_code(p.code()), Some(p));
        }
        assert_eq!(Parity::from_code("mark"), None);
    }

    #[test]
    fn eio_and_hangups_are_disconnects_and_other_errors_are_not() {
        let gone = [
            io::Error::new(io::ErrorKind::BrokenPipe, "Broken pipe"),
            io::Error::other("I/O error"),
            io::Error::other("No such device or address"),
            io::Error::new(io::ErrorKind::NotFound, "gone"),
        ];
        for e in gone {
            assert!(matches!(
                read_error("x", e),
                TransportError::Disconnected(_)
            ));
        }
        let other = io::Error::other("Invalid argument");
        assert!(matches!(read_error("x", other), TransportError::Io(_)));
    }
}
