//! Configuration: the contract's common flags plus this role's own.

use service_kit::ServeArgs;

#[derive(clap::Parser, Debug, Clone)]
#[command(
    version,
    about = "The protected resource (\"Facebook\"): an API that accepts bearer tokens and trusts nothing."
)]
pub struct Config {
    #[command(flatten)]
    pub serve: ServeArgs,

    /// The authorization server's RFC 7662 introspection endpoint.
    #[arg(long, default_value = "http://localhost:9001/introspect")]
    pub introspection_url: String,

    /// This resource's client id at the introspection endpoint.
    #[arg(long, default_value = "protected-resource-1")]
    pub client_id: String,

    /// This resource's client secret at the introspection endpoint.
    #[arg(long, default_value = "protected-resource-secret-1")]
    pub client_secret: String,

    /// The audience this resource accepts (RFC 8707 resource identifier).
    #[arg(long, default_value = "http://localhost:9002")]
    pub resource_id: String,

    /// The authorization server that guards this resource (RFC 9728).
    #[arg(long, default_value = "http://localhost:9001")]
    pub issuer: String,
}
