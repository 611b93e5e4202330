//! Configuration, through the binary: the default run (SQLite under `./data`,
//! graceful shutdown on SIGTERM), the environment over the file, and bad
//! configuration refused with exit 2, naming the key and writing nothing.

use crate::support::app::TEST_MASTER_KEY;
use crate::support::binary::{Binary, http_get, stderr};

#[test]
fn default_run_creates_and_migrates_sqlite_under_data_and_serves() {
    // The README's first command, in an empty folder, with only the port changed.
    let binary = Binary::new();
    let server = binary.serve(&[("AUTH_BIND", "127.0.0.1:0")]);
    assert!(binary.path("data/auth.db").is_file(), "SQLite file created under ./data");
    assert_eq!(http_get(&server.address, "/healthz").0, 200);
    let (status, body) = http_get(&server.address, "/readyz");
    assert_eq!(status, 200, "{body}");
    let (exit, log) = server.terminate();
    assert!(exit.success(), "SIGTERM ends with exit 0, got {exit:?}; log:\n{log}");
    assert!(log.contains("\"stopped\""), "graceful shutdown is logged:\n{log}");
}

#[test]
fn environment_overrides_the_file() {
    let binary = Binary::new();
    std::fs::write(
        binary.path("auth.toml"),
        "bind = \"127.0.0.1:1\"\ndatabase_url = \"sqlite://./file.db\"\n",
    )
    .unwrap();
    let server = binary.serve(&[("AUTH_CONFIG", "auth.toml"), ("AUTH_BIND", "127.0.0.1:0")]);
    assert_ne!(server.address, "127.0.0.1:1", "AUTH_BIND wins over the file");
    assert!(binary.path("file.db").is_file(), "the file's database_url applies");
    drop(server);
}

#[test]
fn bad_configuration_exits_2_naming_the_key_and_writes_nothing() {
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], Option<&'a str>, &'a str);
    let cases: &[Case] = &[
        ("bind unparsable", &[("AUTH_BIND", "localhost")], None, "`bind`"),
        ("issuer with query", &[("AUTH_ISSUER", "https://id.example.com/?a=1")], None, "`issuer`"),
        ("issuer with fragment", &[("AUTH_ISSUER", "https://id.example.com/#x")], None, "`issuer`"),
        ("issuer not https", &[("AUTH_ISSUER", "http://id.example.com")], None, "`issuer`"),
        ("database scheme", &[("AUTH_DATABASE_URL", "mysql://db/auth")], None, "`database_url`"),
        (
            "database unreachable",
            &[
                ("AUTH_DATABASE_URL", "postgres://postgres@127.0.0.1:1/auth"),
                ("AUTH_MASTER_KEY", TEST_MASTER_KEY),
            ],
            None,
            "`database_url`",
        ),
        (
            "postgres without a master key",
            &[("AUTH_DATABASE_URL", "postgres://postgres@127.0.0.1:1/auth")],
            None,
            "`master_key`",
        ),
        ("master key not 32 bytes", &[("AUTH_MASTER_KEY", "c2hvcnQ=")], None, "`master_key`"),
        ("log format", &[("AUTH_LOG_FORMAT", "xml")], None, "`log_format`"),
        ("number expected", &[("AUTH_HTTP_WORKERS", "many")], None, "`http_workers`"),
        ("unknown key in file", &[("AUTH_CONFIG", "auth.toml")], Some("colour = \"blue\"\n"), "`colour`"),
        ("bad value in file", &[("AUTH_CONFIG", "auth.toml")], Some("bind = 8080\n"), "`bind`"),
        ("missing file", &[("AUTH_CONFIG", "absent.toml")], None, "`--config`"),
    ];
    for (name, env, file, key) in cases {
        let binary = Binary::new();
        if let Some(text) = file {
            std::fs::write(binary.path("auth.toml"), text).unwrap();
        }
        let before = entries(&binary);
        let output = binary.run(&["serve"], env, "");
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "case {name}: {message}");
        assert!(message.contains(key), "case {name}: {message}");
        assert_eq!(message.trim().lines().count(), 1, "case {name}: one line, got {message}");
        assert_eq!(entries(&binary), before, "case {name}: nothing written");
    }
}

#[test]
fn an_unrelated_auth_variable_is_not_a_configuration_error() {
    // Later features read AUTH_MASTER_KEY and friends; `only(KEYS)` keeps them out of this schema.
    let binary = Binary::new();
    let output = binary.run(&["migrate"], &[("AUTH_SOMETHING_ELSE", "1")], "");
    assert!(output.status.success(), "{}", stderr(&output));
}

fn entries(binary: &Binary) -> Vec<String> {
    let mut names: Vec<String> = walk(binary.dir.path());
    names.sort();
    names
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|entry| {
            let path = entry.unwrap().path();
            let mut found = vec![path.display().to_string()];
            if path.is_dir() {
                found.extend(walk(&path));
            }
            found
        })
        .collect()
}
