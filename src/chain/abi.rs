//! Action data packed by a contract's ABI, the way the chain's `abi_serializer` packs it, so that
//! any action can be sent without cleos and without asking a node to pack it.
//!
//! The ABI is the JSON `get_abi` answers. Its types resolve through `types` (aliases), `structs`
//! (fields after the base's) and `variants` (an index, then the value) down to the built-in types
//! below; a type name may end in `[]` (a varuint32 count, then the items), `?` (a byte 0 or 1, then
//! the value) or `$` (a binary extension: left out when the JSON leaves it out, only at the end of a
//! struct). Integers are taken as JSON numbers or as strings of digits (64- and 128-bit ones
//! usually come as strings). Every error names the path of the value it is about, e.g.
//! `data.quantity: …`.

use std::collections::HashMap;

use ripemd::{Digest, Ripemd160};
use serde_json::Value;

use crate::chain::transaction::{decode_hex, name_value, push_varuint32};

/// The actions the chain itself handles on `eosio`, whatever contract it runs (or none): their
/// data is packed by [`Abi::native`], as cleos packs them, not by the contract's ABI.
pub const NATIVE_ACTIONS: &[&str] =
    &["newaccount", "updateauth", "deleteauth", "linkauth", "unlinkauth", "setcode", "setabi", "canceldelay"];

/// The native actions' types, as the chain declares them (libraries/chain's `eosio_contract_abi`).
const NATIVE_ABI: &str = r#"{
  "structs": [
    {"name": "permission_level", "base": "", "fields": [{"name": "actor", "type": "name"}, {"name": "permission", "type": "name"}]},
    {"name": "key_weight", "base": "", "fields": [{"name": "key", "type": "public_key"}, {"name": "weight", "type": "uint16"}]},
    {"name": "permission_level_weight", "base": "", "fields": [{"name": "permission", "type": "permission_level"}, {"name": "weight", "type": "uint16"}]},
    {"name": "wait_weight", "base": "", "fields": [{"name": "wait_sec", "type": "uint32"}, {"name": "weight", "type": "uint16"}]},
    {"name": "authority", "base": "", "fields": [{"name": "threshold", "type": "uint32"}, {"name": "keys", "type": "key_weight[]"}, {"name": "accounts", "type": "permission_level_weight[]"}, {"name": "waits", "type": "wait_weight[]"}]},
    {"name": "newaccount", "base": "", "fields": [{"name": "creator", "type": "name"}, {"name": "name", "type": "name"}, {"name": "owner", "type": "authority"}, {"name": "active", "type": "authority"}]},
    {"name": "updateauth", "base": "", "fields": [{"name": "account", "type": "name"}, {"name": "permission", "type": "name"}, {"name": "parent", "type": "name"}, {"name": "auth", "type": "authority"}]},
    {"name": "deleteauth", "base": "", "fields": [{"name": "account", "type": "name"}, {"name": "permission", "type": "name"}]},
    {"name": "linkauth", "base": "", "fields": [{"name": "account", "type": "name"}, {"name": "code", "type": "name"}, {"name": "type", "type": "name"}, {"name": "requirement", "type": "name"}]},
    {"name": "unlinkauth", "base": "", "fields": [{"name": "account", "type": "name"}, {"name": "code", "type": "name"}, {"name": "type", "type": "name"}]},
    {"name": "setcode", "base": "", "fields": [{"name": "account", "type": "name"}, {"name": "vmtype", "type": "uint8"}, {"name": "vmversion", "type": "uint8"}, {"name": "code", "type": "bytes"}]},
    {"name": "setabi", "base": "", "fields": [{"name": "account", "type": "name"}, {"name": "abi", "type": "bytes"}]},
    {"name": "canceldelay", "base": "", "fields": [{"name": "canceling_auth", "type": "permission_level"}, {"name": "trx_id", "type": "checksum256"}]}
  ],
  "actions": [
    {"name": "newaccount", "type": "newaccount"}, {"name": "updateauth", "type": "updateauth"},
    {"name": "deleteauth", "type": "deleteauth"}, {"name": "linkauth", "type": "linkauth"},
    {"name": "unlinkauth", "type": "unlinkauth"}, {"name": "setcode", "type": "setcode"},
    {"name": "setabi", "type": "setabi"}, {"name": "canceldelay", "type": "canceldelay"}
  ]
}"#;

