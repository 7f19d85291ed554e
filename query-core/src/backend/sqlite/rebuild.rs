//! SQLite's table rebuild from the table as it is in the database.
//!
//! A migration file's rebuild is written from the recorded schema state,
//! which describes the table `query` would have created. A table adopted
//! with `inspectdb` and `migrate --fake-initial` is not that table: it has
//! the foreign keys, indexes, `CHECK`s, `COLLATE`s and triggers of whoever
//! created it, which the models can't describe. So `migrate` does not run
//! the file's rebuild as written: right before it would run, it reads the
//! table's `CREATE TABLE` from `sqlite_master`, keeps every column
//! definition, table constraint and index the change does not touch as the
//! database has it (verbatim), writes the columns the change adds or alters
//! from the models, and copies every row. The triggers are recreated by the
//! executor (`migrate.rs`), and the foreign keys checked before the commit.
//! For a table `query` created, this is the same rebuild as the file's.
//!
//! What can't be carried over is refused, naming it: a table constraint,
//! another column or a multi-column index that uses a dropped column, a
//! generated column being altered, a primary key the models change.

use rusqlite::Connection;

use crate::backend::schema::{ident, text_literal};
use crate::error::{Error, Result};
use crate::schema::{ColumnState, Operation};

use super::schema::{RebuildPlan, column_sql, create_index, rebuild_rename};

/// A token of SQLite's SQL: its text, and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A bare word: a keyword or an identifier.
    Word,
    /// A quoted identifier (`"x"`, `` `x` ``, `[x]`).
    Quoted,
    /// A string literal (`'x'`), which SQLite also takes as an identifier
    /// in a few places.
    Str,
    /// `(`.
    Open,
    /// `)`.
    Close,
    /// `,`.
    Comma,
    /// Anything else: numbers, operators.
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Tok<'s> {
    text: &'s str,
    kind: Kind,
}

impl Tok<'_> {
    /// A bare word equal to `kw`, ignoring ASCII case.
    fn is(&self, kw: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(kw)
    }

    /// The identifier this token names, unquoted, if it can name one.
    fn ident(&self) -> Option<String> {
        match self.kind {
            Kind::Word => Some(self.text.to_owned()),
            Kind::Quoted | Kind::Str => {
                let inner = &self.text[1..self.text.len() - 1];
                Some(match self.text.as_bytes()[0] {
                    b'"' => inner.replace("\"\"", "\""),
                    b'`' => inner.replace("``", "`"),
                    b'\'' => inner.replace("''", "'"),
                    _ => inner.to_owned(),
                })
            }
            _ => None,
        }
    }
}

/// The tokens of `sql`, comments left out.
fn tokens(sql: &str) -> Result<Vec<Tok<'_>>> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let unterminated = || Error::Migration(format!("can't read the SQL `{sql}`: unterminated"));
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let kind = match b {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |at| i + 2 + at + 2);
                continue;
            }
            b'\'' | b'"' | b'`' | b'[' => {
                let close = if b == b'[' { b']' } else { b };
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => return Err(unterminated()),
                        Some(&c) if c == close => {
                            // A doubled quote is one quote inside (not for `[]`).
                            if close != b']' && bytes.get(i + 1) == Some(&close) {
                                i += 2;
                                continue;
                            }
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
                if b == b'\'' { Kind::Str } else { Kind::Quoted }
            }
            b'(' => {
                i += 1;
                Kind::Open
            }
            b')' => {
                i += 1;
                Kind::Close
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'_'
                        || bytes[i] == b'$'
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                Kind::Word
            }
            _ => {
                i += 1;
                Kind::Other
            }
        };
        out.push(Tok {
            text: &sql[start..i],
            kind,
        });
    }
    Ok(out)
}

/// One entry of a `CREATE TABLE`'s parentheses: a column definition or a
/// table constraint, as its text.
#[derive(Debug, Clone)]
struct Item {
    /// The definition, as written.
    text: String,
    /// The column it defines; `None` for a table constraint.
    column: Option<String>,
}

/// A `CREATE TABLE` statement taken apart: its entries and what follows
/// the parentheses (`STRICT`, `WITHOUT ROWID`).
#[derive(Debug)]
struct TableSql {
    items: Vec<Item>,
    tail: String,
}

