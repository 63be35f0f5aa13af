//! Site configuration: `kentai.toml`, then environment variables over it.
//!
//! Every key has a default so a clinic can start with no file at all. Any
//! key can be overridden from the environment: `KENTAI_BIND`,
//! `KENTAI_DATABASE_URL`, and `KENTAI_<SECTION>__<KEY>` for the sections
//! (e.g. `KENTAI_POLICY__SALIVA_MAX_DAYS=7`, `KENTAI_SITE__FACILITY_NAME=…`).

use crate::domain::kits::KitEntry;
use crate::domain::Policy;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use thiserror::Error;

pub mod analyzer;
pub mod printer;
mod scanner;
pub use analyzer::AnalyzerConfig;
pub use printer::{PrintDocument, PrinterConfig, PrinterKind, Printing};
pub use scanner::ScannerConfig;

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE: &str = "sqlite://kentai.db";
pub const DEFAULT_CONFIG: &str = "kentai.toml";
/// Where the Debian package installs the configuration.
pub const SYSTEM_CONFIG: &str = "/etc/kentai/kentai.toml";

#[derive(Debug, Error)]
pub enum ConfigError {
    // The cause is part of the message and not a `source`: a report that
    // prints the chain would otherwise say it twice.
    #[error("cannot read {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path}: {error}")]
    Parse {
        path: PathBuf,
        error: Box<toml::de::Error>,
    },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    #[error("{0}")]
    Invalid(String),
    #[error("site.time_zone: unknown time zone {0:?} (use an IANA name such as Asia/Tokyo)")]
    TimeZone(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Site {
    pub facility_name: String,
    pub facility_code: String,
    pub address: String,
    pub phone: String,
    /// 24-hour number printed on shipping slips.
    pub emergency_phone: String,
    pub health_centre: String,
    pub time_zone: String,
    pub gs1_company_prefix: String,
    /// SSCC extension digit (0–9) the site uses for its packages.
    pub sscc_extension_digit: u8,
    /// Person responsible for shipments, printed on package labels when a
    /// package names no packer (IATA PI 650).
    pub responsible_person: String,
}

impl Default for Site {
    fn default() -> Self {
        Site {
            facility_name: String::new(),
            facility_code: String::new(),
            address: String::new(),
            phone: String::new(),
            emergency_phone: String::new(),
            health_centre: String::new(),
            time_zone: "Asia/Tokyo".into(),
            gs1_company_prefix: String::new(),
            sscc_extension_digit: 0,
            responsible_person: String::new(),
        }
    }
}

/// What a station's scans mean: each desk has one job.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Workflow {
    /// patient → tube → kit
    Reception,
    /// tube → location
    Storage,
    /// package → tubes → command codes
    Packing,
    /// package
    Receiving,
    /// tube → result command, or a result command → tubes (a batch)
    Results,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationConfig {
    pub name: String,
    pub workflow: Workflow,
    /// Scanner scans count only while a person is signed in at the station
    /// (badge and PIN, or on its page); others are journalled and refused
    /// with `operator_required`.
    #[serde(default)]
    pub require_operator: bool,
}

/// The daily backups (`[backup]`), made by `kentai backup --scheduled`
/// (the package's `kentai-backup.timer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupConfig {
    /// Where the copies go; by default `backups` beside the SQLite
    /// database (`/var/lib/kentai/backups` in the package).
    pub dir: Option<PathBuf>,
    /// The newest copy of each of this many most recent days is kept…
    pub keep_daily: usize,
    /// … and of each of this many most recent ISO weeks.
    pub keep_weekly: usize,
    /// The admin page and `kentai doctor` warn when the newest copy is
    /// older than this: a day, and the timer's random delay and a slow
    /// copy on top.
    pub warn_after_hours: f64,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig {
            dir: None,
            keep_daily: 14,
            keep_weekly: 8,
            warn_after_hours: 26.0,
        }
    }
}

