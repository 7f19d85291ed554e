//! The migration file: SQL with comments, readable and reviewable.
//!
//! ```text
//! -- query migration 0002_product_rating
//! --
//! -- Operations:
//! --   AddColumn product.rating: "rating" REAL NOT NULL DEFAULT 0.0
//! --
//! -- `migrate` runs the statements below in one transaction ...
//!
//! ALTER TABLE "product" ADD COLUMN "rating" REAL NOT NULL DEFAULT 0.0;
//!
//! -- State after this migration, read by `makemigrations` (do not edit):
//! -- @table "product"
//! -- @column "id" INTEGER primary_key auto
//! -- @column "rating" REAL not_null default=0.0
//! ```
//!
//! The file is SQL, so an editor highlights it and a reviewer reads exactly
//! what will run. The operations are comments for the reader. The state is a
//! snapshot of the whole schema after the migration, one comment line per
//! table, column and index, so that `makemigrations` diffs against the last
//! file alone, without a database and without replaying history; it needs
//! no serialization library.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::dialect::{Dialect, Sqlite};
use crate::error::{Error, Result};

use super::plan::Operation;
use super::state::{ColumnState, IndexState, SchemaState, TableState};

const STATE_MARKER: &str = "-- State after this migration";

fn quoted(ident: &str) -> String {
    let mut out = String::new();
    Sqlite.quote(&mut out, ident);
    out
}

/// Text for one comment line: control characters (a newline would end the
/// comment and run the rest as SQL) are written as Rust escapes.
fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Refuses a table, column or index name with a control character: it
/// can't be written on one comment line of the file.
fn check_name(kind: &str, name: &str) -> Result<()> {
    if name.chars().any(char::is_control) {
        return Err(Error::Migration(format!(
            "the {kind} name {name:?} holds a control character (a newline, a tab, ...); a migration file can't record it: rename the {kind}"
        )));
    }
    Ok(())
}

/// Refuses what a migration file can't hold: names with control characters,
/// defaults with a NUL character (which SQLite would read as the end of the
/// statement).
fn check_state(state: &SchemaState) -> Result<()> {
    for t in state.tables.values() {
        check_name("table", &t.name)?;
        for c in &t.columns {
            check_name("column", &c.name)?;
            if c.default.as_deref().is_some_and(|d| d.contains('\0')) {
                return Err(Error::Migration(format!(
                    "the default of column `{}.{}` holds a NUL character, which SQL text can't hold",
                    t.name, c.name
                )));
            }
        }
        for i in t.indexes.values() {
            check_name("index", &i.name)?;
        }
    }
    Ok(())
}

/// The names an operation writes into the file.
fn check_operation(op: &Operation) -> Result<()> {
    match op {
        Operation::CreateTable { table } => {
            check_name("table", &table.name)?;
            for c in &table.columns {
                check_name("column", &c.name)?;
            }
        }
        Operation::DropTable { table } => check_name("table", table)?,
        Operation::RenameTable { old, new } => {
            check_name("table", old)?;
            check_name("table", new)?;
        }
        Operation::AddColumn { table, column, .. } => {
            check_name("table", table)?;
            check_name("column", &column.name)?;
        }
        Operation::RemoveColumn { table, column } => {
            check_name("table", table)?;
            check_name("column", column)?;
        }
        Operation::AlterColumn {
            table, old, new, ..
        } => {
            check_name("table", table)?;
            check_name("column", &old.name)?;
            check_name("column", &new.name)?;
        }
        Operation::RenameColumn { table, old, new } => {
            check_name("table", table)?;
            check_name("column", old)?;
            check_name("column", new)?;
        }
        Operation::CreateIndex { table, index } => {
            check_name("table", table)?;
            check_name("index", &index.name)?;
            for c in &index.columns {
                check_name("column", c)?;
            }
        }
        Operation::DropIndex { table, name } => {
            check_name("table", table)?;
            check_name("index", name)?;
        }
    }
    Ok(())
}

