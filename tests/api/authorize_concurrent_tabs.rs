//! Many tabs of one signed-in browser asking at once: each gets its consent
//! page, none a 500 (on SQLite a transaction that reads and then writes
//! cannot wait for the write lock, so the store must not use one here).

use reqwest::header::COOKIE;

use crate::support::browser::{Browser, COOKIE_NAME, authorize_query};
use crate::support::seed::seeded_app;

#[tokio::test]
async fn sixteen_tabs_of_one_session_each_get_their_consent_page() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let to_consent = browser.sign_in(&authorize_query(&seed, &[])).await;
    browser.consent_page(&to_consent).await;
    let cookie = format!("{COOKIE_NAME}={}", browser.cookie.clone().unwrap());

    let tabs = (0..16).map(|tab| {
        let state = format!("tab-{tab}");
        let url = format!(
            "{}/oauth/authorize?{}",
            app.address,
            authorize_query(&seed, &[("prompt", Some("consent")), ("state", Some(&state))])
        );
        let request = app.http.get(url).header(COOKIE, cookie.clone());
        async move { request.send().await.unwrap().status().as_u16() }
    });
    let statuses = futures_join(tabs).await;
    assert!(statuses.iter().all(|status| *status == 200), "every tab gets its page: {statuses:?}");
}

async fn futures_join<F: std::future::Future<Output = u16> + Send + 'static>(
    tasks: impl Iterator<Item = F>,
) -> Vec<u16> {
    let handles: Vec<_> = tasks.map(tokio::spawn).collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.unwrap());
    }
    statuses
}
