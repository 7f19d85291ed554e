//! The schema state: the tables, columns and indexes a set of models needs,
//! in a form two states can be compared in and a migration file can record.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::dialect::{Dialect, Sqlite};
use crate::error::{Error, Result};
use crate::model::{FieldMeta, ModelMeta};
use crate::value::SqlType;

/// One column, as far as its SQL definition goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnState {
    /// The column's name.
    pub name: String,
    /// The storage type: `INTEGER`, `REAL`, `TEXT` or `BLOB`.
    pub ty: String,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Whether this is the primary key.
    pub primary_key: bool,
    /// An automatic integer key (`AUTOINCREMENT`).
    pub auto: bool,
    /// `UNIQUE`.
    pub unique: bool,
    /// The `DEFAULT`, as an SQL literal.
    pub default: Option<String>,
    /// `CHECK (length("c") <= N)`.
    pub max_length: Option<u32>,
    /// `CHECK ("c" IN (0, 1))`: a boolean.
    pub boolean: bool,
}

impl ColumnState {
    /// Appends the column's definition, exactly as `Db::create_table` writes it.
    pub(crate) fn definition(&self, out: &mut String) {
        let d = Sqlite;
        d.quote(out, &self.name);
        out.push(' ');
        if self.primary_key && self.auto {
            out.push_str(d.auto_primary_key());
            return;
        }
        out.push_str(&self.ty);
        if self.primary_key {
            out.push_str(" NOT NULL PRIMARY KEY");
        } else if !self.nullable {
            out.push_str(" NOT NULL");
        }
        if self.unique && !self.primary_key {
            out.push_str(" UNIQUE");
        }
        if let Some(default) = &self.default {
            out.push_str(" DEFAULT ");
            out.push_str(default);
        }
        if let Some(n) = self.max_length {
            out.push_str(" CHECK (length(");
            d.quote(out, &self.name);
            let _ = write!(out, ") <= {n})");
        }
        if self.boolean {
            out.push_str(" CHECK (");
            d.quote(out, &self.name);
            out.push_str(" IN (0, 1))");
        }
    }

    /// The definition alone, for messages and migration comments.
    pub fn definition_text(&self) -> String {
        let mut out = String::new();
        self.definition(&mut out);
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

    /// `CREATE TABLE "t" (...) STRICT`, one column per line.
    pub(crate) fn create_sql(&self, name: &str) -> String {
        self.create_sql_with(name, false)
    }

    /// `CREATE TABLE [IF NOT EXISTS] "t" (...) STRICT`: the one place a
    /// table's DDL is written, for migrations and `Db::create_table` alike.
    pub(crate) fn create_sql_with(&self, name: &str, if_not_exists: bool) -> String {
        let d = Sqlite;
        let mut out = String::from("CREATE TABLE ");
        if if_not_exists {
            out.push_str("IF NOT EXISTS ");
        }
        d.quote(&mut out, name);
        out.push_str(" (");
        for (i, c) in self.columns.iter().enumerate() {
            out.push_str(if i > 0 { ",\n    " } else { "\n    " });
            c.definition(&mut out);
        }
        out.push_str("\n)");
        out.push_str(d.table_options());
        out
    }
}

impl IndexState {
    /// `CREATE [UNIQUE] INDEX "i" ON "t" ("c", ...)`.
    pub(crate) fn create_sql(&self, table: &str) -> String {
        self.create_sql_with(table, false)
    }

    /// `CREATE [UNIQUE] INDEX [IF NOT EXISTS] "i" ON "t" ("c", ...)`.
    pub(crate) fn create_sql_with(&self, table: &str, if_not_exists: bool) -> String {
        let d = Sqlite;
        let mut out = String::from(if self.unique {
            "CREATE UNIQUE INDEX "
        } else {
            "CREATE INDEX "
        });
        if if_not_exists {
            out.push_str("IF NOT EXISTS ");
        }
        d.quote(&mut out, &self.name);
        out.push_str(" ON ");
        d.quote(&mut out, table);
        out.push_str(" (");
        for (i, c) in self.columns.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            d.quote(&mut out, c);
        }
        out.push(')');
        out
    }
}

/// Every model linked into this program (each `#[derive(Model)]` struct),
/// sorted by table, for `makemigrations`.
///
/// Unlike [`registered_models`](crate::registered_models), two different
/// models on one table are an error here: a migration can follow only one.
pub fn registry_models() -> Result<Vec<&'static ModelMeta>> {
    let mut models: Vec<&'static ModelMeta> = inventory::iter::<crate::model::RegisteredModel>
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
/// last migration file; two states compare with [`diff`](super::diff).
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
            if tables
                .insert(meta.table.to_owned(), TableState::from_model(meta))
                .is_some()
            {
                return Err(Error::Migration(format!(
                    "two models use the table `{}`; each table needs exactly one model",
                    meta.table
                )));
            }
        }
        Ok(SchemaState { tables })
    }
}

impl TableState {
    /// The table one model needs: what `Db::create_table` creates and what
    /// `makemigrations` compares.
    pub fn from_model(meta: &ModelMeta) -> TableState {
        let d = Sqlite;
        let mut columns = Vec::with_capacity(meta.fields.len());
        let mut indexes = BTreeMap::new();
        for f in meta.fields {
            let default = f.default.map(|default| {
                let mut lit = String::new();
                d.literal(&mut lit, &default());
                lit
            });
            columns.push(ColumnState {
                name: f.column.to_owned(),
                ty: d.column_type(f.sql_type).to_owned(),
                nullable: f.nullable && !f.primary_key,
                primary_key: f.primary_key,
                auto: f.primary_key && f.auto,
                unique: f.unique && !f.primary_key,
                default,
                max_length: f.max_length,
                boolean: f.sql_type == SqlType::Bool,
            });
            if f.db_index && !f.unique && !f.primary_key {
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

/// The name of the index `#[field(db_index)]` creates: `<table>_<column>_idx`.
pub fn index_name(meta: &ModelMeta, f: &FieldMeta) -> String {
    format!("{}_{}_idx", meta.table, f.column)
}
