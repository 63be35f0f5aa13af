//! Decoding of HID boot-protocol keyboard reports from keyboard-mode
//! scanners.
//!
//! Most scanners ship as USB keyboards that "type" each scan. Read through
//! the operating system, that typing is at the mercy of window focus and of
//! the host's keyboard layout, and GS (0x1D) usually vanishes. kentai reads
//! the key reports from the device itself and turns them back into the bytes
//! the scanner meant, with the layout the scanner was set to type in. This
//! module is that translation, without any USB I/O, so it can be tested on
//! recorded reports.
//!
//! # Reports
//!
//! The 8-byte boot keyboard report (HID 1.11, appendix B.1): byte 0 the
//! modifier bits (LCtrl, LShift, LAlt, LGUI, RCtrl, RShift, RAlt, RGUI from
//! bit 0), byte 1 reserved, bytes 2–7 the usages (HID Usage Tables, page
//! 0x07) of the keys down. A byte is typed when a usage *appears* in a
//! report, not while it stays held, so `11` arrives as press, release,
//! press. A report whose usages are ErrorRollOver (0x01) is a phantom state
//! and changes nothing.
//!
//! # Layouts
//!
//! US is the ANSI layout of the HID Usage Tables' key names. The Japanese
//! JIS (106/109-key) layout is taken from three sources that agree:
//! Andries Brouwer's *Keyboard scancodes*, §8 "Japanese keyboards"
//! (kbd-project.org, USB usage ↔ JIS and US legends), the tmk wiki page
//! *ISO International Keys* (JIS uses 0x32 for `]`/`}`; 0x87 International1
//! "Ro" is `\`/`_`; 0x89 International3 "Yen" is `¥`/`|`) and QMK's
//! `keymap_extras/keymap_japanese.h`:
//!
//! | usage | US | JIS |
//! |---|---|---|
//! | 0x1F | `2` `@` | `2` `"` |
//! | 0x23 | `6` `^` | `6` `&` |
//! | 0x24 | `7` `&` | `7` `'` |
//! | 0x25 | `8` `*` | `8` `(` |
//! | 0x26 | `9` `(` | `9` `)` |
//! | 0x27 | `0` `)` | `0`, nothing with Shift |
//! | 0x2D | `-` `_` | `-` `=` |
//! | 0x2E | `=` `+` | `^` `~` |
//! | 0x2F | `[` `{` | `@` `` ` `` |
//! | 0x30 | `]` `}` | `[` `{` |
//! | 0x31 | `\` `\|` | `]` `}` (no such key on JIS boards) |
//! | 0x32 | `\` `\|` | `]` `}` |
//! | 0x33 | `;` `:` | `;` `+` |
//! | 0x34 | `'` `"` | `:` `*` |
//! | 0x35 | `` ` `` `~` | 半角/全角, no character |
//! | 0x87 | — | `\` `_` (Ro) |
//! | 0x89 | — | `¥` `\|` (Yen) |
//!
//! The yen key types byte 0x5C, which JIS X 0201 shows as `¥` and ASCII as
//! `\`; GS1 data has neither, so the byte is passed on as it came.
//!
//! # Control characters
//!
//! Ctrl with a key types the control character of the key's character, as
//! terminals do: `@`…`_` → 0x00…0x1F and letters → 0x01…0x1A. So GS is
//! Ctrl+`]` (US: Ctrl+0x30, JIS: Ctrl+0x32), FS Ctrl+`\`, RS Ctrl+`^`, EOT
//! Ctrl+D. The VT220 habit of Ctrl+digit (Ctrl+5 = GS) is deliberately not
//! followed: no scanner documents it, so Ctrl+5 is reported as an error.
//!
//! Holding Alt and typing decimal digits on the keypad, then releasing
//! Alt, types the byte of that value (the Windows Alt code; many scanners
//! send GS as Alt+029). No code page is applied: Alt+0 and a leading zero
//! are the same, values 128–255 come out as that byte.
//!
//! # What is ignored, what is an error
//!
//! Keypad keys type their digit or symbol whatever the Shift state (Num
//! Lock is assumed on: scanners type digits). Lock keys (Caps, Num, Scroll)
//! and the Japanese input-method keys (半角/全角, 英数, かな, 変換, 無変換,
//! LANG1–5) are ignored: a scanner never means them as data, and since
//! kentai owns the device the host's Caps Lock state never reaches the
//! scanner, so letters are decoded as if Caps Lock were off. GUI (Windows)
//! keys are ignored as modifiers.
//!
//! Any other key that types nothing on the layout (F-keys, arrows, Shift+0
//! on JIS, …) is a [`KeyboardError`], which almost always means the scanner
//! is set to a different layout than configured. The decoder keeps going
//! after an error: the bytes decoded from the same report are held and
//! returned at the front of the next successful [`KeyboardDecoder::push`].