/// Writes a migration file: header, operations, statements, state.
///
/// Every comment line stays one line: a name with a control character is
/// refused, and a default holding one is recorded in the state as
/// `default_hex=` (the hex of its SQL literal), which [`parse_state`] reads
/// back. The statements may hold multi-line text literals: they are SQL,
/// inside quotes, which [`split_statements`] honours.
pub(crate) fn render(
    name: &str,
    operations: &[Operation],
    statements: &[String],
    state: &SchemaState,
) -> Result<String> {
    check_name("migration", name)?;
    for op in operations {
        check_operation(op)?;
    }
    check_state(state)?;
    let mut out = String::new();
    let _ = writeln!(out, "-- query migration {name}");
    out.push_str("--\n-- Operations:\n");
    for op in operations {
        let _ = writeln!(out, "--   {}", comment_text(&op.describe()));
    }
    if operations.is_empty() {
        out.push_str("--   (none: this migration runs the statements you write below)\n");
    }
    out.push_str(
        "--\n\
         -- `migrate` runs the statements below in one transaction, with foreign keys\n\
         -- off and `PRAGMA foreign_key_check` before COMMIT, recreates the triggers a\n\
         -- table rebuild drops, and records the migration with a checksum of this\n\
         -- file. Review and edit the statements before the migration is applied\n\
         -- anywhere, never after.\n\n",
    );
    for s in statements {
        out.push_str(s);
        out.push_str(";\n");
    }
    if statements.is_empty() {
        out.push_str(
            "-- Write your statements here, each ending with `;`: data changes, or SQL\n\
             -- the models can't express. The state below is not updated from them, so\n\
             -- leave changes to the models' tables to makemigrations.\n",
        );
    }
    let _ = writeln!(
        out,
        "\n{STATE_MARKER}, read by `makemigrations` (do not edit):"
    );
    for t in state.tables.values() {
        let _ = writeln!(out, "-- @table {}", quoted(&t.name));
        for c in &t.columns {
            let _ = write!(out, "-- @column {} {}", quoted(&c.name), c.ty);
            if !c.nullable {
                out.push_str(" not_null");
            }
            if c.primary_key {
                out.push_str(" primary_key");
            }
            if c.auto {
                out.push_str(" auto");
            }
            if c.unique {
                out.push_str(" unique");
            }
            if c.boolean {
                out.push_str(" boolean");
            }
            if let Some(n) = c.max_length {
                let _ = write!(out, " max_length={n}");
            }
            if let Some(d) = &c.default {
                if d.chars().any(char::is_control) {
                    out.push_str(" default_hex=");
                    for b in d.bytes() {
                        let _ = write!(out, "{b:02x}");
                    }
                } else {
                    let _ = write!(out, " default={d}");
                }
            }
            out.push('\n');
        }
        for i in t.indexes.values() {
            let kind = if i.unique { "@unique_index" } else { "@index" };
            let _ = write!(out, "-- {kind} {}", quoted(&i.name));
            for c in &i.columns {
                out.push(' ');
                out.push_str(&quoted(c));
            }
            out.push('\n');
        }
    }
    Ok(out)
}

/// Splits SQL text into statements on `;`, skipping comments and honouring
/// quotes.
pub(crate) fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                cur.push(c);
                while let Some(d) = chars.next() {
                    cur.push(d);
                    if d == close {
                        if close != ']' && chars.peek() == Some(&close) {
                            if let Some(e) = chars.next() {
                                cur.push(e);
                            }
                            continue;
                        }
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        cur.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for d in chars.by_ref() {
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
                cur.push(' ');
            }
            // Inside `CREATE TRIGGER ... BEGIN ... END`, only the `;` of
            // `; END ;` ends the statement (as in `sqlite3_complete`): the
            // `END` of a `CASE` follows an expression, not a `;`.
            ';' if is_trigger(&cur) && !ends_trigger(&cur) => cur.push(';'),
            ';' => {
                let s = cur.trim();
                if !s.is_empty() {
                    out.push(s.to_owned());
                }
                cur.clear();
            }
            c => cur.push(c),
        }
    }
    let s = cur.trim();
    if !s.is_empty() {
        out.push(s.to_owned());
    }
    out
}

/// Whether `sql` starts with `CREATE [TEMP|TEMPORARY] TRIGGER`.
fn is_trigger(sql: &str) -> bool {
    let mut words = sql.split_whitespace().map(str::to_ascii_uppercase);
    if words.next().as_deref() != Some("CREATE") {
        return false;
    }
    match words.next().as_deref() {
        Some("TRIGGER") => true,
        Some("TEMP" | "TEMPORARY") => words.next().as_deref() == Some("TRIGGER"),
        _ => false,
    }
}

/// Whether `sql` ends with `; END` (case-insensitively): the end of a
/// trigger's body.
fn ends_trigger(sql: &str) -> bool {
    let t = sql.trim_end();
    let Some(head) = t.len().checked_sub(3).and_then(|at| t.get(..at)) else {
        return false;
    };
    let is_word_char = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    t[head.len()..].eq_ignore_ascii_case("END")
        && !head.ends_with(is_word_char)
        && head.trim_end().ends_with(';')
}

