//! `TURN_PROVIDER_URL`: TURN servers from a hosted provider, here a real HTTP server on a
//! random port that answers like Metered's credentials API and counts its requests.

use crate::helpers::{TestApp, WAIT, spawn_app_configured, startup_error};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use duet_shared::api::{ApiError, IceConfig, IceServer};
use secrecy::SecretString;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const KEY: &str = "provider-test-key";
const PATH: &str = "/api/v1/turn/credentials";

/// Metered's answer: a list of `RTCIceServer`s, `urls` a string or a list.
const METERED: &str = r#"[
    {"urls": "stun:stun.provider.test:80"},
    {"urls": ["turn:turn.provider.test:80", "turns:turn.provider.test:443?transport=tcp"],
     "username": "user-1", "credential": "secret-1"}
]"#;

/// What the fake provider answers and how often it was asked.
struct ProviderState {
    requests: AtomicUsize,
    /// Status and body of the next answers (a wrong key always gets 401).
    answer: Mutex<(u16, String)>,
}

/// A provider on a random local port.
struct Provider {
    url: String,
    state: web::Data<ProviderState>,
    server: actix_web::dev::ServerHandle,
}

impl Provider {
    async fn start(status: u16, body: &str) -> Provider {
        let state = web::Data::new(ProviderState {
            requests: AtomicUsize::new(0),
            answer: Mutex::new((status, body.to_owned())),
        });
        let app_state = state.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .route(PATH, web::get().to(credentials))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Provider {
            url: format!("http://127.0.0.1:{port}{PATH}"),
            state,
            server: handle,
        }
    }

    fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    fn answer(&self, status: u16, body: &str) {
        *self.state.answer.lock().unwrap() = (status, body.to_owned());
    }
}

async fn credentials(req: HttpRequest, state: web::Data<ProviderState>) -> HttpResponse {
    state.requests.fetch_add(1, Ordering::SeqCst);
    let key_ok = url::form_urlencoded::parse(req.query_string().as_bytes())
        .any(|(name, value)| name == "apiKey" && value == KEY);
    if !key_ok {
        return HttpResponse::Unauthorized().body(r#"{"error": "invalid api key"}"#);
    }
    let (status, body) = state.answer.lock().unwrap().clone();
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .content_type("application/json")
        .body(body)
}

/// An app using `provider` with `key`, answers kept for `ttl`.
async fn app_with_provider(provider: &Provider, key: &str, ttl: &str, extra: &[&str]) -> TestApp {
    let mut args = vec![
        "--turn-provider-url",
        &provider.url,
        "--turn-provider-ttl",
        ttl,
    ];
    args.extend_from_slice(extra);
    let key = key.to_owned();
    spawn_app_configured(&args, move |config| {
        config.turn_provider_key = Some(SecretString::from(key));
    })
    .await
}

/// Asks for ICE servers every 50 ms until `done` holds, failing after [`WAIT`].
async fn poll_until(app: &TestApp, token: &str, mut done: impl FnMut(&IceConfig) -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if done(&app.ice(token).await) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met in time"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn turn_credential(ice: &IceConfig) -> Option<&str> {
    ice.ice_servers.iter().find_map(|s| s.credential.as_deref())
}

#[tokio::test]
async fn provider_servers_follow_the_configured_stun_and_are_fetched_once_per_ttl() {
    let provider = Provider::start(200, METERED).await;
    let app = app_with_provider(&provider, KEY, "1h", &["--ice-transport-policy", "relay"]).await;
    let ada = app.new_user("Ada").await;

    // Many requests at once: one fetch, shared.
    let answers = futures_util::future::join_all((0..8).map(|_| app.ice(&ada.token))).await;
    assert_eq!(provider.requests(), 1, "one fetch for concurrent requests");
    let ice = &answers[0];
    assert!(answers.iter().all(|a| a.ice_servers == ice.ice_servers));
    assert_eq!(
        ice.ice_servers,
        vec![
            IceServer {
                urls: vec!["stun:stun.duet.test:3478".into()],
                username: None,
                credential: None,
            },
            IceServer {
                urls: vec!["stun:stun.provider.test:80".into()],
                username: None,
                credential: None,
            },
            IceServer {
                urls: vec![
                    "turn:turn.provider.test:80".into(),
                    "turns:turn.provider.test:443?transport=tcp".into()
                ],
                username: Some("user-1".into()),
                credential: Some("secret-1".into()),
            },
        ]
    );
    assert!((3500..=3600).contains(&ice.ttl), "{}", ice.ttl);
    assert_eq!(
        ice.ice_transport_policy,
        duet_shared::api::IceTransportPolicy::Relay,
        "a provider counts as a TURN server for relay"
    );

    let again = app.ice(&ada.token).await;
    assert_eq!(again.ice_servers, ice.ice_servers);
    assert_eq!(provider.requests(), 1, "within the TTL the cache answers");
    provider.server.stop(false).await;
}

#[tokio::test]
async fn the_provider_is_asked_again_after_the_ttl_or_its_own_expiry_whichever_is_sooner() {
    let expiring = r#"{"iceServers": [{"urls": "turn:turn.provider.test:80",
        "username": "user-1", "credential": "secret-1"}], "ttl": 1}"#;
    // (TURN_PROVIDER_TTL, first answer): the 1 s comes from the setting, then from the answer.
    for (ttl, first) in [("1s", METERED), ("1h", expiring)] {
        let provider = Provider::start(200, first).await;
        let app = app_with_provider(&provider, KEY, ttl, &[]).await;
        let ada = app.new_user("Ada").await;
        let ice = app.ice(&ada.token).await;
        assert_eq!(turn_credential(&ice), Some("secret-1"), "{ttl}");
        assert_eq!(
            ice.ttl, 1,
            "browsers are told how long the answer lasts ({ttl})"
        );
        assert_eq!(provider.requests(), 1);

        provider.answer(200, &METERED.replace("secret-1", "secret-2"));
        poll_until(&app, &ada.token, |ice| {
            turn_credential(ice) == Some("secret-2")
        })
        .await;
        assert!(provider.requests() >= 2, "{ttl}");
        provider.server.stop(false).await;
    }
}

