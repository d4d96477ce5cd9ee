//! Reading `WWW-Authenticate`: the challenge syntax of RFC 9110 §11.
//!
//! ```text
//! WWW-Authenticate = #challenge                                  ; §11.6.1
//! challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]   ; §11.3
//! auth-param  = token BWS "=" BWS ( token / quoted-string )      ; §11.2
//! token68     = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//! ```
//!
//! Commas separate both challenges and the parameters of one challenge, so
//! a new challenge is recognised by a token that is *not* followed by `=`.
//! Quoted strings (RFC 9110 §5.6.4) may hold commas, `=` and escaped quotes
//! (`\"`), which is why a split on `,` would be wrong. No crate in our
//! dependency tree parses this header, so this module does, and nothing
//! else: it knows no scheme. Schemes and parameter names are
//! case-insensitive (§11.1, §11.2) and are lower-cased here; values are kept
//! as sent, with quoted-pairs unescaped.

/// One challenge: `Bearer realm="x", error="invalid_token"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Lower-cased, e.g. `bearer`.
    pub scheme: String,
    /// The `token68` form (`Negotiate abc==`), when used instead of params.
    pub token68: Option<String>,
    /// Names lower-cased, values unquoted, in the order sent.
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// The first parameter called `name` (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(found, _)| found.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn is(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }
}

/// Why a header value is not a list of challenges.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 9110 §11 challenge list (at byte {at})")]
pub struct ChallengeError {
    pub at: usize,
}

/// Parses one `WWW-Authenticate` field value into its challenges.
pub fn parse(header: &str) -> Result<Vec<Challenge>, ChallengeError> {
    let mut parser = Parser {
        input: header.as_bytes(),
        at: 0,
    };
    let mut challenges = Vec::new();
    loop {
        parser.skip_list_separators();
        if parser.at_end() {
            return Ok(challenges);
        }
        challenges.push(parser.challenge()?);
    }
}

/// The challenges of every `WWW-Authenticate` field (a response may send
/// several, RFC 9110 §11.6.1); a field that does not parse is skipped.
pub fn parse_all<'a>(fields: impl IntoIterator<Item = &'a str>) -> Vec<Challenge> {
    fields
        .into_iter()
        .filter_map(|field| parse(field).ok())
        .flatten()
        .collect()
}

