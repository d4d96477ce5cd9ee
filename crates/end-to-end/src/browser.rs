//! A real headless Chromium, driven over WebDriver by `fantoccini`.
//!
//! `CHROMEDRIVER` names the chromedriver binary (Debian's package
//! `chromium-driver` installs `/usr/bin/chromedriver`); `CHROME` may name
//! the browser (default `/usr/bin/chromium`). Without `CHROMEDRIVER` the
//! browser tests print that they were skipped (on the terminal, past the
//! test harness's capture); with `OAUTH_E2E_BROWSER=required` (as
//! `.ci/run` sets it) that is an error instead.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// A browser session and the chromedriver behind it.
pub struct Browser {
    pub client: Client,
    driver: Child,
}

/// Starts chromedriver and a headless Chromium, or explains why not.
pub async fn start() -> Option<Browser> {
    let Some(driver_path) = std::env::var_os("CHROMEDRIVER") else {
        crate::skip_unless_required(
            "OAUTH_E2E_BROWSER",
            "CHROMEDRIVER is not set: the browser test would not run",
            "the real-browser test needs CHROMEDRIVER=/path/to/chromedriver",
        );
        return None;
    };
    let port = service_kit::testing::free_port();
    let driver = Command::new(&driver_path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {driver_path:?}: {err}"));
    let client = connect(port).await;
    Some(Browser { client, driver })
}

async fn connect(port: u16) -> Client {
    let chrome = std::env::var("CHROME").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    let profile = std::env::temp_dir().join(format!("chromium-{}", uuid::Uuid::new_v4()));
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": chrome,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--window-size=1000,1100",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let capabilities = match capabilities {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let attempt = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        match attempt {
            Ok(client) => return client,
            Err(err) if Instant::now() > deadline => panic!("chromedriver: {err}"),
            Err(_) => actix_rt::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

impl Browser {
    pub async fn open(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|err| panic!("open {url}: {err}"));
    }

    pub async fn current_url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|url| url.to_string())
            .unwrap_or_else(|err| panic!("current url: {err}"))
    }

    /// The visible text of the page (empty while a page is loading).
    pub async fn text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits (at most 10 s) until the page shows `expected`, and returns its
    /// text: a click that submits a form returns before the next page loads.
    pub async fn wait_for(&self, expected: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.text().await;
            if text.contains(expected) {
                return text;
            }
            if Instant::now() > deadline {
                let url = self.current_url().await;
                panic!("{url} never showed {expected:?}; it shows:\n{text}");
            }
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let field = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("no field {css}: {err}"));
        field
            .clear()
            .await
            .unwrap_or_else(|err| panic!("{css}: {err}"));
        field
            .send_keys(value)
            .await
            .unwrap_or_else(|err| panic!("{css}: {err}"));
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("nothing to click at {css}: {err}"))
            .click()
            .await
            .unwrap_or_else(|err| panic!("click {css}: {err}"));
    }

    /// Waits (at most 10 s) until the browser is at a URL starting with
    /// `prefix`.
    pub async fn wait_for_url(&self, prefix: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = self.current_url().await;
            if url.starts_with(prefix) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "never reached {prefix}; at {url}"
            );
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves a PNG of the page as `target/screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|err| panic!("screenshot: {err}"));
        let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&directory).unwrap_or_else(|err| panic!("{err}"));
        let path = directory.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|err| panic!("{err}"));
        path
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
