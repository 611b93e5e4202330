//! The repository audit (`scripts/repo-audit.sh`) must be able to fail: each
//! kind of drift is planted in a temporary copy of the tree and must be caught.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Copies what the audit reads (sources, tests, docs, scripts), not build output.
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if [".git", "target", "data"].iter().any(|skip| name == *skip) {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

struct Copy {
    dir: tempfile::TempDir,
    /// What the audit runs for `auth-server config-keys`: the binary built from this tree.
    server_bin: PathBuf,
}

impl Copy {
    fn new() -> Self {
        let dir = tempfile::TempDir::new().unwrap();
        copy_tree(&repo_root(), dir.path());
        Self { dir, server_bin: PathBuf::from(env!("CARGO_BIN_EXE_auth-server")) }
    }

    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} no longer contains {from:?}; update this test");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    fn write(&self, file: &str, text: &str) {
        std::fs::write(self.dir.path().join(file), text).unwrap();
    }

    /// (exit code, report text)
    fn audit(&self) -> (Option<i32>, String) {
        let status = Command::new("bash")
            .arg(self.dir.path().join("scripts/repo-audit.sh"))
            .env("AUTH_SERVER_BIN", &self.server_bin)
            .output()
            .unwrap()
            .status;
        let report = std::fs::read_to_string(self.dir.path().join("docs/audit/REPORT.md")).unwrap();
        (status.code(), report)
    }
}

#[test]
fn the_tree_as_committed_has_no_drift() {
    let (code, report) = Copy::new().audit();
    assert_eq!(code, Some(0), "{report}");
}

#[test]
fn an_undocumented_route_is_drift() {
    let copy = Copy::new();
    copy.edit(
        "crates/oauth-http-actix/src/routes/mod.rs",
        "(&[\"GET\"], \"/healthz\"),",
        "(&[\"GET\"], \"/healthz\"), (&[\"GET\"], \"/planted-route\"),",
    );
    let (code, report) = copy.audit();
    assert_eq!(code, Some(1));
    assert!(report.contains("| route | `/planted-route` | in code, not in README |"), "{report}");
}

#[test]
fn a_documented_route_missing_from_code_is_drift() {
    let copy = Copy::new();
    copy.edit("README.md", "| `GET` | `/healthz` |", "| `GET` | `/gone` |");
    let (code, report) = copy.audit();
    assert_eq!(code, Some(1));
    assert!(report.contains("`/gone` | in README, not in code"), "{report}");
}

#[test]
fn an_undocumented_cli_command_is_drift() {
    let copy = Copy::new();
    copy.edit("crates/auth-server/src/cli.rs", "    List,\n", "    List,\n    Purge,\n");
    let (code, report) = copy.audit();
    assert_eq!(code, Some(1));
    assert!(report.contains("`users purge` | in code, not in README"), "{report}");
}

#[test]
fn an_undocumented_config_key_is_drift() {
    // The keys come from the schema through the binary; a schema with one
    // more key is planted as a binary that lists one more.
    let mut copy = Copy::new();
    let real = copy.server_bin.display().to_string();
    copy.write("planted-server.sh", &format!("#!/bin/sh\n'{real}' \"$@\"\necho planted_key\n"));
    copy.server_bin = copy.dir.path().join("planted-server.sh");
    make_executable(&copy.server_bin);
    let (code, report) = copy.audit();
    assert_eq!(code, Some(1));
    assert!(report.contains("`planted_key` | in code, not in README"), "{report}");
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_sleeping_test_is_unfit_for_the_permanent_suite() {
    let copy = Copy::new();
    // Built from parts so that this file itself carries no such call.
    let body =
        format!("#[test]\nfn naps() {{ std::thread::{}(std::time::Duration::from_secs(1)); }}\n", "sleep");
    copy.write("tests/api/planted_nap.rs", &body);
    let (code, report) = copy.audit();
    assert_eq!(code, Some(1));
    assert!(report.contains("| `tests/api/planted_nap.rs` | e2e | 1 | unfit: sleeps |"), "{report}");
}

#[test]
fn a_test_reaching_beyond_loopback_is_unfit() {
    let copy = Copy::new();
    let body = format!("#[test]\nfn calls_out() {{ let _ = \"{}://{}\"; }}\n", "https", "api.github.com/x");
    copy.write("tests/api/planted_network.rs", &body);
    let (code, report) = copy.audit();
    assert_eq!(code, Some(1));
    assert!(report.contains("unfit: network beyond loopback"), "{report}");
}