/// The operation lines of a migration file, for display.
pub(crate) fn operation_lines(text: &str) -> Vec<String> {
    let mut lines = text.lines().skip_while(|l| l.trim() != "-- Operations:");
    lines.next();
    lines
        .take_while(|l| l.starts_with("--   "))
        .map(|l| l.trim_start_matches("--").trim().to_owned())
        .collect()
}

/// One token of a state line: a quoted identifier, or a bare word (which may
/// hold single-quoted text, as in `default='a b'`).
fn tokens(line: &str) -> Result<Vec<(String, bool)>> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            return Ok(out);
        };
        if first == '"' {
            chars.next();
            let mut ident = String::new();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        ident.push('"');
                    }
                    Some('"') => break,
                    Some(c) => ident.push(c),
                    None => {
                        return Err(Error::Migration(format!(
                            "unterminated identifier in state line `{line}`"
                        )));
                    }
                }
            }
            out.push((ident, true));
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                chars.next();
                word.push(c);
                if c == '\'' {
                    loop {
                        match chars.next() {
                            Some('\'') if chars.peek() == Some(&'\'') => {
                                chars.next();
                                word.push_str("''");
                            }
                            Some('\'') => {
                                word.push('\'');
                                break;
                            }
                            Some(c) => word.push(c),
                            None => {
                                return Err(Error::Migration(format!(
                                    "unterminated text in state line `{line}`"
                                )));
                            }
                        }
                    }
                }
            }
            out.push((word, false));
        }
    }
}

/// The UTF-8 text whose bytes `hex` spells.
fn unhex(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

/// Reads the state recorded at the end of a migration file.
pub(crate) fn parse_state(name: &str, text: &str) -> Result<SchemaState> {
    let bad = |line: &str, why: &str| {
        Error::Migration(format!("migration {name}: bad state line `{line}`: {why}"))
    };
    let mut tables: BTreeMap<String, TableState> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut seen_marker = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.starts_with(STATE_MARKER) {
            seen_marker = true;
            continue;
        }
        if !seen_marker {
            continue;
        }
        let Some(rest) = line.strip_prefix("-- @") else {
            continue;
        };
        let toks = tokens(rest)?;
        let (kind, args) = toks.split_first().ok_or_else(|| bad(line, "empty"))?;
        match kind.0.as_str() {
            "table" => {
                let [(tname, true)] = args else {
                    return Err(bad(line, "expected a quoted table name"));
                };
                tables.insert(
                    tname.clone(),
                    TableState {
                        name: tname.clone(),
                        columns: Vec::new(),
                        indexes: BTreeMap::new(),
                    },
                );
                current = Some(tname.clone());
            }
            "column" => {
                let t = current
                    .as_ref()
                    .and_then(|t| tables.get_mut(t))
                    .ok_or_else(|| bad(line, "column before any table"))?;
                let [(cname, true), (ty, false), flags @ ..] = args else {
                    return Err(bad(line, "expected a quoted column name and a type"));
                };
                let mut c = ColumnState {
                    name: cname.clone(),
                    ty: ty.clone(),
                    nullable: true,
                    primary_key: false,
                    auto: false,
                    unique: false,
                    default: None,
                    max_length: None,
                    boolean: false,
                };
                for (flag, _) in flags {
                    match flag.as_str() {
                        "not_null" => c.nullable = false,
                        "primary_key" => c.primary_key = true,
                        "auto" => c.auto = true,
                        "unique" => c.unique = true,
                        "boolean" => c.boolean = true,
                        f => {
                            if let Some(n) = f.strip_prefix("max_length=") {
                                c.max_length =
                                    Some(n.parse().map_err(|_| bad(line, "bad max_length"))?);
                            } else if let Some(d) = f.strip_prefix("default=") {
                                c.default = Some(d.to_owned());
                            } else if let Some(h) = f.strip_prefix("default_hex=") {
                                c.default =
                                    Some(unhex(h).ok_or_else(|| bad(line, "bad default_hex"))?);
                            } else {
                                return Err(bad(line, &format!("unknown flag `{f}`")));
                            }
                        }
                    }
                }
                t.columns.push(c);
            }
            k @ ("index" | "unique_index") => {
                let t = current
                    .as_ref()
                    .and_then(|t| tables.get_mut(t))
                    .ok_or_else(|| bad(line, "index before any table"))?;
                let Some(((iname, true), cols)) = args.split_first() else {
                    return Err(bad(line, "expected a quoted index name"));
                };
                if cols.is_empty() || cols.iter().any(|(_, q)| !q) {
                    return Err(bad(line, "expected quoted column names"));
                }
                t.indexes.insert(
                    iname.clone(),
                    IndexState {
                        name: iname.clone(),
                        columns: cols.iter().map(|(c, _)| c.clone()).collect(),
                        unique: k == "unique_index",
                    },
                );
            }
            other => return Err(bad(line, &format!("unknown entry `@{other}`"))),
        }
    }
    if !seen_marker {
        return Err(Error::Migration(format!(
            "migration {name} has no state section (`{STATE_MARKER} ...`); was it written by makemigrations?"
        )));
    }
    Ok(SchemaState { tables })
}

