//! Client registry, through the real binary: create, show, rotate, disable,
//! apply, and refusals that name the field and write nothing; on SQLite and
//! (when `TEST_DATABASE_URL` is set) PostgreSQL.

use oauth_store_diesel::testing::TestDatabase;
use serde_json::Value;

use crate::support::binary::{Binary, create_client, databases, http_get, stderr, stdout};

/// Runs the binary against `db` and parses its JSON output; panics on failure.
fn json(binary: &Binary, url: &str, args: &[&str]) -> Value {
    let output = binary.run(args, &[("AUTH_DATABASE_URL", url), ("AUTH_LOG_LEVEL", "warn")], "");
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&output)))
}

#[test]
fn create_show_rotate_disable_round_trip_on_both_backends() {
    for (backend, db) in databases("create_show_rotate_disable_round_trip_on_both_backends") {
        let binary = Binary::new();
        let url = db.url_text();
        let created = json(
            &binary,
            &url,
            &create_client(
                "Billing",
                "confidential",
                "https://billing.example/cb",
                &[
                    "--redirect-uri",
                    "https://billing.example/cb2",
                    "--origin",
                    "https://billing.example",
                    "--scope",
                    "offline_access",
                    "--json",
                ],
            ),
        );
        let id = created["client_id"].as_str().unwrap().to_owned();
        let secret = created["client_secret"].as_str().unwrap().to_owned();
        assert_eq!(id.len(), 22, "{backend}: 128-bit base64url id");
        assert_eq!(secret.len(), 43, "{backend}: 256-bit base64url secret");
        assert_eq!(created["token_endpoint_auth_method"], "client_secret_basic", "{backend}");
        assert_eq!(
            created["grant_types"],
            serde_json::json!(["authorization_code", "refresh_token"]),
            "{backend}"
        );

        let shown = json(&binary, &url, &["clients", "show", &id, "--json"]);
        assert!(shown.get("client_secret").is_none(), "{backend}: the secret is shown only once");
        assert_eq!(shown["redirect_uris"], created["redirect_uris"], "{backend}");

        let rotated = json(&binary, &url, &["clients", "rotate-secret", &id, "--grace", "24h", "--json"]);
        let new_secret = rotated["client_secret"].as_str().unwrap();
        assert_ne!(new_secret, secret, "{backend}");
        let secrets = rotated["secrets"].as_array().unwrap();
        assert_eq!(secrets.len(), 2, "{backend}: current and previous during the grace");
        assert_eq!(secrets.iter().filter(|s| s["expires_at"].is_null()).count(), 1, "{backend}");

        let again = json(&binary, &url, &["clients", "rotate-secret", &id, "--json"]);
        assert_eq!(again["secrets"].as_array().unwrap().len(), 1, "{backend}: no grace, old secret gone");

        let disabled = json(&binary, &url, &["clients", "disable", &id, "--json"]);
        assert_eq!(disabled["disabled"], true, "{backend}");
        let listed = json(&binary, &url, &["clients", "list", "--json"]);
        assert_eq!(listed.as_array().unwrap().len(), 1, "{backend}");
        assert_eq!(listed[0]["disabled"], true, "{backend}");

        let public =
            json(&binary, &url, &create_client("Mobile", "public", "http://127.0.0.1/cb", &["--json"]));
        assert!(public.get("client_secret").is_none(), "{backend}: public clients have no secret");
        assert_eq!(public["token_endpoint_auth_method"], "none", "{backend}");
    }
}

