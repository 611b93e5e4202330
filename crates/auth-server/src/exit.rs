//! How a command ends: the exit code and the one line printed on failure.

use std::fmt;

use crate::config::ConfigError;

/// A failed command. `Usage` and `Config` (exit 2) mean the operator's input
/// or configuration was refused and nothing was changed; `Runtime` (exit 1)
/// means the server or a dependency failed.
#[derive(Debug)]
pub enum CommandError {
    Usage(String),
    /// A configuration value was refused; its `Display` names the key.
    Config(ConfigError),
    Runtime(String),
}

impl CommandError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) | Self::Config(_) => 2,
            Self::Runtime(_) => 1,
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(message) | Self::Runtime(message) => f.write_str(message),
            Self::Config(error) => error.fmt(f),
        }
    }
}

impl CommandError {
    /// The operator's input was refused; says so and that nothing changed.
    pub fn refused(reason: impl fmt::Display) -> Self {
        Self::Usage(format!("refused: {reason}; nothing was changed"))
    }
}

/// Writes one line of command output to stdout.
pub fn say(text: &str) -> Result<(), CommandError> {
    use std::io::Write;
    writeln!(std::io::stdout().lock(), "{text}")
        .map_err(|e| CommandError::Runtime(format!("cannot write to stdout: {e}")))
}

impl From<ConfigError> for CommandError {
    fn from(error: ConfigError) -> Self {
        Self::Config(error)
    }
}
