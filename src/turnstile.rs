//! A first-come, first-served lock, for the places where the order of
//! arrival is the order of work: SQLite's single writer, and each
//! station's scans.
//!
//! `std::sync::Mutex` lets a thread that has just arrived take a freed lock
//! ahead of threads that have slept on it for a while. Under a steady stream
//! of registrations that barging decided who waited longest: some writes
//! were overtaken again and again, and the slowest percent took twice the
//! median. The turnstile hands the lock to the thread that has waited
//! longest, so waits grow with the queue ahead and nothing else.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, Thread};

/// The lock: at most one holder; the others in arrival order.
#[derive(Default)]
pub struct Turnstile {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    held: bool,
    waiting: VecDeque<Arc<Waiter>>,
}

/// A thread asleep in the queue, and whether the lock is now its.
struct Waiter {
    thread: Thread,
    admitted: AtomicBool,
}

/// Holding the turnstile; dropping it admits the next writer in line.
pub struct Turn<'a> {
    turnstile: &'a Turnstile,
}

impl Turnstile {
    /// Blocks until every writer that arrived earlier has passed.
    pub fn enter(&self) -> Turn<'_> {
        let waiter = {
            // The state is a flag and a queue, consistent after every
            // statement: a poisoned lock still holds a usable state.
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if !state.held {
                state.held = true;
                return Turn { turnstile: self };
            }
            let waiter = Arc::new(Waiter {
                thread: thread::current(),
                admitted: AtomicBool::new(false),
            });
            state.waiting.push_back(Arc::clone(&waiter));
            waiter
        };
        // `park` may return spuriously; only `admitted` says it is our turn.
        while !waiter.admitted.load(Ordering::Acquire) {
            thread::park();
        }
        Turn { turnstile: self }
    }

    /// How many writers are waiting for their turn.
    pub fn waiting(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .waiting
            .len()
    }

    fn leave(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match state.waiting.pop_front() {
            // The lock passes straight to the next in line (it stays held).
            Some(next) => {
                drop(state);
                next.admitted.store(true, Ordering::Release);
                next.thread.unpark();
            }
            None => state.held = false,
        }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.turnstile.leave();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn writers_pass_in_the_order_they_arrived() {
        let turnstile = Arc::new(Turnstile::default());
        let first = turnstile.enter();
        let (order_tx, order_rx) = mpsc::channel();
        let mut handles = Vec::new();
        for n in 0..8 {
            let shared = Arc::clone(&turnstile);
            let order_tx = order_tx.clone();
            handles.push(thread::spawn(move || {
                let _turn = shared.enter();
                order_tx.send(n).expect("send");
            }));
            // Each one is queued before the next arrives.
            while turnstile.waiting() < n + 1 {
                thread::sleep(Duration::from_millis(1));
            }
        }
        drop(first);
        for h in handles {
            h.join().expect("join");
        }
        let order: Vec<usize> = order_rx.try_iter().collect();
        assert_eq!(order, (0..8).collect::<Vec<_>>());
    }

    #[test]
    fn only_one_writer_holds_the_turnstile_at_a_time() {
        let turnstile = Arc::new(Turnstile::default());
        let inside = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let turnstile = Arc::clone(&turnstile);
                let inside = Arc::clone(&inside);
                thread::spawn(move || {
                    for _ in 0..500 {
                        let _turn = turnstile.enter();
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                        std::hint::spin_loop();
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("a writer saw another inside");
        }
        assert_eq!(turnstile.waiting(), 0);
        // Free again: the next writer enters at once.
        drop(turnstile.enter());
    }
}
