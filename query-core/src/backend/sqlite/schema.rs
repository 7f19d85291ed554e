//! SQLite's DDL: `STRICT` tables, an `AUTOINCREMENT` key, `CHECK`s for
//! text lengths, booleans and integer ranges, and the table rebuild for the
//! column changes `ALTER TABLE` can't make.

use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::schema::{
    ColumnState, IndexState, Literal, Operation, Reference, SchemaState, TableState,
};
use crate::value::SqlType;

use crate::backend::schema::{ident, push_ident, text_literal};

/// The column type for `ty`: `STRICT` tables accept only `INTEGER`, `REAL`,
/// `TEXT`, `BLOB` and `ANY`. Dates and times are ISO 8601 text; decimals
/// are their exact text, compared by the `query_decimal` collation (see
/// `backend/sqlite/decimal.rs`).
pub(crate) fn column_type(ty: SqlType) -> &'static str {
    match ty {
        SqlType::Bool => "INTEGER",
        t if t.is_integer() => "INTEGER",
        SqlType::F32 | SqlType::F64 => "REAL",
        SqlType::Text | SqlType::Date | SqlType::DateTime | SqlType::DateTimeUtc => "TEXT",
        SqlType::Decimal => "TEXT",
        _ => "BLOB",
    }
}

/// Appends `lit` as an SQLite literal (booleans are 0 and 1 already).
pub(crate) fn push_literal(out: &mut String, lit: &Literal) {
    out.push_str(&lit.notation());
}

/// Appends the column's definition.
fn column_definition(out: &mut String, c: &ColumnState) {
    push_ident(out, &c.name);
    out.push(' ');
    if c.primary_key && c.auto {
        // AUTOINCREMENT, as Django uses: a deleted row's id is never reused.
        out.push_str("INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT");
        push_range_check(out, c);
        return;
    }
    out.push_str(column_type(c.ty));
    if c.ty == SqlType::Decimal {
        out.push_str(" COLLATE ");
        out.push_str(super::decimal::DECIMAL_COLLATION);
    }
    if c.primary_key {
        out.push_str(" NOT NULL PRIMARY KEY");
    } else if !c.nullable {
        out.push_str(" NOT NULL");
    }
    if c.unique && !c.primary_key {
        out.push_str(" UNIQUE");
    }
    if let Some(default) = &c.default {
        out.push_str(" DEFAULT ");
        push_literal(out, default);
    }
    if let Some(n) = c.max_length {
        out.push_str(" CHECK (length(");
        push_ident(out, &c.name);
        let _ = write!(out, ") <= {n})");
    }
    if c.ty == SqlType::Bool {
        out.push_str(" CHECK (");
        push_ident(out, &c.name);
        out.push_str(" IN (0, 1))");
    }
    push_range_check(out, c);
    push_references(out, c);
}

/// ` REFERENCES "t" ("id") DEFERRABLE INITIALLY DEFERRED` for a foreign
/// key: checked at commit (when `PRAGMA foreign_keys` is on, as `Db`
/// sets it), without an `ON DELETE` action, as Django writes it.
fn push_references(out: &mut String, c: &ColumnState) {
    if let Some(r) = &c.references {
        out.push(' ');
        out.push_str(&references_clause(r));
    }
}

/// `REFERENCES "t" ("id") DEFERRABLE INITIALLY DEFERRED`.
pub(crate) fn references_clause(r: &Reference) -> String {
    format!(
        "REFERENCES {} ({}) DEFERRABLE INITIALLY DEFERRED",
        ident(&r.table),
        ident(&r.column)
    )
}

/// The column's definition, alone.
pub(crate) fn column_sql(c: &ColumnState) -> String {
    let mut out = String::new();
    column_definition(&mut out, c);
    out
}

/// ` CHECK ("c" BETWEEN lo AND hi)` for the integer types narrower than
/// SQLite's 64 bits that Rust can't check alone (`i8`, `u8`, `u16`, `u32`),
/// the same constraint PostgreSQL gets.
fn push_range_check(out: &mut String, c: &ColumnState) {
    if let Some((lo, hi)) = c.ty.checked_range() {
        out.push_str(" CHECK (");
        push_ident(out, &c.name);
        let _ = write!(out, " BETWEEN {lo} AND {hi})");
    }
}

