//! The log, through the binary: request input stays inside its field in the
//! pretty format (the default) as in JSON.

use crate::support::binary::{Binary, http_post_form};

#[test]
fn pretty_log_escapes_a_hostile_client_id() {
    let binary = Binary::new();
    let server = binary.serve_pretty(&[("AUTH_BIND", "127.0.0.1:0")]);
    let form = "grant_type=client_credentials&client_id=x%0AFORGED%1B[2J&client_secret=s";
    let (status, _, _) = http_post_form(&server.address, "/oauth/token", form);
    assert_eq!(status, 401, "an unknown client is refused");
    let (_, log) = server.terminate();

    let forged = log.lines().find(|line| line.trim_start().starts_with("FORGED"));
    assert!(forged.is_none(), "a request value started a log line: {forged:?}\n{log}");
    assert!(!log.contains('\u{1b}'), "a raw ESC reached the log:\n{log:?}");
    assert!(log.contains("client_id=x\\nFORGED\\u{1b}[2J"), "the client id is logged, escaped:\n{log}");
}
