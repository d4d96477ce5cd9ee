//! Criterion micro-benchmarks of what every API request pays before its
//! handler runs (`cargo bench -p protected-resource --bench hot_paths`):
//!
//! - `locate`: finding the token (RFC 6750 §2) in a header or the query;
//! - `scope`: parsing a granted `scope` and checking a route's scope in it
//!   (RFC 6749 §3.3 `ScopeSet`);
//! - `introspection_cache`: the token's SHA-256 and a cache hit, a miss, an
//!   insert into a full cache;
//! - `jwt`: of a token from the real authorization server, the EdDSA
//!   signature and claims check a token seen for the first time costs, and
//!   the whole validation of a token already verified with the current keys;
//! - `dpop`: what a DPoP-bound request adds (RFC 9449 §4.3, §11.1): the
//!   checks of an ES256 proof (`oauth_types::dpop::verify_proof`: header,
//!   signature, claims, thumbprint) and the replay cache's first use.
//!
//! The end-to-end figures are `scripts/bench`'s; these show where a
//! request's microseconds go when those figures move.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use actix_web::http::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use oauth_types::introspection::{Audience, IntrospectionResponse};
use oauth_types::secret::{generate_credential, AccessToken, CredentialHash};
use oauth_types::ScopeSet;
use protected_resource::bearer::locate::locate;
use protected_resource::introspection::{Grant, IntrospectionCache};
use protected_resource::jwt::{AccessTokenClaims, JwtSettings, JwtValidator, KeySettings};

const RESOURCE: &str = "http://localhost:9002";
const NOW: i64 = 1_700_000_000;

fn token_location(c: &mut Criterion) {
    let token = generate_credential();
    let mut headers = HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    let query = format!("page=2&access_token={token}");
    let mut group = c.benchmark_group("locate");
    group.bench_function("authorization_header", |b| {
        b.iter(|| locate(black_box(&headers), black_box(""), None).unwrap())
    });
    group.bench_function("query_parameter", |b| {
        b.iter(|| locate(black_box(&HeaderMap::new()), black_box(&query), None).unwrap())
    });
    group.finish();
}

fn scope_checks(c: &mut Criterion) {
    let granted = ScopeSet::parse("profile post personal-message").unwrap();
    let asked = ScopeSet::parse("post profile").unwrap();
    let mut group = c.benchmark_group("scope");
    group.bench_function("parse_three", |b| {
        b.iter(|| ScopeSet::parse(black_box("profile post personal-message")).unwrap())
    });
    group.bench_function("contains_str", |b| {
        b.iter(|| black_box(&granted).contains_str(black_box("personal-message")))
    });
    group.bench_function("is_subset", |b| {
        b.iter(|| black_box(&asked).is_subset(black_box(&granted)))
    });
    group.finish();
}

fn grant() -> Grant {
    let answer = IntrospectionResponse {
        active: true,
        scope: ScopeSet::parse("profile post").ok(),
        client_id: Some("strava".into()),
        username: Some("hamza".into()),
        sub: Some("9b2f0c8e-user".into()),
        exp: Some(NOW + 600),
        aud: Audience::new(vec![RESOURCE.into()]),
        ..IntrospectionResponse::default()
    };
    Grant::from_answer(answer, RESOURCE, NOW).unwrap()
}

