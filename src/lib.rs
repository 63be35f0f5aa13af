//! kentai (検体): specimen tracking for clinics, labs and health centres.
//!
//! Data flows one way: a request or scan is parsed, judged by the pure rules
//! in [`domain`], written by [`store`], and answered by [`http`]. Scans from
//! the scanners the `kentai-drivers` crate reads, and from the API, take the
//! path of [`scanning`]: journal first, then the station's workflow.
//!
//! The rules (`kentai-domain`) and barcode reading (`kentai-barcode`) are
//! crates of their own, so cargo holds them to their layer: neither can
//! reach a clock, a database or the web. They are re-exported here under
//! the names the rest of the server uses.

pub mod actions;
pub mod analyzers;
pub mod config;
pub mod doctor;
pub mod http;
pub mod import_folder;
pub mod instruments;
pub mod openapi;
pub mod passwords;
pub mod print;
pub mod printing;
pub mod report;
pub mod scanning;
pub mod service;
pub mod simulate;
pub mod startup;
pub mod store;
pub mod tokens;
pub mod turnstile;
pub mod web;

pub use kentai_barcode as barcode;
pub use kentai_domain as domain;
