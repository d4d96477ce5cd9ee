//! The recording, redacted: every credential becomes a stable placeholder
//! (`‹access_token#1›`) and every loopback URL a role name. An ID token is
//! shown decoded, its header and claims redacted like any JSON, because
//! what it says is the point of showing it; so is a DPoP proof (RFC 9449
//! §4.2), with the thumbprint of the key in it, and a `client_assertion`
//! (RFC 7523 §2.2). The decoding is in [`decoded`].

use std::collections::HashMap;

use base64::Engine as _;

use super::{Body, Exchange};
use crate::recording::RawExchange;
use decoded::ATH;

const REQUEST_HEADERS: [&str; 4] = ["authorization", "dpop", "content-type", "cookie"];
/// Response headers worth reading.
const RESPONSE_HEADERS: [&str; 5] = [
    "location",
    "content-type",
    "cache-control",
    "www-authenticate",
    "set-cookie",
];

/// Parameters and fields whose values are credentials or random per run.
/// `token` is labelled by the value it carries (an access or refresh token
/// seen before keeps its placeholder); so is `id_token_hint` (the ID token
/// issued before). `kid`, `n`, `x` and `y` name and make up the provider's
/// keys and the DPoP keys, new on every run, and so does a key's thumbprint
/// (`jkt` in `cnf`, `dpop_jkt` at `/authorize`: one placeholder,
/// [`JKT`]).
const SECRET_NAMES: [&str; 28] = [
    "code",
    "state",
    "code_verifier",
    "code_challenge",
    "access_token",
    "refresh_token",
    "token",
    "id_token",
    "id_token_hint",
    "client_secret",
    "password",
    "csrf_token",
    "request",
    "sub",
    "jti",
    "nonce",
    "at_hash",
    "kid",
    "n",
    "x",
    "y",
    "jkt",
    "dpop_jkt",
    "request_uri",
    "client_assertion",
    "device_code",
    "user_code",
    "registration_access_token",
];

/// Fields holding a time (unix seconds), different on every run.
const TIME_NAMES: [&str; 6] = [
    "exp",
    "iat",
    "nbf",
    "auth_time",
    "created_at",
    "client_id_issued_at",
];

/// The form field that carries a client's JWT (RFC 7523 §2.2).
const CLIENT_ASSERTION: &str = "client_assertion";

/// RFC 8628 §3.2: the user code, typed by the person; a credential while
/// it lives (§5.1).
const USER_CODE: &str = "user_code";

/// RFC 8628 §3.3.1: the verification URI with the user code in its query.
const VERIFICATION_URI_COMPLETE: &str = "verification_uri_complete";

/// The JSON field that carries an ID token (OpenID Connect Core §3.1.3.3).
const ID_TOKEN: &str = "id_token";

/// The placeholder name of a JWK SHA-256 thumbprint (RFC 7638), whether it
/// travels as `dpop_jkt` (RFC 9449 §10), as `cnf.jkt` (§6) or is computed
/// from a proof's `jwk`.
const JKT: &str = "jkt";

/// The placeholder name of an access token.
const ACCESS_TOKEN: &str = "access_token";

/// Replaces credentials by `‹name#n›` (the same value, the same
/// placeholder, wherever it appears) and loopback URLs by role names.
struct Redactor {
    origins: Vec<(String, String)>,
    by_value: HashMap<String, String>,
    counts: HashMap<String, usize>,
}

impl Redactor {
    fn new(origins: &[(String, String)]) -> Self {
        Self {
            origins: origins.to_vec(),
            by_value: HashMap::new(),
            counts: HashMap::new(),
        }
    }

    /// The placeholder of a secret `value` first seen under `name`.
    fn secret(&mut self, name: &str, value: &str) -> String {
        if value.is_empty() {
            return String::new();
        }
        if let Some(known) = self.by_value.get(value) {
            return known.clone();
        }
        let count = self.counts.entry(name.to_owned()).or_insert(0);
        *count += 1;
        let placeholder = format!("‹{name}#{count}›");
        self.by_value.insert(value.to_owned(), placeholder.clone());
        placeholder
    }

    /// A parameter's value: a placeholder when the name says it is secret.
    fn param(&mut self, name: &str, value: &str) -> String {
        if name == "dpop_jkt" {
            self.secret(JKT, value)
        } else if SECRET_NAMES.contains(&name) {
            self.secret(name, value)
        } else if TIME_NAMES.contains(&name) {
            "‹unix time›".to_owned()
        } else {
            self.text(value)
        }
    }

    /// Free text: known secrets (long enough not to match by accident, or a
    /// user code, whose `XXXX-XXXX` shape does not occur by accident) and
    /// loopback URLs replaced.
    fn text(&self, value: &str) -> String {
        let mut text = value.to_owned();
        let mut secrets: Vec<(&String, &String)> = self
            .by_value
            .iter()
            .filter(|(secret, placeholder)| {
                secret.len() >= 16 || placeholder.starts_with(&format!("‹{USER_CODE}#"))
            })
            .collect();
        secrets.sort_by_key(|(secret, _)| std::cmp::Reverse(secret.len()));
        for (secret, placeholder) in secrets {
            text = text.replace(secret.as_str(), placeholder);
        }
        for (url, role) in &self.origins {
            text = text.replace(url.as_str(), &format!("http://{role}"));
        }
        text
    }

