use proptest::prelude::*;

use super::*;

const VERSION: &str = "0123456789abcdef0123456789ABCDEF";

#[test]
fn parses_secret_uri_with_and_without_version() {
    let r = parse("@Microsoft.KeyVault(SecretUri=https://myvault.vault.azure.net/secrets/mysecret/)").unwrap();
    assert_eq!(
        (r.syntax, r.vault.as_str(), r.secret.as_str(), r.version),
        (Syntax::SecretUri, "myvault", "mysecret", None)
    );
    assert_eq!(r.vault_url, "https://myvault.vault.azure.net");
    let r =
        parse(&format!("@Microsoft.KeyVault(SecretUri=https://myvault.vault.azure.net/secrets/mysecret/{VERSION})"))
            .unwrap();
    assert_eq!(r.version.as_deref(), Some(VERSION));
    let r = parse("@Microsoft.KeyVault(SecretUri=https://myvault.vault.azure.net/secrets/mysecret)").unwrap();
    assert_eq!(r.secret, "mysecret");
}

#[test]
fn parses_vault_name_syntax_in_any_order_with_trailing_semicolon() {
    for text in [
        "@Microsoft.KeyVault(VaultName=myvault;SecretName=mysecret)",
        "@Microsoft.KeyVault(SecretName=mysecret;VaultName=myvault;)",
        "@Microsoft.KeyVault( secretname = mysecret ; VAULTNAME=myvault )",
    ] {
        let r = parse(text).unwrap();
        assert_eq!(
            (r.syntax, r.vault.as_str(), r.secret.as_str()),
            (Syntax::VaultName, "myvault", "mysecret"),
            "{text}"
        );
    }
    let r =
        parse(&format!("@Microsoft.KeyVault(SecretVersion={VERSION};VaultName=myvault;SecretName=mysecret)")).unwrap();
    assert_eq!(r.version.as_deref(), Some(VERSION));
}

#[test]
fn knows_sovereign_cloud_suffixes() {
    for (suffix, vault_url) in [
        ("vault.azure.cn", "https://kv-china.vault.azure.cn"),
        ("vault.usgovcloudapi.net", "https://kv-china.vault.usgovcloudapi.net"),
    ] {
        let r = parse(&format!("@Microsoft.KeyVault(SecretUri=https://kv-china.{suffix}/secrets/a)")).unwrap();
        assert_eq!(r.vault_url, vault_url);
    }
    assert_eq!(
        parse("@Microsoft.KeyVault(SecretUri=https://kv.example.com/secrets/a)"),
        Err(ReferenceError::BadSecretUri)
    );
}

#[test]
fn names_what_is_wrong() {
    let cases = [
        ("@Microsoft.KeyVault(VaultName=myvault;SecretName=a", ReferenceError::Unclosed),
        ("@Microsoft.KeyVault(VaultName=myvault)", ReferenceError::Incomplete),
        ("@Microsoft.KeyVault(VaultName=myvault;SecretNme=a)", ReferenceError::UnknownPart),
        (
            "@Microsoft.KeyVault(VaultName=myvault;VaultName=other;SecretName=a)",
            ReferenceError::DuplicatePart("VaultName"),
        ),
        ("@Microsoft.KeyVault(VaultName=my_vault;SecretName=a)", ReferenceError::BadVaultName),
        ("@Microsoft.KeyVault(VaultName=myvault;SecretName=a.b)", ReferenceError::BadSecretName),
        ("@Microsoft.KeyVault(VaultName=myvault;SecretName=a;SecretVersion=xyz)", ReferenceError::BadVersion),
        ("@Microsoft.KeyVault(SecretUri=http://myvault.vault.azure.net/secrets/a)", ReferenceError::BadSecretUri),
        ("@Microsoft.KeyVault(SecretUri=https://myvault.vault.azure.net/keys/a)", ReferenceError::BadSecretUri),
        (
            "@Microsoft.KeyVault(SecretUri=https://myvault.vault.azure.net/secrets/a;VaultName=x)",
            ReferenceError::MixedSyntax,
        ),
        ("@Microsoft.KeyVault(VaultName=myvault;SecretName=a) extra", ReferenceError::TrailingText),
        ("@Microsoft.KeyVault(justtext)", ReferenceError::MalformedPart),
        ("plain value", ReferenceError::NoPrefix),
    ];
    for (text, want) in cases {
        assert_eq!(parse(text), Err(want), "{text}");
    }
}

#[test]
fn recognises_the_marker_case_insensitively() {
    assert!(is_reference("@Microsoft.KeyVault(anything"));
    assert!(is_reference("  @microsoft.keyvault(VaultName=a;SecretName=b)"));
    assert!(!is_reference("Microsoft.KeyVault(VaultName=a;SecretName=b)"));
    assert!(!is_reference(""));
}

#[test]
fn name_grammars() {
    assert!(is_vault_name("abc") && is_vault_name(&"a".repeat(24)) && !is_vault_name("ab") && !is_vault_name("1abc"));
    assert!(is_secret_name("a") && is_secret_name(&"a".repeat(127)) && !is_secret_name(&"a".repeat(128)));
    assert!(!is_secret_name("") && !is_secret_name("a/b") && !is_secret_name("é"));
}

proptest! {
    /// No input panics, and an error's text never quotes the input.
    #[test]
    fn never_panics_nor_echoes(tail in ".{0,200}") {
        let text = format!("@Microsoft.KeyVault({tail}");
        if let Err(e) = parse(&text) {
            let message = e.to_string();
            let distinctive = tail.len() >= 8 && !message.contains(tail.as_str());
            prop_assert!(tail.len() < 8 || distinctive);
        }
    }

    /// Every well-formed reference parses back to its parts, whichever syntax and order.
    #[test]
    fn round_trips(vault in "[a-zA-Z][a-zA-Z0-9-]{2,23}", secret in "[a-zA-Z0-9-]{1,127}", version in proptest::option::of("[0-9a-f]{32}"), flip in any::<bool>()) {
        let mut parts = vec![format!("VaultName={vault}"), format!("SecretName={secret}")];
        if let Some(v) = &version { parts.push(format!("SecretVersion={v}")); }
        if flip { parts.reverse(); }
        let by_name = parse(&format!("@Microsoft.KeyVault({})", parts.join(";"))).unwrap();
        prop_assert_eq!(&by_name.vault, &vault);
        prop_assert_eq!(&by_name.secret, &secret);
        prop_assert_eq!(&by_name.version, &version);
        let uri = format!("@Microsoft.KeyVault(SecretUri=https://{vault}.vault.azure.net/secrets/{secret}/{})", version.clone().unwrap_or_default());
        let by_uri = parse(&uri).unwrap();
        prop_assert_eq!(by_uri.vault.to_ascii_lowercase(), vault.to_ascii_lowercase());
        prop_assert_eq!(&by_uri.secret, &secret);
        prop_assert_eq!(&by_uri.version, &version);
    }
}
