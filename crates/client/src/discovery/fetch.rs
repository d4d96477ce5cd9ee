//! Fetching a metadata document over the back channel: through the
//! redirect-free client of `state.rs` (a server cannot bounce us elsewhere),
//! with its body read up to [`BODY_LIMIT`] bytes, so a hostile or broken
//! server cannot make us buffer without end.

use serde::de::DeserializeOwned;
use url::Url;

/// The most a metadata document may weigh; ours are under 2 KiB.
pub const BODY_LIMIT: usize = 64 * 1024;

/// What went wrong with one fetch (the URL is added by the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("cannot be reached")]
    Unreachable,
    #[error("answered HTTP {0} instead of the document")]
    Status(u16),
    #[error("answered more than {BODY_LIMIT} bytes")]
    TooLarge,
    #[error("did not answer a valid JSON document")]
    Malformed,
}

/// A document and the bytes it came in (for the behind-the-scenes page).
pub struct Fetched<T> {
    pub document: T,
    pub body: Vec<u8>,
}

/// `GET url` with `Accept: application/json`; a 2xx JSON body of type `T`.
pub async fn get_json<T: DeserializeOwned>(
    http: &reqwest::Client,
    url: &Url,
) -> Result<Fetched<T>, FetchError> {
    let response = http
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|_| FetchError::Unreachable)?;
    if !response.status().is_success() {
        return Err(FetchError::Status(response.status().as_u16()));
    }
    let body = read_body(response, BODY_LIMIT).await?;
    let document = serde_json::from_slice(&body).map_err(|_| FetchError::Malformed)?;
    Ok(Fetched { document, body })
}

/// The body, refused as soon as it passes `limit` bytes (whatever the
/// `Content-Length` says, which is checked first when present).
pub async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, FetchError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| FetchError::Unreachable)?
    {
        if body.len() + chunk.len() > limit {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
