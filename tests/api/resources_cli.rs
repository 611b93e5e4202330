//! Resource registry, through the real binary: create, list, show, update,
//! metadata, apply and delete; refusals that name the field, exit 2 and
//! write nothing; on SQLite and (when `TEST_DATABASE_URL` is set) PostgreSQL.

use oauth_store_diesel::testing::TestDatabase;
use serde_json::{Value, json};

use crate::support::binary::{Binary, create_client, databases, stderr, stdout};

const SCOPES: &str = r#"{"calendar:read"="See your calendar", "calendar:write"="Change your calendar", "payroll:read"="See your payslips"}"#;

/// Runs the binary against `url` with the test's API scopes declared.
fn run(binary: &Binary, url: &str, args: &[&str]) -> std::process::Output {
    binary.run(
        args,
        &[
            ("AUTH_DATABASE_URL", url),
            ("AUTH_LOG_LEVEL", "warn"),
            ("AUTH_API_SCOPES", SCOPES),
            ("AUTH_ISSUER", "https://auth.example.com"),
        ],
        "",
    )
}

/// Runs the binary and parses its JSON output; panics on failure.
fn json_of(binary: &Binary, url: &str, args: &[&str]) -> Value {
    let output = run(binary, url, args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&output)))
}

const CALENDAR: &str = "https://calendar.example.com/";

/// Registers the calendar API with its read scope.
fn create_calendar(binary: &Binary, url: &str) -> Value {
    json_of(
        binary,
        url,
        &[
            "resources",
            "create",
            "--uri",
            CALENDAR,
            "--name",
            "Calendar",
            "--scope",
            "calendar:read",
            "--json",
        ],
    )
}

#[test]
fn create_list_update_metadata_delete_on_both_backends() {
    for (backend, db) in databases("create_list_update_metadata_delete_on_both_backends") {
        let binary = Binary::new();
        let url = db.url_text();
        let created = json_of(
            &binary,
            &url,
            &[
                "resources",
                "create",
                "--uri",
                CALENDAR,
                "--name",
                "Calendar API",
                "--scope",
                "calendar:read",
                "--scope",
                "calendar:write",
                "--json",
            ],
        );
        assert_eq!(created["uri"], CALENDAR, "{backend}: the URI exactly as typed");
        assert_eq!(created["allow_dynamic_clients"], false, "{backend}: off unless asked for");
        assert_eq!(created["access_token_ttl_seconds"], Value::Null, "{backend}");
        assert_eq!(created["access_token_alg"], Value::Null, "{backend}");

        let listed = json_of(&binary, &url, &["resources", "list", "--json"]);
        assert_eq!(listed, json!([created]), "{backend}");

        let updated = json_of(
            &binary,
            &url,
            &[
                "resources",
                "update",
                CALENDAR,
                "--name",
                "Calendars",
                "--access-token-ttl",
                "5m",
                "--access-token-alg",
                "RS256",
                "--allow-dynamic-clients",
                "true",
                "--json",
            ],
        );
        assert_eq!(updated["name"], "Calendars", "{backend}");
        assert_eq!(updated["access_token_ttl_seconds"], 300, "{backend}");
        assert_eq!(updated["access_token_alg"], "RS256", "{backend}");
        assert_eq!(updated["allow_dynamic_clients"], true, "{backend}");
        assert_eq!(
            updated["scopes"],
            json!(["calendar:read", "calendar:write"]),
            "{backend}: not named, not changed"
        );
        assert_eq!(json_of(&binary, &url, &["resources", "show", CALENDAR, "--json"]), updated, "{backend}");

        let cleared = json_of(
            &binary,
            &url,
            &[
                "resources",
                "update",
                CALENDAR,
                "--clear-access-token-ttl",
                "--clear-access-token-alg",
                "--json",
            ],
        );
        assert_eq!(
            (&cleared["access_token_ttl_seconds"], &cleared["access_token_alg"]),
            (&Value::Null, &Value::Null),
            "{backend}"
        );

        let metadata = json_of(&binary, &url, &["resources", "metadata", CALENDAR]);
        assert_eq!(
            metadata,
            json!({
                "resource": CALENDAR,
                "authorization_servers": ["https://auth.example.com"],
                "scopes_supported": ["calendar:read", "calendar:write"],
                "bearer_methods_supported": ["header"],
                "resource_name": "Calendars",
                "dpop_signing_alg_values_supported": ["ES256", "ES384", "RS256", "PS256", "EdDSA"],
            }),
            "{backend}: RFC 9728 §2"
        );

        assert_eq!(
            json_of(&binary, &url, &["resources", "delete", CALENDAR, "--json"]),
            json!({ "deleted": CALENDAR })
        );
        assert_eq!(json_of(&binary, &url, &["resources", "list", "--json"]), json!([]), "{backend}");
        let gone = run(&binary, &url, &["resources", "show", CALENDAR]);
        assert_eq!(gone.status.code(), Some(2), "{backend}: {}", stderr(&gone));
        assert!(stderr(&gone).contains("no resource with URI"), "{backend}: {}", stderr(&gone));
    }
}

