//! `kentai doctor` and the admin page's 診断: whoever looks after a
//! clinic's PC asks "is kentai all right?" and gets each thing it depends
//! on checked, with what was found and how to fix it: the configuration,
//! the database (reachable, migrated, intact, room on its disk), the time
//! zone and clock, each scanner (attached, openable by the service's user,
//! not held by another program), each printer, the backups and the TLS
//! files.
//!
//! Checks read and never change anything: the database is opened but not
//! migrated, a scanner's node is looked at but not opened.

use crate::config::Config;
use crate::domain::messages::doctor::{Area, DoctorMsg};
use crate::domain::Lang;
use crate::store::backup_schedule;
use crate::store::{DatabaseTarget, Store};
use chrono::{DateTime, Utc};
use kentai_drivers::supervisor::DeviceKind;
use serde::Serialize;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// How a check came out. A warning is worth reading but fails nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

impl Verdict {
    /// The mark a terminal and the page show.
    pub fn mark(self) -> &'static str {
        match self {
            Verdict::Pass => "✓",
            Verdict::Warn => "!",
            Verdict::Fail => "✗",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub area: Area,
    pub verdict: Verdict,
    pub found: DoctorMsg,
    pub fix: Option<DoctorMsg>,
}

impl Check {
    fn pass(area: Area, found: DoctorMsg) -> Check {
        Check {
            area,
            verdict: Verdict::Pass,
            found,
            fix: None,
        }
    }

    fn warn(area: Area, found: DoctorMsg, fix: DoctorMsg) -> Check {
        Check {
            area,
            verdict: Verdict::Warn,
            found,
            fix: Some(fix),
        }
    }

    fn fail(area: Area, found: DoctorMsg, fix: DoctorMsg) -> Check {
        Check {
            area,
            verdict: Verdict::Fail,
            found,
            fix: Some(fix),
        }
    }

    /// The check in `lang`, for the page and the API.
    pub fn in_lang(&self, lang: Lang) -> CheckLine {
        CheckLine {
            check: self.area.render(lang),
            verdict: self.verdict,
            found: self.found.render(lang),
            fix: self.fix.as_ref().map(|f| f.render(lang)),
        }
    }
}

/// One check as a person reads it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckLine {
    pub check: String,
    pub verdict: Verdict,
    pub found: String,
    pub fix: Option<String>,
}

/// Whether any check failed (`kentai doctor` then exits 1).
pub fn any_failed(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.verdict == Verdict::Fail)
}

/// Every check for `config`. `store` is the running server's own (the
/// admin page); without one the database is opened here, never migrated.
pub fn run(config: &Config, store: Option<Store>, now: DateTime<Utc>) -> Vec<Check> {
    let origin = config.source.as_deref();
    let mut checks = vec![match origin {
        Some(path) => Check::pass(
            Area::Config,
            DoctorMsg::ConfigRead {
                path: path.display().to_string(),
            },
        ),
        None => Check::pass(Area::Config, DoctorMsg::ConfigDefaults),
    }];
    if let Err(e) = config.validate() {
        checks[0] = config_failed(origin, &e.to_string());
        return checks;
    }
    let store = database(config, store, &mut checks);
    time(config, store.as_ref(), now, &mut checks);
    let who = Account::service();
    scanners(config, &who, &mut checks);
    printers(config, &mut checks);
    backups(config, store.as_ref(), now, &mut checks);
    tls(config, &mut checks);
    checks
}

/// The check for a configuration that cannot be read at all.
pub fn config_failed(origin: Option<&Path>, detail: &str) -> Check {
    let path = origin
        .unwrap_or(Path::new(crate::config::DEFAULT_CONFIG))
        .display()
        .to_string();
    Check::fail(
        Area::Config,
        DoctorMsg::ConfigInvalid {
            detail: detail.to_string(),
        },
        DoctorMsg::FixConfig { path },
    )
}

