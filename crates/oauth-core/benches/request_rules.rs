//! The pure checks on every authorization and token request: PKCE S256
//! verification, redirect-URI matching, client-secret verification. No
//! assertion on time: `cargo bench -p oauth-core` reports it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use oauth_core::client::ClientType;
use oauth_core::pkce::{CodeChallenge, CodeVerifier};
use oauth_core::redirect_uri::{RedirectUri, find_match};
use oauth_core::testing::fixtures::{self, T0};

/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn pkce(c: &mut Criterion) {
    let challenge = CodeChallenge::from_stored(CHALLENGE.into());
    let verifier = CodeVerifier::parse(VERIFIER).unwrap();
    c.bench_function("PKCE S256: verifier against stored challenge", |b| {
        b.iter(|| black_box(&challenge).is_satisfied_by(black_box(&verifier)));
    });
}

fn redirect_uris(c: &mut Criterion) {
    // The most a client may register (20); the match is the last one.
    let registered: Vec<RedirectUri> = (0..20)
        .map(|i| {
            RedirectUri::parse(&format!("https://app{i}.example.com/callback"), ClientType::Confidential)
        })
        .collect::<Result<_, _>>()
        .unwrap();
    let mut group = c.benchmark_group("redirect-URI matching");
    group.bench_function("exact match, 20 registered, last one", |b| {
        b.iter(|| {
            find_match(
                black_box(&registered),
                black_box("https://app19.example.com/callback"),
                ClientType::Confidential,
            )
        });
    });
    let loopback = [RedirectUri::parse("http://127.0.0.1/callback", ClientType::Public).unwrap()];
    group.bench_function("loopback, any port (RFC 8252 §7.3)", |b| {
        b.iter(|| {
            find_match(black_box(&loopback), black_box("http://127.0.0.1:51234/callback"), ClientType::Public)
        });
    });
    group.finish();
}

fn client_secrets(c: &mut Criterion) {
    let mut client = fixtures::client(1, "Billing", "s3cr3t-current");
    // During a rotation's grace both secrets are compared, every time.
    client.secrets.push(oauth_core::client::StoredSecret {
        digest: oauth_core::client::SecretDigest::of("s3cr3t-previous"),
        created_at: T0,
        expires_at: Some(T0 + time::Duration::days(1)),
    });
    c.bench_function("client secret: SHA-256 digest, constant-time, 2 secrets", |b| {
        b.iter(|| black_box(&client).secret_matches(black_box("s3cr3t-previous"), T0));
    });
}

criterion_group!(benches, pkce, redirect_uris, client_secrets);
criterion_main!(benches);
