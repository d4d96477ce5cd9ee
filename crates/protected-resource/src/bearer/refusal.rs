//! How the API says no: RFC 6750 §3.
//!
//! | case                              | status | `WWW-Authenticate`                                   |
//! |-----------------------------------|--------|------------------------------------------------------|
//! | no token at all                   | 401    | `Bearer realm="…", resource_metadata="…"` and `DPoP algs="…", …` |
//! | token unknown/expired/revoked/…   | 401    | `… error="invalid_token"`                            |
//! | token lacks the route's scope     | 403    | `… error="insufficient_scope", scope="<needed>"`     |
//! | malformed request                 | 400    | `… error="invalid_request"`                          |
//! | DPoP proof missing, bad, replayed | 401    | `DPoP error="invalid_dpop_proof", algs="…"`          |
//! | no current nonce (`--dpop-nonce`) | 401    | `DPoP error="use_dpop_nonce", …` and `DPoP-Nonce`    |
//! | authorization server unreachable  | 503    | none: nothing is served; `Retry-After`               |
//! | this resource's database is down  | 503    | none; `Retry-After` (contract: "Under hostile load") |
//!
//! Every body is `{"error": …, "error_description": …}`, but for a request
//! without a token: `{"error_description": …}` alone (RFC 6750 §3.1). An
//! error only names
//! its RFC 6750 code (it puts a [`BearerChallenge`] in the response's
//! extensions); the middleware [`bearer_answers`], mounted on the `/api`
//! scope, writes the `WWW-Authenticate` header with this resource's realm
//! and its RFC 9728 `resource_metadata` URL (RFC 9728 §5.1), in the scheme
//! the request used (`DPoP` for a `DPoP` token, RFC 9449 §7.1), and
//! `Cache-Control: private` when the token came in the query (RFC 6750
//! §5.3).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, CACHE_CONTROL, WWW_AUTHENTICATE};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse, ResponseError};
use oauth_types::{BearerErrorCode, ErrorResponse, OAuthErrorCode};
use service_kit::database::is_unavailable;
use service_kit::http::retry_after;

use crate::dpop::DpopRefusal;
use crate::metadata::ResourceIdentity;
use crate::validation::ValidationError;

use super::locate::LocateError;

/// Every refusal of the API, and its unexpected failures.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// RFC 6750 §3.1: "If the request lacks any authentication information
    /// … the resource server SHOULD NOT include an error code".
    #[error("this endpoint needs an access token")]
    NoToken,
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    InvalidToken(String),
    #[error("the access token lacks the scope '{0}' this endpoint needs")]
    InsufficientScope(&'static str),
    /// RFC 9449 §7.1: the DPoP proof is missing, fails a check, was used
    /// before, or is signed by another key than the token's.
    #[error("{0}")]
    InvalidDpopProof(String),
    /// RFC 9449 §9: under `--dpop-nonce`, the proof lacks a current nonce;
    /// this one is sent in the `DPoP-Nonce` header.
    #[error("send a DPoP proof with the nonce of the DPoP-Nonce header")]
    UseDpopNonce(String),
    /// security.md 19: never fail open.
    #[error(
        "the authorization server cannot be reached or gave no usable answer; nothing is served"
    )]
    AuthorizationServerUnavailable,
    /// Our own database does not answer: try again shortly.
    #[error("the service is temporarily unavailable; try again in a few seconds")]
    StorageUnavailable,
    /// Already logged where it happened; the caller sees a generic text.
    #[error("an unexpected error occurred")]
    Unexpected,
}

