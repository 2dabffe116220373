use crate::devhost::helpers::{ScriptRoot, TestHost};

#[tokio::test]
async fn function_keys_are_enforced_like_the_host() {
    let host = TestHost::start(ScriptRoot::new(true)).await;
    let function_key = host.function_key("config-check");
    let master = host.master_key();
    let path = "/api/config-check";

    let none = host.get(path, None).await;
    assert_eq!(none.status(), 401);
    assert!(none.bytes().await.unwrap().is_empty(), "401 bodies are empty");
    assert_eq!(host.get(path, Some("not-a-key")).await.status(), 401);
    assert_eq!(host.get(path, Some(&function_key)).await.status(), 200, "{}", host.output());
    let by_query =
        host.client.get(host.url(&format!("{path}?code={}", urlencode(&function_key)))).send().await.unwrap();
    assert_eq!(by_query.status(), 200);
    assert_eq!(
        host.get(path, Some(&host.host_function_key())).await.status(),
        200,
        "host function keys open every function"
    );
    assert_eq!(host.get(path, Some(&master)).await.status(), 200, "admin satisfies every level");
    // Route literals match in any case (the handler then gets the path as sent, as in Azure).
    assert_eq!(host.get("/API/Config-Check/", None).await.status(), 401, "matched, then the key check");

    // A present but empty header wins over the query, so the query key is never looked at.
    let blocked = host
        .client
        .get(host.url(&format!("{path}?code={}", urlencode(&function_key))))
        .header("x-functions-key", "")
        .send()
        .await
        .unwrap();
    assert_eq!(blocked.status(), 401);

    assert_eq!(host.get("/api/health", None).await.status(), 200, "anonymous needs no key");
    assert_eq!(host.get("/api/secrets/external-api-key", Some(&function_key)).await.status(), 401, "admin level");
    let metadata = host.get("/api/secrets/external-api-key", Some(&master)).await;
    assert_eq!(metadata.status(), 200, "the dev vault serves metadata: {}", host.output());
    assert_eq!(host.get("/admin/host/status", Some(&function_key)).await.status(), 401);
    assert_eq!(host.get("/admin/host/status", Some(&master)).await.status(), 200);

    let wrong_method = host.client.post(host.url(path)).header("x-functions-key", &master).send().await.unwrap();
    assert_eq!(wrong_method.status(), 404, "wrong method is 404, never 405");
    let unknown = host.get("/api/nope", None).await;
    assert_eq!(unknown.status(), 404, "unknown routes are 404 before any key check");
    assert_eq!(unknown.headers()["content-type"], "application/problem+json");

    let out = host.output();
    assert!(out.contains(&format!("curl -H \"x-functions-key: {function_key}\"")), "banner has a curl line");
    let without_banner = out.replace(&format!("x-functions-key: {function_key}\""), "");
    assert!(!without_banner.contains(&function_key), "the key appears only in the curl line");
    assert!(!out.contains(&master), "the master key is never printed");
    assert!(!out.contains("dev-only-"), "no secret value is printed");
}

#[tokio::test]
async fn no_auth_opens_everything() {
    let host = TestHost::start_with(ScriptRoot::new(true), &["--no-auth"]).await;
    assert_eq!(host.get("/api/config-check", None).await.status(), 200);
    assert_eq!(host.get("/admin/host/keys", None).await.status(), 200);
}

pub fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
