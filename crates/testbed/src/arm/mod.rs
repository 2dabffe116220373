//! A fake Azure Resource Manager for the Microsoft.Web calls vaultfn makes: Key Vault reference
//! status (`config/configreferences/appsettings`) and function keys (`host/default/...`,
//! `functions/{fn}/...`), over HTTPS on 127.0.0.1 with a certificate for `management.azure.com`.
//! Code under test reaches it as it reaches the Key Vault stand-in: `VAULTFN_TEST_RESOLVE=`
//! [`FakeArm::pin`], `KEY_VAULT_CA_FILE` naming a file with [`FakeArm::ca_pem`] in it, and
//! `AZURE_RESOURCE_MANAGER_URL=https://management.azure.com`.
//!
//! Checked against Microsoft.Web's REST specification (azure-rest-api-specs,
//! `specification/web/resource-manager/Microsoft.Web/stable/2022-03-01/WebApps.json`):
//! - `ApiKVReferenceCollection` is `{value, nextLink}`; each `ApiKVReference` is a proxy resource
//!   whose `properties` hold `reference`, `status` (`Initialized`, `Resolved`, `InvalidSyntax`,
//!   `MSINotEnabled`, `VaultNotFound`, `SecretNotFound`, `SecretVersionNotFound`,
//!   `AccessToKeyVaultDenied`, `OtherReasons`, `FetchTimedOut`, `UnauthorizedClient`),
//!   `vaultName`, `secretName`, `secretVersion`, `identityType`, `details`, `source` (`KeyVault`)
//!   and `activeVersion`. The spec types `identityType` as a `ManagedServiceIdentity` object where
//!   DESIGN.md (from the service) shows a string: the string is the default, the object shape is
//!   [`FakeArm::set_identity_type_as_object`].
//! - The spec has no `.../appsettings/refresh` (2022-03-01 lists the collection and `{appSettingKey}`
//!   only); it is served as DESIGN.md describes, answering [`FakeArm::set_refresh_status`].
//! - `HostKeys` is flat: `{masterKey, functionKeys: {..}, systemKeys: {..}}`.
//! - `functions/{fn}/listkeys` returns a `StringDictionary` in the spec (names under
//!   `properties`); the Azure CLI reads the names at the top level (`additional_properties`), so
//!   flat is the default and [`FunctionKeysShape::UnderProperties`] the spec's shape.
//! - The spec's `KeyInfo` (PUT body and answer) is flat `{name, value}`, but the Azure CLI rewrites
//!   it to `{"properties": {"name", "value"}}` before sending and reads `properties.value` back:
//!   the service wants the wrapper, so the fake requires it (400 without) and answers with it.
//!   PUT answers 201 when it created the key and 200 when it updated one; DELETE answers 204, or
//!   404 when there is no such key (the spec lists no 200 for it).
//! - Errors raised by ARM itself (401, 403, 429, api-version, unknown resource group or site) use
//!   ARM's `{"error": {"code", "message"}}`; errors from inside the site (a missing setting, key or
//!   function, a bad body) use App Service's own PascalCase envelope (`{"Code", "Message", ...}`),
//!   as Microsoft.Web answers: a client must read both.
//!
//! Key values appear in answers only (as ARM's do): never in error messages, panics or the
//! request log, which records no bodies.

mod config_references;
mod keys;
mod serve;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use hyper::StatusCode;

pub use config_references::Reference;
pub use keys::{HostKeyKind, HostKeys};

use crate::tls;
use keys::SiteKeys;
use serve::{Answer, empty, handle, respond, web_error};

/// The name the fake's certificate carries; pin it to [`FakeArm::addr`].
pub const HOST: &str = "management.azure.com";
/// The only api-version the fake serves (issues 11 and 16).
pub const API_VERSION: &str = "2022-03-01";
/// The object id named in `AuthorizationFailed` and throttling messages.
pub const CALLER_OBJECT_ID: &str = "00000000-0000-0000-0000-0000000a4b1e";

/// What the fake does with the next requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArmFault {
    None,
    /// 403 `AuthorizationFailed`, naming the action and scope as ARM does.
    Forbidden,
    /// 429 with `Retry-After`.
    Throttled {
        retry_after_secs: u64,
    },
    /// Holds each request this long, then answers normally.
    Slow(Duration),
    /// Drops connections unanswered, like an endpoint that cannot be reached.
    Refuse,
}

