//! Calls to the protected resource ("Facebook") as the user.
//!
//! The access token travels only in the `Authorization` header, never in a
//! URL (RFC 9700 §4.3.2, security rule 29): as `Bearer` (RFC 6750 §2.1), or,
//! when it is bound to the connection's key, as `DPoP` with a proof of that
//! key for this request and this token (RFC 9449 §7.1). A resource that
//! asks for a nonce (§9) gets the call once more with it.
//! The answer is sorted into what RFC 6750 §3.1 distinguishes, so the pages
//! can say what happened and what to do.

use oauth_types::secret::AccessToken;
use oauth_types::{BearerErrorCode, ErrorResponse};
use url::Url;

use crate::challenge;
use crate::dpop::{self, Prover};
use crate::oauth::Exchange;
use crate::trace;

/// One API call: where, what, and the scope the resource wants for it.
#[derive(Debug, Clone)]
pub struct ResourceCall {
    /// Path under the resource's base URL, e.g. `/api/posts`.
    pub path: &'static str,
    /// The JSON body, POSTed.
    pub body: serde_json::Value,
    /// The scope the contract names for this endpoint.
    pub scope: &'static str,
}

impl ResourceCall {
    /// `POST /api/posts {"message": …}` (scope `post`).
    pub fn post(message: &str) -> Self {
        Self {
            path: "/api/posts",
            body: serde_json::json!({ "message": message }),
            scope: "post",
        }
    }

    /// `POST /api/messages {"to": …, "text": …}` (scope `personal-message`).
    pub fn personal_message(to: &str, text: &str) -> Self {
        Self {
            path: "/api/messages",
            body: serde_json::json!({ "to": to, "text": text }),
            scope: "personal-message",
        }
    }
}

/// What the resource answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// 2xx, with its JSON body (or `null`).
    Accepted { body: serde_json::Value },
    /// 401 `invalid_token`: expired, revoked or not for this resource.
    InvalidToken,
    /// 403 `insufficient_scope`: the grant lacks the call's scope.
    InsufficientScope,
    /// Any other refusal (400, 401 without a token, 404, …).
    Refused {
        status: u16,
        error: Option<String>,
        description: Option<String>,
    },
    /// 5xx: the resource (or its authorization server) is not available.
    Unavailable { status: u16 },
}

/// The resource did not answer at all.
#[derive(Debug, thiserror::Error)]
#[error("the protected resource cannot be reached")]
pub struct Unreachable;

/// How the access token is presented.
pub enum Presentation<'a> {
    /// RFC 6750 §2.1: `Authorization: Bearer <token>`.
    Bearer(&'a AccessToken),
    /// RFC 9449 §7.1: `Authorization: DPoP <token>` and a proof naming the
    /// token, signed by the connection's key.
    Dpop {
        token: &'a AccessToken,
        prover: &'a Prover<'a>,
    },
}

impl Presentation<'_> {
    fn token(&self) -> &AccessToken {
        match self {
            Self::Bearer(token) | Self::Dpop { token, .. } => token,
        }
    }
}

/// Where a call goes: the resource as this server reaches it (`base`,
/// `--resource-internal-url`) and as it knows itself (`public`,
/// `--resource-url`, its identifier): a proof's `htu` names the latter,
/// which is what the resource compares (RFC 9449 §4.3 item 9).
pub struct Target<'a> {
    pub base: &'a Url,
    pub public: &'a Url,
}

/// Makes the call and returns the answer and what went over the wire
/// (shortened): one exchange, or two when a DPoP call was asked for a
/// nonce (RFC 9449 §9) and sent once more with it.
pub async fn call(
    http: &reqwest::Client,
    target: &Target<'_>,
    call: &ResourceCall,
    presentation: &Presentation<'_>,
) -> (Result<Answer, Unreachable>, Vec<Exchange>) {
    let url = join(target.base, call.path);
    let htu = Url::parse(&join(target.public, call.path)).ok();
    let mut exchanges = Vec::new();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (sent, exchange) = send(http, &url, htu.as_ref(), call, presentation).await;
        exchanges.push(exchange);
        let answered = match sent {
            Ok(answered) => answered,
            Err(unreachable) => return (Err(unreachable), exchanges),
        };
        let asked_for_a_nonce = match (presentation, &htu, &answered.nonce) {
            (Presentation::Dpop { prover, .. }, Some(htu), Some(nonce)) => {
                prover.nonces.remember(htu, nonce);
                answered.asks_for_a_nonce()
            }
            _ => false,
        };
        // §9: once more with the nonce, never a third time.
        if !asked_for_a_nonce || attempts == 2 {
            return (Ok(classify(answered.status, &answered.body)), exchanges);
        }
    }
}

fn join(base: &Url, path: &str) -> String {
    format!("{}{path}", base.as_str().trim_end_matches('/'))
}

