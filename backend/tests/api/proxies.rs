//! Behind a reverse proxy: whose forwarded headers count, and what PUBLIC_URL changes.

use crate::helpers::{TestApp, WsClient, spawn_app, spawn_app_with};
use serde_json::json;

async fn failed_signin(app: &TestApp, email: &str, forwarded_for: &str) -> u16 {
    app.http
        .post(format!("{}/api/signin", app.address))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": email, "password": "wrong guess"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn forged_forwarded_headers_from_an_untrusted_client_do_not_change_the_rate_limit_key() {
    let app = spawn_app().await;
    let user = app.new_user("Ada").await;
    for i in 0..5 {
        assert_eq!(
            failed_signin(&app, &user.email, &format!("198.51.100.{i}")).await,
            401
        );
    }
    assert_eq!(failed_signin(&app, &user.email, "198.51.100.99").await, 429);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_address_is_the_key() {
    let app = spawn_app_with(&["--trusted-proxies", "127.0.0.1/32,::1"]).await;
    let user = app.new_user("Ada").await;
    for i in 0..8 {
        let status = failed_signin(&app, &user.email, &format!("198.51.100.{i}")).await;
        assert_eq!(status, 401, "each client address has its own budget");
    }
    for _ in 0..5 {
        assert_eq!(failed_signin(&app, &user.email, "203.0.113.5").await, 401);
    }
    assert_eq!(failed_signin(&app, &user.email, "203.0.113.5").await, 429);
    // A client cannot escape by prepending a forged hop: the proxy appends the real one.
    assert_eq!(
        failed_signin(&app, &user.email, "6.6.6.6, 203.0.113.5").await,
        429
    );
}

#[tokio::test]
async fn an_https_public_url_makes_cookies_secure_and_admits_its_origin() {
    let app = spawn_app_with(&["--public-url", "https://duet.example.com/"]).await;
    let res = app.signup("Ada", "ada@example.com", "correct horse").await;
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
    let token = res
        .json::<duet_shared::api::AuthResponse>()
        .await
        .unwrap()
        .token;
    let auth = format!("Bearer {token}");
    let mut ws = WsClient::connect(app.ws_request(&[
        ("authorization", &auth),
        ("origin", "https://duet.example.com"),
    ]))
    .await;
    ws.expect_quiet().await;
    assert_eq!(
        app.ws_refusal(&[
            ("authorization", &auth),
            ("origin", "https://other.example.com")
        ])
        .await,
        403
    );
}
