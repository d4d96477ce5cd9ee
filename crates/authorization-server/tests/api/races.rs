//! Single-use rules and throttles under concurrency (rules 3, 5, 32, 33):
//! many simultaneous requests, many rounds, on every backend.

use std::sync::Arc;

use authorization_server::testing::{browser, hidden_input, Flow, TestAuthorizationServer};

use crate::helpers::{is_active, json, post_form, refresh_as_strava, spawn_apps, spawn_apps_with};
use crate::login::{log_in, login_csrf, post_login};

/// Rounds per backend, and simultaneous redemptions per round.
const ROUNDS: usize = 24;
const TWINS: usize = 4;

async fn refresh(app: &TestAuthorizationServer, token: &str) -> (u16, serde_json::Value) {
    json(refresh_as_strava(app, token).await).await
}

/// Rule 32 (RFC 9700 §4.14.2): of simultaneous redemptions of one refresh
/// token at most one succeeds, and since the others are a reuse, nothing of
/// the family survives: not even what the winner was issuing meanwhile.
#[actix_rt::test]
async fn of_simultaneous_refreshes_at_most_one_wins_and_nothing_the_winner_got_survives() {
    for app in spawn_apps().await {
        let app = Arc::new(app);
        for round in 0..ROUNDS {
            let tokens = app.obtain_tokens(&Flow::demo()).await;
            let refresh_token = tokens.refresh_token.unwrap().secret().to_owned();
            let twins: Vec<_> = (0..TWINS)
                .map(|_| {
                    let (app, token) = (app.clone(), refresh_token.clone());
                    actix_rt::spawn(async move { refresh(&app, &token).await })
                })
                .collect();
            let mut answers = Vec::new();
            for twin in twins {
                answers.push(twin.await.unwrap());
            }

            let winners: Vec<_> = answers
                .iter()
                .filter(|(status, _)| *status == 200)
                .collect();
            assert!(winners.len() <= 1, "round {round}: {answers:?}");
            for (status, body) in &answers {
                if *status != 200 {
                    assert_eq!(
                        (*status, body["error"].as_str()),
                        (400, Some("invalid_grant"))
                    );
                }
            }
            for (_, won) in winners {
                let access = won["access_token"].as_str().unwrap();
                let next_refresh = won["refresh_token"].as_str().unwrap();
                assert!(
                    !is_active(&app, access).await,
                    "round {round}: the winner's access token survived"
                );
                let (status, _) = refresh(&app, next_refresh).await;
                assert_eq!(
                    status, 400,
                    "round {round}: the winner's refresh token survived"
                );
            }
            assert!(!is_active(&app, tokens.access_token.secret()).await);
        }
    }
}

