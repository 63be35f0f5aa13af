//! IPP/1.1 (RFC 8010, 8011) over HTTP POST: Print-Job with a PNG, and
//! Get-Printer-Attributes for `printer-state-reasons`. Only the few
//! operations and attribute syntaxes kentai sends and reads are encoded,
//! which keeps the printing path free of a client library and its
//! dependencies.

use super::{PrinterStatus, TransportError};
use crate::config::printer::IppAddress;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

const CONNECT: Duration = Duration::from_secs(3);
const IO: Duration = Duration::from_secs(30);
/// The most of an answer read: IPP answers are small.
const ANSWER_MAX: usize = 1 << 20;

const PRINT_JOB: u16 = 0x0002;
const GET_PRINTER_ATTRIBUTES: u16 = 0x000B;

const OPERATION_TAG: u8 = 0x01;
const END_TAG: u8 = 0x03;
const CHARSET: u8 = 0x47;
const LANGUAGE: u8 = 0x48;
const URI: u8 = 0x45;
const NAME: u8 = 0x42;
const MIME: u8 = 0x49;
const KEYWORD: u8 = 0x44;

/// An IPP request under construction.
struct Request(Vec<u8>);

impl Request {
    fn new(operation: u16, request_id: u32, printer_uri: &str) -> Request {
        let mut r = Request(Vec::with_capacity(256));
        r.0.extend_from_slice(&[1, 1]);
        r.0.extend_from_slice(&operation.to_be_bytes());
        r.0.extend_from_slice(&request_id.to_be_bytes());
        r.0.push(OPERATION_TAG);
        r.attribute(CHARSET, "attributes-charset", "utf-8");
        r.attribute(LANGUAGE, "attributes-natural-language", "ja");
        r.attribute(URI, "printer-uri", printer_uri);
        r.attribute(NAME, "requesting-user-name", "kentai");
        r
    }

    fn attribute(&mut self, tag: u8, name: &str, value: &str) {
        self.0.push(tag);
        self.string(name);
        self.string(value);
    }

    /// A further value of the attribute just written.
    fn additional(&mut self, tag: u8, value: &str) {
        self.0.push(tag);
        self.0.extend_from_slice(&0u16.to_be_bytes());
        self.string(value);
    }

    fn string(&mut self, s: &str) {
        let bytes = &s.as_bytes()[..s.len().min(u16::MAX as usize)];
        self.0
            .extend_from_slice(&(bytes.len() as u16).to_be_bytes());
        self.0.extend_from_slice(bytes);
    }

    fn end(mut self) -> Vec<u8> {
        self.0.push(END_TAG);
        self.0
    }
}

/// The Print-Job request for `document` (a PNG) named `job_name`.
pub fn print_job_request(uri: &str, request_id: u32, job_name: &str, document: &[u8]) -> Vec<u8> {
    let mut r = Request::new(PRINT_JOB, request_id, uri);
    r.attribute(NAME, "job-name", job_name);
    r.attribute(MIME, "document-format", crate::actions::printing::PNG);
    let mut body = r.end();
    body.extend_from_slice(document);
    body
}

/// One attribute of an answer, its values as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub name: String,
    pub values: Vec<String>,
}

/// An IPP answer: its status code and attributes.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub attributes: Vec<Attribute>,
}

impl Answer {
    pub fn values(&self, name: &str) -> Vec<String> {
        self.attributes
            .iter()
            .filter(|a| a.name == name)
            .flat_map(|a| a.values.clone())
            .collect()
    }
}

