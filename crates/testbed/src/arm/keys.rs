//! Function keys over ARM: `{site}/host/default/listkeys`, `{site}/host/default/{keyType}/{name}`,
//! `{site}/functions/{fn}/listkeys` and `{site}/functions/{fn}/keys/{name}`. Key names are
//! matched ignoring case, as the Functions host matches them.

use std::collections::BTreeMap;

use hyper::StatusCode;
use serde_json::{Value, json};

use super::{Answer, FunctionKeysShape, Site, SiteData, empty, respond, web_error};

/// A site's host-level keys. `Debug` shows names only.
#[derive(Clone, PartialEq, Eq)]
pub struct HostKeys {
    pub master_key: String,
    pub function_keys: BTreeMap<String, String>,
    pub system_keys: BTreeMap<String, String>,
}

impl std::fmt::Debug for HostKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostKeys")
            .field("function_keys", &self.function_keys.keys().collect::<Vec<_>>())
            .field("system_keys", &self.system_keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Which host-level keys a `{keyType}` segment names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKeyKind {
    /// `functionKeys`: keys that call any function.
    Function,
    /// `systemKeys`: keys of extensions (`eventgrid_extension`, ...).
    System,
}

impl HostKeyKind {
    fn segment(self) -> &'static str {
        match self {
            Self::Function => "functionKeys",
            Self::System => "systemKeys",
        }
    }
}

pub(super) struct SiteKeys {
    host: HostKeys,
    /// By function name; the name as first added.
    functions: Vec<(String, BTreeMap<String, String>)>,
}

impl SiteKeys {
    /// What a new function app has: a master key and a `default` host key.
    pub(super) fn new() -> Self {
        let host = HostKeys {
            master_key: generate(),
            function_keys: BTreeMap::from([("default".to_owned(), generate())]),
            system_keys: BTreeMap::new(),
        };
        Self { host, functions: Vec::new() }
    }

    fn host_map(&mut self, kind: HostKeyKind) -> &mut BTreeMap<String, String> {
        match kind {
            HostKeyKind::Function => &mut self.host.function_keys,
            HostKeyKind::System => &mut self.host.system_keys,
        }
    }

    fn function(&mut self, name: &str) -> Option<&mut BTreeMap<String, String>> {
        self.functions.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, keys)| keys)
    }
}

/// A value as the Functions host generates one: 40 random bytes, URL-safe base64 with padding.
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let body: String = (0..54).map(|_| ALPHABET[usize::from(rand::random::<u8>() % 64)] as char).collect();
    body + "=="
}

/// Sets `name` (matched ignoring case; a new name is kept as given). Whether it was new.
fn set(keys: &mut BTreeMap<String, String>, name: &str, value: String) -> bool {
    match keys.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        Some((_, existing)) => {
            *existing = value;
            false
        }
        None => keys.insert(name.to_owned(), value).is_none(),
    }
}

fn remove(keys: &mut BTreeMap<String, String>, name: &str) -> bool {
    let found = keys.keys().find(|n| n.eq_ignore_ascii_case(name)).cloned();
    found.is_some_and(|n| keys.remove(&n).is_some())
}

impl Site {
    pub fn host_keys(&self) -> HostKeys {
        self.with(|site| site.keys.host.clone())
    }

    pub fn set_master_key(&self, value: &str) {
        self.with(|site| site.keys.host.master_key = value.to_owned());
    }

    pub fn set_host_key(&self, kind: HostKeyKind, name: &str, value: &str) {
        self.with(|site| set(site.keys.host_map(kind), name, value.to_owned()));
    }

    pub fn remove_host_key(&self, kind: HostKeyKind, name: &str) -> bool {
        self.with(|site| remove(site.keys.host_map(kind), name))
    }

    /// Adds a function (if new) with a generated `default` key, as the host gives one.
    pub fn add_function(&self, name: &str) {
        self.with(|site| {
            if site.keys.function(name).is_none() {
                site.keys.functions.push((name.to_owned(), BTreeMap::from([("default".to_owned(), generate())])));
            }
        });
    }

    /// The function's keys, or `None` when the site has no such function.
    pub fn function_keys(&self, function: &str) -> Option<BTreeMap<String, String>> {
        self.with(|site| site.keys.function(function).cloned())
    }

    /// Sets a function key, adding the function first if it is new.
    pub fn set_function_key(&self, function: &str, name: &str, value: &str) {
        self.add_function(function);
        self.with(|site| site.keys.function(function).map(|keys| set(keys, name, value.to_owned())));
    }
}

pub(super) fn list_host(site: &SiteData) -> Answer {
    let host = &site.keys.host;
    respond(
        StatusCode::OK,
        &json!({"masterKey": host.master_key, "functionKeys": host.function_keys, "systemKeys": host.system_keys}),
    )
}

