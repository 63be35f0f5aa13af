//! The daily backups a clinic does not have to think about: where
//! `kentai backup --scheduled` (run by the package's `kentai-backup.timer`)
//! puts each copy, which older copies it keeps (the newest of each of the
//! last `keep_daily` days and of the last `keep_weekly` ISO weeks that
//! have one), and what the last run left for the admin page and
//! `kentai doctor` to read (`status.json` in the same folder).
//!
//! Only files named as this module names them are ever deleted, so a copy
//! an administrator puts in the folder by hand stays.

use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

const PREFIX: &str = "kentai-";
const SUFFIX: &str = ".db";
const STAMP: &str = "%Y%m%dT%H%M%SZ";
/// What the last scheduled run did, beside the copies.
pub const STATUS_FILE: &str = "status.json";

/// The file name of a scheduled backup taken at `at`.
pub fn file_name(at: DateTime<Utc>) -> String {
    format!("{PREFIX}{}{SUFFIX}", at.format(STAMP))
}

/// When a scheduled backup named `name` was taken; `None` for any other
/// file.
pub fn taken_at(name: &str) -> Option<DateTime<Utc>> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    NaiveDateTime::parse_from_str(stamp, STAMP)
        .ok()
        .map(|t| t.and_utc())
}

/// One scheduled backup in the folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupFile {
    pub path: PathBuf,
    pub taken_at: DateTime<Utc>,
    pub bytes: u64,
}

/// The scheduled backups in `dir`, newest first; a folder that does not
/// exist holds none.
pub fn list(dir: &Path) -> std::io::Result<Vec<BackupFile>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Some(taken_at) = entry.file_name().to_str().and_then(taken_at) else {
            continue;
        };
        let meta = entry.metadata()?;
        if meta.is_file() {
            files.push(BackupFile {
                path: entry.path(),
                taken_at,
                bytes: meta.len(),
            });
        }
    }
    files.sort_by_key(|f| std::cmp::Reverse(f.taken_at));
    Ok(files)
}

/// How many copies to keep (`[backup]` keep_daily, keep_weekly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub daily: usize,
    pub weekly: usize,
}

/// The copies `retention` lets go, given every copy in the folder. Days
/// and weeks are the site's (`tz`), since "yesterday's backup" is the
/// clinic's yesterday. The newest copy is always kept.
pub fn to_prune(files: &[BackupFile], retention: Retention, tz: Tz) -> Vec<PathBuf> {
    let mut newest_first: Vec<&BackupFile> = files.iter().collect();
    newest_first.sort_by_key(|f| std::cmp::Reverse(f.taken_at));
    let mut keep: HashSet<&Path> = HashSet::new();
    if let Some(newest) = newest_first.first() {
        keep.insert(&newest.path);
    }
    let mut days = Vec::new();
    let mut weeks = Vec::new();
    for file in &newest_first {
        let local = tz.from_utc_datetime(&file.taken_at.naive_utc());
        let day = local.date_naive();
        if !days.contains(&day) && days.len() < retention.daily {
            days.push(day);
            keep.insert(&file.path);
        }
        let week = local.iso_week();
        if !weeks.contains(&week) && weeks.len() < retention.weekly {
            weeks.push(week);
            keep.insert(&file.path);
        }
    }
    newest_first
        .into_iter()
        .filter(|f| !keep.contains(f.path.as_path()))
        .map(|f| f.path.clone())
        .collect()
}

/// What the last scheduled run left in [`STATUS_FILE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastRun {
    pub at: DateTime<Utc>,
    pub ok: bool,
    /// The new copy, when one was written.
    pub file: Option<String>,
    /// What went wrong, in the words of the run's log.
    pub problems: Vec<String>,
    pub pruned: usize,
}

pub fn write_status(dir: &Path, run: &LastRun) -> std::io::Result<()> {
    let body = serde_json::to_vec_pretty(run).map_err(std::io::Error::other)?;
    let partial = dir.join(format!("{STATUS_FILE}.partial"));
    std::fs::write(&partial, body)?;
    std::fs::rename(&partial, dir.join(STATUS_FILE))
}

/// The last run's record; `None` when there was none or it cannot be read.
pub fn read_status(dir: &Path) -> Option<LastRun> {
    let body = std::fs::read(dir.join(STATUS_FILE)).ok()?;
    serde_json::from_slice(&body).ok()
}

/// What the admin page and `kentai doctor` say about backups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BackupState {
    pub dir: String,
    /// The newest scheduled copy's time and size.
    pub last_at: Option<DateTime<Utc>>,
    pub last_bytes: Option<u64>,
    pub copies: usize,
    /// Whether the newest copy is older than `[backup] warn_after_hours`
    /// (or there is none).
    pub stale: bool,
    /// The last scheduled run failed (its problems are in `problems`).
    pub failed: bool,
    pub problems: Vec<String>,
}

