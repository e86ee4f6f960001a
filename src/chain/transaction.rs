//! Antelope transactions packed the way the chain packs them (`eosio::chain::transaction`), so a
//! transaction can be built, hashed and signed without cleos.
//!
//! The wire format: integers little-endian, lengths and some header fields as varuint32 (LEB128),
//! names as the chain's u64. A packed transaction is the header, then `context_free_actions`,
//! `actions` and `transaction_extensions`; this module always packs the first and the last empty.

use sha2::{Digest, Sha256};

use crate::chain::asset::Symbol;

/// An account/action name as the chain's u64 (base32 of ".12345a-z", 12 chars + a 13th of 4 bits).
///
/// The rules are the chain's (`eosio::chain::name`): at most 13 characters of `.`, `1-5` and
/// `a-z`, the 13th only one of `.`, `1-5` and `a-j`, and no trailing `.`. One rule is stricter: the
/// empty name (0 on the chain, and cleos packs it) is refused, since no account or permission has it.
pub fn name_value(name: &str) -> Result<u64, String> {
    if name.is_empty() {
        return Err("an empty name is not an account, action or permission name".into());
    }
    let len = name.chars().count();
    if len > 13 {
        return Err(format!("{name:?} is {len} characters long; names have at most 13"));
    }
    let mut value = 0u64;
    for (i, c) in name.chars().enumerate() {
        let symbol = match c {
            '.' => 0,
            '1'..='5' => c as u64 - '1' as u64 + 1,
            'a'..='z' => c as u64 - 'a' as u64 + 6,
            _ => return Err(format!("{name:?} has {c:?}; names use only a-z, 1-5 and '.'")),
        };
        match i {
            0..=11 => value |= symbol << (64 - 5 * (i + 1)),
            _ if symbol <= 0x0f => value |= symbol,
            _ => return Err(format!("{name:?} has {c:?} as its 13th character, which can only be '.', 1-5 or a-j")),
        }
    }
    if name.ends_with('.') {
        return Err(format!("{name:?} ends with '.', which names may not"));
    }
    Ok(value)
}

/// One authorization of an action: an account and one of its permissions.
#[derive(Debug, Clone, PartialEq)]
pub struct PermissionLevel {
    /// The account, e.g. `accountnum11`.
    pub actor: String,
    /// The permission, e.g. `active`.
    pub permission: String,
}

/// An action: a contract's action with its authorizations and its packed arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// The contract's account, e.g. `eosio.token`.
    pub account: String,
    /// The action, e.g. `transfer`.
    pub name: String,
    /// Who authorizes it.
    pub authorization: Vec<PermissionLevel>,
    /// The action's arguments, packed (e.g. by [`transfer_data`]).
    pub data: Vec<u8>,
}

/// A transaction as the chain packs it; `transaction_extensions` is always empty, and there is
/// no context-free data.
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    /// When it expires, in seconds since the Unix epoch (`time_point_sec`).
    pub expiration: u32,
    /// The low 16 bits of a recent block's number (TaPoS); see [`Transaction::tapos`].
    pub ref_block_num: u16,
    /// Bytes 8 to 12 of that block's id, as a little-endian u32.
    pub ref_block_prefix: u32,
    /// Net usage limit in 8-byte words; 0 for none beyond the chain's.
    pub max_net_usage_words: u32,
    /// CPU limit in milliseconds; 0 for none beyond the chain's.
    pub max_cpu_usage_ms: u8,
    /// Seconds to delay execution by.
    pub delay_sec: u32,
    /// Actions that need no authorization and read no state (e.g. [`nonce_action`]).
    pub context_free_actions: Vec<Action>,
    /// The actions, in order.
    pub actions: Vec<Action>,
}

impl Transaction {
    /// (ref_block_num, ref_block_prefix) from a block id in hex: the low 16 bits of the block number (first 4 bytes of the id, big-endian) and the u32 little-endian at bytes 8..12 of the id.
    pub fn tapos(block_id_hex: &str) -> Result<(u16, u32), String> {
        let id = decode_hex(block_id_hex).map_err(|e| format!("block id {block_id_hex:?}: {e}"))?;
        if id.len() != 32 {
            return Err(format!("block id {block_id_hex:?} is {} bytes, a block id is 32", id.len()));
        }
        let block_num = u32::from_be_bytes([id[0], id[1], id[2], id[3]]);
        Ok((block_num as u16, u32::from_le_bytes([id[8], id[9], id[10], id[11]])))
    }

