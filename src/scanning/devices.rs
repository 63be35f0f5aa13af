//! The `[[scanner]]` entries of kentai.toml as the driver crate's device
//! specs, and what `kentai devices` shows.
//!
//! A wrong entry (unknown kind, a station that is not configured, a baud
//! rate a UART cannot do) stops the server at start-up with the entry's
//! name in the message, rather than leaving a desk silently deaf.

use crate::config::{Config, ConfigError, ScannerConfig};
use kentai_drivers::framing::{FramingConfig, Suffix};
use kentai_drivers::keyboard::Layout;
use kentai_drivers::serial::{Parity, SerialSettings};
use kentai_drivers::supervisor::{DeviceKind, DeviceSpec};
use kentai_drivers::usb::UsbSelector;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

/// Keys a `[[scanner]]` entry may have besides `name` and `kind`.
const KEYS: [&str; 15] = [
    "station",
    "path",
    "baud",
    "parity",
    "data_bits",
    "stop_bits",
    "flow_control",
    "suffix",
    "silence_ms",
    "max_length",
    "vid",
    "pid",
    "serial",
    "layout",
    "enabled",
];

struct Entry<'a> {
    scanner: &'a ScannerConfig,
}

impl<'a> Entry<'a> {
    fn invalid(&self, message: impl std::fmt::Display) -> ConfigError {
        ConfigError::Invalid(format!("scanner {:?}: {message}", self.scanner.name))
    }

    fn text(&self, key: &str) -> Result<Option<&'a str>, ConfigError> {
        match self.scanner.settings.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(self.invalid(format!("{key} must be a string"))),
        }
    }

    fn integer(&self, key: &str) -> Result<Option<i64>, ConfigError> {
        match self.scanner.settings.get(key) {
            None => Ok(None),
            Some(toml::Value::Integer(n)) => Ok(Some(*n)),
            Some(_) => Err(self.invalid(format!("{key} must be a number"))),
        }
    }

    fn flag(&self, key: &str) -> Result<Option<bool>, ConfigError> {
        match self.scanner.settings.get(key) {
            None => Ok(None),
            Some(toml::Value::Boolean(b)) => Ok(Some(*b)),
            Some(_) => Err(self.invalid(format!("{key} must be true or false"))),
        }
    }

    fn bounded(&self, key: &str, min: i64, max: i64, default: i64) -> Result<i64, ConfigError> {
        let n = self.integer(key)?.unwrap_or(default);
        if (min..=max).contains(&n) {
            Ok(n)
        } else {
            Err(self.invalid(format!("{key} must be {min} to {max}")))
        }
    }

    /// A USB id written as a number (`0x0c2e` in TOML) or a string
    /// (`"0c2e"`, `"0x0c2e"`).
    fn usb_id(&self, key: &str) -> Result<u16, ConfigError> {
        let value = self.scanner.settings.get(key);
        let id = match value {
            Some(toml::Value::Integer(n)) => u16::try_from(*n).ok(),
            Some(toml::Value::String(s)) => {
                let hex = s.trim_start_matches("0x").trim_start_matches("0X");
                u16::from_str_radix(hex, 16)
                    .ok()
                    .filter(|_| !hex.is_empty())
            }
            None => {
                return Err(self.invalid(format!(
                    "{key} is required for kind {:?}",
                    self.scanner.kind
                )))
            }
            Some(_) => None,
        };
        id.ok_or_else(|| self.invalid(format!("{key} must be a USB id such as 0x0c2e")))
    }
}

