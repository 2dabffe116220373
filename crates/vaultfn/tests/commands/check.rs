use std::path::Path;
use std::process::Command;

fn copy_app(to: &Path) {
    let root = crate::support::repo();
    std::fs::copy(root.join("host.json"), to.join("host.json")).unwrap();
    std::fs::copy(root.join("local.settings.json.example"), to.join("local.settings.json.example")).unwrap();
    for entry in std::fs::read_dir(root.join("function-templates")).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join("function-templates").join(entry.file_name());
        std::fs::create_dir_all(&dest).unwrap();
        std::fs::copy(entry.path().join("function.json"), dest.join("function.json")).unwrap();
    }
}

fn check(root: &Path) -> (bool, String) {
    let out = Command::new(crate::support::vaultfn()).args(["check", "--script-root"]).arg(root).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn function(route: &str) -> String {
    include_str!("../../../../function-templates/health/function.json")
        .replace("\"route\": \"health\"", &format!("\"route\": \"{route}\""))
}

#[test]
fn the_app_as_shipped_passes() {
    let (ok, out) = check(crate::support::repo());
    assert!(ok, "{out}");
    assert!(out.is_empty(), "{out}");
}

#[test]
fn planted_problems_each_get_a_line_and_a_failing_exit() {
    let dir = tempfile::tempdir().unwrap();
    copy_app(dir.path());
    let templates = dir.path().join("function-templates");
    for (name, body) in [
        ("health-copy", function("HEALTH/")),
        ("admin-tools", function("admin/tools")),
        ("runtime-x", function("runtime/x")),
        ("bad-auth", function("bad-auth").replace("\"anonymous\"", "\"superuser\"")),
    ] {
        std::fs::create_dir_all(templates.join(name)).unwrap();
        std::fs::write(templates.join(name).join("function.json"), body).unwrap();
    }
    let settings = dir.path().join("local.settings.json.example");
    let text = std::fs::read_to_string(&settings)
        .unwrap()
        .replace("SecretName=database-password", "SecretNme=database-password");
    std::fs::write(&settings, text.replace("\"custom\"", "\"node\"")).unwrap();

    let (ok, out) = check(dir.path());
    assert!(!ok);
    let lines: Vec<&str> = out.lines().collect();
    let has = |needle: &str, path: &str| lines.iter().any(|l| l.contains(needle) && l.contains(path));
    assert!(has("conflicts with the route defined by function", "health"), "{out}");
    assert!(has("built in routes", "admin-tools"), "{out}");
    assert!(has("built in routes", "runtime-x"), "{out}");
    assert!(has("schema", "bad-auth") || has("authLevel", "bad-auth"), "{out}");
    assert!(has("malformed Key Vault reference", "local.settings.json.example"), "{out}");
    assert!(has("FUNCTIONS_WORKER_RUNTIME", "local.settings.json.example"), "{out}");
    assert!(!out.contains("database-password;"), "a setting's value was echoed: {out}");
}

#[test]
fn reference_lints_are_warnings_that_do_not_fail_the_check() {
    let dir = tempfile::tempdir().unwrap();
    copy_app(dir.path());
    let path = dir.path().join("local.settings.json.example");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "secrets/external-api-key/)",
        "secrets/external-api-key)\",\n    \"PINNED\": \"@Microsoft.KeyVault(VaultName=vaultfn-dev;SecretName=database-password;SecretVersion=0123456789abcdef0123456789abcdef)",
    );
    std::fs::write(&path, text).unwrap();
    let (ok, out) = check(dir.path());
    assert!(ok, "lints alone never fail the check:\n{out}");
    for needle in [
        "warning: ",
        "Values.EXTERNAL_API_KEY: EXTERNAL_API_KEY's versionless SecretUri has no trailing slash",
        "Values.PINNED: PINNED pins a version",
        "with different versions",
    ] {
        assert!(out.contains(needle), "{needle:?} in:\n{out}");
    }
}

#[test]
fn event_grid_and_timer_functions_pass_and_their_schedules_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    copy_app(dir.path());
    let templates = dir.path().join("function-templates");
    for (name, schedule) in [("day-seven", "0 0 6 * * 7"), ("unset", "%NOT_SET%")] {
        let function = serde_json::json!({"bindings": [
            {"type": "timerTrigger", "direction": "in", "name": "timer", "schedule": schedule}]});
        std::fs::create_dir_all(templates.join(name)).unwrap();
        std::fs::write(templates.join(name).join("function.json"), function.to_string()).unwrap();
    }
    let (ok, out) = check(dir.path());
    assert!(!ok);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines.iter().any(|l| l.contains("day-seven") && l.contains("day-of-week field \"7\"")), "{out}");
    assert!(lines.iter().any(|l| l.contains("unset") && l.contains("app setting NOT_SET")), "{out}");
}
