//! The real authorization server goes away and comes back on the same
//! address (a deploy, a crash). Meanwhile the client and the resource say
//! clearly that it cannot be reached and serve nothing they cannot check;
//! afterwards the connection made before works again, because nothing a
//! request needs lived only in the stopped process's memory.

use std::time::Duration;

use authorization_server::Config as AsConfig;
use end_to_end::{Ecosystem, Options};
use service_kit::server::Listener;

#[actix_rt::test]
async fn the_client_and_the_resource_ride_out_a_restart_of_the_authorization_server() {
    let options = Options::sqlite();
    let as_database = options.databases[0].clone();
    let ecosystem = Ecosystem::start(options).await;
    let hamza = ecosystem.user_agent("hamza", "hamza-password");
    let client = &ecosystem.client_url;
    let home = format!("{client}/");
    let wall_url = format!("{}/", ecosystem.resource_url);
    ecosystem
        .connect_for_post_and_post(&hamza, "before the restart")
        .await;

    // Down: the resource cannot introspect, so nothing is posted, and the
    // client says why; a new connection cannot even start.
    let issuer = ecosystem.authorization_server.url.clone();
    ecosystem.authorization_server.handle.stop(true).await;
    let while_down = hamza
        .submit(&home, "/post", &[("message", "while it is down")])
        .await;
    assert!(
        while_down.contains("Facebook is unavailable"),
        "{while_down}"
    );
    assert!(while_down.contains("503"), "{while_down}");
    let connect = hamza.get(&format!("{client}/connect")).await;
    assert_eq!(connect.status(), 503);
    let page = connect.text().await.unwrap();
    assert!(
        page.contains("The authorization server cannot be reached"),
        "{page}"
    );

    // Back, same address, same database, a new process.
    let _restarted = restart(&issuer, &as_database).await;

    // The tokens issued before the restart work again; nobody reconnects.
    hamza.post_to_facebook(client, "after the restart").await;
    let wall = hamza.page(&wall_url).await;
    assert!(wall.contains("before the restart"), "{wall}");
    assert!(wall.contains("after the restart"), "{wall}");
    assert!(!wall.contains("while it is down"), "{wall}");
}

/// Starts the authorization server again at `issuer` (its old address) on
/// its old database.
async fn restart(issuer: &str, database_url: &str) -> actix_web::dev::ServerHandle {
    let mut config = AsConfig::for_test(database_url);
    config.issuer = issuer.to_owned();
    config.serve.addr = issuer.trim_start_matches("http://").to_owned();
    // The stopped server's socket may take a moment to be released.
    let mut attempts = 0;
    let listener = loop {
        match Listener::bind(&config.serve) {
            Ok(listener) => break listener,
            Err(err) if attempts > 50 => panic!("rebinding {issuer}: {err}"),
            Err(_) => {
                attempts += 1;
                actix_rt::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    authorization_server::build_on(config, listener)
        .await
        .unwrap()
        .spawn()
        .1
}
