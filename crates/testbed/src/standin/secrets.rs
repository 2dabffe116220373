//! Live secrets: set, read, list and update them, and backup and restore, which copy one whole.

use std::collections::BTreeMap;
use std::sync::Mutex;

use hyper::StatusCode;
use serde_json::{Value, json};

use super::{
    Answer, Call, RECOVERABLE_DAYS, RECOVERY_LEVEL, Vault, bad_parameter, conflict, error, key, not_found, now, page,
    page_of, respond,
};

#[derive(Clone)]
pub(super) struct Version {
    pub(super) id: String,
    value: String,
    content_type: Option<String>,
    tags: Option<Value>,
    enabled: bool,
    exp: Option<i64>,
    nbf: Option<i64>,
    created: i64,
    updated: i64,
    /// A certificate's secret: Key Vault marks it `managed` and names the certificate's key.
    managed: bool,
    kid: Option<String>,
}

impl Version {
    /// The secret Key Vault writes with a certificate version: the same id and validity, the
    /// PEM (key and certificate) as its value.
    pub(super) fn managed(
        id: &str,
        value: String,
        kid: String,
        window: (i64, i64),
        created: i64,
        tags: Option<Value>,
    ) -> Self {
        let (nbf, exp) = window;
        Self {
            id: id.to_owned(),
            value,
            content_type: Some("application/x-pem-file".to_owned()),
            tags,
            enabled: true,
            exp: Some(exp),
            nbf: Some(nbf),
            created,
            updated: created,
            managed: true,
            kid: Some(kid),
        }
    }
}

#[derive(Clone)]
pub(super) struct Secret {
    /// As first written: Key Vault matches names case-insensitively but keeps their case.
    pub(super) name: String,
    /// In creation order, so the last one is the current version; never empty.
    pub(super) versions: Vec<Version>,
}

impl Secret {
    pub(super) fn current(&self) -> &Version {
        self.versions.last().expect("a secret has a version")
    }
}

/// Blob → the secret as it was backed up. Key Vault restores a backup into any vault of the same
/// subscription, so backups outlive the stand-in that made them; the blob is a random handle,
/// which keeps values out of it.
static BACKUPS: Mutex<BTreeMap<String, Secret>> = Mutex::new(BTreeMap::new());

/// `GET /secrets`: each secret's current version, under an id without a version.
pub(super) fn list(vault: &Vault, call: &Call) -> Answer {
    page_of(call, "/secrets", vault.live.len(), |skip, take| {
        let secrets = vault.live.values().skip(skip).take(take);
        secrets.map(|s| properties(s.current(), format!("{}/secrets/{}", call.base, s.name))).collect()
    })
}

/// `GET /secrets/{name}/versions`. An unknown name lists no versions (200, empty), as Key Vault
/// does; no 404 here.
pub(super) fn versions(vault: &Vault, call: &Call, name: &str) -> Answer {
    let path = format!("/secrets/{name}/versions");
    let Some(s) = vault.live.get(&key(name)) else {
        return page(call, &path, Vec::new());
    };
    // Key Vault's order is stable but not by date; clients must compare `created`.
    let mut versions: Vec<&Version> = s.versions.iter().collect();
    versions.sort_by(|a, b| a.id.cmp(&b.id));
    page_of(call, &path, versions.len(), |skip, take| {
        let page = versions.iter().skip(skip).take(take);
        page.map(|v| properties(v, format!("{}/secrets/{}/{}", call.base, s.name, v.id))).collect()
    })
}

/// `GET /secrets/{name}[/{version}]`: the value, which Key Vault refuses for a disabled version
/// but returns outside the nbf/exp window.
pub(super) fn get(vault: &Vault, call: &Call, name: &str, version: Option<&str>) -> Answer {
    let Some(secret) = vault.live.get(&key(name)) else {
        return not_found(name);
    };
    let found = match version {
        None => Some(secret.current()),
        Some(id) => secret.versions.iter().find(|v| v.id.eq_ignore_ascii_case(id)),
    };
    let Some(v) = found else {
        return not_found(&format!("{name}/{}", version.unwrap_or_default()));
    };
    if !v.enabled {
        return error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Operation get is not allowed on a disabled secret.",
            Some("SecretDisabled"),
        );
    }
    respond(StatusCode::OK, bundle(v, &secret.name, &call.base, true), None)
}

/// `PUT /secrets/{name}`: a new version, which becomes the current one. A deleted name is kept
/// for the deleted secret until it is purged or recovered.
pub(super) fn set(vault: &mut Vault, call: &Call, name: &str, body: &[u8]) -> Answer {
    let body: Value = serde_json::from_slice(body).unwrap_or_default();
    let Some(value) = body["value"].as_str() else {
        return bad_parameter("Property 'value' is required.");
    };
    if vault.deleted.contains_key(&key(name)) {
        return conflict(&format!(
            "Secret {name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged."
        ));
    }
    let attributes = &body["attributes"];
    let created = now();
    let version = Version {
        id: format!("{:032x}", rand::random::<u128>()),
        value: value.to_owned(),
        content_type: body["contentType"].as_str().map(str::to_owned),
        tags: body.get("tags").filter(|t| t.is_object()).cloned(),
        enabled: attributes["enabled"].as_bool().unwrap_or(true),
        exp: attributes["exp"].as_i64(),
        nbf: attributes["nbf"].as_i64(),
        created,
        updated: created,
        managed: false,
        kid: None,
    };
    let secret = vault.live.entry(key(name)).or_insert_with(|| Secret { name: name.to_owned(), versions: Vec::new() });
    let answer = bundle(&version, &secret.name, &call.base, true);
    secret.versions.push(version);
    respond(StatusCode::OK, answer, None)
}

