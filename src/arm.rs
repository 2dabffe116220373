//! Azure Resource Manager, for what the platform knows about the app: the status of each Key
//! Vault reference and the version it resolved, the refresh that makes it resolve them again, and
//! (for the CLI) the app's keys. One client per process, every call inside a time budget, no
//! redirect followed and no `nextLink` to another origin: an ARM token goes to ARM only.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::config_error::{ConfigError, bad};
use crate::http_client::Overrides;

/// The api-version every call here sends.
pub const API_VERSION: &str = "2022-03-01";
pub const DEFAULT_URL: &str = "https://management.azure.com";
/// Resource Manager in the public and sovereign clouds: the only hosts an ARM token is sent to.
pub const ARM_HOSTS: &[&str] = &[
    "management.azure.com",
    "management.chinacloudapi.cn",
    "management.usgovcloudapi.net",
    "management.microsoftazure.de",
];

/// Where ARM is and which site is this app.
#[derive(Debug, Clone)]
pub struct ArmConfig {
    pub base: Url,
    /// `https://{arm host}/.default`, fixed by the host.
    pub scope: String,
    /// The app's own site, when the environment says which it is.
    pub site: Option<SiteId>,
    pub overrides: Overrides,
}

impl ArmConfig {
    /// `AZURE_RESOURCE_MANAGER_URL` (default [`DEFAULT_URL`]) and the site from
    /// `AZURE_FUNCTIONAPP_RESOURCE_ID`, else `WEBSITE_OWNER_NAME` + `WEBSITE_RESOURCE_GROUP` +
    /// `WEBSITE_SITE_NAME` (as App Service sets them).
    pub fn from_vars(vars: &HashMap<String, String>, overrides: Overrides) -> Result<Self, ConfigError> {
        let get = |key: &str| vars.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
        let (base, scope) = parse_base(get("AZURE_RESOURCE_MANAGER_URL").unwrap_or(DEFAULT_URL))?;
        let site = match get("AZURE_FUNCTIONAPP_RESOURCE_ID") {
            Some(id) => Some(SiteId::parse(id).ok_or_else(|| {
                bad(
                    "AZURE_FUNCTIONAPP_RESOURCE_ID",
                    "must be /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Web/sites/<name>",
                )
            })?),
            None => match (get("WEBSITE_OWNER_NAME"), get("WEBSITE_RESOURCE_GROUP"), get("WEBSITE_SITE_NAME")) {
                (Some(owner), Some(group), Some(name)) => {
                    let subscription = owner.split('+').next().unwrap_or_default();
                    SiteId::new(subscription, group, name, None)
                }
                _ => None,
            },
        };
        Ok(Self { base, scope, site, overrides })
    }
}

fn parse_base(raw: &str) -> Result<(Url, String), ConfigError> {
    const SETTING: &str = "AZURE_RESOURCE_MANAGER_URL";
    let url = Url::parse(raw).map_err(|_| bad(SETTING, "is not a URL; expected https://management.azure.com"))?;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if url.scheme() != "https" || !ARM_HOSTS.contains(&host.as_str()) {
        return Err(bad(SETTING, format!("must be https on a Resource Manager host ({})", ARM_HOSTS.join(", "))));
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() || !url.username().is_empty() {
        return Err(bad(SETTING, "must be the bare Resource Manager URL"));
    }
    Ok((url, format!("https://{host}/.default")))
}

/// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{name}[/slots/{slot}]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteId(String);

impl SiteId {
    pub fn new(subscription: &str, group: &str, name: &str, slot: Option<&str>) -> Option<Self> {
        let part = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.()".contains(&b));
        if !(part(subscription) && part(group) && part(name) && slot.is_none_or(part)) {
            return None;
        }
        let mut id =
            format!("/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Web/sites/{name}");
        if let Some(slot) = slot {
            id.push_str(&format!("/slots/{slot}"));
        }
        Some(Self(id))
    }

    pub fn parse(id: &str) -> Option<Self> {
        let parts: Vec<&str> = id.trim().trim_end_matches('/').split('/').collect();
        match parts.as_slice() {
            ["", s, sub, r, group, p, provider, t, name] | ["", s, sub, r, group, p, provider, t, name, _, _]
                if s.eq_ignore_ascii_case("subscriptions")
                    && r.eq_ignore_ascii_case("resourceGroups")
                    && p.eq_ignore_ascii_case("providers")
                    && provider.eq_ignore_ascii_case("Microsoft.Web")
                    && t.eq_ignore_ascii_case("sites") =>
            {
                let slot = match parts.get(9..) {
                    Some([kind, slot]) if kind.eq_ignore_ascii_case("slots") => Some(*slot),
                    Some([]) | None => None,
                    _ => return None,
                };
                Self::new(sub, group, name, slot)
            }
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SiteId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One app setting's Key Vault reference as the platform resolved it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigReference {
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub vault_name: Option<String>,
    #[serde(default)]
    pub secret_name: Option<String>,
    #[serde(default)]
    pub secret_version: Option<String>,
    /// A string as the service writes it, or `{"type": ...}` as the REST specification types it.
    #[serde(default, deserialize_with = "identity_type")]
    pub identity_type: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default)]
    pub active_version: Option<String>,
}

fn identity_type<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("type").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    })
}

