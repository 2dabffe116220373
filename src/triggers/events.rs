//! `secret-events`: Key Vault's Event Grid events, one per invocation, in the Event Grid schema or
//! as CloudEvents 1.0. A new version evicts the secret's cached metadata at once (and, when asked
//! to, makes the platform resolve the app's references again); near-expiry and expired events
//! become one structured warning each; certificate events are handled alike (`certificates`).
//! Everything about another vault, or about keys, is ignored with a debug line. A malformed event
//! is an error, so Event Grid retries it and then dead-letters it.

use serde_json::{Map, Value};
use time::OffsetDateTime;

/// One Key Vault event, whatever schema carried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultEvent {
    pub id: Option<String>,
    /// Without the `Microsoft.KeyVault.` prefix: `SecretNewVersionCreated`, `SecretNearExpiry`, …
    pub kind: String,
    pub vault: String,
    /// `Secret`, `Key` or `Certificate`.
    pub object_type: String,
    pub object_name: String,
    pub version: Option<String>,
    pub not_before: Option<OffsetDateTime>,
    pub expires: Option<OffsetDateTime>,
}

const PREFIX: &str = "Microsoft.KeyVault.";

/// Reads one event (an object, or a JSON string holding one). The error says what is missing,
/// never quoting the event.
pub fn parse(data: &Value) -> Result<VaultEvent, String> {
    let owned;
    let data = match data {
        Value::String(text) => {
            owned =
                serde_json::from_str::<Value>(text).map_err(|_| "the event is a string that is not JSON".to_owned())?;
            &owned
        }
        other => other,
    };
    let event = data.as_object().ok_or("the event is not a JSON object")?;
    let event = trimmed_keys(event);
    // Event Grid schema: eventType/topic; CloudEvents: type/source (+ specversion).
    let kind =
        text(&event, "eventtype").or_else(|| text(&event, "type")).ok_or("the event has no eventType (or type)")?;
    let body = event.get("data").and_then(Value::as_object).map(trimmed_keys).unwrap_or_default();
    let kind = match kind.strip_prefix(PREFIX) {
        Some(rest) => rest.to_owned(),
        // Not Key Vault's: nothing more is required of it.
        None => return Ok(VaultEvent { id: text(&event, "id"), kind, ..VaultEvent::empty() }),
    };
    let id_url = text(&body, "id");
    let from_url = id_url.as_deref().and_then(parse_object_url);
    let vault = text(&body, "vaultname")
        .or_else(|| from_url.as_ref().map(|u| u.0.clone()))
        .or_else(|| text(&event, "topic").or_else(|| text(&event, "source")).and_then(|t| last_segment(&t)))
        .ok_or("the event names no vault (data.VaultName, data.Id or topic)")?;
    let object_name = text(&body, "objectname")
        .or_else(|| from_url.as_ref().map(|u| u.1.clone()))
        .or_else(|| text(&event, "subject"))
        .ok_or("the event names no object (data.ObjectName, data.Id or subject)")?;
    let object_type = text(&body, "objecttype").unwrap_or_else(|| object_type_of(&kind).to_owned());
    let version = text(&body, "version").or_else(|| from_url.and_then(|u| u.2));
    Ok(VaultEvent {
        id: text(&event, "id"),
        kind,
        vault,
        object_type,
        object_name,
        version,
        not_before: epoch(body.get("nbf"))?,
        expires: epoch(body.get("exp"))?,
    })
}

impl VaultEvent {
    fn empty() -> Self {
        Self {
            id: None,
            kind: String::new(),
            vault: String::new(),
            object_type: String::new(),
            object_name: String::new(),
            version: None,
            not_before: None,
            expires: None,
        }
    }

    pub fn is_secret(&self) -> bool {
        self.object_type.eq_ignore_ascii_case("Secret") && self.kind.starts_with("Secret")
    }

    pub fn is_certificate(&self) -> bool {
        self.object_type.eq_ignore_ascii_case("Certificate") && self.kind.starts_with("Certificate")
    }

    /// Whole days until `EXP` (negative once expired), when the event carries one.
    pub fn days_left(&self, now: OffsetDateTime) -> Option<i64> {
        self.expires.map(|exp| (exp - now).whole_days())
    }
}

/// Keys as Microsoft's own sample writes them (`"ObjectName "`, PascalCase or camelCase): trimmed
/// and lower-cased, so every spelling reads alike.
fn trimmed_keys(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter().map(|(k, v)| (k.trim().to_ascii_lowercase(), v.clone())).collect()
}

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// NBF/EXP: epoch seconds as a number or a string, or null.
fn epoch(value: Option<&Value>) -> Result<Option<OffsetDateTime>, String> {
    let seconds = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(_) => None,
    };
    let seconds = seconds.ok_or("data.NBF/EXP is not epoch seconds")?;
    OffsetDateTime::from_unix_timestamp(seconds).map(Some).map_err(|_| "data.NBF/EXP is out of range".to_owned())
}

