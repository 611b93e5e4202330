#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use super::*;
use crate::client::{AuthMethod, ClientSpec};
use crate::device_authorization::{DeviceCodeDigest, USER_CODE_LEN};
use crate::ports::ClientRepository;
use crate::service::client_directory::ClientDirectory;
use crate::testing::fixtures::{T0, client};
use crate::testing::{InMemoryStore, ManualClock, SeqRandom};

const ADDRESS: &str = "198.51.100.7";

/// A public command-line client with the device grant, and client1 (a
/// confidential client without it).
async fn service(
    quota: AuthorizeQuota,
    total: AuthorizeQuota,
) -> (DeviceAuthorizationService, Arc<InMemoryStore>) {
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(ManualClock::at(T0));
    let metadata = ClientSpec {
        name: "Command line".into(),
        client_type: "public".into(),
        grant_types: vec!["device_code".into(), "refresh_token".into()],
        scopes: vec!["openid".into(), "offline_access".into()],
        ..ClientSpec::default()
    }
    .validate(&ScopeCatalog::default())
    .unwrap();
    let cli = Client { metadata, secrets: vec![], ..client(7, "Command line", "unused") };
    ClientRepository::insert(store.as_ref(), &cli).await.unwrap();
    ClientRepository::insert(store.as_ref(), &client(1, "Billing", "s")).await.unwrap();
    let ports = DevicePorts {
        authenticator: ClientAuthenticator::new(
            ClientDirectory::uncached(store.clone()),
            store.clone(),
            clock.clone(),
        ),
        devices: store.clone(),
        targets: ResourceTargets::new(store.clone()),
        catalog: Arc::new(ScopeCatalog::default()),
        clock,
        random: Arc::new(SeqRandom::new(9)),
        attempts: store.clone(),
    };
    let policy = DevicePolicy {
        lifetime: Duration::minutes(10),
        interval: Duration::seconds(5),
        verification_uri: "https://id.example/device".into(),
        quota,
        total,
    };
    (DeviceAuthorizationService::new(ports, policy), store)
}

fn asking(scope: &str) -> DeviceRequest {
    DeviceRequest { scope: Some(scope.into()), resources: vec![] }
}

fn error_code(failure: DeviceFailure) -> &'static str {
    match failure {
        DeviceFailure::Refused(TokenFailure::Refused(error)) => error.code(),
        DeviceFailure::Refused(TokenFailure::ClientThrottled) => "client_throttled",
        DeviceFailure::Throttled { .. } => "throttled",
    }
}

/// RFC 8628 §3.2: every member, the codes stored only as digests.
#[tokio::test]
async fn a_device_gets_its_codes_and_the_store_only_their_digests() {
    let (service, store) = service(AuthorizeQuota::default(), AuthorizeQuota::default()).await;
    let (client, codes) = service
        .start(&PresentedCredentials::public("client7"), asking("openid offline_access"), ADDRESS)
        .await
        .unwrap();
    assert_eq!(client.id.as_str(), "client7");
    assert_eq!((codes.expires_in, codes.interval), (600, 5));
    assert_eq!(codes.verification_uri, "https://id.example/device");
    let shown = codes.user_code.display();
    assert_eq!(shown.len(), USER_CODE_LEN + 1);
    assert_eq!(codes.verification_uri_complete, format!("https://id.example/device?user_code={shown}"));
    assert!(codes.device_code.expose().len() >= 43, "256 bits");
    let stored =
        store.find_by_device_code(&DeviceCodeDigest::of(codes.device_code.expose())).await.unwrap().unwrap();
    assert_eq!(stored.user_code, codes.user_code.digest());
    assert_eq!(stored.scopes.len(), 2);
    assert_eq!(stored.decision, DeviceDecision::Pending);
}

#[tokio::test]
async fn the_request_is_checked_as_the_authorization_endpoint_would() {
    let (service, _) = service(AuthorizeQuota::default(), AuthorizeQuota::default()).await;
    let cli = PresentedCredentials::public("client7");
    let without_grant = PresentedCredentials {
        client_id: "client1".into(),
        secret: Some("s".into()),
        method: AuthMethod::ClientSecretBasic,
        assertion: None,
    };
    let refusals = [
        (service.start(&without_grant, asking("openid"), ADDRESS).await, "unauthorized_client"),
        (service.start(&cli, asking("openid email"), ADDRESS).await, "invalid_scope"),
        (service.start(&cli, DeviceRequest::default(), ADDRESS).await, "invalid_scope"),
        (
            service
                .start(
                    &cli,
                    DeviceRequest { resources: vec!["https://api.example/".into()], ..asking("openid") },
                    ADDRESS,
                )
                .await,
            "invalid_target",
        ),
        (
            service.start(&PresentedCredentials::public("nobody"), asking("openid"), ADDRESS).await,
            "invalid_client",
        ),
    ];
    for (refused, code) in refusals {
        assert_eq!(error_code(refused.unwrap_err()), code);
    }
}

/// A public client authenticates with its id alone: the rows one address
/// can make are bounded.
#[tokio::test]
async fn an_address_over_its_quota_is_throttled() {
    let two = AuthorizeQuota { per_address: 2, window: Duration::minutes(10) };
    let (service, _) = service(two, AuthorizeQuota::default()).await;
    let cli = PresentedCredentials::public("client7");
    for _ in 0..2 {
        service.start(&cli, asking("openid"), ADDRESS).await.unwrap();
    }
    assert_eq!(error_code(service.start(&cli, asking("openid"), ADDRESS).await.unwrap_err()), "throttled");
    assert!(service.start(&cli, asking("openid"), "203.0.113.9").await.is_ok(), "another address");
}

/// Every address together is bounded too: many addresses (an IPv6 /48
/// holds 65,536 /64s) cannot fill the table, or the space of user codes.
#[tokio::test]
async fn every_address_together_is_throttled_too() {
    let three = AuthorizeQuota { per_address: 3, window: Duration::minutes(10) };
    let (service, _) = service(AuthorizeQuota::default(), three).await;
    let cli = PresentedCredentials::public("client7");
    for n in 0..3 {
        service.start(&cli, asking("openid"), &format!("203.0.113.{n}")).await.unwrap();
    }
    let refused = service.start(&cli, asking("openid"), "198.51.100.200").await.unwrap_err();
    assert_eq!(error_code(refused), "throttled");
}
