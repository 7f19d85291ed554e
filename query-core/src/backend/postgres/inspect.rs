//! `inspectdb` on PostgreSQL: the tables of the current schema, their
//! columns, keys, indexes and defaults from `pg_catalog`.

use crate::db::Db;
use crate::error::Result;
use crate::migrations::HISTORY_TABLE;
use crate::migrations::inspect::{
    DECIMAL_TYPE, InspectedColumn, InspectedTable, decimal_default, decimal_precision, rust_string,
};
use crate::value::Value;

/// The separator of column names in one text (the ASCII unit separator,
/// which a name can hold only quoted, and in practice never does).
const SEP: char = '\u{1f}';

const TABLES: &str = "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname::text <> $1 ORDER BY c.relname::text";

const COLUMNS: &str = "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text \
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
     WHERE n.nspname = current_schema() AND c.relname::text = $1 AND a.attnum > 0 AND NOT a.attisdropped \
     ORDER BY a.attnum";

/// Every index (constraints' included): name, unique, primary, partial or
/// on an expression, its columns joined by `SEP`.
const INDEXES: &str = "SELECT ic.relname::text, ix.indisunique, ix.indisprimary, (ix.indpred IS NOT NULL OR ix.indexprs IS NOT NULL), \
     (SELECT string_agg(a.attname::text, chr(31) ORDER BY k.ord) FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum) \
     FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid JOIN pg_class c ON c.oid = ix.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = current_schema() AND c.relname::text = $1 ORDER BY ic.relname::text";

/// Foreign keys of one column: the column, the table and column it
/// references (in the same schema).
const FOREIGN_KEYS: &str = "SELECT a.attname::text, fc.relname::text, fa.attname::text \
     FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
     JOIN pg_class fc ON fc.oid = co.confrelid \
     JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = co.conkey[1] \
     JOIN pg_attribute fa ON fa.attrelid = co.confrelid AND fa.attnum = co.confkey[1] \
     WHERE co.contype = 'f' AND array_length(co.conkey, 1) = 1 AND fc.relnamespace = c.relnamespace AND n.nspname = current_schema() AND c.relname::text = $1 ORDER BY co.conname::text";

fn text(v: &Value) -> Option<&str> {
    match v {
        Value::Text(s) => Some(s),
        _ => None,
    }
}

fn truthy(v: &Value) -> bool {
    matches!(v, Value::Integer(1))
}

/// Every table of the current schema but the migration history, by name;
/// only those `keep` keeps are read.
pub(crate) fn tables(db: &Db, keep: &mut dyn FnMut(&str) -> bool) -> Result<Vec<InspectedTable>> {
    let mut out = Vec::new();
    for row in db.query(TABLES, &[Value::Text(HISTORY_TABLE.into())])? {
        if let Some(name) = row.first().and_then(text).filter(|n| keep(n)) {
            out.push(table(db, name.to_owned())?);
        }
    }
    Ok(out)
}

