//! Database upkeep through the binary: `migrate` is idempotent on SQLite and
//! (when `TEST_DATABASE_URL` is set) PostgreSQL, `janitor` sweeps once and
//! reports, and a command on PostgreSQL exits cleanly every time.

use oauth_store_diesel::testing::TestDatabase;

use crate::support::binary::{Binary, databases, stderr, stdout};

#[test]
fn migrate_is_idempotent_on_both_backends() {
    for (backend, db) in databases("migrate_is_idempotent_on_both_backends") {
        let binary = Binary::new();
        let url = db.url_text();
        let env = [("AUTH_DATABASE_URL", url.as_str())];
        let first = binary.run(&["migrate"], &env, "");
        assert!(first.status.success(), "{backend}: {}", stderr(&first));
        assert!(stdout(&first).starts_with("applied "), "{backend}: {}", stdout(&first));
        let second = binary.run(&["migrate"], &env, "");
        assert!(second.status.success(), "{backend}: {}", stderr(&second));
        assert!(stdout(&second).contains("nothing applied"), "{backend}: {}", stdout(&second));
    }
}

#[test]
fn the_binary_exits_cleanly_on_postgres_every_time() {
    // libpq's statically linked OpenSSL can run its atexit cleanup under
    // r2d2's connecting thread and kill the process with SIGSEGV: the binary
    // must stop its pool before it exits, every time.
    let Some(db) = TestDatabase::postgres("the_binary_exits_cleanly_on_postgres_every_time") else {
        return;
    };
    let binary = Binary::new();
    let url = db.url_text();
    let env = [("AUTH_DATABASE_URL", url.as_str())];
    for run in 0..20 {
        let output = binary.run(&["users", "list"], &env, "");
        assert_eq!(output.status.code(), Some(0), "run {run}: {:?} {}", output.status, stderr(&output));
    }
}

#[test]
fn janitor_sweeps_once_and_reports() {
    let binary = Binary::new();
    let output = binary.run(&["janitor"], &[], "");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "removed 0 expired records and 0 retired signing keys");
}
