use std::sync::{Arc, Mutex};

use actix_web::http::header::HeaderMap;
use actix_web::middleware::from_fn;
use actix_web::{App, test};
use oauth_core::ports::MockReadinessProbe;

use super::*;
use crate::TraceContext;

/// Remembers the `traceparent` of every request it is asked to adopt.
#[derive(Default)]
struct Recorded(Mutex<Vec<Option<String>>>);

impl TraceContext for Recorded {
    fn adopt(&self, _span: &tracing::Span, headers: &HeaderMap) {
        let value = headers.get("traceparent").and_then(|v| v.to_str().ok()).map(str::to_owned);
        self.0.lock().unwrap().push(value);
    }
}

#[actix_web::test]
async fn the_trace_context_hook_sees_every_requests_headers() {
    let recorded = Arc::new(Recorded::default());
    let mut state = crate::state::testing::state(Arc::new(MockReadinessProbe::new()));
    state.trace_context = Some(recorded.clone());
    let app =
        test::init_service(App::new().configure(crate::mount(web::Data::new(state))).wrap(from_fn(assign)))
            .await;
    let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    for request in [
        test::TestRequest::get().uri("/nowhere").insert_header(("traceparent", parent)),
        test::TestRequest::get().uri("/nowhere"),
    ] {
        let response = test::call_service(&app, request.to_request()).await;
        assert!(response.headers().contains_key(X_REQUEST_ID));
    }
    assert_eq!(*recorded.0.lock().unwrap(), [Some(parent.to_owned()), None]);
}