#[tokio::test]
async fn a_failing_provider_keeps_the_previous_answer_in_use() {
    let provider = Provider::start(200, METERED).await;
    let app = app_with_provider(&provider, KEY, "1s", &[]).await;
    let ada = app.new_user("Ada").await;
    assert_eq!(
        turn_credential(&app.ice(&ada.token).await),
        Some("secret-1")
    );

    provider.answer(500, "upstream trouble");
    // Every answer while the provider fails is the previous one (`ice` asserts 200 each time).
    poll_until(&app, &ada.token, |ice| {
        assert_eq!(turn_credential(ice), Some("secret-1"));
        provider.requests() >= 2
    })
    .await;
    let stale = app.ice(&ada.token).await;
    assert_eq!(turn_credential(&stale), Some("secret-1"));
    assert!(stale.ttl <= 60, "browsers ask again soon: {}", stale.ttl);
    provider.server.stop(false).await;
}

#[tokio::test]
async fn a_provider_failure_with_no_earlier_answer_is_a_clear_503() {
    // Each provider answer is unusable for the reason beside it.
    let cases = [
        (500, METERED, KEY, "an error status"),
        (200, METERED, "wrong-key", "a refused key (401)"),
        (200, "<html>not json</html>", KEY, "a body that is not JSON"),
        (
            200,
            r#"[{"urls": "turn:t.test:80"}]"#,
            KEY,
            "TURN without credentials",
        ),
    ];
    for (status, body, key, reason) in cases {
        let provider = Provider::start(status, body).await;
        let app = app_with_provider(&provider, key, "1h", &[]).await;
        let ada = app.new_user("Ada").await;
        let res = app.get("/api/webrtc/ice", Some(&ada.token)).await;
        assert_eq!(res.status(), 503, "{reason}");
        assert_eq!(res.headers()["retry-after"], "5", "{reason}");
        let error = res.json::<ApiError>().await.unwrap().error;
        assert_eq!(error.code, "unavailable", "{reason}");
        assert!(
            error.message.contains("TURN provider"),
            "{reason}: {}",
            error.message
        );
        assert!(!error.message.contains(KEY), "{reason}");
        assert_eq!(provider.requests(), 1, "{reason}");
        provider.server.stop(false).await;
    }

    // No provider listening at all.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}{PATH}", closed.local_addr().unwrap());
    drop(closed);
    let app = spawn_app_configured(&["--turn-provider-url", &url], |config| {
        config.turn_provider_key = Some(SecretString::from(KEY.to_owned()));
    })
    .await;
    let ada = app.new_user("Ada").await;
    let res = app.get("/api/webrtc/ice", Some(&ada.token)).await;
    assert_eq!(res.status(), 503, "an unreachable provider");
}

#[tokio::test]
async fn provider_settings_that_cannot_work_refuse_to_start() {
    let url = "https://turn.provider.test/api/v1/turn/credentials";
    // Each configuration is refused for the reason its message names.
    let cases: [(&[&str], bool, &str); 5] = [
        (
            &["--turn-provider-url", url, "--turn-secret", "s"],
            true,
            "cannot be combined",
        ),
        (
            &[
                "--turn-provider-url",
                url,
                "--turn-secret",
                "s",
                "--turn-urls",
                "turn:t.test",
            ],
            true,
            "cannot be combined",
        ),
        (
            &["--turn-provider-url", url, "--turn"],
            true,
            "cannot be combined",
        ),
        (&["--turn-provider-url", url], false, "TURN_PROVIDER_KEY"),
        (
            &["--turn-provider-url", "http://turn.provider.test/api"],
            true,
            "must be an https:// URL",
        ),
    ];
    for (flags, with_key, expected) in cases {
        let err = startup_error(flags, |config| {
            if with_key {
                config.turn_provider_key = Some(SecretString::from(KEY.to_owned()));
            }
        })
        .await;
        assert!(err.contains(expected), "{flags:?}: {err}");
        assert!(!err.contains(KEY), "{flags:?}: the key is never shown");
    }
}
