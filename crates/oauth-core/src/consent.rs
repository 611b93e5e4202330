//! Consent: which scopes a user has granted a client. Remembered per (user,
//! client) so that a request for scopes already granted skips the consent
//! page, and a request with any new scope shows it again, marking what is new.

use std::collections::BTreeSet;

use crate::scope::ScopeName;

/// What the consent page must do for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentNeed {
    /// Every requested scope was granted before (or the client skips consent).
    Satisfied,
    /// Show the page; `new` are the scopes not granted before, to mark.
    Ask {
        /// The requested scopes not granted before.
        new: BTreeSet<ScopeName>,
    },
}

/// Decides whether to show the consent page.
///
/// `force` is `prompt=consent` (OIDC Core §3.1.2.1: always ask);
/// `skip` is the client's admin-set `skip_consent` (first-party apps).
pub fn consent_need(
    requested: &BTreeSet<ScopeName>,
    granted: &BTreeSet<ScopeName>,
    force: bool,
    skip: bool,
) -> ConsentNeed {
    let new: BTreeSet<ScopeName> = requested.difference(granted).cloned().collect();
    if skip && !force {
        return ConsentNeed::Satisfied;
    }
    if force || !new.is_empty() { ConsentNeed::Ask { new } } else { ConsentNeed::Satisfied }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(names: &[&str]) -> BTreeSet<ScopeName> {
        names.iter().map(|n| ScopeName::parse(n).unwrap()).collect()
    }

    /// (name, requested, `prompt=consent`, `skip_consent`, new scopes to ask about or `None` for no page)
    type Row<'a> = (&'a str, &'a [&'a str], bool, bool, Option<&'a [&'a str]>);

    #[test]
    fn consent_rules() {
        let granted = scopes(&["openid", "email"]);
        let rows: &[Row] = &[
            ("all granted", &["openid"], false, false, None),
            ("exactly granted", &["openid", "email"], false, false, None),
            ("one new scope", &["openid", "profile"], false, false, Some(&["profile"])),
            ("prompt=consent forces the page", &["openid"], true, false, Some(&[])),
            ("skip_consent client", &["openid", "profile"], false, true, None),
            ("prompt=consent beats skip_consent", &["openid", "profile"], true, true, Some(&["profile"])),
        ];
        for (name, requested, force, skip, expected) in rows {
            let expected = match expected {
                None => ConsentNeed::Satisfied,
                Some(new) => ConsentNeed::Ask { new: scopes(new) },
            };
            assert_eq!(consent_need(&scopes(requested), &granted, *force, *skip), expected, "case {name}");
        }
    }
}
