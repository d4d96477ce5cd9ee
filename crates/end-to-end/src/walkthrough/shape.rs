//! What must not change without recording the story again.

use super::{Body, Exchange};

/// An exchange without its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    pub from: String,
    pub to: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub query: Vec<String>,
    pub request_fields: Vec<String>,
    pub response_fields: Vec<String>,
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} → {}: {} {} ({}) → {} ({})",
            self.from,
            self.to,
            self.method,
            self.path,
            self.query.join(", "),
            self.status,
            self.response_fields.join(", ")
        )?;
        if !self.request_fields.is_empty() {
            write!(f, " [sent: {}]", self.request_fields.join(", "))?;
        }
        Ok(())
    }
}

pub fn shape(exchange: &Exchange) -> Shape {
    Shape {
        from: exchange.from.clone(),
        to: exchange.to.clone(),
        method: exchange.method.clone(),
        path: exchange.path.clone(),
        status: exchange.status,
        query: exchange
            .query
            .iter()
            .map(|(name, _)| name.clone())
            .collect(),
        request_fields: field_names(&exchange.request_body),
        response_fields: field_names(&exchange.response_body),
    }
}

fn field_names(body: &Body) -> Vec<String> {
    match body {
        Body::Empty | Body::Text { .. } => Vec::new(),
        Body::Form { fields } => fields.iter().map(|(name, _)| name.clone()).collect(),
        Body::Html { fields, .. } => fields.clone(),
        Body::Json { value } => {
            let mut names = Vec::new();
            json_names("", value, &mut names);
            names
        }
    }
}

fn json_names(prefix: &str, value: &serde_json::Value, names: &mut Vec<String>) {
    if let serde_json::Value::Object(map) = value {
        for (name, field) in map {
            let path = format!("{prefix}{name}");
            json_names(&format!("{path}."), field, names);
            names.push(path);
        }
    }
}

/// `None` when both recordings have the same shape, else what differs first.
pub fn shape_difference(committed: &[Exchange], fresh: &[Exchange]) -> Option<String> {
    for (index, (old, new)) in committed.iter().zip(fresh).enumerate() {
        let (old, new) = (shape(old), shape(new));
        if old != new {
            return Some(format!(
                "exchange {} differs:\n  committed: {old}\n  now:       {new}",
                index + 1
            ));
        }
    }
    (committed.len() != fresh.len()).then(|| {
        format!(
            "the committed recording has {} exchanges, the story now makes {}",
            committed.len(),
            fresh.len()
        )
    })
}
