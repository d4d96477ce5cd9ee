//! The admin subcommands: users and clients are added and listed through
//! the binary, never by editing the database by hand.
//!
//! ```text
//! authorization-server user add --username bob        # password on stdin
//! authorization-server user list
//! authorization-server client add --client-id app --kind confidential \
//!     --redirect-uri https://app.example/callback --scope "profile post" \
//!     --grant authorization_code --grant refresh_token \
//!     --default-resource https://api.example            # prints the secret once
//! authorization-server client add --client-id api --kind protected-resource \
//!     --resource-id https://api.example
//! authorization-server client add --client-id signer --kind confidential \
//!     --grant client_credentials --auth-method private_key_jwt \
//!     --jwks signer.jwks.json                           # no secret: RFC 7523 keys
//! authorization-server client list
//! authorization-server key generate-encryption-key --file as.kek
//! authorization-server --key-encryption-key-file as.kek key rotate   # see crate::jwt
//! authorization-server key list
//! authorization-server --key-encryption-key-file as.kek \
//!     key rewrap --new-key-encryption-key-file new.kek
//! ```
//!
//! `key rotate` reads `--access-token-ttl` (or `AS_ACCESS_TOKEN_TTL`): give
//! it the servers' value, so the old key is published long enough.

use std::io::BufRead;
use std::process::ExitCode;

use oauth_types::client_assertion::ClientJwkSet;
use oauth_types::secret::ClientSecret;
use oauth_types::{GrantType, ScopeSet, TokenEndpointAuthMethod};
use service_kit::Database;

use crate::config::{AdminCommand, ClientCommand, Config, KeyCommand, UserCommand};
use crate::jwt::key_encryption::KeyEncryptionKey;
use crate::jwt::{self, KeyState};
use crate::passwords;
use crate::redirect_uris;
use crate::store::clients::{self, ClientKind, NewClient};
use crate::store::{registrations, signing_keys, users};

/// Why an admin command failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Startup(#[from] service_kit::DatabaseError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Key(#[from] jwt::KeyError),
}

