//! The in-memory store: for tests and for single-process services.
//!
//! All state sits behind one mutex, taken once per operation and never held across an
//! `.await`, so every operation is atomic exactly as on the other backends. Expired
//! records are kept (so a late presenter hears [`StoreError::Expired`] rather than
//! [`StoreError::NotFound`]) until [`MemoryStore::purge_expired`] drops them; a
//! service that keeps one store for its whole life calls it now and then.
//!
//! ```
//! use portcullis_store::{CounterStore, MemoryStore};
//! use portcullis_core::{Duration, OffsetDateTime};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let store = MemoryStore::new();
//! let now = OffsetDateTime::now_utc();
//! let count = store.increment("login-failures:ada", Duration::minutes(15), now).await?;
//! assert_eq!(count.count, 1);
//! # Ok::<(), portcullis_store::StoreError>(())
//! # }).unwrap();
//! ```

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use portcullis_core::{Duration, OffsetDateTime};
use portcullis_otp::{RecoveryCodeSet, Step};
use portcullis_session::{Session, Status, Termination};
use portcullis_token::SecretDigest;
use portcullis_token::api_key::Owner;

use crate::StoreError;
use crate::logic::UseRow;
use crate::model::{
    Credential, CredentialUpdate, Listing, PageRequest, RefreshFamily, Rotation, SingleUseRecord,
    StatusFilter, credential_matches, from_nanos, nanos, owner_matches,
};
use crate::traits::{
    Count, CounterStore, CredentialStore, DenyListStore, RecoveryCodeStore, RefreshFamilyStore,
    SessionStore, SingleUseStore, TotpStepStore,
};

/// The in-memory store. Cloning it shares the same state.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    /// Single-use records by kind, then key: a lookup by a borrowed key allocates
    /// nothing.
    single: HashMap<&'static str, HashMap<String, SingleEntry>>,
    steps: HashMap<String, (u64, i64)>,
    recovery: HashMap<String, RecoveryCodeSet>,
    counters: HashMap<String, (u64, i64)>,
    deny: HashMap<String, i64>,
    families: HashMap<String, RefreshFamily>,
    credentials: HashMap<(&'static str, String), String>,
    sessions: HashMap<String, SessionEntry>,
    session_tokens: HashMap<SecretDigest, String>,
}

#[derive(Debug)]
struct SingleEntry {
    /// The record as stored (its state fields are overwritten from `row` on read).
    record: Box<dyn std::any::Any + Send + Sync>,
    subject: String,
    purpose: String,
    scope: Option<String>,
    row: UseRow,
}

#[derive(Debug)]
struct SessionEntry {
    session: Session,
    token: SecretDigest,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No operation can panic while holding the lock, so a poisoned lock still
        // guards consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Drops every record whose expiry (or termination) is before `before`: single-use
    /// records, counters, deny-list entries, TOTP guards, refresh families and
    /// sessions. Returns how many were dropped.
    pub fn purge_expired(&self, before: OffsetDateTime) -> u64 {
        let cut = nanos(before);
        let mut state = self.lock();
        let mut dropped = 0usize;
        let mut count = |len_before: usize, len_after: usize| dropped += len_before - len_after;
        for records in state.single.values_mut() {
            let n = records.len();
            records.retain(|_, e| e.row.expires_at > cut);
            count(n, records.len());
        }
        let n = state.steps.len();
        state.steps.retain(|_, (_, keep)| *keep > cut);
        count(n, state.steps.len());
        let n = state.counters.len();
        state.counters.retain(|_, (_, resets)| *resets > cut);
        count(n, state.counters.len());
        let n = state.deny.len();
        state.deny.retain(|_, exp| *exp > cut);
        count(n, state.deny.len());
        let n = state.families.len();
        state.families.retain(|_, f| f.expires_at > before);
        count(n, state.families.len());
        let purged = purge_sessions(&mut state, before);
        u64::try_from(dropped)
            .unwrap_or(u64::MAX)
            .saturating_add(purged)
    }
}

fn purge_sessions(state: &mut State, before: OffsetDateTime) -> u64 {
    let gone: Vec<String> = state
        .sessions
        .iter()
        .filter(|(_, e)| {
            e.session.expires_at <= before
                || e.session
                    .termination
                    .is_some_and(|t| t.terminated_at <= before)
        })
        .map(|(id, _)| id.clone())
        .collect();
    for id in &gone {
        if let Some(entry) = state.sessions.remove(id) {
            state.session_tokens.remove(&entry.token);
        }
    }
    u64::try_from(gone.len()).unwrap_or(u64::MAX)
}

