use std::process::ExitCode;

use protected_resource::{build, Config, ROLE};

#[actix_web::main]
async fn main() -> ExitCode {
    service_kit::cli::run::<Config, _, _>(ROLE, build).await
}
