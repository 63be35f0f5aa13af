//! Living under systemd (`Type=notify`, the package's `kentai.service`):
//! telling the service manager when kentai is ready to take scans and
//! requests, pinging its watchdog only while the database still answers,
//! and saying when it stops. Outside systemd (`NOTIFY_SOCKET` unset) every
//! call here does nothing.

use crate::store::Store;
use std::time::Duration;

/// Whether kentai's standard error goes to the systemd journal, which
/// stamps each line with its own time and shows no colours.
pub fn logs_to_journal() -> bool {
    std::env::var_os("JOURNAL_STREAM").is_some()
}

/// Whether a service manager listens for notifications.
pub fn supervised() -> bool {
    std::env::var_os("NOTIFY_SOCKET").is_some()
}

/// Startup is finished: the database is migrated, the listener bound and
/// the scanners opened.
pub fn ready(status: &str) {
    notify(&[
        sd_notify::NotifyState::Ready,
        sd_notify::NotifyState::Status(status),
    ]);
}

/// Shutdown has begun: systemd waits for the process instead of counting
/// it dead.
pub fn stopping() {
    notify(&[sd_notify::NotifyState::Stopping]);
}

fn notify(states: &[sd_notify::NotifyState]) {
    if !supervised() {
        return;
    }
    if let Err(e) = sd_notify::notify(false, states) {
        tracing::warn!(error = %e, "cannot notify the service manager");
    }
}

/// The watchdog interval the service manager asks for (`WatchdogSec=`):
/// `WATCHDOG_USEC`, for this process unless `WATCHDOG_PID` names another
/// (as `sd_watchdog_enabled(3)` reads them; an absent pid means this one).
fn watchdog_interval() -> Option<Duration> {
    interval_for(
        std::env::var("WATCHDOG_USEC").ok().as_deref(),
        std::env::var("WATCHDOG_PID").ok().as_deref(),
        std::process::id(),
    )
}

fn interval_for(usec: Option<&str>, pid: Option<&str>, me: u32) -> Option<Duration> {
    let usec: u64 = usec?.parse().ok().filter(|u| *u > 0)?;
    match pid.map(str::parse::<u32>) {
        None => Some(Duration::from_micros(usec)),
        Some(Ok(pid)) if pid == me => Some(Duration::from_micros(usec)),
        Some(_) => None,
    }
}

/// Pings the watchdog at half its interval, each time only after the
/// store answered a read and committed an empty write: a server whose
/// database or writer hangs stops pinging and is restarted by systemd
/// (`Restart=on-failure`), and so is one whose async runtime is stuck,
/// since the pings come from a task on it.
pub fn spawn_watchdog(store: Store) {
    let Some(interval) = watchdog_interval() else {
        return;
    };
    let every = interval / 2;
    tracing::info!(
        interval_ms = interval.as_millis() as u64,
        "service watchdog on"
    );
    actix_web::rt::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let store = store.clone();
            let answered = tokio::time::timeout(
                every,
                actix_web::rt::task::spawn_blocking(move || store.ping()),
            )
            .await;
            match answered {
                Ok(Ok(Ok(()))) => notify(&[sd_notify::NotifyState::Watchdog]),
                Ok(Ok(Err(e))) => {
                    tracing::error!(error = %e, "database does not answer; watchdog not pinged")
                }
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "database check failed; watchdog not pinged")
                }
                Err(_) => tracing::error!("database check timed out; watchdog not pinged"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watchdog_interval_is_this_processs_unless_another_pid_is_named() {
        let half_minute = Some(Duration::from_secs(30));
        assert_eq!(interval_for(Some("30000000"), None, 7), half_minute);
        assert_eq!(interval_for(Some("30000000"), Some("7"), 7), half_minute);
        assert_eq!(interval_for(Some("30000000"), Some("8"), 7), None);
        assert_eq!(interval_for(Some("30000000"), Some("x"), 7), None);
        assert_eq!(interval_for(Some("0"), None, 7), None);
        assert_eq!(interval_for(Some("soon"), None, 7), None);
        assert_eq!(interval_for(None, Some("7"), 7), None);
    }
}
