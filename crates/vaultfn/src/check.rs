//! `vaultfn check`: everything the host (or the platform) would refuse, found before a deploy.
//! host.json and each function.json against SchemaStore's published schemas, then the host's own
//! rules (reserved prefixes, route conflicts, auth levels, forwarding eligibility, timer schedules),
//! then the local settings (worker runtime, Key Vault reference syntax). One line per problem.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use crate::devhost::{
    layout::{self, DEFAULT_ROUTE_PREFIX, FunctionDef, TEMPLATES_DIR},
    local_settings::{ENVIRONMENT_ONLY, EXAMPLE_FILE, SETTINGS_FILE},
    routing::RouteTable,
    timer,
    triggers::{TriggerBinding, TriggerDef},
};
use vaultfn_handler::vault::config::TEST_SETTINGS;
use vaultfn_handler::{reference, settings::parse_expected};

const HOST_SCHEMA: &str = include_str!("../schemas/host.json");
const FUNCTION_SCHEMA: &str = include_str!("../schemas/function.json");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// What `check` looked at and what it found.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub functions: usize,
    pub settings_file: Option<PathBuf>,
    pub findings: Vec<Finding>,
    /// Reference lints: worth fixing (rotation trips over them), but the app still deploys.
    pub warnings: Vec<Finding>,
}

pub fn check(script_root: &Path, settings: Option<&Path>) -> CheckReport {
    let mut report = CheckReport::default();
    let mut problem = |path: &Path, message: String| report.findings.push(Finding { path: path.to_owned(), message });

    let host_path = script_root.join("host.json");
    let mut route_prefix = DEFAULT_ROUTE_PREFIX.to_owned();
    let mut forwarding = false;
    match layout::read_json(&host_path) {
        Err(e) => problem(&host_path, strip_path(&e.to_string(), &host_path)),
        Ok(host) => {
            for error in schema_errors(HOST_SCHEMA, None, &host) {
                problem(&host_path, error);
            }
            match layout::parse_host(&host_path, &host, script_root) {
                Ok(config) => {
                    route_prefix = config.route_prefix;
                    forwarding = config.forwarding;
                    let executable = config.handler.working_directory.join(&config.handler.executable);
                    if config.handler.executable.is_empty() {
                        problem(&host_path, "customHandler.description.defaultExecutablePath is empty".into());
                    } else if !script_root.join(TEMPLATES_DIR).is_dir() && !executable.is_file() {
                        problem(&host_path, format!("the handler executable {} does not exist", executable.display()));
                    }
                }
                Err(e) => problem(&host_path, strip_path(&e.to_string(), &host_path)),
            }
        }
    }

    let (functions, triggered) = load_functions(script_root, &mut problem);
    report_routes(&route_prefix, forwarding, &functions, &mut problem);
    let functions_len = functions.len() + triggered.len();
    let mut warnings = Vec::new();
    let settings_file = check_settings(script_root, settings, &mut problem, &mut warnings);
    check_schedules(&triggered, settings_file.as_deref(), &mut problem);
    report.functions = functions_len;
    report.settings_file = settings_file;
    report.warnings = warnings;
    report
}

type Loaded = (Vec<(PathBuf, FunctionDef)>, Vec<(PathBuf, TriggerDef)>);