    /// The transaction packed as the chain packs it; an error names the action and the bad name.
    pub fn pack(&self) -> Result<Vec<u8>, String> {
        let data_len: usize = self
            .context_free_actions
            .iter()
            .chain(&self.actions)
            .map(|a| a.data.len() + 32 + 16 * a.authorization.len())
            .sum();
        let mut out = Vec::with_capacity(32 + data_len);
        out.extend_from_slice(&self.expiration.to_le_bytes());
        out.extend_from_slice(&self.ref_block_num.to_le_bytes());
        out.extend_from_slice(&self.ref_block_prefix.to_le_bytes());
        push_varuint32(&mut out, self.max_net_usage_words);
        out.push(self.max_cpu_usage_ms);
        push_varuint32(&mut out, self.delay_sec);
        for (list, actions) in [("context-free action", &self.context_free_actions), ("action", &self.actions)] {
            push_length(&mut out, actions.len())?;
            for (i, action) in actions.iter().enumerate() {
                let named = |what: &str, name: &str| name_value(name).map_err(|e| format!("{list} {i}, {what}: {e}"));
                out.extend_from_slice(&named("account", &action.account)?.to_le_bytes());
                out.extend_from_slice(&named("action name", &action.name)?.to_le_bytes());
                push_length(&mut out, action.authorization.len())?;
                for level in &action.authorization {
                    out.extend_from_slice(&named("authorization actor", &level.actor)?.to_le_bytes());
                    out.extend_from_slice(&named("authorization permission", &level.permission)?.to_le_bytes());
                }
                push_length(&mut out, action.data.len())?;
                out.extend_from_slice(&action.data);
            }
        }
        push_varuint32(&mut out, 0); // transaction_extensions
        Ok(out)
    }

    /// The transaction id: sha256 of the packed transaction.
    pub fn id(packed: &[u8]) -> [u8; 32] {
        Sha256::digest(packed).into()
    }

    /// What a K1 key signs: sha256(chain_id || packed_trx || 32 zero bytes (no context-free data)).
    pub fn signing_digest(chain_id: &[u8; 32], packed: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(chain_id);
        h.update(packed);
        h.update([0u8; 32]);
        h.finalize().into()
    }
}

/// eosio.token::transfer's data: from, to (names), quantity (asset: i64 amount in the smallest unit LE, then the symbol u64 = precision byte then the code's ASCII bytes, zero-padded to 8), memo (varuint32 length + bytes).
///
/// The token contract also wants a positive amount and a memo of at most 256 bytes; that is its
/// check, not a packing rule, so it is not made here.
pub fn transfer_data(from: &str, to: &str, amount: i64, symbol: &Symbol, memo: &str) -> Result<Vec<u8>, String> {
    let from = name_value(from).map_err(|e| format!("transfer from: {e}"))?;
    let to = name_value(to).map_err(|e| format!("transfer to: {e}"))?;
    // The chain's asset: |amount| below 2^62 and a code of 1 to 7 capital letters.
    if amount.unsigned_abs() >= 1 << 62 {
        return Err(format!("amount {amount} is out of an asset's range (magnitude below 2^62)"));
    }
    let code = symbol.code.as_bytes();
    if code.is_empty() || code.len() > 7 || !code.iter().all(u8::is_ascii_uppercase) {
        return Err(format!("{:?} is not a token symbol (1 to 7 letters A-Z)", symbol.code));
    }
    let mut out = Vec::with_capacity(8 + 8 + 16 + 5 + memo.len());
    out.extend_from_slice(&from.to_le_bytes());
    out.extend_from_slice(&to.to_le_bytes());
    out.extend_from_slice(&amount.to_le_bytes());
    let mut symbol_bytes = [0u8; 8];
    symbol_bytes[0] = symbol.precision;
    symbol_bytes[1..=code.len()].copy_from_slice(code);
    out.extend_from_slice(&symbol_bytes);
    push_length(&mut out, memo.len())?;
    out.extend_from_slice(memo.as_bytes());
    Ok(out)
}

