use actix_web::{web, App, HttpResponse};
use service_kit::server::{serve, Listener};
use service_kit::ServeArgs;

fn hello_app() -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new().route(
        "/hello",
        web::get().to(|| async { HttpResponse::Ok().body("hello") }),
    )
}

/// A certificate authority and a `localhost` certificate it signed, as PEM
/// files in a fresh directory.
struct TestPki {
    ca_pem: String,
    cert_path: std::path::PathBuf,
    key_path: std::path::PathBuf,
}

fn make_pki() -> TestPki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap_or_else(|err| panic!("{err}"));
    let mut ca_params =
        CertificateParams::new(Vec::<String>::new()).unwrap_or_else(|err| panic!("{err}"));
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params
        .self_signed(&ca_key)
        .unwrap_or_else(|err| panic!("{err}"));

    let key = KeyPair::generate().unwrap_or_else(|err| panic!("{err}"));
    let params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .unwrap_or_else(|err| panic!("{err}"));
    let cert = params
        .signed_by(&key, &ca, &ca_key)
        .unwrap_or_else(|err| panic!("{err}"));

    let dir = std::env::temp_dir().join(format!("tls-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|err| panic!("{err}"));
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    std::fs::write(&cert_path, cert.pem()).unwrap_or_else(|err| panic!("{err}"));
    std::fs::write(&key_path, key.serialize_pem()).unwrap_or_else(|err| panic!("{err}"));
    TestPki {
        ca_pem: ca.pem(),
        cert_path,
        key_path,
    }
}

#[actix_rt::test]
async fn with_a_certificate_and_key_the_server_speaks_https() {
    let pki = make_pki();
    let mut args = ServeArgs::for_test("sqlite::memory:");
    args.tls_cert = Some(pki.cert_path.clone());
    args.tls_key = Some(pki.key_path.clone());
    let listener = Listener::bind(&args).unwrap_or_else(|err| panic!("{err}"));
    let (url, handle) = serve(listener, hello_app)
        .unwrap_or_else(|err| panic!("{err}"))
        .spawn();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    let ca =
        reqwest::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap_or_else(|err| panic!("{err}"));
    let client = reqwest::Client::builder()
        .add_root_certificate(ca)
        .build()
        .unwrap_or_else(|err| panic!("{err}"));
    let port = url.rsplit(':').next().unwrap_or_default();
    let body = client
        .get(format!("https://localhost:{port}/hello"))
        .send()
        .await
        .unwrap_or_else(|err| panic!("{err}"))
        .text()
        .await
        .unwrap_or_default();
    assert_eq!(body, "hello");

    // A client that does not trust the test CA refuses the connection.
    let untrusting = reqwest::get(format!("https://localhost:{port}/hello")).await;
    assert!(untrusting.is_err());
    handle.stop(true).await;
}

#[actix_rt::test]
async fn plain_http_is_refused_on_a_non_loopback_address_unless_allowed() {
    let mut args = ServeArgs::for_test("sqlite::memory:");
    args.addr = "0.0.0.0:0".to_owned();
    let refused = Listener::bind(&args);
    assert!(
        matches!(&refused, Err(err) if err.exit_code() == 2 && err.to_string().contains("--insecure-http"))
    );
    args.insecure_http = true;
    assert!(Listener::bind(&args).is_ok());
}

#[actix_rt::test]
async fn an_unreadable_certificate_is_a_configuration_error() {
    let mut args = ServeArgs::for_test("sqlite::memory:");
    args.tls_cert = Some("/nonexistent/cert.pem".into());
    args.tls_key = Some("/nonexistent/key.pem".into());
    let refused = Listener::bind(&args);
    assert!(
        matches!(&refused, Err(err) if err.exit_code() == 2 && err.to_string().contains("cert.pem"))
    );
}

#[actix_rt::test]
async fn a_database_url_of_no_known_kind_is_refused_before_any_port_is_taken() {
    let occupied = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut args = ServeArgs::for_test("mysql://localhost/db");
    args.addr = occupied.local_addr().unwrap().to_string();
    let refused = Listener::bind(&args);
    assert!(
        matches!(&refused, Err(err) if err.exit_code() == 2 && err.to_string().contains("database URL")),
        "the URL mistake, not the busy port, is reported"
    );
}