use std::fmt;
use thiserror::Error;

/// The keyboard layout a keyboard-mode scanner is set to type in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// US ANSI.
    Us,
    /// Japanese JIS (106/109 keys).
    Jis,
}

/// What a key types on a layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    /// A printable character; Ctrl turns it into a control character.
    Char(u8),
    /// A key that types a control byte by itself (Enter, Tab, …); Ctrl
    /// leaves it alone.
    Control(u8),
    /// A key that is never data (locks, input-method keys).
    Ignored,
    /// A key of this layout that types nothing in this Shift state.
    Nothing,
    /// A usage this layout does not know.
    Unknown,
}

const KEYPAD_ENTER: u8 = 0x58;
const KEYPAD_1: u8 = 0x59;
const KEYPAD_9: u8 = 0x61;
const KEYPAD_0: u8 = 0x62;
const ERROR_ROLL_OVER: u8 = 0x01;
const LEFT_CONTROL: u8 = 0xE0;
const RIGHT_GUI: u8 = 0xE7;

const MOD_CTRL: u8 = 0x01 | 0x10;
const MOD_SHIFT: u8 = 0x02 | 0x20;
const MOD_ALT: u8 = 0x04 | 0x40;
/// Left Ctrl, as the encoder presses it.
const MOD_LEFT_CTRL: u8 = 0x01;
/// Left Shift, as the encoder presses it.
const MOD_LEFT_SHIFT: u8 = 0x02;
/// Left Alt, as the encoder presses it.
const MOD_LEFT_ALT: u8 = 0x04;

/// Length of a boot keyboard report.
pub const REPORT_LEN: usize = 8;

impl Layout {
    /// The layout named by a configuration `layout` value (`"us"`,
    /// `"jis"`, in any case).
    pub fn from_code(code: &str) -> Option<Layout> {
        match code.trim().to_ascii_lowercase().as_str() {
            "us" => Some(Layout::Us),
            "jis" => Some(Layout::Jis),
            _ => None,
        }
    }

