// The authorization code flow as the openid-client scripts run it: PKCE
// S256 and `state` (RFC 6749 §4.1, RFC 7636 §4), the person at the browser
// played by the Rust test (person.mjs), the code exchanged.

import * as client from "openid-client";

import { visit } from "./person.mjs";

/**
 * `authorize(config, parameters)` builds the authorization URL from
 * `parameters` plus the PKCE challenge and `state` (openid-client's
 * `buildAuthorizationUrl`, or `buildAuthorizationUrlWithPAR` to push the
 * request first); `sent(url)` may look at that URL before the person
 * visits it; the code that comes back to `parameters.redirect_uri` is
 * exchanged. The token response.
 */
export async function codeFlow(config, { authorize, parameters, sent = () => {} }) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedState = client.randomState();
  const url = await authorize(config, {
    ...parameters,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: "S256",
    state: expectedState,
  });
  sent(url);
  const callback = await visit(url.href, parameters.redirect_uri);
  return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier, expectedState });
}