/// The value a PUT asks for: `{"properties": {"name", "value"}}`, `value` optional (generated).
/// Else why the body is refused.
fn requested_value(body: &[u8]) -> Result<String, &'static str> {
    let body: Value = serde_json::from_slice(body).map_err(|_| "The request body is not valid JSON.")?;
    let properties = body.get("properties").filter(|p| p.is_object()).ok_or(
        "The request body must be {\"properties\": {\"name\": ..., \"value\": ...}}: a key's name and value sit under 'properties'.",
    )?;
    match properties.get("value") {
        None | Some(Value::Null) => Ok(generate()),
        Some(Value::String(value)) if value.is_empty() => Ok(generate()),
        Some(Value::String(value)) => Ok(value.clone()),
        Some(_) => Err("The key value must be a string."),
    }
}

fn bad_request(message: &str) -> Answer {
    web_error(StatusCode::BAD_REQUEST, "BadRequest", message)
}

/// `KeyInfo` as the service answers it, with 201 for a new key and 200 for an updated one.
fn key_info(site: &SiteData, path: &str, kind: &str, name: &str, value: &str, created: bool) -> Answer {
    let kind = if site.slot { kind.replacen("sites/", "sites/slots/", 1) } else { kind.to_owned() };
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    let body = json!({
        "id": format!("{}/{path}/{name}", site.id),
        "name": name,
        "type": kind,
        "properties": {"name": name, "value": value},
    });
    respond(status, &body)
}

/// The kind a `{keyType}` segment names (`None`: the master key), or why it names none.
fn host_kind(segment: &str) -> Result<Option<HostKeyKind>, String> {
    match segment.to_ascii_lowercase().as_str() {
        "functionkeys" => Ok(Some(HostKeyKind::Function)),
        "systemkeys" => Ok(Some(HostKeyKind::System)),
        "masterkey" => Ok(None),
        _ => Err(format!("'{segment}' is not a key type: use functionKeys, systemKeys or masterKey.")),
    }
}

fn no_name() -> Answer {
    bad_request("A key name is required.")
}

pub(super) fn put_host(site: &mut SiteData, kind: &str, name: &str, body: &[u8]) -> Answer {
    let kind = match host_kind(kind) {
        Ok(kind) => kind,
        Err(why) => return bad_request(&why),
    };
    if name.is_empty() {
        return no_name();
    }
    let value = match requested_value(body) {
        Ok(value) => value,
        Err(why) => return bad_request(why),
    };
    let Some(kind) = kind else {
        if name != "_master" {
            return bad_request("The master key's name is '_master'.");
        }
        site.keys.host.master_key = value.clone();
        return key_info(site, "host/default/masterKey", "Microsoft.Web/sites/host/masterKey", name, &value, false);
    };
    let created = set(site.keys.host_map(kind), name, value.clone());
    let path = format!("host/default/{}", kind.segment());
    key_info(site, &path, &format!("Microsoft.Web/sites/host/{}", kind.segment()), name, &value, created)
}

pub(super) fn delete_host(site: &mut SiteData, kind: &str, name: &str) -> Answer {
    match host_kind(kind) {
        Err(why) => bad_request(&why),
        Ok(None) => bad_request("The master key cannot be deleted."),
        Ok(Some(kind)) if remove(site.keys.host_map(kind), name) => empty(StatusCode::NO_CONTENT),
        Ok(Some(kind)) => web_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("The host key '{name}' was not found among the {}.", kind.segment()),
        ),
    }
}

fn no_function(function: &str) -> Answer {
    web_error(StatusCode::NOT_FOUND, "NotFound", &format!("Function '{function}' was not found."))
}

pub(super) fn list_function(site: &mut SiteData, function: &str, shape: FunctionKeysShape) -> Answer {
    let (id, slot) = (site.id.clone(), site.slot);
    let Some(keys) = site.keys.function(function) else {
        return no_function(function);
    };
    let body = match shape {
        FunctionKeysShape::Flat => json!(keys),
        FunctionKeysShape::UnderProperties => json!({
            "id": format!("{id}/functions/{function}"),
            "name": function,
            "type": if slot { "Microsoft.Web/sites/slots/functions" } else { "Microsoft.Web/sites/functions" },
            "properties": keys,
        }),
    };
    respond(StatusCode::OK, &body)
}

pub(super) fn put_function(site: &mut SiteData, function: &str, name: &str, body: &[u8]) -> Answer {
    if name.is_empty() {
        return no_name();
    }
    let value = match requested_value(body) {
        Ok(value) => value,
        Err(why) => return bad_request(why),
    };
    let Some(keys) = site.keys.function(function) else {
        return no_function(function);
    };
    let created = set(keys, name, value.clone());
    key_info(site, &format!("functions/{function}/keys"), "Microsoft.Web/sites/functions/keys", name, &value, created)
}

pub(super) fn delete_function(site: &mut SiteData, function: &str, name: &str) -> Answer {
    let Some(keys) = site.keys.function(function) else {
        return no_function(function);
    };
    if remove(keys, name) {
        empty(StatusCode::NO_CONTENT)
    } else {
        web_error(StatusCode::NOT_FOUND, "NotFound", &format!("Function '{function}' has no key '{name}'."))
    }
}
