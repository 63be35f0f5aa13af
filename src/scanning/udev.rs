//! Scanner permissions by udev. The package's `61-kentai.rules` gives the
//! kentai group the USB scanners of the common makers; a scanner of
//! another maker needs a rule of its own, which `kentai devices --udev`
//! writes for the devices attached now.
//!
//! The vendors the package covers are read from the rules file itself
//! (built into the binary), so the two cannot disagree.

use kentai_drivers::supervisor::{DeviceKind, DeviceSpec};
use kentai_drivers::usb::UsbDeviceInfo;

/// The package's rules, as installed in /usr/lib/udev/rules.d.
pub const PACKAGE_RULES: &str = include_str!("../../debian/61-kentai.rules");

/// The vendor ids the package's rules match (`ENV{ID_VENDOR_ID}==…`).
pub fn covered_vendors() -> Vec<u16> {
    let mut vendors = Vec::new();
    for line in PACKAGE_RULES.lines().filter(|l| !l.starts_with('#')) {
        let mut rest = line;
        while let Some(at) = rest.find("ENV{ID_VENDOR_ID}==\"") {
            rest = &rest[at + "ENV{ID_VENDOR_ID}==\"".len()..];
            let Some(end) = rest.find('"') else {
                break;
            };
            vendors.extend(
                rest[..end]
                    .split('|')
                    .filter_map(|id| u16::from_str_radix(id, 16).ok()),
            );
            rest = &rest[end..];
        }
    }
    vendors.sort_unstable();
    vendors.dedup();
    vendors
}

/// Words in a device's own name that make it a scanner, when no
/// `[[scanner]]` names it yet: a HID device may as well be a mouse.
const SCANNER_WORDS: [&str; 4] = ["scan", "barcode", "imager", "reader"];

fn named_by(spec: &DeviceSpec, device: &UsbDeviceInfo) -> bool {
    match &spec.kind {
        DeviceKind::HidPos(sel) | DeviceKind::UsbKeyboard(sel, _) => sel.matches(device),
        DeviceKind::Serial(_) => false,
    }
}

fn looks_like_a_scanner(device: &UsbDeviceInfo) -> bool {
    let names = [&device.manufacturer, &device.product]
        .into_iter()
        .flatten()
        .map(|n| n.to_lowercase())
        .collect::<Vec<_>>();
    device.kind == Some("hid")
        && names
            .iter()
            .any(|n| SCANNER_WORDS.iter().any(|w| n.contains(w)))
}

/// A value safe inside a udev rule's double quotes (udev has no
/// escapes): serial numbers are the device's own text.
fn quoted(value: &str) -> Option<&str> {
    (!value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:+".contains(c)))
    .then_some(value)
}

/// The rules (with a comment line each) for the attached devices that a
/// `[[scanner]]` names or that call themselves scanners, whose vendor the
/// package does not cover.
pub fn rules_for(devices: &[UsbDeviceInfo], specs: &[DeviceSpec]) -> Vec<String> {
    let covered = covered_vendors();
    let mut rules = Vec::new();
    for device in devices {
        if covered.contains(&device.vid) {
            continue;
        }
        let named = specs.iter().find(|s| named_by(s, device));
        if named.is_none() && !looks_like_a_scanner(device) {
            continue;
        }
        let describe = [
            device.manufacturer.as_deref(),
            device.product.as_deref(),
            named.map(|s| s.name.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" / ");
        let serial = device.serial.as_deref().and_then(quoted);
        let mut rule = format!(
            "SUBSYSTEM==\"usb\", ENV{{DEVTYPE}}==\"usb_device\", ATTR{{idVendor}}==\"{:04x}\", ATTR{{idProduct}}==\"{:04x}\"",
            device.vid, device.pid
        );
        if let Some(serial) = serial {
            rule.push_str(&format!(", ATTR{{serial}}==\"{serial}\""));
        }
        rule.push_str(", GROUP=\"kentai\", MODE=\"0660\"");
        if let Some(serial) = serial {
            rule.push_str(&format!(
                ", SYMLINK+=\"kentai/usb-{:04x}-{serial}\"",
                device.vid
            ));
        }
        rules.push(format!(
            "# {:04x}:{:04x} {describe}\n{rule}",
            device.vid, device.pid
        ));
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use kentai_drivers::usb::UsbSelector;

    fn device(vid: u16, pid: u16, product: &str, kind: Option<&'static str>) -> UsbDeviceInfo {
        UsbDeviceInfo {
            vid,
            pid,
            serial: Some("SN 01".into()),
            manufacturer: Some("Acme".into()),
            product: Some(product.into()),
            bus: 1,
            address: 4,
            kind,
        }
    }

    #[test]
    fn the_package_rules_cover_the_scanner_makers_and_usb_serial_adapters_listed_in_them() {
        let covered = covered_vendors();
        for vendor in [
            0x05e0, 0x0536, 0x0c2e, 0x05f9, 0x080c, 0x065a, 0x1eab, 0x27dd, 0x0403, 0x067b, 0x10c4,
            0x1a86,
        ] {
            assert!(covered.contains(&vendor), "{vendor:04x}");
        }
        assert_eq!(covered.len(), 12);
        // Every covered vendor is named, with its source, in the header.
        for vendor in covered {
            assert!(
                PACKAGE_RULES.contains(&format!("#     {vendor:04x} ")),
                "{vendor:04x} has no line in the header"
            );
        }
    }

    #[test]
    fn a_rule_is_printed_for_an_uncovered_scanner_and_not_for_a_covered_one_or_a_mouse() {
        let devices = vec![
            device(0x1234, 0x0001, "2D Barcode Scanner", Some("hid")),
            device(0x0c2e, 0x0b81, "Voyager 1400g Barcode Scanner", Some("hid")),
            device(0x046d, 0xc077, "USB Optical Mouse", Some("hid")),
            device(0x04d9, 0x1603, "USB Keyboard", Some("usb_keyboard")),
        ];
        let rules = rules_for(&devices, &[]);
        assert_eq!(rules.len(), 1, "{rules:#?}");
        assert_eq!(
            rules[0],
            "# 1234:0001 Acme / 2D Barcode Scanner\n\
             SUBSYSTEM==\"usb\", ENV{DEVTYPE}==\"usb_device\", ATTR{idVendor}==\"1234\", ATTR{idProduct}==\"0001\", GROUP=\"kentai\", MODE=\"0660\""
        );
    }

    #[test]
    fn a_keyboard_mode_scanner_named_by_a_scanner_entry_gets_its_rule_with_serial_and_stable_name()
    {
        let mut wedge = device(0x04d9, 0x1603, "USB Keyboard", Some("usb_keyboard"));
        wedge.serial = Some("K0042".into());
        let spec = DeviceSpec::new(
            "desk-2",
            "reception-1",
            DeviceKind::UsbKeyboard(
                UsbSelector::new(0x04d9, 0x1603, None),
                kentai_drivers::keyboard::Layout::Us,
            ),
        );
        let rules = rules_for(&[wedge], &[spec]);
        assert_eq!(
            rules,
            vec!["# 04d9:1603 Acme / USB Keyboard / desk-2\n\
                  SUBSYSTEM==\"usb\", ENV{DEVTYPE}==\"usb_device\", ATTR{idVendor}==\"04d9\", ATTR{idProduct}==\"1603\", ATTR{serial}==\"K0042\", GROUP=\"kentai\", MODE=\"0660\", SYMLINK+=\"kentai/usb-04d9-K0042\""
                .to_string()]
        );
    }
}
