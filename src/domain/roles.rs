//! Who may do what (README, "The HTTP API"), as one table every route consults.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Reception,
    Lab,
    HealthCentre,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Reception, Role::Lab, Role::HealthCentre, Role::Admin];

    pub fn code(self) -> &'static str {
        match self {
            Role::Reception => "reception",
            Role::Lab => "lab",
            Role::HealthCentre => "health_centre",
            Role::Admin => "admin",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn may(self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::Admin => true,
            // The day's report holds every patient's name and address: the
            // health centre's and the admin's to read.
            Role::Lab => !matches!(action, ManageUsers | ReadReports),
            Role::Reception => matches!(
                action,
                RegisterSpecimen
                    | ReadSpecimens
                    | RecordStorage
                    | ReadLocations
                    | ReadAlerts
                    | ReadKits
                    | Scan
                    | WatchStations
                    | ReadDevices
                    | Print
            ),
            Role::HealthCentre => matches!(action, ReadReports),
        }
    }
}

/// Everything a route can ask permission for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    RegisterSpecimen,
    ReadSpecimens,
    RecordStorage,
    ReadLocations,
    ManageLocations,
    ReadAlerts,
    RecordResult,
    /// Accept what a rule refuses, with a written reason.
    Override,
    ReadReports,
    ManageUsers,
    /// Make packages, tick the checklist, dispatch.
    PackSpecimens,
    ReadPackages,
    /// Check a delivery in at the testing lab.
    ReceivePackages,
    /// Read the kit catalog (reception scans kits).
    ReadKits,
    /// Add kits to the catalog.
    ManageKits,
    /// List the specimens collected with a kit lot (recalls).
    TraceKitLots,
    /// Send a scan to a station (`POST /api/v1/scans`); what the scan then
    /// does is checked as the action it becomes.
    Scan,
    /// Follow a station's scans live.
    WatchStations,
    /// See the configured scanners and their state.
    ReadDevices,
    /// Correct a patient's identity (name, birth date, …) with a reason:
    /// it changes what every report of that patient shows.
    CorrectPatients,
    /// Send a document to a configured printer, and see the print queue
    /// and the printers; the document's own read permission applies too.
    Print,
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    #[test]
    fn api_roles_table() {
        let cases = [
            (Role::Reception, RegisterSpecimen, true),
            (Role::Reception, RecordStorage, true),
            (Role::Reception, Override, false),
            (Role::Reception, RecordResult, false),
            (Role::Reception, ReadReports, false),
            (Role::Lab, Override, true),
            (Role::Lab, RecordResult, true),
            (Role::Lab, ManageUsers, false),
            (Role::Lab, ReadReports, false),
            (Role::HealthCentre, ReadReports, true),
            (Role::HealthCentre, RegisterSpecimen, false),
            (Role::HealthCentre, ReadSpecimens, false),
            (Role::Admin, ManageUsers, true),
            (Role::Admin, Override, true),
            (Role::Lab, PackSpecimens, true),
            (Role::Lab, ReceivePackages, true),
            (Role::Reception, PackSpecimens, false),
            (Role::Reception, ReadPackages, false),
            (Role::HealthCentre, ReadPackages, false),
            (Role::HealthCentre, ReceivePackages, false),
            (Role::Reception, ReadKits, true),
            (Role::Reception, ManageKits, false),
            (Role::Reception, TraceKitLots, false),
            (Role::Lab, ManageKits, true),
            (Role::Lab, TraceKitLots, true),
            (Role::HealthCentre, ReadKits, false),
            (Role::HealthCentre, TraceKitLots, false),
            (Role::Admin, ManageKits, true),
            (Role::Reception, Scan, true),
            (Role::Reception, WatchStations, true),
            (Role::Lab, Scan, true),
            (Role::HealthCentre, Scan, false),
            (Role::HealthCentre, WatchStations, false),
            (Role::HealthCentre, ReadDevices, false),
            (Role::Admin, ReadDevices, true),
            (Role::Reception, CorrectPatients, false),
            (Role::Lab, CorrectPatients, true),
            (Role::HealthCentre, CorrectPatients, false),
            (Role::Admin, CorrectPatients, true),
        ];
        for (role, action, allowed) in cases {
            assert_eq!(role.may(action), allowed, "{role:?} {action:?}");
        }
    }
}