/// How scans are handled (`[scanning]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scanning {
    /// The same code read again by the same device within this many
    /// milliseconds is a double read: journalled, not processed again.
    pub duplicate_window_ms: u64,
    /// Start the configured scanners with the server (off for tools that
    /// only need the API).
    pub start_scanners: bool,
    /// A reception draft (patient, tube, kit scanned but not registered)
    /// untouched for this many minutes is dropped, so the next patient
    /// starts clean. Fractions are allowed (`0.05` is three seconds); `0`
    /// keeps drafts until a registration or a start-over ends them.
    pub draft_idle_minutes: f64,
    /// The person signed in at a station is signed out after this many
    /// minutes without a scan of theirs there (fractions allowed; `0`:
    /// only a badge or the page signs them out).
    pub operator_idle_minutes: f64,
    /// A plain code the store does not know is a patient's number when the
    /// whole code matches this regular expression.
    pub patient_pattern: String,
    /// … and a new tube's id when the whole code matches this one. A code
    /// that matches both, or neither, is refused at reception.
    pub tube_pattern: String,
}

impl Default for Scanning {
    fn default() -> Self {
        Scanning {
            duplicate_window_ms: 1000,
            start_scanners: true,
            draft_idle_minutes: 10.0,
            operator_idle_minutes: 15.0,
            patient_pattern: crate::barcode::classify::DEFAULT_PATIENT_PATTERN.into(),
            tube_pattern: crate::barcode::classify::DEFAULT_TUBE_PATTERN.into(),
        }
    }
}

impl Scanning {
    /// The site's patterns, compiled (each anchored to the whole code).
    pub fn code_patterns(&self) -> Result<crate::barcode::classify::CodePatterns, ConfigError> {
        crate::barcode::classify::CodePatterns::new(&self.patient_pattern, &self.tube_pattern)
            .map_err(|e| ConfigError::Invalid(e.to_string()))
    }

    /// How long a reception draft may sit untouched; `None`: for ever.
    pub fn draft_idle(&self) -> Option<chrono::Duration> {
        let ms = self.draft_idle_minutes * 60_000.0;
        // Validated finite and not negative; a week bounds the cast.
        (ms > 0.0).then(|| chrono::Duration::milliseconds(ms.min(6.048e8) as i64))
    }

    /// How long a station's operator may go without a scan; `None`: for ever.
    pub fn operator_idle(&self) -> Option<chrono::Duration> {
        let ms = self.operator_idle_minutes * 60_000.0;
        (ms > 0.0).then(|| chrono::Duration::milliseconds(ms.min(6.048e8) as i64))
    }
}

/// Instrument result files (`[results]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResultsConfig {
    /// A folder kentai watches for instrument files: each new file is
    /// imported whole and moved to `done/`, or to `failed/` with the
    /// reason in a `.reason.txt` file beside it.
    pub import_dir: Option<PathBuf>,
    /// The `[[assay]]` the folder's files are read with; the only assay
    /// when there is just one.
    pub import_assay: Option<String>,
    /// The format of the folder's files; read from each file's content
    /// when not set (a generic CSV cannot be told apart, so a folder of
    /// generic CSVs sets it).
    pub import_format: Option<crate::instruments::Format>,
    /// Seconds between looks at the folder. A file is taken once its size
    /// has stayed the same for one look, so a file still being copied in
    /// is left alone.
    pub poll_seconds: f64,
    /// The columns of the site's generic CSV.
    pub generic: crate::instruments::GenericColumns,
}

impl Default for ResultsConfig {
    fn default() -> Self {
        ResultsConfig {
            import_dir: None,
            import_assay: None,
            import_format: None,
            poll_seconds: 5.0,
            generic: Default::default(),
        }
    }
}

impl ResultsConfig {
    /// The assay the watched folder's files are read with.
    pub fn folder_assay<'a>(
        &self,
        assays: &'a [crate::domain::assay::Assay],
    ) -> Option<&'a crate::domain::assay::Assay> {
        match &self.import_assay {
            Some(name) => assays.iter().find(|a| &a.name == name),
            None if assays.len() == 1 => assays.first(),
            None => None,
        }
    }
}

/// Protection of the service (`[security]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Security {
    /// Wrong tokens one client address, or one token prefix, may send per
    /// minute; after that its wrong tokens answer 429 until the minute is
    /// over (valid tokens are still served). 0: no limit.
    pub auth_failures_per_minute: u32,
    /// A PEM certificate chain and its private key: with both, kentai
    /// serves HTTPS only (rustls), and its cookies are marked `Secure`.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// A page left this many minutes without a key, a click or a scan at
    /// its station locks behind a quick re-entry (password, or staff badge
    /// and PIN); fractions allowed, `0` never.
    pub page_idle_minutes: f64,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            auth_failures_per_minute: 20,
            tls_cert: None,
            tls_key: None,
            page_idle_minutes: 10.0,
        }
    }
}

