//! Configuration: the contract's common flags plus this role's own.

use service_kit::ServeArgs;

#[derive(clap::Parser, Debug, Clone)]
#[command(
    version,
    about = "The OAuth 2.0 authorization server: users log in, consent, and receive codes and tokens."
)]
pub struct Config {
    #[command(flatten)]
    pub serve: ServeArgs,

    /// The issuer identifier (RFC 8414 §2), used verbatim in the metadata
    /// and in the `iss` of authorization responses (RFC 9207).
    #[arg(long, default_value = "http://localhost:9001")]
    pub issuer: String,

    /// Seed the demo users and clients if they are absent (idempotent).
    #[arg(long)]
    pub demo: bool,
}