fn database(config: &Config, running: Option<Store>, checks: &mut Vec<Check>) -> Option<Store> {
    let target = match DatabaseTarget::parse(&config.database) {
        Ok(t) => t,
        Err(e) => {
            checks.push(config_failed(None, &e.to_string()));
            return None;
        }
    };
    let sqlite = match &target {
        DatabaseTarget::Sqlite(path) => Some(path.clone()),
        DatabaseTarget::Postgres(_) => None,
    };
    if let Some(path) = &sqlite {
        if !path.is_file() {
            checks.push(Check::fail(
                Area::Database,
                DoctorMsg::DatabaseMissing {
                    path: path.display().to_string(),
                },
                DoctorMsg::FixDatabaseMissing,
            ));
            return None;
        }
    }
    let unreachable = |detail: String| {
        let fix = match &sqlite {
            Some(path) => DoctorMsg::FixSqliteUnreachable {
                dir: folder_of(path).display().to_string(),
            },
            None => DoctorMsg::FixPostgresUnreachable,
        };
        Check::fail(
            Area::Database,
            DoctorMsg::DatabaseUnreachable { detail },
            fix,
        )
    };
    let opened = match running {
        Some(store) => Ok(store),
        None => Store::open(&config.database),
    };
    let store = match opened {
        Ok(store) => store,
        Err(e) => {
            checks.push(unreachable(e.to_string()));
            return None;
        }
    };
    if let Err(e) = store.read(|c| {
        use diesel::connection::SimpleConnection;
        c.batch_execute("SELECT 1")
            .map_err(crate::store::StoreError::from)
    }) {
        checks.push(unreachable(e.to_string()));
        return None;
    }
    checks.push(Check::pass(
        Area::Database,
        DoctorMsg::DatabaseOpen {
            target: redacted(&config.database),
        },
    ));
    checks.push(match store.has_pending_migrations() {
        Ok(false) => Check::pass(Area::Migrations, DoctorMsg::MigrationsCurrent),
        Ok(true) => Check::fail(
            Area::Migrations,
            DoctorMsg::MigrationsPending,
            DoctorMsg::FixMigrations,
        ),
        Err(e) => unreachable(e.to_string()),
    });
    match &sqlite {
        Some(path) => {
            checks.push(integrity(path));
            checks.push(disk(&folder_of(path)));
        }
        None => checks.push(Check::pass(Area::Integrity, DoctorMsg::IntegrityByPostgres)),
    }
    Some(store)
}

/// A database URL without its password.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The folder holding `path`, written out in full: a relative database
/// path means nothing on the admin page.
fn folder_of(path: &Path) -> PathBuf {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::canonicalize(&folder).unwrap_or(folder)
}

fn integrity(path: &Path) -> Check {
    let checked = (|| -> Result<Vec<String>, rusqlite::Error> {
        let conn = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let mut statement = conn.prepare("PRAGMA quick_check")?;
        let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
        rows.collect()
    })();
    match checked {
        Ok(rows) if rows == ["ok"] => Check::pass(Area::Integrity, DoctorMsg::IntegrityOk),
        Ok(rows) => Check::fail(
            Area::Integrity,
            DoctorMsg::IntegrityFailed {
                detail: rows.into_iter().take(3).collect::<Vec<_>>().join("; "),
            },
            DoctorMsg::FixIntegrity,
        ),
        Err(e) => Check::fail(
            Area::Integrity,
            DoctorMsg::IntegrityFailed {
                detail: e.to_string(),
            },
            DoctorMsg::FixIntegrity,
        ),
    }
}

/// Below this the database's disk fails the check: SQLite needs room for
/// its write-ahead log and a backup for a whole copy.
const DISK_FAIL_BYTES: u64 = 512 * 1024 * 1024;
/// Below this, a warning.
const DISK_WARN_BYTES: u64 = 2 * 1024 * 1024 * 1024;

fn disk(dir: &Path) -> Check {
    let path = dir.display().to_string();
    match rustix::fs::statvfs(dir) {
        Ok(stat) => {
            let free = stat.f_bavail.saturating_mul(stat.f_frsize);
            let total = stat.f_blocks.saturating_mul(stat.f_frsize);
            let found = DoctorMsg::DiskFree {
                path: path.clone(),
                free: bytes(free),
                total: bytes(total),
            };
            disk_verdict(free, total, found, DoctorMsg::FixDisk { path })
        }
        Err(e) => Check::fail(
            Area::Disk,
            DoctorMsg::DatabaseUnreachable {
                detail: format!("{path}: {e}"),
            },
            DoctorMsg::FixDisk { path },
        ),
    }
}

