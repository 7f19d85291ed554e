//! Schema operations: one change to a schema, as a migration file lists it.

use crate::error::{Error, Result};

use super::state::{ColumnState, IndexState, Literal, SchemaState, TableState};

/// One schema change, as a migration file lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// `CREATE TABLE`; the table's indexes follow as [`Operation::CreateIndex`].
    CreateTable {
        /// The new table (without indexes).
        table: TableState,
    },
    /// `DROP TABLE`: its rows are lost, so only written with `allow_drop`.
    DropTable {
        /// The table.
        table: String,
    },
    /// `ALTER TABLE .. RENAME TO`, only when asked for.
    RenameTable {
        /// The current name.
        old: String,
        /// The new name.
        new: String,
    },
    /// A new column.
    AddColumn {
        /// The table.
        table: String,
        /// The new column.
        column: ColumnState,
        /// A one-off value for the rows already there (a `NOT NULL` column
        /// without a `DEFAULT`).
        fill: Option<Literal>,
    },
    /// A dropped column: its values are lost, so only written with `allow_drop`.
    RemoveColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column whose type, nullability, default, unique or checks change.
    AlterColumn {
        /// The table.
        table: String,
        /// The column before.
        old: ColumnState,
        /// The column after.
        new: ColumnState,
        /// A value for the rows whose value is NULL, when the column becomes
        /// `NOT NULL`.
        fill: Option<Literal>,
    },
    /// `ALTER TABLE .. RENAME COLUMN`, only when asked for.
    RenameColumn {
        /// The table.
        table: String,
        /// The current name.
        old: String,
        /// The new name.
        new: String,
    },
    /// `CREATE INDEX`.
    CreateIndex {
        /// The table.
        table: String,
        /// The index.
        index: IndexState,
    },
    /// `DROP INDEX`.
    DropIndex {
        /// The table.
        table: String,
        /// The index's name.
        name: String,
    },
}

impl Operation {
    /// One line for the migration file and for messages.
    pub fn describe(&self) -> String {
        match self {
            Operation::CreateTable { table } => {
                let cols: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
                format!("CreateTable {} ({})", table.name, cols.join(", "))
            }
            Operation::DropTable { table } => {
                format!("DropTable {table} (its rows are deleted)")
            }
            Operation::RenameTable { old, new } => format!("RenameTable {old} -> {new}"),
            Operation::AddColumn {
                table,
                column,
                fill,
            } => {
                let mut s = format!(
                    "AddColumn {table}.{}: {}",
                    column.name,
                    column.definition_text()
                );
                if let Some(fill) = fill {
                    s.push_str(&format!(" (existing rows get {})", fill.notation()));
                }
                s
            }
            Operation::RemoveColumn { table, column } => {
                format!("RemoveColumn {table}.{column} (its values are deleted)")
            }
            Operation::AlterColumn {
                table,
                old,
                new,
                fill,
            } => {
                let mut s = format!(
                    "AlterColumn {table}.{}: {} -> {}",
                    new.name,
                    old.definition_text(),
                    new.definition_text()
                );
                if let Some(fill) = fill {
                    s.push_str(&format!(" (NULLs become {})", fill.notation()));
                }
                s
            }
            Operation::RenameColumn { table, old, new } => {
                format!("RenameColumn {table}.{old} -> {new}")
            }
            Operation::CreateIndex { table, index } => format!(
                "CreateIndex {}{} ON {table} ({})",
                if index.unique { "UNIQUE " } else { "" },
                index.name,
                index.columns.join(", ")
            ),
            Operation::DropIndex { table, name } => format!("DropIndex {name} ON {table}"),
        }
    }

    /// The fragment of a migration's name this operation suggests, as Django
    /// names them (`product_rating`, `remove_product_rating`, ...).
    pub(crate) fn name_fragment(&self) -> String {
        match self {
            Operation::CreateTable { table } => table.name.clone(),
            Operation::DropTable { table } => format!("delete_{table}"),
            Operation::RenameTable { old, new } => format!("rename_{old}_{new}"),
            Operation::AddColumn { table, column, .. } => format!("{table}_{}", column.name),
            Operation::RemoveColumn { table, column } => format!("remove_{table}_{column}"),
            Operation::AlterColumn { table, new, .. } => format!("alter_{table}_{}", new.name),
            Operation::RenameColumn { table, old, new } => format!("rename_{old}_{table}_{new}"),
            Operation::CreateIndex { index, .. } => index.name.clone(),
            Operation::DropIndex { name, .. } => format!("remove_{name}"),
        }
    }

