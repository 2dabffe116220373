//! Certificates, read the way Key Vault serves them (REST reference, api-version 7.4 and later):
//! `GET /certificates` (paged, current versions under versionless ids), `GET
//! /certificates/{name}/versions`, `GET /certificates/{name}[/{version}]` (the bundle: `cer`,
//! `x5t`, `kid`, `sid`, attributes, tags and the policy) and `GET /certificates/{name}/policy`.
//!
//! Certificates are seeded directly ([`StandIn::add_certificate`](super::StandIn::add_certificate)),
//! as Key Vault creates them: a real X.509 made with rcgen (so `cer` and the SHA-1 `x5t` agree),
//! and a secret of the same name and version holding key and certificate as PEM (`managed`,
//! `application/x-pem-file`, `kid`), so references to it exist as in Key Vault.

use base64::Engine as _;
use hyper::StatusCode;
use serde_json::{Value, json};

use super::secrets::{Secret, Version};
use super::{Answer, Call, RECOVERABLE_DAYS, RECOVERY_LEVEL, Vault, error, key, now, page, respond};

/// What a seeded certificate is made of.
#[derive(Debug, Clone)]
pub struct CertificateSpec {
    /// A distinguished name: `CN=api.contoso.test, O=Contoso` (CN, O, OU, C, L, ST).
    pub subject: String,
    /// DNS names of the subject alternative names.
    pub sans: Vec<String>,
    /// The policy's issuer: `Self`, `Unknown`, or a CA integration's name. The certificate itself
    /// is self-signed whatever it says.
    pub issuer: String,
    pub key: CertificateKey,
    /// Validity, epoch seconds.
    pub not_before: i64,
    pub expires: i64,
    /// The `AutoRenew` lifetime action; `None` leaves Key Vault's `EmailContacts` at 80 %.
    pub auto_renew: Option<Renewal>,
    pub tags: Vec<(String, String)>,
    pub enabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateKey {
    Rsa2048,
    EcP256,
}

/// A lifetime action's trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    DaysBeforeExpiry(u32),
    LifetimePercentage(u32),
}

impl CertificateSpec {
    /// `CN={common_name}`, self-issued, RSA 2048, valid from a day ago for `days_left` more days,
    /// renewed by Key Vault at 80 % of its lifetime: the portal's defaults.
    pub fn new(common_name: &str, days_left: i64) -> Self {
        Self {
            subject: format!("CN={common_name}"),
            sans: Vec::new(),
            issuer: "Self".into(),
            key: CertificateKey::Rsa2048,
            not_before: now() - 86_400,
            expires: now() + days_left * 86_400,
            auto_renew: Some(Renewal::LifetimePercentage(80)),
            tags: Vec::new(),
            enabled: true,
        }
    }
}

/// What the seeding made, for the assertions.
#[derive(Debug, Clone)]
pub struct SeededCertificate {
    pub version: String,
    /// `x5t` as Key Vault sends it (base64url SHA-1 of the DER).
    pub x5t: String,
    /// The same SHA-1 in upper-case hex, as the portal shows it.
    pub thumbprint: String,
    pub cer: Vec<u8>,
    /// The backing secret's value (private key and certificate, PEM): it must never show up.
    pub secret_value: String,
}

pub(super) struct Certificate {
    /// As first written; keyed lower-cased.
    name: String,
    /// In creation order: the last is the current version.
    versions: Vec<CertVersion>,
    /// The policy as Key Vault answers it, without its `id`.
    policy: Value,
}

struct CertVersion {
    id: String,
    der: Vec<u8>,
    x5t: String,
    enabled: bool,
    nbf: i64,
    exp: i64,
    created: i64,
    tags: Option<Value>,
}

/// The RSA key behind every RSA certificate: rcgen cannot generate RSA keys with ring. Generated
/// for these tests only; it protects nothing.
const RSA_KEY_PEM: &str = include_str!("../../tests/data/kv-certificate.key.pem");

