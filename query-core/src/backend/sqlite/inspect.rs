//! `inspectdb` on SQLite: tables, columns, keys, indexes and length checks
//! from `sqlite_master` and the table pragmas.

use crate::db::Db;
use crate::error::{Error, Result};
use crate::migrations::HISTORY_TABLE;
use crate::migrations::inspect::{
    DECIMAL_TYPE, InspectedColumn, InspectedTable, decimal_default, decimal_precision, rust_string,
};

/// Finds `N` in `length("col") <= N` (or without quotes) in a table's SQL.
fn max_length_check(sql: &str, column: &str) -> Option<u32> {
    let quoted = format!("length(\"{}\")", column.replace('"', "\"\""));
    let bare = format!("length({column})");
    let lower = sql.to_ascii_lowercase();
    for pat in [quoted, bare] {
        let pat = pat.to_ascii_lowercase();
        if let Some(at) = lower.find(&pat) {
            let rest = lower[at + pat.len()..].trim_start();
            let rest = rest.strip_prefix("<=")?.trim_start();
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            return digits.parse().ok();
        }
    }
    None
}

/// Whether the table's SQL has `CHECK ("col" IN (0, 1))`.
fn boolean_check(sql: &str, column: &str) -> bool {
    let compact: String = sql
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let col = column.to_ascii_lowercase().replace('"', "\"\"");
    compact.contains(&format!("\"{col}\"in(0,1)")) || compact.contains(&format!("({col}in(0,1)"))
}

/// Whether the table's SQL declares `"col" TEXT COLLATE query_decimal`, as
/// this crate declares a decimal column.
fn decimal_collation(sql: &str, column: &str) -> bool {
    let compact: String = sql
        .to_ascii_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let col = column.to_ascii_lowercase().replace('"', "\"\"");
    compact.contains(&format!(
        "\"{col}\" text collate {}",
        crate::backend::sqlite::decimal::DECIMAL_COLLATION
    ))
}

/// The Rust type for a declared SQL type, by SQLite's affinity rules, plus
/// `VARCHAR(N)`'s `N`.
fn rust_type(decl: &str, boolean: bool) -> (&'static str, Option<u32>, Option<&'static str>) {
    let upper = decl.to_ascii_uppercase();
    let size = upper
        .split_once('(')
        .and_then(|(_, r)| r.split([')', ',']).next())
        .and_then(|n| n.trim().parse::<u32>().ok());
    if boolean || upper.starts_with("BOOL") {
        ("bool", None, None)
    } else if upper.contains("INT") {
        ("i64", None, None)
    } else if upper.contains("CHAR") || upper.contains("CLOB") || upper.contains("TEXT") {
        ("String", size.filter(|n| *n > 0), None)
    } else if upper.contains("BLOB") || upper.is_empty() {
        (
            "Vec<u8>",
            None,
            upper.is_empty().then_some(
                "no declared type, so SQLite stores any value here, but a `Vec<u8>` field reads only BLOBs: a row holding text or a number fails to load; give the column a type or change the field's",
            ),
        )
    } else if upper.contains("REAL") || upper.contains("FLOA") || upper.contains("DOUB") {
        ("f64", None, None)
    } else if upper.starts_with("DECIMAL") || upper.starts_with("NUMERIC") {
        // Django's `DecimalField` (declared `decimal`), or a `numeric(p, s)`.
        (DECIMAL_TYPE, None, None)
    } else if upper.starts_with("DATETIME") || upper.starts_with("TIMESTAMP") {
        ("chrono::NaiveDateTime", None, None)
    } else if upper.starts_with("DATE") {
        ("chrono::NaiveDate", None, None)
    } else {
        ("f64", None, Some("NUMERIC affinity: check the type"))
    }
}

/// A column default as a Rust expression for `#[field(default = ..)]`, when
/// it is a plain literal.
fn default_expr(sql: &str, ty: &str) -> Option<String> {
    let s = sql.trim();
    if s.eq_ignore_ascii_case("NULL") {
        return None;
    }
    if let Some(inner) = s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        if ty == DECIMAL_TYPE {
            return decimal_default(inner);
        }
        return (ty == "String").then(|| rust_string(&inner.replace("''", "'")));
    }
    if ty == DECIMAL_TYPE {
        return decimal_default(s);
    }
    match ty {
        "i64" => s.parse::<i64>().ok().map(|i| format!("{i}_i64")),
        "f64" => s.parse::<f64>().ok().filter(|r| r.is_finite()).map(|r| {
            let t = format!("{r:?}");
            format!("{t}_f64")
        }),
        "bool" => match s {
            "0" => Some("false".into()),
            "1" => Some("true".into()),
            _ => None,
        },
        _ => None,
    }
}

fn query_strings<const N: usize>(
    db: &Db,
    sql: &str,
    arg: &str,
) -> Result<Vec<[Option<String>; N]>> {
    let conn = db.connection();
    let mut stmt = conn.prepare(sql).map_err(|e| Error::sqlite(e, sql))?;
    let rows = stmt
        .query_map([arg], |r| {
            let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
            for (i, slot) in out.iter_mut().enumerate() {
                let v: rusqlite::types::Value = r.get(i)?;
                *slot = match v {
                    rusqlite::types::Value::Null => None,
                    rusqlite::types::Value::Integer(i) => Some(i.to_string()),
                    rusqlite::types::Value::Real(f) => Some(f.to_string()),
                    rusqlite::types::Value::Text(t) => Some(t),
                    rusqlite::types::Value::Blob(_) => None,
                };
            }
            Ok(out)
        })
        .map_err(|e| Error::sqlite(e, sql))?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| Error::sqlite(e, sql))
}