/// A contract's ABI, ready to pack its actions' data.
#[derive(Debug, Clone)]
pub struct Abi {
    aliases: HashMap<String, String>,
    structs: HashMap<String, Struct>,
    variants: HashMap<String, Vec<String>>,
    /// Action name → its data's type.
    actions: HashMap<String, String>,
}

#[derive(Debug, Clone)]
struct Struct {
    base: String,
    fields: Vec<(String, String)>,
}

impl Abi {
    /// Reads the ABI JSON (`get_abi`'s `abi`, or an `.abi` file).
    pub fn from_json(abi: &Value) -> Result<Abi, String> {
        let list = |key: &str| abi[key].as_array().cloned().unwrap_or_default();
        let text = |v: &Value, key: &str, what: &str| {
            v[key].as_str().map(str::to_string).ok_or_else(|| format!("the ABI has a {what} without `{key}`: {v}"))
        };
        let mut out =
            Abi { aliases: HashMap::new(), structs: HashMap::new(), variants: HashMap::new(), actions: HashMap::new() };
        for t in list("types") {
            out.aliases.insert(text(&t, "new_type_name", "type")?, text(&t, "type", "type")?);
        }
        for s in list("structs") {
            let fields = s["fields"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|f| Ok((text(f, "name", "field")?, text(f, "type", "field")?)))
                .collect::<Result<Vec<_>, String>>()?;
            let base = s["base"].as_str().unwrap_or_default().to_string();
            out.structs.insert(text(&s, "name", "struct")?, Struct { base, fields });
        }
        for v in list("variants") {
            let types = v["types"].as_array().cloned().unwrap_or_default();
            let types = types.iter().map(|t| t.as_str().unwrap_or_default().to_string()).collect();
            out.variants.insert(text(&v, "name", "variant")?, types);
        }
        for a in list("actions") {
            out.actions.insert(text(&a, "name", "action")?, text(&a, "type", "action")?);
        }
        Ok(out)
    }

