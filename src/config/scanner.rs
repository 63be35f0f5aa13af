//! A `[[scanner]]` entry of kentai.toml, typed as the file is read: the
//! device by its `kind` (serial, HID POS, USB keyboard) with its settings,
//! the framing, and the station its scans go to.
//!
//! A wrong entry (unknown kind or key, a baud rate a UART cannot do, a USB
//! id that is not one) stops the file from loading with the entry's name
//! in the message, rather than leaving a desk silently deaf. A disabled
//! entry is kept as written and checked only for its name and keys, so a
//! scanner can be switched off without being completed.

use super::{ConfigError, StationConfig};
use kentai_drivers::framing::{FramingConfig, Suffix};
use kentai_drivers::keyboard::Layout;
use kentai_drivers::serial::{Parity, SerialSettings};
use kentai_drivers::supervisor::{DeviceKind, DeviceSpec};
use kentai_drivers::usb::UsbSelector;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// A `[[scanner]]` entry: as written, and the device it starts.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "Written", into = "Written")]
pub struct ScannerConfig {
    /// The device the supervisor starts; `None` for an entry with
    /// `enabled = false`.
    pub device: Option<DeviceSpec>,
    written: Written,
}

impl ScannerConfig {
    pub fn name(&self) -> &str {
        &self.written.name
    }

    /// `serial`, `hid_pos` or `usb_keyboard`, as written.
    pub fn kind(&self) -> &str {
        &self.written.kind
    }

    /// A setting as written, when it is text (`station`, `path`, …): what
    /// the pages show of an entry, started or not.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.written.settings.get(key).and_then(toml::Value::as_str)
    }
}

/// The entry as the file has it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
struct Written {
    name: String,
    kind: String,
    #[serde(flatten)]
    settings: toml::Table,
}

impl From<ScannerConfig> for Written {
    fn from(config: ScannerConfig) -> Self {
        config.written
    }
}

impl TryFrom<Written> for ScannerConfig {
    type Error = String;

    fn try_from(written: Written) -> Result<Self, String> {
        let e = Entry { written: &written };
        if written.name.trim().is_empty() || written.name.chars().any(char::is_control) {
            return Err("a scanner has an empty name".into());
        }
        if let Some(key) = written
            .settings
            .keys()
            .find(|k| !KEYS.contains(&k.as_str()))
        {
            return Err(e.invalid(format!("unknown key {key:?}")));
        }
        let device = if e.flag("enabled")?.unwrap_or(true) {
            Some(e.device_spec()?)
        } else {
            None
        };
        Ok(ScannerConfig { device, written })
    }
}

/// What needs the whole file: names told apart, stations configured.
pub(super) fn check_entries(
    scanners: &[ScannerConfig],
    stations: &[StationConfig],
) -> Result<(), ConfigError> {
    for (i, scanner) in scanners.iter().enumerate() {
        let invalid = |message: String| {
            ConfigError::Invalid(format!("scanner {:?}: {message}", scanner.name()))
        };
        if scanners[..i].iter().any(|s| s.name() == scanner.name()) {
            return Err(invalid("two scanners have this name".into()));
        }
        if let Some(spec) = &scanner.device {
            if !stations.iter().any(|s| s.name == spec.station) {
                return Err(invalid(format!(
                    "station {:?} is not a configured [[station]]",
                    spec.station
                )));
            }
        }
    }
    Ok(())
}

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
    written: &'a Written,
}

impl<'a> Entry<'a> {
    fn invalid(&self, message: impl std::fmt::Display) -> String {
        format!("scanner {:?}: {message}", self.written.name)
    }