/// Adds `name` (or a new version of it) with its backing secret.
pub(super) fn add(vault: &mut Vault, base: &str, name: &str, spec: &CertificateSpec) -> SeededCertificate {
    let (der, key_pem, cert_pem) = x509(spec);
    let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der);
    let x5t = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha1.as_ref());
    let thumbprint: String = sha1.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    let id = format!("{:032x}", rand::random::<u128>());
    let tags =
        (!spec.tags.is_empty()).then(|| Value::Object(spec.tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect()));
    let entry = vault.certificates.entry(key(name)).or_insert_with(|| Certificate {
        name: name.to_owned(),
        versions: Vec::new(),
        policy: Value::Null,
    });
    // `created` has one-second resolution: a new version is always the newest.
    let created = entry.versions.last().map_or(now(), |last| now().max(last.created + 1));
    entry.policy = policy(spec, created);
    entry.versions.push(CertVersion {
        id: id.clone(),
        der: der.clone(),
        x5t: x5t.clone(),
        enabled: spec.enabled,
        nbf: spec.not_before,
        exp: spec.expires,
        created,
        tags: tags.clone(),
    });
    let name = entry.name.clone();
    let secret_value = format!("{key_pem}{cert_pem}");
    let kid = format!("{base}/keys/{name}/{id}");
    let version = Version::managed(&id, secret_value.clone(), kid, (spec.not_before, spec.expires), created, tags);
    let secret = vault.live.entry(key(&name)).or_insert_with(|| Secret { name: name.clone(), versions: Vec::new() });
    secret.versions.push(version);
    SeededCertificate { version: id, x5t, thumbprint, cer: der, secret_value }
}

/// A self-signed X.509 for `spec`: DER, private key PEM, certificate PEM.
fn x509(spec: &CertificateSpec) -> (Vec<u8>, String, String) {
    use rcgen::{CertificateParams, DnType, KeyPair, SerialNumber};
    let key = match spec.key {
        CertificateKey::Rsa2048 => KeyPair::from_pem(RSA_KEY_PEM).expect("the checked-in RSA test key"),
        CertificateKey::EcP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("a P-256 key"),
    };
    let mut params = CertificateParams::new(spec.sans.clone()).expect("DNS names rcgen accepts");
    for part in spec.subject.split(',') {
        let Some((kind, value)) = part.split_once('=') else { continue };
        let kind = match kind.trim().to_ascii_uppercase().as_str() {
            "CN" => DnType::CommonName,
            "O" => DnType::OrganizationName,
            "OU" => DnType::OrganizationalUnitName,
            "C" => DnType::CountryName,
            "L" => DnType::LocalityName,
            "ST" | "S" => DnType::StateOrProvinceName,
            _ => continue,
        };
        params.distinguished_name.push(kind, value.trim());
    }
    let at = |t: i64| time::OffsetDateTime::from_unix_timestamp(t).expect("a representable instant");
    (params.not_before, params.not_after) = (at(spec.not_before), at(spec.expires));
    // Otherwise derived from the key: every version of a certificate would share one serial.
    params.serial_number = Some(SerialNumber::from((rand::random::<u64>() >> 2) | (1 << 62)));
    let cert = params.self_signed(&key).expect("a self-signed test certificate");
    (cert.der().to_vec(), key.serialize_pem(), cert.pem())
}

fn policy(spec: &CertificateSpec, created: i64) -> Value {
    let key_props = match spec.key {
        CertificateKey::Rsa2048 => json!({"exportable": true, "kty": "RSA", "key_size": 2048, "reuse_key": false}),
        CertificateKey::EcP256 => json!({"exportable": true, "kty": "EC", "crv": "P-256", "reuse_key": false}),
    };
    let mut x509 = json!({
        "subject": spec.subject,
        "ekus": ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
        "key_usage": ["digitalSignature", "keyEncipherment"],
        "validity_months": ((spec.expires - spec.not_before) / (30 * 86_400)).max(1),
    });
    if !spec.sans.is_empty() {
        x509["sans"] = json!({"dns_names": spec.sans});
    }
    let (trigger, action) = match spec.auto_renew {
        Some(Renewal::DaysBeforeExpiry(days)) => (json!({"days_before_expiry": days}), "AutoRenew"),
        Some(Renewal::LifetimePercentage(pct)) => (json!({"lifetime_percentage": pct}), "AutoRenew"),
        None => (json!({"lifetime_percentage": 80}), "EmailContacts"),
    };
    json!({
        "key_props": key_props,
        "secret_props": {"contentType": "application/x-pem-file"},
        "x509_props": x509,
        "lifetime_actions": [{"trigger": trigger, "action": {"action_type": action}}],
        "issuer": {"name": spec.issuer},
        "attributes": {"enabled": true, "created": created, "updated": created},
    })
}

