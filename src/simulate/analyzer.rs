//! `kentai simulate-analyzer`: an analyser on the other end of a link, to
//! walk through and to test against. It plays a message file (ASTM
//! records, or an HL7 message or batch) as an instrument sends it: ASTM
//! through the E1381 link into a pseudo-terminal (as a serial analyser)
//! or a TCP connection, made by the simulator or, for an analyser kentai
//! connects to, accepted by it; HL7 in an MLLP block to a listener,
//! printing the
//! ACK it gets back. Faults on demand show what kentai does when a line
//! misbehaves.

use super::{Pty, SimulateError};
use crate::domain::messages::SimulatedLine;
use kentai_drivers::astm::duplex::{drive, Duplex, SerialLine, Session};
use kentai_drivers::astm::link::{
    encode_record, Action, EncodeError, FrameNumber, Link, LinkConfig, EOT, ETB, ETX, STX,
};
use kentai_drivers::hl7::{frame, Deframer, MllpEvent};
use kentai_drivers::TransportError;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What goes wrong on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The first frame goes out with a wrong checksum once (kentai answers
    /// NAK; the frame is sent again).
    BadChecksum,
    /// Every frame goes out with a wrong checksum: kentai answers NAK each
    /// time, and after six tries the analyser gives up (nothing recorded).
    NakStorm,
    /// The transfer never ends with EOT: kentai's receive timer ends it
    /// (after 30 s) and keeps it unprocessed in the log.
    DropEot,
    /// The line goes away in the middle of the message.
    Unplug,
}

impl Fault {
    pub fn parse(text: &str) -> Option<Fault> {
        match text {
            "bad-checksum" => Some(Fault::BadChecksum),
            "nak-storm" => Some(Fault::NakStorm),
            "drop-eot" => Some(Fault::DropEot),
            "unplug" => Some(Fault::Unplug),
            _ => None,
        }
    }
}

/// Where the simulated analyser sends.
#[derive(Debug, Clone)]
pub enum Target {
    /// Connect over TCP (an ASTM or MLLP listener of kentai's).
    Connect(String),
    /// A pseudo-terminal at this path, as a serial analyser kentai opens.
    Link(PathBuf),
    /// Listen at this address and send to the first connection, as an
    /// analyser kentai connects to (an `astm_tcp` analyser's `connect`).
    Listen(String),
}

/// Where the simulator tells its user what happened.
pub trait Report {
    fn happened(&mut self, what: SimulatedLine);
}

/// The protocol a message file is written in: HL7 starts with MSH (or a
/// batch's FHS/BHS), ASTM with an H record.
pub fn is_hl7(message: &[u8]) -> bool {
    let start = message
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    ["MSH", "FHS", "BHS"]
        .iter()
        .any(|s| message[start..].starts_with(s.as_bytes()))
}

/// Sends an HL7 message file in one MLLP block and reports the answer.
pub fn send_hl7(
    message: &[u8],
    address: &str,
    fault: Option<Fault>,
    report: &mut dyn Report,
) -> Result<(), SimulateError> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    // Segments end with CR whatever the file's line ends are.
    let text: Vec<u8> = String::from_utf8_lossy(message)
        .replace("\r\n", "\r")
        .replace('\n', "\r")
        .into_bytes();
    let block = frame(text.trim_ascii_end());
    if fault == Some(Fault::Unplug) {
        stream.write_all(&block[..block.len() / 2])?;
        report.happened(SimulatedLine::Unplugged);
        return Ok(());
    }
    stream.write_all(&block)?;
    let mut deframer = Deframer::new(1 << 20);
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            report.happened(SimulatedLine::NoAnswer);
            return Ok(());
        }
        for event in deframer.push(&buf[..n]) {
            if let MllpEvent::Message(ack) = event {
                for segment in String::from_utf8_lossy(&ack).split('\r') {
                    if !segment.is_empty() {
                        report.happened(SimulatedLine::Answer {
                            segment: segment.to_string(),
                        });
                    }
                }
                return Ok(());
            }
        }
    }
}

/// The records of an ASTM message file, one per line or per CR.
pub fn astm_records(message: &[u8]) -> Vec<Vec<u8>> {
    message
        .split(|b| *b == b'\r' || *b == b'\n')
        .filter(|r| !r.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// The first record (counting from 1) that cannot go into an ASTM frame,
/// and the byte that stops it: a file of wire bytes (ENQ, STX, checksums)
/// rather than records, say.
pub fn first_unsendable(message: &[u8]) -> Option<(usize, u8)> {
    let first = FrameNumber::new(1)?;
    astm_records(message)
        .iter()
        .enumerate()
        .find_map(|(i, record)| match encode_record(record, first) {
            Err(EncodeError::Restricted { byte, .. }) => Some((i + 1, byte)),
            _ => None,
        })
}

/// A line that misbehaves as asked, on its way out.
struct Faulty<'a> {
    line: &'a mut dyn Duplex,
    fault: Option<Fault>,
    frames: usize,
    written: usize,
    budget: usize,
    gone: bool,
}

impl Duplex for Faulty<'_> {
    fn receive(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<Option<usize>, TransportError> {
        if self.gone {
            return Err(TransportError::Disconnected("unplugged".into()));
        }
        self.line.receive(buf, timeout)
    }

    fn transmit(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        let mut bytes = bytes.to_vec();
        let is_frame = bytes.first() == Some(&STX);
        if is_frame {
            self.frames += 1;
            let corrupt = match self.fault {
                Some(Fault::BadChecksum) => self.frames == 1,
                Some(Fault::NakStorm) => true,
                _ => false,
            };
            if corrupt {
                if let Some(end) = bytes.iter().position(|b| *b == ETX || *b == ETB) {
                    if let Some(c) = bytes.get_mut(end + 1) {
                        *c = if *c == b'0' { b'1' } else { b'0' };
                    }
                }
            }
        }
        if self.fault == Some(Fault::DropEot) && bytes == [EOT] {
            return Ok(());
        }
        if self.fault == Some(Fault::Unplug) && self.written + bytes.len() > self.budget {
            let keep = self.budget.saturating_sub(self.written);
            self.line.transmit(&bytes[..keep])?;
            self.gone = true;
            return Err(TransportError::Disconnected("unplugged".into()));
        }
        self.written += bytes.len();
        self.line.transmit(&bytes)
    }
}

/// The analyser's side of the link: one message, then it is done.
struct Instrument<'a> {
    message: Option<Vec<Vec<u8>>>,
    finished: bool,
    deadline: Instant,
    report: &'a mut dyn Report,
}

