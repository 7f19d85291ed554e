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
    /// and pushes the values it binds to `params`; its placeholders are
    /// numbered from `params_before + 1`.
    fn text_lookup(
        &self,
        out: &mut String,
        params: &mut Vec<Value>,
        params_before: usize,
        expr: &str,
        op: TextOp,
        needle: &str,
    );

    /// The null-safe "is different from" operator (`IS NOT` in SQLite).
    fn distinct_from(&self) -> &'static str;

    /// Whether a NaN float is bound as NULL (SQLite) rather than as NaN.
    fn binds_nan_as_null(&self) -> bool;

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

    // Text lookups compare bytes: `instr` and `substr` on the value cast to a
    // BLOB (the needle is bound as text, so logs show it as text). Unlike LIKE (which folds ASCII case in SQLite) and GLOB (which
    // stops at a NUL character), this is exact for every string, and needs
    // no escaping: `%`, `_`, `*`, `?`, `[` and `\` are ordinary bytes.
    fn text_lookup(
        &self,
        out: &mut String,
        params: &mut Vec<Value>,
        params_before: usize,
        expr: &str,
        op: TextOp,
        needle: &str,
    ) {
        let placeholder = |out: &mut String, params: &mut Vec<Value>, value: Value| {
            params.push(value);
            self.placeholder(out, params_before + params.len());
        };
        if needle.is_empty() && op != TextOp::IExact {
            // Every text contains, starts and ends with "". (SQLite's substr
            // of an empty BLOB is NULL, so don't ask it.)
            out.push_str(expr);
            out.push_str(" IS NOT NULL");
            return;
        }
        match op {
            TextOp::IExact => {
                out.push_str(expr);
                out.push_str(" = ");
                placeholder(out, params, Value::Text(needle.to_owned()));
            }
            TextOp::Contains | TextOp::StartsWith => {
                out.push_str("instr(CAST(");
                out.push_str(expr);
                out.push_str(" AS BLOB), CAST(");
                placeholder(out, params, Value::Text(needle.to_owned()));
                out.push_str(if op == TextOp::Contains {
                    " AS BLOB)) > 0"
                } else {
                    " AS BLOB)) = 1"
                });
            }
            TextOp::EndsWith => {
                // The last len(needle) bytes equal the needle. A needle
                // longer than the value compares something shorter than
                // itself; substr of an empty value is NULL, hence coalesce.
                out.push_str("coalesce(substr(CAST(");
                out.push_str(expr);
                out.push_str(" AS BLOB), length(CAST(");
                out.push_str(expr);
                out.push_str(" AS BLOB)) - ");
                let len = i64::try_from(needle.len()).unwrap_or(i64::MAX);
                placeholder(out, params, Value::Integer(len));
                out.push_str(" + 1), X'') = CAST(");
                placeholder(out, params, Value::Text(needle.to_owned()));
                out.push_str(" AS BLOB)");
            }
        }
    }

    fn distinct_from(&self) -> &'static str {
        "IS NOT"
    }

    fn binds_nan_as_null(&self) -> bool {
        true
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
