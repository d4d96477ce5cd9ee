//! A party that speaks plain HTTP from the story itself, through a proxy
//! of its own, so that the recording names it: a native app, a service
//! acting for no one, someone replaying a copied token. What it sends is
//! written out here, one request at a time, as the RFCs describe it.

use super::story::Stage;
use service_kit::back_channel::IDLE_CONNECTION_REUSE;

/// How a party authenticates at the token endpoint (RFC 6749 §2.3).
#[derive(Debug, Clone, Copy)]
pub(super) enum ClientAuth<'a> {
    /// A confidential client: `client_secret_basic` (RFC 6749 §2.3.1).
    Basic { client_id: &'a str, secret: &'a str },
    /// A public client: only its `client_id`, in the body (RFC 6749 §3.2.1).
    Public { client_id: &'a str },
}

/// A party in front of one role.
pub(super) struct Party {
    /// The role, through this party's proxy.
    base: String,
    http: reqwest::Client,
}

/// The HTTP client of a party of the story: an idle connection is reused
/// only while the server surely keeps it open.
pub(super) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(IDLE_CONNECTION_REUSE)
        .build()
        .unwrap()
}

impl Party {
    /// `name` in front of the role `role` of `stage`.
    pub(super) fn new(stage: &mut Stage, name: &str, role: &str) -> Self {
        Self {
            base: stage.open_proxy(name, role),
            http: http_client(),
        }
    }

    /// POSTs `form` to the authorization server's `/token`, authenticated
    /// as `auth` says; the status and the JSON answer.
    pub(super) async fn token_request(
        &self,
        auth: ClientAuth<'_>,
        form: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let mut form = form.to_vec();
        let mut request = self.http.post(format!("{}/token", self.base));
        match auth {
            ClientAuth::Basic { client_id, secret } => {
                // RFC 6749 §2.3.1: both form-encoded before Basic.
                request = request.basic_auth(form_encoded(client_id), Some(form_encoded(secret)));
            }
            ClientAuth::Public { client_id } => form.push(("client_id", client_id)),
        }
        let response = request.form(&form).send().await.unwrap();
        json_answer(response).await
    }

    /// GETs `path` of the resource with `access_token` as a bearer token
    /// (RFC 6750 §2.1); the status and the JSON answer.
    pub(super) async fn get_with_token(
        &self,
        path: &str,
        access_token: &str,
    ) -> (u16, serde_json::Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap();
        json_answer(response).await
    }
}

impl Party {
    /// Sends `method` to `path` of the role with `token` as a bearer token
    /// and `document`, if any, as JSON (RFC 7591 §3.1, RFC 7592 §2); the
    /// status and the JSON answer (`Null` when there is none).
    pub(super) async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        document: Option<&serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(document) = document {
            request = request.json(document);
        }
        json_answer(request.send().await.unwrap()).await
    }
}

/// `application/x-www-form-urlencoded`, as RFC 6749 §2.3.1 asks of Basic
/// credentials.
fn form_encoded(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

async fn json_answer(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or_default();
    (status, body)
}

/// The string field `name` of a JSON answer.
pub(super) fn field<'a>(answer: &'a serde_json::Value, name: &str) -> &'a str {
    answer[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {answer}"))
}