/// Where `functions/{fn}/listkeys` puts the key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FunctionKeysShape {
    /// `{"default": "..."}`, as the service answers (the Azure CLI reads it so).
    #[default]
    Flat,
    /// The spec's `StringDictionary`: `{"id", "name", "type", "properties": {"default": "..."}}`.
    UnderProperties,
}

/// One request as the fake received it (never its body).
#[derive(Debug, Clone)]
pub struct ArmRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    /// It carried a bearer token the fake accepted.
    pub authorized: bool,
}

struct Config {
    fault: ArmFault,
    /// Requests (or, for `Refuse`, connections) the fault still applies to; `None`: all.
    fault_left: Option<usize>,
    page_size: usize,
    keys_shape: FunctionKeysShape,
    identity_object: bool,
    token_prefix: Option<String>,
    refresh_status: StatusCode,
}

struct State {
    config: Mutex<Config>,
    /// Sites by their resource id, lower-cased; each deployment slot is a site of its own.
    sites: Mutex<HashMap<String, SiteData>>,
    seen: Mutex<Vec<ArmRequest>>,
    refused: AtomicUsize,
}

type RefreshHook = Arc<dyn Fn(&mut Vec<Reference>) + Send + Sync>;

pub(crate) struct SiteData {
    /// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{name}[/slots/{slot}]`
    /// as it was added: ids in answers are built from it.
    id: String,
    slot: bool,
    resource_group: String,
    references: Vec<Reference>,
    refreshes: usize,
    apply_pending: bool,
    on_refresh: Option<RefreshHook>,
    keys: SiteKeys,
}

/// The fake. Cheap to clone; every clone drives the same server.
#[derive(Clone)]
pub struct FakeArm {
    pub addr: SocketAddr,
    /// The CA that signed the fake's certificate: write it to the file `KEY_VAULT_CA_FILE` names
    /// (PEM bundles concatenate, so one file can trust the vault's CA too).
    pub ca_pem: String,
    state: Arc<State>,
}