    /// The configuration value naming this layout.
    pub fn code(self) -> &'static str {
        match self {
            Layout::Us => "us",
            Layout::Jis => "jis",
        }
    }

    /// The key press that types `byte` on this layout, or `None` for
    /// bytes no single key press types (0x80 and above: see
    /// [`alt_code_reports`]). Control characters come as Ctrl plus the
    /// key of their character, except CR, Tab, Esc, Backspace and DEL,
    /// which have keys of their own.
    pub fn keystroke(self, byte: u8) -> Option<KeyStroke> {
        let own_key = match byte {
            b'\r' => Some(0x28),
            0x1B => Some(0x29),
            0x08 => Some(0x2A),
            b'\t' => Some(0x2B),
            0x7F => Some(0x4C),
            _ => None,
        };
        if let Some(usage) = own_key {
            return Some(KeyStroke {
                usage,
                shift: false,
                ctrl: false,
            });
        }
        match byte {
            0x01..=0x1A => self
                .printable_keystroke(byte + 0x60)
                .map(|stroke| KeyStroke {
                    ctrl: true,
                    ..stroke
                }),
            0x00..=0x1F => self
                .printable_keystroke(byte + 0x40)
                .map(|stroke| KeyStroke {
                    ctrl: true,
                    ..stroke
                }),
            0x20..=0x7E => self.printable_keystroke(byte),
            _ => None,
        }
    }

    fn printable_keystroke(self, byte: u8) -> Option<KeyStroke> {
        // The main block only, in usage order, so digits come from the
        // digit row rather than the keypad, `\` on JIS from the Ro key, and
        // the keys a real board of the layout lacks (0x31 on JIS, 0x32 and
        // 0x64 on US) are never chosen.
        let candidates: &[u8] = match self {
            Layout::Us => &US_KEYS,
            Layout::Jis => &JIS_KEYS,
        };
        [false, true].into_iter().find_map(|shift| {
            candidates
                .iter()
                .find(|&&usage| self.key(usage, shift) == Key::Char(byte))
                .map(|&usage| KeyStroke {
                    usage,
                    shift,
                    ctrl: false,
                })
        })
    }

    fn key(self, usage: u8, shift: bool) -> Key {
        let pick = |plain: u8, shifted: u8| Key::Char(if shift { shifted } else { plain });
        match (self, usage) {
            (_, 0x04..=0x1D) => pick(b'a' + (usage - 0x04), b'A' + (usage - 0x04)),
            (Layout::Us, 0x1E..=0x27) => {
                let index = usize::from(usage - 0x1E);
                pick(b"1234567890"[index], b"!@#$%^&*()"[index])
            }
            (Layout::Jis, 0x1E..=0x26) => {
                let index = usize::from(usage - 0x1E);
                pick(b"123456789"[index], b"!\"#$%&'()"[index])
            }
            (Layout::Jis, 0x27) if shift => Key::Nothing,
            (Layout::Jis, 0x27) => Key::Char(b'0'),
            (Layout::Us, 0x2D) => pick(b'-', b'_'),
            (Layout::Us, 0x2E) => pick(b'=', b'+'),
            (Layout::Us, 0x2F) => pick(b'[', b'{'),
            (Layout::Us, 0x30) => pick(b']', b'}'),
            // 0x32 (Non-US #) and 0x64 (Non-US \) are where ISO boards put
            // their extra keys; the US layout types backslash on both.
            (Layout::Us, 0x31 | 0x32 | 0x64) => pick(b'\\', b'|'),
            (Layout::Us, 0x33) => pick(b';', b':'),
            (Layout::Us, 0x34) => pick(b'\'', b'"'),
            (Layout::Us, 0x35) => pick(b'`', b'~'),
            (Layout::Jis, 0x2D) => pick(b'-', b'='),
            (Layout::Jis, 0x2E) => pick(b'^', b'~'),
            (Layout::Jis, 0x2F) => pick(b'@', b'`'),
            (Layout::Jis, 0x30) => pick(b'[', b'{'),
            (Layout::Jis, 0x31 | 0x32) => pick(b']', b'}'),
            (Layout::Jis, 0x33) => pick(b';', b'+'),
            (Layout::Jis, 0x34) => pick(b':', b'*'),
            (Layout::Jis, 0x87) => pick(b'\\', b'_'),
            (Layout::Jis, 0x89) => pick(b'\\', b'|'),
            // 半角/全角, かな, 変換, 無変換.
            (Layout::Jis, 0x35 | 0x88 | 0x8A | 0x8B) => Key::Ignored,
            (_, 0x36) => pick(b',', b'<'),
            (_, 0x37) => pick(b'.', b'>'),
            (_, 0x38) => pick(b'/', b'?'),
            (_, 0x2C) => Key::Char(b' '),
            (_, 0x28 | KEYPAD_ENTER) => Key::Control(b'\r'),
            (_, 0x29) => Key::Control(0x1B),
            (_, 0x2A) => Key::Control(0x08),
            (_, 0x2B) => Key::Control(b'\t'),
            (_, 0x4C) => Key::Control(0x7F),
            (_, 0x54) => Key::Char(b'/'),
            (_, 0x55) => Key::Char(b'*'),
            (_, 0x56) => Key::Char(b'-'),
            (_, 0x57) => Key::Char(b'+'),
            (_, KEYPAD_1..=KEYPAD_9) => Key::Char(b'1' + (usage - KEYPAD_1)),
            (_, KEYPAD_0) => Key::Char(b'0'),
            (_, 0x63) => Key::Char(b'.'),
            // No event, POST fail, undefined error; Caps Lock (英数 on
            // JIS), Scroll Lock, Num Lock; LANG1–5; the modifiers.
            (_, 0x00..=0x03 | 0x39 | 0x47 | 0x53 | 0x90..=0x94 | LEFT_CONTROL..=RIGHT_GUI) => {
                Key::Ignored
            }
            _ => Key::Unknown,
        }
    }
}

/// The main-block usages the US layout's encoder chooses from.
const US_KEYS: [u8; 52] = {
    let mut keys = [0u8; 52];
    let mut i = 0;
    while i < 52 {
        // 0x04–0x38 without 0x32.
        let usage = 0x04 + i as u8;
        keys[i] = if usage >= 0x32 { usage + 1 } else { usage };
        i += 1;
    }
    keys
};

