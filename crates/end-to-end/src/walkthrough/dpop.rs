//! The stolen-token story (`docs/walkthrough/dpop.{json,md}`), on the same
//! stage as the OAuth story but with the client's default, DPoP (RFC 9449),
//! and without moving any clock: hamza connects Strava and posts; someone
//! who copied the access token out of a log line of the resource replays
//! it three ways and is refused each time; hamza posts again.
//!
//! The attacker's requests are sent here, by a plain HTTP client, through a
//! proxy of their own in front of the resource, so that the recording names
//! them `attacker`.

use oauth_types::dpop::DpopKey;
use oauth_types::secret::AccessToken;

use super::story::{connect, post, IssuerSetting, Stage, TokenBinding};
use super::Exchange;
use crate::recording::RawExchange;
use crate::UserAgent;

/// The resource's endpoint the story posts to.
const POSTS: &str = "/api/posts";

/// Connects hamza with DPoP, lets the attacker try the stolen token, and
/// returns the exchanges, redacted.
pub async fn record_dpop() -> Vec<Exchange> {
    record_dpop_with_wire().await.1
}

/// The same story, with the exchanges as they went over the wire
/// (credentials included) next to the redacted ones: what the test needs
/// to check that none of those credentials is left in the recording.
pub async fn record_dpop_with_wire() -> (Vec<RawExchange>, Vec<Exchange>) {
    let stage = Stage::start(IssuerSetting::Configured, TokenBinding::Dpop).await;
    let client_front = &stage.client_front;
    let hamza = UserAgent::new("hamza", "hamza-password");

    // Connect: `dpop_jkt` at /authorize, a proof with the code exchange,
    // `token_type: DPoP` back.
    let connected = connect(&hamza, client_front).await;

    // A post: `Authorization: DPoP` and a proof; introspection says `cnf`.
    let posted = post(&hamza, client_front, &connected, "10 km along the river").await;

    // The resource logged that request, headers and all; someone read it.
    let stolen = StolenRequest::from_the_log(&stage.raw());
    let attacker = Attacker::new(&stage);
    attacker.presents_as_bearer(&stolen).await;
    attacker.proves_with_own_key(&stolen).await;
    attacker.replays_the_proof(&stolen).await;

    // The client, which holds the key, goes on posting.
    post(&hamza, client_front, &posted, "and back").await;
    (stage.raw(), stage.recording())
}

/// What a log line of the resource gave away: the access token and the
/// proof of the client's post.
struct StolenRequest {
    access_token: String,
    proof: String,
}

impl StolenRequest {
    /// The first post the client made, as the resource received it.
    fn from_the_log(raw: &[RawExchange]) -> Self {
        let exchange = raw
            .iter()
            .find(|exchange| exchange.from == "client" && exchange.path == POSTS)
            .unwrap_or_else(|| panic!("the client posted to {POSTS}"));
        let header = |name: &str| {
            exchange
                .request_headers
                .iter()
                .find(|(header, _)| header.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.clone())
                .unwrap_or_else(|| panic!("the client's post has no {name} header"))
        };
        let authorization = header("authorization");
        let access_token = authorization
            .strip_prefix("DPoP ")
            .unwrap_or_else(|| panic!("a DPoP-bound token: {authorization}"))
            .to_owned();
        Self {
            access_token,
            proof: header("dpop"),
        }
    }
}

/// Someone with a copy of the token, calling the resource directly.
struct Attacker {
    /// The resource through the attacker's proxy.
    posts: String,
    /// The resource's URL as its proofs name it (`htu`, RFC 9449 §4.2).
    htu: url::Url,
    http: reqwest::Client,
}

impl Attacker {
    fn new(stage: &Stage) -> Self {
        Self {
            posts: format!("{}{POSTS}", stage.attacker_front),
            htu: url::Url::parse(&format!("{}{POSTS}", stage.resource_id)).unwrap(),
            http: super::direct::http_client(),
        }
    }

    /// Sends the token the way a bearer token goes (RFC 6750 §2.1): the
    /// binding cannot be shed (RFC 9449 §7.1), `invalid_token`.
    async fn presents_as_bearer(&self, stolen: &StolenRequest) {
        let refused = self
            .post(&format!("Bearer {}", stolen.access_token), None)
            .await;
        assert_eq!(refused.status(), 401);
        let refusal: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(refusal["error"], "invalid_token", "{refusal}");
    }

    /// A well-formed proof for this very request, signed by a key of the
    /// attacker's: its thumbprint is not the token's `cnf.jkt` (§7.1).
    async fn proves_with_own_key(&self, stolen: &StolenRequest) {
        let own_key = DpopKey::generate().unwrap();
        let proof = own_key
            .proof(
                "POST",
                &self.htu,
                service_kit::clock::now(),
                Some(&AccessToken::new(stolen.access_token.as_str())),
                None,
            )
            .unwrap();
        let refused = self
            .post(&format!("DPoP {}", stolen.access_token), Some(&proof))
            .await;
        assert_invalid_dpop_proof(refused);
    }

    /// The client's own proof, sent again within its minute: right key,
    /// method, URL and token, but its `jti` was used (§11.1).
    async fn replays_the_proof(&self, stolen: &StolenRequest) {
        let refused = self
            .post(
                &format!("DPoP {}", stolen.access_token),
                Some(&stolen.proof),
            )
            .await;
        assert_invalid_dpop_proof(refused);
    }

    async fn post(&self, authorization: &str, proof: Option<&str>) -> reqwest::Response {
        let mut request = self
            .http
            .post(&self.posts)
            .header("Authorization", authorization)
            .json(&serde_json::json!({ "message": "posted by someone else" }));
        if let Some(proof) = proof {
            request = request.header("DPoP", proof);
        }
        request.send().await.unwrap()
    }
}

/// A `401` challenged in the DPoP scheme with `invalid_dpop_proof` (§7.1).
fn assert_invalid_dpop_proof(refused: reqwest::Response) {
    assert_eq!(refused.status(), 401);
    let challenge = refused
        .headers()
        .get("www-authenticate")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    assert!(
        challenge.starts_with("DPoP") && challenge.contains("error=\"invalid_dpop_proof\""),
        "{challenge}"
    );
}
