//! The client rules: identifiers, secrets and the registration checks.

use time::Duration;

use super::*;
use crate::scope::ScopeCatalog;

#[test]
fn generated_ids_never_start_with_a_dash() {
    let random = crate::testing::SeqRandom::new(64);
    for _ in 0..2000 {
        assert!(!ClientId::generate(&random).unwrap().as_str().starts_with('-'));
    }
}
use crate::testing::{SeqRandom, fixtures::T0};

fn spec(client_type: &str) -> ClientSpec {
    ClientSpec {
        name: "Billing".into(),
        client_type: client_type.into(),
        redirect_uris: vec!["https://billing.example/cb".into()],
        scopes: vec!["openid".into(), "email".into()],
        ..ClientSpec::default()
    }
}

#[test]
fn ids_and_secrets_are_random_url_safe_and_long_enough() {
    let random = SeqRandom::new(3);
    let a = ClientId::generate(&random).unwrap();
    let b = ClientId::generate(&random).unwrap();
    assert_ne!(a, b);
    assert_eq!(a.as_str().len(), 22);
    assert_eq!(ClientId::parse(a.as_str()), Ok(a));
    let secret = ClientSecret::generate(&random).unwrap();
    assert_eq!(secret.expose().len(), 43, "256 bits in base64url");
    assert!(!format!("{secret:?}").contains(secret.expose()));
    for bad in ["", "has space", "slash/", &"x".repeat(65)] {
        assert_eq!(ClientId::parse(bad), Err(InvalidClientId), "{bad:?}");
    }
}

#[test]
fn expired_secrets_no_longer_match() {
    let secret = StoredSecret {
        digest: SecretDigest::of("old"),
        created_at: T0,
        expires_at: Some(T0 + Duration::hours(1)),
    };
    assert!(secret.is_valid_at(T0 + Duration::minutes(59)));
    assert!(!secret.is_valid_at(T0 + Duration::hours(1)));
}

#[test]
fn defaults_follow_the_client_type() {
    let catalog = ScopeCatalog::default();
    let confidential = spec("confidential").validate(&catalog).unwrap();
    assert_eq!(confidential.auth_method, AuthMethod::ClientSecretBasic);
    assert_eq!(confidential.grant_types, BTreeSet::from([GrantType::AuthorizationCode]));
    assert_eq!(confidential.id_token_alg, IdTokenAlg::Rs256);
    assert!(!confidential.skip_consent);
    let public = spec("public").validate(&catalog).unwrap();
    assert_eq!(public.auth_method, AuthMethod::None);
    let offline = ClientSpec { scopes: vec!["openid".into(), "offline_access".into()], ..spec("public") };
    assert!(offline.validate(&catalog).unwrap().grant_types.contains(&GrantType::RefreshToken));
}