/// Every table of `db` but SQLite's own and the migration history, by
/// name; only those `keep` keeps are read.
pub(crate) fn tables(db: &Db, keep: &mut dyn FnMut(&str) -> bool) -> Result<Vec<InspectedTable>> {
    let tables = query_strings::<2>(
        db,
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> ?1 ORDER BY name",
        HISTORY_TABLE,
    )?;
    let mut out = Vec::new();
    for [name, sql] in tables {
        let Some(name) = name.filter(|n| keep(n)) else {
            continue;
        };
        let sql = sql.unwrap_or_default();
        if sql
            .trim_start()
            .get(..20)
            .is_some_and(|head| head.eq_ignore_ascii_case("CREATE VIRTUAL TABLE"))
        {
            out.push(InspectedTable {
                name,
                skipped: Some(
                    "is a virtual table; models describe ordinary tables, so none is written."
                        .into(),
                ),
                ..InspectedTable::default()
            });
            continue;
        }
        out.push(table(db, name, &sql)?);
    }
    Ok(out)
}

fn table(db: &Db, name: String, sql: &str) -> Result<InspectedTable> {
    let cols = query_strings::<5>(
        db,
        "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid",
        &name,
    )?;
    let fks = query_strings::<4>(
        db,
        "SELECT id, \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
        &name,
    )?;
    // Single-column indexes: unique ones make `unique`, others `db_index`.
    let mut unique_cols = Vec::new();
    let mut indexed_cols = Vec::new();
    let mut notes = Vec::new();
    for [iname, unique, origin] in query_strings::<3>(
        db,
        "SELECT name, \"unique\", origin FROM pragma_index_list(?1) ORDER BY name",
        &name,
    )? {
        let Some(iname) = iname else { continue };
        if origin.as_deref() == Some("pk") {
            continue;
        }
        let icols: Vec<String> = query_strings::<1>(
            db,
            "SELECT name FROM pragma_index_info(?1) ORDER BY seqno",
            &iname,
        )?
        .into_iter()
        .map(|[c]| c.unwrap_or_default())
        .collect();
        let unique = unique.as_deref() == Some("1");
        match icols.as_slice() {
            [c] if unique => unique_cols.push(c.clone()),
            [c] => indexed_cols.push(c.clone()),
            _ => notes.push(format!(
                "{}index {iname:?} on {icols:?}",
                if unique { "unique " } else { "" },
            )),
        }
    }
    let mut columns = Vec::new();
    for [cname, decl, not_null, default, pk] in cols {
        let cname = cname.unwrap_or_default();
        let decl = decl.unwrap_or_default();
        let (mut ty, size, note) = rust_type(&decl, boolean_check(sql, &cname));
        let mut comments = Vec::new();
        // A decimal column this crate made: exact text with its collation.
        if ty == "String" && decimal_collation(sql, &cname) {
            ty = DECIMAL_TYPE;
        }
        let decimal = (ty == DECIMAL_TYPE).then(|| {
            let (precision, note) = decimal_precision(&decl);
            comments.extend(note.map(|n| format!("{n}.")));
            precision
        });
        // A foreign key of this column alone (not part of one of several).
        let foreign_key = fks
            .iter()
            .find(|[_, from, _, _]| from.as_deref() == Some(cname.as_str()))
            .filter(|[id, ..]| fks.iter().filter(|[other, ..]| other == id).count() == 1)
            .map(|[_, _, to_table, to_col]| (to_table.clone().unwrap_or_default(), to_col.clone()));
        if let Some(note) = note {
            comments.push(format!("Declared type {decl:?}: {note}."));
        }
        let default = default
            .filter(|d| !d.trim().eq_ignore_ascii_case("NULL"))
            .map(|d| default_expr(&d, ty).ok_or(d));
        columns.push(InspectedColumn {
            rust_type: ty,
            nullable: not_null.as_deref() != Some("1"),
            primary_key: pk.and_then(|p| p.parse::<i64>().ok()).unwrap_or(0) > 0,
            max_length: if ty == "String" {
                max_length_check(sql, &cname).or(size)
            } else {
                None
            },
            decimal,
            unique: unique_cols.contains(&cname),
            db_index: indexed_cols.contains(&cname),
            default,
            comments,
            foreign_key,
            name: cname,
        });
    }
    Ok(InspectedTable {
        key_columns: columns.iter().filter(|c| c.primary_key).count(),
        implicit_key: Some((
            "rowid",
            "The table has no primary key; SQLite's rowid stands in for one.",
        )),
        name,
        skipped: None,
        columns,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        let sql = r#"CREATE TABLE t ("name" TEXT NOT NULL CHECK (length("name") <= 50), "ok" INTEGER CHECK ("ok" IN (0, 1)))"#;
        assert_eq!(max_length_check(sql, "name"), Some(50));
        assert!(boolean_check(sql, "ok"));
        assert!(!boolean_check(sql, "name"));
        let sql = r#"CREATE TABLE t ("price" TEXT COLLATE query_decimal NOT NULL, "name" TEXT)"#;
        assert!(decimal_collation(sql, "price"));
        assert!(!decimal_collation(sql, "name"));
        assert_eq!(rust_type("decimal", false).0, DECIMAL_TYPE);
        assert_eq!(rust_type("NUMERIC(10, 2)", false).0, DECIMAL_TYPE);
        assert_eq!(
            default_expr("0.5", DECIMAL_TYPE).as_deref(),
            Some("query::Decimal::new(5, 1)")
        );
    }
}