    /// The native actions' ABI ([`NATIVE_ACTIONS`]).
    pub fn native() -> &'static Abi {
        static NATIVE: std::sync::OnceLock<Abi> = std::sync::OnceLock::new();
        NATIVE.get_or_init(|| {
            let json: Value = serde_json::from_str(NATIVE_ABI).expect("the native ABI is JSON");
            Abi::from_json(&json).expect("the native ABI reads")
        })
    }

    /// The contract's actions, sorted.
    pub fn action_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.actions.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Whether the contract has the action.
    pub fn has_action(&self, action: &str) -> bool {
        self.actions.contains_key(action)
    }

    /// The action's data, packed. Errors name the field (`data.to: …`) or the action.
    pub fn pack_action(&self, action: &str, data: &Value) -> Result<Vec<u8>, String> {
        let ty = self.actions.get(action).ok_or_else(|| format!("the contract has no action `{action}`"))?;
        let mut out = Vec::new();
        self.pack(ty, data, "data", &mut out, 0)?;
        Ok(out)
    }

    fn resolve<'a>(&'a self, mut ty: &'a str) -> &'a str {
        for _ in 0..32 {
            match self.aliases.get(ty) {
                Some(next) => ty = next,
                None => break,
            }
        }
        ty
    }

    fn pack(&self, ty: &str, v: &Value, path: &str, out: &mut Vec<u8>, depth: usize) -> Result<(), String> {
        if depth > 32 {
            return Err(format!("{path}: the ABI's types nest deeper than 32"));
        }
        let ty = self.resolve(ty);
        if let Some(item) = ty.strip_suffix("[]") {
            let items = v.as_array().ok_or_else(|| format!("{path}: a list ({ty}) is a JSON array, not {v}"))?;
            push_varuint32(out, items.len() as u32);
            for (k, item_value) in items.iter().enumerate() {
                self.pack(item, item_value, &format!("{path}[{k}]"), out, depth + 1)?;
            }
            return Ok(());
        }
        if let Some(inner) = ty.strip_suffix('?') {
            if v.is_null() {
                out.push(0);
                return Ok(());
            }
            out.push(1);
            return self.pack(inner, v, path, out, depth + 1);
        }
        if let Some(inner) = ty.strip_suffix('$') {
            return self.pack(inner, v, path, out, depth + 1);
        }
        if let Some(s) = self.structs.get(ty) {
            return self.pack_struct(ty, s, v, path, out, depth);
        }
        if let Some(types) = self.variants.get(ty) {
            let pair = v.as_array().filter(|a| a.len() == 2);
            let (name, value) = match pair.map(|a| (a[0].as_str(), &a[1])) {
                Some((Some(name), value)) => (name, value),
                _ => return Err(format!("{path}: a variant ({ty}) is [\"type\", value], not {v}")),
            };
            let index = types.iter().position(|t| t == name).ok_or_else(|| {
                format!("{path}: {name:?} is not one of the variant {ty}'s types ({})", types.join(", "))
            })?;
            push_varuint32(out, index as u32);
            return self.pack(name, value, path, out, depth + 1);
        }
        pack_builtin(ty, v, path, out)
    }

    fn pack_struct(
        &self,
        ty: &str,
        s: &Struct,
        v: &Value,
        path: &str,
        out: &mut Vec<u8>,
        depth: usize,
    ) -> Result<(), String> {
        let object = v.as_object().ok_or_else(|| format!("{path}: a {ty} is a JSON object, not {v}"))?;
        // The base's fields first, then the struct's own; a field no level has is a mistake.
        let mut levels = vec![s];
        let mut base = self.resolve(&s.base);
        while !base.is_empty() {
            let b = self.structs.get(base).ok_or_else(|| format!("{path}: the base {base} of {ty} is not a struct"))?;
            if levels.len() > 32 {
                return Err(format!("{path}: the bases of {ty} nest deeper than 32"));
            }
            levels.push(b);
            base = self.resolve(&b.base);
        }
        let fields: Vec<&(String, String)> = levels.iter().rev().flat_map(|l| l.fields.iter()).collect();
        let mut extensions_left_out = false;
        for (name, field_ty) in &fields {
            let field_path = format!("{path}.{name}");
            match object.get(name) {
                Some(_) if extensions_left_out => {
                    return Err(format!("{field_path}: given after a binary extension left out before it"));
                }
                Some(value) => self.pack(field_ty, value, &field_path, out, depth + 1)?,
                None if field_ty.ends_with('$') => extensions_left_out = true,
                None if field_ty.ends_with('?') => out.push(0),
                None => return Err(format!("{field_path}: missing (a {field_ty})")),
            }
        }
        if let Some(extra) = object.keys().find(|k| !fields.iter().any(|(n, _)| n == *k)) {
            let known: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
            return Err(format!("{path}.{extra}: {ty} has no such field (it has {})", known.join(", ")));
        }
        Ok(())
    }
}

