//! USB scanners read directly through libusb (`rusb`).
//!
//! A USB scanner is either a HID POS device (usage page 0x8C), whose
//! reports carry whole symbols, or a keyboard that types each scan. Both
//! are read here from their interrupt IN endpoint after detaching the
//! operating system's driver, so no window focus or host keyboard layout
//! stands between scanner and kentai (SPEC §5).
//!
//! The protocol logic does not touch libusb: [`HidPosReader`] and
//! [`KeyboardReader`] decode whatever a [`ReportSource`] delivers. The
//! libusb-backed [`UsbReportSource`] makes them [`HidPosTransport`] and
//! [`UsbKeyboardTransport`]; [`RecordedSource`] replays recorded reports,
//! which is how the transports are tested and how a recorded scanner can be
//! replayed without hardware.
//!
//! Every libusb context is a private [`rusb::Context`], never the global
//! one: a machine without USB (or a container where libusb cannot start)
//! gets an error from [`list_devices`] or `open`, not a panic.

use crate::hid_pos::HidPosDecoder;
use crate::keyboard::{KeyboardDecoder, Layout};
use crate::{Chunk, Symbol, Transport, TransportError};
use rusb::{
    Context, Device, DeviceDescriptor, DeviceHandle, Direction, Recipient, RequestType,
    TransferType, UsbContext,
};
use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Which USB device a configured scanner is: vendor and product id, and
/// the serial number when several of one model are attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbSelector {
    pub vid: u16,
    pub pid: u16,
    pub serial: Option<String>,
}

impl UsbSelector {
    pub fn new(vid: u16, pid: u16, serial: Option<String>) -> Self {
        UsbSelector { vid, pid, serial }
    }

    /// Builds a selector from configuration strings (see [`parse_id`]).
    /// An empty serial counts as none.
    pub fn parse(vid: &str, pid: &str, serial: Option<&str>) -> Option<Self> {
        Some(UsbSelector {
            vid: parse_id(vid)?,
            pid: parse_id(pid)?,
            serial: serial
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        })
    }

    /// Whether a listed device is the one this selector names.
    pub fn matches(&self, device: &UsbDeviceInfo) -> bool {
        device.vid == self.vid
            && device.pid == self.pid
            && match &self.serial {
                Some(wanted) => device.serial.as_deref() == Some(wanted.as_str()),
                None => true,
            }
    }
}

impl fmt::Display for UsbSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}:{:04x}", self.vid, self.pid)?;
        if let Some(serial) = &self.serial {
            write!(f, " serial {serial}")?;
        }
        Ok(())
    }
}

/// A vendor or product id written as text: hexadecimal, with or without
/// `0x`, as `lsusb` and scanner manuals print them (`"0x0c2e"`, `"0c2e"`).
/// Text is never read as decimal, since `"1234"` in a USB id means 0x1234.
pub fn parse_id(text: &str) -> Option<u16> {
    let text = text.trim();
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(digits, 16).ok()
}

/// A vendor or product id written as a TOML integer (`vid = 0x0c2e` is the
/// integer 3118).
pub fn id_from_integer(value: i64) -> Option<u16> {
    u16::try_from(value).ok()
}

/// One attached USB device, for `kentai devices` and for choosing a
/// scanner's `vid` / `pid` / `serial`.
#[derive(Debug, Clone)]
pub struct UsbDeviceInfo {
    pub vid: u16,
    pub pid: u16,
    /// `None` when the device has none or may not be opened to read it.
    pub serial: Option<String>,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
    pub bus: u8,
    pub address: u8,
    /// A guess from the interface descriptors, since telling HID POS apart
    /// needs the report descriptor, which cannot be read without taking
    /// the device from its driver: `"usb_keyboard"` for a boot keyboard
    /// interface, `"hid"` for other HID (a HID POS scanner looks like
    /// this), `None` for no HID interface.
    pub kind: Option<&'static str>,
}

