//! The lifecycles of a specimen and a package as closed sets of states,
//! with the moves between them written down once.
//!
//! Every action that moves a tube or a package asks `may_become` before it
//! writes, so the chain of custody is one table to read and one
//! table to test, and a status no code knows cannot be written. The same
//! strings are the API's words and the database's values; `Coded` lets
//! the store read and write every such closed set alike.

use super::messages::{allowed, InputMsg};
use serde::{Deserialize, Serialize};

/// A closed set of values kept in the database as their code string.
pub trait Coded: Copy + Sized + 'static {
    /// What the value is, in words for an error ("specimen status").
    const WHAT: &'static str;

    /// Every value, in the order the manual lists them.
    fn all() -> &'static [Self];

    /// The code the API and the database use.
    fn code(self) -> &'static str;

    /// The value whose code this is.
    fn from_code(code: &str) -> Option<Self> {
        Self::all().iter().copied().find(|v| v.code() == code)
    }

    /// Every code, for documents and schema checks.
    fn codes() -> Vec<&'static str> {
        Self::all().iter().map(|v| v.code()).collect()
    }

    /// The value a request's `field` names by its code, or the message
    /// that says which codes the field takes.
    fn from_field(field: &str, code: &str) -> Result<Self, InputMsg> {
        Self::from_code(code).ok_or_else(|| InputMsg::NotOneOf {
            field: field.into(),
            value: code.into(),
            allowed: allowed(&Self::codes()),
        })
    }
}

/// Implements `Coded` over a type's own `ALL`, `code` and `from_code`.
macro_rules! coded_by_inherent {
    ($($t:ty => $what:literal),* $(,)?) => {
        $(impl Coded for $t {
            const WHAT: &'static str = $what;
            fn all() -> &'static [Self] {
                &<$t>::ALL
            }
            fn code(self) -> &'static str {
                <$t>::code(self)
            }
            fn from_code(code: &str) -> Option<Self> {
                <$t>::from_code(code)
            }
        })*
    };
}

coded_by_inherent!(
    SpecimenStatus => "specimen status",
    PackageStatus => "package status",
    OutcomeKind => "scan outcome kind",
    super::roles::Role => "role",
    super::SpecimenType => "specimen type",
    super::results::TestMethod => "test method",
    super::results::TestResult => "test result",
    super::results::ResultStatus => "result status",
    super::StorageClass => "storage class",
    super::patient::Sex => "sex",
    super::packaging::Carrier => "carrier",
    super::kits::SwabMaterial => "swab material",
    super::packaging::ChecklistItem => "checklist item",
);

