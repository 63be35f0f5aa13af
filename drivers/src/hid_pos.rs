//! Decoding of USB HID POS barcode scanner input reports.
//!
//! A scanner in HID POS mode (HID usage page 0x8C, "Bar Code Scanner", from
//! the USB-IF *HID Point of Sale Usage Tables* 1.02) sends each decoded
//! symbol as one or more fixed-size input reports, with the symbology
//! identifier apart from the data and no keyboard layout in between. That is
//! why kentai prefers this mode: GS separators and every byte arrive as
//! sent. This module turns those reports back into [`Symbol`]s, without any
//! USB I/O, so it can be tested on recorded report bytes.
//!
//! # Report layout
//!
//! The usage tables define the *Scanned Data Report* (usage 0x12) through
//! usages (Symbology Identifier 1–3 0xFB–0xFD, Decoded Data 0xFE, Decoded
//! Data Continued 0xFF) but leave their placement to each device's report
//! descriptor. The scanners kentai targets all place them the same way,
//! as documented in the Access-IS ATR110 / LSR116 / LSR118 product manuals
//! (appendix "HID reports – Receive data"), and as Honeywell devices send
//! them (see the byte offsets used by the `@point-of-sale/webhid-barcode-scanner`
//! library and the Honeywell captures in `HenkVanAsselt/python_hon_usbhid`):
//!
//! | byte  | content |
//! |-------|---------|
//! | 0     | report id, `0x02` for scanned data |
//! | 1     | number of decoded data bytes in *this* report (0–56) |
//! | 2–4   | symbology identifier: an AIM id (`]`, code character, modifier) on scanners set to send one; otherwise vendor bytes |
//! | 5–60  | decoded data, left-justified, padded with `0x00` |
//! | 61    | vendor's own symbology code (Honeywell "code id"); ignored |
//! | 62    | reserved |
//! | 63    | bit 0: *decoded data continued*, set on every report of a symbol but its last |
//!
//! Reports with any other report id (status, command responses on report
//! ids such as 0xFD/0xFE) are not scanned data and are skipped. Some
//! engines (e.g. the QUIO QU-R-302 manual) use a different placement; they
//! are not supported here.

use crate::Symbol;
use thiserror::Error;

/// The report id that carries scanned data.
pub const SCANNED_DATA_REPORT_ID: u8 = 0x02;
/// Offset of the decoded-data byte count.
const COUNT_OFFSET: usize = 1;
/// Offset of the three symbology identifier bytes.
const SYMBOLOGY_OFFSET: usize = 2;
/// Offset of the first decoded data byte.
const DATA_OFFSET: usize = 5;
/// Most decoded bytes one 64-byte report carries (bytes 5–60).
pub const MAX_DATA_PER_REPORT: usize = 56;
/// Offset of the byte whose bit 0 says more reports follow.
const CONTINUED_OFFSET: usize = 63;
/// Longest symbol accepted once its reports are joined. The largest 2D
/// symbols (QR version 40, 7089 numeric) stay below it, and it bounds what
/// a misbehaving device can make us buffer.
pub const MAX_SYMBOL_LEN: usize = 8 * 1024;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum HidPosError {
    #[error("HID POS report is {len} bytes, too short for its {count} data bytes")]
    Truncated { len: usize, count: usize },
    #[error(
        "HID POS report declares {count} data bytes, more than the {MAX_DATA_PER_REPORT} a report holds"
    )]
    CountTooLarge { count: usize },
    #[error(
        "HID POS continuation report has symbology {found:02x?}, the symbol began with {expected:02x?}; the symbol is dropped"
    )]
    SymbologyChanged { expected: [u8; 3], found: [u8; 3] },
    #[error("HID POS symbol longer than {MAX_SYMBOL_LEN} bytes; it is dropped")]
    TooLong,
}

/// The symbol being assembled from continued reports.
#[derive(Debug)]
struct Partial {
    symbology: [u8; 3],
    data: Vec<u8>,
}

/// Joins HID POS scanned-data reports into symbols.
#[derive(Debug, Default)]
pub struct HidPosDecoder {
    partial: Option<Partial>,
    /// Set after an error inside a multi-report symbol: its remaining
    /// reports must not be taken for the start of a new symbol.
    skip_rest_of_symbol: bool,
}

impl HidPosDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one input report (report id first). Returns the symbol when
    /// this report completes one.
    ///
    /// After an error the symbol in flight is dropped, including the
    /// reports still to come for it, and decoding resumes with the next
    /// symbol: a scanner user rescans, while a half symbol would be a wrong
    /// specimen id.
    pub fn push(&mut self, report: &[u8]) -> Result<Option<Symbol>, HidPosError> {
        let Some((&id, _)) = report.split_first() else {
            return Err(self.fail(HidPosError::Truncated { len: 0, count: 0 }, false));
        };
        if id != SCANNED_DATA_REPORT_ID {
            return Ok(None);
        }
        let continued = report
            .get(CONTINUED_OFFSET)
            .is_some_and(|flags| flags & 0x01 != 0);
        let Some(&count) = report.get(COUNT_OFFSET) else {
            return Err(self.fail(
                HidPosError::Truncated {
                    len: report.len(),
                    count: 0,
                },
                continued,
            ));
        };
        let count = usize::from(count);
        if count > MAX_DATA_PER_REPORT {
            return Err(self.fail(HidPosError::CountTooLarge { count }, continued));
        }
        let (Some(symbology), Some(data)) = (
            report.get(SYMBOLOGY_OFFSET..DATA_OFFSET),
            report.get(DATA_OFFSET..DATA_OFFSET + count),
        ) else {
            return Err(self.fail(
                HidPosError::Truncated {
                    len: report.len(),
                    count,
                },
                continued,
            ));
        };
        let symbology = [symbology[0], symbology[1], symbology[2]];

        if self.skip_rest_of_symbol {
            self.skip_rest_of_symbol = continued;
            return Ok(None);
        }

        let mut partial = match self.partial.take() {
            Some(partial) if partial.symbology != symbology => {
                return Err(self.fail(
                    HidPosError::SymbologyChanged {
                        expected: partial.symbology,
                        found: symbology,
                    },
                    continued,
                ));
            }
            Some(partial) => partial,
            None => Partial {
                symbology,
                data: Vec::new(),
            },
        };
        if partial.data.len() + data.len() > MAX_SYMBOL_LEN {
            return Err(self.fail(HidPosError::TooLong, continued));
        }
        partial.data.extend_from_slice(data);

        if continued {
            self.partial = Some(partial);
            return Ok(None);
        }
        if partial.data.is_empty() {
            // An empty final report is a device's way of saying nothing,
            // not a barcode without content.
            return Ok(None);
        }
        Ok(Some(Symbol {
            aim: aim_id(partial.symbology),
            data: partial.data,
        }))
    }

    /// Forgets any half-received symbol, e.g. after the device was
    /// reopened.
    pub fn reset(&mut self) {
        self.partial = None;
        self.skip_rest_of_symbol = false;
    }

    fn fail(&mut self, error: HidPosError, continued: bool) -> HidPosError {
        self.partial = None;
        self.skip_rest_of_symbol = continued;
        error
    }
}

/// The symbology bytes as an AIM identifier (ISO/IEC 15424: `]`, a code
/// character, a modifier character), or `None` when the scanner sent a
/// vendor code or nothing there.
pub fn aim_id(symbology: [u8; 3]) -> Option<[u8; 3]> {
    let [bracket, code, modifier] = symbology;
    (bracket == b']' && code.is_ascii_alphabetic() && modifier.is_ascii_alphanumeric())
        .then_some(symbology)
}
