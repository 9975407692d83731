//! Prices as whole ticks (hundredths), never floats.
//!
//! “Critical Threading Fixes for Live Trading” saw stop prices like `511.95000000000005` rejected
//! by the broker: a price computed in binary floating point is not a price on the tick grid. The
//! simulated world keeps prices as an integer count of hundredths, so every price that reaches
//! the broker is exact.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

/// A price in hundredths (`Price(51195)` is `511.95`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Price(pub i64);

impl fmt::Display for Price {
    /// `511.95`, `-0.05`: the digits are written into a buffer on the stack and passed on whole.
    /// A price is in nearly every ledger line, so this runs in every execution of most models;
    /// a nested `write!` cost several times as much (callgrind, the overhead benchmark). Like
    /// that `write!`, it ignores the caller's width and fill.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `-92233720368547758.08`, the longest, is 21 bytes.
        let mut text = [0u8; 24];
        let mut at = text.len();
        let mut put = |byte: u8| {
            at -= 1;
            text[at] = byte;
        };
        let (mut units, cents) = (self.0.unsigned_abs() / 100, self.0.unsigned_abs() % 100);
        put(b'0' + (cents % 10) as u8);
        put(b'0' + (cents / 10) as u8);
        put(b'.');
        loop {
            put(b'0' + (units % 10) as u8);
            units /= 10;
            if units == 0 {
                break;
            }
        }
        if self.0 < 0 {
            put(b'-');
        }
        f.write_str(std::str::from_utf8(&text[at..]).map_err(|_| fmt::Error)?)
    }
}

impl FromStr for Price {
    type Err = String;

    /// Reads `511.95`, `511.9` or `511`; anything finer than a hundredth is an error.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a price with at most two decimals");
        let (neg, digits) = s.strip_prefix('-').map_or((false, s), |d| (true, d));
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() || frac.len() > 2 || !(whole.chars().chain(frac.chars())).all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let cents = whole.checked_mul(100).and_then(|w| w.checked_add(frac)).ok_or_else(bad)?;
        Ok(Price(if neg { -cents } else { cents }))
    }
}

impl TryFrom<String> for Price {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}