/// Reads an IPP answer's status and attributes.
pub fn parse_answer(bytes: &[u8]) -> Result<Answer, TransportError> {
    let bad = || TransportError::Protocol("the printer's IPP answer is cut short".into());
    let status = u16::from_be_bytes([
        *bytes.get(2).ok_or_else(bad)?,
        *bytes.get(3).ok_or_else(bad)?,
    ]);
    let mut at = 8usize;
    let mut attributes: Vec<Attribute> = Vec::new();
    let take16 = |at: &mut usize| -> Result<usize, TransportError> {
        let hi = *bytes.get(*at).ok_or_else(bad)?;
        let lo = *bytes.get(*at + 1).ok_or_else(bad)?;
        *at += 2;
        Ok(usize::from(u16::from_be_bytes([hi, lo])))
    };
    while let Some(&tag) = bytes.get(at) {
        at += 1;
        if tag == END_TAG {
            break;
        }
        if tag < 0x10 {
            // A group's delimiter.
            continue;
        }
        let name_len = take16(&mut at)?;
        let name = bytes.get(at..at + name_len).ok_or_else(bad)?;
        at += name_len;
        let value_len = take16(&mut at)?;
        let value = bytes.get(at..at + value_len).ok_or_else(bad)?;
        at += value_len;
        let text = match tag {
            0x21 | 0x23 if value.len() == 4 => {
                i32::from_be_bytes([value[0], value[1], value[2], value[3]]).to_string()
            }
            _ => String::from_utf8_lossy(value).into_owned(),
        };
        match (name_len, attributes.last_mut()) {
            (0, Some(last)) => last.values.push(text),
            _ => attributes.push(Attribute {
                name: String::from_utf8_lossy(name).into_owned(),
                values: vec![text],
            }),
        }
    }
    Ok(Answer { status, attributes })
}

fn connect(authority: &str) -> Result<TcpStream, TransportError> {
    let addrs: Vec<SocketAddr> = authority
        .to_socket_addrs()
        .map_err(|e| TransportError::Connect(format!("{authority}: {e}")))?
        .collect();
    let mut last = TransportError::Connect(format!("{authority}: no address"));
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT) {
            Ok(s) => return Ok(s),
            Err(e) => last = TransportError::Connect(format!("{authority}: {e}")),
        }
    }
    Err(last)
}

/// The body of an HTTP/1.1 answer once all of it has arrived (`None`
/// while more is to come; `eof`: the printer closed the connection),
/// de-chunked when it came in chunks; an answer other than 200 is an
/// error as soon as its head is in.
fn http_body(answer: &[u8], eof: bool) -> Result<Option<Vec<u8>>, TransportError> {
    let cut = || TransportError::Protocol("the printer's HTTP answer is cut short".into());
    let Some(split) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return if eof { Err(cut()) } else { Ok(None) };
    };
    let head = String::from_utf8_lossy(&answer[..split]).to_string();
    let body = &answer[split + 4..];
    let status_line = head.lines().next().unwrap_or_default();
    let code = status_line.split_whitespace().nth(1).unwrap_or_default();
    if code == "100" {
        return http_body(body, eof);
    }
    if code != "200" {
        return Err(TransportError::Protocol(format!(
            "the printer answered {status_line}"
        )));
    }
    let header = |name: &str| {
        head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    };
    let more = |eof: bool| if eof { Err(cut()) } else { Ok(None) };
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut out = Vec::new();
        let mut rest = body;
        loop {
            let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") else {
                return more(eof);
            };
            let size_text = String::from_utf8_lossy(&rest[..line_end]);
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| TransportError::Protocol("a chunk size does not read".into()))?;
            rest = &rest[line_end + 2..];
            if size == 0 {
                return Ok(Some(out));
            }
            let Some(chunk) = rest.get(..size) else {
                return more(eof);
            };
            out.extend_from_slice(chunk);
            rest = rest.get(size + 2..).unwrap_or_default();
        }
    }
    match header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        Some(n) => match body.get(..n) {
            Some(b) => Ok(Some(b.to_vec())),
            None => more(eof),
        },
        None if eof => Ok(Some(body.to_vec())),
        None => Ok(None),
    }
}

