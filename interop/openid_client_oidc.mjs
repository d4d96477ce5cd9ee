// openid-client, a strict third-party OpenID Connect relying party (npm),
// against our authorization server as an OpenID Provider, with our demo
// data:
//   1. discovery (OpenID Connect Discovery 1.0 §4: the document's `issuer`
//      must be the one asked for);
//   2. the code flow with `nonce`, `state` and PKCE S256 for the
//      confidential client `strava`; the RFC 9207 `iss` of the
//      authorization response checked;
//   3. the ID token validated as Core §3.1.3.7 says, its signature too
//      (openid-client's non-repudiation checks fetch our JWK Set);
//   4. UserInfo (Core §5.3), whose `sub` must be the ID token's;
//   5. a refresh (Core §12.2): a new ID token with the same `sub` and
//      `auth_time`;
//   6. RP-initiated logout (RP-Initiated Logout 1.0 §2, §3): back at the
//      registered `post_logout_redirect_uri` with `state`, and the session
//      over: `prompt=none` then answers `login_required` (Core §3.1.2.6).
//
// The person at the browser is played by the test that runs this script
// (person.mjs says how).
//
// Usage: node openid_client_oidc.mjs ISSUER
// (NODE_EXTRA_CA_CERTS names the test authority of an HTTPS issuer.)
// Prints one line per step held and `ok` last; exits 1 at the first failure.

import assert from "node:assert/strict";
import * as client from "openid-client";

import { run, visit } from "./person.mjs";

const CLIENT_ID = "strava";
const CLIENT_SECRET = "strava-secret";
const REDIRECT_URI = "http://localhost:9000/callback";
const POST_LOGOUT_REDIRECT_URI = "http://localhost:9000/";
const SCOPE = "openid profile email";

async function signIn(config, extra = {}) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedNonce = client.randomNonce();
  const expectedState = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: "S256",
    nonce: expectedNonce,
    state: expectedState,
    ...extra,
  });
  const callback = await visit(url.href, REDIRECT_URI);
  return client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier,
    expectedNonce,
    expectedState,
    idTokenExpected: true,
  });
}

async function main(issuer) {
  const config = await client.discovery(
    new URL(issuer),
    CLIENT_ID,
    { id_token_signed_response_alg: "RS256" },
    client.ClientSecretBasic(CLIENT_SECRET),
  );
  client.enableNonRepudiationChecks(config);
  const server = config.serverMetadata();
  assert.equal(server.issuer, issuer);
  assert.ok(server.id_token_signing_alg_values_supported.includes("RS256"));
  console.log("discovery: valid for openid-client");

  const tokens = await signIn(config);
  const claims = tokens.claims();
  assert.equal(claims.name, "Hamza Ali");
  assert.equal(claims.email, "hamza@example.com");
  assert.ok(claims.at_hash, "an ID token from /token carries at_hash");
  console.log("code flow with nonce, state, iss and PKCE: ID token valid for openid-client");

  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(info.preferred_username, "hamza");
  assert.equal(info.email_verified, true);
  console.log("userinfo: the same sub and the claims of the scopes");

  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  const renewed = refreshed.claims();
  assert.ok(renewed, "a refresh answers a new ID token");
  assert.equal(renewed.sub, claims.sub);
  assert.equal(renewed.auth_time, claims.auth_time);
  console.log("refresh: a new ID token with the same sub and auth_time");

  const state = client.randomState();
  const logout = client.buildEndSessionUrl(config, {
    id_token_hint: refreshed.id_token,
    post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI,
    state,
  });
  const back = await visit(logout.href, POST_LOGOUT_REDIRECT_URI);
  assert.equal(back.origin + back.pathname, POST_LOGOUT_REDIRECT_URI);
  assert.equal(back.searchParams.get("state"), state);
  await assert.rejects(signIn(config, { prompt: "none" }), (refusal) => {
    assert.ok(refusal instanceof client.AuthorizationResponseError, String(refusal));
    assert.equal(refusal.error, "login_required");
    return true;
  });
  console.log("logout: back with state, and the session is over (login_required)");
}

run(() => main(process.argv[2]));