/// The text of every `WWW-Authenticate` field of a response, in the order
/// sent; a field that is not visible ASCII (RFC 9110 §5.5) is skipped.
pub fn fields(headers: &reqwest::header::HeaderMap) -> Vec<String> {
    headers
        .get_all(reqwest::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .map(str::to_owned)
        .collect()
}

struct Parser<'a> {
    input: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn at_end(&self) -> bool {
        self.at >= self.input.len()
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.at).copied()
    }

    fn error(&self) -> ChallengeError {
        ChallengeError { at: self.at }
    }

    /// OWS: spaces and tabs.
    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    /// RFC 9110 §5.6.1: empty list elements and whitespace between commas.
    fn skip_list_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.at += 1;
        }
    }

    /// token = 1*tchar (RFC 9110 §5.6.2).
    fn token(&mut self) -> Option<String> {
        let start = self.at;
        while self.peek().is_some_and(is_tchar) {
            self.at += 1;
        }
        (self.at > start).then(|| ascii(&self.input[start..self.at]))
    }

    fn challenge(&mut self) -> Result<Challenge, ChallengeError> {
        let scheme = self.token().ok_or_else(|| self.error())?;
        let mut challenge = Challenge {
            scheme: scheme.to_ascii_lowercase(),
            token68: None,
            params: Vec::new(),
        };
        let before_space = self.at;
        self.skip_whitespace();
        if self.at == before_space || self.at_end() || self.peek() == Some(b',') {
            // A bare scheme; whatever follows a comma is the next element.
            return Ok(challenge);
        }
        if let Some(param) = self.auth_param()? {
            challenge.params.push(param);
        } else {
            challenge.token68 = Some(self.token68()?);
            return Ok(challenge);
        }
        // More params, comma-separated, until a token not followed by "=".
        loop {
            let before_comma = self.at;
            self.skip_whitespace();
            if self.peek() != Some(b',') {
                self.at = before_comma;
                return if self.at_end_after_whitespace() {
                    Ok(challenge)
                } else {
                    Err(self.error())
                };
            }
            self.skip_list_separators();
            let element = self.at;
            match self.auth_param()? {
                Some(param) => challenge.params.push(param),
                None => {
                    // The next challenge starts here.
                    self.at = element;
                    return Ok(challenge);
                }
            }
        }
    }

    fn at_end_after_whitespace(&mut self) -> bool {
        self.skip_whitespace();
        self.at_end()
    }

    /// `token BWS "=" BWS ( token / quoted-string )`; `None` (position
    /// unchanged) when what follows is not a parameter.
    fn auth_param(&mut self) -> Result<Option<(String, String)>, ChallengeError> {
        let start = self.at;
        let Some(name) = self.token() else {
            return Ok(None);
        };
        self.skip_whitespace();
        if self.peek() != Some(b'=') {
            self.at = start;
            return Ok(None);
        }
        self.at += 1;
        self.skip_whitespace();
        let value = match self.peek() {
            Some(b'"') => self.quoted_string()?,
            _ => match self.token() {
                Some(value) => value,
                // `abc=` or `abc==`: token68 padding, not a parameter.
                None => {
                    self.at = start;
                    return Ok(None);
                }
            },
        };
        Ok(Some((name.to_ascii_lowercase(), value)))
    }

    /// RFC 9110 §11.2 token68, then the end of the element.
    fn token68(&mut self) -> Result<String, ChallengeError> {
        let start = self.at;
        while self.peek().is_some_and(is_token68_char) {
            self.at += 1;
        }
        if self.at == start {
            return Err(self.error());
        }
        while self.peek() == Some(b'=') {
            self.at += 1;
        }
        let value = ascii(&self.input[start..self.at]);
        self.skip_whitespace();
        if self.at_end() || self.peek() == Some(b',') {
            Ok(value)
        } else {
            Err(self.error())
        }
    }

    /// RFC 9110 §5.6.4: `DQUOTE *( qdtext / quoted-pair ) DQUOTE`.
    fn quoted_string(&mut self) -> Result<String, ChallengeError> {
        self.at += 1; // the opening quote
        let mut value = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.error()),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(String::from_utf8_lossy(&value).into_owned());
                }
                Some(b'\\') => {
                    self.at += 1;
                    match self.peek() {
                        Some(byte) if is_quoted_pair_char(byte) => value.push(byte),
                        _ => return Err(self.error()),
                    }
                    self.at += 1;
                }
                Some(byte) if is_qdtext(byte) => {
                    value.push(byte);
                    self.at += 1;
                }
                Some(_) => return Err(self.error()),
            }
        }
    }
}

/// RFC 9110 §5.6.2 tchar.
fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

fn is_token68_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~+/".contains(&byte)
}

/// `HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text`.
fn is_qdtext(byte: u8) -> bool {
    matches!(byte, b'\t' | b' ' | 0x21 | 0x23..=0x5B | 0x5D..=0x7E | 0x80..=0xFF)
}

/// `HTAB / SP / VCHAR / obs-text`.
fn is_quoted_pair_char(byte: u8) -> bool {
    matches!(byte, b'\t' | b' ' | 0x21..=0x7E | 0x80..=0xFF)
}