impl Session for Instrument<'_> {
    fn record(&mut self, _record: Vec<u8>) -> bool {
        true
    }

    fn event(&mut self, action: Action) {
        match action {
            Action::Sent(_) => {
                self.report.happened(SimulatedLine::Acknowledged);
                self.finished = true;
            }
            Action::SendFailed { reason, .. } => {
                self.report.happened(SimulatedLine::GivenUp {
                    why: format!("{reason:?}"),
                });
                self.finished = true;
            }
            Action::InterruptRequested(_) => self.report.happened(SimulatedLine::StopRequested),
            _ => {}
        }
    }

    fn next_message(&mut self) -> Option<Vec<Vec<u8>>> {
        self.message.take()
    }

    fn unsendable(&mut self, error: EncodeError) {
        self.report.happened(SimulatedLine::GivenUp {
            why: error.to_string(),
        });
        self.finished = true;
    }

    fn keep_going(&mut self) -> bool {
        !self.finished && Instant::now() < self.deadline
    }
}

/// Sends an ASTM message file through the E1381 link.
pub fn send_astm(
    message: &[u8],
    target: &Target,
    wait: Duration,
    fault: Option<Fault>,
    report: &mut dyn Report,
) -> Result<(), SimulateError> {
    let records = astm_records(message);
    let size: usize = records.iter().map(|r| r.len() + 8).sum();
    let run = |line: &mut dyn Duplex, report: &mut dyn Report| {
        let mut faulty = Faulty {
            line,
            fault,
            frames: 0,
            written: 0,
            budget: size / 2,
            gone: false,
        };
        let mut link = Link::new(LinkConfig::instrument());
        let mut instrument = Instrument {
            message: Some(records.clone()),
            finished: false,
            // The longest a transfer takes: six tries of each frame and
            // the timers between them.
            deadline: Instant::now() + Duration::from_secs(120),
            report,
        };
        match drive(&mut link, &mut faulty, &mut instrument) {
            Ok(()) if fault == Some(Fault::DropEot) => {
                instrument.report.happened(SimulatedLine::NoEot);
            }
            Ok(()) => {}
            Err(e) => instrument.report.happened(SimulatedLine::LineFailed {
                detail: e.to_string(),
            }),
        }
    };
    match target {
        Target::Connect(address) => {
            let mut stream = TcpStream::connect(address.as_str())?;
            run(&mut stream, report);
        }
        Target::Listen(address) => {
            let listener = TcpListener::bind(address.as_str())?;
            report.happened(SimulatedLine::Listening {
                address: listener.local_addr()?.to_string(),
            });
            let (mut stream, _) = listener.accept()?;
            run(&mut stream, report);
        }
        Target::Link(path) => {
            let pty = Pty::create(path)?;
            report.happened(SimulatedLine::Ready {
                link: path.display().to_string(),
                pty: pty.slave_path().display().to_string(),
            });
            std::thread::sleep(wait);
            let port = pty
                .master_clone()
                .map_err(|e| SimulateError::Pty(e.to_string()))?;
            let mut line = SerialLine::from_port(port, Duration::from_millis(100));
            run(&mut line, report);
            if fault == Some(Fault::DropEot) {
                // Holding the line open shows kentai's receive timer at work.
                std::thread::sleep(Duration::from_secs(31));
            }
            // Keep the pty until kentai has read the last bytes.
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_file_is_told_hl7_or_astm_by_its_first_segment() {
        assert!(is_hl7(b"MSH|^~\\&|X\r"));
        assert!(is_hl7(b"\nFHS|^~\\&|X\r"));
        assert!(!is_hl7(b"H|\\^&|||PCR\r"));
    }

    #[test]
    fn a_file_of_wire_bytes_is_told_from_records_by_its_first_control_byte() {
        assert_eq!(first_unsendable(b"H|\\^&\nP|1\nL|1|N\n"), None);
        assert_eq!(
            first_unsendable(b"H|\\^&\nP|1\x02\nL|1|N\n"),
            Some((2, 0x02))
        );
        assert_eq!(
            first_unsendable(b"\x05\x021H|\\^&\r\x0327\r\n"),
            Some((1, 0x05))
        );
    }

    #[test]
    fn astm_records_are_cut_at_line_ends_of_either_kind() {
        assert_eq!(
            astm_records(b"H|\\^&\r\nP|1\rL|1|N\n"),
            vec![b"H|\\^&".to_vec(), b"P|1".to_vec(), b"L|1|N".to_vec()]
        );
    }
}
