//! The few Blob service REST calls the blob key store needs (create container, get, put, delete
//! and list blobs), authorized with Shared Key.
//!
//! Hand-written rather than the official `azure_storage_blob` crate because its current release
//! (1.1) authorizes only with Entra ID bearer tokens (HTTPS only) or a ready-made SAS URL: it has
//! no Shared Key authorization and no connection strings, while `AzureWebJobsStorage` is a
//! connection string with an account key, and Azurite (plain http, the well-known
//! `devstoreaccount1` key) takes exactly that. Signing one request is a few lines of HMAC-SHA256
//! over the documented string-to-sign.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, IF_MATCH, IF_NONE_MATCH};
use reqwest::{Method, StatusCode};
use url::Url;
use vaultfn_handler::http_client::Overrides;

pub use super::storage_account::{Account, DEV_ACCOUNT, DEV_ACCOUNT_KEY, DEV_BLOB_PORT};

/// A version both Azure Storage and every Azurite of the last years accept.
const API_VERSION: &str = "2021-12-02";

/// Why a call failed: never a body, which the server words.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BlobError {
    #[error("cannot reach {0}")]
    Unreachable(String),
    #[error("no answer from {0} in time")]
    Timeout(String),
    #[error("{status}{}", .code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Status { status: StatusCode, code: Option<String> },
}

/// A blob's content and the ETag a conditional write names.
#[derive(Debug)]
pub struct Blob {
    pub body: Vec<u8>,
    pub etag: String,
}

/// When a put may write.
#[derive(Debug, Clone, Copy)]
pub enum Condition<'a> {
    Always,
    /// Only if no blob of that name exists (`If-None-Match: *`).
    Absent,
    /// Only if the blob still has this ETag (`If-Match`).
    Matches(&'a str),
}

/// A client of one account's blob service.
#[derive(Debug, Clone)]
pub struct BlobClient {
    account: Account,
    http: reqwest::Client,
}

impl BlobClient {
    /// The HTTP client honours the test overrides (an extra CA, pinned addresses).
    pub fn new(account: Account, overrides: &Overrides) -> Result<Self, String> {
        let http = overrides
            .builder()
            .map_err(|e| e.to_string())?
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|_| "the HTTP client could not be built".to_owned())?;
        Ok(Self { account, http })
    }

    pub fn account(&self) -> &Account {
        &self.account
    }

    /// Creates `container`; `Ok(false)` when it exists already.
    pub async fn create_container(&self, container: &str) -> Result<bool, BlobError> {
        let mut url = self.url(container, None);
        url.query_pairs_mut().append_pair("restype", "container");
        let response = self.send(Method::PUT, url, HeaderMap::new(), Vec::new()).await?;
        match response.status() {
            StatusCode::CREATED => Ok(true),
            StatusCode::CONFLICT => Ok(false),
            _ => Err(status_error(&response)),
        }
    }

    /// The blob, `None` when it (or its container) does not exist.
    pub async fn get(&self, container: &str, blob: &str) -> Result<Option<Blob>, BlobError> {
        let response = self.send(Method::GET, self.url(container, Some(blob)), HeaderMap::new(), Vec::new()).await?;
        match response.status() {
            StatusCode::OK => {
                let etag = header(&response, "etag").unwrap_or_default();
                let origin = self.origin();
                let body = response.bytes().await.map_err(|_| BlobError::Unreachable(origin))?;
                Ok(Some(Blob { body: body.to_vec(), etag }))
            }
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(status_error(&response)),
        }
    }

    /// Writes a block blob under `condition`: `Ok(Some(etag))` when written, `Ok(None)` when the
    /// condition did not hold (another writer came first).
    pub async fn put(
        &self,
        container: &str,
        blob: &str,
        body: Vec<u8>,
        content_type: &str,
        condition: Condition<'_>,
    ) -> Result<Option<String>, BlobError> {
        let mut headers = HeaderMap::new();
        headers.insert(HeaderName::from_static("x-ms-blob-type"), HeaderValue::from_static("BlockBlob"));
        headers.insert(CONTENT_TYPE, value(content_type)?);
        match condition {
            Condition::Always => {}
            Condition::Absent => {
                headers.insert(IF_NONE_MATCH, HeaderValue::from_static("*"));
            }
            Condition::Matches(etag) => {
                headers.insert(IF_MATCH, value(etag)?);
            }
        }
        let response = self.send(Method::PUT, self.url(container, Some(blob)), headers, body).await?;
        match response.status() {
            StatusCode::CREATED => Ok(Some(header(&response, "etag").unwrap_or_default())),
            // 409 BlobAlreadyExists answers If-None-Match: * on an existing blob.
            StatusCode::PRECONDITION_FAILED | StatusCode::CONFLICT => Ok(None),
            _ => Err(status_error(&response)),
        }
    }

    /// Deletes the blob; `Ok(false)` when there was none.
    pub async fn delete(&self, container: &str, blob: &str) -> Result<bool, BlobError> {
        let response = self.send(Method::DELETE, self.url(container, Some(blob)), HeaderMap::new(), Vec::new()).await?;
        match response.status() {
            StatusCode::ACCEPTED | StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(status_error(&response)),
        }
    }

    /// The names of the blobs in `container` that start with `prefix`, every page of them.
    pub async fn list(&self, container: &str, prefix: &str) -> Result<Vec<String>, BlobError> {
        let mut names = Vec::new();
        let mut marker = String::new();
        loop {
            let mut url = self.url(container, None);
            url.query_pairs_mut().append_pair("restype", "container").append_pair("comp", "list");
            url.query_pairs_mut().append_pair("prefix", prefix);
            if !marker.is_empty() {
                url.query_pairs_mut().append_pair("marker", &marker);
            }
            let response = self.send(Method::GET, url, HeaderMap::new(), Vec::new()).await?;
            if response.status() != StatusCode::OK {
                return Err(status_error(&response));
            }
            let origin = self.origin();
            let xml = response.text().await.map_err(|_| BlobError::Unreachable(origin))?;
            names.extend(elements(&xml, "Name"));
            marker = elements(&xml, "NextMarker").into_iter().next().unwrap_or_default();
            if marker.is_empty() {
                return Ok(names);
            }
        }
    }

    fn url(&self, container: &str, blob: Option<&str>) -> Url {
        let mut url = self.account.endpoint.clone();
        {
            let mut segments = url.path_segments_mut().expect("an http(s) URL has a path");
            segments.pop_if_empty().push(container);
            if let Some(blob) = blob {
                segments.extend(blob.split('/'));
            }
        }
        url
    }

    fn origin(&self) -> String {
        self.account.endpoint.origin().ascii_serialization()
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        mut headers: HeaderMap,
        body: Vec<u8>,
    ) -> Result<reqwest::Response, BlobError> {
        let date = time::OffsetDateTime::now_utc()
            .format(time::macros::format_description!(
                "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
            ))
            .unwrap_or_default();
        headers.insert(HeaderName::from_static("x-ms-date"), value(&date)?);
        headers.insert(HeaderName::from_static("x-ms-version"), HeaderValue::from_static(API_VERSION));
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        let signature = self.sign(&method, &url, &headers, body.len());
        let authorization = format!("SharedKey {}:{signature}", self.account.name);
        headers.insert(reqwest::header::AUTHORIZATION, value(&authorization)?);
        let sent = self.http.request(method, url).headers(headers).body(body).send().await;
        sent.map_err(|e| {
            if e.is_timeout() { BlobError::Timeout(self.origin()) } else { BlobError::Unreachable(self.origin()) }
        })
    }

    /// Shared Key for the Blob service: HMAC-SHA256 with the account key over the verb, the
    /// standard headers, the `x-ms-` headers and the resource.
    fn sign(&self, method: &Method, url: &Url, headers: &HeaderMap, length: usize) -> String {
        let get = |name: HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        // Since version 2015-02-21 a zero length is signed as empty.
        let length = if length == 0 { String::new() } else { length.to_string() };
        let mut ms: Vec<(String, &str)> = headers
            .iter()
            .filter(|(name, _)| name.as_str().starts_with("x-ms-"))
            .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap_or("").trim()))
            .collect();
        ms.sort();
        let mut query: Vec<(String, String)> =
            url.query_pairs().map(|(name, value)| (name.to_ascii_lowercase(), value.into_owned())).collect();
        query.sort();
        let mut resource = format!("/{}{}", self.account.name, url.path());
        for (name, value) in query {
            resource.push_str(&format!("\n{name}:{value}"));
        }
        let mut to_sign = format!(
            "{method}\n\n\n{length}\n\n{}\n\n\n{}\n{}\n\n\n",
            get(CONTENT_TYPE),
            get(IF_MATCH),
            get(IF_NONE_MATCH)
        );
        for (name, value) in ms {
            to_sign.push_str(&format!("{name}:{value}\n"));
        }
        to_sign.push_str(&resource);
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.account.key);
        STANDARD.encode(ring::hmac::sign(&key, to_sign.as_bytes()).as_ref())
    }
}

