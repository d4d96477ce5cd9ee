//! Makes the local certificate authority and the certificate (for
//! `localhost` and the roles' `.localhost` names) `scripts/demo --tls`
//! serves with (no openssl needed):
//!
//! ```text
//! cargo run --release -p service-kit --example make-demo-certs -- data/tls
//! ```
//!
//! writes `ca.pem`, `server.pem` and `server-key.pem` into the directory.

use std::process::ExitCode;

use service_kit::testing::pki::{TestPki, SERVER_NAMES};

fn main() -> ExitCode {
    let Some(directory) = std::env::args_os().nth(1) else {
        eprintln!("usage: make-demo-certs DIRECTORY");
        return ExitCode::from(2);
    };
    match TestPki::generate_in(std::path::Path::new(&directory)) {
        Ok(pki) => {
            println!("certificate authority: {}", pki.ca_path.display());
            println!(
                "server certificate:    {} (for {})",
                pki.cert_path.display(),
                SERVER_NAMES.join(", ")
            );
            println!("server key:            {}", pki.key_path.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
