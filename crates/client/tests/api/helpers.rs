//! `spawn_app()`: the real client on port 0 with a fresh database, wired
//! to the in-process fakes, and a cookie-keeping browser that does not
//! follow redirects, so each hop can be checked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use oauth_types::pkce::CodeChallenge;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::LOCATION;
use service_kit::Database;
use url::Url;

use crate::fake_provider::IdTokenPlan;
use crate::fakes::{self, SharedWorld, World};

/// What a test may change before the client starts.
pub struct Options {
    pub database_url: String,
    pub scope: &'static str,
    pub iss_supported: bool,
    /// Publish the issuer on an unresolvable host and reach it through
    /// `--issuer-internal-url` (front/back channel split).
    pub split_channels: bool,
    /// Point the client at a port where nothing listens.
    pub authorization_server_down: bool,
    /// `--issuer auto`: found through the resource's RFC 9728 metadata.
    pub issuer_auto: bool,
    /// Point the client at a resource port where nothing listens.
    pub resource_down: bool,
    /// The redirect URI's host, instead of the listener's `127.0.0.1`.
    pub redirect_host: Option<&'static str>,
    /// The redirect URI's scheme.
    pub redirect_scheme: &'static str,
    /// How often the client sweeps expired rows.
    pub sweep_interval: std::time::Duration,
    /// `--trusted-issuer`, instead of the fake authorization server's.
    pub trusted_issuer: Option<String>,
    /// `--no-dpop`.
    pub no_dpop: bool,
    /// `--client-key`: authenticate with `private_key_jwt`.
    pub client_key: Option<std::path::PathBuf>,
    /// `--no-par`.
    pub no_par: bool,
}

impl Options {
    pub fn new(database_url: String) -> Self {
        Self {
            database_url,
            scope: "profile post",
            iss_supported: true,
            split_channels: false,
            authorization_server_down: false,
            issuer_auto: false,
            resource_down: false,
            redirect_host: None,
            redirect_scheme: "http",
            sweep_interval: service_kit::sweeper::DEFAULT_SWEEP_INTERVAL,
            trusted_issuer: None,
            no_dpop: false,
            client_key: None,
            no_par: false,
        }
    }
}

pub struct TestApp {
    pub url: String,
    /// The fake authorization server, on its real address.
    pub as_url: String,
    pub browser: reqwest::Client,
    pub jar: Arc<Jar>,
    pub world: SharedWorld,
    pub issuer: String,
    pub database: Database,
    /// The client's clock: tests move it forward instead of ageing rows.
    pub clock: service_kit::clock::Clock,
    /// The fakes' mock servers, which stop when dropped.
    _fakes: Vec<wiremock::MockServer>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::new(service_kit::testing::sqlite_url())).await
}

/// A client on SQLite whose browser has connected Facebook through the
/// whole flow against the fakes.
pub async fn spawn_connected_app() -> TestApp {
    let app = spawn_app().await;
    app.connect_fully().await;
    app
}

/// One client per backend (SQLite always, Postgres with TEST_POSTGRES_URL).
pub async fn spawn_apps() -> Vec<TestApp> {
    service_kit::testing::spawn_on_every_backend(|url| spawn_app_with(Options::new(url))).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let world: SharedWorld = Arc::new(Mutex::new(World {
        iss_supported: options.iss_supported,
        expires_in: 3600,
        provider_key: Some(Arc::new(crate::fake_provider::ProviderKey::generate())),
        ..World::default()
    }));
    let authorization_server = fakes::spawn_authorization_server(world.clone()).await;
    let as_url = authorization_server.uri();
    let mut fakes = vec![authorization_server];
    let rs_url = if options.resource_down {
        "http://127.0.0.1:9".to_owned()
    } else {
        let resource = fakes::spawn_resource(world.clone()).await;
        let url = resource.uri();
        fakes.push(resource);
        url
    };
    let (issuer, issuer_internal_url) = if options.authorization_server_down {
        ("http://127.0.0.1:9".to_owned(), None)
    } else if options.split_channels {
        let port = as_url.rsplit(':').next().unwrap();
        (format!("http://as.invalid:{port}"), Some(as_url.clone()))
    } else {
        (as_url.clone(), None)
    };
    world.lock().unwrap().issuer = issuer.clone();
    world.lock().unwrap().resource_url = rs_url.clone();

    let mut config = client::testing::config(&options.database_url, &issuer, &rs_url);
    let reserved = client::testing::reserve(&config.serve);
    let url = reserved.url.clone();
    let mut redirect_uri = Url::parse(&format!("{url}/callback")).unwrap();
    if let Some(host) = options.redirect_host {
        redirect_uri.set_host(Some(host)).unwrap();
    }
    redirect_uri.set_scheme(options.redirect_scheme).unwrap();
    config.serve.sweep_interval = options.sweep_interval;
    if options.issuer_auto {
        config.issuer = "auto".to_owned();
    }
    if let Some(trusted) = options.trusted_issuer {
        config.trusted_issuer = vec![trusted];
    }
    config.issuer_internal_url = issuer_internal_url;
    config.redirect_uri = redirect_uri.to_string();
    config.scope = options.scope.to_owned();
    config.no_dpop = options.no_dpop;
    config.client_key = options.client_key;
    config.no_par = options.no_par;
    let clock = config.clock.clone();
    client::testing::start_on(reserved, config).await;
    let database = Database::connect(&options.database_url).await.unwrap();
    let jar = Arc::new(Jar::default());
    TestApp {
        url,
        as_url,
        browser: browser(jar.clone()),
        jar,
        world,
        issuer,
        database,
        clock,
        _fakes: fakes,
    }
}

