//! One module per subcommand.

mod apply_file;
mod audited;
pub mod clients;
pub mod demo;
pub mod events;
pub mod janitor;
pub mod keys;
pub mod migrate;
pub mod registration_tokens;
pub mod resources;
pub mod serve;
pub mod users;

/// A duration an operator typed (`24h`, `90m`, `1h 30m`), refused as the
/// `field` it was given for.
fn parse_duration(field: &str, text: &str) -> Result<time::Duration, crate::exit::CommandError> {
    let refused = |why: String| crate::exit::CommandError::refused(format!("`{field}`: {why}"));
    let std =
        humantime::parse_duration(text).map_err(|e| refused(format!("{text:?} is not a duration ({e})")))?;
    time::Duration::try_from(std).map_err(|e| refused(e.to_string()))
}