/// The stored record with the store's state written back.
fn typed<R: SingleUseRecord>(
    entry: &SingleEntry,
    attempt_in_progress: bool,
) -> Result<R, StoreError> {
    let mut record = entry
        .record
        .downcast_ref::<R>()
        .ok_or_else(|| StoreError::corrupt("another record type under this kind"))?
        .clone();
    record.apply_use_state(&crate::model::UseState {
        consumed_at: entry.row.consumed_at.map(from_nanos),
        revoked_at: entry.row.revoked_at.map(from_nanos),
        attempts: entry.row.attempts,
        attempt_in_progress,
    });
    Ok(record)
}

impl State {
    fn single_entry<R: SingleUseRecord>(
        &mut self,
        key: &str,
    ) -> Result<&mut SingleEntry, StoreError> {
        self.single
            .get_mut(R::KIND)
            .and_then(|records| records.get_mut(key))
            .ok_or(StoreError::NotFound)
    }
}

impl SingleUseStore for MemoryStore {
    async fn put<R: SingleUseRecord>(&self, record: &R) -> Result<(), StoreError> {
        let entry = SingleEntry {
            record: Box::new(record.clone()),
            subject: record.subject().to_owned(),
            purpose: record.purpose().to_owned(),
            scope: record.scope().map(str::to_owned),
            row: UseRow::of(record),
        };
        self.lock()
            .single
            .entry(R::KIND)
            .or_default()
            .insert(record.key(), entry);
        Ok(())
    }

