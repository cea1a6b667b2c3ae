//! Sign-up, sign-in, sign-out, profile and tokens.

use crate::helpers::{SECRET, spawn_app, unique};
use duet_shared::api::{ApiError, AuthResponse, User};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use sqlx::Row;
use std::time::{SystemTime, UNIX_EPOCH};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn token(secret: &str, alg: Algorithm, sub: &str, exp: u64) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        &json!({"sub": sub, "name": "Mallory", "iat": now(), "exp": exp}),
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn signup_returns_201_with_token_user_and_an_http_only_cookie() {
    let app = spawn_app().await;
    let res = app.signup("Ada", "Ada@Example.com", "correct horse").await;
    assert_eq!(res.status(), 201);
    let cookie = res
        .headers()
        .get("set-cookie")
        .expect("session cookie")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("duet_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    let body: AuthResponse = res.json().await.unwrap();
    assert_eq!(body.user.name, "Ada");
    assert_eq!(body.user.email, "Ada@Example.com");
    assert!(!body.token.is_empty());

    let profile = app.get("/api/profile", Some(&body.token)).await;
    assert_eq!(profile.status(), 200);
    assert_eq!(profile.json::<User>().await.unwrap(), body.user);
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id_hashes() {
    let app = spawn_app().await;
    let user = app.new_user("Ada").await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(&user.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let hash: String = row.get("password_hash");
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains(&user.password));
}

#[tokio::test]
async fn signup_rejects_invalid_input_naming_the_field() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"email": "a@b.co", "password": "long enough"}),
            "name",
            "missing name",
        ),
        (
            json!({"name": "  ", "email": "a@b.co", "password": "long enough"}),
            "name",
            "blank name",
        ),
        (
            json!({"name": "x".repeat(61), "email": "a@b.co", "password": "long enough"}),
            "name",
            "name too long",
        ),
        (
            json!({"name": "Ada", "password": "long enough"}),
            "email",
            "missing email",
        ),
        (
            json!({"name": "Ada", "email": "not-an-email", "password": "long enough"}),
            "email",
            "bad email",
        ),
        (
            json!({"name": "Ada", "email": "a@b.co"}),
            "password",
            "missing password",
        ),
        (
            json!({"name": "Ada", "email": "a@b.co", "password": "short"}),
            "password",
            "short password",
        ),
        (
            json!({"name": "Ada", "email": "a@b.co", "password": "p".repeat(1025)}),
            "password",
            "huge password",
        ),
    ];
    for (body, field, why) in cases {
        let res = app.post("/api/signup", None, body).await;
        assert_eq!(res.status(), 400, "{why}");
        let err: ApiError = res.json().await.unwrap();
        assert_eq!(err.error.code, "invalid-input", "{why}");
        assert_eq!(err.error.field.as_deref(), Some(field), "{why}");
    }
    let res = app
        .http
        .post(format!("{}/api/signup", app.address))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<ApiError>().await.unwrap().error.code,
        "bad-request"
    );
}

#[tokio::test]
async fn signup_returns_409_when_the_email_is_taken_in_any_case() {
    let app = spawn_app().await;
    let email = format!("{}@example.com", unique("dup"));
    assert_eq!(
        app.signup("Ada", &email, "correct horse").await.status(),
        201
    );
    let res = app
        .signup("Eve", &email.to_uppercase(), "other password")
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(
        res.json::<ApiError>().await.unwrap().error.code,
        "email-taken"
    );
}

