//! Wrong tokens are rate-limited per client address and per token prefix,
//! and only the wrong ones are refused.
//!
//! A token is 256 random bits, so guessing one is hopeless; the limit is
//! there so that a script hammering kentai with bad tokens is told to stop
//! (429 `too_many_attempts` with `Retry-After`) without costing anyone
//! else anything. Many desks share one address behind a proxy or NAT, so
//! a limited address must not lock out the good tokens sent from it:
//!
//! - failures are counted per client address and per token prefix (the
//!   first characters of a token: enough to tell one token from another,
//!   far too few to reveal or guess it);
//! - a prefix over the limit (one mistyped or revoked token sent again and
//!   again, from anywhere) is refused before any lookup: that is the cheap
//!   case that carries the traffic of a stuck script;
//! - from an address over the limit (many different wrong tokens: a
//!   guesser) each token is still looked up, which is one query on a
//!   unique index; a valid one is served, a wrong one is 429 instead of
//!   401. Refusing unknown tokens there without a lookup would need a
//!   cache of recently valid tokens, which misses a desk's first request
//!   of the day; and an unknown session cookie already costs any client
//!   the same single lookup.
//!
//! Only *wrong* credentials count (a bearer token that matches no live
//! user, a sign-in form with a wrong token): an expired session or a
//! request without a token is a person, not a guess.
//!
//! Pure bookkeeping over an explicit `Instant`, so it is tested without
//! waiting.

use crate::tokens::TOKEN_PREFIX;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys remembered before stale windows are swept out.
const SWEEP_ABOVE: usize = 4096;

/// Characters of a token after `kt_` that name its prefix: 32 of its 256
/// bits, so tokens rarely share one and it says nothing useful about the
/// rest.
const PREFIX_CHARS: usize = 8;

/// The part of `token` its failures are counted under.
pub fn prefix_of(token: &str) -> String {
    let body = token.strip_prefix(TOKEN_PREFIX).unwrap_or(token);
    body.chars().take(PREFIX_CHARS).collect()
}

#[derive(Debug)]
struct Window {
    started: Instant,
    failures: u32,
}

/// Failure windows by key (an address, a prefix).
#[derive(Debug)]
struct Windows<K> {
    windows: Mutex<HashMap<K, Window>>,
}

