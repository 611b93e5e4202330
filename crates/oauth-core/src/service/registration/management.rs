//! The client configuration endpoint (RFC 7592 §2): read, update and
//! delete, each with the registration access token.
//!
//! Every successful read or update answers with a new token (RFC 7592 §3
//! makes `registration_access_token` a required member of the answer, and
//! only its digest is kept, so the current one cannot be repeated); the old
//! one fails from that moment, and of concurrent calls with one token at
//! most one succeeds (docs/SECURITY.md § Dynamic registration).

use super::{Registered, RegistrationFailure, RegistrationService};
use crate::client::{Client, ClientId, RegistrationRequest, UpdateClaims, metadata_fault};
use crate::client_registration::{
    ClientRegistration, RegistrationAccessDigest, RegistrationAccessToken, RegistrationRevision,
};
use crate::security_event::EventKind;
use crate::service::quota::charge;

impl RegistrationService {
    /// The registration of client `id`, with a new access token.
    pub async fn read(&self, id: &str, presented: &str) -> Result<Registered, RegistrationFailure> {
        let (client, registration) = self.authorized(id, presented).await?;
        self.rotated(client, registration, presented, None).await
    }

    /// Replaces the registration of client `id` with `request`, checked
    /// whole against the template as a new registration would be (RFC 7592
    /// §2.2: omitted members are cleared, and nothing widens), with a new
    /// access token. Each client's updates are charged to a quota of
    /// `per_address` a window, as registrations are per address: each is a
    /// stored security event, and anyone may hold a registration in `open`
    /// mode. Per client, so clients behind one address do not share it.
    pub async fn update(
        &self,
        id: &str,
        presented: &str,
        request: &RegistrationRequest,
        claims: &UpdateClaims,
        address: &str,
    ) -> Result<Registered, RegistrationFailure> {
        let (client, registration) = self.authorized(id, presented).await?;
        if let Some(member) = claims.server_owned_member() {
            return Err(metadata_fault(member, "is set by the server and must not be sent").into());
        }
        if claims.client_id.as_deref() != Some(client.id.as_str()) {
            return Err(metadata_fault("client_id", "must be this client's id").into());
        }
        let now = self.ports.clock.now();
        if let Some(secret) = &claims.client_secret
            && !client.secret_matches(secret, now)
        {
            return Err(metadata_fault("client_secret", "if sent, must be the current secret").into());
        }
        let (metadata, application_type) = self.held_to_template(request).await?;
        if metadata.auth_method != client.metadata.auth_method {
            return Err(metadata_fault(
                "token_endpoint_auth_method",
                "cannot change; delete the registration and register again",
            )
            .into());
        }
        let attempts = self.ports.attempts.as_ref();
        if let Some(retry_after_secs) =
            charge(attempts, self.policy.per_address, "registration-update", client.id.as_str(), now).await?
        {
            tracing::warn!(event = "registration_throttled", "registration update refused: over a quota");
            return Err(RegistrationFailure::Throttled { retry_after_secs });
        }
        let revision = RegistrationRevision { metadata, application_type };
        let updated = self.rotated(client, registration, presented, Some(&revision)).await?;
        tracing::info!(event = "client_registration_updated", client_id = %updated.client.id, "client updated its registration");
        self.record(EventKind::ClientUpdated, &updated.client.id, address.parse().ok());
        Ok(updated)
    }

    /// Whether `presented` is the current access token of client `id`,
    /// changing nothing: for an answer that must not tell a caller without
    /// it anything else.
    pub async fn check_access(&self, id: &str, presented: &str) -> Result<(), RegistrationFailure> {
        self.authorized(id, presented).await.map(drop)
    }

    /// Deletes client `id` and with it its secrets, consents, codes and
    /// refresh families (RFC 7592 §2.3); its access tokens die with it at
    /// every endpoint that checks them.
    pub async fn delete(&self, id: &str, presented: &str, address: &str) -> Result<(), RegistrationFailure> {
        let (client, _) = self.authorized(id, presented).await?;
        if !self.ports.registrations.remove(&client.id, &RegistrationAccessDigest::of(presented)).await? {
            return Err(RegistrationFailure::InvalidToken);
        }
        // Drops any cached copy in this process.
        self.ports.clients.find_fresh(&client.id).await?;
        tracing::info!(event = "client_registration_deleted", client_id = %client.id, "client deleted its registration");
        self.record(EventKind::ClientDeleted, &client.id, address.parse().ok());
        Ok(())
    }

    /// The client and registration `presented` is the current access token
    /// of; `InvalidToken` for an unknown or malformed id, a disabled client
    /// or another token, alike.
    async fn authorized(
        &self,
        id: &str,
        presented: &str,
    ) -> Result<(Client, ClientRegistration), RegistrationFailure> {
        let refused = || {
            tracing::warn!(event = "registration_access_refused", "registration access token refused");
            RegistrationFailure::InvalidToken
        };
        let Ok(id) = ClientId::parse(id) else { return Err(refused()) };
        if id.is_url() {
            return Err(refused());
        }
        let Some(registration) = self.ports.registrations.find(&id).await? else { return Err(refused()) };
        if !registration.access_token.verify(presented) {
            return Err(refused());
        }
        match self.ports.clients.find_fresh(&id).await? {
            Some(client) if !client.disabled => Ok((client, registration)),
            _ => Err(refused()),
        }
    }

    /// Replaces the token `presented` with a new one (and applies
    /// `revision`); the registration as it now stands.
    async fn rotated(
        &self,
        client: Client,
        registration: ClientRegistration,
        presented: &str,
        revision: Option<&RegistrationRevision>,
    ) -> Result<Registered, RegistrationFailure> {
        let now = self.ports.clock.now();
        let next = RegistrationAccessToken::generate(self.ports.random.as_ref())?;
        let rotated = self
            .ports
            .registrations
            .rotate(&client.id, &RegistrationAccessDigest::of(presented), &next.digest(), revision, now)
            .await?;
        if !rotated {
            // Another call with the same token rotated it first.
            return Err(RegistrationFailure::InvalidToken);
        }
        let client = match revision {
            // Read again, which refreshes this process's cached copy.
            Some(_) => {
                self.ports.clients.find_fresh(&client.id).await?.ok_or(RegistrationFailure::InvalidToken)?
            }
            None => client,
        };
        let registration = ClientRegistration {
            access_token: next.digest(),
            application_type: revision.map_or(registration.application_type, |r| r.application_type),
            ..registration
        };
        Ok(Registered { client, registration, secret: None, access_token: next })
    }
}
