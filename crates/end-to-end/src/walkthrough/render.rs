//! The files of `docs/walkthrough/`: the JSON the test compares, and the
//! Markdown people read.

use std::path::Path;

use super::{record, record_discovery, record_dpop, record_pushed, record_sign_in, Body, Exchange};

/// The recordings kept in `docs/walkthrough/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recording {
    /// The whole story (`recording.json`, `recording.md`).
    Story,
    /// `--issuer auto` finding the authorization server (`discovery.*`).
    Discovery,
    /// Signing in with OpenID Connect and out again (`signin.*`).
    SignIn,
    /// A DPoP-bound token, stolen and replayed in vain (`dpop.*`).
    Dpop,
    /// Consent denied: `access_denied`, no token (`refused-consent.*`).
    RefusedConsent,
    /// A service's own token, refused by user endpoints
    /// (`client-credentials.*`).
    ClientCredentials,
    /// JWT access tokens, validated by the resource (`jwt.*`).
    Jwt,
    /// A spent refresh token replayed, the family revoked
    /// (`refresh-replay.*`).
    RefreshReplay,
    /// A native app: PKCE, no secret, rotation (`public-client.*`).
    PublicClient,
    /// A pushed authorization request (RFC 9126), used once (`par.*`).
    Pushed,
    /// A watch connected with the device authorization grant (RFC 8628)
    /// (`device.*`).
    Device,
    /// A client registered at `/register`, then read, replaced and
    /// deleted (RFC 7591, RFC 7592) (`registration.*`).
    Registration,
}

impl Recording {
    pub const ALL: [Self; 12] = [
        Self::Story,
        Self::Discovery,
        Self::SignIn,
        Self::Dpop,
        Self::RefusedConsent,
        Self::ClientCredentials,
        Self::Jwt,
        Self::RefreshReplay,
        Self::PublicClient,
        Self::Pushed,
        Self::Device,
        Self::Registration,
    ];

