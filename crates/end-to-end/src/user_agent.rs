//! A person's browser, as plain HTTP: it keeps cookies per host and follows
//! every redirect by hand, so each hop can be checked. It fills the forms
//! the contract fixes: login (`username`, `password`), consent (`scope`
//! checkboxes, `decision`), and the client's `message` form; on another
//! server's pages, the first form of each with the fields it is given.

use service_kit::back_channel::IDLE_CONNECTION_REUSE;
use std::sync::Arc;

use authorization_server::testing::{hidden_input, location};
use reqwest::cookie::Jar;
use reqwest::{Response, StatusCode};

/// What the person does on the consent page.
#[derive(Debug, Clone, Copy)]
pub enum AtConsent<'a> {
    /// Approve exactly these space-separated scopes (checked boxes).
    Approve(&'a str),
    Deny,
}

/// One person's browser.
pub struct UserAgent {
    http: reqwest::Client,
    pub username: String,
    password: String,
}

impl UserAgent {
    pub fn new(username: &str, password: &str) -> Self {
        Self::with_builder(username, password, reqwest::Client::builder())
    }

    /// A browser that trusts the certificate authority `ca_pem` besides the
    /// public roots (one where the test CA was installed).
    pub fn trusting(username: &str, password: &str, ca_pem: &str) -> Self {
        let ca = reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap();
        Self::with_builder(
            username,
            password,
            reqwest::Client::builder().add_root_certificate(ca),
        )
    }

