//! Calls to the protected resource ("Facebook") as the user.
//!
//! The access token travels only in the `Authorization: Bearer` header
//! (RFC 6750 §2.1), never in a URL (RFC 9700 §4.3.2, security rule 29).
//! The answer is sorted into what RFC 6750 §3.1 distinguishes, so the pages
//! can say what happened and what to do.

use oauth_types::secret::AccessToken;
use oauth_types::{BearerErrorCode, ErrorResponse};
use url::Url;

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

/// Makes the call with `token` and returns the answer and what went over
/// the wire (shortened).
pub async fn call(
    http: &reqwest::Client,
    base: &Url,
    call: &ResourceCall,
    token: &AccessToken,
) -> (Result<Answer, Unreachable>, Exchange) {
    let url = format!("{}{}", base.as_str().trim_end_matches('/'), call.path);
    let body = serde_json::to_vec(&call.body).unwrap_or_default();
    let request = format!(
        "POST {url}\nAuthorization: {}\nContent-Type: application/json\n\n{}",
        trace::describe_authorization(&format!("Bearer {}", token.secret())),
        trace::describe_body(&body)
    );
    let sent = http
        .post(&url)
        .bearer_auth(token.secret())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(_) => {
            let exchange = Exchange {
                request,
                response: "no answer: the resource could not be reached".to_owned(),
            };
            return (Err(Unreachable), exchange);
        }
    };
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get(reqwest::header::WWW_AUTHENTICATE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let bytes = response.bytes().await.unwrap_or_default();
    let mut described = format!("HTTP {status}");
    if let Some(challenge) = &challenge {
        described.push_str(&format!("\nWWW-Authenticate: {challenge}"));
    }
    if !bytes.is_empty() {
        described.push_str(&format!("\n\n{}", trace::describe_body(&bytes)));
    }
    let exchange = Exchange {
        request,
        response: described,
    };
    (Ok(classify(status, &bytes)), exchange)
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
