//! The on-disk side of the store: host-written files, format, permissions.

use super::tests::{fs_write, json, store, value};
use super::*;
use crate::keys::is_host_generated;
use secrecy::ExposeSecret as _;

/// Written by the host (v4, `files` store, Linux): UTF-8 BOM, two-space indent.
const HOST_FIXTURE: &[u8] = include_bytes!("../../../../tests/data/secrets/host.json");
const FUNCTION_FIXTURE: &[u8] = include_bytes!("../../../../tests/data/secrets/config-check.json");

fn with_fixtures() -> (tempfile::TempDir, FileStore) {
    let (dir, store) = store();
    fs_write(store.dir(), "host.json", HOST_FIXTURE);
    fs_write(store.dir(), "config-check.json", FUNCTION_FIXTURE);
    (dir, store)
}

#[cfg(unix)]
#[test]
fn files_and_directory_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let (_dir, store) = store();
    store.list(KeyScope::Function("f")).unwrap();
    store.put(KeyScope::System, "sys", "a-system-value".into()).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(store.dir()), 0o700);
    assert_eq!(mode(&store.dir().join("host.json")), 0o600);
    assert_eq!(mode(&store.dir().join("f.json")), 0o600);
    assert_eq!(mode(&store.dir().join(".lock")), 0o600);
    let leftovers: Vec<_> = std::fs::read_dir(store.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn loads_files_written_by_the_host() {
    let (_dir, store) = with_fixtures();
    let master = store.master().unwrap();
    assert!(is_host_generated(master.expose_secret(), KeyKind::Master));

    let system = store.list(KeyScope::System).unwrap();
    assert_eq!(system.len(), 1);
    assert_eq!(system[0].name, "durabletask_extension");
    assert!(is_host_generated(value(&system[0]), KeyKind::System));

    let host_fn = store.list(KeyScope::HostFunction).unwrap();
    assert!(is_host_generated(value(&host_fn[0]), KeyKind::HostFunction));

    let keys = store.list(KeyScope::Function("Config-Check")).unwrap();
    let names: Vec<_> = keys.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["default", "ci-pipeline"]);
    assert!(keys.iter().all(|k| is_host_generated(value(k), KeyKind::Function)));
}

#[test]
fn rewriting_a_host_file_keeps_its_identity_and_shape() {
    let (_dir, store) = with_fixtures();
    store.put(KeyScope::Function("config-check"), "extra", "extra-value".into()).unwrap();
    store.put(KeyScope::HostFunction, "extra", "extra-value".into()).unwrap();

    let function = json(store.dir(), "config-check.json");
    assert_eq!(function["instanceId"], "00000000000000000000000085A1D7F4");
    assert_eq!(function["hostName"], "localhost:7071");
    assert_eq!(function["keys"][2], serde_json::json!({"name": "extra", "value": "extra-value", "encrypted": false}));

    let host = json(store.dir(), "host.json");
    let fields: Vec<_> = host.as_object().unwrap().keys().cloned().collect();
    let mut expected =
        vec!["masterKey", "functionKeys", "systemKeys", "hostName", "instanceId", "source", "decryptionKeyId"];
    expected.sort_unstable();
    assert_eq!(fields, expected);
    assert_eq!(host["instanceId"], "00000000000000000000000085A1D7F4");
}

#[test]
fn written_files_keep_the_hosts_field_order() {
    let (_dir, store) = store();
    store.master().unwrap();
    let text = std::fs::read_to_string(store.dir().join("host.json")).unwrap();
    let at = |field: &str| text.find(&format!("\"{field}\"")).unwrap();
    let order = ["masterKey", "functionKeys", "systemKeys", "hostName", "instanceId", "source", "decryptionKeyId"];
    assert!(order.windows(2).all(|w| at(w[0]) < at(w[1])), "{text}");
}

#[test]
fn unknown_fields_are_ignored() {
    let (_dir, store) = store();
    let file = br#"{"keys":[{"name":"default","value":"v-1","encrypted":false,"future":1}],"newField":{"a":[]}}"#;
    fs_write(store.dir(), "f.json", file);
    let keys = store.list(KeyScope::Function("f")).unwrap();
    assert_eq!(value(&keys[0]), "v-1");
}

#[test]
fn encrypted_files_are_refused_clearly() {
    let (_dir, store) = store();
    let file = br#"{"keys":[{"name":"default","value":"CfDJ8AAAAAAAAAAAAAAAAAAAAAA-ciphertext","encrypted":true}],"hostName":"app.azurewebsites.net","instanceId":"x","source":"runtime","decryptionKeyId":"AzureWebEncryptionKey=abc;"}"#;
    fs_write(store.dir(), "f.json", file);
    let err = store.list(KeyScope::Function("f")).unwrap_err();
    assert!(matches!(err, KeyError::Encrypted { .. }));
    let message = err.to_string();
    assert!(message.contains("f.json") && message.contains("encrypted"), "{message}");
    assert!(!message.contains("CfDJ8"));
}

#[test]
fn malformed_files_never_echo_their_content() {
    let (_dir, store) = store();
    fs_write(store.dir(), "host.json", br#"{"masterKey":"leaky-secret-value","functionKeys":[]}"#);
    let err = store.master().unwrap_err();
    assert!(matches!(err, KeyError::Malformed { .. }), "{err}");
    assert!(!err.to_string().contains("leaky"));
    assert!(!format!("{err:?}").contains("leaky"));

    fs_write(store.dir(), "host.json", br#"{"functionKeys":[]}"#);
    assert!(matches!(store.master().unwrap_err(), KeyError::Invalid { .. }));
}

#[test]
fn an_empty_file_is_regenerated() {
    let (_dir, store) = store();
    fs_write(store.dir(), "f.json", b"");
    let keys = store.list(KeyScope::Function("f")).unwrap();
    assert_eq!(keys[0].name, "default");
}

#[test]
fn host_name_comes_from_the_identity() {
    let dir = tempfile::tempdir().unwrap();
    let identity = StoreIdentity {
        host_name: Some("localhost:7071".into()),
        instance_id: "0123456789ABCDEF0123456789ABCDEF".into(),
    };
    let store = FileStore::open_with(dir.path(), identity).unwrap();
    store.master().unwrap();
    let host = json(store.dir(), "host.json");
    assert_eq!(host["hostName"], "localhost:7071");
    assert_eq!(host["instanceId"], "0123456789ABCDEF0123456789ABCDEF");
}

#[test]
fn debug_output_shows_no_values() {
    let (_dir, store) = with_fixtures();
    let snapshot = store.snapshot(["config-check"]).unwrap();
    let master = store.master().unwrap();
    let shown = format!("{snapshot:?} {store:?} {:?}", store.list(KeyScope::System).unwrap());
    assert!(!shown.contains(master.expose_secret()));
    assert!(!shown.contains("AzFu"), "{shown}");
}

#[test]
fn creating_never_overwrites_a_file_that_appeared_meanwhile() {
    let (_dir, store) = store();
    let path = store.dir().join("f.json");
    assert!(file::write_atomic(&path, b"first", Write::CreateNew).unwrap());
    assert!(!file::write_atomic(&path, b"second", Write::CreateNew).unwrap());
    assert_eq!(std::fs::read(&path).unwrap(), b"first");
    assert!(file::write_atomic(&path, b"third", Write::Replace).unwrap());
    assert_eq!(std::fs::read(&path).unwrap(), b"third");
}