/// A context-free `eosio.null::nonce` action carrying `text`, as `cleos --force-unique` adds
/// one: it makes a transaction unlike any other that has the same actions. `eosio.null` is an
/// account every chain is born with, and has no code: the action runs nothing and needs no
/// authorization.
pub fn nonce_action(text: &str) -> Result<Action, String> {
    let mut data = Vec::with_capacity(text.len() + 5);
    push_length(&mut data, text.len())?;
    data.extend_from_slice(text.as_bytes());
    Ok(Action { account: "eosio.null".into(), name: "nonce".into(), authorization: vec![], data })
}

/// The JSON body nodeos takes at /v1/chain/send_transaction and /v1/chain/push_transaction.
///
/// `{"signatures":[...],"compression":"none","packed_context_free_data":"","packed_trx":"…hex…"}`.
pub fn packed_trx_json(signatures: &[String], packed: &[u8]) -> serde_json::Value {
    serde_json::json!({
        "signatures": signatures,
        "compression": "none",
        "packed_context_free_data": "",
        "packed_trx": encode_hex(packed),
    })
}

/// Appends a varuint32 (LEB128: 7 bits a byte, low first, the top bit set on all but the last).
pub(crate) fn push_varuint32(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn push_length(out: &mut Vec<u8>, len: usize) -> Result<(), String> {
    let len = u32::try_from(len).map_err(|_| format!("a length of {len} does not fit a varuint32"))?;
    push_varuint32(out, len);
    Ok(())
}

/// Lower-case hex, as nodeos writes ids and packed transactions.
pub fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0x0f) as usize] as char);
    }
    s
}

