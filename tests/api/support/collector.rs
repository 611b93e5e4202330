//! An OTLP/HTTP collector on 127.0.0.1 that keeps every request it receives,
//! for the test that runs the binary with `AUTH_OTLP_ENDPOINT`.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

/// One request the collector received.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// The running collector.
#[derive(Clone)]
pub struct Collector {
    pub base: String,
    received: Arc<Mutex<Vec<Received>>>,
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    kept: web::Data<Arc<Mutex<Vec<Received>>>>,
) -> HttpResponse {
    let content_type =
        request.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let received = Received { path: request.path().to_owned(), content_type, body: body.to_vec() };
    kept.lock().unwrap().push(received);
    // An empty ExportTraceServiceResponse: everything accepted.
    HttpResponse::Ok().content_type("application/x-protobuf").finish()
}

impl Collector {
    /// Starts on a free loopback port. Call inside a tokio runtime, which runs it.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let data = web::Data::new(received.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(16 << 20))
                .default_service(web::to(receive))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self { base, received }
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}