impl<K: Eq + Hash> Windows<K> {
    fn new() -> Self {
        Windows {
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn blocked(&self, key: &K, limit: u32, window: Duration, now: Instant) -> Option<Duration> {
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let w = windows.get(key)?;
        let ends = w.started + window;
        (w.failures >= limit && now < ends).then(|| ends - now)
    }

    fn failed(&self, key: K, window: Duration, now: Instant) {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, w| now.saturating_duration_since(w.started) < window);
        }
        let w = windows.entry(key).or_insert(Window {
            started: now,
            failures: 0,
        });
        if now.saturating_duration_since(w.started) >= window {
            *w = Window {
                started: now,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.windows.lock().map(|w| w.len()).unwrap_or(0)
    }
}

/// Wrong-credential counts per client address and per token prefix.
#[derive(Debug)]
pub struct AuthLimiter {
    /// Wrong credentials allowed per window and key; 0 turns the limit off.
    limit: u32,
    window: Duration,
    addresses: Windows<IpAddr>,
    prefixes: Windows<String>,
}

impl AuthLimiter {
    pub fn new(limit: u32, window: Duration) -> AuthLimiter {
        AuthLimiter {
            limit,
            window,
            addresses: Windows::new(),
            prefixes: Windows::new(),
        }
    }

    /// `Some(wait)` when tokens with this prefix used up their wrong
    /// attempts in this window: refused before any lookup.
    pub fn blocked_prefix(&self, prefix: &str, now: Instant) -> Option<Duration> {
        if self.limit == 0 {
            return None;
        }
        self.prefixes
            .blocked(&prefix.to_string(), self.limit, self.window, now)
    }

    /// `Some(wait)` when `ip` used up its wrong attempts in this window:
    /// its wrong tokens are then 429, its valid ones still served.
    pub fn blocked_address(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        if self.limit == 0 {
            return None;
        }
        self.addresses.blocked(&ip, self.limit, self.window, now)
    }

    /// Counts one wrong credential from `ip` (when known) with `prefix`.
    pub fn failed(&self, ip: Option<IpAddr>, prefix: &str, now: Instant) {
        if self.limit == 0 {
            return;
        }
        if let Some(ip) = ip {
            self.addresses.failed(ip, self.window, now);
        }
        self.prefixes.failed(prefix.to_string(), self.window, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    #[test]
    fn an_address_is_limited_after_its_wrong_attempts_until_the_window_ends() {
        let limiter = AuthLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..3u8 {
            assert_eq!(limiter.blocked_address(ip(1), t0), None, "attempt {i}");
            let guess = format!("kt_{i}{}", "0".repeat(63));
            limiter.failed(
                Some(ip(1)),
                &prefix_of(&guess),
                t0 + Duration::from_secs(i.into()),
            );
        }
        let wait = limiter.blocked_address(ip(1), t0 + Duration::from_secs(10));
        assert_eq!(wait, Some(Duration::from_secs(50)));
        // Three different guesses: no single prefix is limited.
        assert_eq!(limiter.blocked_prefix("00000000", t0), None);
        // Another address is not affected.
        assert_eq!(
            limiter.blocked_address(ip(2), t0 + Duration::from_secs(10)),
            None
        );
        // A new window starts clean.
        assert_eq!(
            limiter.blocked_address(ip(1), t0 + Duration::from_secs(60)),
            None
        );
        limiter.failed(Some(ip(1)), "x", t0 + Duration::from_secs(61));
        assert_eq!(
            limiter.blocked_address(ip(1), t0 + Duration::from_secs(62)),
            None
        );
    }

    #[test]
    fn one_wrong_token_sent_again_and_again_limits_its_prefix_from_every_address() {
        let limiter = AuthLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        let stale = format!("kt_deadbeef{}", "1".repeat(56));
        for last in 1..=3 {
            limiter.failed(Some(ip(last)), &prefix_of(&stale), t0);
        }
        assert!(limiter.blocked_prefix(&prefix_of(&stale), t0).is_some());
        assert_eq!(limiter.blocked_address(ip(1), t0), None);
        let other = format!("kt_cafe0000{}", "1".repeat(56));
        assert_eq!(limiter.blocked_prefix(&prefix_of(&other), t0), None);
    }

    #[test]
    fn a_prefix_is_the_first_characters_after_kt_and_reveals_no_more() {
        let token = format!("kt_0123456789{}", "a".repeat(54));
        assert_eq!(prefix_of(&token), "01234567");
        assert_eq!(prefix_of("abc"), "abc");
        assert_eq!(prefix_of("ラベル1234567890"), "ラベル12345");
    }

    #[test]
    fn a_limit_of_zero_never_blocks() {
        let limiter = AuthLimiter::new(0, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..1000 {
            limiter.failed(Some(ip(1)), "p", t0);
        }
        assert_eq!(limiter.blocked_address(ip(1), t0), None);
        assert_eq!(limiter.blocked_prefix("p", t0), None);
    }

    #[test]
    fn stale_keys_are_swept_so_memory_stays_bounded() {
        let limiter = AuthLimiter::new(5, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..(SWEEP_ABOVE as u32 + 10) {
            limiter.failed(Some(IpAddr::from(i.to_be_bytes())), &i.to_string(), t0);
        }
        limiter.failed(Some(ip(9)), "9", t0 + Duration::from_secs(120));
        let (a, p) = (limiter.addresses.len(), limiter.prefixes.len());
        assert!(a <= 2 && p <= 2, "{a} addresses, {p} prefixes kept");
    }
}
