//! Proofs on token requests (RFC 9449 §5). The `oauth2` crate has no
//! DPoP, but sends every request through an HTTP client we give it
//! (`AsyncHttpClient`); [`ProvingClient`] wraps ours and adds a `DPoP`
//! header signed for each request's method and the token endpoint. So the
//! code exchange and every refresh stay the crate's, with a proof.
//!
//! A server that wants a nonce (§8) answers `400` with `error:
//! "use_dpop_nonce"` and a `DPoP-Nonce` header: the request is sent once
//! more with a new proof carrying that nonce, and never a third time. Any
//! `DPoP-Nonce` a server sends is kept for its next proof.

use std::future::Future;
use std::pin::Pin;

use oauth2::http::{HeaderValue, Request, StatusCode};
use oauth2::{AsyncHttpClient, HttpClientError, HttpRequest, HttpResponse};
use url::Url;

use oauth_types::OAuthErrorCode;

use super::{Prover, NONCE_HEADER, PROOF_HEADER};

/// What signs the proofs of one token request.
pub struct TokenProofs<'a> {
    pub prover: &'a Prover<'a>,
    /// `htu`: the token endpoint as the server publishes it (§4.2), which
    /// the back-channel address the request goes to may differ from.
    pub htu: &'a Url,
}

/// `inner` with a proof on each request, or `inner` as is without DPoP.
pub struct ProvingClient<'a, C> {
    inner: &'a C,
    proofs: Option<TokenProofs<'a>>,
}

impl<'a, C> ProvingClient<'a, C> {
    pub fn new(inner: &'a C, proofs: Option<TokenProofs<'a>>) -> Self {
        Self { inner, proofs }
    }
}

impl<'c, 'a: 'c, C, E> AsyncHttpClient<'c> for ProvingClient<'a, C>
where
    C: AsyncHttpClient<'c, Error = HttpClientError<E>>,
    E: std::error::Error + 'static,
{
    type Error = HttpClientError<E>;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let Some(proofs) = &self.proofs else {
                return self.inner.call(request).await;
            };
            let first = with_proof(&request, proofs)?;
            let answer = self.inner.call(first).await?;
            let Some(nonce) = nonce_of(&answer) else {
                return Ok(answer);
            };
            proofs.prover.nonces.remember(proofs.htu, &nonce);
            if !asks_for_a_nonce(&answer) {
                return Ok(answer);
            }
            // §8: once more, with the nonce; whatever comes back is final.
            self.inner.call(with_proof(&request, proofs)?).await
        })
    }
}

/// A copy of `request` with a new proof for its method and the endpoint.
fn with_proof<E: std::error::Error + 'static>(
    request: &HttpRequest,
    proofs: &TokenProofs<'_>,
) -> Result<HttpRequest, HttpClientError<E>> {
    let proof = proofs
        .prover
        .proof(request.method().as_str(), proofs.htu, None)
        .map_err(|_| HttpClientError::Other("the DPoP proof cannot be signed".to_owned()))?;
    let mut copy = Request::builder()
        .method(request.method().clone())
        .uri(request.uri().clone())
        .version(request.version())
        .body(request.body().clone())?;
    *copy.headers_mut() = request.headers().clone();
    let proof = HeaderValue::from_str(&proof)
        .map_err(|_| HttpClientError::Other("the DPoP proof is not a header value".to_owned()))?;
    copy.headers_mut().insert(PROOF_HEADER, proof);
    Ok(copy)
}

/// The `DPoP-Nonce` of an answer.
fn nonce_of(answer: &HttpResponse) -> Option<String> {
    answer
        .headers()
        .get(NONCE_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|nonce| !nonce.is_empty())
        .map(str::to_owned)
}