/// A cookie-keeping client that never follows redirects.
pub fn browser(jar: Arc<Jar>) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Where `/connect` sent the browser.
pub struct AuthorizationRedirect {
    pub location: Url,
    pub params: HashMap<String, String>,
}

impl AuthorizationRedirect {
    pub fn state(&self) -> &str {
        &self.params["state"]
    }

    /// Asserts what every authorization request of Strava carries, and
    /// that `next` (a second request) got fresh values: sent to the
    /// authorization endpoint of `issuer` for the code flow (RFC 6749
    /// §4.1.1), a 256-bit `state`, an S256 challenge (RFC 7636 §4.3).
    pub fn assert_code_flow_request(&self, issuer: &str, next: &AuthorizationRedirect) {
        assert_eq!(
            self.location.as_str().split('?').next(),
            Some(format!("{issuer}/authorize").as_str())
        );
        let p = &self.params;
        assert_eq!(p["response_type"], "code");
        assert_eq!(p["client_id"], "strava");
        assert_eq!(p["code_challenge_method"], "S256");
        assert!(CodeChallenge::parse(&p["code_challenge"]).is_ok());
        assert!(self.state().len() >= 43, "256-bit state");
        assert_ne!(self.state(), next.state(), "a fresh state per request");
        assert_ne!(
            p["code_challenge"], next.params["code_challenge"],
            "a fresh verifier per request"
        );
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.browser
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap()
    }

    pub async fn home(&self) -> String {
        let response = self.get("/").await;
        assert_eq!(response.status().as_u16(), 200);
        response.text().await.unwrap()
    }

    /// The "behind the scenes" page: every step of the session's last flow.
    pub async fn behind_the_scenes(&self) -> String {
        self.get("/behind-the-scenes").await.text().await.unwrap()
    }

    /// Asserts that the "behind the scenes" page shows each of `expected`.
    pub async fn assert_behind_the_scenes_shows(&self, expected: &[&str]) {
        let trace = self.behind_the_scenes().await;
        for text in expected {
            assert!(trace.contains(text), "{text} missing from {trace}");
        }
    }

    /// Asserts that the "behind the scenes" page shows `expected` in this
    /// order; returns the page for further checks.
    pub async fn assert_behind_the_scenes_in_order(&self, expected: &[&str]) -> String {
        let trace = self.behind_the_scenes().await;
        assert_in_order(&trace, expected);
        trace
    }

    /// Starts two authorization requests at `path` (`/connect` or
    /// `/signin`), asserting what each carries and that the second got
    /// fresh values (see [`AuthorizationRedirect::assert_code_flow_request`]).
    pub async fn two_code_flow_requests(
        &self,
        path: &str,
    ) -> (AuthorizationRedirect, AuthorizationRedirect) {
        let first = self.connect_path(path).await;
        let second = self.connect_path(path).await;
        first.assert_code_flow_request(&self.issuer, &second);
        (first, second)
    }

    pub async fn connect(&self) -> AuthorizationRedirect {
        self.connect_path("/connect").await
    }

    pub async fn connect_path(&self, path: &str) -> AuthorizationRedirect {
        let response = self.get(path).await;
        assert!(
            matches!(response.status().as_u16(), 302 | 303),
            "{}",
            response.status()
        );
        let location = Url::parse(response.headers()[LOCATION].to_str().unwrap()).unwrap();
        let params = location.query_pairs().into_owned().collect();
        AuthorizationRedirect { location, params }
    }

    pub async fn callback(&self, params: &[(&str, &str)]) -> reqwest::Response {
        let query = serde_urlencoded::to_string(params).unwrap();
        self.get(&format!("/callback?{query}")).await
    }

    /// The callback of `redirect`'s flow: `params`, then its `state` and
    /// the issuer's `iss`, as an honest authorization server sends them.
    pub async fn callback_of(
        &self,
        redirect: &AuthorizationRedirect,
        params: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut all = params.to_vec();
        all.extend([("state", redirect.state()), ("iss", self.issuer.as_str())]);
        self.callback(&all).await
    }

    /// The query of an honest callback for `redirect`'s flow: `code`, its
    /// `state` and the issuer's `iss` (RFC 9207).
    pub fn honest_callback_query(&self, redirect: &AuthorizationRedirect, code: &str) -> String {
        serde_urlencoded::to_string([
            ("code", code),
            ("state", redirect.state()),
            ("iss", self.issuer.as_str()),
        ])
        .unwrap()
    }

