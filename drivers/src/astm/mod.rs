//! ASTM E1394 / CLSI LIS2-A2: how analysers (cartridge PCR, antigen
//! readers) send results to a laboratory system over a serial line.
//!
//! The link layer cuts the line into records; [`records`] reads the
//! records of one message (header to terminator) into patients, orders and
//! results. Both are pure and tested on bytes.

pub mod records;
