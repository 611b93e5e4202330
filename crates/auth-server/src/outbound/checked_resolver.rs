//! Name resolution for outbound fetches, checked: a name is refused when
//! any of its addresses is not public, and the addresses handed to the
//! connector are exactly the ones checked, so the connection goes to an
//! address that passed (no second lookup a rebinding DNS server could
//! answer differently).

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use oauth_core::address::is_public;

/// Looks a host name up: the system's resolver, or a stub in tests.
#[async_trait::async_trait]
pub trait HostLookup: Send + Sync {
    /// The addresses of `host`; the port is the connector's to set.
    async fn lookup(&self, host: &str) -> std::io::Result<Vec<SocketAddr>>;
}

/// The operating system's resolver, through tokio (on its blocking pool).
#[derive(Debug, Clone, Copy)]
pub struct SystemLookup;

#[async_trait::async_trait]
impl HostLookup for SystemLookup {
    async fn lookup(&self, host: &str) -> std::io::Result<Vec<SocketAddr>> {
        Ok(tokio::net::lookup_host((host, 0)).await?.collect())
    }
}

/// Refused: the name has an address no fetch may reach.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves to {address}, which is not a public address")]
pub struct RefusedAddress {
    /// The name looked up.
    pub host: String,
    /// The first address that is not public.
    pub address: std::net::IpAddr,
}

/// A [`HostLookup`] whose answers are checked by the address policy.
#[derive(Clone)]
pub struct CheckedResolver {
    lookup: Arc<dyn HostLookup>,
}

impl std::fmt::Debug for CheckedResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedResolver").finish_non_exhaustive()
    }
}

impl CheckedResolver {
    /// Checks what `lookup` answers.
    pub fn new(lookup: Arc<dyn HostLookup>) -> Self {
        Self { lookup }
    }

    /// The addresses of `host`, all public, or the refusal.
    pub async fn resolve_checked(
        &self,
        host: &str,
    ) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let addresses = self.lookup.lookup(host).await?;
        if let Some(bad) = addresses.iter().find(|a| !is_public(a.ip())) {
            return Err(Box::new(RefusedAddress { host: host.to_owned(), address: bad.ip() }));
        }
        if addresses.is_empty() {
            return Err(format!("{host} has no address").into());
        }
        Ok(addresses)
    }
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            let addresses = this.resolve_checked(name.as_str()).await?;
            let addrs: Addrs = Box::new(addresses.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};

    use super::{CheckedResolver, HostLookup};

    /// Answers each lookup with the next of its prepared answers.
    struct StubLookup(Mutex<Vec<Vec<SocketAddr>>>);

    #[async_trait::async_trait]
    impl HostLookup for StubLookup {
        async fn lookup(&self, _host: &str) -> std::io::Result<Vec<SocketAddr>> {
            Ok(self.0.lock().expect("stub").remove(0))
        }
    }

    fn addrs(list: &[&str]) -> Vec<SocketAddr> {
        list.iter().map(|ip| SocketAddr::new(ip.parse().expect("ip"), 0)).collect()
    }

    fn resolver(answers: &[&[&str]]) -> CheckedResolver {
        let answers = answers.iter().map(|a| addrs(a)).collect();
        CheckedResolver::new(Arc::new(StubLookup(Mutex::new(answers))))
    }

    #[tokio::test]
    async fn a_name_with_any_private_address_is_refused() {
        for answer in
            [&["10.0.0.5"][..], &["8.8.8.8", "127.0.0.1"], &["::ffff:169.254.169.254"], &["fd00:ec2::254"]]
        {
            let refused = resolver(&[answer]).resolve_checked("docs.example").await;
            assert!(refused.is_err(), "{answer:?} must be refused");
        }
    }

    #[tokio::test]
    async fn the_connector_gets_exactly_the_checked_addresses() {
        // A rebinding server answers public first and loopback afterwards:
        // one lookup is made per fetch, and its answer is what is dialled.
        let checked = resolver(&[&["8.8.8.8", "2606:4700::1111"], &["127.0.0.1"]]);
        let got = checked.resolve_checked("docs.example").await.expect("public");
        assert_eq!(got, addrs(&["8.8.8.8", "2606:4700::1111"]));
        assert!(checked.resolve_checked("docs.example").await.is_err(), "the second answer is checked too");
    }
}