#[test]
fn invalid_input_names_the_field_exits_2_and_writes_nothing() {
    let binary = Binary::new();
    let db = TestDatabase::sqlite();
    let url = db.url_text();
    json(&binary, &url, &create_client("Existing", "confidential", "https://rp.example/cb", &["--json"]));
    let base = ["clients", "create", "--name", "New", "--scope", "openid"];
    let rows: &[(&str, &[&str], &str)] = &[
        (
            "userinfo redirect",
            &["--type", "confidential", "--redirect-uri", "https://good.example@evil.example/cb"],
            "`redirect_uri`",
        ),
        (
            "http redirect",
            &["--type", "confidential", "--redirect-uri", "http://rp.example/cb"],
            "`redirect_uri`",
        ),
        (
            "fragment redirect",
            &["--type", "confidential", "--redirect-uri", "https://rp.example/cb#x"],
            "`redirect_uri`",
        ),
        (
            "unknown scope",
            &["--type", "confidential", "--redirect-uri", "https://rp.example/cb", "--scope", "api:nope"],
            "`scope`",
        ),
        (
            "unknown grant",
            &["--type", "confidential", "--redirect-uri", "https://rp.example/cb", "--grant", "password"],
            "`grant`",
        ),
        (
            "public client credentials",
            &["--type", "public", "--redirect-uri", "http://127.0.0.1/cb", "--grant", "client_credentials"],
            "`grant`",
        ),
        (
            "origin with path",
            &[
                "--type",
                "confidential",
                "--redirect-uri",
                "https://rp.example/cb",
                "--origin",
                "https://rp.example/app",
            ],
            "`origin`",
        ),
        (
            "type and method mismatch",
            &[
                "--type",
                "public",
                "--auth-method",
                "client_secret_post",
                "--redirect-uri",
                "http://127.0.0.1/cb",
            ],
            "`auth_method`",
        ),
        ("unknown type", &["--type", "trusted", "--redirect-uri", "https://rp.example/cb"], "`type`"),
    ];
    for (name, extra, field) in rows {
        let args: Vec<&str> = base.iter().chain(extra.iter()).copied().collect();
        let output = binary.run(&args, &[("AUTH_DATABASE_URL", url.as_str())], "");
        assert_eq!(output.status.code(), Some(2), "case {name}: {}", stderr(&output));
        assert!(stderr(&output).contains(field), "case {name}: {}", stderr(&output));
    }
    let listed = json(&binary, &url, &["clients", "list", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 1, "only the first client exists");
}

#[test]
fn duplicate_names_are_refused_regardless_of_case() {
    let binary = Binary::new();
    let db = TestDatabase::sqlite();
    let url = db.url_text();
    let args = create_client("Billing", "public", "http://127.0.0.1/cb", &[]);
    assert!(binary.run(&args, &[("AUTH_DATABASE_URL", url.as_str())], "").status.success());
    let mut again = args;
    again[3] = "BILLING";
    let duplicate = binary.run(&again, &[("AUTH_DATABASE_URL", url.as_str())], "");
    assert_eq!(duplicate.status.code(), Some(2), "{}", stderr(&duplicate));
    assert!(stderr(&duplicate).contains("`name`"), "{}", stderr(&duplicate));
    assert_eq!(json(&binary, &url, &["clients", "list", "--json"]).as_array().unwrap().len(), 1);
}

#[test]
fn a_refused_create_on_a_fresh_install_creates_no_database() {
    let binary = Binary::new();
    let output = binary.run(&create_client("X", "public", "javascript:alert(1)", &[]), &[], "");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!binary.path("data").exists(), "nothing written");
}

