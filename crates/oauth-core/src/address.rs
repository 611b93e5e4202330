//! Which addresses are public unicast. A metadata document URL is chosen
//! by whoever sends a `client_id`, so a fetch must never reach this host,
//! its network or a cloud metadata service (server-side request forgery;
//! CIMD §8.6 forbids the special-purpose addresses of RFC 6890); and a
//! self-asserted client's redirect URI must not name one either, where
//! someone other than the client may listen. Pure: the outbound fetcher
//! in `auth-server` and the redirect rules here share it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `ip` is a public unicast address, in any spelling: an IPv4
/// address inside an IPv6 one (mapped, NAT64, 6to4) is judged as itself.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

/// RFC 6890 §2.2.2 and its successors, and every range that is not global.
fn is_public_v4(ip: Ipv4Addr) -> bool {
    const REFUSED: &[([u8; 4], u32)] = &[
        ([0, 0, 0, 0], 8),       // "this network", 0.0.0.0 included
        ([10, 0, 0, 0], 8),      // private (RFC 1918)
        ([100, 64, 0, 0], 10),   // shared address space (RFC 6598)
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link-local, cloud metadata at 169.254.169.254
        ([172, 16, 0, 0], 12),   // private
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // documentation (TEST-NET-1)
        ([192, 88, 99, 0], 24),  // 6to4 relay anycast
        ([192, 168, 0, 0], 16),  // private
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // documentation (TEST-NET-2)
        ([203, 0, 113, 0], 24),  // documentation (TEST-NET-3)
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, and the broadcast address
    ];
    !REFUSED.iter().any(|&(net, prefix)| in_v4(ip, net, prefix))
}

/// IPv6 ranges never fetched from (RFC 6890 §2.2.3 and successors).
const REFUSED_V6: &[([u16; 8], u32)] = &[
    ([0, 0, 0, 0, 0, 0, 0, 0], 96),         // unspecified, loopback, IPv4-compatible
    ([0, 0, 0, 0, 0xffff, 0, 0, 0], 96),    // IPv4-translated (SIIT, RFC 2765)
    ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48), // local-use NAT64 (RFC 8215)
    ([0x100, 0, 0, 0, 0, 0, 0, 0], 64),     // discard-only
    ([0x2001, 0, 0, 0, 0, 0, 0, 0], 23),    // IETF protocol assignments: Teredo, benchmarking, ORCHID
    ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), // documentation
    ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20),    // documentation (RFC 9637)
    ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7),     // unique local, fd00:ec2::254 included
    ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10),    // link-local
    ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10),    // site-local (deprecated)
    ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8),     // multicast
];

fn in_v6(ip: Ipv6Addr, net: [u16; 8], prefix: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
    u128::from(ip) & mask == u128::from(Ipv6Addr::from(net)) & mask
}

/// RFC 6890 §2.2.3 and its successors; embedded IPv4 judged as IPv4.
fn is_public_v6(ip: Ipv6Addr) -> bool {
    let embedded_v4 = |ip: Ipv6Addr| {
        let [.., a, b] = ip.segments();
        Ipv4Addr::from((u32::from(a) << 16) | u32::from(b))
    };
    if in_v6(ip, [0, 0, 0, 0, 0, 0xffff, 0, 0], 96) || in_v6(ip, [0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96) {
        // IPv4-mapped, and the well-known NAT64 prefix (RFC 6052).
        return is_public_v4(embedded_v4(ip));
    }
    if in_v6(ip, [0x2002, 0, 0, 0, 0, 0, 0, 0], 16) {
        // 6to4 (RFC 3056): the IPv4 address follows the prefix.
        let [_, a, b, ..] = ip.segments();
        return is_public_v4(Ipv4Addr::from((u32::from(a) << 16) | u32::from(b)));
    }
    !REFUSED_V6.iter().any(|&(net, prefix)| in_v6(ip, net, prefix))
}

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn refuses_every_special_purpose_range_in_every_spelling() {
        let refused = [
            "0.0.0.0",
            "10.0.0.5",
            "100.64.0.1",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.1.2.3",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:2::1",
            "2001:db8::1",
            "3fff::1",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::1",
        ];
        for text in refused {
            assert!(!is_public(text.parse().expect(text)), "{text} must be refused");
        }
    }

    #[test]
    fn admits_public_unicast() {
        let admitted = [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "172.32.0.1",
            "192.169.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ];
        for text in admitted {
            assert!(is_public(text.parse().expect(text)), "{text} must be admitted");
        }
    }
}
