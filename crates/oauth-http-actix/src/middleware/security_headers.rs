//! Headers every response carries. The API serves JSON, so the policy is the
//! strictest one; HTML pages (`pages.rs`) set their own CSP, which allows
//! inline styles and keeps `frame-ancestors 'none'`. `DefaultHeaders` never
//! overrides a header the handler set.

use actix_web::middleware::DefaultHeaders;

/// Anti-framing, no sniffing, no referrer leaks, and HSTS when served over HTTPS.
pub fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        // Clickjacking: modern browsers read frame-ancestors, older ones X-Frame-Options.
        .add(("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"))
        .add(("X-Frame-Options", "DENY"))
        .add(("X-Content-Type-Options", "nosniff"))
        // RFC 9700 §4.2.4: authorization responses must not leak through Referer.
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"));
    if https { headers.add(("Strict-Transport-Security", "max-age=31536000")) } else { headers }
}
