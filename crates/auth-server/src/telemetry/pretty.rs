//! The fields of the pretty format: tracing-subscriber's look (`name=value`
//! separated by spaces, the message bare, names in italics on a terminal),
//! with every value escaped, so that logged input cannot start a line of its
//! own or send a control sequence to the operator's terminal.

use std::fmt::{self, Write};

use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::FormattedFields;
use tracing_subscriber::fmt::format::Writer;

/// Formats the fields of events and spans (a span's later `record` calls
/// included) for the pretty format.
///
/// tracing-subscriber's own field formatter escapes only ANSI sequences, and
/// only in the message: a `%`-recorded field, a request's `client_id` among
/// them, reached the log as it came, line breaks and escape sequences too.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct PrettyFields;

impl<'writer> FormatFields<'writer> for PrettyFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut visitor = FieldWriter { writer, empty: true, result: Ok(()) };
        fields.record(&mut visitor);
        visitor.result
    }

    // A field recorded after the span was created joins the span's fields,
    // escaped like the others.
    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let empty = current.fields.is_empty();
        let mut visitor = FieldWriter { writer: current.as_writer(), empty, result: Ok(()) };
        fields.record(&mut visitor);
        visitor.result
    }
}

/// Writes each field as `name=value` (the message as its bare value). `Visit`
/// cannot fail, so the first write error is kept and ends the output.
struct FieldWriter<'a> {
    writer: Writer<'a>,
    empty: bool,
    result: fmt::Result,
}

impl FieldWriter<'_> {
    fn field(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        let name = field.name();
        // The metadata of a `log` record, which the event line already shows.
        if self.result.is_err() || name.starts_with("log.") {
            return;
        }
        self.result = self.write_field(name, value);
    }

    fn write_field(&mut self, name: &str, value: fmt::Arguments<'_>) -> fmt::Result {
        if !std::mem::take(&mut self.empty) {
            self.writer.write_char(' ')?;
        }
        if name != "message" {
            let name = name.strip_prefix("r#").unwrap_or(name);
            if self.writer.has_ansi_escapes() {
                // Italic name, dimmed `=`: tracing-subscriber's own styling.
                write!(self.writer, "\x1b[3m{name}\x1b[0m\x1b[2m=\x1b[0m")?;
            } else {
                write!(self.writer, "{name}=")?;
            }
        }
        Escaped(&mut self.writer).write_fmt(value)
    }
}

impl Visit for FieldWriter<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        // Text fields are quoted, as tracing-subscriber prints them; the message is not.
        if field.name() == "message" {
            self.rendered(field, value);
        } else {
            self.field(field, format_args!("{value:?}"));
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.rendered(field, &ErrorChain(value).to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.rendered(field, &format!("{value:?}"));
    }
}

impl FieldWriter<'_> {
    /// Writes a rendered value bare when no reader of `key=value` lines
    /// (logfmt, Loki, Splunk, Vector) could take part of it for another field
    /// or for the end of the span's `{...}`, and quoted the way `Debug` quotes
    /// a string otherwise. A value that already is one quoted string, as a
    /// `?`-recorded `String` is, stays as it is.
    fn rendered(&mut self, field: &Field, text: &str) {
        // The message is the line's free text, spaces and braces included;
        // only what could make it a field, or a backslash that could pass for
        // an escape, gets it quoted.
        let significant: fn(char) -> bool = if field.name() == "message" {
            |c| matches!(c, '=' | '"' | '\\')
        } else {
            |c| matches!(c, '=' | '"' | '\\' | '{' | '}') || (c.is_whitespace() && !is_escaped(c))
        };
        if text.contains(significant) && !is_one_quoted_string(text) {
            self.field(field, format_args!("{text:?}"));
        } else {
            self.field(field, format_args!("{text}"));
        }
    }
}

/// Whether `text` is a single `"..."` string whose inner quotes are all
/// escaped, so that a `key=value` reader ends the value at its last quote.
fn is_one_quoted_string(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')) else {
        return false;
    };
    let mut characters = inner.chars();
    while let Some(character) = characters.next() {
        match character {
            // The escaped character, or the closing quote escaped.
            '\\' if characters.next().is_none() => return false,
            '"' => return false,
            _ => {}
        }
    }
    true
}

/// An error and its sources: `outer: inner: innermost`.
struct ErrorChain<'a>(&'a (dyn std::error::Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(error) = source {
            write!(f, ": {error}")?;
            source = error.source();
        }
        Ok(())
    }
}

/// Passes text through with its control and invisible characters escaped:
/// line feed, carriage return and tab as `\n`, `\r`, `\t`; every other
/// character that Rust's `Debug` escapes as `\u{1b}` (the C0 controls, DEL,
/// the C1 controls with CSI and NEL, the format characters such as the bidi
/// overrides U+202A–U+202E and the zero-width ones, the line and paragraph
/// separators U+2028 and U+2029, the no-break space, and the combining marks,
/// which a decomposed accent pays for) in that form, so that logged input can
/// neither start a line nor reorder or hide text on the operator's screen.
/// Backslash and quotes are left alone: a bare value holds no backslash or
/// double quote (see `FieldWriter::rendered`), a quoted `Debug` value has its
/// own already escaped, so nothing is escaped twice.
struct Escaped<'a, W: Write>(&'a mut W);

/// Whether `Escaped` rewrites `character`.
fn is_escaped(character: char) -> bool {
    !matches!(character, '\\' | '"' | '\'') && character.escape_debug().len() > 1
}

