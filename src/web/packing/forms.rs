//! The HTML forms the packing pages post, as they arrive: every field
//! optional, so a missing one is answered in words beside the form.

use crate::domain::packaging::Party;
use serde::Deserialize;

/// A package's slip fields, as the form that starts a package and the
/// form that completes an open one both post them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct SlipForm {
    pub(super) csrf: String,
    pub(super) carrier: String,
    pub(super) consignee_name: String,
    pub(super) consignee_address: String,
    pub(super) consignee_phone: String,
    pub(super) emergency_phone: String,
    pub(super) packer_name: String,
    pub(super) packer_certificate_id: String,
}

impl SlipForm {
    /// The consignee as typed, each field trimmed.
    pub(super) fn consignee(&self) -> Party {
        Party {
            name: self.consignee_name.trim().to_string(),
            address: self.consignee_address.trim().to_string(),
            phone: self.consignee_phone.trim().to_string(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AddForm {
    pub(super) csrf: String,
    pub(super) specimen_id: String,
    pub(super) override_reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct TickForm {
    pub(super) csrf: String,
    pub(super) item: String,
    pub(super) specimen_id: String,
    pub(super) done: String,
    pub(super) dry_ice_kg: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct DispatchForm {
    pub(super) csrf: String,
    pub(super) override_reason: String,
}

/// What the package page says after a form: `?done=…&warn=code,code`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Shown {
    pub(super) done: Option<String>,
    pub(super) warn: Option<String>,
    /// The anchor of the checklist button the change came from.
    pub(super) at: Option<String>,
}

/// A field left empty means "not given".
pub(super) fn given(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_string())
}