    fn with_builder(username: &str, password: &str, builder: reqwest::ClientBuilder) -> Self {
        let http = builder
            .cookie_provider(Arc::new(Jar::default()))
            .pool_idle_timeout(IDLE_CONNECTION_REUSE)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            http,
            username: username.to_owned(),
            password: password.to_owned(),
        }
    }

    pub async fn get(&self, url: &str) -> Response {
        self.http
            .get(url)
            .send()
            .await
            .unwrap_or_else(|err| panic!("GET {url}: {err}"))
    }

    pub async fn page(&self, url: &str) -> String {
        let response = self.get(url).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {url}");
        response.text().await.unwrap()
    }

    pub async fn post_form(&self, url: &str, form: &[(&str, String)]) -> Response {
        self.http
            .post(url)
            .form(form)
            .send()
            .await
            .unwrap_or_else(|err| panic!("POST {url}: {err}"))
    }

    /// Starts at `start` and walks redirects, the login page and the
    /// consent page until a redirect leaves for `destination_prefix`;
    /// returns that URL without visiting it.
    pub async fn walk_to(
        &self,
        start: &str,
        destination_prefix: &str,
        at_consent: AtConsent<'_>,
    ) -> String {
        self.walk(start, destination_prefix, Pages::Contract(at_consent))
            .await
    }

    /// Starts at `start` and walks redirects and another server's pages,
    /// whose forms the contract does not fix, until a redirect leaves for
    /// `destination_prefix`; returns that URL without visiting it. On each
    /// page it submits the first form: `POST` to its `action`, with its
    /// hidden inputs and each of `fields` that the page has a control for.
    pub async fn walk_through_forms(
        &self,
        start: &str,
        destination_prefix: &str,
        fields: &[(&str, &str)],
    ) -> String {
        self.walk(start, destination_prefix, Pages::Forms(fields))
            .await
    }

    async fn walk(&self, start: &str, destination_prefix: &str, pages: Pages<'_>) -> String {
        let mut url = start.to_owned();
        let mut response = self.get(&url).await;
        for _ in 0..12 {
            if let Some(next) = location(&response) {
                let next = absolute(&url, &next);
                if next.starts_with(destination_prefix) {
                    return next;
                }
                response = self.get(&next).await;
                url = next;
                continue;
            }
            let page = response.text().await.unwrap();
            response = match pages {
                Pages::Forms(fields) => self.submit_first_form(&url, &page, fields).await,
                Pages::Contract(_) if page.contains("name=\"password\"") => {
                    self.log_in(&url, &page).await
                }
                Pages::Contract(at_consent) if page.contains("name=\"decision\"") => {
                    self.answer_consent(&url, &page, at_consent).await
                }
                Pages::Contract(_) => {
                    panic!("at {url}: neither a redirect, a login nor a consent page:\n{page}")
                }
            };
        }
        panic!("more than 12 hops from {start}");
    }

    async fn submit_first_form(
        &self,
        page_url: &str,
        page: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let form = page
            .split("<form")
            .nth(1)
            .unwrap_or_else(|| panic!("at {page_url}: neither a redirect nor a form:\n{page}"));
        let action = attribute(form, "action")
            .unwrap_or_else(|| panic!("at {page_url}: a form without an action:\n{page}"));
        let form = &form[..form.find("</form>").unwrap_or(form.len())];
        let mut values: Vec<(String, String)> = form
            .split("<input")
            .skip(1)
            .filter(|input| attribute(input, "type").as_deref() == Some("hidden"))
            .filter_map(|input| Some((attribute(input, "name")?, attribute(input, "value")?)))
            .collect();
        values.extend(
            fields
                .iter()
                .filter(|(name, _)| page.contains(&format!("name=\"{name}\"")))
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
        );
        let target = absolute(page_url, &action);
        self.http
            .post(&target)
            .form(&values)
            .send()
            .await
            .unwrap_or_else(|err| panic!("POST {target}: {err}"))
    }

    async fn log_in(&self, page_url: &str, page: &str) -> Response {
        let mut form = vec![
            ("username", self.username.clone()),
            ("password", self.password.clone()),
        ];
        form.extend(hidden_fields(
            page,
            &["csrf_token", "request", "next", "user_code"],
        ));
        let response = self.post_form(&absolute(page_url, "/login"), &form).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "a login answers 303"
        );
        response
    }

    async fn answer_consent(
        &self,
        page_url: &str,
        page: &str,
        at_consent: AtConsent<'_>,
    ) -> Response {
        let response = self
            .post_consent(&absolute(page_url, "/consent"), page, at_consent)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "a consent answer is 303"
        );
        response
    }

    /// Answers the consent `page` with `at_consent`, posting to `target`.
    async fn post_consent(&self, target: &str, page: &str, at_consent: AtConsent<'_>) -> Response {
        let mut form = hidden_fields(page, &["csrf_token", "request"]);
        match at_consent {
            AtConsent::Approve(scopes) => {
                form.push(("decision", "approve".to_owned()));
                form.extend(scopes.split(' ').map(|scope| ("scope", scope.to_owned())));
            }
            AtConsent::Deny => form.push(("decision", "deny".to_owned())),
        }
        self.post_form(target, &form).await
    }

    /// RFC 8628 §3.3: the person opens `verification_uri` (or
    /// `verification_uri_complete`), signs in, types `user_code` in the
    /// form at `/device` and answers its consent screen with `at_consent`.
    /// Returns the last page, which sends them back to their device.
    pub async fn approve_device(
        &self,
        verification_uri: &str,
        user_code: &str,
        at_consent: AtConsent<'_>,
    ) -> String {
        let mut url = verification_uri.to_owned();
        let mut response = self.get(&url).await;
        let code_form = loop {
            if let Some(next) = location(&response) {
                url = absolute(&url, &next);
                response = self.get(&url).await;
                continue;
            }
            let page = response.text().await.unwrap();
            if !page.contains("name=\"password\"") {
                break page;
            }
            response = self.log_in(&url, &page).await;
        };
        assert!(code_form.contains("name=\"user_code\""), "{code_form}");
        let mut form = hidden_fields(&code_form, &["csrf_token"]);
        form.push(("user_code", user_code.to_owned()));
        let consent = self.post_form(&absolute(&url, "/device"), &form).await;
        let consent = consent.text().await.unwrap();
        assert!(consent.contains("name=\"decision\""), "{consent}");
        let target = absolute(&url, "/device/consent");
        let done = self.post_consent(&target, &consent, at_consent).await;
        assert_eq!(done.status(), StatusCode::OK, "POST {target}");
        done.text().await.unwrap()
    }

    /// Starts connecting the client at `client_url` (its `/connect`, or
    /// `/connect?…` given as `connect_path`), answering consent with
    /// `at_consent`; returns the callback URL without visiting it.
    pub async fn walk_to_callback(
        &self,
        client_url: &str,
        connect_path: &str,
        at_consent: AtConsent<'_>,
    ) -> String {
        self.walk_to(
            &format!("{client_url}{connect_path}"),
            &format!("{client_url}/callback"),
            at_consent,
        )
        .await
    }

    /// [`Self::walk_to_callback`], then the client page the callback leads to.
    pub async fn connect(
        &self,
        client_url: &str,
        connect_path: &str,
        at_consent: AtConsent<'_>,
    ) -> String {
        let callback = self
            .walk_to_callback(client_url, connect_path, at_consent)
            .await;
        self.follow_to_page(&callback).await
    }

    /// Signs in at the client at `client_url` (its `/signin`, an OpenID
    /// Connect authentication request), approving `openid profile`; returns
    /// the page the callback leads to.
    pub async fn sign_in(&self, client_url: &str) -> String {
        self.connect(client_url, "/signin", AtConsent::Approve("openid profile"))
            .await
    }

    /// GETs `url` and follows redirects on the same site to the final page.
    pub async fn follow_to_page(&self, url: &str) -> String {
        let mut url = url.to_owned();
        for _ in 0..5 {
            let response = self.get(&url).await;
            match location(&response) {
                Some(next) => url = absolute(&url, &next),
                None => return response.text().await.unwrap(),
            }
        }
        panic!("too many redirects from {url}");
    }

    /// Submits the form at `action` found on the page at `page_url`, with
    /// its CSRF token and the given fields; returns the page the 303 leads to.
    pub async fn submit(&self, page_url: &str, action: &str, fields: &[(&str, &str)]) -> String {
        let page = self.page(page_url).await;
        let mut form = hidden_fields(&page, &["csrf_token"]);
        form.extend(
            fields
                .iter()
                .map(|(name, value)| (*name, (*value).to_owned())),
        );
        let target = absolute(page_url, action);
        let response = self.post_form(&target, &form).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "POST {target} answers 303"
        );
        let next = location(&response).unwrap();
        self.follow_to_page(&absolute(&target, &next)).await
    }

    /// Posts `message` with the "Post to Facebook" form of the client's
    /// home page at `client_url`, and asserts Facebook accepted it.
    /// Returns the page the post leads to.
    pub async fn post_to_facebook(&self, client_url: &str, message: &str) -> String {
        let posted = self
            .submit(&format!("{client_url}/"), "/post", &[("message", message)])
            .await;
        assert!(posted.contains("Posted to Facebook"), "{posted}");
        posted
    }
}

