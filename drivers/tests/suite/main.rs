//! The drivers' integration tests in one test binary, a module a subject:
//! the ASTM link and records, HL7 results over MLLP, framing, the HID POS
//! and keyboard decoders, recorded USB reports, serial ports and the
//! supervisor on pseudo-terminals, replayed transports.

// A failed assumption here is a failed test or run, not a user's error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod supervisor_support;

mod astm_link;
mod astm_records;
mod fake_replay;
mod framing_rules;
mod hid_pos_decoding;
mod hl7_fixtures;
mod hl7_results;
mod hl7_robustness;
mod keyboard_decoding;
mod noise;
mod serial_pty;
mod supervisor_pty;
mod supervisor_replay;
mod usb_transport;
