//! The rules of the national specimen manual as pure functions;
//! `rules` catalogues them (docs/RULES.md).
//!
//! Nothing here touches a clock, a database or the network: every function
//! takes the values it judges and an explicit `now`, and answers with values
//! (`Decision`, `Notice`, deadlines). That keeps the manual's rules testable
//! edge by edge, and lets every caller (HTTP, scanners, reports) share them.

pub mod analyzer;
pub mod assay;
pub mod codes;
pub mod ids;
pub mod kits;
pub mod labels;
pub mod lifecycle;
pub mod messages;
pub mod packaging;
pub mod passwords;
pub mod patient;
pub mod policy;
pub mod ppe;
pub mod registration;
pub mod results;
pub mod roles;
pub mod rules;
pub mod specimen_type;
pub mod storage;
pub mod text;
pub mod timing;

pub use codes::{Decision, Notice, RuleCode};
pub use lifecycle::{Coded, OutcomeKind, PackageStatus, SpecimenStatus};
pub use messages::{Lang, Msg};
pub use policy::{Policy, PpePolicy, SalivaWithoutOnset};
pub use specimen_type::{SpecimenCategory, SpecimenType};
pub use storage::StorageClass;