/// The USB devices attached to this machine. Devices whose descriptors
/// cannot be read are left out; strings are `None` when the device may not
/// be opened (permissions).
pub fn list_devices() -> Result<Vec<UsbDeviceInfo>, TransportError> {
    let context = new_context()?;
    let devices = context
        .devices()
        .map_err(|e| TransportError::Io(format!("cannot list USB devices: {e}")))?;
    let mut listed = Vec::new();
    for device in devices.iter() {
        let Ok(descriptor) = device.device_descriptor() else {
            continue;
        };
        let strings = device
            .open()
            .map(|handle| DeviceStrings::read(&handle, &descriptor))
            .unwrap_or_default();
        listed.push(UsbDeviceInfo {
            vid: descriptor.vendor_id(),
            pid: descriptor.product_id(),
            serial: strings.serial,
            manufacturer: strings.manufacturer,
            product: strings.product,
            bus: device.bus_number(),
            address: device.address(),
            kind: guess_kind(&hid_interfaces(&device)),
        });
    }
    Ok(listed)
}

/// Where a transport's reports come from: a USB endpoint, or a recording.
pub trait ReportSource: Send {
    /// Waits at most `timeout` for one input report and copies it into
    /// `buf`; `Ok(None)` when none came. A device that is gone is
    /// [`TransportError::Disconnected`].
    fn read_report(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<Option<usize>, TransportError>;

    /// How to name the device in logs.
    fn describe(&self) -> String;
}

/// Room for one report: HID POS reports are 64 bytes, boot keyboard
/// reports 8, and a full-speed interrupt packet is at most 64.
const REPORT_BUFFER_LEN: usize = 64;

/// A HID POS scanner: yields one [`Chunk::Symbol`] per scan.
pub struct HidPosReader<S> {
    source: S,
    decoder: HidPosDecoder,
}

/// A HID POS scanner on USB.
pub type HidPosTransport = HidPosReader<UsbReportSource>;

impl<S: ReportSource> HidPosReader<S> {
    pub fn from_source(source: S) -> Self {
        HidPosReader {
            source,
            decoder: HidPosDecoder::new(),
        }
    }
}

impl HidPosReader<UsbReportSource> {
    /// Opens the configured scanner and claims its HID POS interface.
    pub fn open(sel: &UsbSelector) -> Result<Self, TransportError> {
        Ok(Self::from_source(UsbReportSource::open(sel, Mode::HidPos)?))
    }
}

impl<S: ReportSource> Transport for HidPosReader<S> {
    /// Reads reports until one completes a symbol or `timeout` passes; a
    /// symbol whose last report has not come yet stays buffered for the
    /// next call. A malformed report gives a symbol of [`UNREADABLE`]: the
    /// framer refuses it as garbage and reports it, and the device stays
    /// open for the next scan.
    fn read(&mut self, timeout: Duration) -> Result<Option<Chunk>, TransportError> {
        read_chunk(&mut self.source, &mut self.decoder, timeout)
    }

    fn describe(&self) -> String {
        self.source.describe()
    }
}

/// A keyboard-mode scanner: yields the typed bytes as [`Chunk::Stream`]
/// for the framer to cut at the scanner's suffix.
pub struct KeyboardReader<S> {
    source: S,
    decoder: KeyboardDecoder,
}

/// A keyboard-mode scanner on USB.
pub type UsbKeyboardTransport = KeyboardReader<UsbReportSource>;

impl<S: ReportSource> KeyboardReader<S> {
    pub fn from_source(source: S, layout: Layout) -> Self {
        KeyboardReader {
            source,
            decoder: KeyboardDecoder::new(layout),
        }
    }
}

impl KeyboardReader<UsbReportSource> {
    /// Opens the configured scanner, claims its boot keyboard interface and
    /// switches it to the boot report format.
    pub fn open(sel: &UsbSelector, layout: Layout) -> Result<Self, TransportError> {
        Ok(Self::from_source(
            UsbReportSource::open(sel, Mode::BootKeyboard)?,
            layout,
        ))
    }
}

/// What a USB scanner "sent" where its reports could not be read (a key
/// the layout does not know, a malformed HID POS report): NUL, which no
/// scanner sends and the framer refuses as garbage, so the bad scan is
/// reported and the device is not reopened for it.
pub const UNREADABLE: u8 = 0x00;

impl<S: ReportSource> Transport for KeyboardReader<S> {
    /// Reads reports until one types something or `timeout` passes. A
    /// report with an unexpected key types [`UNREADABLE`] in its place
    /// (the bytes typed around it follow on the next call): the framer then
    /// refuses that one scan as garbage and reports it, and the device
    /// stays open for the next scan.
    fn read(&mut self, timeout: Duration) -> Result<Option<Chunk>, TransportError> {
        read_chunk(&mut self.source, &mut self.decoder, timeout)
    }