impl ApiError {
    /// Logs an unexpected failure (which never holds a secret) and hides
    /// it from the caller.
    pub fn unexpected(context: &str, error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "{context}");
        Self::Unexpected
    }

    /// A database error: [`Self::StorageUnavailable`] when the database does
    /// not answer, else an unexpected failure (a bug), logged once.
    pub fn database(context: &str, error: &sqlx::Error) -> Self {
        if is_unavailable(error) {
            tracing::warn!(%error, "{context}: the database does not answer");
            Self::StorageUnavailable
        } else {
            Self::unexpected(context, error)
        }
    }

    fn challenge(&self) -> Option<BearerChallenge> {
        let (error, scope) = match self {
            Self::NoToken => (None, None),
            Self::InvalidDpopProof(_) => (Some(BearerErrorCode::InvalidDpopProof), None),
            Self::UseDpopNonce(_) => (Some(BearerErrorCode::UseDpopNonce), None),
            Self::InvalidRequest(_) => (Some(BearerErrorCode::InvalidRequest), None),
            Self::InvalidToken(_) => (Some(BearerErrorCode::InvalidToken), None),
            Self::InsufficientScope(scope) => {
                (Some(BearerErrorCode::InsufficientScope), Some(*scope))
            }
            Self::AuthorizationServerUnavailable | Self::StorageUnavailable | Self::Unexpected => {
                return None
            }
        };
        Some(BearerChallenge { error, scope })
    }

    /// The error code of the body; none without a token (RFC 6750 §3.1:
    /// no error information when the request had no authentication).
    fn code(&self) -> Option<String> {
        Some(match self {
            Self::NoToken => return None,
            Self::InvalidRequest(_) => BearerErrorCode::InvalidRequest.to_string(),
            Self::InvalidToken(_) => BearerErrorCode::InvalidToken.to_string(),
            Self::InsufficientScope(_) => BearerErrorCode::InsufficientScope.to_string(),
            Self::InvalidDpopProof(_) => BearerErrorCode::InvalidDpopProof.to_string(),
            Self::UseDpopNonce(_) => BearerErrorCode::UseDpopNonce.to_string(),
            Self::AuthorizationServerUnavailable | Self::StorageUnavailable => {
                OAuthErrorCode::TemporarilyUnavailable.to_string()
            }
            Self::Unexpected => OAuthErrorCode::ServerError.to_string(),
        })
    }
}

impl From<LocateError> for ApiError {
    fn from(error: LocateError) -> Self {
        match error {
            LocateError::NoToken => Self::NoToken,
            LocateError::NotAToken(reason) => Self::InvalidToken(reason.to_owned()),
            other => Self::InvalidRequest(other.to_string()),
        }
    }
}

