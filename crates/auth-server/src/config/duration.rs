//! The one duration type of the configuration: whole seconds, written with a
//! unit (`30s`, `15m`, `8h`, `14d`, parsed by `humantime`) or as a bare number
//! of seconds, so files and variables written before units keep their meaning.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};

/// A configured span of time, in whole seconds.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(u64);

impl Duration {
    pub const fn seconds(seconds: u64) -> Self {
        Self(seconds)
    }

    pub const fn minutes(minutes: u64) -> Self {
        Self(minutes * 60)
    }

    pub const fn hours(hours: u64) -> Self {
        Self(hours * 3_600)
    }

    pub const fn days(days: u64) -> Self {
        Self(days * 86_400)
    }

    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// For std, tokio and actix.
    pub const fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_secs(self.0)
    }

    /// For the core and the key store, which count in `time::Duration`.
    pub fn to_time(self) -> time::Duration {
        time::Duration::seconds(i64::try_from(self.0).unwrap_or(i64::MAX))
    }
}

impl fmt::Debug for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_duration(self.to_std()))
    }
}

impl FromStr for Duration {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if let Ok(seconds) = text.parse::<u64>() {
            return Ok(Self(seconds));
        }
        let span = humantime::parse_duration(text)
            .map_err(|e| format!("{text:?} is not a duration ({e}); write e.g. 30s, 15m, 8h, 14d"))?;
        if span.subsec_nanos() != 0 {
            return Err(format!("{text:?} is not a whole number of seconds"));
        }
        Ok(Self(span.as_secs()))
    }
}

impl<'de> serde::Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DurationVisitor)
    }
}

struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration such as 30s, 15m, 8h or 14d, or a number of seconds")
    }

    fn visit_u64<E: de::Error>(self, seconds: u64) -> Result<Duration, E> {
        Ok(Duration(seconds))
    }

    fn visit_i64<E: de::Error>(self, seconds: i64) -> Result<Duration, E> {
        u64::try_from(seconds)
            .map(Duration)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(seconds), &self))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
        text.parse().map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_units_and_bare_seconds() {
        let rows: &[(&str, &str, u64)] = &[
            ("bare seconds", "300", 300),
            ("seconds", "30s", 30),
            ("minutes", "15m", 900),
            ("hours", "8h", 28_800),
            ("days", "14d", 1_209_600),
            ("combined", "1h 30m", 5_400),
            ("zero", "0", 0),
        ];
        for (name, text, seconds) in rows {
            assert_eq!(text.parse::<Duration>(), Ok(Duration::seconds(*seconds)), "case {name}");
        }
    }

    #[test]
    fn refuses_fractions_and_words() {
        for text in ["1500ms", "soon", "-5", "5 parsecs"] {
            assert!(text.parse::<Duration>().is_err(), "{text}");
        }
    }

    #[test]
    fn deserializes_integers_and_strings() {
        let from_number: Duration = serde_json::from_str("600").unwrap();
        let from_text: Duration = serde_json::from_str("\"10m\"").unwrap();
        assert_eq!(from_number, from_text);
        assert!(serde_json::from_str::<Duration>("-1").is_err());
    }

    #[test]
    fn converts_at_the_edges() {
        let span = Duration::days(14);
        assert_eq!(span.to_std(), std::time::Duration::from_secs(1_209_600));
        assert_eq!(span.to_time(), time::Duration::days(14));
        assert_eq!(span.to_string(), "14days");
    }
}
