//! The fake ARM driven by a plain client, as the handler and the CLI will reach it: HTTPS to
//! `management.azure.com` pinned to the fake, trusting only its CA.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use vaultfn_testbed::arm::{API_VERSION, ArmFault, FakeArm, FunctionKeysShape, HOST, HostKeyKind, Reference, Site};

const SUB: &str = "00000000-0000-0000-0000-0000000051b5";
const RG: &str = "rg-Vaultfn";
const APP: &str = "vaultfn-app";

fn client(arm: &FakeArm) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem_bundle(arm.ca_pem.as_bytes()).expect("the fake's CA");
    vaultfn_testbed::http_client_builder().tls_certs_only(ca).resolve(HOST, arm.addr).build().expect("client")
}

fn start() -> (FakeArm, Site, reqwest::Client) {
    let arm = FakeArm::start(&tokio::runtime::Handle::current());
    let site = arm.add_site(SUB, RG, APP);
    let client = client(&arm);
    (arm, site, client)
}

/// `{base}{path}?api-version=2022-03-01` (or the whole of `path` when it is already a URL).
fn url(path: &str) -> String {
    if path.starts_with("https://") {
        path.to_owned()
    } else {
        format!("https://{HOST}{path}?api-version={API_VERSION}")
    }
}

async fn call(client: &reqwest::Client, method: Method, url: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = client.request(method, url).bearer_auth("test-access-token-1");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let rsp = request.send().await.expect("the fake answers");
    let status = rsp.status();
    let text = rsp.text().await.expect("a body");
    (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).expect("JSON") })
}

async fn get(client: &reqwest::Client, path: &str) -> (StatusCode, Value) {
    call(client, Method::GET, &url(path), None).await
}

fn seed_references(site: &Site) {
    site.add_reference(Reference::new("DB_PASS", "contoso", "db-pass").with_active_version("0f1e01"));
    site.add_reference(Reference::new("API_KEY", "contoso", "api-key").pinned("aa11"));
    site.add_reference(Reference::new("EMPTY", "contoso", "missing").with_status("SecretNotFound", "not found"));
    site.add_reference(Reference::new("USER_MI", "contoso", "u").with_identity("UserAssigned"));
    site.add_reference(Reference::new("LAST", "other", "last"));
}

#[tokio::test]
async fn next_link_paging_collects_every_reference() {
    let (arm, site, client) = start();
    seed_references(&site);
    let mut next = Some(url(&format!("{}/config/configreferences/appsettings", site.id())));
    let mut items = Vec::new();
    while let Some(link) = next {
        let (status, page) = call(&client, Method::GET, &link, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page["value"].as_array().unwrap().len() <= 2, "default page size is 2");
        items.extend(page["value"].as_array().unwrap().iter().cloned());
        next = page["nextLink"].as_str().map(str::to_owned);
        if let Some(link) = &next {
            assert!(
                link.starts_with(&format!("https://{HOST}/subscriptions/")) && link.contains("$skipToken="),
                "{link}"
            );
        }
    }
    let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["DB_PASS", "API_KEY", "EMPTY", "USER_MI", "LAST"]);
    assert_eq!(arm.count("GET", "/config/configreferences/appsettings"), 3);
    assert_eq!(
        items[0],
        json!({
            "id": format!("{}/config/configreferences/appsettings/DB_PASS", site.id()),
            "name": "DB_PASS",
            "type": "Microsoft.Web/sites/config/configreferences",
            "properties": {
                "reference": "@Microsoft.KeyVault(SecretUri=https://contoso.vault.azure.net/secrets/db-pass/)",
                "status": "Resolved", "vaultName": "contoso", "secretName": "db-pass", "secretVersion": null,
                "identityType": "SystemAssigned", "details": "Reference has been successfully resolved.",
                "source": "KeyVault", "activeVersion": "0f1e01",
            },
        })
    );
    assert_eq!(items[1]["properties"]["secretVersion"], "aa11");
    assert!(items[1]["properties"].get("activeVersion").is_none(), "absent, not null");
    assert_eq!(items[2]["properties"]["status"], "SecretNotFound");

    arm.set_page_size(10);
    arm.set_identity_type_as_object(true);
    let (_, page) = get(&client, &format!("{}/config/configreferences/appsettings", site.id())).await;
    assert_eq!(page["value"].as_array().unwrap().len(), 5);
    assert_eq!(page["nextLink"], Value::Null);
    assert_eq!(page["value"][3]["properties"]["identityType"], json!({"type": "UserAssigned"}));
}