    fn describe(&self) -> String {
        self.source.describe()
    }
}

/// What turns a scanner's reports into chunks: HID POS symbols, or the
/// bytes a keyboard-mode scanner typed.
trait ReportDecoder {
    /// The chunk this report completes, if any. A report that cannot be
    /// read gives a chunk of [`UNREADABLE`].
    fn decode(&mut self, report: &[u8]) -> Option<Chunk>;
    fn reset(&mut self);
}

impl ReportDecoder for HidPosDecoder {
    fn decode(&mut self, report: &[u8]) -> Option<Chunk> {
        match self.push(report) {
            Ok(symbol) => symbol.map(Chunk::Symbol),
            Err(_) => Some(Chunk::Symbol(Symbol {
                aim: None,
                data: vec![UNREADABLE],
            })),
        }
    }

    fn reset(&mut self) {
        HidPosDecoder::reset(self);
    }
}

impl ReportDecoder for KeyboardDecoder {
    fn decode(&mut self, report: &[u8]) -> Option<Chunk> {
        match self.push(report) {
            Ok(typed) if typed.is_empty() => None,
            Ok(typed) => Some(Chunk::Stream(typed)),
            Err(_) => Some(Chunk::Stream(vec![UNREADABLE])),
        }
    }

    fn reset(&mut self) {
        KeyboardDecoder::reset(self);
    }
}

/// Reads reports until one completes a chunk or `timeout` passes; what is
/// half received stays in the decoder for the next call, and a failed read
/// (an unplug) forgets it.
fn read_chunk<S: ReportSource, D: ReportDecoder>(
    source: &mut S,
    decoder: &mut D,
    timeout: Duration,
) -> Result<Option<Chunk>, TransportError> {
    let deadline = Deadline::after(timeout);
    let mut buf = [0u8; REPORT_BUFFER_LEN];
    loop {
        let report = match source.read_report(&mut buf, deadline.remaining()) {
            Ok(Some(len)) => buf.get(..len).unwrap_or(&buf),
            Ok(None) => return Ok(None),
            Err(error) => {
                decoder.reset();
                return Err(error);
            }
        };
        if let Some(chunk) = decoder.decode(report) {
            return Ok(Some(chunk));
        }
        if deadline.passed() {
            return Ok(None);
        }
    }
}

/// The end of a `read`'s wait; `None` when the timeout is too large to
/// add to the clock, which means no end.
struct Deadline(Option<Instant>);

impl Deadline {
    fn after(timeout: Duration) -> Self {
        Deadline(Instant::now().checked_add(timeout))
    }

    fn remaining(&self) -> Duration {
        match self.0 {
            Some(end) => end.saturating_duration_since(Instant::now()),
            None => Duration::MAX,
        }
    }

    fn passed(&self) -> bool {
        self.0.is_some_and(|end| Instant::now() >= end)
    }
}

/// One step of a [`RecordedSource`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// The device sent this report.
    Report(Vec<u8>),
    /// A read that timed out.
    Silence,
    /// The device was unplugged; every later read fails the same way.
    Unplug,
}

/// Replays recorded reports as a [`ReportSource`], each at once. A
/// silence, and the end of the recording, wait out the read's timeout as a
/// quiet device would (so a reader polling it does not spin).
#[derive(Debug, Clone)]
pub struct RecordedSource {
    name: String,
    steps: VecDeque<Recorded>,
    unplugged: bool,
}

impl RecordedSource {
    pub fn new(name: impl Into<String>, steps: impl IntoIterator<Item = Recorded>) -> Self {
        RecordedSource {
            name: name.into(),
            steps: steps.into_iter().collect(),
            unplugged: false,
        }
    }

    /// A recording of reports only.
    pub fn from_reports(
        name: impl Into<String>,
        reports: impl IntoIterator<Item = Vec<u8>>,
    ) -> Self {
        Self::new(name, reports.into_iter().map(Recorded::Report))
    }
}