fn disk_verdict(free: u64, total: u64, found: DoctorMsg, fix: DoctorMsg) -> Check {
    let share = if total == 0 {
        0.0
    } else {
        free as f64 / total as f64
    };
    if free < DISK_FAIL_BYTES || share < 0.02 {
        Check::fail(Area::Disk, found, fix)
    } else if free < DISK_WARN_BYTES || share < 0.10 {
        Check::warn(Area::Disk, found, fix)
    } else {
        Check::pass(Area::Disk, found)
    }
}

/// A size as people read it (binary units, one decimal).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn time(config: &Config, store: Option<&Store>, now: DateTime<Utc>, checks: &mut Vec<Check>) {
    let Ok(tz) = config.time_zone() else {
        return;
    };
    let local = |t: DateTime<Utc>| {
        t.with_timezone(&tz)
            .format("%Y-%m-%d %H:%M:%S %Z")
            .to_string()
    };
    checks.push(Check::pass(
        Area::TimeZone,
        DoctorMsg::TimeZone {
            zone: tz.name().to_string(),
            now: local(now),
        },
    ));
    if let Some(store) = store {
        let last = store.read(|c| {
            use crate::store::schema::scans;
            use diesel::dsl::max;
            use diesel::prelude::*;
            scans::table
                .select(max(scans::scanned_at))
                .first::<Option<chrono::NaiveDateTime>>(c)
                .map_err(crate::store::StoreError::from)
        });
        if let Ok(last) = last {
            checks.push(clock_against(now, last.map(|t| t.and_utc()), local));
        }
    }
    checks.push(
        if Path::new("/run/systemd/timesync/synchronized").exists() {
            Check::pass(Area::ClockSync, DoctorMsg::ClockSynchronised)
        } else {
            Check::warn(
                Area::ClockSync,
                DoctorMsg::ClockSyncUnknown,
                DoctorMsg::FixClockSync,
            )
        },
    );
}

/// Clock skew kentai tolerates before it calls the clock wrong: a scan
/// journalled a moment ago on a machine whose clock was stepped back a
/// little is not news.
const CLOCK_SLACK_SECONDS: i64 = 300;

fn clock_against(
    now: DateTime<Utc>,
    last_scan: Option<DateTime<Utc>>,
    local: impl Fn(DateTime<Utc>) -> String,
) -> Check {
    match last_scan {
        None => Check::pass(Area::Clock, DoctorMsg::ClockNoRecords),
        Some(last) if (last - now).num_seconds() > CLOCK_SLACK_SECONDS => Check::fail(
            Area::Clock,
            DoctorMsg::ClockBehind { last: local(last) },
            DoctorMsg::FixClock,
        ),
        Some(last) => Check::pass(
            Area::Clock,
            DoctorMsg::ClockAfterLastRecord { last: local(last) },
        ),
    }
}

/// Who opens the scanners: the `kentai` system user when the doctor runs
/// as root and the package made one (root may open anything, the service
/// may not), else whoever runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    pub gids: Vec<u32>,
}

impl Account {
    pub fn service() -> Account {
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        let group = std::fs::read_to_string("/etc/group").unwrap_or_default();
        let uid = rustix::process::geteuid().as_raw();
        if uid == 0 {
            if let Some(kentai) = Account::from_files("kentai", &passwd, &group) {
                return kentai;
            }
        }
        let mut gids = vec![rustix::process::getegid().as_raw()];
        if let Ok(extra) = rustix::process::getgroups() {
            gids.extend(extra.into_iter().map(|g| g.as_raw()));
        }
        let name = passwd
            .lines()
            .map(|l| l.split(':').collect::<Vec<_>>())
            .find(|f| f.get(2).and_then(|u| u.parse::<u32>().ok()) == Some(uid))
            .and_then(|f| f.first().map(|n| n.to_string()))
            .unwrap_or_else(|| uid.to_string());
        Account { name, uid, gids }
    }

