//! kentai (検体): specimen tracking for clinics, labs and health centres.
//!
//! Data flows one way: a request or scan is parsed, judged by the pure rules
//! in [`domain`], written by [`store`], and answered by [`http`].

pub mod actions;
pub mod barcode;
pub mod config;
pub mod domain;
pub mod http;
pub mod print;
pub mod startup;
pub mod store;
pub mod tokens;
