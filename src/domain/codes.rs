//! The coded outcomes every rule answers with.
//!
//! The codes are the API's contract (docs/RULES.md lists them): scripts and other systems match on
//! them, so they are spelled once here and serialised exactly as written.

use super::messages::{Lang, Msg};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A rule or error code; its entry in `super::rules` says what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleCode {
    InvalidInput,
    InvalidBarcode,
    OnsetAfterCollection,
    CollectionInFuture,
    SalivaWindowExceeded,
    SalivaOnsetUnknown,
    SerumTiming,
    KitExpired,
    KitSwabMaterial,
    /// A catalogued kit is for another specimen type than the one registered.
    KitTypeMismatch,
    /// A kit's GTIN is not in the kit catalog (a warning at registration,
    /// 404 on `GET /api/v1/kits/{gtin}`).
    UnknownKit,
    DuplicateKit,
    DuplicateSpecimen,
    DuplicateLocation,
    DuplicateUser,
    UnknownSpecimen,
    UnknownLocation,
    UnknownPackage,
    PriorityViolation,
    DryIceInSecondary,
    DryIceWithoutOverpack,
    PackageIncomplete,
    PackageDispatched,
    PackageNotDispatched,
    AlreadyPacked,
    NotInPackage,
    NotInCare,
    SiteNotConfigured,
    StorageDeadlineExceeded,
    FreezeOrShipDue,
    AmbientTooLong,
    FreezeThaw,
    Minus20Fallback,
    WrongStorageClass,
    ConsultationRequired,
    NoRespiratorySpecimen,
    PpeIncomplete,
    ResultBeforeCollection,
    /// A known patient registered with identity fields that differ from
    /// the record (409, with the fields).
    PatientMismatch,
    /// No patient with this number at this facility (404).
    UnknownPatient,
    /// A report's flag: the patient's identity was corrected after
    /// registration (the report shows the current identity).
    PatientCorrected,
    /// `POST /api/v1/scans` names a station kentai.toml does not configure.
    UnknownStation,
    /// The same code read again by the same device within the duplicate
    /// window: journalled, not processed twice.
    DuplicateScan,
    /// A scan this station's workflow has no use for at this step (a
    /// location at reception, a tube at packing before a package).
    UnexpectedScan,
    /// A plain code the store does not know matches neither
    /// `[scanning] patient_pattern` nor `tube_pattern`.
    UnrecognisedCode,
    /// A plain code the store does not know matches both patterns: which
    /// one it is would be a guess.
    AmbiguousCode,
    /// A patient's barcode where reception waits for the tube: never taken
    /// as the tube.
    PatientNotTube,
    /// Reception holds another patient's or another tube's registration
    /// that is not finished: register it or start over first.
    DraftInProgress,
    /// A station with `require_operator = true` takes no hardware scan
    /// while nobody is signed in at it: journalled and refused.
    OperatorRequired,
    /// A staff badge kentai does not know, or one that was revoked.
    UnknownBadge,
    /// An admin asked to disable their own user: the one account that can
    /// undo it would be locked out (another admin may do it).
    SelfLockout,
    /// A new API token named as one of the user's live tokens (409).
    DuplicateTokenName,
    /// A different result, method or time than the standing result, without a written reason (422).
    CorrectionReasonRequired,
    /// A result released (or returned) by the person who entered it (409).
    SamePersonRelease,
    /// A release or return of a version that is not waiting for one (409).
    NotAwaitingRelease,
    /// A report's flag: the result shown corrects an earlier one (with its reason).
    CorrectedResult,
    /// A report's flag: a result is entered and waits for a second person's release.
    ResultPendingRelease,
    /// A tube scanned at the result desk already has this result.
    AlreadyResulted,
    /// A tube scanned at a receiving lab's result desk before its package was received.
    NotReceived,
    /// An instrument run whose control wells failed: nothing of it is recorded (422).
    RunControlsFailed,
    /// An import commit without a decision for every sample the preview listed as a problem (409).
    ImportDecisionsNeeded,
    /// No instrument import with this id (404).
    UnknownImport,
    /// An import names an assay `kentai.toml` does not configure (400).
    UnknownAssay,
    /// An instrument file kentai cannot read in the format named (400).
    UnreadableFile,
    /// A print request names a printer `kentai.toml` does not configure (404).
    UnknownPrinter,
    /// No print job with this id (404).
    UnknownPrintJob,
    /// A document the named printer's kind cannot print (a slip on a label
    /// printer, a package label on an IPP queue) (422).
    NotPrintableHere,
    /// Too many wrong tokens from one address: wait (`Retry-After`).
    TooManyAttempts,
    /// A request body that did not arrive in time (408).
    RequestTimeout,
    /// One address (429), or all clients together (503), hold every
    /// connection or body read allowed: try again shortly.
    TooManyConnections,
    Unauthorized,
    Forbidden,
    NotFound,
    Internal,
}

