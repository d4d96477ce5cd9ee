use std::process::ExitCode;

use client::config::Command;
use client::{build, Config, ROLE};

#[actix_web::main]
async fn main() -> ExitCode {
    let mut config = match service_kit::cli::parse::<Config>(ROLE) {
        Ok(config) => config,
        Err(exit) => return exit,
    };
    match config.command.take() {
        Some(Command::Device(args)) => client::device::main(&config, &args).await,
        None => service_kit::cli::serve_until_stopped(ROLE, build(config)).await,
    }
}
