//! What a browser request carries beyond its parameters: the session cookie
//! and the client's address.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use oauth_core::session::SessionSecret;

/// How the session cookie is set.
#[derive(Debug, Clone)]
pub struct CookiePolicy {
    /// `__Host-manumu_session` over HTTPS (Secure, Path=/, no Domain: bound to
    /// this host), `manumu_session` on a plain-HTTP development issuer.
    pub name: &'static str,
    pub secure: bool,
}

impl CookiePolicy {
    /// The policy for an issuer served over HTTPS or not.
    pub fn new(https: bool) -> Self {
        if https {
            Self { name: "__Host-manumu_session", secure: true }
        } else {
            Self { name: "manumu_session", secure: false }
        }
    }

    /// The session secret the browser presented, if any.
    pub(crate) fn read(&self, request: &HttpRequest) -> Option<String> {
        request.cookie(self.name).map(|cookie| cookie.value().to_owned())
    }

    /// The cookie carrying a new session secret (ASVS 3.3.1, 3.3.4): `HttpOnly`,
    /// `SameSite=Lax` (the client's redirect to us is a top-level GET),
    /// `Secure` with HTTPS, no `Max-Age` (it ends with the browser; the
    /// server-side record decides how long it is honoured).
    pub(crate) fn set(&self, secret: &SessionSecret) -> Cookie<'static> {
        Cookie::build(self.name, secret.expose().to_owned())
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .finish()
    }

    /// A cookie that makes the browser forget the session.
    pub(crate) fn clear(&self) -> Cookie<'static> {
        let mut cookie = Cookie::build(self.name, "")
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .finish();
        cookie.make_removal();
        cookie
    }
}

/// The address a request came from. `X-Forwarded-For` is believed only when
/// the connection comes from a configured proxy: any client can write the
/// header, and only a proxy we run appends a hop we can trust. Then the
/// nearest address that is not itself a trusted proxy is the client.
pub(crate) fn client_address(request: &HttpRequest, trusted_proxies: &[IpAddr]) -> String {
    let Some(peer) = request.peer_addr().map(|a| canonical(a.ip())) else { return "unknown".to_owned() };
    if !trusted_proxies.contains(&peer) {
        return peer.to_string();
    }
    let hops = request
        .headers()
        .get_all(header::X_FORWARDED_FOR)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    // Walking from the right, the hops our proxies wrote come first: skip
    // those that are proxies of ours, and take the first other one. A hop
    // that does not parse ends the walk at the proxy that wrote it: what lies
    // further left was written by the caller, who could name any address.
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        let Some(address) = parse_hop(hop) else { break };
        if !trusted_proxies.contains(&address) {
            return address.to_string();
        }
        client = address;
    }
    client.to_string()
}

/// A forwarded hop: an address, an `address:port` or a `[v6]:port` (some
/// proxies append the port), as its canonical address.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let address = hop
        .parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|socket| socket.ip()))
        .or_else(|| {
            hop.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')).and_then(|v6| v6.parse().ok())
        })?;
    Some(canonical(address))
}

/// An IPv4 peer seen through a dual-stack socket arrives as `::ffff:a.b.c.d`;
/// it is the IPv4 address, so that it matches `trusted_proxies` and counts
/// with the same address seen over IPv4.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let from = |peer: &str, forwarded: &str| {
            TestRequest::default()
                .peer_addr(format!("{peer}:4000").parse().unwrap())
                .insert_header((header::X_FORWARDED_FOR, forwarded))
                .to_http_request()
        };
        assert_eq!(
            client_address(&from("192.0.2.9", "203.0.113.5"), &[]),
            "192.0.2.9",
            "no proxy configured"
        );
        assert_eq!(
            client_address(&from("192.0.2.9", "203.0.113.5"), &[proxy]),
            "192.0.2.9",
            "not from the proxy"
        );
        assert_eq!(
            client_address(&from("10.0.0.1", "1.1.1.1, 203.0.113.5"), &[proxy]),
            "203.0.113.5",
            "nearest hop"
        );
        assert_eq!(client_address(&from("10.0.0.1", "garbage"), &[proxy]), "10.0.0.1");
    }

    #[test]
    fn forwarded_hops_with_ports_and_mapped_peers_name_the_client() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let from = |peer: &str, forwarded: &str| {
            TestRequest::default()
                .peer_addr(peer.parse().unwrap())
                .insert_header((header::X_FORWARDED_FOR, forwarded))
                .to_http_request()
        };
        // (name, peer, X-Forwarded-For, client address)
        let rows = [
            ("a hop with a port", "10.0.0.1:4000", "203.0.113.77, 198.51.100.2:51234", "198.51.100.2"),
            ("an IPv6 hop with a port", "10.0.0.1:4000", "203.0.113.77, [2001:db8::5]:443", "2001:db8::5"),
            ("an unreadable hop stops the walk", "10.0.0.1:4000", "203.0.113.77, garbage", "10.0.0.1"),
            ("a mapped peer is the proxy", "[::ffff:10.0.0.1]:4000", "203.0.113.5", "203.0.113.5"),
            ("a mapped stranger is itself", "[::ffff:192.0.2.9]:4000", "203.0.113.5", "192.0.2.9"),
        ];
        for (name, peer, forwarded, client) in rows {
            assert_eq!(client_address(&from(peer, forwarded), &[proxy]), client, "{name}");
        }
    }

    #[test]
    fn the_session_cookie_is_host_bound_and_secure_over_https() {
        let random = oauth_core::testing::SeqRandom::new(3);
        let secret = SessionSecret::generate(&random).unwrap();
        let https = CookiePolicy::new(true).set(&secret).to_string();
        for attribute in ["__Host-manumu_session=", "HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(https.contains(attribute), "{attribute} missing from {https}");
        }
        assert!(!https.contains("Domain") && !https.contains("Max-Age"), "{https}");
        let http = CookiePolicy::new(false).set(&secret).to_string();
        assert!(http.starts_with("manumu_session=") && !http.contains("Secure"), "{http}");
        let cleared = CookiePolicy::new(true).clear().to_string();
        assert!(cleared.contains("Max-Age=0"), "{cleared}");
    }
}
