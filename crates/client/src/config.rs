//! Configuration: the contract's common flags plus this role's own.

use service_kit::ServeArgs;

#[derive(clap::Parser, Debug, Clone)]
#[command(
    version,
    about = "The OAuth client (\"Strava\"): a web app for runners that posts runs to \"Facebook\" on the user's behalf."
)]
pub struct Config {
    #[command(flatten)]
    pub serve: ServeArgs,

    /// The authorization server's issuer (its RFC 8414 metadata is read
    /// from there), or `auto` to find it through the resource (RFC 9728).
    #[arg(long, default_value = "http://localhost:9001")]
    pub issuer: String,

    /// This client's id at the authorization server.
    #[arg(long, default_value = "strava")]
    pub client_id: String,

    /// This client's secret at the authorization server.
    #[arg(long, default_value = "strava-secret")]
    pub client_secret: String,

    /// Where the authorization server sends the browser back.
    #[arg(long, default_value = "http://localhost:9000/callback")]
    pub redirect_uri: String,

    /// The protected resource's base URL.
    #[arg(long, default_value = "http://localhost:9002")]
    pub resource_url: String,

    /// The scopes asked for when connecting.
    #[arg(long, default_value = "profile post")]
    pub scope: String,
}
