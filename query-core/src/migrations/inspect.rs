//! `inspectdb`: Rust model source from an existing SQLite database.

use std::fmt::Write as _;

use crate::db::Db;
use crate::error::{Error, Result};

use super::apply::HISTORY_TABLE;

struct Col {
    name: String,
    decl: String,
    not_null: bool,
    pk: i64,
    default: Option<String>,
}

/// Rust keywords a field can't be named without `r#`.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// The Rust field name for a column: snake case, letters, digits and `_`.
fn field_name(column: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in column.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let trimmed = out.trim_matches('_');
    let mut out = if trimmed.is_empty() {
        "field".to_owned()
    } else {
        trimmed.to_owned()
    };
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if matches!(out.as_str(), "self" | "super" | "crate" | "Self") {
        out.push('_');
    }
    out
}

/// The struct name for a table: camel case.
fn struct_name(table: &str) -> String {
    let mut out = String::new();
    for part in table.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    // Names the generated file uses (the standard prelude, `query::prelude`)
    // or can't use: a struct named `String` would shadow the type.
    const TAKEN: &[&str] = &[
        "String",
        "Option",
        "Some",
        "None",
        "Vec",
        "Result",
        "Ok",
        "Err",
        "Box",
        "Self",
        "Db",
        "Error",
        "Field",
        "FieldError",
        "Model",
        "Q",
        "QuerySet",
        "ValidationErrors",
        "Value",
    ];
    if TAKEN.contains(&out.as_str()) {
        out.push_str("Table");
    }
    out
}

fn rust_string(s: &str) -> String {
    format!("{s:?}")
}

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
        return (ty == "String").then(|| rust_string(&inner.replace("''", "'")));
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

/// `inspectdb`: Rust source of one `#[derive(Model)]` struct per table of
/// `db` (SQLite's own tables and the migration history excepted).
///
/// Columns get the Rust type of their declared type (by SQLite's affinity
/// rules), `Option<T>` when they allow NULL, and the attributes that say the
/// rest: `column` when the field's name differs, `primary_key`, `unique`,
/// `db_index`, `max_length` (from `VARCHAR(N)` or a `CHECK (length(c) <= N)`)
/// and `default` for a literal default. A foreign key becomes its integer
/// column with a comment naming the table it references; what the crate
/// can't express is said in a comment. Review the output before using it.
pub fn inspectdb(db: &Db) -> Result<String> {
    let tables = query_strings::<2>(
        db,
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> ?1 ORDER BY name",
        HISTORY_TABLE,
    )?;
    let mut out = String::from(
        "//! Models generated by `inspectdb` from an existing database.\n\
         //! Review them: names, types and attributes are inferred from the schema.\n\n\
         use query::prelude::*;\n",
    );
    let mut structs = std::collections::HashSet::new();
    for [name, sql] in tables {
        let Some(table) = name else { continue };
        let sql = sql.unwrap_or_default();
        if sql
            .trim_start()
            .get(..20)
            .is_some_and(|head| head.eq_ignore_ascii_case("CREATE VIRTUAL TABLE"))
        {
            let _ = writeln!(
                out,
                "\n// {table:?} is a virtual table; models describe ordinary tables, so none is written."
            );
            continue;
        }
        write_table(db, &mut out, &table, &sql, &mut structs)?;
    }
    Ok(out)
}

