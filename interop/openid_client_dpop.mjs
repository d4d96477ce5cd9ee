// openid-client (npm) with DPoP (RFC 9449) against our authorization
// server, with our demo data, as the public client `strava-dpop` (whose
// tokens must be DPoP-bound):
//   1. the metadata names `dpop_signing_alg_values_supported` with ES256;
//   2. the code flow with PKCE and `dpop_jkt` (§10), the token request
//      carrying openid-client's proof (§5): `token_type` is DPoP;
//   3. UserInfo with the DPoP scheme and a proof naming the token (§7);
//   4. a refresh with a proof by the same key (§5: a public client's
//      refresh token is bound to it): a new DPoP-bound token;
//   5. the refresh token and the access token are worthless with another
//      key: the refresh is `invalid_grant`, UserInfo `invalid_dpop_proof`.
//
// The person at the browser is played by the test that runs this script,
// as for openid_client_oidc.mjs (`VISIT <url> UNTIL <prefix>` on stdout,
// the redirect reached on stdin).
//
// Usage: node openid_client_dpop.mjs ISSUER
// Prints one line per step held and `ok` last; exits 1 at the first failure.

import assert from "node:assert/strict";
import { createInterface } from "node:readline";
import * as client from "openid-client";

const CLIENT_ID = "strava-dpop";
const REDIRECT_URI = "http://127.0.0.1:8765/callback";
const SCOPE = "openid profile post";

const answers = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function visit(url, until) {
  console.log(`VISIT ${url} UNTIL ${until}`);
  const { value, done } = await answers.next();
  assert.ok(!done, "the browser side closed stdin");
  return new URL(value.trim());
}

async function main(issuer) {
  const config = await client.discovery(new URL(issuer), CLIENT_ID, undefined, client.None());
  const algs = config.serverMetadata().dpop_signing_alg_values_supported;
  assert.ok(algs?.includes("ES256"), `dpop_signing_alg_values_supported: ${algs}`);
  console.log("metadata: DPoP algorithms advertised");

  const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair("ES256"));
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedNonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: "S256",
    nonce: expectedNonce,
    dpop_jkt: await DPoP.calculateThumbprint(),
  });
  const callback = await visit(url.href, REDIRECT_URI);
  const tokens = await client.authorizationCodeGrant(
    config,
    callback,
    { pkceCodeVerifier, expectedNonce, idTokenExpected: true },
    undefined,
    { DPoP },
  );
  assert.equal(tokens.token_type.toLowerCase(), "dpop");
  console.log("code flow with dpop_jkt: a DPoP-bound access token");

  const sub = tokens.claims().sub;
  const info = await client.fetchUserInfo(config, tokens.access_token, sub, { DPoP });
  assert.equal(info.name, "Hamza Ali");
  console.log("userinfo: answered with the DPoP scheme and a proof");

  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, {
    DPoP,
  });
  assert.equal(refreshed.token_type.toLowerCase(), "dpop");
  console.log("refresh: with the same key, a new DPoP-bound token");

  const thief = client.getDPoPHandle(config, await client.randomDPoPKeyPair("ES256"));
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
}

main(process.argv[2]).then(
  () => {
    console.log("ok");
    process.exit(0);
  },
  (failure) => {
    console.log(`FAILED: ${failure?.stack ?? failure}`);
    process.exit(1);
  },
);
