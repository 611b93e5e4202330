//! `ClientRepository` on Diesel: a `clients` row and up to two `client_secrets` rows.

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::client::{
    Client, ClientId, ClientKeys, ClientMetadata, ClientOrigin, StoredSecret, name_key,
};
use oauth_core::origin::Origin;
use oauth_core::ports::ClientRepository;
use oauth_core::redirect_uri::RedirectUri;
use oauth_core::resource::ResourceUri;
use oauth_core::scope::ScopeName;
use time::OffsetDateTime;

use crate::connection::AnyConnection;
use crate::convert::{corrupt, expect_one, join};
use crate::error::repo_error;
use crate::fixed_statement::{Bind, Fixed, FixedSql};
use crate::schema::{client_secrets, clients};
use crate::store::DieselStore;

mod rows;
use rows::{ClientRow, SECRET_COLUMNS, SecretRow, client_columns, from_rows, load};

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
#[expect(clippy::struct_excessive_bools, reason = "one column per client flag")]
struct ClientChanges {
    name: String,
    name_key: String,
    redirect_uris: String,
    allowed_origins: String,
    scopes: String,
    grant_types: String,
    id_token_alg: String,
    skip_consent: bool,
    /// `None` leaves the flag as stored (an update of metadata only).
    disabled: Option<bool>,
    updated_at: i64,
    post_logout_redirect_uris: String,
    may_introspect_any: bool,
    require_pushed_requests: bool,
    dpop_bound: bool,
    /// Keys by value or by URL (RFC 7591 §2): writing one clears the other.
    #[diesel(treat_none_as_null = true)]
    jwks: Option<String>,
    #[diesel(treat_none_as_null = true)]
    jwks_uri: Option<String>,
    resources: String,
}

fn metadata_changes(client: &Client) -> ClientChanges {
    changes(client, &client.metadata, Some(client.disabled), client.updated_at)
}

fn changes(
    client: &Client,
    m: &ClientMetadata,
    disabled: Option<bool>,
    updated_at: OffsetDateTime,
) -> ClientChanges {
    ClientChanges {
        name: m.name.clone(),
        name_key: client.name_key(),
        redirect_uris: join(m.redirect_uris.iter().map(RedirectUri::as_str)),
        allowed_origins: join(m.allowed_origins.iter().map(Origin::as_str)),
        scopes: join(m.scopes.iter().map(ScopeName::as_str)),
        grant_types: join(m.grant_types.iter().map(|g| g.as_str())),
        id_token_alg: m.id_token_alg.as_str().to_owned(),
        skip_consent: m.skip_consent,
        disabled,
        updated_at: updated_at.unix_timestamp(),
        post_logout_redirect_uris: join(m.post_logout_redirect_uris.iter().map(RedirectUri::as_str)),
        may_introspect_any: m.may_introspect_any,
        require_pushed_requests: m.require_pushed_requests,
        dpop_bound: m.dpop_bound,
        jwks: m.keys.as_ref().and_then(ClientKeys::registered).map(str::to_owned),
        jwks_uri: m.keys.as_ref().and_then(ClientKeys::published).map(|uri| uri.as_str().to_owned()),
        resources: join(m.resources.iter().map(ResourceUri::as_str)),
    }
}

/// Metadata-document clients nobody approved, created before a time: the
/// rows unauthenticated callers can make, swept by the janitor. A disabled
/// one stays (the operator's block), and so does one a sign-in is waiting on.
struct PurgeUnapprovedDocuments;

impl FixedSql for PurgeUnapprovedDocuments {
    const SQL: &'static str = "DELETE FROM clients WHERE id IN (SELECT id FROM clients \
        WHERE origin = ? AND created_at < ? AND disabled = ? \
        AND NOT EXISTS (SELECT 1 FROM consents WHERE consents.client_id = clients.id) \
        AND NOT EXISTS (SELECT 1 FROM pending_authorizations p WHERE p.client_id = clients.id) \
        LIMIT ?)";
}

/// Inserts the client and its secrets, inside the caller's transaction.
pub(crate) fn insert_client(c: &mut AnyConnection, client: &Client) -> QueryResult<()> {
    diesel::insert_into(clients::table)
        .values((
            clients::id.eq(client.id.as_str().to_owned()),
            clients::client_type.eq(client.metadata.client_type.as_str().to_owned()),
            clients::auth_method.eq(client.metadata.auth_method.as_str().to_owned()),
            clients::origin.eq(client.origin.as_str().to_owned()),
            clients::created_at.eq(client.created_at.unix_timestamp()),
            metadata_changes(client),
        ))
        .execute(c)?;
    for secret in &client.secrets {
        diesel::insert_into(client_secrets::table).values(secret_values(&client.id, secret)).execute(c)?;
    }
    Ok(())
}

/// Writes `metadata` over the client's, stamped `now`, inside the caller's
/// transaction: the number of rows changed.
pub(crate) fn write_metadata(
    c: &mut AnyConnection,
    client: &Client,
    metadata: &ClientMetadata,
    now: OffsetDateTime,
) -> QueryResult<usize> {
    diesel::update(clients::table.find(client.id.as_str()))
        .set(changes(client, metadata, None, now))
        .execute(c)
}

#[async_trait::async_trait]
impl ClientRepository for DieselStore {
    async fn insert(&self, client: &Client) -> Result<(), RepoError> {
        let client = client.clone();
        self.run(move |c| c.transaction(|c| insert_client(c, &client)).map_err(repo_error)).await
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

    async fn replace_metadata(
        &self,
        id: &ClientId,
        metadata: &ClientMetadata,
        now: OffsetDateTime,
    ) -> Result<(), RepoError> {
        let (id, metadata) = (id.clone(), metadata.clone());
        self.run(move |c| {
            // The name key depends on the origin, which an update never
            // changes: read it from the row the update targets.
            let origin: String = clients::table
                .find(id.as_str().to_owned())
                .select(clients::origin)
                .get_result(c)
                .optional()
                .map_err(repo_error)?
                .ok_or(RepoError::NotFound)?;
            let keyed = Client {
                id: id.clone(),
                origin: origin.parse().map_err(|_| corrupt("clients.origin"))?,
                metadata: metadata.clone(),
                secrets: Vec::new(),
                disabled: false,
                created_at: now,
                updated_at: now,
            };
            diesel::update(clients::table.find(id.as_str().to_owned()))
                .set(changes(&keyed, &metadata, None, now))
                .execute(c)
                .map_err(repo_error)
                .and_then(expect_one)
        })
        .await
    }

    async fn purge_unapproved_documents(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        let (before, limit) = (before.unix_timestamp(), i64::from(limit));
        self.run(move |c| {
            // Secrets, pending requests and anything else naming the
            // client go with it (ON DELETE CASCADE); such clients hold no
            // secret, codes or families (those follow a consent).
            Fixed::<PurgeUnapprovedDocuments>::new(vec![
                Bind::Text(ClientOrigin::MetadataDocument.as_str().to_owned()),
                Bind::BigInt(before),
                Bind::Bool(false),
                Bind::BigInt(limit),
            ])
            .execute(c)
            .map(|gone| gone as u64)
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