/// The words that begin a table constraint.
const TABLE_CONSTRAINTS: &[&str] = &["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"];

fn parse_table(sql: &str) -> Result<TableSql> {
    let toks = tokens(sql)?;
    let bad = || Error::Migration(format!("can't read the table definition `{sql}`"));
    let open = toks
        .iter()
        .position(|t| t.kind == Kind::Open)
        .ok_or_else(bad)?;
    let offset = |t: &Tok| t.text.as_ptr() as usize - sql.as_ptr() as usize;
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = offset(&toks[open]) + 1;
    let mut first: Option<Tok> = None;
    let mut end = None;
    for t in &toks[open + 1..] {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close if depth > 0 => depth -= 1,
            Kind::Close | Kind::Comma if depth == 0 => {
                let text = sql[start..offset(t)].trim().to_owned();
                let f = first.take().ok_or_else(bad)?;
                let constraint = TABLE_CONSTRAINTS.iter().any(|kw| f.is(kw));
                items.push(Item {
                    text,
                    column: if constraint { None } else { f.ident() },
                });
                start = offset(t) + 1;
                if t.kind == Kind::Close {
                    end = Some(offset(t) + 1);
                    break;
                }
                continue;
            }
            _ => {}
        }
        if first.is_none() {
            first = Some(*t);
        }
    }
    let end = end.ok_or_else(bad)?;
    Ok(TableSql {
        items,
        tail: sql[end..].trim().to_owned(),
    })
}

/// Whether `text` names the identifier `name` anywhere.
fn mentions(text: &str, name: &str) -> Result<bool> {
    Ok(tokens(text)?.iter().any(|t| {
        matches!(t.kind, Kind::Word | Kind::Quoted | Kind::Str)
            && t.ident().is_some_and(|i| i.eq_ignore_ascii_case(name))
    }))
}

/// The words that begin a column constraint.
const COLUMN_CONSTRAINTS: &[&str] = &[
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
    "AS",
];

/// The constraints of a column definition, each as its text, after the
/// name and the type. A `CONSTRAINT name` prefix stays with its constraint.
fn column_constraints<'s>(def: &'s str, toks: &[Tok<'s>]) -> Vec<(String, &'s str)> {
    let offset = |t: &Tok| t.text.as_ptr() as usize - def.as_ptr() as usize;
    let mut out: Vec<(String, usize, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut in_references = false;
    let mut named = false;
    for (k, t) in toks.iter().enumerate().skip(1) {
        let prev = toks[k - 1];
        let next = toks.get(k + 1);
        let starts = depth == 0
            && COLUMN_CONSTRAINTS.iter().any(|kw| t.is(kw))
            && !prev.is("CONSTRAINT")
            // `ON DELETE SET NULL`, `SET DEFAULT` and `NOT DEFERRABLE`
            // belong to a REFERENCES clause.
            && !(in_references
                && (prev.is("SET") || (t.is("NOT") && !next.is_some_and(|n| n.is("NULL")))));
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth = depth.saturating_sub(1),
            _ => {}
        }
        if !starts {
            continue;
        }
        let word = t.text.to_ascii_uppercase();
        in_references = word == "REFERENCES";
        match out.last_mut() {
            // The constraint a `CONSTRAINT name` before it names.
            Some(last) if named => {
                last.0 = word;
                named = false;
            }
            last => {
                let at = offset(t);
                if let Some(last) = last {
                    last.2 = at;
                }
                named = word == "CONSTRAINT";
                out.push((word, at, def.len()));
            }
        }
    }
    out.into_iter()
        .map(|(word, from, to)| (word, def[from..to].trim()))
        .collect()
}

