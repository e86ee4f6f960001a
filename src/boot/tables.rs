//! The system contract's tables that several steps read.

use std::collections::{BTreeMap, BTreeSet};

use super::error::Failure;
use crate::chain::answers::{GlobalState, ProducerRow, VoterRow};
use crate::chain::system::MAX_PRODUCERS;
use crate::client::Chain;

pub async fn producers(chain: &Chain<'_>) -> Result<Vec<ProducerRow>, Failure> {
    Ok(chain.table("eosio", "eosio", "producers").await?)
}

/// The voters table by owner.
pub async fn voters(chain: &Chain<'_>) -> Result<BTreeMap<String, VoterRow>, Failure> {
    let rows: Vec<VoterRow> = chain.table("eosio", "eosio", "voters").await?;
    Ok(rows.into_iter().map(|r| (r.owner.clone(), r)).collect())
}

pub async fn global(chain: &Chain<'_>) -> Result<Option<GlobalState>, Failure> {
    Ok(chain.singleton("eosio", "global").await?)
}

/// The producers the system contract elects: the top 21 by votes, with votes, active.
pub fn elected(rows: &[ProducerRow]) -> BTreeSet<String> {
    let mut ranked: Vec<&ProducerRow> = rows.iter().filter(|r| r.is_active == 1 && r.total_votes > 0.0).collect();
    ranked.sort_by(|a, b| b.total_votes.total_cmp(&a.total_votes));
    ranked.into_iter().take(MAX_PRODUCERS).map(|r| r.owner.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(owner: &str, votes: f64, active: u8) -> ProducerRow {
        ProducerRow {
            owner: owner.into(),
            total_votes: votes,
            is_active: active,
            unpaid_blocks: 0,
            last_claim_time: String::new(),
        }
    }

    #[test]
    fn the_top_21_with_votes_and_active() {
        let mut rows: Vec<ProducerRow> = (0..25).map(|i| row(&format!("p{i:02}"), 100.0 + i as f64, 1)).collect();
        rows.push(row("novotes", 0.0, 1));
        rows.push(row("inactive", 1e9, 0));
        let e = elected(&rows);
        assert_eq!(e.len(), 21);
        assert!(!e.contains("p00") && !e.contains("p03") && e.contains("p04") && e.contains("p24"));
        assert!(!e.contains("novotes") && !e.contains("inactive"));
    }
}
