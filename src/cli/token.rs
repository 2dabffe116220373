//! `vaultfn token` and `vaultfn whoami`: the handler's credential choice, from a terminal.

use std::collections::HashMap;
use std::process::ExitCode;

use time::OffsetDateTime;

use crate::token::{self, Claims, DEFAULT_RESOURCE};
use crate::vault::{CredentialKind, CredentialSettings};

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
    let (kind, access) = match acquire(&args.resource).await {
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
    match acquire(&args.resource).await {
        Ok((kind, access)) => describe(kind, &access.token, &args.resource, args.json),
        Err(code) => code,
    }
}

async fn acquire(resource: &str) -> Result<(CredentialKind, azure_core::credentials::AccessToken), ExitCode> {
    let vars: HashMap<String, String> = std::env::vars().collect();
    let settings = CredentialSettings::from_vars(&vars).map_err(|e| fail(&e))?;
    token::acquire(&settings, resource).await.map_err(|e| fail(&e))
}

fn describe(kind: CredentialKind, token: &azure_core::credentials::Secret, resource: &str, json: bool) -> ExitCode {
    let claims = match token::claims(token.secret()) {
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