    /// Runs the whole flow against the fakes; returns the callback's answer.
    pub async fn connect_fully(&self) -> reqwest::Response {
        let redirect = self.connect().await;
        self.callback_of(&redirect, &[("code", "the-code-from-the-fake-server")])
            .await
    }

    /// Starts a sign-in; where `/signin` sent the browser.
    pub async fn start_sign_in(&self) -> AuthorizationRedirect {
        self.connect_path("/signin").await
    }

    /// Signs in as `subject` (named `name`) at the fake provider, with an
    /// honest ID token; returns the callback's answer.
    pub async fn sign_in_as(&self, subject: &str, name: &str) -> reqwest::Response {
        self.sign_in_with(|nonce| IdTokenPlan::honest(subject, name, nonce))
            .await
    }

    /// Signs in at the fake provider, which answers an ID token of the
    /// plan `plan` makes for the request's `nonce`; returns the callback's
    /// answer.
    pub async fn sign_in_with(&self, plan: impl FnOnce(&str) -> IdTokenPlan) -> reqwest::Response {
        let redirect = self.start_sign_in().await;
        let nonce = redirect.params["nonce"].clone();
        self.world().id_token = Some(plan(&nonce));
        let response = self
            .callback_of(&redirect, &[("code", "a-sign-in-code")])
            .await;
        self.world().id_token = None;
        response
    }

    /// Gives the test a new, empty browser; returns the one it had.
    pub fn switch_browser(&mut self) -> (reqwest::Client, Arc<Jar>) {
        let jar = Arc::new(Jar::default());
        let browser = browser(jar.clone());
        (
            std::mem::replace(&mut self.browser, browser),
            std::mem::replace(&mut self.jar, jar),
        )
    }

    /// Goes back to a browser [`Self::switch_browser`] returned.
    pub fn use_browser(&mut self, (browser, jar): (reqwest::Client, Arc<Jar>)) {
        self.browser = browser;
        self.jar = jar;
    }

    /// The ids of the runs the home page lists, in order.
    pub async fn run_ids(&self) -> Vec<String> {
        let home = self.home().await;
        home.split("<li id=\"run-")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().to_owned())
            .collect()
    }

    /// The anti-CSRF token the home page puts in its forms.
    pub async fn csrf_token(&self) -> String {
        let home = self.home().await;
        let marker = "name=\"csrf_token\" value=\"";
        let start = home.find(marker).expect("a form with a csrf token") + marker.len();
        home[start..].split('"').next().unwrap().to_owned()
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.browser
            .post(format!("{}{path}", self.url))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Posts a form with the right CSRF token; expects 303 to `/` and
    /// returns the home page that follows.
    pub async fn act(&self, path: &str, fields: &[(&str, &str)]) -> String {
        let csrf = self.csrf_token().await;
        let mut form = vec![("csrf_token", csrf.as_str())];
        form.extend_from_slice(fields);
        let response = self.post_form(path, &form).await;
        assert_eq!(response.status().as_u16(), 303, "{path}");
        assert_eq!(response.headers()[LOCATION], "/");
        self.home().await
    }

    /// Posts a form with the right CSRF token; expects 303 and returns
    /// where it leads.
    pub async fn act_to(&self, path: &str) -> String {
        let csrf = self.csrf_token().await;
        let response = self.post_form(path, &[("csrf_token", csrf.as_str())]).await;
        assert_eq!(response.status().as_u16(), 303, "{path}");
        response.headers()[LOCATION].to_str().unwrap().to_owned()
    }

    /// The session cookie's value.
    pub fn session_cookie(&self) -> String {
        let url = Url::parse(&self.url).unwrap();
        let header = self.jar.cookies(&url).expect("a session cookie");
        let text = header.to_str().unwrap();
        text.split("; ")
            .find_map(|pair| pair.strip_prefix("strava_session="))
            .unwrap()
            .to_owned()
    }

    /// Makes the stored access token look expired.
    pub async fn expire_access_token(&self) {
        sqlx::query("UPDATE connections SET expires_at = 0")
            .execute(self.database.pool())
            .await
            .unwrap();
    }

    pub async fn count(&self, table: &str) -> i64 {
        self.count_where(table, "TRUE").await
    }

    /// How many rows of `table` meet `condition` (SQL).
    pub async fn count_where(&self, table: &str, condition: &str) -> i64 {
        let statement = format!("SELECT COUNT(*) FROM {table} WHERE {condition}");
        let (count,) = self.fetch_one::<(i64,)>(&statement).await;
        count
    }

    /// The one row `statement` reads from the client's database, as a tuple
    /// of its columns.
    pub async fn fetch_one<T>(&self, statement: &str) -> T
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        sqlx::query_as(statement)
            .fetch_one(self.database.pool())
            .await
            .unwrap()
    }

    pub fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap()
    }
}

/// Asserts that each of `expected` appears in `text`, in this order.
pub fn assert_in_order(text: &str, expected: &[&str]) {
    let mut from = 0;
    for wanted in expected {
        let found = text[from..]
            .find(wanted)
            .unwrap_or_else(|| panic!("{wanted} missing or out of order in {text}"));
        from += found + wanted.len();
    }
}