/// Why an ARM call gave no answer. Messages name the role to grant, never echo a response body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArmError {
    #[error("Resource Manager refused the app's identity ({code}): grant it the Reader role on the site")]
    Forbidden { code: String },
    #[error("Resource Manager is throttling requests (retry after {retry_after:?} s)")]
    Throttled { retry_after: Option<u64> },
    #[error("Resource Manager has no such site (or the identity cannot see it)")]
    NotFound,
    #[error("Resource Manager did not answer within {budget_ms} ms")]
    Timeout { budget_ms: u64 },
    #[error("Resource Manager could not be reached")]
    Unreachable,
    #[error("no token for Resource Manager: the credential failed")]
    Credential,
    #[error("Resource Manager answered {status}{}", code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Status { status: u16, code: Option<String> },
    #[error("Resource Manager's answer is not in the documented shape")]
    Malformed,
}

/// The ARM client: one per process (token cached by the credential), calls within `budget`.
#[derive(Clone)]
pub struct ArmClient {
    http: reqwest::Client,
    base: Url,
    scope: String,
    credential: Arc<dyn TokenCredential>,
    budget: Duration,
}

impl ArmClient {
    pub fn new(cfg: &ArmConfig, credential: Arc<dyn TokenCredential>, budget: Duration) -> Result<Self, ConfigError> {
        let http = cfg
            .overrides
            .builder()?
            .connect_timeout(budget.min(Duration::from_secs(3)))
            .build()
            .map_err(|_| bad("KEY_VAULT_CA_FILE", "the HTTPS client could not be built with these certificates"))?;
        Ok(Self { http, base: cfg.base.clone(), scope: cfg.scope.clone(), credential, budget })
    }

    /// Every Key Vault reference among the site's app settings, by setting name (all pages).
    pub async fn config_references(&self, site: &SiteId) -> Result<Vec<(String, ConfigReference)>, ArmError> {
        self.within_budget(async {
            let mut url = self.url(&format!("{site}/config/configreferences/appsettings"))?;
            let mut all = Vec::new();
            loop {
                let page = self.send(reqwest::Method::GET, url, None).await?;
                for item in page.get("value").and_then(Value::as_array).ok_or(ArmError::Malformed)? {
                    let name = item.get("name").and_then(Value::as_str).ok_or(ArmError::Malformed)?;
                    // ARM names nested resources `site/config/name` in some versions: keep the last part.
                    let name = name.rsplit('/').next().unwrap_or(name).to_owned();
                    let properties = item.get("properties").cloned().unwrap_or(Value::Null);
                    let reference = serde_json::from_value(properties).map_err(|_| ArmError::Malformed)?;
                    all.push((name, reference));
                }
                match page.get("nextLink").and_then(Value::as_str).filter(|l| !l.is_empty()) {
                    Some(next) => url = self.same_origin(next)?,
                    None => return Ok(all),
                }
            }
        })
        .await
    }

    /// Asks the platform to resolve the site's references again now.
    pub async fn refresh_references(&self, site: &SiteId) -> Result<(), ArmError> {
        let url = self.url(&format!("{site}/config/configreferences/appsettings/refresh"))?;
        self.within_budget(async { self.send(reqwest::Method::POST, url, None).await.map(drop) }).await
    }

    /// A call on a path below the site (or any resource path): the JSON answer (`Null` when empty).
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, ArmError> {
        let url = self.url(path)?;
        self.within_budget(self.send(method, url, body)).await
    }