/// The bytes of a hex string (either case).
pub fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
    if !hex.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(format!("{:?} is not a hex digit", c as char)),
    };
    hex.as_bytes().chunks(2).map(|pair| Ok(digit(pair[0])? << 4 | digit(pair[1])?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyPair;

    // Every expected value below comes from cleos (leap 4.1, image antelope-lab/nodeos:leap-4.1-…),
    // offline: `convert pack_transaction`, `get transaction_id`, `sign -k KEY -c CHAIN_ID`, and
    // `--abi-file eosio.token:eosio.token.abi convert pack_action_data eosio.token transfer`.

    const DEV_PVT: &str = "5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3";
    const TEST_CHAIN_ID: &str = "8a34ec7df1b8cd06ff4a8abbaa7cc50300823350cadc59ab296cb00d104d2b8f";
    const EOS_MAINNET_CHAIN_ID: &str = "aca376f206b8fc25a6ed44dbdc66547c36c6c33e3a119ffbeaef943642f0e906";

    // {"from":"accountnum11","to":"eosio","quantity":"1.2345 SYS","memo":"lab load test"}
    const TRANSFER_DATA: &str =
        "1082d4334f4d11320000000000ea3055393000000000000004535953000000000d6c6162206c6f61642074657374";
    // {"expiration":"2024-01-01T00:00:00","ref_block_num":12345,"ref_block_prefix":3000000000,
    //  "max_net_usage_words":0,"max_cpu_usage_ms":0,"delay_sec":0,"context_free_actions":[],
    //  "actions":[{"account":"eosio.token","name":"transfer",
    //              "authorization":[{"actor":"accountnum11","permission":"active"}],"data":TRANSFER_DATA}],
    //  "transaction_extensions":[]}
    const TRANSFER_PACKED: &str = "800092653930005ed0b2000000000100a6823403ea3055000000572d3ccdcd011082d4334f4d113200000000a8ed32322e1082d4334f4d11320000000000ea3055393000000000000004535953000000000d6c6162206c6f6164207465737400";
    const TRANSFER_ID: &str = "7a253579c9d1e5535103d4d6a6067b611c5026b5c45d50ee3d342ef82a4eddcc";
    // Signed with the development key for TEST_CHAIN_ID.
    const TRANSFER_SIGNATURE: &str =
        "SIG_K1_Kam9UwysnLoXShWQhTf9hCbYez4fyPEZkbU91JLQiswrt3ELfeeguJ2doZoDeRZhewdyvgRSf68tzhrjRjF4GtoX12Lyb9";

    // {"expiration":"2030-06-15T12:34:56","ref_block_num":65535,"ref_block_prefix":1,
    //  "max_net_usage_words":300,"max_cpu_usage_ms":200,"delay_sec":1000,"context_free_actions":[],
    //  "actions":[{"account":"zzzzzzzzzzzzj","name":"a.b.c","authorization":[{"actor":"eosio","permission":"owner"},
    //               {"actor":"accountnum11","permission":"active"}],"data":"...200 bytes, (7i+3) mod 256..."},
    //             {"account":"eosio","name":"onblock","authorization":[],"data":""}],
    //  "transaction_extensions":[]}
    const WIDE_PACKED: &str = "f010b671ffff01000000ac02c8e8070002ffffffffffffffff0000000000040e30020000000000ea30550000000080ab26a71082d4334f4d113200000000a8ed3232c801030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3eaf1f8ff060d141b222930373e454c535a61686f767d848b9299a0a7aeb5bcc3cad1d8dfe6edf4fb020910171e252c333a41484f565d646b727980878e959ca3aab1b8bfc6cdd4dbe2e9f0f7fe050c131a21282f363d444b525960676e757c838a91989fa6adb4bbc2c9d0d7dee5ecf3fa01080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3dae1e8eff6fd040b121920272e353c434a51585f666d740000000000ea305500000000221acfa4000000";
    const WIDE_ID: &str = "aa256e30a32d8735acdbd9869992fc3123f5d0168cb17bc6ee5f09853924a515";
    // Signed with KeyPair::derive("test-seed", "load") for EOS_MAINNET_CHAIN_ID.
    const WIDE_SIGNATURE: &str =
        "SIG_K1_KcJEEYCpTiA26bXDjd9A79ePXbkZtPNH8aV6vtjcUFVtLtw9yaNHZKKfEo7RAFcF1kZYPTVctGLEKk5dH2riKN7wN4eKVG";

    fn hex(s: &str) -> Vec<u8> {
        decode_hex(s).unwrap()
    }

    fn chain_id(s: &str) -> [u8; 32] {
        hex(s).try_into().unwrap()
    }

    fn level(actor: &str, permission: &str) -> PermissionLevel {
        PermissionLevel { actor: actor.into(), permission: permission.into() }
    }

    fn transfer_trx() -> Transaction {
        Transaction {
            expiration: 1_704_067_200, // 2024-01-01T00:00:00
            ref_block_num: 12345,
            ref_block_prefix: 3_000_000_000,
            max_net_usage_words: 0,
            max_cpu_usage_ms: 0,
            delay_sec: 0,
            context_free_actions: vec![],
            actions: vec![Action {
                account: "eosio.token".into(),
                name: "transfer".into(),
                authorization: vec![level("accountnum11", "active")],
                data: hex(TRANSFER_DATA),
            }],
        }
    }

    fn wide_trx() -> Transaction {
        Transaction {
            expiration: 1_907_757_296, // 2030-06-15T12:34:56
            ref_block_num: 65535,
            ref_block_prefix: 1,
            max_net_usage_words: 300,
            max_cpu_usage_ms: 200,
            delay_sec: 1000,
            context_free_actions: vec![],
            actions: vec![
                Action {
                    account: "zzzzzzzzzzzzj".into(),
                    name: "a.b.c".into(),
                    authorization: vec![level("eosio", "owner"), level("accountnum11", "active")],
                    data: (0..200u32).map(|i| ((i * 7 + 3) % 256) as u8).collect(),
                },
                Action { account: "eosio".into(), name: "onblock".into(), authorization: vec![], data: vec![] },
            ],
        }
    }

    #[test]
    fn name_values_are_the_chains() {
        // Read off cleos's packings above (little-endian u64s).
        for (name, value) in [
            ("eosio", 0x5530_ea00_0000_0000),
            ("eosio.token", 0x5530_ea03_3482_a600),
            ("accountnum11", 0x3211_4d4f_33d4_8210),
            ("transfer", 0xcdcd_3c2d_5700_0000),
            ("active", 0x3232_eda8_0000_0000),
            ("owner", 0xa726_ab80_0000_0000),
            ("onblock", 0xa4cf_1a22_0000_0000),
            ("a.b.c", 0x300e_0400_0000_0000),
            ("zzzzzzzzzzzzj", u64::MAX),
        ] {
            assert_eq!(name_value(name), Ok(value), "{name}");
        }
    }

    #[test]
    fn bad_names_are_refused_with_the_reason() {
        // cleos refuses each of these ("Error 3010001: Invalid name").
        let reason = |name: &str| name_value(name).unwrap_err();
        assert!(reason("Eosio").contains("'E'"));
        assert!(reason("accountnum16").contains("'6'"));
        assert!(reason("a b").contains("' '"));
        assert!(reason("héllo").contains("'é'"));
        assert!(reason("eosio.").contains("ends with '.'"));
        assert!(reason("abcdefghijklmn").contains("14 characters"));
        assert!(reason("zzzzzzzzzzzzz").contains("13th character"));
        assert!(reason("zzzzzzzzzzzz.").contains("ends with '.'"));
        // cleos packs "" as 0; no account or permission is named so, so it is refused here.
        assert!(reason("").contains("empty"));
    }

    #[test]
    fn packs_as_cleos_does() {
        let packed = transfer_trx().pack().unwrap();
        assert_eq!(encode_hex(&packed), TRANSFER_PACKED);
        assert_eq!(encode_hex(&Transaction::id(&packed)), TRANSFER_ID);

        // Multi-byte varuints in the header and for the data, 13-character names, several actions.
        let packed = wide_trx().pack().unwrap();
        assert_eq!(encode_hex(&packed), WIDE_PACKED);
        assert_eq!(encode_hex(&Transaction::id(&packed)), WIDE_ID);
    }

    /// A transfer made unique as `cleos --force-unique` makes it: what `cleos convert
    /// pack_transaction` prints for the same JSON (Leap 4.1).
    #[test]
    fn a_nonce_goes_first_as_a_context_free_action() {
        let mut trx = transfer_trx();
        trx.context_free_actions.push(nonce_action("lab load x 0").unwrap());
        assert_eq!(
            encode_hex(&trx.pack().unwrap()),
            "800092653930005ed0b20000000100408c7a02ea3055000000000085269d000d0c6c6162206c6f6164207820300100a6823403\
             ea3055000000572d3ccdcd011082d4334f4d113200000000a8ed32322e1082d4334f4d11320000000000ea30553930000000000000\
             04535953000000000d6c6162206c6f6164207465737400"
        );
    }

    #[test]
    fn pack_names_the_bad_name() {
        let mut trx = wide_trx();
        trx.actions[1].authorization.push(level("eosio", "Active"));
        let e = trx.pack().unwrap_err();
        assert!(e.contains("action 1") && e.contains("permission") && e.contains("\"Active\""), "{e}");
        let mut trx = transfer_trx();
        trx.actions[0].account = "eosio_token".into();
        let e = trx.pack().unwrap_err();
        assert!(e.contains("action 0") && e.contains("account") && e.contains("\"eosio_token\""), "{e}");
    }

    #[test]
    fn varuint32_is_leb128() {
        for (value, bytes) in [
            (0u32, &[0x00][..]),
            (127, &[0x7f]),
            (128, &[0x80, 0x01]),
            (300, &[0xac, 0x02]),
            (16_384, &[0x80, 0x80, 0x01]),
            (u32::MAX, &[0xff, 0xff, 0xff, 0xff, 0x0f]),
        ] {
            let mut out = vec![];
            push_varuint32(&mut out, value);
            assert_eq!(out, bytes, "{value}");
        }
    }

    #[test]
    fn transfer_data_is_cleos_packing() {
        let sys = Symbol::parse_code("SYS", 4).unwrap();
        assert_eq!(
            encode_hex(&transfer_data("accountnum11", "eosio", 12_345, &sys, "lab load test").unwrap()),
            TRANSFER_DATA
        );

        // {"from":"a","to":"b","quantity":"7 Z","memo":""}
        let z = Symbol::parse_code("Z", 0).unwrap();
        assert_eq!(
            encode_hex(&transfer_data("a", "b", 7, &z, "").unwrap()),
            "000000000000003000000000000000380700000000000000005a00000000000000"
        );

        // {"from":"eosio","to":"zzzzzzzzzzzzj","quantity":"-12345678.90123456 ABCDEFG","memo":"héllo " x 30}:
        // a negative amount, a 7-letter code, a memo of 210 bytes (2-byte length).
        let long = Symbol::parse_code("ABCDEFG", 8).unwrap();
        let expected = format!(
            "0000000000ea3055ffffffffffffffff404575c32a9dfbff0841424344454647d201{}",
            "68c3a96c6c6f20".repeat(30)
        );
        let memo = "héllo ".repeat(30);
        assert_eq!(
            encode_hex(&transfer_data("eosio", "zzzzzzzzzzzzj", -1_234_567_890_123_456, &long, &memo).unwrap()),
            expected
        );

        assert!(transfer_data("Alice", "eosio", 1, &sys, "").unwrap_err().contains("from"));
        assert!(transfer_data("eosio", "bob!", 1, &sys, "").unwrap_err().contains("to"));
        let bad = Symbol { code: "TOOLONGX".into(), precision: 4 };
        assert!(transfer_data("eosio", "alice", 1, &bad, "").unwrap_err().contains("symbol"));
        assert!(transfer_data("eosio", "alice", 1 << 62, &sys, "").unwrap_err().contains("range"));
    }

    #[test]
    fn signed_as_cleos_signs() {
        let packed = transfer_trx().pack().unwrap();
        let digest = Transaction::signing_digest(&chain_id(TEST_CHAIN_ID), &packed);
        let dev = KeyPair::from_wif(DEV_PVT).unwrap().signer().unwrap();
        assert_eq!(dev.sign(&digest), TRANSFER_SIGNATURE);

        let packed = wide_trx().pack().unwrap();
        let digest = Transaction::signing_digest(&chain_id(EOS_MAINNET_CHAIN_ID), &packed);
        let derived = KeyPair::derive("test-seed", "load").signer().unwrap();
        assert_eq!(derived.sign(&digest), WIDE_SIGNATURE);
        // The same with the development key; `cleos validate signatures -c EOS_MAINNET_CHAIN_ID`
        // recovers EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV from it.
        assert_eq!(
            dev.sign(&digest),
            "SIG_K1_KfDhpyqRD4pBREuzfmKP2aW3KSwYqz6RyMutCfXGY2CZqNaDJiaqU1UpyYXXe9nQvDvATEk5Zr7H9S3H3LKsPN4dQ3fhb2"
        );
    }

    #[test]
    fn tapos_from_a_block_id() {
        // Block 12345678 (0x00bc614e); bytes 8..12 are 00 a3 e1 11, 300000000 little-endian.
        let id = "00bc614e1111111100a3e111deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
        assert_eq!(Transaction::tapos(id), Ok((0x614e, 300_000_000)));
        assert_eq!(Transaction::tapos(&id.to_uppercase()), Ok((0x614e, 300_000_000)));
        assert!(Transaction::tapos(&id[..62]).unwrap_err().contains("31 bytes"));
        assert!(Transaction::tapos(&id[..63]).unwrap_err().contains("odd"));
        assert!(Transaction::tapos(&id.replace('d', "x")).unwrap_err().contains("'x'"));
    }

    #[test]
    fn the_body_nodeos_takes() {
        let body = packed_trx_json(&[TRANSFER_SIGNATURE.to_string()], &hex(TRANSFER_PACKED));
        assert_eq!(
            body,
            serde_json::json!({
                "signatures": [TRANSFER_SIGNATURE],
                "compression": "none",
                "packed_context_free_data": "",
                "packed_trx": TRANSFER_PACKED,
            })
        );
    }
}
