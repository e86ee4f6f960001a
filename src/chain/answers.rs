//! What nodeos answers, as types. Only the fields `lab` reads are declared; a field it reads that
//! is missing or of another type makes the answer an error naming the node and the call
//! ([`crate::client::ApiError::Shape`]), never a default.

use serde::{Deserialize, Deserializer};

/// `chain/get_info`.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct ChainInfo {
    /// The chain id, hex.
    pub chain_id: String,
    /// The node's head block.
    pub head_block_num: u64,
    /// Its last irreversible block.
    pub last_irreversible_block_num: u64,
    /// Who produced the head block.
    pub head_block_producer: String,
    /// When, as the chain writes it (`2026-12-03T17:59:36.500`, UTC).
    pub head_block_time: String,
    /// nodeos' version (`v1.2.2`).
    #[serde(default)]
    pub server_version_string: Option<String>,
    /// The id of the last irreversible block (a transaction's reference block).
    #[serde(default)]
    pub last_irreversible_block_id: String,
}

/// Milliseconds since 1970 of a time as the chain writes it (`2026-12-03T17:59:36.500`, UTC).
pub fn parse_block_time(text: &str) -> Option<i64> {
    let t = chrono::NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(t.and_utc().timestamp_millis())
}

/// `chain/get_account`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Account {
    pub account_name: String,
    pub privileged: bool,
    pub ram_quota: i64,
    pub ram_usage: i64,
    pub permissions: Vec<Permission>,
    /// Absent (null) before the system contract stakes anything for the account.
    #[serde(default)]
    pub self_delegated_bandwidth: Option<DelegatedBandwidth>,
    /// Absent while the account holds no core token.
    #[serde(default)]
    pub core_liquid_balance: Option<String>,
}

impl Account {
    /// Whether `permission` is held by `controller@active` alone: no keys, one account.
    pub fn held_by(&self, permission: &str, controller: &str) -> bool {
        self.permissions.iter().any(|p| {
            p.perm_name == permission
                && p.required_auth.keys.is_empty()
                && matches!(p.required_auth.accounts.as_slice(),
                    [only] if only.permission.actor == controller && only.permission.permission == "active")
        })
    }

    /// RAM bought and not used.
    pub fn free_ram(&self) -> i64 {
        (self.ram_quota - self.ram_usage).max(0)
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Permission {
    pub perm_name: String,
    pub parent: String,
    pub required_auth: Authority,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Authority {
    pub threshold: u32,
    pub keys: Vec<KeyWeight>,
    pub accounts: Vec<PermissionLevelWeight>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct KeyWeight {
    pub key: String,
    pub weight: u16,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct PermissionLevelWeight {
    pub permission: PermissionLevel,
    pub weight: u16,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
pub struct PermissionLevel {
    pub actor: String,
    pub permission: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct DelegatedBandwidth {
    pub net_weight: String,
    pub cpu_weight: String,
}

/// `chain/get_code_hash`: all zeros for an account without code.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct CodeHash {
    pub account_name: String,
    pub code_hash: String,
}

/// The code hash of an account that has no code.
pub const NO_CODE: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// `chain/get_table_rows`: one page.
#[derive(Debug, Clone, Deserialize)]
pub struct TableRows<T> {
    pub rows: Vec<T>,
    pub more: bool,
    #[serde(default)]
    pub next_key: String,
}

/// `chain/get_currency_stats`: one token.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct CurrencyStats {
    pub supply: String,
    pub max_supply: String,
    pub issuer: String,
}

/// A row of eosio's `finalizers` table (system contracts 3.x): a producer that registered a
/// finalizer key.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct FinalizerRow {
    pub finalizer_name: String,
}

/// `chain/get_finalizer_info` (Spring): the finalizer policies, `null` before Savanna, and the
/// last vote the node saw from each finalizer.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct FinalizerInfo {
    pub active_finalizer_policy: Option<FinalizerPolicy>,
    #[serde(default)]
    pub pending_finalizer_policy: Option<FinalizerPolicy>,
    #[serde(default)]
    pub last_tracked_votes: Vec<TrackedVote>,
}

/// The last vote a node received from one finalizer.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct TrackedVote {
    pub description: String,
    pub voted_for_block_id: String,
    #[serde(default)]
    pub is_vote_strong: bool,
}

impl TrackedVote {
    /// The block voted for: a block id begins with its number, 8 hex digits.
    pub fn block_num(&self) -> Option<u64> {
        self.voted_for_block_id.get(..8).and_then(|h| u64::from_str_radix(h, 16).ok())
    }
}

/// A finalizer votes if its last vote is for one of this many blocks below the head. Savanna
/// finalizes a block two blocks on; a node that votes is never further behind than that and
/// the vote's trip.
pub const RECENT_VOTE_BLOCKS: u64 = 6;

/// Who of the active policy votes, as one node sees it at `head`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Votes {
    /// The weight a block needs to be final.
    pub threshold: u64,
    /// The weight of the finalizers that vote, and of all.
    pub voting_weight: u64,
    /// The weight of all finalizers of the policy.
    pub total_weight: u64,
    /// Each finalizer of the policy: its name and the block it last voted for (none seen).
    pub finalizers: Vec<FinalizerVote>,
}

/// One finalizer's votes, as a node saw them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FinalizerVote {
    /// The finalizer (its producer's name).
    pub name: String,
    /// The last block it was seen voting for.
    pub last_vote_block: Option<u64>,
    /// Voted for a block within 6 blocks of the head.
    pub voting: bool,
}

