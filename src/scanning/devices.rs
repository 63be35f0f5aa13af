//! What `kentai devices` and `GET /api/v1/devices` show: the configured
//! scanners (typed in [`crate::config::ScannerConfig`]) with their state,
//! and the serial ports and USB devices no `[[scanner]]` names.

use crate::config::{Config, ConfigError};
use kentai_drivers::supervisor::DeviceKind;
use serde::Serialize;

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
    let specs = config.scanner_specs()?;
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