/// The HTTP functions and the non-HTTP functions the local host runs.
fn load_functions(script_root: &Path, problem: &mut impl FnMut(&Path, String)) -> Loaded {
    let templates = script_root.join(TEMPLATES_DIR);
    let dir = if templates.is_dir() { templates } else { script_root.to_owned() };
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.join("function.json").is_file()).collect()
        })
        .unwrap_or_default();
    folders.sort();
    if folders.is_empty() {
        problem(&dir, "no function folders (each needs a function.json)".into());
    }
    let mut functions = Vec::new();
    let mut triggered = Vec::new();
    for folder in folders {
        let name = folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let path = folder.join("function.json");
        let json = match layout::read_json(&path) {
            Ok(json) => json,
            Err(e) => {
                problem(&path, strip_path(&e.to_string(), &path));
                continue;
            }
        };
        for error in schema_errors(FUNCTION_SCHEMA, Some(jsonschema::Draft::Draft6), &json) {
            problem(&path, error);
        }
        match layout::parse_function(&name, &path, &json) {
            Ok(Some(function)) => functions.push((path, function)),
            Ok(None) => match layout::parse_trigger(&name, &path, &json) {
                Ok(Some(function)) => triggered.push((path, function)),
                Ok(None) => problem(
                    &path,
                    "no httpTrigger, eventGridTrigger or timerTrigger binding: the local host cannot run it".into(),
                ),
                Err(e) => problem(&path, strip_path(&e.to_string(), &path)),
            },
            Err(e) => problem(&path, strip_path(&e.to_string(), &path)),
        }
    }
    (functions, triggered)
}

/// Each timer schedule must be NCRONTAB once its `%SETTING%`s are expanded from the checked
/// settings file, which must define them (`vaultfn start` refuses to start otherwise). Without a
/// settings file only schedules that name no setting can be checked.
fn check_schedules(
    triggered: &[(PathBuf, TriggerDef)],
    settings: Option<&Path>,
    problem: &mut impl FnMut(&Path, String),
) {
    let values = settings.and_then(|p| layout::read_json(p).ok()).and_then(|j| j.get("Values").cloned());
    for (path, function) in triggered {
        let TriggerBinding::Timer { schedule, .. } = &function.kind else { continue };
        if values.is_none() && schedule.contains('%') {
            continue;
        }
        let lookup = |name: &str| values.as_ref()?.get(name)?.as_str().map(str::to_owned);
        if let Err(why) = timer::resolve(schedule, lookup) {
            let from = settings.map_or(String::new(), |p| format!(" (settings: {})", p.display()));
            problem(path, format!("{why}{from}"));
        }
    }
}

fn report_routes(
    prefix: &str,
    forwarding: bool,
    functions: &[(PathBuf, FunctionDef)],
    problem: &mut impl FnMut(&Path, String),
) {
    for (index, (path, function)) in functions.iter().enumerate() {
        if let Err(e) = RouteTable::build(prefix, std::slice::from_ref(function)) {
            problem(path, e.to_string());
            continue;
        }
        for (other_path, other) in &functions[..index] {
            if RouteTable::build(prefix, std::slice::from_ref(other)).is_err() {
                continue;
            }
            if let Err(e) = RouteTable::build(prefix, &[other.clone(), function.clone()]) {
                problem(path, format!("{e} (in {})", other_path.display()));
            }
        }
        if forwarding && !function.http_in_and_out {
            problem(
                path,
                "bindings are not exactly one httpTrigger in and one http out, so the host sends this function \
                 the invocation payload (POST /{name}), not the forwarded request"
                    .replace("{name}", &function.name),
            );
        }
    }
}

