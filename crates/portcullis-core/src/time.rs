//! Time: one representation, one clock abstraction.
//!
//! Every portcullis crate uses [`OffsetDateTime`] (from `time` 0.3, always in UTC) for
//! instants and [`Duration`] for spans. Primitives take `now` as an argument; services
//! that want it filled in use a [`Clock`]: [`SystemClock`] in production,
//! [`ManualClock`] in tests, where time must stand still or jump on command.
//!
//! Stored records and tokens (JWT `exp`, TOTP steps) count whole seconds since the Unix
//! epoch; [`unix_seconds`] and [`from_unix_seconds`] convert, and the latter refuses
//! values outside the years -9999 to 9999 with a typed error instead of panicking.

use std::sync::{Arc, Mutex, PoisonError};

use ::time::{Duration, OffsetDateTime};

use crate::error::TimeRangeError;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current instant, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// The operating system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to. Clones share the same time, so a test can
/// keep one handle and give another to the code under test.
///
/// ```
/// use portcullis_core::{time::from_unix_seconds, Clock, Duration, ManualClock};
///
/// let clock = ManualClock::new(from_unix_seconds(1_700_000_000).unwrap());
/// let handle = clock.clone();
/// handle.advance(Duration::minutes(5));
/// assert_eq!(clock.now().unix_timestamp(), 1_700_000_300);
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<OffsetDateTime>>);

impl ManualClock {
    /// A clock standing at `at`.
    #[must_use]
    pub fn new(at: OffsetDateTime) -> Self {
        Self(Arc::new(Mutex::new(at)))
    }

    /// Moves the clock to `at` (backwards too, to test clock skew).
    pub fn set(&self, at: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }

    /// Moves the clock by `by` (negative to go back). Saturates at the ends of the
    /// representable range rather than panicking.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now = now.saturating_add(by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> OffsetDateTime {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> OffsetDateTime {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for Box<C> {
    fn now(&self) -> OffsetDateTime {
        (**self).now()
    }
}

/// Whole seconds since the Unix epoch (fractions are dropped, rounding toward the past).
#[must_use]
pub fn unix_seconds(at: OffsetDateTime) -> i64 {
    at.unix_timestamp()
}

/// The instant `seconds` after the Unix epoch, in UTC.
///
/// # Errors
/// [`TimeRangeError`] when the instant lies outside the years -9999 to 9999.
pub fn from_unix_seconds(seconds: i64) -> Result<OffsetDateTime, TimeRangeError> {
    OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| TimeRangeError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_round_trip() {
        for s in [
            0,
            59,
            1_111_111_109,
            1_234_567_890,
            2_000_000_000,
            20_000_000_000,
            -1,
        ] {
            assert_eq!(unix_seconds(from_unix_seconds(s).unwrap()), s);
        }
        let t = from_unix_seconds(1_234_567_890).unwrap();
        assert_eq!(t.year(), 2009);
        assert_eq!(t.offset(), ::time::UtcOffset::UTC);
    }

    #[test]
    fn fractions_round_toward_the_past() {
        let t = from_unix_seconds(100).unwrap() + Duration::milliseconds(999);
        assert_eq!(unix_seconds(t), 100);
        let t = from_unix_seconds(-100).unwrap() + Duration::milliseconds(500);
        assert_eq!(unix_seconds(t), -100);
    }

    #[test]
    fn out_of_range_is_an_error() {
        assert_eq!(from_unix_seconds(i64::MAX), Err(TimeRangeError));
        assert_eq!(from_unix_seconds(i64::MIN), Err(TimeRangeError));
        // 253402300799 is 9999-12-31T23:59:59Z, the last representable second.
        assert!(from_unix_seconds(253_402_300_799).is_ok());
        assert_eq!(from_unix_seconds(253_402_300_800), Err(TimeRangeError));
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = from_unix_seconds(1_700_000_000).unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        let shared = clock.clone();
        shared.advance(Duration::seconds(30));
        assert_eq!(unix_seconds(clock.now()), 1_700_000_030);
        shared.advance(Duration::seconds(-60));
        assert_eq!(unix_seconds(clock.now()), 1_699_999_970);
        clock.set(start);
        assert_eq!(shared.now(), start);
        clock.advance(Duration::MAX);
        assert!(clock.now().year() >= 9999);
    }

    #[test]
    fn system_clock_is_near_now() {
        let before = OffsetDateTime::now_utc();
        let now = SystemClock.now();
        let after = OffsetDateTime::now_utc();
        assert!(before <= now && now <= after);
        let boxed: Box<dyn Clock> = Box::new(SystemClock);
        assert!(boxed.now() >= now);
    }
}