    /// `name`'s user and groups from the text of /etc/passwd and
    /// /etc/group.
    pub fn from_files(name: &str, passwd: &str, group: &str) -> Option<Account> {
        let fields = passwd
            .lines()
            .map(|l| l.split(':').collect::<Vec<_>>())
            .find(|f| f.first() == Some(&name))?;
        let uid = fields.get(2)?.parse().ok()?;
        let primary: u32 = fields.get(3)?.parse().ok()?;
        let mut gids = vec![primary];
        for line in group.lines() {
            let f: Vec<&str> = line.split(':').collect();
            let (Some(gid), Some(members)) = (f.get(2), f.get(3)) else {
                continue;
            };
            if members.split(',').any(|m| m == name) {
                if let Ok(gid) = gid.parse() {
                    gids.push(gid);
                }
            }
        }
        Some(Account {
            name: name.to_string(),
            uid,
            gids,
        })
    }

    /// Whether this account may open a node with `mode`, owned by
    /// `owner` and `group`, for reading and writing.
    pub fn may_read_write(&self, mode: u32, owner: u32, group: u32) -> bool {
        if self.uid == 0 {
            return true;
        }
        let bits = if owner == self.uid {
            mode >> 6
        } else if self.gids.contains(&group) {
            mode >> 3
        } else {
            mode
        };
        bits & 0o6 == 0o6
    }
}

fn scanners(config: &Config, who: &Account, checks: &mut Vec<Check>) {
    let Ok(specs) = config.scanner_specs() else {
        return;
    };
    if specs.is_empty() {
        return;
    }
    let mut usb: Option<Result<Vec<kentai_drivers::usb::UsbDeviceInfo>, String>> = None;
    for spec in specs {
        let area = Area::Scanner(spec.name.clone());
        let target = spec.kind.target();
        let node = match &spec.kind {
            DeviceKind::Serial(s) => std::fs::canonicalize(&s.path).ok(),
            DeviceKind::HidPos(sel) | DeviceKind::UsbKeyboard(sel, _) => {
                let listed = usb.get_or_insert_with(|| {
                    kentai_drivers::usb::list_devices().map_err(|e| e.to_string())
                });
                match listed {
                    Ok(devices) => devices.iter().find(|d| sel.matches(d)).map(|d| {
                        PathBuf::from(format!("/dev/bus/usb/{:03}/{:03}", d.bus, d.address))
                    }),
                    Err(detail) => {
                        checks.push(Check::fail(
                            area,
                            DoctorMsg::UsbUnavailable {
                                detail: detail.clone(),
                            },
                            DoctorMsg::FixScannerAbsent,
                        ));
                        continue;
                    }
                }
            }
        };
        checks.push(scanner_node(area, &target, node.as_deref(), who));
    }
}

fn scanner_node(area: Area, target: &str, node: Option<&Path>, who: &Account) -> Check {
    let absent = || {
        Check::fail(
            area.clone(),
            DoctorMsg::ScannerAbsent {
                target: target.to_string(),
            },
            DoctorMsg::FixScannerAbsent,
        )
    };
    let Some(node) = node else {
        return absent();
    };
    let Ok(meta) = std::fs::metadata(node) else {
        return absent();
    };
    if !who.may_read_write(meta.mode(), meta.uid(), meta.gid()) {
        return Check::fail(
            area,
            DoctorMsg::ScannerNoAccess {
                target: target.to_string(),
                user: who.name.clone(),
            },
            DoctorMsg::FixScannerAccess {
                user: who.name.clone(),
            },
        );
    }
    match holders(node).into_iter().next() {
        Some((pid, holder)) if holder == "kentai" => Check::pass(
            area,
            DoctorMsg::ScannerInUseByKentai {
                target: target.to_string(),
                pid,
            },
        ),
        Some((pid, holder)) => Check::fail(
            area,
            DoctorMsg::ScannerInUse {
                target: target.to_string(),
                holder: holder.clone(),
                pid,
            },
            DoctorMsg::FixScannerInUse { holder },
        ),
        None => Check::pass(
            area,
            DoctorMsg::ScannerPresent {
                target: target.to_string(),
            },
        ),
    }
}

