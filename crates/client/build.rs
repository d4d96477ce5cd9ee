//! Embeds this role's migrations: one file where SQLite and Postgres agree,
//! one per backend where they differ (service-kit's `migration_sets`, a
//! plain-`std` file shared by every role's build script). Cargo runs this
//! again when a migration changes.

#[path = "../service-kit/src/database/migration_sets.rs"]
mod migration_sets;

fn main() -> Result<(), String> {
    migration_sets::build_script("client")
}