fn pack_builtin(ty: &str, v: &Value, path: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let bad = |what: &str| format!("{path}: {v} is not {what} ({ty})");
    match ty {
        "bool" => out.push(u8::from(v.as_bool().ok_or_else(|| bad("true or false"))?)),
        "int8" => out.extend_from_slice(&(int(v, path, ty, i8::MIN as i128, i8::MAX as i128)? as i8).to_le_bytes()),
        "uint8" => out.push(int(v, path, ty, 0, u8::MAX as i128)? as u8),
        "int16" => out.extend_from_slice(&(int(v, path, ty, i16::MIN as i128, i16::MAX as i128)? as i16).to_le_bytes()),
        "uint16" => out.extend_from_slice(&(int(v, path, ty, 0, u16::MAX as i128)? as u16).to_le_bytes()),
        "int32" => out.extend_from_slice(&(int(v, path, ty, i32::MIN as i128, i32::MAX as i128)? as i32).to_le_bytes()),
        "uint32" => out.extend_from_slice(&(int(v, path, ty, 0, u32::MAX as i128)? as u32).to_le_bytes()),
        "int64" => out.extend_from_slice(&(int(v, path, ty, i64::MIN as i128, i64::MAX as i128)? as i64).to_le_bytes()),
        "uint64" => out.extend_from_slice(&(int(v, path, ty, 0, u64::MAX as i128)? as u64).to_le_bytes()),
        "int128" => out.extend_from_slice(&int(v, path, ty, i128::MIN, i128::MAX)?.to_le_bytes()),
        "uint128" => out.extend_from_slice(&uint128(v, path)?.to_le_bytes()),
        "varuint32" => push_varuint32(out, int(v, path, ty, 0, u32::MAX as i128)? as u32),
        "varint32" => {
            let n = int(v, path, ty, i32::MIN as i128, i32::MAX as i128)? as i32;
            // Zig-zag, as fc packs a signed_int.
            push_varuint32(out, ((n << 1) ^ (n >> 31)) as u32);
        }
        "float32" => out.extend_from_slice(&(float(v).ok_or_else(|| bad("a number"))? as f32).to_le_bytes()),
        "float64" => out.extend_from_slice(&float(v).ok_or_else(|| bad("a number"))?.to_le_bytes()),
        "name" => {
            let text = v.as_str().ok_or_else(|| bad("a name string"))?;
            // The empty name is 0 (a proxy of none, …); every other one by the chain's rules.
            let value = if text.is_empty() { 0 } else { name_value(text).map_err(|e| format!("{path}: {e}"))? };
            out.extend_from_slice(&value.to_le_bytes());
        }
        "string" => {
            let text = v.as_str().ok_or_else(|| bad("a string"))?;
            push_varuint32(out, text.len() as u32);
            out.extend_from_slice(text.as_bytes());
        }
        "bytes" => {
            let bytes = v.as_str().and_then(|h| decode_hex(h).ok()).ok_or_else(|| bad("hex"))?;
            push_varuint32(out, bytes.len() as u32);
            out.extend_from_slice(&bytes);
        }
        "checksum160" | "checksum256" | "checksum512" => {
            let len = match ty {
                "checksum160" => 20,
                "checksum256" => 32,
                _ => 64,
            };
            let bytes = v.as_str().and_then(|h| decode_hex(h).ok()).filter(|b| b.len() == len);
            out.extend_from_slice(&bytes.ok_or_else(|| bad(&format!("{} hex digits", len * 2)))?);
        }
        "symbol_code" => out.extend_from_slice(&symbol_code(v.as_str().ok_or_else(|| bad("a string"))?, path)?),
        "symbol" => {
            let text = v.as_str().ok_or_else(|| bad("a symbol like \"4,SYS\""))?;
            let (precision, code) = text.split_once(',').ok_or_else(|| bad("a symbol like \"4,SYS\""))?;
            let precision: u8 = precision.trim().parse().ok().filter(|p| *p <= 18).ok_or_else(|| bad("a symbol"))?;
            out.push(precision);
            out.extend_from_slice(&symbol_code(code.trim(), path)?[..7]);
        }
        "asset" => out.extend_from_slice(&asset(v.as_str().ok_or_else(|| bad("an asset like \"1.0000 SYS\""))?, path)?),
        "extended_asset" => {
            let quantity = v["quantity"].as_str().ok_or_else(|| format!("{path}.quantity: missing (an asset)"))?;
            out.extend_from_slice(&asset(quantity, &format!("{path}.quantity"))?);
            let contract = v["contract"].as_str().ok_or_else(|| format!("{path}.contract: missing (a name)"))?;
            let contract = name_value(contract).map_err(|e| format!("{path}.contract: {e}"))?;
            out.extend_from_slice(&contract.to_le_bytes());
        }
        "time_point_sec" => out.extend_from_slice(&((time_ms(v, path)? / 1000) as u32).to_le_bytes()),
        "time_point" => out.extend_from_slice(&(time_ms(v, path)? * 1000).to_le_bytes()),
        "block_timestamp_type" => {
            // Half-seconds since 2000-01-01.
            let slot = (time_ms(v, path)? - 946_684_800_000) / 500;
            out.extend_from_slice(&u32::try_from(slot).map_err(|_| bad("a time from 2000 on"))?.to_le_bytes());
        }
        "public_key" => {
            let text = v.as_str().ok_or_else(|| bad("a public key"))?;
            out.push(0); // K1
            out.extend_from_slice(&public_key_k1(text).map_err(|e| format!("{path}: {e}"))?);
        }
        other => return Err(format!("{path}: the type {other} is neither in the ABI nor one lab packs")),
    }
    Ok(())
}

