//! Hybrid logical clock. A timestamp is (wall milliseconds, counter); its
//! string form is fixed-width so that text order is time order. Together with
//! the device id it totally orders every write in the system.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hlc {
    pub wall_ms: u64,
    pub counter: u32,
}

/// The largest counter the fixed-width text form holds (6 digits). A clock
/// that would go past it carries into the physical part instead, so every
/// timestamp keeps the same width and text order stays time order.
pub const MAX_COUNTER: u32 = 999_999;

impl Hlc {
    pub const fn new(wall_ms: u64, counter: u32) -> Self {
        Hlc { wall_ms, counter }
    }

    /// The next timestamp after this one: the counter plus one, or, at
    /// `MAX_COUNTER`, the next millisecond with counter 0.
    pub const fn succ(self) -> Self {
        if self.counter >= MAX_COUNTER {
            Hlc::new(self.wall_ms + 1, 0)
        } else {
            Hlc::new(self.wall_ms, self.counter + 1)
        }
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:015}-{:06}", self.wall_ms, self.counter)
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("`{0}` is not a hybrid logical clock timestamp (expected 15 digits, '-', 6 digits)")]
pub struct HlcParseError(pub String);

impl FromStr for Hlc {
    type Err = HlcParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || HlcParseError(s.to_string());
        let (w, c) = s.split_once('-').ok_or_else(err)?;
        if w.len() != 15 || c.len() != 6 || !w.bytes().chain(c.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        Ok(Hlc { wall_ms: w.parse().map_err(|_| err())?, counter: c.parse().map_err(|_| err())? })
    }
}

impl Serialize for Hlc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Hlc {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Hlc".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9]{15}-[0-9]{6}$",
            "description": "Hybrid logical clock timestamp: 15-digit unix milliseconds, '-', 6-digit counter."
        })
    }
}

/// The clock of one replica. `tick` stamps a local write; `observe` merges a
/// remote timestamp so that later local writes order after it.
#[derive(Debug, Clone, Copy, Default)]
pub struct HlcClock {
    last: Hlc,
}

impl HlcClock {
    /// Resumes from the last timestamp this replica issued or saw, so the
    /// clock never runs backwards across restarts.
    pub fn resume(last: Hlc) -> Self {
        HlcClock { last }
    }

    pub fn last(&self) -> Hlc {
        self.last
    }

    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        self.last = if now_ms > self.last.wall_ms { Hlc::new(now_ms, 0) } else { self.last.succ() };
        self.last
    }

    /// Merges a remote timestamp: the result is after both it and every
    /// timestamp this clock issued. A counter at its maximum carries into the
    /// physical part (`Hlc::succ`), so no stamp ever needs a 7th digit.
    pub fn observe(&mut self, remote: Hlc, now_ms: u64) -> Hlc {
        let base = self.last.max(remote);
        self.last = if now_ms > base.wall_ms { Hlc::new(now_ms, 0) } else { base.succ() };
        self.last
    }
}

/// How far ahead of the server's clock a timestamp may be (5 minutes).
pub const MAX_CLOCK_AHEAD_MS: u64 = 5 * 60 * 1000;

pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_order_is_time_order() {
        let a = Hlc::new(999, 12);
        let b = Hlc::new(1000, 0);
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
        assert_eq!(a.to_string().parse::<Hlc>().unwrap(), a);
        assert!("12-3".parse::<Hlc>().is_err());
    }

    #[test]
    fn tick_is_monotonic_when_the_wall_clock_goes_back() {
        let mut c = HlcClock::default();
        let t1 = c.tick(5_000);
        let t2 = c.tick(4_000);
        let t3 = c.tick(4_000);
        assert!(t1 < t2 && t2 < t3);
        let mut resumed = HlcClock::resume(t3);
        assert!(resumed.tick(1_000) > t3);
    }

    #[test]
    fn a_counter_at_its_maximum_carries_into_the_wall_clock() {
        let top = Hlc::new(1_000, MAX_COUNTER);
        let mut c = HlcClock::resume(top);
        let next = c.tick(1_000);
        assert_eq!(next, Hlc::new(1_001, 0));
        assert!(next.to_string() > top.to_string());
        assert_eq!(next.to_string().len(), top.to_string().len());
        let mut d = HlcClock::default();
        assert_eq!(d.observe(top, 900), Hlc::new(1_001, 0));
    }

    #[test]
    fn observe_orders_after_remote() {
        let mut c = HlcClock::default();
        c.tick(1_000);
        let remote = Hlc::new(9_000, 7);
        let seen = c.observe(remote, 1_500);
        assert!(seen > remote);
        assert!(c.tick(1_600) > seen);
    }
}
