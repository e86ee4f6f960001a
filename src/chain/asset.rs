//! Token amounts as integers of the smallest unit, so that allocation sums are exact.

use std::fmt;

/// A token symbol: its code (`SYS`) and precision (digits after the point).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Symbol {
    pub code: String,
    pub precision: u8,
}

impl Symbol {
    pub fn parse_code(code: &str, precision: u8) -> Result<Self, String> {
        if code.is_empty() || code.len() > 7 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(format!("{code:?} is not a token symbol (1 to 7 letters A-Z)"));
        }
        if precision > 18 {
            return Err(format!("precision {precision} is more than 18"));
        }
        Ok(Symbol { code: code.to_string(), precision })
    }

    /// `4,SYS`, as the system contract's `init` takes it.
    pub fn to_chain_string(&self) -> String {
        format!("{},{}", self.precision, self.code)
    }

    pub fn unit(&self) -> i64 {
        10i64.pow(self.precision as u32)
    }
}

/// An amount in the smallest unit of a symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, serde::Serialize)]
pub struct Amount(pub i64);

impl Amount {
    /// Parses `"1000000000.0000"` or `"1000000000"` (whole tokens) with the symbol's precision;
    /// a trailing symbol code (`"10.0000 SYS"`) must match.
    pub fn parse(text: &str, symbol: &Symbol) -> Result<Amount, String> {
        let text = text.trim();
        let number = match text.split_once(' ') {
            Some((n, code)) if code.trim() == symbol.code => n,
            Some((_, code)) => return Err(format!("{text:?} is in {code}, the chain's symbol is {}", symbol.code)),
            None => text,
        };
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("{text:?} is not an amount like \"1000.0000\""));
        }
        if frac.len() > symbol.precision as usize {
            return Err(format!("{text:?} has more than {} decimal places", symbol.precision));
        }
        let frac_units: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse::<i64>().unwrap() * 10i64.pow((symbol.precision as usize - frac.len()) as u32)
        };
        let whole: i64 = whole.parse().map_err(|_| format!("{text:?} is too large"))?;
        whole
            .checked_mul(symbol.unit())
            .and_then(|w| w.checked_add(frac_units))
            .filter(|v| *v < (1i64 << 62))
            .map(Amount)
            .ok_or_else(|| format!("{text:?} is larger than a token amount can be (2^62 units)"))
    }

    pub fn display<'a>(&self, symbol: &'a Symbol) -> AssetDisplay<'a> {
        AssetDisplay { amount: *self, symbol }
    }
}

/// `1000.0000 SYS`, the form cleos and the contracts take.
pub struct AssetDisplay<'a> {
    amount: Amount,
    symbol: &'a Symbol,
}

impl fmt::Display for AssetDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = self.symbol.unit();
        let sign = if self.amount.0 < 0 { "-" } else { "" };
        let v = self.amount.0.unsigned_abs();
        let (whole, frac) = (v / unit as u64, v % unit as u64);
        if self.symbol.precision == 0 {
            write!(f, "{sign}{whole} {}", self.symbol.code)
        } else {
            write!(f, "{sign}{whole}.{frac:0width$} {}", self.symbol.code, width = self.symbol.precision as usize)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sys() -> Symbol {
        Symbol::parse_code("SYS", 4).unwrap()
    }

    #[test]
    fn parses_and_formats() {
        let s = sys();
        assert_eq!(Amount::parse("10000000000.0000", &s), Ok(Amount(100_000_000_000_000)));
        assert_eq!(Amount::parse("1.5", &s), Ok(Amount(15_000)));
        assert_eq!(Amount::parse("7 SYS", &s), Ok(Amount(70_000)));
        assert_eq!(Amount(12_345).display(&s).to_string(), "1.2345 SYS");
        assert_eq!(Amount(1).display(&s).to_string(), "0.0001 SYS");
        assert_eq!(s.to_chain_string(), "4,SYS");
    }

    #[test]
    fn rejects_bad_amounts() {
        let s = sys();
        assert!(Amount::parse("1.00001", &s).unwrap_err().contains("decimal places"));
        assert!(Amount::parse("abc", &s).is_err());
        assert!(Amount::parse("-1", &s).is_err());
        assert!(Amount::parse("1 EOS", &s).unwrap_err().contains("EOS"));
        assert!(Amount::parse("99999999999999999999", &s).is_err());
        assert!(Symbol::parse_code("sys", 4).is_err());
    }
}
