//! `vaultfn keys … --app --resource-group [--subscription] [--slot]` against the testbed's fake
//! Resource Manager, with the developer credential as a developer has it: `az` on the PATH (a
//! stand-in script that hands out a token and names the subscription).

use std::path::Path;
use std::process::Stdio;

use tokio::io::AsyncWriteExt as _;
use vaultfn_testbed::arm::{ArmFault, FakeArm, FunctionKeysShape, HostKeyKind, Site};

const SUBSCRIPTION: &str = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
const RG: &str = "vaultfn-rg";
const APP: &str = "vaultfn-app";
/// The stand-in `az` hands out tokens with this prefix; the fake accepts no other.
const TOKEN_PREFIX: &str = "vaultfn-test-az-token-";

/// A stand-in for the Azure CLI: `account get-access-token` (as the SDK's Azure CLI credential
/// runs it) and `account show --query id -o tsv`; each call is logged.
const FAKE_AZ: &str = r#"#!/bin/sh
echo "$*" >> "$FAKE_AZ_LOG"
case "$*" in
  "account get-access-token -o json --scope "*)
    printf '{"accessToken":"%s%s","expires_on":%s,"tokenType":"Bearer"}\n' "$FAKE_AZ_TOKEN_PREFIX" "$$" "$(( $(date +%s) + 3600 ))" ;;
  "account show --query id -o tsv")
    if [ -n "$FAKE_AZ_SUBSCRIPTION" ]; then echo "$FAKE_AZ_SUBSCRIPTION"; else echo "Please run 'az login'" >&2; exit 1; fi ;;
  *) echo "the stand-in az does not know: $*" >&2; exit 2 ;;
esac
"#;