fn attributes(v: &CertVersion) -> Value {
    json!({
        "enabled": v.enabled,
        "nbf": v.nbf,
        "exp": v.exp,
        "created": v.created,
        "updated": v.created,
        "recoveryLevel": RECOVERY_LEVEL,
        "recoverableDays": RECOVERABLE_DAYS,
    })
}

/// A list item: never the `cer`, nor the policy.
fn item(v: &CertVersion, id: String) -> Value {
    let mut item = json!({"id": id, "x5t": v.x5t, "attributes": attributes(v)});
    if let Some(tags) = &v.tags {
        item["tags"] = tags.clone();
    }
    item
}

/// `GET /certificates`: each certificate's current version, under an id without a version.
pub(super) fn list(vault: &Vault, call: &Call) -> Answer {
    let items = vault
        .certificates
        .values()
        .filter_map(|c| Some(item(c.versions.last()?, format!("{}/certificates/{}", call.base, c.name))))
        .collect();
    page(call, "/certificates", items)
}

/// `GET /certificates/{name}/versions`: an unknown name lists nothing, as for secrets.
pub(super) fn versions(vault: &Vault, call: &Call, name: &str) -> Answer {
    let items = match vault.certificates.get(&key(name)) {
        None => Vec::new(),
        Some(c) => {
            // Key Vault's order is stable but not by date; clients must compare `created`.
            let mut versions: Vec<&CertVersion> = c.versions.iter().collect();
            versions.sort_by(|a, b| a.id.cmp(&b.id));
            let id = |v: &CertVersion| format!("{}/certificates/{}/{}", call.base, c.name, v.id);
            versions.into_iter().map(|v| item(v, id(v))).collect()
        }
    };
    page(call, &format!("/certificates/{name}/versions"), items)
}

/// `GET /certificates/{name}[/{version}]`: the public certificate and its policy; the private
/// key only ever lives in the backing secret.
pub(super) fn get(vault: &Vault, call: &Call, name: &str, version: Option<&str>) -> Answer {
    let Some(c) = vault.certificates.get(&key(name)) else {
        return not_found(name);
    };
    let found = match version {
        None => c.versions.last(),
        Some(id) => c.versions.iter().find(|v| v.id.eq_ignore_ascii_case(id)),
    };
    let Some(v) = found else {
        return not_found(&format!("{name}/{}", version.unwrap_or_default()));
    };
    let base = &call.base;
    let mut bundle = item(v, format!("{base}/certificates/{}/{}", c.name, v.id));
    bundle["kid"] = json!(format!("{base}/keys/{}/{}", c.name, v.id));
    bundle["sid"] = json!(format!("{base}/secrets/{}/{}", c.name, v.id));
    bundle["cer"] = json!(base64::engine::general_purpose::STANDARD.encode(&v.der));
    bundle["policy"] = with_id(&c.policy, base, &c.name);
    respond(StatusCode::OK, bundle, None)
}

/// `GET /certificates/{name}/policy`
pub(super) fn policy_of(vault: &Vault, call: &Call, name: &str) -> Answer {
    match vault.certificates.get(&key(name)) {
        Some(c) => respond(StatusCode::OK, with_id(&c.policy, &call.base, &c.name), None),
        None => not_found(name),
    }
}

fn with_id(policy: &Value, base: &str, name: &str) -> Value {
    let mut policy = policy.clone();
    policy["id"] = json!(format!("{base}/certificates/{name}/policy"));
    policy
}

fn not_found(what: &str) -> Answer {
    error(
        StatusCode::NOT_FOUND,
        "CertificateNotFound",
        &format!(
            "A certificate with (name/id) {what} was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
        ),
        None,
    )
}
