//! DPoP (RFC 9449) at the fakes: the fake authorization server checks the
//! proof of each token request and binds what it issues to the proof's
//! key; the fake resource takes a bound token only as `DPoP` with a proof
//! of that key naming it. Either may ask for nonces, once or forever. Every
//! proof the client sent is kept, for the tests to take apart.

use std::collections::HashMap;

use oauth_types::dpop::{verify_proof, JwkThumbprint, ProofCheck, ProofError};
use oauth_types::secret::AccessToken;
use serde_json::json;
use wiremock::{Request, ResponseTemplate};

use crate::fakes::World;

/// Whether a fake asks for a `DPoP-Nonce` (§8, §9).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum NonceDemand {
    #[default]
    Never,
    /// Every proof must carry this nonce.
    Require(String),
    /// Each request is answered `use_dpop_nonce` with a new nonce.
    Endlessly,
}

/// What the fakes know and saw of DPoP.
#[derive(Debug, Default)]
pub struct DpopWorld {
    /// The metadata's `dpop_signing_alg_values_supported`; empty: DPoP is
    /// not offered.
    pub algorithms: Vec<String>,
    /// Answer `token_type: Bearer` and bind nothing, proof or not.
    pub answer_bearer: bool,
    pub nonce_at_token: NonceDemand,
    pub nonce_at_resource: NonceDemand,
    /// The `DPoP` header of each `/token` request, in order.
    pub token_proofs: Vec<Option<String>>,
    /// The `DPoP` header of each resource call, in order.
    pub resource_proofs: Vec<Option<String>>,
    /// Access tokens bound to a key.
    pub bound: HashMap<String, JwkThumbprint>,
    /// The key the token request being answered proved, if any.
    pub(crate) proved: Option<JwkThumbprint>,
    nonces_given: u64,
}

/// Seconds since the epoch: the fakes' clock is the real one.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn proof_header(request: &Request) -> Option<String> {
    request
        .headers
        .get("dpop")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// The nonce a proof must carry, or `Err(new nonce)` to ask for one.
fn demanded(demand: &NonceDemand, given: &mut u64) -> Result<Option<String>, String> {
    match demand {
        NonceDemand::Never => Ok(None),
        NonceDemand::Require(nonce) => Ok(Some(nonce.clone())),
        NonceDemand::Endlessly => {
            *given += 1;
            Err(format!("endless-nonce-{given}"))
        }
    }
}

/// §5 at `/token`: records the proof; checks it when there is one (the
/// token endpoint's URL under the issuer, `POST`, the nonce asked for).
/// `Err` is the refusal to answer.
pub fn check_token_request(request: &Request, world: &mut World) -> Result<(), Refusal> {
    let proof = proof_header(request);
    world.dpop.token_proofs.push(proof.clone());
    world.dpop.proved = None;
    let Some(proof) = proof else {
        return Ok(());
    };
    let nonce = demanded(&world.dpop.nonce_at_token, &mut world.dpop.nonces_given)
        .map_err(|nonce| token_refusal("use_dpop_nonce", Some(&nonce)))?;
    let htu = url::Url::parse(&format!("{}/token", world.issuer)).unwrap();
    let check = ProofCheck {
        method: "POST",
        url: &htu,
        now: now(),
        access_token: None,
        nonce: nonce.as_deref(),
    };
    match verify_proof(&proof, &check) {
        Ok(verified) => {
            world.dpop.proved = Some(verified.jkt);
            Ok(())
        }
        Err(ProofError::Nonce) => Err(token_refusal("use_dpop_nonce", nonce.as_deref())),
        Err(_) => Err(token_refusal("invalid_dpop_proof", None)),
    }
}

/// A fake's refusal, boxed: an answer template is large.
pub type Refusal = Box<ResponseTemplate>;

fn token_refusal(error: &str, nonce: Option<&str>) -> Refusal {
    let answer = ResponseTemplate::new(400)
        .set_body_json(json!({ "error": error, "error_description": "the fake's DPoP check" }));
    Box::new(match nonce {
        Some(nonce) => answer.insert_header("DPoP-Nonce", nonce),
        None => answer,
    })
}

/// §5, §6: a token answer of a proved request is `token_type: DPoP`, its
/// access token bound to the proof's key.
pub fn bind(world: &mut World, answer: &mut serde_json::Value, access_token: &str) {
    if world.dpop.answer_bearer {
        return;
    }
    if let Some(jkt) = world.dpop.proved.clone() {
        answer["token_type"] = "DPoP".into();
        world.dpop.bound.insert(access_token.to_owned(), jkt);
    }
}

/// §7 at the resource: the access token presented, or the refusal. A bound
/// token must come as `DPoP` with a proof of its key for this request and
/// this token; an unbound one as `Bearer`.
pub fn presented_token(request: &Request, world: &mut World) -> Result<String, Refusal> {
    let proof = proof_header(request);
    world.dpop.resource_proofs.push(proof.clone());
    let authorization = request
        .headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if let Some(token) = authorization.strip_prefix("Bearer ") {
        if world.dpop.bound.contains_key(token) {
            return Err(resource_refusal("Bearer", "invalid_token", None));
        }
        return Ok(token.to_owned());
    }
    let Some(token) = authorization.strip_prefix("DPoP ") else {
        return Err(resource_refusal("Bearer", "invalid_token", None));
    };
    let Some(jkt) = world.dpop.bound.get(token).cloned() else {
        return Err(resource_refusal("DPoP", "invalid_token", None));
    };
    let nonce = demanded(&world.dpop.nonce_at_resource, &mut world.dpop.nonces_given)
        .map_err(|nonce| resource_refusal("DPoP", "use_dpop_nonce", Some(&nonce)))?;
    let htu = url::Url::parse(&format!("{}{}", world.resource_url, request.url.path())).unwrap();
    let access_token = AccessToken::new(token);
    let check = ProofCheck {
        method: request.method.as_str(),
        url: &htu,
        now: now(),
        access_token: Some(&access_token),
        nonce: nonce.as_deref(),
    };
    match proof.as_deref().map(|proof| verify_proof(proof, &check)) {
        Some(Ok(verified)) if verified.jkt == jkt => Ok(token.to_owned()),
        Some(Err(ProofError::Nonce)) => {
            Err(resource_refusal("DPoP", "use_dpop_nonce", nonce.as_deref()))
        }
        _ => Err(resource_refusal("DPoP", "invalid_dpop_proof", None)),
    }
}

fn resource_refusal(scheme: &str, error: &str, nonce: Option<&str>) -> Refusal {
    let answer = ResponseTemplate::new(401)
        .set_body_json(json!({ "error": error, "error_description": "the fake's DPoP check" }))
        .insert_header(
            "WWW-Authenticate",
            format!(r#"{scheme} realm="fake", error="{error}", algs="ES256""#).as_str(),
        );
    Box::new(match nonce {
        Some(nonce) => answer.insert_header("DPoP-Nonce", nonce),
        None => answer,
    })
}
