//! Operations, the diff of two schema states into operations, and the SQL
//! each operation runs on SQLite.

use crate::dialect::{Dialect, Sqlite};
use crate::error::{Error, Result};

use super::state::{ColumnState, IndexState, SchemaState, TableState};

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
        /// A one-off value for the rows already there, as an SQL literal
        /// (a `NOT NULL` column without a `DEFAULT`).
        fill: Option<String>,
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
        /// A value for the rows whose value is NULL, as an SQL literal, when
        /// the column becomes `NOT NULL`.
        fill: Option<String>,
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

/// What the user told `makemigrations` beyond the models.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Tables renamed, `(old, new)`: never guessed.
    pub rename_tables: Vec<(String, String)>,
    /// Columns renamed, `(table, old, new)`: never guessed. `table` is the
    /// table's name before or after a rename.
    pub rename_columns: Vec<(String, String, String)>,
    /// One-off values, `(table, column, value)`, for existing rows of a new
    /// `NOT NULL` column without a default, or for the NULLs of a column
    /// that becomes `NOT NULL`. The value is parsed for the column's type.
    pub defaults: Vec<(String, String, String)>,
    /// Allows dropping tables and columns (and their data), as long as the
    /// drop can't be a forgotten rename: a column dropped from a table that
    /// also gains columns, or a table dropped while tables are created,
    /// must be named in `drop_columns` or `drop_tables`.
    pub allow_drop: bool,
    /// Columns confirmed to be dropped, `(table, column)` (`--allow-drop
    /// TABLE.COLUMN`), even when the table gains columns too. `table` is the
    /// table's name before or after a rename.
    pub drop_columns: Vec<(String, String)>,
    /// Tables confirmed to be dropped (`--allow-drop TABLE`), even when
    /// other tables are created.
    pub drop_tables: Vec<String>,
}

fn table_in<'s>(state: &'s SchemaState, table: &str) -> Result<&'s TableState> {
    state.tables.get(table).ok_or_else(|| {
        Error::Migration(format!(
            "operation on table `{table}`, which does not exist"
        ))
    })
}

fn quoted(ident: &str) -> String {
    let mut out = String::new();
    Sqlite.quote(&mut out, ident);
    out
}

fn text_literal(text: &str) -> String {
    let mut out = String::new();
    Sqlite.literal(&mut out, &crate::value::Value::Text(text.to_owned()));
    out
}