struct World {
    arm: FakeArm,
    site: Site,
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> Self {
        let arm = FakeArm::start(&tokio::runtime::Handle::current());
        arm.require_token_prefix(Some(TOKEN_PREFIX));
        let site = arm.add_site(SUBSCRIPTION, RG, APP);
        site.add_function("hello");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), &arm.ca_pem).unwrap();
        let az = dir.path().join("bin/az");
        std::fs::create_dir_all(az.parent().unwrap()).unwrap();
        std::fs::write(&az, FAKE_AZ).unwrap();
        set_executable(&az);
        Self { arm, site, dir }
    }

    fn az_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("az.log")).unwrap_or_default()
    }

    /// Runs `vaultfn keys <args> --app … --resource-group …`, with `stdin` piped in when given.
    async fn keys(&self, args: &[&str], stdin: Option<&str>) -> Out {
        let mut all = vec!["keys"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--app", APP, "--resource-group", RG]);
        self.run(&all, &[("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION)], stdin).await
    }

    async fn run(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Out {
        let path = format!("{}:{}", self.dir.path().join("bin").display(), std::env::var("PATH").unwrap_or_default());
        let mut command = tokio::process::Command::new(crate::support::vaultfn());
        command
            .args(args)
            .env_clear()
            .env("PATH", path)
            .env("FAKE_AZ_LOG", self.dir.path().join("az.log"))
            .env("FAKE_AZ_TOKEN_PREFIX", TOKEN_PREFIX)
            .env("VAULTFN_TEST_RESOLVE", self.arm.pin())
            .env("KEY_VAULT_CA_FILE", self.dir.path().join("ca.pem"))
            .env("AZURE_RESOURCE_MANAGER_URL", self.arm.base_url())
            .envs(env.iter().copied())
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(input.as_bytes()).await.unwrap();
        }
        let out = child.wait_with_output().await.unwrap();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        Out { ok: out.status.success(), stdout: text(&out.stdout), stderr: text(&out.stderr) }
    }
}

fn set_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[derive(Debug)]
struct Out {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Out {
    fn both(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// The VALUE column of the table row for `name`.
    fn value_of(&self, name: &str) -> Option<&str> {
        self.stdout.lines().find_map(|line| match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            [n, value] if *n == name => Some(*value),
            _ => None,
        })
    }
}

#[tokio::test]
async fn host_keys_over_resource_manager() {
    let w = World::new();
    let default = w.site.host_keys().function_keys["default"].clone();

    let out = w.keys(&["list"], None).await;
    assert!(out.ok, "{out:?}");
    assert!(out.stdout.starts_with("NAME") && out.value_of("default") == Some(&default), "{out:?}");
    assert!(out.stderr.contains("with the developer-tools credential"), "{out:?}");
    assert!(w.az_log().contains("--scope https://management.azure.com/.default"), "{}", w.az_log());
    let json: serde_json::Value = serde_json::from_str(&w.keys(&["list", "--json"], None).await.stdout).unwrap();
    assert_eq!(json["keys"][0]["name"], "default");
    assert_eq!(json["keys"][0]["value"], default.as_str());

    // `new`: Resource Manager generates the value, which is shown because it was asked for.
    let out = w.keys(&["new", "ci"], None).await;
    assert!(out.ok, "{out:?}");
    let generated = w.site.host_keys().function_keys["ci"].clone();
    assert!(out.value_of("ci") == Some(&generated) && out.stdout.contains("(created)"), "{out:?}");

    // `set` from stdin: the value is sent and never printed back.
    let value = "piped-host-key-value-0123456789abcdef";
    let out = w.keys(&["set", "deploy"], Some(&format!("{value}\n"))).await;
    assert!(out.ok, "{out:?}");
    assert_eq!(out.stdout.trim(), "created deploy");
    assert!(!out.both().contains(value), "{out:?}");
    assert_eq!(w.site.host_keys().function_keys["deploy"], value);
    let out = w.keys(&["set", "deploy", "second-value-0123456789", "--json"], None).await;
    assert!(out.ok && !out.both().contains("second-value"), "{out:?}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out.stdout).unwrap(), serde_json::json!({"name": "deploy"}));
    assert_eq!(w.site.host_keys().function_keys["deploy"], "second-value-0123456789");

    let out = w.keys(&["show", "DEPLOY"], None).await;
    assert!(out.ok && out.value_of("deploy") == Some("second-value-0123456789"), "{out:?}");

    let out = w.keys(&["delete", "deploy"], None).await;
    assert_eq!((out.ok, out.stdout.trim()), (true, "deleted deploy"), "{out:?}");
    assert!(!w.site.host_keys().function_keys.contains_key("deploy"));
    let out = w.keys(&["delete", "deploy"], None).await;
    assert!(!out.ok && out.stderr.contains("404"), "{out:?}");
    let out = w.keys(&["show", "deploy"], None).await;
    assert!(!out.ok && out.stderr.contains("has no key deploy"), "{out:?}");

    // System keys: `_master` listed first, as the admin API lists it; it cannot be deleted.
    w.site.set_host_key(HostKeyKind::System, "eventgrid_extension", "system-key-value");
    let master = w.site.host_keys().master_key;
    let out = w.keys(&["list", "--host-scope", "systemkeys"], None).await;
    assert!(out.ok, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[1].starts_with("_master") && lines[1].ends_with(&master), "{out:?}");
    assert_eq!(out.value_of("eventgrid_extension"), Some("system-key-value"), "{out:?}");
    let out = w.keys(&["delete", "_master", "--host-scope", "systemkeys"], None).await;
    assert!(!out.ok && out.stderr.contains("cannot be deleted"), "{out:?}");
    let out = w.keys(&["new", "_master", "--host-scope", "systemkeys"], None).await;
    assert!(out.ok, "{out:?}");
    assert_ne!(w.site.host_keys().master_key, master, "a new master key");
    assert!(w.arm.count("PUT", "/host/default/masterKey/_master") == 1);
    assert!(w.arm.requests().iter().all(|r| r.authorized && r.query == "api-version=2022-03-01"));
}

#[tokio::test]
async fn function_keys_and_slots() {
    let w = World::new();
    let staging = w.site.slot("staging");
    staging.add_function("hello");
    let production_keys = w.site.function_keys("hello").unwrap();

    let out = w.keys(&["new", "ci", "--function", "hello", "--slot", "staging"], None).await;
    assert!(out.ok, "{out:?}");
    let ci = staging.function_keys("hello").unwrap()["ci"].clone();
    assert!(out.stdout.contains(&ci), "{out:?}");
    assert_eq!(w.site.function_keys("hello").unwrap(), production_keys, "the production slot is untouched");
    assert_eq!(w.arm.count("PUT", "/slots/staging/functions/hello/keys/ci"), 1);

    w.arm.set_function_keys_shape(FunctionKeysShape::UnderProperties);
    let out = w.keys(&["list", "--function", "hello", "--slot", "staging", "--json"], None).await;
    assert!(out.ok, "{out:?}");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let names: Vec<&str> = json["keys"].as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ci", "default"]);
    w.arm.set_function_keys_shape(FunctionKeysShape::Flat);

    let out = w.keys(&["set", "ci", "--function", "hello"], Some("function-key-value-0123456789")).await;
    assert_eq!((out.ok, out.stdout.trim()), (true, "created ci"), "{out:?}");
    assert!(!out.both().contains("function-key-value"), "{out:?}");
    assert_eq!(w.site.function_keys("hello").unwrap()["ci"], "function-key-value-0123456789");
    let out = w.keys(&["show", "ci", "--function", "hello"], None).await;
    assert!(out.ok && out.value_of("ci") == Some("function-key-value-0123456789"), "{out:?}");
    let out = w.keys(&["delete", "ci", "--function", "hello"], None).await;
    assert!(out.ok, "{out:?}");
    assert!(!w.site.function_keys("hello").unwrap().contains_key("ci"));

    let out = w.keys(&["list", "--function", "nope"], None).await;
    assert!(!out.ok && out.stderr.contains("404") && out.stderr.contains("function"), "{out:?}");
    assert!(out.stdout.is_empty());
}

/// A 403 says which role (or custom-role action) the caller needs; nothing of a key is printed.
#[tokio::test]
async fn forbidden_names_the_role_to_grant() {
    let w = World::new();
    w.arm.set_fault(ArmFault::Forbidden);
    let cases: [(&[&str], &str); 4] = [
        (&["list"], "Microsoft.Web/sites/host/listkeys/action"),
        (&["list", "--function", "hello"], "Microsoft.Web/sites/functions/listkeys/action"),
        (
            &["set", "ci", "v-0123456789", "--function", "hello", "--slot", "staging"],
            "Microsoft.Web/sites/slots/functions/keys/write",
        ),
        (&["delete", "x", "--host-scope", "systemkeys"], "Microsoft.Web/sites/host/systemkeys/delete"),
    ];
    for (args, action) in cases {
        let out = w.keys(args, None).await;
        assert!(!out.ok && out.stdout.is_empty(), "{args:?}: {out:?}");
        assert!(out.stderr.contains("403 AuthorizationFailed"), "{args:?}: {out:?}");
        assert!(out.stderr.contains("Website Contributor") && out.stderr.contains(action), "{args:?}: {out:?}");
        assert!(!out.stderr.contains("v-0123456789"), "{out:?}");
    }
}

#[tokio::test]
async fn the_subscription_comes_from_az_and_the_admin_api_options_conflict() {
    let w = World::new();
    let args = ["keys", "list", "--app", APP, "--resource-group", RG];
    let out = w.run(&args, &[("FAKE_AZ_SUBSCRIPTION", SUBSCRIPTION)], None).await;
    assert!(out.ok, "{out:?}");
    assert!(w.az_log().contains("account show --query id -o tsv"), "{}", w.az_log());

    let out = w.run(&args, &[], None).await;
    assert!(
        !out.ok && out.stderr.contains("--subscription") && out.stderr.contains("AZURE_SUBSCRIPTION_ID"),
        "{out:?}"
    );

    let out = w
        .run(
            &["keys", "list", "--app", APP, "--resource-group", "no-such-rg", "--subscription", SUBSCRIPTION],
            &[],
            None,
        )
        .await;
    assert!(!out.ok && out.stderr.contains("404"), "{out:?}");

    for conflicting in [&["--url", "https://app.example"][..], &["--master-key", "k"][..]] {
        let mut all = args.to_vec();
        all.extend_from_slice(conflicting);
        let out = w.run(&all, &[("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION)], None).await;
        assert!(!out.ok && out.stderr.contains("cannot be used with"), "{conflicting:?}: {out:?}");
    }
    // An exported VAULTFN_MASTER_KEY is not an option given: --app still works, and sends no key.
    let out = w.run(&args, &[("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION), ("VAULTFN_MASTER_KEY", "exported")], None).await;
    assert!(out.ok, "{out:?}");
    let out = w.run(&["keys", "list", "--resource-group", RG], &[], None).await;
    assert!(!out.ok && out.stderr.contains("--app"), "{out:?}");
}
