#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use std::collections::HashSet;

use super::*;
use crate::testing::SeqRandom;
use crate::testing::fixtures::{T0, user};

/// RFC 8628 §6.1: only the alphabet's characters; every one of them used,
/// and no collision among 100,000 fresh codes (the live codes at once are
/// far fewer; the store refuses a duplicate all the same).
#[test]
fn user_codes_use_the_alphabet_and_do_not_collide() {
    let random = SeqRandom::new(7);
    let mut seen = HashSet::new();
    let mut used = HashSet::new();
    for _ in 0..100_000 {
        let code = UserCode::generate(&random).unwrap();
        assert_eq!(code.0.len(), USER_CODE_LEN);
        assert!(code.0.bytes().all(|b| USER_CODE_ALPHABET.contains(&b)), "{}", code.0);
        used.extend(code.0.bytes());
        assert!(seen.insert(code.0), "a collision");
    }
    assert_eq!(used.len(), USER_CODE_ALPHABET.len(), "every character is drawn");
}

#[test]
fn typed_codes_ignore_case_dashes_and_spaces() {
    let code = UserCode::parse("WDJBMJHT").unwrap();
    assert_eq!(code.display(), "WDJB-MJHT");
    for typed in ["wdjb-mjht", "WDJB MJHT", " wdjb mjht ", "W-D-J-B-M-J-H-T"] {
        assert_eq!(UserCode::parse(typed).as_ref(), Some(&code), "{typed}");
        assert_eq!(UserCode::parse(typed).unwrap().digest(), code.digest(), "{typed}");
    }
    for typed in ["WDJB-MJH", "WDJB-MJHTT", "WDJB-MJH0", "AEIO-UWDJ", "WDJB_MJHT", "", &"-".repeat(100)] {
        assert!(UserCode::parse(typed).is_none(), "{typed}");
    }
    assert!(!format!("{code:?}").contains("WDJB"), "Debug hides the code");
}

fn pending(created: OffsetDateTime) -> DeviceAuthorization {
    let random = SeqRandom::new(1);
    DeviceAuthorization {
        device_code: DeviceCode::generate(&random).unwrap().digest(),
        user_code: UserCode::generate(&random).unwrap().digest(),
        client_id: ClientId::parse("client1").unwrap(),
        scopes: BTreeSet::new(),
        resources: BTreeSet::new(),
        decision: DeviceDecision::Pending,
        entered_by: None,
        interval: DEFAULT_POLL_INTERVAL,
        last_polled_at: None,
        created_at: created,
        expires_at: created + DEFAULT_DEVICE_CODE_LIFETIME,
    }
}

/// RFC 8628 §3.5: each `slow_down` adds 5 s for every later poll.
#[test]
fn polls_sooner_than_the_interval_slow_down_and_the_interval_grows() {
    let mut device = pending(T0);
    let mut poll = |at: i64| {
        let now = T0 + Duration::seconds(at);
        let verdict = device.judge_poll(now);
        if let PollVerdict::SlowDown(interval) = verdict {
            device.interval = interval;
        }
        device.last_polled_at = Some(now);
        verdict
    };
    assert_eq!(poll(0), PollVerdict::Pending);
    assert_eq!(poll(1), PollVerdict::SlowDown(Duration::seconds(10)));
    assert_eq!(poll(7), PollVerdict::SlowDown(Duration::seconds(15)));
    assert_eq!(poll(23), PollVerdict::Pending, "15 s after the last poll");
    assert_eq!(poll(38), PollVerdict::Pending);
}

#[test]
fn a_decision_is_answered_at_once_and_expiry_comes_first() {
    let mut device = pending(T0);
    device.last_polled_at = Some(T0);
    device.decision = DeviceDecision::Approved { user_id: user(1, "ada@example.com").id, auth_time: T0 };
    assert_eq!(device.judge_poll(T0 + Duration::seconds(1)), PollVerdict::Approved, "whatever the timing");
    device.decision = DeviceDecision::Denied;
    assert_eq!(device.judge_poll(T0 + Duration::seconds(1)), PollVerdict::Denied);
    let expiry = T0 + DEFAULT_DEVICE_CODE_LIFETIME;
    assert_eq!(device.judge_poll(expiry), PollVerdict::Expired);
    device.decision = DeviceDecision::Pending;
    assert_eq!(device.judge_poll(expiry - Duration::seconds(1)), PollVerdict::Pending);
}

/// However often a device polls too fast, it hears of an approval within
/// a minute.
#[test]
fn slow_down_raises_the_interval_to_a_minute_at_most() {
    let mut device = pending(T0);
    for n in 0..100 {
        let now = T0 + Duration::seconds(n);
        if let PollVerdict::SlowDown(interval) = device.judge_poll(now) {
            device.interval = interval;
        }
        device.last_polled_at = Some(now);
    }
    assert_eq!(device.interval, MAX_POLL_INTERVAL);
}

/// A source that never yields a usable byte is refused, not looped on.
#[test]
fn a_source_without_usable_bytes_is_refused() {
    struct Saturated;
    impl RandomSource for Saturated {
        fn fill(&self, dest: &mut [u8]) -> Result<(), RandomUnavailable> {
            dest.fill(255);
            Ok(())
        }
    }
    assert!(UserCode::generate(&Saturated).is_err());
}
