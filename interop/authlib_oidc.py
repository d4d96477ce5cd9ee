"""Authlib, a third-party OpenID Connect library, against our authorization
server as an OpenID Provider, with our demo data:
  1. the discovery document (OpenID Connect Discovery 1.0 §3), validated
     by Authlib's `OpenIDProviderMetadata`;
  2. the code flow with `nonce` and PKCE S256 for the confidential client
     `strava`, scopes `openid profile email`;
  3. the ID token verified with the keys of our JWK Set (joserfc, which
     Authlib uses) and Authlib's `CodeIDToken` claim validation (Core
     §3.1.3.7: `iss`, `aud`, `exp`, `iat`, `nonce`, `at_hash`), and the
     same validation refusing the token for another access token;
  4. the UserInfo endpoint (Core §5.3) with the access token;
  5. a refresh (Core §12.2): a new ID token with the same `sub` and
     `auth_time`;
  6. `prompt=none` without a session answers `login_required` (Core
     §3.1.2.6) to the redirect URI, with `state` and `iss`.

Usage: python authlib_oidc.py ISSUER [CA_FILE]
Exits 0 when every step held; otherwise prints the step that failed.
"""

from urllib.parse import parse_qs, urlparse

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc import jwt
from joserfc.errors import InvalidClaimError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from user_agent import UserAgent, run_script, trusting

CLIENT_ID, CLIENT_SECRET = "strava", "strava-secret"
REDIRECT_URI = "http://localhost:9000/callback"
SCOPE = "openid profile email"


def discovery(issuer, verify):
    http = trusting(requests.Session(), verify)
    document = http.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    OpenIDProviderMetadata(document).validate()
    assert document["issuer"] == issuer, document["issuer"]
    assert "RS256" in document["id_token_signing_alg_values_supported"], document
    return document


def id_token_claims(server, verify, token, nonce, access_token=None):
    """The ID token of `token`, verified as Authlib's OpenID client does."""
    http = trusting(requests.Session(), verify)
    keys = KeySet.import_key_set(http.get(server["jwks_uri"], timeout=10).json())
    registry = JWSRegistry(algorithms=server["id_token_signing_alg_values_supported"])
    decoded = jwt.decode(token["id_token"], key=keys, registry=registry)
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {"iss": {"values": [server["issuer"]]}, "aud": {"values": [CLIENT_ID]}},
        {
            "nonce": nonce,
            "client_id": CLIENT_ID,
            "access_token": access_token or token["access_token"],
        },
    )
    claims.validate(leeway=5)
    return decoded.header, claims


def main(issuer, verify):
    server = discovery(issuer, verify)
    print("discovery: valid for Authlib")

    session = OAuth2Session(
        CLIENT_ID,
        CLIENT_SECRET,
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    trusting(session, verify)
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = session.create_authorization_url(
        server["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    redirect = UserAgent("hamza", "hamza-password", verify).authorize(url, REDIRECT_URI)
    assert parse_qs(urlparse(redirect).query).get("iss") == [server["issuer"]], redirect
    token = session.fetch_token(
        server["token_endpoint"],
        authorization_response=redirect,
        state=state,
        code_verifier=verifier,
    )
    assert "id_token" in token, token
    print("code flow with nonce and PKCE: tokens and an ID token")

    header, claims = id_token_claims(server, verify, token, nonce)
    assert header["alg"] == "RS256", header
    assert claims["nonce"] == nonce and claims.get("at_hash"), claims
    assert claims["name"] == "Hamza Ali" and claims["email"] == "hamza@example.com", claims
    try:
        id_token_claims(server, verify, token, nonce, access_token="another-access-token")
        raise AssertionError("at_hash must bind the ID token to its access token")
    except InvalidClaimError as refused:
        assert "at_hash" in str(refused), refused
    print("ID token: signature, iss, aud, exp, nonce and at_hash valid for Authlib")

    userinfo = session.get(server["userinfo_endpoint"], timeout=10)
    assert userinfo.status_code == 200, userinfo.text
    info = userinfo.json()
    assert info["sub"] == claims["sub"], info
    assert info["preferred_username"] == "hamza" and info["email_verified"] is True, info
    print("userinfo: the same sub and the claims of the scopes")

    refreshed = session.refresh_token(server["token_endpoint"], refresh_token=token["refresh_token"])
    _, renewed = id_token_claims(server, verify, refreshed, None)
    assert renewed["sub"] == claims["sub"], renewed
    assert renewed["auth_time"] == claims["auth_time"], renewed
    print("refresh: a new ID token with the same sub and auth_time")

    silent = OAuth2Session(
        CLIENT_ID,
        CLIENT_SECRET,
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
    )
    silent_url, silent_state = silent.create_authorization_url(
        server["authorization_endpoint"],
        code_verifier=generate_token(48),
        nonce=generate_token(20),
        prompt="none",
    )
    stranger = trusting(requests.Session(), verify)
    answer = stranger.get(silent_url, allow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303), answer.text[:300]
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI), location
    params = parse_qs(urlparse(location).query)
    assert params.get("error") == ["login_required"], params
    assert params.get("state") == [silent_state] and params.get("iss") == [issuer], params
    print("prompt=none without a session: login_required")


if __name__ == "__main__":
    run_script(main)