fn int(v: &Value, path: &str, ty: &str, min: i128, max: i128) -> Result<i128, String> {
    let n = match v {
        Value::Number(n) => n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from)),
        Value::String(s) => s.trim().parse::<i128>().ok(),
        _ => None,
    };
    n.filter(|n| (min..=max).contains(n)).ok_or_else(|| format!("{path}: {v} is not a {ty} ({min} to {max})"))
}

fn uint128(v: &Value, path: &str) -> Result<u128, String> {
    let n = match v {
        Value::Number(n) => n.as_u64().map(u128::from),
        Value::String(s) => s.trim().parse::<u128>().ok(),
        _ => None,
    };
    n.ok_or_else(|| format!("{path}: {v} is not a uint128"))
}

fn float(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A symbol code's 8 bytes: the letters, zero-padded.
fn symbol_code(code: &str, path: &str) -> Result<[u8; 8], String> {
    if code.is_empty() || code.len() > 7 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!("{path}: {code:?} is not a symbol code (1 to 7 letters A-Z)"));
    }
    let mut out = [0u8; 8];
    out[..code.len()].copy_from_slice(code.as_bytes());
    Ok(out)
}

/// `"1.0000 SYS"`: the amount in the smallest unit (i64), then the symbol (precision, code).
fn asset(text: &str, path: &str) -> Result<[u8; 16], String> {
    let bad = || format!("{path}: {text:?} is not an asset like \"1.0000 SYS\"");
    let (number, code) = text.trim().split_once(' ').ok_or_else(bad)?;
    let (negative, digits) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || !(whole.bytes().all(|b| b.is_ascii_digit()) && frac.bytes().all(|b| b.is_ascii_digit())) {
        return Err(bad());
    }
    let precision = u8::try_from(frac.len()).ok().filter(|p| *p <= 18).ok_or_else(bad)?;
    let units: i64 = format!("{whole}{frac}")
        .parse()
        .ok()
        .filter(|u: &i64| *u < 1 << 62)
        .ok_or_else(|| format!("{path}: {text:?} is larger than an asset can be (2^62 units)"))?;
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&(if negative { -units } else { units }).to_le_bytes());
    out[8] = precision;
    out[9..].copy_from_slice(&symbol_code(code.trim(), path)?[..7]);
    Ok(out)
}

