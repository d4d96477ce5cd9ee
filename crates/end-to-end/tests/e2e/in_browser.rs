//! The story in a real headless Chromium, clicking the real pages.
//! Screenshots of the login page, the consent page, the client's home and
//! the wall are saved under `target/screenshots/`.
//!
//! Runs when `CHROMEDRIVER` names a chromedriver (`.ci/run` installs
//! Debian's `chromium` and `chromium-driver` and sets it); elsewhere it says
//! it was skipped.

use end_to_end::browser::{self, Browser};
use end_to_end::ecosystem::CLIENT_ID;
use end_to_end::{Ecosystem, Options};

#[actix_rt::test]
async fn the_story_holds_in_a_real_browser() {
    let Some(browser) = browser::start().await else {
        return;
    };
    let ecosystem = Ecosystem::start(Options::sqlite()).await;
    live_the_story(&browser, &ecosystem).await;
    browser.close().await;
}

async fn live_the_story(browser: &Browser, ecosystem: &Ecosystem) {
    let home = format!("{}/", ecosystem.client_url);

    // Connect: Strava sends the browser to the authorization server.
    browser.open(&home).await;
    browser.click("a[href='/connect']").await;
    browser
        .wait_for_url(&ecosystem.authorization_server.url)
        .await;
    browser.wait_for("Sign in").await;
    browser.screenshot("login").await;
    browser.fill("input[name='username']", "hamza").await;
    browser
        .fill("input[name='password']", "hamza-password")
        .await;
    browser
        .click("form[action='/login'] button[type='submit']")
        .await;

    // Consent, narrowed: uncheck `profile`, keep `post`.
    browser.wait_for("Allow").await;
    browser.screenshot("consent").await;
    browser.click("input[name='scope'][value='profile']").await;
    browser
        .click("button[name='decision'][value='approve']")
        .await;

    // Back at Strava, connected: share a run.
    browser.wait_for_url(&ecosystem.client_url).await;
    browser.wait_for("Facebook is connected").await;
    browser.screenshot("client-home").await;
    browser.click("form[action='/share'] button").await;
    browser.wait_for("Posted to Facebook").await;

    // The wall shows the post and the client that made it.
    browser.open(&format!("{}/", ecosystem.resource_url)).await;
    let wall = browser.wait_for(CLIENT_ID).await;
    assert!(wall.contains("hamza"), "{wall}");
    browser.screenshot("wall").await;

    // A personal message is refused; reconnecting with the scope fixes it.
    browser.open(&home).await;
    send_message(browser).await;
    browser.wait_for("insufficient scope").await;
    browser
        .click("a[href='/connect?scope=personal-message']")
        .await;
    browser
        .wait_for_url(&ecosystem.authorization_server.url)
        .await;
    browser.wait_for("Allow").await;
    browser
        .click("button[name='decision'][value='approve']")
        .await;
    browser.wait_for("Facebook is connected").await;
    send_message(browser).await;
    browser.wait_for("Message sent").await;

    // Revoke Strava on the account page; Strava loses access and says so.
    browser
        .open(&format!("{}/account", ecosystem.authorization_server.url))
        .await;
    browser.wait_for(CLIENT_ID).await;
    browser.click("form[action='/account/revoke'] button").await;
    browser.wait_for("No application has access").await;
    browser.open(&home).await;
    browser
        .fill("input[name='message']", "after revocation")
        .await;
    browser.click("form[action='/post'] button").await;
    browser.wait_for("Please reconnect Facebook").await;
}

async fn send_message(browser: &Browser) {
    browser.fill("input[name='to']", "hamza").await;
    browser.fill("input[name='text']", "a note to self").await;
    browser.click("form[action='/message'] button").await;
}