    /// The file name, without extension.
    pub fn name(self) -> &'static str {
        match self {
            Self::Story => "recording",
            Self::Discovery => "discovery",
            Self::SignIn => "signin",
            Self::Dpop => "dpop",
            Self::RefusedConsent => "refused-consent",
            Self::ClientCredentials => "client-credentials",
            Self::Jwt => "jwt",
            Self::RefreshReplay => "refresh-replay",
            Self::PublicClient => "public-client",
            Self::Pushed => "par",
            Self::Device => "device",
            Self::Registration => "registration",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Story => "# The recorded story\n\n",
            Self::Discovery => {
                "# The recorded discovery\n\n\
                 The client, started with `--issuer auto`, knows only the API. When a\n\
                 person starts connecting, it finds the authorization server as\n\
                 RFC 9728 §5 describes, then sends the browser there.\n\n"
            }
            Self::SignIn => {
                "# The recorded sign-in\n\n\
                 hamza signs in to Strava with OpenID Connect, is greeted by name,\n\
                 then signs out of Strava and of the authorization server. The ID\n\
                 token is shown decoded: `compact` is the placeholder of the token as\n\
                 sent (the same one as its `id_token_hint` later), `header` its JOSE\n\
                 header, `claims` what it says; its signature is left out.\n\n"
            }
            Self::Dpop => {
                "# The recorded stolen token\n\n\
                 hamza connects Strava with DPoP and posts; the resource's log\n\
                 gives away that request, token and proof; an `attacker` replays\n\
                 the token as a bearer token, with a proof of their own key, and\n\
                 with the captured proof, and is refused each time; hamza posts\n\
                 again. Each `DPoP` proof is shown decoded under its request:\n\
                 `‹dpop_proof#1›` is the placeholder of the header as sent (a replayed\n\
                 proof keeps it), `‹jkt#1›` the RFC 7638 thumbprint of the key in\n\
                 its header (the same placeholder as `dpop_jkt` and `cnf.jkt` when\n\
                 it is the bound key), and `ath` is shown as the hash of the\n\
                 access token it names; its signature is left out.\n\n"
            }
            Self::RefusedConsent => {
                "# The recorded refused consent\n\n\
                 hamza starts connecting Facebook, logs in and denies at the\n\
                 consent screen. The browser comes back with `error=access_denied`,\n\
                 `state` and `iss`; Strava shows the refusal and asks for no token.\n\n"
            }
            Self::ClientCredentials => {
                "# The recorded client credentials\n\n\
                 `nightly-export`, a confidential client with no person behind it,\n\
                 gets a token for itself with `grant_type=client_credentials` and\n\
                 calls `/api/me`. The introspection answer names no `sub` and no\n\
                 `username`, and every endpoint of the resource acts for a person:\n\
                 the token is refused.\n\n"
            }
            Self::Jwt => {
                "# The recorded JWT access tokens\n\n\
                 hamza connects Strava and posts twice, with the authorization\n\
                 server issuing RFC 9068 JWT access tokens and the resource\n\
                 validating them itself. The access token is shown decoded in the\n\
                 token response: `compact` is the placeholder of the token as sent\n\
                 (the same one as in the `Authorization` headers), `header` its JOSE\n\
                 header, `claims` what it says; its signature is left out. The\n\
                 resource fetches the issuer's metadata and keys once, and never\n\
                 introspects.\n\n"
            }
            Self::RefreshReplay => {
                "# The recorded refresh-token replay\n\n\
                 hamza connects; his access token expires and Strava's refresh\n\
                 rotates the refresh token. An `attacker` with a copy of the spent\n\
                 refresh token and Strava's credentials presents it: `invalid_grant`,\n\
                 and the whole family is revoked, so hamza's next post finds the\n\
                 access token inactive and the rotated refresh token refused.\n\n"
            }
            Self::PublicClient => {
                "# The recorded public client\n\n\
                 `strava-mobile`, a native app with no secret, opens the browser at\n\
                 `/authorize` with PKCE; hamza logs in and consents; the code comes\n\
                 back to the app's loopback redirect URI (`http://127.0.0.1:8765`,\n\
                 shown as `http://mobile-app` like every loopback URL here). The app\n\
                 redeems it with only `client_id` and `code_verifier`, then refreshes:\n\
                 the refresh token rotates.\n\n"
            }
            Self::Pushed => {
                "# The recorded pushed request\n\n\
                 hamza connects Strava, whose authorization server takes pushed\n\
                 authorization requests (RFC 9126): Strava posts the request to\n\
                 `/par` first, and the browser carries only `client_id` and the\n\
                 `request_uri` it got back. Another browser that opens the same\n\
                 URL afterwards gets an error page: the `request_uri` was used.\n\
                 Strava has no secret: registered with `private_key_jwt` (RFC 7523)\n\
                 and required to push, it signs a new `client_assertion` for the push\n\
                 and for the code exchange, each shown decoded under its request\n\
                 (`compact` is the placeholder of the JWT as sent; its signature is\n\
                 left out).\n\n"
            }
            Self::Device => {
                "# The recorded device authorization grant\n\n\
                 Strava on a watch (`client device`), with no browser and no\n\
                 keyboard, asks for a device code and a user code (RFC 8628), shows\n\
                 the code and polls: pending, then, from a poll sent too soon,\n\
                 `slow_down`. hamza opens `/device` on his phone, logs in, types the\n\
                 code and approves; the watch's next poll gets the tokens and it posts\n\
                 to the resource, which introspects. The device code and the user\n\
                 code are credentials while they live: shown as placeholders.\n\n"
            }
            Self::Registration => {
                "# The recorded dynamic client registration\n\n\
                 `new-app`, known to no one, registers itself at `/register` with an\n\
                 initial access token (RFC 7591), runs the code flow with PKCE as the\n\
                 client it became (hamza logs in and consents), then reads, replaces\n\
                 and deletes its registration (RFC 7592). Its secret and its\n\
                 registration access token are refused afterwards. The generated\n\
                 `client_id`, a UUID, is shown as `‹client_id#1›`.\n\n"
            }
        }
    }

    /// Lives this recording's story and returns it, redacted.
    pub async fn record(self) -> Vec<Exchange> {
        match self {
            Self::Story => record().await,
            Self::Discovery => record_discovery().await,
            Self::SignIn => record_sign_in().await,
            Self::Dpop => record_dpop().await,
            Self::RefusedConsent => super::refused_consent::record_refused_consent().await,
            Self::ClientCredentials => super::client_credentials::record_client_credentials().await,
            Self::Jwt => super::jwt::record_jwt().await,
            Self::RefreshReplay => super::refresh_replay::record_refresh_replay().await,
            Self::PublicClient => super::public_client::record_public_client().await,
            Self::Pushed => record_pushed().await,
            Self::Device => super::device::record_device().await,
            Self::Registration => super::registration::record_registration().await,
        }
    }
}

