// openid-client (npm) with DPoP (RFC 9449) against our authorization
// server, with our demo data, as the public client `strava-dpop` (whose
// tokens must be DPoP-bound), and against our protected resource:
//   1. the metadata names `dpop_signing_alg_values_supported` with ES256;
//   2. the code flow with PKCE and `dpop_jkt` (§10), for our resource
//      (RFC 8707 `resource`), the token request carrying openid-client's
//      proof (§5): `token_type` is DPoP;
//   3. UserInfo with the DPoP scheme and a proof naming the token (§7);
//   4. our resource's `GET /api/me` with the DPoP scheme and a proof
//      naming the token (§7, `ath`): it answers for hamza; the same token
//      with a proof by another key is refused with `invalid_dpop_proof`
//      (§7.1), and sent as a Bearer token with `invalid_token` (§7.2: a
//      bound token is not a bearer token); it still works with its key;
//   5. a refresh with a proof by the same key (§5: a public client's
//      refresh token is bound to it): a new DPoP-bound token;
//   6. the refresh token and the access token are worthless with another
//      key: the refresh is `invalid_grant`, UserInfo `invalid_dpop_proof`;
//   7. the request pushed to `/par` (RFC 9126) with openid-client's proof
//      and no `dpop_jkt` (§10.1): the browser carries only `client_id` and
//      `request_uri`, and the code is bound to the key: another key's
//      proof cannot redeem it (`invalid_grant`), the key's proof can.
//
// The person at the browser is played by the test that runs this script
// (person.mjs says how).
//
// Usage: node openid_client_dpop.mjs ISSUER RESOURCE
// (RESOURCE: the protected resource's identifier, which is its URL.)
// Prints one line per step held and `ok` last; exits 1 at the first failure.

import assert from "node:assert/strict";
import * as client from "openid-client";

import { run, visit } from "./person.mjs";

const CLIENT_ID = "strava-dpop";
const REDIRECT_URI = "http://127.0.0.1:8765/callback";
const SCOPE = "openid profile post";

/** `GET RESOURCE/api/me` with `token`, through openid-client. */
function callMe(config, resource, token, options) {
  const url = new URL("/api/me", resource);
  return client.fetchProtectedResource(config, token, url, "GET", null, undefined, options);
}

/** Asserts that `call` is refused with 401 and the challenge `scheme` naming `error`. */
async function refused(call, scheme, error) {
  await assert.rejects(call, (refusal) => {
    assert.equal(refusal.status, 401, String(refusal));
    const challenge = refusal.cause?.find((each) => each.scheme === scheme);
    assert.equal(challenge?.parameters?.error, error, JSON.stringify(refusal.cause));
    return true;
  });
}

/** Step 4: openid-client's proofs at our resource. */
async function callOurResource(config, resource, token, DPoP, thief) {
  const me = await callMe(config, resource, token, { DPoP });
  assert.equal(me.status, 200);
  assert.equal((await me.json()).username, "hamza");
  console.log("resource: /api/me answered for hamza with the DPoP scheme and a proof");

  await refused(callMe(config, resource, token, { DPoP: thief }), "dpop", "invalid_dpop_proof");
  console.log("resource: the same token with another key's proof is invalid_dpop_proof");
  await refused(callMe(config, resource, token, undefined), "bearer", "invalid_token");
  console.log("resource: the same token as a Bearer token is invalid_token");

  const again = await callMe(config, resource, token, { DPoP });
  assert.equal(again.status, 200);
  console.log("resource: with its own key, the token still works");
}

/**
 * The parameters of an authorization request for `resource` (PKCE S256, a
 * nonce), and the checks the exchange of its code makes.
 */
async function authorizationRequest(resource) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedNonce = client.randomNonce();
  const parameters = {
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: "S256",
    nonce: expectedNonce,
    resource,
  };
  return { parameters, checks: { pkceCodeVerifier, expectedNonce, idTokenExpected: true } };
}

/** Step 7 (§10.1): a push with openid-client's proof binds the code. */
async function pushedWithProof(config, resource, DPoP, thief) {
  const { parameters, checks } = await authorizationRequest(resource);
  const url = await client.buildAuthorizationUrlWithPAR(config, parameters, { DPoP });
  assert.deepEqual([...url.searchParams.keys()].sort(), ["client_id", "request_uri"]);
  const callback = await visit(url.href, REDIRECT_URI);
  await assert.rejects(
    client.authorizationCodeGrant(config, callback, checks, undefined, { DPoP: thief }),
    (refusal) => {
      assert.equal(refusal.error, "invalid_grant", String(refusal));
      return true;
    },
  );
  const tokens = await client.authorizationCodeGrant(config, callback, checks, undefined, {
    DPoP,
  });
  assert.equal(tokens.token_type.toLowerCase(), "dpop");
  console.log("pushed with a proof: the code is bound to the key, not another's");
}

async function main(issuer, resource) {
  assert.ok(resource, "usage: node openid_client_dpop.mjs ISSUER RESOURCE");
  const config = await client.discovery(new URL(issuer), CLIENT_ID, undefined, client.None());
  const algs = config.serverMetadata().dpop_signing_alg_values_supported;
  assert.ok(algs?.includes("ES256"), `dpop_signing_alg_values_supported: ${algs}`);
  console.log("metadata: DPoP algorithms advertised");

  const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair("ES256"));
  const { parameters, checks } = await authorizationRequest(resource);
  const url = client.buildAuthorizationUrl(config, {
    ...parameters,
    dpop_jkt: await DPoP.calculateThumbprint(),
  });
  const callback = await visit(url.href, REDIRECT_URI);
  const tokens = await client.authorizationCodeGrant(
    config,
    callback,
    checks,
    undefined,
    { DPoP },
  );
  assert.equal(tokens.token_type.toLowerCase(), "dpop");
  console.log("code flow with dpop_jkt: a DPoP-bound access token");

  const sub = tokens.claims().sub;
  const info = await client.fetchUserInfo(config, tokens.access_token, sub, { DPoP });
  assert.equal(info.name, "Hamza Ali");
  console.log("userinfo: answered with the DPoP scheme and a proof");

  const thief = client.getDPoPHandle(config, await client.randomDPoPKeyPair("ES256"));
  await callOurResource(config, resource, tokens.access_token, DPoP, thief);

  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, {
    DPoP,
  });
  assert.equal(refreshed.token_type.toLowerCase(), "dpop");
  console.log("refresh: with the same key, a new DPoP-bound token");

  await assert.rejects(
    client.refreshTokenGrant(config, refreshed.refresh_token, undefined, { DPoP: thief }),
    (refusal) => {
      assert.equal(refusal.error, "invalid_grant", String(refusal));
      return true;
    },
  );
  await assert.rejects(
    client.fetchUserInfo(config, refreshed.access_token, sub, { DPoP: thief }),
    (refusal) => {
      assert.equal(refusal.cause?.[0]?.parameters?.error ?? refusal.error, "invalid_dpop_proof", String(refusal));
      return true;
    },
  );
  console.log("another key: the refresh token and the access token are worthless");

  await pushedWithProof(config, resource, DPoP, thief);
}

run(() => main(process.argv[2], process.argv[3]));
