//! What the property tests of every role share: a deterministic draw of
//! cases from a proptest strategy, an HTTP client that neither follows
//! redirects nor waits forever, the hostile inputs every role must survive
//! (text, broken form encoding, content types, bodies, methods) and the
//! checks of an HTML answer. Which names, values and sizes a role adds to
//! those belong to its own tests.

use std::borrow::Cow;
use std::fmt::Debug;
use std::ops::Range;
use std::time::Duration;

use proptest::collection::vec;
use proptest::prelude::{any, prop, prop_oneof, Just};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// `count` values drawn from `strategy` by a seeded runner: the same cases
/// every run, so a failure can be replayed.
///
/// # Panics
/// When the strategy cannot produce a value.
#[allow(clippy::panic)]
pub fn cases<S: Strategy>(strategy: S, count: usize) -> Vec<S::Value>
where
    S::Value: Debug,
{
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    (0..count)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .unwrap_or_else(|reason| panic!("no case drawn: {reason}"))
                .current()
        })
        .collect()
}

/// A client that follows no redirect (each hop is checked) and gives up
/// after 10 s, so a hang fails the test instead of stalling it.
///
/// # Panics
/// When the TLS backend cannot start.
#[allow(clippy::panic)]
pub fn impatient_http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .pool_idle_timeout(crate::back_channel::IDLE_CONNECTION_REUSE)
        .build()
        .unwrap_or_else(|err| panic!("cannot build an HTTP client: {err}"))
}

/// One of `words`, as an owned string.
pub fn one_of(words: &[&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(words.to_vec()).prop_map(str::to_owned)
}

/// Text an attacker would put in any field: empty, any printable
/// characters, an embedded NUL (Postgres refuses it in TEXT), control and
/// non-ASCII characters, or `long` lowercase letters.
pub fn hostile_text(long: Range<usize>) -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "\\PC{0,32}",
        ".{0,8}\u{0}.{0,8}",
        "[\u{0}-\u{1f}\u{7f}-\u{ff}]{1,16}",
        vec(prop::char::range('a', 'z'), long).prop_map(String::from_iter),
    ]
}

/// A query string or form body whose percent-encoding is broken (a lone
/// `%`, `%zz`, encoded bytes that are not UTF-8, an encoded NUL, stray `&`
/// and `=`), mixed with the role's own `fragments` (`state=`,
/// `client_id=strava`) and random words, at most `parts` pieces long.
pub fn broken_form_encoding(
    fragments: &[&'static str],
    parts: usize,
) -> impl Strategy<Value = String> {
    let mut pieces = vec!["%", "%zz", "%ff%fe", "%00", "&", "="];
    pieces.extend_from_slice(fragments);
    let weight = u32::try_from(pieces.len()).unwrap_or(u32::MAX);
    vec(
        prop_oneof![weight => one_of(&pieces), 1 => "[a-z_]{1,12}"],
        0..parts,
    )
    .prop_map(|parts| parts.concat())
}

/// `Content-Type` values: the form and JSON types, `text/plain`, the
/// role's `more`, none at all, or random printable text.
pub fn content_type(more: &[&'static str]) -> impl Strategy<Value = Option<String>> {
    let mut known = vec![
        "application/x-www-form-urlencoded",
        "application/json",
        "text/plain",
    ];
    known.extend_from_slice(more);
    let weight = u32::try_from(known.len()).unwrap_or(u32::MAX);
    prop_oneof![
        weight => one_of(&known).prop_map(Some),
        1 => Just(None),
        1 => "[ -~]{0,40}".prop_map(Some),
    ]
}

/// A request body: mostly `text` (a form, say), else random bytes, now and
/// then a form field `oversized` bytes long.
pub fn body(
    text: impl Strategy<Value = String>,
    oversized: Range<usize>,
) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => text.prop_map(String::into_bytes),
        2 => vec(any::<u8>(), 0..256),
        1 => oversized.prop_map(|len| format!("a={}", "b".repeat(len)).into_bytes()),
    ]
}

/// The first 200 bytes of `body`, as text, for a failure message.
pub fn excerpt(body: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(&body[..body.len().min(200)])
}

/// Sends `request` with `body` and `content_type` (no such header when
/// `None`).
///
/// # Panics
/// When no answer comes, naming the request by `what`.
#[allow(clippy::panic)]
pub async fn send_body(
    mut request: reqwest::RequestBuilder,
    content_type: Option<&str>,
    body: &[u8],
    what: &str,
) -> reqwest::Response {
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request
        .body(body.to_vec())
        .send()
        .await
        .unwrap_or_else(|err| panic!("{what}: {err}"))
}

/// Asserts that `response` is an HTML page (the answer to `what`).
///
/// # Panics
/// When it is not.
#[allow(clippy::panic)]
pub async fn assert_html_page(what: &str, response: reqwest::Response) {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("text/html"),
        "{what}: {content_type}"
    );
    let page = response
        .text()
        .await
        .unwrap_or_else(|err| panic!("{what}: {err}"));
    assert!(page.contains("</html>"), "{what}: {page}");
}

/// The methods a role serves nowhere: the usual others and random tokens.
fn unserved_method() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
            .prop_map(str::to_owned),
        "[A-Z]{1,12}".prop_filter("not a served method", |method| {
            !matches!(method.as_str(), "GET" | "HEAD" | "POST")
        }),
    ]
}

/// `count` requests with a method no route serves (neither GET, HEAD nor
/// POST) on one of `paths` of the role at `base_url`: each must answer 4xx.
///
/// # Panics
/// When one does not, or does not answer at all.
#[allow(clippy::panic)]
pub async fn assert_unserved_methods_are_4xx(base_url: &str, paths: &[&'static str], count: usize) {
    let strategy = (unserved_method(), proptest::sample::select(paths.to_vec()));
    let http = impatient_http_client();
    for (method, path) in cases(strategy, count) {
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .unwrap_or_else(|err| panic!("{method}: {err}"));
        let response = http
            .request(method.clone(), format!("{base_url}{path}"))
            .send()
            .await
            .unwrap_or_else(|err| panic!("{method} {path}: {err}"));
        assert!(
            response.status().is_client_error(),
            "{method} {path}: {}",
            response.status()
        );
    }
}
