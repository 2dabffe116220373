//! The app as the host reads it from its script root: `host.json` and one `function.json` per
//! function folder. A source checkout keeps the folders under `function-templates/`; a packaged
//! app (the deploy layout) keeps them at the root.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::keys::AuthLevel;

/// The host's default `extensions.http.routePrefix`.
pub const DEFAULT_ROUTE_PREFIX: &str = "api";
/// Where a source checkout keeps its function folders.
pub const TEMPLATES_DIR: &str = "function-templates";

#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("{}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not valid JSON ({source})", .path.display())]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}: {what}", .path.display())]
    Invalid { path: PathBuf, what: String },
}

/// `customHandler.description` in host.json.
#[derive(Debug, Clone)]
pub struct HandlerDescription {
    pub executable: String,
    pub arguments: Vec<String>,
    /// Absolute: relative paths are taken from the script root, empty means the script root.
    pub working_directory: PathBuf,
}

#[derive(Debug, Clone)]
pub struct HostConfig {
    pub route_prefix: String,
    pub handler: HandlerDescription,
    pub forwarding: bool,
    /// `extensionBundle.id`, reported by the status endpoint.
    pub extension_bundle: Option<(String, String)>,
}

/// One function with an HTTP trigger.
#[derive(Debug, Clone)]
pub struct FunctionDef {
    pub name: String,
    /// Route template below the prefix; the function's name when function.json gives none.
    pub route: String,
    /// Upper-cased methods; `None` accepts every method, as the host does.
    pub methods: Option<Vec<String>>,
    pub auth_level: AuthLevel,
    /// Bindings are exactly one httpTrigger in and one http out: eligible for forwarding.
    pub http_in_and_out: bool,
    /// Name of the trigger binding (the `Data` key in payload mode).
    pub trigger_binding: String,
    /// Name of the http output binding (the `Outputs` key), if any.
    pub http_output: Option<String>,
    pub disabled: bool,
}

#[derive(Debug, Clone)]
pub struct AppLayout {
    pub script_root: PathBuf,
    pub host: HostConfig,
    pub functions: Vec<FunctionDef>,
    /// Functions with an Event Grid or timer trigger, run in payload mode (`triggers.rs`).
    pub triggered: Vec<TriggerDef>,
    /// Function folders with a trigger the local host does not run (queues, blobs, ...).
    pub skipped: Vec<String>,
}

impl AppLayout {
    pub fn load(script_root: &Path) -> Result<Self, LayoutError> {
        let script_root = std::path::absolute(script_root).unwrap_or_else(|_| script_root.to_path_buf());
        let host_path = script_root.join("host.json");
        let host = parse_host(&host_path, &read_json(&host_path)?, &script_root)?;
        let templates = script_root.join(TEMPLATES_DIR);
        let functions_dir = if templates.is_dir() { templates } else { script_root.clone() };
        let mut folders: Vec<PathBuf> = std::fs::read_dir(&functions_dir)
            .map_err(|source| LayoutError::Read { path: functions_dir.clone(), source })?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.join("function.json").is_file())
            .collect();
        folders.sort();
        let mut functions = Vec::new();
        let mut triggered = Vec::new();
        let mut skipped = Vec::new();
        for folder in folders {
            let name = folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let path = folder.join("function.json");
            let json = read_json(&path)?;
            match parse_function(&name, &path, &json)? {
                Some(function) => functions.push(function),
                None => match parse_trigger(&name, &path, &json)? {
                    Some(function) => triggered.push(function),
                    None => skipped.push(name),
                },
            }
        }
        Ok(Self { script_root, host, functions, triggered, skipped })
    }

    pub fn function(&self, name: &str) -> Option<&FunctionDef> {
        self.functions.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

pub(crate) fn read_json(path: &Path) -> Result<Value, LayoutError> {
    let text = std::fs::read(path).map_err(|source| LayoutError::Read { path: path.to_owned(), source })?;
    serde_json::from_slice(&text).map_err(|source| LayoutError::Json { path: path.to_owned(), source })
}

/// Reads a property case-insensitively: the host's configuration binder ignores case.
pub(super) fn prop<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

pub(super) fn string_prop(object: &Value, name: &str) -> Option<String> {
    prop(object, name).and_then(Value::as_str).map(str::to_owned)
}

pub(crate) fn parse_host(path: &Path, json: &Value, script_root: &Path) -> Result<HostConfig, LayoutError> {
    let invalid = |what: &str| LayoutError::Invalid { path: path.to_owned(), what: what.to_owned() };
    let route_prefix = prop(json, "extensions")
        .and_then(|e| prop(e, "http"))
        .and_then(|h| string_prop(h, "routePrefix"))
        .unwrap_or_else(|| DEFAULT_ROUTE_PREFIX.to_owned());
    let custom = prop(json, "customHandler")
        .ok_or_else(|| invalid("has no customHandler section; vaultfn start runs custom handlers only"))?;
    let description = prop(custom, "description").ok_or_else(|| invalid("customHandler has no description"))?;
    let executable = string_prop(description, "defaultExecutablePath")
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| invalid("customHandler.description.defaultExecutablePath cannot be empty"))?;
    let arguments = match prop(description, "arguments") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| invalid("customHandler.description.arguments must be an array of strings"))?,
        Some(_) => return Err(invalid("customHandler.description.arguments must be an array of strings")),
    };
    let working_directory = match string_prop(description, "workingDirectory").filter(|w| !w.is_empty()) {
        None => script_root.to_path_buf(),
        Some(dir) => script_root.join(dir),
    };
    let forwarding = prop(custom, "enableForwardingHttpRequest").and_then(Value::as_bool).unwrap_or(false);
    let extension_bundle = prop(json, "extensionBundle")
        .and_then(|b| Some((string_prop(b, "id")?, string_prop(b, "version").unwrap_or_default())));
    Ok(HostConfig {
        route_prefix: route_prefix.trim_matches('/').to_owned(),
        handler: HandlerDescription { executable, arguments, working_directory },
        forwarding,
        extension_bundle,
    })
}

