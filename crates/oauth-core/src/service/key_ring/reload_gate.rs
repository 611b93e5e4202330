//! One reload at a time, waited for asynchronously, on any executor: a
//! minimal async lock of the standard library's parts, so the core needs no
//! runtime. The ring holds it only while it re-reads the keys, never while
//! it signs.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

/// Lets one holder through at a time; the others wait without blocking a thread.
#[derive(Debug, Default)]
pub(super) struct ReloadGate {
    state: Mutex<GateState>,
}

/// Whether the gate is held, and one waker per waiting [`Enter`], by slot:
/// a waiter polled again replaces its own waker, and a waiter dropped takes
/// its waker out, so the list never holds more than the waiters alive.
#[derive(Debug, Default)]
struct GateState {
    held: bool,
    next_slot: u64,
    waiting: BTreeMap<u64, Waker>,
}

impl ReloadGate {
    /// Resolves once the gate is ours; it is released when the pass drops.
    pub(super) fn enter(&self) -> Enter<'_> {
        Enter { gate: self, slot: None }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The future of [`ReloadGate::enter`].
#[derive(Debug)]
pub(super) struct Enter<'a> {
    gate: &'a ReloadGate,
    /// Where this waiter's waker is kept while it waits.
    slot: Option<u64>,
}

impl<'a> Future for Enter<'a> {
    type Output = Pass<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Pass<'a>> {
        let gate = self.gate;
        let mut state = gate.state();
        if state.held {
            // Every waiter is woken at release (below), so a waiter dropped
            // after its wake-up costs nobody theirs.
            if let Some(waker) = self.slot.and_then(|slot| state.waiting.get_mut(&slot)) {
                waker.clone_from(cx.waker());
            } else {
                let slot = state.next_slot;
                state.next_slot += 1;
                state.waiting.insert(slot, cx.waker().clone());
                self.slot = Some(slot);
            }
            return Poll::Pending;
        }
        state.held = true;
        if let Some(slot) = self.slot.take() {
            state.waiting.remove(&slot);
        }
        Poll::Ready(Pass { gate })
    }
}

impl Drop for Enter<'_> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            self.gate.state().waiting.remove(&slot);
        }
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
        for waker in waiting.into_values() {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use std::future::Future as _;
    use std::task::{Context, Poll, Waker};

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
    async fn a_waiter_given_up_does_not_keep_the_gate_nor_its_waker() {
        let gate = ReloadGate::default();
        let pass = gate.enter().await;
        let mut given_up = Box::pin(gate.enter());
        let mut cx = Context::from_waker(Waker::noop());
        assert!(given_up.as_mut().poll(&mut cx).is_pending(), "held: the second waits");
        drop(given_up);
        assert_eq!(gate.state().waiting.len(), 0, "a dropped waiter leaves no waker behind");
        drop(pass);
        drop(gate.enter().await);
    }

    #[test]
    fn a_waiter_polled_again_keeps_one_waker() {
        let gate = ReloadGate::default();
        let mut cx = Context::from_waker(Waker::noop());
        let mut holder = Box::pin(gate.enter());
        let Poll::Ready(pass) = holder.as_mut().poll(&mut cx) else { panic!("the gate was free") };
        let mut waiter = Box::pin(gate.enter());
        for _ in 0..100 {
            assert!(waiter.as_mut().poll(&mut cx).is_pending());
        }
        assert_eq!(gate.state().waiting.len(), 1, "one waiter, one waker");
        drop(pass);
        assert!(waiter.as_mut().poll(&mut cx).is_ready(), "released: the waiter gets through");
        assert_eq!(gate.state().waiting.len(), 0);
    }
}
