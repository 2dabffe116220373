//! The host's `blob` secret store: container `azure-webjobs-secrets`, blobs `{hostId}/host.json`
//! and `{hostId}/{function}.json` holding exactly the JSON of the `files` store. Every write is
//! conditional on the ETag read (or on there being no blob yet), so two hosts sharing a host id
//! never write over each other's keys.

use std::path::PathBuf;

use super::StorageKind;
use super::blob_rest::{BlobClient, BlobError, Condition};
use super::remote::{Backend, Doc, Read, Secrets, Token};
use super::settings::{BlobStorage, CONTAINER, STORAGE_CONNECTION};
use crate::keys::KeyError;
use crate::keys::file;

#[derive(Debug)]
pub struct BlobBackend {
    client: BlobClient,
    host_id: String,
}

impl BlobBackend {
    pub fn new(settings: &BlobStorage) -> Result<Self, KeyError> {
        let client = BlobClient::new(settings.account.clone(), &settings.overrides).map_err(store_error)?;
        Ok(Self { client, host_id: settings.host_id.clone() })
    }

    /// The host lower-cases function names for their blob, as for their file.
    fn blob(&self, doc: Doc<'_>) -> String {
        match doc {
            Doc::Host => format!("{}/host.json", self.host_id),
            Doc::Function(function) => format!("{}/{}.json", self.host_id, function.to_ascii_lowercase()),
        }
    }

    /// How errors about a document name it (never with the account's key or a value).
    fn path(&self, doc: Doc<'_>) -> PathBuf {
        PathBuf::from(format!("{}/{CONTAINER}/{}", self.client.account().endpoint, self.blob(doc)))
    }

    fn error(&self, error: BlobError) -> KeyError {
        let endpoint = self.client.account().endpoint.as_str().trim_end_matches('/').to_owned();
        let detail = match error {
            BlobError::Status { status, .. } if status.as_u16() == 403 => {
                format!("{endpoint} refused the account key ({error}); check AccountName and AccountKey")
            }
            other => format!("{endpoint}: {other}"),
        };
        KeyError::Store { setting: STORAGE_CONNECTION, detail }
    }
}

fn store_error(detail: String) -> KeyError {
    KeyError::Store { setting: STORAGE_CONNECTION, detail }
}

#[async_trait::async_trait]
impl Backend for BlobBackend {
    async fn check(&self) -> Result<(), KeyError> {
        self.client.create_container(CONTAINER).await.map(drop).map_err(|e| self.error(e))
    }

    async fn read(&self, doc: Doc<'_>) -> Result<Read, KeyError> {
        let Some(blob) = self.client.get(CONTAINER, &self.blob(doc)).await.map_err(|e| self.error(e))? else {
            return Ok(Read { secrets: None, token: Token::Absent });
        };
        // The host regenerates an empty document, as it does an empty file.
        let secrets = if blob.body.is_empty() {
            None
        } else {
            let path = self.path(doc);
            Some(match doc {
                Doc::Host => Secrets::Host(file::parse_host(&path, &blob.body)?),
                Doc::Function(_) => Secrets::Function(file::parse_function(&path, &blob.body)?),
            })
        };
        Ok(Read { secrets, token: Token::Etag(blob.etag) })
    }

    async fn write(&self, doc: Doc<'_>, read: &Read, new: &Secrets) -> Result<bool, KeyError> {
        let body = match new {
            Secrets::Host(host) => file::render_host(host),
            Secrets::Function(function) => file::render_function(function),
        };
        let condition = match &read.token {
            Token::Etag(etag) => Condition::Matches(etag),
            Token::Absent | Token::Secrets(_) => Condition::Absent,
        };
        let blob = self.blob(doc);
        let put = |body| self.client.put(CONTAINER, &blob, body, "application/json", condition);
        match put(body.clone()).await {
            // The container went away since the start (Azurite restarted, someone cleaned up).
            Err(BlobError::Status { status, .. }) if status.as_u16() == 404 => {
                self.check().await?;
                put(body).await.map(|etag| etag.is_some()).map_err(|e| self.error(e))
            }
            written => written.map(|etag| etag.is_some()).map_err(|e| self.error(e)),
        }
    }

    fn location(&self) -> String {
        let endpoint = self.client.account().endpoint.as_str().trim_end_matches('/').to_owned();
        format!("keys in blob storage: {endpoint}/{CONTAINER}/{}/", self.host_id)
    }

    fn kind(&self) -> StorageKind {
        StorageKind::Blob
    }

    fn setting(&self) -> &'static str {
        STORAGE_CONNECTION
    }
}