impl ReportSource for RecordedSource {
    fn read_report(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<Option<usize>, TransportError> {
        if self.unplugged {
            return Err(TransportError::Disconnected(self.name.clone()));
        }
        match self.steps.pop_front() {
            Some(Recorded::Report(report)) => {
                // Like a USB transfer into a short buffer, a longer report
                // is cut to the buffer.
                let len = report.len().min(buf.len());
                buf[..len].copy_from_slice(&report[..len]);
                Ok(Some(len))
            }
            Some(Recorded::Silence) | None => {
                // Capped, so a test reading with a long timeout still ends.
                std::thread::sleep(timeout.min(Duration::from_millis(100)));
                Ok(None)
            }
            Some(Recorded::Unplug) => {
                self.unplugged = true;
                Err(TransportError::Disconnected(self.name.clone()))
            }
        }
    }

    fn describe(&self) -> String {
        self.name.clone()
    }
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("report dump line {line}: {token:?} is not hexadecimal bytes")]
pub struct ReportDumpError {
    pub line: usize,
    pub token: String,
}

/// Reads a report dump: one report per line as hexadecimal bytes (spaces
/// between bytes optional), `#` starting a comment, blank lines skipped.
/// The format of kentai's recorded-report fixtures.
pub fn parse_report_dump(text: &str) -> Result<Vec<Vec<u8>>, ReportDumpError> {
    let mut reports = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or("");
        let mut report = Vec::new();
        for token in content.split_whitespace() {
            let bad = || ReportDumpError {
                line: index + 1,
                token: token.to_owned(),
            };
            if token.len() % 2 != 0 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad());
            }
            for pair in token.as_bytes().chunks(2) {
                let pair = std::str::from_utf8(pair).map_err(|_| bad())?;
                report.push(u8::from_str_radix(pair, 16).map_err(|_| bad())?);
            }
        }
        if !report.is_empty() {
            reports.push(report);
        }
    }
    Ok(reports)
}

/// The usage pages a HID report descriptor declares, in order of first
/// appearance: Usage Page items, and the page half of 32-bit (extended)
/// Usage items.
pub fn hid_usage_pages(report_descriptor: &[u8]) -> Vec<u16> {
    let mut pages = Vec::new();
    let mut rest = report_descriptor;
    while let Some((&prefix, tail)) = rest.split_first() {
        if prefix == LONG_ITEM_PREFIX {
            // Long item: size byte, tag byte, data; none is a usage.
            let size = tail.first().map_or(0, |&s| usize::from(s));
            rest = tail.get(2 + size..).unwrap_or(&[]);
            continue;
        }
        let size = match prefix & 0x03 {
            3 => 4,
            n => usize::from(n),
        };
        let Some(data) = tail.get(..size) else {
            break;
        };
        let value = data
            .iter()
            .rev()
            .fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        let page = match prefix & 0xFC {
            USAGE_PAGE_ITEM => Some((value & 0xFFFF) as u16),
            USAGE_ITEM if size == 4 => Some((value >> 16) as u16),
            _ => None,
        };
        if let Some(page) = page {
            if !pages.contains(&page) {
                pages.push(page);
            }
        }
        rest = &tail[size..];
    }
    pages
}

/// Usage page 0x8C, "Bar Code Scanner" (HID Point of Sale Usage Tables).
pub const BAR_CODE_SCANNER_PAGE: u16 = 0x8C;
const LONG_ITEM_PREFIX: u8 = 0xFE;
/// Global item, tag 0: Usage Page (prefix without its size bits).
const USAGE_PAGE_ITEM: u8 = 0x04;
/// Local item, tag 0: Usage (prefix without its size bits).
const USAGE_ITEM: u8 = 0x08;

const HID_CLASS: u8 = 3;
const BOOT_SUBCLASS: u8 = 1;
const KEYBOARD_PROTOCOL: u8 = 1;
/// HID class requests (HID 1.11 §7.2).
const HID_SET_REPORT: u8 = 0x09;
const HID_SET_IDLE: u8 = 0x0A;
const HID_SET_PROTOCOL: u8 = 0x0B;
const HID_BOOT_PROTOCOL: u16 = 0;
const FEATURE_REPORT: u16 = 3;
/// Standard GET_DESCRIPTOR, for the HID report descriptor (type 0x22).
const GET_DESCRIPTOR: u8 = 0x06;
const REPORT_DESCRIPTOR_TYPE: u16 = 0x22;
const HONEYWELL_VID: u16 = 0x0c2e;
const CONTROL_TIMEOUT: Duration = Duration::from_secs(1);
/// libusb waits forever on a zero timeout and truncates large ones, so a
/// read waits between these.
const MIN_READ_TIMEOUT: Duration = Duration::from_millis(1);
const MAX_READ_TIMEOUT: Duration = Duration::from_secs(3600);

/// Which interface of a scanner to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    HidPos,
    BootKeyboard,
}

