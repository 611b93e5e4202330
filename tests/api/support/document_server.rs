//! A server on 127.0.0.1 that serves client metadata documents (and
//! whatever else a test scripts: redirects, errors, oversized bodies) and
//! counts the requests each path receives. The server under test reaches
//! it only with `cimd_allow_http_loopback` on.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::Value;

/// What one path answers.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

#[derive(Default)]
struct Script {
    replies: HashMap<String, Reply>,
    hits: HashMap<String, usize>,
}

/// The running document server.
#[derive(Clone)]
pub struct DocumentServer {
    pub base: String,
    script: Arc<Mutex<Script>>,
}

async fn answer(request: HttpRequest, script: web::Data<Arc<Mutex<Script>>>) -> HttpResponse {
    let path = request.path().to_owned();
    let reply = {
        let mut script = script.lock().unwrap();
        *script.hits.entry(path.clone()).or_default() += 1;
        script.replies.get(&path).cloned()
    };
    let Some(reply) = reply else { return HttpResponse::NotFound().finish() };
    let mut response = HttpResponse::build(actix_web::http::StatusCode::from_u16(reply.status).unwrap());
    for (name, value) in &reply.headers {
        response.insert_header((name.as_str(), value.as_str()));
    }
    response.body(reply.body)
}

impl DocumentServer {
    /// Starts on a free loopback port.
    /// Call inside a tokio runtime, which runs it.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let script = Arc::new(Mutex::new(Script::default()));
        let data = web::Data::new(script.clone());
        let server =
            HttpServer::new(move || App::new().app_data(data.clone()).default_service(web::to(answer)))
                .workers(1)
                .listen(listener)
                .unwrap()
                .run();
        tokio::spawn(server);
        Self { base, script }
    }

    /// The URL of `path` on this server: a client id.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `path` answers `reply`.
    pub fn serve(&self, path: &str, reply: Reply) {
        self.script.lock().unwrap().replies.insert(path.to_owned(), reply);
    }

    /// `path` answers 200 with `document` as JSON and `cache_control`, if any.
    pub fn document(&self, path: &str, document: &Value, cache_control: Option<&str>) {
        let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        if let Some(value) = cache_control {
            headers.push(("cache-control".to_owned(), value.to_owned()));
        }
        self.serve(path, Reply { status: 200, body: document.to_string().into_bytes(), headers });
    }

    /// How many requests `path` received.
    pub fn hits(&self, path: &str) -> usize {
        self.script.lock().unwrap().hits.get(path).copied().unwrap_or(0)
    }
}
