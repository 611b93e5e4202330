//! A sign-in that the password hasher refuses for overload is a 503 page with
//! `Retry-After`: the user is asked to come back, the request does not wait.

use std::sync::Arc;

use actix_web::test::{self, TestRequest};
use actix_web::{App, web};
use oauth_core::ports::{
    ClientRepository, HashError, MockPasswordHasher, MockReadinessProbe, UserRepository,
};
use oauth_core::testing::{InMemoryStore, fixtures};

use crate::error::RETRY_AFTER_SECS;
use crate::state::testing::state_over;

/// The `value` of the hidden input `name` in a rendered form.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).map(|at| at + marker.len()).unwrap();
    page[start..].split('"').next().unwrap().to_owned()
}

#[actix_web::test]
async fn an_overloaded_hasher_answers_the_login_with_503_and_retry_after() {
    let store = Arc::new(InMemoryStore::default());
    ClientRepository::insert(store.as_ref(), &fixtures::client(1, "RP", "s3cret")).await.unwrap();
    UserRepository::insert(store.as_ref(), &fixtures::user(1, "ada@example.com")).await.unwrap();
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_verify().returning(|_, _| Err(HashError::Overloaded));
    let hasher = Arc::new(hasher);
    let state = state_over(Arc::new(MockReadinessProbe::new()), &store, |flow, _| flow.hasher = hasher);
    let app =
        test::init_service(App::new().app_data(web::Data::new(state)).configure(super::configure)).await;

    let authorize = TestRequest::get()
        .uri(
            "/oauth/authorize?response_type=code&client_id=client1&redirect_uri=https%3A%2F%2Frp.example%2Fcb\
             &scope=openid&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\
             &code_challenge_method=S256",
        )
        .to_request();
    let response = test::call_service(&app, authorize).await;
    assert_eq!(response.status().as_u16(), 200, "the login page");
    let cookie = response.response().cookies().next().unwrap().into_owned();
    let page = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();

    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("csrf_token", &hidden(&page, "csrf_token"))
        .append_pair("request", &hidden(&page, "request"))
        .append_pair("client_id", "client1")
        .append_pair("username", "ada@example.com")
        .append_pair("password", "any password")
        .finish();
    let login = TestRequest::post()
        .uri("/login")
        .cookie(cookie)
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(form)
        .to_request();
    let response = test::call_service(&app, login).await;

    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers().get("retry-after").unwrap(), RETRY_AFTER_SECS);
    let page = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    assert!(page.contains("try again in a few seconds"), "{page}");
}
