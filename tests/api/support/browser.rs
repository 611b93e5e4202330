//! A scripted browser for the authorization flow: one cookie, forms read from
//! the pages, redirects inspected rather than followed.

use std::collections::HashMap;

use reqwest::Response;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

use crate::support::app::TestApp;
use crate::support::seed::{EMAIL, PASSWORD, REDIRECT_URI, Seed};
use crate::support::token::{exchange, token};

/// RFC 7636 Appendix B.
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const COOKIE_NAME: &str = "manumu_session";

/// The authorization request's query: a valid one, with `changes` applied
/// (`Some` replaces or adds, `None` removes).
pub fn authorize_query(seed: &Seed, changes: &[(&str, Option<&str>)]) -> String {
    let mut pairs: Vec<(String, String)> = [
        ("response_type", "code"),
        ("client_id", seed.client_id.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid email"),
        ("state", "st@te with spaces & symbols"),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (key, value) in changes {
        pairs.retain(|(k, _)| k != key);
        if let Some(value) = value {
            pairs.push(((*key).to_owned(), (*value).to_owned()));
        }
    }
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// One browser: remembers the session cookie the server sets.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookie: Option<String>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self { app, cookie: None }
    }

    fn remember(&mut self, response: &Response) {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            if let Some(secret) = pair.strip_prefix(&format!("{COOKIE_NAME}=")) {
                self.cookie = (!secret.is_empty()).then(|| secret.to_owned());
            }
        }
    }

    pub async fn get(&mut self, path_and_query: &str) -> Response {
        let mut request = self.app.http.get(format!("{}{path_and_query}", self.app.address));
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, format!("{COOKIE_NAME}={cookie}"));
        }
        let response = request.send().await.unwrap();
        self.remember(&response);
        response
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut request = self.app.http.post(format!("{}{path}", self.app.address)).form(fields);
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, format!("{COOKIE_NAME}={cookie}"));
        }
        let response = request.send().await.unwrap();
        self.remember(&response);
        response
    }

    /// `GET /oauth/authorize` with `seed`'s request, `changes` applied as in
    /// [`authorize_query`].
    pub async fn authorize(&mut self, seed: &Seed, changes: &[(&str, Option<&str>)]) -> Response {
        self.get(&format!("/oauth/authorize?{}", authorize_query(seed, changes))).await
    }

    /// `GET /oauth/authorize` with `query`; the login page's HTML.
    pub async fn login_page(&mut self, query: &str) -> String {
        let response = self.get(&format!("/oauth/authorize?{query}")).await;
        assert_eq!(response.status(), 200);
        let html = response.text().await.unwrap();
        assert!(html.contains(r#"name="password""#), "expected the login page: {html}");
        html
    }

    /// Submits the login form read from `html`.
    pub async fn submit_login(&mut self, html: &str, username: &str, password: &str) -> Response {
        let form = Form::read(html);
        self.post("/login", &form.submission(&[("username", username), ("password", password)])).await
    }

    /// Signs in from the login page; the 303 that follows.
    pub async fn sign_in(&mut self, query: &str) -> Response {
        let html = self.login_page(query).await;
        let response = self.submit_login(&html, EMAIL, PASSWORD).await;
        assert_eq!(response.status(), 303, "a successful login redirects with 303");
        response
    }

    /// Follows a 303 to our consent page and answers it.
    pub async fn decide(&mut self, to_consent: &Response, decision: &str) -> Response {
        let html = self.consent_page(to_consent).await;
        self.post("/consent", &Form::read(&html).submission(&[("decision", decision)])).await
    }

    /// The consent page a 303 leads to.
    pub async fn consent_page(&mut self, to_consent: &Response) -> String {
        let location = location(to_consent);
        assert!(location.starts_with("/consent?"), "expected the consent page, got {location}");
        let response = self.get(&location).await;
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    }

    /// Authorize, sign in and approve: the redirect to the client.
    pub async fn full_flow(&mut self, query: &str) -> Response {
        let to_consent = self.sign_in(query).await;
        self.decide(&to_consent, "approve").await
    }

    /// A new browser whose user has signed in and approved `seed`'s client
    /// for the default request, so that it holds a logged-in session.
    pub async fn approved(app: &'a TestApp, seed: &Seed) -> Self {
        let mut browser = Self::new(app);
        browser.full_flow(&authorize_query(seed, &[])).await;
        browser
    }
}

/// The hidden fields of a form on a page.
pub struct Form(HashMap<String, String>);

impl Form {
    pub fn read(html: &str) -> Self {
        let mut fields = HashMap::new();
        for input in html.split("<input").skip(1) {
            let tag = input.split('>').next().unwrap();
            let attribute = |name: &str| {
                tag.split(&format!(r#"{name}=""#))
                    .nth(1)
                    .map(|rest| rest.split('"').next().unwrap().to_owned())
            };
            if let (Some(name), Some(value)) = (attribute("name"), attribute("value")) {
                fields.insert(name, unescape(&value));
            }
        }
        Self(fields)
    }

    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    /// What submitting the form sends: the hidden fields the server checks
    /// (`csrf_token`, `request`, `client_id`), then `answers`. An answer named
    /// like a hidden field replaces it, as a tampered form would.
    pub fn submission<'f>(&'f self, answers: &[(&'f str, &'f str)]) -> Vec<(&'f str, &'f str)> {
        let hidden = ["csrf_token", "request", "client_id"];
        let answer = |name: &str| answers.iter().find(|(key, _)| *key == name).map(|(_, value)| *value);
        let mut fields: Vec<_> =
            hidden.iter().map(|&name| (name, answer(name).unwrap_or(self.get(name)))).collect();
        fields.extend(answers.iter().filter(|(key, _)| !hidden.contains(key)));
        fields
    }
}

/// What a browser makes of an attribute tera escaped.
fn unescape(value: &str) -> String {
    [("&#x2F;", "/"), ("&quot;", "\""), ("&#x27;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")]
        .iter()
        .fold(value.to_owned(), |text, (escaped, plain)| text.replace(escaped, plain))
}

pub fn location(response: &Response) -> String {
    response.headers().get(LOCATION).expect("a Location header").to_str().unwrap().to_owned()
}

/// The query parameters of a redirect to the client, which must start with `prefix`.
pub fn client_redirect(response: &Response, prefix: &str) -> HashMap<String, String> {
    let location = location(response);
    assert!(location.starts_with(prefix), "redirect to {location}, expected {prefix}");
    let url = url::Url::parse(&location).unwrap();
    url.query_pairs().into_owned().collect()
}

/// An RP-initiated logout query string.
pub fn logout_query(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// Signs in and exchanges the code: the browser holds a session, the client an ID token.
pub async fn signed_in<'a>(app: &'a TestApp, seed: &Seed) -> (Browser<'a>, String) {
    let mut browser = Browser::new(app);
    let answer = browser.full_flow(&authorize_query(seed, &[])).await;
    let code = client_redirect(&answer, REDIRECT_URI)["code"].clone();
    let tokens = token(app, &exchange(&seed.client_id, &code), None).await;
    (browser, tokens.field("id_token"))
}

/// Whether the session behind `cookie` is still live on the server (prompt=none answers with a code).
pub async fn session_is_live(app: &TestApp, seed: &Seed, cookie: &str) -> bool {
    let mut browser = Browser::new(app);
    browser.cookie = Some(cookie.to_owned());
    let answer = browser.authorize(seed, &[("prompt", Some("none"))]).await;
    client_redirect(&answer, REDIRECT_URI).contains_key("code")
}
