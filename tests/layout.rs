//! The app's deploy layout: `host.json` and `function-templates/*/function.json` validated against
//! the SchemaStore schemas stored in `crates/vaultfn/schemas/` (see `SOURCE.md` there), kept in step with
//! `vaultfn_handler::functions::FUNCTIONS`, and `local.settings.json.example` checked for what a local run
//! needs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jsonschema::{Draft, Retrieve, Uri, Validator};
use serde_json::{Value, json};
use vaultfn_handler::functions::{self, FUNCTIONS, ROUTE_PREFIX, TRIGGERED};
use vaultfn_handler::reference::{self, Syntax};
use vaultfn_handler::settings::parse_expected;

/// A schema stored in `crates/vaultfn/schemas/`.
struct StoredSchema {
    /// The URL SchemaStore publishes it at.
    url: &'static str,
    file: &'static str,
    /// The draft to read it as when its `$schema` understates the keywords it uses.
    draft: Option<Draft>,
}

const STORED_SCHEMAS: &[StoredSchema] = &[
    StoredSchema { url: "https://json.schemastore.org/host.json", file: "host.json", draft: None },
    // Declares draft-04 but uses `const` (draft-06) to tell the sql and mysql bindings apart.
    // Read strictly as draft-04, `const` is ignored, every http binding also matches sqlBinding
    // and the `oneOf` over binding kinds rejects it. SchemaStore's own checks (ajv) and editors
    // honour `const`. Every other keyword it uses reads the same in draft-06, apart from the root
    // `id`, which no `$ref` relies on.
    StoredSchema {
        url: "https://json.schemastore.org/function.json",
        file: "function.json",
        draft: Some(Draft::Draft6),
    },
];

fn stored(file: &str) -> &'static StoredSchema {
    STORED_SCHEMAS
        .iter()
        .find(|s| s.file == file)
        .unwrap_or_else(|| panic!("crates/vaultfn/schemas/{file} is not listed in STORED_SCHEMAS"))
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

fn stored_schema(file: &str) -> Value {
    read_json(&root().join("crates/vaultfn/schemas").join(file))
}

/// Resolves `$ref`s by URL to the stored copies only, so validation never reaches the network and
/// a schema that starts referencing one not stored here fails loudly.
struct StoredSchemas;

impl Retrieve for StoredSchemas {
    fn retrieve(&self, uri: &Uri<&str>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let wanted = uri.as_str().trim_end_matches('#');
        STORED_SCHEMAS.iter().find(|s| s.url == wanted).map(|s| stored_schema(s.file)).ok_or_else(|| {
            format!("{wanted} is referenced by a schema but not stored in crates/vaultfn/schemas/").into()
        })
    }
}

fn validator(file: &str) -> Validator {
    let mut options = jsonschema::options();
    options.with_retriever(StoredSchemas);
    if let Some(draft) = stored(file).draft {
        options.with_draft(draft);
    }
    options
        .build(&stored_schema(file))
        .unwrap_or_else(|e| panic!("crates/vaultfn/schemas/{file} does not compile as a schema: {e}"))
}

fn schema_errors(validator: &Validator, instance: &Value) -> Vec<String> {
    validator.iter_errors(instance).map(|e| format!("at '{}': {e}", e.instance_path)).collect()
}

fn host_json() -> Value {
    read_json(&root().join("host.json"))
}

/// Every folder under `function-templates/`, by name, with its parsed `function.json`.
fn function_templates() -> BTreeMap<String, Value> {
    let dir = root().join("function-templates");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    let mut templates = BTreeMap::new();
    for entry in entries {
        let entry = entry.expect("reading a function-templates entry");
        let path: PathBuf = entry.path();
        if !path.is_dir() {
            continue;
        }
        let name =
            entry.file_name().into_string().unwrap_or_else(|n| panic!("function folder name {n:?} is not UTF-8"));
        templates.insert(name, read_json(&path.join("function.json")));
    }
    assert!(!templates.is_empty(), "{} has no function folders", dir.display());
    templates
}

fn bindings<'a>(name: &str, function: &'a Value) -> &'a [Value] {
    function["bindings"].as_array().unwrap_or_else(|| panic!("{name}/function.json has no bindings array"))
}