    async fn peek<R: SingleUseRecord>(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<R, StoreError> {
        let mut state = self.lock();
        let entry = state.single_entry::<R>(key)?;
        if let Some(refusal) = entry.row.refusal(nanos(now), false) {
            return Err(refusal);
        }
        typed::<R>(entry, false)
    }

    async fn consume<R: SingleUseRecord>(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<R, StoreError> {
        let mut state = self.lock();
        let entry = state.single_entry::<R>(key)?;
        let now = nanos(now);
        if let Some(refusal) = entry.row.refusal(now, false) {
            return Err(refusal);
        }
        entry.row.consumed_at = Some(now);
        typed::<R>(entry, false)
    }

    async fn count_attempt<R: SingleUseRecord>(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<R, StoreError> {
        let mut state = self.lock();
        let entry = state.single_entry::<R>(key)?;
        if let Some(refusal) = entry.row.refusal(nanos(now), true) {
            return Err(refusal);
        }
        entry.row.attempts = entry.row.attempts.saturating_add(1);
        typed::<R>(entry, true)
    }

    async fn revoke<R: SingleUseRecord>(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<R, StoreError> {
        let mut state = self.lock();
        let entry = state.single_entry::<R>(key)?;
        entry.row.revoked_at.get_or_insert(nanos(now));
        typed::<R>(entry, false)
    }

    async fn revoke_for_subject<R: SingleUseRecord>(
        &self,
        subject: &str,
        purpose: &str,
        scope: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let now = nanos(now);
        let mut revoked = 0u64;
        let mut state = self.lock();
        let Some(records) = state.single.get_mut(R::KIND) else {
            return Ok(0);
        };
        for entry in records.values_mut() {
            if entry.subject == subject
                && entry.purpose == purpose
                && scope.is_none_or(|s| entry.scope.as_deref() == Some(s))
                && entry.row.refusal(now, false).is_none()
            {
                entry.row.revoked_at = Some(now);
                revoked += 1;
            }
        }
        Ok(revoked)
    }
}

impl TotpStepStore for MemoryStore {
    async fn advance_step(
        &self,
        factor_id: &str,
        step: Step,
        keep_until: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        let slot = state.steps.entry(factor_id.to_owned());
        match slot {
            std::collections::hash_map::Entry::Occupied(mut o) => {
                if o.get().0 >= step.get() {
                    return Ok(false);
                }
                *o.get_mut() = (step.get(), nanos(keep_until));
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert((step.get(), nanos(keep_until)));
            }
        }
        Ok(true)
    }

    async fn last_step(&self, factor_id: &str) -> Result<Option<Step>, StoreError> {
        Ok(self.lock().steps.get(factor_id).map(|(s, _)| Step(*s)))
    }
}

impl RecoveryCodeStore for MemoryStore {
    async fn replace_codes(&self, user_id: &str, set: &RecoveryCodeSet) -> Result<(), StoreError> {
        self.lock().recovery.insert(user_id.to_owned(), set.clone());
        Ok(())
    }

    async fn get_codes(&self, user_id: &str) -> Result<RecoveryCodeSet, StoreError> {
        self.lock()
            .recovery
            .get(user_id)
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    async fn consume_code(
        &self,
        user_id: &str,
        digest: &str,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut state = self.lock();
        let set = state
            .recovery
            .get_mut(user_id)
            .ok_or(StoreError::NotFound)?;
        let code = set
            .codes
            .iter_mut()
            .find(|c| c.digest == digest)
            .ok_or(StoreError::NotFound)?;
        if code.used_at.is_some() {
            return Err(StoreError::AlreadyUsed);
        }
        code.used_at = Some(now.unix_timestamp());
        Ok(u64::try_from(set.remaining()).unwrap_or(u64::MAX))
    }

    async fn remaining_codes(&self, user_id: &str) -> Result<u64, StoreError> {
        Ok(self
            .lock()
            .recovery
            .get(user_id)
            .map_or(0, |set| u64::try_from(set.remaining()).unwrap_or(u64::MAX)))
    }

    async fn delete_codes(&self, user_id: &str) -> Result<bool, StoreError> {
        Ok(self.lock().recovery.remove(user_id).is_some())
    }
}

impl CounterStore for MemoryStore {
    async fn increment(
        &self,
        key: &str,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<Count, StoreError> {
        let now = nanos(now);
        let mut state = self.lock();
        let slot = state
            .counters
            .entry(key.to_owned())
            .or_insert((0, i64::MIN));
        if slot.1 <= now {
            *slot = (0, nanos(from_nanos(now) + window));
        }
        slot.0 = slot.0.saturating_add(1);
        Ok(Count {
            count: slot.0,
            resets_at: from_nanos(slot.1),
        })
    }

    async fn count(&self, key: &str, now: OffsetDateTime) -> Result<u64, StoreError> {
        let now = nanos(now);
        Ok(self
            .lock()
            .counters
            .get(key)
            .filter(|(_, resets)| *resets > now)
            .map_or(0, |(count, _)| *count))
    }

    async fn reset(&self, key: &str) -> Result<(), StoreError> {
        self.lock().counters.remove(key);
        Ok(())
    }
}

impl DenyListStore for MemoryStore {
    async fn deny(&self, jti: &str, expires_at: OffsetDateTime) -> Result<(), StoreError> {
        let exp = nanos(expires_at);
        let mut state = self.lock();
        let slot = state.deny.entry(jti.to_owned()).or_insert(exp);
        *slot = (*slot).max(exp);
        Ok(())
    }

    async fn is_denied(&self, jti: &str, now: OffsetDateTime) -> Result<bool, StoreError> {
        let now = nanos(now);
        Ok(self.lock().deny.get(jti).is_some_and(|exp| *exp > now))
    }
}

/// The rotation decision on a family that is neither revoked nor expired; changes
/// `family` as the backends' single statement does.
pub(crate) fn rotate_in_place(
    family: &mut RefreshFamily,
    presented: &[SecretDigest],
    successor: &SecretDigest,
    now: OffsetDateTime,
    grace: Duration,
) -> Rotation {
    if presented.contains(&family.current) {
        family.previous = Some(family.current.clone());
        family.current = successor.clone();
        family.rotated_at = Some(now);
        Rotation::Rotated(family.clone())
    } else if family
        .previous
        .as_ref()
        .is_some_and(|p| presented.contains(p))
        && family.rotated_at.is_some_and(|at| at >= now - grace)
    {
        Rotation::Grace(family.clone())
    } else {
        family.revoked_at = Some(now);
        Rotation::Reused
    }
}

impl RefreshFamilyStore for MemoryStore {
    async fn create_family(&self, family: &RefreshFamily) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.families.contains_key(&family.family_id) {
            return Err(StoreError::Conflict);
        }
        state
            .families
            .insert(family.family_id.clone(), family.clone());
        Ok(())
    }

    async fn get_family(&self, family_id: &str) -> Result<RefreshFamily, StoreError> {
        self.lock()
            .families
            .get(family_id)
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    async fn rotate(
        &self,
        family_id: &str,
        presented: &[SecretDigest],
        successor: &SecretDigest,
        now: OffsetDateTime,
        grace: Duration,
    ) -> Result<Rotation, StoreError> {
        let mut state = self.lock();
        let Some(family) = state.families.get_mut(family_id) else {
            return Ok(Rotation::NotFound);
        };
        if family.revoked_at.is_some() {
            return Ok(Rotation::Revoked);
        }
        if now >= family.expires_at {
            return Ok(Rotation::Expired);
        }
        Ok(rotate_in_place(family, presented, successor, now, grace))
    }

    async fn revoke_family(
        &self,
        family_id: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        let family = state
            .families
            .get_mut(family_id)
            .ok_or(StoreError::NotFound)?;
        if family.revoked_at.is_some() {
            return Ok(false);
        }
        family.revoked_at = Some(now);
        Ok(true)
    }

    async fn revoke_families(&self, subject: &str, now: OffsetDateTime) -> Result<u64, StoreError> {
        let mut revoked = 0;
        for family in self.lock().families.values_mut() {
            if family.subject == subject && family.revoked_at.is_none() {
                family.revoked_at = Some(now);
                revoked += 1;
            }
        }
        Ok(revoked)
    }
}

fn decode<R: Credential>(payload: &str) -> Result<R, StoreError> {
    Ok(serde_json::from_str(payload)?)
}

impl CredentialStore for MemoryStore {
    async fn create_credential<R: Credential>(&self, record: &R) -> Result<(), StoreError> {
        let payload = serde_json::to_string(record)?;
        let mut state = self.lock();
        let key = (R::KIND, record.id().to_owned());
        if state.credentials.contains_key(&key) {
            return Err(StoreError::Conflict);
        }
        state.credentials.insert(key, payload);
        Ok(())
    }

    async fn get_credential<R: Credential>(&self, id: &str) -> Result<R, StoreError> {
        let state = self.lock();
        let payload = state
            .credentials
            .get(&(R::KIND, id.to_owned()))
            .ok_or(StoreError::NotFound)?;
        decode(payload)
    }

    async fn list_credentials<R: Credential>(
        &self,
        owner: &Owner,
        filter: StatusFilter,
        now: OffsetDateTime,
        page: PageRequest,
    ) -> Result<Listing<R>, StoreError> {
        crate::model::check_owner_filter(owner)?;
        let (skip, take) = page.window()?;
        let records: Vec<R> = {
            let state = self.lock();
            state
                .credentials
                .iter()
                .filter(|((kind, _), _)| *kind == R::KIND)
                .map(|(_, payload)| decode::<R>(payload))
                .collect::<Result<_, _>>()?
        };
        // Newest first, then by id, as the SQL backends order.
        let mut sorted: BTreeMap<(std::cmp::Reverse<i64>, String), R> = BTreeMap::new();
        for record in records {
            if owner_matches(record.owner(), owner)
                && credential_matches(record.status(now), filter)
            {
                sorted.insert(
                    (
                        std::cmp::Reverse(nanos(record.created_at())),
                        record.id().to_owned(),
                    ),
                    record,
                );
            }
        }
        let total = page
            .with_total
            .then(|| u64::try_from(sorted.len()).unwrap_or(u64::MAX));
        let items = sorted
            .into_values()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(take).unwrap_or(usize::MAX))
            .collect();
        Ok(Listing { items, total })
    }

    async fn update_credential<R: Credential>(
        &self,
        id: &str,
        update: &CredentialUpdate,
    ) -> Result<R, StoreError> {
        let mut state = self.lock();
        let payload = state
            .credentials
            .get_mut(&(R::KIND, id.to_owned()))
            .ok_or(StoreError::NotFound)?;
        let mut record: R = decode(payload)?;
        if let Some(name) = &update.name {
            record.set_name(name.clone());
        }
        if let Some(metadata) = &update.metadata {
            record.set_metadata(metadata.clone());
        }
        *payload = serde_json::to_string(&record)?;
        Ok(record)
    }

    async fn replace_credential<R: Credential>(
        &self,
        id: &str,
        expected: &str,
        record: &R,
    ) -> Result<R, StoreError> {
        let mut state = self.lock();
        let payload = state
            .credentials
            .get_mut(&(R::KIND, id.to_owned()))
            .ok_or(StoreError::NotFound)?;
        let stored: R = decode(payload)?;
        if stored.revoked_at().is_some() {
            return Err(StoreError::Revoked);
        }
        if stored.fingerprint() != expected || record.id() != id {
            return Err(StoreError::Conflict);
        }
        let mut new: R = decode(&serde_json::to_string(record)?)?;
        new.set_name(stored.name().map(str::to_owned));
        new.set_metadata(stored.metadata().clone());
        new.set_revoked_at(None);
        *payload = serde_json::to_string(&new)?;
        Ok(new)
    }

    async fn revoke_credential<R: Credential>(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<R, StoreError> {
        let mut state = self.lock();
        let payload = state
            .credentials
            .get_mut(&(R::KIND, id.to_owned()))
            .ok_or(StoreError::NotFound)?;
        let mut record: R = decode(payload)?;
        if record.revoked_at().is_none() {
            record.set_revoked_at(Some(now));
            *payload = serde_json::to_string(&record)?;
        }
        Ok(record)
    }
}

impl SessionStore for MemoryStore {
    async fn create_session(
        &self,
        session: &Session,
        token_digest: &SecretDigest,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.sessions.contains_key(&session.session_id)
            || state.session_tokens.contains_key(token_digest)
        {
            return Err(StoreError::Conflict);
        }
        state
            .session_tokens
            .insert(token_digest.clone(), session.session_id.clone());
        state.sessions.insert(
            session.session_id.clone(),
            SessionEntry {
                session: session.clone(),
                token: token_digest.clone(),
            },
        );
        Ok(())
    }

    async fn get_session(&self, session_id: &str) -> Result<Session, StoreError> {
        self.lock()
            .sessions
            .get(session_id)
            .map(|e| e.session.clone())
            .ok_or(StoreError::NotFound)
    }

    async fn get_session_by_token(
        &self,
        token_digest: &SecretDigest,
    ) -> Result<Session, StoreError> {
        let state = self.lock();
        state
            .session_tokens
            .get(token_digest)
            .and_then(|id| state.sessions.get(id))
            .map(|e| e.session.clone())
            .ok_or(StoreError::NotFound)
    }

    async fn touch_session(
        &self,
        session_id: &str,
        last_accessed_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<Session, StoreError> {
        let mut state = self.lock();
        let entry = state
            .sessions
            .get_mut(session_id)
            .ok_or(StoreError::NotFound)?;
        if entry.session.termination.is_some() {
            return Err(StoreError::Revoked);
        }
        entry.session.last_accessed_at = last_accessed_at;
        entry.session.expires_at = expires_at;
        Ok(entry.session.clone())
    }

    async fn update_session(
        &self,
        session: &Session,
        new_token_digest: Option<&SecretDigest>,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        let state = &mut *state;
        let entry = state
            .sessions
            .get_mut(&session.session_id)
            .ok_or(StoreError::NotFound)?;
        if entry.session.termination.is_some() {
            return Err(StoreError::Revoked);
        }
        if let Some(digest) = new_token_digest
            && *digest != entry.token
        {
            if state.session_tokens.contains_key(digest) {
                return Err(StoreError::Conflict);
            }
            state.session_tokens.remove(&entry.token);
            state
                .session_tokens
                .insert(digest.clone(), session.session_id.clone());
            entry.token = digest.clone();
        }
        entry.session = session.clone();
        Ok(())
    }

    async fn revoke_session(
        &self,
        session_id: &str,
        termination: Termination,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        let entry = state
            .sessions
            .get_mut(session_id)
            .ok_or(StoreError::NotFound)?;
        if entry.session.termination.is_some() {
            return Ok(false);
        }
        entry.session.termination = Some(termination);
        Ok(true)
    }

    async fn revoke_sessions(
        &self,
        user_id: &str,
        except: Option<&str>,
        termination: Termination,
    ) -> Result<u64, StoreError> {
        let mut ended = 0;
        for entry in self.lock().sessions.values_mut() {
            let s = &mut entry.session;
            if s.user_id == user_id
                && Some(s.session_id.as_str()) != except
                && s.termination.is_none()
            {
                s.termination = Some(termination);
                ended += 1;
            }
        }
        Ok(ended)
    }

    async fn list_sessions(
        &self,
        user_id: &str,
        status: Option<Status>,
        now: OffsetDateTime,
        page: PageRequest,
    ) -> Result<Listing<Session>, StoreError> {
        let (skip, take) = page.window()?;
        let mut matching: Vec<Session> = self
            .lock()
            .sessions
            .values()
            .filter(|e| e.session.user_id == user_id)
            .filter(|e| status.is_none_or(|s| e.session.status(now) == s))
            .map(|e| e.session.clone())
            .collect();
        matching.sort_by(|a, b| {
            (std::cmp::Reverse(a.started_at), &a.session_id)
                .cmp(&(std::cmp::Reverse(b.started_at), &b.session_id))
        });
        let total = page
            .with_total
            .then(|| u64::try_from(matching.len()).unwrap_or(u64::MAX));
        let items = matching
            .into_iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(take).unwrap_or(usize::MAX))
            .collect();
        Ok(Listing { items, total })
    }

    async fn purge_sessions(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        Ok(purge_sessions(&mut self.lock(), before))
    }
}
