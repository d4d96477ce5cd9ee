//! DPoP (RFC 9449) for `scripts/bench`: a key and the proof that binds a
//! token to it, and the proofs wrk sends to the resource, one per request.

/// A new DPoP key, written to `file` (PKCS#8, base64url), and its proof
/// for `POST {as_url}/token`.
pub fn token_request_proof(as_url: &str, file: &std::path::Path) -> String {
    use base64::Engine;
    let key = oauth_types::dpop::DpopKey::generate().expect("a DPoP key");
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.pkcs8());
    std::fs::write(file, encoded).expect("the key file");
    let url = url::Url::parse(&format!("{as_url}/token")).expect("the token endpoint");
    key.proof("POST", &url, service_kit::clock::now(), None, None)
        .expect("a proof")
}

/// `count` proofs by the key in `key_file` for `GET url` with `token`.
pub fn proofs(key_file: &std::path::Path, url: &str, token: &str, count: usize) {
    use base64::Engine;
    use std::io::Write;
    let encoded = std::fs::read_to_string(key_file).expect("the key file");
    let pkcs8 = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded.trim())
        .expect("base64url");
    let key = oauth_types::dpop::DpopKey::from_pkcs8(&pkcs8).expect("a P-256 key");
    let url = url::Url::parse(url).expect("a URL");
    let token = oauth_types::secret::AccessToken::new(token);
    let now = service_kit::clock::now();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for _ in 0..count {
        let proof = key
            .proof("GET", &url, now, Some(&token), None)
            .expect("a proof");
        writeln!(out, "{proof}").expect("stdout");
    }
}
