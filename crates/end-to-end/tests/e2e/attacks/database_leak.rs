//! Rules 3 and 4: a database leak leaks no usable credential.

use end_to_end::{AtConsent, Ecosystem, Options, UserAgent};
use reqwest::StatusCode;

/// Every text cell of every table of a SQLite database, one per line.
async fn every_text_cell(database_url: &str) -> String {
    use sqlx::Row;
    let database = service_kit::Database::connect(database_url).await.unwrap();
    let pool = database.pool();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(pool)
            .await
            .unwrap();
    let mut cells = String::new();
    for table in tables.iter().filter(|name| !name.starts_with("_sqlx")) {
        let rows = sqlx::query(&format!("SELECT * FROM \"{table}\""))
            .fetch_all(pool)
            .await
            .unwrap();
        for row in rows {
            for column in 0..row.len() {
                if let Ok(Some(text)) = row.try_get::<Option<String>, _>(column) {
                    cells.push_str(&text);
                    cells.push('\n');
                }
            }
        }
    }
    cells
}

#[actix_rt::test]
async fn a_leaked_database_holds_no_usable_token_code_secret_or_password() {
    let options = Options::sqlite();
    let [as_database, rs_database, _] = options.databases.clone();
    let ecosystem = Ecosystem::start(options).await;
    let authorization_server = &ecosystem.authorization_server;
    // A flow through the client (its tokens are the client's to keep), and
    // one by hand: a code redeemed, its tokens refreshed.
    let hamza = UserAgent::new("hamza", "hamza-password");
    let connected = hamza
        .connect(
            &ecosystem.client_url,
            "/connect",
            AtConsent::Approve("profile post"),
        )
        .await;
    assert!(connected.contains("Facebook is connected"), "{connected}");
    hamza
        .post_to_facebook(&ecosystem.client_url, "a leak test")
        .await;
    let flow = authorization_server::testing::Flow::demo();
    let issued = authorization_server.obtain_code(&flow).await;
    let exchanged = authorization_server.exchange_code(&flow, &issued).await;
    assert_eq!(exchanged.status(), StatusCode::OK);
    let tokens: serde_json::Value = exchanged.json().await.unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let refreshed = authorization_server
        .token_request(
            "strava",
            Some("strava-secret"),
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed: serde_json::Value = refreshed.json().await.unwrap();

    let credentials = [
        ("the code", issued.code.clone()),
        (
            "the access token",
            tokens["access_token"].as_str().unwrap().to_owned(),
        ),
        ("the refresh token", refresh.clone()),
        (
            "the refreshed access token",
            refreshed["access_token"].as_str().unwrap().to_owned(),
        ),
        (
            "the refreshed refresh token",
            refreshed["refresh_token"].as_str().unwrap().to_owned(),
        ),
    ];
    // 256 bits, base64url without padding: 43 characters (rules 3 and 4).
    for (what, credential) in &credentials {
        assert!(credential.len() >= 43, "{what} is shorter than 256 bits");
    }
    let secrets = [
        ("a password", "hamza-password".to_owned()),
        ("a client secret", "strava-secret".to_owned()),
        (
            "a client secret",
            end_to_end::ecosystem::CLIENT_SECRET.to_owned(),
        ),
        (
            "a resource server secret",
            "protected-resource-secret-1".to_owned(),
        ),
    ];
    for database in [&as_database, &rs_database] {
        let cells = every_text_cell(database).await;
        assert!(
            cells.contains("strava"),
            "the dump reads the tables: {cells}"
        );
        for (what, value) in credentials.iter().chain(&secrets) {
            assert!(!cells.contains(value.as_str()), "{what} is stored in clear");
        }
    }
}

// ---------------------------------------------------------------------
