use std::process::ExitCode;

use authorization_server::{Config, ROLE};

#[actix_web::main]
async fn main() -> ExitCode {
    match service_kit::cli::parse::<Config>(ROLE) {
        Ok(config) => authorization_server::main(config).await,
        Err(exit) => exit,
    }
}
