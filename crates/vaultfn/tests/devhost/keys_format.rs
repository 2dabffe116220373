//! Keys on disk in the host's `files` format: files the host wrote load, and generated keys pass
//! a Marvin32 check written here from the algorithm, independently of the crate's.

use base64::Engine as _;
use serde_json::json;

use crate::devhost::helpers::{ScriptRoot, TestHost};

fn marvin64(data: &[u8], seed: u64) -> u64 {
    fn block(p0: &mut u32, p1: &mut u32) {
        *p1 ^= *p0;
        *p0 = p0.rotate_left(20);
        *p0 = p0.wrapping_add(*p1);
        *p1 = p1.rotate_left(9);
        *p1 ^= *p0;
        *p0 = p0.rotate_left(27);
        *p0 = p0.wrapping_add(*p1);
        *p1 = p1.rotate_left(19);
    }
    let (mut p0, mut p1) = (seed as u32, (seed >> 32) as u32);
    let whole = data.len() / 4 * 4;
    for chunk in data[..whole].chunks_exact(4) {
        p0 = p0.wrapping_add(u32::from_le_bytes(chunk.try_into().unwrap()));
        block(&mut p0, &mut p1);
    }
    let tail = &data[whole..];
    let mut last = 0x80u32 << (8 * tail.len());
    for (i, b) in tail.iter().enumerate() {
        last |= u32::from(*b) << (8 * i);
    }
    p0 = p0.wrapping_add(last);
    block(&mut p0, &mut p1);
    block(&mut p0, &mut p1);
    (u64::from(p1) << 32) | u64::from(p0)
}

fn host_generated(key: &str, seed: &[u8; 8]) -> bool {
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE.decode(key) else { return false };
    let seed = u64::from_be_bytes(*seed);
    let marvin = marvin64(&bytes[..36], seed);
    let checksum = ((marvin >> 32) as u32) ^ (marvin as u32);
    key.len() == 56
        && key.ends_with("==")
        && bytes[33..36] == [0x03, 0x31, 0x6e]
        && bytes[36..40] == checksum.to_le_bytes()
}

#[test]
fn independent_marvin_matches_the_vectors() {
    assert_eq!(marvin64(b"abc", 0xd53cd9cecd0893b7), 0x22c74339492769bf);
    assert_eq!(marvin64(b"abcdefghijklmnopqrstuvwxyz", 0x0ddddeeeeffff000), 0xa128eb7e7260aca2);
    assert_eq!(marvin64(b"", 0x004fb61a001bdbcc), 0x30ed35c100cd3c7d);
}

#[tokio::test]
async fn generated_keys_are_in_the_hosts_format() {
    let host = TestHost::start(ScriptRoot::new(false)).await;
    assert!(host_generated(&host.master_key(), b"Master00"));
    assert!(host_generated(&host.host_function_key(), b"Functi00"));
    assert!(host_generated(&host.function_key("config-check"), b"Functi00"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(host.root.secrets().join("host.json")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test]
async fn key_files_written_by_the_host_load() {
    let root = ScriptRoot::new(false);
    std::fs::create_dir_all(root.secrets()).unwrap();
    let host_file = json!({
        "masterKey": {"name": "master", "value": "HostWrittenMasterKey0000000000000000000000000000000000==", "encrypted": false},
        "functionKeys": [{"name": "default", "value": "HostWrittenHostFunctionKey000000000000000000000000000==", "encrypted": false}],
        "systemKeys": [],
        "hostName": "localhost:7071",
        "instanceId": "0000000000000000000000002B9D5E3F",
        "source": "runtime",
        "decryptionKeyId": ""
    });
    let function_file = json!({
        "keys": [{"name": "default", "value": "HostWrittenFunctionKey00000000000000000000000000000000==", "encrypted": false}],
        "hostName": "localhost:7071",
        "instanceId": "0000000000000000000000002B9D5E3F",
        "source": "runtime",
        "decryptionKeyId": ""
    });
    std::fs::write(root.secrets().join("host.json"), serde_json::to_vec_pretty(&host_file).unwrap()).unwrap();
    std::fs::write(root.secrets().join("config-check.json"), serde_json::to_vec_pretty(&function_file).unwrap())
        .unwrap();
    let host = TestHost::start(root).await;
    assert_eq!(host.master_key(), "HostWrittenMasterKey0000000000000000000000000000000000==");
    let status = |key: &'static str| {
        let host = &host;
        async move { host.get("/api/config-check", Some(key)).await.status().as_u16() }
    };
    assert_ne!(status("HostWrittenFunctionKey00000000000000000000000000000000==").await, 401);
    assert_ne!(status("HostWrittenHostFunctionKey000000000000000000000000000==").await, 401);
    assert_eq!(
        host.get("/admin/host/status", Some("HostWrittenMasterKey0000000000000000000000000000000000==")).await.status(),
        200
    );
}