/// Parses a value typed on the command line for `column`, as an SQL literal.
pub fn parse_default(column: &ColumnState, raw: &str) -> Result<String> {
    use crate::value::Value;
    let bad = |what: &str| {
        Error::Migration(format!(
            "the default `{raw}` for column `{}` is not {what}",
            column.name
        ))
    };
    let value = if column.boolean {
        match raw.to_ascii_lowercase().as_str() {
            "true" | "1" => Value::Integer(1),
            "false" | "0" => Value::Integer(0),
            _ => return Err(bad("a boolean (true or false)")),
        }
    } else {
        match column.ty.as_str() {
            "INTEGER" => Value::Integer(raw.trim().parse().map_err(|_| bad("an integer"))?),
            "REAL" => {
                let r: f64 = raw.trim().parse().map_err(|_| bad("a number"))?;
                if !r.is_finite() {
                    return Err(bad("a finite number"));
                }
                Value::Real(r)
            }
            "BLOB" => {
                let hex = raw.trim();
                if !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(bad("bytes in hexadecimal"));
                }
                let bytes = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad("hex")))
                    .collect::<Result<Vec<u8>>>()?;
                Value::Blob(bytes)
            }
            _ => Value::Text(raw.to_owned()),
        }
    };
    let mut out = String::new();
    Sqlite.literal(&mut out, &value);
    Ok(out)
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
                    s.push_str(&format!(" (existing rows get {fill})"));
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
                    s.push_str(&format!(" (NULLs become {fill})"));
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
    fn name_fragment(&self) -> String {
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

    fn is_index(&self) -> bool {
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

    /// The table whose columns this operation changes (add, remove, alter).
    fn column_table(&self) -> Option<&str> {
        match self {
            Operation::AddColumn { table, .. }
            | Operation::RemoveColumn { table, .. }
            | Operation::AlterColumn { table, .. } => Some(table),
            _ => None,
        }
    }

    /// Whether `ALTER TABLE` can't do this column change and the table must
    /// be rebuilt.
    fn needs_rebuild(&self, before: &SchemaState) -> bool {
        match self {
            // ALTER TABLE ADD COLUMN can't add a key or a UNIQUE column, nor
            // a NOT NULL one without a default.
            Operation::AddColumn { column, fill, .. } => {
                fill.is_some()
                    || column.primary_key
                    || column.unique
                    || (!column.nullable && column.default.is_none())
            }
            // ALTER TABLE DROP COLUMN can't drop a key, a UNIQUE or an indexed column.
            Operation::RemoveColumn { table, column } => match before.tables.get(table) {
                Some(t) => {
                    t.column(column).is_none_or(|c| c.primary_key || c.unique)
                        || t.indexes.values().any(|i| i.columns.contains(column))
                }
                None => true,
            },
            Operation::AlterColumn { .. } => true,
            _ => false,
        }
    }

    /// The value this operation gives rows that have none, for a rebuild.
    fn fill(&self) -> Option<(&str, &str)> {
        match self {
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

    /// The statements this operation runs on SQLite, given the state before it.
    pub fn sql(&self, before: &SchemaState) -> Result<Vec<String>> {
        let table_of = |t: &str| {
            before.tables.get(t).ok_or_else(|| {
                Error::Migration(format!("operation on table `{t}`, which does not exist"))
            })
        };
        let mut after = before.clone();
        self.apply(&mut after)?;
        Ok(match self {
            Operation::CreateTable { table } => vec![table.create_sql(&table.name)],
            Operation::DropTable { table } => vec![format!("DROP TABLE {}", quoted(table))],
            Operation::RenameTable { old, new } => vec![format!(
                "ALTER TABLE {} RENAME TO {}",
                quoted(old),
                quoted(new)
            )],
            Operation::RenameColumn { table, old, new } => vec![format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                quoted(table),
                quoted(old),
                quoted(new)
            )],
            Operation::AddColumn { table, column, .. } if !self.needs_rebuild(before) => {
                let mut s = format!("ALTER TABLE {} ADD COLUMN ", quoted(table));
                column.definition(&mut s);
                vec![s]
            }
            Operation::RemoveColumn { table, column } if !self.needs_rebuild(before) => {
                vec![format!(
                    "ALTER TABLE {} DROP COLUMN {}",
                    quoted(table),
                    quoted(column)
                )]
            }
            Operation::AddColumn { table, .. }
            | Operation::RemoveColumn { table, .. }
            | Operation::AlterColumn { table, .. } => {
                let fills: Vec<(&str, &str)> = self.fill().into_iter().collect();
                rebuild(table_of(table)?, table_in(&after, table)?, &fills)
            }
            Operation::CreateIndex { table, index } => vec![index.create_sql(table)],
            Operation::DropIndex { name, .. } => vec![format!("DROP INDEX {}", quoted(name))],
        })
    }
}

/// The statements of `ops`, applied in order to `before`.
///
/// A run of column changes to one table of which any needs a rebuild is done
/// with one rebuild of that table, not one per change.
pub fn statements(ops: &[Operation], before: &SchemaState) -> Result<Vec<String>> {
    let mut state = before.clone();
    let mut out = Vec::new();
    let mut k = 0;
    while k < ops.len() {
        let Some(table) = ops[k].column_table() else {
            out.extend(ops[k].sql(&state)?);
            ops[k].apply(&mut state)?;
            k += 1;
            continue;
        };
        let mut end = k;
        let mut rebuild_needed = false;
        let mut scratch = state.clone();
        while end < ops.len() && ops[end].column_table() == Some(table) {
            rebuild_needed |= ops[end].needs_rebuild(&scratch);
            ops[end].apply(&mut scratch)?;
            end += 1;
        }
        if rebuild_needed {
            let old = state.tables.get(table).cloned().ok_or_else(|| {
                Error::Migration(format!(
                    "operation on table `{table}`, which does not exist"
                ))
            })?;
            let fills: Vec<(&str, &str)> = ops[k..end].iter().filter_map(Operation::fill).collect();
            out.extend(rebuild(&old, table_in(&scratch, table)?, &fills));
            state = scratch;
        } else {
            for op in &ops[k..end] {
                out.extend(op.sql(&state)?);
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
/// `fills` gives, per column, a literal for rows that have no value (a new
/// column) or a NULL (a column becoming `NOT NULL`).
fn rebuild(old: &TableState, new: &TableState, fills: &[(&str, &str)]) -> Vec<String> {
    let temp = format!("new__{}", new.name);
    let mut out = vec![new.create_sql(&temp)];
    let mut cols = Vec::new();
    let mut exprs = Vec::new();
    for c in &new.columns {
        let fill = fills.iter().find(|(n, _)| *n == c.name).map(|(_, f)| *f);
        match (old.column(&c.name).is_some(), fill) {
            (true, None) => exprs.push(quoted(&c.name)),
            (true, Some(fill)) => exprs.push(format!("COALESCE({}, {fill})", quoted(&c.name))),
            (false, Some(fill)) => exprs.push(fill.to_owned()),
            // A new column without a value: its DEFAULT, NULL, or a new key.
            (false, None) => continue,
        }
        cols.push(quoted(&c.name));
    }
    out.push(format!(
        "INSERT INTO {} ({}) SELECT {} FROM {}",
        quoted(&temp),
        cols.join(", "),
        exprs.join(", "),
        quoted(&old.name)
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
    out.push(format!("DROP TABLE {}", quoted(&old.name)));
    // With `legacy_alter_table` off, SQLite checks every view while renaming,
    // and a view on the table fails: its table is the one being renamed in.
    out.push("PRAGMA legacy_alter_table = ON".to_owned());
    out.push(rebuild_rename(&new.name));
    out.push("PRAGMA legacy_alter_table = OFF".to_owned());
    for index in new.indexes.values() {
        out.push(index.create_sql(&new.name));
    }
    out
}

/// The statement that ends a rebuild of `table`: `ALTER TABLE "new__t" RENAME TO "t"`.
pub(crate) fn rebuild_rename(table: &str) -> String {
    format!(
        "ALTER TABLE {} RENAME TO {}",
        quoted(&format!("new__{table}")),
        quoted(table)
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
pub(crate) fn dropped_table(sql: &str) -> Option<String> {
    let (table, rest) = quoted_prefix(sql.strip_prefix("DROP TABLE ")?)?;
    rest.is_empty().then_some(table)
}

/// `(old, new)` if `sql` is `ALTER TABLE "old" RENAME TO "new"` as a
/// [`Operation::RenameTable`] writes it (not the end of a rebuild).
pub(crate) fn renamed_table(sql: &str) -> Option<(String, String)> {
    let (old, rest) = quoted_prefix(sql.strip_prefix("ALTER TABLE ")?)?;
    let (new, rest) = quoted_prefix(rest.strip_prefix(" RENAME TO ")?)?;
    (rest.is_empty() && rebuilt_table(sql).is_none()).then_some((old, new))
}

/// The name Django would give a migration of these operations (without its
/// number): `initial` for the first, else the operations' fragments joined,
/// or `auto` when that is too long.
pub fn suggest_name(ops: &[Operation], initial: bool) -> String {
    if initial {
        return "initial".to_owned();
    }
    let main: Vec<&Operation> = ops.iter().filter(|o| !o.is_index()).collect();
    let chosen: Vec<&Operation> = if main.is_empty() {
        ops.iter().collect()
    } else {
        main
    };
    let name: String = chosen
        .iter()
        .map(|o| o.name_fragment())
        .collect::<Vec<_>>()
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.len() > 52 {
        "auto".to_owned()
    } else {
        name
    }
}

/// The operations that turn `before` into `after`, in an order SQLite can run.
///
/// Renames come only from `options`; a column or table that disappears is
/// dropped only with `options.allow_drop` (and, when the same table gains a
/// column, or tables are created too, so that the drop may be a rename,
/// only when named in `options.drop_columns` or `options.drop_tables`), and a column that needs a value
/// for existing rows only gets one from its model's default or from
/// `options.defaults`. Every refusal is reported at once, with the flag that
/// resolves it.
pub fn diff(
    before: &SchemaState,
    after: &SchemaState,
    options: &DiffOptions,
) -> Result<Vec<Operation>> {
    let mut cur = before.clone();
    let mut ops = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut used_defaults = vec![false; options.defaults.len()];
    let mut used_drops = vec![false; options.drop_columns.len()];
    let mut used_table_drops = vec![false; options.drop_tables.len()];

    let push = |op: Operation, cur: &mut SchemaState, ops: &mut Vec<Operation>| -> Result<()> {
        op.apply(cur)?;
        ops.push(op);
        Ok(())
    };

    // 1. Renames, exactly as asked.
    for (old, new) in &options.rename_tables {
        if !cur.tables.contains_key(old) {
            problems.push(format!(
                "--rename-table {old}={new}: there is no table `{old}` in the last migration"
            ));
        } else if !after.tables.contains_key(new) {
            problems.push(format!(
                "--rename-table {old}={new}: no model has the table `{new}`"
            ));
        } else if cur.tables.contains_key(new) {
            problems.push(format!(
                "--rename-table {old}={new}: the table `{new}` already exists"
            ));
        } else {
            push(
                Operation::RenameTable {
                    old: old.clone(),
                    new: new.clone(),
                },
                &mut cur,
                &mut ops,
            )?;
        }
    }
    for (table, old, new) in &options.rename_columns {
        let flag = format!("--rename-column {table}.{old}={new}");
        let name = if cur.tables.contains_key(table) {
            table.clone()
        } else if let Some((_, n)) = options.rename_tables.iter().find(|(o, _)| o == table) {
            n.clone()
        } else {
            problems.push(format!("{flag}: there is no table `{table}`"));
            continue;
        };
        let Some(t) = cur.tables.get(&name) else {
            problems.push(format!("{flag}: there is no table `{table}`"));
            continue;
        };
        let target = after.tables.get(&name);
        if t.column(old).is_none() {
            problems.push(format!("{flag}: table `{name}` has no column `{old}`"));
        } else if t.column(new).is_some() {
            problems.push(format!(
                "{flag}: table `{name}` already has a column `{new}`"
            ));
        } else if target.and_then(|t| t.column(new)).is_none() {
            problems.push(format!(
                "{flag}: the model of `{name}` has no column `{new}`"
            ));
        } else {
            push(
                Operation::RenameColumn {
                    table: name.clone(),
                    old: old.clone(),
                    new: new.clone(),
                },
                &mut cur,
                &mut ops,
            )?;
        }
    }

    // 2. Indexes that go away or change, before the columns they cover.
    for (name, t) in &cur.tables.clone() {
        let Some(target) = after.tables.get(name) else {
            continue;
        };
        for idx in t.indexes.values() {
            if target.indexes.get(&idx.name) != Some(idx) {
                push(
                    Operation::DropIndex {
                        table: name.clone(),
                        name: idx.name.clone(),
                    },
                    &mut cur,
                    &mut ops,
                )?;
            }
        }
    }

    // 3. New tables.
    for (name, t) in &after.tables {
        if !cur.tables.contains_key(name) {
            let mut table = t.clone();
            table.indexes.clear();
            push(Operation::CreateTable { table }, &mut cur, &mut ops)?;
        }
    }

    // 4. Columns of the tables on both sides.
    let mut find_default = |table: &str, column: &str| {
        options
            .defaults
            .iter()
            .position(|(t, c, _)| t == table && c == column)
            .map(|i| {
                used_defaults[i] = true;
                options.defaults[i].2.clone()
            })
    };
    for (name, target) in &after.tables {
        let Some(t) = cur.tables.get(name).cloned() else {
            continue;
        };
        let added: Vec<&str> = target
            .columns
            .iter()
            .filter(|n| t.column(&n.name).is_none())
            .map(|n| n.name.as_str())
            .collect();
        for c in &t.columns {
            if target.column(&c.name).is_some() {
                continue;
            }
            let old_name = options
                .rename_tables
                .iter()
                .find(|(_, n)| n == name)
                .map(|(o, _)| o.as_str());
            let named = options.drop_columns.iter().position(|(dt, dc)| {
                (dt == name || Some(dt.as_str()) == old_name) && *dc == c.name
            });
            if let Some(k) = named {
                used_drops[k] = true;
            }
            if named.is_some() || (options.allow_drop && added.is_empty()) {
                push(
                    Operation::RemoveColumn {
                        table: name.clone(),
                        column: c.name.clone(),
                    },
                    &mut cur,
                    &mut ops,
                )?;
                continue;
            }
            let rename = match added.as_slice() {
                [one] => format!("--rename-column {name}.{}={one}", c.name),
                _ => format!("--rename-column {name}.{}=NEW", c.name),
            };
            if options.allow_drop {
                problems.push(format!(
                    "column `{name}.{}` is no longer in the model while `{name}` gains {}: if it was renamed, pass {rename}; --allow-drop alone does not drop a column that may have been renamed: to drop it, pass --allow-drop={name}.{}",
                    c.name,
                    added
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    c.name
                ));
            } else {
                let hint = if added.is_empty() {
                    String::new()
                } else {
                    format!(" (if it was renamed, pass {rename})")
                };
                problems.push(format!(
                    "column `{name}.{}` is no longer in the model: dropping it deletes its values, pass --allow-drop{} to confirm{hint}",
                    c.name,
                    if added.is_empty() {
                        String::new()
                    } else {
                        format!("={name}.{}", c.name)
                    }
                ));
            }
        }
        for c in &target.columns {
            match t.column(&c.name) {
                None => {
                    let mut fill = None;
                    if !c.nullable && c.default.is_none() && !c.auto {
                        match find_default(name, &c.name) {
                            Some(raw) => fill = Some(parse_default(c, &raw)?),
                            None => problems.push(format!(
                                "column `{name}.{}` is NOT NULL without a default, and the rows already in `{name}` need a value: pass --default {name}.{}=VALUE, or give the field a `#[field(default = ..)]`",
                                c.name, c.name
                            )),
                        }
                    }
                    push(
                        Operation::AddColumn {
                            table: name.clone(),
                            column: c.clone(),
                            fill,
                        },
                        &mut cur,
                        &mut ops,
                    )?;
                }
                Some(old) if old != c => {
                    let mut fill = None;
                    if old.nullable && !c.nullable {
                        match (find_default(name, &c.name), &c.default) {
                            (Some(raw), _) => fill = Some(parse_default(c, &raw)?),
                            (None, Some(default)) => fill = Some(default.clone()),
                            (None, None) => problems.push(format!(
                                "column `{name}.{}` becomes NOT NULL, and rows that hold NULL need a value: pass --default {name}.{}=VALUE, or give the field a `#[field(default = ..)]`",
                                c.name, c.name
                            )),
                        }
                    }
                    push(
                        Operation::AlterColumn {
                            table: name.clone(),
                            old: old.clone(),
                            new: c.clone(),
                            fill,
                        },
                        &mut cur,
                        &mut ops,
                    )?;
                }
                Some(_) => {}
            }
        }
    }

    // 5. Tables no model has any more.
    let gone: Vec<String> = cur
        .tables
        .keys()
        .filter(|n| !after.tables.contains_key(*n))
        .cloned()
        .collect();
    let created: Vec<String> = ops
        .iter()
        .filter_map(|op| match op {
            Operation::CreateTable { table } => Some(table.name.clone()),
            _ => None,
        })
        .collect();
    for name in &gone {
        let named = options.drop_tables.iter().position(|t| t == name);
        if let Some(k) = named {
            used_table_drops[k] = true;
        }
        if named.is_some() || (options.allow_drop && created.is_empty()) {
            push(
                Operation::DropTable {
                    table: name.clone(),
                },
                &mut cur,
                &mut ops,
            )?;
        } else if options.allow_drop {
            problems.push(format!(
                "table `{name}` has no model any more while the table(s) {} are created: if it was renamed, pass --rename-table {name}={}; --allow-drop alone does not drop a table that may have been renamed: to drop it, pass --allow-drop={name}",
                created
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if created.len() == 1 { created[0].as_str() } else { "NEW" }
            ));
        } else {
            problems.push(format!(
                "table `{name}` has no model any more: dropping it deletes its rows, pass --allow-drop to confirm (if it was renamed, pass --rename-table {name}=NEW)"
            ));
        }
    }

    // 6. New and changed indexes.
    for (name, target) in &after.tables {
        for idx in target.indexes.values() {
            let have = cur.tables.get(name).and_then(|t| t.indexes.get(&idx.name));
            if have != Some(idx) {
                push(
                    Operation::CreateIndex {
                        table: name.clone(),
                        index: idx.clone(),
                    },
                    &mut cur,
                    &mut ops,
                )?;
            }
        }
    }

    for (k, used) in used_drops.iter().enumerate() {
        if !used {
            let (t, c) = &options.drop_columns[k];
            problems.push(format!(
                "--allow-drop={t}.{c}: no column `{t}.{c}` is dropped (is it still in the model?)"
            ));
        }
    }
    for (k, used) in used_table_drops.iter().enumerate() {
        if !used {
            let t = &options.drop_tables[k];
            problems.push(format!(
                "--allow-drop={t}: no table `{t}` is dropped (does a model still have it?)"
            ));
        }
    }
    for (i, used) in used_defaults.iter().enumerate() {
        if !used {
            let (t, c, v) = &options.defaults[i];
            problems.push(format!(
                "--default {t}.{c}={v}: no new NOT NULL column and no column becoming NOT NULL is named `{t}.{c}`"
            ));
        }
    }

    if problems.is_empty() {
        Ok(ops)
    } else {
        Err(Error::Migration(format!(
            "no migration written:\n  - {}",
            problems.join("\n  - ")
        )))
    }
}
