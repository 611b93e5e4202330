//! Consent: which scopes a user has granted a client. Remembered per (user,
//! client) so that a request for scopes already granted skips the consent
//! page, and a request with any new scope shows it again, marking what is new.

use std::collections::BTreeSet;

use crate::resource::ResourceUri;
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
        /// The requested resources (RFC 8707) not granted before.
        new_resources: BTreeSet<ResourceUri>,
    },
}

/// Decides whether to show the consent page.
///
/// `force` is `prompt=consent` (OIDC Core §3.1.2.1: always ask);
/// `skip` is the client's admin-set `skip_consent` (first-party apps).
/// A resource granted for some scopes is not granted for others: consent is
/// remembered per (user, client, resource, scope), and since each resource
/// scope belongs to one resource, remembering the scopes and the resources
/// of a pair is the same record.
pub fn consent_need(
    requested: (&BTreeSet<ScopeName>, &BTreeSet<ResourceUri>),
    granted: (&BTreeSet<ScopeName>, &BTreeSet<ResourceUri>),
    force: bool,
    skip: bool,
) -> ConsentNeed {
    let new: BTreeSet<ScopeName> = requested.0.difference(granted.0).cloned().collect();
    let new_resources: BTreeSet<ResourceUri> = requested.1.difference(granted.1).cloned().collect();
    if skip && !force {
        return ConsentNeed::Satisfied;
    }
    if force || !new.is_empty() || !new_resources.is_empty() {
        ConsentNeed::Ask { new, new_resources }
    } else {
        ConsentNeed::Satisfied
    }
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
                Some(new) => ConsentNeed::Ask { new: scopes(new), new_resources: BTreeSet::new() },
            };
            let none = BTreeSet::new();
            let need = consent_need((&scopes(requested), &none), (&granted, &none), *force, *skip);
            assert_eq!(need, expected, "case {name}");
        }
    }

    #[test]
    fn a_new_resource_asks_again_even_for_granted_scopes() {
        let granted = scopes(&["openid", "calendar:read"]);
        let calendar: BTreeSet<ResourceUri> =
            [ResourceUri::parse("https://calendar.example.com/").unwrap()].into();
        let payroll: BTreeSet<ResourceUri> =
            [ResourceUri::parse("https://payroll.example.com").unwrap()].into();
        let satisfied = consent_need((&granted, &calendar), (&granted, &calendar), false, false);
        assert_eq!(satisfied, ConsentNeed::Satisfied);
        let ask = consent_need((&scopes(&["openid"]), &payroll), (&granted, &calendar), false, false);
        assert_eq!(ask, ConsentNeed::Ask { new: BTreeSet::new(), new_resources: payroll.clone() });
        assert_eq!(
            consent_need((&granted, &payroll), (&granted, &calendar), false, true),
            ConsentNeed::Satisfied
        );
    }
}