/// Posts `request` to the printer and reads its IPP answer.
fn exchange(address: &IppAddress, request: &[u8]) -> Result<Answer, TransportError> {
    let mut stream = connect(&address.authority)?;
    stream
        .set_write_timeout(Some(IO))
        .and_then(|()| stream.set_read_timeout(Some(IO)))
        .map_err(|e| TransportError::Send(e.to_string()))?;
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/ipp\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        address.path,
        address.authority,
        request.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(request))
        .and_then(|()| stream.flush())
        .map_err(|e| TransportError::Send(e.to_string()))?;
    // Read until the answer is whole: a printer may keep the connection
    // open whatever the request asked.
    let mut answer = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = stream
            .read(&mut buf)
            .map_err(|e| TransportError::Send(format!("reading the answer: {e}")))?;
        answer.extend_from_slice(&buf[..n]);
        if let Some(body) = http_body(&answer, n == 0)? {
            return parse_answer(&body);
        }
        if answer.len() > ANSWER_MAX {
            return Err(TransportError::Protocol(
                "the printer's answer is too long".into(),
            ));
        }
    }
}

/// Prints `png` on the IPP printer at `address` as job `job_name`.
pub fn send(address: &IppAddress, job_name: &str, png: &[u8]) -> Result<(), TransportError> {
    let answer = exchange(address, &print_job_request(&address.uri, 1, job_name, png))?;
    if answer.status >= 0x0100 {
        return Err(TransportError::Refused(format!(
            "IPP status 0x{:04x}{}",
            answer.status,
            answer
                .values("status-message")
                .first()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        )));
    }
    Ok(())
}

/// The printer's `printer-state-reasons` (Get-Printer-Attributes).
pub fn status(address: &IppAddress) -> Result<PrinterStatus, TransportError> {
    let mut r = Request::new(GET_PRINTER_ATTRIBUTES, 1, &address.uri);
    r.attribute(KEYWORD, "requested-attributes", "printer-state");
    r.additional(KEYWORD, "printer-state-reasons");
    let answer = exchange(address, &r.end())?;
    if answer.status >= 0x0100 {
        return Err(TransportError::Status(format!(
            "IPP status 0x{:04x}",
            answer.status
        )));
    }
    let reasons = answer
        .values("printer-state-reasons")
        .into_iter()
        .filter(|r| r != "none")
        .collect();
    Ok(PrinterStatus::from_reasons(reasons))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_print_job_request_carries_its_attributes_then_the_document() {
        let body = print_job_request("ipp://127.0.0.1:8631/ipp/print", 7, "kentai-1", b"PNGDATA");
        assert_eq!(&body[..8], &[1, 1, 0, 2, 0, 0, 0, 7]);
        assert!(body.ends_with(b"\x03PNGDATA"));
        let text = String::from_utf8_lossy(&body);
        for part in [
            "attributes-charset",
            "utf-8",
            "printer-uri",
            "document-format",
            "image/png",
        ] {
            assert!(text.contains(part), "{part}");
        }
    }

    #[test]
    fn an_answer_reads_back_its_status_and_multi_valued_attributes() {
        let mut r = Request::new(GET_PRINTER_ATTRIBUTES, 1, "ipp://h/p");
        r.0.push(0x04);
        r.attribute(KEYWORD, "printer-state-reasons", "media-empty");
        r.additional(KEYWORD, "cover-open");
        let mut bytes = r.end();
        bytes[2] = 0;
        bytes[3] = 0;
        let answer = parse_answer(&bytes).unwrap();
        assert_eq!(answer.status, 0);
        assert_eq!(
            answer.values("printer-state-reasons"),
            vec!["media-empty", "cover-open"]
        );
    }

    #[test]
    fn chunked_http_bodies_are_joined() {
        let answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(http_body(answer, false).unwrap().unwrap(), b"abcde");
        assert_eq!(
            http_body(&answer[..60], false).unwrap(),
            None,
            "more to come"
        );
        let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nxy";
        assert_eq!(http_body(answer, false).unwrap().unwrap(), b"xy");
        assert_eq!(http_body(&answer[..answer.len() - 1], false).unwrap(), None);
        assert!(http_body(&answer[..answer.len() - 1], true).is_err());
        assert!(http_body(b"HTTP/1.1 404 Not Found\r\n\r\n", false).is_err());
    }
}
