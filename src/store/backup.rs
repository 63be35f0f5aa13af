//! Online copies of a SQLite database (`kentai backup`) and putting one
//! back (`kentai restore`).
//!
//! The copy goes through SQLite's online backup API in a single step: it
//! reads one consistent snapshot (in WAL mode readers do not block the
//! server's writers, so the desks keep scanning), which a step-by-step
//! copy would not guarantee while another process writes. The copy is
//! written beside its destination as `PATH.partial`, checked with
//! `PRAGMA integrity_check`, made a self-contained file (rollback journal,
//! not WAL), synced, and only then renamed to `PATH`: a crash or a full
//! disk never leaves a file under the backup's name that is not a whole,
//! checked copy.
//!
//! Restoring copies the checked backup into the database through the same
//! API, so any connection still open on it sees either the old database or
//! the restored one, never a mixture.
//!
//! PostgreSQL has its own tools (`pg_dump`, base backups); these commands
//! refuse a PostgreSQL URL and say so.

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use thiserror::Error;

/// How long a copy waits for a writer's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Tables whose row counts a backup reports, so the person running it can
/// see at a glance that the copy holds the day's work.
const COUNTED: [&str; 5] = [
    "specimens",
    "storage_events",
    "results",
    "packages",
    "scans",
];

#[derive(Debug, Error)]
pub enum BackupError {
    #[error("{0} already exists; choose a new file name")]
    Exists(PathBuf),
    #[error("{0} does not exist")]
    Missing(PathBuf),
    #[error("{path} is not a kentai database: {reason}")]
    NotKentai { path: PathBuf, reason: String },
    #[error("{path} failed its integrity check: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error("{0} exists and holds data; pass --force to replace it (stop the server first)")]
    WouldReplace(PathBuf),
    #[error("the database stayed locked for {0:?}; try again")]
    Busy(Duration),
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl BackupError {
    /// True when the person asked for something that cannot be done (exit
    /// status 2), rather than the machine failing (1).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            BackupError::Exists(_)
                | BackupError::Missing(_)
                | BackupError::NotKentai { .. }
                | BackupError::Corrupt { .. }
                | BackupError::WouldReplace(_)
        )
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What a finished backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub pages: i64,
    /// Row counts of [`COUNTED`], in that order.
    pub rows: Vec<(&'static str, i64)>,
}

fn open(path: &Path, flags: OpenFlags) -> Result<Connection, BackupError> {
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Copies everything from `from` into `to` as one consistent snapshot.
fn copy(from: &Connection, to: &mut Connection) -> Result<(), BackupError> {
    let backup = Backup::new(from, to)?;
    let started = Instant::now();
    loop {
        // -1: every page in one step, under one read transaction.
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More | StepResult::Busy | StepResult::Locked => {
                if started.elapsed() > BUSY_TIMEOUT {
                    return Err(BackupError::Busy(BUSY_TIMEOUT));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            // A future SQLite result: treat it as a lock and retry.
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// `PRAGMA integrity_check` must answer exactly "ok".
fn check_integrity(conn: &Connection, path: &Path) -> Result<(), BackupError> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let lines: Vec<String> = stmt
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<Result<_, _>>()?;
    if lines == ["ok"] {
        Ok(())
    } else {
        Err(BackupError::Corrupt {
            path: path.to_path_buf(),
            detail: lines.join("; "),
        })
    }
}

/// A kentai database has diesel's migration table and the specimens table.
fn check_kentai(conn: &Connection, path: &Path) -> Result<(), BackupError> {
    let tables: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' \
         AND name IN ('__diesel_schema_migrations', 'specimens')",
        [],
        |row| row.get(0),
    )?;
    if tables == 2 {
        Ok(())
    } else {
        Err(BackupError::NotKentai {
            path: path.to_path_buf(),
            reason: "no specimens or migrations table".into(),
        })
    }
}

fn row_counts(conn: &Connection) -> Result<Vec<(&'static str, i64)>, BackupError> {
    COUNTED
        .iter()
        .map(|table| {
            let n = conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                row.get(0)
            })?;
            Ok((*table, n))
        })
        .collect()
}

/// Flushes a file's data, then its directory entry (the rename).
fn sync(path: &Path) -> Result<(), BackupError> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(path))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)
            .and_then(|f| f.sync_all())
            .map_err(io(dir))?;
    }
    Ok(())
}

fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Copies the database at `source` into a new file `dest` while the
/// server may be running.
pub fn backup(source: &Path, dest: &Path) -> Result<BackupReport, BackupError> {
    if !source.is_file() {
        return Err(BackupError::Missing(source.to_path_buf()));
    }
    if dest.exists() {
        return Err(BackupError::Exists(dest.to_path_buf()));
    }
    let from = open(
        source,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    check_kentai(&from, source)?;
    let partial = partial_path(dest);
    // A leftover from an interrupted backup is never a backup.
    match fs::remove_file(&partial) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(&partial)(e)),
    }
    let result = (|| {
        let mut to = open(
            &partial,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        copy(&from, &mut to)?;
        // One file, readable without its -wal: a backup gets copied around.
        to.pragma_update(None, "journal_mode", "DELETE")?;
        check_integrity(&to, dest)?;
        let pages: i64 = to.query_row("PRAGMA page_count", [], |row| row.get(0))?;
        let rows = row_counts(&to)?;
        to.close().map_err(|(_, e)| BackupError::Sqlite(e))?;
        sync(&partial)?;
        Ok::<_, BackupError>((pages, rows))
    })();
    let (pages, rows) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = fs::remove_file(&partial);
            return Err(e);
        }
    };
    fs::rename(&partial, dest).map_err(io(dest))?;
    sync(dest)?;
    let bytes = fs::metadata(dest).map_err(io(dest))?.len();
    Ok(BackupReport {
        path: dest.to_path_buf(),
        bytes,
        pages,
        rows,
    })
}

