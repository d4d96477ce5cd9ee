//! Postgres restarted under the roles. Under load at the resource, requests
//! fail cleanly (`503 temporarily_unavailable`, never a 500, within the
//! pool's timeouts, never a hang or a panic), `/healthz` says 503 with
//! `Retry-After`, then everything succeeds again on its own, and nothing
//! committed is lost. With all three roles on it, each answers 503 with
//! `Retry-After` while it is down and recovers by itself.
//!
//! The test starts a private Postgres cluster of its own (Debian's binaries
//! under `/usr/lib/postgresql/*/bin`; as root they run as the `postgres`
//! user, since `initdb` refuses root) and kills it with
//! `pg_ctl stop -m immediate`, as a crash would. It runs when
//! `TEST_POSTGRES_URL` is set (the same rule as `service_kit::testing`) and
//! the binaries are there; in CI (`CI` set) it must run: a missing variable
//! or missing binaries fail it.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use end_to_end::{AtConsent, Ecosystem, Options};
use service_kit::testing::outage::assert_retry_after;

use super::authorization_server_faults::FakeIntrospection;
use super::{
    assert_all_created, assert_every_created_post_stored_once, load_client, post_load,
    post_message, start_resource, stored_posts, tally,
};

/// A Postgres cluster in a temp directory, on a free loopback port.
struct PrivateCluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    /// Running as root: the server runs as the `postgres` user.
    as_postgres: bool,
}

impl PrivateCluster {
    /// initdb and start, or why not.
    fn start() -> Result<Self, String> {
        let bin = postgres_binaries().ok_or("no Postgres binaries under /usr/lib/postgresql")?;
        let as_postgres = running_as_root();
        let data = std::env::temp_dir().join(format!("pg-resilience-{}", uuid::Uuid::new_v4()));
        let port = service_kit::testing::free_port();
        let cluster = Self {
            bin,
            data,
            port,
            as_postgres,
        };
        let data = cluster.data.display().to_string();
        cluster.run("mkdir", &["-p", &data], false)?;
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            true,
        )?;
        cluster.pg_ctl_start()?;
        Ok(cluster)
    }

    fn url(&self) -> String {
        self.database_url("postgres")
    }

    fn database_url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs `program` (a Postgres binary when `postgres_binary`), as the
    /// `postgres` user when we are root.
    fn run(&self, program: &str, args: &[&str], postgres_binary: bool) -> Result<(), String> {
        let program = if postgres_binary {
            self.bin.join(program).display().to_string()
        } else {
            program.to_owned()
        };
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--", &program]);
            command
        } else {
            Command::new(&program)
        };
        let output = command
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|err| format!("{program}: {err}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} {args:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    fn pg_ctl_start(&self) -> Result<(), String> {
        let data = self.data.display().to_string();
        let log = self.data.join("server.log").display().to_string();
        let options = format!(
            "-p {} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50",
            self.port
        );
        self.run(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-o", &options, "-w", "-t", "30", "start",
            ],
            true,
        )
    }

    /// As a crash would: every backend killed, no checkpoint.
    fn pg_ctl_kill(&self) -> Result<(), String> {
        let data = self.data.display().to_string();
        self.run(
            "pg_ctl",
            &["-D", &data, "-m", "immediate", "-w", "stop"],
            true,
        )
    }

    /// Crashes the cluster ([`Self::pg_ctl_kill`]) without stalling the
    /// async runtime, since `pg_ctl` blocks, and hands the cluster back.
    async fn crash(self) -> Self {
        self.off_the_runtime(Self::pg_ctl_kill).await
    }

    /// Starts the crashed cluster again, off the async runtime too.
    async fn restart(self) -> Self {
        self.off_the_runtime(Self::pg_ctl_start).await
    }

    async fn off_the_runtime(self, step: fn(&Self) -> Result<(), String>) -> Self {
        actix_rt::task::spawn_blocking(move || {
            step(&self).unwrap();
            self
        })
        .await
        .unwrap()
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl_kill();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// The newest `/usr/lib/postgresql/VERSION/bin` with `pg_ctl` in it.
fn postgres_binaries() -> Option<PathBuf> {
    std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("pg_ctl").exists().then_some((version, bin))
        })
        .max_by_key(|(version, _)| *version)
        .map(|(_, bin)| bin)
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

/// The cluster, or `None` (with a note) when Postgres tests are off.
fn private_cluster() -> Option<PrivateCluster> {
    if std::env::var_os(service_kit::testing::TEST_POSTGRES_URL).is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but TEST_POSTGRES_URL is not: the Postgres restart test would not run"
        );
        eprintln!("note: TEST_POSTGRES_URL is not set; the Postgres restart test did not run");
        return None;
    }
    if postgres_binaries().is_none() && std::env::var_os("CI").is_none() {
        eprintln!(
            "note: no Postgres binaries under /usr/lib/postgresql; the Postgres restart test did not run"
        );
        return None;
    }
    Some(
        PrivateCluster::start().unwrap_or_else(|why| {
            panic!("the Postgres restart test needs a private cluster: {why}")
        }),
    )
}

