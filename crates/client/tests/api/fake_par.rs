//! Pushed authorization requests (RFC 9126) at the fake authorization
//! server: when offered, its metadata names `/par`, which keeps every push
//! it receives and answers a fresh `request_uri`, or the refusal a test
//! asks for.

use wiremock::{Request, ResponseTemplate};

use crate::fakes::{form, header, World};

/// What the fake knows and saw of pushed requests.
#[derive(Debug, Default)]
pub struct ParWorld {
    /// The metadata names `pushed_authorization_request_endpoint`.
    pub offered: bool,
    /// Answer `400` with this `error` instead of a `request_uri`.
    pub refusal: Option<&'static str>,
    /// Every push received, in order.
    pub pushes: Vec<Push>,
}

/// One request pushed to the fake.
#[derive(Debug, Clone)]
pub struct Push {
    /// The `Authorization` header: how the client authenticated.
    pub authorization: Option<String>,
    /// The form's pairs.
    pub form: Vec<(String, String)>,
    /// The `request_uri` answered, when one was.
    pub request_uri: Option<String>,
}

impl Push {
    /// The value of the form parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// `POST /par` (RFC 9126 §2): `201` with a `request_uri` (§2.2), or the
/// refusal of the world (§2.3).
pub fn push(request: &Request, world: &mut World) -> ResponseTemplate {
    let authorization = header(request, "authorization");
    let form = form(request);
    let request_uri = world.par.refusal.is_none().then(|| {
        format!(
            "urn:ietf:params:oauth:request_uri:{}",
            uuid::Uuid::new_v4().simple()
        )
    });
    world.par.pushes.push(Push {
        authorization,
        form,
        request_uri: request_uri.clone(),
    });
    match (request_uri, world.par.refusal) {
        (Some(request_uri), _) => ResponseTemplate::new(201)
            .set_body_json(serde_json::json!({"request_uri": request_uri, "expires_in": 60})),
        (None, error) => ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": error.unwrap_or("invalid_request"),
            "error_description": "the fake refuses this push",
        })),
    }
}