    pub(crate) fn is_index(&self) -> bool {
        matches!(
            self,
            Operation::CreateIndex { .. } | Operation::DropIndex { .. }
        )
    }

    /// Applies the operation to `state`.
    pub fn apply(&self, state: &mut SchemaState) -> Result<()> {
        let missing_table =
            |t: &str| Error::Migration(format!("operation on table `{t}`, which does not exist"));
        let missing_column = |t: &str, c: &str| {
            Error::Migration(format!(
                "operation on column `{t}.{c}`, which does not exist"
            ))
        };
        match self {
            Operation::CreateTable { table } => {
                if state.tables.contains_key(&table.name) {
                    return Err(Error::Migration(format!(
                        "table `{}` already exists",
                        table.name
                    )));
                }
                state.tables.insert(table.name.clone(), table.clone());
            }
            Operation::DropTable { table } => {
                state
                    .tables
                    .remove(table)
                    .ok_or_else(|| missing_table(table))?;
            }
            Operation::RenameTable { old, new } => {
                let mut t = state.tables.remove(old).ok_or_else(|| missing_table(old))?;
                if state.tables.contains_key(new) {
                    return Err(Error::Migration(format!("table `{new}` already exists")));
                }
                t.name = new.clone();
                state.tables.insert(new.clone(), t);
                // The foreign keys to it follow it, as the database's do.
                for c in state.tables.values_mut().flat_map(|t| &mut t.columns) {
                    if let Some(r) = &mut c.references
                        && &r.table == old
                    {
                        r.table.clone_from(new);
                    }
                }
            }
            Operation::AddColumn { table, column, .. } => {
                let t = state
                    .tables
                    .get_mut(table)
                    .ok_or_else(|| missing_table(table))?;
                if t.column(&column.name).is_some() {
                    return Err(Error::Migration(format!(
                        "column `{table}.{}` already exists",
                        column.name
                    )));
                }
                t.columns.push(column.clone());
            }
            Operation::RemoveColumn { table, column } => {
                let t = state
                    .tables
                    .get_mut(table)
                    .ok_or_else(|| missing_table(table))?;
                let i = t
                    .columns
                    .iter()
                    .position(|c| &c.name == column)
                    .ok_or_else(|| missing_column(table, column))?;
                t.columns.remove(i);
                t.indexes.retain(|_, idx| !idx.columns.contains(column));
            }
            Operation::AlterColumn { table, new, .. } => {
                let t = state
                    .tables
                    .get_mut(table)
                    .ok_or_else(|| missing_table(table))?;
                let c = t
                    .columns
                    .iter_mut()
                    .find(|c| c.name == new.name)
                    .ok_or_else(|| missing_column(table, &new.name))?;
                *c = new.clone();
            }
            Operation::RenameColumn { table, old, new } => {
                let t = state
                    .tables
                    .get_mut(table)
                    .ok_or_else(|| missing_table(table))?;
                if t.column(new).is_some() {
                    return Err(Error::Migration(format!(
                        "column `{table}.{new}` already exists"
                    )));
                }
                let c = t
                    .columns
                    .iter_mut()
                    .find(|c| &c.name == old)
                    .ok_or_else(|| missing_column(table, old))?;
                c.name = new.clone();
                for idx in t.indexes.values_mut() {
                    for col in &mut idx.columns {
                        if col == old {
                            col.clone_from(new);
                        }
                    }
                }
                for c in state.tables.values_mut().flat_map(|t| &mut t.columns) {
                    if let Some(r) = &mut c.references
                        && &r.table == table
                        && &r.column == old
                    {
                        r.column.clone_from(new);
                    }
                }
            }
            Operation::CreateIndex { table, index } => {
                let t = state
                    .tables
                    .get_mut(table)
                    .ok_or_else(|| missing_table(table))?;
                t.indexes.insert(index.name.clone(), index.clone());
            }
            Operation::DropIndex { table, name } => {
                let t = state
                    .tables
                    .get_mut(table)
                    .ok_or_else(|| missing_table(table))?;
                t.indexes.remove(name).ok_or_else(|| {
                    Error::Migration(format!("index `{name}` on `{table}` does not exist"))
                })?;
            }
        }
        Ok(())
    }
}