/// Polls `/healthz` until it answers `status`, for at most `within`.
async fn wait_for_health(http: &reqwest::Client, url: &str, status: u16, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let answer = http.get(format!("{url}/healthz")).send().await;
        if answer.is_ok_and(|answer| answer.status().as_u16() == status) {
            return true;
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[actix_rt::test]
async fn the_resource_rides_out_a_postgres_restart_under_load_and_loses_nothing_committed() {
    let Some(cluster) = private_cluster() else {
        return;
    };
    let database_url = cluster.url();
    let introspection = FakeIntrospection::start();
    let (resource_url, _resource) = start_resource(&introspection.url(), &database_url, 2000).await;
    // Longer than any wait the resource may impose (the pool's 5 s acquire
    // timeout): a request without an answer by then is a hang.
    let http = load_client(Duration::from_secs(15));
    let load = |seconds: u64| {
        post_load(
            http.clone(),
            resource_url.clone(),
            30,
            Duration::from_secs(seconds),
        )
    };

    // Load for 11 s; a second in, Postgres dies; it is down for 6 s, longer
    // than the pool waits for a connection (5 s), so requests do fail.
    let during = actix_rt::spawn(load(11));
    actix_rt::time::sleep(Duration::from_secs(1)).await;
    let killed_at = Instant::now();
    let cluster = cluster.crash().await;
    assert!(
        wait_for_health(&http, &resource_url, 503, Duration::from_secs(5)).await,
        "the resource notices the database is gone"
    );
    let health = http
        .get(format!("{resource_url}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 503);
    assert_retry_after(&health);
    let down_until = killed_at + Duration::from_secs(6);
    actix_rt::time::sleep(down_until.saturating_duration_since(Instant::now())).await;
    let cluster = cluster.restart().await;
    assert!(
        wait_for_health(&http, &resource_url, 200, Duration::from_secs(10)).await,
        "the resource is healthy again on its own"
    );
    let during = during.await.unwrap();

    // Every request got an answer; failures were 503, never a 500.
    let counts = tally(&during);
    eprintln!("statuses while Postgres restarted: {counts:?}");
    assert!(
        counts
            .keys()
            .all(|status| matches!(status, Some(201 | 503))),
        "{counts:?}: {:?}",
        during.iter().find(|o| !matches!(o.status, Some(201 | 503)))
    );
    assert!(
        counts.keys().any(|status| *status != Some(201)),
        "the outage made requests fail: {counts:?}"
    );
    assert!(counts.contains_key(&Some(201)), "{counts:?}");
    for failure in during.iter().filter(|o| o.status != Some(201)) {
        let body: serde_json::Value = serde_json::from_str(&failure.body).unwrap();
        assert!(
            body["error"].as_str() == Some("temporarily_unavailable"),
            "{body}"
        );
        let description = body["error_description"].as_str().unwrap_or_default();
        for leak in [
            "sqlx",
            "pool",
            "postgres",
            "connection",
            "refused",
            "database",
        ] {
            assert!(
                !description.to_lowercase().contains(leak),
                "a generic message: {description}"
            );
        }
    }

    // Afterwards, with nobody restarting the resource, everything works.
    let after = load(1).await;
    assert_all_created("after", &after);

    // Nothing committed was lost.
    let stored = stored_posts(&database_url).await;
    let mut all = during;
    all.extend(after);
    assert_every_created_post_stored_once(&all, &stored);
    drop(cluster);
}

/// Contract "Under hostile load": every role, each on its own database of
/// one real Postgres that is killed and started again. While it is down,
/// each role's `/healthz`, pages and API answer `503` with `Retry-After`
/// (never a 500); once it is back, each recovers on its own and a signed-in
/// person carries on where they were.
#[actix_rt::test]
async fn every_role_answers_503_while_postgres_is_down_and_recovers_on_its_own() {
    let Some(cluster) = private_cluster() else {
        return;
    };
    let databases = ["authorization_server", "protected_resource", "client"].map(|name| {
        cluster
            .run(
                "createdb",
                &[
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &cluster.port.to_string(),
                    "-U",
                    "postgres",
                    name,
                ],
                true,
            )
            .unwrap();
        cluster.database_url(name)
    });
    let ecosystem = Ecosystem::start(Options::on(databases)).await;
    let client = ecosystem.client_url.clone();
    let server = ecosystem.authorization_server.url.clone();
    let hamza = ecosystem.user_agent("hamza", "hamza-password");
    let connected = hamza
        .connect(&client, "/connect", AtConsent::Approve("profile post"))
        .await;
    assert!(connected.contains("Facebook is connected"), "{connected}");
    let roles = [
        server.clone(),
        ecosystem.resource_url.clone(),
        client.clone(),
    ];
    let http = load_client(Duration::from_secs(15));

    let cluster = cluster.crash().await;

    for role in &roles {
        assert!(
            wait_for_health(&http, role, 503, Duration::from_secs(10)).await,
            "{role} notices the database is gone"
        );
    }
    let answers = [
        http.get(format!("{server}/login")).send().await.unwrap(),
        http.post(format!("{server}/token"))
            .basic_auth(
                end_to_end::ecosystem::CLIENT_ID,
                Some(end_to_end::ecosystem::CLIENT_SECRET),
            )
            .form(&[("grant_type", "refresh_token"), ("refresh_token", "any")])
            .send()
            .await
            .unwrap(),
        http.post(format!("{server}/introspect"))
            .basic_auth("protected-resource-1", Some("protected-resource-secret-1"))
            .form(&[("token", "any")])
            .send()
            .await
            .unwrap(),
        hamza.get(&format!("{client}/")).await,
    ];
    for answer in answers {
        let url = answer.url().to_string();
        assert_eq!(answer.status().as_u16(), 503, "{url}");
        assert!(answer.headers().contains_key("retry-after"), "{url}");
    }
    let api = post_message(&http, &ecosystem.resource_url, "any-token", "while down")
        .await
        .unwrap();
    assert_eq!(api.status().as_u16(), 503, "the resource serves nothing");

    let cluster = cluster.restart().await;
    for role in &roles {
        assert!(
            wait_for_health(&http, role, 200, Duration::from_secs(15)).await,
            "{role} is healthy again on its own"
        );
    }
    hamza.post_to_facebook(&client, "after the outage").await;
    drop(cluster);
}