fn introspection_cache(c: &mut Criterion) {
    let capacity = 10_000;
    let cache = IntrospectionCache::new(30, capacity);
    let tokens: Vec<AccessToken> = (0..capacity)
        .map(|_| AccessToken::new(generate_credential()))
        .collect();
    for token in &tokens {
        cache.insert(token.hash(), grant(), NOW);
    }
    let hit = &tokens[capacity / 2];
    let hit_key = hit.hash();
    let miss_key = CredentialHash::of(&generate_credential());
    let mut group = c.benchmark_group("introspection_cache");
    group.bench_function("sha256_of_token", |b| b.iter(|| black_box(hit).hash()));
    group.bench_function("get_hit", |b| {
        b.iter(|| cache.get(black_box(&hit_key), NOW).unwrap())
    });
    group.bench_function("hash_and_get_hit", |b| {
        b.iter(|| cache.get(&black_box(hit).hash(), NOW).unwrap())
    });
    group.bench_function("get_miss", |b| {
        b.iter(|| cache.get(black_box(&miss_key), NOW))
    });
    // A full cache evicts on every new entry (expired entries first, then
    // the one closest to its end): the worst case of an insert.
    group.bench_function("insert_into_full_cache", |b| {
        b.iter_batched(
            || CredentialHash::of(&generate_credential()),
            |key| cache.insert(key, grant(), NOW),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

/// A real RFC 9068 token from the real authorization server, and a
/// validator whose key cache was filled once from its `jwks_uri`.
fn jwt_verification(c: &mut Criterion) {
    let system = actix_rt::System::new();
    let (validator, token, jwks, server) = system.block_on(async {
        let database_url = service_kit::testing::sqlite_url();
        let mut config = authorization_server::Config::for_test(&database_url);
        config.access_token_format = authorization_server::AccessTokenFormat::Jwt;
        let server = authorization_server::testing::spawn_with(config).await;
        let flow = authorization_server::testing::Flow::demo();
        let token = server.obtain_tokens(&flow).await.access_token;
        let validator = JwtValidator::new(JwtSettings {
            keys: KeySettings {
                issuer: server.url.clone(),
                issuer_url: url::Url::parse(&server.url).unwrap(),
                internal_url: None,
                timeout: Duration::from_secs(5),
                cache_ttl_seconds: 86_400,
                refetch_interval_seconds: 86_400,
            },
            resource_id: RESOURCE.to_owned(),
        })
        .unwrap();
        let now = service_kit::clock::now();
        validator.validate(&token, now).await.unwrap();
        let jwks: JwkSet = reqwest::get(format!("{}/jwks.json", server.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (validator, token, jwks, server)
    });
    let key = DecodingKey::from_jwk(&jwks.keys[0]).unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&[&server.url]);
    validation.set_audience(&[RESOURCE]);
    let now = service_kit::clock::now();
    let mut group = c.benchmark_group("jwt");
    // What a token seen for the first time costs: the EdDSA signature and
    // the claims (jsonwebtoken, as `JwtValidator` calls it).
    group.bench_function("verify_signature_and_claims", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<AccessTokenClaims>(black_box(token.secret()), &key, &validation)
                .unwrap()
        })
    });
    // The whole validation of a token already verified with the current
    // keys: header, key-set generation, the verified-token cache.
    group.bench_function("validate_seen_token", |b| {
        b.iter(|| {
            system
                .block_on(validator.validate(black_box(&token), now))
                .unwrap()
        })
    });
    group.finish();
}

fn dpop_proofs(c: &mut Criterion) {
    let key = oauth_types::dpop::DpopKey::generate().unwrap();
    let url = url::Url::parse(&format!("{RESOURCE}/api/me")).unwrap();
    let token = AccessToken::generate();
    let now = service_kit::clock::now();
    let proof = key.proof("GET", &url, now, Some(&token), None).unwrap();
    let check = oauth_types::dpop::ProofCheck {
        method: "GET",
        url: &url,
        now,
        access_token: Some(&token),
        nonce: None,
    };
    let mut group = c.benchmark_group("dpop");
    group.bench_function("verify_es256_proof", |b| {
        b.iter(|| oauth_types::dpop::verify_proof(black_box(&proof), &check).unwrap())
    });
    let verified = oauth_types::dpop::verify_proof(&proof, &check).unwrap();
    // A cache that already holds a thousand live proofs: as under load,
    // short of `REPLAY_CAPACITY` (a full one refuses, rather than forget).
    let held = |replay: &protected_resource::dpop::ProofReplay| {
        for jti in 0..1_000 {
            let other = oauth_types::dpop::VerifiedProof {
                jti: format!("held-{jti}"),
                ..verified.clone()
            };
            replay.first_use(&other, now).unwrap();
        }
    };
    group.bench_function("replay_cache_first_use", |b| {
        b.iter_batched_ref(
            || {
                let replay = protected_resource::dpop::ProofReplay::default();
                held(&replay);
                replay
            },
            |replay| replay.first_use(black_box(&verified), now).unwrap(),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(
    hot_paths,
    token_location,
    scope_checks,
    introspection_cache,
    jwt_verification,
    dpop_proofs
);
criterion_main!(hot_paths);
