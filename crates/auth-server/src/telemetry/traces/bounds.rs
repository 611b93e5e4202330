//! What a caller can make an exported span carry is bounded: every string
//! attribute (the request path, a client id as sent, a grant type) is cut to
//! [`MAX_ATTRIBUTE_BYTES`] before the span is queued, so a long value costs
//! neither the export queue's memory nor the collector's batch limit.

use std::time::Duration;

use opentelemetry::{Context, Value};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

/// The longest string attribute value exported, in bytes. Our own values
/// (ids, methods, route paths) are far shorter; what is longer came from a caller.
pub(super) const MAX_ATTRIBUTE_BYTES: usize = 256;

/// A span processor that bounds each ended span, then hands it on.
#[derive(Debug)]
pub(super) struct Bounded<P>(pub(super) P);

impl<P: SpanProcessor> SpanProcessor for Bounded<P> {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.0.on_start(span, cx);
    }

    fn on_end(&self, mut span: SpanData) {
        for attribute in &mut span.attributes {
            bound(&mut attribute.value);
        }
        self.0.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }

    fn shutdown(&self) -> OTelSdkResult {
        self.0.shutdown()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.0.set_resource(resource);
    }
}

/// Cuts a string value to at most [`MAX_ATTRIBUTE_BYTES`], on a character
/// boundary (OpenTelemetry specification, § Attribute Limits, truncates the
/// same way: the value's start is kept).
fn bound(value: &mut Value) {
    if let Value::String(text) = value
        && text.as_str().len() > MAX_ATTRIBUTE_BYTES
    {
        let kept = head(text.as_str(), MAX_ATTRIBUTE_BYTES).to_owned();
        *value = Value::String(kept.into());
    }
}

/// The longest start of `text` of at most `max` bytes that ends between characters.
fn head(text: &str, max: usize) -> &str {
    let end = (0..=max.min(text.len())).rev().find(|&end| text.is_char_boundary(end)).unwrap_or(0);
    text.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_strings_are_cut_on_a_character_boundary() {
        let long_ascii = "/".repeat(300);
        // 255 ASCII bytes, then a 3-byte character across the limit.
        let across = format!("{}€tail", "a".repeat(255));
        let rows: &[(&str, Value, Value)] = &[
            ("short", Value::from("/oauth/token"), Value::from("/oauth/token")),
            ("exactly the limit", Value::from("x".repeat(256)), Value::from("x".repeat(256))),
            ("long", Value::from(long_ascii.clone()), Value::from(long_ascii[..256].to_owned())),
            ("across a character", Value::from(across.clone()), Value::from(across[..255].to_owned())),
            ("not a string", Value::I64(7), Value::I64(7)),
        ];
        for (name, input, expected) in rows {
            let mut value = input.clone();
            bound(&mut value);
            assert_eq!(&value, expected, "case {name}");
            assert!(value.as_str().len() <= MAX_ATTRIBUTE_BYTES, "case {name}");
        }
    }
}
