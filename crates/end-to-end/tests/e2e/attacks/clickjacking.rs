//! Rule 13: no page of the three roles can be framed.

use authorization_server::testing::{hidden_input, location};
use end_to_end::user_agent::absolute;
use end_to_end::{Ecosystem, Options, UserAgent};
use reqwest::{Response, StatusCode};

/// Asserts `response` is an HTML page that forbids every framing.
async fn assert_unframeable(what: &str, response: Response) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let content_type = header("content-type");
    let frame_options = header("x-frame-options");
    let csp = header("content-security-policy");
    assert!(
        content_type.starts_with("text/html"),
        "{what}: {content_type}"
    );
    assert!(
        frame_options.eq_ignore_ascii_case("deny"),
        "{what}: X-Frame-Options {frame_options:?}"
    );
    assert!(
        csp.split(';')
            .any(|directive| directive.trim() == "frame-ancestors 'none'"),
        "{what}: CSP {csp:?}"
    );
    let status = response.status();
    let page = response.text().await.unwrap();
    assert!(
        page.contains("<html") || page.contains("<!DOCTYPE"),
        "{what} ({status}): {page}"
    );
}

/// GETs `url` with `agent`, following redirects, until a page.
async fn page_at(agent: &UserAgent, url: &str) -> (String, Response) {
    let mut url = url.to_owned();
    for _ in 0..8 {
        let response = agent.get(&url).await;
        match location(&response) {
            Some(next) => url = absolute(&url, &next),
            None => return (url, response),
        }
    }
    panic!("too many redirects to {url}");
}

#[actix_rt::test]
async fn no_html_page_of_the_three_roles_can_be_framed() {
    let ecosystem = Ecosystem::start(Options::sqlite()).await;
    let authorization_server = ecosystem.authorization_server.url.clone();
    let client = ecosystem.client_url.clone();
    let resource = ecosystem.resource_url.clone();
    let hamza = UserAgent::new("hamza", "hamza-password");

    // The client's pages, and its error page for a forged callback.
    for path in ["/", "/behind-the-scenes", "/callback?state=forged&code=x"] {
        let response = hamza.get(&format!("{client}{path}")).await;
        assert_unframeable(&format!("client {path}"), response).await;
    }
    // The resource's wall.
    let wall = hamza.get(&format!("{resource}/")).await;
    assert_unframeable("resource /", wall).await;
    // The authorization server's error page (unknown client: no redirect).
    let error = hamza
        .get(&format!(
            "{authorization_server}/authorize?client_id=nobody&response_type=code"
        ))
        .await;
    assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    assert_unframeable("authorization server error page", error).await;

    // Its login page, reached the way a person reaches it: from the client.
    let (login_url, login) = page_at(&hamza, &format!("{client}/connect")).await;
    assert!(
        login_url.starts_with(&format!("{authorization_server}/login")),
        "{login_url}"
    );
    assert_unframeable("authorization server /login", login).await;
    let page = hamza.page(&login_url).await;
    let mut form = vec![
        ("username", "hamza".to_owned()),
        ("password", "hamza-password".to_owned()),
    ];
    for name in ["csrf_token", "request"] {
        if let Some(value) = hidden_input(&page, name) {
            form.push((name, value));
        }
    }
    let signed_in = hamza
        .post_form(&format!("{authorization_server}/login"), &form)
        .await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let next = absolute(&login_url, &location(&signed_in).unwrap());

    // Its consent page, then its account and home pages once signed in.
    let (consent_url, consent) = page_at(&hamza, &next).await;
    assert!(consent_url.contains("/consent"), "{consent_url}");
    assert_unframeable("authorization server /consent", consent).await;
    for path in ["/account", "/"] {
        let (_, response) = page_at(&hamza, &format!("{authorization_server}{path}")).await;
        assert_unframeable(&format!("authorization server {path}"), response).await;
    }
}

// ---------------------------------------------------------------------
