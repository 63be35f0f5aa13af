//! What a scan is for kentai (SPEC §4): a specimen tube, a collection kit,
//! a patient, a storage location, a package or a command.

use crate::domain::packaging::ChecklistItem;

/// Prefix of kentai's own command barcodes (plain Code 128): what follows is
/// a [`Command`] code, e.g. `KTCMD:tick:secondary.absorbent`.
pub const COMMAND_PREFIX: &str = "KTCMD:";

/// A site-printed command barcode, scanned with gloves on at the packing
/// or receiving desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Tick a checklist item (primary items apply to every tube).
    Tick(ChecklistItem),
    /// Un-tick a checklist item.
    Untick(ChecklistItem),
    /// Start a new package at the packing desk.
    NewPackage,
    /// Dispatch the current package.
    Dispatch,
    /// Receive the current package (receiving desk).
    Receive,
    /// Forget the station's current package / patient (start over).
    Cancel,
}

impl Command {
    /// The text after [`COMMAND_PREFIX`].
    pub fn code(self) -> String {
        match self {
            Command::Tick(i) => format!("tick:{}", i.code()),
            Command::Untick(i) => format!("untick:{}", i.code()),
            Command::NewPackage => "new_package".into(),
            Command::Dispatch => "dispatch".into(),
            Command::Receive => "receive".into(),
            Command::Cancel => "cancel".into(),
        }
    }

    pub fn from_code(code: &str) -> Option<Command> {
        if let Some(item) = code.strip_prefix("tick:") {
            return ChecklistItem::from_code(item).map(Command::Tick);
        }
        if let Some(item) = code.strip_prefix("untick:") {
            return ChecklistItem::from_code(item).map(Command::Untick);
        }
        match code {
            "new_package" => Some(Command::NewPackage),
            "dispatch" => Some(Command::Dispatch),
            "receive" => Some(Command::Receive),
            "cancel" => Some(Command::Cancel),
            _ => None,
        }
    }

    /// The full barcode text.
    pub fn barcode_text(self) -> String {
        format!("{COMMAND_PREFIX}{}", self.code())
    }

    /// Every command a sheet may print: each checklist item except the
    /// forbidden `secondary.dry_ice`, then the actions.
    pub fn all() -> Vec<Command> {
        let mut out: Vec<Command> = ChecklistItem::ALL
            .into_iter()
            .filter(|i| *i != ChecklistItem::SecondaryDryIce)
            .map(Command::Tick)
            .collect();
        out.extend([
            Command::NewPackage,
            Command::Dispatch,
            Command::Receive,
            Command::Cancel,
        ]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_reads_back_from_its_barcode_text() {
        for c in Command::all()
            .into_iter()
            .chain([Command::Untick(ChecklistItem::PrimaryWiped)])
        {
            let text = c.barcode_text();
            let code = text.strip_prefix(COMMAND_PREFIX).unwrap();
            assert_eq!(Command::from_code(code), Some(c), "{text}");
        }
        assert_eq!(Command::from_code("tick:secondary.nonsense"), None);
        assert_eq!(Command::from_code("launch"), None);
    }
}
