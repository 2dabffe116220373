//! `vaultfn token` and `vaultfn whoami`: a token from the same credential the handler would use,
//! and who it was issued to, read from its claims.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;
use time::OffsetDateTime;

use azure_core::credentials::AccessToken;
use base64::Engine;
use serde::{Deserialize, Serialize};

use vaultfn_handler::vault::{CredentialKind, CredentialSettings, build_credential};

pub const DEFAULT_RESOURCE: &str = "https://vault.azure.net";
/// How long acquiring a token may take before we give up (the SDK's own retries stay inside it).
pub const TOKEN_BUDGET: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0}")]
    Settings(#[from] vaultfn_handler::vault::ConfigError),
    #[error("the {kind} credential could not get a token for {resource}: {hint}")]
    Acquire { kind: CredentialKind, resource: String, hint: &'static str },
    #[error("the {kind} credential did not answer within {} s", TOKEN_BUDGET.as_secs())]
    Timeout { kind: CredentialKind },
    #[error("the resource must be an absolute https URI, like {DEFAULT_RESOURCE}")]
    BadResource,
    #[error("the token is not a JWT with readable claims")]
    NotJwt,
}

/// The claims that say who a token is for. Absent claims stay `None`.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub tid: Option<String>,
    pub oid: Option<String>,
    pub appid: Option<String>,
    pub azp: Option<String>,
    pub aud: Option<String>,
    pub iss: Option<String>,
    pub sub: Option<String>,
    pub idtyp: Option<String>,
    pub upn: Option<String>,
    pub xms_mirid: Option<String>,
    pub iat: Option<i64>,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
}

impl Claims {
    /// The application (client) id: `appid` on v1 tokens, `azp` on v2.
    pub fn app_id(&self) -> Option<&str> {
        self.appid.as_deref().or(self.azp.as_deref())
    }
}

/// Scopes are `<resource>/.default`; a resource given with a trailing `/.default` is taken as is.
pub fn scope_for(resource: &str) -> Result<String, TokenError> {
    let resource = resource.trim();
    if !resource.starts_with("https://") || resource.len() <= "https://".len() {
        return Err(TokenError::BadResource);
    }
    Ok(if resource.ends_with("/.default") {
        resource.to_owned()
    } else {
        format!("{}/.default", resource.trim_end_matches('/'))
    })
}

/// Acquires a token for `resource` with the credential the settings select.
pub async fn acquire(
    settings: &CredentialSettings,
    resource: &str,
) -> Result<(CredentialKind, AccessToken), TokenError> {
    let scope = scope_for(resource)?;
    let (kind, credential) = build_credential(settings)?;
    match tokio::time::timeout(TOKEN_BUDGET, credential.get_token(&[scope.as_str()], None)).await {
        Ok(Ok(token)) => Ok((kind, token)),
        Ok(Err(_)) => Err(TokenError::Acquire { kind, resource: resource.to_owned(), hint: kind.fix_hint() }),
        Err(_) => Err(TokenError::Timeout { kind }),
    }
}

/// Reads a JWT's payload. The signature is not checked: the token came from our own credential,
/// and only its issuer's audience can verify it.
pub fn claims(token: &str) -> Result<Claims, TokenError> {
    let payload = token.split('.').nth(1).ok_or(TokenError::NotJwt)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| TokenError::NotJwt)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::NotJwt)
}

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// The resource (audience) to get a token for.
    #[arg(long, default_value = DEFAULT_RESOURCE)]
    pub resource: String,
    /// Print only the access token, for piping into curl (`-H "Authorization: Bearer $(vaultfn token --raw)"`).
    #[arg(long)]
    pub raw: bool,
    /// Print the claims as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct WhoamiArgs {
    /// The resource (audience) to get a token for.
    #[arg(long, default_value = DEFAULT_RESOURCE)]
    pub resource: String,
    /// Print the claims as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn token(args: TokenArgs) -> ExitCode {
    let (kind, access) = match acquire_from_env(&args.resource).await {
        Ok(found) => found,
        Err(code) => return code,
    };
    if args.raw {
        // The one place a token is printed: the user asked for it, for piping.
        println!("{}", access.token.secret());
        return ExitCode::SUCCESS;
    }
    describe(kind, &access.token, &args.resource, args.json)
}

