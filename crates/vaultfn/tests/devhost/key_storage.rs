//! `vaultfn start` with its keys where the settings say: Key Vault (the stand-in or Lowkey Vault,
//! through a proxy, tokens from the identity endpoint), and the files store as the default. Blob
//! storage against Azurite is in `key_storage_blob`.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use vaultfn_testbed::proxy::Proxy;
use vaultfn_testbed::{API_VERSION, Testbed, VAULT_HOST, identity};

use crate::devhost::helpers::{ScriptRoot, TestHost, free_port, start_failing};

const VAULT_URI: &str = "https://vaultfn.vault.azure.net";

/// The process environment that points `vaultfn start` at the testbed's vault through `proxy`,
/// with managed-identity tokens from its identity endpoint. No KEY_VAULT_URL: the handler keeps
/// the dev vault, and the keys alone live in Key Vault.
fn vault_env(testbed: &Testbed, proxy: &Proxy) -> Vec<(String, String)> {
    let mut env: Vec<_> =
        testbed.settings(proxy, &testbed.identity).into_iter().filter(|(name, _)| name != "KEY_VAULT_URL").collect();
    env.push(("KEY_VAULT_CREDENTIAL".into(), "app-service-managed-identity".into()));
    env
}

/// The app with its keys in Key Vault, as a settings file says.
fn keyvault_root(uri: &str) -> ScriptRoot {
    let root = ScriptRoot::new(true);
    root.edit_json("local.settings.json.example", |json| {
        let values = json["Values"].as_object_mut().unwrap();
        values.insert("AzureWebJobsSecretStorageType".into(), "keyvault".into());
        values.insert("AzureWebJobsSecretStorageKeyVaultUri".into(), uri.into());
    });
    root
}

/// Reads the vault directly (through the proxy), as an operator would look at it.
struct Vault {
    client: reqwest::Client,
    base: String,
}

impl Vault {
    fn new(testbed: &Testbed, proxy: &Proxy) -> Self {
        let settings = testbed.settings(proxy, &testbed.identity);
        let ca_file = &settings.iter().find(|(name, _)| name == "KEY_VAULT_CA_FILE").unwrap().1;
        let ca = reqwest::Certificate::from_pem_bundle(&std::fs::read(ca_file).unwrap()).unwrap();
        let client =
            vaultfn_testbed::http_client_builder().tls_certs_only(ca).resolve(VAULT_HOST, proxy.addr).build().unwrap();
        Self { client, base: format!("https://{VAULT_HOST}:{}", proxy.addr.port()) }
    }

    async fn call(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}/{path}?api-version={API_VERSION}", self.base))
            .bearer_auth(format!("{}direct-read", identity::TOKEN_PREFIX))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or_default())
    }

    /// The secret's current value, `None` when there is no live secret of that name.
    async fn value(&self, name: &str) -> Option<String> {
        let (status, json) = self.call(&format!("secrets/{name}/")).await;
        (status == 200).then(|| json["value"].as_str().unwrap().to_owned())
    }

    /// Whether soft delete holds the name.
    async fn deleted(&self, name: &str) -> bool {
        self.call(&format!("deletedsecrets/{name}")).await.0 == 200
    }
}

async fn admin(host: &TestHost, method: reqwest::Method, path: &str, key: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = host.client.request(method, host.url(path)).header("x-functions-key", key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or_default())
}

/// `vaultfn keys` against the running host: success, stdout, stderr.
fn keys_cli(host: &TestHost, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(crate::support::vaultfn())
        .arg("keys")
        .args(args)
        .args(["--url", &host.base(), "--script-root"])
        .arg(host.root.path())
        .env_remove("VAULTFN_MASTER_KEY")
        .output()
        .unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.success(), text(&output.stdout), text(&output.stderr))
}

