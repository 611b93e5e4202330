//! Initial access tokens for dynamic registration, through the real binary
//! on SQLite and (when `TEST_DATABASE_URL` is set) PostgreSQL: created with
//! a number of uses and a lifetime and printed once; listed without their
//! value; stored as a digest; revoked; bad input refused with exit 2 and
//! nothing written.

use oauth_core::ports::RegistrationTokenRepository as _;
use oauth_core::registration_token::RegistrationTokenDigest;
use oauth_store_diesel::{DieselStore, PoolOptions};
use serde_json::Value;

use crate::support::binary::{Binary, databases, stderr, stdout};

fn run(binary: &Binary, url: &str, args: &[&str]) -> std::process::Output {
    binary.run(args, &[("AUTH_DATABASE_URL", url), ("AUTH_LOG_LEVEL", "warn")], "")
}

fn json_of(binary: &Binary, url: &str, args: &[&str]) -> Value {
    let output = run(binary, url, args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&output)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_list_revoke_on_both_backends_and_only_a_digest_is_kept() {
    for (backend, db) in databases("create_list_revoke_on_both_backends_and_only_a_digest_is_kept") {
        let (binary, url) = (Binary::new(), db.url_text());
        let created = json_of(
            &binary,
            &url,
            &["registration-tokens", "create", "--uses", "2", "--ttl", "1h", "--json"],
        );
        let token = created["token"].as_str().expect("the token, once").to_owned();
        assert_eq!(token.len(), 43, "{backend}: 256 bits, base64url");
        assert_eq!((created["uses_left"].as_u64(), created["state"].as_str()), (Some(2), Some("active")));
        let id = created["id"].as_str().unwrap().to_owned();

        let listed = json_of(&binary, &url, &["registration-tokens", "list", "--json"]);
        assert_eq!(listed[0]["id"], id.as_str(), "{backend}");
        assert!(listed[0].get("token").is_none(), "{backend}: never listed");
        assert!(!stdout(&run(&binary, &url, &["registration-tokens", "list"])).contains(&token));

        let store = DieselStore::open(db.url(), &PoolOptions::default()).unwrap();
        let stored = store.list().await.unwrap();
        assert_eq!(stored[0].digest, RegistrationTokenDigest::of(&token), "{backend}: its SHA-256");
        assert_ne!(stored[0].digest.to_hex(), token);
        assert!(
            store
                .spend(&RegistrationTokenDigest::of(&token), time::OffsetDateTime::UNIX_EPOCH)
                .await
                .unwrap()
                .is_some()
        );

        let revoked = json_of(&binary, &url, &["registration-tokens", "revoke", &id, "--json"]);
        assert_eq!(revoked["revoked"], id.as_str());
        let listed = json_of(&binary, &url, &["registration-tokens", "list", "--json"]);
        assert_eq!(
            (listed[0]["state"].as_str(), listed[0]["uses_left"].as_u64()),
            (Some("revoked"), Some(1))
        );
    }
}

#[test]
fn bad_input_is_refused_with_exit_2_and_writes_nothing() {
    let (binary, db) = (Binary::new(), oauth_store_diesel::testing::TestDatabase::sqlite());
    let url = db.url_text();
    for (args, field) in [
        (&["registration-tokens", "create", "--uses", "0"][..], "uses"),
        (&["registration-tokens", "create", "--uses", "10001"], "uses"),
        (&["registration-tokens", "create", "--ttl", "30s"], "ttl"),
        (&["registration-tokens", "create", "--ttl", "soon"], "ttl"),
        (&["registration-tokens", "revoke", "no-such-token"], "no-such-token"),
    ] {
        let output = run(&binary, &url, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr(&output).contains(field), "{args:?}: {}", stderr(&output));
    }
    assert_eq!(json_of(&binary, &url, &["registration-tokens", "list", "--json"]), Value::Array(Vec::new()));
}
