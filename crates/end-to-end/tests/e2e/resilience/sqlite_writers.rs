//! Many writers at once on SQLite, through the real HTTP API: SQLite takes
//! one writer at a time, and the pool's busy timeout makes the others wait
//! their turn, so no "database is locked" ever reaches a user and every
//! post answered 201 is stored exactly once.

use std::time::Duration;

use authorization_server::testing::Flow;
use end_to_end::{Ecosystem, Options};

use super::{assert_every_created_post_stored_once, load_client, post_message, Outcome};

/// How many posts are sent at the same moment.
const WRITERS: usize = 200;

#[actix_rt::test]
async fn two_hundred_concurrent_posts_on_sqlite_are_each_stored_exactly_once() {
    let options = Options::sqlite();
    let resource_database = options.databases[1].clone();
    let ecosystem = Ecosystem::start(options).await;
    let server = &ecosystem.authorization_server;
    // Real tokens of two people, from the real authorization server, for
    // this resource (RFC 8707 `resource`).
    let for_the_resource = Flow {
        resource: Some(&ecosystem.resource_url),
        ..Flow::demo()
    };
    let hamza = server.obtain_access_token(&for_the_resource).await;
    let alice = server
        .obtain_access_token(&Flow {
            username: "alice",
            password: "alice-password",
            ..for_the_resource.clone()
        })
        .await;
    let tokens = [hamza, alice];

    let http = load_client(Duration::from_secs(30));
    let writers: Vec<_> = (0..WRITERS)
        .map(|n| {
            let http = http.clone();
            let url = ecosystem.resource_url.clone();
            let token = tokens[n % 2].clone();
            actix_rt::spawn(async move {
                let message = format!("concurrent post {n} {}", uuid::Uuid::new_v4());
                let response = post_message(&http, &url, &token, &message).await.unwrap();
                Outcome {
                    status: Some(response.status().as_u16()),
                    body: response.text().await.unwrap(),
                    message,
                }
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for writer in writers {
        outcomes.push(writer.await.unwrap());
    }

    for outcome in &outcomes {
        assert_eq!(outcome.status, Some(201), "{}", outcome.body);
        assert!(!outcome.body.contains("locked"), "{}", outcome.body);
    }
    let stored = super::stored_posts(&resource_database).await;
    assert_eq!(
        assert_every_created_post_stored_once(&outcomes, &stored),
        WRITERS
    );
    assert_eq!(stored.len(), WRITERS, "nothing more was stored");
}
