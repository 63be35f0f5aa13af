//! kentai (検体): specimen tracking for clinics, labs and health centres.
//!
//! Data flows one way: a request or scan is parsed, judged by the pure rules
//! in [`domain`], written by [`store`], and answered by [`http`]. Scans from
//! the scanners the `kentai-drivers` crate reads, and from the API, take the
//! path of [`scanning`]: journal first, then the station's workflow.

pub mod actions;
pub mod barcode;
pub mod config;
pub mod domain;
pub mod http;
pub mod import_folder;
pub mod instruments;
pub mod openapi;
pub mod print;
pub mod report;
pub mod scanning;
pub mod simulate;
pub mod startup;
pub mod store;
pub mod tokens;
pub mod turnstile;
pub mod web;