fn ascii(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(header: &str) -> Challenge {
        let mut challenges = parse(header).unwrap();
        assert_eq!(challenges.len(), 1, "{challenges:?}");
        challenges.remove(0)
    }

    #[test]
    fn a_bearer_challenge_gives_its_params_unquoted() {
        let challenge = one(
            r#"Bearer realm="facebook", error="invalid_token", resource_metadata="http://localhost:9002/.well-known/oauth-protected-resource""#,
        );
        assert!(challenge.is("Bearer"));
        assert_eq!(challenge.param("realm"), Some("facebook"));
        assert_eq!(challenge.param("ERROR"), Some("invalid_token"));
        assert_eq!(
            challenge.param("resource_metadata"),
            Some("http://localhost:9002/.well-known/oauth-protected-resource")
        );
    }

    #[test]
    fn commas_equals_signs_and_escaped_quotes_inside_quoted_strings_are_values() {
        let challenge = one(
            r#"Bearer realm="a, b=c", error_description="say \"hi\", then \\ leave", scope="post""#,
        );
        assert_eq!(challenge.param("realm"), Some("a, b=c"));
        assert_eq!(
            challenge.param("error_description"),
            Some(r#"say "hi", then \ leave"#)
        );
        assert_eq!(challenge.param("scope"), Some("post"));
        assert_eq!(challenge.params.len(), 3);
    }

    #[test]
    fn several_challenges_in_one_field_are_told_apart() {
        let challenges = parse(
            r#"Basic realm="x, y", Bearer resource_metadata="https://api.example/m", error=invalid_token, Negotiate abc+/==, DPoP"#,
        )
        .unwrap();
        let schemes: Vec<&str> = challenges.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["basic", "bearer", "negotiate", "dpop"]);
        assert_eq!(challenges[0].param("realm"), Some("x, y"));
        assert_eq!(
            challenges[1].param("resource_metadata"),
            Some("https://api.example/m")
        );
        assert_eq!(challenges[1].param("error"), Some("invalid_token"));
        assert_eq!(challenges[2].token68.as_deref(), Some("abc+/=="));
        assert!(challenges[3].params.is_empty());
    }

    #[test]
    fn whitespace_around_equals_and_empty_list_elements_are_allowed() {
        let challenges = parse(r#" , Bearer  realm = "r" ,, scope=post , "#).unwrap();
        assert_eq!(challenges.len(), 1);
        assert_eq!(challenges[0].param("realm"), Some("r"));
        assert_eq!(challenges[0].param("scope"), Some("post"));
    }

    #[test]
    fn a_resource_metadata_that_only_appears_inside_another_value_is_not_a_param() {
        let challenge = one(r#"Bearer realm="resource_metadata=\"http://evil.example\"""#);
        assert_eq!(challenge.param("resource_metadata"), None);
        assert_eq!(
            challenge.param("realm"),
            Some(r#"resource_metadata="http://evil.example""#)
        );
    }

    #[test]
    fn broken_headers_are_refused() {
        for header in [
            r#"Bearer realm="unterminated"#,
            r#"Bearer realm="bad \"#,
            "Bearer realm=\"control\u{1}char\"",
            r#"Bearer realm="x" junk"#,
            "=",
            r#""quoted" scheme"#,
        ] {
            assert!(parse(header).is_err(), "{header} should be refused");
        }
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn unparseable_fields_are_skipped_and_the_others_read() {
        let challenges = parse_all([r#"Bearer realm="broken"#, r#"Bearer realm="ok""#]);
        assert_eq!(challenges.len(), 1);
        assert_eq!(challenges[0].param("realm"), Some("ok"));
    }

    proptest::proptest! {
        #[test]
        fn no_input_makes_the_parser_panic(header in "\\PC{0,80}") {
            let _ = parse(&header);
        }

        #[test]
        fn any_value_quoted_and_escaped_comes_back_unchanged(value in "[ -~]{0,40}") {
            let escaped: String = value
                .chars()
                .flat_map(|c| if c == '"' || c == '\\' { vec!['\\', c] } else { vec![c] })
                .collect();
            let header = format!(r#"Bearer realm="{escaped}", resource_metadata="http://rs/m""#);
            let challenges = parse(&header).unwrap();
            proptest::prop_assert_eq!(challenges.len(), 1);
            proptest::prop_assert_eq!(challenges[0].param("realm"), Some(value.as_str()));
            proptest::prop_assert_eq!(challenges[0].param("resource_metadata"), Some("http://rs/m"));
        }
    }
}
