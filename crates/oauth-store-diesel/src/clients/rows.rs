//! The `clients` and `client_secrets` rows as read: the columns, and the
//! conversion of a row with its secrets into a `Client`.

use std::collections::BTreeMap;

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::client::{
    Client, ClientId, ClientKeys, ClientMetadata, ClientType, JwksUri, SecretDigest, StoredSecret,
};
use oauth_core::origin::Origin;
use oauth_core::redirect_uri::RedirectUri;
use oauth_core::resource::ResourceUri;
use oauth_core::scope::ScopeName;

use crate::connection::AnyConnection;
use crate::convert::{corrupt, from_epoch, split};
use crate::error::repo_error;
use crate::schema::{client_secrets, clients};

/// A `clients` row, in the order of [`client_columns!`].
pub(super) type ClientRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    bool,
    bool,
    i64,
    i64,
    String,
    bool,
    String,
    String,
    bool,
    bool,
    Option<String>,
    Option<String>,
);
/// A `client_secrets` row: client id, digest, created, expires.
pub(super) type SecretRow = (String, String, i64, Option<i64>);

macro_rules! client_columns {
    () => {
        (
            clients::id,
            clients::name,
            clients::client_type,
            clients::auth_method,
            clients::redirect_uris,
            clients::allowed_origins,
            clients::scopes,
            clients::grant_types,
            clients::id_token_alg,
            clients::skip_consent,
            clients::disabled,
            clients::created_at,
            clients::updated_at,
            clients::post_logout_redirect_uris,
            clients::may_introspect_any,
            clients::resources,
            clients::origin,
            clients::require_pushed_requests,
            clients::dpop_bound,
            clients::jwks,
            clients::jwks_uri,
        )
    };
}
pub(super) use client_columns;

pub(super) const SECRET_COLUMNS: (
    client_secrets::client_id,
    client_secrets::digest,
    client_secrets::created_at,
    client_secrets::expires_at,
) = (
    client_secrets::client_id,
    client_secrets::digest,
    client_secrets::created_at,
    client_secrets::expires_at,
);

pub(super) fn from_rows(row: ClientRow, secret_rows: Vec<SecretRow>) -> Result<Client, RepoError> {
    let (
        id,
        name,
        client_type,
        auth_method,
        uris,
        origins,
        scopes,
        grants,
        alg,
        skip_consent,
        disabled,
        created,
        updated,
        logout_uris,
        may_introspect_any,
        resources,
        origin,
        require_pushed_requests,
        dpop_bound,
        jwks,
        jwks_uri,
    ) = row;
    let keys = match (jwks, jwks_uri) {
        (None, None) => None,
        (Some(jwks), None) => Some(ClientKeys::Registered(jwks)),
        (None, Some(uri)) => {
            Some(ClientKeys::Published(JwksUri::parse(&uri).map_err(|_| corrupt("clients.jwks_uri"))?))
        }
        (Some(_), Some(_)) => return Err(corrupt("clients.jwks_uri")),
    };
    let client_type: ClientType = client_type.parse().map_err(|_| corrupt("clients.client_type"))?;
    let metadata = ClientMetadata {
        name,
        client_type,
        auth_method: auth_method.parse().map_err(|_| corrupt("clients.auth_method"))?,
        redirect_uris: split(&uris)
            .map(|u| RedirectUri::parse(u, client_type).map_err(|_| corrupt("clients.redirect_uris")))
            .collect::<Result<_, _>>()?,
        allowed_origins: split(&origins)
            .map(|o| Origin::parse(o).map_err(|_| corrupt("clients.allowed_origins")))
            .collect::<Result<_, _>>()?,
        scopes: split(&scopes)
            .map(|s| ScopeName::parse(s).map_err(|_| corrupt("clients.scopes")))
            .collect::<Result<_, _>>()?,
        grant_types: split(&grants)
            .map(|g| g.parse().map_err(|_| corrupt("clients.grant_types")))
            .collect::<Result<_, _>>()?,
        id_token_alg: alg.parse().map_err(|_| corrupt("clients.id_token_alg"))?,
        skip_consent,
        post_logout_redirect_uris: split(&logout_uris)
            .map(|u| {
                RedirectUri::parse(u, client_type).map_err(|_| corrupt("clients.post_logout_redirect_uris"))
            })
            .collect::<Result<_, _>>()?,
        may_introspect_any,
        require_pushed_requests,
        dpop_bound,
        keys,
        resources: split(&resources)
            .map(|r| ResourceUri::parse(r).map_err(|_| corrupt("clients.resources")))
            .collect::<Result<_, _>>()?,
    };
    let mut secrets = secret_rows
        .into_iter()
        .map(|(_, digest, created, expires)| {
            Ok(StoredSecret {
                digest: SecretDigest::from_hex(&digest).ok_or_else(|| corrupt("client_secrets.digest"))?,
                created_at: from_epoch(created).ok_or_else(|| corrupt("client_secrets.created_at"))?,
                expires_at: expires
                    .map(|e| from_epoch(e).ok_or_else(|| corrupt("client_secrets.expires_at")))
                    .transpose()?,
            })
        })
        .collect::<Result<Vec<_>, RepoError>>()?;
    secrets.sort_by_key(|s| s.created_at);
    Ok(Client {
        id: ClientId::parse(&id).map_err(|_| corrupt("clients.id"))?,
        origin: origin.parse().map_err(|_| corrupt("clients.origin"))?,
        metadata,
        secrets,
        disabled,
        created_at: from_epoch(created).ok_or_else(|| corrupt("clients.created_at"))?,
        updated_at: from_epoch(updated).ok_or_else(|| corrupt("clients.updated_at"))?,
    })
}

/// Loads the clients `query` selects, each with its secrets.
pub(super) fn load(c: &mut AnyConnection, query: ClientsQuery) -> Result<Vec<Client>, RepoError> {
    let rows: Vec<ClientRow> = query.select(client_columns!()).load(c).map_err(repo_error)?;
    let ids: Vec<&String> = rows.iter().map(|r| &r.0).collect();
    let secret_rows: Vec<SecretRow> = client_secrets::table
        .filter(client_secrets::client_id.eq_any(ids))
        .select(SECRET_COLUMNS)
        .load(c)
        .map_err(repo_error)?;
    let mut by_client: BTreeMap<String, Vec<SecretRow>> = BTreeMap::new();
    for row in secret_rows {
        by_client.entry(row.0.clone()).or_default().push(row);
    }
    rows.into_iter()
        .map(|row| {
            let secrets = by_client.remove(&row.0).unwrap_or_default();
            from_rows(row, secrets)
        })
        .collect()
}

pub(super) type ClientsQuery = clients::BoxedQuery<'static, <AnyConnection as diesel::Connection>::Backend>;