/// `CREATE TABLE [IF NOT EXISTS] "name" (...) STRICT`, one column per line.
pub(crate) fn create_table(table: &TableState, name: &str, if_not_exists: bool) -> String {
    let mut out = String::from("CREATE TABLE ");
    if if_not_exists {
        out.push_str("IF NOT EXISTS ");
    }
    push_ident(&mut out, name);
    out.push_str(" (");
    for (i, c) in table.columns.iter().enumerate() {
        out.push_str(if i > 0 { ",\n    " } else { "\n    " });
        column_definition(&mut out, c);
    }
    out.push_str("\n) STRICT");
    out
}

/// `CREATE [UNIQUE] INDEX [IF NOT EXISTS] "i" ON "t" ("c", ...)`.
pub(crate) fn create_index(index: &IndexState, table: &str, if_not_exists: bool) -> String {
    let mut out = String::from(if index.unique {
        "CREATE UNIQUE INDEX "
    } else {
        "CREATE INDEX "
    });
    if if_not_exists {
        out.push_str("IF NOT EXISTS ");
    }
    push_ident(&mut out, &index.name);
    out.push_str(" ON ");
    push_ident(&mut out, table);
    out.push_str(" (");
    for (i, c) in index.columns.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_ident(&mut out, c);
    }
    out.push(')');
    out
}

fn table_in<'s>(state: &'s SchemaState, table: &str) -> Result<&'s TableState> {
    state.tables.get(table).ok_or_else(|| {
        Error::Migration(format!(
            "operation on table `{table}`, which does not exist"
        ))
    })
}

/// The table whose columns `op` changes (add, remove, alter).
fn column_table(op: &Operation) -> Option<&str> {
    match op {
        Operation::AddColumn { table, .. }
        | Operation::RemoveColumn { table, .. }
        | Operation::AlterColumn { table, .. } => Some(table),
        _ => None,
    }
}

/// Whether `ALTER TABLE` can't make this column change and the table must
/// be rebuilt.
fn needs_rebuild(op: &Operation, before: &SchemaState) -> bool {
    match op {
        // ALTER TABLE ADD COLUMN can't add a key or a UNIQUE column, nor
        // a NOT NULL one without a default.
        // Nor a foreign key with a default other than NULL.
        Operation::AddColumn { column, fill, .. } => {
            fill.is_some()
                || column.primary_key
                || column.unique
                || (!column.nullable && column.default.is_none())
                || (column.references.is_some() && column.default.is_some())
        }
        // ALTER TABLE DROP COLUMN can't drop a key, a UNIQUE, a foreign
        // key or an indexed column.
        Operation::RemoveColumn { table, column } => match before.tables.get(table) {
            Some(t) => {
                t.column(column)
                    .is_none_or(|c| c.primary_key || c.unique || c.references.is_some())
                    || t.indexes.values().any(|i| i.columns.contains(column))
            }
            None => true,
        },
        Operation::AlterColumn { .. } => true,
        _ => false,
    }
}

/// The value `op` gives rows that have none, for a rebuild.
fn fill(op: &Operation) -> Option<(&str, &Literal)> {
    match op {
        Operation::AddColumn {
            column,
            fill: Some(fill),
            ..
        } => Some((&column.name, fill)),
        Operation::AlterColumn {
            new,
            fill: Some(fill),
            ..
        } => Some((&new.name, fill)),
        _ => None,
    }
}

/// The statements of one operation, given the state before it.
fn op_sql(op: &Operation, before: &SchemaState) -> Result<Vec<String>> {
    let mut after = before.clone();
    op.apply(&mut after)?;
    Ok(match op {
        Operation::CreateTable { table } => vec![create_table(table, &table.name, false)],
        Operation::DropTable { table } => vec![format!("DROP TABLE {}", ident(table))],
        Operation::RenameTable { old, new } => vec![format!(
            "ALTER TABLE {} RENAME TO {}",
            ident(old),
            ident(new)
        )],
        Operation::RenameColumn { table, old, new } => vec![format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            ident(table),
            ident(old),
            ident(new)
        )],
        Operation::AddColumn { table, column, .. } if !needs_rebuild(op, before) => {
            let mut s = format!("ALTER TABLE {} ADD COLUMN ", ident(table));
            column_definition(&mut s, column);
            vec![s]
        }
        Operation::RemoveColumn { table, column } if !needs_rebuild(op, before) => {
            vec![format!(
                "ALTER TABLE {} DROP COLUMN {}",
                ident(table),
                ident(column)
            )]
        }
        Operation::AddColumn { table, .. }
        | Operation::RemoveColumn { table, .. }
        | Operation::AlterColumn { table, .. } => {
            let fills: Vec<(&str, &Literal)> = fill(op).into_iter().collect();
            rebuild(table_in(before, table)?, table_in(&after, table)?, &fills)
        }
        Operation::CreateIndex { table, index } => vec![create_index(index, table, false)],
        Operation::DropIndex { name, .. } => vec![format!("DROP INDEX {}", ident(name))],
    })
}

