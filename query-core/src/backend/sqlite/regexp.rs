//! The `regex` and `iregex` lookups on SQLite: a SQL function of the
//! crate's, registered on every connection a [`Db`](crate::Db) opens, that
//! runs the [`regex`] crate (SQLite has no regular expressions of its own).
//!
//! The dialect is Rust's `regex` syntax, not PostgreSQL's ARE: both have
//! anchors, classes (`[a-z]`, `\d`, `\w`, `\s`), alternation, groups and
//! counted repetition, but Rust's has no backreferences or lookaround (a
//! pattern using them is an error here and may work on PostgreSQL), and
//! PostgreSQL's word boundaries are `\m`, `\M` and `\y` where Rust's is
//! `\b` (a backspace on PostgreSQL). Matching is in linear time, so a
//! hostile pattern can't hang a query; compiling one is bounded by
//! [`SIZE_LIMIT`].

use std::cell::RefCell;
use std::fmt;

use regex::{Regex, RegexBuilder};
use rusqlite::Connection;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;

use super::writer::REGEX_FUNCTION;

/// The most memory, in bytes, a compiled pattern may take (and its lazy
/// DFA's cache): a pattern that needs more is an error, not a slow query.
pub(crate) const SIZE_LIMIT: usize = 1 << 20;

/// Compiled patterns kept per connection, the most recently used first.
const CACHE: usize = 16;

/// A pattern the `regex` crate refused: a syntax error, or too big.
#[derive(Debug)]
pub(crate) struct InvalidRegex {
    pattern: String,
    message: String,
}

impl fmt::Display for InvalidRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid regular expression `{}`: {}",
            self.pattern, self.message
        )
    }
}

impl std::error::Error for InvalidRegex {}

/// Compiles `pattern` (ignoring case when `case_insensitive`) within the
/// size limits.
pub(crate) fn compile(pattern: &str, case_insensitive: bool) -> Result<Regex, InvalidRegex> {
    RegexBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| InvalidRegex {
            pattern: pattern.to_owned(),
            message: match e {
                regex::Error::CompiledTooBig(limit) => {
                    format!("the compiled pattern would take more than {limit} bytes")
                }
                // The syntax error's own message points at the mistake.
                other => other.to_string(),
            },
        })
}

/// The compiled patterns of one connection.
#[derive(Default)]
struct Cache(Vec<(String, bool, Regex)>);

impl Cache {
    /// The compiled `pattern`, from the cache or compiled now (and cached).
    fn get(&mut self, pattern: &str, case_insensitive: bool) -> Result<Regex, InvalidRegex> {
        if let Some(i) = self
            .0
            .iter()
            .position(|(p, ci, _)| p == pattern && *ci == case_insensitive)
        {
            let hit = self.0.remove(i);
            let re = hit.2.clone();
            self.0.insert(0, hit);
            return Ok(re);
        }
        let re = compile(pattern, case_insensitive)?;
        self.0.truncate(CACHE - 1);
        self.0
            .insert(0, (pattern.to_owned(), case_insensitive, re.clone()));
        Ok(re)
    }
}

/// The text of a SQL value: text as it is (invalid UTF-8 replaced), a
/// number as its digits; `None` for NULL.
fn text(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Null => None,
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
        other => Some(crate::value::Value::from(other).to_text()),
    }
}

/// Registers `query_regex(text, pattern, flags)` on `conn`: whether `text`
/// matches `pattern` anywhere (flags 1: ignoring case), NULL when `text` or
/// `pattern` is NULL; an invalid pattern fails the statement with an error
/// naming it.
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    let cache = RefCell::new(Cache::default());
    conn.create_scalar_function(
        REGEX_FUNCTION,
        3,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        move |ctx: &mut Context<'_>| {
            let case_insensitive = matches!(ctx.get_raw(2), ValueRef::Integer(n) if n != 0);
            let Some(haystack) = text(ctx.get_raw(0)) else {
                return Ok(None);
            };
            if matches!(ctx.get_raw(1), ValueRef::Null) {
                return Ok(None);
            }
            // Compiled once per statement run (SQLite's auxiliary data on
            // the pattern argument), and kept across runs by the cache.
            let re = ctx.get_or_create_aux(1, |pattern| -> Result<Regex, InvalidRegex> {
                let pattern = text(pattern).unwrap_or_default();
                match cache.try_borrow_mut() {
                    Ok(mut cache) => cache.get(&pattern, case_insensitive),
                    Err(_) => compile(&pattern, case_insensitive),
                }
            })?;
            Ok(Some(re.is_match(&haystack)))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_pattern_is_an_error_naming_it() {
        let err = compile("a(b", false).unwrap_err().to_string();
        assert!(err.starts_with("invalid regular expression `a(b`"), "{err}");
    }

    #[test]
    fn a_huge_pattern_is_refused_not_compiled() {
        let err = compile(r"\w{1000}\w{1000}\w{1000}", false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than"), "{err}");
    }

    #[test]
    fn the_cache_keeps_the_most_recent_patterns() {
        let mut cache = Cache::default();
        for i in 0..40 {
            cache.get(&format!("a{i}"), false).unwrap();
        }
        assert_eq!(cache.0.len(), CACHE);
        assert_eq!(cache.0[0].0, "a39");
        assert!(cache.get("^x", true).unwrap().is_match("XY"));
        assert!(!cache.get("^x", false).unwrap().is_match("XY"));
    }
}