/// The main-block usages the JIS layout's encoder chooses from.
const JIS_KEYS: [u8; 54] = {
    let mut keys = [0u8; 54];
    let mut i = 0;
    while i < 52 {
        // 0x04–0x38 without 0x31.
        let usage = 0x04 + i as u8;
        keys[i] = if usage >= 0x31 { usage + 1 } else { usage };
        i += 1;
    }
    keys[52] = 0x87;
    keys[53] = 0x89;
    keys
};

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layout::Us => "US",
            Layout::Jis => "JIS",
        })
    }
}

/// One key press: the key's usage and the modifiers held with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyStroke {
    pub usage: u8,
    pub shift: bool,
    pub ctrl: bool,
}

impl KeyStroke {
    /// The boot keyboard report with this key down (left Shift / left
    /// Ctrl for the modifiers).
    pub fn report(self) -> [u8; REPORT_LEN] {
        let mut modifiers = 0;
        if self.shift {
            modifiers |= MOD_LEFT_SHIFT;
        }
        if self.ctrl {
            modifiers |= MOD_LEFT_CTRL;
        }
        [modifiers, 0, self.usage, 0, 0, 0, 0, 0]
    }
}

/// The reports a scanner sends to type `text` on `layout`: each byte as
/// key down, all keys up; bytes no key types as an Alt code. The inverse of
/// [`KeyboardDecoder`], for tests and simulated scanners.
pub fn encode(layout: Layout, text: &[u8]) -> Vec<[u8; REPORT_LEN]> {
    let mut reports = Vec::with_capacity(text.len() * 2);
    for &byte in text {
        match layout.keystroke(byte) {
            Some(stroke) => {
                reports.push(stroke.report());
                reports.push([0; REPORT_LEN]);
            }
            None => reports.extend(alt_code_reports(byte)),
        }
    }
    reports
}

/// The reports typing `value` as a Windows Alt code: Alt down, a leading
/// keypad 0 and three keypad digits (each pressed and released), Alt up.
pub fn alt_code_reports(value: u8) -> Vec<[u8; REPORT_LEN]> {
    let digits = [0, value / 100, value / 10 % 10, value % 10];
    let mut reports = vec![[MOD_LEFT_ALT, 0, 0, 0, 0, 0, 0, 0]];
    for digit in digits {
        let usage = if digit == 0 {
            KEYPAD_0
        } else {
            KEYPAD_1 + digit - 1
        };
        reports.push([MOD_LEFT_ALT, 0, usage, 0, 0, 0, 0, 0]);
        reports.push([MOD_LEFT_ALT, 0, 0, 0, 0, 0, 0, 0]);
    }
    reports.push([0; REPORT_LEN]);
    reports
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum KeyboardError {
    #[error("keyboard report is {0} bytes; a boot keyboard report is 8")]
    ReportLength(usize),
    #[error("key usage 0x{usage:02x} types nothing known on the {layout} layout; is the scanner set to another layout?")]
    UnknownUsage { usage: u8, layout: Layout },
    #[error("key usage 0x{usage:02x}{} types no character on the {layout} layout; is the scanner set to another layout?", with_shift(.shift))]
    NoCharacter {
        usage: u8,
        shift: bool,
        layout: Layout,
    },
    #[error("Ctrl with key usage 0x{usage:02x} is no control character")]
    NoControlCharacter { usage: u8 },
    #[error("Alt code {0} is more than a byte")]
    AltCodeOutOfRange(u32),
    #[error("key usage 0x{0:02x} pressed with Alt held; only keypad digits make an Alt code")]
    AltWithKey(u8),
}

fn with_shift(shift: &bool) -> &'static str {
    if *shift {
        " with Shift"
    } else {
        ""
    }
}

/// Digits typed on the keypad while Alt is held.
#[derive(Debug, Default, Clone, Copy)]
struct AltCode {
    value: u32,
    digits: u32,
}

/// Turns a keyboard-mode scanner's reports back into the bytes it typed.
#[derive(Debug)]
pub struct KeyboardDecoder {
    layout: Layout,
    /// Usages down in the last report that was not a phantom.
    held: Vec<u8>,
    alt_held: bool,
    /// `None` while Alt is up, or after a non-keypad key spoiled the code.
    alt_code: Option<AltCode>,
    /// Bytes decoded from a report that also raised an error.
    pending: Vec<u8>,
}