/// The statements of `ops`, applied in order to `before`.
///
/// A run of column changes to one table of which any needs a rebuild is done
/// with one rebuild of that table, not one per change.
pub(crate) fn statements(ops: &[Operation], before: &SchemaState) -> Result<Vec<String>> {
    Ok(pieces(ops, before)?
        .into_iter()
        .flat_map(|piece| match piece {
            Piece::Sql(sql) => sql,
            Piece::Rebuild(plan) => plan.sql,
        })
        .collect())
}

/// A part of a migration's SQLite statements: plain statements, or one
/// table rebuild, which `migrate` redoes from the table as it is in the
/// database (`backend/sqlite/rebuild.rs`).
#[derive(Debug)]
pub(crate) enum Piece {
    /// Statements run as written.
    Sql(Vec<String>),
    /// One rebuild of one table.
    Rebuild(RebuildPlan),
}

/// One table rebuild as planned from the recorded state: what it changes
/// (`ops`, `fills`) and the statements written for it from the record.
#[derive(Debug)]
pub(crate) struct RebuildPlan {
    /// The table before the rebuild, as recorded.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) old: TableState,
    /// The table after it, as recorded.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) new: TableState,
    /// The column changes it makes, in order, all to this table.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) ops: Vec<Operation>,
    /// Per column, a value for rows that have none.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fills: Vec<(String, Literal)>,
    /// The statements written from the record (what the file holds).
    pub(crate) sql: Vec<String>,
}

/// [`statements`], with each table rebuild kept apart as a [`RebuildPlan`].
pub(crate) fn pieces(ops: &[Operation], before: &SchemaState) -> Result<Vec<Piece>> {
    let mut state = before.clone();
    let mut out = Vec::new();
    let mut k = 0;
    while k < ops.len() {
        let Some(table) = column_table(&ops[k]) else {
            out.push(Piece::Sql(op_sql(&ops[k], &state)?));
            ops[k].apply(&mut state)?;
            k += 1;
            continue;
        };
        let mut end = k;
        let mut rebuild_needed = false;
        let mut scratch = state.clone();
        while end < ops.len() && column_table(&ops[end]) == Some(table) {
            rebuild_needed |= needs_rebuild(&ops[end], &scratch);
            ops[end].apply(&mut scratch)?;
            end += 1;
        }
        if rebuild_needed {
            let old = table_in(&state, table)?;
            let new = table_in(&scratch, table)?;
            let fills: Vec<(&str, &Literal)> = ops[k..end].iter().filter_map(fill).collect();
            let sql = rebuild(old, new, &fills);
            out.push(Piece::Rebuild(RebuildPlan {
                old: old.clone(),
                new: new.clone(),
                ops: ops[k..end].to_vec(),
                fills: fills
                    .iter()
                    .map(|(c, f)| ((*c).to_owned(), (*f).clone()))
                    .collect(),
                sql,
            }));
            state = scratch;
        } else {
            for op in &ops[k..end] {
                out.push(Piece::Sql(op_sql(op, &state)?));
                op.apply(&mut state)?;
            }
        }
        k = end;
    }
    Ok(out)
}

