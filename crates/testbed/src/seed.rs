//! Seeding through the Key Vault REST API, the same calls against the stand-in and Lowkey Vault.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Method;
use serde_json::{Value, json};

use crate::{API_VERSION, SEED_TOKEN, VAULT_HOST};

/// What was seeded, for the assertions.
#[derive(Debug, Default)]
pub struct Seeded {
    /// Secret name → version ids in creation order.
    pub versions: BTreeMap<String, Vec<String>>,
    /// Every value written, each carrying the canary marker.
    pub values: Vec<String>,
    /// Expiry and not-before (epoch seconds) by secret.
    pub expires: BTreeMap<String, i64>,
    pub not_before: BTreeMap<String, i64>,
    /// The vault's deletion-recovery settings as it reported them when the secrets were created.
    pub recovery_level: Option<String>,
    pub recoverable_days: Option<i32>,
}

/// How the testbed talks to the vault directly (not through a proxy).
#[derive(Clone)]
pub struct Upstream {
    pub client: reqwest::Client,
    pub base: String,
}

impl Upstream {
    /// Creates a secret version; returns its version id and the attributes the vault reported.
    pub async fn put(&self, name: &str, body: Value) -> Result<(String, Value), String> {
        let json = self.send(Method::PUT, &format!("secrets/{name}"), body, "seeding").await?;
        let id = json["id"].as_str().ok_or_else(|| format!("seeded secret {name} has no id"))?;
        Ok((id.rsplit('/').next().unwrap_or_default().to_owned(), json["attributes"].clone()))
    }

    /// Updates one version's attributes, content type or tags, as an operator disabling it would.
    pub async fn patch(&self, name: &str, version: &str, body: Value) -> Result<(), String> {
        self.send(Method::PATCH, &format!("secrets/{name}/{version}"), body, "updating").await.map(drop)
    }

    /// One call to the vault's REST API as the seeding identity; the answer's JSON, or why not.
    async fn send(&self, method: Method, path: &str, body: Value, doing: &str) -> Result<Value, String> {
        let rsp = self
            .client
            .request(method, format!("{}/{path}?api-version={API_VERSION}", self.base))
            // The vault is picked by its host name (Lowkey Vault knows ours as an alias).
            .header("host", VAULT_HOST)
            .bearer_auth(SEED_TOKEN)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("{doing} {path}: {e}"))?;
        let status = rsp.status();
        let json: Value = rsp.json().await.unwrap_or_default();
        if !status.is_success() {
            return Err(format!("{doing} {path} failed with {status}: {}", json["error"]));
        }
        Ok(json)
    }
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as i64
}

/// Enabled, disabled, expiring, not-yet-valid, tagged and multi-version secrets, plus `extra`
/// plain ones. Every value starts with `canary`.
pub async fn seed(up: &Upstream, canary: &str, extra: &[String]) -> Result<Seeded, String> {
    let mut seeded = Seeded::default();
    let (expires, not_before) = (now() + 5 * 86_400 + 3600, now() + 86_400);
    let mut specs = vec![
        (
            "plain-secret".to_owned(),
            json!({"contentType": "text/plain", "tags": {"env": "test", "owner": "vaultfn"}, "attributes": {"enabled": true}}),
        ),
        ("disabled-secret".to_owned(), json!({"attributes": {"enabled": false}})),
        ("expiring-secret".to_owned(), json!({"attributes": {"enabled": true, "exp": expires}})),
        (
            "future-secret".to_owned(),
            json!({"attributes": {"enabled": true, "nbf": not_before, "exp": now() + 400 * 86_400}}),
        ),
        ("hot-secret".to_owned(), json!({"tags": {"load": "high"}})),
    ];
    specs.extend(extra.iter().map(|name| (name.clone(), json!({"contentType": "text/plain"}))));
    for (name, mut body) in specs {
        let value = format!("{canary}-{name}");
        body["value"] = json!(value);
        let (version, attributes) = up.put(&name, body).await?;
        seeded.recovery_level = attributes["recoveryLevel"].as_str().map(str::to_owned);
        seeded.recoverable_days = attributes["recoverableDays"].as_i64().and_then(|d| i32::try_from(d).ok());
        seeded.versions.entry(name).or_default().push(version);
        seeded.values.push(value);
    }
    seeded.expires.insert("expiring-secret".into(), expires);
    seeded.not_before.insert("future-secret".into(), not_before);
    for n in 1..=3 {
        // Key Vault's `created` has one-second resolution; space versions so "newest" is defined.
        if n > 1 {
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
        let value = format!("{canary}-multi-version-v{n}");
        let body = json!({"value": value, "contentType": format!("v{n}"), "tags": {"rev": n.to_string()}});
        let (version, _) = up.put("multi-version", body).await?;
        seeded.versions.entry("multi-version".into()).or_default().push(version);
        seeded.values.push(value);
        // A rotation whose new version is then disabled: the newest version stays current.
        if n <= 2 {
            let value = format!("{canary}-rotated-secret-v{n}");
            let (version, _) = up.put("rotated-secret", json!({"value": value})).await?;
            seeded.values.push(value);
            seeded.versions.entry("rotated-secret".into()).or_default().push(version);
        }
    }
    let newest = seeded.versions["rotated-secret"].last().cloned().unwrap_or_default();
    up.patch("rotated-secret", &newest, json!({"attributes": {"enabled": false}})).await?;
    Ok(seeded)
}
