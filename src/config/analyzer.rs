//! An `[[analyzer]]` entry of kentai.toml: an instrument that sends its
//! results itself, over ASTM (a serial line or TCP) or HL7 v2 over MLLP,
//! and the map from its test codes and words to kentai's.
//!
//! Like a `[[scanner]]`, a wrong entry (an unknown kind or key, a missing
//! address, a setting of another kind) stops the file from loading with
//! the entry's name in the message: an analyser kentai does not listen to
//! would otherwise look like a quiet night.

use super::ConfigError;
use crate::domain::analyzer::{CodeMap, TestCode};
use crate::domain::results::TestResult;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// How kentai and the analyser are connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnalyzerLink {
    /// ASTM E1381 on a serial line.
    AstmSerial { path: PathBuf, baud: u32 },
    /// ASTM E1381 over TCP: kentai listens, or connects to the analyser.
    AstmTcp(TcpEnd),
    /// HL7 v2 over MLLP: kentai listens.
    Hl7Mllp { listen: String },
}

/// Which side of a TCP link opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpEnd {
    Listen(String),
    Connect(String),
}

/// The character set of an ASTM analyser's text (HL7 names its own in MSH-18).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Charset {
    /// ASCII, and UTF-8 beyond it.
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    /// Shift_JIS, as many Japanese instruments write patient names.
    #[serde(rename = "shift_jis")]
    ShiftJis,
}

/// An `[[analyzer]]` entry: as written, and what it means.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "Written", into = "Written")]
pub struct AnalyzerConfig {
    /// `None` for an entry with `enabled = false`.
    pub link: Option<AnalyzerLink>,
    pub charset: Charset,
    pub codes: CodeMap,
    written: Written,
}

impl AnalyzerConfig {
    pub fn name(&self) -> &str {
        &self.written.name
    }

    /// `astm_serial`, `astm_tcp` or `hl7_mllp`, as written.
    pub fn kind(&self) -> &str {
        &self.written.kind
    }

    /// Where the link is, in words for a page: the address or the path
    /// (as written, for an entry switched off too).
    pub fn place(&self) -> String {
        let w = &self.written;
        match (&w.listen, &w.connect, &w.path) {
            (Some(a), _, _) => format!("listen {a}"),
            (_, Some(a), _) => format!("connect {a}"),
            (_, _, Some(p)) => format!("{} ({} baud)", p.display(), w.baud.unwrap_or(9600)),
            _ => String::new(),
        }
    }
}

/// The entry as the file has it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Written {
    name: String,
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    listen: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    connect: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    baud: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    encoding: Option<Charset>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    tests: BTreeMap<String, TestCode>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    values: BTreeMap<String, TestResult>,
}

impl From<AnalyzerConfig> for Written {
    fn from(config: AnalyzerConfig) -> Self {
        config.written
    }
}

const KINDS: [&str; 3] = ["astm_serial", "astm_tcp", "hl7_mllp"];

/// Baud rates a serial analyser is set to.
const BAUDS: [u32; 8] = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200];

impl TryFrom<Written> for AnalyzerConfig {
    type Error = String;

    fn try_from(w: Written) -> Result<Self, String> {
        if w.name.trim().is_empty() || w.name.chars().any(char::is_control) {
            return Err("an analyzer has an empty name".into());
        }
        let invalid = |what: String| format!("analyzer {:?}: {what}", w.name);
        // A switched-off entry is checked for its name and keys only, so an
        // analyser can be taken out of service without being completed.
        let link = match w.enabled {
            Some(false) => None,
            _ => Some(link_of(&w).map_err(invalid)?),
        };
        for (code, test) in &w.tests {
            if code.trim().is_empty() {
                return Err(invalid("a test code in tests is empty".into()));
            }
            if test.method.is_none() && test.target.is_none() {
                return Err(invalid(format!(
                    "tests.{code:?} names neither a method nor a target"
                )));
            }
        }
        Ok(AnalyzerConfig {
            link,
            charset: w.encoding.unwrap_or_default(),
            codes: CodeMap {
                tests: w.tests.clone(),
                values: w.values.clone(),
            },
            written: w,
        })
    }
}

/// The settings each kind takes beside `name`, `kind`, `enabled`, `tests`
/// and `values`.
fn settings_of(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "astm_serial" => Some(&["path", "baud", "encoding"]),
        "astm_tcp" => Some(&["listen", "connect", "encoding"]),
        "hl7_mllp" => Some(&["listen"]),
        _ => None,
    }
}

