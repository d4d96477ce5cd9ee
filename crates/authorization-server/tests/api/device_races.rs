//! The device authorization grant under concurrency (rules 32, 33, RFC 8628
//! §5.1): device and user codes spent once, wrong user codes throttled, on
//! every backend.

use std::sync::Arc;

use authorization_server::testing::TestAuthorizationServer;

use crate::device::{answer_device, enter_code, person, poll, watch_codes};
use crate::helpers::{is_active, spawn_apps, spawn_apps_with};

/// Rounds per backend, and simultaneous twins per round.
const ROUNDS: usize = 12;
const TWINS: usize = 6;

/// Runs `TWINS` copies of `twin` at once; their answers.
async fn at_once<T, F>(twin: impl Fn() -> F) -> Vec<T>
where
    T: 'static,
    F: std::future::Future<Output = T> + 'static,
{
    let twins: Vec<_> = (0..TWINS).map(|_| actix_rt::spawn(twin())).collect();
    let mut answers = Vec::new();
    for twin in twins {
        answers.push(twin.await.unwrap());
    }
    answers
}

/// Rule 32: of simultaneous polls after approval exactly one gets tokens;
/// the others are a second redemption, which revokes what the winner got.
#[actix_rt::test]
async fn of_simultaneous_polls_after_approval_exactly_one_gets_tokens() {
    for app in spawn_apps().await {
        let app = Arc::new(app);
        for round in 0..ROUNDS {
            let codes = Arc::new(watch_codes(&app).await);
            answer_device(&app, &codes, "approve", "profile post").await;

            let answers = at_once(|| {
                let (app, codes) = (app.clone(), codes.clone());
                async move { poll(&app, &codes).await }
            })
            .await;

            let winners: Vec<_> = answers
                .iter()
                .filter(|(status, _)| *status == 200)
                .collect();
            assert_eq!(winners.len(), 1, "round {round}: {answers:?}");
            for (status, body) in &answers {
                if *status != 200 {
                    assert_eq!(
                        (*status, body["error"].as_str()),
                        (400, Some("invalid_grant"))
                    );
                }
            }
            let access = winners[0].1["access_token"].as_str().unwrap();
            assert!(
                !is_active(&app, access).await,
                "round {round}: the winner's token survived the replays"
            );
        }
    }
}

/// Rule 32: of simultaneous entries of one user code exactly one reaches
/// the consent screen.
#[actix_rt::test]
async fn of_simultaneous_entries_of_one_user_code_exactly_one_reaches_consent() {
    let apps = spawn_apps_with(|config| {
        config.login_limits.per_account = 10_000;
        config.login_limits.per_address = 10_000;
    })
    .await;
    for app in apps {
        let app = Arc::new(app);
        let browser = person(&app).await;
        for round in 0..ROUNDS {
            let codes = watch_codes(&app).await;
            let user_code: Arc<str> = codes["user_code"].as_str().unwrap().into();

            let pages = at_once(|| {
                let (app, browser, code) = (app.clone(), browser.clone(), user_code.clone());
                async move { entered(&app, &browser, &code).await }
            })
            .await;

            let consents = pages
                .iter()
                .filter(|page| page.contains("name=\"decision\""))
                .count();
            assert_eq!(consents, 1, "round {round}");
            let refused = pages.iter().filter(|page| page.contains("already used"));
            assert_eq!(refused.count(), TWINS - 1, "round {round}");
        }
    }
}

async fn entered(app: &TestAuthorizationServer, browser: &reqwest::Client, code: &str) -> String {
    enter_code(app, browser, code).await.text().await.unwrap()
}

/// Rule 33, RFC 8628 §5.1: wrong user codes are counted before the lookup,
/// so a burst of simultaneous wrong codes gets no more lookups than the
/// limit; the rest hear 429, and once the limit is reached, so does the
/// right code.
#[actix_rt::test]
async fn a_burst_of_wrong_user_codes_is_throttled_like_logins() {
    const LIMIT: i64 = 5;
    for app in spawn_apps_with(|config| config.login_limits.per_account = LIMIT).await {
        let app = Arc::new(app);
        let codes = watch_codes(&app).await;
        let browser = person(&app).await;
        let mut answers = Vec::new();
        for _ in 0..3 {
            answers.extend(
                at_once(|| {
                    let (app, browser) = (app.clone(), browser.clone());
                    async move {
                        let response = enter_code(&app, &browser, "BBBB-BBBB").await;
                        let status = response.status().as_u16();
                        (status, response.text().await.unwrap())
                    }
                })
                .await,
            );
        }

        let looked_up = answers
            .iter()
            .filter(|(status, page)| *status == 200 && page.contains("not valid"))
            .count();
        let throttled = answers.iter().filter(|(status, _)| *status == 429).count();
        // Twins that counted each other may all be refused: never more
        // lookups than the limit.
        assert!(looked_up <= LIMIT as usize, "{looked_up} lookups ran");
        assert_eq!(looked_up + throttled, answers.len());
        // One by one, the wrong codes left under the limit are looked up.
        for _ in looked_up..LIMIT as usize {
            let wrong = enter_code(&app, &browser, "BBBB-BBBB").await;
            assert_eq!(wrong.status(), 200);
        }
        let right = enter_code(&app, &browser, codes["user_code"].as_str().unwrap()).await;
        assert_eq!(right.status(), 429);
        let page = right.text().await.unwrap();
        assert!(page.contains("Too many wrong codes"), "{page}");
    }
}
