//! Operations and the diff of two schema states into operations. Nothing
//! here knows a database: each backend writes the SQL of the operations
//! (`crate::backend::*::schema`).

use crate::error::{Error, Result};
use crate::value::SqlType;

use crate::schema::{ColumnState, Literal, Operation, SchemaState};

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

/// Parses a value typed on the command line for `column`.
pub fn parse_default(column: &ColumnState, raw: &str) -> Result<Literal> {
    let bad = |what: &str| {
        Error::Migration(format!(
            "the default `{raw}` for column `{}` is not {what}",
            column.name
        ))
    };
    Ok(match column.ty {
        SqlType::Bool => match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Literal::Integer(1),
            "false" | "0" => Literal::Integer(0),
            _ => return Err(bad("a boolean (true or false)")),
        },
        t if t.is_integer() => {
            let n: i64 = raw.trim().parse().map_err(|_| bad("an integer"))?;
            if let Some((lo, hi)) = t.checked_range()
                && !(lo..=hi).contains(&n)
            {
                return Err(bad(&format!("an integer from {lo} to {hi}")));
            }
            Literal::Integer(n)
        }
        SqlType::F32 | SqlType::F64 => {
            let r: f64 = raw.trim().parse().map_err(|_| bad("a number"))?;
            if !r.is_finite() {
                return Err(bad("a finite number"));
            }
            Literal::Real(r)
        }
        SqlType::Blob => Literal::Blob(
            crate::schema::unhex(raw.trim()).ok_or_else(|| bad("bytes in hexadecimal"))?,
        ),
        _ => Literal::Text(raw.to_owned()),
    })
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

/// Flags joined for a message: `a`, `a or b`, `a, b or c`.
fn one_of(flags: impl Iterator<Item = String>) -> String {
    let flags: Vec<String> = flags.collect();
    match flags.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The operations that turn `before` into `after`, in an order every backend can run.
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
            // Every rename it may be, spelled out: the flag to pass as it is.
            let rename = one_of(
                added
                    .iter()
                    .map(|a| format!("--rename-column {name}.{}={a}", c.name)),
            );
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
        } else {
            let rename = one_of(created.iter().map(|c| format!("--rename-table {name}={c}")));
            if options.allow_drop {
                problems.push(format!(
                    "table `{name}` has no model any more while the table(s) {} are created: if it was renamed, pass {rename}; --allow-drop alone does not drop a table that may have been renamed: to drop it, pass --allow-drop={name}",
                    created
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                ));
            } else if created.is_empty() {
                problems.push(format!(
                    "table `{name}` has no model any more: dropping it deletes its rows, pass --allow-drop to confirm"
                ));
            } else {
                problems.push(format!(
                    "table `{name}` has no model any more: dropping it deletes its rows, pass --allow-drop={name} to confirm (if it was renamed, pass {rename})"
                ));
            }
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
