//! What owners write: a post's `message`, a personal message's `text`.

use service_kit::database::text::holds_nul;

/// Text of 1 to [`Text::MAX_CHARS`] characters (Unicode scalar values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(String);

/// Why a text is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("'{0}' may not be empty")]
    Empty(&'static str),
    #[error("'{0}' may hold at most 5000 characters")]
    TooLong(&'static str),
    /// Postgres refuses NUL in TEXT; no one means to write one.
    #[error("'{0}' may not contain a NUL character")]
    Nul(&'static str),
}

impl Text {
    pub const MAX_CHARS: usize = 5000;

    /// Parses the value of the field named `field`.
    pub fn parse(field: &'static str, value: String) -> Result<Self, TextError> {
        match value.chars().count() {
            0 => Err(TextError::Empty(field)),
            n if n > Self::MAX_CHARS => Err(TextError::TooLong(field)),
            _ if holds_nul(&value) => Err(TextError::Nul(field)),
            _ => Ok(Self(value)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A text that breaks a rule is the request's fault: 400
/// `invalid_request` (RFC 6750 §3.1), saying which rule.
impl From<TextError> for crate::bearer::ApiError {
    fn from(error: TextError) -> Self {
        Self::InvalidRequest(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_one_to_five_thousand_characters() {
        assert!(Text::parse("message", String::new()).is_err());
        assert!(Text::parse("message", "é".repeat(5000)).is_ok());
        assert_eq!(
            Text::parse("message", "a".repeat(5001)),
            Err(TextError::TooLong("message"))
        );
        assert_eq!(
            Text::parse("message", "a\0b".to_owned()),
            Err(TextError::Nul("message"))
        );
    }
}