impl FinalizerInfo {
    /// Who votes under the active policy at `head`; `None` before Savanna.
    pub fn votes(&self, head: u64) -> Option<Votes> {
        let policy = self.active_finalizer_policy.as_ref()?;
        let finalizers: Vec<FinalizerVote> = policy
            .finalizers
            .iter()
            .map(|f| {
                let last = self
                    .last_tracked_votes
                    .iter()
                    .find(|v| v.description == f.description)
                    .and_then(TrackedVote::block_num);
                FinalizerVote {
                    name: f.description.clone(),
                    last_vote_block: last,
                    voting: last.is_some_and(|b| b + RECENT_VOTE_BLOCKS >= head),
                }
            })
            .collect();
        let weight = |f: &FinalizerVote| {
            policy.finalizers.iter().find(|a| a.description == f.name).map(|a| a.weight).unwrap_or(0)
        };
        Some(Votes {
            threshold: policy.threshold,
            voting_weight: finalizers.iter().filter(|f| f.voting).map(weight).sum(),
            total_weight: policy.finalizers.iter().map(|f| f.weight).sum(),
            finalizers,
        })
    }
}

impl Votes {
    /// Whether the finalizers that vote reach the threshold: below it, no block becomes final.
    pub fn quorum(&self) -> bool {
        self.voting_weight >= self.threshold
    }
}

impl std::fmt::Display for Votes {
    /// `Savanna finalizers: 2 of 4 voting, threshold 3 (LIB cannot advance); no recent vote
    /// from accountnum11 (last for block 223), accountnum22 (none seen)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Savanna finalizers: {} of {} voting, threshold {}",
            self.voting_weight, self.total_weight, self.threshold
        )?;
        if !self.quorum() {
            write!(f, " (LIB cannot advance)")?;
        }
        let silent: Vec<String> = self
            .finalizers
            .iter()
            .filter(|v| !v.voting)
            .map(|v| match v.last_vote_block {
                Some(b) => format!("{} (last for block {b})", v.name),
                None => format!("{} (none seen)", v.name),
            })
            .collect();
        if !silent.is_empty() {
            write!(f, "; no recent vote from {}", silent.join(", "))?;
        }
        Ok(())
    }
}

/// A Savanna finalizer policy.
#[derive(Debug, Clone, Deserialize, PartialEq, serde::Serialize)]
pub struct FinalizerPolicy {
    /// Its generation: 1 for the first, one more each time the producers change.
    pub generation: u64,
    /// The weight a block needs to be final.
    pub threshold: u64,
    /// Its finalizers.
    pub finalizers: Vec<FinalizerAuthority>,
}

/// One finalizer of a policy; the system contract writes the producer's name as its description.
#[derive(Debug, Clone, Deserialize, PartialEq, serde::Serialize)]
pub struct FinalizerAuthority {
    /// The producer's name.
    pub description: String,
    /// Its weight.
    pub weight: u64,
    /// Its BLS public key (`PUB_BLS_…`).
    pub public_key: String,
}