    async fn within_budget<T>(&self, call: impl Future<Output = Result<T, ArmError>>) -> Result<T, ArmError> {
        tokio::time::timeout(self.budget, call)
            .await
            .unwrap_or(Err(ArmError::Timeout { budget_ms: self.budget.as_millis() as u64 }))
    }

    fn url(&self, path: &str) -> Result<Url, ArmError> {
        let mut url = self.base.join(path).map_err(|_| ArmError::Malformed)?;
        url.query_pairs_mut().append_pair("api-version", API_VERSION);
        Ok(url)
    }

    /// A `nextLink` is followed only on ARM's own origin.
    fn same_origin(&self, link: &str) -> Result<Url, ArmError> {
        let url = Url::parse(link).map_err(|_| ArmError::Malformed)?;
        if url.origin() != self.base.origin() {
            tracing::warn!("Resource Manager's nextLink points at another origin; not followed");
            return Err(ArmError::Malformed);
        }
        Ok(url)
    }

    async fn send(&self, method: reqwest::Method, url: Url, body: Option<Value>) -> Result<Value, ArmError> {
        let token = self.credential.get_token(&[self.scope.as_str()], None).await.map_err(|_| ArmError::Credential)?;
        let mut request = self.http.request(method, url).bearer_auth(token.token.secret());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = crate::http_client::send(request).await.map_err(|e| {
            if e.is_timeout() {
                ArmError::Timeout { budget_ms: self.budget.as_millis() as u64 }
            } else {
                ArmError::Unreachable
            }
        })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let bytes = response.bytes().await.map_err(|_| ArmError::Unreachable)?;
        let json: Value =
            if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        let code = || json.pointer("/error/code").and_then(Value::as_str).map(str::to_owned);
        match status {
            200..=299 => Ok(json),
            403 => Err(ArmError::Forbidden { code: code().unwrap_or_else(|| "AuthorizationFailed".into()) }),
            404 => Err(ArmError::NotFound),
            429 => Err(ArmError::Throttled { retry_after }),
            401 => Err(ArmError::Credential),
            _ => Err(ArmError::Status { status, code: code() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_site_comes_from_the_platform_variables_or_whole() {
        let from_parts = ArmConfig::from_vars(
            &vars(&[
                ("WEBSITE_OWNER_NAME", "0000-sub+contoso-rg-WestEuropewebspace-Linux"),
                ("WEBSITE_RESOURCE_GROUP", "contoso-rg"),
                ("WEBSITE_SITE_NAME", "contoso-fn"),
            ]),
            Overrides::default(),
        )
        .unwrap();
        assert_eq!(
            from_parts.site.unwrap().as_str(),
            "/subscriptions/0000-sub/resourceGroups/contoso-rg/providers/Microsoft.Web/sites/contoso-fn"
        );
        let whole = "/subscriptions/s/resourceGroups/g/providers/microsoft.web/sites/n/slots/staging";
        let cfg =
            ArmConfig::from_vars(&vars(&[("AZURE_FUNCTIONAPP_RESOURCE_ID", whole)]), Overrides::default()).unwrap();
        assert_eq!(
            cfg.site.unwrap().as_str(),
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/n/slots/staging"
        );
        assert_eq!(cfg.scope, "https://management.azure.com/.default");
        assert!(ArmConfig::from_vars(&vars(&[]), Overrides::default()).unwrap().site.is_none());
    }

    #[test]
    fn tokens_go_to_resource_manager_hosts_only() {
        for bad_url in
            ["https://evil.example", "http://management.azure.com", "https://management.azure.com.evil.example"]
        {
            let err = ArmConfig::from_vars(&vars(&[("AZURE_RESOURCE_MANAGER_URL", bad_url)]), Overrides::default())
                .unwrap_err();
            assert_eq!(err.setting, "AZURE_RESOURCE_MANAGER_URL");
        }
        let cn = ArmConfig::from_vars(
            &vars(&[("AZURE_RESOURCE_MANAGER_URL", "https://management.chinacloudapi.cn/")]),
            Overrides::default(),
        )
        .unwrap();
        assert_eq!(cn.scope, "https://management.chinacloudapi.cn/.default");
        assert!(SiteId::parse("/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/../x").is_none());
        assert!(SiteId::parse("/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/sites/x").is_none());
    }
}
