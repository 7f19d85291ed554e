//! SQL dialects: everything that differs between databases goes through here.
//!
//! The compiler never writes a quote, a placeholder, a type name or a
//! case-folding call itself; it asks the [`Dialect`]. SQLite is the only
//! dialect today.

use std::borrow::Cow;

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

    /// Appends the column `"table"."column"`.
    fn column(&self, out: &mut String, table: &str, column: &str) {
        self.quote(out, table);
        out.push('.');
        self.quote(out, column);
    }

    /// Appends a text lookup on `column` (its SQL, already quoted and
    /// qualified), and pushes the values it binds to `params` (its
    /// placeholders are numbered after those already there). When
    /// `case_insensitive`, the column is folded in SQL the way [`casefold`]
    /// folds text in Rust, and `needle` is already folded.
    fn text_lookup<'a>(
        &self,
        out: &mut String,
        params: &mut Vec<Cow<'a, Value>>,
        column: &str,
        case_insensitive: bool,
        op: TextOp,
        needle: &'a Value,
    );

    /// A long `IN` list as one bound value, or `None` to bind each value
    /// (a short list, or values the encoding can't carry).
    fn bound_list(&self, values: &[Value]) -> Option<Value>;

    /// Appends the subquery that reads a [`bound_list`](Dialect::bound_list)
    /// from the placeholder that follows it (`SELECT value FROM json_each(`
    /// in SQLite; the caller writes the placeholder and the closing `)`).
    fn list_source(&self, out: &mut String);

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

    /// The `LIMIT`/`OFFSET` clause (each absent when there is none).
    ///
    /// The two are typed integers, written as literals rather than bound:
    /// they are part of the query's structure (Django writes them as literals
    /// too), and SQLite re-plans a statement whose `LIMIT` is a bound
    /// parameter every time it runs (measured: top10 went from 2.3× to 1.0×
    /// the hand-written query).
    fn limit_offset(&self, out: &mut String, limit: Option<u64>, offset: Option<u64>);

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

/// Appends an integer's decimal digits (without `fmt`'s machinery: this is on
/// the path of every sliced query).
fn push_int(out: &mut String, n: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    for &b in &buf[i..] {
        out.push(char::from(b));
    }
}

/// Appends `text` as a JSON string.
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

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

impl Sqlite {
    /// The column, wrapped in the case-folding function when `fold`.
    fn column_text(&self, out: &mut String, column: &str, fold: bool) {
        if fold {
            out.push_str(CASEFOLD_FUNCTION);
            out.push('(');
            out.push_str(column);
            out.push(')');
        } else {
            out.push_str(column);
        }
    }

    /// `CAST(<column, folded when asked> AS BLOB)`.
    fn column_bytes(&self, out: &mut String, column: &str, fold: bool) {
        out.push_str("CAST(");
        self.column_text(out, column, fold);
        out.push_str(" AS BLOB)");
    }
}

