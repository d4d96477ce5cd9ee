//! Listening: bind, choose HTTP or HTTPS, serve, stop gracefully.
//!
//! RFC 9700 §2.6 and RFC 6749 §10.9 want TLS wherever credentials travel.
//! Without a certificate a role therefore serves plain HTTP on loopback
//! addresses only; any other address needs `--insecure-http`, which
//! containers set behind their own network.

use std::fmt::Debug;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use actix_service::IntoServiceFactory;
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Response, Server, ServerHandle, Service, ServiceFactory};
use actix_web::{Error, HttpServer};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::database::{Backend, DatabaseError};
use crate::sweeper::{Sweeper, DEFAULT_SWEEP_INTERVAL};

/// The flags every role takes to serve (contract: "Every binary").
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Where to listen, HOST:PORT. Port 0 picks a free port.
    #[arg(long)]
    pub addr: String,

    /// sqlite://PATH (created if missing) or postgres://USER:PASSWORD@HOST/DB.
    #[arg(long)]
    pub database_url: String,

    /// PEM certificate chain: serve HTTPS through rustls (needs --tls-key).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Allow plain HTTP on an address other than loopback.
    #[arg(long)]
    pub insecure_http: bool,

    /// How often expired rows are swept (see [`crate::sweeper`]); not a
    /// flag: tests shorten it.
    #[arg(skip = DEFAULT_SWEEP_INTERVAL)]
    pub sweep_interval: Duration,
}

impl ServeArgs {
    /// Arguments for a test: loopback, a free port, the given database.
    pub fn for_test(database_url: impl Into<String>) -> Self {
        Self {
            addr: "127.0.0.1:0".to_owned(),
            database_url: database_url.into(),
            tls_cert: None,
            tls_key: None,
            insecure_http: false,
            sweep_interval: DEFAULT_SWEEP_INTERVAL,
        }
    }
}

/// Why a role could not start. Configuration mistakes exit with 2.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}

impl StartupError {
    /// 2 for anything the operator wrote wrong, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Config(_) | Self::Database(DatabaseError::UnsupportedUrl) => 2,
            _ => 1,
        }
    }
}

/// A bound socket, with TLS set up when asked for.
pub struct Listener {
    socket: TcpListener,
    local: SocketAddr,
    tls: Option<rustls::ServerConfig>,
}

impl Listener {
    /// Binds `args.addr` after checking the database URL's kind and the
    /// TLS rule above.
    pub fn bind(args: &ServeArgs) -> Result<Self, StartupError> {
        // A database URL of no known kind is an operator's mistake (exit 2),
        // reported before a port is taken, whichever role is starting.
        Backend::of_url(&args.database_url)?;
        let addr = resolve(&args.addr)?;
        let tls = match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => Some(load_tls(cert, key)?),
            _ => None,
        };
        if tls.is_none() && !addr.ip().is_loopback() && !args.insecure_http {
            return Err(StartupError::Config(format!(
                "refusing plain HTTP on {addr}, which is not a loopback address: \
                 give --tls-cert and --tls-key, or --insecure-http"
            )));
        }
        let bind_error = |source| StartupError::Bind {
            addr: args.addr.clone(),
            source,
        };
        let socket = TcpListener::bind(addr).map_err(bind_error)?;
        let local = socket.local_addr().map_err(bind_error)?;
        Ok(Self { socket, local, tls })
    }

    /// `http://HOST:PORT` or `https://HOST:PORT` with the real port.
    pub fn url(&self) -> Result<String, StartupError> {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        Ok(format!("{scheme}://{}", self.local))
    }
}

fn resolve(addr: &str) -> Result<SocketAddr, StartupError> {
    let invalid = || StartupError::Config(format!("--addr '{addr}' is not a HOST:PORT address"));
    addr.to_socket_addrs()
        .map_err(|_| invalid())?
        .next()
        .ok_or_else(invalid)
}

fn load_tls(cert: &Path, key: &Path) -> Result<rustls::ServerConfig, StartupError> {
    let unreadable = |what: &str, path: &Path| {
        StartupError::Config(format!(
            "cannot read the TLS {what} from {}",
            path.display()
        ))
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|_| unreadable("certificate", cert))?;
    if chain.is_empty() {
        return Err(unreadable("certificate", cert));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|_| unreadable("key", key))?;
    rustls::ServerConfig::builder_with_provider(rustls::crypto::ring::default_provider().into())
        .with_safe_default_protocol_versions()
        .and_then(|builder| {
            builder
                .with_no_client_auth()
                .with_single_cert(chain, key_der)
        })
        .map_err(|err| {
            StartupError::Config(format!("the TLS certificate and key do not fit: {err}"))
        })
}

/// A server that is accepting connections.
pub struct RunningServer {
    url: String,
    port: u16,
    server: Server,
    sweeper: Option<Sweeper>,
}

impl RunningServer {
    /// The address it serves, with the real port.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop it (tests).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Runs `sweeper` on its timer for as long as the server serves: it
    /// starts with the server and stops at graceful shutdown.
    pub fn with_sweeper(mut self, sweeper: Sweeper) -> Self {
        self.sweeper = Some(sweeper);
        self
    }

    /// Serves until SIGINT or SIGTERM, then stops accepting, finishes the
    /// requests in flight and returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let _sweeping = self.sweeper.map(Sweeper::start);
        self.server.await
    }

    /// Runs the server in the background of the current runtime (tests);
    /// stopping it through the handle stops its sweeper too.
    pub fn spawn(self) -> (String, ServerHandle) {
        let handle = self.server.handle();
        let (server, sweeper) = (self.server, self.sweeper);
        actix_rt::spawn(async move {
            let _sweeping = sweeper.map(Sweeper::start);
            server.await
        });
        (self.url, handle)
    }
}

/// Seconds a stopping server waits for requests in flight.
const SHUTDOWN_GRACE_SECONDS: u64 = 10;

/// An idle keep-alive connection is closed after this long (actix-web's
/// default, named here because our back channels reuse theirs for less:
/// `back_channel::IDLE_CONNECTION_REUSE`).
pub const KEEP_ALIVE: Duration = Duration::from_secs(5);

/// Serves the app built by `factory` on `listener`.
pub fn serve<F, I, S, B>(listener: Listener, factory: F) -> Result<RunningServer, StartupError>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, actix_http::Request>,
    S: ServiceFactory<actix_http::Request, Config = AppConfig> + 'static,
    S::Error: Into<Error> + 'static,
    S::InitError: Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<actix_http::Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let url = listener.url()?;
    let port = listener.local.port();
    let server = HttpServer::new(factory)
        .shutdown_timeout(SHUTDOWN_GRACE_SECONDS)
        .keep_alive(KEEP_ALIVE);
    let bind_error = |source| StartupError::Bind {
        addr: url.clone(),
        source,
    };
    let server = match listener.tls {
        Some(tls) => server.listen_rustls_0_23(listener.socket, tls),
        None => server.listen(listener.socket),
    }
    .map_err(bind_error)?;
    Ok(RunningServer {
        url,
        port,
        server: server.run(),
        sweeper: None,
    })
}
