//! How a command ends: the exit code and the one line printed on failure.

use std::fmt;

/// A failed command. `Usage` (exit 2) means the operator's input or
/// configuration was refused and nothing was changed; `Runtime` (exit 1) means
/// the server or a dependency failed.
#[derive(Debug)]
pub enum CommandError {
    Usage(String),
    Runtime(String),
}

impl CommandError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Runtime(_) => 1,
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(message) | Self::Runtime(message) => f.write_str(message),
        }
    }
}

impl From<crate::config::ConfigError> for CommandError {
    fn from(error: crate::config::ConfigError) -> Self {
        Self::Usage(error.to_string())
    }
}