impl Security {
    /// How long a page may sit idle before it locks; `None`: never.
    pub fn page_idle(&self) -> Option<std::time::Duration> {
        let seconds = self.page_idle_minutes * 60.0;
        (seconds > 0.0).then(|| std::time::Duration::from_secs_f64(seconds.min(6.048e5)))
    }
}

/// How much of the server one client may hold, and for how long
/// (`[limits]`; see `http::intake`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// A client that has not sent its whole request head within this many
    /// seconds gets 408 and is disconnected.
    pub request_head_seconds: f64,
    /// A request body must be complete within this many seconds of its
    /// first read (408 `request_timeout`, connection closed).
    pub body_seconds: f64,
    /// … and after this many seconds must have kept up
    /// `body_min_bytes_per_second` on average.
    pub body_grace_seconds: f64,
    /// 0: no minimum rate, only `body_seconds`.
    pub body_min_bytes_per_second: u64,
    /// Connections one client address may hold (counted from their first
    /// request); beyond it 429 `too_many_connections`. Desks behind one
    /// NAT share an address, each browser with a few connections and an
    /// event stream.
    pub connections_per_address: u32,
    /// Connections all clients together may hold (503 beyond it); lowered
    /// at start-up to what the open-file limit allows.
    pub connections: u32,
    /// Request bodies one address may have being read at once (a body
    /// that arrives whole is read in microseconds; a trickled one holds
    /// its slot).
    pub body_reads_per_address: u32,
    /// … and all clients together.
    pub body_reads: u32,
    /// An open event stream asks the database again this often whether
    /// its token or session still admits its user (revocations in this
    /// process end it at once; this catches another server's).
    pub stream_recheck_seconds: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request_head_seconds: 5.0,
            body_seconds: 30.0,
            body_grace_seconds: 2.0,
            body_min_bytes_per_second: 1024,
            connections_per_address: 1024,
            connections: 16384,
            body_reads_per_address: 64,
            body_reads: 512,
            stream_recheck_seconds: 10.0,
        }
    }
}

impl Limits {
    fn validate(&self) -> Result<(), ConfigError> {
        let seconds = [
            ("request_head_seconds", self.request_head_seconds),
            ("body_seconds", self.body_seconds),
            ("body_grace_seconds", self.body_grace_seconds),
            ("stream_recheck_seconds", self.stream_recheck_seconds),
        ];
        for (key, value) in seconds {
            if !(value.is_finite() && value > 0.0 && value <= 86_400.0) {
                return Err(ConfigError::Invalid(format!(
                    "limits.{key} must be more than 0 and at most 86400 seconds, not {value}"
                )));
            }
        }
        let counts = [
            ("connections_per_address", self.connections_per_address),
            ("connections", self.connections),
            ("body_reads_per_address", self.body_reads_per_address),
            ("body_reads", self.body_reads),
        ];
        for (key, value) in counts {
            if value == 0 {
                return Err(ConfigError::Invalid(format!(
                    "limits.{key} must be at least 1"
                )));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub bind: String,
    pub database: String,
    pub site: Site,
    pub policy: Policy,
    #[serde(rename = "station")]
    pub stations: Vec<StationConfig>,
    #[serde(rename = "scanner")]
    pub scanners: Vec<ScannerConfig>,
    /// Instruments that send their results themselves (`[[analyzer]]`).
    #[serde(rename = "analyzer")]
    pub analyzers: Vec<AnalyzerConfig>,
    pub scanning: Scanning,
    pub security: Security,
    pub limits: Limits,
    /// The site's kit catalog (`[[kit]]`): read-only entries that sit over
    /// the kits added with `POST /api/v1/kits` (see `actions::kits`).
    #[serde(rename = "kit")]
    pub kits: Vec<KitEntry>,
    /// The lab's assays (`[[assay]]`): targets, Ct cut-off and controls,
    /// by which instrument files become results.
    #[serde(rename = "assay")]
    pub assays: Vec<crate::domain::assay::Assay>,
    pub results: ResultsConfig,
    pub backup: BackupConfig,
    /// The file this configuration was read from (`None`: the defaults).
    #[serde(skip)]
    pub source: Option<PathBuf>,
    /// Label and document printers (`[[printer]]`).
    #[serde(rename = "printer")]
    pub printers: Vec<PrinterConfig>,
    /// The print queue's retries (`[printing]`).
    pub printing: Printing,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: DEFAULT_BIND.into(),
            database: DEFAULT_DATABASE.into(),
            site: Site::default(),
            policy: Policy::default(),
            stations: Vec::new(),
            scanners: Vec::new(),
            analyzers: Vec::new(),
            scanning: Scanning::default(),
            security: Security::default(),
            limits: Limits::default(),
            kits: Vec::new(),
            assays: Vec::new(),
            results: ResultsConfig::default(),
            backup: BackupConfig::default(),
            source: None,
            printers: Vec::new(),
            printing: Printing::default(),
        }
    }
}

impl Config {
    /// Every enabled `[[scanner]]` as the device spec the supervisor
    /// starts, after the checks that need the whole file (names told
    /// apart, stations configured).
    pub fn scanner_specs(
        &self,
    ) -> Result<Vec<kentai_drivers::supervisor::DeviceSpec>, ConfigError> {
        scanner::check_entries(&self.scanners, &self.stations)?;
        Ok(self
            .scanners
            .iter()
            .filter_map(|s| s.device.clone())
            .collect())
    }

