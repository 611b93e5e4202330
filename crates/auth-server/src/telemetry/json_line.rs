//! JSON log lines written straight into the line buffer.
//!
//! tracing-subscriber's JSON format keeps each span's fields as a JSON text
//! and parses it back into a `serde_json::Value` map for every event inside
//! the span, so each line cost a map and a string per field twice over. Here
//! a span's fields are rendered once, as the `"key":value` members they will
//! be printed as, and spliced into every line of the span unchanged. The
//! shape of a line is the one tracing-subscriber printed with
//! `flatten_event(true)`, `with_span_list(true)`, `with_current_span(false)`
//! and no target:
//!
//! `{"timestamp":"…","level":"INFO",<event fields>,"spans":[{<fields>,"name":"…"},…]}`

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
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct JsonMembers;

impl<'writer> FormatFields<'writer> for JsonMembers {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut writer = writer;
        let mut members = MemberWriter { out: &mut writer, empty: true, result: Ok(()) };
        fields.record(&mut members);
        members.result
    }

    // A field recorded after the span was created joins its members (the
    // default would join with a space, which is not JSON).
    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let empty = current.fields.is_empty();
        let mut writer = current.as_writer();
        let mut members = MemberWriter { out: &mut writer, empty, result: Ok(()) };
        fields.record(&mut members);
        members.result
    }
}

/// One event per line, as described in the module documentation.
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

        let mut members = MemberWriter { out: &mut writer, empty: false, result: Ok(()) };
        event.record(&mut members);
        members.result?;

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

/// Visits fields and writes each as a JSON member, a comma before all but
/// the first. `Visit` cannot fail, so the first write error is kept.
struct MemberWriter<'a, W: Write> {
    out: &'a mut W,
    empty: bool,
    result: fmt::Result,
}

impl<W: Write> MemberWriter<'_, W> {
    fn member(&mut self, field: &Field, value: impl FnOnce(&mut W) -> fmt::Result) {
        let name = field.name();
        // Records bridged from the `log` crate carry their metadata again as
        // `log.*` fields; the level is already on the line.
        if self.result.is_err() || name.starts_with("log.") {
            return;
        }
        let name = name.strip_prefix("r#").unwrap_or(name);
        self.result = (|| {
            if !std::mem::take(&mut self.empty) {
                self.out.write_char(',')?;
            }
            write_string(self.out, name)?;
            self.out.write_char(':')?;
            value(self.out)
        })();
    }
}

impl<W: Write> Visit for MemberWriter<'_, W> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity (RFC 8259 §6); serde_json prints null.
        self.member(
            field,
            |out| if value.is_finite() { write!(out, "{value}") } else { out.write_str("null") },
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

/// Escapes what it is given as the contents of a JSON string (RFC 8259 §7):
/// the quote, the backslash and every control character, so a logged value
/// can neither end its string nor carry a terminal escape sequence. `serde_json`
/// does the same but only for a whole string, not for the pieces a
/// `Debug` implementation writes one after another.
struct Escaped<'a, W: Write>(&'a mut W);

impl<W: Write> Write for Escaped<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut clean_from = 0;
        for (index, byte) in text.bytes().enumerate() {
            let escape = match byte {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                0x00..=0x1f => "",
                _ => continue,
            };
            self.0.write_str(&text[clean_from..index])?;
            if escape.is_empty() {
                write!(self.0, "\\u{byte:04x}")?;
            } else {
                self.0.write_str(escape)?;
            }
            clean_from = index + 1;
        }
        self.0.write_str(&text[clean_from..])
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    fn lines_of(log: impl FnOnce()) -> Vec<serde_json::Value> {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .fmt_fields(JsonMembers)
            .event_format(JsonLine)
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
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
            tracing::info!(status = 200_u16, ok = true, ratio = 0.5, delta = -3_i64, "request finished");
        });

        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_eq!(line["level"], "INFO");
        assert!(line["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')), "{line}");
        assert_eq!(line["message"], "request finished");
        assert_eq!(line["status"], 200);
        assert_eq!(line["ok"], true);
        assert_eq!(line["ratio"], 0.5);
        assert_eq!(line["delta"], -3);
        assert_eq!(
            line["spans"],
            serde_json::json!([
                { "request_id": "r-1", "method": "GET", "name": "http_request" },
                { "type": "code", "attempt": 2, "name": "exchange" },
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
        let hostile = "a\"b\\c\nd\re\tf\u{8}\u{c}\u{0}\u{1b}[31mred\u{7f} é ✓ 🦀";
        let lines = lines_of(|| {
            let span = tracing::info_span!("s", value = hostile);
            let _entered = span.enter();
            tracing::info!(debug = ?hostile, display = %hostile, plain = hostile, "{hostile}");
        });

        let line = &lines[0];
        for field in ["display", "plain", "message"] {
            assert_eq!(line[field], hostile, "{field}");
        }
        assert_eq!(line["debug"], format!("{hostile:?}"));
        assert_eq!(line["spans"][0]["value"], hostile);
    }

    #[test]
    fn escaping_matches_serde_json_for_every_ascii_character() {
        let every: String = (0_u8..=0x7f).map(char::from).collect();
        let mut ours = String::new();
        write_string(&mut ours, &every).unwrap();
        assert_eq!(ours, serde_json::to_string(&every).unwrap());
    }

    #[test]
    fn non_finite_numbers_are_null() {
        let lines = lines_of(|| tracing::info!(nan = f64::NAN, inf = f64::INFINITY, "numbers"));
        assert!(lines[0]["nan"].is_null());
        assert!(lines[0]["inf"].is_null());
    }
}