/// Reads one function.json; `None` when the function has no HTTP trigger.
pub(crate) fn parse_function(name: &str, path: &Path, json: &Value) -> Result<Option<FunctionDef>, LayoutError> {
    let invalid = |what: String| LayoutError::Invalid { path: path.to_owned(), what };
    let bindings =
        prop(json, "bindings").and_then(Value::as_array).ok_or_else(|| invalid("has no bindings array".to_owned()))?;
    let direction = |b: &Value, d: &str| string_prop(b, "direction").is_some_and(|v| v.eq_ignore_ascii_case(d));
    let kind = |b: &Value, t: &str| string_prop(b, "type").is_some_and(|v| v.eq_ignore_ascii_case(t));
    let inputs: Vec<&Value> = bindings.iter().filter(|b| !direction(b, "out")).collect();
    let outputs: Vec<&Value> = bindings.iter().filter(|b| direction(b, "out") || direction(b, "inout")).collect();
    let Some(trigger) = inputs.iter().find(|b| kind(b, "httpTrigger")) else {
        return Ok(None);
    };
    let auth_level = match string_prop(trigger, "authLevel") {
        None => AuthLevel::Function,
        Some(level) => level
            .parse()
            .map_err(|_| invalid(format!("authLevel {level:?} is not one of anonymous, function, system, admin")))?,
    };
    let methods = match prop(trigger, "methods") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) if items.is_empty() => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|m| m.as_str().map(str::to_ascii_uppercase))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid("methods must be an array of strings".to_owned()))?,
        ),
        Some(_) => return Err(invalid("methods must be an array of strings".to_owned())),
    };
    let route = string_prop(trigger, "route").map(|r| r.trim_matches('/').to_owned()).filter(|r| !r.is_empty());
    let http_output = outputs.iter().find(|b| kind(b, "http")).and_then(|b| string_prop(b, "name"));
    let http_in_and_out = inputs.len() == 1 && outputs.len() == 1 && kind(outputs[0], "http");
    let disabled = is_disabled(json);
    Ok(Some(FunctionDef {
        name: name.to_owned(),
        route: route.unwrap_or_else(|| name.to_owned()),
        methods,
        auth_level,
        http_in_and_out,
        trigger_binding: string_prop(trigger, "name").unwrap_or_else(|| "req".to_owned()),
        http_output,
        disabled,
    }))
}

/// `"disabled": true` (or `"true"`) in a function.json.
pub(super) fn is_disabled(json: &Value) -> bool {
    prop(json, "disabled").is_some_and(|d| d.as_bool() == Some(true) || d.as_str() == Some("true"))
}

/// The system key that authorises the Event Grid webhook, as the host names it.
pub const EVENTGRID_SYSTEM_KEY: &str = "eventgrid_extension";