    fn pairs(&mut self, pairs: Vec<(String, String)>) -> Vec<(String, String)> {
        pairs
            .into_iter()
            .map(|(name, value)| {
                let value = self.param(&name, &value);
                (name, value)
            })
            .collect()
    }

    fn json(&mut self, value: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(name, field)| {
                        let field = match field {
                            Value::String(text) if name == ID_TOKEN || name == ACCESS_TOKEN => {
                                self.jwt(name, text)
                            }
                            Value::String(text) if name == VERIFICATION_URI_COMPLETE => {
                                Value::String(self.url(text))
                            }
                            Value::String(text) if name == ATH => {
                                Value::String(self.access_token_hash(text))
                            }
                            Value::String(text) => Value::String(self.param(name, text)),
                            Value::Number(_) if TIME_NAMES.contains(&name.as_str()) => {
                                Value::String("‹unix time›".to_owned())
                            }
                            other => self.json(other),
                        };
                        (name.clone(), field)
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|item| self.json(item)).collect()),
            Value::String(text) => Value::String(self.text(text)),
            other => other.clone(),
        }
    }

    /// A URL (a `Location`): origin → role, query parameters redacted and
    /// shown decoded.
    fn url(&mut self, value: &str) -> String {
        let (base, query) = value.split_once('?').unwrap_or((value, ""));
        let base = self.text(base);
        if query.is_empty() {
            return base;
        }
        let pairs = self.pairs(decode_pairs(query));
        let query: Vec<String> = pairs
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        format!("{base}?{}", query.join("&"))
    }

    fn header(&mut self, name: &str, value: &str) -> String {
        match name {
            "location" => self.url(value),
            "cookie" => value
                .split("; ")
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    format!("{name}={}", self.secret(name, value))
                })
                .collect::<Vec<_>>()
                .join("; "),
            "set-cookie" => {
                let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let value = self.secret(name, value);
                let attributes = if attributes.is_empty() {
                    String::new()
                } else {
                    format!(";{}", cookie_attributes(attributes))
                };
                format!("{name}={value}{attributes}")
            }
            "authorization" => self.authorization(value),
            "dpop" => self.secret("dpop_proof", value),
            _ => self.text(value),
        }
    }

    /// `Basic` credentials decoded (RFC 6749 §2.3.1), the secret hidden;
    /// a `Bearer` or `DPoP` (RFC 9449 §7.1) token by its placeholder.
    fn authorization(&mut self, value: &str) -> String {
        for scheme in ["Bearer", "DPoP"] {
            if let Some(token) = value.strip_prefix(&format!("{scheme} ")) {
                return format!("{scheme} {}", self.secret(ACCESS_TOKEN, token));
            }
        }
        if let Some(encoded) = value.strip_prefix("Basic ") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok());
            if let Some((id, secret)) = decoded.as_deref().and_then(|pair| pair.split_once(':')) {
                let secret = self.secret("client_secret", secret);
                let id = self.text(id);
                return format!("Basic base64({id}:{secret})");
            }
        }
        self.secret("authorization", value)
    }

    fn body(&mut self, content_type: Option<&str>, body: &str) -> Body {
        if body.is_empty() {
            return Body::Empty;
        }
        let content_type = content_type.unwrap_or_default();
        if content_type.starts_with("application/x-www-form-urlencoded") {
            Body::Form {
                fields: self.pairs(decode_pairs(body)),
            }
        } else if content_type.contains("json") {
            match serde_json::from_str::<serde_json::Value>(body) {
                Ok(value) => Body::Json {
                    value: self.json(&value),
                },
                Err(_) => Body::Text {
                    text: self.text(body),
                },
            }
        } else if content_type.starts_with("text/html") {
            Body::Html {
                title: self.text(&html_title(body)),
                fields: html_field_names(body),
            }
        } else {
            Body::Text {
                text: self.text(body),
            }
        }
    }
}