fn value(text: &str) -> Result<HeaderValue, BlobError> {
    HeaderValue::from_str(text).map_err(|_| BlobError::Status { status: StatusCode::BAD_REQUEST, code: None })
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn status_error(response: &reqwest::Response) -> BlobError {
    BlobError::Status { status: response.status(), code: header(response, "x-ms-error-code") }
}

/// The text of every `<tag>` element, XML entities decoded: all List Blobs needs of its answer.
fn elements(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    xml.match_indices(&open)
        .filter_map(|(start, _)| {
            let rest = &xml[start + open.len()..];
            let end = rest.find(&close)?;
            Some(
                rest[..end]
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every part the signature covers changes it (Azurite checks the whole in the integration
    /// tests).
    #[test]
    fn signing_covers_method_headers_and_resource() {
        let client = BlobClient::new(Account::development(10000), &Overrides::default()).unwrap();
        let url = Url::parse("http://127.0.0.1:10000/devstoreaccount1/c?restype=container&comp=list&prefix=h").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-ms-date", HeaderValue::from_static("Tue, 01 Dec 2026 10:00:00 GMT"));
        headers.insert("x-ms-version", HeaderValue::from_static(API_VERSION));
        let one = client.sign(&Method::GET, &url, &headers, 0);
        assert_eq!(one.len(), 44, "base64 of 32 bytes");
        assert_ne!(one, client.sign(&Method::PUT, &url, &headers, 0));
        assert_ne!(one, client.sign(&Method::GET, &url, &headers, 1));
        headers.insert(IF_MATCH, HeaderValue::from_static("\"0x1\""));
        assert_ne!(one, client.sign(&Method::GET, &url, &headers, 0));
    }

    #[test]
    fn list_answers_are_read_by_element() {
        let xml = "<EnumerationResults><Blobs><Blob><Name>h/host.json</Name></Blob><Blob><Name>h/a&amp;b.json</Name></Blob></Blobs><NextMarker /></EnumerationResults>";
        assert_eq!(elements(xml, "Name"), ["h/host.json", "h/a&b.json"]);
        assert!(elements(xml, "NextMarker").is_empty());
    }
}