/// Every enabled `[[scanner]]` as a device spec, checked.
pub fn scanner_specs(config: &Config) -> Result<Vec<DeviceSpec>, ConfigError> {
    let mut out: Vec<DeviceSpec> = Vec::new();
    for scanner in &config.scanners {
        let e = Entry { scanner };
        if scanner.name.trim().is_empty() || scanner.name.chars().any(char::is_control) {
            return Err(ConfigError::Invalid("a scanner has an empty name".into()));
        }
        if let Some(key) = scanner
            .settings
            .keys()
            .find(|k| !KEYS.contains(&k.as_str()))
        {
            return Err(e.invalid(format!("unknown key {key:?}")));
        }
        if out.iter().any(|s| s.name == scanner.name) {
            return Err(e.invalid("two scanners have this name"));
        }
        if !e.flag("enabled")?.unwrap_or(true) {
            continue;
        }
        let station = e
            .text("station")?
            .ok_or_else(|| e.invalid("station is required"))?;
        if !config.stations.iter().any(|s| s.name == station) {
            return Err(e.invalid(format!(
                "station {station:?} is not a configured [[station]]"
            )));
        }
        let suffix = match e.text("suffix")? {
            None => Suffix::Cr,
            Some(code) => Suffix::from_code(code).ok_or_else(|| {
                e.invalid(format!(
                    "suffix {code:?} is not cr, lf, crlf, tab, stx_etx or none"
                ))
            })?,
        };
        let framing = FramingConfig {
            suffix,
            silence: Duration::from_millis(e.bounded("silence_ms", 20, 10_000, 200)? as u64),
            max_len: e.bounded("max_length", 16, 65_536, 4096)? as usize,
        };
        let kind = match scanner.kind.as_str() {
            "serial" => {
                let path = e
                    .text("path")?
                    .ok_or_else(|| e.invalid("path is required for a serial scanner"))?;
                let parity = match e.text("parity")? {
                    None => Parity::None,
                    Some(code) => Parity::from_code(code)
                        .ok_or_else(|| e.invalid("parity must be none, odd or even"))?,
                };
                let data_bits = e.bounded("data_bits", 7, 8, 8)? as u8;
                let stop_bits = e.bounded("stop_bits", 1, 2, 1)? as u8;
                DeviceKind::Serial(SerialSettings {
                    path: PathBuf::from(path),
                    baud: e.bounded("baud", 300, 4_000_000, 9600)? as u32,
                    parity,
                    data_bits,
                    stop_bits,
                    flow_control: e.flag("flow_control")?.unwrap_or(false),
                })
            }
            kind @ ("hid_pos" | "usb_keyboard") => {
                let selector = UsbSelector {
                    vid: e.usb_id("vid")?,
                    pid: e.usb_id("pid")?,
                    serial: e.text("serial")?.map(str::to_string),
                };
                if kind == "hid_pos" {
                    DeviceKind::HidPos(selector)
                } else {
                    let layout = match e.text("layout")? {
                        None => Layout::Us,
                        Some(code) => Layout::from_code(code)
                            .ok_or_else(|| e.invalid("layout must be us or jis"))?,
                    };
                    DeviceKind::UsbKeyboard(selector, layout)
                }
            }
            other => {
                return Err(e.invalid(format!(
                    "kind {other:?} is not serial, hid_pos or usb_keyboard"
                )))
            }
        };
        out.push(DeviceSpec {
            name: scanner.name.clone(),
            station: station.to_string(),
            kind,
            framing,
        });
    }
    Ok(out)
}

/// One line of `kentai devices` / `GET /api/v1/devices`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceLine {
    /// The `[[scanner]]` name; absent for a device seen but not configured.
    pub name: Option<String>,
    pub station: Option<String>,
    pub kind: String,
    /// The serial path, or `vid:pid` and the serial number.
    pub target: String,
    /// `absent`, `open`, `reading`, `lost`, `back_off` for a running
    /// server's scanners; `present` / `absent` when only looked for;
    /// `not_configured` for a device seen but in no `[[scanner]]`.
    pub state: String,
    pub detail: Option<String>,
    pub frames: Option<u64>,
    pub errors: Option<u64>,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
}

/// The running supervisor's view of its scanners.
pub fn live_lines(statuses: Vec<kentai_drivers::supervisor::DeviceStatus>) -> Vec<DeviceLine> {
    statuses
        .into_iter()
        .map(|s| DeviceLine {
            name: Some(s.name),
            station: Some(s.station),
            kind: s.kind.to_string(),
            target: s.target,
            state: s.state.code().to_string(),
            detail: s.last_error,
            frames: Some(s.frames),
            errors: Some(s.errors),
            since: Some(s.since.into()),
        })
        .collect()
}

