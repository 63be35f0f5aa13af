//! A transport that replays a recorded scanner session.
//!
//! Tests, demos and the server's own integration tests need scanners that
//! behave like real ones (bytes dribbling in at 9600 baud, a pause, a
//! disconnect) without hardware, and reproducibly. A script says what the
//! device sends and when; [`ReplayTransport`] plays it back in real time
//! through the same [`Transport`] interface the supervisor reads.
//!
//! # Script format
//!
//! One step per line; blank lines and `#` comments are ignored. A step may
//! start with a delay, `+12ms`, `+1.5s` or `+250us`, measured from when the
//! previous step was delivered (from the transport's creation for the first
//! step); no delay means due at once.
//!
//! ```text
//! # a GS1 DataMatrix scan, CR suffix, as a CDC-ACM scanner sends it
//! pace 9600
//! +120ms "]d2" 30 31 "09506000134352" 1d "10ABC" 0d
//! +500ms symbol ]d2 "0109506000134352"
//! +1s disconnect unplugged
//! ```
//!
//! - `BYTES…`: a [`Chunk::Stream`]. Bytes are two-digit hex (`1d`) or
//!   quoted text (`"ABC\r"`, escapes `\r \n \t \\ \" \xNN`), mixed freely.
//! - `symbol AIM BYTES…`: a [`Chunk::Symbol`] as a HID POS scanner reports
//!   it; AIM is the three-character identifier (`]d2`) or `-` for none.
//! - `pace BAUD`: from here on, stream steps are delivered one byte at a
//!   time, each 10 bit times after the one before (8N1 framing), the first
//!   after the step's delay; `pace off` delivers them whole again.
//! - `error MESSAGE`: the read fails with [`TransportError::Io`]; the script
//!   goes on.
//! - `disconnect [MESSAGE]`: the read fails with
//!   [`TransportError::Disconnected`], and so does every read after it.
//!   Nothing may follow it.
//!
//! When the script has run out without a `disconnect`, the device stays
//! open and silent: every read waits its timeout and returns `Ok(None)`.

use crate::{Chunk, Symbol, Transport, TransportError};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};
use thiserror::Error;

/// A script that cannot be used.
#[derive(Debug, Error)]
pub enum ParseError {
    #[error("cannot read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("line {line}: {message}")]
    Syntax { line: usize, message: String },
}

/// What one step does when it is due.
#[derive(Debug, Clone)]
enum Action {
    Deliver(Chunk),
    Fail(String),
    Disconnect(String),
}

#[derive(Debug, Clone)]
struct Step {
    /// Delay after the previous step was delivered.
    delay: Duration,
    action: Action,
}

/// A scanner replaying a script. See the module documentation for the
/// script format.
#[derive(Debug)]
pub struct ReplayTransport {
    steps: VecDeque<Step>,
    /// Set once the script's `disconnect` was reached.
    gone: Option<String>,
    /// When the previous step was delivered.
    last: Instant,
    name: String,
}

impl ReplayTransport {
    /// Parses a script.
    pub fn from_script(text: &str) -> Result<ReplayTransport, ParseError> {
        Ok(ReplayTransport::new(parse(text)?, "replay".into()))
    }

    /// Reads and parses a script file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<ReplayTransport, ParseError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ParseError::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(ReplayTransport::new(
            parse(&text)?,
            format!("replay:{}", path.display()),
        ))
    }

    /// Replays these chunks, each after its delay; then stays silent (see
    /// [`then_disconnect`](ReplayTransport::then_disconnect)).
    pub fn from_chunks(chunks: Vec<(Duration, Chunk)>) -> ReplayTransport {
        let steps = chunks
            .into_iter()
            .map(|(delay, chunk)| Step {
                delay,
                action: Action::Deliver(chunk),
            })
            .collect();
        ReplayTransport::new(steps, "replay".into())
    }

    /// Ends the replay with a disconnect instead of silence.
    pub fn then_disconnect(mut self, message: impl Into<String>) -> ReplayTransport {
        self.steps.push_back(Step {
            delay: Duration::ZERO,
            action: Action::Disconnect(message.into()),
        });
        self
    }

    /// Names the device in [`Transport::describe`].
    pub fn named(mut self, name: impl Into<String>) -> ReplayTransport {
        self.name = name.into();
        self
    }

    /// Restarts the clock: the first step's delay counts from now.
    pub fn start_now(mut self) -> ReplayTransport {
        self.last = Instant::now();
        self
    }

    /// Steps not yet delivered.
    pub fn remaining(&self) -> usize {
        self.steps.len()
    }

    fn new(steps: VecDeque<Step>, name: String) -> ReplayTransport {
        ReplayTransport {
            steps,
            gone: None,
            last: Instant::now(),
            name,
        }
    }
}

impl Transport for ReplayTransport {
    fn read(&mut self, timeout: Duration) -> Result<Option<Chunk>, TransportError> {
        if let Some(message) = &self.gone {
            return Err(TransportError::Disconnected(message.clone()));
        }
        let now = Instant::now();
        let Some(step) = self.steps.front() else {
            thread::sleep(timeout);
            return Ok(None);
        };
        let due = self.last + step.delay;
        if due > now + timeout {
            thread::sleep(timeout);
            return Ok(None);
        }
        if due > now {
            thread::sleep(due - now);
        }
        self.last = Instant::now();
        let Some(step) = self.steps.pop_front() else {
            return Ok(None);
        };
        match step.action {
            Action::Deliver(chunk) => Ok(Some(chunk)),
            Action::Fail(message) => Err(TransportError::Io(message)),
            Action::Disconnect(message) => {
                self.gone = Some(message.clone());
                Err(TransportError::Disconnected(message))
            }
        }
    }