#[tokio::test]
async fn one_reference_case_insensitive_paths_and_404s() {
    let (_arm, site, client) = start();
    seed_references(&site);
    let lower = format!("/subscriptions/{SUB}/resourcegroups/rg-vaultfn/providers/microsoft.web/sites/VAULTFN-APP");
    let (status, item) = get(&client, &format!("{lower}/config/configreferences/appsettings/db_pass")).await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["name"], "DB_PASS");
    assert_eq!(item["id"], format!("{}/config/configreferences/appsettings/DB_PASS", site.id()), "ids as added");

    let (status, body) = get(&client, &format!("{}/config/configreferences/appsettings/NOPE", site.id())).await;
    assert_eq!((status, body["Code"].as_str()), (StatusCode::NOT_FOUND, Some("NotFound")), "{body}");
    let other_site = format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Web/sites/other");
    let (status, body) = get(&client, &format!("{other_site}/config/configreferences/appsettings")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("ResourceNotFound")), "{body}");
    let other_rg = format!("/subscriptions/{SUB}/resourceGroups/nope/providers/Microsoft.Web/sites/{APP}");
    let (status, body) = get(&client, &format!("{other_rg}/config/configreferences/appsettings")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("ResourceGroupNotFound")));
}

#[tokio::test]
async fn refresh_applies_pending_versions_and_runs_the_hook() {
    let (arm, site, client) = start();
    seed_references(&site);
    site.set_pending_version("DB_PASS", "9a9a02");
    let one = format!("{}/config/configreferences/appsettings/DB_PASS", site.id());
    assert_eq!(get(&client, &one).await.1["properties"]["activeVersion"], "0f1e01", "not before a refresh");
    let refresh = url(&format!("{}/config/configreferences/appsettings/refresh", site.id()));
    let (status, body) = call(&client, Method::POST, &refresh, None).await;
    assert_eq!((status, body), (StatusCode::OK, Value::Null));
    assert_eq!(get(&client, &one).await.1["properties"]["activeVersion"], "9a9a02");
    assert_eq!((site.refreshes(), arm.count("post", "/appsettings/REFRESH")), (1, 1));

    arm.set_refresh_status(202);
    site.set_apply_pending_on_refresh(false);
    site.set_pending_version("DB_PASS", "ffff03");
    site.on_refresh(|refs| refs.iter_mut().for_each(|r| r.status = "FetchTimedOut".into()));
    assert_eq!(call(&client, Method::POST, &refresh, None).await.0, StatusCode::ACCEPTED);
    let item = get(&client, &one).await.1;
    assert_eq!(
        (item["properties"]["activeVersion"].as_str(), item["properties"]["status"].as_str()),
        (Some("9a9a02"), Some("FetchTimedOut"))
    );
    site.set_active_version("DB_PASS", None);
    assert!(get(&client, &one).await.1["properties"].get("activeVersion").is_none());
}

#[tokio::test]
async fn a_request_without_a_valid_token_gets_401() {
    let (arm, site, client) = start();
    let list = url(&format!("{}/config/configreferences/appsettings", site.id()));
    let rsp = client.get(&list).send().await.unwrap();
    assert_eq!(rsp.status(), StatusCode::UNAUTHORIZED);
    assert!(rsp.headers().contains_key("www-authenticate"));
    let body: Value = rsp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "AuthenticationFailed");
    assert!(!arm.requests()[0].authorized);

    arm.require_token_prefix(Some("test-access-token-"));
    let rsp = client.get(&list).bearer_auth("someone-else").send().await.unwrap();
    assert_eq!(rsp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(rsp.json::<Value>().await.unwrap()["error"]["code"], "InvalidAuthenticationToken");
    assert_eq!(get(&client, &format!("{}/config/configreferences/appsettings", site.id())).await.0, StatusCode::OK);
    let seen = arm.requests();
    assert_eq!(seen.iter().map(|s| s.authorized).collect::<Vec<_>>(), [false, false, true]);
    assert_eq!(seen[2].query, format!("api-version={API_VERSION}"));
}

#[tokio::test]
async fn api_version_2022_03_01_is_required() {
    let (_arm, site, client) = start();
    let list = format!("https://{HOST}{}/config/configreferences/appsettings", site.id());
    for (query, code) in [
        ("", "MissingApiVersionParameter"),
        ("?api-version=banana", "InvalidApiVersionParameter"),
        ("?api-version=2021-02-01", "NoRegisteredProviderFound"),
    ] {
        let (status, body) = call(&client, Method::GET, &format!("{list}{query}"), None).await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some(code)), "{query}");
    }
}

