//! Printers (`[[printer]]`) and the print queue's retry timing
//! (`[printing]`): which documents go where, and which events print on
//! their own.

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// How kentai talks to a printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum PrinterKind {
    /// ZPL over a plain TCP socket (port 9100): Zebra and compatible
    /// label printers.
    #[serde(rename = "raw9100")]
    Raw9100,
    /// IPP/1.1 Print-Job with a PNG: IPP Everywhere printers and CUPS
    /// queues.
    #[serde(rename = "ipp")]
    Ipp,
}

impl PrinterKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrinterKind::Raw9100 => "raw9100",
            PrinterKind::Ipp => "ipp",
        }
    }
}

/// What kentai prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrintDocument {
    TubeLabel,
    LocationLabel,
    PackageLabel,
    Slip,
    CommandSheet,
}

impl PrintDocument {
    pub const ALL: [PrintDocument; 5] = [
        PrintDocument::TubeLabel,
        PrintDocument::LocationLabel,
        PrintDocument::PackageLabel,
        PrintDocument::Slip,
        PrintDocument::CommandSheet,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PrintDocument::TubeLabel => "tube_label",
            PrintDocument::LocationLabel => "location_label",
            PrintDocument::PackageLabel => "package_label",
            PrintDocument::Slip => "slip",
            PrintDocument::CommandSheet => "command_sheet",
        }
    }

    pub fn from_code(code: &str) -> Option<PrintDocument> {
        PrintDocument::ALL.into_iter().find(|d| d.as_str() == code)
    }

    /// Whether a printer of `kind` can print it: a label printer takes
    /// the labels and the command sheet as ZPL; an IPP queue takes what
    /// renders as PNG (tube and location labels, the command sheet's
    /// pages). The slip is HTML only, and the package label SVG or ZPL.
    pub fn printable_on(self, kind: PrinterKind) -> bool {
        match kind {
            PrinterKind::Raw9100 => self != PrintDocument::Slip,
            PrinterKind::Ipp => matches!(
                self,
                PrintDocument::TubeLabel
                    | PrintDocument::LocationLabel
                    | PrintDocument::CommandSheet
            ),
        }
    }
}

/// One `[[printer]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterConfig {
    /// How requests and pages name it (1–64 letters, digits, '-', '_', '.').
    pub name: String,
    pub kind: PrinterKind,
    /// `HOST:PORT` for `raw9100`; an `ipp://HOST[:PORT]/PATH` URI (or
    /// `http://…`) for `ipp`.
    pub address: String,
    /// The document printed here when a tube is registered (only
    /// `tube_label`); one job per tube, however often the registration is
    /// repeated.
    #[serde(default)]
    pub on_register: Option<PrintDocument>,
    /// The document printed here when a package is dispatched
    /// (`package_label`; label printers only).
    #[serde(default)]
    pub on_package: Option<PrintDocument>,
    /// The PNG resolution sent to an IPP printer (96 to 1200).
    #[serde(default = "default_dpi")]
    pub dpi: u32,
}

fn default_dpi() -> u32 {
    300
}

/// An IPP printer's address taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IppAddress {
    /// `HOST:PORT` to connect to (631 when the URI names none).
    pub authority: String,
    pub host: String,
    /// The path the request is posted to (`/ipp/print`).
    pub path: String,
    /// The printer's URI as the request names it (`ipp://…`).
    pub uri: String,
}

impl PrinterConfig {
    /// `HOST:PORT` of a `raw9100` printer.
    pub fn socket_address(&self) -> Result<String, ConfigError> {
        let invalid = || {
            ConfigError::Invalid(format!(
                "printer {:?}: address {:?} is not HOST:PORT",
                self.name, self.address
            ))
        };
        let (host, port) = self.address.rsplit_once(':').ok_or_else(invalid)?;
        if host.is_empty() || !port.parse::<u16>().is_ok_and(|p| p != 0) {
            return Err(invalid());
        }
        Ok(self.address.clone())
    }

    /// The parts of an `ipp` printer's URI.
    pub fn ipp_address(&self) -> Result<IppAddress, ConfigError> {
        let invalid = || {
            ConfigError::Invalid(format!(
                "printer {:?}: address {:?} is not an ipp://HOST[:PORT]/PATH URI",
                self.name, self.address
            ))
        };
        let rest = self
            .address
            .strip_prefix("ipp://")
            .or_else(|| self.address.strip_prefix("http://"))
            .ok_or_else(invalid)?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() || authority.contains('@') {
            return Err(invalid());
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
                let port = p.parse::<u16>().map_err(|_| invalid())?;
                (h.to_string(), port)
            }
            _ => (authority.to_string(), 631),
        };
        if host.is_empty() {
            return Err(invalid());
        }
        Ok(IppAddress {
            authority: format!("{host}:{port}"),
            host,
            path: path.to_string(),
            uri: format!("ipp://{authority}{path}"),
        })
    }

    fn check(&self) -> Result<(), ConfigError> {
        let name = &self.name;
        if name.trim().is_empty()
            || name.len() > 64
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(ConfigError::Invalid(format!(
                "printer {name:?}: a name is 1–64 letters, digits, '-', '_' or '.'"
            )));
        }
        match self.kind {
            PrinterKind::Raw9100 => self.socket_address().map(|_| ())?,
            PrinterKind::Ipp => self.ipp_address().map(|_| ())?,
        }
        if !(96..=1200).contains(&self.dpi) {
            return Err(ConfigError::Invalid(format!(
                "printer {name:?}: dpi must be 96 to 1200"
            )));
        }
        for (key, document, allowed) in [
            (
                "on_register",
                self.on_register,
                &[PrintDocument::TubeLabel][..],
            ),
            (
                "on_package",
                self.on_package,
                &[PrintDocument::PackageLabel][..],
            ),
        ] {
            let Some(document) = document else { continue };
            if !allowed.contains(&document) {
                return Err(ConfigError::Invalid(format!(
                    "printer {name:?}: {key} can only be {}",
                    allowed
                        .iter()
                        .map(|d| format!("{:?}", d.as_str()))
                        .collect::<Vec<_>>()
                        .join(" or ")
                )));
            }
            if !document.printable_on(self.kind) {
                return Err(ConfigError::Invalid(format!(
                    "printer {name:?}: a {} printer cannot print {}",
                    self.kind.as_str(),
                    document.as_str()
                )));
            }
        }
        Ok(())
    }
}