impl RuleCode {
    /// Every code, in the order they are declared.
    pub const ALL: [RuleCode; 74] = [
        RuleCode::InvalidInput,
        RuleCode::InvalidBarcode,
        RuleCode::OnsetAfterCollection,
        RuleCode::CollectionInFuture,
        RuleCode::SalivaWindowExceeded,
        RuleCode::SalivaOnsetUnknown,
        RuleCode::SerumTiming,
        RuleCode::KitExpired,
        RuleCode::KitSwabMaterial,
        RuleCode::KitTypeMismatch,
        RuleCode::UnknownKit,
        RuleCode::DuplicateKit,
        RuleCode::DuplicateSpecimen,
        RuleCode::DuplicateLocation,
        RuleCode::DuplicateUser,
        RuleCode::UnknownSpecimen,
        RuleCode::UnknownLocation,
        RuleCode::UnknownPackage,
        RuleCode::PriorityViolation,
        RuleCode::DryIceInSecondary,
        RuleCode::DryIceWithoutOverpack,
        RuleCode::PackageIncomplete,
        RuleCode::PackageDispatched,
        RuleCode::PackageNotDispatched,
        RuleCode::AlreadyPacked,
        RuleCode::NotInPackage,
        RuleCode::NotInCare,
        RuleCode::SiteNotConfigured,
        RuleCode::StorageDeadlineExceeded,
        RuleCode::FreezeOrShipDue,
        RuleCode::AmbientTooLong,
        RuleCode::FreezeThaw,
        RuleCode::Minus20Fallback,
        RuleCode::WrongStorageClass,
        RuleCode::ConsultationRequired,
        RuleCode::NoRespiratorySpecimen,
        RuleCode::PpeIncomplete,
        RuleCode::ResultBeforeCollection,
        RuleCode::PatientMismatch,
        RuleCode::UnknownPatient,
        RuleCode::PatientCorrected,
        RuleCode::UnknownStation,
        RuleCode::DuplicateScan,
        RuleCode::UnexpectedScan,
        RuleCode::UnrecognisedCode,
        RuleCode::AmbiguousCode,
        RuleCode::PatientNotTube,
        RuleCode::DraftInProgress,
        RuleCode::OperatorRequired,
        RuleCode::UnknownBadge,
        RuleCode::SelfLockout,
        RuleCode::DuplicateTokenName,
        RuleCode::CorrectionReasonRequired,
        RuleCode::SamePersonRelease,
        RuleCode::NotAwaitingRelease,
        RuleCode::CorrectedResult,
        RuleCode::ResultPendingRelease,
        RuleCode::AlreadyResulted,
        RuleCode::NotReceived,
        RuleCode::RunControlsFailed,
        RuleCode::ImportDecisionsNeeded,
        RuleCode::UnknownImport,
        RuleCode::UnknownAssay,
        RuleCode::UnreadableFile,
        RuleCode::UnknownPrinter,
        RuleCode::UnknownPrintJob,
        RuleCode::NotPrintableHere,
        RuleCode::TooManyAttempts,
        RuleCode::RequestTimeout,
        RuleCode::TooManyConnections,
        RuleCode::Unauthorized,
        RuleCode::Forbidden,
        RuleCode::NotFound,
        RuleCode::Internal,
    ];

