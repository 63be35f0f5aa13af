//! ASTM links to analysers: PCR systems and antigen readers send their
//! results to kentai over RS-232 or TCP with the ASTM E1381 / CLSI LIS1-A
//! low-level protocol, whose frames carry ASTM E1394 / LIS2-A2 records.
//!
//! - [`link`] is the low-level protocol: frames, checksums and the
//!   ENQ / ACK / NAK / EOT exchange, as a state machine without I/O, so
//!   that every rule is tested on bytes with an explicit time;
//! - [`duplex`] is the line under it, TCP or a serial port, and the
//!   blocking loop that runs a link over one;
//! - [`records`] reads the records of one message (header to terminator)
//!   into patients, orders and results, pure and tested on bytes.

pub mod duplex;
pub mod link;
pub mod records;