/// SQLite's table rebuild (<https://sqlite.org/lang_altertable.html#otheralter>),
/// steps 4 to 9: create the new table under a temporary name, copy every row,
/// drop the old table, rename the new one, recreate the indexes. `migrate`
/// does the rest: foreign keys off, one transaction, `PRAGMA
/// foreign_key_check` before commit.
///
/// `fills` gives, per column, a value for rows that have none (a new
/// column) or a NULL (a column becoming `NOT NULL`).
fn rebuild(old: &TableState, new: &TableState, fills: &[(&str, &Literal)]) -> Vec<String> {
    let temp = format!("new__{}", new.name);
    let mut out = vec![create_table(new, &temp, false)];
    let mut cols = Vec::new();
    let mut exprs = Vec::new();
    for c in &new.columns {
        let fill = fills
            .iter()
            .find(|(n, _)| *n == c.name)
            .map(|(_, f)| f.notation());
        match (old.column(&c.name).is_some(), fill) {
            (true, None) => exprs.push(ident(&c.name)),
            (true, Some(fill)) => exprs.push(format!("COALESCE({}, {fill})", ident(&c.name))),
            (false, Some(fill)) => exprs.push(fill),
            // A new column without a value: its DEFAULT, NULL, or a new key.
            (false, None) => continue,
        }
        cols.push(ident(&c.name));
    }
    out.push(format!(
        "INSERT INTO {} ({}) SELECT {} FROM {}",
        ident(&temp),
        cols.join(", "),
        exprs.join(", "),
        ident(&old.name)
    ));
    let auto = |t: &TableState| t.columns.iter().any(|c| c.auto);
    if auto(old) && auto(new) {
        // Keep AUTOINCREMENT's high-water mark: a deleted row's id is never reused.
        out.push(format!(
            "DELETE FROM \"sqlite_sequence\" WHERE \"name\" = {}",
            text_literal(&temp)
        ));
        out.push(format!(
            "INSERT INTO \"sqlite_sequence\" (\"name\", \"seq\") SELECT {}, \"seq\" FROM \"sqlite_sequence\" WHERE \"name\" = {}",
            text_literal(&temp),
            text_literal(&old.name)
        ));
    }
    out.push(format!("DROP TABLE {}", ident(&old.name)));
    // With `legacy_alter_table` off, SQLite checks every view while renaming,
    // and a view on the table fails: its table is the one being renamed in.
    out.push("PRAGMA legacy_alter_table = ON".to_owned());
    out.push(rebuild_rename(&new.name));
    out.push("PRAGMA legacy_alter_table = OFF".to_owned());
    for index in new.indexes.values() {
        out.push(create_index(index, &new.name, false));
    }
    out
}

/// The statement that ends a rebuild of `table`: `ALTER TABLE "new__t" RENAME TO "t"`.
pub(crate) fn rebuild_rename(table: &str) -> String {
    format!(
        "ALTER TABLE {} RENAME TO {}",
        ident(&format!("new__{table}")),
        ident(table)
    )
}

/// The table `sql` ends the rebuild of, if it is [`rebuild_rename`]'s statement.
pub(crate) fn rebuilt_table(sql: &str) -> Option<String> {
    let rest = sql.strip_prefix("ALTER TABLE \"new__")?;
    let (_, to) = rest.split_once("\" RENAME TO ")?;
    let table = to
        .strip_prefix('"')?
        .strip_suffix('"')?
        .replace("\"\"", "\"");
    (rebuild_rename(&table) == sql).then_some(table)
}

/// Reads a double-quoted identifier at the start of `s`; returns it and the rest.
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
fn quoted_prefix(s: &str) -> Option<(String, &str)> {
    let mut rest = s.strip_prefix('"')?;
    let mut ident = String::new();
    loop {
        let at = rest.find('"')?;
        ident.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        match rest.strip_prefix('"') {
            Some(r) => {
                ident.push('"');
                rest = r;
            }
            None => return Some((ident, rest)),
        }
    }
}

/// The table `sql` drops, if it is `DROP TABLE "t"` as a rebuild writes it.
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) fn dropped_table(sql: &str) -> Option<String> {
    let (table, rest) = quoted_prefix(sql.strip_prefix("DROP TABLE ")?)?;
    rest.is_empty().then_some(table)
}

/// `(old, new)` if `sql` is `ALTER TABLE "old" RENAME TO "new"` as a
/// [`Operation::RenameTable`] writes it (not the end of a rebuild).
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) fn renamed_table(sql: &str) -> Option<(String, String)> {
    let (old, rest) = quoted_prefix(sql.strip_prefix("ALTER TABLE ")?)?;
    let (new, rest) = quoted_prefix(rest.strip_prefix(" RENAME TO ")?)?;
    (rest.is_empty() && rebuilt_table(sql).is_none()).then_some((old, new))
}