/// What this machine shows of the configured scanners without opening
/// them (a running server holds them open), then the serial ports and
/// USB devices that no `[[scanner]]` names.
pub fn probe(config: &Config) -> Result<Vec<DeviceLine>, ConfigError> {
    let specs = scanner_specs(config)?;
    let ports = kentai_drivers::serial::list_ports();
    // No USB on the machine (or libusb cannot start) is not an error here:
    // the listing says so.
    let (usb, usb_error) = match kentai_drivers::usb::list_devices() {
        Ok(list) => (list, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let mut lines = Vec::new();
    let mut claimed_ports = Vec::new();
    let mut claimed_usb = Vec::new();
    for spec in &specs {
        let (present, detail) = match &spec.kind {
            DeviceKind::Serial(s) => {
                let resolved = std::fs::canonicalize(&s.path).ok();
                if let Some(r) = &resolved {
                    claimed_ports.push(r.to_string_lossy().into_owned());
                }
                let detail = resolved
                    .as_ref()
                    .filter(|r| r.as_path() != s.path.as_path())
                    .map(|r| format!("→ {}", r.display()));
                (resolved.is_some(), detail)
            }
            DeviceKind::HidPos(sel) | DeviceKind::UsbKeyboard(sel, _) => {
                let found = usb.iter().position(|d| {
                    d.vid == sel.vid
                        && d.pid == sel.pid
                        && (sel.serial.is_none() || d.serial == sel.serial)
                });
                if let Some(i) = found {
                    claimed_usb.push(i);
                }
                (found.is_some(), usb_error.clone())
            }
        };
        lines.push(DeviceLine {
            name: Some(spec.name.clone()),
            station: Some(spec.station.clone()),
            kind: spec.kind.code().to_string(),
            target: spec.kind.target(),
            state: if present { "present" } else { "absent" }.into(),
            detail,
            frames: None,
            errors: None,
            since: None,
        });
    }
    for port in ports {
        let canonical = std::fs::canonicalize(&port.path)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| port.path.clone());
        if claimed_ports.contains(&canonical) {
            continue;
        }
        lines.push(DeviceLine {
            name: None,
            station: None,
            kind: "serial".into(),
            target: port.path,
            state: "not_configured".into(),
            detail: Some(port.description).filter(|d| !d.is_empty()),
            frames: None,
            errors: None,
            since: None,
        });
    }
    for (i, d) in usb.into_iter().enumerate() {
        if claimed_usb.contains(&i) {
            continue;
        }
        let mut target = format!("{:04x}:{:04x}", d.vid, d.pid);
        if let Some(serial) = &d.serial {
            target.push_str(&format!(" serial {serial}"));
        }
        let detail = [d.manufacturer, d.product]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        lines.push(DeviceLine {
            name: None,
            station: None,
            kind: d.kind.unwrap_or("usb").to_string(),
            target,
            state: "not_configured".into(),
            detail: Some(detail).filter(|d| !d.is_empty()),
            frames: None,
            errors: None,
            since: None,
        });
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(scanner_toml: &str) -> Result<Vec<DeviceSpec>, ConfigError> {
        let text = format!(
            "[[station]]\nname = \"reception-1\"\nworkflow = \"reception\"\n\n[[scanner]]\n{scanner_toml}"
        );
        let config: Config =
            toml::from_str(&text).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        scanner_specs(&config)
    }

    #[test]
    fn a_serial_scanner_entry_of_api_md_becomes_a_serial_spec() {
        let specs = config(
            "name = \"desk-1\"\nkind = \"serial\"\npath = \"/dev/ttyACM0\"\nbaud = 9600\nsuffix = \"cr\"\nstation = \"reception-1\"\n",
        )
        .unwrap();
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].station, "reception-1");
        match &specs[0].kind {
            DeviceKind::Serial(s) => {
                assert_eq!(s.path, PathBuf::from("/dev/ttyACM0"));
                assert_eq!(s.baud, 9600);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(specs[0].framing.suffix, Suffix::Cr);
    }

    #[test]
    fn usb_ids_may_be_numbers_or_hex_strings() {
        let specs = config(
            "name = \"a\"\nkind = \"hid_pos\"\nvid = 0x0c2e\npid = \"0b87\"\nstation = \"reception-1\"\n",
        )
        .unwrap();
        assert_eq!(
            specs[0].kind,
            DeviceKind::HidPos(UsbSelector {
                vid: 0x0c2e,
                pid: 0x0b87,
                serial: None
            })
        );
        let specs = config(
            "name = \"k\"\nkind = \"usb_keyboard\"\nvid = \"0x05e0\"\npid = 0x1200\nlayout = \"jis\"\nstation = \"reception-1\"\n",
        )
        .unwrap();
        assert!(matches!(
            specs[0].kind,
            DeviceKind::UsbKeyboard(_, Layout::Jis)
        ));
    }

    #[test]
    fn a_wrong_entry_names_the_scanner_and_the_problem() {
        let cases = [
            ("name = \"x\"\nkind = \"bluetooth\"\nstation = \"reception-1\"\n", "kind \"bluetooth\""),
            ("name = \"x\"\nkind = \"serial\"\nstation = \"reception-1\"\n", "path is required"),
            ("name = \"x\"\nkind = \"serial\"\npath = \"/dev/x\"\nstation = \"nowhere\"\n", "not a configured"),
            ("name = \"x\"\nkind = \"serial\"\npath = \"/dev/x\"\nstation = \"reception-1\"\nsuffix = \"semicolon\"\n", "suffix"),
            ("name = \"x\"\nkind = \"serial\"\npath = \"/dev/x\"\nstation = \"reception-1\"\nbaud = 12\n", "baud"),
            ("name = \"x\"\nkind = \"serial\"\npath = \"/dev/x\"\nstation = \"reception-1\"\nspeed = 9600\n", "unknown key"),
            ("name = \"x\"\nkind = \"hid_pos\"\nstation = \"reception-1\"\n", "vid is required"),
            ("name = \"x\"\nkind = \"hid_pos\"\nvid = \"zz\"\npid = 1\nstation = \"reception-1\"\n", "vid must be"),
            ("name = \"x\"\nkind = \"usb_keyboard\"\nvid = 1\npid = 1\nlayout = \"dvorak\"\nstation = \"reception-1\"\n", "layout"),
        ];
        for (entry, expected) in cases {
            let err = config(entry).unwrap_err().to_string();
            assert!(err.contains("scanner \"x\""), "{err}");
            assert!(err.contains(expected), "{entry}: {err}");
        }
    }

    #[test]
    fn a_disabled_scanner_is_not_started() {
        let specs = config(
            "name = \"x\"\nkind = \"serial\"\npath = \"/dev/x\"\nstation = \"reception-1\"\nenabled = false\n",
        )
        .unwrap();
        assert!(specs.is_empty());
    }
}