    fn value(&self, key: &str) -> Option<&'a toml::Value> {
        self.written.settings.get(key)
    }

    fn text(&self, key: &str) -> Result<Option<&'a str>, String> {
        match self.value(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(self.invalid(format!("{key} must be a string"))),
        }
    }

    fn integer(&self, key: &str) -> Result<Option<i64>, String> {
        match self.value(key) {
            None => Ok(None),
            Some(toml::Value::Integer(n)) => Ok(Some(*n)),
            Some(_) => Err(self.invalid(format!("{key} must be a number"))),
        }
    }

    fn flag(&self, key: &str) -> Result<Option<bool>, String> {
        match self.value(key) {
            None => Ok(None),
            Some(toml::Value::Boolean(b)) => Ok(Some(*b)),
            Some(_) => Err(self.invalid(format!("{key} must be true or false"))),
        }
    }

    fn bounded(&self, key: &str, min: i64, max: i64, default: i64) -> Result<i64, String> {
        let n = self.integer(key)?.unwrap_or(default);
        if (min..=max).contains(&n) {
            Ok(n)
        } else {
            Err(self.invalid(format!("{key} must be {min} to {max}")))
        }
    }

    /// A code among `known` (`parity = "odd"`), or `default` when absent;
    /// `refusal` says what is wrong with an unknown one.
    fn code<T>(
        &self,
        key: &str,
        default: T,
        known: impl Fn(&str) -> Option<T>,
        refusal: impl Fn(&str) -> String,
    ) -> Result<T, String> {
        match self.text(key)? {
            None => Ok(default),
            Some(code) => known(code).ok_or_else(|| self.invalid(refusal(code))),
        }
    }

    /// A USB id written as a number (`0x0c2e` in TOML) or a string
    /// (`"0c2e"`, `"0x0c2e"`).
    fn usb_id(&self, key: &str) -> Result<u16, String> {
        let id = match self.value(key) {
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
                    self.written.kind
                )))
            }
            Some(_) => None,
        };
        id.ok_or_else(|| self.invalid(format!("{key} must be a USB id such as 0x0c2e")))
    }

    fn usb_selector(&self) -> Result<UsbSelector, String> {
        Ok(UsbSelector {
            vid: self.usb_id("vid")?,
            pid: self.usb_id("pid")?,
            serial: self.text("serial")?.map(str::to_string),
        })
    }

    /// The device by `kind`, with its settings checked.
    fn device(&self) -> Result<DeviceKind, String> {
        match self.written.kind.as_str() {
            "serial" => {
                let path = self
                    .text("path")?
                    .ok_or_else(|| self.invalid("path is required for a serial scanner"))?;
                Ok(DeviceKind::Serial(SerialSettings {
                    path: PathBuf::from(path),
                    baud: self.bounded("baud", 300, 4_000_000, 9600)? as u32,
                    parity: self.code("parity", Parity::None, Parity::from_code, |_| {
                        "parity must be none, odd or even".into()
                    })?,
                    data_bits: self.bounded("data_bits", 7, 8, 8)? as u8,
                    stop_bits: self.bounded("stop_bits", 1, 2, 1)? as u8,
                    flow_control: self.flag("flow_control")?.unwrap_or(false),
                }))
            }
            "hid_pos" => Ok(DeviceKind::HidPos(self.usb_selector()?)),
            "usb_keyboard" => {
                let selector = self.usb_selector()?;
                let layout = self.code("layout", Layout::Us, Layout::from_code, |_| {
                    "layout must be us or jis".into()
                })?;
                Ok(DeviceKind::UsbKeyboard(selector, layout))
            }
            other => Err(self.invalid(format!(
                "kind {other:?} is not serial, hid_pos or usb_keyboard"
            ))),
        }
    }

    fn device_spec(&self) -> Result<DeviceSpec, String> {
        let station = self
            .text("station")?
            .ok_or_else(|| self.invalid("station is required"))?;
        let framing = FramingConfig {
            suffix: self.code("suffix", Suffix::Cr, Suffix::from_code, |code| {
                format!("suffix {code:?} is not cr, lf, crlf, tab, stx_etx or none")
            })?,
            silence: Duration::from_millis(self.bounded("silence_ms", 20, 10_000, 200)? as u64),
            max_len: self.bounded("max_length", 16, 65_536, 4096)? as usize,
        };
        Ok(DeviceSpec {
            name: self.written.name.clone(),
            station: station.to_string(),
            kind: self.device()?,
            framing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn config(scanner_toml: &str) -> Result<Vec<DeviceSpec>, ConfigError> {
        let text = format!(
            "[[station]]\nname = \"reception-1\"\nworkflow = \"reception\"\n\n[[scanner]]\n{scanner_toml}"
        );
        let config: Config =
            toml::from_str(&text).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        config.scanner_specs()
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
