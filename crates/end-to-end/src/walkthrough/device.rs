//! The device story (`docs/walkthrough/device.{json,md}`): "Strava on a
//! watch" (`client device`, run through its library entry point) connects
//! with the device authorization grant (RFC 8628), through proxies of its
//! own, so that the recording names it `watch`.
//!
//! The watch asks for codes at `/device_authorization` (§3.1–3.2), shows
//! them (§3.3) and polls `/token` at once: `authorization_pending` (§3.5).
//! A second poll, sent from the story with the watch's device code as an
//! impatient watch would, comes before the `interval` has passed:
//! `slow_down`. Then hamza, on his phone, opens `/device`, logs in, types
//! the user code and approves (§3.3); the watch's next poll gets the
//! tokens (§3.5), and it posts to the resource, which introspects.
//!
//! The watch waits `interval` seconds (5) between its polls; hamza's
//! approval takes far less, so the recording has one pending poll of the
//! watch's own.

use std::time::{Duration, Instant};

use crate::user_agent::Screen;
use client::config::DeviceArgs;

use super::direct::{ClientAuth, Party};
use super::story::{IssuerSetting, Stage, TokenBinding};
use super::story::{AUTHORIZATION_SERVER, PROTECTED_RESOURCE};
use super::Exchange;
use crate::recording::RawExchange;
use crate::user_agent::shown_device_codes;
use crate::{AtConsent, UserAgent};

/// The device of the demo data (a public client, RFC 8628 §3.1), and the
/// name the recording gives it.
const WATCH_CLIENT_ID: &str = "strava-watch";
const WATCH: &str = "watch";
/// RFC 8628 §3.4: the `grant_type` of a poll.
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// How long the story waits for the watch to reach a step.
const PATIENCE: Duration = Duration::from_secs(10);

/// The watch connects, hamza approves on another screen, the watch posts;
/// returns the exchanges, redacted.
pub async fn record_device() -> Vec<Exchange> {
    let mut stage = Stage::start(IssuerSetting::Configured, TokenBinding::Bearer).await;
    let watch_to_as = stage.open_proxy(WATCH, AUTHORIZATION_SERVER);
    let watch_to_resource = stage.open_proxy(WATCH, PROTECTED_RESOURCE);
    let impatient = Party::new(&mut stage, WATCH, AUTHORIZATION_SERVER);

    // `client device`, its issuer and resource reached through its proxies.
    let mut config = client::testing::config(
        &service_kit::testing::sqlite_url(),
        stage.issuer(),
        &stage.resource_id,
    );
    config.issuer_internal_url = Some(watch_to_as);
    config.resource_internal_url = Some(watch_to_resource);
    let settings = client::Settings::from_config(&config).unwrap();
    let args = DeviceArgs {
        message: "5 km before breakfast, from my watch".to_owned(),
        client_id: WATCH_CLIENT_ID.to_owned(),
    };
    let screen = Screen::default();
    let mut shown = screen.clone();
    let watch =
        actix_rt::spawn(async move { client::device::run(&settings, &args, &mut shown).await });

    // The codes on the watch's screen, and its first poll: pending.
    let (verification_uri, user_code) =
        wait_for(|| shown_device_codes(&screen.text()), "the codes shown").await;
    let first_poll = wait_for(|| watch_poll(&stage.raw()), "the watch's first poll").await;
    assert!(
        first_poll.response_body.contains("authorization_pending"),
        "{first_poll:?}"
    );

    // A poll before the interval has passed: slow_down (RFC 8628 §3.5).
    let device_code = device_code(&stage.raw());
    let (status, refusal) = impatient
        .token_request(
            ClientAuth::Public {
                client_id: WATCH_CLIENT_ID,
            },
            &[
                ("grant_type", DEVICE_CODE_GRANT),
                ("device_code", &device_code),
            ],
        )
        .await;
    assert_eq!((status, &refusal["error"]), (400, &"slow_down".into()));

    // hamza, on his phone: /device, login, the code, consent.
    let hamza = UserAgent::new("hamza", "hamza-password");
    let done = hamza
        .approve_device(
            &verification_uri,
            &user_code,
            AtConsent::Approve("profile post"),
        )
        .await;
    assert!(done.contains("You may return to your device"), "{done}");

    // The watch's next poll: the tokens; then its post.
    let outcome = watch.await.unwrap();
    assert!(outcome.is_ok(), "{outcome:?}\n{}", screen.text());
    stage.recording()
}

/// Waits until `found` answers, at most [`PATIENCE`].
async fn wait_for<T>(found: impl Fn() -> Option<T>, what: &str) -> T {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if let Some(value) = found() {
            return value;
        }
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the device story waited in vain for {what}");
}

/// The watch's first request to `/token`, once answered.
fn watch_poll(raw: &[RawExchange]) -> Option<RawExchange> {
    raw.iter()
        .find(|exchange| exchange.from == WATCH && exchange.path == "/token")
        .cloned()
}

/// The `device_code` the authorization server gave the watch (RFC 8628
/// §3.2).
fn device_code(raw: &[RawExchange]) -> String {
    let answer = raw
        .iter()
        .find(|exchange| exchange.path == "/device_authorization")
        .map(|exchange| exchange.response_body.as_str())
        .expect("the watch asked for codes");
    let answer: serde_json::Value = serde_json::from_str(answer).unwrap();
    answer["device_code"]
        .as_str()
        .expect("a device_code")
        .to_owned()
}
