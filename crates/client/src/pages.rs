//! The pages, one askama struct each, all extending `base.html`
//! (templates/client/). askama escapes everything it prints.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;

use crate::notice::Notice;
use crate::runs::Run;
use crate::trace::Step;

/// `GET /`: the runner's home.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub notice: Option<Notice>,
    pub connection: Option<ConnectionView>,
    pub runs: Vec<Run>,
    /// Who is signed in; `None` for an anonymous visitor.
    pub signed_in: Option<SignedInView>,
    pub csrf_token: String,
    /// The resource as the browser sees it.
    pub resource_url: String,
    /// What `/connect` asks for.
    pub configured_scope: String,
}

/// What the home page says about the person signed in.
pub struct SignedInView {
    /// Their `name` claim (OpenID Connect Core §5.1).
    pub name: String,
}

/// What the home page says about the connection (never a token).
pub struct ConnectionView {
    pub scope: String,
    pub can_post: bool,
    pub can_message: bool,
}

/// Any page that explains a problem: what happened and what to do.
#[derive(Template)]
#[template(path = "problem.html")]
pub struct ProblemPage {
    pub title: String,
    pub what_happened: String,
    pub what_to_do: String,
    /// A link to the next step: (href, label).
    pub next: Option<(String, String)>,
}

impl ProblemPage {
    pub fn new(
        title: impl Into<String>,
        what_happened: impl Into<String>,
        what_to_do: impl Into<String>,
    ) -> Self {
        Self {
            title: title.into(),
            what_happened: what_happened.into(),
            what_to_do: what_to_do.into(),
            next: Some(("/".to_owned(), "Back to Strava".to_owned())),
        }
    }

    pub fn with_next(mut self, href: impl Into<String>, label: impl Into<String>) -> Self {
        self.next = Some((href.into(), label.into()));
        self
    }
}

/// `GET /behind-the-scenes`.
#[derive(Template)]
#[template(path = "behind_the_scenes.html")]
pub struct BehindTheScenesPage {
    pub steps: Vec<StepView>,
}

/// One step, with its number and its time relative to the first step.
pub struct StepView {
    pub number: usize,
    pub seconds_in: i64,
    pub step: Step,
}

/// Renders a page as `text/html; charset=utf-8` with `status`. A template
/// that fails to render is logged and becomes a plain 500.
pub fn html<T: Template>(status: StatusCode, page: &T) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(body),
        Err(error) => {
            tracing::error!(%error, "a page failed to render");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Something went wrong on our side.\n")
        }
    }
}