#[test]
fn apply_is_idempotent_and_prints_secrets_only_for_new_clients() {
    let binary = Binary::new();
    let db = TestDatabase::sqlite();
    let url = db.url_text();
    let file = binary.path("clients.toml");
    std::fs::write(
        &file,
        r#"
[[clients]]
name = "Billing"
type = "confidential"
redirect_uris = ["https://billing.example/cb"]
scopes = ["openid", "api:read"]

[[clients]]
name = "Mobile"
type = "public"
redirect_uris = ["com.example.mobile:/cb"]
scopes = ["openid", "offline_access"]
"#,
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let env =
        [("AUTH_DATABASE_URL", url.as_str()), ("AUTH_API_SCOPES", r#"{"api:read"="Read your invoices"}"#)];
    let first = binary.run(&["clients", "apply", path, "--json"], &env, "");
    assert!(first.status.success(), "{}", stderr(&first));
    let first: Value = serde_json::from_str(&stdout(&first)).unwrap();
    assert_eq!(first[0]["outcome"], "created");
    assert!(first[0]["client_secret"].is_string(), "new confidential client: secret shown");
    assert!(first[1]["client_secret"].is_null(), "public client: no secret");

    let second = binary.run(&["clients", "apply", path, "--json"], &env, "");
    let second: Value = serde_json::from_str(&stdout(&second)).unwrap();
    assert!(
        second
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["outcome"] == "unchanged" && c["client_secret"].is_null())
    );
    assert_eq!(second[0]["client_id"], first[0]["client_id"], "same client, matched by name");

    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("com.example.mobile:/cb", "com.example.mobile:/callback");
    std::fs::write(&file, text).unwrap();
    let third = binary.run(&["clients", "apply", path, "--json"], &env, "");
    let third: Value = serde_json::from_str(&stdout(&third)).unwrap();
    assert_eq!(third[1]["outcome"], "updated");

    std::fs::write(&file, "[[clients]]\nname = \"Bad\"\ntype = \"public\"\nredirect_uris = [\"http://evil.example/cb\"]\nscopes = [\"openid\"]\n").unwrap();
    let bad = binary.run(&["clients", "apply", path], &env, "");
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("`redirect_uri`"), "{}", stderr(&bad));
    std::fs::write(&file, "[[clients]]\nname = \"Typo\"\ntype = \"public\"\nredirect_uri = []\n").unwrap();
    let typo = binary.run(&["clients", "apply", path], &env, "");
    assert_eq!(typo.status.code(), Some(2), "unknown field in the file: {}", stderr(&typo));
    assert_eq!(json(&binary, &url, &["clients", "list", "--json"]).as_array().unwrap().len(), 2);
}

#[test]
fn foundation_health_and_users_still_work_with_clients_registered() {
    // Regression: the registry's migration and commands leave the foundation intact.
    let binary = Binary::new();
    let created = binary.run(&create_client("Billing", "public", "http://127.0.0.1/cb", &[]), &[], "");
    assert!(created.status.success(), "{}", stderr(&created));
    let user = binary.run(
        &["users", "create", "--email", "ada@example.com", "--name", "Ada", "--password-stdin"],
        &[],
        "long enough\n",
    );
    assert!(user.status.success(), "{}", stderr(&user));
    let server = binary.serve(&[("AUTH_BIND", "127.0.0.1:0")]);
    assert_eq!(http_get(&server.address, "/readyz").0, 200);
    let (status, _) = server.terminate();
    assert!(status.success());
}

#[test]
fn require_par_is_set_at_creation_and_changed_by_update() {
    let (binary, db) = (Binary::new(), TestDatabase::sqlite());
    let url = db.url_text();
    let created = json(
        &binary,
        &url,
        &create_client("Strict", "public", "https://strict.example/cb", &["--require-par", "--json"]),
    );
    assert_eq!(created["require_pushed_authorization_requests"], true);
    let id = created["client_id"].as_str().unwrap().to_owned();
    let updated = json(&binary, &url, &["clients", "update", &id, "--require-par", "false", "--json"]);
    assert_eq!(updated["require_pushed_authorization_requests"], false);
    let plain =
        json(&binary, &url, &create_client("Plain", "public", "https://plain.example/cb", &["--json"]));
    assert_eq!(plain["require_pushed_authorization_requests"], false, "off by default");
}

#[test]
fn a_private_key_jwt_client_is_registered_with_its_public_keys_only() {
    let (binary, db) = (Binary::new(), TestDatabase::sqlite());
    let url = db.url_text();
    let dir = tempfile::TempDir::new().unwrap();
    let pair = josekit::jws::ES256.generate_key_pair().unwrap();
    let set = |jwk: josekit::jwk::Jwk| serde_json::json!({ "keys": [Value::Object(jwk.as_ref().clone())] });
    let public = dir.path().join("public.json");
    std::fs::write(&public, set(pair.to_jwk_public_key()).to_string()).unwrap();
    let private = dir.path().join("private.json");
    std::fs::write(&private, set(pair.to_jwk_private_key()).to_string()).unwrap();
    let (public, private) = (public.to_str().unwrap(), private.to_str().unwrap());
    let signed = ["--auth-method", "private_key_jwt", "--grant", "client_credentials", "--json"];

    let created = json(
        &binary,
        &url,
        &[
            &create_client("Signed", "confidential", "https://signed.example/cb", &signed)[..],
            &["--jwks-file", public],
        ]
        .concat(),
    );
    assert_eq!(created["token_endpoint_auth_method"], "private_key_jwt");
    assert!(created.get("client_secret").is_none(), "no secret is issued");
    assert_eq!(created["jwks"]["keys"][0]["kty"], "EC");

    let env = [("AUTH_DATABASE_URL", url.as_str()), ("AUTH_LOG_LEVEL", "warn")];
    let leaking = [
        &create_client("Leaky", "confidential", "https://leaky.example/cb", &signed)[..],
        &["--jwks-file", private],
    ]
    .concat();
    let refused = binary.run(&leaking, &env, "");
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("private"), "{}", stderr(&refused));
    let keyless =
        binary.run(&create_client("Keyless", "confidential", "https://k.example/cb", &signed), &env, "");
    assert!(stderr(&keyless).contains("jwks"), "{}", stderr(&keyless));
}

