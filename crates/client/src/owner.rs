//! Who runs and a Facebook connection belong to.
//!
//! An anonymous visitor is one browser session, as in the first stage:
//! what it has lives and dies with that session. A person signed in with
//! OpenID Connect is the pair (`iss`, `sub`) of their ID token (Core §2:
//! `sub` is unique only within its issuer), and what they have follows
//! them into every browser where they sign in.
//!
//! When a browser signs in, the person adopts what the browser had (our
//! policy, what a user expects): its runs, except those the person already
//! has, and its Facebook connection, unless the person already has one
//! (then the person's stays and the browser's tokens are forgotten). Only
//! rows the browser owns are adopted: what another person owns is never
//! touched, so signing in as A on a browser where B was signed in shows
//! nothing of B's.

use oauth_types::secret::{generate_credential, CredentialHash};

/// This client's own key for a person (not their `sub`, which is the
/// provider's and unique only with its issuer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonId(String);

impl PersonId {
    /// A fresh random id for a person seen for the first time.
    pub fn generate() -> Self {
        Self(generate_credential())
    }

    /// Wraps an id read back from storage.
    pub fn from_stored(id: String) -> Self {
        Self(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The owner of runs and of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// An anonymous visitor: one browser session.
    Browser(CredentialHash),
    /// A person signed in with OpenID Connect, in any browser.
    Person(PersonId),
}

impl Owner {
    /// The values of the two owner columns (`session_hash`, `person_id`):
    /// exactly one is set. Bound to `session_hash = $1 OR person_id = $2`,
    /// the NULL one matches nothing.
    pub fn columns(&self) -> (Option<&str>, Option<&str>) {
        match self {
            Self::Browser(session) => (Some(session.as_str()), None),
            Self::Person(person) => (None, Some(person.as_str())),
        }
    }
}
