//! Failures for made-up client ids share one counter per address; past its
//! limit they are refused, but a client that proves its credentials is not.

use super::*;

fn made_up(n: u32) -> PresentedCredentials {
    PresentedCredentials::public(format!("junk{n}"))
}

#[tokio::test]
async fn made_up_ids_never_lock_out_a_client_with_its_credentials() {
    let h = harness().await;
    for n in 0..20 {
        let refused = h.service.token(&made_up(n), exchange("x", VERIFIER), "192.0.2.1").await;
        assert_eq!(error_code(refused), "invalid_client", "failure {n}");
    }
    let next = h.service.token(&made_up(20), exchange("x", VERIFIER), "192.0.2.1").await;
    assert_eq!(error_code(next), "throttled", "the 21st made-up id in a minute");
    let wrong = h.service.token(&basic("client1", "wrong"), exchange("x", VERIFIER), "192.0.2.1").await;
    assert_eq!(error_code(wrong), "throttled", "a failing known id reads like an unknown one");

    code(&h, "c-1", &["openid"]).await;
    let legit = h.service.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await;
    assert_eq!(error_code(legit), "granted", "the real client with its real secret");
}

#[tokio::test]
async fn a_refused_address_still_counts_wrong_secrets_against_the_client() {
    let h = harness().await;
    for n in 0..20 {
        let _ = h.service.token(&made_up(n), exchange("x", VERIFIER), "192.0.2.1").await;
    }
    for guess in 0..20 {
        let credentials = basic("client1", &format!("guess-{guess}"));
        let wrong = h.service.token(&credentials, exchange("x", VERIFIER), "192.0.2.1").await;
        assert_eq!(error_code(wrong), "throttled", "guess {guess}");
    }
    // Twenty wrong secrets locked the client itself at this address: the
    // right one is refused too, so the refusals gave away nothing.
    code(&h, "c-1", &["openid"]).await;
    let right = h.service.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await;
    assert_eq!(error_code(right), "throttled");
}