#[tokio::test]
async fn signin_accepts_the_right_password_with_the_email_in_any_case() {
    let app = spawn_app().await;
    let user = app.new_user("Ada").await;
    let res = app
        .post(
            "/api/signin",
            None,
            json!({"email": user.email.to_uppercase(), "password": user.password}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("set-cookie").is_some());
    let body: AuthResponse = res.json().await.unwrap();
    assert_eq!(body.user.id.to_string(), user.id);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = spawn_app().await;
    let user = app.new_user("Ada").await;
    let wrong = app
        .post(
            "/api/signin",
            None,
            json!({"email": user.email, "password": "wrong password"}),
        )
        .await;
    let unknown = app
        .post(
            "/api/signin",
            None,
            json!({"email": "nobody@example.com", "password": "wrong password"}),
        )
        .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert!(wrong.headers().get("set-cookie").is_none());
    assert_eq!(wrong.text().await.unwrap(), unknown.text().await.unwrap());
}

#[tokio::test]
async fn repeated_failed_signins_are_answered_with_429() {
    let app = spawn_app().await;
    let user = app.new_user("Ada").await;
    let attempt = || {
        app.post(
            "/api/signin",
            None,
            json!({"email": user.email, "password": "guess"}),
        )
    };
    for _ in 0..5 {
        assert_eq!(attempt().await.status(), 401);
    }
    let res = attempt().await;
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(
        res.json::<ApiError>().await.unwrap().error.code,
        "rate-limited"
    );
    // Even the right password waits: the limit is on attempts, not on failures alone.
    let right = app
        .post(
            "/api/signin",
            None,
            json!({"email": user.email, "password": user.password}),
        )
        .await;
    assert_eq!(right.status(), 429);
    // Another account from the same address is not affected.
    let other = app.new_user("Bob").await;
    let res = app
        .post(
            "/api/signin",
            None,
            json!({"email": other.email, "password": other.password}),
        )
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn the_session_cookie_authenticates_until_signout_clears_it() {
    let app = spawn_app().await;
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let email = format!("{}@example.com", unique("cookie"));
    let res = browser
        .post(format!("{}/api/signup", app.address))
        .json(&json!({"name": "Ada", "email": email, "password": "correct horse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let profile = browser
        .get(format!("{}/api/profile", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(profile.status(), 200);

    let out = browser
        .post(format!("{}/api/signout", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let cleared = out.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let profile = browser
        .get(format!("{}/api/profile", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(profile.status(), 401);
}

#[tokio::test]
async fn missing_forged_expired_and_wrong_algorithm_tokens_get_401() {
    let app = spawn_app().await;
    let user = app.new_user("Ada").await;
    let far = now() + 3600;
    let cases = [
        (None, "no token"),
        (Some("garbage".to_owned()), "not a JWT"),
        (
            Some(token(
                "some-other-secret-of-enough-length!!",
                Algorithm::HS256,
                &user.id,
                far,
            )),
            "forged",
        ),
        (
            Some(token(SECRET, Algorithm::HS256, &user.id, now() - 3600)),
            "expired",
        ),
        (
            Some(token(SECRET, Algorithm::HS512, &user.id, far)),
            "other algorithm",
        ),
        (
            Some(format!(
                "{}.",
                token(SECRET, Algorithm::HS256, &user.id, far)
                    .rsplit_once('.')
                    .unwrap()
                    .0
                    .replacen(
                        "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9",
                        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0",
                        1
                    )
            )),
            "alg none",
        ),
    ];
    for (token, why) in cases {
        let res = app.get("/api/profile", token.as_deref()).await;
        assert_eq!(res.status(), 401, "{why}");
        assert_eq!(
            res.json::<ApiError>().await.unwrap().error.code,
            "unauthenticated",
            "{why}"
        );
    }
    let valid = token(SECRET, Algorithm::HS256, &user.id, far);
    assert_eq!(app.get("/api/profile", Some(&valid)).await.status(), 200);
}

#[tokio::test]
async fn signups_are_rate_limited_per_client_address() {
    let app = crate::helpers::spawn_app_with(&["--auth-rate-per-minute", "3"]).await;
    for i in 0..3 {
        let res = app
            .signup("Ada", &format!("ada{i}@example.com"), "correct horse")
            .await;
        assert_eq!(res.status(), 201);
    }
    let res = app.signup("Ada", "ada9@example.com", "correct horse").await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().get("retry-after").is_some());
    assert_eq!(
        res.json::<ApiError>().await.unwrap().error.code,
        "rate-limited"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/signup",
            None,
            json!({"name": "x".repeat(20_000), "email": "a@b.co", "password": "long enough"}),
        )
        .await;
    assert_eq!(res.status(), 413);
    assert_eq!(
        res.json::<ApiError>().await.unwrap().error.code,
        "too-large"
    );
}
