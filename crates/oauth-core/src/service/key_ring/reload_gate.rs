//! One reload at a time, waited for asynchronously, on any executor: a
//! minimal async lock of the standard library's parts, so the core needs no
//! runtime. The ring holds it only while it re-reads the keys, never while
//! it signs.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

/// Lets one holder through at a time; the others wait without blocking a thread.
#[derive(Debug, Default)]
pub(super) struct ReloadGate {
    state: Mutex<GateState>,
}

#[derive(Debug, Default)]
struct GateState {
    held: bool,
    waiting: Vec<Waker>,
}

impl ReloadGate {
    /// Resolves once the gate is ours; it is released when the pass drops.
    pub(super) fn enter(&self) -> Enter<'_> {
        Enter { gate: self }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The future of [`ReloadGate::enter`].
#[derive(Debug)]
pub(super) struct Enter<'a> {
    gate: &'a ReloadGate,
}

impl<'a> Future for Enter<'a> {
    type Output = Pass<'a>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Pass<'a>> {
        let mut state = self.gate.state();
        if state.held {
            // Every waiter is woken at release (below), so a waiter dropped
            // after its wake-up costs nobody theirs.
            state.waiting.push(cx.waker().clone());
            return Poll::Pending;
        }
        state.held = true;
        Poll::Ready(Pass { gate: self.gate })
    }
}

/// Holding the gate.
#[derive(Debug)]
pub(super) struct Pass<'a> {
    gate: &'a ReloadGate,
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        let waiting = {
            let mut state = self.gate.state();
            state.held = false;
            std::mem::take(&mut state.waiting)
        };
        for waker in waiting {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::ReloadGate;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn one_holder_at_a_time_and_every_waiter_gets_through() {
        let gate = Arc::new(ReloadGate::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let passed = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (gate, inside, passed) = (gate.clone(), inside.clone(), passed.clone());
                tokio::spawn(async move {
                    let _pass = gate.enter().await;
                    assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two holders at once");
                    tokio::task::yield_now().await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                    passed.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("no task panicked");
        }
        assert_eq!(passed.load(Ordering::SeqCst), 16);
    }

    #[tokio::test]
    async fn a_waiter_given_up_does_not_keep_the_gate() {
        let gate = ReloadGate::default();
        let pass = gate.enter().await;
        let given_up = tokio::time::timeout(std::time::Duration::from_millis(1), gate.enter()).await;
        assert!(given_up.is_err(), "held: the second waits");
        drop(pass);
        drop(gate.enter().await);
    }
}