/// `chain/get_producer_schedule`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ProducerSchedules {
    pub active: Schedule,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Schedule {
    pub version: u64,
    pub producers: Vec<ScheduledProducer>,
}

impl Schedule {
    pub fn names(&self) -> Vec<String> {
        self.producers.iter().map(|p| p.producer_name.clone()).collect()
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ScheduledProducer {
    pub producer_name: String,
}

/// A row of eosio's `producers` table.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ProducerRow {
    pub owner: String,
    #[serde(deserialize_with = "number_or_string")]
    pub total_votes: f64,
    pub is_active: u8,
    pub unpaid_blocks: u32,
    pub last_claim_time: String,
}

/// A row of eosio's `voters` table.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct VoterRow {
    pub owner: String,
    pub proxy: String,
    pub producers: Vec<String>,
    #[serde(deserialize_with = "number_or_string")]
    pub staked: f64,
    pub is_proxy: u8,
}

impl VoterRow {
    /// Voted for producers, or through a proxy.
    pub fn has_voted(&self) -> bool {
        !self.producers.is_empty() || !self.proxy.is_empty()
    }
}

/// eosio's `global` singleton, as far as `lab` reads it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct GlobalState {
    /// `1970-01-01T00:00:00.000` until 15% of the stake has voted.
    pub thresh_activated_stake_time: String,
    /// How many producers the contract last proposed as the schedule (0 before the first).
    #[serde(default)]
    pub last_producer_schedule_size: u16,
}

impl GlobalState {
    pub fn activated(&self) -> bool {
        !self.thresh_activated_stake_time.starts_with("1970-01-01")
    }
}

/// A row of eosio.msig's `proposal` table.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ProposalRow {
    pub proposal_name: String,
}

/// A row of eosio.msig's `approvals2` table.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ApprovalsRow {
    pub proposal_name: String,
    pub provided_approvals: Vec<Approval>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Approval {
    pub level: PermissionLevel,
}

/// `chain/get_activated_protocol_features`: one page.
#[derive(Debug, Clone, Deserialize)]
pub struct ActivatedFeatures {
    pub activated_protocol_features: Vec<ActivatedFeature>,
    #[serde(default)]
    pub more: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ActivatedFeature {
    pub feature_digest: String,
}

/// One entry of `producer/get_supported_protocol_features`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct SupportedFeature {
    pub feature_digest: String,
    pub dependencies: Vec<String>,
    pub specification: Vec<Specification>,
}

