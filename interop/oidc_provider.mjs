// oidc-provider (npm, by panva), a certified OpenID Provider, unchanged and
// configured only through its documented configuration, as a foreign
// OpenID Provider for our client "Strava":
//   - one client registration: Strava, confidential, `client_secret_basic`
//     at the token endpoint (RFC 6749 §2.3.1), the authorization code flow
//     only, its redirect URI and its post-logout redirect URI
//     (RP-Initiated Logout 1.0 §3), both compared exactly;
//   - PKCE required of every client (RFC 7636; S256 is the only method
//     oidc-provider offers);
//   - one person, `ada`, with the claims `name` and `preferred_username`
//     (scope `profile`) and `email` (scope `email`), Core §5.4;
//   - its built-in development interactions as the person's pages: a
//     login form (`login`, `password`; any password) and a consent form;
//   - RP-initiated logout at its `end_session_endpoint`;
//   - DPoP (RFC 9449, `features.dPoP`): a token request with a proof gets
//     a DPoP-bound access token (`token_type` DPoP, `cnf.jkt`);
//   - one protected resource (RFC 8707, `features.resourceIndicators`),
//     our resource "Facebook", named by its identifier RESOURCE: a token
//     requested with `resource` = RESOURCE is for it alone (`aud`), holds
//     the scopes `profile` and `post` it defines, and is an RFC 9068 JWT
//     access token (`typ` `at+jwt`, RS256, signed with the key its JWK Set
//     publishes); any other `resource` is `invalid_target`;
//   - a fresh RSA key signs ID tokens and access tokens (RS256), fresh keys
//     sign its cookies.
// Everything else is oidc-provider's defaults. It speaks HTTP on loopback,
// as its development settings allow.
//
// Usage: node oidc_provider.mjs REDIRECT_URI POST_LOGOUT_REDIRECT_URI [PORT [RESOURCE]]
// Listens on 127.0.0.1:PORT (default 0: a free port), prints its issuer
// URL on one line once listening, and stops when stdin closes or on
// SIGTERM. RESOURCE defaults to our resource's default identifier,
// http://localhost:9002.

import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import Provider, { errors } from "oidc-provider";

const CLIENT_ID = "strava";
const CLIENT_SECRET = "strava-secret";

const PERSON = {
  sub: "ada",
  name: "Ada Lovelace",
  preferred_username: "ada",
  email: "ada@example.org",
};

/** Core §5.4: the claims each scope releases. */
const CLAIMS = {
  openid: ["sub"],
  profile: ["name", "preferred_username"],
  email: ["email"],
};

/** RFC 8707 §2: the scopes our resource defines (its API's). */
const RESOURCE_SCOPES = "profile post";

/** Seconds an access token for the resource lives. */
const ACCESS_TOKEN_TTL = 600;

/**
 * `features.resourceIndicators.getResourceServerInfo`: the one resource
 * this provider issues access tokens for, as RFC 9068 JWTs signed with its
 * own key (RS256); any other is `invalid_target` (RFC 8707 §2).
 */
function resourceServers(resource) {
  return async (_ctx, indicator) => {
    if (indicator !== resource) {
      throw new errors.InvalidTarget();
    }
    return {
      scope: RESOURCE_SCOPES,
      accessTokenTTL: ACCESS_TOKEN_TTL,
      accessTokenFormat: "jwt",
      jwt: { sign: { alg: "RS256" } },
    };
  };
}

/** The one person this provider knows; `undefined` for anyone else. */
async function findAccount(_ctx, id) {
  if (id !== PERSON.sub) {
    return undefined;
  }
  return {
    accountId: id,
    async claims() {
      return { ...PERSON };
    },
  };
}

/** A fresh RS256 signing key, as a private JWK. */
function signingKey() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    ...privateKey.export({ format: "jwk" }),
    kid: randomBytes(8).toString("hex"),
    use: "sig",
    alg: "RS256",
  };
}

function configuration(redirectUri, postLogoutRedirectUri, resource) {
  return {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [redirectUri],
        post_logout_redirect_uris: [postLogoutRedirectUri],
        token_endpoint_auth_method: "client_secret_basic",
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    findAccount,
    claims: CLAIMS,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      dPoP: { enabled: true },
      resourceIndicators: {
        enabled: true,
        getResourceServerInfo: resourceServers(resource),
      },
    },
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
  };
}

function main([redirectUri, postLogoutRedirectUri, port = "0", resource = "http://localhost:9002"]) {
  if (!redirectUri || !postLogoutRedirectUri) {
    console.error("usage: node oidc_provider.mjs REDIRECT_URI POST_LOGOUT_REDIRECT_URI [PORT [RESOURCE]]");
    process.exit(2);
  }
  // Bound first: the issuer names the port.
  const server = createServer();
  server.listen(Number(port), "127.0.0.1", () => {
    const issuer = `http://127.0.0.1:${server.address().port}`;
    const settings = configuration(redirectUri, postLogoutRedirectUri, resource);
    const provider = new Provider(issuer, settings);
    server.on("request", provider.callback());
    console.log(issuer);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.stdin.on("end", stop);
  process.stdin.resume();
  process.on("SIGTERM", stop);
}

main(process.argv.slice(2));
