//! User administration through the binary (`users create|list|disable|set-password`):
//! the lifecycle on SQLite and (when `TEST_DATABASE_URL` is set) PostgreSQL,
//! and refusals of bad input, of a password on argv and of a prompt without a
//! terminal, none of which writes anything.

use crate::support::binary::{Binary, databases, stderr, stdout};

#[test]
fn user_lifecycle_on_both_backends() {
    for (backend, db) in databases("user_lifecycle_on_both_backends") {
        let binary = Binary::new();
        let url = db.url_text();
        let env = [("AUTH_DATABASE_URL", url.as_str())];
        let create =
            ["users", "create", "--email", "Ada@Example.com", "--name", "Ada Lovelace", "--password-stdin"];
        let created = binary.run(&create, &env, "analytical engine\n");
        assert!(created.status.success(), "{backend}: {}", stderr(&created));
        assert!(stdout(&created).contains("<Ada@Example.com>"), "{backend}");

        let mut again = create;
        again[3] = "ada@EXAMPLE.com";
        let duplicate = binary.run(&again, &env, "another password\n");
        assert_eq!(duplicate.status.code(), Some(2), "{backend}: duplicate refused regardless of case");
        assert!(stderr(&duplicate).contains("already exists"), "{backend}: {}", stderr(&duplicate));

        let disabled = binary.run(&["users", "disable", "--email", "ADA@example.com"], &env, "");
        assert!(disabled.status.success(), "{backend}: {:?} {}", disabled.status, stderr(&disabled));
        let listed = binary.run(&["users", "list"], &env, "");
        let row = stdout(&listed).lines().find(|l| l.contains("Ada@Example.com")).map(str::to_owned);
        let row = row.unwrap_or_else(|| panic!("{backend}: user listed: {}", stdout(&listed)));
        assert!(row.split_whitespace().any(|cell| cell == "yes"), "{backend}: disabled shown: {row}");

        let reset = binary.run(
            &["users", "set-password", "--email", "ada@example.com", "--password-stdin"],
            &env,
            "difference engine\n",
        );
        assert!(reset.status.success(), "{backend}: {}", stderr(&reset));
        let unknown = binary.run(&["users", "disable", "--email", "nobody@example.com"], &env, "");
        assert_eq!(unknown.status.code(), Some(2), "{backend}: unknown user is bad input");
    }
}

#[test]
fn a_password_on_argv_is_refused_and_nothing_is_written() {
    let binary = Binary::new();
    let output = binary.run(
        &["users", "create", "--email", "ada@example.com", "--name", "Ada", "--password", "hunter2hunter2"],
        &[],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("--password-stdin"), "{message}");
    assert!(!message.contains("hunter2"), "the refused password is not echoed: {message}");
    assert!(!binary.path("data").exists(), "no database was created");
}

#[test]
fn bad_user_input_is_refused_and_nothing_is_written() {
    let rows: &[(&str, &str, &str, &str)] = &[
        ("malformed email", "not-an-email", "long enough password\n", "email"),
        ("empty password", "ada@example.com", "\n", "must not be empty"),
        ("short password", "ada@example.com", "seven77\n", "at least 8"),
    ];
    for (name, email, password, expected) in rows {
        let binary = Binary::new();
        let output = binary.run(
            &["users", "create", "--email", email, "--name", "Ada", "--password-stdin"],
            &[],
            password,
        );
        assert_eq!(output.status.code(), Some(2), "case {name}: {}", stderr(&output));
        assert!(stderr(&output).contains(expected), "case {name}: {}", stderr(&output));
        assert!(!binary.path("data").exists(), "case {name}: no database was created");
    }
}

#[test]
fn without_a_terminal_the_prompt_is_refused_clearly() {
    let binary = Binary::new();
    let output = binary
        .command()
        .args(["users", "create", "--email", "ada@example.com", "--name", "Ada"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--password-stdin"), "{}", stderr(&output));
    assert!(!binary.path("data").exists(), "no database was created");
}
