//! `auth-server`: parses the command line and runs it. Exit codes: 0 done,
//! 1 the server or a dependency failed, 2 the input or configuration was refused.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = auth_server::cli::Cli::parse();
    match auth_server::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, whatever the cause (libpq's messages span several).
            let message = error.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
            let _ = writeln!(std::io::stderr().lock(), "auth-server: {message}");
            ExitCode::from(error.exit_code())
        }
    }
}