/// A checksum of a migration file (64-bit FNV-1a, hex), with line endings
/// normalized so a checkout with CRLF endings does not count as an edit.
/// It catches accidental edits; it is not meant to resist forgery.
pub(crate) fn checksum(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut bytes = text.bytes().peekable();
    while let Some(b) = bytes.next() {
        if b == b'\r' && bytes.peek() == Some(&b'\n') {
            continue;
        }
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_statements_honouring_quotes_and_comments() {
        let sql = "-- a; comment\nCREATE TABLE \"a;b\" (x TEXT DEFAULT 'it''s; fine');\n/* c; */ DROP TABLE \"t\";\n";
        assert_eq!(
            split_statements(sql),
            vec![
                "CREATE TABLE \"a;b\" (x TEXT DEFAULT 'it''s; fine')".to_owned(),
                "DROP TABLE \"t\"".to_owned()
            ]
        );
    }

    #[test]
    fn a_trigger_is_one_statement() {
        let sql = "CREATE TABLE t (x);\ncreate temp trigger tr after insert on t begin\n  update t set x = 1;\n  delete from t where x = 2;\nend;\nDROP TABLE t;";
        let parts = split_statements(sql);
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert!(parts[1].starts_with("create temp trigger") && parts[1].ends_with("end"));
    }

    #[test]
    fn case_end_inside_a_trigger_does_not_end_it() {
        let sql = "CREATE TABLE t (x INTEGER);\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN\n UPDATE t SET x = CASE WHEN new.x > 0 THEN 1 ELSE 0 END;\n SELECT CASE 1 WHEN 1 THEN ';' END;\n UPDATE t SET x = x + 1;END;\nDROP TABLE t;";
        let parts = split_statements(sql);
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert!(parts[1].ends_with("x + 1;END"), "{parts:?}");
        let db = rusqlite::Connection::open_in_memory().unwrap();
        for p in &parts[..2] {
            db.execute_batch(p).unwrap();
        }
    }

    #[test]
    fn state_round_trips() {
        let mut tables = BTreeMap::new();
        let mut indexes = BTreeMap::new();
        indexes.insert(
            "t_x_idx".to_owned(),
            IndexState {
                name: "t_x_idx".into(),
                columns: vec!["we\"ird col".into()],
                unique: true,
            },
        );
        tables.insert(
            "t".to_owned(),
            TableState {
                name: "t".into(),
                columns: vec![ColumnState {
                    name: "we\"ird col".into(),
                    ty: "TEXT".into(),
                    nullable: false,
                    primary_key: false,
                    auto: false,
                    unique: true,
                    default: Some("'a b'' -- c'".into()),
                    max_length: Some(5),
                    boolean: false,
                }],
                indexes,
            },
        );
        let state = SchemaState { tables };
        let text = render("0001_initial", &[], &[], &state).unwrap();
        assert_eq!(parse_state("0001_initial", &text).unwrap(), state);
    }

    #[test]
    fn a_default_with_control_characters_round_trips_on_one_line() {
        let column = ColumnState {
            name: "body".into(),
            ty: "TEXT".into(),
            nullable: true,
            primary_key: false,
            auto: false,
            unique: false,
            default: Some("'x\nDROP TABLE t; --\r\t'".into()),
            max_length: None,
            boolean: false,
        };
        let mut tables = BTreeMap::new();
        tables.insert(
            "t".to_owned(),
            TableState {
                name: "t".into(),
                columns: vec![column.clone()],
                indexes: BTreeMap::new(),
            },
        );
        let state = SchemaState { tables };
        let op = Operation::AddColumn {
            table: "t".into(),
            column,
            fill: None,
        };
        let text = render("0002_x", &[op], &[], &state).unwrap();
        assert!(!text.contains("DROP TABLE t; --\n"), "{text}");
        assert!(split_statements(&text).is_empty(), "{text}");
        assert_eq!(parse_state("0002_x", &text).unwrap(), state);
    }

    #[test]
    fn checksum_ignores_line_endings() {
        assert_eq!(checksum("a\nb\n"), checksum("a\r\nb\r\n"));
        assert_ne!(checksum("a\nb\n"), checksum("a\nc\n"));
    }
}
