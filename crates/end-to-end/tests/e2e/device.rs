//! "Strava on a watch" (RFC 8628) across the three roles: `client device`
//! (its library entry point, as the binary runs it) shows a code, a person
//! approves or denies it at the authorization server's `/device`, and the
//! watch posts to the wall or stops with one line.

use client::config::DeviceArgs;
use client::device::DeviceError;
use end_to_end::user_agent::Screen;
use end_to_end::{AtConsent, Ecosystem, Options, UserAgent};

/// Starts `client device --message MESSAGE` against the ecosystem.
fn start_watch(
    ecosystem: &Ecosystem,
    message: &str,
) -> (Screen, actix_rt::task::JoinHandle<Result<(), DeviceError>>) {
    let config = client::testing::config(
        &service_kit::testing::sqlite_url(),
        &ecosystem.authorization_server.url,
        &ecosystem.resource_url,
    );
    let settings = client::Settings::from_config(&config).unwrap();
    let args = DeviceArgs {
        message: message.to_owned(),
        client_id: "strava-watch".to_owned(),
    };
    let screen = Screen::default();
    let mut shown = screen.clone();
    let watch =
        actix_rt::spawn(async move { client::device::run(&settings, &args, &mut shown).await });
    (screen, watch)
}

#[actix_rt::test]
async fn a_person_approves_the_watch_which_then_posts_to_the_wall() {
    for options in Options::every_backend().await {
        let ecosystem = Ecosystem::start(options).await;
        let (screen, watch) = start_watch(&ecosystem, "10 km along the river, from my watch");
        let (uri, code) = screen.codes().await;
        assert!(screen.text().contains('▀'), "a QR code: {}", screen.text());

        let hamza = UserAgent::new("hamza", "hamza-password");
        let done = hamza
            .approve_device(
                &uri,
                &code.to_lowercase(),
                AtConsent::Approve("profile post"),
            )
            .await;
        let outcome = watch.await.unwrap();

        assert!(done.contains("You may return to your device"), "{done}");
        assert!(outcome.is_ok(), "{outcome:?}\n{}", screen.text());
        let shown = screen.text();
        assert!(shown.contains("The resource answered"), "{shown}");
        assert!(shown.contains("10 km along the river"), "{shown}");
        let wall = hamza.page(&format!("{}/", ecosystem.resource_url)).await;
        assert!(
            wall.contains("10 km along the river, from my watch"),
            "{wall}"
        );
        assert!(wall.contains("strava-watch"), "{wall}");
    }
}

#[actix_rt::test]
async fn a_denied_watch_stops_with_one_line_saying_so() {
    for options in Options::every_backend().await {
        let ecosystem = Ecosystem::start(options).await;
        let (screen, watch) = start_watch(&ecosystem, "never posted");
        let (uri, code) = screen.codes().await;

        let done = UserAgent::new("hamza", "hamza-password")
            .approve_device(&uri, &code, AtConsent::Deny)
            .await;
        let outcome = watch.await.unwrap();

        assert!(done.contains("You may return to your device"), "{done}");
        let error = outcome
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default();
        assert!(error.contains("access denied"), "{error}");
        assert_eq!(error.lines().count(), 1, "{error}");
        let wall = UserAgent::new("hamza", "hamza-password")
            .page(&format!("{}/", ecosystem.resource_url))
            .await;
        assert!(!wall.contains("never posted"), "{wall}");
    }
}
