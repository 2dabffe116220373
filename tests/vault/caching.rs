use std::sync::Arc;

use crate::support::harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_requests_make_one_listing_request() {
    let h = harness();
    // A user-assigned identity of its own, so the token requests counted are this service's
    // alone while other tests share the identity endpoint.
    let identity = "caching-test-identity";
    let (svc, proxy) = h.service(&[("AZURE_CLIENT_ID", identity)]).await;
    assert_eq!(h.identity.requests_for(identity), 1, "the warm-up fetches the token");
    let svc = Arc::new(svc);
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let svc = svc.clone();
            tokio::spawn(async move { svc.get("hot-secret").await })
        })
        .collect();
    for task in tasks {
        let meta = task.await.unwrap().unwrap();
        assert_eq!(meta.tags.get("load").map(String::as_str), Some("high"));
    }
    let path = "/secrets/hot-secret/versions";
    assert_eq!(proxy.count(path), 1, "requests seen: {:?}", proxy.seen());
    let challenged: Vec<_> = proxy.seen().into_iter().filter(|s| !s.authorized).collect();
    assert_eq!(challenged.len(), 1, "one request learns the challenge: {challenged:?}");
    assert_eq!(challenged[0].path, "/secrets", "and it is the warm-up's");

    for _ in 0..100 {
        svc.get("hot-secret").await.unwrap();
    }
    assert_eq!(proxy.count(path), 1, "repeated requests within the TTL reach Key Vault 0 more times");
    assert_eq!(h.identity.requests_for(identity), 1, "the warm-up's token serves every request");
}
