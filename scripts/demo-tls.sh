# shellcheck shell=bash
# `scripts/demo --tls`: the same demo over HTTPS (sourced by scripts/demo,
# which provides `start`, `pids` and `database_dir`). See docs/tls.md.
#
# - A local certificate authority and a certificate for localhost,
#   127.0.0.1 and the roles' names below are made once in data/tls/ (a
#   small Rust example using rcgen; no openssl needed).
# - Each role has its own host name under .localhost, which browsers
#   resolve to loopback: https://strava.localhost:9000,
#   https://authorization-server.localhost:9001 and
#   https://facebook.localhost:9002. Cookies are per host, so no role sees
#   another's session cookie (on plain `localhost` all three would), and
#   under HTTPS they carry the `__Host-` prefix.
# - Every role serves HTTPS with that certificate (--tls-cert, --tls-key);
#   the back channels (the resource's introspection, the client's
#   metadata/token/revocation and API calls) go to https://localhost:…
#   and trust the local authority with --ca-cert.
# - Its databases live in data/tls/, apart from the plain demo's: the demo
#   registrations name http:// URLs, so this demo registers `strava-tls`
#   (redirect URI https://strava.localhost:9000/callback) and
#   `protected-resource-tls` (resource https://facebook.localhost:9002)
#   once, keeping their generated secrets in data/tls/secrets.env.

tls_dir=data/tls
strava=https://strava.localhost:9000
issuer=https://authorization-server.localhost:9001
facebook=https://facebook.localhost:9002

make_certificates() {
    if [ -f "$tls_dir/ca.pem" ] && [ -f "$tls_dir/server.pem" ] && [ -f "$tls_dir/server-key.pem" ] &&
        grep -q "strava.localhost" "$tls_dir/server-names" 2>/dev/null; then
        echo "using the local certificate authority in $tls_dir/"
        return 0
    fi
    echo "making a local certificate authority and a certificate for the roles' names in $tls_dir/…"
    mkdir -p "$tls_dir"
    cargo run --release --locked -p service-kit --example make-demo-certs -- "$tls_dir" |
        tee "$tls_dir/server-names"
}

# register KIND CLIENT_ID ARGS...: `client add` once; prints the secret.
register() {
    local output
    output=$("$release_dir/authorization-server" client add \
        --database-url "sqlite://$tls_dir/authorization-server.db" "$@")
    sed -n 's/^client_secret: //p' <<<"$output"
}

register_tls_clients() {
    local secrets="$tls_dir/secrets.env"
    local listed
    listed=$("$release_dir/authorization-server" client list \
        --database-url "sqlite://$tls_dir/authorization-server.db")
    if grep -q "strava-tls" <<<"$listed" && ! grep -q "$strava/callback" <<<"$listed"; then
        echo "$tls_dir/ was made by an older demo that served every role on localhost;" >&2
        echo "remove $tls_dir/ and start again" >&2
        exit 1
    fi
    if [ -f "$secrets" ]; then
        # shellcheck disable=SC1090
        source "$secrets"
        return 0
    fi
    if grep -q "strava-tls" <<<"$listed"; then
        echo "$tls_dir/authorization-server.db has the TLS clients but $secrets is gone;" >&2
        echo "remove $tls_dir/*.db and start again" >&2
        exit 1
    fi
    STRAVA_TLS_SECRET=$(register --client-id strava-tls --kind confidential \
        --redirect-uri "$strava/callback" \
        --scope "profile post personal-message" \
        --grant authorization_code --grant refresh_token)
    RESOURCE_TLS_SECRET=$(register --client-id protected-resource-tls \
        --kind protected-resource --resource-id "$facebook")
    (
        umask 077
        printf 'STRAVA_TLS_SECRET=%q\nRESOURCE_TLS_SECRET=%q\n' \
            "$STRAVA_TLS_SECRET" "$RESOURCE_TLS_SECRET" >"$secrets"
    )
}

start_over_tls() {
    make_certificates
    local tls=(--tls-cert "$tls_dir/server.pem" --tls-key "$tls_dir/server-key.pem")
    local ca=(--ca-cert "$tls_dir/ca.pem")
    database_dir=$tls_dir

    echo "starting over HTTPS:"
    start authorization-server --demo "${tls[@]}" --issuer "$issuer"
    register_tls_clients
    # Browsers use the roles' names; the roles reach each other on localhost.
    start protected-resource "${tls[@]}" "${ca[@]}" \
        --issuer "$issuer" \
        --issuer-internal-url https://localhost:9001 \
        --introspection-url https://localhost:9001/introspect \
        --resource-id "$facebook" \
        --client-id protected-resource-tls --client-secret "$RESOURCE_TLS_SECRET"
    start client "${tls[@]}" "${ca[@]}" \
        --issuer "$issuer" \
        --issuer-internal-url https://localhost:9001 \
        --client-id strava-tls --client-secret "$STRAVA_TLS_SECRET" \
        --redirect-uri "$strava/callback" \
        --resource-url "$facebook" \
        --resource-internal-url https://localhost:9002

    cat <<INFO

The demo is running over HTTPS.

  Open $strava       Strava, the client: connect your Facebook account
  Log in as  hamza / hamza-password          (or alice / alice-password)
  The wall:  $facebook     Facebook, the protected resource
  Metadata:  $issuer/.well-known/oauth-authorization-server

The certificates come from a local certificate authority made for this demo:
  $tls_dir/ca.pem
Your browser does not know it yet. Either
  - trust it (best: one import covers the three servers):
      Firefox:   Settings > Privacy & Security > Certificates > View Certificates
                 > Authorities > Import… $tls_dir/ca.pem ("identify websites")
      Chromium:  chrome://certificate-manager (or chrome://settings/certificates)
                 > Authorities > Import $tls_dir/ca.pem
      curl:      curl --cacert $tls_dir/ca.pem $facebook/healthz
  - or accept the warning once on each of $issuer,
    $facebook and $strava (open each once before connecting).
Remove the authority from your browser when you are done; its key is not kept.

Logs are in data/logs/. Press Ctrl-C to stop.
INFO
}
