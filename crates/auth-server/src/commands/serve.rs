//! `auth-server serve` (the default).

use std::net::TcpListener;

use crate::app::Application;
use crate::cli::ServeArgs;
use crate::config::{Config, ConfigError, argon2_below_owasp_minimum};
use crate::exit::CommandError;

/// Binds, migrates, serves until SIGTERM/SIGINT, then drains. With
/// `--demo`, first makes sure the demo user and client exist.
pub async fn run(config: &Config, args: &ServeArgs) -> Result<(), CommandError> {
    if argon2_below_owasp_minimum(&config.argon2) {
        tracing::warn!("argon2 costs are below OWASP's minimum (19456 KiB, 2 iterations)");
    }
    let bind = config.server.bind;
    let listener = TcpListener::bind(bind)
        .map_err(|e| ConfigError::new("bind", format!("cannot listen on {bind}: {e}")))?;
    let app = Application::build(config, listener).await?;
    if args.demo {
        crate::commands::demo::prepare(config).await?;
    }
    tracing::info!(address = %format!("http://{}", app.address()), issuer = %config.server.issuer, "listening");
    if let Some(address) = app.metrics_address() {
        tracing::info!(address = %format!("http://{address}/metrics"), "metrics listening");
    }
    app.run_until_stopped().await.map_err(|e| CommandError::Runtime(format!("server failed: {e}")))?;
    tracing::info!("stopped");
    Ok(())
}
