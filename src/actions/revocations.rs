//! Credentials taken back while a long-lived request still holds them.
//!
//! A station's event stream is authenticated once, when it opens, and then
//! carries patient numbers and tube ids for hours. Disabling a user,
//! replacing its token, revoking one of its API tokens or signing a
//! browser out must end such streams at once, whatever traffic they
//! carry: the actions that take a credential back announce it here after
//! their transaction commits, and every open stream listens. What this
//! process cannot hear (another server on the same PostgreSQL database, a
//! row edited by hand) the streams find by asking the database again now
//! and then.

use tokio::sync::broadcast;

/// Announcements kept for a listener that is busy; one that falls further
/// behind asks the database instead.
const BACKLOG: usize = 256;

/// A credential that no longer admits anyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// Every credential of this user: its token and its sessions.
    User(i64),
    /// One browser session, by the SHA-256 of its id.
    Session(String),
    /// One of a user's API tokens, by its SHA-256 (the user's other
    /// credentials go on).
    Token(String),
}

/// The process's announcements of revoked credentials.
#[derive(Debug, Clone)]
pub struct Revocations {
    sender: broadcast::Sender<Revoked>,
}

impl Default for Revocations {
    fn default() -> Self {
        Revocations {
            sender: broadcast::channel(BACKLOG).0,
        }
    }
}

impl Revocations {
    /// Announces that `user` may no longer use anything it holds.
    pub fn user(&self, user: i64) {
        // Nobody listening is no error: no stream is open.
        let _ = self.sender.send(Revoked::User(user));
    }

    /// Announces the end of the session whose id hashes to `id_hash`.
    pub fn session(&self, id_hash: &str) {
        let _ = self.sender.send(Revoked::Session(id_hash.to_string()));
    }

    /// Announces that the API token hashing to `hash` is revoked.
    pub fn token(&self, hash: &str) {
        let _ = self.sender.send(Revoked::Token(hash.to_string()));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Revoked> {
        self.sender.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listener_hears_each_revocation_announced_after_it_subscribed() {
        let revocations = Revocations::default();
        revocations.user(1);
        let mut listener = revocations.subscribe();
        revocations.user(7);
        revocations.session("abc");
        revocations.token("def");
        assert_eq!(listener.try_recv().ok(), Some(Revoked::User(7)));
        assert_eq!(
            listener.try_recv().ok(),
            Some(Revoked::Session("abc".into()))
        );
        assert_eq!(listener.try_recv().ok(), Some(Revoked::Token("def".into())));
        assert!(listener.try_recv().is_err());
    }
}