impl From<DpopRefusal> for ApiError {
    fn from(refusal: DpopRefusal) -> Self {
        match refusal {
            // A flood of proofs: come back shortly, as when a store is away.
            DpopRefusal::Saturated => Self::StorageUnavailable,
            other => Self::InvalidDpopProof(other.to_string()),
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(error: ValidationError) -> Self {
        match error {
            ValidationError::Invalid(reason) => Self::InvalidToken(reason.to_string()),
            ValidationError::Unavailable(reason) => {
                tracing::warn!(%reason, "refusing to serve: the token could not be checked");
                Self::AuthorizationServerUnavailable
            }
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NoToken
            | Self::InvalidToken(_)
            | Self::InvalidDpopProof(_)
            | Self::UseDpopNonce(_) => StatusCode::UNAUTHORIZED,
            Self::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            Self::InsufficientScope(_) => StatusCode::FORBIDDEN,
            Self::AuthorizationServerUnavailable | Self::StorageUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Unexpected => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        let mut response = match self.code() {
            Some(code) => response.json(ErrorResponse::new(code, self.to_string())),
            None => response.json(serde_json::json!({ "error_description": self.to_string() })),
        };
        if let Some(challenge) = self.challenge() {
            response.extensions_mut().insert(challenge);
        }
        // RFC 9110 §10.2.3: a 503 says when to come back, whichever
        // database (ours, or the authorization server's behind it) is away.
        if let Self::StorageUnavailable | Self::AuthorizationServerUnavailable = self {
            let (name, value) = retry_after();
            response.headers_mut().insert(name, value);
        }
        // RFC 9449 §9: the nonce the next proof must carry.
        if let Self::UseDpopNonce(nonce) = self {
            if let Ok(value) = HeaderValue::from_str(nonce) {
                response
                    .headers_mut()
                    .insert(crate::dpop::NONCE_HEADER, value);
            }
        }
        response
    }
}

/// What a refusal asks `WWW-Authenticate` to say (RFC 6750 §3).
#[derive(Debug, Clone, Copy)]
pub struct BearerChallenge {
    pub error: Option<BearerErrorCode>,
    pub scope: Option<&'static str>,
}

/// The authentication scheme a challenge is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Bearer,
    /// RFC 9449 §7.1; its challenges name the proof algorithms (`algs`).
    Dpop,
}

impl BearerChallenge {
    /// The schemes to challenge in: the one the request used; both when it
    /// sent no token (RFC 9449 §7.1), DPoP for a proof problem.
    pub fn schemes(&self, request_used_dpop: bool) -> Vec<Scheme> {
        match self.error {
            None => vec![Scheme::Bearer, Scheme::Dpop],
            Some(BearerErrorCode::InvalidDpopProof | BearerErrorCode::UseDpopNonce) => {
                vec![Scheme::Dpop]
            }
            Some(_) if request_used_dpop => vec![Scheme::Dpop],
            Some(_) => vec![Scheme::Bearer],
        }
    }

    /// `Bearer realm="…", error="…", scope="…", resource_metadata="…"`, or
    /// the same in the `DPoP` scheme with `algs="ES256 EdDSA RS256"`.
    pub fn header_value(&self, scheme: Scheme, identity: &ResourceIdentity) -> String {
        let algs = oauth_types::dpop::algorithm_names().join(" ");
        let mut attributes = vec![("realm", identity.realm())];
        if let Some(error) = self.error {
            attributes.push(("error", error.as_str()));
        }
        if let Some(scope) = self.scope {
            attributes.push(("scope", scope));
        }
        if scheme == Scheme::Dpop {
            attributes.push(("algs", &algs));
        }
        attributes.push(("resource_metadata", identity.metadata_url()));
        let attributes: Vec<String> = attributes
            .into_iter()
            .map(|(name, value)| format!("{name}={}", quoted_string(value)))
            .collect();
        let name = match scheme {
            Scheme::Bearer => "Bearer",
            Scheme::Dpop => "DPoP",
        };
        format!("{name} {}", attributes.join(", "))
    }
}

/// RFC 9110 §5.6.4 quoted-string: `\` and `"` are escaped.
fn quoted_string(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for character in value.chars() {
        if matches!(character, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(character);
    }
    quoted.push('"');
    quoted
}

/// Middleware of the `/api` scope: writes `WWW-Authenticate` on refusals and
/// `Cache-Control: private` when the token travelled in the query.
pub async fn bearer_answers(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let token_in_query = url::form_urlencoded::parse(request.query_string().as_bytes())
        .any(|(name, _)| name == "access_token");
    let used_dpop = request
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(' ').next())
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("dpop"));
    let identity = request.app_data::<web::Data<ResourceIdentity>>().cloned();
    let mut response = next.call(request).await?;
    let challenge = response
        .response()
        .extensions()
        .get::<BearerChallenge>()
        .copied();
    if let (Some(challenge), Some(identity)) = (challenge, identity) {
        for scheme in challenge.schemes(used_dpop) {
            if let Ok(value) = HeaderValue::from_str(&challenge.header_value(scheme, &identity)) {
                response.headers_mut().append(WWW_AUTHENTICATE, value);
            }
        }
    }
    // RFC 6750 §2.3 and §5.3: an answer to a URL that holds a token must not
    // be stored by shared caches.
    if token_in_query {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("private"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_strings_escape_quotes_and_backslashes() {
        assert_eq!(quoted_string(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