/// Runs one admin command; exit 0 on success, 2 for a usage mistake, 1 otherwise.
pub async fn run(command: AdminCommand, config: &Config) -> ExitCode {
    match execute(command, config).await {
        Ok(output) => {
            service_kit::cli::print(&output);
            ExitCode::SUCCESS
        }
        Err(AdminError::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(AdminError::Key(
            error @ (jwt::KeyError::KeyEncryptionKeyFile(_)
            | jwt::KeyError::NoKeyEncryptionKey
            | jwt::KeyError::WrongKeyEncryptionKey(_)),
        )) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one admin command and returns what it prints (tests call it
/// in-process to run it at their server's clock).
pub async fn execute(command: AdminCommand, config: &Config) -> Result<String, AdminError> {
    let (database_url, action) = match command {
        AdminCommand::User(UserCommand::Add {
            username,
            name,
            email,
            email_verified,
            database,
            ..
        }) => {
            let claims = users::UserClaims {
                name,
                email,
                email_verified,
            };
            (database.database_url, Action::AddUser(username, claims))
        }
        AdminCommand::User(UserCommand::List(database)) => {
            (database.database_url, Action::ListUsers)
        }
        AdminCommand::Client(ClientCommand::Add {
            client_id,
            kind,
            redirect_uris,
            scope,
            grants,
            resource_id,
            default_resource,
            post_logout_redirect_uris,
            id_token_alg,
            dpop_bound,
            auth_method,
            jwks,
            require_par,
            database,
        }) => {
            let (auth_method, jwks) = client_authentication(kind, auth_method, jwks.as_deref())?;
            for uri in &post_logout_redirect_uris {
                redirect_uris::check(uri).map_err(|error| AdminError::Usage(error.to_string()))?;
            }
            let mut client = new_client(
                client_id,
                kind,
                redirect_uris,
                &scope,
                grants,
                resource_id,
                default_resource,
            )?;
            // A `private_key_jwt` client proves itself with its key: no secret.
            client.secret = client.secret.filter(|_| auth_method.uses_secret());
            let settings = ClientSettings {
                post_logout_redirect_uris,
                id_token_alg,
                dpop_bound,
                auth_method,
                jwks,
                require_par,
            };
            (database.database_url, Action::AddClient(client, settings))
        }
        AdminCommand::Client(ClientCommand::List(database)) => {
            (database.database_url, Action::ListClients)
        }
        AdminCommand::Key(KeyCommand::Rotate(database)) => {
            (database.database_url, Action::RotateKey)
        }
        AdminCommand::Key(KeyCommand::List(database)) => (database.database_url, Action::ListKeys),
        AdminCommand::Key(KeyCommand::Rewrap {
            new_key_encryption_key_file,
            database,
        }) => (
            database.database_url,
            Action::RewrapKeys(new_key_encryption_key_file),
        ),
        AdminCommand::RegistrationToken {
            expires_in,
            database,
        } => (
            database.database_url,
            Action::IssueRegistrationToken(expires_in),
        ),
        AdminCommand::Key(KeyCommand::GenerateEncryptionKey { file }) => {
            KeyEncryptionKey::create(&file).map_err(jwt::KeyError::from)?;
            return Ok(format!(
                "new key-encryption key written to {} (mode 0600); keep a copy apart from the database\n",
                file.display()
            ));
        }
    };
    let url = database_url.unwrap_or_else(|| config.serve.database_url.clone());
    let database = Database::connect(&url).await?;
    database.migrate(&crate::MIGRATIONS).await?;
    action.run(&database, config).await
}

/// What `client add` registers beyond the client itself: its OpenID
/// Connect settings, whether its tokens must be DPoP-bound, and how it
/// authenticates.
struct ClientSettings {
    post_logout_redirect_uris: Vec<String>,
    id_token_alg: jwt::SigningAlgorithm,
    dpop_bound: bool,
    auth_method: TokenEndpointAuthMethod,
    jwks: Option<ClientJwkSet>,
    /// RFC 9126 §6: the client must push its authorization requests.
    require_par: bool,
}

enum Action {
    AddUser(String, users::UserClaims),
    ListUsers,
    AddClient(NewClient, ClientSettings),
    ListClients,
    RotateKey,
    ListKeys,
    RewrapKeys(std::path::PathBuf),
    /// A new initial access token valid for so many seconds.
    IssueRegistrationToken(i64),
}

impl Action {
    async fn run(self, database: &Database, config: &Config) -> Result<String, AdminError> {
        let pool = database.pool();
        let now = config.clock.now();
        match self {
            Self::AddUser(username, claims) => {
                let password = read_password()?;
                let hash = passwords::hash(&password)
                    .map_err(|_| AdminError::Usage("cannot hash this password".to_owned()))?;
                if !users::insert(pool, &username, &hash, now).await? {
                    return Err(AdminError::Usage(format!(
                        "user '{username}' already exists"
                    )));
                }
                users::set_claims(pool, &username, &claims, now).await?;
                Ok(format!("added user {username}\n"))
            }
            Self::ListUsers => Ok(users::list_usernames(pool)
                .await?
                .iter()
                .map(|name| format!("{name}\n"))
                .collect()),
            Self::AddClient(client, settings) => {
                if !clients::insert(pool, &client, now).await? {
                    return Err(AdminError::Usage(format!(
                        "client '{}' already exists",
                        client.client_id
                    )));
                }
                clients::set_openid_settings(
                    pool,
                    &client.client_id,
                    &settings.post_logout_redirect_uris,
                    settings.id_token_alg,
                )
                .await?;
                clients::set_dpop_bound(pool, &client.client_id, settings.dpop_bound).await?;
                clients::set_auth_method(
                    pool,
                    &client.client_id,
                    settings.auth_method,
                    settings.jwks.as_ref(),
                )
                .await?;
                clients::set_require_pushed_requests(pool, &client.client_id, settings.require_par)
                    .await?;
                Ok(match &client.secret {
                    Some(secret) => format!(
                        "added client {}\nclient_secret: {secret}\n(shown once; only its hash is stored)\n",
                        client.client_id
                    ),
                    None => format!("added client {}\n", client.client_id),
                })
            }
            Self::ListClients => Ok(clients::list(pool)
                .await?
                .iter()
                .map(|client| {
                    format!(
                        "{}\t{}\tscopes=[{}]\tgrants=[{}]\tredirect_uris=[{}]{}{}{}\n",
                        client.client_id,
                        client.kind.as_str(),
                        client.scopes,
                        clients::grant_list(&client.grant_types),
                        client.redirect_uris.join(" "),
                        client
                            .resource_id
                            .as_deref()
                            .map(|id| format!("\tresource={id}"))
                            .unwrap_or_default(),
                        client
                            .default_resource
                            .as_deref()
                            .map(|id| format!("\tdefault_resource={id}"))
                            .unwrap_or_default(),
                        client_settings(client),
                    )
                })
                .collect()),
            Self::RotateKey => {
                let kek = required_kek(config)?;
                jwt::ensure_key(pool, &kek, config.signing_alg, now).await?;
                let mut report = String::new();
                for algorithm in jwt::algorithms_in_use(pool).await? {
                    let rotation =
                        jwt::rotate(pool, &kek, algorithm, now, config.access_token_ttl).await?;
                    report.push_str(&rotation_report(&rotation, now));
                }
                Ok(report)
            }
            Self::RewrapKeys(new_file) => rewrap_keys(pool, config, &new_file).await,
            Self::IssueRegistrationToken(expires_in) => {
                // RFC 7591 §3: a bearer token for `POST /register`; stored hashed.
                let token = oauth_types::secret::generate_credential();
                let hash = oauth_types::secret::CredentialHash::of(&token);
                registrations::insert_initial_token(pool, &hash, now, now + expires_in).await?;
                Ok(format!("{token}\n"))
            }
            Self::ListKeys => {
                let keys = signing_keys::list(pool).await?;
                let states = jwt::key_states(&keys, now, config.access_token_ttl);
                Ok(keys
                    .iter()
                    .zip(states)
                    .map(|(key, state)| {
                        format!(
                            "{}\t{}\tcreated={}\t{}\n",
                            key.kid,
                            key.algorithm,
                            key.created_at,
                            describe(&state, now)
                        )
                    })
                    .collect())
            }
        }
    }
}

/// A client's settings as `client list` shows them: how it authenticates,
/// how it was registered, its post-logout redirect URIs, its ID token
/// `alg` when not RS256, `dpop_bound` and `require_par` when set.
fn client_settings(client: &clients::Client) -> String {
    let mut shown = format!("\tauth_method={}", client.auth_method);
    // Added here, or at `/register` (RFC 7591) with a registration access token.
    let registered_by = match client.registration_token_hash {
        Some(_) => "dynamic",
        None => "admin",
    };
    shown.push_str(&format!("\tregistered_by={registered_by}"));
    if !client.post_logout_redirect_uris.is_empty() {
        shown.push_str(&format!(
            "\tpost_logout_redirect_uris=[{}]",
            client.post_logout_redirect_uris.join(" ")
        ));
    }
    if client.id_token_alg != jwt::SigningAlgorithm::RS256 {
        shown.push_str(&format!("\tid_token_alg={}", client.id_token_alg.as_str()));
    }
    if client.dpop_bound_access_tokens {
        shown.push_str("\tdpop_bound");
    }
    if client.require_pushed_authorization_requests {
        shown.push_str("\trequire_par");
    }
    shown
}

/// What `key rotate` did for one algorithm.
fn rotation_report(rotation: &jwt::Rotation, now: i64) -> String {
    let algorithm = rotation.algorithm.as_str();
    let mut report = format!(
        "new {algorithm} key {} published now, signs from {} (in {} s)\n",
        rotation.kid,
        rotation.signs_from,
        rotation.signs_from - now,
    );
    if !rotation.retired.is_empty() {
        report.push_str(&format!(
            "previous {algorithm} key(s) {} published until {} (in {} s)\n",
            rotation.retired.join(" "),
            rotation.publish_until,
            rotation.publish_until - now,
        ));
    }
    report
}

/// The key-encryption key that `key rotate` and `key rewrap` need.
fn required_kek(config: &Config) -> Result<KeyEncryptionKey, jwt::KeyError> {
    jwt::key_encryption_key(config)?.ok_or(jwt::KeyError::NoKeyEncryptionKey)
}

/// `key rewrap`: every private key from the current KEK to the one in `new_file`.
async fn rewrap_keys(
    pool: &sqlx::AnyPool,
    config: &Config,
    new_file: &std::path::Path,
) -> Result<String, AdminError> {
    let current = required_kek(config)?;
    let new = KeyEncryptionKey::read(new_file).map_err(|_| {
        AdminError::Usage(format!(
            "--new-key-encryption-key-file {}: expected one line, the base64url encoding of 32 random bytes",
            new_file.display()
        ))
    })?;
    let kids = jwt::rewrap::rewrap(pool, &current, &new).await?;
    Ok(format!(
        "re-encrypted {} signing key(s) under the key in {}: {}\n\
         start the servers with --key-encryption-key-file {}\n",
        kids.len(),
        new_file.display(),
        kids.join(" "),
        new_file.display()
    ))
}

/// A key's state as `key list` prints it.
fn describe(state: &KeyState, now: i64) -> String {
    match state {
        KeyState::Next { signs_from } => {
            format!("next (signs from {signs_from}, in {} s)", signs_from - now)
        }
        KeyState::Signing => "signing".to_owned(),
        KeyState::PublishedUntil(until) => {
            format!("published-until {until} (in {} s)", until - now)
        }
        KeyState::Published => "published (retired by the next rotation)".to_owned(),
        KeyState::Retired => "retired".to_owned(),
    }
}

/// Checks a registration and generates the secret it needs.
fn new_client(
    client_id: String,
    kind: ClientKind,
    redirect_uris: Vec<String>,
    scope: &str,
    grants: Vec<GrantType>,
    resource_id: Option<String>,
    default_resource: Option<String>,
) -> Result<NewClient, AdminError> {
    let usage = |message: &str| AdminError::Usage(message.to_owned());
    if client_id.is_empty() || client_id.contains(char::is_whitespace) {
        return Err(usage("--client-id must be non-empty without spaces"));
    }
    let scopes = ScopeSet::parse(scope).map_err(|error| AdminError::Usage(error.to_string()))?;
    for uri in &redirect_uris {
        redirect_uris::check(uri).map_err(|error| AdminError::Usage(error.to_string()))?;
    }
    if let Some(resource) = &default_resource {
        check_resource_indicator(resource)?;
    }
    match kind {
        ClientKind::ProtectedResource if resource_id.is_none() => {
            return Err(usage("a protected resource needs --resource-id"))
        }
        ClientKind::Public if grants.contains(&GrantType::ClientCredentials) => {
            return Err(usage("a public client cannot use client_credentials"))
        }
        _ => {}
    }
    if grants.contains(&GrantType::AuthorizationCode) && redirect_uris.is_empty() {
        return Err(usage(
            "authorization_code needs at least one --redirect-uri",
        ));
    }
    let secret = match kind {
        ClientKind::Public => None,
        _ => Some(printable_secret(ClientSecret::generate)),
    };
    Ok(NewClient {
        client_id,
        kind,
        secret,
        redirect_uris,
        scopes,
        grant_types: grants,
        resource_id,
        default_resource,
    })
}

/// `--auth-method` and `--jwks`: the method (the kind's by default) and,
/// for `private_key_jwt`, the client's public keys. Combinations that
/// cannot work are refused.
fn client_authentication(
    kind: ClientKind,
    method: Option<TokenEndpointAuthMethod>,
    jwks: Option<&std::path::Path>,
) -> Result<(TokenEndpointAuthMethod, Option<ClientJwkSet>), AdminError> {
    let usage = |message: &str| Err(AdminError::Usage(message.to_owned()));
    let method = method.unwrap_or_else(|| kind.default_auth_method());
    match (kind, method) {
        (ClientKind::Public, TokenEndpointAuthMethod::None) => {}
        (ClientKind::Public, _) => {
            return usage(
                "a public client has no credentials: its --auth-method is none (it uses PKCE)",
            )
        }
        (_, TokenEndpointAuthMethod::None) => {
            return usage("--auth-method none is for public clients; this kind must authenticate")
        }
        _ => {}
    }
    let Some(path) = jwks else {
        if method == TokenEndpointAuthMethod::PrivateKeyJwt {
            return usage(
                "--auth-method private_key_jwt needs --jwks FILE (the client's public keys)",
            );
        }
        return Ok((method, None));
    };
    if method != TokenEndpointAuthMethod::PrivateKeyJwt {
        return usage("--jwks is for --auth-method private_key_jwt");
    }
    let text = std::fs::read_to_string(path).map_err(|error| {
        AdminError::Usage(format!(
            "--jwks {}: cannot read it: {error}",
            path.display()
        ))
    })?;
    let keys = ClientJwkSet::parse(&text)
        .map_err(|error| AdminError::Usage(format!("--jwks {}: {error}", path.display())))?;
    Ok((method, Some(keys)))
}

/// RFC 8707 §2: a resource indicator is an absolute URI without a fragment.
fn check_resource_indicator(resource: &str) -> Result<(), AdminError> {
    let valid = url::Url::parse(resource).is_ok_and(|parsed| parsed.fragment().is_none())
        && !resource
            .chars()
            .any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(())
    } else {
        Err(AdminError::Usage(format!(
            "--default-resource '{resource}' must be one absolute URL without a fragment (RFC 8707 §2)"
        )))
    }
}

fn read_password() -> Result<String, AdminError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|_| AdminError::Usage("cannot read the password from stdin".to_owned()))?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        return Err(AdminError::Usage(
            "give the password on stdin, e.g. `printf 'pw\\n' | authorization-server user add --username X`"
                .to_owned(),
        ));
    }
    Ok(password)
}

/// A new client secret that can follow `--client-secret` on a command line:
/// base64url may start with `-`, which would read as a flag, so such a
/// draw is made again (our policy; 1 in 64 draws, the rest keep 256 bits).
pub(crate) fn printable_secret(mut generate: impl FnMut() -> ClientSecret) -> String {
    loop {
        let secret = generate();
        if !secret.secret().starts_with('-') {
            return secret.secret().to_owned();
        }
    }
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    #[test]
    fn a_secret_that_would_read_as_a_flag_is_drawn_again() {
        let mut draws = ["-GdZ2f", "-x", "GdZ2f"].into_iter();
        let secret = printable_secret(|| ClientSecret::new(draws.next().unwrap_or_default()));
        assert_eq!(secret, "GdZ2f");
        assert_eq!(draws.next(), None);
    }
}
