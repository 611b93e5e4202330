//! The data folder and the database, through the binary: created open to the
//! server's user only, and a wider existing folder is reported at start.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use crate::support::binary::Binary;

/// The permission bits, in octal as `ls -l` users read them (`0700`).
fn mode(path: &Path) -> String {
    let metadata = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    format!("{:04o}", metadata.permissions().mode() & 0o777)
}

fn permission_warnings(lines: &[String]) -> Vec<serde_json::Value> {
    lines
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|event| event["level"] == "WARN" && event["mode"].is_string())
        .collect()
}

#[test]
fn a_fresh_data_folder_and_database_are_private() {
    let binary = Binary::new();
    let server = binary.serve(&[("AUTH_BIND", "127.0.0.1:0")]);

    // While the server runs, so that SQLite's side files exist.
    let paths = ["data", "data/auth.db", "data/auth.db-wal", "data/auth.db-shm", "data/master.key"];
    let modes: Vec<(&str, String)> = paths.iter().map(|path| (*path, mode(&binary.path(path)))).collect();
    let expected: Vec<(&str, String)> =
        paths.iter().map(|path| (*path, if *path == "data" { "0700" } else { "0600" }.to_owned())).collect();
    assert_eq!(modes, expected);
    let warnings = permission_warnings(&server.seen);
    assert!(warnings.is_empty(), "nothing to warn about: {warnings:?}");
    drop(server);
}

#[test]
fn a_data_folder_others_can_read_is_reported_at_start() {
    let binary = Binary::new();
    let data = binary.path("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();

    let server = binary.serve(&[("AUTH_BIND", "127.0.0.1:0")]);
    let warnings = permission_warnings(&server.seen);
    drop(server);

    let folder = warnings.iter().find(|event| event["path"].as_str().is_some_and(|p| p.ends_with("data")));
    let folder = folder.unwrap_or_else(|| panic!("a warning names the folder: {warnings:?}"));
    assert_eq!(folder["mode"], "0755");
    assert_eq!(folder["expected"], "0700");
    assert_eq!(mode(&data), "0755", "an existing folder's mode is the operator's to change");
    assert_eq!(mode(&binary.path("data/auth.db")), "0600", "a new database in it is private");
}
