//! The Bicep template and the app agree on setting names: every setting the handler reads that a
//! deployment sets is in the template, and the template sets nothing the app does not read.

use std::collections::BTreeSet;
use std::path::Path;

use vaultfn_handler::settings::catalog::{Origin, SETTINGS};

/// Settings the Functions runtime itself reads.
const RUNTIME: &[&str] = &[
    "AzureWebJobsStorage",
    "FUNCTIONS_EXTENSION_VERSION",
    "FUNCTIONS_WORKER_RUNTIME",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    // The expiry scan's timer schedule, which the host expands into function.json.
    "EXPIRY_SCAN_SCHEDULE",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `{ name: 'X', value: ... }` entries of the template's appSettings, with their values.
fn bicep_settings() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join("infra/main.bicep")).unwrap();
    text.lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("{ name: '")?;
            let (name, rest) = rest.split_once('\'')?;
            let value = rest.split_once("value: ")?.1.trim_end_matches('}').trim();
            Some((name.to_owned(), value.trim_matches('\'').to_owned()))
        })
        .collect()
}

/// String literals in the handler's sources that look like setting names.
fn names_in_sources() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    // Every source file of the handler: a setting read anywhere is a setting.
    let mut files = Vec::new();
    let mut dirs = vec![root().join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()) {
            if entry.is_dir() {
                dirs.push(entry);
            } else if entry.extension().is_some_and(|e| e == "rs") && !entry.ends_with("tests.rs") {
                files.push(entry);
            }
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for literal in text.split('"').skip(1).step_by(2) {
            let looks_like_setting = literal.len() > 3
                && literal.contains('_')
                && literal.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                && !literal.starts_with("CARGO_");
            if looks_like_setting {
                names.insert(literal.to_owned());
            }
        }
    }
    names
}

#[test]
fn every_setting_the_handler_reads_is_catalogued() {
    let catalogued: BTreeSet<&str> = SETTINGS.iter().map(|s| s.name).collect();
    let read = names_in_sources();
    assert!(read.contains("KEY_VAULT_URL") && read.len() > 10, "the scan found too little: {read:?}");
    for name in &read {
        assert!(catalogued.contains(name.as_str()), "{name} is read but not in settings::catalog");
    }
    for name in catalogued.iter().filter(|n| **n != "RUST_LOG") {
        assert!(read.contains(*name), "{name} is catalogued but nothing reads it");
    }
}

#[test]
fn the_template_sets_exactly_the_deploy_settings() {
    let bicep = bicep_settings();
    let config_check = bicep.iter().find(|(n, _)| n == "CONFIG_CHECK_SETTINGS").map(|(_, v)| v.clone()).unwrap();
    let (expected, errors) = vaultfn_handler::settings::parse_expected(&config_check);
    assert!(errors.is_empty(), "{errors:?}");
    let referenced: BTreeSet<String> = expected.iter().map(|e| e.name.clone()).collect();

    let template: BTreeSet<String> = bicep
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| !RUNTIME.contains(&n.as_str()) && !referenced.contains(n))
        .collect();
    let deploy: BTreeSet<String> =
        SETTINGS.iter().filter(|s| s.origin == Origin::Deploy).map(|s| s.name.to_owned()).collect();
    assert_eq!(template, deploy, "infra/main.bicep and settings::catalog disagree");

    // The settings config-check expects are there, one per reference syntax.
    for name in &referenced {
        assert!(bicep.iter().any(|(n, _)| n == name), "{name} is listed in CONFIG_CHECK_SETTINGS but not set");
    }
    let values: Vec<&str> = bicep.iter().map(|(_, v)| v.as_str()).collect();
    assert!(values.iter().any(|v| v.starts_with("@Microsoft.KeyVault(SecretUri=")));
    assert!(values.iter().any(|v| v.starts_with("@Microsoft.KeyVault(VaultName=")));
}

#[test]
fn the_settings_reference_documents_every_setting() {
    let reference = std::fs::read_to_string(root().join("docs/settings.md")).unwrap();
    for setting in SETTINGS {
        assert!(
            reference.contains(&format!("`{}`", setting.name)),
            "docs/settings.md does not mention {}",
            setting.name
        );
    }
}

#[test]
fn the_template_keeps_the_security_baseline() {
    let text = std::fs::read_to_string(root().join("infra/main.bicep")).unwrap();
    for needle in [
        "httpsOnly: true",
        "ftpsState: 'Disabled'",
        "minTlsVersion: '1.2'",
        "enableRbacAuthorization: true",
        "type: 'SystemAssigned'",
        "4633458b-17de-408a-b874-0445c86b69e6",
        "21090545-7ca7-4776-b22c-e363652d74d2",
        "healthCheckPath: '/api/ready'",
        "'FUNCTIONS_WORKER_RUNTIME', value: 'custom'",
    ] {
        assert!(text.contains(needle), "infra/main.bicep lacks {needle}");
    }
    for needle in [
        "'Microsoft.KeyVault.SecretNewVersionCreated'",
        "'Microsoft.KeyVault.SecretNearExpiry'",
        "'Microsoft.KeyVault.SecretExpired'",
        "'Microsoft.KeyVault.CertificateNewVersionCreated'",
        "functions/secret-events",
        "deadLetterDestination",
        "retryPolicy",
        "acdd72a7-3385-48ef-bd42-f606fba81ae7",
        "'Microsoft.Web/sites/config/write'",
    ] {
        assert!(text.contains(needle), "infra/main.bicep lacks {needle}");
    }
    // The health check is anonymous: no key in a site property, none created for it.
    assert!(!text.contains("healthCheckKey") && !text.contains("functionKeys@"), "a health-check key is back");
    let ready: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("function-templates/ready/function.json")).unwrap())
            .unwrap();
    assert_eq!(ready["bindings"][0]["authLevel"], "anonymous", "App Service's ping carries no key");
}
