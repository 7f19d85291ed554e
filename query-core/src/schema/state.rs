//! The schema state: the tables, columns and indexes a set of models needs,
//! in a form two states can be compared in and a migration file can record.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::meta::{FieldMeta, ModelMeta};
use crate::value::{SqlType, Value};

/// A column's `DEFAULT`, or a one-off value for existing rows, independent
/// of the database: each backend writes it as its own literal (a boolean's
/// `1` is `TRUE` on PostgreSQL, bytes are `X'..'` on SQLite and
/// `'\x..'::bytea` on PostgreSQL).
///
/// Booleans are `Integer(0)` and `Integer(1)`; dates and times are their
/// text. Migration files write it in SQL's literal notation (`42`, `1.5`,
/// `'it''s'`, `X'00FF'`, `NULL`), which is also how the previous version
/// recorded defaults, so its files read unchanged.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Literal {
    /// `NULL`.
    Null,
    /// An integer (or a boolean, as 0 and 1).
    Integer(i64),
    /// A finite float.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl PartialEq for Literal {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Literal::Null, Literal::Null) => true,
            (Literal::Integer(a), Literal::Integer(b)) => a == b,
            // By bits, so that equality is an equivalence (`Eq`).
            (Literal::Real(a), Literal::Real(b)) => a.to_bits() == b.to_bits(),
            (Literal::Text(a), Literal::Text(b)) => a == b,
            (Literal::Blob(a), Literal::Blob(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Literal {}

impl Literal {
    /// The literal for a value: a NaN or infinite float is `NULL`, as no
    /// SQL literal writes it.
    pub fn from_value(value: &Value) -> Literal {
        match value {
            Value::Null => Literal::Null,
            Value::Integer(i) => Literal::Integer(*i),
            Value::Real(r) if r.is_finite() => Literal::Real(*r),
            Value::Real(_) => Literal::Null,
            Value::Text(t) => Literal::Text(t.clone()),
            Value::Blob(b) => Literal::Blob(b.clone()),
            // No column holds a list.
            Value::List(_) => Literal::Null,
        }
    }

    /// The notation of migration files: `42`, `1.5`, `'it''s'`, `X'00FF'`, `NULL`.
    pub fn notation(&self) -> String {
        let mut out = String::new();
        match self {
            Literal::Null => out.push_str("NULL"),
            Literal::Integer(i) => {
                let _ = write!(out, "{i}");
            }
            Literal::Real(r) if r.is_finite() => {
                let _ = write!(out, "{r:?}");
            }
            Literal::Real(_) => out.push_str("NULL"),
            Literal::Text(t) => {
                out.push('\'');
                out.push_str(&t.replace('\'', "''"));
                out.push('\'');
            }
            Literal::Blob(b) => {
                out.push_str("X'");
                for byte in b {
                    let _ = write!(out, "{byte:02X}");
                }
                out.push('\'');
            }
        }
        out
    }

    /// Reads [`notation`](Literal::notation); `None` for anything else.
    pub fn parse(text: &str) -> Option<Literal> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("NULL") {
            return Some(Literal::Null);
        }
        if let Some(body) = t.strip_prefix('\'') {
            let body = body.strip_suffix('\'')?;
            // Every quote inside is doubled.
            let mut out = String::with_capacity(body.len());
            let mut chars = body.chars();
            while let Some(c) = chars.next() {
                out.push(c);
                if c == '\'' && chars.next() != Some('\'') {
                    return None;
                }
            }
            return Some(Literal::Text(out));
        }
        if let Some(hex) = t.strip_prefix("X'").or_else(|| t.strip_prefix("x'")) {
            let hex = hex.strip_suffix('\'')?;
            return unhex(hex).map(Literal::Blob);
        }
        let numeric = !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
        if !numeric {
            return None;
        }
        if let Ok(i) = t.parse::<i64>() {
            return Some(Literal::Integer(i));
        }
        match t.parse::<f64>() {
            Ok(r) if r.is_finite() => Some(Literal::Real(r)),
            _ => None,
        }
    }
}

/// The bytes `hex` spells, two digits each.
pub(crate) fn unhex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

/// One column, as far as its definition goes, in terms of the Rust field
/// (the type is the field's, not a database's): each backend writes its own
/// DDL from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnState {
    /// The column's name.
    pub name: String,
    /// The field's type, which each backend maps to a column type.
    pub ty: SqlType,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Whether this is the primary key.
    pub primary_key: bool,
    /// An automatic integer key (`AUTOINCREMENT` on SQLite, an identity
    /// column on PostgreSQL).
    pub auto: bool,
    /// `UNIQUE`.
    pub unique: bool,
    /// The `DEFAULT`.
    pub default: Option<Literal>,
    /// The most characters a text may have (`CHECK (length(..) <= N)` on
    /// SQLite, `varchar(N)` on PostgreSQL).
    pub max_length: Option<u32>,
    /// A decimal's most digits (`numeric(max_digits, decimal_places)` on
    /// PostgreSQL; SQLite stores decimal text of any length).
    pub max_digits: Option<u32>,
    /// A decimal's most digits after the point.
    pub decimal_places: Option<u32>,
    /// The column a foreign key points at (`REFERENCES`), for a
    /// `ForeignKey<T>` or `OneToOne<T>` field: `T`'s table and key.
    pub references: Option<Reference>,
}

