//! Wrong tokens are rate-limited per client address (issue 8).
//!
//! A token is 256 random bits, so guessing one is hopeless; the limit is
//! there so that a script hammering kentai with bad tokens costs it almost
//! nothing and is told to stop: after `limit` wrong tokens within a window
//! the address gets 429 `too_many_attempts` (with `Retry-After`) for the
//! rest of that window, before any database lookup. Other addresses are
//! untouched. Only *wrong* credentials count (a bearer token that matches
//! no live user, a sign-in form with a wrong token): an expired session or
//! a request without a token is a person, not a guess.
//!
//! Pure bookkeeping over an explicit `Instant`, so it is tested without
//! waiting.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses remembered before stale windows are swept out.
const SWEEP_ABOVE: usize = 4096;

#[derive(Debug)]
struct Window {
    started: Instant,
    failures: u32,
}

/// Wrong-credential counts per client address.
#[derive(Debug)]
pub struct AuthLimiter {
    /// Wrong credentials allowed per window; 0 turns the limit off.
    limit: u32,
    window: Duration,
    clients: Mutex<HashMap<IpAddr, Window>>,
}

impl AuthLimiter {
    pub fn new(limit: u32, window: Duration) -> AuthLimiter {
        AuthLimiter {
            limit,
            window,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(wait)` when `ip` used up its wrong attempts in this window.
    pub fn blocked(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        if self.limit == 0 {
            return None;
        }
        let clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        let w = clients.get(&ip)?;
        let ends = w.started + self.window;
        (w.failures >= self.limit && now < ends).then(|| ends - now)
    }

    /// Counts one wrong credential from `ip`.
    pub fn failed(&self, ip: IpAddr, now: Instant) {
        if self.limit == 0 {
            return;
        }
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if clients.len() > SWEEP_ABOVE {
            let window = self.window;
            clients.retain(|_, w| now.saturating_duration_since(w.started) < window);
        }
        let w = clients.entry(ip).or_insert(Window {
            started: now,
            failures: 0,
        });
        if now.saturating_duration_since(w.started) >= self.window {
            *w = Window {
                started: now,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    #[test]
    fn an_address_is_blocked_after_its_wrong_attempts_until_the_window_ends() {
        let limiter = AuthLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..3 {
            assert_eq!(limiter.blocked(ip(1), t0), None, "attempt {i}");
            limiter.failed(ip(1), t0 + Duration::from_secs(i));
        }
        let wait = limiter.blocked(ip(1), t0 + Duration::from_secs(10));
        assert_eq!(wait, Some(Duration::from_secs(50)));
        // Another address is not affected.
        assert_eq!(limiter.blocked(ip(2), t0 + Duration::from_secs(10)), None);
        // A new window starts clean.
        assert_eq!(limiter.blocked(ip(1), t0 + Duration::from_secs(60)), None);
        limiter.failed(ip(1), t0 + Duration::from_secs(61));
        assert_eq!(limiter.blocked(ip(1), t0 + Duration::from_secs(62)), None);
    }

    #[test]
    fn a_limit_of_zero_never_blocks() {
        let limiter = AuthLimiter::new(0, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..1000 {
            limiter.failed(ip(1), t0);
        }
        assert_eq!(limiter.blocked(ip(1), t0), None);
    }

    #[test]
    fn stale_addresses_are_swept_so_memory_stays_bounded() {
        let limiter = AuthLimiter::new(5, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..(SWEEP_ABOVE as u32 + 10) {
            limiter.failed(IpAddr::from(i.to_be_bytes()), t0);
        }
        limiter.failed(ip(9), t0 + Duration::from_secs(120));
        let n = limiter.clients.lock().map(|c| c.len()).unwrap_or(0);
        assert!(n <= 2, "{n} addresses kept");
    }
}
