//! `vaultfn keys … --app NAME --resource-group RG [--subscription ID] [--slot S]`: the admin-API
//! verbs over Resource Manager, with the developer's own credential (chosen as `vaultfn token`
//! chooses it, so `az login` locally), so no master key travels through a shell:
//! `POST {site}/host/default/listkeys`, `PUT|DELETE {site}/host/default/{functionKeys|systemKeys}/{name}`,
//! `POST {site}/functions/{fn}/listkeys`, `PUT|DELETE {site}/functions/{fn}/keys/{name}`
//! (api-version 2022-03-01, which [`ArmClient`] sends).
//!
//! Output is the admin-API mode's: a NAME/VALUE table or, with `--json`, the same JSON shapes
//! (`{"keys": [{name, value}]}`, `{name, value}`). Values are printed only by `list`, `show` and
//! `new`, which ask for them; `set` prints none; errors never carry one (ARM's answer bodies are
//! not repeated).

use reqwest::Method;
use serde_json::{Value, json};
use vaultfn_handler::arm::{ArmClient, ArmError, SiteId};
use vaultfn_handler::vault::CredentialKind;

use super::MASTER_KEY_NAME;
use super::args::{Action, HostScope, KeyTarget, encode, print_table, read_value};
use crate::azure::{AppTarget, connect};

/// Whose keys: a function's, or the host's function or system keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope<'a> {
    Function(&'a str),
    HostFunction,
    HostSystem,
}

impl<'a> Scope<'a> {
    fn of(t: &'a KeyTarget) -> Self {
        match (&t.function, t.host_scope) {
            (Some(function), _) => Self::Function(function),
            (None, Some(HostScope::Systemkeys)) => Self::HostSystem,
            (None, _) => Self::HostFunction,
        }
    }

    fn list_path(self, site: &SiteId) -> String {
        match self {
            Self::Function(function) => format!("{site}/functions/{}/listkeys", encode(function)),
            Self::HostFunction | Self::HostSystem => format!("{site}/host/default/listkeys"),
        }
    }

    /// The key's resource. The master key is a system key to the admin API and `masterKey` to ARM.
    fn key_path(self, site: &SiteId, name: &str) -> String {
        let name_segment = encode(name);
        match self {
            Self::Function(function) => format!("{site}/functions/{}/keys/{name_segment}", encode(function)),
            Self::HostFunction => format!("{site}/host/default/functionKeys/{name_segment}"),
            Self::HostSystem if name.eq_ignore_ascii_case(MASTER_KEY_NAME) => {
                format!("{site}/host/default/masterKey/{MASTER_KEY_NAME}")
            }
            Self::HostSystem => format!("{site}/host/default/systemKeys/{name_segment}"),
        }
    }

    /// The RBAC action a call needs, for a 403's advice.
    fn action(self, site: &SiteId, method: &Method) -> String {
        let verb = if *method == Method::DELETE { "delete" } else { "write" };
        let tail = match (self, method) {
            (Self::Function(_), &Method::POST) => "functions/listkeys/action".to_owned(),
            (_, &Method::POST) => "host/listkeys/action".to_owned(),
            (Self::Function(_), _) => format!("functions/keys/{verb}"),
            (Self::HostFunction, _) => format!("host/functionkeys/{verb}"),
            (Self::HostSystem, _) => format!("host/systemkeys/{verb}"),
        };
        let slots = if site.as_str().to_ascii_lowercase().contains("/slots/") { "slots/" } else { "" };
        format!("Microsoft.Web/sites/{slots}{tail}")
    }

    fn what(self) -> String {
        match self {
            Self::Function(function) => format!("function {function}"),
            Self::HostFunction => "the host's function keys".to_owned(),
            Self::HostSystem => "the host's system keys".to_owned(),
        }
    }
}

/// Runs `action` against the app `target` names.
pub async fn execute(action: &Action, t: &KeyTarget, app: AppTarget) -> Result<(), String> {
    let (arm, site, kind) = connect(&app)?;
    eprintln!("vaultfn keys: {site} with the {kind} credential");
    let keys = Keys { arm, site, kind, scope: Scope::of(t) };
    match action {
        Action::List => {
            let rows = keys.list().await?;
            if t.json {
                let keys: Vec<Value> = rows.iter().map(|(name, value)| json!({"name": name, "value": value})).collect();
                print_json(&json!({ "keys": keys }));
            } else {
                print_table(&rows);
            }
        }
        Action::Show { name } => {
            let rows = keys.list().await?;
            let (name, value) = rows
                .into_iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .ok_or_else(|| format!("404 Not Found: {} has no key {name}", keys.scope.what()))?;
            show(t.json, &name, &value, false);
        }
        Action::New { name } => {
            let existed = keys.existed(name).await;
            let answer = keys.put(name, None).await?;
            let value = key_value(&answer).ok_or("Resource Manager's answer carries no key value")?;
            show(t.json, name, value, existed == Some(false));
        }
        Action::Set { name, value } => {
            let value = match value {
                Some(v) => secrecy::SecretString::from(v.clone()),
                None => read_value(name)?,
            };
            let existed = keys.existed(name).await;
            keys.put(name, Some(&value)).await?;
            // The user typed the value and did not ask to see it.
            if t.json {
                print_json(&json!({ "name": name }));
            } else {
                match existed {
                    Some(true) => println!("updated {name}"),
                    Some(false) => println!("created {name}"),
                    None => println!("set {name}"),
                }
            }
        }
        Action::Delete { name } => {
            if keys.scope == Scope::HostSystem && name.eq_ignore_ascii_case(MASTER_KEY_NAME) {
                return Err(format!(
                    "{MASTER_KEY_NAME} cannot be deleted (give it a new value with `keys new {MASTER_KEY_NAME}`)"
                ));
            }
            keys.call(Method::DELETE, keys.scope.key_path(&keys.site, name), None).await?;
            if !t.json {
                println!("deleted {name}");
            }
        }
    }
    Ok(())
}

