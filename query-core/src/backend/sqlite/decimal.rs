//! Decimals on SQLite: exact text, ordered by the `query_decimal` collation.
//!
//! SQLite has no decimal type: a `NUMERIC` or `REAL` column keeps a
//! float's 15 to 17 significant digits, and an integer scaled by
//! `10^decimal_places` is limited to 18 digits and reads as a different
//! number in any other tool. So a `Decimal` field is a `TEXT` column holding
//! the decimal's exact text (`-12.50`), declared `COLLATE query_decimal`:
//! every comparison SQLite makes on the column (`=`, `<`, `BETWEEN`, `IN`,
//! `ORDER BY`, `MIN`/`MAX`, `GROUP BY`, `DISTINCT`, a `UNIQUE` index) then
//! compares the texts as numbers, exactly, whatever their length. Each
//! connection a [`Db`](crate::Db) opens registers the collation; another
//! program reading the table must register one of its own, or a statement
//! comparing the column fails with "no such collation sequence".
//!
//! Arithmetic is another matter: `SUM`, `AVG` and `+` convert text to a
//! float, so they are approximate on SQLite (exact on PostgreSQL).

// The schema writer names the collation in every build (a migration file
// carries SQLite's SQL); only the `sqlite` feature's connections compare.
#![cfg_attr(not(feature = "sqlite"), allow(dead_code))]

use std::cmp::Ordering;

/// The name of the collation that orders decimal text by value.
pub const DECIMAL_COLLATION: &str = "query_decimal";

/// A decimal number's text, normalized: `0.d1d2d3… × 10^point`, with no
/// leading or trailing zero digit; zero has no digits.
struct Number<'a> {
    negative: bool,
    /// The significant digits, in order, as spans of the text (the integer
    /// part's and the fraction's), leading and trailing zeros removed.
    digits: [&'a [u8]; 2],
    point: i64,
}

impl Number<'_> {
    fn is_zero(&self) -> bool {
        self.digits.iter().all(|d| d.is_empty())
    }

    fn digit_iter(&self) -> impl Iterator<Item = u8> + '_ {
        self.digits.iter().flat_map(|d| d.iter().copied())
    }
}

/// Reads `[+-]digits[.digits][(e|E)[+-]digits]` (at least one digit before
/// the exponent); `None` for anything else.
fn parse(text: &str) -> Option<Number<'_>> {
    let bytes = text.trim().as_bytes();
    let (negative, rest) = match bytes.first()? {
        b'-' => (true, &bytes[1..]),
        b'+' => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let int_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let (int, rest) = rest.split_at(int_len);
    let (frac, rest) = match rest.strip_prefix(b".") {
        Some(after) => {
            let n = after.iter().take_while(|b| b.is_ascii_digit()).count();
            after.split_at(n)
        }
        None => (&rest[..0], rest),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let exponent: i64 = match rest {
        [] => 0,
        [b'e' | b'E', exp @ ..] => {
            let (sign, digits) = match exp {
                [b'-', d @ ..] => (-1, d),
                [b'+', d @ ..] => (1, d),
                d => (1, d),
            };
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            // Saturates: an exponent this large makes the number the
            // largest (or smallest) of all, which is what it is.
            let magnitude = digits.iter().fold(0i64, |acc, d| {
                acc.saturating_mul(10).saturating_add(i64::from(d - b'0'))
            });
            sign * magnitude.min(i64::MAX / 4)
        }
        _ => return None,
    };
    // Leading zeros of the integer part, then (if it is all zeros) of the
    // fraction, move the point left.
    let int_zeros = int.iter().take_while(|&&b| b == b'0').count();
    let int = &int[int_zeros..];
    let mut point = int.len() as i64;
    let mut frac = frac;
    if int.is_empty() {
        let frac_zeros = frac.iter().take_while(|&&b| b == b'0').count();
        frac = &frac[frac_zeros..];
        point -= frac_zeros as i64;
    }
    // Trailing zeros: of the fraction, then (if it is empty) of the integer.
    let mut int = int;
    let frac_trailing = frac.iter().rev().take_while(|&&b| b == b'0').count();
    frac = &frac[..frac.len() - frac_trailing];
    if frac.is_empty() {
        let int_trailing = int.iter().rev().take_while(|&&b| b == b'0').count();
        int = &int[..int.len() - int_trailing];
    }
    let number = Number {
        negative,
        digits: [int, frac],
        point: point.saturating_add(exponent),
    };
    Some(if number.is_zero() {
        Number {
            negative: false,
            digits: [&[], &[]],
            point: 0,
        }
    } else {
        number
    })
}

/// The order of two magnitudes (both non-zero, or both zero).
fn compare_magnitude(a: &Number<'_>, b: &Number<'_>) -> Ordering {
    match (a.is_zero(), b.is_zero()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        (false, false) => {}
    }
    // Neither has a leading zero, so a larger point is a larger number;
    // at the same point, the digits compare as text (no trailing zeros,
    // so a prefix is the smaller number).
    a.point
        .cmp(&b.point)
        .then_with(|| a.digit_iter().cmp(b.digit_iter()))
}

/// The `query_decimal` collation: decimal texts by their value (`9.5` before
/// `10.25`, `-2` before `-1.5`, `1.5` equal to `1.50`); any text that is not
/// a decimal number after every number, those by their bytes.
pub fn compare(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => match (x.negative, y.negative) {
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => compare_magnitude(&x, &y),
            (true, true) => compare_magnitude(&y, &x),
        },
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.as_bytes().cmp(b.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_value() {
        let sorted = [
            "-1e3",
            "-100",
            "-10.25",
            "-9.5",
            "-0.001",
            "0",
            "0.000000000000000000000000001",
            "0.1",
            "0.30",
            "9.5",
            "10.25",
            "12345678901234567.88",
            "12345678901234567.89",
            "1e20",
            "abc",
            "abd",
        ];
        for (i, a) in sorted.iter().enumerate() {
            for (j, b) in sorted.iter().enumerate() {
                assert_eq!(compare(a, b), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn equal_values_compare_equal() {
        for (a, b) in [
            ("1.5", "1.50"),
            ("0", "-0.00"),
            ("007", "7.0"),
            ("+3", "3"),
            ("1e2", "100"),
            (".5", "0.5"),
            ("120", "1.2E2"),
        ] {
            assert_eq!(compare(a, b), Ordering::Equal, "{a} vs {b}");
        }
        assert_eq!(compare("1.5", "1.51"), Ordering::Less);
        assert_eq!(compare("-", "."), Ordering::Less);
        assert_eq!(compare("1e", "1"), Ordering::Greater);
    }
}