/// Every `[[printer]]` whole, and named once.
pub(super) fn check_entries(printers: &[PrinterConfig]) -> Result<(), ConfigError> {
    let mut seen = std::collections::HashSet::new();
    for printer in printers {
        printer.check()?;
        if !seen.insert(printer.name.as_str()) {
            return Err(ConfigError::Invalid(format!(
                "printer {:?} is configured twice",
                printer.name
            )));
        }
    }
    Ok(())
}

/// How the print queue retries (`[printing]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Printing {
    /// Seconds before the first retry of a job that could not be sent;
    /// each further retry waits twice as long as the one before.
    pub retry_seconds: f64,
    /// The longest wait between two attempts, in seconds.
    pub retry_max_seconds: f64,
    /// Attempts before a job is marked `failed` (it can be retried by
    /// hand from the admin page or the API).
    pub max_attempts: u32,
}

impl Default for Printing {
    fn default() -> Self {
        Printing {
            retry_seconds: 2.0,
            retry_max_seconds: 300.0,
            max_attempts: 50,
        }
    }
}

impl Printing {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !(self.retry_seconds.is_finite()
            && self.retry_seconds > 0.0
            && self.retry_max_seconds.is_finite()
            && self.retry_max_seconds >= self.retry_seconds
            && self.retry_max_seconds <= 86_400.0)
        {
            return Err(ConfigError::Invalid(
                "printing.retry_seconds must be more than 0 and at most printing.retry_max_seconds (at most a day)".into(),
            ));
        }
        if self.max_attempts == 0 {
            return Err(ConfigError::Invalid(
                "printing.max_attempts must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// How long to wait after the `attempts`th failed attempt.
    pub fn backoff(&self, attempts: u32) -> std::time::Duration {
        let exponent = attempts.saturating_sub(1).min(30);
        let seconds =
            (self.retry_seconds * f64::from(1u32 << exponent)).min(self.retry_max_seconds);
        std::time::Duration::from_secs_f64(seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printer(text: &str) -> Result<Vec<PrinterConfig>, String> {
        #[derive(Deserialize)]
        struct File {
            printer: Vec<PrinterConfig>,
        }
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        check_entries(&file.printer).map_err(|e| e.to_string())?;
        Ok(file.printer)
    }

    #[test]
    fn printers_are_checked_at_start_up() {
        let ok = printer(
            "[[printer]]\nname = \"zebra-1\"\nkind = \"raw9100\"\naddress = \"10.0.0.5:9100\"\non_register = \"tube_label\"\non_package = \"package_label\"\n\
             [[printer]]\nname = \"office\"\nkind = \"ipp\"\naddress = \"ipp://127.0.0.1:8631/ipp/print\"\n",
        )
        .unwrap();
        assert_eq!(ok[0].kind, PrinterKind::Raw9100);
        let ipp = ok[1].ipp_address().unwrap();
        assert_eq!(ipp.authority, "127.0.0.1:8631");
        assert_eq!(ipp.path, "/ipp/print");
        for bad in [
            "[[printer]]\nname = \"z\"\nkind = \"raw9100\"\naddress = \"10.0.0.5\"\n",
            "[[printer]]\nname = \"z\"\nkind = \"lpd\"\naddress = \"10.0.0.5:515\"\n",
            "[[printer]]\nname = \"z\"\nkind = \"ipp\"\naddress = \"10.0.0.5:631\"\n",
            "[[printer]]\nname = \"z\"\nkind = \"ipp\"\naddress = \"ipp://h/p\"\non_package = \"package_label\"\n",
            "[[printer]]\nname = \"z\"\nkind = \"raw9100\"\naddress = \"h:1\"\non_register = \"slip\"\n",
            "[[printer]]\nname = \"z z\"\nkind = \"raw9100\"\naddress = \"h:1\"\n",
            "[[printer]]\nname = \"z\"\nkind = \"raw9100\"\naddress = \"h:1\"\n[[printer]]\nname = \"z\"\nkind = \"raw9100\"\naddress = \"h:2\"\n",
        ] {
            assert!(printer(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn retries_wait_twice_as_long_each_time_up_to_the_longest_wait() {
        let p = Printing::default();
        assert_eq!(p.backoff(1).as_secs_f64(), 2.0);
        assert_eq!(p.backoff(2).as_secs_f64(), 4.0);
        assert_eq!(p.backoff(3).as_secs_f64(), 8.0);
        assert_eq!(p.backoff(40).as_secs_f64(), 300.0);
    }
}
