//! What the schema writers of every backend share: quoting, and the entry
//! points that pick a backend's writer.

use crate::db::Db;
use crate::error::{Error, Result};
use crate::schema::{Operation, SchemaState, TableState};
use crate::value::Value;

use super::Backend;

/// Appends `ident` quoted with `"`, embedded quotes doubled: the same on
/// SQLite and PostgreSQL.
pub(crate) fn push_ident(out: &mut String, ident: &str) {
    crate::write::quote(out, ident);
}

/// `ident`, quoted.
pub(crate) fn ident(ident: &str) -> String {
    let mut out = String::new();
    push_ident(&mut out, ident);
    out
}

/// `text` as an SQL string literal, quotes doubled (standard SQL: on
/// PostgreSQL, with `standard_conforming_strings` on, its default since
/// 9.1, a backslash is an ordinary character).
pub(crate) fn text_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    out.push_str(&text.replace('\'', "''"));
    out.push('\'');
    out
}

/// The statements that run `ops` on `backend`, starting from the schema
/// `before` them.
///
/// Planning ([`diff`](crate::migrations::diff)) knows no database; this is
/// where a backend writes its SQL: on SQLite, a run of column changes that
/// `ALTER TABLE` can't do rebuilds the table once; on PostgreSQL every
/// change is an `ALTER TABLE`.
pub fn statements_for(
    backend: Backend,
    ops: &[Operation],
    before: &SchemaState,
) -> Result<Vec<String>> {
    match backend {
        Backend::Sqlite => super::sqlite::schema::statements(ops, before),
        Backend::Postgres => super::postgres::schema::statements(ops, before),
    }
}

/// `CREATE TABLE [IF NOT EXISTS] ...` for `table` on `backend`, then a
/// `CREATE INDEX` per index of the table (on PostgreSQL, the foreign key
/// constraints follow, added by `Db::create_table`).
pub fn create_table_sql(backend: Backend, table: &TableState, if_not_exists: bool) -> Vec<String> {
    let (create, index): (fn(&TableState, &str, bool) -> String, _) = match backend {
        Backend::Sqlite => (
            super::sqlite::schema::create_table,
            super::sqlite::schema::create_index as fn(&_, &str, bool) -> String,
        ),
        Backend::Postgres => (
            super::postgres::schema::create_table,
            super::postgres::schema::create_index as fn(&_, &str, bool) -> String,
        ),
    };
    let mut out = vec![create(table, &table.name, if_not_exists)];
    for i in table.indexes.values() {
        out.push(index(i, &table.name, if_not_exists));
    }
    out
}

/// Whether the table `name` exists (on PostgreSQL, where the search path
/// finds it, as an unqualified name in a statement would).
pub(crate) fn table_exists(db: &Db, name: &str) -> Result<bool> {
    let (sql, arg) = match db.backend() {
        Backend::Sqlite => (
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1 COLLATE NOCASE",
            name.to_owned(),
        ),
        Backend::Postgres => ("SELECT 1 WHERE to_regclass($1) IS NOT NULL", ident(name)),
    };
    Ok(!db.query(sql, &[Value::Text(arg)])?.is_empty())
}

/// What `Db::create_table` runs, in one transaction: the table if it does
/// not exist, its indexes if they do not, and its foreign keys
/// (`REFERENCES .. DEFERRABLE INITIALLY DEFERRED`: in the column's
/// definition on SQLite, a constraint added after the table on PostgreSQL).
///
/// The tables its foreign keys point at must exist first (a table may
/// point at itself): a missing one is an error that names it, and nothing
/// is created.
pub(crate) fn create_table(db: &Db, table: &TableState) -> Result<()> {
    for target in table.referenced_tables() {
        if !table_exists(db, target)? {
            let column = table
                .columns
                .iter()
                .find(|c| c.references.as_ref().is_some_and(|r| r.table == target))
                .map_or("", |c| c.name.as_str());
            return Err(Error::Migration(format!(
                "can't create the table `{}`: its foreign key `{column}` points at the table `{target}`, which does not exist; create `{target}` first",
                table.name
            )));
        }
    }
    db.atomic(|db| {
        let existed = table_exists(db, &table.name)?;
        for sql in create_table_sql(db.backend(), table, true) {
            db.execute_batch(&sql)?;
        }
        if db.backend() == Backend::Postgres && !existed {
            for sql in super::postgres::schema::foreign_keys(table) {
                db.execute_batch(&sql)?;
            }
        }
        Ok(())
    })
}
