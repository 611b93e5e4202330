//! The fixed statements of the grants' steps (`crate::fixed_statement`:
//! each `?` is one value, bound in order).

use crate::fixed_statement::FixedSql;

/// The user columns a joined read selects after its own, aliased `u_…`
/// (`rows::JoinedUser`).
macro_rules! user_columns {
    () => {
        "u.id AS u_id, u.email AS u_email, u.email_verified AS u_email_verified, \
         u.display_name AS u_display_name, u.password_hash AS u_password_hash, u.disabled AS u_disabled, \
         u.created_at AS u_created_at, u.updated_at AS u_updated_at, u.signed_out_at AS u_signed_out_at"
    };
}
pub(crate) use user_columns;

/// A code's columns and its user's, for `WHERE c.digest = ?`.
macro_rules! code_with_user {
    () => {
        concat!(
            "c.digest, c.client_id, c.user_id, c.redirect_uri, c.redirect_uri_sent, c.scopes, c.nonce, \
             c.code_challenge, c.auth_time, c.issued_at, c.expires_at, c.resources, c.dpop_jkt, ",
            user_columns!(),
            " FROM authorization_codes c LEFT JOIN users u ON u.id = c.user_id WHERE c.digest = ?"
        )
    };
}

/// The code with digest `?` and its user (SQLite, after its `UPDATE`).
pub(super) struct CodeWithUser;
impl FixedSql for CodeWithUser {
    const SQL: &'static str = concat!("SELECT ", code_with_user!());
}

/// PostgreSQL: consumes code `?` at `?` and reads it with its user, in one
/// statement; the digest again for the read. SECURITY: the `UPDATE`'s
/// condition decides the one winner: a concurrent statement waits for the
/// row's lock, then finds `consumed_at` set and changes nothing. The
/// `SELECT` reads the statement's snapshot, which has every column it reads.
pub(super) struct RedeemPostgres;
impl FixedSql for RedeemPostgres {
    const SQL: &'static str = concat!(
        "WITH won AS (UPDATE authorization_codes SET consumed_at = ? \
                      WHERE digest = ? AND consumed_at IS NULL RETURNING digest) \
         SELECT EXISTS (SELECT 1 FROM won) AS won, ",
        code_with_user!()
    );
}

/// PostgreSQL: the family (`FamilyRow::into_binds`), its first token
/// (`TokenRow::into_binds`), then the access token's `jti` on code `?` and
/// the replay mark, in one statement: all of it or none.
pub(super) struct RecordWithFamilyPostgres;
impl FixedSql for RecordWithFamilyPostgres {
    const SQL: &'static str = concat!(
        "WITH family AS (",
        crate::flow_writes::insert_family_sql!(),
        "), first AS (",
        crate::flow_writes::insert_token_sql!(),
        ") UPDATE authorization_codes SET access_jti = ? WHERE digest = ? RETURNING replayed_at"
    );
}

/// The access token's `jti` on code `?`, then the replay mark. RFC 6749
/// §4.1.2 with a replay racing the exchange: the replay marks the code,
/// then looks for what the exchange issued; the exchange stores it, then
/// reads the mark in the statement that wrote the `jti`, which waits for a
/// replay's uncommitted mark on the row. One of the two sees the other.
pub(super) struct RecordJti;
impl FixedSql for RecordJti {
    const SQL: &'static str =
        "UPDATE authorization_codes SET access_jti = ? WHERE digest = ? RETURNING replayed_at";
}

/// Refresh token `?`, its family (aliased `f_…`, `rows::JoinedFamily`) and
/// their user.
pub(super) struct RefreshWithOwner;
impl FixedSql for RefreshWithOwner {
    const SQL: &'static str = concat!(
        "SELECT t.digest, t.family_id, t.scopes, t.issued_at, t.expires_at, t.rotated_at, \
         f.id AS f_id, f.client_id AS f_client_id, f.user_id AS f_user_id, f.scopes AS f_scopes, \
         f.auth_time AS f_auth_time, f.code_digest AS f_code_digest, f.created_at AS f_created_at, \
         f.expires_at AS f_expires_at, f.revoked_at AS f_revoked_at, f.resources AS f_resources, \
         f.dpop_jkt AS f_dpop_jkt, ",
        user_columns!(),
        " FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id \
         LEFT JOIN users u ON u.id = f.user_id WHERE t.digest = ?"
    );
}