impl SupportedFeature {
    pub fn codename(&self) -> &str {
        self.specification.iter().find(|s| s.name == "builtin_feature_codename").map_or("", |s| &s.value)
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Specification {
    pub name: String,
    pub value: String,
}

/// `producer/create_snapshot`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Snapshot {
    pub head_block_num: u64,
    pub snapshot_name: String,
}

/// The contracts give some numbers as strings (`total_votes`, a `float64`) and others as numbers,
/// depending on their size and the nodeos version: both are read.
fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        Num(f64),
        Str(String),
    }
    match N::deserialize(d)? {
        N::Num(n) => Ok(n),
        N::Str(s) => s.parse().map_err(|_| serde::de::Error::custom(format!("{s:?} is not a number"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn account(perms: serde_json::Value) -> Account {
        serde_json::from_value(json!({
            "account_name": "eosio", "privileged": true, "ram_quota": -1, "ram_usage": 100,
            "permissions": perms, "self_delegated_bandwidth": null,
        }))
        .unwrap()
    }

    #[test]
    fn votes_name_the_silent_finalizers_and_whether_the_rest_reach_the_threshold() {
        // As Spring 1.2.2 answers, two of four finalizers cut off since block 223.
        let f = |n: &str| json!({"description": n, "weight": 1, "public_key": "PUB_BLS_x"});
        let v = |n: &str, block: u64| {
            json!({"description": n, "public_key": "PUB_BLS_x", "is_vote_strong": true,
                   "finalizer_policy_generation": 1, "voted_for_block_id": format!("{block:08x}{}", "ab".repeat(28))})
        };
        let info: FinalizerInfo = serde_json::from_value(json!({
            "active_finalizer_policy": {"generation": 1, "threshold": 3,
                "finalizers": [f("accountnum11"), f("accountnum22"), f("accountnum33"), f("accountnum44")]},
            "pending_finalizer_policy": null,
            "last_tracked_votes": [v("accountnum11", 223), v("accountnum33", 300), v("accountnum44", 299)],
        }))
        .unwrap();
        let votes = info.votes(301).unwrap();
        assert_eq!((votes.voting_weight, votes.total_weight, votes.quorum()), (2, 4, false));
        assert_eq!(
            votes.to_string(),
            "Savanna finalizers: 2 of 4 voting, threshold 3 (LIB cannot advance); no recent vote from \
             accountnum11 (last for block 223), accountnum22 (none seen)"
        );
        let all = info.votes(226).unwrap();
        assert!(all.quorum() && all.finalizers[0].voting, "223 is recent at 226: {all:?}");
        assert_eq!(FinalizerInfo { active_finalizer_policy: None, ..info }.votes(1), None);
    }

    #[test]
    fn held_by_wants_one_account_and_no_key() {
        let level = |actor: &str| json!({"permission": {"actor": actor, "permission": "active"}, "weight": 1});
        let perm = |name: &str, keys: serde_json::Value, accounts: serde_json::Value| json!({"perm_name": name, "parent": "", "required_auth": {"threshold": 1, "keys": keys, "accounts": accounts, "waits": []}});
        let a = account(json!([perm("owner", json!([]), json!([level("eosio.prods")]))]));
        assert!(a.held_by("owner", "eosio.prods"));
        assert!(!a.held_by("active", "eosio.prods"));
        assert!(!a.held_by("owner", "eosio"));
        let with_key =
            account(json!([perm("owner", json!([{"key": "EOS1", "weight": 1}]), json!([level("eosio.prods")]))]));
        assert!(!with_key.held_by("owner", "eosio.prods"));
        let two = account(json!([perm("owner", json!([]), json!([level("eosio.prods"), level("eosio")]))]));
        assert!(!two.held_by("owner", "eosio.prods"));
    }

    #[test]
    fn a_missing_field_is_an_error_not_a_default() {
        let e = serde_json::from_value::<Account>(json!({"account_name": "x"})).unwrap_err();
        assert!(e.to_string().contains("missing field"), "{e}");
        let e = serde_json::from_value::<ProducerRow>(
            json!({"owner": "p", "total_votes": "x", "is_active": 1, "unpaid_blocks": 0, "last_claim_time": ""}),
        )
        .unwrap_err();
        assert!(e.to_string().contains("not a number"), "{e}");
    }

    #[test]
    fn votes_read_as_numbers_or_strings() {
        let row = |v: serde_json::Value| {
            serde_json::from_value::<ProducerRow>(
                json!({"owner": "p", "total_votes": v, "is_active": 1, "unpaid_blocks": 0, "last_claim_time": ""}),
            )
            .unwrap()
            .total_votes
        };
        assert_eq!(row(json!("12.5")), 12.5);
        assert_eq!(row(json!(3)), 3.0);
    }

    #[test]
    fn feature_codenames() {
        let f: SupportedFeature = serde_json::from_value(json!({
            "feature_digest": "ab", "dependencies": [],
            "specification": [{"name": "builtin_feature_codename", "value": "WTMSIG_BLOCK_SIGNATURES"}]
        }))
        .unwrap();
        assert_eq!(f.codename(), "WTMSIG_BLOCK_SIGNATURES");
    }
}

/// `net/connections`: one of a node's p2p connections.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct NetConnection {
    /// The address the node dials (`<container>:9876`); empty for a connection it accepted.
    pub peer: String,
    /// Still dialing: no handshake yet.
    pub connecting: bool,
    pub last_handshake: Handshake,
}

/// What the other end said of itself when the connection opened (empty fields until then).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Handshake {
    /// `<container>:9876 - <node id prefix>`, from its `p2p-server-address`.
    pub p2p_address: String,
    /// Its `agent-name`: `<lab>/<node>` on a lab's nodes.
    pub agent: String,
}

/// `chain/get_block_info`: one block's header.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct BlockInfo {
    pub block_num: u64,
    /// `YYYY-MM-DDTHH:MM:SS.sss`, UTC: the start of the block's slot.
    pub timestamp: String,
    pub producer: String,
}
