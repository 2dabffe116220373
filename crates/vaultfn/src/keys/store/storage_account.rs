//! A storage account as a connection string names it: its name, its key and its blob endpoint.
//! `UseDevelopmentStorage=true` is Azurite's documented account on this machine.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use url::{Host, Url};

/// Azurite's account: the documented development storage account and its well-known key.
pub const DEV_ACCOUNT: &str = "devstoreaccount1";
pub const DEV_ACCOUNT_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/// Where `UseDevelopmentStorage=true` expects Azurite's blob service.
pub const DEV_BLOB_PORT: u16 = 10000;

/// A storage account: its name, its key and the blob endpoint. Debug never shows the key.
#[derive(Clone)]
pub struct Account {
    pub name: String,
    /// Only for signing requests (`blob_rest`).
    pub(super) key: Vec<u8>,
    /// The blob service's base URL (`https://{name}.blob.core.windows.net`, or Azurite's
    /// `http://127.0.0.1:10000/devstoreaccount1`).
    pub endpoint: Url,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account").field("name", &self.name).field("endpoint", &self.endpoint.as_str()).finish()
    }
}

impl Account {
    /// Azurite's account at `http://127.0.0.1:{port}/devstoreaccount1`.
    pub fn development(port: u16) -> Self {
        let endpoint = Url::parse(&format!("http://127.0.0.1:{port}/{DEV_ACCOUNT}")).expect("a valid URL");
        let key = STANDARD.decode(DEV_ACCOUNT_KEY).expect("the well-known key is base64");
        Self { name: DEV_ACCOUNT.to_owned(), key, endpoint }
    }

    /// Reads a connection string: `UseDevelopmentStorage=true`, or `AccountName`, `AccountKey` and
    /// either `BlobEndpoint` or `DefaultEndpointsProtocol` and `EndpointSuffix`. The second value
    /// says whether it was the development storage. Errors never repeat any part of the string.
    pub fn from_connection_string(raw: &str) -> Result<(Self, bool), String> {
        let mut parts = std::collections::HashMap::new();
        for part in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').ok_or("is not a connection string (name=value;...)")?;
            parts.insert(name.trim().to_ascii_lowercase(), value.trim());
        }
        if parts.get("usedevelopmentstorage").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Ok((Self::development(DEV_BLOB_PORT), true));
        }
        if parts.contains_key("sharedaccesssignature") {
            return Err("a shared access signature connection string is not supported locally; use one with \
                        AccountName and AccountKey, or UseDevelopmentStorage=true"
                .to_owned());
        }
        let name = parts.get("accountname").filter(|n| !n.is_empty()).ok_or("has no AccountName")?;
        if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
            return Err("AccountName must be lower-case letters and digits".to_owned());
        }
        let key = parts.get("accountkey").ok_or("has no AccountKey")?;
        let key = STANDARD.decode(key).map_err(|_| "AccountKey is not base64")?;
        let endpoint = match parts.get("blobendpoint") {
            Some(endpoint) => endpoint.trim_end_matches('/').to_owned(),
            None => {
                let protocol = parts.get("defaultendpointsprotocol").copied().unwrap_or("https");
                let suffix = parts.get("endpointsuffix").copied().unwrap_or("core.windows.net");
                format!("{}://{name}.blob.{suffix}", protocol.to_ascii_lowercase())
            }
        };
        let endpoint = Url::parse(&endpoint).map_err(|_| "the blob endpoint is not a URL")?;
        check_endpoint(&endpoint)?;
        Ok((Self { name: (*name).to_owned(), key, endpoint }, false))
    }
}

/// Keys must not cross the network in clear text: plain http only to this machine.
fn check_endpoint(endpoint: &Url) -> Result<(), String> {
    let loopback = match endpoint.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err("the blob endpoint has no host".to_owned()),
    };
    match endpoint.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err("the blob endpoint must use https unless it is on this machine".to_owned()),
        _ => return Err("the blob endpoint must be an http(s) URL".to_owned()),
    }
    if !endpoint.username().is_empty() || endpoint.password().is_some() || endpoint.query().is_some() {
        return Err("the blob endpoint must not carry credentials or a query".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_storage_is_azurite() {
        let (account, development) = Account::from_connection_string("UseDevelopmentStorage=true").unwrap();
        assert!(development);
        assert_eq!(account.name, DEV_ACCOUNT);
        assert_eq!(account.endpoint.as_str(), "http://127.0.0.1:10000/devstoreaccount1");
    }

    #[test]
    fn full_connection_strings() {
        let key = STANDARD.encode(b"0123456789abcdef");
        let raw = format!(
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={key};EndpointSuffix=core.chinacloudapi.cn"
        );
        let (account, development) = Account::from_connection_string(&raw).unwrap();
        assert!(!development);
        assert_eq!(account.endpoint.as_str(), "https://acct.blob.core.chinacloudapi.cn/");
        let raw = format!(
            "AccountName=devstoreaccount1;AccountKey={key};BlobEndpoint=http://127.0.0.1:4567/devstoreaccount1;"
        );
        let (account, _) = Account::from_connection_string(&raw).unwrap();
        assert_eq!(account.endpoint.as_str(), "http://127.0.0.1:4567/devstoreaccount1");
        assert!(!format!("{account:?}").contains(&key), "Debug shows no key");
    }

    #[test]
    fn bad_connection_strings_are_refused_without_echo() {
        let key = "c2VjcmV0LWtleS1ieXRlcw==";
        for raw in [
            format!("AccountName=acct;AccountKey={key};DefaultEndpointsProtocol=http"),
            format!("AccountName=acct;AccountKey={key};BlobEndpoint=http://10.0.0.1/acct"),
            format!("AccountName=acct;SharedAccessSignature=sv=x&sig={key}"),
            format!("AccountName=acct;AccountKey=not*base64{key}"),
            format!("AccountKey={key}"),
            format!("AccountName=Acct;AccountKey={key}"),
            "just-a-secret-looking-string".to_owned(),
        ] {
            let error = Account::from_connection_string(&raw).unwrap_err();
            assert!(!error.contains(key) && !error.contains("secret-looking"), "{error}");
        }
    }
}