#[test]
fn invalid_input_names_the_field_exits_2_and_writes_nothing() {
    let binary = Binary::new();
    let db = TestDatabase::sqlite();
    let url = db.url_text();
    create_calendar(&binary, &url);
    let rows: &[(&str, &[&str], &str)] = &[
        ("relative URI", &["--uri", "/payroll", "--name", "Payroll"], "absolute URI"),
        ("fragment", &["--uri", "https://payroll.example.com/#x", "--name", "Payroll"], "fragment"),
        ("plain http", &["--uri", "http://payroll.example.com/", "--name", "Payroll"], "https"),
        ("same URI again", &["--uri", CALENDAR, "--name", "Again"], "already registered"),
        ("empty name", &["--uri", "https://payroll.example.com", "--name", " "], "`name`"),
        (
            "OIDC scope",
            &["--uri", "https://payroll.example.com", "--name", "Payroll", "--scope", "openid"],
            "OpenID Connect scope",
        ),
        (
            "undeclared scope",
            &["--uri", "https://payroll.example.com", "--name", "Payroll", "--scope", "payroll:write"],
            "not known",
        ),
        (
            "another resource's scope",
            &["--uri", "https://payroll.example.com", "--name", "Payroll", "--scope", "calendar:read"],
            "already belongs to the resource",
        ),
        (
            "ttl too long",
            &["--uri", "https://payroll.example.com", "--name", "Payroll", "--access-token-ttl", "25h"],
            "`access_token_ttl`",
        ),
        (
            "ttl not a duration",
            &["--uri", "https://payroll.example.com", "--name", "Payroll", "--access-token-ttl", "soon"],
            "`access_token_ttl`",
        ),
        (
            "unknown algorithm",
            &["--uri", "https://payroll.example.com", "--name", "Payroll", "--access-token-alg", "HS256"],
            "`access_token_alg`",
        ),
    ];
    for (what, extra, expected) in rows {
        let mut args = vec!["resources", "create"];
        args.extend_from_slice(extra);
        let output = run(&binary, &url, &args);
        assert_eq!(output.status.code(), Some(2), "{what}: {}", stderr(&output));
        assert!(stderr(&output).contains(expected), "{what}: expected {expected:?} in {}", stderr(&output));
    }
    let listed = json_of(&binary, &url, &["resources", "list", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "nothing written: {listed}");
    assert_eq!(listed[0]["name"], "Calendar", "the existing resource untouched");
}

#[test]
fn apply_is_idempotent_and_checks_the_whole_file_first() {
    let binary = Binary::new();
    let db = TestDatabase::sqlite();
    let url = db.url_text();
    let file = binary.path("resources.toml");
    let path = file.to_str().unwrap().to_owned();
    std::fs::write(
        &file,
        r#"
[[resources]]
uri = "https://calendar.example.com/"
name = "Calendar API"
scopes = ["calendar:read", "calendar:write"]

[[resources]]
uri = "https://payroll.example.com"
name = "Payroll"
scopes = ["payroll:read"]
access_token_ttl = "5m"
access_token_alg = "RS256"
"#,
    )
    .unwrap();
    let first = json_of(&binary, &url, &["resources", "apply", &path, "--json"]);
    let outcomes: Vec<&str> =
        first.as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["created", "created"]);
    assert_eq!(first[1]["access_token_ttl_seconds"], 300);
    let again = json_of(&binary, &url, &["resources", "apply", &path, "--json"]);
    let outcomes: Vec<&str> =
        again.as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["unchanged", "unchanged"], "applying the same file twice changes nothing");

    // Moving a scope from one resource to another within one file is allowed;
    // a file whose second entry is bad changes nothing, not even the first.
    std::fs::write(
        &file,
        r#"
[[resources]]
uri = "https://calendar.example.com/"
name = "Calendar API"
scopes = ["calendar:read"]

[[resources]]
uri = "https://payroll.example.com"
name = "Payroll"
scopes = ["payroll:read", "calendar:write"]
access_token_alg = "HS256"
"#,
    )
    .unwrap();
    let refused = run(&binary, &url, &["resources", "apply", &path]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("`access_token_alg`"), "{}", stderr(&refused));
    let calendar = json_of(&binary, &url, &["resources", "show", "https://calendar.example.com/", "--json"]);
    assert_eq!(
        calendar["scopes"],
        json!(["calendar:read", "calendar:write"]),
        "the first entry was not written"
    );

    std::fs::write(
        &file,
        std::fs::read_to_string(&file).unwrap().replace("access_token_alg = \"HS256\"\n", ""),
    )
    .unwrap();
    let moved = json_of(&binary, &url, &["resources", "apply", &path, "--json"]);
    let outcomes: Vec<&str> =
        moved.as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["updated", "updated"]);
    assert_eq!(moved[1]["scopes"], json!(["calendar:write", "payroll:read"]));
    assert_eq!(moved[1]["access_token_ttl_seconds"], Value::Null, "an entry is the whole resource");

    std::fs::write(&file, "[[resources]]\nuri = \"https://x.example.com\"\nname = \"X\"\nowner = \"me\"\n")
        .unwrap();
    let unknown_field = run(&binary, &url, &["resources", "apply", &path]);
    assert_eq!(unknown_field.status.code(), Some(2), "{}", stderr(&unknown_field));
    assert!(stderr(&unknown_field).contains("owner"), "{}", stderr(&unknown_field));
}

