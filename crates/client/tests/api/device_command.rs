//! `client device` as a person runs it: the real binary, against the real
//! authorization server and resource. Its exit code says how it ended
//! (contract: 0 once posted, 1 when denied or expired).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use end_to_end::user_agent::shown_device_codes;
use end_to_end::{AtConsent, Ecosystem, Options, UserAgent};

const BINARY: &str = env!("CARGO_BIN_EXE_client");

/// The running command, and what it printed so far.
struct Watch {
    child: Child,
    shown: Arc<Mutex<Vec<String>>>,
}

/// Starts `client --issuer … --resource-url … device --message MESSAGE`.
fn start(ecosystem: &Ecosystem, message: &str) -> Watch {
    let mut child = Command::new(BINARY)
        .args([
            "--issuer",
            &ecosystem.authorization_server.url,
            "--resource-url",
            &ecosystem.resource_url,
            "device",
            "--message",
            message,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let shown = Arc::new(Mutex::new(Vec::new()));
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let writer = shown.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            writer.lock().unwrap().push(line);
        }
    });
    Watch { child, shown }
}

impl Watch {
    /// The verification URI and the user code, once printed.
    async fn codes(&self) -> (String, String) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let shown = self.shown.lock().unwrap().join("\n");
            if let Some(codes) = shown_device_codes(&shown) {
                return codes;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no code printed: {:?}", self.shown.lock().unwrap());
    }

    /// The exit code, stdout and stderr once it ends.
    async fn finish(mut self) -> (Option<i32>, String, String) {
        let deadline = Instant::now() + Duration::from_secs(40);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "client device did not end");
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut stderr).unwrap();
        // Let the reader thread take the last lines.
        actix_rt::time::sleep(Duration::from_millis(100)).await;
        let stdout = self.shown.lock().unwrap().join("\n");
        (status.code(), stdout, stderr)
    }
}

#[actix_rt::test]
async fn the_device_command_exits_0_once_the_approved_watch_has_posted() {
    for options in Options::every_backend().await {
        let ecosystem = Ecosystem::start(options).await;
        let watch = start(&ecosystem, "Intervals, 8 x 400 m");
        let (uri, code) = watch.codes().await;

        UserAgent::new("alice", "alice-password")
            .approve_device(&uri, &code, AtConsent::Approve("post"))
            .await;
        let (exit, stdout, stderr) = watch.finish().await;

        assert_eq!(exit, Some(0), "{stdout}\n{stderr}");
        assert!(stdout.contains("Intervals, 8 x 400 m"), "{stdout}");
        assert!(stderr.contains("Waiting for approval"), "{stderr}");
    }
}

#[actix_rt::test]
async fn the_device_command_exits_1_with_one_line_when_the_person_denies() {
    for options in Options::every_backend().await {
        let ecosystem = Ecosystem::start(options).await;
        let watch = start(&ecosystem, "denied");
        let (uri, code) = watch.codes().await;

        UserAgent::new("alice", "alice-password")
            .approve_device(&uri, &code, AtConsent::Deny)
            .await;
        let (exit, stdout, stderr) = watch.finish().await;

        assert_eq!(exit, Some(1), "{stdout}\n{stderr}");
        let last = stderr.lines().last().unwrap_or_default();
        assert_eq!(
            last, "error: access denied: the request was declined at the verification page",
            "{stderr}"
        );
    }
}