/// Rule 3: a code is bound to its client. Another client presenting it
/// (here the public `strava-mobile`, which needs no secret) is refused and
/// revokes nothing, before or after the rightful redemption.
#[actix_rt::test]
async fn a_code_presented_by_another_client_is_refused_and_revokes_nothing() {
    for app in spawn_apps().await {
        let issued = app.obtain_code(&Flow::demo()).await;
        let form = |code: &str, verifier: &str| {
            vec![
                ("grant_type", "authorization_code".to_owned()),
                ("code", code.to_owned()),
                ("redirect_uri", "http://localhost:9000/callback".to_owned()),
                ("code_verifier", verifier.to_owned()),
            ]
        };
        let as_mobile = |form: Vec<(&'static str, String)>| {
            let app = &app;
            async move {
                let mut form = form;
                form.push(("client_id", "strava-mobile".to_owned()));
                let response =
                    post_form(&reqwest::Client::new(), format!("{}/token", app.url), &form).await;
                json(response).await
            }
        };

        let before = as_mobile(form(&issued.code, &issued.code_verifier)).await;
        let (status, rightful) = json(
            app.token_request(
                "strava",
                Some("strava-secret"),
                &form(&issued.code, &issued.code_verifier)
                    .iter()
                    .map(|(name, value)| (*name, value.as_str()))
                    .collect::<Vec<_>>(),
            )
            .await,
        )
        .await;
        let after = as_mobile(form(&issued.code, &issued.code_verifier)).await;

        assert_eq!(
            (before.0, before.1["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        assert_eq!(status, 200, "{rightful}");
        assert_eq!(
            (after.0, after.1["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        let access = rightful["access_token"].as_str().unwrap();
        assert!(
            is_active(&app, access).await,
            "another client's attempt revoked the tokens"
        );
    }
}

/// Rule 33: attempts are counted before the password check, so a burst of
/// simultaneous wrong passwords for one account gets at most the limit of
/// checks (each answered with the one failure message); the rest hear 429.
#[actix_rt::test]
async fn a_burst_of_simultaneous_wrong_passwords_gets_no_more_checks_than_the_limit() {
    const BURST: usize = 40;
    const LIMIT: i64 = 5;
    for app in spawn_apps_with(|config| config.login_limits.per_account = LIMIT).await {
        let app = Arc::new(app);
        let browser = browser();
        let csrf = login_csrf(&app, &browser).await;
        let guesses: Vec<_> = (0..BURST)
            .map(|guess| {
                let (app, browser, csrf) = (app.clone(), browser.clone(), csrf.clone());
                actix_rt::spawn(async move {
                    let password = format!("guess-{guess}");
                    let form = [
                        ("username", "alice"),
                        ("password", password.as_str()),
                        ("csrf_token", csrf.as_str()),
                    ];
                    let response = post_login(&app, &browser, &form).await;
                    let status = response.status().as_u16();
                    (status, response.text().await.unwrap())
                })
            })
            .collect();
        let mut answers = Vec::new();
        for guess in guesses {
            answers.push(guess.await.unwrap());
        }

        let checked = answers
            .iter()
            .filter(|(status, page)| *status == 200 && page.contains("Wrong username or password."))
            .count();
        let throttled = answers.iter().filter(|(status, _)| *status == 429).count();
        assert!(
            checked >= 1 && checked <= LIMIT as usize,
            "{checked} password checks ran"
        );
        assert_eq!(checked + throttled, BURST, "every other attempt hears 429");
        let right = log_in(&app, &browser, ("alice", "alice-password"), &csrf).await;
        assert_eq!(right.status(), 429, "the account stays throttled");
    }
}

/// Rule 33: password checks run in a bounded line. With one check at a time
/// and no wait, a burst of right passwords is partly shed: 503 with
/// `Retry-After` and the login form again; the others sign in.
#[actix_rt::test]
async fn when_every_password_check_is_taken_a_login_hears_503_with_retry_after_and_the_form() {
    const BURST: usize = 12;
    let apps = spawn_apps_with(|config| {
        config.login_limits.concurrent_checks = 1;
        config.login_limits.check_wait = std::time::Duration::ZERO;
    })
    .await;
    for app in apps {
        let app = Arc::new(app);
        let mut people = Vec::new();
        for _ in 0..BURST {
            let browser = browser();
            let csrf = login_csrf(&app, &browser).await;
            people.push((browser, csrf));
        }
        let logins: Vec<_> = people
            .into_iter()
            .map(|(browser, csrf)| {
                let app = app.clone();
                actix_rt::spawn(async move {
                    let form = [
                        ("username", "hamza"),
                        ("password", "hamza-password"),
                        ("csrf_token", csrf.as_str()),
                    ];
                    let response = post_login(&app, &browser, &form).await;
                    let status = response.status().as_u16();
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .map(|value| value.to_str().unwrap().to_owned());
                    (status, retry_after, response.text().await.unwrap())
                })
            })
            .collect();
        let mut answers = Vec::new();
        for login in logins {
            answers.push(login.await.unwrap());
        }

        let signed_in = answers.iter().filter(|(status, ..)| *status == 303).count();
        let shed: Vec<_> = answers
            .iter()
            .filter(|(status, ..)| *status == 503)
            .collect();
        assert!(signed_in >= 1, "{answers:?}");
        assert!(!shed.is_empty(), "nobody was shed: the line is not bounded");
        assert_eq!(signed_in + shed.len(), BURST, "{answers:?}");
        for (_, retry_after, page) in shed {
            let seconds: u64 = retry_after.as_deref().unwrap().parse().unwrap();
            assert!(seconds >= 1);
            assert!(page.contains(r#"name="username""#), "the form comes back");
            assert!(hidden_input(page, "csrf_token").is_some());
        }
    }
}