impl KeyboardDecoder {
    pub fn new(layout: Layout) -> Self {
        KeyboardDecoder {
            layout,
            held: Vec::new(),
            alt_held: false,
            alt_code: None,
            pending: Vec::new(),
        }
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Feeds one 8-byte boot keyboard report; returns the bytes typed by
    /// the keys it newly presses (often none: releases type nothing).
    ///
    /// On an error the report still counts (its keys are held, its good
    /// bytes kept for the next call), so one odd key costs one byte, not
    /// the scan.
    pub fn push(&mut self, report: &[u8]) -> Result<Vec<u8>, KeyboardError> {
        let Ok(report) = <&[u8; REPORT_LEN]>::try_from(report) else {
            return Err(KeyboardError::ReportLength(report.len()));
        };
        let keys: Vec<u8> = report[2..].iter().copied().filter(|&u| u != 0).collect();
        if keys.contains(&ERROR_ROLL_OVER) {
            // Too many keys at once: the report says nothing about which,
            // so the previous state stands.
            return Ok(std::mem::take(&mut self.pending));
        }
        let mut modifiers = report[0];
        for &usage in &keys {
            if (LEFT_CONTROL..=RIGHT_GUI).contains(&usage) {
                modifiers |= 1 << (usage - LEFT_CONTROL);
            }
        }
        let ctrl = modifiers & MOD_CTRL != 0;
        let shift = modifiers & MOD_SHIFT != 0;
        let alt = modifiers & MOD_ALT != 0;

        let mut typed = std::mem::take(&mut self.pending);
        let mut first_error = None;
        let mut fail = |error: KeyboardError| {
            first_error.get_or_insert(error);
        };

        // Alt's release ends its code before any key of the same report
        // types, since the scanner typed the code first.
        if self.alt_held && !alt {
            if let Some(code) = self.alt_code.take() {
                if code.digits > 0 {
                    match u8::try_from(code.value) {
                        Ok(byte) => typed.push(byte),
                        Err(_) => fail(KeyboardError::AltCodeOutOfRange(code.value)),
                    }
                }
            }
        } else if alt && !self.alt_held {
            self.alt_code = Some(AltCode::default());
        }
        self.alt_held = alt;

        for &usage in &keys {
            if self.held.contains(&usage) {
                continue;
            }
            let key = self.layout.key(usage, shift);
            if alt {
                match (alt_digit(usage), key) {
                    (Some(digit), _) => {
                        if let Some(code) = self.alt_code.as_mut() {
                            code.value = code.value.saturating_mul(10).saturating_add(digit);
                            code.digits += 1;
                        }
                    }
                    (None, Key::Ignored) => {}
                    (None, _) => {
                        self.alt_code = None;
                        fail(KeyboardError::AltWithKey(usage));
                    }
                }
                continue;
            }
            match key {
                Key::Char(c) if ctrl => match control_character(c) {
                    Some(byte) => typed.push(byte),
                    None => fail(KeyboardError::NoControlCharacter { usage }),
                },
                Key::Char(c) | Key::Control(c) => typed.push(c),
                Key::Ignored => {}
                Key::Nothing => fail(KeyboardError::NoCharacter {
                    usage,
                    shift,
                    layout: self.layout,
                }),
                Key::Unknown => fail(KeyboardError::UnknownUsage {
                    usage,
                    layout: self.layout,
                }),
            }
        }
        self.held = keys;

        match first_error {
            Some(error) => {
                self.pending = typed;
                Err(error)
            }
            None => Ok(typed),
        }
    }

    /// Forgets held keys, a half-typed Alt code and held-back bytes, e.g.
    /// after the device was reopened.
    pub fn reset(&mut self) {
        self.held.clear();
        self.alt_held = false;
        self.alt_code = None;
        self.pending.clear();
    }
}

fn alt_digit(usage: u8) -> Option<u32> {
    match usage {
        KEYPAD_1..=KEYPAD_9 => Some(u32::from(usage - KEYPAD_1) + 1),
        KEYPAD_0 => Some(0),
        _ => None,
    }
}

/// The control character Ctrl makes of `c`, as terminals define it.
fn control_character(c: u8) -> Option<u8> {
    match c {
        b'@'..=b'_' => Some(c - 0x40),
        b'a'..=b'z' => Some(c - 0x60),
        _ => None,
    }
}
