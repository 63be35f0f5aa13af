//! A serial scanner played through a pseudo-terminal, for demos, tests and
//! the latency benchmark (`kentai simulate`).
//!
//! A real CDC-ACM or RS-232 scanner is a tty that sends a scan byte by byte
//! at its baud rate and ends it with its suffix. [`Pty`] is the same from
//! kentai's side: a pty whose slave is linked at the path a `[[scanner]]`
//! entry names, so the server opens it as it would `/dev/ttyACM0`.
//! Dropping the `Pty` closes the master: to kentai, the scanner was pulled
//! out; a new `Pty` at the same link is the scanner plugged back in.
//! [`Player`] paces scans as `kentai simulate` types them, each as soon as
//! it is given, so a person or a test can feed scans one at a time while a
//! server reads them.

pub mod analyzer;

use kentai_drivers::framing::Suffix;
use serialport::{SerialPort as _, TTYPort};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SimulateError {
    #[error("cannot create a pseudo-terminal: {0}")]
    Pty(String),
    #[error("cannot link {link}: {source}")]
    Link {
        link: PathBuf,
        source: std::io::Error,
    },
    #[error("writing to the pseudo-terminal: {0}")]
    Write(#[from] std::io::Error),
}

/// The bytes a scanner sends for one scan with this suffix.
pub fn framed(scan: &[u8], suffix: Suffix) -> Vec<u8> {
    let mut out = Vec::with_capacity(scan.len() + 2);
    if suffix == Suffix::StxEtx {
        out.push(0x02);
    }
    out.extend_from_slice(scan);
    match suffix {
        Suffix::Cr => out.push(b'\r'),
        Suffix::Lf => out.push(b'\n'),
        Suffix::CrLf => out.extend_from_slice(b"\r\n"),
        Suffix::Tab => out.push(b'\t'),
        Suffix::StxEtx => out.push(0x03),
        Suffix::None => {}
    }
    out
}

/// How long one byte takes on the wire: start bit, 8 data bits, stop bit.
pub fn byte_time(baud: u32) -> Duration {
    Duration::from_nanos(10_000_000_000 / u64::from(baud.max(1)))
}

/// A simulated serial scanner.
pub struct Pty {
    master: TTYPort,
    // Held open so the slave side stays configured between the server's
    // opens; the server opens the slave again by its path.
    _slave: TTYPort,
    slave_path: PathBuf,
    link: PathBuf,
}

impl Pty {
    /// A new pty whose slave `link` points at (replacing what the link
    /// pointed at before, atomically, as udev swaps a device node).
    pub fn create(link: &Path) -> Result<Pty, SimulateError> {
        let (master, slave) = TTYPort::pair().map_err(|e| SimulateError::Pty(e.to_string()))?;
        // `pair` opens both ends inheritable; their close-on-exec copies
        // keep a process started meanwhile (the test suite starts many)
        // from holding the pty open once it is dropped, which would hide
        // the unplug from the server.
        let pty_error = |e: serialport::Error| SimulateError::Pty(e.to_string());
        let master = master.try_clone_native().map_err(pty_error)?;
        let slave = slave.try_clone_native().map_err(pty_error)?;
        let slave_path = slave
            .name()
            .map(PathBuf::from)
            .ok_or_else(|| SimulateError::Pty("the pty slave has no name".into()))?;
        let tmp = link.with_extension(format!("new-{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(&slave_path, &tmp)
            .and_then(|()| std::fs::rename(&tmp, link))
            .map_err(|source| SimulateError::Link {
                link: link.to_path_buf(),
                source,
            })?;
        Ok(Pty {
            master,
            _slave: slave,
            slave_path,
            link: link.to_path_buf(),
        })
    }

    pub fn slave_path(&self) -> &Path {
        &self.slave_path
    }

    /// The master end as a serial port of its own, for a program that
    /// both writes and reads (an ASTM analyser).
    pub fn master_clone(&self) -> serialport::Result<Box<dyn serialport::SerialPort>> {
        self.master.try_clone()
    }

    /// Writes `bytes` at the pace of `baud` (`None`: all at once).
    pub fn write_paced(&mut self, bytes: &[u8], baud: Option<u32>) -> Result<(), SimulateError> {
        let Some(baud) = baud else {
            self.master.write_all(bytes)?;
            self.master.flush()?;
            return Ok(());
        };
        let per_byte = byte_time(baud);
        let start = Instant::now();
        for (i, b) in bytes.iter().enumerate() {
            // Paced against the start, so sleeps that overshoot do not add
            // up over a long scan.
            let due = start + per_byte * u32::try_from(i).unwrap_or(u32::MAX);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
            self.master.write_all(std::slice::from_ref(b))?;
        }
        self.master.flush()?;
        Ok(())
    }

    /// One scan as the scanner sends it: the data, then the suffix.
    pub fn send_scan(
        &mut self,
        scan: &[u8],
        suffix: Suffix,
        baud: Option<u32>,
    ) -> Result<(), SimulateError> {
        self.write_paced(&framed(scan, suffix), baud)
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        // Only remove the link if it is still ours: a newer Pty may have
        // taken it over (the scanner plugged back in).
        if std::fs::read_link(&self.link).ok().as_deref() == Some(self.slave_path.as_path()) {
            let _ = std::fs::remove_file(&self.link);
        }
    }
}

/// How a simulated scanner paces its scans.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Bytes at this baud rate (`None`: all at once).
    pub baud: Option<u32>,
    pub suffix: Suffix,
    /// From the link appearing to the first scan: time for the server to
    /// open the tty.
    pub wait: Duration,
    /// The least time from the end of one scan to the start of the next.
    pub interval: Duration,
    /// From the last scan to unplugging: time for the server to read it
    /// before the master closes.
    pub hold: Duration,
}

/// A simulated scanner that types each scan the moment it is given (or as
/// soon as [`Pace`] allows), byte by byte.
pub struct Player {
    pty: Pty,
    pace: Pace,
    /// The earliest start of the next scan.
    next: Instant,
    /// The end of the last scan (before the first: the end of the wait).
    last: Instant,
}

impl Player {
    /// Starts the pace's clock: the link exists from now.
    pub fn new(pty: Pty, pace: Pace) -> Player {
        let ready = Instant::now() + pace.wait;
        Player {
            pty,
            pace,
            next: ready,
            last: ready,
        }
    }

    pub fn pty(&self) -> &Pty {
        &self.pty
    }

    /// Types one scan and its suffix; returns once the last byte is in the
    /// pty.
    pub fn type_scan(&mut self, scan: &[u8]) -> Result<(), SimulateError> {
        sleep_until(self.next);
        self.pty.send_scan(scan, self.pace.suffix, self.pace.baud)?;
        self.last = Instant::now();
        self.next = self.last + self.pace.interval;
        Ok(())
    }

    /// Unplugs the scanner `hold` after the last scan (at once when that
    /// is past), removing its link.
    pub fn finish(self) {
        sleep_until(self.last + self.pace.hold);
    }
}

fn sleep_until(due: Instant) {
    let now = Instant::now();
    if due > now {
        std::thread::sleep(due - now);
    }
}

/// Reads `\xHH`, `\r`, `\n`, `\t` and `\\` in a scan typed on a command
/// line or a terminal (so GS can be written `\x1d`). Other bytes pass as
/// they are, UTF-8 or not.
pub fn unescape(text: impl AsRef<[u8]>) -> Result<Vec<u8>, String> {
    let bytes = text.as_ref();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'\\') => out.push(b'\\'),
            Some(b'r') => out.push(b'\r'),
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'x') => {
                let hex = bytes
                    .get(i + 2..i + 4)
                    .ok_or_else(|| format!("\\x at byte {i} needs two hex digits"))?;
                let digits = String::from_utf8_lossy(hex);
                let b = u8::from_str_radix(&digits, 16)
                    .ok()
                    .filter(|_| hex.iter().all(u8::is_ascii_hexdigit))
                    .ok_or_else(|| format!("\\x{digits} at byte {i} is not a hex byte"))?;
                out.push(b);
                i += 2;
            }
            _ => {
                return Err(format!(
                    "unknown escape at byte {i} (use \\xHH, \\r, \\n, \\t or \\\\)"
                ))
            }
        }
        i += 2;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_suffix_frames_a_scan_as_a_scanner_sends_it() {
        let cases = [
            (Suffix::Cr, &b"AB\r"[..]),
            (Suffix::Lf, b"AB\n"),
            (Suffix::CrLf, b"AB\r\n"),
            (Suffix::Tab, b"AB\t"),
            (Suffix::StxEtx, b"\x02AB\x03"),
            (Suffix::None, b"AB"),
        ];
        for (suffix, expected) in cases {
            assert_eq!(framed(b"AB", suffix), expected, "{suffix:?}");
        }
    }

    #[test]
    fn a_byte_takes_about_a_millisecond_at_9600_baud() {
        assert_eq!(byte_time(9600), Duration::from_nanos(1_041_666));
    }

    #[test]
    fn escapes_write_gs_and_other_bytes_on_a_command_line() {
        assert_eq!(unescape(r"]d2010\x1d21X").unwrap(), b"]d2010\x1d21X");
        assert_eq!(unescape(r"a\\b\r").unwrap(), b"a\\b\r");
        assert!(unescape(r"\x1").is_err());
        assert!(unescape(r"\q").is_err());
        assert!(unescape(r"\x+1").is_err());
        assert_eq!(unescape(r"\xe3\x81\x82").unwrap(), "あ".as_bytes());
        assert_eq!(unescape(b"A\xff\x82").unwrap(), b"A\xff\x82");
    }

    #[test]
    fn a_player_waits_for_the_server_then_spaces_scans_and_types_a_late_one_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("scanner");
        let pace = Pace {
            baud: None,
            suffix: Suffix::Cr,
            wait: Duration::from_millis(200),
            interval: Duration::from_millis(300),
            hold: Duration::from_millis(100),
        };
        let start = Instant::now();
        let mut player = Player::new(Pty::create(&link).unwrap(), pace);
        player.type_scan(b"A").unwrap();
        assert!(start.elapsed() >= pace.wait);
        player.type_scan(b"B").unwrap();
        assert!(start.elapsed() >= pace.wait + pace.interval);
        // A scan given after the interval has passed is not held back.
        std::thread::sleep(pace.interval + Duration::from_millis(100));
        let late = Instant::now();
        player.type_scan(b"C").unwrap();
        assert!(
            late.elapsed() < Duration::from_millis(100),
            "{:?}",
            late.elapsed()
        );
        let last = Instant::now();
        player.finish();
        assert!(last.elapsed() >= pace.hold - Duration::from_millis(5));
        assert!(std::fs::symlink_metadata(&link).is_err(), "unplugged");
    }

    #[test]
    fn a_simulated_scanner_is_a_tty_at_the_linked_path() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("scanner");
        let first = Pty::create(&link).unwrap();
        assert_eq!(std::fs::read_link(&link).unwrap(), first.slave_path());
        let second = Pty::create(&link).unwrap();
        assert_eq!(std::fs::read_link(&link).unwrap(), second.slave_path());
        drop(first);
        assert!(
            link.exists(),
            "the old pty must not remove the new one's link"
        );
        drop(second);
        assert!(std::fs::symlink_metadata(&link).is_err());
    }
}
