//! Soft delete, as a vault with `Recoverable+Purgeable` does it: a deleted secret keeps its
//! versions and its name for the retention period, and only recovering or purging it frees the
//! name again.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::secrets::{Secret, bundle, properties};
use super::{Answer, Call, RECOVERABLE_DAYS, Vault, error, key, no_content, not_found, now, page, respond};

pub(super) struct Deleted {
    secret: Secret,
    deleted_date: i64,
}

impl Deleted {
    /// A deleted secret as Key Vault describes it: its current version's properties (never the
    /// value) under `id`, plus where and until when it can be recovered.
    fn describe(&self, base: &str, id: String) -> Value {
        let mut item = properties(self.secret.current(), id);
        item["recoveryId"] = json!(format!("{base}/deletedsecrets/{}", self.secret.name));
        item["deletedDate"] = json!(self.deleted_date);
        item["scheduledPurgeDate"] = json!(self.deleted_date + RECOVERABLE_DAYS * 86_400);
        item
    }

    /// The `DeletedSecretBundle` that delete and get-deleted answer: the current version's full id.
    fn bundle(&self, base: &str) -> Value {
        let name = &self.secret.name;
        self.describe(base, format!("{base}/secrets/{name}/{}", self.secret.current().id))
    }
}

/// `DELETE /secrets/{name}`: every version moves out of the live secrets at once (Key Vault may
/// take a moment; the SDKs poll for the deleted secret, which here is there on the first poll).
pub(super) fn delete(vault: &mut Vault, call: &Call, name: &str) -> Answer {
    let Some(secret) = vault.live.remove(&key(name)) else {
        return not_found(name);
    };
    let deleted = Deleted { secret, deleted_date: now() };
    let answer = deleted.bundle(&call.base);
    vault.deleted.insert(key(name), deleted);
    respond(StatusCode::OK, answer, None)
}

/// `GET /deletedsecrets`: items carry ids without a version, like the live list's.
pub(super) fn list(vault: &Vault, call: &Call) -> Answer {
    let items = vault
        .deleted
        .values()
        .map(|d| d.describe(&call.base, format!("{}/secrets/{}", call.base, d.secret.name)))
        .collect();
    page(call, "/deletedsecrets", items)
}

/// `GET /deletedsecrets/{name}`
pub(super) fn get(vault: &Vault, call: &Call, name: &str) -> Answer {
    match vault.deleted.get(&key(name)) {
        Some(deleted) => respond(StatusCode::OK, deleted.bundle(&call.base), None),
        None => deleted_not_found(name),
    }
}

/// `POST /deletedsecrets/{name}/recover`: the secret with all its versions is live again, under
/// the name as first written; the answer is its current version without the value.
pub(super) fn recover(vault: &mut Vault, call: &Call, name: &str) -> Answer {
    let Some(deleted) = vault.deleted.remove(&key(name)) else {
        return deleted_not_found(name);
    };
    let secret = deleted.secret;
    let answer = bundle(secret.current(), &secret.name, &call.base, false);
    vault.live.insert(key(name), secret);
    respond(StatusCode::OK, answer, None)
}

/// `DELETE /deletedsecrets/{name}`: gone for good, and the name is free.
pub(super) fn purge(vault: &mut Vault, name: &str) -> Answer {
    match vault.deleted.remove(&key(name)) {
        Some(_) => no_content(),
        None => deleted_not_found(name),
    }
}

fn deleted_not_found(name: &str) -> Answer {
    error(StatusCode::NOT_FOUND, "SecretNotFound", &format!("Deleted Secret not found: {name}"), None)
}