#[tokio::test]
async fn keys_the_host_wrote_to_key_vault_open_functions() {
    let names = [
        "host--masterKey--master",
        "host--functionKey--default",
        "host--systemKey--my-095extension",
        // Written under another spelling of the function's name: the prefix matches in any case.
        "function--Config-045Check--default",
        "function--config-045check--ci-045pipeline",
    ];
    let testbed = Testbed::builder().secrets(names.map(String::from)).start().unwrap();
    let value = |name: &str| format!("{}-{name}", testbed.canary);
    let proxy = testbed.proxy();
    let host = TestHost::start_with_env(keyvault_root(VAULT_URI), &[], &vault_env(&testbed, &proxy)).await;
    let path = "/api/config-check";
    assert_eq!(host.get(path, Some(&value(names[3]))).await.status(), 200, "{}", host.output());
    assert_eq!(host.get(path, Some(&value(names[4]))).await.status(), 200);
    assert_eq!(host.get(path, Some(&value(names[1]))).await.status(), 200, "host function keys open every function");
    assert_eq!(host.get(path, Some(&value(names[0]))).await.status(), 200, "the master key opens everything");
    assert_eq!(host.get(path, Some(&format!("{}-not-a-key", testbed.canary))).await.status(), 401);
    assert_eq!(host.get(path, Some(&value(names[2]))).await.status(), 401, "a system key is not a function key");

    // The admin API shows them under the names the host gave them.
    let master = value(names[0]);
    let (status, list) = admin(&host, reqwest::Method::GET, "/admin/functions/config-check/keys", &master, None).await;
    assert_eq!(status, 200);
    let mut listed: Vec<&str> = list["keys"].as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap()).collect();
    listed.sort_unstable();
    assert_eq!(listed, ["ci-pipeline", "default"]);
    let (status, system) =
        admin(&host, reqwest::Method::GET, "/admin/host/systemkeys/my_extension", &master, None).await;
    assert_eq!((status, system["value"].as_str()), (200, Some(value(names[2]).as_str())));

    // `vaultfn keys` cannot read this store's master key, says so, and with it shows the same keys.
    let (ok, _, err) = keys_cli(&host, &["list", "--function", "config-check"]);
    assert!(!ok && err.contains("--master-key") && err.contains("keyvault"), "{err}");
    let (ok, out, err) = keys_cli(&host, &["list", "--function", "config-check", "--master-key", &master]);
    assert!(ok && out.contains("ci-pipeline") && out.contains(&value(names[4])), "{err}");

    // Only the banner's curl line carries a key (the function's default one, as with files).
    let output = host.output().replace(&value(names[3]), "");
    assert!(!testbed.leaks(&output), "a key or seeded value reached the output:\n{output}");
    assert!(output.contains("keys in Key Vault https://vaultfn.vault.azure.net"), "{output}");
}

#[tokio::test]
async fn admin_changes_reach_key_vault_and_survive_soft_delete() {
    let testbed = Testbed::builder().secrets(["host--masterKey--master".to_owned()]).start().unwrap();
    let master = format!("{}-host--masterKey--master", testbed.canary);
    let proxy = testbed.proxy();
    let vault = Vault::new(&testbed, &proxy);
    let host = TestHost::start_with_env(keyvault_root(VAULT_URI), &[], &vault_env(&testbed, &proxy)).await;
    // At start the host gives a function without keys its default key, under the host's name; the
    // seeded master key stays, and host keys that exist are not added to.
    assert!(vault.value("function--config-045check--default").await.is_some(), "{}", host.output());
    assert_eq!(vault.value("host--masterKey--master").await, Some(master.clone()));
    assert_eq!(vault.value("host--functionKey--default").await, None);

    let key_path = "/admin/functions/config-check/keys/ci_key";
    let secret = "function--config-045check--ci-095key";
    let (status, created) = admin(&host, reqwest::Method::POST, key_path, &master, None).await;
    assert_eq!(status, 201, "{}", host.output());
    let generated = created["value"].as_str().unwrap().to_owned();
    assert_eq!(vault.value(secret).await, Some(generated.clone()));
    assert_eq!(host.get("/api/config-check", Some(&generated)).await.status(), 200);

    assert_eq!(admin(&host, reqwest::Method::DELETE, key_path, &master, None).await.0, 204);
    assert_eq!(vault.value(secret).await, None);
    assert!(vault.deleted(secret).await, "the vault keeps the deleted secret (soft delete)");
    assert_eq!(host.get("/api/config-check", Some(&generated)).await.status(), 401);

    // The same name again while soft delete holds it: recovered, then set to the new value.
    let chosen = "chosen-ci-key-value-0123456789";
    let (status, _) =
        admin(&host, reqwest::Method::PUT, key_path, &master, Some(json!({"name": "ci_key", "value": chosen}))).await;
    assert_eq!(status, 201, "{}", host.output());
    assert_eq!(vault.value(secret).await.as_deref(), Some(chosen));
    assert!(!vault.deleted(secret).await);
    assert_eq!(host.get("/api/config-check", Some(chosen)).await.status(), 200);
    assert_eq!(host.get("/api/config-check", Some(&generated)).await.status(), 401);

    let (status, system) =
        admin(&host, reqwest::Method::POST, "/admin/host/systemkeys/my_extension", &master, None).await;
    assert_eq!(status, 201);
    assert_eq!(vault.value("host--systemKey--my-095extension").await.as_deref(), system["value"].as_str());
    let (status, _) = admin(&host, reqwest::Method::DELETE, "/admin/host/systemkeys/_master", &master, None).await;
    assert_eq!(status, 400, "the master key cannot be deleted");
    assert!(!host.output().contains(chosen), "a key value reached the output");
}