pub async fn whoami(args: WhoamiArgs) -> ExitCode {
    match acquire_from_env(&args.resource).await {
        Ok((kind, access)) => describe(kind, &access.token, &args.resource, args.json),
        Err(code) => code,
    }
}

async fn acquire_from_env(resource: &str) -> Result<(CredentialKind, azure_core::credentials::AccessToken), ExitCode> {
    let vars: HashMap<String, String> = std::env::vars().collect();
    let settings = CredentialSettings::from_vars(&vars).map_err(|e| fail(&e))?;
    acquire(&settings, resource).await.map_err(|e| fail(&e))
}

fn describe(kind: CredentialKind, token: &azure_core::credentials::Secret, resource: &str, json: bool) -> ExitCode {
    let claims = match claims(token.secret()) {
        Ok(claims) => claims,
        Err(e) => return fail(&e),
    };
    if json {
        let mut value = serde_json::to_value(&claims).unwrap_or_default();
        value["credential"] = serde_json::Value::from(kind.as_str());
        println!("{value}");
        return ExitCode::SUCCESS;
    }
    print_table(kind, resource, &claims);
    ExitCode::SUCCESS
}

fn print_table(kind: CredentialKind, resource: &str, claims: &Claims) {
    let show = |v: Option<&str>| v.unwrap_or("-").to_owned();
    let when = |t: Option<i64>| {
        t.and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_else(|| "-".into())
    };
    let left = claims.exp.map(|exp| exp - OffsetDateTime::now_utc().unix_timestamp());
    let rows = [
        ("credential", kind.as_str().to_owned()),
        ("resource", resource.to_owned()),
        ("tenant", show(claims.tid.as_deref())),
        ("object id", show(claims.oid.as_deref())),
        ("app id", show(claims.app_id())),
        ("audience", show(claims.aud.as_deref())),
        ("identity type", show(claims.idtyp.as_deref())),
        ("user", show(claims.upn.as_deref())),
        ("managed identity", show(claims.xms_mirid.as_deref())),
        ("issuer", show(claims.iss.as_deref())),
        ("issued", when(claims.iat)),
        (
            "expires",
            match left {
                Some(s) => format!("{} (in {} min)", when(claims.exp), s.div_euclid(60)),
                None => "-".into(),
            },
        ),
    ];
    for (name, value) in rows {
        println!("{name:<17} {value}");
    }
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("vaultfn: {e}");
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &serde_json::Value) -> String {
        let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!("{}.{}.{}", b64(br#"{"alg":"RS256","typ":"JWT"}"#), b64(payload.to_string().as_bytes()), b64(b"sig"))
    }

    #[test]
    fn reads_v1_and_v2_claims() {
        let v1 = claims(&jwt(
            &serde_json::json!({"tid":"t","oid":"o","appid":"a1","aud":"https://vault.azure.net","exp":1}),
        ))
        .unwrap();
        assert_eq!(
            (v1.tid.as_deref(), v1.oid.as_deref(), v1.app_id(), v1.exp),
            (Some("t"), Some("o"), Some("a1"), Some(1))
        );
        let v2 = claims(&jwt(&serde_json::json!({"azp":"a2","aud":"cfa8b339-82a2-471a-a3c9-0fc0be7a4093"}))).unwrap();
        assert_eq!(v2.app_id(), Some("a2"));
    }

    #[test]
    fn refuses_what_is_not_a_jwt() {
        for token in ["", "abc", "a.!!!.c", "a.bm90IGpzb24.c"] {
            assert!(matches!(claims(token), Err(TokenError::NotJwt)), "{token}");
        }
    }

    #[test]
    fn scopes() {
        assert_eq!(scope_for("https://vault.azure.net").unwrap(), "https://vault.azure.net/.default");
        assert_eq!(scope_for("https://vault.azure.net/").unwrap(), "https://vault.azure.net/.default");
        assert_eq!(scope_for("https://graph.microsoft.com/.default").unwrap(), "https://graph.microsoft.com/.default");
        assert!(scope_for("vault.azure.net").is_err());
    }
}
