use serde_json::{Value, json};

use crate::devhost::helpers::{ScriptRoot, TestHost};

async fn call(
    host: &TestHost,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Option<String>, Value) {
    let mut request = host.client.request(method, host.url(path)).header("x-functions-key", host.master_key());
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    (status, location, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn key_api_cycle_has_the_hosts_codes_and_shapes() {
    use reqwest::Method;
    let host = TestHost::start(ScriptRoot::new(false)).await;
    let base = "/admin/functions/config-check/keys";
    let self_href = |path: &str| json!([{"rel": "self", "href": host.url(path)}]);

    let (status, _, list) = call(&host, Method::GET, base, None).await;
    assert_eq!(status, 200);
    assert_eq!(list["links"], self_href(base));
    assert_eq!(list["keys"][0]["name"], "default");
    assert_eq!(list["keys"][0]["value"], host.function_key("config-check"));
    assert_eq!(list.as_object().unwrap().len(), 2);

    let key_path = format!("{base}/ci");
    let (status, location, created) = call(&host, Method::POST, &key_path, None).await;
    assert_eq!(status, 201);
    assert_eq!(location.as_deref(), Some(host.url(&key_path).as_str()));
    assert_eq!(created["name"], "ci");
    assert_eq!(created["value"].as_str().unwrap().len(), 56);
    assert_eq!(created["links"], self_href(&key_path));
    let (status, _, replaced) = call(&host, Method::POST, &key_path, None).await;
    assert_eq!(status, 200);
    assert_ne!(replaced["value"], created["value"]);

    let (status, _, set) =
        call(&host, Method::PUT, &key_path, Some(json!({"name": "ci", "value": "my-own-value-123"}))).await;
    assert_eq!((status, set["value"].as_str()), (200, Some("my-own-value-123")));
    let (status, _, _) = call(&host, Method::PUT, &key_path, Some(json!({"name": "ci"}))).await;
    assert_eq!(status, 400, "PUT without a value");
    let (status, _, shown) = call(&host, Method::GET, &key_path, None).await;
    assert_eq!((status, shown["value"].as_str()), (200, Some("my-own-value-123")));
    let using = host.get("/api/config-check", Some("my-own-value-123")).await;
    assert_ne!(using.status(), 401, "a key set through the API opens the function at once");

    let (status, _, _) = call(&host, Method::DELETE, &key_path, None).await;
    assert_eq!(status, 204);
    let (status, _, _) = call(&host, Method::DELETE, &key_path, None).await;
    assert_eq!(status, 404);
    let (status, _, _) = call(&host, Method::DELETE, "/admin/host/systemkeys/_master", None).await;
    assert_eq!(status, 400);

    let (status, _, _) = call(&host, Method::GET, "/admin/functions/nope/keys", None).await;
    assert_eq!(status, 404);
    let anonymous = host.client.get(host.url("/admin/functions/nope/keys")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401, "the key is checked before the function is looked up");
    let unknown = host.client.get(host.url("/admin/nothing")).send().await.unwrap();
    assert_eq!(unknown.status(), 404, "an unknown admin route is 404 whatever the key");
}

#[tokio::test]
async fn host_scopes_master_status_and_ping() {
    use reqwest::Method;
    let host = TestHost::start(ScriptRoot::new(false)).await;
    let (_, _, keys) = call(&host, Method::GET, "/admin/host/keys", None).await;
    let (_, _, function_keys) = call(&host, Method::GET, "/admin/host/functionkeys", None).await;
    assert_eq!(keys["keys"], function_keys["keys"], "keys is an alias of functionkeys");
    let (status, _, master) = call(&host, Method::GET, "/admin/host/systemkeys/_master", None).await;
    assert_eq!((status, master["name"].as_str()), (200, Some("_master")));
    assert_eq!(master["value"], host.master_key());

    let old_master = host.master_key();
    let (status, _, new_master) = call(&host, Method::POST, "/admin/host/systemkeys/_master", None).await;
    assert_eq!(status, 201, "the host answers 201 for a regenerated master key");
    assert_ne!(new_master["value"], old_master);
    assert_eq!(host.get("/admin/host/status", Some(&old_master)).await.status(), 401);

    let (status, _, body) = call(&host, Method::GET, "/admin/host/status", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["state"], "Running");
    assert!(body["version"].as_str().unwrap().starts_with("4."));
    let ping = host.client.get(host.url("/admin/host/ping")).send().await.unwrap();
    assert_eq!(ping.status(), 200, "ping needs no key");
    let home = host.client.get(host.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert!(home.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
}