/// Declares a closed set with its codes: `ALL`, `code`, `from_code`.
macro_rules! closed_set {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vm])* $v),*
        }

        impl $name {
            pub const ALL: [$name; [$($s),*].len()] = [$($name::$v),*];

            pub const fn code(self) -> &'static str {
                match self {
                    $($name::$v => $s),*
                }
            }

            pub fn from_code(code: &str) -> Option<$name> {
                match code {
                    $($s => Some($name::$v),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

closed_set!(
    /// Where a tube stands along the chain of custody.
    SpecimenStatus {
        /// Registered at reception, not yet placed anywhere.
        Registered => "registered",
        /// Placed in a fridge or freezer at the collecting site.
        Stored => "stored",
        /// In an open package.
        Packed => "packed",
        /// In a dispatched package.
        Shipped => "shipped",
        /// Checked in at the testing lab.
        Received => "received",
        /// The testing lab did not find it in its package.
        Missing => "missing",
    }
);

closed_set!(
    /// A package: open while packing, then dispatched, then received.
    PackageStatus {
        Open => "open",
        Dispatched => "dispatched",
        Received => "received",
    }
);

closed_set!(
    /// What a scan was read as (`outcome.kind`).
    OutcomeKind {
        Specimen => "specimen",
        Kit => "kit",
        Patient => "patient",
        Location => "location",
        Package => "package",
        Command => "command",
        Badge => "badge",
        Unknown => "unknown",
    }
);

impl SpecimenStatus {
    /// Whether a tube in this status may move to `next`: the chain of
    /// custody, and nothing else. Staying put is not a move.
    pub fn may_become(self, next: SpecimenStatus) -> bool {
        use SpecimenStatus::*;
        matches!(
            (self, next),
            // Put in a fridge or freezer.
            (Registered, Stored)
                // Packed, from the bench or the fridge.
                | (Registered | Stored, Packed)
                // Taken back out of an open package.
                | (Packed, Registered | Stored)
                // The package leaves.
                | (Packed, Shipped)
                // The testing lab checks the delivery in.
                | (Shipped, Received | Missing)
                // A tube checked in turns out not to be there.
                | (Received, Missing)
        )
    }

    /// Still in the collecting site's care (not shipped).
    pub fn in_care(self) -> bool {
        matches!(
            self,
            SpecimenStatus::Registered | SpecimenStatus::Stored | SpecimenStatus::Packed
        )
    }

    /// The statuses still in the collecting site's care.
    pub fn in_care_codes() -> Vec<&'static str> {
        SpecimenStatus::ALL
            .into_iter()
            .filter(|s| s.in_care())
            .map(SpecimenStatus::code)
            .collect()
    }
}

impl PackageStatus {
    /// Whether a package in this status may move to `next`.
    pub fn may_become(self, next: PackageStatus) -> bool {
        use PackageStatus::*;
        matches!((self, next), (Open, Dispatched) | (Dispatched, Received))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every allowed move, named; every other pair is refused.
    const SPECIMEN_MOVES: [(&str, SpecimenStatus, SpecimenStatus); 9] = {
        use SpecimenStatus::*;
        [
            ("stored in a fridge", Registered, Stored),
            ("packed from the bench", Registered, Packed),
            ("packed from the fridge", Stored, Packed),
            ("taken out, never stored", Packed, Registered),
            ("taken out, stored before", Packed, Stored),
            ("dispatched", Packed, Shipped),
            ("checked in", Shipped, Received),
            ("not in the delivery", Shipped, Missing),
            ("lost after check-in", Received, Missing),
        ]
    };

    const PACKAGE_MOVES: [(&str, PackageStatus, PackageStatus); 2] = [
        ("dispatched", PackageStatus::Open, PackageStatus::Dispatched),
        (
            "received",
            PackageStatus::Dispatched,
            PackageStatus::Received,
        ),
    ];

    /// Every pair of statuses: a move exactly when `moves` names it.
    fn assert_moves<S: Copy + PartialEq + std::fmt::Display>(
        all: &[S],
        moves: &[(&str, S, S)],
        may_become: impl Fn(S, S) -> bool,
    ) {
        for &from in all {
            for &to in all {
                let named = moves.iter().find(|(_, f, t)| *f == from && *t == to);
                assert_eq!(
                    may_become(from, to),
                    named.is_some(),
                    "{from} → {to} ({})",
                    named.map_or("not a move", |(n, _, _)| n)
                );
            }
        }
    }

    #[test]
    fn a_specimen_moves_exactly_along_the_chain_of_custody() {
        assert_moves(
            &SpecimenStatus::ALL,
            &SPECIMEN_MOVES,
            SpecimenStatus::may_become,
        );
    }

    #[test]
    fn a_package_moves_from_open_to_dispatched_to_received_only() {
        assert_moves(
            &PackageStatus::ALL,
            &PACKAGE_MOVES,
            PackageStatus::may_become,
        );
    }

    #[test]
    fn a_code_reads_back_as_the_value_that_wrote_it_and_as_its_json() {
        fn round_trip<T: Coded + PartialEq + std::fmt::Debug + Serialize>() {
            for v in T::all() {
                assert_eq!(T::from_code(v.code()), Some(*v));
                assert_eq!(
                    serde_json::to_value(v).ok(),
                    Some(serde_json::Value::String(v.code().into()))
                );
            }
            assert_eq!(T::from_code("no such code"), None);
        }
        round_trip::<SpecimenStatus>();
        round_trip::<PackageStatus>();
        round_trip::<OutcomeKind>();
        round_trip::<super::super::roles::Role>();
        round_trip::<super::super::SpecimenType>();
        round_trip::<super::super::results::TestMethod>();
        round_trip::<super::super::results::TestResult>();
        round_trip::<super::super::results::ResultStatus>();
        round_trip::<super::super::StorageClass>();
        round_trip::<super::super::patient::Sex>();
        round_trip::<super::super::packaging::Carrier>();
        round_trip::<super::super::kits::SwabMaterial>();
        round_trip::<super::super::packaging::ChecklistItem>();
    }

    #[test]
    fn in_care_is_registered_stored_or_packed() {
        assert_eq!(
            SpecimenStatus::in_care_codes(),
            ["registered", "stored", "packed"]
        );
    }
}