fn write_table(
    db: &Db,
    out: &mut String,
    table: &str,
    sql: &str,
    structs: &mut std::collections::HashSet<String>,
) -> Result<()> {
    let cols: Vec<Col> = query_strings::<5>(
        db,
        "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid",
        table,
    )?
    .into_iter()
    .map(|[name, decl, not_null, default, pk]| Col {
        name: name.unwrap_or_default(),
        decl: decl.unwrap_or_default(),
        not_null: not_null.as_deref() == Some("1"),
        pk: pk.and_then(|p| p.parse().ok()).unwrap_or(0),
        default,
    })
    .collect();
    let fks = query_strings::<3>(
        db,
        "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
        table,
    )?;
    // Single-column indexes: unique ones make `unique`, others `db_index`.
    let mut unique_cols = Vec::new();
    let mut indexed_cols = Vec::new();
    let mut other_indexes = Vec::new();
    for [iname, unique, origin] in query_strings::<3>(
        db,
        "SELECT name, \"unique\", origin FROM pragma_index_list(?1) ORDER BY name",
        table,
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
            [c] => indexed_cols.push((c.clone(), iname.clone())),
            _ => other_indexes.push(format!(
                "{}index {iname:?} on {icols:?}",
                if unique { "unique " } else { "" },
            )),
        }
    }
    let pk_count = cols.iter().filter(|c| c.pk > 0).count();
    let mut name = struct_name(table);
    while !structs.insert(name.clone()) {
        name.push('_');
    }
    let _ = writeln!(out, "\n#[derive(Model, Debug, Clone, PartialEq)]");
    let _ = writeln!(out, "#[model(table = {})]", rust_string(table));
    for note in &other_indexes {
        let _ = writeln!(out, "// Not expressed by the model: {note}.");
    }
    if pk_count > 1 {
        let _ = writeln!(
            out,
            "// Not expressed by the model: a primary key of several columns; the first is used."
        );
    }
    let _ = writeln!(out, "pub struct {name} {{");
    if pk_count == 0 {
        let _ = writeln!(
            out,
            "    // The table has no primary key; SQLite's rowid stands in for one.\n    #[field(primary_key)]\n    pub rowid: i64,"
        );
    }
    let mut used = std::collections::HashSet::new();
    if pk_count == 0 {
        used.insert("rowid".to_owned());
    }
    let mut pk_done = false;
    for c in &cols {
        let boolean = boolean_check(sql, &c.name);
        let (ty, size, note) = rust_type(&c.decl, boolean);
        let is_pk = c.pk > 0 && !pk_done;
        pk_done |= is_pk;
        let mut attrs: Vec<String> = Vec::new();
        let mut fname = field_name(&c.name);
        while !used.insert(fname.clone()) {
            fname.push('_');
        }
        let ident = if KEYWORDS.contains(&fname.as_str()) {
            format!("r#{fname}")
        } else {
            fname.clone()
        };
        if fname != c.name {
            attrs.push(format!("column = {}", rust_string(&c.name)));
        }
        if is_pk && fname != "id" {
            attrs.push("primary_key".into());
        }
        if ty == "String"
            && let Some(n) = max_length_check(sql, &c.name).or(size)
        {
            attrs.push(format!("max_length = {n}"));
        }
        if !is_pk && unique_cols.contains(&c.name) {
            attrs.push("unique".into());
        } else if !is_pk && indexed_cols.iter().any(|(col, _)| col == &c.name) {
            attrs.push("db_index".into());
        }
        let nullable = !c.not_null && !is_pk;
        if let Some(d) = c.default.as_deref() {
            match default_expr(d, ty) {
                Some(expr) => attrs.push(format!("default = {expr}")),
                None if !d.trim().eq_ignore_ascii_case("NULL") => {
                    let _ = writeln!(
                        out,
                        "    // DEFAULT {d:?}: not a literal the model can hold."
                    );
                }
                None => {}
            }
        }
        if let Some(fk) = fks
            .iter()
            .find(|[from, _, _]| from.as_deref() == Some(c.name.as_str()))
        {
            let [_, to_table, to_col] = fk;
            let _ = writeln!(
                out,
                "    // Foreign key to {:?}, column {}.",
                to_table.as_deref().unwrap_or("?"),
                to_col
                    .as_deref()
                    .map_or_else(|| "its primary key".to_owned(), |c| format!("{c:?}"))
            );
        }
        if let Some(note) = note {
            let _ = writeln!(out, "    // Declared type {:?}: {note}.", c.decl);
        }
        if !attrs.is_empty() {
            let _ = writeln!(out, "    #[field({})]", attrs.join(", "));
        }
        let full = if nullable {
            format!("Option<{ty}>")
        } else {
            ty.to_owned()
        };
        let _ = writeln!(out, "    pub {ident}: {full},");
    }
    let _ = writeln!(out, "}}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(field_name("CustomerId"), "customer_id");
        assert_eq!(field_name("unit price"), "unit_price");
        assert_eq!(field_name("2nd"), "_2nd");
        assert_eq!(struct_name("order_item"), "OrderItem");
        assert_eq!(struct_name("string"), "StringTable");
        assert_eq!(struct_name("self"), "SelfTable");
    }

    #[test]
    fn checks() {
        let sql = r#"CREATE TABLE t ("name" TEXT NOT NULL CHECK (length("name") <= 50), "ok" INTEGER CHECK ("ok" IN (0, 1)))"#;
        assert_eq!(max_length_check(sql, "name"), Some(50));
        assert!(boolean_check(sql, "ok"));
        assert!(!boolean_check(sql, "name"));
    }
}
