//! `vaultfn start` with its keys in blob storage, against Azurite: the test binary's own Azurite
//! on a free port, or, for `UseDevelopmentStorage=true`, the one `vaultfn start` starts itself.

use std::time::{Duration, Instant};

use serde_json::Value;
use vaultfn::keys::store::blob_rest::{Account, BlobClient, Condition, DEV_ACCOUNT_KEY, DEV_BLOB_PORT};
use vaultfn::keys::store::settings::{BlobStorage, CONTAINER};
use vaultfn::keys::{KeyScope, KeyStorage, KeyStore, StoreIdentity};
use vaultfn_handler::http_client::Overrides;

use crate::devhost::helpers::{ScriptRoot, TestHost, azurite_port};

/// Written by the host (`files` store): the blob store holds exactly these documents.
const HOST_FIXTURE: &[u8] = include_bytes!("../data/secrets/host.json");
const FUNCTION_FIXTURE: &[u8] = include_bytes!("../data/secrets/config-check.json");

/// A host id of its own, so tests sharing the binary's Azurite never see each other's keys.
fn host_id() -> String {
    format!("vaultfn-test-{:08x}", rand::random::<u32>())
}

fn client(port: u16) -> BlobClient {
    BlobClient::new(Account::development(port), &Overrides::default()).unwrap()
}

async fn document(client: &BlobClient, blob: &str) -> Option<Value> {
    let blob = client.get(CONTAINER, blob).await.unwrap()?;
    let body = blob.body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&blob.body);
    Some(serde_json::from_slice(body).unwrap())
}

fn fixture(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).unwrap()
}

fn key_value(document: &Value, field: &str, name: &str) -> Option<String> {
    let keys = document[field].as_array()?;
    keys.iter().find(|k| k["name"] == name).map(|k| k["value"].as_str().unwrap().to_owned())
}

fn blob_root(connection: &str, host_id: &str) -> ScriptRoot {
    let root = ScriptRoot::new(true);
    root.edit_json("local.settings.json.example", |json| {
        json["Values"]["AzureWebJobsStorage"] = connection.into();
        json["Values"]["AzureFunctionsWebHost__hostid"] = host_id.into();
    });
    root
}

#[tokio::test]
async fn keys_the_host_wrote_to_blob_storage_open_functions() {
    let Some(port) = azurite_port() else { return };
    let id = host_id();
    let client = client(port);
    client.create_container(CONTAINER).await.unwrap();
    for (blob, body) in [("host.json", HOST_FIXTURE), ("config-check.json", FUNCTION_FIXTURE)] {
        let name = format!("{id}/{blob}");
        let written = client.put(CONTAINER, &name, body.to_vec(), "application/json", Condition::Absent).await;
        assert!(written.unwrap().is_some());
    }
    let (host_keys, function_keys) = (fixture(HOST_FIXTURE), fixture(FUNCTION_FIXTURE));
    let master = host_keys["masterKey"]["value"].as_str().unwrap().to_owned();
    let ci_key = key_value(&function_keys, "keys", "ci-pipeline").unwrap();

    let connection = format!(
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DEV_ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
    );
    let host = TestHost::start(blob_root(&connection, &id)).await;
    assert!(
        host.output().contains(&format!("under host id {id} (from AzureFunctionsWebHost__hostid)")),
        "{}",
        host.output()
    );
    let path = "/api/config-check";
    assert_eq!(host.get(path, Some(&ci_key)).await.status(), 200, "{}", host.output());
    let host_default = key_value(&host_keys, "functionKeys", "default").unwrap();
    assert_eq!(host.get(path, Some(&host_default)).await.status(), 200);
    assert_eq!(host.get(path, Some("not-one-of-the-keys")).await.status(), 401);
    let status: Value = host
        .client
        .get(host.url("/admin/host/status"))
        .header("x-functions-key", &master)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["id"], id.as_str());

    // Admin API changes are in the blob, in the files format.
    let created: Value = host
        .client
        .post(host.url("/admin/functions/config-check/keys/deploy"))
        .header("x-functions-key", &master)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let deploy = created["value"].as_str().unwrap();
    let stored = document(&client, &format!("{id}/config-check.json")).await.unwrap();
    assert_eq!(key_value(&stored, "keys", "deploy").as_deref(), Some(deploy));
    assert_eq!(stored["keys"][0]["encrypted"], false);
    let deleted = host
        .client
        .delete(host.url("/admin/functions/config-check/keys/ci-pipeline"))
        .header("x-functions-key", &master)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let stored = document(&client, &format!("{id}/config-check.json")).await.unwrap();
    assert_eq!(key_value(&stored, "keys", "ci-pipeline"), None);
    assert_eq!(host.get(path, Some(&ci_key)).await.status(), 401);
    assert_eq!(host.get(path, Some(deploy)).await.status(), 200);
    assert!(!host.output().contains(&master), "the master key is never printed");
}

