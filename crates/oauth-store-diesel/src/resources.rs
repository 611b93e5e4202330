//! `ResourceRepository` on Diesel: the `resources` table. Written with
//! Diesel's DSL: the registry is read by administrators, not on every
//! request.

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::ports::ResourceRepository;
use oauth_core::resource::{Resource, ResourceUri};
use oauth_core::scope::ScopeName;
use oauth_core::token::SigningAlg;
use time::Duration;

use crate::connection::AnyConnection;
use crate::convert::{corrupt, expect_one, from_epoch, join, split};
use crate::error::repo_error;
use crate::schema::{resource_consents, resources};
use crate::store::DieselStore;

/// A `resources` row, as inserted and as read back.
#[derive(Insertable, Queryable)]
#[diesel(table_name = resources)]
struct ResourceRow {
    uri: String,
    name: String,
    scopes: String,
    allow_dynamic_clients: bool,
    access_token_ttl_seconds: Option<i64>,
    access_token_alg: Option<String>,
    created_at: i64,
    updated_at: i64,
}

/// The columns of a [`ResourceRow`], in its order.
macro_rules! resource_columns {
    () => {
        (
            resources::uri,
            resources::name,
            resources::scopes,
            resources::allow_dynamic_clients,
            resources::access_token_ttl_seconds,
            resources::access_token_alg,
            resources::created_at,
            resources::updated_at,
        )
    };
}

impl ResourceRow {
    fn from_resource(resource: &Resource) -> Self {
        Self {
            uri: resource.uri.as_str().to_owned(),
            name: resource.name.clone(),
            scopes: join(resource.scopes.iter().map(ScopeName::as_str)),
            allow_dynamic_clients: resource.allow_dynamic_clients,
            access_token_ttl_seconds: resource.access_token_ttl.map(Duration::whole_seconds),
            access_token_alg: resource.access_token_alg.map(|alg| alg.as_str().to_owned()),
            created_at: resource.created_at.unix_timestamp(),
            updated_at: resource.updated_at.unix_timestamp(),
        }
    }

    fn into_resource(self) -> Result<Resource, RepoError> {
        let time = |seconds: i64, column: &str| from_epoch(seconds).ok_or_else(|| corrupt(column));
        Ok(Resource {
            uri: ResourceUri::parse(&self.uri).map_err(|_| corrupt("resources.uri"))?,
            name: self.name,
            scopes: split(&self.scopes)
                .map(|s| ScopeName::parse(s).map_err(|_| corrupt("resources.scopes")))
                .collect::<Result<_, _>>()?,
            allow_dynamic_clients: self.allow_dynamic_clients,
            access_token_ttl: self.access_token_ttl_seconds.map(Duration::seconds),
            access_token_alg: self
                .access_token_alg
                .map(|text| text.parse::<SigningAlg>().map_err(|_| corrupt("resources.access_token_alg")))
                .transpose()?,
            created_at: time(self.created_at, "resources.created_at")?,
            updated_at: time(self.updated_at, "resources.updated_at")?,
        })
    }
}

fn find(c: &mut AnyConnection, uri: &str) -> Result<Option<Resource>, RepoError> {
    resources::table
        .find(uri)
        .select(resource_columns!())
        .get_result::<ResourceRow>(c)
        .optional()
        .map_err(repo_error)?
        .map(ResourceRow::into_resource)
        .transpose()
}

#[async_trait::async_trait]
impl ResourceRepository for DieselStore {
    async fn insert(&self, resource: &Resource) -> Result<(), RepoError> {
        let row = ResourceRow::from_resource(resource);
        self.run(move |c| {
            diesel::insert_into(resources::table).values(row).execute(c).map(drop).map_err(repo_error)
        })
        .await
    }

    async fn find(&self, uri: &ResourceUri) -> Result<Option<Resource>, RepoError> {
        let uri = uri.as_str().to_owned();
        self.run(move |c| find(c, &uri)).await
    }

    async fn list(&self) -> Result<Vec<Resource>, RepoError> {
        let mut all = self
            .run(|c| {
                resources::table
                    .select(resource_columns!())
                    .load::<ResourceRow>(c)
                    .map_err(repo_error)?
                    .into_iter()
                    .map(ResourceRow::into_resource)
                    .collect::<Result<Vec<_>, _>>()
            })
            .await?;
        // By the URI's bytes, as the port promises: PostgreSQL's `ORDER BY`
        // would follow the database's collation.
        all.sort_by(|a, b| a.uri.cmp(&b.uri));
        Ok(all)
    }

    async fn update(&self, resource: &Resource) -> Result<(), RepoError> {
        let row = ResourceRow::from_resource(resource);
        self.run(move |c| {
            let changed = diesel::update(resources::table.find(row.uri.clone()))
                .set((
                    resources::name.eq(row.name),
                    resources::scopes.eq(row.scopes),
                    resources::allow_dynamic_clients.eq(row.allow_dynamic_clients),
                    resources::access_token_ttl_seconds.eq(row.access_token_ttl_seconds),
                    resources::access_token_alg.eq(row.access_token_alg),
                    resources::updated_at.eq(row.updated_at),
                ))
                .execute(c)
                .map_err(repo_error)?;
            expect_one(changed)
        })
        .await
    }

    async fn delete(&self, uri: &ResourceUri) -> Result<(), RepoError> {
        let uri = uri.as_str().to_owned();
        self.run(move |c| {
            let deleted = c
                .transaction(|c| {
                    diesel::delete(
                        resource_consents::table.filter(resource_consents::resource_uri.eq(uri.clone())),
                    )
                    .execute(c)?;
                    diesel::delete(resources::table.find(uri)).execute(c)
                })
                .map_err(repo_error)?;
            expect_one(deleted)
        })
        .await
    }
}
