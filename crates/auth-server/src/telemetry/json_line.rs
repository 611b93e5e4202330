//! JSON log lines written straight into the line buffer, one object per
//! event: `{"timestamp":…,"level":…,<event fields>,"spans":[{<fields>,"name":…},…]}`.
//! Every value is a JSON number, boolean or escaped string: logged input
//! cannot leave its string.

use std::fmt::{self, Write};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// Renders fields as comma-separated JSON members (`"a":1,"b":"x"`), the
/// form both a span's stored fields and an event's fields are printed in.
///
/// tracing-subscriber's JSON format keeps a span's fields as JSON text and
/// parses them back into a `serde_json` map for every event inside the
/// span; rendered once as members, they are spliced into each line as they
/// are (docs/BENCHMARKS.md: 15–20 % of a cheap request's CPU). Differences
/// from its lines: `r#` is stripped from every field name, and a span field
/// recorded twice appears twice (the last one wins in common parsers; no
/// field of ours is recorded twice).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct JsonMembers;

impl<'writer> FormatFields<'writer> for JsonMembers {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> fmt::Result {
        write_members(&mut writer, true, fields)
    }

    // A field recorded after the span was created joins its members (the
    // default would join with a space, which is not JSON).
    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let kept = current.fields.len();
        let result = write_members(&mut current.as_writer(), kept == 0, fields);
        // The caller ignores the error, and a half-written member would
        // break every later line of the span.
        if result.is_err() {
            current.fields.truncate(kept);
        }
        result
    }
}

/// One event per line, in the shape the module documentation shows.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct JsonLine;

impl<S> FormatEvent<S, JsonMembers> for JsonLine
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonMembers>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        writer.write_str("{\"timestamp\":\"")?;
        SystemTime.format_time(&mut writer)?;
        write!(writer, "\",\"level\":\"{}\"", event.metadata().level())?;

        write_members(&mut writer, false, event)?;

        if let Some(scope) = ctx.event_scope() {
            writer.write_str(",\"spans\":[")?;
            for (index, span) in scope.from_root().enumerate() {
                if index > 0 {
                    writer.write_char(',')?;
                }
                writer.write_char('{')?;
                if let Some(fields) = span.extensions().get::<FormattedFields<JsonMembers>>()
                    && !fields.is_empty()
                {
                    writer.write_str(fields)?;
                    writer.write_char(',')?;
                }
                writer.write_str("\"name\":")?;
                write_string(&mut writer, span.name())?;
                writer.write_char('}')?;
            }
            writer.write_char(']')?;
        }
        writer.write_str("}\n")
    }
}

/// Writes `fields` as JSON members, a comma before each unless `first`
/// (nothing precedes them).
fn write_members(out: &mut impl Write, first: bool, fields: impl RecordFields) -> fmt::Result {
    let mut members = MemberWriter { out, empty: first, result: Ok(()) };
    fields.record(&mut members);
    members.result
}

/// Visits fields and writes each as a JSON member. `Visit` cannot fail, so
/// the first write error is kept and ends the visit's output.
struct MemberWriter<'a, W: Write> {
    out: &'a mut W,
    empty: bool,
    result: fmt::Result,
}

impl<W: Write> MemberWriter<'_, W> {
    fn member(&mut self, field: &Field, value: impl FnOnce(&mut W) -> fmt::Result) {
        if self.result.is_ok() {
            self.result = self.write_member(field, value);
        }
    }

    fn write_member(&mut self, field: &Field, value: impl FnOnce(&mut W) -> fmt::Result) -> fmt::Result {
        if !std::mem::take(&mut self.empty) {
            self.out.write_char(',')?;
        }
        let name = field.name();
        write_string(self.out, name.strip_prefix("r#").unwrap_or(name))?;
        self.out.write_char(':')?;
        value(self.out)
    }
}