/// Puts the backup at `from` in place of the database at `target`. A
/// database that already holds specimens is replaced only with `force`.
/// The caller migrates the result up to this version of kentai.
pub fn restore(from: &Path, target: &Path, force: bool) -> Result<BackupReport, BackupError> {
    if !from.is_file() {
        return Err(BackupError::Missing(from.to_path_buf()));
    }
    let source = open(
        from,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    check_kentai(&source, from)?;
    check_integrity(&source, from)?;
    if target.exists() && !force {
        let existing = open(
            target,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let holds_data = check_kentai(&existing, target).is_ok()
            && existing.query_row("SELECT EXISTS (SELECT 1 FROM specimens)", [], |row| {
                row.get::<_, bool>(0)
            })?;
        if holds_data {
            return Err(BackupError::WouldReplace(target.to_path_buf()));
        }
    }
    let mut to = open(
        target,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    copy(&source, &mut to)?;
    check_integrity(&to, target)?;
    let pages: i64 = to.query_row("PRAGMA page_count", [], |row| row.get(0))?;
    let rows = row_counts(&to)?;
    to.close().map_err(|(_, e)| BackupError::Sqlite(e))?;
    sync(target)?;
    let bytes = fs::metadata(target).map_err(io(target))?.len();
    Ok(BackupReport {
        path: target.to_path_buf(),
        bytes,
        pages,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kentai_like(path: &Path, specimens: usize) {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE __diesel_schema_migrations (version TEXT PRIMARY KEY);
             CREATE TABLE specimens (id TEXT PRIMARY KEY);
             CREATE TABLE storage_events (id INTEGER PRIMARY KEY);
             CREATE TABLE results (id INTEGER PRIMARY KEY);
             CREATE TABLE packages (id TEXT PRIMARY KEY);
             CREATE TABLE scans (id INTEGER PRIMARY KEY);",
        )
        .unwrap();
        for i in 0..specimens {
            conn.execute("INSERT INTO specimens (id) VALUES (?1)", [format!("S-{i}")])
                .unwrap();
        }
    }

    #[test]
    fn a_backup_is_a_checked_self_contained_copy_under_its_final_name_only() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("kentai.db");
        kentai_like(&db, 3);
        let dest = dir.path().join("copy.db");
        let report = backup(&db, &dest).unwrap();
        assert_eq!(report.rows[0], ("specimens", 3));
        assert!(report.bytes > 0);
        assert!(!partial_path(&dest).exists());
        let copy = Connection::open(&dest).unwrap();
        let mode: String = copy
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
        // A second backup never overwrites the first.
        assert!(matches!(
            backup(&db, &dest),
            Err(BackupError::Exists(p)) if p == dest
        ));
    }

    #[test]
    fn a_file_that_is_not_a_kentai_database_is_neither_backed_up_nor_restored() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let err = backup(&other, &dir.path().join("b.db")).unwrap_err();
        assert!(matches!(err, BackupError::NotKentai { .. }), "{err}");
        assert!(err.is_bad_input());
        let err = restore(&other, &dir.path().join("t.db"), false).unwrap_err();
        assert!(matches!(err, BackupError::NotKentai { .. }), "{err}");
        let err = backup(&dir.path().join("absent.db"), &dir.path().join("b.db")).unwrap_err();
        assert!(matches!(err, BackupError::Missing(_)), "{err}");
    }

    #[test]
    fn restoring_over_a_database_with_specimens_needs_force() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("kentai.db");
        kentai_like(&db, 2);
        let saved = dir.path().join("saved.db");
        backup(&db, &saved).unwrap();
        // The live database moves on after the backup.
        Connection::open(&db)
            .unwrap()
            .execute("INSERT INTO specimens (id) VALUES ('LATER')", [])
            .unwrap();
        let err = restore(&saved, &db, false).unwrap_err();
        assert!(matches!(err, BackupError::WouldReplace(_)), "{err}");
        let report = restore(&saved, &db, true).unwrap();
        assert_eq!(report.rows[0], ("specimens", 2));
        // A new, empty place needs no force.
        let fresh = dir.path().join("fresh.db");
        assert_eq!(restore(&saved, &fresh, false).unwrap().rows[0].1, 2);
    }

    #[test]
    fn a_damaged_backup_is_refused_and_the_database_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("kentai.db");
        kentai_like(&db, 50);
        let saved = dir.path().join("saved.db");
        backup(&db, &saved).unwrap();
        // Overwrite the tables' pages (all but the schema's) with garbage.
        let mut bytes = fs::read(&saved).unwrap();
        let page = 4096;
        for b in &mut bytes[page..] {
            *b = 0xA5;
        }
        fs::write(&saved, &bytes).unwrap();
        let target = dir.path().join("target.db");
        kentai_like(&target, 1);
        let err = restore(&saved, &target, true).unwrap_err();
        assert!(
            matches!(
                err,
                BackupError::Corrupt { .. }
                    | BackupError::Sqlite(_)
                    | BackupError::NotKentai { .. }
            ),
            "{err}"
        );
        let n: i64 = Connection::open(&target)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM specimens", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }
}