    /// The configuration file read when none is named: `kentai.toml` in
    /// the working directory, else the installed package's
    /// `/etc/kentai/kentai.toml`, so `kentai doctor` or `kentai user`
    /// typed anywhere on a clinic's PC reaches the service's database.
    pub fn default_path(exists: impl Fn(&Path) -> bool) -> Option<&'static Path> {
        [DEFAULT_CONFIG, SYSTEM_CONFIG]
            .into_iter()
            .map(Path::new)
            .find(|p| exists(p))
    }

    /// Reads `path` when given (it must exist), else the file
    /// [`Config::default_path`] finds, then applies `env` (normally
    /// `std::env::vars()`).
    pub fn load(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let path = path.or_else(|| Config::default_path(|p| p.exists()));
        let mut table = match path {
            Some(p) => read_table(p)?,
            None => toml::Table::new(),
        };
        apply_env(&mut table, env)?;
        let origin = path.unwrap_or(Path::new(DEFAULT_CONFIG)).to_path_buf();
        let mut config: Config =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e| ConfigError::Parse {
                    path: origin,
                    error: Box::new(e),
                })?;
        config.time_zone()?;
        config.source = path.map(Path::to_path_buf);
        Ok(config)
    }

    /// Where the scheduled backups go: `[backup] dir`, else `backups`
    /// beside the SQLite database; `None` on PostgreSQL, whose backups
    /// are the database server's (`pg_dump`, base backups).
    pub fn backup_dir(&self) -> Option<PathBuf> {
        match crate::store::DatabaseTarget::parse(&self.database).ok()? {
            crate::store::DatabaseTarget::Postgres(_) => None,
            crate::store::DatabaseTarget::Sqlite(db) => Some(match &self.backup.dir {
                Some(dir) => dir.clone(),
                None => db
                    .parent()
                    .map(|p| p.join("backups"))
                    .unwrap_or_else(|| PathBuf::from("backups")),
            }),
        }
    }

    /// Checks what serde cannot: values a later action would trip over.
    /// `[[assay]]` entries are whole and named once; the watched folder
    /// knows which assay reads its files.
    fn check_results(&self) -> Result<(), ConfigError> {
        let mut names = std::collections::HashSet::new();
        for assay in &self.assays {
            assay
                .validate()
                .map_err(|e| ConfigError::Invalid(format!("assay {:?}: {e}", assay.name)))?;
            if !names.insert(assay.name.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "assay {:?} is configured twice",
                    assay.name
                )));
            }
        }
        let results = &self.results;
        if let Some(name) = &results.import_assay {
            if !names.contains(name.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "results.import_assay {name:?} is not an [[assay]]"
                )));
            }
        }
        if results.import_dir.is_some() && results.folder_assay(&self.assays).is_none() {
            return Err(ConfigError::Invalid(
                "results.import_dir needs results.import_assay (or exactly one [[assay]])".into(),
            ));
        }
        if !(results.poll_seconds.is_finite()
            && results.poll_seconds > 0.0
            && results.poll_seconds <= 3600.0)
        {
            return Err(ConfigError::Invalid(
                "results.poll_seconds must be more than 0 and at most 3600".into(),
            ));
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.time_zone()?;
        let prefix = self.site.gs1_company_prefix.trim();
        if !prefix.is_empty() {
            crate::domain::packaging::sscc(self.site.sscc_extension_digit, prefix, 0)
                .map_err(|e| ConfigError::Invalid(format!("site.gs1_company_prefix: {e}")))?;
        }
        if self.site.sscc_extension_digit > 9 {
            return Err(ConfigError::Invalid(
                "site.sscc_extension_digit must be 0 to 9".into(),
            ));
        }
        self.kit_catalog()?;
        self.check_results()?;
        analyzer::check_entries(&self.analyzers)?;
        printer::check_entries(&self.printers)?;
        self.printing.validate()?;
        self.limits.validate()?;
        if self.security.tls_cert.is_some() != self.security.tls_key.is_some() {
            return Err(ConfigError::Invalid(
                "security.tls_cert and security.tls_key go together: set both for HTTPS, or neither"
                    .into(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for station in &self.stations {
            if station.name.trim().is_empty()
                || station.name.len() > 64
                || !station
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                return Err(ConfigError::Invalid(format!(
                    "station {:?}: a name is 1–64 letters, digits, '-', '_' or '.'",
                    station.name
                )));
            }
            if !seen.insert(station.name.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "station {:?} is configured twice",
                    station.name
                )));
            }
        }
        self.scanner_specs()?;
        for (key, idle) in [
            (
                "scanning.draft_idle_minutes",
                self.scanning.draft_idle_minutes,
            ),
            (
                "scanning.operator_idle_minutes",
                self.scanning.operator_idle_minutes,
            ),
            (
                "security.page_idle_minutes",
                self.security.page_idle_minutes,
            ),
        ] {
            if !idle.is_finite() || idle < 0.0 {
                return Err(ConfigError::Invalid(format!(
                    "{key} must be 0 (never) or more minutes, not {idle}"
                )));
            }
        }
        self.scanning.code_patterns()?;
        Ok(())
    }

    /// The `[[kit]]` entries with their GTINs as 14 digits. Two entries for
    /// one GTIN (even written as GTIN-13 and GTIN-14) are an error: which
    /// one a scan meant would be a guess.
    pub fn kit_catalog(&self) -> Result<Vec<KitEntry>, ConfigError> {
        let mut out: Vec<KitEntry> = Vec::with_capacity(self.kits.len());
        for (i, kit) in self.kits.iter().enumerate() {
            let entry = kit
                .normalised()
                .map_err(|e| ConfigError::Invalid(format!("kit #{}: {e}", i + 1)))?;
            if out.iter().any(|k| k.gtin == entry.gtin) {
                return Err(ConfigError::Invalid(format!(
                    "kit #{}: GTIN {} is catalogued twice",
                    i + 1,
                    entry.gtin
                )));
            }
            out.push(entry);
        }
        Ok(out)
    }

    pub fn time_zone(&self) -> Result<Tz, ConfigError> {
        self.site
            .time_zone
            .parse::<Tz>()
            .map_err(|_| ConfigError::TimeZone(self.site.time_zone.clone()))
    }
}

