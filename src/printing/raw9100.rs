//! ZPL over a plain TCP socket (port 9100), as Zebra and compatible label
//! printers take it, and their `~HS` host status.
//!
//! A job counts as sent once every byte was written and the socket's
//! sending side shut down cleanly: the printer then has the whole
//! document, and a retry would print it twice.

use super::{PrinterStatus, TransportError};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// How long a printer has to answer a connection.
const CONNECT: Duration = Duration::from_secs(3);
/// How long one write may wait on a printer that stopped reading.
const WRITE: Duration = Duration::from_secs(20);
/// How long a printer has to answer `~HS`.
const STATUS: Duration = Duration::from_secs(2);

fn connect(address: &str) -> Result<TcpStream, TransportError> {
    let addrs: Vec<SocketAddr> = address
        .to_socket_addrs()
        .map_err(|e| TransportError::Connect(format!("{address}: {e}")))?
        .collect();
    let mut last = TransportError::Connect(format!("{address}: no address"));
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = TransportError::Connect(format!("{address}: {e}")),
        }
    }
    Err(last)
}

/// Sends `payload` whole to the printer at `address` (`HOST:PORT`).
pub fn send(address: &str, payload: &[u8]) -> Result<(), TransportError> {
    let mut stream = connect(address)?;
    stream
        .set_write_timeout(Some(WRITE))
        .map_err(|e| TransportError::Send(e.to_string()))?;
    stream
        .write_all(payload)
        .and_then(|()| stream.flush())
        .map_err(|e| TransportError::Send(e.to_string()))?;
    stream
        .shutdown(Shutdown::Write)
        .map_err(|e| TransportError::Send(e.to_string()))?;
    Ok(())
}

/// Asks the printer for its host status (`~HS`) and reads the flags it
/// reports: paper out, paused, head open, ribbon out.
pub fn status(address: &str) -> Result<PrinterStatus, TransportError> {
    let mut stream = connect(address)?;
    stream
        .set_write_timeout(Some(STATUS))
        .and_then(|()| stream.set_read_timeout(Some(Duration::from_millis(200))))
        .map_err(|e| TransportError::Send(e.to_string()))?;
    stream
        .write_all(b"~HS")
        .map_err(|e| TransportError::Send(e.to_string()))?;
    let deadline = Instant::now() + STATUS;
    let mut answer = Vec::new();
    let mut buf = [0u8; 512];
    while Instant::now() < deadline && answer.iter().filter(|b| **b == 0x03).count() < 3 {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(TransportError::Status(e.to_string())),
        }
    }
    parse_host_status(&answer)
}

/// The flags of a `~HS` answer: three STX…ETX strings, the first
/// `aaa,b,c,…` (b: paper out, c: paused), the second `mmm,n,o,p,…`
/// (o: head up, p: ribbon out).
pub fn parse_host_status(answer: &[u8]) -> Result<PrinterStatus, TransportError> {
    let text = String::from_utf8_lossy(answer);
    let strings: Vec<Vec<&str>> = text
        .split('\u{2}')
        .filter_map(|s| s.split('\u{3}').next())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.split(',').map(str::trim).collect())
        .collect();
    let (Some(first), Some(second)) = (strings.first(), strings.get(1)) else {
        return Err(TransportError::Status(
            "the printer did not answer ~HS".into(),
        ));
    };
    let flag = |fields: &Vec<&str>, i: usize| fields.get(i).is_some_and(|f| *f == "1");
    let mut reasons = Vec::new();
    for (set, reason) in [
        (flag(first, 1), "media-empty"),
        (flag(first, 2), "paused"),
        (flag(second, 2), "cover-open"),
        (flag(second, 3), "marker-supply-empty"),
    ] {
        if set {
            reasons.push(reason.to_string());
        }
    }
    Ok(PrinterStatus::from_reasons(reasons))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_status_flags_say_paper_out_and_head_open() {
        let answer = b"\x02030,1,0,0245,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,1,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n";
        let s = parse_host_status(answer).unwrap();
        assert!(s.paper_out && s.head_open);
        assert_eq!(s.reasons, vec!["media-empty", "cover-open"]);
        let ready = b"\x02030,0,0,0245,000,0,0,0,000,0,0,0\x03\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\x021234,0\x03";
        let s = parse_host_status(ready).unwrap();
        assert!(!s.paper_out && !s.head_open && s.reasons.is_empty());
        assert!(parse_host_status(b"").is_err());
    }
}
