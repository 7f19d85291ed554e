//! Field validation: `max_length`, `email`, `url`, `choices`, and a
//! decimal's `max_digits` and `decimal_places`.

use std::fmt;

use crate::validators::{is_valid_email, is_valid_url};
use crate::value::Value;

/// One field's validation failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The Rust field's name.
    pub field: &'static str,
    /// What is wrong with it, one message per failed check.
    pub messages: Vec<String>,
}

/// Every failing field of one model instance: one [`FieldError`] per field,
/// in the struct's order. Django's `ValidationError.message_dict`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors {
    errors: Vec<FieldError>,
}

impl ValidationErrors {
    /// Records `message` against `field`.
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        let message = message.into();
        match self.errors.iter_mut().find(|e| e.field == field) {
            Some(e) => e.messages.push(message),
            None => self.errors.push(FieldError {
                field,
                messages: vec![message],
            }),
        }
    }

    /// No failures.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// How many fields failed.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// The failing fields, in the struct's order.
    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.errors.iter()
    }

    /// The failures of `field`, if it failed.
    pub fn get(&self, field: &str) -> Option<&FieldError> {
        self.errors.iter().find(|e| e.field == field)
    }

    /// The names of the failing fields.
    pub fn fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.errors.iter().map(|e| e.field)
    }
}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.field, e.messages.join(", "))?;
        }
        Ok(())
    }
}

/// Checks a text field's `max_length` (in characters), `email` and `url`.
#[doc(hidden)]
pub fn check_text(
    errors: &mut ValidationErrors,
    field: &'static str,
    text: Option<&str>,
    max_length: Option<u32>,
    email: bool,
    url: bool,
) {
    let Some(text) = text else {
        return;
    };
    if let Some(max) = max_length {
        let n = text.chars().count();
        if n > max as usize {
            errors.add(
                field,
                format!("ensure this value has at most {max} characters (it has {n})"),
            );
        }
    }
    if email && !is_valid_email(text) {
        errors.add(field, "enter a valid email address");
    }
    if url && !is_valid_url(text) {
        errors.add(field, "enter a valid URL");
    }
}

/// Checks that a field's value is one of its `choices` (NULL always passes).
#[doc(hidden)]
pub fn check_choices(
    errors: &mut ValidationErrors,
    field: &'static str,
    value: Value,
    choices: fn() -> Vec<Value>,
) {
    if value == Value::Null || choices().contains(&value) {
        return;
    }
    let shown = match &value {
        Value::Text(s) => format!("{s:?}"),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        other => format!("{other:?}"),
    };
    errors.add(field, format!("value {shown} is not a valid choice"));
}

/// The digits of a decimal's text as Django's `DecimalValidator` counts them:
/// `(digits, decimals)`, where trailing zeros after the point count
/// (`1.50` has 3 digits, 2 of them decimals) and leading zeros don't, but a
/// fraction's zeros right after the point do (`0.05` has 2 digits, both
/// decimals). `None` when the text is not a plain decimal.
fn decimal_digits(text: &str) -> Option<(usize, usize)> {
    let unsigned = text.trim().trim_start_matches(['-', '+']);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    // Python's `Decimal.as_tuple()`: the coefficient's digits without
    // leading zeros (zero is the one digit 0), and the exponent.
    let coefficient = format!("{int}{frac}");
    let significant = coefficient.trim_start_matches('0').len().max(1);
    let places = frac.len();
    Some(if places == 0 {
        (significant, 0)
    } else if places > significant {
        (places, places)
    } else {
        (significant, places)
    })
}

/// `n` with `one` or `many` after it: `1 digit`, `5 digits`.
fn counted(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Checks a decimal field's value against its `max_digits` and
/// `decimal_places`, as Django's `DecimalValidator` does, with its messages
/// (NULL always passes): the first rule broken of the digits in total, the
/// decimal places, and the digits before the point.
#[doc(hidden)]
pub fn check_decimal(
    errors: &mut ValidationErrors,
    field: &'static str,
    value: Value,
    max_digits: u32,
    decimal_places: u32,
) {
    let Value::Text(text) = value else {
        return;
    };
    let Some((digits, decimals)) = decimal_digits(&text) else {
        errors.add(field, "enter a number");
        return;
    };
    let whole = digits - decimals;
    let max_whole = max_digits.saturating_sub(decimal_places);
    if digits > max_digits as usize {
        errors.add(
            field,
            format!(
                "ensure that there are no more than {} in total",
                counted(max_digits, "digit", "digits")
            ),
        );
    } else if decimals > decimal_places as usize {
        errors.add(
            field,
            format!(
                "ensure that there are no more than {}",
                counted(decimal_places, "decimal place", "decimal places")
            ),
        );
    } else if whole > max_whole as usize {
        errors.add(
            field,
            format!(
                "ensure that there are no more than {} before the decimal point",
                counted(max_whole, "digit", "digits")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_as_django_counts_them() {
        assert_eq!(decimal_digits("1.50"), Some((3, 2)));
        assert_eq!(decimal_digits("-0.05"), Some((2, 2)));
        assert_eq!(decimal_digits("0"), Some((1, 0)));
        assert_eq!(decimal_digits("0.00"), Some((2, 2)));
        assert_eq!(decimal_digits("00120"), Some((3, 0)));
        assert_eq!(decimal_digits("12345678901234567.89"), Some((19, 2)));
        assert_eq!(decimal_digits("1e5"), None);
    }

    fn messages(text: &str, digits: u32, places: u32) -> Vec<String> {
        let mut errors = ValidationErrors::default();
        check_decimal(
            &mut errors,
            "price",
            Value::Text(text.into()),
            digits,
            places,
        );
        errors.iter().flat_map(|e| e.messages.clone()).collect()
    }

    #[test]
    fn django_messages() {
        assert!(messages("999.99", 5, 2).is_empty());
        assert_eq!(
            messages("1000.00", 5, 2),
            ["ensure that there are no more than 5 digits in total"]
        );
        assert_eq!(
            messages("1.005", 5, 2),
            ["ensure that there are no more than 2 decimal places"]
        );
        assert_eq!(
            messages("1000.0", 5, 2),
            ["ensure that there are no more than 3 digits before the decimal point"]
        );
        assert_eq!(
            messages("0.5", 1, 0),
            ["ensure that there are no more than 0 decimal places"]
        );
        assert_eq!(
            messages("12", 1, 0),
            ["ensure that there are no more than 1 digit in total"]
        );
        assert!(messages("", 1, 0).contains(&"enter a number".to_owned()));
    }
}