/// The link an entry's kind and settings describe.
fn link_of(w: &Written) -> Result<AnalyzerLink, String> {
    let allowed = settings_of(&w.kind).ok_or_else(|| {
        format!(
            "unknown kind {:?} (use one of {})",
            w.kind,
            KINDS.join(", ")
        )
    })?;
    let given = [
        ("listen", w.listen.is_some()),
        ("connect", w.connect.is_some()),
        ("path", w.path.is_some()),
        ("baud", w.baud.is_some()),
        ("encoding", w.encoding.is_some()),
    ];
    if let Some((key, _)) = given
        .iter()
        .find(|(key, set)| *set && !allowed.contains(key))
    {
        return Err(format!("{key} is not a setting of kind {}", w.kind));
    }
    let address = |key: &str, value: &str| -> Result<String, String> {
        match value.parse::<std::net::SocketAddr>() {
            Ok(_) => Ok(value.to_string()),
            Err(_) => Err(format!(
                "{key} {value:?} is not an address and port (e.g. 127.0.0.1:2575)"
            )),
        }
    };
    match (w.kind.as_str(), &w.listen, &w.connect) {
        ("astm_serial", _, _) => {
            let path = w
                .path
                .clone()
                .ok_or("path is required (e.g. /dev/ttyUSB0)")?;
            let baud = w.baud.unwrap_or(9600);
            if !BAUDS.contains(&baud) {
                return Err(format!("baud {baud} is not a serial line's rate"));
            }
            Ok(AnalyzerLink::AstmSerial { path, baud })
        }
        ("astm_tcp", Some(l), None) => {
            Ok(AnalyzerLink::AstmTcp(TcpEnd::Listen(address("listen", l)?)))
        }
        ("astm_tcp", None, Some(c)) => Ok(AnalyzerLink::AstmTcp(TcpEnd::Connect(host_port(c)?))),
        ("astm_tcp", _, _) => Err("set one of listen and connect".into()),
        (_, Some(l), _) => Ok(AnalyzerLink::Hl7Mllp {
            listen: address("listen", l)?,
        }),
        _ => Err("listen is required (e.g. 0.0.0.0:2575)".into()),
    }
}

/// An analyser kentai connects to: an address or a host name (a lab's
/// DNS or `/etc/hosts` names its instruments), with its port.
fn host_port(value: &str) -> Result<String, String> {
    let bad = || format!("connect {value:?} is not a host and port (e.g. 10.0.0.5:5000)");
    if value.parse::<std::net::SocketAddr>().is_ok() {
        return Ok(value.to_string());
    }
    let (host, port) = value.rsplit_once(':').ok_or_else(bad)?;
    let name = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    if host.is_empty() || !host.chars().all(name) || port.parse::<u16>().map_or(true, |p| p == 0) {
        return Err(bad());
    }
    Ok(value.to_string())
}