#[test]
fn clients_name_registered_resources_on_both_backends() {
    for (backend, db) in databases("clients_name_registered_resources_on_both_backends") {
        let binary = Binary::new();
        let url = db.url_text();
        json_of(&binary, &url, &["resources", "create", "--uri", CALENDAR, "--name", "Calendar", "--json"]);
        let client = json_of(
            &binary,
            &url,
            &create_client(
                "Calendar app",
                "confidential",
                "https://app.example/cb",
                &["--resource", CALENDAR, "--json"],
            ),
        );
        assert_eq!(client["resources"], json!([CALENDAR]), "{backend}");
        let id = client["client_id"].as_str().unwrap().to_owned();
        assert_eq!(
            json_of(&binary, &url, &["clients", "show", &id, "--json"])["resources"],
            json!([CALENDAR]),
            "{backend}"
        );

        let unknown =
            run(&binary, &url, &["clients", "update", &id, "--resource", "https://payroll.example.com"]);
        assert_eq!(unknown.status.code(), Some(2), "{backend}: {}", stderr(&unknown));
        assert!(stderr(&unknown).contains("`resource`: no resource"), "{backend}: {}", stderr(&unknown));
        let fragment = run(
            &binary,
            &url,
            &create_client(
                "Other",
                "public",
                "https://o.example/cb",
                &["--resource", "https://calendar.example.com/#x"],
            ),
        );
        assert_eq!(fragment.status.code(), Some(2), "{backend}: {}", stderr(&fragment));
        assert!(stderr(&fragment).contains("`resource`"), "{backend}: {}", stderr(&fragment));
        assert_eq!(
            json_of(&binary, &url, &["clients", "show", &id, "--json"])["resources"],
            json!([CALENDAR]),
            "{backend}: unchanged"
        );

        let in_use = run(&binary, &url, &["resources", "delete", CALENDAR]);
        assert_eq!(in_use.status.code(), Some(2), "{backend}: {}", stderr(&in_use));
        assert!(stderr(&in_use).contains(&id), "{backend}: names the client: {}", stderr(&in_use));

        let cleared = json_of(&binary, &url, &["clients", "update", &id, "--clear-resources", "--json"]);
        assert_eq!(cleared["resources"], json!([]), "{backend}");
        json_of(&binary, &url, &["resources", "delete", CALENDAR, "--json"]);
    }
}

#[test]
fn clients_and_their_registry_are_unchanged_by_resources() {
    let binary = Binary::new();
    let db = TestDatabase::sqlite();
    let url = db.url_text();
    create_calendar(&binary, &url);
    let client = json_of(
        &binary,
        &url,
        &create_client(
            "Billing",
            "confidential",
            "https://billing.example/cb",
            &["--scope", "calendar:read", "--json"],
        ),
    );
    assert_eq!(client["scope"], "calendar:read openid");
    assert_eq!(json_of(&binary, &url, &["resources", "list", "--json"]).as_array().map(Vec::len), Some(1));
}
