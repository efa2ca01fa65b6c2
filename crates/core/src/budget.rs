//! A bound on the work one request may make the engine do.
//!
//! Some inputs are cheap to state and costly to honour (a block repeating every few minutes for
//! years, checked over a ten-year horizon). Rather than let such a request stall, the caller
//! hands the engine a budget of steps; work that would exceed it stops with [`OverBudget`], which
//! the HTTP edge answers as a 422 naming what to change. Steps are counted, never timed, so the
//! bound is the same on every machine and tests can assert it.

use std::fmt;

/// Steps left for one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkBudget {
    limit: u64,
    spent: u64,
}

/// The work asked for is more than the budget allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OverBudget {
    /// The budget's limit, in steps.
    pub limit: u64,
}

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "needs more than {} steps of work", self.limit)
    }
}

impl std::error::Error for OverBudget {}

impl WorkBudget {
    /// A budget of `limit` steps.
    pub const fn new(limit: u64) -> Self {
        Self { limit, spent: 0 }
    }

    /// Spends `steps`, or fails when that would go past the limit (nothing is spent then).
    pub fn spend(&mut self, steps: u64) -> Result<(), OverBudget> {
        let after = self.spent.saturating_add(steps);
        if after > self.limit {
            return Err(OverBudget { limit: self.limit });
        }
        self.spent = after;
        Ok(())
    }

    /// Steps spent so far.
    pub const fn spent(&self) -> u64 {
        self.spent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spending_stops_at_the_limit_and_keeps_the_count() {
        let mut b = WorkBudget::new(10);
        assert!(b.spend(7).is_ok());
        assert_eq!(b.spend(4), Err(OverBudget { limit: 10 }));
        assert_eq!(b.spent(), 7);
        assert!(b.spend(3).is_ok());
        assert!(b.spend(1).is_err());
    }
}
