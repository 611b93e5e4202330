//! The flow as a browser walks it: codes, consent, `prompt` and `max_age`,
//! untrusted requests, and what the janitor may purge afterwards.

use super::*;

#[tokio::test]
async fn full_flow_issues_a_bound_code_and_remembers_consent() {
    let h = harness().await;
    let (cookie, next) = sign_in(&h, request(&[("nonce", "n-1")])).await;
    let Next::Consent { pending, client_id } = next else { panic!("first visit asks for consent") };
    let page = h.service.consent_page(Some(&cookie), &pending, client_id.as_str()).await.unwrap();
    assert!(page.scopes.iter().all(|s| s.is_new), "nothing granted yet");
    assert_eq!(page.user, "ada@example.com");
    let csrf = crate::session::csrf_token(&cookie);
    let response = h
        .service
        .decide(Some(&cookie), &csrf, &pending, client_id.as_str(), Decision::Approve)
        .await
        .unwrap();
    let code = code_of(response);
    let Consumed::Now(stored) = h.store.consume(&code.digest(), T0).await.unwrap() else { panic!("stored") };
    assert_eq!(stored.user_id, h.user.id);
    assert_eq!(stored.nonce.as_deref(), Some("n-1"));
    assert_eq!(stored.auth_time, T0);
    assert_eq!(stored.expires_at, T0 + Duration::seconds(60));
    assert_eq!(stored.code_challenge.unwrap().as_str(), CHALLENGE);

    // Same scopes again: no page, straight to a code.
    let again = h.service.begin(request(&[]), Some(&cookie), ADDRESS).await.unwrap();
    let AuthorizeOutcome::Redirect(response) = again.outcome else { panic!("consent remembered") };
    code_of(response);

    // A new scope: the consent page, marking only the new one.
    let wider =
        h.service.begin(request(&[("scope", "openid email offline_access")]), Some(&cookie), ADDRESS).await;
    let AuthorizeOutcome::Consent(page) = wider.unwrap().outcome else { panic!("new scope asks again") };
    let new: Vec<&str> = page.scopes.iter().filter(|s| s.is_new).map(|s| s.name.as_str()).collect();
    assert_eq!(new, ["offline_access"]);
}

#[tokio::test]
async fn the_consent_form_works_once_and_deny_is_access_denied() {
    let h = harness().await;
    let (cookie, next) = sign_in(&h, request(&[])).await;
    let Next::Consent { pending, client_id } = next else { panic!("consent") };
    let csrf = crate::session::csrf_token(&cookie);
    let denied = h.service.decide(Some(&cookie), &csrf, &pending, client_id.as_str(), Decision::Deny).await;
    let Ok(AuthorizationResponse::Error(error)) = denied else { panic!("deny redirects with an error") };
    assert_eq!(error.error.code(), "access_denied");
    assert_eq!(error.state.as_deref(), Some("s t&ate"));
    let replay =
        h.service.decide(Some(&cookie), &csrf, &pending, client_id.as_str(), Decision::Approve).await;
    assert!(matches!(replay, Err(PageError::StartAgain(_))), "the pending request was taken");
    assert!(h.store.granted(h.user.id, &client_id).await.unwrap().is_empty(), "nothing remembered");
}

#[tokio::test]
async fn prompt_none_never_shows_a_page() {
    let h = harness().await;
    let none = h.service.begin(request(&[("prompt", "none")]), None, ADDRESS).await.unwrap();
    assert_eq!(error_code(none.outcome), "login_required");
    assert!(none.new_session.is_none(), "no session for a silent request");
    let (cookie, _) = sign_in(&h, request(&[])).await;
    let none = h.service.begin(request(&[("prompt", "none")]), Some(&cookie), ADDRESS).await.unwrap();
    assert_eq!(error_code(none.outcome), "consent_required");
}

#[tokio::test]
async fn prompt_login_and_max_age_ask_for_a_new_login() {
    let h = harness().await;
    let (cookie, _) = sign_in(&h, request(&[("scope", "openid")])).await;
    h.store
        .grant(h.user.id, &fixtures::client(1, "Billing", "s").id, &BTreeSetExt::of(&["openid", "email"]), T0)
        .await
        .unwrap();
    h.clock.advance(Duration::seconds(100));
    let fresh_enough =
        h.service.begin(request(&[("max_age", "1000")]), Some(&cookie), ADDRESS).await.unwrap();
    let AuthorizeOutcome::Redirect(response) = fresh_enough.outcome else { panic!("within max_age") };
    let Consumed::Now(code) = h.store.consume(&code_of(response).digest(), T0).await.unwrap() else {
        panic!()
    };
    assert_eq!(code.auth_time, T0, "auth_time is the login, not the request");
    let too_old = h.service.begin(request(&[("max_age", "99")]), Some(&cookie), ADDRESS).await.unwrap();
    assert!(matches!(too_old.outcome, AuthorizeOutcome::Login(_)));
    let forced = h.service.begin(request(&[("prompt", "login")]), Some(&cookie), ADDRESS).await.unwrap();
    assert!(matches!(forced.outcome, AuthorizeOutcome::Login(_)));
}

#[tokio::test]
async fn untrusted_requests_never_redirect() {
    let h = harness().await;
    let unknown = h.service.begin(request(&[("client_id", "nobody")]), None, ADDRESS).await;
    assert!(matches!(unknown, Err(PageError::Untrusted(Untrusted::UnknownClient))));
    let altered =
        h.service.begin(request(&[("redirect_uri", "https://rp.example/cb/evil")]), None, ADDRESS).await;
    assert!(matches!(altered, Err(PageError::Untrusted(Untrusted::UnregisteredRedirectUri))));
}

#[tokio::test]
async fn purge_removes_what_expired() {
    let h = harness().await;
    let (cookie, next) = sign_in(&h, request(&[])).await;
    let Next::Consent { pending, client_id } = next else { panic!("consent") };
    let csrf = crate::session::csrf_token(&cookie);
    h.service.decide(Some(&cookie), &csrf, &pending, client_id.as_str(), Decision::Approve).await.unwrap();
    h.clock.advance(Duration::days(2));
    let retention = crate::service::retention::RetentionService::new(
        crate::service::retention::RetentionPorts::over(&h.store),
        h.clock.clone(),
    );
    assert!(retention.purge_sign_in_state(100).await.unwrap() >= 2, "the session and the code");
    assert_eq!(retention.purge_sign_in_state(100).await.unwrap(), 0);
}

#[tokio::test]
async fn the_consent_step_cannot_skip_a_login_the_request_demands() {
    let h = harness().await;
    let (cookie, _) = sign_in(&h, request(&[])).await;
    h.clock.advance(Duration::seconds(100));
    for extra in [("prompt", "login"), ("max_age", "10")] {
        let answer = h.service.begin(request(&[extra]), Some(&cookie), ADDRESS).await.unwrap();
        let AuthorizeOutcome::Login(page) = answer.outcome else { panic!("{extra:?}: the login page") };
        let handle = page.interaction.pending.clone();
        let csrf = crate::session::csrf_token(&cookie);
        // Straight to the consent step with the old login: refused.
        let page = h.service.consent_page(Some(&cookie), &handle, "client1").await;
        assert!(matches!(page, Err(PageError::StartAgain(_))), "{extra:?}: consent page");
        let decided = h.service.decide(Some(&cookie), &csrf, &handle, "client1", Decision::Approve).await;
        assert!(matches!(decided, Err(PageError::StartAgain(_))), "{extra:?}: decision");
    }
}
