//! `vaultfn keys` against servers that want its master key, and `vaultfn start` processes that
//! share one key directory.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use crate::devhost::helpers::{ScriptRoot, TestHost, free_port, spawn_vaultfn};

const MASTER: &str = "master-key-under-test-0123456789";
const VALUE: &str = "piped-key-value-0123456789";

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `vaultfn keys` in `cwd` with `stdin` piped in. A command that hangs (a connection it
/// should not have tried) fails the test instead of stalling it.
async fn keys(cwd: &Path, args: &[&str], stdin: &str) -> Run {
    let mut child = tokio::process::Command::new(crate::support::vaultfn())
        .arg("keys")
        .args(args)
        .current_dir(cwd)
        .env_remove("VAULTFN_MASTER_KEY")
        .env_remove("FUNCTIONS_SECRETS_PATH")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn vaultfn keys");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("vaultfn keys {args:?} did not finish within 30 s"))
        .unwrap();
    Run {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Every byte each connection to `listener` sent, one entry per connection. `answer` is written
/// back once the request's head (and any body its Content-Length announces) has arrived.
fn record(listener: TcpListener, answer: String) -> Arc<Mutex<Vec<String>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let log = log.clone();
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut received = Vec::new();
                let mut buffer = [0u8; 4096];
                let index = log.lock().unwrap().len();
                log.lock().unwrap().push(String::new());
                loop {
                    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer)).await;
                    let Ok(Ok(n)) = read else { break };
                    if n == 0 {
                        break;
                    }
                    received.extend_from_slice(&buffer[..n]);
                    log.lock().unwrap()[index] = String::from_utf8_lossy(&received).into_owned();
                    if request_complete(&received) {
                        break;
                    }
                }
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    seen
}

fn request_complete(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let Some(end) = text.find("\r\n\r\n") else { return false };
    let length = text[..end]
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0usize);
    bytes.len() >= end + 4 + length
}

#[tokio::test]
async fn keys_never_follows_a_redirect_with_the_master_key() {
    let elsewhere = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere_origin = format!("http://{}", elsewhere.local_addr().unwrap());
    let elsewhere_seen = record(
        elsewhere,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
            .to_owned(),
    );
    let app = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_url = format!("http://{}", app.local_addr().unwrap());
    let app_seen = record(
        app,
        format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: {elsewhere_origin}/admin/functions/config-check/keys/deploy\
             \r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    );
    let cwd = tempfile::tempdir().unwrap();
    let common = ["--function", "config-check", "--url", &app_url, "--master-key", MASTER];

    let mut set = vec!["set", "deploy"];
    set.extend_from_slice(&common);
    let mut list = vec!["list"];
    list.extend_from_slice(&common);
    for args in [set, list] {
        let run = keys(cwd.path(), &args, &format!("{VALUE}\n")).await;
        assert!(!run.ok, "{args:?} succeeded through a redirect:\n{}", run.all());
        assert!(
            run.stderr.contains("307") && run.stderr.contains(&elsewhere_origin) && run.stderr.contains("not followed"),
            "{args:?}: the error should name the redirect and where it points:\n{}",
            run.stderr
        );
        assert!(!run.all().contains(MASTER) && !run.all().contains(VALUE), "{}", run.all());
    }
    // Let any late connection land before looking.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let app_seen = app_seen.lock().unwrap().clone();
    assert_eq!(app_seen.len(), 2, "the app itself was asked: {app_seen:?}");
    assert!(app_seen[0].to_ascii_lowercase().contains(&format!("x-functions-key: {MASTER}")));
    assert!(app_seen[0].contains(VALUE), "the set request carried the value to the app");
    let elsewhere_seen = elsewhere_seen.lock().unwrap().clone();
    assert!(elsewhere_seen.is_empty(), "the redirect target was contacted: {elsewhere_seen:?}");
    assert!(std::fs::read_dir(cwd.path()).unwrap().next().is_none(), "nothing is written for a remote app");
}