/// `count` versions of `name` (created one second apart, the last current), each with a value of
/// `value_prefix` and its number: a secret with a long rotation history, written in one go.
pub(super) fn fill_versions(vault: &mut Vault, name: &str, count: usize, value_prefix: &str) {
    let start = now() - count as i64;
    let secret = vault.live.entry(key(name)).or_insert_with(|| Secret { name: name.to_owned(), versions: Vec::new() });
    for i in 0..count {
        let created = start + i as i64;
        secret.versions.push(Version {
            id: format!("{:032x}", rand::random::<u128>()),
            value: format!("{value_prefix}-{i}"),
            content_type: None,
            tags: None,
            enabled: true,
            exp: None,
            nbf: None,
            created,
            updated: created,
            managed: false,
            kid: None,
        });
    }
}

/// `PATCH /secrets/{name}/{version}`: attributes, content type and tags; only what is sent changes.
pub(super) fn update(vault: &mut Vault, call: &Call, name: &str, version: Option<&str>, body: &[u8]) -> Answer {
    let body: Value = serde_json::from_slice(body).unwrap_or_default();
    let Some(secret) = vault.live.get_mut(&key(name)) else {
        return not_found(name);
    };
    let found = match version {
        None => secret.versions.last_mut(),
        Some(id) => secret.versions.iter_mut().find(|v| v.id.eq_ignore_ascii_case(id)),
    };
    let Some(v) = found else {
        return not_found(&format!("{name}/{}", version.unwrap_or_default()));
    };
    let attributes = &body["attributes"];
    if let Some(enabled) = attributes["enabled"].as_bool() {
        v.enabled = enabled;
    }
    if let Some(exp) = attributes.get("exp") {
        v.exp = exp.as_i64();
    }
    if let Some(nbf) = attributes.get("nbf") {
        v.nbf = nbf.as_i64();
    }
    if let Some(content_type) = body.get("contentType") {
        v.content_type = content_type.as_str().map(str::to_owned);
    }
    if let Some(tags) = body.get("tags") {
        v.tags = tags.is_object().then(|| tags.clone());
    }
    v.updated = now();
    respond(StatusCode::OK, bundle(v, &secret.name, &call.base, false), None)
}

/// `POST /secrets/{name}/backup`: every version, as an opaque base64url blob.
pub(super) fn backup(vault: &Vault, name: &str) -> Answer {
    let Some(secret) = vault.live.get(&key(name)) else {
        return not_found(name);
    };
    // 48 random bytes' worth: no padding, so the blob survives the SDKs' decode and re-encode.
    const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let blob: String = (0..64).map(|_| BASE64URL[usize::from(rand::random::<u8>() % 64)] as char).collect();
    BACKUPS.lock().unwrap().insert(blob.clone(), secret.clone());
    respond(StatusCode::OK, json!({"value": blob}), None)
}

/// `POST /secrets/restore`: the backed-up secret with its versions, ids and dates, under its
/// name as backed up; refused while that name is taken, live or deleted.
pub(super) fn restore(vault: &mut Vault, call: &Call, body: &[u8]) -> Answer {
    let body: Value = serde_json::from_slice(body).unwrap_or_default();
    let Some(blob) = body["value"].as_str() else {
        return bad_parameter("Property 'value' is required.");
    };
    let Some(secret) = BACKUPS.lock().unwrap().get(blob.trim_end_matches('=')).cloned() else {
        return error(
            StatusCode::BAD_REQUEST,
            "Malformed backup blob",
            "Backup blob contains invalid or corrupt version.",
            None,
        );
    };
    let current = secret.current();
    if vault.live.contains_key(&key(&secret.name)) || vault.deleted.contains_key(&key(&secret.name)) {
        return conflict(&format!(
            "There was a conflict restoring the secret '{}/secrets/{}/{}'. This can happen if either: a second secret with the same name was created after the first secret was deleted; thus trying to restore a secret whose name is already in use. To fix this, rename the second secret to something else so that the restore works. The second probable cause of this exception is when multiple operations are performed in parallel against the secret. To avoid this error, perform operations against a secret in a sequential manner.",
            call.base, secret.name, current.id
        ));
    }
    let answer = bundle(current, &secret.name, &call.base, false);
    vault.live.insert(key(&secret.name), secret);
    respond(StatusCode::OK, answer, None)
}

/// A secret item as lists return it: never the value.
pub(super) fn properties(v: &Version, id: String) -> Value {
    let mut attributes = json!({
        "enabled": v.enabled,
        "created": v.created,
        "updated": v.updated,
        "recoveryLevel": RECOVERY_LEVEL,
        "recoverableDays": RECOVERABLE_DAYS,
    });
    if let Some(nbf) = v.nbf {
        attributes["nbf"] = json!(nbf);
    }
    if let Some(exp) = v.exp {
        attributes["exp"] = json!(exp);
    }
    let mut item = json!({"id": id, "attributes": attributes});
    if let Some(content_type) = &v.content_type {
        item["contentType"] = json!(content_type);
    }
    if v.managed {
        item["managed"] = json!(true);
    }
    if let Some(tags) = &v.tags {
        item["tags"] = tags.clone();
    }
    item
}

/// A secret bundle: one version under its full id, with the value only where Key Vault sends it.
pub(super) fn bundle(v: &Version, name: &str, base: &str, with_value: bool) -> Value {
    let mut bundle = properties(v, format!("{base}/secrets/{name}/{}", v.id));
    if let Some(kid) = &v.kid {
        bundle["kid"] = json!(kid);
    }
    if with_value {
        bundle["value"] = json!(v.value);
    }
    bundle
}
