//! `RefreshTokenRepository` in memory: refresh families and their tokens,
//! which share the one lock so that rotation sees a family's revocation.

use time::OffsetDateTime;

use super::InMemoryStore;
use super::tables::purge;
use crate::code::CodeDigest;
use crate::error::RepoError;
use crate::ports::RefreshTokenRepository;
use crate::refresh::{RefreshDigest, RefreshFamily, RefreshFamilyId, RefreshTokenRecord, Rotation};

#[async_trait::async_trait]
impl RefreshTokenRepository for InMemoryStore {
    async fn start_family(
        &self,
        family: &RefreshFamily,
        first: &RefreshTokenRecord,
    ) -> Result<(), RepoError> {
        // Keys are unique, as in a database: a taken one stores nothing.
        self.with(|t| {
            if t.families.contains_key(&family.id) || t.refresh_tokens.contains_key(&first.digest) {
                return Err(RepoError::Conflict("refresh family or token already stored".into()));
            }
            t.families.insert(family.id, family.clone());
            t.refresh_tokens.insert(first.digest.clone(), first.clone());
            Ok(())
        })
    }

    async fn find(
        &self,
        digest: &RefreshDigest,
    ) -> Result<Option<(RefreshTokenRecord, RefreshFamily)>, RepoError> {
        Ok(self.with(|t| {
            let record = t.refresh_tokens.get(digest)?;
            let family = t.families.get(&record.family_id)?;
            Some((record.clone(), family.clone()))
        }))
    }

    async fn find_family(&self, id: RefreshFamilyId) -> Result<Option<RefreshFamily>, RepoError> {
        Ok(self.with(|t| t.families.get(&id).cloned()))
    }

    async fn rotate(
        &self,
        old: &RefreshDigest,
        successor: &RefreshTokenRecord,
        now: OffsetDateTime,
    ) -> Result<Rotation, RepoError> {
        // The family check, the mark and the successor's insert share the
        // lock: of concurrent calls exactly one rotates, and none rotates a
        // token of a family revoked meanwhile, nor into another family
        // (ports/refresh_tokens.rs).
        Ok(self.with(|t| {
            let Some(record) = t.refresh_tokens.get_mut(old) else { return Rotation::Unknown };
            let revoked = t.families.get(&record.family_id).is_none_or(|f| f.revoked_at.is_some());
            if record.rotated_at.is_some() || revoked || successor.family_id != record.family_id {
                return Rotation::Reused(record.family_id);
            }
            record.rotated_at = Some(now);
            t.refresh_tokens.insert(successor.digest.clone(), successor.clone());
            Rotation::Rotated
        }))
    }

    async fn bind_sender_key(
        &self,
        family: RefreshFamilyId,
        key: &crate::dpop::JwkThumbprint,
    ) -> Result<bool, RepoError> {
        Ok(self.with(|t| {
            t.families
                .get_mut(&family)
                .is_some_and(|family| family.sender_key.get_or_insert_with(|| key.clone()) == key)
        }))
    }

    async fn revoke_family(&self, family: RefreshFamilyId, now: OffsetDateTime) -> Result<bool, RepoError> {
        Ok(self.with(|t| match t.families.get_mut(&family) {
            Some(family) if family.revoked_at.is_none() => {
                family.revoked_at = Some(now);
                true
            }
            _ => false,
        }))
    }

    async fn revoke_for_code(&self, code: &CodeDigest, now: OffsetDateTime) -> Result<u64, RepoError> {
        Ok(self.with(|t| {
            let mut revoked = 0;
            for family in t.families.values_mut() {
                if family.code_digest.as_ref() == Some(code) && family.revoked_at.is_none() {
                    family.revoked_at = Some(now);
                    revoked += 1;
                }
            }
            revoked
        }))
    }

    async fn purge_expired(&self, now: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        Ok(self.with(|t| {
            let dead = purge(&mut t.families, limit, |f| f.expires_at <= now);
            t.refresh_tokens.retain(|_, token| !dead.contains(&token.family_id));
            dead.len() as u64
        }))
    }
}
