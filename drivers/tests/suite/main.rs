//! The drivers' integration tests in one test binary, a module a subject:
//! framing, the HID POS and keyboard decoders, recorded USB reports,
//! serial ports and the supervisor on pseudo-terminals, replayed
//! transports.

mod supervisor_support;

mod fake_replay;
mod framing_rules;
mod hid_pos_decoding;
mod keyboard_decoding;
mod serial_pty;
mod supervisor_pty;
mod supervisor_replay;
mod usb_transport;
