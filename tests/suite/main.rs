//! kentai's integration tests in one test binary, a module a subject: the
//! API, the pages, the CLI, the scanners, the audit, crash safety, the
//! browser and the OpenAPI contract. One binary links kentai and its
//! dependencies once, not once a file.
//!
//! Every test runs in this one process, so no test changes what the
//! process shares (environment variables, the working directory, a global
//! subscriber), and the tests that load the machine or bound a duration
//! hold [`common::alone`].

// A failed assumption here is a failed test or run, not a user's error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod common;

mod analyzers;
mod api_auth;
mod api_kits;
mod api_labels;
mod api_messages;
mod api_packages;
mod api_patients;
mod api_reception;
mod api_reports;
mod api_results;
mod api_robustness;
mod api_rules;
mod api_scans;
mod api_slip_label;
mod api_storage;
mod api_tokens;
mod api_users;
mod appliance;
mod audit_chain;
mod audit_tamper;
mod backup;
mod browser;
mod cli_barcode;
mod cli_closed_pipe;
mod cli_serve;
mod cli_simulate;
mod crash_safety;
mod facilities;
mod fhir_schema;
mod gs1_conformance;
mod gs1_dictionary;
mod gs1_linters;
mod gs1_scans;
mod https;
mod input_hygiene;
mod known_codes;
mod limits;
mod logs_no_pii;
mod migrations;
mod operators;
mod passwords;
mod printing;
mod revocation;
mod scanners_pty;
mod scanners_usb;
mod schemathesis;
mod smoke;
mod web_admin;
mod web_packing;
mod web_pages;
mod web_patients;
mod web_reception;
mod web_results;
mod web_specimens;