fn read_table(path: &Path) -> Result<toml::Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    text.parse::<toml::Table>().map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        error: Box::new(e),
    })
}

/// A value from the environment: TOML when it parses as a bare value
/// (numbers, booleans), a string otherwise.
fn env_value(raw: &str) -> toml::Value {
    format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .filter(|v| !v.is_table() && !v.is_array())
        .unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

fn apply_env(
    table: &mut toml::Table,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<(), ConfigError> {
    for (var, raw) in env {
        let path: Vec<String> = match var.as_str() {
            "KENTAI_BIND" => vec!["bind".into()],
            "KENTAI_DATABASE_URL" => vec!["database".into()],
            v => match v
                .strip_prefix("KENTAI_")
                .and_then(|rest| rest.split_once("__"))
            {
                Some((section, key)) if matches!(section, "SITE" | "POLICY") => {
                    vec![section.to_lowercase(), key.to_lowercase()]
                }
                _ => continue,
            },
        };
        let value = if path[0] == "bind" || path[0] == "database" || path[0] == "site" {
            toml::Value::String(raw)
        } else {
            env_value(&raw)
        };
        match path.as_slice() {
            [key] => {
                table.insert(key.clone(), value);
            }
            [section, key] => {
                let entry = table
                    .entry(section.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                let Some(section_table) = entry.as_table_mut() else {
                    return Err(ConfigError::Env {
                        var,
                        message: format!("[{section}] is not a table in the config file"),
                    });
                };
                section_table.insert(key.clone(), value);
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SalivaWithoutOnset;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn the_working_directorys_file_comes_before_the_packages_and_neither_is_needed() {
        let both = Config::default_path(|_| true);
        assert_eq!(both, Some(Path::new("kentai.toml")));
        let installed = Config::default_path(|p| p == Path::new("/etc/kentai/kentai.toml"));
        assert_eq!(installed, Some(Path::new("/etc/kentai/kentai.toml")));
        assert_eq!(Config::default_path(|_| false), None);
    }

    #[test]
    fn backups_go_beside_the_sqlite_database_unless_a_folder_is_named_and_not_for_postgres() {
        let mut c = Config {
            database: "sqlite:///var/lib/kentai/kentai.db".into(),
            ..Config::default()
        };
        assert_eq!(
            c.backup_dir(),
            Some(PathBuf::from("/var/lib/kentai/backups"))
        );
        c.database = "sqlite://kentai.db".into();
        assert_eq!(c.backup_dir(), Some(PathBuf::from("backups")));
        c.backup.dir = Some(PathBuf::from("/mnt/usb/kentai"));
        assert_eq!(c.backup_dir(), Some(PathBuf::from("/mnt/usb/kentai")));
        c.database = "postgres://kentai@db/kentai".into();
        assert_eq!(c.backup_dir(), None);
    }

    #[test]
    fn the_packaged_configuration_is_the_example_with_the_database_in_var_lib() {
        let example = include_str!("../../kentai.example.toml");
        let packaged = include_str!("../../debian/kentai.toml");
        let differing: Vec<(&str, &str)> = example
            .lines()
            .zip(packaged.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(example.lines().count(), packaged.lines().count());
        assert_eq!(
            differing,
            vec![(
                "database = \"sqlite://kentai.db\"  # or postgres://user@host:5432/kentai",
                "database = \"sqlite:///var/lib/kentai/kentai.db\"  # or postgres://user@host:5432/kentai"
            )],
            "debian/kentai.toml is kentai.example.toml with the packaged database path"
        );
        let config: Config = toml::from_str(packaged).unwrap();
        assert_eq!(
            config.backup_dir(),
            Some(PathBuf::from("/var/lib/kentai/backups"))
        );
    }

    #[test]
    fn no_file_gives_the_spec_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        assert!(
            Config::load(Some(&missing), env(&[])).is_err(),
            "an explicit path must exist"
        );
        let c: Config = toml::from_str("").unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.database, "sqlite://kentai.db");
        assert_eq!(c.policy.saliva_max_days, 9);
        assert_eq!(c.policy.fridge_max_hours, 48);
        assert_eq!(c.site.time_zone, "Asia/Tokyo");
    }

    #[test]
    fn the_example_config_in_the_repo_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("kentai.example.toml");
        let c = Config::load(Some(&path), env(&[])).unwrap();
        assert_eq!(c.policy, Policy::default());
        assert!(!c.site.facility_name.is_empty());
        assert_eq!(c.stations[0].workflow, Workflow::Reception);
        assert!(c.stations.iter().any(|s| s.workflow == Workflow::Results));
        c.validate().unwrap();
        let kits = c.kit_catalog().unwrap();
        assert!(!kits.is_empty(), "the example shows a [[kit]]");
        assert!(kits.iter().all(|k| k.gtin.len() == 14));
    }

    #[test]
    fn kit_entries_are_checked_at_start_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.toml");
        let kit = |gtin: &str, extra: &str| {
            format!(
                "[[kit]]\ngtin = \"{gtin}\"\nspecimen_type = \"nasopharyngeal_swab\"\nswab_material = \"flocked\"\ndescription = \"NP kit\"\n{extra}"
            )
        };
        let load = |text: &str| {
            std::fs::write(&path, text).unwrap();
            Config::load(Some(&path), env(&[])).and_then(|c| c.validate().map(|()| c))
        };
        let c = load(&kit("9506000134352", "")).unwrap();
        assert_eq!(c.kit_catalog().unwrap()[0].gtin, "09506000134352");
        let bad = [
            kit("09506000134353", ""),                              // check digit
            kit("0950600013435X", ""),                              // not digits
            kit("09506000134352", "") + &kit("9506000134352", ""),  // twice
            kit("09506000134352", "colour = \"blue\"\n"),           // unknown key
            kit("09506000134352", "").replace("flocked", "bamboo"), // material
            kit("09506000134352", "").replace("nasopharyngeal_swab", "nose"),
            kit("09506000134352", "").replace("NP kit", " "),
        ];
        for text in bad {
            assert!(load(&text).is_err(), "{text}");
        }
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.toml");
        std::fs::write(
            &path,
            "bind = \"0.0.0.0:1\"\n[policy]\nsaliva_max_days = 8\n",
        )
        .unwrap();
        let c = Config::load(
            Some(&path),
            env(&[
                ("KENTAI_BIND", "127.0.0.1:9999"),
                ("KENTAI_DATABASE_URL", "postgres://x/y"),
                ("KENTAI_POLICY__SALIVA_MAX_DAYS", "7"),
                ("KENTAI_POLICY__SALIVA_WITHOUT_ONSET", "refuse"),
                ("KENTAI_SITE__FACILITY_CODE", "0123"),
                ("UNRELATED", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(c.bind, "127.0.0.1:9999");
        assert_eq!(c.database, "postgres://x/y");
        assert_eq!(c.policy.saliva_max_days, 7);
        assert_eq!(c.policy.saliva_without_onset, SalivaWithoutOnset::Refuse);
        assert_eq!(c.site.facility_code, "0123", "site values stay strings");
    }

    #[test]
    fn barcode_patterns_and_the_draft_idle_time_are_checked_at_start_up() {
        let c: Config = toml::from_str("").unwrap();
        assert_eq!(c.scanning.draft_idle_minutes, 10.0);
        assert_eq!(c.scanning.draft_idle(), Some(chrono::Duration::minutes(10)));
        c.validate().unwrap();
        let with = |scanning: &str| -> Result<Config, ConfigError> {
            let c: Config = toml::from_str(&format!("[scanning]\n{scanning}\n"))
                .map_err(|e| ConfigError::Invalid(e.to_string()))?;
            c.validate().map(|()| c)
        };
        let c = with("draft_idle_minutes = 0.05").unwrap();
        assert_eq!(
            c.scanning.draft_idle(),
            Some(chrono::Duration::milliseconds(3000))
        );
        assert_eq!(
            with("draft_idle_minutes = 0")
                .unwrap()
                .scanning
                .draft_idle(),
            None
        );
        assert!(with("draft_idle_minutes = -1").is_err());
        let c = with("patient_pattern = \"[0-9]{8}\"\ntube_pattern = \"T[0-9]+\"").unwrap();
        assert_eq!(c.scanning.patient_pattern, "[0-9]{8}");
        let e = with("tube_pattern = \"T[0-9\"").unwrap_err();
        assert!(e.to_string().contains("scanning.tube_pattern"), "{e}");
        assert!(with("patient_pattern = \"\"").is_err());
        assert!(with("patient_patern = \"P\"").is_err(), "a misspelt key");
    }

    #[test]
    fn typos_and_bad_time_zones_are_errors_not_silence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.toml");
        std::fs::write(&path, "[policy]\nsaliva_max_dayz = 8\n").unwrap();
        assert!(Config::load(Some(&path), env(&[])).is_err());
        std::fs::write(
            &path,
            "[[station]]\nname = \"s\"\nworkflow = \"juggling\"\n",
        )
        .unwrap();
        assert!(
            Config::load(Some(&path), env(&[])).is_err(),
            "unknown workflow"
        );
        std::fs::write(&path, "[site]\ntime_zone = \"Mars/Olympus\"\n").unwrap();
        assert!(matches!(
            Config::load(Some(&path), env(&[])),
            Err(ConfigError::TimeZone(_))
        ));
    }
}
