//! Field validation: `max_length`, `email`, `url` and `choices`.

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
