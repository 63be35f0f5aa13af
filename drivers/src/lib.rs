//! Scanner transports and framing for kentai.
//!
//! The scanner issue fills this crate: a `Transport` trait with serial, USB HID
//! POS, USB keyboard and replay transports, and pure framing over bytes. The
//! spine only needs the crate to exist so the workspace has its final shape.
