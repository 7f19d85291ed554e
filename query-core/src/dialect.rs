//! SQLite's DDL words, as the migrations still write them. (Queries are
//! written by `crate::write` and the backends; this module goes when the
//! migrations write their SQL through the backends' schema writers.)

use crate::value::{SqlType, Value};

/// What the migrations ask of a database's DDL.
pub(crate) trait Dialect {
    /// Appends `ident` as a quoted identifier.
    fn quote(&self, out: &mut String, ident: &str) {
        crate::write::quote(out, ident);
    }

    /// The column type for `ty`.
    fn column_type(&self, ty: SqlType) -> &'static str;

    /// The column definition of an automatic integer primary key, after its name.
    fn auto_primary_key(&self) -> &'static str;

    /// Appended after `CREATE TABLE (...)`.
    fn table_options(&self) -> &'static str;

    /// Appends `value` as an SQL literal, for DDL (`DEFAULT`), where parameters
    /// are not allowed.
    fn literal(&self, out: &mut String, value: &Value);
}

/// SQLite.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sqlite;

impl Dialect for Sqlite {
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
