//! SQL dialects: everything that differs between databases goes through here.
//!
//! The compiler never writes a quote, a placeholder, a type name or a
//! case-folding call itself; it asks the [`Dialect`]. SQLite is the only
//! dialect today.

use crate::query::TextOp;
use crate::value::{SqlType, Value};

/// The name of the SQL function, registered on every connection [`Db`](crate::Db)
/// opens, that folds text case for all of Unicode.
pub const CASEFOLD_FUNCTION: &str = "query_casefold";

/// How a dialect learns the key the database assigned to an inserted row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertId {
    /// The connection reports the last inserted row id (SQLite's `last_insert_rowid()`).
    LastInsertRowid,
    /// The statement returns it (`INSERT ... RETURNING "id"`).
    Returning,
}

/// What differs between SQL databases.
pub trait Dialect {
    /// Appends `ident` as a quoted identifier.
    fn quote(&self, out: &mut String, ident: &str);

    /// Appends the placeholder for the `n`th parameter (1-based).
    fn placeholder(&self, out: &mut String, n: usize);

    /// Appends `expr` wrapped in the dialect's Unicode case folding.
    fn fold_case(&self, out: &mut String, expr: &str);

    /// Folds `text` in Rust exactly as [`fold_case`](Dialect::fold_case) does in SQL.
    fn fold_value(&self, text: &str) -> String;

    /// Appends a text lookup on `expr` (already folded when case-insensitive)
    /// using `placeholder` for its one parameter, and returns the value to
    /// bind there.
    fn text_lookup(
        &self,
        out: &mut String,
        expr: &str,
        op: TextOp,
        needle: &str,
        placeholder: &str,
    ) -> Value;

    /// The null-safe "is different from" operator (`IS NOT` in SQLite).
    fn distinct_from(&self) -> &'static str;

    /// The column type for `ty`.
    fn column_type(&self, ty: SqlType) -> &'static str;

    /// The column definition of an automatic integer primary key, after its name.
    fn auto_primary_key(&self) -> &'static str;

    /// Appended after `CREATE TABLE (...)`.
    fn table_options(&self) -> &'static str;

    /// The `LIMIT`/`OFFSET` clause for bound `limit` and `offset`
    /// placeholders (`limit` absent when there is none).
    fn limit_offset(&self, out: &mut String, limit: Option<&str>, offset: Option<&str>);

    /// How an `INSERT` learns the key it assigned.
    fn insert_id(&self) -> InsertId;

    /// The most parameters one statement may bind.
    fn max_parameters(&self) -> usize;

    /// Appends `value` as an SQL literal, for DDL (`DEFAULT`), where parameters
    /// are not allowed.
    fn literal(&self, out: &mut String, value: &Value);
}

/// SQLite, through rusqlite.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

/// Unicode case folding: uppercase then lowercase, per character.
///
/// This is close to Unicode full case folding (`ß`, `ẞ` and `SS` fold alike,
/// final `ς` folds like `σ`, `ſ` like `s`) without a table of our own.
pub fn casefold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        for u in c.to_uppercase() {
            out.extend(u.to_lowercase());
        }
    }
    out
}

/// Escapes GLOB's metacharacters so that `text` matches itself.
fn glob_escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '*' => out.push_str("[*]"),
            '?' => out.push_str("[?]"),
            '[' => out.push_str("[[]"),
            c => out.push(c),
        }
    }
}

impl Dialect for Sqlite {
    fn quote(&self, out: &mut String, ident: &str) {
        out.push('"');
        if ident.contains('"') {
            out.push_str(&ident.replace('"', "\"\""));
        } else {
            out.push_str(ident);
        }
        out.push('"');
    }

    #[inline]
    fn placeholder(&self, out: &mut String, _n: usize) {
        out.push('?');
    }

    fn fold_case(&self, out: &mut String, expr: &str) {
        out.push_str(CASEFOLD_FUNCTION);
        out.push('(');
        out.push_str(expr);
        out.push(')');
    }

    fn fold_value(&self, text: &str) -> String {
        casefold(text)
    }

    // GLOB is case-sensitive and compares characters exactly, unlike LIKE,
    // which folds ASCII case in SQLite. Escaping `*`, `?` and `[` makes every
    // other character, `%`, `_` and `\` included, match itself.
    fn text_lookup(
        &self,
        out: &mut String,
        expr: &str,
        op: TextOp,
        needle: &str,
        placeholder: &str,
    ) -> Value {
        out.push_str(expr);
        if op == TextOp::IExact {
            out.push_str(" = ");
            out.push_str(placeholder);
            return Value::Text(needle.to_owned());
        }
        out.push_str(" GLOB ");
        out.push_str(placeholder);
        let mut pattern = String::with_capacity(needle.len() + 2);
        if matches!(op, TextOp::Contains | TextOp::EndsWith) {
            pattern.push('*');
        }
        glob_escape(&mut pattern, needle);
        if matches!(op, TextOp::Contains | TextOp::StartsWith) {
            pattern.push('*');
        }
        Value::Text(pattern)
    }

    fn distinct_from(&self) -> &'static str {
        "IS NOT"
    }

    // STRICT tables accept only INTEGER, REAL, TEXT, BLOB and ANY.
    fn column_type(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::Integer | SqlType::Boolean => "INTEGER",
            SqlType::Real => "REAL",
            SqlType::Text | SqlType::Date | SqlType::DateTime | SqlType::DateTimeUtc => "TEXT",
            SqlType::Blob => "BLOB",
        }
    }

    fn auto_primary_key(&self) -> &'static str {
        // AUTOINCREMENT, as Django uses: a deleted row's id is never reused.
        "INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT"
    }

    fn table_options(&self) -> &'static str {
        " STRICT"
    }

    fn limit_offset(&self, out: &mut String, limit: Option<&str>, offset: Option<&str>) {
        match (limit, offset) {
            (None, None) => {}
            (Some(l), None) => {
                out.push_str(" LIMIT ");
                out.push_str(l);
            }
            (l, Some(o)) => {
                // SQLite needs a LIMIT before OFFSET; -1 means none.
                out.push_str(" LIMIT ");
                out.push_str(l.unwrap_or("-1"));
                out.push_str(" OFFSET ");
                out.push_str(o);
            }
        }
    }

    fn insert_id(&self) -> InsertId {
        InsertId::LastInsertRowid
    }

    fn max_parameters(&self) -> usize {
        // SQLITE_MAX_VARIABLE_NUMBER's default since 3.32.
        32766
    }

    fn literal(&self, out: &mut String, value: &Value) {
        use std::fmt::Write;
        match value {
            Value::Null => out.push_str("NULL"),
            Value::Integer(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Real(r) if r.is_finite() => {
                let _ = write!(out, "{r:?}");
            }
            Value::Real(_) => out.push_str("NULL"),
            Value::Text(s) => {
                out.push('\'');
                out.push_str(&s.replace('\'', "''"));
                out.push('\'');
            }
            Value::Blob(b) => {
                out.push_str("X'");
                for byte in b {
                    let _ = write!(out, "{byte:02X}");
                }
                out.push('\'');
            }
        }
    }
}