/// Reads `NAME.json` from `dir`.
pub fn read(dir: &Path, recording: Recording) -> Option<Vec<Exchange>> {
    let text = std::fs::read_to_string(dir.join(format!("{}.json", recording.name()))).ok()?;
    serde_json::from_str(&text).ok()
}

/// Writes `NAME.json` and its rendering `NAME.md` into `dir`.
pub fn write(dir: &Path, recording: Recording, exchanges: &[Exchange]) {
    std::fs::create_dir_all(dir).unwrap();
    let json = serde_json::to_string_pretty(exchanges).unwrap();
    let name = recording.name();
    std::fs::write(dir.join(format!("{name}.json")), format!("{json}\n")).unwrap();
    std::fs::write(dir.join(format!("{name}.md")), render(recording, exchanges)).unwrap();
}

/// A recording as Markdown: a table of contents, then every exchange as
/// an HTTP message pair.
pub fn render(recording: Recording, exchanges: &[Exchange]) -> String {
    let mut out = String::from(recording.title());
    out.push_str(
        "Generated by `scripts/trace` (do not edit): every HTTP exchange, as\n\
         recording proxies in front of the three roles saw it. Ports are\n\
         replaced by role names; credentials by placeholders (`‹access_token#1›`:\n\
         the same value keeps the same placeholder everywhere); times by\n\
         `‹unix time›`. Query strings, forms and `Location` are shown decoded, one\n\
         parameter per line; pages by their title and form fields. Only the\n\
         headers worth reading are kept. [walkthrough.md](../walkthrough.md)\n\
         tells the story around these exchanges.\n\n\
         | # | from → to | request | status |\n|---|---|---|---|\n",
    );
    for exchange in exchanges {
        out.push_str(&format!(
            "| [{step}](#{step}) | {} | {} | {} |\n",
            parties(exchange),
            request_line(exchange),
            exchange.status,
            step = exchange.step,
        ));
    }
    for exchange in exchanges {
        out.push('\n');
        out.push_str(&render_exchange(exchange));
    }
    out
}

/// Who spoke to whom in `exchange`, as the table and the headings name it:
/// `from → to`.
fn parties(exchange: &Exchange) -> String {
    format!("{} → {}", exchange.from, exchange.to)
}

/// The request of `exchange` as the table and the headings name it, in
/// backticks: `` `METHOD path` ``.
fn request_line(exchange: &Exchange) -> String {
    format!("`{} {}`", exchange.method, exchange.path)
}

