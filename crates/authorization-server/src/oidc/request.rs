//! The OpenID Connect parameters of an authorization request (Core
//! §3.1.2.1), read only when the scope has `openid`:
//!
//! - `nonce`: echoed in the ID token;
//! - `prompt`: space-separated `none`, `login`, `consent`,
//!   `select_account`; `none` with any other value is `invalid_request`
//!   (§3.1.2.1). An unknown value is `invalid_request` too (our policy:
//!   the client asked for something we would silently not do).
//!   `select_account` asks the user to log in again, the one way this
//!   server has to pick another account;
//! - `max_age`: seconds; when more have passed since the user logged in,
//!   they log in again. `max_age=0` is `prompt=login`, as the OpenID
//!   Connect working group resolved (its issue 993; "greater than" alone
//!   would let a login of this very second through);
//! - `login_hint`: prefills the username of the login form.

use oauth_types::params::UniqueParams;

/// What `prompt` asks for (Core §3.1.2.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prompt {
    /// `none`: no page at all; an error when one would be needed.
    pub none: bool,
    /// `login` (or `select_account`): log in again.
    pub login: bool,
    /// `consent`: show the consent screen even when remembered.
    pub consent: bool,
}

/// The parsed OpenID Connect parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenIdParams {
    pub nonce: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
}

impl OpenIdParams {
    /// Parses the parameters; `Err` is the `error_description` of an
    /// `invalid_request`.
    pub fn parse(params: &UniqueParams) -> Result<Self, String> {
        let prompt = match params.get("prompt") {
            None => Prompt::default(),
            Some(list) => parse_prompt(list)?,
        };
        let max_age = params
            .get("max_age")
            .map(|value| {
                value
                    .parse::<i64>()
                    .ok()
                    .filter(|seconds| *seconds >= 0 && value.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| "max_age must be a number of seconds".to_owned())
            })
            .transpose()?;
        let text = |name: &str| params.get(name).filter(|value| !value.is_empty());
        Ok(Self {
            nonce: text("nonce").map(str::to_owned),
            prompt,
            max_age,
            login_hint: text("login_hint").map(str::to_owned),
        })
    }

    /// Whether the user must log in for this request: `prompt=login`,
    /// `max_age=0`, or more than `max_age` seconds since `auth_time`
    /// (a session whose login time is unknown counts as too old).
    pub fn wants_fresh_login(&self, auth_time: Option<i64>, now: i64) -> bool {
        if self.prompt.login {
            return true;
        }
        match self.max_age {
            None => false,
            Some(0) => true,
            Some(max_age) => auth_time.is_none_or(|auth_time| now - auth_time > max_age),
        }
    }
}

fn parse_prompt(list: &str) -> Result<Prompt, String> {
    let mut prompt = Prompt::default();
    let values: Vec<&str> = list.split(' ').filter(|value| !value.is_empty()).collect();
    for value in &values {
        match *value {
            "none" => prompt.none = true,
            "login" | "select_account" => prompt.login = true,
            "consent" => prompt.consent = true,
            other => return Err(format!("prompt value '{other}' is not supported")),
        }
    }
    if prompt.none && values.len() > 1 {
        return Err("prompt=none cannot be combined with another value".to_owned());
    }
    Ok(prompt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<OpenIdParams, String> {
        let pairs = pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        let params = UniqueParams::from_pairs(pairs).map_err(|error| error.to_string())?;
        OpenIdParams::parse(&params)
    }

    #[test]
    fn prompt_none_stands_alone_and_unknown_values_are_refused() {
        assert!(parse(&[("prompt", "none login")]).is_err());
        assert!(parse(&[("prompt", "nope")]).is_err());
        let both = parse(&[("prompt", "login consent")]).unwrap_or_default();
        assert!(both.prompt.login && both.prompt.consent && !both.prompt.none);
    }

    #[test]
    fn max_age_is_a_non_negative_number_and_zero_means_log_in_again() {
        assert!(parse(&[("max_age", "-1")]).is_err());
        assert!(parse(&[("max_age", "+5")]).is_err());
        assert!(parse(&[("max_age", "ten")]).is_err());
        let zero = parse(&[("max_age", "0")]).unwrap_or_default();
        assert!(zero.wants_fresh_login(Some(100), 100));
        let minute = parse(&[("max_age", "60")]).unwrap_or_default();
        assert!(!minute.wants_fresh_login(Some(100), 160));
        assert!(minute.wants_fresh_login(Some(100), 161));
        assert!(minute.wants_fresh_login(None, 161));
        assert!(!OpenIdParams::default().wants_fresh_login(None, 0));
    }
}
