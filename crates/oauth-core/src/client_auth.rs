//! Client authentication at the token endpoint (RFC 6749 §2.3, §3.2.1): what
//! the request presented, and the rules that decide which method it used.

use crate::client::AuthMethod;
use crate::error::OAuthError;

/// The credentials a token request carried, once its method is known.
#[derive(Clone, PartialEq, Eq)]
pub struct PresentedCredentials {
    /// The `client_id` as presented (untrusted).
    pub client_id: String,
    /// `None` for a public client (`none`).
    pub secret: Option<String>,
    /// The method the request used.
    pub method: AuthMethod,
    /// `private_key_jwt`: the signed assertion (RFC 7523 §2.2).
    pub assertion: Option<String>,
}

impl PresentedCredentials {
    /// A public client (`token_endpoint_auth_method` `none`): its id alone.
    pub fn public(client_id: impl Into<String>) -> Self {
        Self { client_id: client_id.into(), secret: None, method: AuthMethod::None, assertion: None }
    }

    /// RFC 7523 §2.2: a client assertion of type `assertion_type` for the
    /// client `client_id` (the `client_id` field, or else the assertion's
    /// own `sub`). One method per request (RFC 6749 §2.3): no secret beside
    /// it, and a `client_id` field must name the same client.
    pub fn asserted(
        client_id: Option<&str>,
        subject: Option<&str>,
        assertion_type: &str,
        assertion: &str,
        secret_sent: bool,
    ) -> Result<Self, OAuthError> {
        if secret_sent {
            return Err(OAuthError::InvalidRequest(
                "use one client authentication method: a client assertion or a secret, not both".into(),
            ));
        }
        if assertion_type != crate::client_assertion::JWT_BEARER_ASSERTION {
            return Err(OAuthError::InvalidClient("the client_assertion_type is not supported".into()));
        }
        let id = match (client_id, subject) {
            (Some(id), Some(sub)) if id != sub => {
                return Err(OAuthError::InvalidClient("client authentication failed".into()));
            }
            (Some(id), _) | (None, Some(id)) => id,
            (None, None) => return Err(OAuthError::InvalidClient("client authentication failed".into())),
        };
        Ok(Self {
            client_id: id.to_owned(),
            secret: None,
            method: AuthMethod::PrivateKeyJwt,
            assertion: Some(assertion.to_owned()),
        })
    }
}

impl std::fmt::Debug for PresentedCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PresentedCredentials")
            .field("client_id", &self.client_id)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

/// Decides the method from what arrived: `basic` is the decoded
/// `Authorization: Basic` pair, `body_id`/`body_secret` the form fields.
///
/// RFC 6749 §2.3: a client uses one method per request, so a secret in both
/// places is `invalid_request`; with Basic, a `client_id` in the body must
/// name the same client. No credentials at all is `invalid_client`.
pub fn identify(
    basic: Option<(String, String)>,
    body_id: Option<&str>,
    body_secret: Option<&str>,
) -> Result<PresentedCredentials, OAuthError> {
    match (basic, body_id, body_secret) {
        (Some(_), _, Some(_)) => Err(OAuthError::InvalidRequest(
            "use one client authentication method: Basic or client_secret in the body, not both".into(),
        )),
        (Some((id, _)), Some(body), None) if body != id => {
            Err(OAuthError::InvalidRequest("client_id in the body differs from the Basic credentials".into()))
        }
        (Some((id, secret)), _, None) => Ok(PresentedCredentials {
            client_id: id,
            secret: Some(secret),
            method: AuthMethod::ClientSecretBasic,
            assertion: None,
        }),
        (None, Some(id), Some(secret)) => Ok(PresentedCredentials {
            client_id: id.to_owned(),
            secret: Some(secret.to_owned()),
            method: AuthMethod::ClientSecretPost,
            assertion: None,
        }),
        (None, Some(id), None) => Ok(PresentedCredentials::public(id)),
        (None, None, _) => Err(OAuthError::InvalidClient("client authentication is required".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic() -> Option<(String, String)> {
        "c1:s".split_once(':').map(|(id, secret)| (id.to_owned(), secret.to_owned()))
    }

    #[test]
    fn one_method_per_request() {
        assert_eq!(identify(basic(), None, None).unwrap().method, AuthMethod::ClientSecretBasic);
        assert_eq!(identify(basic(), Some("c1"), None).unwrap().method, AuthMethod::ClientSecretBasic);
        assert_eq!(identify(None, Some("c1"), Some("s")).unwrap().method, AuthMethod::ClientSecretPost);
        assert_eq!(identify(None, Some("c1"), None).unwrap().method, AuthMethod::None);
        assert_eq!(identify(basic(), None, Some("s")).unwrap_err().code(), "invalid_request");
        assert_eq!(identify(basic(), Some("other"), None).unwrap_err().code(), "invalid_request");
        assert_eq!(identify(None, None, None).unwrap_err().code(), "invalid_client");
        assert_eq!(identify(None, None, Some("s")).unwrap_err().code(), "invalid_client");
        assert!(
            !format!("{:?}", identify(basic(), None, None).unwrap()).contains("\"s\""),
            "secret redacted"
        );
    }

    #[test]
    fn an_assertion_is_one_method_and_names_one_client() {
        let jwt = crate::client_assertion::JWT_BEARER_ASSERTION;
        let asserted = PresentedCredentials::asserted(None, Some("c1"), jwt, "a.b.c", false).unwrap();
        assert_eq!((asserted.client_id.as_str(), asserted.method), ("c1", AuthMethod::PrivateKeyJwt));
        assert_eq!(asserted.assertion.as_deref(), Some("a.b.c"));
        assert!(PresentedCredentials::asserted(Some("c1"), Some("c1"), jwt, "a.b.c", false).is_ok());
        let code = |result: Result<PresentedCredentials, OAuthError>| result.unwrap_err().code();
        assert_eq!(
            code(PresentedCredentials::asserted(Some("c1"), Some("c2"), jwt, "a.b.c", false)),
            "invalid_client"
        );
        assert_eq!(code(PresentedCredentials::asserted(None, None, jwt, "a.b.c", false)), "invalid_client");
        assert_eq!(
            code(PresentedCredentials::asserted(None, Some("c1"), "urn:other", "a.b.c", false)),
            "invalid_client"
        );
        assert_eq!(
            code(PresentedCredentials::asserted(None, Some("c1"), jwt, "a.b.c", true)),
            "invalid_request"
        );
    }
}