/// The processes holding `node` open, by pid and command name (only
/// those this process may look into: all of them when run as root).
pub fn holders(node: &Path) -> Vec<(u32, String)> {
    let Ok(node) = std::fs::canonicalize(node) else {
        return Vec::new();
    };
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for process in processes.flatten() {
        let Some(pid) = process
            .file_name()
            .to_str()
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(process.path().join("fd")) else {
            continue;
        };
        if fds
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == node))
        {
            let comm = std::fs::read_to_string(process.path().join("comm"))
                .map(|c| c.trim().to_string())
                .unwrap_or_default();
            found.push((pid, comm));
        }
    }
    found.sort();
    found
}

/// How long a printer may take to accept a connection before it counts
/// as unreachable.
const PRINTER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

fn printers(config: &Config, checks: &mut Vec<Check>) {
    use crate::config::PrinterKind;
    for printer in &config.printers {
        let area = Area::Printer(printer.name.clone());
        let authority = match printer.kind {
            PrinterKind::Raw9100 => printer.socket_address(),
            PrinterKind::Ipp => printer.ipp_address().map(|a| a.authority),
        };
        let address = printer.address.clone();
        let unreachable = |detail: String| {
            Check::fail(
                area.clone(),
                DoctorMsg::PrinterUnreachable {
                    address: address.clone(),
                    detail,
                },
                DoctorMsg::FixPrinter,
            )
        };
        let reached = authority
            .map_err(|e| e.to_string())
            .and_then(|authority| reach(&authority));
        if let Err(detail) = reached {
            checks.push(unreachable(detail));
            continue;
        }
        // Reachable: what the printer says of itself (`~HS`, IPP's
        // printer-state-reasons).
        let view = crate::printing::probe(printer);
        checks.push(match (view.status, view.error) {
            (Some(status), _) if status.paper_out => Check::fail(
                area.clone(),
                DoctorMsg::PrinterPaperOut { address },
                DoctorMsg::FixPrinterPaper,
            ),
            (Some(status), _) if status.head_open => Check::fail(
                area.clone(),
                DoctorMsg::PrinterHeadOpen { address },
                DoctorMsg::FixPrinterHead,
            ),
            (Some(_), _) => Check::pass(area.clone(), DoctorMsg::PrinterReachable { address }),
            (None, detail) => Check::warn(
                area.clone(),
                DoctorMsg::PrinterNoStatus {
                    address,
                    detail: detail.unwrap_or_default(),
                },
                DoctorMsg::FixPrinterStatus,
            ),
        });
    }
}