fn print_json(value: &Value) {
    println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

fn show(json: bool, name: &str, value: &str, created: bool) {
    if json {
        print_json(&json!({"name": name, "value": value}));
        return;
    }
    print_table(&[(name.to_owned(), value.to_owned())]);
    if created {
        println!("(created)");
    }
}

/// A key's value in a `KeyInfo` answer: under `properties` (as the service answers) or flat (as
/// the REST specification has it).
fn key_value(answer: &Value) -> Option<&str> {
    answer.pointer("/properties/value").or_else(|| answer.get("value")).and_then(Value::as_str)
}

struct Keys<'a> {
    arm: ArmClient,
    site: SiteId,
    kind: CredentialKind,
    scope: Scope<'a>,
}

impl Keys<'_> {
    /// The scope's keys, by name, as `listkeys` answers them (the system scope with `_master`
    /// first, as the admin API lists it).
    async fn list(&self) -> Result<Vec<(String, String)>, String> {
        let answer = self.call(Method::POST, self.scope.list_path(&self.site), None).await?;
        let strings = |map: Option<&Value>| -> Vec<(String, String)> {
            map.and_then(Value::as_object)
                .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect())
                .unwrap_or_default()
        };
        Ok(match self.scope {
            // A StringDictionary: the names sit under `properties` in the specification, at the top
            // level in what the service answers.
            Scope::Function(_) => match answer.get("properties").filter(|p| p.is_object()) {
                Some(properties) => strings(Some(properties)),
                None => strings(Some(&answer)),
            },
            Scope::HostFunction => strings(answer.get("functionKeys")),
            Scope::HostSystem => {
                let master = answer.get("masterKey").and_then(Value::as_str);
                let mut rows: Vec<_> = master.map(|m| (MASTER_KEY_NAME.to_owned(), m.to_owned())).into_iter().collect();
                rows.extend(strings(answer.get("systemKeys")));
                rows
            }
        })
    }

    /// Whether `name` exists now, for "created" or "updated"; `None` when it cannot be listed
    /// (a role that may write keys but not list them still sets them).
    async fn existed(&self, name: &str) -> Option<bool> {
        let rows = self.list().await.ok()?;
        Some(rows.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)))
    }

    /// `PUT` the key; without a value, Resource Manager generates one.
    async fn put(&self, name: &str, value: Option<&secrecy::SecretString>) -> Result<Value, String> {
        use secrecy::ExposeSecret as _;
        let mut properties = json!({ "name": name });
        if let Some(value) = value {
            properties["value"] = Value::from(value.expose_secret());
        }
        self.call(Method::PUT, self.scope.key_path(&self.site, name), Some(json!({ "properties": properties }))).await
    }

    async fn call(&self, method: Method, path: String, body: Option<Value>) -> Result<Value, String> {
        let action = self.scope.action(&self.site, &method);
        self.arm.call(method, &path, body).await.map_err(|e| self.explain(e, &action))
    }

    /// An error in terms of what to do about it; never ARM's answer body.
    fn explain(&self, e: ArmError, action: &str) -> String {
        match e {
            ArmError::Forbidden { code } => format!(
                "403 {code}: your identity may not do {action} on {}. Grant it the Website Contributor role \
                 (or Contributor) on the app, or a custom role with {action}",
                self.site
            ),
            ArmError::NotFound => format!(
                "404 Not Found: Resource Manager has no such app, slot, {} or key in that subscription and \
                 resource group (or your identity cannot see it)",
                match self.scope {
                    Scope::Function(_) => "function",
                    _ => "host",
                }
            ),
            ArmError::Credential => {
                format!("no token for Resource Manager from the {} credential: {}", self.kind, self.kind.fix_hint())
            }
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_actions() {
        let site = SiteId::new("s", "rg", "app", None).unwrap();
        let slot = SiteId::new("s", "rg", "app", Some("staging")).unwrap();
        let f = Scope::Function("Http Trigger");
        assert_eq!(f.list_path(&site), format!("{site}/functions/Http%20Trigger/listkeys"));
        assert_eq!(f.key_path(&slot, "ci"), format!("{slot}/functions/Http%20Trigger/keys/ci"));
        assert_eq!(Scope::HostFunction.key_path(&site, "a/b"), format!("{site}/host/default/functionKeys/a%2Fb"));
        assert_eq!(Scope::HostSystem.key_path(&site, "_master"), format!("{site}/host/default/masterKey/_master"));
        assert_eq!(
            Scope::HostSystem.action(&slot, &Method::DELETE),
            "Microsoft.Web/sites/slots/host/systemkeys/delete"
        );
        assert_eq!(f.action(&site, &Method::POST), "Microsoft.Web/sites/functions/listkeys/action");
        assert_eq!(Scope::HostFunction.action(&site, &Method::POST), "Microsoft.Web/sites/host/listkeys/action");
    }

    #[test]
    fn key_values_flat_or_under_properties() {
        assert_eq!(key_value(&json!({"properties": {"name": "a", "value": "v"}})), Some("v"));
        assert_eq!(key_value(&json!({"name": "a", "value": "w"})), Some("w"));
        assert_eq!(key_value(&json!({"name": "a"})), None);
    }
}
