//! "Behind the scenes": what a learner reads to see the protocol happen.
//!
//! Each step of the session's last flow is stored with the RFC section it
//! follows and one sentence of explanation. Requests and answers are
//! recorded as they went over the wire, except that every credential
//! (code, `state`, `nonce`, verifier, token, secret) is cut down with
//! [`oauth_types::secret::shorten`] before it is stored, so this page can
//! never leak a usable one.

use oauth_types::secret::shorten;

/// One step of a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub title: String,
    /// e.g. `RFC 6749 §4.1.1`.
    pub rfc: String,
    /// One sentence for the learner.
    pub explanation: String,
    /// What was sent, shortened.
    pub request: Option<String>,
    /// What came back, shortened.
    pub response: Option<String>,
    /// Unix seconds; set when read back.
    pub at: i64,
}

impl Step {
    pub fn new(title: &str, rfc: &str, explanation: &str) -> Self {
        Self {
            title: title.to_owned(),
            rfc: rfc.to_owned(),
            explanation: explanation.to_owned(),
            request: None,
            response: None,
            at: 0,
        }
    }

    pub fn request(mut self, text: impl Into<String>) -> Self {
        self.request = Some(text.into());
        self
    }

    pub fn response(mut self, text: impl Into<String>) -> Self {
        self.response = Some(text.into());
        self
    }
}

/// Parameter and JSON member names whose values are credentials.
const SECRET_NAMES: &[&str] = &[
    "code",
    "state",
    "code_verifier",
    "code_challenge",
    "access_token",
    "refresh_token",
    "id_token",
    "id_token_hint",
    "nonce",
    "token",
    "client_secret",
    "client_assertion",
    "csrf_token",
    "request_uri",
];

fn is_secret_name(name: &str) -> bool {
    SECRET_NAMES.contains(&name)
}

/// `name=value` pairs, one per line, credentials shortened.
pub fn describe_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .into_iter()
        .map(|(name, value)| {
            let value = if is_secret_name(name) {
                shorten(value)
            } else {
                value.to_owned()
            };
            format!("  {name}={value}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A URL with its query shortened the same way, one parameter per line.
pub fn describe_url(url: &url::Url) -> String {
    let mut base = url.clone();
    base.set_query(None);
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    if pairs.is_empty() {
        return base.to_string();
    }
    let listed = describe_pairs(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    format!("{base}?\n{listed}")
}

/// A form-encoded body, shortened.
pub fn describe_form(body: &[u8]) -> String {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    describe_pairs(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

/// A JSON body pretty-printed with credential members shortened; other
/// bodies as text, cut to a readable length.
pub fn describe_body(body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut value) => {
            shorten_json(&mut value);
            serde_json::to_string_pretty(&value).unwrap_or_default()
        }
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let cut: String = text.chars().take(500).collect();
            if cut.len() < text.len() {
                format!("{cut}…")
            } else {
                cut
            }
        }
    }
}

fn shorten_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(members) => {
            for (name, member) in members.iter_mut() {
                match member {
                    serde_json::Value::String(text) if is_secret_name(name) => {
                        *text = shorten(text);
                    }
                    other => shorten_json(other),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(shorten_json),
        _ => {}
    }
}

/// An `Authorization` header value with its credential hidden: a Bearer
/// token is shortened (`Bearer abcd…wxyz`); Basic credentials carry the
/// client secret, of which not even a part is shown.
pub fn describe_authorization(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, _)) if scheme.eq_ignore_ascii_case("basic") => {
            format!("{scheme} base64(client_id:client_secret), not shown")
        }
        Some((scheme, credential)) => format!("{scheme} {}", shorten(credential)),
        None => shorten(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";

    #[test]
    fn credentials_in_forms_urls_and_json_are_shortened() {
        let form = format!("grant_type=authorization_code&code={SECRET}&code_verifier={SECRET}");
        let described = describe_form(form.as_bytes());
        assert!(!described.contains(SECRET), "{described}");
        assert!(described.contains("grant_type=authorization_code"));

        let url =
            url::Url::parse(&format!("http://as/authorize?state={SECRET}&scope=post")).unwrap();
        let described = describe_url(&url);
        assert!(!described.contains(SECRET) && described.contains("scope=post"));

        let json = format!(
            r#"{{"access_token":"{SECRET}","nested":{{"refresh_token":"{SECRET}"}},"expires_in":60}}"#
        );
        let described = describe_body(json.as_bytes());
        assert!(
            !described.contains(SECRET) && described.contains("60"),
            "{described}"
        );

        let header = describe_authorization(&format!("Bearer {SECRET}"));
        assert!(header.starts_with("Bearer ") && !header.contains(SECRET));
        let basic = describe_authorization("Basic c3RyYXZhOnN0cmF2YS1zZWNyZXQ=");
        assert!(
            !basic.contains("c3Ry") && !basic.contains("ZXQ="),
            "{basic}"
        );
    }
}
