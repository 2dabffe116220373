//! What a reference can get wrong while still resolving, or why it resolves to the wrong thing:
//! the mistakes rotation trips over. Reported as warnings by config-check and `vaultfn check`;
//! never quoting a value (a reference names a vault and a secret, which are names, not values).

use serde::Serialize;

use super::{KeyVaultReference, PREFIX, VAULT_DNS_SUFFIXES};

/// One finding about one setting's reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lint {
    /// `secret_uri_without_trailing_slash`, `http_scheme`, `host_not_key_vault`, `pinned_version`
    /// or `conflicting_versions`.
    pub kind: &'static str,
    pub setting: String,
    pub detail: String,
}

/// The findings about one reference (the raw `@Microsoft.KeyVault(...)` text of `setting`).
pub fn lint(setting: &str, raw: &str) -> Vec<Lint> {
    let mut found = Vec::new();
    let mut add = |kind, detail: String| found.push(Lint { kind, setting: setting.to_owned(), detail });
    let Some(uri) = secret_uri(raw) else {
        if let Ok(parsed) = super::parse(raw)
            && parsed.version.is_some()
        {
            add("pinned_version", pinned(setting, &parsed.secret));
        }
        return found;
    };
    let lower = uri.to_ascii_lowercase();
    if lower.starts_with("http://") {
        add(
            "http_scheme",
            format!(
                "{setting}'s SecretUri uses http; Key Vault answers https only, so the platform cannot resolve it."
            ),
        );
    }
    let rest = lower.split_once("://").map_or(lower.as_str(), |(_, rest)| rest);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.split(':').next().unwrap_or_default();
    let in_key_vault = VAULT_DNS_SUFFIXES
        .iter()
        .any(|s| host.strip_suffix(s).is_some_and(|name| name.ends_with('.') && name.len() > 1));
    if !in_key_vault {
        add(
            "host_not_key_vault",
            format!(
                "{setting}'s SecretUri names a host outside Key Vault's DNS suffixes ({}).",
                VAULT_DNS_SUFFIXES.join(", ")
            ),
        );
    }
    let segments: Vec<&str> = path.split('/').collect();
    match segments.as_slice() {
        // secrets/{name} with nothing after it: versionless, but without the trailing slash.
        [_, name] if !name.is_empty() => add(
            "secret_uri_without_trailing_slash",
            format!(
                "{setting}'s versionless SecretUri has no trailing slash (…/secrets/{name}/); such references have been reported to keep serving an old version after a rotation."
            ),
        ),
        [_, name, version] if !version.is_empty() => add("pinned_version", pinned(setting, name)),
        _ => {}
    }
    found
}

/// [`lint`] over every reference, plus references to one secret that disagree on its version.
pub fn lint_all<'a>(references: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<Lint> {
    let mut found = Vec::new();
    let mut parsed: Vec<(&str, KeyVaultReference)> = Vec::new();
    for (setting, raw) in references {
        found.extend(lint(setting, raw));
        if let Ok(reference) = super::parse(raw) {
            parsed.push((setting, reference));
        }
    }
    for (i, (setting, a)) in parsed.iter().enumerate() {
        for (other, b) in &parsed[i + 1..] {
            let same_secret = a.vault.eq_ignore_ascii_case(&b.vault) && a.secret.eq_ignore_ascii_case(&b.secret);
            let versions_differ =
                a.version.as_deref().map(str::to_ascii_lowercase) != b.version.as_deref().map(str::to_ascii_lowercase);
            if same_secret && versions_differ {
                found.push(Lint {
                    kind: "conflicting_versions",
                    setting: (*setting).to_owned(),
                    detail: format!(
                        "{setting} and {other} reference secret {} in vault {} with different versions; after a rotation they will disagree.",
                        a.secret, a.vault
                    ),
                });
            }
        }
    }
    found
}

fn pinned(setting: &str, secret: &str) -> String {
    format!(
        "{setting} pins a version of secret {secret}: a rotation never reaches it. Drop the version to follow the current one."
    )
}

/// The SecretUri part of a reference, as written, when it has one.
fn secret_uri(raw: &str) -> Option<&str> {
    let inner = raw.trim().get(PREFIX.len()..)?.strip_suffix(')')?;
    inner.split(';').find_map(|part| {
        let (name, value) = part.split_once('=')?;
        name.trim().eq_ignore_ascii_case("SecretUri").then(|| value.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(raw: &str) -> Vec<&'static str> {
        lint("S", raw).into_iter().map(|l| l.kind).collect()
    }

    #[test]
    fn each_mistake_is_named() {
        assert_eq!(kinds("@Microsoft.KeyVault(SecretUri=https://kv1.vault.azure.net/secrets/db/)"), Vec::<&str>::new());
        assert_eq!(
            kinds("@Microsoft.KeyVault(SecretUri=https://kv1.vault.azure.net/secrets/db)"),
            ["secret_uri_without_trailing_slash"]
        );
        assert_eq!(kinds("@Microsoft.KeyVault(SecretUri=http://kv1.vault.azure.net/secrets/db/)"), ["http_scheme"]);
        assert_eq!(kinds("@Microsoft.KeyVault(SecretUri=https://evil.example/secrets/db/)"), ["host_not_key_vault"]);
        assert_eq!(
            kinds(
                "@Microsoft.KeyVault(SecretUri=https://kv1.vault.azure.net/secrets/db/0123456789abcdef0123456789abcdef)"
            ),
            ["pinned_version"]
        );
        assert_eq!(
            kinds("@Microsoft.KeyVault(VaultName=kv1;SecretName=db;SecretVersion=0123456789abcdef0123456789abcdef)"),
            ["pinned_version"]
        );
        assert_eq!(kinds("@Microsoft.KeyVault(VaultName=kv1;SecretName=db)"), Vec::<&str>::new());
        assert_eq!(kinds("@Microsoft.KeyVault(SecretUri=https://kv1.vault.azure.cn/secrets/db/)"), Vec::<&str>::new());
    }

    #[test]
    fn two_references_to_one_secret_must_agree_on_the_version() {
        let found = lint_all([
            ("A", "@Microsoft.KeyVault(VaultName=kv1;SecretName=db)"),
            (
                "B",
                "@Microsoft.KeyVault(SecretUri=https://KV1.vault.azure.net/secrets/DB/0123456789abcdef0123456789abcdef)",
            ),
            ("C", "@Microsoft.KeyVault(VaultName=kv1;SecretName=other)"),
        ]);
        let kinds: Vec<_> = found.iter().map(|l| (l.kind, l.setting.as_str())).collect();
        assert_eq!(kinds, [("pinned_version", "B"), ("conflicting_versions", "A")]);
    }
}
