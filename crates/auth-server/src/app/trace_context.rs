//! Whether requests continue their caller's trace: only when spans are
//! exported at all (`otlp_endpoint`), since a parent nobody receives links nothing.

use std::sync::Arc;

use oauth_http_actix::TraceContext;

use crate::config::Config;
use crate::telemetry::traces::W3cTraceContext;

/// The W3C Trace Context reader for the request middleware, with traces on.
pub fn trace_context(config: &Config) -> Option<Arc<dyn TraceContext>> {
    config
        .logging
        .otlp_endpoint
        .as_ref()
        .map(|_| Arc::new(W3cTraceContext::default()) as Arc<dyn TraceContext>)
}
