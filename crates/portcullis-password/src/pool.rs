//! Hashing off the async executor, with a bound on how many run at once.
//!
//! A password hash is deliberately slow (tens of milliseconds) and memory-hungry
//! (19 MiB for the default argon2id). Run on an async worker it stalls every other
//! request on that thread; run without a bound, a burst of logins multiplies the memory
//! until the process is killed. [`AsyncHasher`] runs each hash on tokio's blocking pool
//! behind a semaphore (default: one permit per core).
//!
//! The permit moves into the blocking task. Dropping the future that awaits a hash (a
//! client disconnecting) does not stop the hash, which keeps running on its thread; the
//! permit is released only when the work has really finished, so cancelled requests
//! cannot push the number of running hashes over the bound.

use std::sync::Arc;

use portcullis_core::SecretString;
use tokio::sync::Semaphore;

use crate::{Error, Hasher, StoredHash, Verified};

/// A [`Hasher`] for async code.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use portcullis_core::SecretString;
/// use portcullis_password::{AsyncHasher, Hasher, HasherConfig};
///
/// let hasher = AsyncHasher::new(Hasher::new(HasherConfig::default()).unwrap());
/// let stored = hasher.hash(SecretString::from("pw")).await.unwrap();
/// assert!(hasher.verify(SecretString::from("pw"), stored).await.unwrap().is_valid());
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct AsyncHasher {
    hasher: Arc<Hasher>,
    permits: Arc<Semaphore>,
}

impl AsyncHasher {
    /// At most one hash per available core at a time.
    #[must_use]
    pub fn new(hasher: Hasher) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self::with_concurrency(hasher, cores)
    }

    /// At most `limit` hashes at a time (at least 1).
    #[must_use]
    pub fn with_concurrency(hasher: Hasher, limit: usize) -> Self {
        Self {
            hasher: Arc::new(hasher),
            permits: Arc::new(Semaphore::new(limit.clamp(1, Semaphore::MAX_PERMITS))),
        }
    }

    /// The synchronous hasher underneath.
    #[must_use]
    pub fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    /// Permits free right now (for metrics: zero means requests are queueing).
    #[must_use]
    pub fn available_permits(&self) -> usize {
        self.permits.available_permits()
    }

    /// [`Hasher::hash`] on the blocking pool.
    ///
    /// # Errors
    /// As [`Hasher::hash`], or [`Error::TaskFailed`] if the runtime is shutting down.
    pub async fn hash(&self, password: SecretString) -> Result<String, Error> {
        self.run(move |h| h.hash(password.expose_secret())).await?
    }

    /// [`Hasher::verify`] on the blocking pool.
    ///
    /// # Errors
    /// As [`Hasher::verify`], or [`Error::TaskFailed`].
    pub async fn verify(&self, password: SecretString, stored: String) -> Result<Verified, Error> {
        self.run(move |h| h.verify(password.expose_secret(), &stored))
            .await?
    }

    /// [`Hasher::verify_hash`] on the blocking pool.
    ///
    /// # Errors
    /// As [`Hasher::verify`], or [`Error::TaskFailed`].
    pub async fn verify_hash(
        &self,
        password: SecretString,
        stored: StoredHash,
    ) -> Result<Verified, Error> {
        self.run(move |h| h.verify_hash(password.expose_secret(), &stored))
            .await?
    }

    /// [`Hasher::verify_unknown_user`] on the blocking pool, under the same bound, so it
    /// queues and costs exactly like a real verification.
    pub async fn verify_unknown_user(&self, password: SecretString) -> Verified {
        // Whatever happens, the answer for an unknown user is "invalid".
        let _ = self
            .run(move |h| h.verify_unknown_user(password.expose_secret()))
            .await;
        Verified::Invalid
    }

    /// Runs `work` with the hasher on the blocking pool, under the same concurrency
    /// bound as hashing: for work that hashes, such as a password-history check.
    ///
    /// # Errors
    /// [`Error::TaskFailed`] if the runtime is shutting down.
    pub async fn with_hasher<T, F>(&self, work: F) -> Result<T, Error>
    where
        F: FnOnce(&Hasher) -> T + Send + 'static,
        T: Send + 'static,
    {
        self.run(work).await
    }

    async fn run<T, F>(&self, work: F) -> Result<T, Error>
    where
        F: FnOnce(&Hasher) -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| Error::TaskFailed)?;
        let hasher = Arc::clone(&self.hasher);
        tokio::task::spawn_blocking(move || {
            // Held until the work is done, even if the caller stopped waiting.
            let _permit = permit;
            work(&hasher)
        })
        .await
        .map_err(|_| Error::TaskFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Argon2Params, HasherConfig, Target};
    use std::time::Duration;

    fn slow_hasher() -> Hasher {
        // About a second of work on one core, so the test can act while it runs.
        Hasher::new(HasherConfig {
            target: Target::Argon2id(Argon2Params {
                m_cost: 64 * 1024,
                t_cost: 16,
                p_cost: 1,
            }),
            ..HasherConfig::default()
        })
        .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cancelled_requests_keep_their_permit_until_the_work_ends() {
        let pool = AsyncHasher::with_concurrency(slow_hasher(), 1);
        let task = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.hash(SecretString::from("pw")).await })
        };
        while pool.available_permits() == 1 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
        // The hash is still running on its blocking thread, so its permit is still taken.
        assert_eq!(pool.available_permits(), 0);
        // Once it finishes, the permit returns.
        while pool.available_permits() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(pool.available_permits(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hashes_and_verifies_off_the_executor() {
        let fast = Hasher::new(HasherConfig {
            target: Target::Argon2id(Argon2Params {
                m_cost: 1024,
                t_cost: 1,
                p_cost: 1,
            }),
            ..HasherConfig::default()
        })
        .unwrap();
        let pool = AsyncHasher::with_concurrency(fast, 2);
        let stored = pool.hash(SecretString::from("pw")).await.unwrap();
        let results = futures_join(&pool, &stored).await;
        assert_eq!(results, vec![true, false, true, false]);
        assert_eq!(
            pool.verify_unknown_user(SecretString::from("pw")).await,
            Verified::Invalid
        );
        assert_eq!(pool.available_permits(), 2);
    }

    async fn futures_join(pool: &AsyncHasher, stored: &str) -> Vec<bool> {
        let mut handles = Vec::new();
        for pw in ["pw", "nope", "pw", "nope"] {
            let pool = pool.clone();
            let stored = stored.to_owned();
            handles.push(tokio::spawn(async move {
                pool.verify(SecretString::from(pw), stored)
                    .await
                    .unwrap()
                    .is_valid()
            }));
        }
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    }
}