/// The checks that need every entry: names and listening addresses told apart.
pub fn check_entries(analyzers: &[AnalyzerConfig]) -> Result<(), ConfigError> {
    let mut names = BTreeSet::new();
    let mut listening = BTreeSet::new();
    for a in analyzers {
        if !names.insert(a.name()) {
            return Err(ConfigError::Invalid(format!(
                "two analyzers are named {:?}",
                a.name()
            )));
        }
        let listen = match &a.link {
            Some(AnalyzerLink::AstmTcp(TcpEnd::Listen(l)))
            | Some(AnalyzerLink::Hl7Mllp { listen: l }) => Some(l.as_str()),
            _ => None,
        };
        if let Some(l) = listen {
            if !listening.insert(l) {
                return Err(ConfigError::Invalid(format!(
                    "analyzer {:?}: another analyzer listens on {l}",
                    a.name()
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::results::TestMethod;

    fn entry(text: &str) -> Result<AnalyzerConfig, String> {
        #[derive(Deserialize)]
        struct File {
            analyzer: Vec<AnalyzerConfig>,
        }
        toml::from_str::<File>(text)
            .map(|f| f.analyzer.into_iter().next().expect("one entry"))
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn each_kind_reads_its_own_settings() {
        let a = entry(
            "[[analyzer]]\nname = \"pcr-1\"\nkind = \"hl7_mllp\"\nlisten = \"127.0.0.1:2575\"\n\
             [analyzer.tests]\n\"SARS-CoV-2\" = { method = \"pcr\" }\nN2 = { method = \"pcr\", target = \"N2\" }\n\
             [analyzer.values]\nERROR = \"invalid\"\n",
        )
        .expect("valid");
        assert_eq!(
            a.link,
            Some(AnalyzerLink::Hl7Mllp {
                listen: "127.0.0.1:2575".into()
            })
        );
        assert_eq!(a.codes.tests["N2"].target.as_deref(), Some("N2"));
        assert_eq!(a.codes.tests["SARS-CoV-2"].method, Some(TestMethod::Pcr));
        assert_eq!(a.codes.values["ERROR"], TestResult::Invalid);

        let a = entry(
            "[[analyzer]]\nname = \"ag\"\nkind = \"astm_serial\"\npath = \"/dev/ttyUSB1\"\nencoding = \"shift_jis\"\n",
        )
        .expect("valid");
        assert_eq!(
            a.link,
            Some(AnalyzerLink::AstmSerial {
                path: "/dev/ttyUSB1".into(),
                baud: 9600
            })
        );
        assert_eq!(a.charset, Charset::ShiftJis);

        let a = entry(
            "[[analyzer]]\nname = \"line\"\nkind = \"astm_tcp\"\nconnect = \"10.0.0.5:5000\"\n",
        )
        .expect("valid");
        assert_eq!(
            a.link,
            Some(AnalyzerLink::AstmTcp(TcpEnd::Connect(
                "10.0.0.5:5000".into()
            )))
        );
        assert_eq!(a.place(), "connect 10.0.0.5:5000");

        let a = entry(
            "[[analyzer]]\nname = \"line\"\nkind = \"astm_tcp\"\nconnect = \"cobas-1.lab:5000\"\n",
        )
        .expect("a host name is an analyser's address too");
        assert_eq!(
            a.link,
            Some(AnalyzerLink::AstmTcp(TcpEnd::Connect(
                "cobas-1.lab:5000".into()
            )))
        );
    }

    #[test]
    fn a_wrong_entry_is_refused_with_its_name() {
        let cases = [
            ("kind = \"lis2\"", "unknown kind \"lis2\""),
            ("kind = \"hl7_mllp\"", "listen is required"),
            (
                "kind = \"hl7_mllp\"\nlisten = \"2575\"",
                "is not an address and port",
            ),
            (
                "kind = \"hl7_mllp\"\nlisten = \"127.0.0.1:2575\"\npath = \"/dev/ttyS0\"",
                "path is not a setting of kind hl7_mllp",
            ),
            ("kind = \"astm_serial\"", "path is required"),
            (
                "kind = \"astm_serial\"\npath = \"/dev/ttyS0\"\nbaud = 9601",
                "baud 9601",
            ),
            (
                "kind = \"astm_tcp\"\nlisten = \"127.0.0.1:1\"\nconnect = \"127.0.0.1:2\"",
                "set one of listen and connect",
            ),
            ("kind = \"astm_tcp\"", "set one of listen and connect"),
            (
                "kind = \"astm_tcp\"\nconnect = \"cobas-1.lab\"",
                "is not a host and port",
            ),
            (
                "kind = \"astm_tcp\"\nconnect = \"cobas 1:5000\"",
                "is not a host and port",
            ),
            (
                "kind = \"astm_tcp\"\nconnect = \"cobas-1:0\"",
                "is not a host and port",
            ),
            (
                "kind = \"hl7_mllp\"\nlisten = \"127.0.0.1:2575\"\n[analyzer.tests]\nX = {}",
                "names neither a method nor a target",
            ),
        ];
        for (body, want) in cases {
            let error =
                entry(&format!("[[analyzer]]\nname = \"pcr-1\"\n{body}\n")).expect_err(body);
            assert!(error.contains(want), "{body}: {error}");
            if !want.contains("unknown kind") || body.contains("lis2") {
                assert!(error.contains("pcr-1"), "{body}: {error}");
            }
        }
        let error = entry("[[analyzer]]\nname = \"x\"\nkind = \"hl7_mllp\"\nport = 1\n")
            .expect_err("unknown key");
        assert!(error.contains("port"), "{error}");
    }

    #[test]
    fn a_disabled_entry_starts_nothing_and_two_entries_must_differ() {
        let a = entry(
            "[[analyzer]]\nname = \"a\"\nkind = \"hl7_mllp\"\nlisten = \"127.0.0.1:2575\"\nenabled = false\n",
        )
        .expect("valid");
        assert_eq!(a.link, None);
        let b =
            entry("[[analyzer]]\nname = \"a\"\nkind = \"hl7_mllp\"\nlisten = \"127.0.0.1:2576\"\n")
                .expect("valid");
        let error = check_entries(&[a.clone(), b]).expect_err("same name");
        assert!(error.to_string().contains("two analyzers"), "{error}");
        let c =
            entry("[[analyzer]]\nname = \"c\"\nkind = \"astm_tcp\"\nlisten = \"127.0.0.1:2575\"\n")
                .expect("valid");
        let d =
            entry("[[analyzer]]\nname = \"d\"\nkind = \"hl7_mllp\"\nlisten = \"127.0.0.1:2575\"\n")
                .expect("valid");
        let error = check_entries(&[c, d]).expect_err("same port");
        assert!(error.to_string().contains("listens on"), "{error}");
    }
}