/// `https://{vault}.vault.azure.net/{secrets|keys|certificates}/{name}[/{version}]`.
fn parse_object_url(url: &str) -> Option<(String, String, Option<String>)> {
    let parsed = url::Url::parse(url).ok()?;
    let vault = parsed.host_str()?.split('.').next()?.to_owned();
    let mut segments = parsed.path_segments()?;
    let _collection = segments.next()?;
    let name = segments.next().filter(|s| !s.is_empty())?.to_owned();
    let version = segments.next().filter(|s| !s.is_empty()).map(str::to_owned);
    Some((vault, name, version))
}

fn last_segment(resource_id: &str) -> Option<String> {
    resource_id.trim_end_matches('/').rsplit('/').next().filter(|s| !s.is_empty()).map(str::to_owned)
}

fn object_type_of(kind: &str) -> &'static str {
    if kind.starts_with("Secret") {
        "Secret"
    } else if kind.starts_with("Key") {
        "Key"
    } else if kind.starts_with("Certificate") {
        "Certificate"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Microsoft's published sample, as it is.
    const SAMPLE: &str = r#"{
      "id": "00eccf70-95a7-4e7c-8299-2eb17ee9ad64",
      "topic": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/sample-rg/providers/Microsoft.KeyVault/vaults/sample-kv",
      "subject": "newsecret",
      "eventType": "Microsoft.KeyVault.SecretNewVersionCreated",
      "eventTime": "2019-07-25T01:08:33.1036736Z",
      "data": {
        "Id": "https://sample-kv.vault.azure.net/secrets/newsecret/ee059b2bb5bc48398a53b168c6cdcb10",
        "vaultName": "sample-kv",
        "objectType": "Secret",
        "objectName ": "newsecret",
        "version": " ee059b2bb5bc48398a53b168c6cdcb10",
        "nbf": "1559081980",
        "exp": "1559082102"
      },
      "dataVersion": "1",
      "metadataVersion": "1"
    }"#;

    #[test]
    fn microsofts_sample_reads_as_it_is() {
        let event = parse(&serde_json::from_str(SAMPLE).unwrap()).unwrap();
        assert_eq!(event.kind, "SecretNewVersionCreated");
        assert_eq!((event.vault.as_str(), event.object_name.as_str()), ("sample-kv", "newsecret"));
        assert_eq!(event.version.as_deref(), Some("ee059b2bb5bc48398a53b168c6cdcb10"));
        assert_eq!(event.expires.unwrap().unix_timestamp(), 1559082102);
        assert!(event.is_secret());
        // The same event as a JSON string, as the host may hand it over.
        assert_eq!(parse(&Value::String(SAMPLE.into())).unwrap(), event);
    }

    #[test]
    fn cloud_events_and_numbers_read_too() {
        let event = parse(&json!({
            "specversion": "1.0",
            "type": "Microsoft.KeyVault.SecretNearExpiry",
            "source": "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv1",
            "subject": "db-password",
            "id": "1",
            "time": "2026-12-01T00:00:00Z",
            "data": {"Id": "https://kv1.vault.azure.net/secrets/db-password/abc", "VaultName": "kv1", "ObjectType": "Secret",
                     "ObjectName": "db-password", "Version": "abc", "NBF": null, "EXP": 1893456000}
        }))
        .unwrap();
        assert_eq!((event.kind.as_str(), event.vault.as_str()), ("SecretNearExpiry", "kv1"));
        assert_eq!(event.expires.unwrap().unix_timestamp(), 1893456000);
        assert!(event.not_before.is_none());
    }

    #[test]
    fn malformed_events_say_what_is_missing_without_quoting() {
        for (bad, needle) in [
            (json!([1, 2]), "not a JSON object"),
            (json!({"data": {}}), "eventType"),
            (json!({"eventType": "Microsoft.KeyVault.SecretExpired", "data": {}}), "no vault"),
            (json!({"eventType": "Microsoft.KeyVault.SecretExpired", "data": {"VaultName": "kv1"}}), "no object"),
            (
                json!({"eventType": "Microsoft.KeyVault.SecretExpired", "subject": "s",
                       "data": {"VaultName": "kv1", "EXP": "CANARY-soon"}}),
                "epoch",
            ),
            (Value::String("CANARY-not-json".into()), "not JSON"),
        ] {
            let err = parse(&bad).unwrap_err();
            assert!(err.contains(needle) && !err.contains("CANARY"), "{err}");
        }
    }

    #[test]
    fn certificate_events_are_told_apart_from_secret_events() {
        let event = parse(&json!({
            "eventType": "Microsoft.KeyVault.CertificateNearExpiry",
            "data": {"Id": "https://kv1.vault.azure.net/certificates/api-tls/abc", "EXP": 1893456000}
        }))
        .unwrap();
        assert_eq!(
            (event.object_type.as_str(), event.object_name.as_str(), event.vault.as_str()),
            ("Certificate", "api-tls", "kv1")
        );
        assert!(event.is_certificate() && !event.is_secret());
    }

    #[test]
    fn other_publishers_parse_without_key_vault_fields() {
        let event = parse(&json!({"eventType": "Microsoft.Storage.BlobCreated", "data": {}})).unwrap();
        assert!(!event.is_secret());
    }
}