/// A cookie's attributes with the date of `Expires` (RFC 6265 §5.2.1),
/// different on every run, replaced.
fn cookie_attributes(attributes: &str) -> String {
    attributes
        .split(';')
        .map(|attribute| match attribute.trim_start().split_once('=') {
            Some((name, _)) if name.eq_ignore_ascii_case("expires") => {
                format!(" {name}=‹http date›")
            }
            _ => attribute.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn decode_pairs(encoded: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(encoded.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(header, _)| header.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

fn html_title(page: &str) -> String {
    page.split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map(|(title, _)| title.trim().to_owned())
        .unwrap_or_default()
}

/// The `name`s of the page's form controls, each once, in page order.
fn html_field_names(page: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for tag in page.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        let is_control = ["input", "button", "textarea", "select"]
            .iter()
            .any(|control| tag.starts_with(control));
        let name = tag
            .split_once("name=\"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(name, _)| name.to_owned());
        if let (true, Some(name)) = (is_control, name) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// The raw exchanges, redacted. Cookie headers keep only the cookies the
/// receiving role set: the proxies all listen on 127.0.0.1, and cookies do
/// not tell ports apart, so the user agent sends every role's cookie to
/// every role, which browsers with one host name per role would not.
pub fn redact(raw: &[RawExchange], origins: &[(String, String)]) -> Vec<Exchange> {
    redact_naming(raw, origins, &[])
}

/// [`redact`], with each of `named` (a value, its placeholder) shown by its
/// placeholder wherever it appears, in paths too: a generated `client_id`.
pub fn redact_naming(
    raw: &[RawExchange],
    origins: &[(String, String)],
    named: &[(String, String)],
) -> Vec<Exchange> {
    let mut redactor = Redactor::new(origins);
    for (value, placeholder) in named {
        redactor.by_value.insert(value.clone(), placeholder.clone());
    }
    // The first pass learns every secret, so that a value is replaced even
    // where it shows before the exchange that names it (a `sub` as a post's
    // `author` before the introspection answer that says it is the `sub`).
    redact_with(&mut redactor, raw);
    redact_with(&mut redactor, raw)
}

fn redact_with(redactor: &mut Redactor, raw: &[RawExchange]) -> Vec<Exchange> {
    let cookies_set_by = cookie_names_by_role(raw);
    raw.iter()
        .enumerate()
        .map(|(index, exchange)| {
            let own_cookies = cookies_set_by
                .get(&exchange.to)
                .cloned()
                .unwrap_or_default();
            let query = redactor.pairs(decode_pairs(exchange.query.as_deref().unwrap_or("")));
            let request_headers = selected(&exchange.request_headers, &REQUEST_HEADERS)
                .into_iter()
                .filter_map(|(name, value)| {
                    let value = if name == "cookie" {
                        keep_cookies(&value, &own_cookies)?
                    } else {
                        value
                    };
                    let value = redactor.header(&name, &value);
                    Some((name, value))
                })
                .collect();
            let dpop_proof =
                header(&exchange.request_headers, "dpop").map(|proof| redactor.dpop_proof(proof));
            let client_assertion = form_field(exchange, CLIENT_ASSERTION)
                .map(|assertion| redactor.client_assertion(&assertion));
            let request_body = redactor.body(
                header(&exchange.request_headers, "content-type"),
                &exchange.request_body,
            );
            let response_headers = selected(&exchange.response_headers, &RESPONSE_HEADERS)
                .into_iter()
                .map(|(name, value)| {
                    let value = redactor.header(&name, &value);
                    (name, value)
                })
                .collect();
            let response_body = redactor.body(
                header(&exchange.response_headers, "content-type"),
                &exchange.response_body,
            );
            Exchange {
                step: index + 1,
                from: exchange.from.clone(),
                to: exchange.to.clone(),
                method: exchange.method.clone(),
                path: redactor.text(&exchange.path),
                query,
                request_headers,
                dpop_proof,
                client_assertion,
                request_body,
                status: exchange.status,
                response_headers,
                response_body,
            }
        })
        .collect()
}

/// The form field `name` of a request's body, if it is a form.
fn form_field(exchange: &RawExchange, name: &str) -> Option<String> {
    let content_type = header(&exchange.request_headers, "content-type")?;
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return None;
    }
    decode_pairs(&exchange.request_body)
        .into_iter()
        .find(|(field, _)| field == name)
        .map(|(_, value)| value)
}

fn selected(headers: &[(String, String)], names: &[&str]) -> Vec<(String, String)> {
    names
        .iter()
        .flat_map(|name| {
            headers
                .iter()
                .filter(|(header, _)| header.eq_ignore_ascii_case(name))
                .map(|(_, value)| ((*name).to_owned(), value.clone()))
        })
        .collect()
}

fn cookie_names_by_role(raw: &[RawExchange]) -> HashMap<String, Vec<String>> {
    let mut by_role: HashMap<String, Vec<String>> = HashMap::new();
    for exchange in raw {
        for (name, value) in &exchange.response_headers {
            if name.eq_ignore_ascii_case("set-cookie") {
                let cookie = value
                    .split(['=', ';'])
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let names = by_role.entry(exchange.to.clone()).or_default();
                if !names.contains(&cookie) {
                    names.push(cookie);
                }
            }
        }
    }
    by_role
}

fn keep_cookies(header: &str, names: &[String]) -> Option<String> {
    let kept: Vec<&str> = header
        .split("; ")
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            names.iter().any(|own| own == name)
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join("; "))
}

/// JWTs shown decoded: ID tokens, JWT access tokens, DPoP proofs, client
/// assertions.
mod decoded;

#[cfg(test)]
mod tests;
