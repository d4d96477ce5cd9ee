//! Load with nothing lost: two dozen people connect Strava to Facebook and
//! post through it, all at once. Afterwards every post is stored exactly
//! once, under its author, and every authorization code was redeemed
//! exactly once (none left unused, none replayed, one token family each).

use end_to_end::ecosystem::CLIENT_ID;
use end_to_end::{AtConsent, Ecosystem, Options};
use sqlx::Row;

/// How many people use the ecosystem at the same time.
const PEOPLE: usize = 24;

/// The rows `sql` selects for the demo client (`$1` is its id).
async fn rows_of_the_client(pool: &sqlx::AnyPool, sql: &str) -> Vec<sqlx::any::AnyRow> {
    sqlx::query(sql)
        .bind(CLIENT_ID)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[actix_rt::test]
async fn two_dozen_people_walking_the_whole_flow_at_once_lose_nothing_on_every_backend() {
    for options in Options::every_backend().await {
        two_dozen_people_at_once(options).await;
    }
}

async fn two_dozen_people_at_once(options: Options) {
    let resource_database = options.databases[1].clone();
    let ecosystem = Ecosystem::start(options).await;
    let people: Vec<(String, String)> = (0..PEOPLE)
        .map(|n| (format!("runner{n}"), format!("runner{n}-password")))
        .collect();
    for (username, password) in &people {
        ecosystem
            .authorization_server
            .add_user(username, password)
            .await;
    }

    let journeys: Vec<_> = people
        .iter()
        .map(|(username, password)| {
            let person = ecosystem.user_agent(username, password);
            let client = ecosystem.client_url.clone();
            let message = format!("{username} ran 10 km ({})", uuid::Uuid::new_v4());
            actix_rt::spawn(async move {
                let connected = person
                    .connect(&client, "/connect", AtConsent::Approve("profile post"))
                    .await;
                assert!(connected.contains("Facebook is connected"), "{connected}");
                person.post_to_facebook(&client, &message).await;
                (person.username.clone(), message)
            })
        })
        .collect();
    let mut posted = Vec::new();
    for journey in journeys {
        posted.push(journey.await.unwrap());
    }

    // Every post once, by its author (the resource knows them by `sub`).
    let resource = service_kit::Database::connect(&resource_database)
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT posts.message, users.username FROM posts \
         JOIN users ON users.sub = posts.author",
    )
    .fetch_all(resource.pool())
    .await
    .unwrap();
    let stored: Vec<(String, String)> = rows
        .iter()
        .map(|row| (row.get::<String, _>(0), row.get::<String, _>(1)))
        .collect();
    assert_eq!(stored.len(), PEOPLE, "one post per person: {stored:?}");
    for (username, message) in &posted {
        let copies: Vec<_> = stored.iter().filter(|(m, _)| m == message).collect();
        assert_eq!(copies.len(), 1, "{message} is stored once");
        assert_eq!(&copies[0].1, username, "under its author");
    }

    // Every code of this client redeemed exactly once.
    let authorization_server = ecosystem.authorization_server.database().pool();
    let codes = rows_of_the_client(
        authorization_server,
        "SELECT code_hash, used_at, replayed_at FROM authorization_codes WHERE client_id = $1",
    )
    .await;
    assert_eq!(codes.len(), PEOPLE, "one code per person");
    for code in &codes {
        assert!(
            code.get::<Option<i64>, _>(1).is_some(),
            "every code was used"
        );
        assert!(code.get::<Option<i64>, _>(2).is_none(), "none was replayed");
    }
    let families = rows_of_the_client(
        authorization_server,
        "SELECT code_hash, COUNT(DISTINCT family_id), COUNT(revoked_at) FROM tokens \
         WHERE client_id = $1 AND kind = 'access' GROUP BY code_hash",
    )
    .await;
    assert_eq!(families.len(), PEOPLE, "each code gave tokens once");
    for family in &families {
        assert_eq!(family.get::<i64, _>(1), 1, "one token family per code");
        assert_eq!(family.get::<i64, _>(2), 0, "no token was revoked");
    }
}