/// This machine's address on the interface a packet to `10.255.255.1` would leave from: not
/// loopback, yet something a test can listen on. UDP `connect` sends nothing.
fn non_loopback_address() -> Option<IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("10.255.255.1:1").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test]
async fn keys_refuses_plain_http_to_a_remote_url_before_connecting() {
    let cwd = tempfile::tempdir().unwrap();
    let mut urls = vec!["http://example.invalid".to_owned(), "http://10.255.255.1:1".to_owned()];
    // A listener on a non-loopback address of this machine proves that no connection is tried.
    let mut listener_seen = None;
    if let Some(ip) = non_loopback_address()
        && let Ok(listener) = TcpListener::bind(SocketAddr::new(ip, 0)).await
    {
        urls.push(format!("http://{}", listener.local_addr().unwrap()));
        listener_seen = Some(record(listener, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".to_owned()));
    }
    for url in &urls {
        for args in [vec!["list"], vec!["set", "deploy", "--function", "config-check"]] {
            let mut args = args.clone();
            args.extend_from_slice(&["--url", url, "--master-key", MASTER]);
            let run = keys(cwd.path(), &args, &format!("{VALUE}\n")).await;
            assert!(!run.ok, "{args:?} succeeded:\n{}", run.all());
            assert!(
                run.stderr.contains("plain http") && run.stderr.contains("use https"),
                "{args:?}: expected a refusal of plain http, got:\n{}",
                run.stderr
            );
            assert!(!run.stderr.contains("cannot reach"), "{args:?} tried to connect:\n{}", run.stderr);
            assert!(!run.all().contains(MASTER) && !run.all().contains(VALUE), "{}", run.all());
        }
    }
    if let Some(seen) = listener_seen {
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(seen.lock().unwrap().is_empty(), "a connection reached the listener");
    }
    // https to a loopback address and http to every loopback form are accepted (the refusal is
    // about leaving the machine); the port has no listener, so they fail to connect instead.
    let port = free_port();
    for url in [format!("http://127.0.0.2:{port}"), format!("http://[::1]:{port}"), format!("http://localhost:{port}")]
    {
        let run = keys(cwd.path(), &["list", "--url", &url, "--master-key", MASTER], "").await;
        assert!(!run.ok && run.stderr.contains("cannot reach"), "{url}:\n{}", run.stderr);
    }
}

#[tokio::test]
async fn keys_needs_a_master_key_for_a_remote_url_and_writes_nothing() {
    let cwd = tempfile::tempdir().unwrap();
    for args in [
        vec!["list", "--url", "https://app.example.invalid"],
        vec!["new", "deploy", "--function", "config-check", "--url", "https://app.example.invalid/"],
        vec!["set", "deploy", "--url", "https://app.example.invalid", "--script-root", "other"],
    ] {
        let run = keys(cwd.path(), &args, &format!("{VALUE}\n")).await;
        assert!(!run.ok, "{args:?} succeeded:\n{}", run.all());
        assert!(
            run.stderr.contains("--master-key") && run.stderr.contains("VAULTFN_MASTER_KEY"),
            "{args:?}: the error should say a master key is needed:\n{}",
            run.stderr
        );
        assert!(!run.stderr.contains("cannot reach"), "{args:?} tried to connect:\n{}", run.stderr);
        assert!(!run.all().contains(VALUE), "{}", run.all());
        assert!(!cwd.path().join(".vaultfn").exists(), "{args:?} created a key store in the working directory");
        assert!(std::fs::read_dir(cwd.path()).unwrap().next().is_none(), "{args:?} wrote to the working directory");
    }
}

#[tokio::test]
async fn keys_offers_an_existing_local_store_to_the_local_host_only() {
    // A script root whose key store exists: its master key still never goes to a remote URL.
    let root = ScriptRoot::new(false);
    let secrets = root.secrets();
    std::fs::create_dir_all(&secrets).unwrap();
    let local_master = "local-master-key-abcdefghijklmnop";
    std::fs::write(
        secrets.join("host.json"),
        serde_json::json!({"masterKey": {"name": "master", "value": local_master, "encrypted": false}, "functionKeys": []})
            .to_string(),
    )
    .unwrap();
    let root_arg = root.path().to_str().unwrap();
    let run = keys(root.path(), &["list", "--url", "https://app.example.invalid", "--script-root", root_arg], "").await;
    assert!(!run.ok && run.stderr.contains("--master-key"), "{}", run.all());
    assert!(!run.all().contains(local_master));

    // A loopback URL reads it (the server here only records what it was sent).
    let app = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_url = format!("http://{}", app.local_addr().unwrap());
    let seen = record(
        app,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"keys\":[]}"
            .to_owned(),
    );
    let run = keys(root.path(), &["list", "--url", &app_url, "--script-root", root_arg], "").await;
    assert!(run.ok, "{}", run.all());
    assert!(seen.lock().unwrap()[0].to_ascii_lowercase().contains(&format!("x-functions-key: {local_master}")));

    // Without a key store, a loopback URL is an error, and no store is made up.
    let empty = tempfile::tempdir().unwrap();
    let run = keys(empty.path(), &["list", "--url", &app_url], "").await;
    assert!(!run.ok && run.stderr.contains("no master key"), "{}", run.all());
    assert!(std::fs::read_dir(empty.path()).unwrap().next().is_none(), "a key store was created");
}

/// A second `vaultfn start`, stopped when dropped.
struct SecondHost {
    child: std::process::Child,
    output: Arc<Mutex<String>>,
    port: u16,
}

impl SecondHost {
    async fn start(root: &Path) -> Self {
        let port = free_port();
        let (child, output) = spawn_vaultfn(root, &["start", "--port", &port.to_string(), "--script-root", "."]);
        let mut host = Self { child, output, port };
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while !host.output.lock().unwrap().contains("Listening on") {
            if let Some(status) = host.child.try_wait().unwrap() {
                panic!("the second vaultfn start exited ({status}):\n{}", host.output.lock().unwrap());
            }
            assert!(std::time::Instant::now() < deadline, "no second host:\n{}", host.output.lock().unwrap());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        host
    }
}

impl Drop for SecondHost {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        for _ in 0..400 {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hosts_on_one_key_directory_keep_every_created_key() {
    let first = TestHost::start(ScriptRoot::new(false)).await;
    let second = SecondHost::start(first.root.path()).await;
    let master = first.master_key();
    let bases = [first.base(), format!("http://127.0.0.1:{}", second.port)];
    let requests = (0..40).map(|i| {
        let url = format!("{}/admin/functions/config-check/keys/race-{i}", bases[i % 2]);
        let request = first.client.post(url).header("x-functions-key", &master);
        async move { request.send().await.map(|r| r.status().as_u16()) }
    });
    let statuses = futures::future::join_all(requests).await;
    for (i, status) in statuses.iter().enumerate() {
        assert_eq!(status.as_ref().ok(), Some(&201), "race-{i}: {status:?}");
    }
    let saved: Value =
        serde_json::from_slice(&std::fs::read(first.root.secrets().join("config-check.json")).unwrap()).unwrap();
    let names: Vec<&str> = saved["keys"].as_array().unwrap().iter().filter_map(|k| k["name"].as_str()).collect();
    let lost: Vec<String> = (0..40).map(|i| format!("race-{i}")).filter(|n| !names.contains(&n.as_str())).collect();
    assert!(lost.is_empty(), "{} of 40 created keys lost: {lost:?}", lost.len());
    assert_eq!(names.len(), 41, "default and the 40 created: {names:?}");
}

#[tokio::test]
async fn keys_set_never_prints_the_value() {
    let host = TestHost::start(ScriptRoot::new(false)).await;
    let base = host.base();
    let root = host.root.path().to_str().unwrap().to_owned();
    let target = ["--function", "config-check", "--url", base.as_str(), "--script-root", root.as_str()];
    let with = |action: &[&'static str], extra: &[&'static str]| {
        let mut args: Vec<&str> = action.to_vec();
        args.extend_from_slice(&target);
        args.extend_from_slice(extra);
        args
    };

    let run = keys(host.root.path(), &with(&["set", "piped"], &[]), &format!("{VALUE}\r\n")).await;
    assert!(run.ok, "{}", run.all());
    assert!(!run.all().contains(VALUE), "the value was printed:\n{}", run.all());
    assert!(run.stdout.contains("piped") && run.stdout.contains("created"), "{}", run.stdout);
    assert_ne!(host.get("/api/config-check", Some(VALUE)).await.status(), 401, "the piped value is the key");

    let second = "second-piped-value-0123456789";
    let run = keys(host.root.path(), &with(&["set", "piped"], &["--json"]), second).await;
    assert!(run.ok, "{}", run.all());
    assert!(!run.all().contains(second), "the value was printed:\n{}", run.all());
    let answer: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(answer["name"], "piped");
    assert_ne!(host.get("/api/config-check", Some(second)).await.status(), 401);

    let argument = "argument-value-0123456789";
    let run = keys(host.root.path(), &with(&["set", "piped", argument], &[]), "").await;
    assert!(run.ok && run.stdout.contains("updated"), "{}", run.all());
    assert!(!run.all().contains(argument), "the value was printed:\n{}", run.all());

    // A refused value: the error names the problem, not the value.
    let bad = "bad value with spaces";
    let run = keys(host.root.path(), &with(&["set", "piped"], &[]), bad).await;
    assert!(!run.ok && run.stderr.contains("400"), "{}", run.all());
    assert!(!run.all().contains(bad), "{}", run.all());

    let run = keys(host.root.path(), &with(&["set", "piped"], &[]), "\n").await;
    assert!(!run.ok && run.stderr.contains("no value"), "{}", run.all());
}