/// §8: `400` with `error: "use_dpop_nonce"` in the JSON body.
fn asks_for_a_nonce(answer: &HttpResponse) -> bool {
    answer.status() == StatusCode::BAD_REQUEST
        && serde_json::from_slice::<oauth_types::ErrorResponse>(answer.body())
            .is_ok_and(|refusal| refusal.error == OAuthErrorCode::UseDpopNonce.as_str())
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use oauth_types::dpop::{verify_proof, ProofCheck};

    use super::*;
    use crate::dpop::{DpopKey, Nonces};

    const NOW: i64 = 1_800_000_000;

    type Sent = Mutex<Vec<HttpRequest>>;

    fn token_request() -> HttpRequest {
        Request::builder()
            .method("POST")
            .uri("http://as.internal:9001/token")
            .header("Authorization", "Basic c3RyYXZhOnN0cmF2YS1zZWNyZXQ=")
            .body(b"grant_type=refresh_token&refresh_token=r".to_vec())
            .unwrap()
    }

    fn answer(status: u16, nonce: Option<&str>, body: &str) -> HttpResponse {
        let mut builder = oauth2::http::Response::builder().status(status);
        if let Some(nonce) = nonce {
            builder = builder.header(NONCE_HEADER, nonce);
        }
        builder.body(body.as_bytes().to_vec()).unwrap()
    }

    /// Sends `request` through a [`ProvingClient`] whose inner client
    /// records each request and gives the next of `answers`.
    async fn send(
        key: &DpopKey,
        nonces: &Nonces,
        answers: Vec<HttpResponse>,
    ) -> (HttpResponse, Vec<HttpRequest>) {
        let sent = Sent::default();
        let answers = Mutex::new(answers.into_iter());
        let inner = |request: HttpRequest| {
            sent.lock().unwrap().push(request);
            let next = answers.lock().unwrap().next().unwrap();
            async move { Ok::<_, HttpClientError<std::io::Error>>(next) }
        };
        let prover = Prover {
            key,
            nonces,
            now: NOW,
        };
        let htu = Url::parse("http://as.example:9001/token").unwrap();
        let client = ProvingClient::new(
            &inner,
            Some(TokenProofs {
                prover: &prover,
                htu: &htu,
            }),
        );
        let response = client.call(token_request()).await.unwrap();
        (response, sent.into_inner().unwrap())
    }

    fn proof_of(request: &HttpRequest) -> &str {
        request.headers()[PROOF_HEADER].to_str().unwrap()
    }

    fn check<'a>(htu: &'a Url, nonce: Option<&'a str>) -> ProofCheck<'a> {
        ProofCheck {
            method: "POST",
            url: htu,
            now: NOW,
            access_token: None,
            nonce,
        }
    }

    #[actix_rt::test]
    async fn each_request_carries_a_proof_for_the_published_token_endpoint() {
        let key = DpopKey::generate().unwrap();
        let (response, sent) = send(&key, &Nonces::default(), vec![answer(200, None, "{}")]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(sent.len(), 1);
        let request = &sent[0];
        assert_eq!(request.uri(), "http://as.internal:9001/token");
        assert_eq!(request.body(), b"grant_type=refresh_token&refresh_token=r");
        assert!(request.headers().contains_key("authorization"));
        let htu = Url::parse("http://as.example:9001/token").unwrap();
        let verified = verify_proof(proof_of(request), &check(&htu, None)).unwrap();
        assert_eq!(verified.jkt, key.thumbprint().unwrap());
    }

    #[actix_rt::test]
    async fn use_dpop_nonce_is_retried_once_with_the_nonce_and_remembered() {
        let key = DpopKey::generate().unwrap();
        let nonces = Nonces::default();
        let refusal = r#"{"error":"use_dpop_nonce"}"#;
        let (response, sent) = send(
            &key,
            &nonces,
            vec![answer(400, Some("n-1"), refusal), answer(200, None, "{}")],
        )
        .await;
        assert_eq!(response.status(), 200);
        assert_eq!(sent.len(), 2);
        let htu = Url::parse("http://as.example:9001/token").unwrap();
        let first = verify_proof(proof_of(&sent[0]), &check(&htu, None)).unwrap();
        let second = verify_proof(proof_of(&sent[1]), &check(&htu, Some("n-1"))).unwrap();
        assert_ne!(first.jti, second.jti, "a fresh jti for the retry");
        assert_eq!(nonces.latest(&htu).as_deref(), Some("n-1"));

        // The next request starts with the nonce it was given.
        let (_, sent) = send(&key, &nonces, vec![answer(200, None, "{}")]).await;
        verify_proof(proof_of(&sent[0]), &check(&htu, Some("n-1"))).unwrap();
    }

    #[actix_rt::test]
    async fn a_server_that_keeps_asking_for_a_nonce_is_asked_twice_only() {
        let key = DpopKey::generate().unwrap();
        let refusal = r#"{"error":"use_dpop_nonce"}"#;
        let (response, sent) = send(
            &key,
            &Nonces::default(),
            vec![
                answer(400, Some("n-1"), refusal),
                answer(400, Some("n-2"), refusal),
                answer(200, None, "{}"),
            ],
        )
        .await;
        assert_eq!(response.status(), 400);
        assert_eq!(sent.len(), 2);
    }

    #[actix_rt::test]
    async fn other_refusals_and_a_nonce_without_the_error_are_not_retried() {
        let key = DpopKey::generate().unwrap();
        let nonces = Nonces::default();
        let (response, sent) = send(
            &key,
            &nonces,
            vec![answer(400, Some("n-1"), r#"{"error":"invalid_grant"}"#)],
        )
        .await;
        assert_eq!((response.status().as_u16(), sent.len()), (400, 1));
        let (response, sent) = send(
            &key,
            &nonces,
            vec![answer(400, None, r#"{"error":"use_dpop_nonce"}"#)],
        )
        .await;
        assert_eq!((response.status().as_u16(), sent.len()), (400, 1));
    }

    #[actix_rt::test]
    async fn without_dpop_the_request_goes_through_untouched() {
        let sent = Sent::default();
        let inner = |request: HttpRequest| {
            sent.lock().unwrap().push(request);
            async { Ok::<_, HttpClientError<std::io::Error>>(answer(200, None, "{}")) }
        };
        ProvingClient::new(&inner, None)
            .call(token_request())
            .await
            .unwrap();
        let sent = sent.into_inner().unwrap();
        assert_eq!(sent.len(), 1);
        assert!(!sent[0].headers().contains_key(PROOF_HEADER));
    }
}