/// A non-HTTP function the local host can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerDef {
    pub name: String,
    /// The trigger binding's name: the payload's `Data` key.
    pub binding: String,
    pub kind: TriggerBinding,
    /// `"disabled": true` in function.json (`AzureWebJobs.<name>.Disabled` is read at start).
    pub disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerBinding {
    EventGrid,
    Timer {
        /// As written in function.json: `%SETTING%` is expanded at start.
        schedule: String,
        run_on_startup: bool,
    },
}

impl TriggerBinding {
    /// The binding type as function.json spells it.
    pub fn binding_type(&self) -> &'static str {
        match self {
            TriggerBinding::EventGrid => "eventGridTrigger",
            TriggerBinding::Timer { .. } => "timerTrigger",
        }
    }
}

/// Reads a function.json whose trigger is one the local host runs besides `httpTrigger`; `None`
/// for any other trigger.
pub(crate) fn parse_trigger(name: &str, path: &Path, json: &Value) -> Result<Option<TriggerDef>, LayoutError> {
    let invalid = |what: String| LayoutError::Invalid { path: path.to_owned(), what };
    let Some(bindings) = prop(json, "bindings").and_then(Value::as_array) else {
        return Err(invalid("has no bindings array".to_owned()));
    };
    let is = |b: &Value, t: &str| string_prop(b, "type").is_some_and(|v| v.eq_ignore_ascii_case(t));
    let Some((trigger, kind)) = bindings.iter().find_map(|b| {
        if is(b, "eventGridTrigger") {
            Some((b, TriggerBinding::EventGrid))
        } else if is(b, "timerTrigger") {
            let schedule = string_prop(b, "schedule").unwrap_or_default();
            let run_on_startup =
                prop(b, "runOnStartup").is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("true"));
            Some((b, TriggerBinding::Timer { schedule, run_on_startup }))
        } else {
            None
        }
    }) else {
        return Ok(None);
    };
    if matches!(&kind, TriggerBinding::Timer { schedule, .. } if schedule.trim().is_empty()) {
        return Err(invalid("the timerTrigger binding has no schedule".to_owned()));
    }
    let binding = string_prop(trigger, "name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid(format!("the {} binding has no name", kind.binding_type())))?;
    Ok(Some(TriggerDef { name: name.to_owned(), binding, kind, disabled: is_disabled(json) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn route_defaults_to_the_function_name_and_auth_to_function() {
        let f = parse_function(
            "Hello",
            Path::new("f.json"),
            &json!({"bindings":[{"type":"httpTrigger","direction":"in","name":"req"},{"type":"http","direction":"out","name":"res"}]}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(f.route, "Hello");
        assert_eq!(f.auth_level, AuthLevel::Function);
        assert!(f.methods.is_none());
        assert!(f.http_in_and_out);
    }

    #[test]
    fn extra_bindings_mean_payload_mode() {
        let f = parse_function(
            "q",
            Path::new("f.json"),
            &json!({"bindings":[
                {"type":"httpTrigger","direction":"in","name":"req","authLevel":"Anonymous","methods":["get","Post"]},
                {"type":"http","direction":"out","name":"res"},
                {"type":"queue","direction":"out","name":"msg"}]}),
        )
        .unwrap()
        .unwrap();
        assert!(!f.http_in_and_out);
        assert_eq!(f.methods.as_deref(), Some(&["GET".to_owned(), "POST".to_owned()][..]));
        assert_eq!(f.http_output.as_deref(), Some("res"));
    }

    #[test]
    fn functions_without_http_trigger_are_skipped() {
        let json = json!({"bindings":[{"type":"timerTrigger","direction":"in","name":"t"}]});
        assert!(parse_function("t", Path::new("f.json"), &json).unwrap().is_none());
    }

    #[test]
    fn host_json_prefix_and_description() {
        let host = parse_host(
            Path::new("host.json"),
            &json!({"extensions":{"http":{"routePrefix":""}},"customHandler":{"description":{"defaultExecutablePath":"h","workingDirectory":"bin","arguments":["-v"]}}}),
            Path::new("/app"),
        )
        .unwrap();
        assert_eq!(host.route_prefix, "");
        assert_eq!(host.handler.working_directory, Path::new("/app/bin"));
        assert_eq!(host.handler.arguments, ["-v"]);
        assert!(!host.forwarding);
    }
}