/// Milliseconds since 1970 of `"2024-01-31T12:00:00"` or `"…:00.500"` (UTC, as nodeos writes times).
fn time_ms(v: &Value, path: &str) -> Result<i64, String> {
    let text = v.as_str().ok_or_else(|| format!("{path}: {v} is not a time like \"2024-01-31T12:00:00.000\""))?;
    let bad = || format!("{path}: {text:?} is not a time like \"2024-01-31T12:00:00.000\"");
    let text = text.trim_end_matches('Z');
    let (date, time) = text.split_once('T').ok_or_else(bad)?;
    let d: Vec<i64> = date.split('-').map(|p| p.parse().map_err(|_| bad())).collect::<Result<_, _>>()?;
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let t: Vec<i64> = hms.split(':').map(|p| p.parse().map_err(|_| bad())).collect::<Result<_, _>>()?;
    if d.len() != 3 || t.len() != 3 || frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (y, m, day) = (d[0], d[1], d[2]);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || t[0] > 23 || t[1] > 59 || t[2] > 59 {
        return Err(bad());
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let millis: i64 = format!("{frac:0<3}").parse().map_err(|_| bad())?;
    Ok(((days * 24 + t[0]) * 60 + t[1]) * 60_000 + t[2] * 1000 + millis)
}

/// A K1 public key's 33 bytes, from `EOS…` (checksum: ripemd160 of the key) or `PUB_K1_…`
/// (ripemd160 of the key and "K1").
pub fn public_key_k1(text: &str) -> Result<[u8; 33], String> {
    let (body, suffix): (&str, &[u8]) = if let Some(b) = text.strip_prefix("PUB_K1_") {
        (b, b"K1")
    } else if let Some(b) = text.strip_prefix("EOS") {
        (b, b"")
    } else {
        return Err(format!("{text:?} is not a K1 public key (EOS… or PUB_K1_…)"));
    };
    let raw = bs58::decode(body).into_vec().map_err(|e| format!("{text:?} is not base58: {e}"))?;
    if raw.len() != 37 {
        return Err(format!("{text:?} is not a K1 public key (37 bytes with its checksum)"));
    }
    let (key, check) = raw.split_at(33);
    let mut hasher = Ripemd160::new();
    hasher.update(key);
    hasher.update(suffix);
    if hasher.finalize()[..4] != *check {
        return Err(format!("{text:?}: its checksum does not match"));
    }
    Ok(key.try_into().expect("33 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::asset::Symbol;
    use crate::chain::transaction::{encode_hex, transfer_data};
    use serde_json::json;

    fn token_abi() -> Abi {
        Abi::from_json(&json!({
            "version": "eosio::abi/1.2",
            "types": [{"new_type_name": "account_name", "type": "name"}],
            "structs": [
                {"name": "transfer", "base": "", "fields": [
                    {"name": "from", "type": "account_name"}, {"name": "to", "type": "name"},
                    {"name": "quantity", "type": "asset"}, {"name": "memo", "type": "string"}]},
                {"name": "key_weight", "base": "", "fields": [
                    {"name": "key", "type": "public_key"}, {"name": "weight", "type": "uint16"}]},
                {"name": "block_signing_authority_v0", "base": "", "fields": [
                    {"name": "threshold", "type": "uint32"}, {"name": "keys", "type": "key_weight[]"}]},
                {"name": "regproducer2", "base": "", "fields": [
                    {"name": "producer", "type": "name"},
                    {"name": "producer_authority", "type": "block_signing_authority"},
                    {"name": "url", "type": "string"}, {"name": "location", "type": "uint16"}]},
                {"name": "voteproducer", "base": "", "fields": [
                    {"name": "voter", "type": "name"}, {"name": "proxy", "type": "name"},
                    {"name": "producers", "type": "name[]"}]},
                {"name": "params", "base": "", "fields": [
                    {"name": "max", "type": "uint32"}, {"name": "opt", "type": "int8?"},
                    {"name": "ext", "type": "varint32$"}]},
                {"name": "head", "base": "", "fields": [{"name": "max", "type": "uint32"}]},
                {"name": "child", "base": "head", "fields": [{"name": "at", "type": "time_point_sec"}]}
            ],
            "variants": [{"name": "block_signing_authority", "types": ["block_signing_authority_v0"]}],
            "actions": [
                {"name": "transfer", "type": "transfer", "ricardian_contract": ""},
                {"name": "regproducer2", "type": "regproducer2", "ricardian_contract": ""},
                {"name": "voteproducer", "type": "voteproducer", "ricardian_contract": ""},
                {"name": "setparams", "type": "params", "ricardian_contract": ""},
                {"name": "child", "type": "child", "ricardian_contract": ""}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn a_transfer_packs_as_the_hand_packed_one() {
        let abi = token_abi();
        let packed = abi
            .pack_action(
                "transfer",
                &json!({"from": "accountnum11", "to": "accountnum12", "quantity": "0.0007 SYS", "memo": "lab load x 1"}),
            )
            .unwrap();
        let sys = Symbol { code: "SYS".into(), precision: 4 };
        assert_eq!(packed, transfer_data("accountnum11", "accountnum12", 7, &sys, "lab load x 1").unwrap());
    }

    /// The bytes `cleos convert pack_action_data eosio voteproducer
    /// '{"voter":"alice","proxy":"","producers":["bob"]}'` prints (Leap 4.1).
    #[test]
    fn lists_and_the_empty_name_pack_as_cleos() {
        let packed = token_abi()
            .pack_action("voteproducer", &json!({"voter": "alice", "proxy": "", "producers": ["bob"]}))
            .unwrap();
        assert_eq!(encode_hex(&packed), "0000000000855c340000000000000000010000000000000e3d");
        // The empty proxy is the name 0.
        let e = token_abi().pack_action("voteproducer", &json!({"voter": "alice", "proxy": "", "producers": []}));
        assert_eq!(e.unwrap()[8..], [0; 9]);
    }

    #[test]
    fn variants_keys_optionals_extensions_and_bases() {
        let abi = token_abi();
        let key = "EOS8Znrtgwt8TfpmbVpTKvA2oB8Nqey625CLN8bCN3TEbgx86Dsvr";
        let packed = abi
            .pack_action(
                "regproducer2",
                &json!({"producer": "alice", "url": "", "location": 0,
                        "producer_authority": ["block_signing_authority_v0", {"threshold": 1, "keys": [{"key": key, "weight": 1}]}]}),
            )
            .unwrap();
        // What `cleos convert pack_action_data eosio regproducer2 …` prints for the same (Leap 4.1).
        assert_eq!(
            encode_hex(&packed),
            "0000000000855c340001000000010003e453f455d41f17aec45930d20adf5445c4a653e791de977928ce90b254b740140100000000"
        );
        // The optional left out is a 0 byte; the extension left out is nothing; given, zig-zag.
        assert_eq!(abi.pack_action("setparams", &json!({"max": "300"})).unwrap(), [44, 1, 0, 0, 0]);
        assert_eq!(
            abi.pack_action("setparams", &json!({"max": 1, "opt": -1, "ext": -2})).unwrap(),
            [1, 0, 0, 0, 1, 255, 3]
        );
        // A struct's base comes first.
        let child = abi.pack_action("child", &json!({"max": 1, "at": "1970-01-02T00:00:00.000"})).unwrap();
        assert_eq!(child, [1, 0, 0, 0, 0x80, 0x51, 0x01, 0x00]);
    }

    #[test]
    fn each_error_names_the_field() {
        let abi = token_abi();
        let transfer = |data: Value| abi.pack_action("transfer", &data).unwrap_err();
        let e = transfer(json!({"from": "alice", "to": "bob", "quantity": "1.0000 SYS"}));
        assert_eq!(e, "data.memo: missing (a string)");
        let e = transfer(json!({"from": "alice", "to": "Bob", "quantity": "1.0000 SYS", "memo": ""}));
        assert!(e.starts_with("data.to: "), "{e}");
        let e = transfer(json!({"from": "alice", "to": "bob", "quantity": "1 SYS x", "memo": ""}));
        assert!(e.starts_with("data.quantity: "), "{e}");
        let e = transfer(json!({"from": "alice", "to": "bob", "quantity": "1.0 SYS", "memo": "", "extra": 1}));
        assert!(e.starts_with("data.extra: transfer has no such field"), "{e}");
        let e = abi.pack_action("voteproducer", &json!({"voter": "a", "proxy": "", "producers": "bob"})).unwrap_err();
        assert!(e.starts_with("data.producers: a list"), "{e}");
        let e = abi.pack_action("setparams", &json!({"max": -1})).unwrap_err();
        assert!(e.starts_with("data.max: -1 is not a uint32"), "{e}");
        assert_eq!(abi.pack_action("nope", &json!({})).unwrap_err(), "the contract has no action `nope`");
    }

    #[test]
    fn times_and_keys() {
        assert_eq!(time_ms(&json!("2000-01-01T00:00:00.000"), "t").unwrap(), 946_684_800_000);
        assert_eq!(time_ms(&json!("2024-02-29T12:30:15.5"), "t").unwrap(), 1_709_209_815_500);
        assert!(time_ms(&json!("2024-13-01T00:00:00"), "t").is_err());
        let legacy = public_key_k1("EOS8Znrtgwt8TfpmbVpTKvA2oB8Nqey625CLN8bCN3TEbgx86Dsvr").unwrap();
        // The same key in the PUB_K1_ form has a checksum over "K1" too.
        let mut hasher = Ripemd160::new();
        hasher.update(legacy);
        hasher.update(b"K1");
        let mut raw = legacy.to_vec();
        raw.extend_from_slice(&hasher.finalize()[..4]);
        let modern = format!("PUB_K1_{}", bs58::encode(raw).into_string());
        assert_eq!(public_key_k1(&modern).unwrap(), legacy);
        assert!(public_key_k1("EOS8Znrtgwt8TfpmbVpTKvA2oB8Nqey625CLN8bCN3TEbgx86Dsvs").is_err());
    }
}
