//! Pushed authorization requests (RFC 9126 §2): the parameters a client
//! sent to `/par`, kept until the browser brings their `request_uri` to
//! `/authorize` (§4).
//!
//! Each is stored by the SHA-256 of its `request_uri`, so a copy of the
//! table names no usable `request_uri`. Spending one is one conditional
//! UPDATE, so of concurrent uses of one `request_uri` exactly one wins, on
//! either backend and across instances (rule 32). Storing one is one
//! conditional INSERT that counts the client's live requests, so a client
//! cannot fill the table (our policy, see [`MAX_LIVE_PER_CLIENT`]).

use oauth_types::secret::{generate_credential, CredentialHash};
use sqlx::{AnyPool, Row};

use super::changed_one;

/// RFC 9126 §2.2: the URN namespace of the `request_uri` values we make.
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// Our policy: at most this many pushed requests of one client wait at
/// once (each lives a minute). Beyond it `/par` answers 429 (RFC 9126
/// §2.3). Concurrent pushes may each see room, so the bound can be passed
/// by the number of pushes in flight, never more.
pub const MAX_LIVE_PER_CLIENT: i64 = 100;

/// A `request_uri` (RFC 9126 §2.2): our URN prefix and 256 random bits.
/// It stands for the request it names: `Debug` leaves it out.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestUri(String);

impl RequestUri {
    /// A fresh, unguessable `request_uri` (§7.1).
    pub fn generate() -> Self {
        Self(format!("{REQUEST_URI_PREFIX}{}", generate_credential()))
    }

    /// A `request_uri` as the browser brought it; whether it names a
    /// request is for [`spend`] to find out.
    pub fn presented(value: &str) -> Self {
        Self(value.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn hash(&self) -> CredentialHash {
        CredentialHash::of(&self.0)
    }
}

impl std::fmt::Debug for RequestUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestUri([redacted])")
    }
}

/// Stores a pushed request of `client_id` with its `parameters`, unless the
/// client already has [`MAX_LIVE_PER_CLIENT`] live ones; whether it was
/// stored.
pub async fn insert_within_bound(
    pool: &AnyPool,
    request_uri: &RequestUri,
    client_id: &str,
    parameters: &[(String, String)],
    now: i64,
    ttl: i64,
) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(
        "INSERT INTO pushed_authorization_requests \
         (request_uri_hash, client_id, parameters, created_at, expires_at) \
         SELECT $1, $2, $3, $4, $5 \
         WHERE (SELECT COUNT(*) FROM pushed_authorization_requests \
                WHERE client_id = $2 AND used_at IS NULL AND expires_at > $4) < $6",
    )
    .bind(request_uri.hash().as_str().to_owned())
    .bind(client_id)
    .bind(encode(parameters))
    .bind(now)
    .bind(now + ttl)
    .bind(MAX_LIVE_PER_CLIENT);
    changed_one(pool, statement).await
}

/// Spends the pushed request named by `request_uri` if `client_id` pushed
/// it, it has not expired and was not spent before; its parameters.
/// `None` in every other case, so a caller learns nothing about another
/// client's requests.
pub async fn spend(
    pool: &AnyPool,
    request_uri: &RequestUri,
    client_id: &str,
    now: i64,
) -> Result<Option<Vec<(String, String)>>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE pushed_authorization_requests SET used_at = $3 \
         WHERE request_uri_hash = $1 AND client_id = $2 \
         AND used_at IS NULL AND expires_at > $3 RETURNING parameters",
    )
    .bind(request_uri.hash().as_str().to_owned())
    .bind(client_id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    match row {
        Some(row) => Ok(Some(decode(row.try_get("parameters")?))),
        None => Ok(None),
    }
}

/// The parameters column: `application/x-www-form-urlencoded`.
fn encode(parameters: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(parameters)
        .finish()
}

fn decode(column: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(column.as_bytes())
        .into_owned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_uri_is_our_urn_with_256_random_bits_and_is_never_shown() {
        let uri = RequestUri::generate();
        let random = uri.as_str().strip_prefix(REQUEST_URI_PREFIX).unwrap();
        assert_eq!(random.len(), 43, "32 bytes, base64url");
        assert_ne!(uri, RequestUri::generate());
        assert!(!format!("{uri:?}").contains(random));
    }

    #[test]
    fn parameters_survive_the_column_unchanged() {
        let parameters = vec![
            ("scope".to_owned(), "openid profile".to_owned()),
            ("state".to_owned(), "a&b=c%d é".to_owned()),
        ];
        assert_eq!(decode(&encode(&parameters)), parameters);
    }
}
