//! `inspectdb`: Rust model source from an existing database.
//!
//! Each backend reads its catalog into [`InspectedTable`]s
//! (`backend/sqlite/inspect.rs`, `backend/postgres/inspect.rs`): the
//! columns with the Rust type Django's `inspectdb` would choose for their
//! database type, nullability, keys, uniqueness, indexes, lengths and simple
//! defaults. Writing the source from them is shared, here.

use std::fmt::Write as _;

use crate::backend::Backend;
use crate::db::Db;
use crate::error::{Error, Result};

/// A table as a backend's catalog describes it, for `inspectdb`.
#[derive(Debug, Default)]
pub(crate) struct InspectedTable {
    /// The table's name.
    pub name: String,
    /// Why no model is written for it (a virtual table), if so.
    pub skipped: Option<String>,
    /// The columns, in order.
    pub columns: Vec<InspectedColumn>,
    /// What the model can't express (an index of several columns, ...).
    pub notes: Vec<String>,
    /// How many columns the primary key has.
    pub key_columns: usize,
    /// The field written when the table has no primary key (SQLite's
    /// `rowid`), with its comment; `None` on a database without one.
    pub implicit_key: Option<(&'static str, &'static str)>,
}

/// A column as a backend's catalog describes it.
#[derive(Debug, Default)]
pub(crate) struct InspectedColumn {
    /// The column's name.
    pub name: String,
    /// The Rust type of its field (without `Option`).
    pub rust_type: &'static str,
    /// Whether it allows NULL.
    pub nullable: bool,
    /// Whether it is (part of) the primary key.
    pub primary_key: bool,
    /// A length limit, for text.
    pub max_length: Option<u32>,
    /// A decimal's `max_digits` and `decimal_places`.
    pub decimal: Option<DecimalPrecision>,
    /// A single-column UNIQUE constraint or index.
    pub unique: bool,
    /// A single-column non-unique index.
    pub db_index: bool,
    /// Its default: `Ok` with a Rust expression when it is a literal the
    /// model can hold, `Err` with the SQL when it is not.
    pub default: Option<std::result::Result<String, String>>,
    /// Comments for the reader: a type to check.
    pub comments: Vec<String>,
    /// The table a foreign key of this column alone points at, and the
    /// column there (`None`: its primary key).
    pub foreign_key: Option<(String, Option<String>)>,
}

/// What the writer knows of an inspected table that a foreign key may
/// point at: its struct, its key column and the key's Rust type.
struct Target<'t> {
    struct_name: String,
    key: Option<&'t InspectedColumn>,
}

/// The Rust type of a decimal field in `inspectdb`'s output.
pub(crate) const DECIMAL_TYPE: &str = "query::Decimal";

/// A decimal column's precision, as `inspectdb` writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DecimalPrecision {
    /// `max_digits`.
    pub max_digits: u32,
    /// `decimal_places`.
    pub decimal_places: u32,
}

/// The most digits a `rust_decimal::Decimal` holds.
const DECIMAL_MAX_DIGITS: u32 = 28;

/// The precision of a `numeric(p, s)`, `decimal(p)` or bare `decimal`
/// column type, with the comment the field needs: Django's guess of 10 and
/// 5 when the type gives none (as on a SQLite database Django made, whose
/// `decimal` columns have no precision), and a note when the column holds
/// more digits than a `Decimal`.
pub(crate) fn decimal_precision(decl: &str) -> (DecimalPrecision, Option<String>) {
    let numbers: Vec<u32> = decl
        .split_once('(')
        .map(|(_, rest)| {
            rest.split([')', ','])
                .map_while(|n| n.trim().parse::<u32>().ok())
                .collect()
        })
        .unwrap_or_default();
    let (p, s) = match numbers.as_slice() {
        [p] => (*p, 0),
        [p, s, ..] => (*p, *s),
        _ => {
            return (
                DecimalPrecision {
                    max_digits: 10,
                    decimal_places: 5,
                },
                Some(
                    "max_digits and decimal_places have been guessed, as the column type gives none"
                        .into(),
                ),
            );
        }
    };
    if p > DECIMAL_MAX_DIGITS {
        let s = s.min(DECIMAL_MAX_DIGITS);
        return (
            DecimalPrecision {
                max_digits: DECIMAL_MAX_DIGITS,
                decimal_places: s,
            },
            Some(format!(
                "the column holds up to {p} digits, a `Decimal` at most {DECIMAL_MAX_DIGITS}: larger values fail to load"
            )),
        );
    }
    (
        DecimalPrecision {
            max_digits: p,
            decimal_places: s.min(p),
        },
        None,
    )
}