#[test]
fn an_unreachable_or_refused_store_fails_the_start_naming_the_setting() {
    let limit = Duration::from_secs(60);
    let closed = free_port();
    let refused = |root: &ScriptRoot, env: &[(String, String)], setting: &str, why: &str| {
        let (status, out) = start_failing(root.path(), env, limit);
        assert!(status.is_some_and(|s| !s.success()), "{setting}: still running or succeeded:\n{out}");
        assert!(out.contains(setting) && out.contains(why), "{setting}, {why}:\n{out}");
        assert!(!out.contains("Handler ready"), "the handler started:\n{out}");
    };
    let pairs = |pairs: &[(&str, String)]| pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<Vec<_>>();

    // Key Vault where nothing listens.
    let env = pairs(&[
        ("VAULTFN_TEST_RESOLVE", format!("{VAULT_HOST}=127.0.0.1:{closed}")),
        ("KEY_VAULT_CREDENTIAL", "app-service-managed-identity".into()),
        ("IDENTITY_ENDPOINT", format!("http://127.0.0.1:{closed}/msi/token")),
        ("IDENTITY_HEADER", "test".into()),
    ]);
    refused(&keyvault_root(VAULT_URI), &env, "AzureWebJobsSecretStorageKeyVaultUri", "cannot connect");

    // Blob storage where nothing listens.
    let root = ScriptRoot::new(true);
    root.edit_json("local.settings.json.example", |json| {
        let key = vaultfn::keys::store::blob_rest::DEV_ACCOUNT_KEY;
        json["Values"]["AzureWebJobsStorage"] = format!(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};BlobEndpoint=http://127.0.0.1:{closed}/devstoreaccount1"
        )
        .into();
    });
    refused(&root, &[], "AzureWebJobsStorage", "cannot reach");

    let root = ScriptRoot::new(true);
    root.edit_json("local.settings.json.example", |json| {
        json["Values"]["AzureWebJobsSecretStorageType"] = "kubernetes".into();
    });
    refused(&root, &[], "AzureWebJobsSecretStorageType", "not supported locally");

    // A settings file cannot send the developer's token to a host that is not Key Vault's, even
    // one the environment pins: nothing connects there.
    let trap = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let trap_port = trap.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    std::thread::spawn(move || {
        for stream in trap.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    let env = pairs(&[("VAULTFN_TEST_RESOLVE", format!("keys.example.com=127.0.0.1:{trap_port}"))]);
    refused(&keyvault_root("https://keys.example.com"), &env, "AzureWebJobsSecretStorageKeyVaultUri", "Key Vault host");
    assert_eq!(connections.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn files_stay_the_default_and_an_explicit_type_wins() {
    let root = ScriptRoot::new(true);
    root.edit_json("local.settings.json.example", |json| {
        // Blob storage would be the default with this, were files not chosen.
        json["Values"]["AzureWebJobsStorage"] = "UseDevelopmentStorage=true".into();
        json["Values"]["AzureWebJobsSecretStorageType"] = "files".into();
    });
    let host = TestHost::start(root).await;
    let out = host.output();
    assert!(out.contains("key files in") && !out.contains("Azurite"), "{out}");
    assert_eq!(host.get("/api/config-check", Some(&host.function_key("config-check"))).await.status(), 200);
    let (ok, out, err) = keys_cli(&host, &["show", "_master", "--host-scope", "systemkeys"]);
    assert!(ok && out.contains(&host.master_key()), "the files store's master key is read locally: {err}");
}