/// How the pages on the way are answered.
#[derive(Clone, Copy)]
enum Pages<'a> {
    /// The contract's login and consent pages.
    Contract(AtConsent<'a>),
    /// Another server's: its first form, with these fields.
    Forms(&'a [(&'a str, &'a str)]),
}

/// The value of `name="…"` in the start of a tag, up to its `>`.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_owned())
}

/// The values of the named hidden inputs present on `page`.
fn hidden_fields<'a>(page: &str, names: &[&'a str]) -> Vec<(&'a str, String)> {
    names
        .iter()
        .filter_map(|name| hidden_input(page, name).map(|value| (*name, value)))
        .collect()
}

/// The verification URI and the user code that `client device` printed in
/// `text` (RFC 8628 §3.3: a line ending in `/device`, a line `XXXX-XXXX`),
/// once both are there.
pub fn shown_device_codes(text: &str) -> Option<(String, String)> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let uri = lines.iter().find(|line| line.ends_with("/device"))?;
    let code = lines
        .iter()
        .find(|line| line.len() == 9 && line.as_bytes()[4] == b'-')?;
    Some(((*uri).to_owned(), (*code).to_owned()))
}

/// `location` resolved against `base`.
pub fn absolute(base: &str, location: &str) -> String {
    url::Url::parse(base)
        .and_then(|base| base.join(location))
        .map(String::from)
        .unwrap_or_else(|err| panic!("{location} against {base}: {err}"))
}

/// A terminal that a program (the watch of `client device`) prints to,
/// readable while the program runs.
#[derive(Clone, Default)]
pub struct Screen(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Screen {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut shown) = self.0.lock() {
            shown.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Screen {
    /// Everything printed so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// The verification URI and the user code, once shown (within 10 s).
    pub async fn codes(&self) -> (String, String) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Some(codes) = shown_device_codes(&self.text()) {
                return codes;
            }
            actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the watch showed no code:\n{}", self.text());
    }
}
