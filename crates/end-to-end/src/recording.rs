//! A recording reverse proxy: put one in front of a role, give the other
//! parties the proxy's URL, and every exchange that passes through it is
//! written to a shared [`Log`], exactly as it went over the wire.
//!
//! ```text
//!   browser ──▶ proxy "client" ──▶ client ──▶ proxy "protected-resource" ──▶ …
//!                  │                               │
//!                  └────────────── Log ◀───────────┘
//! ```
//!
//! The proxy forwards the method, path, query, headers (except hop-by-hop
//! ones and `Host`) and body unchanged, and never follows redirects: a
//! `303` reaches the caller as it left the role. Each exchange gets a
//! sequence number when its request *arrives*, so a call a role makes while
//! answering comes right after the request that caused it.
//!
//! The log holds raw values (tokens included): it lives in a test's memory
//! only. [`crate::walkthrough`] replaces every credential by a placeholder
//! before anything is written.

use service_kit::back_channel::IDLE_CONNECTION_REUSE;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

/// One request and its answer, as seen by a proxy.
#[derive(Debug, Clone)]
pub struct RawExchange {
    /// Arrival order across every proxy of the log.
    pub sequence: u64,
    /// Who sends the request (the proxy's caller, by name).
    pub from: String,
    /// The role behind the proxy.
    pub to: String,
    pub method: String,
    pub path: String,
    /// The raw query string, `None` when there is none.
    pub query: Option<String>,
    pub request_headers: Vec<(String, String)>,
    pub request_body: String,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response_body: String,
}

/// The exchanges of every proxy sharing it.
#[derive(Debug, Clone, Default)]
pub struct Log {
    exchanges: Arc<Mutex<Vec<RawExchange>>>,
    next_sequence: Arc<AtomicU64>,
}

impl Log {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every exchange so far, in arrival order.
    pub fn exchanges(&self) -> Vec<RawExchange> {
        let mut all = self.exchanges.lock().unwrap().clone();
        all.sort_by_key(|exchange| exchange.sequence);
        all
    }

    fn next_sequence(&self) -> u64 {
        self.next_sequence.fetch_add(1, Ordering::SeqCst)
    }

    fn push(&self, exchange: RawExchange) {
        self.exchanges.lock().unwrap().push(exchange);
    }
}

/// A proxy bound to a free loopback port, not serving yet: its URL goes
/// into the configurations of the roles before they start, and it starts
/// once the role behind it has a URL.
pub struct Proxy {
    socket: TcpListener,
    url: String,
    from: String,
    to: String,
}

impl Proxy {
    /// Binds `127.0.0.1:0` for the exchanges `from` → `to`.
    pub fn bind(from: &str, to: &str) -> Self {
        let socket = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", socket.local_addr().unwrap());
        Self {
            socket,
            url,
            from: from.to_owned(),
            to: to.to_owned(),
        }
    }

    /// `http://127.0.0.1:PORT`, what the callers are given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Serves in the background of the current actix runtime, forwarding to
    /// `target` (a base URL such as `http://127.0.0.1:PORT`).
    pub fn start(self, target: &str, log: &Log) {
        let forwarding = web::Data::new(Forwarding {
            target: target.trim_end_matches('/').to_owned(),
            from: self.from,
            to: self.to,
            log: log.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_idle_timeout(IDLE_CONNECTION_REUSE)
                .build()
                .unwrap(),
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(forwarding.clone())
                .app_data(web::PayloadConfig::new(1 << 20))
                .default_service(web::to(forward))
        })
        .workers(1)
        .listen(self.socket)
        .unwrap()
        .run();
        actix_rt::spawn(server);
    }
}

struct Forwarding {
    target: String,
    from: String,
    to: String,
    log: Log,
    http: reqwest::Client,
}

/// Headers that belong to one connection, not to the exchange (RFC 9110
/// §7.6.1), plus `Host` and the length, which the next hop sets itself.
const NOT_FORWARDED: [&str; 6] = [
    "host",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "upgrade",
];

fn forwarded(name: &str) -> bool {
    !NOT_FORWARDED.contains(&name.to_ascii_lowercase().as_str())
}

async fn forward(
    request: HttpRequest,
    body: web::Bytes,
    forwarding: web::Data<Forwarding>,
) -> HttpResponse {
    let sequence = forwarding.log.next_sequence();
    let path = request.path().to_owned();
    let query = Some(request.query_string().to_owned()).filter(|query| !query.is_empty());
    let url = match &query {
        Some(query) => format!("{}{path}?{query}", forwarding.target),
        None => format!("{}{path}", forwarding.target),
    };
    let method = reqwest::Method::from_bytes(request.method().as_str().as_bytes()).unwrap();
    let mut outgoing = forwarding.http.request(method, &url);
    let mut request_headers = Vec::new();
    for (name, value) in request.headers() {
        if forwarded(name.as_str()) {
            outgoing = outgoing.header(name.as_str(), value.as_bytes());
            request_headers.push((name.to_string(), text(value.as_bytes())));
        }
    }
    let answer = outgoing
        .body(body.to_vec())
        .send()
        .await
        .unwrap_or_else(|err| panic!("the proxy to {} could not forward: {err}", forwarding.to));
    let status = answer.status().as_u16();
    let mut reply = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    let mut response_headers = Vec::new();
    for (name, value) in answer.headers() {
        if forwarded(name.as_str()) {
            reply.append_header((name.as_str(), value.as_bytes()));
            response_headers.push((name.to_string(), text(value.as_bytes())));
        }
    }
    let response_body = answer.bytes().await.unwrap();
    forwarding.log.push(RawExchange {
        sequence,
        from: forwarding.from.clone(),
        to: forwarding.to.clone(),
        method: request.method().to_string(),
        path,
        query,
        request_headers,
        request_body: text(&body),
        status,
        response_headers,
        response_body: text(&response_body),
    });
    reply.body(response_body)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