fn check_settings(
    script_root: &Path,
    settings: Option<&Path>,
    problem: &mut impl FnMut(&Path, String),
    warnings: &mut Vec<Finding>,
) -> Option<PathBuf> {
    let wanted = script_root.join(settings.unwrap_or(Path::new(SETTINGS_FILE)));
    let path = if wanted.is_file() { wanted } else { script_root.join(EXAMPLE_FILE) };
    if !path.is_file() {
        return None;
    }
    let json = match layout::read_json(&path) {
        Ok(json) => json,
        Err(e) => {
            problem(&path, strip_path(&e.to_string(), &path));
            return Some(path);
        }
    };
    if json.get("IsEncrypted").and_then(Value::as_bool) == Some(true) {
        problem(&path, "IsEncrypted is true: vaultfn reads plain Values only".into());
    }
    let Some(values) = json.get("Values").and_then(Value::as_object) else {
        problem(&path, "has no Values object".into());
        return Some(path);
    };
    match values.get("FUNCTIONS_WORKER_RUNTIME").and_then(Value::as_str) {
        Some("custom") => {}
        Some(_) => problem(&path, "FUNCTIONS_WORKER_RUNTIME must be \"custom\" for a custom handler".into()),
        None => problem(&path, "FUNCTIONS_WORKER_RUNTIME is missing (it must be \"custom\")".into()),
    }
    for setting in TEST_SETTINGS.iter().filter(|s| values.contains_key(**s)) {
        problem(
            &path,
            format!(
                "Values.{setting} is a test setting: `vaultfn start` ignores it in a settings file; set it in the environment"
            ),
        );
    }
    for setting in ENVIRONMENT_ONLY.iter().filter(|s| values.contains_key(**s)) {
        problem(
            &path,
            format!(
                "Values.{setting} decides where the credential sends its secret: `vaultfn start` ignores it in a settings file; set it in the environment"
            ),
        );
    }
    for (name, value) in values {
        let Some(text) = value.as_str() else {
            problem(&path, format!("Values.{name} is not a string"));
            continue;
        };
        if reference::is_reference(text)
            && let Err(why) = reference::parse(text)
        {
            problem(&path, format!("Values.{name} is a malformed Key Vault reference: {why}"));
        }
    }
    let references = values
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.as_str()?)))
        .filter(|(_, text)| reference::is_reference(text));
    for lint in reference::lint_all(references) {
        warnings.push(Finding { path: path.clone(), message: format!("Values.{}: {}", lint.setting, lint.detail) });
    }
    if let Some(list) = values.get("CONFIG_CHECK_SETTINGS").and_then(Value::as_str) {
        let (expected, errors) = parse_expected(list);
        errors.into_iter().for_each(|e| problem(&path, e));
        for entry in expected.iter().filter(|e| !values.contains_key(&e.name)) {
            problem(&path, format!("CONFIG_CHECK_SETTINGS names {}, which Values does not define", entry.name));
        }
    }
    Some(path)
}

fn schema_errors(schema: &str, draft: Option<jsonschema::Draft>, instance: &Value) -> Vec<String> {
    let schema: Value = match serde_json::from_str(schema) {
        Ok(schema) => schema,
        Err(e) => return vec![format!("the stored schema does not parse: {e}")],
    };
    let mut options = jsonschema::options();
    if let Some(draft) = draft {
        options.with_draft(draft);
    }
    match options.build(&schema) {
        Ok(validator) => validator
            .iter_errors(instance)
            .map(|e| format!("schema: at '{}': {}", e.instance_path, truncate(&e.to_string(), 200)))
            .collect(),
        Err(e) => vec![format!("the stored schema does not compile: {e}")],
    }
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// Layout errors start with the path; the report puts it in front already.
fn strip_path(message: &str, path: &Path) -> String {
    message.strip_prefix(&format!("{}: ", path.display())).unwrap_or(message).to_owned()
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The app's script root: host.json and function-templates/ (or a packaged app folder).
    #[arg(long, default_value = ".")]
    pub script_root: PathBuf,
    /// The local settings file, relative to the script root (falls back to the example file).
    #[arg(long)]
    pub settings: Option<PathBuf>,
}

pub fn run(args: CheckArgs) -> ExitCode {
    let report = check(&args.script_root, args.settings.as_deref());
    for problem in &report.findings {
        println!("{problem}");
    }
    for warning in &report.warnings {
        println!("warning: {warning}");
    }
    let settings = report.settings_file.as_ref().map_or("no local settings".into(), |p| p.display().to_string());
    if report.findings.is_empty() {
        eprintln!("vaultfn check: ok ({} function(s), {settings})", report.functions);
        ExitCode::SUCCESS
    } else {
        eprintln!("vaultfn check: {} problem(s) ({} function(s), {settings})", report.findings.len(), report.functions);
        ExitCode::FAILURE
    }
}