/// An answer, as read.
struct Answered {
    status: u16,
    /// Every `WWW-Authenticate` field.
    challenges: Vec<String>,
    nonce: Option<String>,
    body: Vec<u8>,
}

impl Answered {
    /// RFC 9449 §9: `401` with a `DPoP` challenge whose error is
    /// `use_dpop_nonce`.
    fn asks_for_a_nonce(&self) -> bool {
        self.status == 401
            && challenge::parse_all(self.challenges.iter().map(String::as_str))
                .iter()
                .any(|found| {
                    found.is("dpop")
                        && found.param("error") == Some(BearerErrorCode::UseDpopNonce.as_str())
                })
    }
}

/// One request, with a new proof when the token is DPoP-bound.
async fn send(
    http: &reqwest::Client,
    url: &str,
    htu: Option<&Url>,
    call: &ResourceCall,
    presentation: &Presentation<'_>,
) -> (Result<Answered, Unreachable>, Exchange) {
    let body = serde_json::to_vec(&call.body).unwrap_or_default();
    let token = presentation.token().secret();
    let (authorization, proof) = match presentation {
        Presentation::Bearer(_) => (format!("Bearer {token}"), None),
        Presentation::Dpop { token, prover } => {
            let proof = htu.and_then(|htu| prover.proof("POST", htu, Some(token)).ok());
            if proof.is_none() {
                // The resource refuses the call; the page shows its answer.
                tracing::error!("no DPoP proof could be signed for the resource call");
            }
            (format!("DPoP {}", token.secret()), proof)
        }
    };
    let mut request = format!(
        "POST {url}\nAuthorization: {}\nContent-Type: application/json",
        trace::describe_authorization(&authorization)
    );
    let mut builder = http
        .post(url)
        .header(reqwest::header::AUTHORIZATION, &authorization)
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    if let Some(proof) = &proof {
        request.push_str(&format!("\n{}", dpop::shown::describe_proof(proof)));
        builder = builder.header(dpop::PROOF_HEADER, proof);
    }
    request.push_str(&format!("\n\n{}", trace::describe_body(&body)));
    let response = match builder.body(body).send().await {
        Ok(response) => response,
        Err(_) => {
            let exchange = Exchange {
                request,
                response: "no answer: the resource could not be reached".to_owned(),
            };
            return (Err(Unreachable), exchange);
        }
    };
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let status = response.status().as_u16();
    let challenges = challenge::fields(response.headers());
    let nonce = header(dpop::NONCE_HEADER);
    let body = response.bytes().await.unwrap_or_default().to_vec();
    let mut described = format!("HTTP {status}");
    for challenge in &challenges {
        described.push_str(&format!("\nWWW-Authenticate: {challenge}"));
    }
    if let Some(nonce) = &nonce {
        described.push_str(&format!("\n{}: {nonce}", dpop::NONCE_HEADER));
    }
    if !body.is_empty() {
        described.push_str(&format!("\n\n{}", trace::describe_body(&body)));
    }
    let exchange = Exchange {
        request,
        response: described,
    };
    let answered = Answered {
        status,
        challenges,
        nonce,
        body,
    };
    (Ok(answered), exchange)
}

/// RFC 6750 §3.1: the status and the `error` code of the JSON body.
fn classify(status: u16, body: &[u8]) -> Answer {
    if (200..300).contains(&status) {
        let body = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
        return Answer::Accepted { body };
    }
    if status >= 500 {
        return Answer::Unavailable { status };
    }
    let refusal = serde_json::from_slice::<ErrorResponse>(body).ok();
    let code = refusal
        .as_ref()
        .and_then(|refusal| BearerErrorCode::parse(&refusal.error));
    match (status, code) {
        (401, Some(BearerErrorCode::InvalidToken)) => Answer::InvalidToken,
        (403, Some(BearerErrorCode::InsufficientScope)) => Answer::InsufficientScope,
        _ => Answer::Refused {
            status,
            error: refusal.as_ref().map(|r| r.error.clone()),
            description: refusal.and_then(|r| r.error_description),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_sorted_by_status_and_error_code() {
        assert_eq!(
            classify(401, br#"{"error":"invalid_token"}"#),
            Answer::InvalidToken
        );
        assert_eq!(
            classify(403, br#"{"error":"insufficient_scope"}"#),
            Answer::InsufficientScope
        );
        assert_eq!(classify(503, b""), Answer::Unavailable { status: 503 });
        assert!(matches!(
            classify(400, br#"{"error":"invalid_request","error_description":"too long"}"#),
            Answer::Refused { status: 400, description: Some(d), .. } if d == "too long"
        ));
        assert!(matches!(
            classify(201, br#"{"id":"1"}"#),
            Answer::Accepted { .. }
        ));
    }
}