/// The target of a foreign key: a table and its column (the primary key).
///
/// The database's constraint is `DEFERRABLE INITIALLY DEFERRED` on both
/// backends, without an `ON DELETE` action, as Django creates it: the ORM
/// does `on_delete`, and the constraint, checked at commit, is the safety net.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// The table pointed at.
    pub table: String,
    /// Its column (the primary key).
    pub column: String,
}

impl Reference {
    /// `"artist"."id"`: the notation of messages and migration files.
    pub fn notation(&self) -> String {
        let mut out = String::new();
        crate::write::quote(&mut out, &self.table);
        out.push('.');
        crate::write::quote(&mut out, &self.column);
        out
    }
}

impl ColumnState {
    /// The definition in the words of migration files, for messages and
    /// the operations of a migration: `"rating" f64 NOT NULL DEFAULT 1.5`.
    pub fn definition_text(&self) -> String {
        let mut out = String::new();
        crate::write::quote(&mut out, &self.name);
        out.push(' ');
        out.push_str(self.ty.name());
        if let Some(n) = self.max_length {
            let _ = write!(out, "({n})");
        }
        if let (Some(p), Some(s)) = (self.max_digits, self.decimal_places) {
            let _ = write!(out, "({p}, {s})");
        }
        if self.primary_key {
            out.push_str(" PRIMARY KEY");
            if self.auto {
                out.push_str(" AUTO");
            }
        } else if !self.nullable {
            out.push_str(" NOT NULL");
        }
        if self.unique && !self.primary_key {
            out.push_str(" UNIQUE");
        }
        if let Some(default) = &self.default {
            out.push_str(" DEFAULT ");
            out.push_str(&default.notation());
        }
        if let Some(r) = &self.references {
            out.push_str(" REFERENCES ");
            out.push_str(&r.notation());
        }
        out
    }
}

/// An index on one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexState {
    /// The index's name.
    pub name: String,
    /// The indexed columns, in order.
    pub columns: Vec<String>,
    /// `CREATE UNIQUE INDEX`.
    pub unique: bool,
}

/// One table: its columns in order and its indexes by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableState {
    /// The table's name.
    pub name: String,
    /// The columns, in the order the table is created with.
    pub columns: Vec<ColumnState>,
    /// The indexes, by name.
    pub indexes: BTreeMap<String, IndexState>,
}

impl TableState {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnState> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The tables this table's foreign keys point at, itself excepted,
    /// each once, in column order.
    pub fn referenced_tables(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in self.columns.iter().filter_map(|c| c.references.as_ref()) {
            if r.table != self.name && !out.contains(&r.table.as_str()) {
                out.push(&r.table);
            }
        }
        out
    }
}

/// Every model linked into this program (each `#[derive(Model)]` struct),
/// sorted by table, for `makemigrations`.
///
/// Unlike [`registered_models`](crate::registered_models), two different
/// models on one table are an error here: a migration can follow only one.
pub fn registry_models() -> Result<Vec<&'static ModelMeta>> {
    let mut models: Vec<&'static ModelMeta> = inventory::iter::<crate::meta::RegisteredModel>
        .into_iter()
        .map(|r| r.meta)
        .collect();
    models.sort_by(|a, b| (a.table, a.name).cmp(&(b.table, b.name)));
    let mut out: Vec<&'static ModelMeta> = Vec::with_capacity(models.len());
    for meta in models {
        match out.last() {
            Some(prev) if prev.table == meta.table => {
                // The same model seen twice describes the same table.
                if SchemaState::from_models(&[prev])? != SchemaState::from_models(&[meta])? {
                    return Err(Error::Migration(format!(
                        "two different models ({} and {}) use the table `{}`; a migration can follow only one model per table",
                        prev.name, meta.name, meta.table
                    )));
                }
            }
            _ => out.push(meta),
        }
    }
    Ok(out)
}

/// The schema of a set of models: every table by name.
///
/// Built from the models ([`SchemaState::from_models`]) or read from the
/// last migration file; two states compare with [`diff`](crate::migrations::diff).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaState {
    /// The tables, by name.
    pub tables: BTreeMap<String, TableState>,
}

