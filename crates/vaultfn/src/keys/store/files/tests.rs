use super::*;
use crate::keys::{AuthLevel, is_host_generated, resolve_level};
use secrecy::ExposeSecret as _;

pub(super) fn store() -> (tempfile::TempDir, FileStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path().join("secrets")).unwrap();
    (dir, store)
}

pub(super) fn fs_write(dir: &Path, name: &str, contents: &[u8]) {
    std::fs::write(dir.join(name), contents).unwrap();
}

pub(super) fn json(dir: &Path, name: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap()
}

pub(super) fn value(key: &NamedKey) -> &str {
    key.value.expose_secret()
}

#[test]
fn first_use_creates_host_and_function_files() {
    let (_dir, store) = store();
    let snapshot = store.snapshot(["Config-Check"]).unwrap();

    let host = json(store.dir(), "host.json");
    assert_eq!(host["masterKey"]["name"], "master");
    assert_eq!(host["masterKey"]["encrypted"], false);
    assert_eq!(host["functionKeys"][0]["name"], "default");
    assert_eq!(host["systemKeys"], serde_json::json!([]));
    assert_eq!(host["source"], "runtime");
    assert_eq!(host["decryptionKeyId"], "");
    assert_eq!(host["instanceId"].as_str().unwrap().len(), 32);
    let master = host["masterKey"]["value"].as_str().unwrap();
    assert!(is_host_generated(master, KeyKind::Master));
    let host_default = host["functionKeys"][0]["value"].as_str().unwrap();
    assert!(is_host_generated(host_default, KeyKind::HostFunction));

    let function = json(store.dir(), "config-check.json");
    let keys = function["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["name"], "default");
    let fn_default = keys[0]["value"].as_str().unwrap();
    assert!(is_host_generated(fn_default, KeyKind::Function));

    assert_eq!(resolve_level(&snapshot, "config-check", master), Some(AuthLevel::Admin));
    assert_eq!(resolve_level(&snapshot, "config-check", fn_default), Some(AuthLevel::Function));
}

#[test]
fn files_keep_their_keys_between_opens() {
    let (_dir, store) = store();
    let first = store.master().unwrap();
    let reopened = FileStore::open(store.dir()).unwrap();
    assert_eq!(reopened.master().unwrap().expose_secret(), first.expose_secret());
}

#[test]
fn put_creates_then_replaces() {
    let (_dir, store) = store();
    let scope = KeyScope::Function("f");
    assert_eq!(store.put(scope, "ci", "value-one".into()).unwrap(), Outcome::Created);
    assert_eq!(store.put(scope, "CI", "value-two".into()).unwrap(), Outcome::Replaced);
    let key = store.get(scope, "ci").unwrap().unwrap();
    assert_eq!((key.name.as_str(), value(&key)), ("CI", "value-two"));
    assert_eq!(store.list(scope).unwrap().len(), 2);
}

#[test]
fn generate_tells_new_from_replaced() {
    let (_dir, store) = store();
    let (outcome, created) = store.generate(KeyScope::System, "mcp_extension").unwrap();
    assert_eq!(outcome, Outcome::Created);
    assert!(is_host_generated(value(&created), KeyKind::System));
    let (outcome, replaced) = store.generate(KeyScope::System, "mcp_extension").unwrap();
    assert_eq!(outcome, Outcome::Replaced);
    assert_ne!(value(&created), value(&replaced));
    let stored = store.get(KeyScope::System, "mcp_extension").unwrap().unwrap();
    assert_eq!(value(&stored), value(&replaced));

    let (_, host_fn) = store.generate(KeyScope::HostFunction, "shared").unwrap();
    assert!(is_host_generated(value(&host_fn), KeyKind::HostFunction));
    let (_, fn_key) = store.generate(KeyScope::Function("f"), "mine").unwrap();
    assert!(is_host_generated(value(&fn_key), KeyKind::Function));
}

#[test]
fn delete_removes_and_reports_missing_keys() {
    let (_dir, store) = store();
    let scope = KeyScope::HostFunction;
    store.delete(scope, "DEFAULT").unwrap();
    assert!(store.list(scope).unwrap().is_empty());
    let err = store.delete(scope, "default").unwrap_err();
    assert!(matches!(err, KeyError::NotFound { .. }), "{err}");
    assert!(matches!(store.delete(KeyScope::Function("f"), "nope"), Err(KeyError::NotFound { .. })));
}

#[test]
fn the_master_key_is_reached_as_master() {
    let (_dir, store) = store();
    let original = store.master().unwrap();
    let got = store.get(KeyScope::System, "_master").unwrap().unwrap();
    assert_eq!((got.name.as_str(), value(&got)), ("_master", original.expose_secret()));
    assert!(store.get(KeyScope::HostFunction, "_master").unwrap().is_none());
    assert!(store.list(KeyScope::System).unwrap().is_empty(), "lists leave the master key out");

    let (outcome, regenerated) = store.generate(KeyScope::System, "_Master").unwrap();
    assert_eq!(outcome, Outcome::Replaced);
    assert!(is_host_generated(value(&regenerated), KeyKind::Master));
    assert_eq!(store.master().unwrap().expose_secret(), value(&regenerated));

    assert_eq!(store.put(KeyScope::HostFunction, "_master", "chosen-value".into()).unwrap(), Outcome::Replaced);
    assert_eq!(store.master().unwrap().expose_secret(), "chosen-value");
    let fresh = store.regenerate_master().unwrap();
    assert_eq!(store.master().unwrap().expose_secret(), fresh.expose_secret());
    store.set_master("set-directly".into()).unwrap();
    assert_eq!(store.master().unwrap().expose_secret(), "set-directly");
}

#[test]
fn the_master_key_cannot_be_deleted_or_shadowed() {
    let (_dir, store) = store();
    for scope in [KeyScope::System, KeyScope::HostFunction, KeyScope::Function("f")] {
        assert!(matches!(store.delete(scope, "_master"), Err(KeyError::MasterKeyUndeletable)));
    }
    let err = store.put(KeyScope::Function("f"), "_MASTER", "value-x".into()).unwrap_err();
    assert!(matches!(err, KeyError::ReservedName(_)));
    assert!(store.master().is_ok());
}

#[test]
fn names_and_values_are_validated() {
    let (_dir, store) = store();
    let scope = KeyScope::Function("f");
    for name in ["", "has space", "slash/y", "dot.name", "ünï", &"a".repeat(129)] {
        let err = store.put(scope, name, "good-value".into()).unwrap_err();
        assert!(matches!(err, KeyError::InvalidName { .. }), "{name:?}: {err}");
    }
    assert!(store.put(scope, "Ok_name-1", "good-value".into()).is_ok());
    assert!(store.put(scope, &"a".repeat(128), "good-value".into()).is_ok());

    for bad in ["", "has space", "tab\tvalue", "new\nline", "ünïcode"] {
        let err = store.put(scope, "k", bad.into()).unwrap_err();
        assert!(matches!(err, KeyError::InvalidValue(_)), "{err}");
        assert!(err.to_string().starts_with("Invalid key value"));
        if !bad.is_empty() {
            assert!(!err.to_string().contains(bad));
        }
    }
    assert!(matches!(store.set_master("".into()), Err(KeyError::InvalidValue(_))));
}

#[test]
fn function_names_cannot_escape_the_directory() {
    let (_dir, store) = store();
    for name in ["../x", "a/b", "host", "HOST", "", "1abc", ".hidden", "a.b"] {
        let err = store.list(KeyScope::Function(name)).unwrap_err();
        assert!(matches!(err, KeyError::InvalidFunctionName(_)), "{name:?}: {err}");
    }
    let before = std::fs::read(store.dir().join("host.json")).ok();
    assert!(before.is_none(), "no host.json created by function-name errors");
}

#[test]
fn function_files_are_named_in_lower_case() {
    let (_dir, store) = store();
    store.put(KeyScope::Function("ConfigCheck"), "k", "value-1".into()).unwrap();
    assert!(store.dir().join("configcheck.json").exists());
    let key = store.get(KeyScope::Function("CONFIGCHECK"), "K").unwrap().unwrap();
    assert_eq!(value(&key), "value-1");
}

/// Two stores on one directory stand for two processes: each has its own in-process lock, so only
/// the directory's file lock keeps one from writing over a key the other just saved.
#[test]
fn stores_sharing_a_directory_never_lose_each_others_keys() {
    let (_dir, first) = store();
    let second = FileStore::open(first.dir()).unwrap();
    let scope = KeyScope::Function("shared");
    first.list(scope).unwrap();
    std::thread::scope(|threads| {
        for worker in 0..8 {
            let store = if worker % 2 == 0 { &first } else { &second };
            threads.spawn(move || {
                for i in 0..5 {
                    let outcome = store.put(scope, &format!("k{worker}-{i}"), "some-key-value".into()).unwrap();
                    assert_eq!(outcome, Outcome::Created);
                }
            });
        }
    });
    let names: Vec<_> = first.list(scope).unwrap().into_iter().map(|k| k.name).collect();
    assert_eq!(names.len(), 41, "{names:?}");
    for worker in 0..8 {
        for i in 0..5 {
            assert!(names.contains(&format!("k{worker}-{i}")), "k{worker}-{i} lost: {names:?}");
        }
    }
}

#[test]
fn a_write_waits_while_another_process_holds_the_directory_lock() {
    let (_dir, store) = store();
    store.list(KeyScope::HostFunction).unwrap();
    let other = std::fs::OpenOptions::new().read(true).write(true).open(store.dir().join(".lock")).unwrap();
    other.lock().unwrap();
    std::thread::scope(|threads| {
        let writer = threads.spawn(|| store.put(KeyScope::HostFunction, "late", "a-key-value".into()).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(!writer.is_finished(), "the write went ahead under another holder's lock");
        assert!(!json(store.dir(), "host.json").to_string().contains("late"));
        other.unlock().unwrap();
        assert_eq!(writer.join().unwrap(), Outcome::Created);
    });
    assert!(store.get(KeyScope::HostFunction, "late").unwrap().is_some());
}

#[test]
fn read_master_reads_and_never_creates() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    assert!(FileStore::read_master(&secrets).unwrap().is_none());
    assert!(!secrets.exists(), "reading created the directory");

    let store = FileStore::open(&secrets).unwrap();
    let master = store.master().unwrap();
    let read = FileStore::read_master(&secrets).unwrap().unwrap();
    assert_eq!(read.expose_secret(), master.expose_secret());

    fs_write(&secrets, "host.json", b"");
    assert!(FileStore::read_master(&secrets).unwrap().is_none());
    assert!(std::fs::read(secrets.join("host.json")).unwrap().is_empty(), "reading rewrote the file");
    fs_write(&secrets, "host.json", b"{\"masterKey\": \"not-an-object-secret\"}");
    let err = FileStore::read_master(&secrets).unwrap_err().to_string();
    assert!(!err.contains("not-an-object-secret"), "{err}");
}