    /// The code's title in `lang` (its entry in the catalogue of rules).
    pub fn title(self, lang: Lang) -> &'static str {
        super::rules::rule(self).title(lang)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RuleCode::InvalidInput => "invalid_input",
            RuleCode::InvalidBarcode => "invalid_barcode",
            RuleCode::OnsetAfterCollection => "onset_after_collection",
            RuleCode::CollectionInFuture => "collection_in_future",
            RuleCode::SalivaWindowExceeded => "saliva_window_exceeded",
            RuleCode::SalivaOnsetUnknown => "saliva_onset_unknown",
            RuleCode::SerumTiming => "serum_timing",
            RuleCode::KitExpired => "kit_expired",
            RuleCode::KitSwabMaterial => "kit_swab_material",
            RuleCode::KitTypeMismatch => "kit_type_mismatch",
            RuleCode::UnknownKit => "unknown_kit",
            RuleCode::DuplicateKit => "duplicate_kit",
            RuleCode::DuplicateSpecimen => "duplicate_specimen",
            RuleCode::DuplicateLocation => "duplicate_location",
            RuleCode::DuplicateUser => "duplicate_user",
            RuleCode::UnknownSpecimen => "unknown_specimen",
            RuleCode::UnknownLocation => "unknown_location",
            RuleCode::UnknownPackage => "unknown_package",
            RuleCode::PriorityViolation => "priority_violation",
            RuleCode::DryIceInSecondary => "dry_ice_in_secondary",
            RuleCode::DryIceWithoutOverpack => "dry_ice_without_overpack",
            RuleCode::PackageIncomplete => "package_incomplete",
            RuleCode::PackageDispatched => "package_dispatched",
            RuleCode::PackageNotDispatched => "package_not_dispatched",
            RuleCode::AlreadyPacked => "already_packed",
            RuleCode::NotInPackage => "not_in_package",
            RuleCode::NotInCare => "not_in_care",
            RuleCode::SiteNotConfigured => "site_not_configured",
            RuleCode::StorageDeadlineExceeded => "storage_deadline_exceeded",
            RuleCode::FreezeOrShipDue => "freeze_or_ship_due",
            RuleCode::AmbientTooLong => "ambient_too_long",
            RuleCode::FreezeThaw => "freeze_thaw",
            RuleCode::Minus20Fallback => "minus20_fallback",
            RuleCode::WrongStorageClass => "wrong_storage_class",
            RuleCode::ConsultationRequired => "consultation_required",
            RuleCode::NoRespiratorySpecimen => "no_respiratory_specimen",
            RuleCode::PpeIncomplete => "ppe_incomplete",
            RuleCode::ResultBeforeCollection => "result_before_collection",
            RuleCode::PatientMismatch => "patient_mismatch",
            RuleCode::UnknownPatient => "unknown_patient",
            RuleCode::PatientCorrected => "patient_corrected",
            RuleCode::UnknownStation => "unknown_station",
            RuleCode::DuplicateScan => "duplicate_scan",
            RuleCode::UnexpectedScan => "unexpected_scan",
            RuleCode::UnrecognisedCode => "unrecognised_code",
            RuleCode::AmbiguousCode => "ambiguous_code",
            RuleCode::PatientNotTube => "patient_not_tube",
            RuleCode::DraftInProgress => "draft_in_progress",
            RuleCode::OperatorRequired => "operator_required",
            RuleCode::UnknownBadge => "unknown_badge",
            RuleCode::SelfLockout => "self_lockout",
            RuleCode::DuplicateTokenName => "duplicate_token_name",
            RuleCode::CorrectionReasonRequired => "correction_reason_required",
            RuleCode::SamePersonRelease => "same_person_release",
            RuleCode::NotAwaitingRelease => "not_awaiting_release",
            RuleCode::CorrectedResult => "corrected_result",
            RuleCode::ResultPendingRelease => "result_pending_release",
            RuleCode::AlreadyResulted => "already_resulted",
            RuleCode::NotReceived => "not_received",
            RuleCode::RunControlsFailed => "run_controls_failed",
            RuleCode::ImportDecisionsNeeded => "import_decisions_needed",
            RuleCode::UnknownImport => "unknown_import",
            RuleCode::UnknownAssay => "unknown_assay",
            RuleCode::UnreadableFile => "unreadable_file",
            RuleCode::UnknownPrinter => "unknown_printer",
            RuleCode::UnknownPrintJob => "unknown_print_job",
            RuleCode::NotPrintableHere => "not_printable_here",
            RuleCode::TooManyAttempts => "too_many_attempts",
            RuleCode::RequestTimeout => "request_timeout",
            RuleCode::TooManyConnections => "too_many_connections",
            RuleCode::Unauthorized => "unauthorized",
            RuleCode::Forbidden => "forbidden",
            RuleCode::NotFound => "not_found",
            RuleCode::Internal => "internal",
        }
    }
}

impl fmt::Display for RuleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A code with the sentence a person reads at the desk (a catalogue
/// entry, rendered in the reader's language).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notice {
    pub code: RuleCode,
    pub message: Msg,
}

impl Notice {
    pub fn new(code: RuleCode, message: impl Into<Msg>) -> Self {
        Notice {
            code,
            message: message.into(),
        }
    }
}

/// What one rule says about one action.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Accept,
    Warn(Notice),
    Refuse(Notice),
}

impl Decision {
    pub fn code(&self) -> Option<RuleCode> {
        match self {
            Decision::Accept => None,
            Decision::Warn(n) | Decision::Refuse(n) => Some(n.code),
        }
    }

    pub fn is_refusal(&self) -> bool {
        matches!(self, Decision::Refuse(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declared_code_is_in_all_once_and_in_order() {
        // `as_str` matches every variant (the compiler sees to it); its
        // spellings, read from this file, are the declared codes.
        let source = include_str!("codes.rs");
        let body = source
            .split("pub fn as_str(self)")
            .nth(1)
            .and_then(|s| s.split("impl fmt::Display").next())
            .unwrap_or_default();
        let declared: Vec<&str> = body.split('"').skip(1).step_by(2).collect();
        let listed: Vec<&str> = RuleCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed, declared);
    }
}
