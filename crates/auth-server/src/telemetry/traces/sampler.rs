//! Whether a request is traced is our decision, not the caller's: a
//! caller's `traceparent` names the trace the request span joins, and its
//! sampled flag is not read. Spans inside a request follow the request span,
//! so a trace is kept or dropped whole. (Linking the caller's span from a new
//! trace of ours would also free sampling, but take the request out of the
//! caller's trace, which is what a caller sends `traceparent` for.)

use std::sync::Arc;

use opentelemetry::trace::{Link, SpanKind, SpanRef, TraceContextExt as _, TraceId};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{IdGenerator, SamplingDecision, SamplingResult, ShouldSample};

/// The configured sampler (`OTEL_TRACES_SAMPLER`, `parentbased_always_on`
/// unless set) deciding every request span as the root of a new trace.
#[derive(Clone, Debug)]
pub(super) struct OwnDecision {
    configured: Box<dyn ShouldSample>,
    ids: Arc<dyn IdGenerator>,
}

impl OwnDecision {
    /// Decides with `configured`; `ids` draws the trace ids it decides on for
    /// requests that came with a caller's trace.
    pub(super) fn new(configured: Box<dyn ShouldSample>, ids: Arc<dyn IdGenerator>) -> Self {
        Self { configured, ids }
    }
}

impl ShouldSample for OwnDecision {
    fn should_sample(
        &self,
        parent_context: Option<&Context>,
        trace_id: TraceId,
        name: &str,
        span_kind: &SpanKind,
        attributes: &[KeyValue],
        links: &[Link],
    ) -> SamplingResult {
        let parent = parent_context.map(|context| context.span());
        let parent = parent.as_ref().map(SpanRef::span_context).filter(|context| context.is_valid());
        match parent {
            None => {
                self.configured.should_sample(parent_context, trace_id, name, span_kind, attributes, links)
            }
            // Our own span's children: the request span decided for the trace.
            Some(parent) if !parent.is_remote() => SamplingResult {
                decision: if parent.is_sampled() {
                    SamplingDecision::RecordAndSample
                } else {
                    SamplingDecision::Drop
                },
                attributes: Vec::new(),
                trace_state: parent.trace_state().clone(),
            },
            // SECURITY: the caller's sampled flag is ignored, or a caller could
            // decline the tracing of its requests or get past a ratio sampler;
            // and the ratio samplers decide on the trace id, which the caller
            // chose, so they decide on an id of ours. The span still joins the
            // caller's trace (its trace id and parent are the caller's).
            Some(parent) => {
                let mut result = self.configured.should_sample(
                    None,
                    self.ids.new_trace_id(),
                    name,
                    span_kind,
                    attributes,
                    links,
                );
                result.trace_state = parent.trace_state().clone();
                result
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceState};
    use opentelemetry_sdk::trace::{RandomIdGenerator, Sampler};

    use super::*;

    /// A trace id a ratio sampler always keeps: its low 64 bits are zero.
    const KEPT_BY_ANY_RATIO: TraceId =
        TraceId::from_bytes(0x4bf9_2f35_77b3_4da6_0000_0000_0000_0000_u128.to_be_bytes());

    /// Draws only ids a ratio sampler below 1 drops: the low 64 bits all set.
    #[derive(Debug)]
    struct DroppedByAnyRatio;

    impl IdGenerator for DroppedByAnyRatio {
        fn new_trace_id(&self) -> TraceId {
            TraceId::from_bytes([0xff; 16])
        }

        fn new_span_id(&self) -> SpanId {
            SpanId::from_bytes([0, 0, 0, 0, 0, 0, 0, 1])
        }
    }

    fn parent(remote: bool, sampled: bool) -> Context {
        let flags = if sampled { TraceFlags::SAMPLED } else { TraceFlags::default() };
        let state = TraceState::from_key_value([("vendor", "x")]).unwrap();
        let context = SpanContext::new(
            KEPT_BY_ANY_RATIO,
            SpanId::from_bytes([0, 0, 0, 0, 0, 0, 0, 7]),
            flags,
            remote,
            state,
        );
        Context::new().with_remote_span_context(context)
    }

    fn decide(configured: Sampler, parent: Option<&Context>) -> SamplingResult {
        OwnDecision::new(Box::new(configured), Arc::new(DroppedByAnyRatio)).should_sample(
            parent,
            KEPT_BY_ANY_RATIO,
            "http_request",
            &SpanKind::Internal,
            &[],
            &[],
        )
    }

    #[test]
    fn the_configured_sampler_decides_whatever_a_callers_trace_says() {
        use SamplingDecision::{Drop, RecordAndSample};
        let on = || Sampler::ParentBased(Box::new(Sampler::AlwaysOn));
        let off = || Sampler::ParentBased(Box::new(Sampler::AlwaysOff));
        let ratio = || Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(0.5)));
        let rows: &[(&str, Sampler, Option<Context>, SamplingDecision)] = &[
            ("no parent, on", on(), None, RecordAndSample),
            ("no parent, off", off(), None, Drop),
            ("no parent, ratio keeps our id", ratio(), None, RecordAndSample),
            ("caller says not sampled, on", on(), Some(parent(true, false)), RecordAndSample),
            ("caller says sampled, off", off(), Some(parent(true, true)), Drop),
            ("caller says sampled, ratio", ratio(), Some(parent(true, true)), Drop),
            (
                "caller picked a kept id, plain ratio",
                Sampler::TraceIdRatioBased(0.5),
                Some(parent(true, true)),
                Drop,
            ),
            ("our sampled span's child, off", off(), Some(parent(false, true)), RecordAndSample),
            ("our dropped span's child, on", on(), Some(parent(false, false)), Drop),
        ];
        for (name, configured, parent, expected) in rows {
            let result = decide(configured.clone(), parent.as_ref());
            assert_eq!(&result.decision, expected, "case {name}");
            let state = result.trace_state.header();
            let kept = if parent.is_some() { "vendor=x" } else { "" };
            assert_eq!(state, kept, "case {name}: the parent's trace state is kept");
        }
    }

    #[test]
    fn a_remote_parent_is_decided_on_fresh_ids() {
        // Half of the requests of one caller's trace, give or take: the
        // caller's id alone would have them all kept.
        let sampler = OwnDecision::new(
            Box::new(Sampler::TraceIdRatioBased(0.5)),
            Arc::new(RandomIdGenerator::default()),
        );
        let caller = parent(true, true);
        let kept = (0..256)
            .filter(|_| {
                let result =
                    sampler.should_sample(Some(&caller), KEPT_BY_ANY_RATIO, "r", &SpanKind::Server, &[], &[]);
                result.decision == SamplingDecision::RecordAndSample
            })
            .count();
        assert!((64..=192).contains(&kept), "{kept} of 256 kept");
    }
}