/// The column's definition after the change from `old` to `new`: written
/// from the models (type, key, `NOT NULL`, `UNIQUE`, `DEFAULT`, the
/// crate's own checks and a foreign key the record knows), keeping what the
/// models don't say (`COLLATE`, other `CHECK`s, a `REFERENCES` the record
/// does not know).
fn altered_definition(
    table: &str,
    real: &str,
    old: &ColumnState,
    new: &ColumnState,
) -> Result<String> {
    let toks = tokens(real)?;
    let mut out = column_sql(new);
    // A foreign key the record knows is the models' to write (or drop).
    let keep_references = old.references.is_none() && new.references.is_none();
    for (word, text) in column_constraints(real, &toks) {
        match word.as_str() {
            "REFERENCES" if !keep_references => {}
            "REFERENCES" | "COLLATE" => {
                out.push(' ');
                out.push_str(text);
            }
            "CHECK" if !crate_check(text, &new.name)? => {
                out.push(' ');
                out.push_str(text);
            }
            "NOT" | "UNIQUE" | "PRIMARY" if mentions(text, "CONFLICT")? => {
                return Err(Error::Migration(format!(
                    "can't alter `{table}.{}`: its `{text}` has a conflict clause the models can't say, which would be lost",
                    new.name
                )));
            }
            "GENERATED" | "AS" => {
                return Err(Error::Migration(format!(
                    "can't alter `{table}.{}`: it is a generated column",
                    new.name
                )));
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Whether `check` (`CHECK (...)`) is one `query` writes for a column from
/// its model: a length, a boolean, an integer range. The new definition
/// writes those afresh.
fn crate_check(check: &str, column: &str) -> Result<bool> {
    let words: Vec<String> = tokens(check)?
        .iter()
        .filter_map(|t| match t.kind {
            Kind::Quoted | Kind::Word => t.ident().map(|i| i.to_ascii_lowercase()),
            _ => Some(t.text.to_ascii_lowercase()),
        })
        .collect();
    let c = column.to_ascii_lowercase();
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    Ok(match w.as_slice() {
        ["check", "(", "length", "(", col, ")", "<", "=", _, ")"] => *col == c,
        ["check", "(", col, "in", "(", "0", ",", "1", ")", ")"] => *col == c,
        ["check", "(", col, "between", .., ")"] => *col == c,
        _ => false,
    })
}

/// Reads one column of text values.
fn strings(conn: &Connection, sql: &str, arg: &str) -> Result<Vec<Vec<Option<String>>>> {
    let mut stmt = conn.prepare(sql).map_err(|e| Error::sqlite(e, sql))?;
    let n = stmt.column_count();
    stmt.query_map([arg], |r| {
        (0..n)
            .map(|k| {
                Ok(match r.get::<_, rusqlite::types::Value>(k)? {
                    rusqlite::types::Value::Text(t) => Some(t),
                    rusqlite::types::Value::Integer(i) => Some(i.to_string()),
                    _ => None,
                })
            })
            .collect()
    })
    .and_then(|rows| rows.collect::<rusqlite::Result<_>>())
    .map_err(|e| Error::sqlite(e, sql))
}

/// An index of the table as the database has it.
struct RealIndex {
    name: String,
    sql: String,
    columns: Vec<String>,
    unique: bool,
}

/// The statements of `plan`'s rebuild, written from the table as it is in
/// the database now (see the module's documentation).
pub(crate) fn live_rebuild(conn: &Connection, plan: &RebuildPlan) -> Result<Vec<String>> {
    let table = plan.old.name.as_str();
    let found = strings(
        conn,
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
        table,
    )?;
    let Some(sql) = found.first().and_then(|r| r[1].clone()) else {
        return Err(Error::Migration(format!(
            "the table `{table}` does not exist"
        )));
    };
    let mut def = parse_table(&sql)?;
    // name, hidden (2 and 3 are generated columns), pk
    let real_columns = strings(
        conn,
        "SELECT name, hidden, pk FROM pragma_table_xinfo(?1) ORDER BY cid",
        table,
    )?;
    let real = |name: &str| {
        real_columns.iter().find(|r| {
            r[0].as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    };
    let generated =
        |name: &str| real(name).is_some_and(|r| matches!(r[1].as_deref(), Some("2" | "3")));
    let find = |items: &[Item], name: &str| {
        items.iter().position(|i| {
            i.column
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(name))
        })
    };
    let mut dropped: Vec<String> = Vec::new();
    for op in &plan.ops {
        match op {
            Operation::AddColumn { column, .. } => {
                if find(&def.items, &column.name).is_some() {
                    return Err(Error::Migration(format!(
                        "can't add `{table}.{}`: the table has that column already",
                        column.name
                    )));
                }
                let at = def
                    .items
                    .iter()
                    .rposition(|i| i.column.is_some())
                    .map_or(0, |k| k + 1);
                def.items.insert(
                    at,
                    Item {
                        text: column_sql(column),
                        column: Some(column.name.clone()),
                    },
                );
            }
            Operation::RemoveColumn { column, .. } => {
                let k = find(&def.items, column).ok_or_else(|| {
                    Error::Migration(format!("the table `{table}` has no column `{column}`"))
                })?;
                def.items.remove(k);
                for other in &def.items {
                    if mentions(&other.text, column)? {
                        return Err(Error::Migration(format!(
                            "can't drop `{table}.{column}`: the table's definition uses it in `{}`, which would be lost; change that in a migration of your own first",
                            other.text
                        )));
                    }
                }
                dropped.push(column.clone());
            }
            Operation::AlterColumn { old, new, .. } => {
                let k = find(&def.items, &new.name).ok_or_else(|| {
                    Error::Migration(format!("the table `{table}` has no column `{}`", new.name))
                })?;
                let is_key =
                    real(&new.name).is_some_and(|r| r[2].as_deref().is_some_and(|pk| pk != "0"));
                let key_elsewhere = def
                    .items
                    .iter()
                    .any(|i| i.column.is_none() && mentions(&i.text, "PRIMARY").unwrap_or(true));
                if is_key != new.primary_key || (is_key && key_elsewhere) {
                    return Err(Error::Migration(format!(
                        "can't alter `{table}.{}`: the database's primary key is not the models', and changing a table's key is not supported",
                        new.name
                    )));
                }
                let text = altered_definition(table, &def.items[k].text, old, new)?;
                def.items[k].text = text;
            }
            _ => {
                return Err(Error::Migration(format!(
                    "a rebuild of `{table}` can't run `{}`",
                    op.describe()
                )));
            }
        }
    }

    // The indexes made with CREATE INDEX (those of UNIQUE and PRIMARY KEY
    // constraints come back with the table).
    let mut indexes = Vec::new();
    for row in strings(
        conn,
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 COLLATE NOCASE AND sql IS NOT NULL ORDER BY name",
        table,
    )? {
        let (Some(name), Some(sql)) = (row[0].clone(), row[1].clone()) else {
            continue;
        };
        let columns: Vec<String> = strings(
            conn,
            "SELECT name FROM pragma_index_info(?1) ORDER BY seqno",
            &name,
        )?
        .into_iter()
        .map(|r| r[0].clone().unwrap_or_else(|| "<expression>".into()))
        .collect();
        let unique = tokens(&sql)?.get(1).is_some_and(|w| w.is("UNIQUE"));
        indexes.push(RealIndex {
            name,
            sql,
            columns,
            unique,
        });
    }
    let mut index_sql = Vec::new();
    for index in &indexes {
        let mut uses = None;
        for column in &dropped {
            // The part after `ON "table"`: the columns and any WHERE.
            let body = index.sql.find('(').map_or("", |at| &index.sql[at..]);
            if mentions(body, column)? {
                uses = Some(column);
            }
        }
        match uses {
            None => index_sql.push(index.sql.clone()),
            // An index of the dropped column alone goes with it.
            Some(c) if index.columns.len() == 1 && index.columns[0].eq_ignore_ascii_case(c) => {}
            Some(c) => {
                return Err(Error::Migration(format!(
                    "can't drop `{table}.{c}`: the index `{}` ({}) uses it with more than that column, and would be lost; drop or change the index in a migration of your own first",
                    index.name, index.sql
                )));
            }
        }
    }
    // An index the models have and the database lacks (by name, or by the
    // same columns under another name, as an adopted database names them).
    let same = |a: &[String], b: &[String]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
    };
    for wanted in plan.new.indexes.values() {
        let present = indexes.iter().any(|i| {
            i.name.eq_ignore_ascii_case(&wanted.name)
                || (i.unique == wanted.unique && same(&i.columns, &wanted.columns))
        });
        if !present {
            index_sql.push(create_index(wanted, &plan.new.name, false));
        }
    }

    // The new table, the rows, the swap.
    let temp = format!("new__{}", plan.new.name);
    let mut create = format!("CREATE TABLE {} (", ident(&temp));
    for (k, item) in def.items.iter().enumerate() {
        create.push_str(if k > 0 { ",\n    " } else { "\n    " });
        create.push_str(&item.text);
    }
    create.push_str("\n)");
    if !def.tail.is_empty() {
        create.push(' ');
        create.push_str(&def.tail);
    }
    let mut out = vec![create];
    let mut cols = Vec::new();
    let mut exprs = Vec::new();
    for item in &def.items {
        let Some(name) = item.column.as_deref() else {
            continue;
        };
        let fill = plan
            .fills
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(name))
            .map(|(_, f)| f.notation());
        let existed = real(name).is_some() && !dropped.iter().any(|d| d.eq_ignore_ascii_case(name));
        if existed && generated(name) {
            continue;
        }
        match (existed, fill) {
            (true, None) => exprs.push(ident(name)),
            (true, Some(fill)) => exprs.push(format!("COALESCE({}, {fill})", ident(name))),
            (false, Some(fill)) => exprs.push(fill),
            (false, None) => continue,
        }
        cols.push(ident(name));
    }
    out.push(format!(
        "INSERT INTO {} ({}) SELECT {} FROM {}",
        ident(&temp),
        cols.join(", "),
        exprs.join(", "),
        ident(table)
    ));
    let autoincrement =
        |sql: &str| -> Result<bool> { Ok(tokens(sql)?.iter().any(|t| t.is("AUTOINCREMENT"))) };
    if autoincrement(&sql)? && autoincrement(&out[0])? {
        // Keep AUTOINCREMENT's high-water mark: a deleted row's id is never reused.
        out.push(format!(
            "DELETE FROM \"sqlite_sequence\" WHERE \"name\" = {}",
            text_literal(&temp)
        ));
        out.push(format!(
            "INSERT INTO \"sqlite_sequence\" (\"name\", \"seq\") SELECT {}, \"seq\" FROM \"sqlite_sequence\" WHERE \"name\" = {}",
            text_literal(&temp),
            text_literal(table)
        ));
    }
    out.push(format!("DROP TABLE {}", ident(table)));
    out.push("PRAGMA legacy_alter_table = ON".to_owned());
    out.push(rebuild_rename(&plan.new.name));
    out.push("PRAGMA legacy_alter_table = OFF".to_owned());
    out.extend(index_sql);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_comes_apart_into_columns_and_constraints() {
        let t = parse_table(
            "CREATE TABLE \"a b\" (id integer NOT NULL PRIMARY KEY, \"x, y\" varchar(10, 2) DEFAULT 'a,b' -- c, d\n, CONSTRAINT k CHECK (id > 0), FOREIGN KEY (id) REFERENCES p (id)) STRICT",
        )
        .unwrap();
        let cols: Vec<Option<&str>> = t.items.iter().map(|i| i.column.as_deref()).collect();
        assert_eq!(cols, vec![Some("id"), Some("x, y"), None, None]);
        assert_eq!(
            t.items[1].text,
            "\"x, y\" varchar(10, 2) DEFAULT 'a,b' -- c, d"
        );
        assert_eq!(t.tail, "STRICT");
    }

    #[test]
    fn an_altered_column_keeps_what_the_models_do_not_say() {
        let mut new = ColumnState {
            name: "artist_id".into(),
            ty: crate::value::SqlType::Text,
            nullable: false,
            primary_key: false,
            auto: false,
            unique: true,
            default: None,
            max_length: Some(5),
            max_digits: None,
            decimal_places: None,
            references: None,
        };
        let real = "\"artist_id\" integer NOT NULL CONSTRAINT fk REFERENCES \"artist\" (\"id\") ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED COLLATE NOCASE CHECK (length(\"artist_id\") <= 9) CHECK (artist_id <> '')";
        assert_eq!(
            altered_definition("album", real, &new.clone(), &new).unwrap(),
            "\"artist_id\" TEXT NOT NULL UNIQUE CHECK (length(\"artist_id\") <= 5) CONSTRAINT fk REFERENCES \"artist\" (\"id\") ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED COLLATE NOCASE CHECK (artist_id <> '')"
        );
        new.max_length = None;
        let generated = "c integer GENERATED ALWAYS AS (a + 1)";
        assert!(altered_definition("t", generated, &new.clone(), &new).is_err());
    }
}