pub fn state(
    dir: &Path,
    warn_after_hours: f64,
    now: DateTime<Utc>,
) -> std::io::Result<BackupState> {
    let files = list(dir)?;
    let last = files.first();
    let stale = match last {
        None => true,
        Some(f) => (now - f.taken_at).num_seconds() as f64 > warn_after_hours * 3600.0,
    };
    let run = read_status(dir);
    let failed = run.as_ref().is_some_and(|r| !r.ok);
    Ok(BackupState {
        dir: std::path::absolute(dir)
            .unwrap_or_else(|_| dir.to_path_buf())
            .display()
            .to_string(),
        last_at: last.map(|f| f.taken_at),
        last_bytes: last.map(|f| f.bytes),
        copies: files.len(),
        stale,
        failed,
        problems: run
            .filter(|r| !r.ok)
            .map(|r| r.problems)
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn copies(times: &[DateTime<Utc>]) -> Vec<BackupFile> {
        times
            .iter()
            .map(|t| BackupFile {
                path: PathBuf::from(file_name(*t)),
                taken_at: *t,
                bytes: 1,
            })
            .collect()
    }

    fn names(paths: Vec<PathBuf>) -> Vec<String> {
        let mut names: Vec<String> = paths.into_iter().map(|p| p.display().to_string()).collect();
        names.sort();
        names
    }

    #[test]
    fn a_scheduled_name_reads_back_as_its_time_and_other_files_are_not_backups() {
        let t = at("2026-12-07T18:30:05Z");
        assert_eq!(file_name(t), "kentai-20261207T183005Z.db");
        assert_eq!(taken_at(&file_name(t)), Some(t));
        for other in [
            "kentai.db",
            "kentai-20261207T183005Z.db.partial",
            "before-upgrade.db",
            "kentai-2026-12-07.db",
            "status.json",
        ] {
            assert_eq!(taken_at(other), None, "{other}");
        }
    }

    #[test]
    fn fourteen_daily_and_eight_weekly_copies_are_kept_from_a_hundred_nightly_ones() {
        let first = at("2026-08-30T18:30:00Z");
        let times: Vec<_> = (0..100).map(|d| first + Duration::days(d)).collect();
        let files = copies(&times);
        let pruned = to_prune(
            &files,
            Retention {
                daily: 14,
                weekly: 8,
            },
            chrono_tz::Asia::Tokyo,
        );
        let kept: Vec<_> = files
            .iter()
            .filter(|f| !pruned.contains(&f.path))
            .map(|f| f.taken_at)
            .collect();
        let tokyo = |t: &DateTime<Utc>| t.with_timezone(&chrono_tz::Asia::Tokyo);
        let recent_weeks: HashSet<_> = times[86..].iter().map(|t| tokyo(t).iso_week()).collect();
        // The last 14 nights, and the newest copy of each of the weeks
        // before them that make up eight weeks in all.
        assert_eq!(kept.len(), 14 + 8 - recent_weeks.len(), "{kept:?}");
        assert!(kept.contains(times.last().unwrap()));
        for t in &times[86..] {
            assert!(kept.contains(t), "{t} is within the last 14 days");
        }
        let older: Vec<_> = kept.iter().filter(|t| **t < times[86]).collect();
        // 03:30 Tokyo: the newest copy of an ISO week is its Sunday's.
        assert!(older
            .iter()
            .all(|t| tokyo(t).weekday() == chrono::Weekday::Sun));
    }

    #[test]
    fn days_are_the_sites_so_two_copies_either_side_of_utc_midnight_are_one_tokyo_day() {
        // 23:30 and 08:00 UTC on consecutive UTC days: both 7 December in
        // Tokyo (08:30 and 17:00).
        let files = copies(&[at("2026-12-06T23:30:00Z"), at("2026-12-07T08:00:00Z")]);
        let pruned = to_prune(
            &files,
            Retention {
                daily: 1,
                weekly: 0,
            },
            chrono_tz::Asia::Tokyo,
        );
        assert_eq!(names(pruned), vec![file_name(at("2026-12-06T23:30:00Z"))]);
        let pruned = to_prune(
            &files,
            Retention {
                daily: 1,
                weekly: 0,
            },
            chrono_tz::UTC,
        );
        assert_eq!(names(pruned), vec![file_name(at("2026-12-06T23:30:00Z"))]);
        let pruned = to_prune(
            &files,
            Retention {
                daily: 2,
                weekly: 0,
            },
            chrono_tz::UTC,
        );
        assert!(pruned.is_empty(), "two UTC days, two copies kept");
    }

    #[test]
    fn the_newest_copy_is_kept_even_when_retention_asks_for_none() {
        let files = copies(&[at("2026-12-06T18:30:00Z"), at("2026-12-05T18:30:00Z")]);
        let pruned = to_prune(
            &files,
            Retention {
                daily: 0,
                weekly: 0,
            },
            chrono_tz::Asia::Tokyo,
        );
        assert_eq!(names(pruned), vec![file_name(at("2026-12-05T18:30:00Z"))]);
    }

    #[test]
    fn the_state_is_stale_with_no_copy_or_an_old_one_and_says_when_the_last_run_failed() {
        let dir = tempfile::tempdir().unwrap();
        let now = at("2026-12-07T12:00:00Z");
        let none = state(dir.path(), 26.0, now).unwrap();
        assert!(none.stale && none.last_at.is_none() && !none.failed);
        let taken = at("2026-12-06T18:30:00Z");
        std::fs::write(dir.path().join(file_name(taken)), b"x").unwrap();
        std::fs::write(dir.path().join("by-hand.db"), b"x").unwrap();
        let fresh = state(dir.path(), 26.0, now).unwrap();
        assert_eq!(fresh.last_at, Some(taken));
        assert_eq!(fresh.copies, 1);
        assert!(!fresh.stale);
        assert!(
            state(dir.path(), 26.0, now + Duration::hours(9))
                .unwrap()
                .stale
        );
        write_status(
            dir.path(),
            &LastRun {
                at: now,
                ok: false,
                file: None,
                problems: vec!["disk full".into()],
                pruned: 0,
            },
        )
        .unwrap();
        let failed = state(dir.path(), 26.0, now).unwrap();
        assert!(failed.failed);
        assert_eq!(failed.problems, vec!["disk full".to_string()]);
    }
}
