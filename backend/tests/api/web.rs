//! Health, ICE configuration, unknown API paths and the static web app.

use crate::helpers::{spawn_app, spawn_app_with, startup_error};
use duet_shared::api::{ApiError, IceConfig};

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let res = app.get("/healthz", None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["status"],
        "ok"
    );
}

#[tokio::test]
async fn ice_servers_come_from_configuration_for_signed_in_users_only() {
    let app = spawn_app_with(&[
        "--stun-urls",
        "stun:a.test:3478,stun:b.test:19302",
        "--turn-ttl",
        "10m",
    ])
    .await;
    assert_eq!(app.get("/api/webrtc/ice", None).await.status(), 401);
    let ada = app.new_user("Ada").await;
    let res = app.get("/api/webrtc/ice", Some(&ada.token)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let ice: IceConfig = res.json().await.unwrap();
    assert_eq!(ice.ttl, 600);
    assert_eq!(ice.ice_servers.len(), 1);
    assert_eq!(
        ice.ice_servers[0].urls,
        vec!["stun:a.test:3478", "stun:b.test:19302"]
    );
    assert_eq!(ice.ice_servers[0].credential, None);

    let none = spawn_app_with(&["--stun-urls", ""]).await;
    let bob = none.new_user("Bob").await;
    let ice = none.ice(&bob.token).await;
    assert!(ice.ice_servers.is_empty());
}

#[tokio::test]
async fn the_ice_transport_policy_is_all_by_default_and_relay_when_configured() {
    let default = spawn_app().await;
    let ada = default.new_user("Ada").await;
    let ice: serde_json::Value = default
        .get("/api/webrtc/ice", Some(&ada.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ice["iceTransportPolicy"], "all", "{ice}");

    let relay = spawn_app_with(&[
        "--turn-urls",
        "turn:turn.duet.test:3478",
        "--turn-secret",
        "relay-test-secret",
        "--ice-transport-policy",
        "relay",
    ])
    .await;
    let bob = relay.new_user("Bob").await;
    let ice: serde_json::Value = relay
        .get("/api/webrtc/ice", Some(&bob.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ice["iceTransportPolicy"], "relay", "{ice}");
    assert!(
        ice["iceServers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["credential"].is_string()),
        "relay comes with a TURN server: {ice}"
    );
}

#[tokio::test]
async fn the_relay_policy_without_a_turn_server_refuses_to_start() {
    // A TURN secret alone names no server, so it does not count.
    for extra in [
        &["--ice-transport-policy", "relay"][..],
        &["--ice-transport-policy", "relay", "--turn-secret", "s"][..],
    ] {
        let err = startup_error(extra, |_| {}).await;
        assert!(
            err.contains("ICE_TRANSPORT_POLICY=relay needs a TURN server"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn unknown_api_paths_are_json_404s() {
    let app = spawn_app().await;
    let res = app.get("/api/nope", None).await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.json::<ApiError>().await.unwrap().error.code,
        "not-found"
    );
}

#[tokio::test]
async fn the_built_app_is_served_with_fallback_to_index_html() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>Duet app</title>",
    )
    .unwrap();
    std::fs::write(dist.path().join("app.js"), "console.log('duet')").unwrap();
    let app = spawn_app_with(&["--static-dir", dist.path().to_str().unwrap()]).await;

    let index = app.get("/", None).await;
    assert_eq!(index.status(), 200);
    assert!(index.text().await.unwrap().contains("Duet app"));
    let js = app.get("/app.js", None).await;
    assert_eq!(js.status(), 200);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    let deep = app
        .get("/room/4b5c4ab5-8c1f-4c8e-9d3e-1f2a3b4c5d6e", None)
        .await;
    assert_eq!(deep.status(), 200);
    assert!(deep.text().await.unwrap().contains("Duet app"));
    // The API keeps its own 404s.
    assert_eq!(app.get("/api/nope", None).await.status(), 404);
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_the_csp_allows_only_the_built_loader() {
    let dist = tempfile::tempdir().unwrap();
    let loader = "import init from '/app.js';\nawait init();";
    std::fs::write(
        dist.path().join("index.html"),
        format!("<!doctype html><script type=module>{loader}</script><script src=/x.js></script>"),
    )
    .unwrap();
    let app = spawn_app_with(&["--static-dir", dist.path().to_str().unwrap()]).await;
    for path in ["/", "/api/nope", "/healthz"] {
        let res = app.get(path, None).await;
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(
            h["permissions-policy"]
                .to_str()
                .unwrap()
                .contains("camera=(self)")
        );
        let csp = h["content-security-policy"].to_str().unwrap();
        // echo -n "$loader" | openssl dgst -sha256 -binary | base64
        let expected = {
            use base64::Engine;
            use sha2::Digest;
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(loader))
        };
        assert!(
            csp.contains(&format!(
                "script-src 'self' 'wasm-unsafe-eval' 'sha256-{expected}';"
            )),
            "{csp}"
        );
        let script_src = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(
            !script_src.contains("unsafe-inline") && !script_src.contains("'unsafe-eval'"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("connect-src 'self'"), "{csp}");
    }
}

#[tokio::test]
async fn cross_origin_requests_get_no_cors_permission() {
    let app = spawn_app().await;
    let preflight = app
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/profile", app.address),
        )
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let simple = app
        .http
        .get(format!("{}/api/rooms", app.address))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(
        simple
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert!(
        simple
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
}

#[tokio::test]
async fn the_openapi_document_matches_the_real_routes_and_the_api_docs() {
    let app = spawn_app().await;
    let doc: serde_json::Value = app
        .get("/api/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            operations.push((method.to_uppercase(), path.clone()));
        }
    }
    assert!(operations.len() >= 12, "{operations:?}");

    // Every documented operation is served (not the unknown-endpoint 404, not a 405).
    for (method, path) in &operations {
        let concrete = path.replace("{id}", &uuid::Uuid::new_v4().to_string());
        let res = app
            .call(
                method.parse().unwrap(),
                &concrete,
                None,
                Some(serde_json::json!({})),
            )
            .await;
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_ne!(status, 405, "{method} {path}");
        assert!(
            !body.contains("no such API endpoint"),
            "{method} {path} is not routed"
        );
    }

    // Every endpoint docs/api.md describes is in the document.
    let api_md = include_str!("../../../docs/api.md");
    let mut described = 0;
    for line in api_md.lines() {
        for method in ["GET", "POST", "DELETE"] {
            let marker = format!("`{method} /");
            if let Some(at) = line.find(&marker) {
                let rest = &line[at + marker.len() - 1..];
                let path: String = rest
                    .chars()
                    .take_while(|c| !matches!(c, ' ' | '`' | '?'))
                    .collect();
                described += 1;
                assert!(
                    operations.contains(&(method.to_owned(), path.clone())),
                    "{method} {path} is described in docs/api.md but missing from the OpenAPI document"
                );
            }
        }
    }
    assert!(
        described >= 12,
        "docs/api.md describes the endpoints ({described} found)"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["Room"].is_object());
}

#[tokio::test]
async fn the_csp_follows_a_rebuilt_app_without_a_restart() {
    use base64::Engine;
    use sha2::Digest;
    let hash = |script: &str| {
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script))
    };
    let dist = tempfile::tempdir().unwrap();
    let index = dist.path().join("index.html");
    std::fs::write(&index, "<script type=module>old()</script>").unwrap();
    let app = spawn_app_with(&["--static-dir", dist.path().to_str().unwrap()]).await;
    let csp = |res: reqwest::Response| {
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert!(csp(app.get("/", None).await).contains(&hash("old()")));

    std::fs::write(&index, "<script type=module>new()</script>").unwrap();
    let after = csp(app.get("/", None).await);
    assert!(after.contains(&hash("new()")), "{after}");
    assert!(!after.contains(&hash("old()")), "{after}");
}

#[tokio::test]
async fn the_openapi_document_states_the_rules_the_server_enforces() {
    use duet_shared::limits::{
        MAX_EMAIL_CHARS, MAX_PASSWORD_CHARS, MAX_ROOM_NAME_CHARS, MAX_USER_NAME_CHARS,
        MIN_PASSWORD_CHARS,
    };
    let app = spawn_app().await;
    let doc: serde_json::Value = app
        .get("/api/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    let mut bodies = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            if op.get("requestBody").is_some() {
                bodies += 1;
                assert!(responses.contains_key("413"), "{method} {path} lacks 413");
            }
            // Every error status says what its body is.
            for (status, response) in responses.iter().filter(|(s, _)| s.as_str() >= "400") {
                assert!(
                    response["content"]["application/json"]["schema"].is_object(),
                    "{method} {path} {status} has no body schema"
                );
            }
        }
    }
    assert!(bodies >= 4, "{bodies} operations take a body");
    assert!(doc["paths"]["/ws"]["get"]["responses"]["400"].is_object());

    let list = &doc["paths"]["/api/rooms"]["get"]["parameters"];
    let param = |name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()
            .clone()
    };
    let room_type = param("type")["schema"].to_string();
    assert!(room_type.contains("RoomType"), "{room_type}");
    assert_eq!(
        doc["components"]["schemas"]["RoomType"]["enum"],
        serde_json::json!(["game", "business", "coding", "learning", "language"])
    );
    assert_eq!(param("q")["schema"]["maxLength"], MAX_ROOM_NAME_CHARS);

    let field =
        |schema: &str, name: &str| doc["components"]["schemas"][schema]["properties"][name].clone();
    assert_eq!(
        field("SignupRequest", "name")["maxLength"],
        MAX_USER_NAME_CHARS
    );
    assert_eq!(field("SignupRequest", "name")["minLength"], 1);
    assert!(field("SignupRequest", "name")["pattern"].is_string());
    assert_eq!(
        field("SignupRequest", "email")["maxLength"],
        MAX_EMAIL_CHARS
    );
    assert!(field("SignupRequest", "email")["pattern"].is_string());
    assert_eq!(
        field("SignupRequest", "password")["minLength"],
        MIN_PASSWORD_CHARS
    );
    assert_eq!(
        field("SignupRequest", "password")["maxLength"],
        MAX_PASSWORD_CHARS
    );
    assert_eq!(
        field("CreateRoomRequest", "name")["maxLength"],
        MAX_ROOM_NAME_CHARS
    );
}