/// Whether `authority` (`HOST:PORT`) accepts a TCP connection.
fn reach(authority: &str) -> Result<(), String> {
    use std::net::ToSocketAddrs;
    let addresses = authority
        .to_socket_addrs()
        .map_err(|e| e.to_string())?
        .collect::<Vec<_>>();
    let mut last = String::from("no address");
    for address in addresses {
        match std::net::TcpStream::connect_timeout(&address, PRINTER_TIMEOUT) {
            Ok(_) => return Ok(()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

fn backups(config: &Config, store: Option<&Store>, now: DateTime<Utc>, checks: &mut Vec<Check>) {
    let Some(dir) = config.backup_dir() else {
        checks.push(Check::pass(Area::Backups, DoctorMsg::BackupByPostgres));
        return;
    };
    let tz = config.time_zone().unwrap_or(chrono_tz::Asia::Tokyo);
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let state = match backup_schedule::state(&dir, config.backup.warn_after_hours, now) {
        Ok(state) => state,
        Err(e) => {
            checks.push(Check::fail(
                Area::Backups,
                DoctorMsg::BackupFailed {
                    problems: format!("{}: {e}", dir.display()),
                },
                DoctorMsg::FixBackup,
            ));
            return;
        }
    };
    let holds_specimens = store.is_some_and(holds_specimens);
    checks.push(backup_verdict(
        &state,
        holds_specimens,
        config.backup.warn_after_hours,
        local,
    ));
}

/// Whether the database holds anything a lost disk would lose: before
/// the first specimen, a missing backup is a note, not a failure.
pub fn holds_specimens(store: &Store) -> bool {
    store
        .read(|c| {
            use crate::store::schema::specimens;
            use diesel::prelude::*;
            specimens::table
                .count()
                .get_result::<i64>(c)
                .map_err(crate::store::StoreError::from)
        })
        .is_ok_and(|n| n > 0)
}

/// The backups' check: failed when the last run failed, when the newest
/// copy is stale, or when there is none though specimens are kept.
pub fn backup_verdict(
    state: &backup_schedule::BackupState,
    holds_specimens: bool,
    warn_after_hours: f64,
    local: impl Fn(DateTime<Utc>) -> String,
) -> Check {
    if state.failed {
        return Check::fail(
            Area::Backups,
            DoctorMsg::BackupFailed {
                problems: state.problems.join("; "),
            },
            DoctorMsg::FixBackup,
        );
    }
    match state.last_at {
        None if !holds_specimens => Check::warn(
            Area::Backups,
            DoctorMsg::BackupFirstTonight,
            DoctorMsg::FixBackup,
        ),
        None => Check::fail(Area::Backups, DoctorMsg::BackupNone, DoctorMsg::FixBackup),
        Some(at) if state.stale => Check::fail(
            Area::Backups,
            DoctorMsg::BackupStale {
                at: local(at),
                hours: warn_after_hours,
            },
            DoctorMsg::FixBackup,
        ),
        Some(at) => Check::pass(
            Area::Backups,
            DoctorMsg::BackupFresh {
                at: local(at),
                copies: state.copies,
            },
        ),
    }
}

fn tls(config: &Config, checks: &mut Vec<Check>) {
    let security = &config.security;
    let Some(cert) = &security.tls_cert else {
        let loopback = config
            .bind
            .parse::<std::net::SocketAddr>()
            .map(|a| a.ip().is_loopback())
            .unwrap_or_else(|_| config.bind.starts_with("localhost:"));
        checks.push(if loopback {
            Check::pass(Area::Tls, DoctorMsg::TlsOff)
        } else {
            Check::warn(
                Area::Tls,
                DoctorMsg::TlsOffOnNetwork {
                    bind: config.bind.clone(),
                },
                DoctorMsg::FixTlsOff,
            )
        });
        return;
    };
    checks.push(match crate::startup::tls_config(security) {
        Ok(_) => Check::pass(
            Area::Tls,
            DoctorMsg::TlsOk {
                cert: cert.display().to_string(),
            },
        ),
        Err(e) => Check::fail(
            Area::Tls,
            DoctorMsg::TlsBroken {
                detail: e.to_string(),
            },
            DoctorMsg::FixTls,
        ),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
        kentai:x:998:997:kentai:/var/lib/kentai:/usr/sbin/nologin\n";
    const GROUP: &str = "root:x:0:\ndialout:x:20:kentai\nplugdev:x:46:alice,kentai\n\
        kentai:x:997:\nvideo:x:44:alice\n";

    #[test]
    fn the_service_user_is_read_with_its_groups_from_passwd_and_group() {
        let kentai = Account::from_files("kentai", PASSWD, GROUP).unwrap();
        assert_eq!(kentai.uid, 998);
        assert_eq!(kentai.gids, vec![997, 20, 46]);
        assert_eq!(Account::from_files("bob", PASSWD, GROUP), None);
    }

    #[test]
    fn a_node_is_openable_by_owner_group_or_other_bits_as_the_kernel_decides() {
        let kentai = Account::from_files("kentai", PASSWD, GROUP).unwrap();
        // A tty in dialout, 0660: through the group.
        assert!(kentai.may_read_write(0o20660, 0, 20));
        // A USB node root:root 0664 (no rule): read-only for others.
        assert!(!kentai.may_read_write(0o20664, 0, 0));
        // The rule's kentai group, 0660.
        assert!(kentai.may_read_write(0o20660, 0, 997));
        // Owner bits decide for the owner, even when others may.
        assert!(!kentai.may_read_write(0o20466, 998, 997));
        let root = Account {
            name: "root".into(),
            uid: 0,
            gids: vec![0],
        };
        assert!(root.may_read_write(0o20600, 5, 5));
    }

    #[test]
    fn the_clock_fails_only_when_it_is_more_than_five_minutes_before_the_last_scan() {
        let now = DateTime::parse_from_rfc3339("2026-12-08T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let show = |t: DateTime<Utc>| t.to_rfc3339();
        assert_eq!(clock_against(now, None, show).verdict, Verdict::Pass);
        let earlier = clock_against(now, Some(now - Duration::hours(1)), show);
        assert_eq!(earlier.verdict, Verdict::Pass);
        let slightly = clock_against(now, Some(now + Duration::seconds(300)), show);
        assert_eq!(slightly.verdict, Verdict::Pass);
        let behind = clock_against(now, Some(now + Duration::seconds(301)), show);
        assert_eq!(behind.verdict, Verdict::Fail);
        assert_eq!(behind.fix, Some(DoctorMsg::FixClock));
    }

    #[test]
    fn free_disk_fails_under_512_mib_or_2_percent_and_warns_under_2_gib_or_10_percent() {
        let gib = 1024 * 1024 * 1024;
        let verdict = |free: u64, total: u64| {
            disk_verdict(free, total, DoctorMsg::IntegrityOk, DoctorMsg::FixIntegrity).verdict
        };
        assert_eq!(verdict(100 * gib, 200 * gib), Verdict::Pass);
        assert_eq!(verdict(gib, 4 * gib), Verdict::Warn);
        assert_eq!(verdict(10 * gib, 200 * gib), Verdict::Warn);
        assert_eq!(verdict(gib / 4, 4 * gib), Verdict::Fail);
        assert_eq!(verdict(3 * gib, 200 * gib), Verdict::Fail);
        assert_eq!(verdict(0, 0), Verdict::Fail);
    }

    #[test]
    fn backups_warn_before_the_first_night_and_fail_when_missing_stale_or_failed() {
        let show = |t: DateTime<Utc>| t.to_rfc3339();
        let at = DateTime::parse_from_rfc3339("2026-12-07T18:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let state = |last_at: Option<DateTime<Utc>>, stale: bool, failed: bool| {
            backup_schedule::BackupState {
                dir: "/var/lib/kentai/backups".into(),
                last_at,
                last_bytes: last_at.map(|_| 4096),
                copies: usize::from(last_at.is_some()),
                stale,
                failed,
                problems: if failed {
                    vec!["disk full".into()]
                } else {
                    Vec::new()
                },
            }
        };
        let v = |s: backup_schedule::BackupState, specimens: bool| {
            backup_verdict(&s, specimens, 26.0, show).verdict
        };
        assert_eq!(v(state(None, true, false), false), Verdict::Warn);
        assert_eq!(v(state(None, true, false), true), Verdict::Fail);
        assert_eq!(v(state(Some(at), true, false), true), Verdict::Fail);
        assert_eq!(v(state(Some(at), false, false), true), Verdict::Pass);
        assert_eq!(v(state(Some(at), false, true), true), Verdict::Fail);
    }

    #[test]
    fn a_database_url_is_shown_without_its_password() {
        assert_eq!(
            redacted("postgres://kentai:s3cret@db.local:5432/kentai"),
            "postgres://kentai:***@db.local:5432/kentai"
        );
        assert_eq!(
            redacted("postgres://kentai@db/kentai"),
            "postgres://kentai@db/kentai"
        );
        assert_eq!(
            redacted("sqlite:///var/lib/kentai/kentai.db"),
            "sqlite:///var/lib/kentai/kentai.db"
        );
    }

    #[test]
    fn a_printer_is_reachable_while_something_listens_at_its_address() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        assert_eq!(reach(&address), Ok(()));
        drop(listener);
        assert!(reach(&address).is_err());
        assert!(reach("printer.invalid:9100").is_err());
    }

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }

    #[test]
    fn a_node_held_by_this_process_is_found_with_its_command_name() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let _held = std::fs::File::open(file.path()).unwrap();
        let found = holders(file.path());
        let me = std::process::id();
        assert!(found.iter().any(|(pid, _)| *pid == me), "{found:?}");
    }
}