impl<W: Write> Write for Escaped<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut clean_from = 0;
        for (index, character) in text.char_indices() {
            if !is_escaped(character) {
                continue;
            }
            self.0.write_str(&text[clean_from..index])?;
            match character {
                '\n' => self.0.write_str("\\n")?,
                '\r' => self.0.write_str("\\r")?,
                '\t' => self.0.write_str("\\t")?,
                _ => write!(self.0, "\\u{{{:x}}}", u32::from(character))?,
            }
            clean_from = index + character.len_utf8();
        }
        self.0.write_str(&text[clean_from..])
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;
    use crate::telemetry::captured::Captured;

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        Escaped(&mut out).write_str(text).unwrap();
        out
    }

    #[test]
    fn escapes_every_control_and_format_character_and_nothing_else() {
        let cases = [
            ("plain text", "client-1 ok", "client-1 ok"),
            ("line feed", "x\nFORGED", "x\\nFORGED"),
            ("carriage return", "x\rFORGED", "x\\rFORGED"),
            ("tab", "a\tb", "a\\tb"),
            ("NUL and unit separator", "\u{0}\u{1f}", "\\u{0}\\u{1f}"),
            ("ESC of an ANSI sequence", "\u{1b}[2J", "\\u{1b}[2J"),
            ("BEL", "\u{7}", "\\u{7}"),
            ("DEL", "\u{7f}", "\\u{7f}"),
            ("C1 controls: NEL, CSI, APC end", "\u{85}\u{9b}31m\u{9f}", "\\u{85}\\u{9b}31m\\u{9f}"),
            ("bidi override and line separator", "\u{202e}\u{2028}", "\\u{202e}\\u{2028}"),
            ("no-break space and soft hyphen", "\u{a0}\u{ad}", "\\u{a0}\\u{ad}"),
            ("zero-width, isolates, BOM", "\u{200b}\u{2066}\u{feff}", "\\u{200b}\\u{2066}\\u{feff}"),
            ("first printable past C1 kept", "\u{a1}", "\u{a1}"),
            ("single quote kept", "it's", "it's"),
            ("quote and backslash kept", "a\"b\\c", "a\"b\\c"),
            ("multi-byte text next to escapes", "é\n✓\u{1b}🦀", "é\\n✓\\u{1b}🦀"),
        ];
        for (name, input, expected) in cases {
            assert_eq!(escaped(input), expected, "{name}");
        }
    }

    #[test]
    fn no_control_character_survives() {
        let all: String = (0_u32..=0xa0).filter_map(char::from_u32).collect();
        let out = escaped(&all);
        assert!(!out.chars().any(char::is_control), "{out:?}");
    }

    fn output_of(ansi: bool, log: impl FnOnce()) -> String {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .with_target(false)
            .with_ansi(ansi)
            .fmt_fields(PrettyFields)
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        captured.text()
    }

    #[test]
    fn hostile_values_stay_on_their_line_in_every_kind_of_field() {
        let hostile = "x\n2026-01-01T00:00:00Z  INFO login_succeeded user_id=admin\u{1b}[2J\u{7}\u{9b}";
        let forged = "x} event=\"login_succeeded\" {y";
        let error = io::Error::other(hostile);
        let output = output_of(false, || {
            let span = tracing::info_span!("token", client_id = %hostile, grant_type = tracing::field::Empty);
            span.record("grant_type", hostile);
            let _entered = span.enter();
            tracing::warn!(
                debug = ?hostile,
                display = %hostile,
                plain = hostile,
                error = &error as &dyn std::error::Error,
                client_id = %forged,
                "{hostile}"
            );
        });

        assert_eq!(output.lines().count(), 1, "{output}");
        assert!(!output.trim_end().chars().any(char::is_control), "{output:?}");
        let quoted =
            "\"x\\n2026-01-01T00:00:00Z  INFO login_succeeded user_id=admin\\u{1b}[2J\\u{7}\\u{9b}\"";
        let forged_field = "client_id=\"x} event=\\\"login_succeeded\\\" {y\"";
        for shown in [
            format!("token{{client_id={quoted} grant_type={quoted}}}"),
            format!("}}: {quoted} "),
            format!("debug={quoted} "),
            format!("display={quoted} "),
            format!("plain={quoted} "),
            format!("error={quoted} "),
            forged_field.to_owned(),
        ] {
            assert!(output.contains(&shown), "{shown:?} in {output:?}");
        }
        let outside = output.replace(forged_field, "");
        assert!(!outside.contains(" event=\"login_succeeded\""), "a forged field: {output:?}");
    }

    #[test]
    fn values_that_cannot_pass_for_more_fields_stay_bare() {
        let output = output_of(false, || {
            tracing::info!(
                id = %"client-1",
                escaped = %"x\nFORGED\u{1b}[2J",
                some = ?Some(3),
                quoted = ?"a b",
                "request finished"
            );
        });
        assert!(
            output.contains(
                "request finished id=client-1 escaped=x\\nFORGED\\u{1b}[2J some=Some(3) quoted=\"a b\"\n"
            ),
            "{output:?}"
        );
    }

    #[test]
    fn the_look_is_tracing_subscribers() {
        let plain = output_of(false, || {
            let span = tracing::info_span!("http_request", request_id = "r-1", method = %"GET");
            let _entered = span.enter();
            tracing::info!(status = 200_u16, r#type = "code", "request finished");
        });
        assert!(
            plain.contains(
                "INFO http_request{request_id=\"r-1\" method=GET}: request finished status=200 type=\"code\"\n"
            ),
            "{plain:?}"
        );

        let styled = output_of(true, || tracing::info!(status = 200_u16, "done"));
        assert!(styled.contains("done \u{1b}[3mstatus\u{1b}[0m\u{1b}[2m=\u{1b}[0m200"), "{styled:?}");
    }
}
