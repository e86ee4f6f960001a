//! Which cleos failures are worth another try, and which say the transaction is too heavy and
//! passes only smaller. A failed transaction's stderr decides; the rest are final.

use std::time::Duration;

/// What a failed push means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The transaction raced a full block or a busy machine: the same one can pass later.
    Transient,
    /// The transaction took too long for the chain: a smaller one passes (and so, sometimes, does
    /// the same one on a quieter block).
    TooHeavy,
    /// Anything else (a missing account, a failed assertion): trying again changes nothing.
    Final,
}

/// With `-t false` cleos prints the error code and message, not the exception's name.
const TRANSIENT: &[&str] = &[
    "Error 3080005", // block_cpu_usage_exceeded
    "Error 3080003", // block_net_usage_exceeded
    "Error 3080008", // greylist_cpu_usage_exceeded
    "Error 3040005", // expired_tx_exception: it expired before a block took it; a new one is signed
    "Error 3040006", // tx_exp_too_far_exception
    "Transaction took too long",
    "Failed to connect",
    "Connection refused",
];
const TOO_HEAVY: &[&str] = &[
    "Error 3080004", // tx_cpu_usage_exceeded
    "Error 3080006", // deadline_exception
    "Error 3081001", // leeway_deadline_exception
    "exceeded the current CPU usage limit",
];

pub fn classify(stderr: &str) -> Verdict {
    if TOO_HEAVY.iter().any(|t| stderr.contains(t)) {
        Verdict::TooHeavy
    } else if TRANSIENT.iter().any(|t| stderr.contains(t)) {
        Verdict::Transient
    } else {
        Verdict::Final
    }
}

/// Tries of one transaction, the first included.
pub const ATTEMPTS: usize = 5;

/// The pause before try `attempt + 1`: long enough for the next block, where the transaction
/// finds room, and longer each time.
pub fn backoff(attempt: usize) -> Duration {
    Duration::from_millis(300 * (attempt as u64 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        assert_eq!(classify("Error 3080004: Transaction exceeded the current CPU usage limit"), Verdict::TooHeavy);
        assert_eq!(classify("Error 3080006: Transaction took too long"), Verdict::TooHeavy);
        assert_eq!(classify("Error 3040006: Transaction Expiration Too Far"), Verdict::Transient);
        // Signed by cleos against a chain's genesis block, a moment before the first block.
        assert_eq!(classify("Error 3040005: Expired Transaction"), Verdict::Transient);
        assert_eq!(classify("Failed to connect to nodeos at http://127.0.0.1:8888"), Verdict::Transient);
        assert_eq!(classify("Error 3050003: eosio_assert_message assertion failure"), Verdict::Final);
        assert_eq!(classify("Error 3010001: Invalid name"), Verdict::Final);
    }

    #[test]
    fn backoff_grows() {
        assert!(backoff(1) > backoff(0));
        assert!(backoff(ATTEMPTS - 1) <= Duration::from_secs(2));
    }
}