#[test]
fn refusals_name_the_field() {
    type Change = fn(&mut ClientSpec);
    let catalog = ScopeCatalog::new([("api:read", "Read")]).unwrap();
    let rows: &[(&str, Change, &str)] = &[
        ("empty name", |s| s.name = " ".into(), "name"),
        ("unknown type", |s| s.client_type = "trusted".into(), "type"),
        (
            "public with secret method",
            |s| {
                s.client_type = "public".into();
                s.auth_method = Some("client_secret_basic".into());
            },
            "auth_method",
        ),
        ("confidential with none", |s| s.auth_method = Some("none".into()), "auth_method"),
        ("unknown method", |s| s.auth_method = Some("tls_client_auth".into()), "auth_method"),
        ("private_key_jwt without keys", |s| s.auth_method = Some("private_key_jwt".into()), "jwks"),
        ("keys for a secret's client", |s| s.jwks = Some("{\"keys\": []}".into()), "jwks"),
        (
            "a key URL for a secret's client",
            |s| s.jwks_uri = Some("https://rp.example/jwks".into()),
            "jwks_uri",
        ),
        (
            "keys by value and by URL",
            |s| {
                s.auth_method = Some("private_key_jwt".into());
                s.jwks = Some("{\"keys\": []}".into());
                s.jwks_uri = Some("https://rp.example/jwks".into());
            },
            "jwks_uri",
        ),
        (
            "a key URL over plain http",
            |s| {
                s.auth_method = Some("private_key_jwt".into());
                s.jwks_uri = Some("http://rp.example/jwks".into());
            },
            "jwks_uri",
        ),
        ("unknown scope", |s| s.scopes.push("api:write".into()), "scope"),
        ("no scope", |s| s.scopes.clear(), "scope"),
        ("bad redirect", |s| s.redirect_uris = vec!["http://billing.example/cb".into()], "redirect_uri"),
        ("no redirect for code", |s| s.redirect_uris.clear(), "redirect_uri"),
        ("origin with path", |s| s.allowed_origins = vec!["https://billing.example/app".into()], "origin"),
        ("unknown grant", |s| s.grant_types = vec!["password".into()], "grant"),
        (
            "public client credentials",
            |s| {
                s.client_type = "public".into();
                s.grant_types = vec!["client_credentials".into()];
            },
            "grant",
        ),
        (
            "refresh without code",
            |s| {
                s.grant_types = vec!["refresh_token".into(), "client_credentials".into()];
            },
            "grant",
        ),
        ("unknown alg", |s| s.id_token_alg = Some("HS256".into()), "id_token_alg"),
    ];
    for (name, change, field) in rows {
        let mut candidate = spec("confidential");
        candidate.scopes.push("api:read".into());
        change(&mut candidate);
        let error = candidate.validate(&catalog).unwrap_err();
        assert_eq!(error.field, *field, "case {name}: {error}");
    }
}

#[test]
fn machine_client_needs_no_redirect_uri() {
    let catalog = ScopeCatalog::new([("api:read", "Read")]).unwrap();
    let machine = ClientSpec {
        redirect_uris: vec![],
        scopes: vec!["api:read".into()],
        grant_types: vec!["client_credentials".into()],
        ..spec("confidential")
    };
    assert!(machine.validate(&catalog).is_ok());
}

#[test]
fn metadata_round_trips_through_a_spec() {
    let catalog = ScopeCatalog::default();
    let metadata = spec("confidential").validate(&catalog).unwrap();
    assert_eq!(ClientSpec::from(&metadata).validate(&catalog).unwrap(), metadata);
}

#[test]
fn published_keys_round_trip_through_a_spec() {
    let catalog = ScopeCatalog::default();
    let signing = ClientSpec {
        auth_method: Some("private_key_jwt".into()),
        jwks_uri: Some("https://rp.example/jwks.json".into()),
        ..spec("confidential")
    };
    let metadata = signing.validate(&catalog).unwrap();
    let published = metadata.keys.as_ref().and_then(ClientKeys::published).map(JwksUri::as_str);
    assert_eq!(published, Some("https://rp.example/jwks.json"));
    assert_eq!(ClientSpec::from(&metadata).validate(&catalog).unwrap(), metadata);
}

/// RFC 8628 §3.4: `--grant device_code` names the URN; a device-only
/// client needs no redirect URI and may hold refresh tokens.
#[test]
fn a_device_client_needs_no_redirect_uri() {
    let catalog = ScopeCatalog::default();
    let device = ClientSpec {
        redirect_uris: vec![],
        grant_types: vec!["device_code".into(), "refresh_token".into()],
        scopes: vec!["openid".into(), "offline_access".into()],
        ..spec("public")
    };
    let metadata = device.validate(&catalog).unwrap();
    assert!(metadata.grant_types.contains(&GrantType::DeviceCode));
    assert_eq!(GrantType::DeviceCode.as_str(), "urn:ietf:params:oauth:grant-type:device_code");
    assert_eq!(ClientSpec::from(&metadata).validate(&catalog).unwrap(), metadata, "stored as the URN");
    let refresh_only = ClientSpec { grant_types: vec!["refresh_token".into()], ..device };
    assert_eq!(refresh_only.validate(&catalog).unwrap_err().field, "grant");
}