/// One exchange: a heading with its anchor, then the pair.
pub fn render_exchange(exchange: &Exchange) -> String {
    let mut out = format!(
        "<a id=\"{step}\"></a>\n### {step}. {}: {} → {}\n\n```http\n",
        parties(exchange),
        request_line(exchange),
        exchange.status,
        step = exchange.step,
    );
    out.push_str(&format!("{} {}", exchange.method, exchange.path));
    out.push_str(&parameters("?", &exchange.query));
    out.push_str(&format!("\nHost: {}\n", exchange.to));
    for (name, value) in &exchange.request_headers {
        out.push_str(&format!("{}: {value}\n", title_case(name)));
    }
    out.push_str(&body_text(&exchange.request_body));
    out.push_str(&format!(
        "\nHTTP/1.1 {} {}\n",
        exchange.status,
        reason(exchange.status)
    ));
    for (name, value) in &exchange.response_headers {
        let value = if name == "location" {
            long_url(value)
        } else {
            value.clone()
        };
        out.push_str(&format!("{}: {value}\n", title_case(name)));
    }
    out.push_str(&body_text(&exchange.response_body));
    out.push_str("```\n");
    if let Some(proof) = &exchange.dpop_proof {
        out.push_str(&decoded_proof(proof));
    }
    if let Some(assertion) = &exchange.client_assertion {
        out.push_str(&decoded_assertion(assertion));
    }
    out
}

/// A request's client assertion, decoded: which assertion, then its
/// header and claims.
fn decoded_assertion(assertion: &serde_json::Value) -> String {
    let compact = assertion["compact"].as_str().unwrap_or("none");
    let shown = serde_json::json!({ "header": assertion["header"], "claims": assertion["claims"] });
    format!(
        "\nThe `client_assertion` `{compact}`, decoded:\n\n```json\n{}\n```\n",
        serde_json::to_string_pretty(&shown).unwrap(),
    )
}

/// A request's DPoP proof, decoded: which proof, which key, then its
/// header and claims.
fn decoded_proof(proof: &serde_json::Value) -> String {
    let name = |field: &str| proof[field].as_str().unwrap_or("none").to_owned();
    let shown = serde_json::json!({ "header": proof["header"], "claims": proof["claims"] });
    format!(
        "\nThe `DPoP` proof `{}`, decoded (its key's thumbprint: `{}`):\n\n```json\n{}\n```\n",
        name("compact"),
        name("jkt"),
        serde_json::to_string_pretty(&shown).unwrap(),
    )
}

/// `?a=1` or, for several, one parameter per indented line.
fn parameters(first: &str, pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (index, (name, value)) in pairs.iter().enumerate() {
        let separator = if index == 0 { first } else { "&" };
        if pairs.len() > 1 {
            out.push_str("\n    ");
        }
        out.push_str(&format!("{separator}{name}={value}"));
    }
    out
}

fn long_url(value: &str) -> String {
    match value.split_once('?') {
        Some((base, query)) if query.matches('&').count() >= 1 => {
            let pairs: Vec<(String, String)> = query
                .split('&')
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (name.to_owned(), value.to_owned())
                })
                .collect();
            format!("{base}{}", parameters("?", &pairs))
        }
        _ => value.to_owned(),
    }
}

fn body_text(body: &Body) -> String {
    match body {
        Body::Empty => String::new(),
        Body::Form { fields } => {
            let pairs: Vec<String> = fields
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            format!("\n{}\n", pairs.join("\n&"))
        }
        Body::Json { value } => {
            format!("\n{}\n", serde_json::to_string_pretty(value).unwrap())
        }
        Body::Html { title, fields } => {
            let fields = if fields.is_empty() {
                "no form".to_owned()
            } else {
                format!("form fields: {}", fields.join(", "))
            };
            format!("\n<!-- HTML page \"{title}\"; {fields} -->\n")
        }
        Body::Text { text } => format!("\n{text}\n"),
    }
}

fn title_case(name: &str) -> String {
    match name {
        "www-authenticate" => "WWW-Authenticate".to_owned(),
        "dpop" => "DPoP".to_owned(),
        _ => name
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("-"),
    }
}

fn reason(status: u16) -> &'static str {
    actix_web::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|status| status.canonical_reason())
        .unwrap_or("")
}