/// A decimal default as a Rust expression (`query::Decimal::new(150, 2)`
/// for `1.50`), when `literal` is a plain decimal number.
pub(crate) fn decimal_default(literal: &str) -> Option<String> {
    let t = literal.trim();
    let (sign, unsigned) = match t.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        || frac.len() > DECIMAL_MAX_DIGITS as usize
    {
        return None;
    }
    let mantissa: i64 = format!("{sign}{int}{frac}").parse().ok()?;
    Some(format!("{DECIMAL_TYPE}::new({mantissa}, {})", frac.len()))
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

pub(crate) fn rust_string(s: &str) -> String {
    format!("{s:?}")
}

/// `inspectdb`: Rust source of one `#[derive(Model)]` struct per table of
/// `db` (the database's own tables and the migration history excepted).
///
/// Columns get the Rust type Django's `inspectdb` gives their database
/// type (on SQLite, by its affinity rules; on PostgreSQL, `smallint` is
/// `i16`, `integer` `i32`, `bigint` `i64`, `real` `f32`, `double
/// precision` `f64`, `varchar(n)` and `text` `String`, `bytea` `Vec<u8>`,
/// `date`, `timestamp` and `timestamp with time zone` chrono's types),
/// `Option<T>` when they allow NULL, and the attributes that say the rest:
/// `column` when the field's name differs, `primary_key`, `unique`,
/// `db_index`, `max_length` (from `varchar(n)` or, on SQLite, a `CHECK
/// (length(c) <= N)`) and `default` for a literal default. A foreign key
/// of one column to the primary key of an inspected table is a
/// `ForeignKey<T>` (`OneToOne<T>` when unique, `Option<..>` when nullable)
/// with `#[field(on_delete = DoNothing)]`, as Django's inspectdb writes
/// `DO_NOTHING`, its field named without `_id`; one to a table not
/// inspected stays its key column, with a comment naming the table it
/// references. What the crate can't express is said in a comment. On
/// PostgreSQL the tables are those of the connection's current schema.
/// Review the output before using it.
pub fn inspectdb(db: &Db) -> Result<String> {
    inspectdb_with(db, &InspectOptions::default())
}

/// Which tables [`inspectdb_with`] writes models for.
///
/// A name may be a pattern: `*` matches any run of characters, `?` one
/// character (`auth_*`). Names compare as the database compares them: ASCII
/// case-insensitively on SQLite, exactly on PostgreSQL.
#[derive(Debug, Clone, Default)]
pub struct InspectOptions {
    /// Only these tables (`inspectdb album track`); every table when empty.
    /// A name or pattern that matches no table is an error.
    pub tables: Vec<String>,
    /// Not these tables (`--exclude django_migrations --exclude 'auth_*'`),
    /// even when `tables` names them.
    pub exclude: Vec<String>,
}

impl InspectOptions {
    /// Every table: the same as `InspectOptions::default()`.
    pub fn new() -> Self {
        InspectOptions::default()
    }

    /// Adds a table (or pattern) to include.
    pub fn table(mut self, name: impl Into<String>) -> Self {
        self.tables.push(name.into());
        self
    }

    /// Adds a table (or pattern) to leave out.
    pub fn exclude(mut self, name: impl Into<String>) -> Self {
        self.exclude.push(name.into());
        self
    }
}

/// Whether `name` matches `pattern`, where `*` matches any run of
/// characters and `?` one character.
fn glob(pattern: &str, name: &str, fold: bool) -> bool {
    let eq = |a: char, b: char| {
        if fold {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative matching with one backtrack point, the last `*`.
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || (p[i] != '*' && eq(p[i], n[j]))) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// `inspectdb` for some of the tables: those `options` includes and does
/// not exclude (see [`InspectOptions`]); [`inspectdb`] otherwise.
///
/// ```no_run
/// # use query::prelude::*;
/// use query::migrations::{InspectOptions, inspectdb_with};
/// # fn main() -> query::Result<()> {
/// let db = Db::open("chinook.sqlite3")?;
/// // Django's own tables stay out.
/// let options = InspectOptions::new()
///     .exclude("django_*")
///     .exclude("auth_*");
/// println!("{}", inspectdb_with(&db, &options)?);
/// # Ok(()) }
/// ```
pub fn inspectdb_with(db: &Db, options: &InspectOptions) -> Result<String> {
    let fold = db.backend() == Backend::Sqlite;
    for p in options.tables.iter().chain(&options.exclude) {
        if p.is_empty() {
            return Err(Error::Migration(
                "inspectdb: an empty table name was given".into(),
            ));
        }
    }
    let mut matched = vec![false; options.tables.len()];
    let mut keep = |table: &str| {
        let mut included = options.tables.is_empty();
        for (k, p) in options.tables.iter().enumerate() {
            if glob(p, table, fold) {
                matched[k] = true;
                included = true;
            }
        }
        included && !options.exclude.iter().any(|p| glob(p, table, fold))
    };
    let tables = match db.backend() {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => crate::backend::sqlite::inspect::tables(db, &mut keep)?,
        #[cfg(feature = "postgres")]
        Backend::Postgres => crate::backend::postgres::inspect::tables(db, &mut keep)?,
        #[allow(unreachable_patterns)]
        other => {
            return Err(Error::Migration(format!(
                "inspectdb on {other:?} needs its cargo feature"
            )));
        }
    };
    let unmatched: Vec<String> = options
        .tables
        .iter()
        .zip(&matched)
        .filter(|(_, m)| !**m)
        .map(|(p, _)| format!("`{p}`"))
        .collect();
    if !unmatched.is_empty() {
        return Err(Error::Migration(format!(
            "inspectdb: no table of the database is named {}",
            unmatched.join(", ")
        )));
    }
    let mut out = String::from(
        "//! Models generated by `inspectdb` from an existing database.\n\
         //! Review them: names, types and attributes are inferred from the schema.\n\n\
         use query::prelude::*;\n",
    );
    // The struct of each table first: a foreign key names its target's.
    let mut structs = std::collections::HashSet::new();
    let mut targets = std::collections::HashMap::new();
    for table in tables.iter().filter(|t| t.skipped.is_none()) {
        let mut name = struct_name(&table.name);
        while !structs.insert(name.clone()) {
            name.push('_');
        }
        let key = match table.key_columns {
            1 => table.columns.iter().find(|c| c.primary_key),
            _ => None,
        };
        targets.insert(
            table.name.clone(),
            Target {
                struct_name: name,
                key,
            },
        );
    }
    for table in &tables {
        if let Some(why) = &table.skipped {
            let _ = writeln!(out, "\n// {:?} {why}", table.name);
            continue;
        }
        write_table(&mut out, table, &targets);
    }
    Ok(out)
}

/// The type a foreign key column is written with (`ForeignKey<Artist>`,
/// `OneToOne<Artist>`), or why it stays a plain column: the table it
/// points at is not inspected, it points at a column other than a single
/// primary key, or the key's type differs from the column's.
fn relation_type(
    c: &InspectedColumn,
    is_pk: bool,
    targets: &std::collections::HashMap<String, Target<'_>>,
) -> Option<std::result::Result<String, String>> {
    let (table, column) = c.foreign_key.as_ref()?;
    let to = match column {
        Some(col) => format!("Foreign key to {table:?}, column {col:?}"),
        None => format!("Foreign key to {table:?}, its primary key"),
    };
    let Some(target) = targets.get(table) else {
        return Some(Err(format!(
            "{to}: the table is not inspected, so the column stays a plain key."
        )));
    };
    let Some(key) = target.key else {
        return Some(Err(format!(
            "{to}: the table has no single-column primary key, so the column stays a plain key."
        )));
    };
    if column.as_ref().is_some_and(|col| *col != key.name) {
        return Some(Err(format!(
            "{to}, which is not its primary key, so the column stays a plain key."
        )));
    }
    if key.rust_type != c.rust_type {
        return Some(Err(format!(
            "{to}: its key is `{}` and this column `{}`, so the column stays a plain key.",
            key.rust_type, c.rust_type
        )));
    }
    if is_pk {
        return Some(Err(format!(
            "{to}: the column is this table's primary key, so it stays a plain key."
        )));
    }
    let kind = if c.unique { "OneToOne" } else { "ForeignKey" };
    Some(Ok(format!("{kind}<{}>", target.struct_name)))
}

fn write_table(
    out: &mut String,
    table: &InspectedTable,
    targets: &std::collections::HashMap<String, Target<'_>>,
) {
    let name = targets
        .get(&table.name)
        .map_or_else(|| struct_name(&table.name), |t| t.struct_name.clone());
    let _ = writeln!(out, "\n#[derive(Model, Debug, Clone, PartialEq)]");
    let _ = writeln!(out, "#[model(table = {})]", rust_string(&table.name));
    for note in &table.notes {
        let _ = writeln!(out, "// Not expressed by the model: {note}.");
    }
    if table.key_columns > 1 {
        let _ = writeln!(
            out,
            "// Not expressed by the model: a primary key of several columns; the first is used."
        );
    }
    let _ = writeln!(out, "pub struct {name} {{");
    let mut used = std::collections::HashSet::new();
    // Without a key: the implicit one (SQLite's rowid) or, where there is
    // none, the first column, said in a comment.
    let mut key_field = None;
    if table.key_columns == 0 {
        match table.implicit_key {
            Some((field, comment)) => {
                let _ = writeln!(
                    out,
                    "    // {comment}\n    #[field(primary_key)]\n    pub {field}: i64,"
                );
                used.insert(field.to_owned());
            }
            None => {
                key_field = table.columns.first().map(|c| c.name.as_str());
                let _ = writeln!(
                    out,
                    "    // The table has no primary key; the model needs one, so the first column is marked as one: check that its values are unique."
                );
            }
        }
    }
    let mut pk_done = false;
    for c in &table.columns {
        let is_pk = (c.primary_key || key_field == Some(c.name.as_str())) && !pk_done;
        pk_done |= is_pk;
        let mut attrs: Vec<String> = Vec::new();
        let relation = relation_type(c, is_pk, targets);
        let mut comments: Vec<String> = Vec::new();
        let relation = match relation {
            Some(Ok(ty)) => Some(ty),
            Some(Err(why)) => {
                comments.push(why);
                None
            }
            None => None,
        };
        comments.extend(c.comments.iter().cloned());
        let mut fname = field_name(&c.name);
        // A foreign key's field is named without `_id`, as Django's
        // inspectdb names it; its column is `<field>_id` by default.
        if relation.is_some() {
            match fname.strip_suffix("_id") {
                Some(stem) if !stem.is_empty() => fname = stem.to_owned(),
                _ => {}
            }
        }
        while !used.insert(fname.clone()) {
            fname.push('_');
        }
        let ident = if KEYWORDS.contains(&fname.as_str()) {
            format!("r#{fname}")
        } else {
            fname.clone()
        };
        let default_column = if relation.is_some() {
            format!("{fname}_id")
        } else {
            fname.clone()
        };
        if default_column != c.name {
            attrs.push(format!("column = {}", rust_string(&c.name)));
        }
        if relation.is_some() {
            // Django's inspectdb writes DO_NOTHING: the database's own
            // constraint, if any, decides.
            attrs.push("on_delete = DoNothing".into());
        }
        if is_pk && fname != "id" {
            attrs.push("primary_key".into());
        }
        if c.rust_type == "String"
            && let Some(n) = c.max_length
        {
            attrs.push(format!("max_length = {n}"));
        }
        if let Some(d) = c.decimal {
            attrs.push(format!(
                "max_digits = {}, decimal_places = {}",
                d.max_digits, d.decimal_places
            ));
        }
        // A foreign key is indexed, and a one-to-one unique, by its type.
        let plain = relation.is_none() && !is_pk;
        if plain && c.unique {
            attrs.push("unique".into());
        } else if plain && c.db_index {
            attrs.push("db_index".into());
        }
        let nullable = c.nullable && !is_pk;
        match &c.default {
            Some(Ok(expr)) if relation.is_some() => {
                let _ = writeln!(
                    out,
                    "    // DEFAULT {expr}: a foreign key of the model has no default."
                );
            }
            Some(Ok(expr)) => attrs.push(format!("default = {expr}")),
            Some(Err(sql)) => {
                let _ = writeln!(
                    out,
                    "    // DEFAULT {sql:?}: not a literal the model can hold."
                );
            }
            None => {}
        }
        for comment in &comments {
            let _ = writeln!(out, "    // {comment}");
        }
        if !attrs.is_empty() {
            let _ = writeln!(out, "    #[field({})]", attrs.join(", "));
        }
        let ty = relation.as_deref().unwrap_or(c.rust_type);
        let full = if nullable {
            format!("Option<{ty}>")
        } else {
            ty.to_owned()
        };
        let _ = writeln!(out, "    pub {ident}: {full},");
    }
    let _ = writeln!(out, "}}");
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
    fn patterns() {
        assert!(glob("auth_*", "auth_user", false));
        assert!(glob("auth_*", "auth_", false));
        assert!(!glob("auth_*", "myauth_user", false));
        assert!(glob("*_log", "django_admin_log", false));
        assert!(glob("a*b*c", "aXbYbZc", false));
        assert!(!glob("a*b*c", "aXbYbZ", false));
        assert!(glob("t?ck", "tick", false));
        assert!(!glob("t?ck", "tck", false));
        assert!(glob("Album", "album", true));
        assert!(!glob("Album", "album", false));
        assert!(glob("*", "", false));
        assert!(!glob("", "x", false));
    }

    #[test]
    fn decimals() {
        let p = |max_digits, decimal_places| DecimalPrecision {
            max_digits,
            decimal_places,
        };
        assert_eq!(decimal_precision("numeric(10, 2)"), (p(10, 2), None));
        assert_eq!(decimal_precision("DECIMAL(7)"), (p(7, 0), None));
        let (guess, note) = decimal_precision("decimal");
        assert_eq!(guess, p(10, 5));
        assert!(note.unwrap().contains("guessed"));
        assert_eq!(decimal_precision("numeric(40,30)").0, p(28, 28));
        assert_eq!(
            decimal_default("1.50").as_deref(),
            Some("query::Decimal::new(150, 2)")
        );
        assert_eq!(
            decimal_default("-3").as_deref(),
            Some("query::Decimal::new(-3, 0)")
        );
        assert_eq!(decimal_default("'x'"), None);
    }
}