impl FakeArm {
    /// Binds now (so the address is known) and serves on `runtime`.
    pub fn start(runtime: &tokio::runtime::Handle) -> Self {
        let (ca_pem, tls) = tls::tls_for(HOST);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the fake ARM");
        listener.set_nonblocking(true).expect("non-blocking fake ARM listener");
        let addr = listener.local_addr().expect("fake ARM address");
        let state = Arc::new(State {
            config: Mutex::new(Config {
                fault: ArmFault::None,
                fault_left: None,
                page_size: 2,
                keys_shape: FunctionKeysShape::Flat,
                identity_object: false,
                token_prefix: None,
                refresh_status: StatusCode::OK,
            }),
            sites: Mutex::default(),
            seen: Mutex::default(),
            refused: AtomicUsize::new(0),
        });
        let serving = state.clone();
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("fake ARM listener");
            tls::serve(listener, tls, serving, State::refuse_connection, handle).await;
        });
        Self { addr, ca_pem, state }
    }

    /// `https://management.azure.com`, for `AZURE_RESOURCE_MANAGER_URL`.
    pub fn base_url(&self) -> String {
        format!("https://{HOST}")
    }

    /// `management.azure.com=127.0.0.1:PORT`, an entry of `VAULTFN_TEST_RESOLVE`.
    pub fn pin(&self) -> String {
        format!("{HOST}={}", self.addr)
    }

    /// Adds a site (the production slot) and returns its handle; adding it again returns the same
    /// site. A new function app's keys come with it: a master key and a `default` host key.
    pub fn add_site(&self, subscription: &str, resource_group: &str, name: &str) -> Site {
        let id = format!(
            "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.Web/sites/{name}"
        );
        self.insert_site(id, resource_group, false)
    }

    fn insert_site(&self, id: String, resource_group: &str, slot: bool) -> Site {
        let key = id.to_ascii_lowercase();
        self.state.sites().entry(key.clone()).or_insert_with(|| SiteData {
            id: id.clone(),
            slot,
            resource_group: resource_group.to_owned(),
            references: Vec::new(),
            refreshes: 0,
            apply_pending: true,
            on_refresh: None,
            keys: SiteKeys::new(),
        });
        Site { key, id, arm: self.clone() }
    }

    /// Faults every request (and, for `Refuse`, every connection) from now on.
    pub fn set_fault(&self, fault: ArmFault) {
        let mut config = self.state.config();
        (config.fault, config.fault_left) = (fault, None);
    }

    /// Faults the next `times` requests (or connections, for `Refuse`), then serves normally.
    pub fn set_fault_times(&self, fault: ArmFault, times: usize) {
        let mut config = self.state.config();
        (config.fault, config.fault_left) = (fault, Some(times));
    }

    /// Items per page of the references list (default 2, so lists of three or more page).
    pub fn set_page_size(&self, size: usize) {
        self.state.config().page_size = size.max(1);
    }

    pub fn set_function_keys_shape(&self, shape: FunctionKeysShape) {
        self.state.config().keys_shape = shape;
    }

    /// `identityType` as the spec's object (`{"type": "SystemAssigned"}`) instead of a string.
    pub fn set_identity_type_as_object(&self, object: bool) {
        self.state.config().identity_object = object;
    }

    /// Only tokens starting with `prefix` are valid (others: 401 `InvalidAuthenticationToken`);
    /// `None` (the default) accepts any bearer token.
    pub fn require_token_prefix(&self, prefix: Option<&str>) {
        self.state.config().token_prefix = prefix.map(str::to_owned);
    }

    /// What `POST .../appsettings/refresh` answers: 200 (the default) or 202, with no body.
    pub fn set_refresh_status(&self, status: u16) {
        self.state.config().refresh_status = StatusCode::from_u16(status).expect("an HTTP status");
    }

    pub fn requests(&self) -> Vec<ArmRequest> {
        self.state.seen.lock().unwrap().clone()
    }

    /// Requests with `method` whose path ends with `path_suffix` (both compared ignoring case, as
    /// ARM compares them; the query is ignored).
    pub fn count(&self, method: &str, path_suffix: &str) -> usize {
        let suffix = path_suffix.to_ascii_lowercase();
        let seen = self.state.seen.lock().unwrap();
        seen.iter()
            .filter(|s| s.method.eq_ignore_ascii_case(method) && s.path.to_ascii_lowercase().ends_with(&suffix))
            .count()
    }

    pub fn clear_requests(&self) {
        self.state.seen.lock().unwrap().clear();
    }

    /// Connections dropped by [`ArmFault::Refuse`] (they carried no request the fake could record).
    pub fn refused_connections(&self) -> usize {
        self.state.refused.load(Ordering::SeqCst)
    }
}

/// A site (or deployment slot) in the fake: the test's handle to change what ARM reports.
#[derive(Clone)]
pub struct Site {
    key: String,
    id: String,
    arm: FakeArm,
}

impl Site {
    /// The resource id as added, without a trailing slash.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The deployment slot `slot` of this site, added if new (with keys of its own).
    pub fn slot(&self, slot: &str) -> Site {
        let rg = self.with(|site| site.resource_group.clone());
        self.arm.insert_site(format!("{}/slots/{slot}", self.id), &rg, true)
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut SiteData) -> R) -> R {
        let mut sites = self.arm.state.sites();
        f(sites.get_mut(&self.key).expect("the site is in the fake"))
    }
}

impl State {
    fn config(&self) -> MutexGuard<'_, Config> {
        self.config.lock().unwrap()
    }

    fn sites(&self) -> MutexGuard<'_, HashMap<String, SiteData>> {
        self.sites.lock().unwrap()
    }

    /// The fault for the request at hand, counting it against a limited fault.
    fn take_fault(&self, refusing_only: bool) -> ArmFault {
        let mut config = self.config();
        if config.fault == ArmFault::None || (refusing_only && config.fault != ArmFault::Refuse) {
            return ArmFault::None;
        }
        match config.fault_left {
            Some(0) => {
                (config.fault, config.fault_left) = (ArmFault::None, None);
                return ArmFault::None;
            }
            Some(ref mut left) => *left -= 1,
            None => {}
        }
        config.fault.clone()
    }

    fn refuse_connection(&self) -> bool {
        let refuse = self.take_fault(true) == ArmFault::Refuse;
        if refuse {
            self.refused.fetch_add(1, Ordering::SeqCst);
        }
        refuse
    }
}