/// Two stores on one host id stand for two hosts: every write is conditional, so neither loses
/// the keys the other wrote in between.
#[tokio::test]
async fn blob_writers_never_lose_each_others_keys() {
    let Some(port) = azurite_port() else { return };
    let id = host_id();
    let storage = || {
        KeyStorage::Blob(Box::new(BlobStorage {
            account: Account::development(port),
            host_id: id.clone(),
            host_id_from_setting: true,
            development: false,
            overrides: Overrides::default(),
        }))
    };
    let first = KeyStore::open(&storage(), StoreIdentity::default()).await.unwrap();
    let second = KeyStore::open(&storage(), StoreIdentity::default()).await.unwrap();
    let scope = KeyScope::Function("shared");
    let writes = |store: &'static str, keys: KeyStore| async move {
        for i in 0..8 {
            keys.put(scope, &format!("{store}-{i}"), "some-key-value".into()).await.unwrap();
        }
        keys
    };
    let (first, _) = tokio::join!(writes("first", first), writes("second", second));
    let names: Vec<String> = first.list(scope).await.unwrap().into_iter().map(|k| k.name).collect();
    assert_eq!(names.len(), 17, "{names:?}");
    let stored = document(&client(port), &format!("{id}/shared.json")).await.unwrap();
    assert_eq!(stored["keys"].as_array().unwrap().len(), 17);
}

#[tokio::test]
async fn development_storage_starts_azurite_and_stops_it() {
    let repo = crate::support::repo();
    if vaultfn::devhost::azurite::find(repo).is_none() {
        // The binary's own Azurite helper reports (and fails under CI=true) the same way.
        assert!(azurite_port().is_none());
        return;
    }
    if std::net::TcpStream::connect(("127.0.0.1", DEV_BLOB_PORT)).is_ok() {
        eprintln!("skipped: something already listens on Azurite's port {DEV_BLOB_PORT}");
        return;
    }
    let id = host_id();
    let mut host = TestHost::start(blob_root("UseDevelopmentStorage=true", &id)).await;
    assert!(host.output().contains("Started Azurite"), "{}", host.output());
    let client = client(DEV_BLOB_PORT);
    let host_keys = document(&client, &format!("{id}/host.json")).await.expect("the host's keys are in Azurite");
    let function_keys = document(&client, &format!("{id}/config-check.json")).await.unwrap();
    let master = host_keys["masterKey"]["value"].as_str().unwrap();
    let key = key_value(&function_keys, "keys", "default").unwrap();
    assert_eq!(host.get("/api/config-check", Some(&key)).await.status(), 200);
    assert_eq!(host.get("/admin/host/status", Some(master)).await.status(), 200);

    host.signal("TERM");
    assert!(host.wait_exit(Duration::from_secs(20)).is_some_and(|s| s.success()), "{}", host.output());
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(("127.0.0.1", DEV_BLOB_PORT)).is_ok() {
        assert!(Instant::now() < deadline, "Azurite still listens after vaultfn start ended");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