fn binding<'a>(name: &str, function: &'a Value, kind: &str, direction: &str) -> &'a Value {
    let matching: Vec<&Value> =
        bindings(name, function).iter().filter(|b| b["type"] == kind && b["direction"] == direction).collect();
    assert_eq!(
        matching.len(),
        1,
        "{name}/function.json must have exactly one {kind} binding with direction {direction}"
    );
    matching[0]
}

fn http_trigger<'a>(name: &str, function: &'a Value) -> &'a Value {
    binding(name, function, "httpTrigger", "in")
}

#[test]
fn host_json_matches_the_schemastore_schema() {
    let errors = schema_errors(&validator("host.json"), &host_json());
    assert!(errors.is_empty(), "host.json fails its schema:\n{}", errors.join("\n"));
}

#[test]
fn every_function_json_matches_the_schemastore_schema() {
    let validator = validator("function.json");
    for (name, function) in function_templates() {
        let errors = schema_errors(&validator, &function);
        assert!(errors.is_empty(), "function-templates/{name}/function.json fails its schema:\n{}", errors.join("\n"));
    }
}

#[test]
fn the_schemas_reject_invalid_files() {
    let function_schema = validator("function.json");
    for (name, function) in function_templates() {
        let mut mutated = function.clone();
        if let Some(trigger) =
            mutated["bindings"].as_array_mut().and_then(|b| b.iter_mut().find(|b| b["type"] == "httpTrigger"))
        {
            trigger["authLevel"] = json!("superuser");
            assert!(
                !function_schema.is_valid(&mutated),
                "{name}/function.json with authLevel \"superuser\" passes the schema"
            );
        }

        let mut mutated = function.clone();
        mutated["bindings"][0]["direction"] = json!("sideways");
        assert!(
            !function_schema.is_valid(&mutated),
            "{name}/function.json with direction \"sideways\" passes the schema"
        );
    }

    let host_schema = validator("host.json");
    let mut mutated = host_json();
    mutated["customHandler"]["enableForwardingHttpRequest"] = json!("yes");
    assert!(!host_schema.is_valid(&mutated), "host.json with a string enableForwardingHttpRequest passes the schema");

    let mut mutated = host_json();
    mutated["customHandler"]["defaultExecutablePath"] = json!("handler");
    assert!(
        !host_schema.is_valid(&mutated),
        "host.json with defaultExecutablePath outside customHandler.description passes the schema"
    );

    let mut mutated = host_json();
    mutated["version"] = json!("3.0");
    assert!(!host_schema.is_valid(&mutated), "host.json with version \"3.0\" passes the schema");
}

/// The HTTP functions' templates (the others are in `TRIGGERED`).
fn http_templates() -> BTreeMap<String, Value> {
    function_templates().into_iter().filter(|(name, _)| functions::triggered_by_name(name).is_none()).collect()
}

#[test]
fn non_http_functions_and_the_triggered_table_agree() {
    let templates = function_templates();
    for f in TRIGGERED {
        let function = templates.get(f.name).unwrap_or_else(|| panic!("function-templates/{}/ is missing", f.name));
        let kind = serde_json::to_value(f.kind).unwrap();
        let trigger = binding(f.name, function, kind.as_str().unwrap(), "in");
        assert_eq!(trigger["name"], f.binding, "{}: the trigger binding's name is the payload's Data key", f.name);
        assert_eq!(bindings(f.name, function).len(), 1, "{}: a trigger and nothing else", f.name);
    }
    let timer = binding("secret-expiry-scan", &templates["secret-expiry-scan"], "timerTrigger", "in");
    assert_eq!(timer["schedule"], "%EXPIRY_SCAN_SCHEDULE%", "the schedule is an app setting");
}

