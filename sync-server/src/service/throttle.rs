//! Brute-force protection for the unauthenticated doors: signing in and
//! redeeming an enrollment code. Attempts are counted per client address
//! and, for sign-in, per login, by `governor`'s keyed GCRA limiters (every
//! attempt counts, right or wrong, and is counted *before* its password or
//! code is checked, so a guess past the limit learns nothing). Past a limit
//! the answer is 429 with `Retry-After`. An administrator lifts a login's
//! lockout (`POST /api/v1/users/{login}/unlock`): the login starts a fresh
//! allowance. Addresses are the TCP peer's; behind a reverse proxy every
//! client shares the proxy's address (see ARCHITECTURE.md).

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

/// Sign-in attempts one login may make at once before waiting; then one
/// per [`LOGIN_PERIOD`].
pub const LOGIN_BURST: u32 = 10;
pub const LOGIN_PERIOD: Duration = Duration::from_secs(60);
/// Sign-in attempts from one address at once (an office behind one NAT);
/// then one per [`ADDRESS_PERIOD`].
pub const ADDRESS_BURST: u32 = 30;
pub const ADDRESS_PERIOD: Duration = Duration::from_secs(2);
/// Enrollment codes one address may try at once; then one per
/// [`ENROLL_PERIOD`]. A code has 31^10 values and lives a day.
pub const ENROLL_BURST: u32 = 10;
pub const ENROLL_PERIOD: Duration = Duration::from_secs(20);

/// Reports of a change one address may send at once; then one per
/// [`REPORT_PERIOD`].
pub const REPORT_BURST: u32 = 5;
pub const REPORT_PERIOD: Duration = Duration::from_secs(60);
/// Reports from everyone together at once; then one per
/// [`REPORTS_PERIOD`] (a flood from many addresses cannot bury the queue).
pub const REPORTS_BURST: u32 = 60;
pub const REPORTS_PERIOD: Duration = Duration::from_secs(5);

fn quota(burst: u32, period: Duration) -> Quota {
    Quota::with_period(period).expect("a non-zero period").allow_burst(NonZeroU32::new(burst).expect("non-zero"))
}

pub struct Throttle {
    logins: DefaultKeyedRateLimiter<String>,
    addresses: DefaultKeyedRateLimiter<IpAddr>,
    enrollments: DefaultKeyedRateLimiter<IpAddr>,
    reports: DefaultKeyedRateLimiter<IpAddr>,
    all_reports: governor::DefaultDirectRateLimiter,
    /// How many times each login's lockout was lifted: the limiter's key is
    /// `login#n`, so lifting starts a fresh allowance.
    lifted: Mutex<HashMap<String, u32>>,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            logins: RateLimiter::keyed(quota(LOGIN_BURST, LOGIN_PERIOD)),
            addresses: RateLimiter::keyed(quota(ADDRESS_BURST, ADDRESS_PERIOD)),
            enrollments: RateLimiter::keyed(quota(ENROLL_BURST, ENROLL_PERIOD)),
            reports: RateLimiter::keyed(quota(REPORT_BURST, REPORT_PERIOD)),
            all_reports: RateLimiter::direct(quota(REPORTS_BURST, REPORTS_PERIOD)),
            lifted: Mutex::new(HashMap::new()),
        }
    }
}

fn refuse(what: &str, wait: Duration) -> AppError {
    let retry_after_s = wait.as_secs() + 1;
    AppError::TooManyRequests { message: format!("{what}; try again in {retry_after_s} s"), retry_after_s }
}

impl Throttle {
    fn login_key(&self, login: &str) -> String {
        let login = login.trim().to_lowercase();
        let n = self.lifted.lock().unwrap_or_else(|p| p.into_inner()).get(&login).copied().unwrap_or(0);
        format!("{login}#{n}")
    }

    /// Counts a sign-in attempt for `login` from `address`.
    pub fn sign_in(&self, login: &str, address: Option<IpAddr>) -> Result<(), AppError> {
        let now = DefaultClock::default().now();
        if let Some(ip) = address {
            if let Err(until) = self.addresses.check_key(&ip) {
                return Err(refuse("too many sign-in attempts from this address", until.wait_time_from(now)));
            }
        }
        self.logins.check_key(&self.login_key(login)).map_err(|until| {
            refuse(
                "too many sign-in attempts for this account: it is locked for now (an administrator can lift this)",
                until.wait_time_from(now),
            )
        })
    }

    /// Counts an attempt to redeem an enrollment code from `address`.
    pub fn enroll(&self, address: Option<IpAddr>) -> Result<(), AppError> {
        let Some(ip) = address else { return Ok(()) };
        let now = DefaultClock::default().now();
        self.enrollments
            .check_key(&ip)
            .map_err(|until| refuse("too many enrollment codes tried from this address", until.wait_time_from(now)))
    }

    /// Counts a resident's report from `address`, and in all.
    pub fn report(&self, address: Option<IpAddr>) -> Result<(), AppError> {
        let now = DefaultClock::default().now();
        if let Some(ip) = address {
            if let Err(until) = self.reports.check_key(&ip) {
                return Err(refuse("too many reports from this address", until.wait_time_from(now)));
            }
        }
        self.all_reports
            .check()
            .map_err(|until| refuse("too many reports are arriving at once", until.wait_time_from(now)))
    }

    /// Lifts a login's lockout.
    pub fn lift(&self, login: &str) {
        let login = login.trim().to_lowercase();
        *self.lifted.lock().unwrap_or_else(|p| p.into_inner()).entry(login).or_default() += 1;
        self.logins.retain_recent();
    }
}
