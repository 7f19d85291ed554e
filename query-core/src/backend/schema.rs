//! What the schema writers of every backend share: quoting, and the entry
//! points that pick a backend's writer.

use crate::error::Result;
use crate::schema::{Operation, SchemaState, TableState};

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
/// `CREATE INDEX` per index of the table: what `Db::create_table` runs.
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
