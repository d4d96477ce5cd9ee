//! Shared arrangements of the OpenID Connect tests: an authorization
//! request with OpenID parameters driven through login and consent by a
//! browser that keeps its cookies, the code exchanged, and ID tokens
//! verified against the published JWK Set as a relying party would.

use authorization_server::testing::{hidden_input, location, TestAuthorizationServer};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};

use crate::helpers::{authorize, json, pkce_pair};

pub const REDIRECT_URI: &str = "http://localhost:9000/callback";

/// An authorization request of `strava` for `scope`, with `extra`
/// parameters (`nonce`, `prompt`, …).
pub fn request(scope: &str, challenge: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = [
        ("response_type", "code"),
        ("client_id", "strava"),
        ("redirect_uri", REDIRECT_URI),
        ("scope", scope),
        ("state", "oidc-state"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
    .collect();
    params.extend(
        extra
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
    );
    params
}

/// What the browser met on its way.
#[derive(Debug, Default)]
pub struct Journey {
    /// The redirect to the client, with its query.
    pub callback: String,
    pub saw_login: bool,
    pub saw_consent: bool,
    /// The username prefilled on the login form, if any.
    pub prefilled: Option<String>,
}

/// Sends `params` to `/authorize` with `browser`, logs in as `username`
/// when asked, approves what was requested, and stops at the redirect to
/// the client.
pub async fn run(
    app: &TestAuthorizationServer,
    browser: &reqwest::Client,
    params: &[(String, String)],
    username: &str,
) -> Journey {
    let scope = params
        .iter()
        .find(|(name, _)| name == "scope")
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    let mut journey = Journey::default();
    let mut response = authorize(app, browser, params).await;
    for _ in 0..10 {
        if let Some(next) = location(&response) {
            if next.starts_with(REDIRECT_URI) {
                journey.callback = next;
                return journey;
            }
            response = browser
                .get(format!("{}{next}", app.url))
                .send()
                .await
                .unwrap();
            continue;
        }
        let page = response.text().await.unwrap();
        let mut form = vec![("csrf_token", hidden_input(&page, "csrf_token").unwrap())];
        if let Some(request) = hidden_input(&page, "request") {
            form.push(("request", request));
        }
        let path = if page.contains("name=\"password\"") {
            journey.saw_login = true;
            journey.prefilled = hidden_input(&page, "username");
            form.push(("username", username.to_owned()));
            form.push(("password", format!("{username}-password")));
            "/login"
        } else if page.contains("name=\"decision\"") {
            journey.saw_consent = true;
            form.push(("decision", "approve".to_owned()));
            form.extend(scope.split(' ').map(|scope| ("scope", scope.to_owned())));
            "/consent"
        } else {
            panic!("neither login nor consent: {page}");
        };
        response = browser
            .post(format!("{}{path}", app.url))
            .form(&form)
            .send()
            .await
            .unwrap();
    }
    panic!("the flow did not reach the client");
}

/// The query parameters of a callback URL.
pub fn query(callback: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(callback)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// The whole code flow for `scope` with `extra` parameters, as `username`
/// in `browser`: the token response (status 200 checked).
pub async fn tokens(
    app: &TestAuthorizationServer,
    browser: &reqwest::Client,
    scope: &str,
    extra: &[(&str, &str)],
    username: &str,
) -> serde_json::Value {
    let (verifier, challenge) = pkce_pair();
    let journey = run(app, browser, &request(scope, &challenge, extra), username).await;
    let code = query(&journey.callback).get("code").cloned().unwrap();
    let response = app
        .token_request(
            "strava",
            Some("strava-secret"),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", &verifier),
            ],
        )
        .await;
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The published JWK Set.
pub async fn jwks(app: &TestAuthorizationServer) -> JwkSet {
    reqwest::get(format!("{}/jwks.json", app.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Verifies an ID token as OpenID Connect Core §3.1.3.7 asks (signature
/// with the published key of its `kid`, `iss`, `aud`, `exp`) and returns
/// its header and claims.
pub async fn verify_id_token(
    app: &TestAuthorizationServer,
    token: &str,
    audience: &str,
) -> (jsonwebtoken::Header, serde_json::Value) {
    let header = jsonwebtoken::decode_header(token).unwrap();
    let keys = jwks(app).await;
    let jwk = keys.find(header.kid.as_deref().unwrap()).unwrap();
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[app.url.as_str()]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub", "iat"]);
    let data = jsonwebtoken::decode::<serde_json::Value>(
        token,
        &DecodingKey::from_jwk(jwk).unwrap(),
        &validation,
    )
    .unwrap();
    (header, data.claims)
}

/// The ID token of a token response.
pub fn id_token(tokens: &serde_json::Value) -> &str {
    tokens["id_token"].as_str().unwrap()
}