#[tokio::test]
async fn faults_forbidden_throttled_slow_refused() {
    let (arm, site, client) = start();
    let list = format!("{}/config/configreferences/appsettings", site.id());
    arm.set_fault(ArmFault::Forbidden);
    let (status, body) = get(&client, &list).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("AuthorizationFailed")));
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("'Microsoft.Web/sites/config/read'") && message.contains(&list), "{message}");

    arm.set_fault_times(ArmFault::Throttled { retry_after_secs: 7 }, 1);
    let rsp = client.get(url(&list)).bearer_auth("t").send().await.unwrap();
    assert_eq!((rsp.status(), rsp.headers()["retry-after"].to_str().unwrap()), (StatusCode::TOO_MANY_REQUESTS, "7"));
    assert_eq!(rsp.json::<Value>().await.unwrap()["error"]["code"], "SubscriptionRequestsThrottled");
    assert_eq!(get(&client, &list).await.0, StatusCode::OK, "the fault applied once");

    arm.set_fault(ArmFault::Slow(Duration::from_millis(300)));
    let started = Instant::now();
    assert_eq!(get(&client, &list).await.0, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));

    arm.set_fault(ArmFault::Refuse);
    assert!(client.get(url(&list)).bearer_auth("t").send().await.is_err(), "a kept-alive connection drops");
    assert!(client.get(url(&list)).bearer_auth("t").send().await.is_err(), "a new one is refused");
    assert!(arm.refused_connections() >= 1);
    arm.set_fault(ArmFault::None);
    assert_eq!(get(&client, &list).await.0, StatusCode::OK);
}

#[tokio::test]
async fn host_keys_round_trip() {
    let (arm, site, client) = start();
    let host = format!("{}/host/default", site.id());
    let (status, keys) = call(&client, Method::POST, &url(&format!("{host}/listkeys")), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys["masterKey"], site.host_keys().master_key.as_str());
    assert_eq!((keys["functionKeys"]["default"].as_str().unwrap().len(), &keys["systemKeys"]), (56, &json!({})));

    let ci = url(&format!("{host}/functionKeys/ci"));
    let body = json!({"properties": {"name": "ci", "value": "ci-value-0123456789abcdef0123456789"}});
    let (status, created) = call(&client, Method::PUT, &ci, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        created,
        json!({"id": format!("{host}/functionKeys/ci"), "name": "ci", "type": "Microsoft.Web/sites/host/functionKeys",
               "properties": {"name": "ci", "value": "ci-value-0123456789abcdef0123456789"}})
    );
    let (status, updated) = call(&client, Method::PUT, &ci, Some(json!({"properties": {"name": "ci"}}))).await;
    let generated = updated["properties"]["value"].as_str().unwrap().to_owned();
    assert_eq!((status, generated.len()), (StatusCode::OK, 56), "ARM generates a value");
    let (status, body) = call(&client, Method::PUT, &ci, Some(json!({"name": "ci", "value": "flat-value"}))).await;
    assert_eq!((status, body["Code"].as_str()), (StatusCode::BAD_REQUEST, Some("BadRequest")));
    assert!(!body.to_string().contains("flat-value"));

    let system = url(&format!("{host}/systemKeys/eventgrid_extension"));
    assert_eq!(call(&client, Method::PUT, &system, Some(json!({"properties": {}}))).await.0, StatusCode::CREATED);
    let master = url(&format!("{host}/masterKey/_master"));
    let new_master = json!({"properties": {"name": "_master", "value": "new-master-value"}});
    assert_eq!(call(&client, Method::PUT, &master, Some(new_master)).await.0, StatusCode::OK);
    let (_, keys) = call(&client, Method::POST, &url(&format!("{host}/listkeys")), None).await;
    assert_eq!(
        (keys["masterKey"].as_str(), keys["functionKeys"]["ci"].as_str()),
        (Some("new-master-value"), Some(generated.as_str()))
    );
    assert!(keys["systemKeys"]["eventgrid_extension"].is_string());
    assert_eq!(site.host_keys().system_keys.len(), 1);
    assert!(!format!("{:?}", site.host_keys()).contains("new-master-value"), "Debug shows names only");

    assert_eq!(call(&client, Method::DELETE, &ci, None).await, (StatusCode::NO_CONTENT, Value::Null));
    assert_eq!(call(&client, Method::DELETE, &ci, None).await.0, StatusCode::NOT_FOUND);
    assert!(!site.host_keys().function_keys.contains_key("ci"));
    site.set_host_key(HostKeyKind::Function, "seeded", "seeded-value");
    assert!(site.remove_host_key(HostKeyKind::Function, "SEEDED"), "names match ignoring case");
    assert_eq!(arm.count("PUT", "/functionKeys/ci"), 3);
}