    fn describe(&self) -> String {
        self.name.clone()
    }
}

fn parse(text: &str) -> Result<VecDeque<Step>, ParseError> {
    let mut steps = VecDeque::new();
    let mut disconnected = false;
    // Time between bytes when pacing, or None to deliver whole steps.
    let mut byte_time: Option<Duration> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let err = |message: String| ParseError::Syntax {
            line: line_no,
            message,
        };
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if disconnected {
            return Err(err("nothing may follow `disconnect`".into()));
        }
        let (delay, rest) = match line.strip_prefix('+') {
            Some(after) => {
                let (token, rest) = split_word(after);
                (parse_delay(token).map_err(err)?, rest)
            }
            None => (Duration::ZERO, line),
        };
        let (word, args) = split_word(rest);
        match word {
            "pace" => {
                if delay != Duration::ZERO {
                    return Err(err("`pace` takes no delay".into()));
                }
                byte_time = match args {
                    "off" => None,
                    baud => {
                        let baud: u32 = baud
                            .parse()
                            .ok()
                            .filter(|b| *b > 0)
                            .ok_or_else(|| err(format!("bad baud rate `{baud}`")))?;
                        Some(Duration::from_secs_f64(10.0 / f64::from(baud)))
                    }
                };
            }
            "disconnect" => {
                disconnected = true;
                steps.push_back(Step {
                    delay,
                    action: Action::Disconnect(if args.is_empty() {
                        "replay script disconnected".into()
                    } else {
                        args.to_string()
                    }),
                });
            }
            "error" => steps.push_back(Step {
                delay,
                action: Action::Fail(if args.is_empty() {
                    "replay script error".into()
                } else {
                    args.to_string()
                }),
            }),
            "symbol" => {
                let (aim, data) = split_word(args);
                let aim = match aim.as_bytes() {
                    b"-" => None,
                    [a, b, c] => Some([*a, *b, *c]),
                    _ => {
                        return Err(err(format!(
                            "symbol identifier `{aim}`: three characters like ]d2, or -"
                        )))
                    }
                };
                let data = parse_bytes(data).map_err(err)?;
                steps.push_back(Step {
                    delay,
                    action: Action::Deliver(Chunk::Symbol(Symbol { aim, data })),
                });
            }
            _ => {
                let bytes = parse_bytes(rest).map_err(err)?;
                if bytes.is_empty() {
                    return Err(err("a step with no bytes".into()));
                }
                match byte_time {
                    None => steps.push_back(Step {
                        delay,
                        action: Action::Deliver(Chunk::Stream(bytes)),
                    }),
                    Some(gap) => {
                        for (k, b) in bytes.into_iter().enumerate() {
                            steps.push_back(Step {
                                delay: if k == 0 { delay } else { gap },
                                action: Action::Deliver(Chunk::Stream(vec![b])),
                            });
                        }
                    }
                }
            }
        }
    }
    Ok(steps)
}

/// Splits off the first whitespace-separated word.
fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find(char::is_whitespace) {
        Some(at) => (&s[..at], s[at..].trim_start()),
        None => (s, ""),
    }
}

fn parse_delay(token: &str) -> Result<Duration, String> {
    let (number, unit) = if let Some(n) = token.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = token.strip_suffix("us") {
        (n, 1e-6)
    } else if let Some(n) = token.strip_suffix('s') {
        (n, 1.0)
    } else {
        return Err(format!("delay `+{token}`: give a unit, ms, s or us"));
    };
    let value: f64 = number
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| format!("delay `+{token}` is not a number"))?;
    Ok(Duration::from_secs_f64(value * unit))
}

/// Parses hex bytes and quoted strings.
fn parse_bytes(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix('"') {
            rest = parse_quoted(quoted, &mut out)?;
        } else {
            let (word, after) = split_word(rest);
            if word.starts_with('#') {
                // A trailing comment.
                break;
            }
            if word.len() != 2 {
                return Err(format!("`{word}`: bytes are two hex digits or \"text\""));
            }
            let b = u8::from_str_radix(word, 16).map_err(|_| format!("`{word}` is not hex"))?;
            out.push(b);
            rest = after;
        }
        rest = rest.trim_start();
    }
    Ok(out)
}

/// Parses the inside of a quoted string into `out`; returns what follows
/// the closing quote.
fn parse_quoted<'a>(s: &'a str, out: &mut Vec<u8>) -> Result<&'a str, String> {
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok(&s[i + 1..]),
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('r') => out.push(b'\r'),
                Some('n') => out.push(b'\n'),
                Some('t') => out.push(b'\t'),
                Some('\\') => out.push(b'\\'),
                Some('"') => out.push(b'"'),
                Some('x') => {
                    let hi = chars.next().map(|(_, c)| c);
                    let lo = chars.next().map(|(_, c)| c);
                    let digits: String = [hi, lo].into_iter().flatten().collect();
                    let b = u8::from_str_radix(&digits, 16)
                        .ok()
                        .filter(|_| digits.len() == 2)
                        .ok_or_else(|| format!("bad escape \\x{digits}"))?;
                    out.push(b);
                }
                other => return Err(format!("unknown escape \\{}", other.unwrap_or(' '))),
            },
            c => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    Err("unterminated string".into())
}
