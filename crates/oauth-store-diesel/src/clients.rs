//! `ClientRepository` on Diesel: a `clients` row and up to two `client_secrets` rows.

use std::collections::BTreeMap;

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::client::{
    Client, ClientId, ClientMetadata, ClientType, SecretDigest, StoredSecret, name_key,
};
use oauth_core::origin::Origin;
use oauth_core::ports::ClientRepository;
use oauth_core::redirect_uri::RedirectUri;
use oauth_core::resource::ResourceUri;
use oauth_core::scope::ScopeName;
use time::OffsetDateTime;

use crate::connection::AnyConnection;
use crate::convert::{corrupt, expect_one, from_epoch, join, split};
use crate::error::repo_error;
use crate::schema::{client_secrets, clients};
use crate::store::DieselStore;

/// A `clients` row, in the order of [`client_columns!`].
type ClientRow = (
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
);
/// A `client_secrets` row: client id, digest, created, expires.
type SecretRow = (String, String, i64, Option<i64>);

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
        )
    };
}

const SECRET_COLUMNS: (
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

fn from_rows(row: ClientRow, secret_rows: Vec<SecretRow>) -> Result<Client, RepoError> {
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
    ) = row;
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
fn load(c: &mut AnyConnection, query: ClientsQuery) -> Result<Vec<Client>, RepoError> {
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

type ClientsQuery = clients::BoxedQuery<'static, <AnyConnection as diesel::Connection>::Backend>;

/// A `client_secrets` row to insert.
#[derive(Insertable)]
#[diesel(table_name = client_secrets)]
struct NewSecret {
    client_id: String,
    digest: String,
    created_at: i64,
    expires_at: Option<i64>,
}

fn secret_values(id: &ClientId, secret: &StoredSecret) -> NewSecret {
    NewSecret {
        client_id: id.as_str().to_owned(),
        digest: secret.digest.to_hex(),
        created_at: secret.created_at.unix_timestamp(),
        expires_at: secret.expires_at.map(OffsetDateTime::unix_timestamp),
    }
}

/// The columns an update may change (and an insert writes besides the fixed ones).
#[derive(AsChangeset, Insertable)]
#[diesel(table_name = clients)]
struct ClientChanges {
    name: String,
    name_key: String,
    redirect_uris: String,
    allowed_origins: String,
    scopes: String,
    grant_types: String,
    id_token_alg: String,
    skip_consent: bool,
    disabled: bool,
    updated_at: i64,
    post_logout_redirect_uris: String,
    may_introspect_any: bool,
    resources: String,
}

fn metadata_changes(client: &Client) -> ClientChanges {
    let m = &client.metadata;
    ClientChanges {
        name: m.name.clone(),
        name_key: client.name_key(),
        redirect_uris: join(m.redirect_uris.iter().map(RedirectUri::as_str)),
        allowed_origins: join(m.allowed_origins.iter().map(Origin::as_str)),
        scopes: join(m.scopes.iter().map(ScopeName::as_str)),
        grant_types: join(m.grant_types.iter().map(|g| g.as_str())),
        id_token_alg: m.id_token_alg.as_str().to_owned(),
        skip_consent: m.skip_consent,
        disabled: client.disabled,
        updated_at: client.updated_at.unix_timestamp(),
        post_logout_redirect_uris: join(m.post_logout_redirect_uris.iter().map(RedirectUri::as_str)),
        may_introspect_any: m.may_introspect_any,
        resources: join(m.resources.iter().map(ResourceUri::as_str)),
    }
}

#[async_trait::async_trait]
impl ClientRepository for DieselStore {
    async fn insert(&self, client: &Client) -> Result<(), RepoError> {
        let client = client.clone();
        self.run(move |c| {
            c.transaction(|c| {
                diesel::insert_into(clients::table)
                    .values((
                        clients::id.eq(client.id.as_str().to_owned()),
                        clients::client_type.eq(client.metadata.client_type.as_str().to_owned()),
                        clients::auth_method.eq(client.metadata.auth_method.as_str().to_owned()),
                        clients::origin.eq(client.origin.as_str().to_owned()),
                        clients::created_at.eq(client.created_at.unix_timestamp()),
                        metadata_changes(&client),
                    ))
                    .execute(c)?;
                for secret in &client.secrets {
                    diesel::insert_into(client_secrets::table)
                        .values(secret_values(&client.id, secret))
                        .execute(c)?;
                }
                Ok(())
            })
            .map_err(repo_error)
        })
        .await
    }

    async fn find(&self, id: &ClientId) -> Result<Option<Client>, RepoError> {
        let id = id.as_str().to_owned();
        // On every token, introspection and revocation request: two queries
        // whose SQL never changes, so the connection's statement cache keeps
        // them prepared (the boxed, list-shaped queries of `load` are parsed
        // again on every call).
        //
        // SECURITY: both queries run for an unknown id too, so the time a
        // refusal takes does not tell whether the id exists
        // (docs/SECURITY.md § Client authentication).
        self.run(move |c| {
            let row: Option<ClientRow> = clients::table
                .find(&id)
                .select(client_columns!())
                .get_result(c)
                .optional()
                .map_err(repo_error)?;
            let secrets: Vec<SecretRow> = client_secrets::table
                .filter(client_secrets::client_id.eq(&id))
                .select(SECRET_COLUMNS)
                .load(c)
                .map_err(repo_error)?;
            row.map(|row| from_rows(row, secrets)).transpose()
        })
        .await
    }

    async fn find_by_name(&self, name: &str) -> Result<Option<Client>, RepoError> {
        let key = name_key(name);
        self.run(move |c| Ok(load(c, clients::table.filter(clients::name_key.eq(key)).into_boxed())?.pop()))
            .await
    }

    async fn list(&self) -> Result<Vec<Client>, RepoError> {
        self.run(|c| load(c, clients::table.order(clients::name_key.asc()).into_boxed())).await
    }

    async fn update(&self, client: &Client) -> Result<(), RepoError> {
        let client = client.clone();
        self.run(move |c| {
            diesel::update(clients::table.find(client.id.as_str().to_owned()))
                .set(metadata_changes(&client))
                .execute(c)
                .map_err(repo_error)
                .and_then(expect_one)
        })
        .await
    }

    async fn rotate_secret(
        &self,
        id: &ClientId,
        new: &StoredSecret,
        previous_until: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<(), RepoError> {
        let (id, new) = (id.clone(), new.clone());
        self.run(move |c| {
            c.transaction(|c| {
                // Touch the client first: on SQLite this takes the write lock
                // before the reads, so two rotations cannot interleave.
                let touched = diesel::update(clients::table.find(id.as_str().to_owned()))
                    .set(clients::updated_at.eq(now.unix_timestamp()))
                    .execute(c)?;
                if touched != 1 {
                    return Err(diesel::result::Error::NotFound);
                }
                let mine = client_secrets::table.filter(client_secrets::client_id.eq(id.as_str().to_owned()));
                // The current secret is the one without an end: `created_at`
                // has whole seconds, so two rotations within one second tie on
                // it. Read as a list, not `first()` (`crate::store`).
                let current: Option<String> = mine
                    .clone()
                    .filter(client_secrets::expires_at.is_null())
                    .order(client_secrets::created_at.desc())
                    .select(client_secrets::digest)
                    .load::<String>(c)?
                    .into_iter()
                    .next();
                let keep = current.filter(|_| previous_until.is_some());
                match &keep {
                    Some(digest) => {
                        diesel::delete(mine.clone().filter(client_secrets::digest.ne(digest.clone())))
                            .execute(c)?;
                        diesel::update(client_secrets::table.find((id.as_str().to_owned(), digest.clone())))
                            .set(
                                client_secrets::expires_at
                                    .eq(previous_until.map(OffsetDateTime::unix_timestamp)),
                            )
                            .execute(c)?;
                    }
                    None => {
                        diesel::delete(mine).execute(c)?;
                    }
                }
                diesel::insert_into(client_secrets::table).values(secret_values(&id, &new)).execute(c)?;
                Ok(())
            })
            .map_err(repo_error)
        })
        .await
    }

    async fn delete(&self, id: &ClientId) -> Result<(), RepoError> {
        let id = id.as_str().to_owned();
        self.run(move |c| {
            c.transaction(|c| {
                diesel::delete(client_secrets::table.filter(client_secrets::client_id.eq(id.clone())))
                    .execute(c)?;
                diesel::delete(clients::table.find(id)).execute(c)
            })
            .map_err(repo_error)
            .and_then(expect_one)
        })
        .await
    }
}