#[tokio::test]
async fn function_keys_round_trip_and_shapes() {
    let (arm, site, client) = start();
    site.add_function("Hello");
    let function = format!("{}/functions/hello", site.id());
    let (status, keys) = call(&client, Method::POST, &url(&format!("{function}/listkeys")), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys.as_object().unwrap().keys().collect::<Vec<_>>(), ["default"], "flat by default");

    let key = url(&format!("{function}/keys/partner"));
    let body = json!({"properties": {"name": "partner", "value": "partner-value"}});
    let (status, created) = call(&client, Method::PUT, &key, Some(body)).await;
    assert_eq!((status, created["type"].as_str()), (StatusCode::CREATED, Some("Microsoft.Web/sites/functions/keys")));
    assert_eq!(site.function_keys("HELLO").unwrap()["partner"], "partner-value");

    arm.set_function_keys_shape(FunctionKeysShape::UnderProperties);
    let (_, keys) = call(&client, Method::POST, &url(&format!("{function}/listkeys")), None).await;
    assert_eq!(keys["properties"]["partner"], "partner-value");
    assert_eq!(keys["type"], "Microsoft.Web/sites/functions");

    assert_eq!(call(&client, Method::DELETE, &key, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(call(&client, Method::DELETE, &key, None).await.0, StatusCode::NOT_FOUND);
    let missing = url(&format!("{}/functions/nope/keys/k", site.id()));
    let (status, body) = call(&client, Method::PUT, &missing, Some(json!({"properties": {"value": "v-secret"}}))).await;
    assert_eq!((status, body["Code"].as_str()), (StatusCode::NOT_FOUND, Some("NotFound")));
    assert!(!body.to_string().contains("v-secret"));
    let (status, _) = call(&client, Method::GET, &url(&format!("{function}/listkeys")), None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a_slot_is_a_site_of_its_own() {
    let (_arm, site, client) = start();
    let staging = site.slot("staging");
    assert_eq!(staging.id(), format!("{}/slots/staging", site.id()));
    assert_ne!(staging.host_keys().master_key, site.host_keys().master_key);
    staging.add_reference(Reference::new("DB_PASS", "contoso", "db-pass"));
    let (_, page) = get(&client, &format!("{}/config/configreferences/appsettings", staging.id())).await;
    assert_eq!(page["value"][0]["type"], "Microsoft.Web/sites/slots/config/configreferences");
    let (_, page) = get(&client, &format!("{}/config/configreferences/appsettings", site.id())).await;
    assert_eq!(page["value"], json!([]));
    let put = url(&format!("{}/host/default/functionKeys/k", staging.id()));
    let (_, key) = call(&client, Method::PUT, &put, Some(json!({"properties": {"name": "k"}}))).await;
    assert_eq!(key["type"], "Microsoft.Web/sites/slots/host/functionKeys");
}

/// What `Testbed::settings_with_arm` hands a process reaches both the vault and the fake ARM.
#[tokio::test]
async fn testbed_settings_reach_the_vault_and_the_fake() {
    use vaultfn_testbed::{Testbed, VAULT_HOST, VaultChoice};
    let testbed = Testbed::builder().vault(VaultChoice::StandIn).start().expect("testbed");
    let (arm, proxy) = (FakeArm::start(&tokio::runtime::Handle::current()), testbed.proxy());
    let settings: std::collections::HashMap<String, String> =
        testbed.settings_with_arm(&proxy, &testbed.identity, &arm).into_iter().collect();
    assert_eq!(settings["AZURE_RESOURCE_MANAGER_URL"], "https://management.azure.com");
    let pem = std::fs::read(&settings["KEY_VAULT_CA_FILE"]).unwrap();
    let mut builder =
        vaultfn_testbed::http_client_builder().tls_certs_only(reqwest::Certificate::from_pem_bundle(&pem).unwrap());
    for pin in settings["VAULTFN_TEST_RESOLVE"].split(',') {
        let (host, addr) = pin.split_once('=').unwrap();
        builder = builder.resolve(host, addr.parse().unwrap());
    }
    let client = builder.build().unwrap();
    let site = arm.add_site(SUB, RG, APP);
    assert_eq!(get(&client, &format!("{}/config/configreferences/appsettings", site.id())).await.0, StatusCode::OK);
    let vault = client.get(format!("https://{VAULT_HOST}/secrets?api-version=7.4")).send().await.unwrap();
    assert_eq!(vault.status(), StatusCode::UNAUTHORIZED, "the vault answered its challenge over TLS");
}