/// `clients create NAME --auth-method private_key_jwt … KEYS`.
fn create_signed<'a>(name: &'a str, keys: &[&'a str]) -> Vec<&'a str> {
    let signed = ["--auth-method", "private_key_jwt", "--grant", "client_credentials", "--json"];
    [&create_client(name, "confidential", "https://signed.example/cb", &signed)[..], keys].concat()
}

#[test]
fn a_private_key_jwt_client_may_name_the_url_of_its_keys_instead() {
    let (binary, db) = (Binary::new(), TestDatabase::sqlite());
    let url = db.url_text();
    let env = [("AUTH_DATABASE_URL", url.as_str()), ("AUTH_LOG_LEVEL", "warn")];
    let published =
        json(&binary, &url, &create_signed("Published", &["--jwks-uri", "https://signed.example/jwks.json"]));
    assert_eq!(published["jwks_uri"], "https://signed.example/jwks.json");
    assert_eq!(published["jwks"], Value::Null);
    assert!(published.get("client_secret").is_none(), "no secret is issued");

    // RFC 7591 §2: keys by value or by URL, never both.
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("keys.json");
    let public = josekit::jws::ES256.generate_key_pair().unwrap().to_jwk_public_key();
    std::fs::write(
        &file,
        serde_json::json!({ "keys": [Value::Object(public.as_ref().clone())] }).to_string(),
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let both = binary.run(
        &create_signed("Both", &["--jwks-file", file, "--jwks-uri", "https://s.example/k"]),
        &env,
        "",
    );
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));

    // Plain http only on loopback, and only when this server would fetch it.
    let plain =
        binary.run(&create_signed("Plain", &["--jwks-uri", "http://127.0.0.1:9/jwks.json"]), &env, "");
    assert_eq!(plain.status.code(), Some(2), "{}", stderr(&plain));
    assert!(stderr(&plain).contains("jwks_uri_allow_http_loopback"), "{}", stderr(&plain));
    let remote =
        binary.run(&create_signed("Remote", &["--jwks-uri", "http://signed.example/jwks.json"]), &env, "");
    assert!(stderr(&remote).contains("jwks_uri"), "{}", stderr(&remote));

    // New keys of one kind replace the other.
    let id = published["client_id"].as_str().unwrap();
    let by_value = json(&binary, &url, &["clients", "update", id, "--jwks-file", file, "--json"]);
    assert_eq!(
        (by_value["jwks_uri"].clone(), by_value["jwks"]["keys"][0]["kty"].clone()),
        (Value::Null, "EC".into())
    );
    let by_url = json(
        &binary,
        &url,
        &["clients", "update", id, "--jwks-uri", "https://signed.example/v2/jwks.json", "--json"],
    );
    assert_eq!(
        (by_url["jwks_uri"].clone(), by_url["jwks"].clone()),
        ("https://signed.example/v2/jwks.json".into(), Value::Null)
    );
}

/// RFC 8628: `--grant device_code` stores the grant's URN; such a client
/// needs no redirect URI.
#[test]
fn a_device_client_is_registered_with_the_grant_urn() {
    let (binary, db) = (Binary::new(), TestDatabase::sqlite());
    let url = db.url_text();
    let args = [
        "clients",
        "create",
        "--name",
        "Acme CLI",
        "--type",
        "public",
        "--grant",
        "device_code",
        "--grant",
        "refresh_token",
        "--scope",
        "openid",
        "--scope",
        "offline_access",
        "--json",
    ];
    let created = json(&binary, &url, &args);
    let grants = created["grant_types"].as_array().unwrap();
    assert!(grants.contains(&"urn:ietf:params:oauth:grant-type:device_code".into()), "{created}");
    assert_eq!(created["redirect_uris"], serde_json::json!([]));
}
