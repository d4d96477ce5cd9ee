//! The HTML pages (askama templates in `templates/protected-resource/`),
//! one struct per page.

use askama::Template;

use crate::store::posts::WallPost;

/// `GET /`: recent posts of everyone.
#[derive(Template)]
#[template(path = "wall.html")]
pub struct WallPage {
    pub entries: Vec<WallEntry>,
}

/// One post as the wall shows it.
pub struct WallEntry {
    pub author: String,
    pub client_id: String,
    pub message: String,
    pub age: String,
}

impl WallEntry {
    pub fn new(post: WallPost, now: i64) -> Self {
        Self {
            author: post.username.unwrap_or(post.post.author),
            client_id: post
                .post
                .client_id
                .unwrap_or_else(|| "an unnamed client".to_owned()),
            message: post.post.message,
            age: age(now - post.post.created_at),
        }
    }
}

/// "just now", "5 min ago", "3 h ago", "2 days ago".
fn age(seconds: i64) -> String {
    match seconds {
        ..=59 => "just now".to_owned(),
        60..=3_599 => format!("{} min ago", seconds / 60),
        3_600..=86_399 => format!("{} h ago", seconds / 3_600),
        _ => format!("{} days ago", seconds / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_a_person_would_say_them() {
        assert_eq!(age(5), "just now");
        assert_eq!(age(300), "5 min ago");
        assert_eq!(age(7_200), "2 h ago");
        assert_eq!(age(3 * 86_400), "3 days ago");
    }
}