#[test]
fn function_folders_and_the_functions_table_agree() {
    let templates = http_templates();
    for f in FUNCTIONS {
        assert!(
            templates.contains_key(f.name),
            "vaultfn_handler::functions::FUNCTIONS has {} but function-templates/{}/ does not exist",
            f.name,
            f.name
        );
    }
    for (name, function) in &templates {
        let f = FUNCTIONS.iter().find(|f| f.name == name).unwrap_or_else(|| {
            panic!("function-templates/{name}/ has no entry in vaultfn_handler::functions::FUNCTIONS")
        });
        let trigger = http_trigger(name, function);
        assert_eq!(trigger["route"], f.route, "{name}: route in function.json and FUNCTIONS differ");
        let methods: Vec<Value> = f.methods.iter().map(|m| Value::from(m.to_ascii_lowercase())).collect();
        assert_eq!(
            trigger["methods"],
            Value::Array(methods),
            "{name}: methods in function.json and FUNCTIONS (lowercased) differ"
        );
        let auth_level = serde_json::to_value(f.auth_level).expect("serializing an AuthLevel");
        assert_eq!(trigger["authLevel"], auth_level, "{name}: authLevel in function.json and FUNCTIONS differ");
    }
    assert_eq!(templates.len(), FUNCTIONS.len(), "FUNCTIONS has duplicate names");
}

#[test]
fn every_http_function_is_one_http_trigger_in_and_one_http_out() {
    for (name, function) in http_templates() {
        assert_eq!(
            bindings(&name, &function).len(),
            2,
            "{name}/function.json: the host forwards requests only to functions whose bindings are \
             exactly one httpTrigger in and one http out"
        );
        assert_eq!(http_trigger(&name, &function)["name"], "req", "{name}: the httpTrigger binding must be named req");
        assert_eq!(
            binding(&name, &function, "http", "out")["name"],
            "res",
            "{name}: the http output binding must be named res"
        );
    }
}

#[test]
fn host_json_starts_the_handler_with_forwarding() {
    let host = host_json();
    let custom_handler = &host["customHandler"];
    assert_eq!(
        custom_handler["description"]["defaultExecutablePath"], "handler",
        "customHandler.description.defaultExecutablePath"
    );
    assert_eq!(custom_handler["enableForwardingHttpRequest"], true, "customHandler.enableForwardingHttpRequest");
    let route_prefix = &host["extensions"]["http"]["routePrefix"];
    assert!(
        route_prefix.is_null() || *route_prefix == ROUTE_PREFIX,
        "extensions.http.routePrefix is {route_prefix}, vaultfn_handler::functions::ROUTE_PREFIX is {ROUTE_PREFIX}"
    );
}

#[test]
fn local_settings_example_has_what_a_local_run_needs() {
    let settings = read_json(&root().join("local.settings.json.example"));
    let values = settings["Values"].as_object().expect("local.settings.json.example has no Values object");
    for (name, value) in values {
        assert!(value.is_string(), "Values.{name} must be a string (the host reads app settings as strings)");
    }
    let value = |name: &str| values.get(name).and_then(Value::as_str);

    assert_eq!(value("FUNCTIONS_WORKER_RUNTIME"), Some("custom"), "Values.FUNCTIONS_WORKER_RUNTIME");

    let mut syntaxes = Vec::new();
    for (name, v) in values {
        let v = v.as_str().unwrap_or_default();
        if reference::is_reference(v) {
            match reference::parse(v) {
                Ok(r) => syntaxes.push(r.syntax),
                Err(e) => panic!("Values.{name} is a Key Vault reference that does not parse: {e}"),
            }
        }
    }
    assert!(syntaxes.contains(&Syntax::SecretUri), "no Key Vault reference of the SecretUri= syntax in Values");
    assert!(
        syntaxes.contains(&Syntax::VaultName),
        "no Key Vault reference of the VaultName=;SecretName= syntax in Values"
    );

    let list = value("CONFIG_CHECK_SETTINGS").unwrap_or_default();
    let (expected, errors) = parse_expected(list);
    assert!(errors.is_empty(), "Values.CONFIG_CHECK_SETTINGS: {}", errors.join("; "));
    assert!(!expected.is_empty(), "Values.CONFIG_CHECK_SETTINGS is missing or empty");
    for setting in &expected {
        assert!(
            values.contains_key(&setting.name),
            "CONFIG_CHECK_SETTINGS names {} but Values has no such setting",
            setting.name
        );
    }
}
