//! The one clock everything asks for the time, so tests can fix it.

use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

/// Tells the time.
pub trait Clock: Send + Sync {
    /// Now, to the second (events are recorded to the second).
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_second(Timestamp::now().as_second()).expect("now is in range")
    }
}

/// A clock that only moves when told, for tests and for replaying history.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    /// A clock showing `t`.
    pub fn new(t: Timestamp) -> Self {
        Self(Mutex::new(t))
    }

    /// Sets the time.
    pub fn set(&self, t: Timestamp) {
        *self.0.lock().expect("clock lock") = t;
    }

    /// Moves the time on.
    pub fn advance(&self, by: SignedDuration) {
        let mut t = self.0.lock().expect("clock lock");
        *t = t.checked_add(by).expect("time in range");
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().expect("clock lock")
    }
}