impl SchemaState {
    /// The state of the models linked into this program ([`registry_models`]).
    pub fn from_registry() -> Result<SchemaState> {
        SchemaState::from_models(&registry_models()?)
    }

    /// The state of the given models. Two models with the same table are an
    /// error.
    pub fn from_models(models: &[&ModelMeta]) -> Result<SchemaState> {
        let mut tables = BTreeMap::new();
        for meta in models {
            let pairs = TableState::pair_tables(meta);
            for table in std::iter::once(TableState::from_model(meta)).chain(pairs) {
                let name = table.name.clone();
                if tables.insert(name.clone(), table).is_some() {
                    return Err(Error::Migration(format!(
                        "two models (or a model and the table of pairs of a many-to-many field) use the table `{name}`; each table needs exactly one model",
                    )));
                }
            }
        }
        Ok(SchemaState { tables })
    }
}

impl TableState {
    /// The table one model needs: what `Db::create_table` creates and what
    /// `makemigrations` compares.
    pub fn from_model(meta: &ModelMeta) -> TableState {
        let mut columns = Vec::with_capacity(meta.fields.len());
        let mut indexes = BTreeMap::new();
        for f in meta.fields {
            let default = f.default.map(|default| Literal::from_value(&default()));
            columns.push(ColumnState {
                name: f.column.to_owned(),
                ty: f.sql_type,
                nullable: f.nullable && !f.primary_key,
                primary_key: f.primary_key,
                auto: f.primary_key && f.auto,
                unique: f.unique && !f.primary_key,
                default,
                max_length: f.max_length,
                max_digits: f.max_digits,
                decimal_places: f.decimal_places,
                references: f.foreign_key.map(|fk| reference_of(fk.to)),
            });
            // An index on each foreign key, as Django creates one (a unique
            // column has its own).
            let indexed = f.db_index || f.foreign_key.is_some();
            if indexed && !f.unique && !f.primary_key {
                let name = index_name(meta, f);
                indexes.insert(
                    name.clone(),
                    IndexState {
                        name,
                        columns: vec![f.column.to_owned()],
                        unique: false,
                    },
                );
            }
        }
        TableState {
            name: meta.table.to_owned(),
            columns,
            indexes,
        }
    }
}

impl TableState {
    /// The automatic tables of pairs of `meta`'s `ManyToMany<T>` fields
    /// (those without `through`), as Django creates them: `<table>_<field>`
    /// with an automatic `id`, a key to each side (`<owner>_id`,
    /// `<target>_id`; `from_<model>_id`, `to_<model>_id` when a model relates
    /// to itself), each indexed, and a unique pair.
    pub fn pair_tables(meta: &ModelMeta) -> Vec<TableState> {
        let mut out = Vec::new();
        for m2m in meta.many_to_many {
            let Some((table, near, far)) = m2m.pairs else {
                continue;
            };
            let key = |column: &str, to: &ModelMeta| ColumnState {
                name: column.to_owned(),
                ty: to.pk_field().sql_type,
                nullable: false,
                primary_key: false,
                auto: false,
                unique: false,
                default: None,
                max_length: None,
                max_digits: None,
                decimal_places: None,
                references: Some(Reference {
                    table: to.table.to_owned(),
                    column: to.pk_field().column.to_owned(),
                }),
            };
            let id = ColumnState {
                name: "id".to_owned(),
                ty: SqlType::I64,
                primary_key: true,
                auto: true,
                references: None,
                ..key("", meta)
            };
            let columns = vec![id, key(near, meta), key(far, (m2m.to)())];
            let mut indexes = BTreeMap::new();
            let unique = format!("{table}_{near}_{far}_uniq");
            let index = |name: String, columns: Vec<String>, unique: bool| {
                (
                    name.clone(),
                    IndexState {
                        name,
                        columns,
                        unique,
                    },
                )
            };
            indexes.extend([
                index(unique, vec![near.to_owned(), far.to_owned()], true),
                index(format!("{table}_{near}_idx"), vec![near.to_owned()], false),
                index(format!("{table}_{far}_idx"), vec![far.to_owned()], false),
            ]);
            out.push(TableState {
                name: table.to_owned(),
                columns,
                indexes,
            });
        }
        out
    }
}

/// The column a foreign key to `to` references: its table's primary key.
fn reference_of(to: fn() -> &'static ModelMeta) -> Reference {
    let target = to();
    let column = target
        .fields
        .iter()
        .find(|f| f.primary_key)
        .map_or("id", |f| f.column);
    Reference {
        table: target.table.to_owned(),
        column: column.to_owned(),
    }
}

/// The name of the index `#[field(db_index)]` (or a foreign key) creates: `<table>_<column>_idx`.
pub fn index_name(meta: &ModelMeta, f: &FieldMeta) -> String {
    format!("{}_{}_idx", meta.table, f.column)
}
