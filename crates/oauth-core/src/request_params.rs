//! The parameters of one request, decoded from a query or a form body: each
//! name holds exactly one value. RFC 6749 §3.1: "Request and response
//! parameters MUST NOT be included more than once", so a name sent twice,
//! known to us or not, refuses the whole request; the first value is never
//! quietly preferred to the last, or the other way round. The one exception
//! is `resource`, which RFC 8707 §2 lets a client repeat, one value per API.
//!
//! The HTTP adapter only decodes; this module is where the rule lives. Size is
//! bounded by the adapter (query and body limits), before decoding.

use std::collections::BTreeSet;

use crate::error::OAuthError;

/// A request's parameters, one value per name, in the order received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestParams(Vec<(String, String)>);

/// A request that sent some parameter more than once (RFC 6749 §3.1).
///
/// It keeps what was received, so that a caller that must still answer at a
/// place the request names (the authorization endpoint answers at a verified
/// redirect URI, RFC 6749 §4.1.2.1) can read the parameters that did not repeat.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} appears more than once", shown_name(name))]
pub struct RepeatedParameter {
    name: String,
    received: Vec<(String, String)>,
}

/// The names a request may repeat (RFC 8707 §2).
pub const REPEATABLE: &[&str] = &["resource"];

impl RequestParams {
    /// The decoded pairs of one request. Refused when any name but those in
    /// [`REPEATABLE`] appears more than once; the error names the first name
    /// seen a second time.
    pub fn parse(pairs: impl IntoIterator<Item = (String, String)>) -> Result<Self, RepeatedParameter> {
        let received: Vec<(String, String)> = pairs.into_iter().collect();
        let mut seen = BTreeSet::new();
        let repeated = received
            .iter()
            .find(|(name, _)| !REPEATABLE.contains(&name.as_str()) && !seen.insert(name.as_str()))
            .map(|(name, _)| name.clone());
        match repeated {
            Some(name) => Err(RepeatedParameter { name, received }),
            None => Ok(Self(received)),
        }
    }

    /// The value as sent, possibly empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// The value, `None` when absent or empty: RFC 6749 §3.1 treats a
    /// parameter sent without a value as omitted.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|value| !value.is_empty())
    }

    /// Every non-empty value of a repeatable parameter, in the order received.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Whether the request named the parameter at all, even with no value.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every pair, in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// Every pair, in the order received.
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.0
    }
}

impl RepeatedParameter {
    /// The first name that was sent a second time.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether `name` was sent more than once.
    pub fn is_repeated(&self, name: &str) -> bool {
        self.received.iter().filter(|(key, _)| key == name).nth(1).is_some()
    }

    /// The value of `name` when it was sent exactly once.
    pub fn sent_once(&self, name: &str) -> Option<&str> {
        let mut values = self.received.iter().filter(|(key, _)| key == name);
        match (values.next(), values.next()) {
            (Some((_, value)), None) => Some(value.as_str()),
            _ => None,
        }
    }

    /// Every pair as received, repeats included.
    pub fn received(&self) -> &[(String, String)] {
        &self.received
    }
}

/// The name as the refusal may quote it. Every parameter of OAuth and OpenID
/// Connect is a short lowercase word with underscores; any other name is the
/// caller's own text, which our pages and `error_description` (RFC 6749 §5.2
/// limits its characters) must not repeat, so it is not quoted.
fn shown_name(name: &str) -> &str {
    let parameter_shaped = (1..=40).contains(&name.len())
        && name.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_');
    if parameter_shaped { name } else { "a parameter" }
}

impl From<RepeatedParameter> for OAuthError {
    fn from(repeated: RepeatedParameter) -> Self {
        OAuthError::InvalidRequest(repeated.to_string().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<RequestParams, RepeatedParameter> {
        RequestParams::parse(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
    }

    #[test]
    fn single_values_are_kept_in_order() {
        let params = parse(&[("grant_type", "code"), ("scope", "a b"), ("empty", "")]).unwrap();
        assert_eq!(params.get("scope"), Some("a b"));
        assert_eq!(params.get("empty"), Some(""), "as sent");
        assert_eq!(params.value("empty"), None, "RFC 6749 §3.1: no value is omitted");
        assert!(params.contains("empty") && !params.contains("missing"));
        assert_eq!(params.value("missing"), None);
        let names: Vec<&str> = params.iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["grant_type", "scope", "empty"]);
    }

    /// (name, pairs, the name reported)
    type RepeatedRow<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

    #[test]
    fn any_repeated_name_is_refused() {
        let rows: &[RepeatedRow] = &[
            ("a known name", &[("grant_type", "a"), ("grant_type", "b")], "grant_type"),
            ("an unknown name", &[("x", "1"), ("token", "t"), ("x", "1")], "x"),
            ("the same value twice", &[("state", "s"), ("state", "s")], "state"),
            ("empty values", &[("nonce", ""), ("nonce", "")], "nonce"),
            ("the first to repeat", &[("a", "1"), ("b", "1"), ("b", "2"), ("a", "2")], "b"),
        ];
        for (case, pairs, name) in rows {
            let repeated = parse(pairs).expect_err(case);
            assert_eq!(repeated.name(), *name, "{case}");
            let error = OAuthError::from(repeated);
            assert_eq!(error.code(), "invalid_request", "{case}");
            assert_eq!(error.description(), format!("{name} appears more than once"), "{case}");
        }
    }

    #[test]
    fn resource_may_repeat_and_keeps_every_value() {
        let params = parse(&[
            ("resource", "https://a.example"),
            ("scope", "x"),
            ("resource", "https://b.example"),
            ("resource", ""),
        ])
        .expect("RFC 8707 §2: resource may be repeated");
        assert_eq!(params.values("resource").collect::<Vec<_>>(), ["https://a.example", "https://b.example"]);
        assert_eq!(params.values("missing").count(), 0);
        assert!(
            parse(&[("resource", "r"), ("scope", "a"), ("scope", "b")]).is_err(),
            "other names still may not"
        );
    }

    #[test]
    fn a_name_that_is_not_parameter_shaped_is_not_quoted() {
        for name in
            ["Call 555-0100: your account is locked", "\"quoted\"", "naïve", "UPPER", "", &"a".repeat(41)]
        {
            let error = OAuthError::from(parse(&[(name, "1"), (name, "2")]).unwrap_err());
            assert_eq!(error.description(), "a parameter appears more than once", "{name:?}");
        }
        let error = OAuthError::from(parse(&[("code_verifier2", "1"), ("code_verifier2", "2")]).unwrap_err());
        assert_eq!(error.description(), "code_verifier2 appears more than once");
    }

    #[test]
    fn a_refusal_keeps_what_was_received() {
        let repeated = parse(&[("client_id", "c"), ("scope", "a"), ("scope", "b")]).unwrap_err();
        assert!(repeated.is_repeated("scope") && !repeated.is_repeated("client_id"));
        assert_eq!(repeated.sent_once("client_id"), Some("c"));
        assert_eq!(repeated.sent_once("scope"), None, "neither value is preferred");
        assert_eq!(repeated.sent_once("missing"), None);
        assert_eq!(repeated.received().len(), 3);
    }
}
