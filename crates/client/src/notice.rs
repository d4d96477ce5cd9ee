//! The one-shot outcome of an action, shown by the page that follows the
//! 303 (Post/Redirect/Get). Kept in the session row, never in a cookie or
//! a URL.

use serde::{Deserialize, Serialize};

/// How the outcome reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    Success,
    Problem,
}

/// An outcome to show once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub tone: Tone,
    pub title: String,
    pub text: String,
    /// When set, the page offers to reconnect asking for this scope too
    /// (incremental authorization).
    #[serde(default)]
    pub reconnect_scope: Option<String>,
}

impl Notice {
    pub fn success(title: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            tone: Tone::Success,
            title: title.into(),
            text: text.into(),
            reconnect_scope: None,
        }
    }

    pub fn problem(title: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            tone: Tone::Problem,
            title: title.into(),
            text: text.into(),
            reconnect_scope: None,
        }
    }

    pub fn offering_reconnect(mut self, scope: impl Into<String>) -> Self {
        self.reconnect_scope = Some(scope.into());
        self
    }

    pub fn is_success(&self) -> bool {
        self.tone == Tone::Success
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(json: &str) -> Option<Self> {
        serde_json::from_str(json).ok()
    }
}