impl Dialect for Sqlite {
    #[inline]
    fn quote(&self, out: &mut String, ident: &str) {
        out.reserve(ident.len() + 2);
        out.push('"');
        if ident.as_bytes().contains(&b'"') {
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

    // Text lookups compare bytes: `instr` for contains and startswith, and
    // `substr` on the value cast to a BLOB for endswith (the needle is bound
    // as text, so logs show it as text). Unlike LIKE (which folds ASCII case
    // in SQLite) and GLOB (which stops at a NUL character), this is exact for
    // every string and needs no escaping: `%`, `_`, `*`, `?`, `[` and `\`
    // are ordinary bytes.
    fn text_lookup<'a>(
        &self,
        out: &mut String,
        params: &mut Vec<Cow<'a, Value>>,
        column: &str,
        case_insensitive: bool,
        op: TextOp,
        needle: &'a Value,
    ) {
        let empty = matches!(needle, Value::Text(t) if t.is_empty());
        if empty && op != TextOp::IExact {
            // Every text contains, starts and ends with "". (SQLite's substr
            // of an empty BLOB is NULL, so don't ask it.)
            out.push_str(column);
            out.push_str(" IS NOT NULL");
            return;
        }
        match op {
            TextOp::IExact => {
                self.column_text(out, column, case_insensitive);
                out.push_str(" = ?");
                params.push(Cow::Borrowed(needle));
            }
            TextOp::Contains | TextOp::StartsWith => {
                // instr compares the bytes of two texts by length, NUL
                // included; its result counts characters, and only "found"
                // and "found at 1" matter here.
                out.push_str("instr(");
                self.column_text(out, column, case_insensitive);
                out.push_str(", ?) ");
                out.push_str(if op == TextOp::Contains { "> 0" } else { "= 1" });
                params.push(Cow::Borrowed(needle));
            }
            TextOp::EndsWith => {
                // The last len(needle) bytes equal the needle. A needle
                // longer than the value compares something shorter than
                // itself; substr of an empty value is NULL, hence coalesce.
                let len = match needle {
                    Value::Text(t) => t.len(),
                    _ => 0,
                };
                out.push_str("coalesce(substr(");
                self.column_bytes(out, column, case_insensitive);
                out.push_str(", length(");
                self.column_bytes(out, column, case_insensitive);
                out.push_str(") - ? + 1), X'') = CAST(? AS BLOB)");
                params.push(Cow::Owned(Value::Integer(
                    i64::try_from(len).unwrap_or(i64::MAX),
                )));
                params.push(Cow::Borrowed(needle));
            }
        }
    }

    // Lists longer than this go as one JSON array through `json_each`.
    fn bound_list(&self, values: &[Value]) -> Option<Value> {
        const SHORT: usize = 16;
        if values.len() <= SHORT {
            return None;
        }
        let mut json = String::with_capacity(values.len() * 8 + 2);
        json.push('[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            match v {
                Value::Integer(n) => push_int(&mut json, *n),
                // `{:?}` of a finite f64 is valid JSON and round-trips.
                Value::Real(r) if r.is_finite() => {
                    use std::fmt::Write;
                    let _ = write!(json, "{r:?}");
                }
                // (SQLite's JSON text stops at a NUL character.)
                Value::Text(t) if !t.contains('\0') => push_json_string(&mut json, t),
                // NaN, infinities, NUL characters, blobs, NULL: bind one by one.
                _ => return None,
            }
        }
        json.push(']');
        Some(Value::Text(json))
    }

    fn list_source(&self, out: &mut String) {
        out.push_str("SELECT value FROM json_each(");
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
            t if t.is_integer() => "INTEGER",
            SqlType::Bool => "INTEGER",
            SqlType::F32 | SqlType::F64 => "REAL",
            SqlType::Text | SqlType::Date | SqlType::DateTime | SqlType::DateTimeUtc => "TEXT",
            _ => "BLOB",
        }
    }

    fn auto_primary_key(&self) -> &'static str {
        // AUTOINCREMENT, as Django uses: a deleted row's id is never reused.
        "INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT"
    }

    fn table_options(&self) -> &'static str {
        " STRICT"
    }

    fn limit_offset(&self, out: &mut String, limit: Option<u64>, offset: Option<u64>) {
        // SQLite takes a signed 64-bit LIMIT; larger means "no limit" anyway.
        let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        match (limit, offset) {
            (None, None) => {}
            (Some(l), None) => {
                out.push_str(" LIMIT ");
                push_int(out, clamp(l));
            }
            (l, Some(o)) => {
                // SQLite needs a LIMIT before OFFSET; -1 means none.
                out.push_str(" LIMIT ");
                push_int(out, l.map_or(-1, clamp));
                out.push_str(" OFFSET ");
                push_int(out, clamp(o));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_written_exactly() {
        for n in [0, 1, 9, 10, 1234567890, -1, i64::MAX, i64::MIN] {
            let mut s = String::new();
            push_int(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn casefold_folds_beyond_ascii() {
        assert_eq!(casefold("MOTÖRHEAD"), "motörhead");
        assert_eq!(casefold("STRASSE"), casefold("straße"));
        assert_eq!(casefold("ΣΑΣ"), casefold("σας"));
    }
}
