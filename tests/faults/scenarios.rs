//! One scenario per fault: a cached secret goes stale under it (or, for a 403, gets Key Vault's
//! answer), an uncached one gets the documented problem within budget + 10 %, and both recover
//! on their own once the fault clears.

use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use vaultfn_testbed::identity::{IdentityServer, TokenMode};
use vaultfn_testbed::proxy::{Fault, Proxy};

use crate::support::handler::{Answer, Handler};
use crate::support::harness;

const BUDGET_MS: u64 = 1000;
/// Long enough for the 1 s metadata TTL, and for a 1 s token, to run out.
const PAST_TTL: Duration = Duration::from_millis(1200);
const CACHED: &str = "/api/secrets/plain-secret";
const UNCACHED: &str = "/api/secrets/expiring-secret";

/// What the uncached request must get.
struct Expect {
    status: u16,
    slug: &'static str,
    /// Words the detail must contain.
    detail: &'static [&'static str],
    retry_after: Option<&'static str>,
    /// Whether the cached secret comes back stale (Key Vault could not be asked) or gets the
    /// same problem (Key Vault answered).
    stale: bool,
}

enum Inject {
    Vault(Fault),
    Token(TokenMode),
}

pub fn all() -> Vec<(String, BoxFuture<'static, ()>)> {
    let mut all: Vec<(String, Inject, Expect)> = vec![
        (
            "vault refuses connections".into(),
            Inject::Vault(Fault::Refuse),
            Expect {
                status: 503,
                slug: "key-vault-unreachable",
                detail: &["KEY_VAULT_URL"],
                retry_after: Some("5"),
                stale: true,
            },
        ),
        (
            "vault hangs past the budget".into(),
            Inject::Vault(Fault::Hang),
            Expect {
                status: 504,
                slug: "key-vault-timeout",
                detail: &["KEY_VAULT_TIMEOUT_MS", "1000 ms"],
                retry_after: None,
                stale: true,
            },
        ),
        (
            "vault throttles with Retry-After".into(),
            Inject::Vault(Fault::Throttle { retry_after: 7 }),
            Expect {
                status: 503,
                slug: "key-vault-throttled",
                detail: &["429", "7 s"],
                retry_after: Some("7"),
                stale: true,
            },
        ),
        (
            "vault answers 500".into(),
            Inject::Vault(Fault::ServerError),
            Expect {
                status: 502,
                slug: "key-vault-upstream-error",
                detail: &["HTTP 500"],
                retry_after: None,
                stale: true,
            },
        ),
    ];
    for (inner, slug, hint) in [
        ("ForbiddenByRbac", "key-vault-forbidden", "Key Vault Reader"),
        ("ForbiddenByPolicy", "key-vault-forbidden", "access policy"),
        ("ForbiddenByFirewall", "key-vault-forbidden", "network rules"),
        ("SecretDisabled", "secret-disabled", "Enable it"),
    ] {
        let detail: &'static [&'static str] = Box::leak(Box::new([inner, hint]));
        let expect = Expect { status: 403, slug, detail, retry_after: None, stale: false };
        all.push((format!("vault answers 403 {inner}"), Inject::Vault(Fault::Forbidden(inner)), expect));
    }
    for (what, mode) in [
        ("down", TokenMode::Down),
        ("slow", TokenMode::Slow),
        ("answering garbage", TokenMode::Garbage),
        ("answering 500", TokenMode::Error),
    ] {
        let expect = Expect {
            status: 503,
            slug: "credential-unavailable",
            detail: &["app-service-managed-identity"],
            retry_after: Some("5"),
            stale: true,
        };
        all.push((format!("token endpoint {what}"), Inject::Token(mode), expect));
    }
    all.into_iter()
        .map(|(name, inject, expect)| {
            let label = name.clone();
            (name, run(label, inject, expect).boxed())
        })
        .collect()
}

fn within_budget(what: &str, answer: &Answer) {
    let limit = Duration::from_millis(BUDGET_MS + BUDGET_MS / 10);
    assert!(answer.elapsed <= limit, "{what} took {:?}, budget + 10 % is {limit:?}", answer.elapsed);
}

fn assert_fresh(what: &str, answer: &Answer) {
    assert_eq!(answer.status, 200, "{what}: {}", answer.body);
    assert_eq!(answer.json()["stale"], false, "{what}");
}

async fn run(name: String, inject: Inject, expect: Expect) {
    let h = harness();
    let proxy: Proxy = h.proxy();
    let identity: IdentityServer = h.identity_server();
    // A token that is always due for refresh is fetched on every Key Vault call, so a token
    // fault reaches a handler that already holds one, as it does when a real token expires.
    identity.set_token_lifetime(Duration::from_secs(1));
    let mut settings = h.settings(&proxy, &identity);
    settings.extend(
        [("KEY_VAULT_TIMEOUT_MS", BUDGET_MS.to_string()), ("SECRET_METADATA_TTL_SECONDS", "1".to_owned())]
            .map(|(k, v)| (k.to_owned(), v)),
    );
    let handler = Handler::spawn(&name, &settings).await;

    let fresh = handler.get(CACHED).await;
    assert_fresh("before the fault", &fresh);
    assert_eq!(fresh.header("x-cache"), Some("miss"));
    tokio::time::sleep(PAST_TTL).await;

    match &inject {
        Inject::Vault(fault) => proxy.set_fault(fault.clone()),
        Inject::Token(mode) => identity.set_mode(*mode),
    }
    let cached = handler.get(CACHED).await;
    within_budget("the cached secret", &cached);
    if expect.stale {
        assert_eq!(cached.status, 200, "the cached secret comes back stale: {}", cached.body);
        assert_eq!(cached.header("x-cache"), Some("stale"));
        let meta = cached.json();
        assert_eq!(meta["stale"], true);
        assert_eq!(meta["version"], fresh.json()["version"]);
    } else {
        assert_eq!(cached.status, expect.status, "Key Vault's answer is not papered over: {}", cached.body);
    }

    let failed = handler.get(UNCACHED).await;
    within_budget("the uncached secret", &failed);
    assert_eq!(failed.status, expect.status, "{}", failed.body);
    assert_eq!(failed.header("content-type"), Some("application/problem+json"));
    let problem = failed.json();
    assert_eq!(problem["type"], format!("urn:vaultfn:problem:{}", expect.slug), "{problem}");
    assert_eq!(problem["status"], expect.status);
    let detail = problem["detail"].as_str().unwrap_or_default();
    for word in expect.detail {
        assert!(detail.contains(word), "the detail names {word}: {detail}");
    }
    assert_eq!(failed.header("retry-after"), expect.retry_after, "Retry-After");

    match &inject {
        Inject::Vault(_) => proxy.set_fault(Fault::None),
        Inject::Token(_) => identity.set_mode(TokenMode::Normal),
    }
    if let Inject::Vault(Fault::Throttle { retry_after }) = &inject {
        // A throttled vault is asked nothing until Retry-After has passed, whatever is asked.
        let before = proxy.total();
        let during = handler.get(CACHED).await;
        assert_eq!(during.header("x-cache"), Some("stale"), "served stale behind the gate");
        assert_eq!(proxy.total(), before, "no Key Vault request while the gate is closed");
        tokio::time::sleep(Duration::from_secs(*retry_after)).await;
    }
    let recovered = handler.get(CACHED).await;
    assert_fresh("once the fault clears", &recovered);
    assert_eq!(recovered.header("x-cache"), Some("miss"), "asked Key Vault again");
    assert_fresh("once the fault clears", &handler.get(UNCACHED).await);
    assert!(!handler.output().is_empty(), "the handler's output is captured");
}