/// A HID interface and its interrupt IN endpoint, from the descriptors.
#[derive(Debug, Clone, Copy)]
struct HidInterface {
    number: u8,
    subclass: u8,
    protocol: u8,
    endpoint: u8,
}

impl HidInterface {
    fn is_boot_keyboard(&self) -> bool {
        self.subclass == BOOT_SUBCLASS && self.protocol == KEYBOARD_PROTOCOL
    }
}

fn guess_kind(interfaces: &[HidInterface]) -> Option<&'static str> {
    if interfaces.iter().any(HidInterface::is_boot_keyboard) {
        Some("usb_keyboard")
    } else if interfaces.is_empty() {
        None
    } else {
        Some("hid")
    }
}

/// The HID interfaces (first alternate setting) with an interrupt IN
/// endpoint, in interface order.
fn hid_interfaces(device: &Device<Context>) -> Vec<HidInterface> {
    let Ok(config) = device
        .active_config_descriptor()
        .or_else(|_| device.config_descriptor(0))
    else {
        return Vec::new();
    };
    config
        .interfaces()
        .filter_map(|interface| interface.descriptors().next())
        .filter(|setting| setting.class_code() == HID_CLASS)
        .filter_map(|setting| {
            let endpoint = setting.endpoint_descriptors().find(|endpoint| {
                endpoint.direction() == Direction::In
                    && endpoint.transfer_type() == TransferType::Interrupt
            })?;
            Some(HidInterface {
                number: setting.interface_number(),
                subclass: setting.sub_class_code(),
                protocol: setting.protocol_code(),
                endpoint: endpoint.address(),
            })
        })
        .collect()
}

#[derive(Debug, Default)]
struct DeviceStrings {
    serial: Option<String>,
    manufacturer: Option<String>,
    product: Option<String>,
}

impl DeviceStrings {
    fn read(handle: &DeviceHandle<Context>, descriptor: &DeviceDescriptor) -> Self {
        let clean = |s: String| {
            let s = s.trim().to_owned();
            (!s.is_empty()).then_some(s)
        };
        DeviceStrings {
            serial: handle
                .read_serial_number_string_ascii(descriptor)
                .ok()
                .and_then(clean),
            manufacturer: handle
                .read_manufacturer_string_ascii(descriptor)
                .ok()
                .and_then(clean),
            product: handle
                .read_product_string_ascii(descriptor)
                .ok()
                .and_then(clean),
        }
    }
}

fn new_context() -> Result<Context, TransportError> {
    Context::new().map_err(|e| {
        TransportError::Open(format!(
            "cannot start libusb: {e}; is USB available here (in a container, /dev/bus/usb)?"
        ))
    })
}

/// Reports from a claimed interface's interrupt IN endpoint.
pub struct UsbReportSource {
    handle: DeviceHandle<Context>,
    endpoint: u8,
    description: String,
}