impl<W: Write> Visit for MemberWriter<'_, W> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity (RFC 8259 §6); serde_json prints null.
        // `Debug` keeps `1.0` a float and writes `1e300`, not 301 digits.
        self.member(
            field,
            |out| if value.is_finite() { write!(out, "{value:?}") } else { out.write_str("null") },
        );
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.member(field, |out| write!(out, "{value}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.member(field, |out| write!(out, "{value}"));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.member(field, |out| write!(out, "{value}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.member(field, |out| write_string(out, value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.member(field, |out| write_escaped(out, format_args!("{value}")));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.member(field, |out| write_escaped(out, format_args!("{value:?}")));
    }
}

fn write_string(out: &mut impl Write, value: &str) -> fmt::Result {
    out.write_char('"')?;
    Escaped(out).write_str(value)?;
    out.write_char('"')
}

/// Formats `value` straight into a JSON string, with no intermediate `String`.
fn write_escaped(out: &mut impl Write, value: fmt::Arguments<'_>) -> fmt::Result {
    if let Some(text) = value.as_str() {
        return write_string(out, text);
    }
    out.write_char('"')?;
    Escaped(&mut *out).write_fmt(value)?;
    out.write_char('"')
}

/// Escapes what it is given as the contents of a JSON string. RFC 8259 §7
/// requires the quote, the backslash and the C0 controls; DEL and the C1
/// controls (U+0080–U+009F, CSI among them) are escaped too, so no terminal
/// escape sequence reaches a console that shows the log. `serde_json`
/// escapes only whole strings, not the pieces a `Debug` implementation
/// writes one after another.
struct Escaped<'a, W: Write>(&'a mut W);

impl<W: Write> Write for Escaped<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut clean_from = 0;
        for (index, character) in text.char_indices() {
            let short = match character {
                '"' => Some("\\\""),
                '\\' => Some("\\\\"),
                '\n' => Some("\\n"),
                '\r' => Some("\\r"),
                '\t' => Some("\\t"),
                '\u{8}' => Some("\\b"),
                '\u{c}' => Some("\\f"),
                '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' => None,
                _ => continue,
            };
            self.0.write_str(&text[clean_from..index])?;
            match short {
                Some(escape) => self.0.write_str(escape)?,
                None => write!(self.0, "\\u{:04x}", u32::from(character))?,
            }
            clean_from = index + character.len_utf8();
        }
        self.0.write_str(&text[clean_from..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::captured::Captured;

    fn lines_of(log: impl FnOnce()) -> Vec<serde_json::Value> {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .fmt_fields(JsonMembers)
            .event_format(JsonLine)
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        let text = captured.text();
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }

    #[test]
    fn a_line_inside_spans_carries_its_fields_and_every_span_root_first() {
        let lines = lines_of(|| {
            let outer = tracing::info_span!("http_request", request_id = "r-1", method = %"GET");
            let _outer = outer.enter();
            let inner = tracing::info_span!("exchange", r#type = "code", attempt = tracing::field::Empty);
            inner.record("attempt", 2_u64);
            let _inner = inner.enter();
            let bare = tracing::info_span!("bare");
            let _bare = bare.enter();
            tracing::info!(status = 200_u16, ok = true, ratio = 1.0, delta = -3_i64, "request finished");
        });

        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_eq!(line["level"], "INFO");
        let timestamp = line["timestamp"].as_str().unwrap_or_default();
        assert!(
            time::OffsetDateTime::parse(timestamp, &time::format_description::well_known::Rfc3339).is_ok(),
            "{line}"
        );
        assert_eq!(line["message"], "request finished");
        assert_eq!(line["status"], 200);
        assert_eq!(line["ok"], true);
        assert!(line["ratio"].is_f64(), "a whole float stays a float: {line}");
        assert_eq!(line["delta"], -3);
        assert_eq!(
            line["spans"],
            serde_json::json!([
                { "request_id": "r-1", "method": "GET", "name": "http_request" },
                { "type": "code", "attempt": 2, "name": "exchange" },
                { "name": "bare" },
            ])
        );
    }

    #[test]
    fn a_line_outside_any_span_has_no_span_list() {
        let lines = lines_of(|| tracing::warn!(path = "/x", "no span"));
        assert_eq!(lines[0]["level"], "WARN");
        assert_eq!(lines[0]["path"], "/x");
        assert!(lines[0].get("spans").is_none());
    }

    #[test]
    fn hostile_values_stay_inside_their_strings() {
        let cases = [
            ("quote and backslash", "a\"b\\c"),
            ("line breaks forging a second line", "x\n{\"level\":\"ERROR\"}\r\n"),
            ("C0 controls", "\t\u{8}\u{c}\u{0}\u{1f}"),
            ("ANSI escape sequence", "\u{1b}[31mred\u{1b}[0m"),
            ("DEL and C1 controls, CSI among them", "\u{7f}\u{80}\u{9b}31m\u{9f}"),
            ("multi-byte text next to escapes", "é\"✓\n🦀\\ü"),
        ];
        for (name, hostile) in cases {
            let lines = lines_of(|| {
                let span = tracing::info_span!("s", value = hostile);
                let _entered = span.enter();
                tracing::info!(debug = ?hostile, display = %hostile, plain = hostile, "{hostile}");
            });

            assert_eq!(lines.len(), 1, "{name}");
            let line = &lines[0];
            for field in ["display", "plain", "message"] {
                assert_eq!(line[field], hostile, "{name}: {field}");
            }
            assert_eq!(line["debug"], format!("{hostile:?}"), "{name}");
            assert_eq!(line["spans"][0]["value"], hostile, "{name}");
        }
    }

    #[test]
    fn escaping_matches_serde_json_below_del_and_escapes_del_and_c1_controls() {
        let below_del: String = (0_u8..0x7f).map(char::from).collect();
        let mut ours = String::new();
        write_string(&mut ours, &below_del).unwrap();
        assert_eq!(ours, serde_json::to_string(&below_del).unwrap());

        let mut controls = String::new();
        write_string(&mut controls, "\u{7f}\u{80}\u{9b}\u{9f}\u{a0}").unwrap();
        assert_eq!(controls, "\"\\u007f\\u0080\\u009b\\u009f\u{a0}\"");
    }

    #[test]
    fn a_field_that_fails_to_format_leaves_the_span_lines_valid() {
        struct Failing;
        impl fmt::Debug for Failing {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("half")?;
                Err(fmt::Error)
            }
        }

        let lines = lines_of(|| {
            let span = tracing::info_span!("s", kept = 1_u64, broken = tracing::field::Empty);
            span.record("broken", tracing::field::debug(Failing));
            let _entered = span.enter();
            tracing::info!("after");
        });

        assert_eq!(lines[0]["spans"], serde_json::json!([{ "kept": 1, "name": "s" }]));
    }

    #[test]
    fn non_finite_numbers_are_null() {
        let lines = lines_of(|| tracing::info!(nan = f64::NAN, inf = f64::INFINITY, "numbers"));
        assert!(lines[0]["nan"].is_null());
        assert!(lines[0]["inf"].is_null());
    }
}