fn table(db: &Db, name: String) -> Result<InspectedTable> {
    let arg = [Value::Text(name.clone())];
    let mut key: Vec<String> = Vec::new();
    let mut unique_cols = Vec::new();
    let mut indexed_cols = Vec::new();
    let mut notes = Vec::new();
    for row in db.query(INDEXES, &arg)? {
        let [iname, unique, primary, partial, cols] =
            <[Value; 5]>::try_from(row).unwrap_or_else(|_| std::array::from_fn(|_| Value::Null));
        let iname = text(&iname).unwrap_or_default();
        let cols: Vec<String> = text(&cols)
            .unwrap_or_default()
            .split(SEP)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        let unique = truthy(&unique);
        if truthy(&primary) {
            key = cols;
            continue;
        }
        match cols.as_slice() {
            [c] if !truthy(&partial) && unique => unique_cols.push(c.clone()),
            [c] if !truthy(&partial) => indexed_cols.push(c.clone()),
            _ => notes.push(format!(
                "{}{}index {iname:?} on {cols:?}",
                if unique { "unique " } else { "" },
                if truthy(&partial) {
                    "partial or expression "
                } else {
                    ""
                },
            )),
        }
    }
    let fks = db.query(FOREIGN_KEYS, &arg)?;
    let mut columns = Vec::new();
    for row in db.query(COLUMNS, &arg)? {
        let [cname, ty, not_null, default, identity, generated] =
            <[Value; 6]>::try_from(row).unwrap_or_else(|_| std::array::from_fn(|_| Value::Null));
        let cname = text(&cname).unwrap_or_default().to_owned();
        let ty = text(&ty).unwrap_or_default();
        let (rust, max_length, note) = rust_type(ty);
        let mut comments = Vec::new();
        let foreign_key = fks
            .iter()
            .find(|r| r.first().and_then(text) == Some(cname.as_str()))
            .map(|fk| {
                (
                    fk.get(1).and_then(text).unwrap_or("?").to_owned(),
                    fk.get(2).and_then(text).map(str::to_owned),
                )
            });
        if let Some(note) = note {
            comments.push(format!("Type {ty:?}: {note}."));
        }
        let decimal = (rust == DECIMAL_TYPE).then(|| {
            let (precision, note) = decimal_precision(ty);
            comments.extend(note.map(|n| format!("{n}.")));
            precision
        });
        if text(&generated).is_some_and(|g| !g.is_empty()) {
            comments.push(
                "A generated column: the database computes it, and refuses a value written to it."
                    .into(),
            );
        }
        let auto = text(&identity).is_some_and(|i| !i.is_empty())
            || text(&default).is_some_and(|d| d.starts_with("nextval("));
        let default = match text(&default) {
            Some(d) if !auto && text(&generated).is_none_or(str::is_empty) => {
                Some(default_expr(d, rust).ok_or_else(|| d.to_owned()))
            }
            _ => None,
        };
        columns.push(InspectedColumn {
            rust_type: rust,
            nullable: !truthy(&not_null),
            primary_key: key.contains(&cname),
            max_length,
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
        name,
        skipped: None,
        key_columns: key.len(),
        implicit_key: None,
        columns,
        notes,
    })
}

/// The Rust type for a column type as `format_type` writes it, as Django's
/// `inspectdb` maps PostgreSQL's types, with a length for `varchar(n)` and
/// a note when the type needs a look.
fn rust_type(ty: &str) -> (&'static str, Option<u32>, Option<&'static str>) {
    let base = ty.split('(').next().unwrap_or(ty).trim();
    let size = ty
        .split_once('(')
        .and_then(|(_, r)| r.split([')', ',']).next())
        .and_then(|n| n.trim().parse::<u32>().ok());
    match base {
        "smallint" => ("i16", None, None),
        "integer" => ("i32", None, None),
        "bigint" => ("i64", None, None),
        "real" => ("f32", None, None),
        "double precision" => ("f64", None, None),
        "boolean" => ("bool", None, None),
        "text" | "character varying" => ("String", size, None),
        "character" => (
            "String",
            size,
            Some("fixed length: the database pads shorter values with spaces"),
        ),
        "bytea" => ("Vec<u8>", None, None),
        "date" => ("chrono::NaiveDate", None, None),
        "timestamp" if ty.ends_with("with time zone") => {
            ("chrono::DateTime<chrono::Utc>", None, None)
        }
        "timestamp" | "timestamp without time zone" => ("chrono::NaiveDateTime", None, None),
        "timestamp with time zone" => ("chrono::DateTime<chrono::Utc>", None, None),
        "numeric" => (DECIMAL_TYPE, None, None),
        _ => (
            "String",
            None,
            Some(
                "no field type matches it, and a `String` field can't read it; change the field or the column",
            ),
        ),
    }
}

/// A column default as `pg_get_expr` writes it (`'abc'::text`, `42`,
/// `'-1'::integer`, `true`), as a Rust expression for `#[field(default =
/// ..)]` when it is a plain literal of the field's type.
fn default_expr(sql: &str, ty: &str) -> Option<String> {
    let mut s = sql.trim();
    // The literal, without the casts after it (outside its quotes) and the
    // parentheses around it.
    if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        s = inner.trim();
    }
    let literal = if let Some(rest) = s.strip_prefix('\'') {
        let mut text = String::new();
        let mut chars = rest.chars().peekable();
        loop {
            match chars.next()? {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    text.push('\'');
                }
                '\'' => break,
                c => text.push(c),
            }
        }
        let after: String = chars.collect();
        if !only_casts(&after) {
            return None;
        }
        Some(text)
    } else {
        None
    };
    let bare = match &literal {
        Some(t) => t.as_str(),
        None => {
            let end = s.find("::").unwrap_or(s.len());
            if !only_casts(&s[end..]) {
                return None;
            }
            &s[..end]
        }
    };
    match ty {
        "String" => literal.map(|t| rust_string(&t)),
        DECIMAL_TYPE => decimal_default(bare),
        "i16" | "i32" | "i64" => bare.parse::<i64>().ok().map(|i| format!("{i}_{ty}")),
        "f32" | "f64" => bare
            .parse::<f64>()
            .ok()
            .filter(|r| r.is_finite())
            .map(|r| format!("{r:?}_{ty}")),
        "bool" => match bare {
            "true" => Some("true".into()),
            "false" => Some("false".into()),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `s` is nothing but casts: `::text`, `::character varying`.
fn only_casts(s: &str) -> bool {
    s.is_empty()
        || s.strip_prefix("::").is_some_and(|rest| {
            rest.split("::").all(|t| {
                !t.is_empty()
                    && t.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '_')
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_as_django_maps_them() {
        assert_eq!(
            rust_type("character varying(50)"),
            ("String", Some(50), None)
        );
        assert_eq!(rust_type("integer").0, "i32");
        assert_eq!(
            rust_type("timestamp(3) with time zone").0,
            "chrono::DateTime<chrono::Utc>"
        );
        assert_eq!(
            rust_type("timestamp without time zone").0,
            "chrono::NaiveDateTime"
        );
        assert!(rust_type("uuid").2.is_some());
        assert_eq!(rust_type("numeric(10,2)").0, DECIMAL_TYPE);
    }

    #[test]
    fn defaults() {
        assert_eq!(
            default_expr("'it''s'::text", "String").as_deref(),
            Some("\"it's\"")
        );
        assert_eq!(
            default_expr("'-1'::integer", "i32").as_deref(),
            Some("-1_i32")
        );
        assert_eq!(default_expr("42", "i64").as_deref(), Some("42_i64"));
        assert_eq!(default_expr("1.5", "f64").as_deref(), Some("1.5_f64"));
        assert_eq!(default_expr("true", "bool").as_deref(), Some("true"));
        assert_eq!(
            default_expr("1.50", DECIMAL_TYPE).as_deref(),
            Some("query::Decimal::new(150, 2)")
        );
        assert_eq!(default_expr("now()", "chrono::NaiveDateTime"), None);
        assert_eq!(default_expr("'a'::text || 'b'::text", "String"), None);
    }
}