impl UsbReportSource {
    fn open(sel: &UsbSelector, mode: Mode) -> Result<Self, TransportError> {
        let context = new_context()?;
        let devices = context
            .devices()
            .map_err(|e| TransportError::Io(format!("cannot list USB devices: {e}")))?;
        let candidates: Vec<(Device<Context>, DeviceDescriptor)> = devices
            .iter()
            .filter_map(|device| {
                let descriptor = device.device_descriptor().ok()?;
                (descriptor.vendor_id() == sel.vid && descriptor.product_id() == sel.pid)
                    .then_some((device, descriptor))
            })
            .collect();
        if candidates.is_empty() {
            return Err(TransportError::NotFound(format!("no USB device {sel}")));
        }
        let matching = candidates.len();

        let (device, handle, strings) = match &sel.serial {
            Some(wanted) => {
                // The serial number is only readable through an open
                // handle, so each candidate is opened in turn; an
                // unopenable one may have been the right one, which makes
                // "permission denied" the better error than "not found".
                let mut open_error = None;
                let mut found = None;
                for (device, descriptor) in candidates {
                    match device.open() {
                        Ok(handle) => {
                            let strings = DeviceStrings::read(&handle, &descriptor);
                            if strings.serial.as_deref() == Some(wanted.as_str()) {
                                found = Some((device, handle, strings));
                                break;
                            }
                        }
                        Err(e) => open_error = Some(open_failure(sel, e)),
                    }
                }
                match (found, open_error) {
                    (Some(found), _) => found,
                    (None, Some(error)) => return Err(error),
                    (None, None) => {
                        return Err(TransportError::NotFound(format!(
                            "no USB device {sel}: {matching} with that id, none with that serial number"
                        )))
                    }
                }
            }
            None => {
                let (device, descriptor) = candidates
                    .into_iter()
                    .next()
                    .ok_or_else(|| TransportError::NotFound(format!("no USB device {sel}")))?;
                let handle = device.open().map_err(|e| open_failure(sel, e))?;
                let strings = DeviceStrings::read(&handle, &descriptor);
                (device, handle, strings)
            }
        };

        let mut description = format!("USB {:04x}:{:04x}", sel.vid, sel.pid);
        if let Some(serial) = &strings.serial {
            description.push_str(&format!(" serial {serial}"));
        }
        let name: Vec<&str> = [strings.manufacturer.as_deref(), strings.product.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if !name.is_empty() {
            description.push_str(&format!(" ({})", name.join(" ")));
        }
        description.push_str(&format!(
            " on bus {} address {}",
            device.bus_number(),
            device.address()
        ));
        if sel.serial.is_none() && matching > 1 {
            description.push_str(&format!(
                "; first of {matching} devices with this id, set `serial` to choose"
            ));
        }

        // Where the platform cannot detach automatically (NotSupported),
        // each interface is detached by hand before it is claimed.
        let auto_detach = handle.set_auto_detach_kernel_driver(true).is_ok();
        let interfaces = hid_interfaces(&device);
        let interface = match mode {
            Mode::BootKeyboard => {
                let interface = interfaces
                    .iter()
                    .copied()
                    .find(HidInterface::is_boot_keyboard)
                    .ok_or_else(|| {
                        TransportError::Open(format!(
                            "{description}: no boot keyboard interface; is the scanner in HID POS or serial mode (kind = \"hid_pos\" / \"serial\")?"
                        ))
                    })?;
                claim(&handle, interface.number, auto_detach, &description)?;
                // Boot protocol fixes the 8-byte report the decoder reads;
                // a device already in it may refuse the request, and the
                // decoder reports a wrong format anyway, so a refusal
                // stops nothing. SET_IDLE 0 asks for reports on change
                // only, as operating systems do.
                let _ = handle.write_control(
                    class_out_request(),
                    HID_SET_PROTOCOL,
                    HID_BOOT_PROTOCOL,
                    u16::from(interface.number),
                    &[],
                    CONTROL_TIMEOUT,
                );
                let _ = handle.write_control(
                    class_out_request(),
                    HID_SET_IDLE,
                    0,
                    u16::from(interface.number),
                    &[],
                    CONTROL_TIMEOUT,
                );
                interface
            }
            Mode::HidPos => {
                let interface = claim_hid_pos(&handle, &interfaces, auto_detach, &description)?;
                if sel.vid == HONEYWELL_VID {
                    // Honeywell scanners send HID POS reports only once the
                    // host enables them with feature report 0xFE = 1 (as
                    // the @point-of-sale/webhid-barcode-scanner library
                    // does); other devices would just stall the request.
                    let _ = handle.write_control(
                        class_out_request(),
                        HID_SET_REPORT,
                        (FEATURE_REPORT << 8) | 0xFE,
                        u16::from(interface.number),
                        &[0xFE, 0x01],
                        CONTROL_TIMEOUT,
                    );
                }
                interface
            }
        };
        description.push_str(&format!(", interface {}", interface.number));

        Ok(UsbReportSource {
            handle,
            endpoint: interface.endpoint,
            description,
        })
    }
}

impl ReportSource for UsbReportSource {
    fn read_report(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<Option<usize>, TransportError> {
        let timeout = timeout.clamp(MIN_READ_TIMEOUT, MAX_READ_TIMEOUT);
        match self.handle.read_interrupt(self.endpoint, buf, timeout) {
            Ok(len) => Ok(Some(len)),
            Err(rusb::Error::Timeout | rusb::Error::Interrupted) => Ok(None),
            // libusb reports an unplugged device as NoDevice, or as an I/O
            // error on a transfer that was under way.
            Err(e @ (rusb::Error::NoDevice | rusb::Error::Io)) => Err(
                TransportError::Disconnected(format!("{}: {e}", self.description)),
            ),
            Err(e @ rusb::Error::Pipe) => {
                // A stalled endpoint stays stalled until cleared; clearing
                // it lets the next read work.
                let _ = self.handle.clear_halt(self.endpoint);
                Err(TransportError::Io(format!("{}: {e}", self.description)))
            }
            Err(e) => Err(TransportError::Io(format!("{}: {e}", self.description))),
        }
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}

fn class_out_request() -> u8 {
    rusb::request_type(Direction::Out, RequestType::Class, Recipient::Interface)
}

fn open_failure(sel: &UsbSelector, error: rusb::Error) -> TransportError {
    match error {
        rusb::Error::NoDevice | rusb::Error::NotFound => {
            TransportError::NotFound(format!("USB device {sel}: {error}"))
        }
        rusb::Error::Access => TransportError::Open(format!(
            "USB device {sel}: permission denied; give kentai's user access to it (e.g. a udev rule)"
        )),
        _ => TransportError::Open(format!("USB device {sel}: {error}")),
    }
}

fn claim(
    handle: &DeviceHandle<Context>,
    interface: u8,
    auto_detach: bool,
    description: &str,
) -> Result<(), TransportError> {
    if !auto_detach && handle.kernel_driver_active(interface).unwrap_or(false) {
        handle.detach_kernel_driver(interface).map_err(|e| {
            TransportError::Open(format!(
                "{description}: cannot detach the system driver from interface {interface}: {e}"
            ))
        })?;
    }
    handle.claim_interface(interface).map_err(|e| match e {
        rusb::Error::NoDevice => TransportError::NotFound(format!("{description}: {e}")),
        rusb::Error::Busy => TransportError::Open(format!(
            "{description}: interface {interface} is in use by another program"
        )),
        _ => TransportError::Open(format!(
            "{description}: cannot claim interface {interface}: {e}"
        )),
    })
}

/// Claims the interface whose report descriptor declares the Bar Code
/// Scanner page. Boot keyboards and mice are never it. An interface whose
/// report descriptor cannot be read is taken if no other qualifies, since
/// some devices answer that request poorly.
fn claim_hid_pos(
    handle: &DeviceHandle<Context>,
    interfaces: &[HidInterface],
    auto_detach: bool,
    description: &str,
) -> Result<HidInterface, TransportError> {
    let candidates: Vec<HidInterface> = interfaces
        .iter()
        .copied()
        .filter(|interface| interface.subclass != BOOT_SUBCLASS)
        .collect();
    if candidates.is_empty() {
        let hint = if interfaces.iter().any(HidInterface::is_boot_keyboard) {
            "it only offers a keyboard interface; switch the scanner to HID POS or set kind = \"usb_keyboard\""
        } else {
            "no HID interface with an interrupt IN endpoint"
        };
        return Err(TransportError::Open(format!(
            "{description}: not a HID POS scanner: {hint}"
        )));
    }
    let mut unreadable = None;
    for interface in candidates {
        claim(handle, interface.number, auto_detach, description)?;
        // The report descriptor may only be asked for once the interface
        // is ours (Linux usbfs), hence claim first.
        let mut descriptor = vec![0u8; 4096];
        match handle.read_control(
            rusb::request_type(Direction::In, RequestType::Standard, Recipient::Interface),
            GET_DESCRIPTOR,
            REPORT_DESCRIPTOR_TYPE << 8,
            u16::from(interface.number),
            &mut descriptor,
            CONTROL_TIMEOUT,
        ) {
            Ok(len) => {
                let pages = hid_usage_pages(descriptor.get(..len).unwrap_or(&[]));
                if pages.contains(&BAR_CODE_SCANNER_PAGE) {
                    if let Some(other) = unreadable {
                        release(handle, other);
                    }
                    return Ok(interface);
                }
                release(handle, interface);
            }
            Err(rusb::Error::NoDevice) => {
                return Err(TransportError::Disconnected(description.to_owned()))
            }
            Err(_) if unreadable.is_none() => unreadable = Some(interface),
            Err(_) => release(handle, interface),
        }
    }
    unreadable.ok_or_else(|| {
        TransportError::Open(format!(
            "{description}: no HID interface declares usage page 0x8C (Bar Code Scanner); is the scanner in HID POS mode?"
        ))
    })
}

/// Gives an interface back; with auto-detach on, libusb also gives it back
/// to the system driver.
fn release(handle: &DeviceHandle<Context>, interface: HidInterface) {
    let _ = handle.release_interface(interface.number);
}
