//! What the property tests of every role share: a deterministic draw of
//! cases from a proptest strategy, and an HTTP client that neither follows
//! redirects nor waits forever. The strategies themselves (which names,
//! values and sizes to try) belong to each role's tests.

use std::fmt::Debug;
use std::time::Duration;

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
        .build()
        .unwrap_or_else(|err| panic!("cannot build an HTTP client: {err}"))
}

/// The methods a role serves nowhere: the usual others and random tokens.
fn unserved_method() -> impl Strategy<Value = String> {
    use proptest::prelude::{prop, prop_oneof, Strategy as _};
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
