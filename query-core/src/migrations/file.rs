//! The migration file: SQL with comments, readable and reviewable, that
//! serves every database.
//!
//! ```text
//! -- query migration 0002_product_rating
//! --
//! -- Operations:
//! --   AddColumn product.rating: "rating" f64 NOT NULL DEFAULT 1.5
//! --
//! -- `migrate` runs the statements of its database's section ...
//!
//! -- Operations as data, read by `query` (do not edit):
//! -- @op add_column "product"
//! -- @column "rating" f64 not_null default=1.5
//!
//! -- @sql sqlite
//! ALTER TABLE "product" ADD COLUMN "rating" REAL NOT NULL DEFAULT 1.5;
//!
//! -- @sql postgres
//! ALTER TABLE "product" ADD COLUMN "rating" double precision NOT NULL DEFAULT 1.5;
//!
//! -- State after this migration, read by `makemigrations` (do not edit):
//! -- @table "product"
//! -- @column "id" i64 not_null primary_key auto
//! -- @column "rating" f64 not_null default=1.5
//! ```
//!
//! The file is SQL, so an editor highlights it and a reviewer reads exactly
//! what will run, on each database:
//!
//! - **Sections.** A comment line `-- @sql sqlite`, `-- @sql postgres` or
//!   `-- @sql all` starts a section; it lasts until the next such line.
//!   `migrate` on a database runs, in file order, the statements of that
//!   database's sections and of the `all` sections. Statements before the
//!   first section line belong to `all`: a file without any (written by
//!   the previous version of this crate, or by hand) runs as it is on
//!   every database, exactly as before. `makemigrations` writes one section
//!   per database from the operations; a data migration (`--empty`) gets an
//!   `all` section, which may be split into per-database sections by hand.
//! - **Operations.** The header lists them for the reader; the block
//!   `-- Operations as data` records them with the state's syntax (one
//!   `-- @op` line each, followed by the `@column` or `@index` lines it
//!   carries), so that a tool can write the SQL of a database the file has
//!   no section for.
//! - **State.** A snapshot of the whole schema after the migration, one
//!   comment line per table, column and index, so that `makemigrations`
//!   diffs against the last file alone, without a database and without
//!   replaying history. Column types are the Rust field's (`i32`, `text`,
//!   `datetime_utc`, ... see [`SqlType::name`]; a `decimal` column adds
//!   `max_digits=N decimal_places=M`); defaults are SQL literals
//!   (`1`, `1.5`, `'text'`, `X'00FF'`). Files of the previous version
//!   recorded SQLite's storage types and a `boolean` flag: they read as
//!   `INTEGER` → `i64`, `REAL` → `f64`, `TEXT` → `text`, `BLOB` → `blob`,
//!   `boolean` → `bool` (see `make` for how `makemigrations` reconciles
//!   them with the models).
//! - **Checksum.** `migrate` records a checksum of the whole file, so an
//!   edit after a migration was applied (to any section) is noticed.
//!
//! No serialization library is needed.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::backend::Backend;
use crate::backend::schema::ident as quoted;
use crate::error::{Error, Result};
use crate::value::SqlType;

use crate::schema::Operation;
use crate::schema::{ColumnState, IndexState, Literal, Reference, SchemaState, TableState};

const STATE_MARKER: &str = "-- State after this migration";
const OPS_MARKER: &str = "-- Operations as data";

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

/// Refuses a column the file can't hold: a name with a control character,
/// a default with a NUL character (which SQLite would read as the end of
/// the statement, and PostgreSQL text can't hold).
fn check_column(table: &str, c: &ColumnState) -> Result<()> {
    check_name("column", &c.name)?;
    if let Some(r) = &c.references {
        check_name("table", &r.table)?;
        check_name("column", &r.column)?;
    }
    if matches!(&c.default, Some(Literal::Text(t)) if t.contains('\0')) {
        return Err(Error::Migration(format!(
            "the default of column `{table}.{}` holds a NUL character, which SQL text can't hold",
            c.name
        )));
    }
    Ok(())
}

fn check_state(state: &SchemaState) -> Result<()> {
    for t in state.tables.values() {
        check_name("table", &t.name)?;
        for c in &t.columns {
            check_column(&t.name, c)?;
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
                check_column(&table.name, c)?;
            }
        }
        Operation::DropTable { table } => check_name("table", table)?,
        Operation::RenameTable { old, new } => {
            check_name("table", old)?;
            check_name("table", new)?;
        }
        Operation::AddColumn { table, column, .. } => {
            check_name("table", table)?;
            check_column(table, column)?;
        }
        Operation::RemoveColumn { table, column } => {
            check_name("table", table)?;
            check_name("column", column)?;
        }
        Operation::AlterColumn {
            table, old, new, ..
        } => {
            check_name("table", table)?;
            check_column(table, old)?;
            check_column(table, new)?;
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

/// The name of a section's database in `-- @sql NAME`.
fn section_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// ` default=LIT`, or ` default_hex=..` (the hex of the literal's text)
/// when the literal holds a control character, so that the line stays one line.
fn write_literal(out: &mut String, key: &str, lit: &Literal) {
    let text = lit.notation();
    if text.chars().any(char::is_control) {
        let _ = write!(out, " {key}_hex=");
        for b in text.bytes() {
            let _ = write!(out, "{b:02x}");
        }
    } else {
        let _ = write!(out, " {key}={text}");
    }
}

/// `-- @column "name" TYPE flags...`.
fn write_column(out: &mut String, c: &ColumnState) {
    let _ = write!(out, "-- @column {} {}", quoted(&c.name), c.ty.name());
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
    if let Some(n) = c.max_length {
        let _ = write!(out, " max_length={n}");
    }
    if let Some(n) = c.max_digits {
        let _ = write!(out, " max_digits={n}");
    }
    if let Some(n) = c.decimal_places {
        let _ = write!(out, " decimal_places={n}");
    }
    if let Some(d) = &c.default {
        write_literal(out, "default", d);
    }
    if let Some(r) = &c.references {
        let _ = write!(out, " references={}", r.notation());
    }
    out.push('\n');
}

/// `-- @index "name" "column"...` (or `@unique_index`).
fn write_index(out: &mut String, i: &IndexState) {
    let kind = if i.unique { "@unique_index" } else { "@index" };
    let _ = write!(out, "-- {kind} {}", quoted(&i.name));
    for c in &i.columns {
        out.push(' ');
        out.push_str(&quoted(c));
    }
    out.push('\n');
}

/// The `-- @op` line of `op` and the lines it carries.
fn write_operation(out: &mut String, op: &Operation) {
    match op {
        Operation::CreateTable { table } => {
            let _ = writeln!(out, "-- @op create_table {}", quoted(&table.name));
            for c in &table.columns {
                write_column(out, c);
            }
            for i in table.indexes.values() {
                write_index(out, i);
            }
        }
        Operation::DropTable { table } => {
            let _ = writeln!(out, "-- @op drop_table {}", quoted(table));
        }
        Operation::RenameTable { old, new } => {
            let _ = writeln!(out, "-- @op rename_table {} {}", quoted(old), quoted(new));
        }
        Operation::AddColumn {
            table,
            column,
            fill,
        } => {
            let _ = write!(out, "-- @op add_column {}", quoted(table));
            if let Some(fill) = fill {
                write_literal(out, "fill", fill);
            }
            out.push('\n');
            write_column(out, column);
        }
        Operation::RemoveColumn { table, column } => {
            let _ = writeln!(
                out,
                "-- @op remove_column {} {}",
                quoted(table),
                quoted(column)
            );
        }
        Operation::AlterColumn {
            table,
            old,
            new,
            fill,
        } => {
            let _ = write!(out, "-- @op alter_column {}", quoted(table));
            if let Some(fill) = fill {
                write_literal(out, "fill", fill);
            }
            out.push('\n');
            write_column(out, old);
            write_column(out, new);
        }
        Operation::RenameColumn { table, old, new } => {
            let _ = writeln!(
                out,
                "-- @op rename_column {} {} {}",
                quoted(table),
                quoted(old),
                quoted(new)
            );
        }
        Operation::CreateIndex { table, index } => {
            let _ = writeln!(out, "-- @op create_index {}", quoted(table));
            write_index(out, index);
        }
        Operation::DropIndex { table, name } => {
            let _ = writeln!(out, "-- @op drop_index {} {}", quoted(table), quoted(name));
        }
    }
}

/// Writes a migration file: header, operations (for the reader, then as
/// data), one section of statements per database, state.
///
/// Every comment line stays one line: a name with a control character is
/// refused, and a literal holding one is recorded as `default_hex=` (the
/// hex of its notation), which [`parse_state`] reads back. The statements
/// may hold multi-line text literals: they are SQL, inside quotes, which
/// [`split_sections`] honours. With no sections, the file gets an empty
/// `all` section for statements of the user's own (a data migration).
pub(crate) fn render(
    name: &str,
    operations: &[Operation],
    sections: &[(Backend, Vec<String>)],
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
         -- `migrate` runs, in order, the statements of its database's sections\n\
         -- (`-- @sql sqlite`, `-- @sql postgres`) and of the `-- @sql all` sections,\n\
         -- in one transaction, and records the migration with a checksum of this\n\
         -- file. On SQLite it turns foreign keys off around the transaction, runs\n\
         -- `PRAGMA foreign_key_check` before COMMIT and recreates the triggers a\n\
         -- table rebuild drops. Review and edit the statements before the\n\
         -- migration is applied anywhere, never after.\n\n",
    );
    if !operations.is_empty() {
        let _ = writeln!(out, "{OPS_MARKER}, read by `query` (do not edit):");
        for op in operations {
            write_operation(&mut out, op);
        }
        out.push('\n');
    }
    for (backend, statements) in sections {
        let _ = writeln!(out, "-- @sql {}", section_name(*backend));
        for s in statements {
            out.push_str(s);
            out.push_str(";\n");
        }
        out.push('\n');
    }
    if sections.is_empty() {
        out.push_str(
            "-- @sql all\n\
             -- Write your statements here, each ending with `;`: data changes, or SQL\n\
             -- the models can't express. They run on every database; for SQL that\n\
             -- differs, write a `-- @sql sqlite` and a `-- @sql postgres` section\n\
             -- instead. The state below is not updated from them, so leave changes\n\
             -- to the models' tables to makemigrations.\n\n",
        );
    }
    let _ = writeln!(
        out,
        "{STATE_MARKER}, read by `makemigrations` (do not edit):"
    );
    for t in state.tables.values() {
        let _ = writeln!(out, "-- @table {}", quoted(&t.name));
        for c in &t.columns {
            write_column(&mut out, c);
        }
        for i in t.indexes.values() {
            write_index(&mut out, i);
        }
    }
    Ok(out)
}

/// Which databases a section of a file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    /// `-- @sql all`, and statements before any section line.
    All,
    /// `-- @sql sqlite` or `-- @sql postgres`.
    Only(Backend),
}

impl Section {
    /// Whether `backend` runs this section.
    pub(crate) fn runs_on(self, backend: Backend) -> bool {
        match self {
            Section::All => true,
            Section::Only(b) => b == backend,
        }
    }
}

/// The section a comment's text starts, if it is `@sql NAME` (the text
/// after `--`, trimmed).
fn section_of(comment: &str) -> Option<Section> {
    let rest = comment.trim().strip_prefix("@sql")?;
    match rest.trim() {
        "all" => Some(Section::All),
        "sqlite" => Some(Section::Only(Backend::Sqlite)),
        "postgres" => Some(Section::Only(Backend::Postgres)),
        _ => None,
    }
}

/// Whether `sql` has a section line (`-- @sql ...`) outside quotes.
pub(crate) fn has_sections(sql: &str) -> bool {
    scan(sql).1
}

/// Splits SQL text into statements on `;`, skipping comments and honouring
/// quotes, each with the section it is in. A section line ends a statement
/// that lacks its `;`.
pub(crate) fn split_sections(sql: &str) -> Vec<(Section, String)> {
    scan(sql).0
}

/// The statements, and whether any section line was seen.
fn scan(sql: &str) -> (Vec<(Section, String)>, bool) {
    let mut out = Vec::new();
    let mut section = Section::All;
    let mut seen_section = false;
    let mut cur = String::new();
    let mut chars = sql.chars().peekable();
    let flush = |cur: &mut String, out: &mut Vec<(Section, String)>, section: Section| {
        let s = cur.trim();
        if !s.is_empty() {
            out.push((section, s.to_owned()));
        }
        cur.clear();
    };
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
            // PostgreSQL's dollar quoting (`$$ ... $$`, `$body$ ... $body$`),
            // as function bodies and `DO` blocks use: a `;` inside does
            // not end the statement. (`$1` is a parameter, not a tag.)
            '$' if !cur.ends_with(|p: char| p.is_alphanumeric() || p == '_')
                && chars
                    .peek()
                    .is_some_and(|&n| n == '$' || n.is_alphabetic() || n == '_') =>
            {
                let mut tag = String::from('$');
                let mut rest = chars.clone();
                let mut closed = false;
                for d in rest.by_ref() {
                    tag.push(d);
                    if d == '$' {
                        closed = true;
                        break;
                    }
                    if !(d.is_alphanumeric() || d == '_') {
                        break;
                    }
                }
                if !closed {
                    cur.push(c);
                    continue;
                }
                chars = rest;
                cur.push_str(&tag);
                // Copy up to and including the closing tag.
                let mut body = String::new();
                for d in chars.by_ref() {
                    body.push(d);
                    if body.ends_with(&tag) {
                        break;
                    }
                }
                cur.push_str(&body);
            }
            // An `E'...'` string, where `\'` does not end it.
            'E' | 'e'
                if chars.peek() == Some(&'\'')
                    && !cur.ends_with(|p: char| p.is_alphanumeric() || p == '_') =>
            {
                cur.push(c);
                if let Some(q) = chars.next() {
                    cur.push(q);
                }
                let mut escaped = false;
                while let Some(d) = chars.next() {
                    cur.push(d);
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == '\'' {
                        if chars.peek() == Some(&'\'') {
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
                chars.next();
                let mut comment = String::new();
                for d in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                    comment.push(d);
                }
                if let Some(next) = section_of(&comment) {
                    flush(&mut cur, &mut out, section);
                    section = next;
                    seen_section = true;
                } else {
                    cur.push('\n');
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
            ';' => flush(&mut cur, &mut out, section),
            c => cur.push(c),
        }
    }
    flush(&mut cur, &mut out, section);
    (out, seen_section)
}

#[cfg(test)]
mod dollar_tests {
    use super::*;

    #[test]
    fn dollar_quoted_bodies_and_e_strings_keep_their_semicolons() {
        let sql = "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.x := 1; RETURN NEW; END $$ LANGUAGE plpgsql;\n\
                   DO $body$ BEGIN PERFORM 1; END $body$;\n\
                   INSERT INTO t VALUES (E'it\\'s; fine', $1);\n\
                   SELECT 2";
        let statements = split_statements(sql);
        assert_eq!(statements.len(), 4, "{statements:#?}");
        assert!(statements[0].ends_with("END $$ LANGUAGE plpgsql"));
        assert!(statements[1].ends_with("END $body$"));
        assert!(statements[2].contains("E'it\\'s; fine', $1"));
        assert_eq!(statements[3], "SELECT 2");
    }
}

/// Every statement of `sql`, whatever its section.
#[cfg(test)]
pub(crate) fn split_statements(sql: &str) -> Vec<String> {
    split_sections(sql).into_iter().map(|(_, s)| s).collect()
}

/// The statements `backend` runs, in order.
pub(crate) fn statements_for(sql: &str, backend: Backend) -> Vec<String> {
    split_sections(sql)
        .into_iter()
        .filter(|(section, _)| section.runs_on(backend))
        .map(|(_, s)| s)
        .collect()
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
                if c == '"' {
                    // A quoted name inside a word (`references="a b"."id"`).
                    loop {
                        match chars.next() {
                            Some('"') if chars.peek() == Some(&'"') => {
                                chars.next();
                                word.push_str("\"\"");
                            }
                            Some('"') => {
                                word.push('"');
                                break;
                            }
                            Some(c) => word.push(c),
                            None => {
                                return Err(Error::Migration(format!(
                                    "unterminated identifier in state line `{line}`"
                                )));
                            }
                        }
                    }
                }
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

/// A literal written by [`write_literal`] under `key`, if `flag` is one.
fn read_literal(flag: &str, key: &str) -> Option<std::result::Result<Literal, ()>> {
    let text = if let Some(t) = flag.strip_prefix(key).and_then(|r| r.strip_prefix("_hex=")) {
        let bytes = crate::schema::unhex(t).ok_or(());
        match bytes.and_then(|b| String::from_utf8(b).map_err(|_| ())) {
            Ok(t) => t,
            Err(()) => return Some(Err(())),
        }
    } else {
        flag.strip_prefix(key)?.strip_prefix('=')?.to_owned()
    };
    Some(Literal::parse(&text).ok_or(()))
}

/// Reads a column from the tokens after `@column`. `legacy` is set when
/// the line has a type of the previous version (SQLite's storage types).
fn parse_column(
    args: &[(String, bool)],
    bad: &dyn Fn(&str) -> Error,
    legacy: &mut bool,
) -> Result<ColumnState> {
    let [(cname, true), (ty, false), flags @ ..] = args else {
        return Err(bad("expected a quoted column name and a type"));
    };
    let ty = match ty.as_str() {
        "INTEGER" => {
            *legacy = true;
            SqlType::I64
        }
        "REAL" => {
            *legacy = true;
            SqlType::F64
        }
        "TEXT" => {
            *legacy = true;
            SqlType::Text
        }
        "BLOB" => {
            *legacy = true;
            SqlType::Blob
        }
        t => SqlType::from_name(t).ok_or_else(|| bad(&format!("unknown type `{t}`")))?,
    };
    let mut c = ColumnState {
        name: cname.clone(),
        ty,
        nullable: true,
        primary_key: false,
        auto: false,
        unique: false,
        default: None,
        max_length: None,
        max_digits: None,
        decimal_places: None,
        references: None,
    };
    for (flag, quoted) in flags {
        if *quoted {
            return Err(bad(&format!("unexpected name \"{flag}\"")));
        }
        match flag.as_str() {
            "not_null" => c.nullable = false,
            "primary_key" => c.primary_key = true,
            "auto" => c.auto = true,
            "unique" => c.unique = true,
            // The previous version's boolean: an INTEGER with a CHECK.
            "boolean" => {
                *legacy = true;
                c.ty = SqlType::Bool;
            }
            f => {
                if let Some(n) = f.strip_prefix("max_length=") {
                    c.max_length = Some(n.parse().map_err(|_| bad("bad max_length"))?);
                } else if let Some(n) = f.strip_prefix("max_digits=") {
                    c.max_digits = Some(n.parse().map_err(|_| bad("bad max_digits"))?);
                } else if let Some(n) = f.strip_prefix("decimal_places=") {
                    c.decimal_places = Some(n.parse().map_err(|_| bad("bad decimal_places"))?);
                } else if let Some(r) = f.strip_prefix("references=") {
                    c.references = Some(parse_reference(r).ok_or_else(|| bad("bad references"))?);
                } else if let Some(d) = read_literal(f, "default") {
                    c.default = Some(d.map_err(|()| bad("bad default"))?);
                } else {
                    return Err(bad(&format!("unknown flag `{f}`")));
                }
            }
        }
    }
    Ok(c)
}

/// Reads [`Reference::notation`]: `"table"."column"`.
fn parse_reference(text: &str) -> Option<Reference> {
    let (table, rest) = quoted_ident(text)?;
    let (column, rest) = quoted_ident(rest.strip_prefix('.')?)?;
    rest.is_empty().then_some(Reference { table, column })
}

/// A `"quoted"` identifier at the start of `s` (doubled quotes inside), and the rest.
fn quoted_ident(s: &str) -> Option<(String, &str)> {
    let mut rest = s.strip_prefix('"')?;
    let mut out = String::new();
    loop {
        let at = rest.find('"')?;
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        match rest.strip_prefix('"') {
            Some(r) => {
                out.push('"');
                rest = r;
            }
            None => return Some((out, rest)),
        }
    }
}

/// Reads an index from the tokens after `@index` or `@unique_index`.
fn parse_index(
    kind: &str,
    args: &[(String, bool)],
    bad: &dyn Fn(&str) -> Error,
) -> Result<IndexState> {
    let Some(((iname, true), cols)) = args.split_first() else {
        return Err(bad("expected a quoted index name"));
    };
    if cols.is_empty() || cols.iter().any(|(_, q)| !q) {
        return Err(bad("expected quoted column names"));
    }
    Ok(IndexState {
        name: iname.clone(),
        columns: cols.iter().map(|(c, _)| c.clone()).collect(),
        unique: kind == "unique_index",
    })
}

/// The `-- @...` lines of the block that starts with the line beginning
/// with `marker`, each as its tokens (the block ends at the first other line).
fn block<'t>(text: &'t str, marker: &str) -> Option<impl Iterator<Item = &'t str>> {
    let mut lines = text.lines().map(str::trim_end);
    lines.by_ref().find(|l| l.starts_with(marker))?;
    Some(lines.map_while(|l| l.strip_prefix("-- @")))
}

/// Reads the state recorded at the end of a migration file.
pub(crate) fn parse_state(name: &str, text: &str) -> Result<SchemaState> {
    parse_state_and_age(name, text).map(|(state, _)| state)
}

/// Reads the state, and whether it was written by the previous version
/// (its types are SQLite's storage types, see the module documentation).
pub(crate) fn parse_state_and_age(name: &str, text: &str) -> Result<(SchemaState, bool)> {
    let mut tables: BTreeMap<String, TableState> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut legacy = false;
    let mut seen_marker = false;
    let mut lines = text.lines().map(str::trim_end);
    if lines.by_ref().any(|l| l.starts_with(STATE_MARKER)) {
        seen_marker = true;
    }
    for line in lines {
        let Some(rest) = line.strip_prefix("-- @") else {
            continue;
        };
        let bad = |why: &str| {
            Error::Migration(format!("migration {name}: bad state line `{line}`: {why}"))
        };
        let toks = tokens(rest)?;
        let (kind, args) = toks.split_first().ok_or_else(|| bad("empty"))?;
        match kind.0.as_str() {
            "table" => {
                let [(tname, true)] = args else {
                    return Err(bad("expected a quoted table name"));
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
                    .ok_or_else(|| bad("column before any table"))?;
                t.columns.push(parse_column(args, &bad, &mut legacy)?);
            }
            k @ ("index" | "unique_index") => {
                let t = current
                    .as_ref()
                    .and_then(|t| tables.get_mut(t))
                    .ok_or_else(|| bad("index before any table"))?;
                let index = parse_index(k, args, &bad)?;
                t.indexes.insert(index.name.clone(), index);
            }
            other => return Err(bad(&format!("unknown entry `@{other}`"))),
        }
    }
    if !seen_marker {
        return Err(Error::Migration(format!(
            "migration {name} has no state section (`{STATE_MARKER} ...`); was it written by makemigrations?"
        )));
    }
    Ok((SchemaState { tables }, legacy))
}

/// Reads the operations recorded as data (`-- @op` lines); none when the
/// file has no such block (a data migration, a file of the previous version).
pub(crate) fn parse_operations(name: &str, text: &str) -> Result<Vec<Operation>> {
    let Some(lines) = block(text, OPS_MARKER) else {
        return Ok(Vec::new());
    };
    let mut parsed: Vec<(String, Vec<(String, bool)>)> = Vec::new();
    for line in lines {
        let toks = tokens(line)?;
        let Some(((kind, _), args)) = toks.split_first() else {
            return Err(Error::Migration(format!(
                "migration {name}: empty operation line"
            )));
        };
        parsed.push((kind.clone(), args.to_vec()));
    }
    let mut ops = Vec::new();
    let mut k = 0;
    while k < parsed.len() {
        let (kind, args) = &parsed[k];
        let line = format!("@{kind} ...");
        let bad = |why: &str| {
            Error::Migration(format!("migration {name}: bad operation `{line}`: {why}"))
        };
        if kind != "op" {
            return Err(bad("expected `@op`"));
        }
        k += 1;
        // The `@column` / `@index` lines that follow this `@op`.
        let mut carried: Vec<&(String, Vec<(String, bool)>)> = Vec::new();
        while k < parsed.len() && parsed[k].0 != "op" {
            carried.push(&parsed[k]);
            k += 1;
        }
        let columns = || -> Result<Vec<ColumnState>> {
            carried
                .iter()
                .filter(|(kind, _)| kind == "column")
                .map(|(_, a)| parse_column(a, &bad, &mut false))
                .collect()
        };
        let indexes = || -> Result<Vec<IndexState>> {
            carried
                .iter()
                .filter(|(kind, _)| kind != "column")
                .map(|(kind, a)| parse_index(kind, a, &bad))
                .collect()
        };
        let names: Vec<&str> = args
            .iter()
            .filter(|(_, q)| *q)
            .map(|(n, _)| n.as_str())
            .collect();
        let fill = args
            .iter()
            .filter(|(_, q)| !q)
            .find_map(|(f, _)| read_literal(f, "fill"))
            .transpose()
            .map_err(|()| bad("bad fill"))?;
        let op = match (args.first().map(|a| a.0.as_str()), names.as_slice()) {
            (Some("create_table"), [table]) => {
                let mut indexes_by_name = BTreeMap::new();
                for i in indexes()? {
                    indexes_by_name.insert(i.name.clone(), i);
                }
                Operation::CreateTable {
                    table: TableState {
                        name: (*table).to_owned(),
                        columns: columns()?,
                        indexes: indexes_by_name,
                    },
                }
            }
            (Some("drop_table"), [table]) => Operation::DropTable {
                table: (*table).to_owned(),
            },
            (Some("rename_table"), [old, new]) => Operation::RenameTable {
                old: (*old).to_owned(),
                new: (*new).to_owned(),
            },
            (Some("add_column"), [table]) => {
                let [column] = <[ColumnState; 1]>::try_from(columns()?)
                    .map_err(|_| bad("expected one `@column` line"))?;
                Operation::AddColumn {
                    table: (*table).to_owned(),
                    column,
                    fill,
                }
            }
            (Some("remove_column"), [table, column]) => Operation::RemoveColumn {
                table: (*table).to_owned(),
                column: (*column).to_owned(),
            },
            (Some("alter_column"), [table]) => {
                let [old, new] = <[ColumnState; 2]>::try_from(columns()?)
                    .map_err(|_| bad("expected two `@column` lines"))?;
                Operation::AlterColumn {
                    table: (*table).to_owned(),
                    old,
                    new,
                    fill,
                }
            }
            (Some("rename_column"), [table, old, new]) => Operation::RenameColumn {
                table: (*table).to_owned(),
                old: (*old).to_owned(),
                new: (*new).to_owned(),
            },
            (Some("create_index"), [table]) => {
                let [index] = <[IndexState; 1]>::try_from(indexes()?)
                    .map_err(|_| bad("expected one `@index` line"))?;
                Operation::CreateIndex {
                    table: (*table).to_owned(),
                    index,
                }
            }
            (Some("drop_index"), [table, index]) => Operation::DropIndex {
                table: (*table).to_owned(),
                name: (*index).to_owned(),
            },
            _ => return Err(bad("unknown operation or wrong arguments")),
        };
        ops.push(op);
    }
    Ok(ops)
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

    fn column(name: &str, ty: SqlType) -> ColumnState {
        ColumnState {
            name: name.into(),
            ty,
            nullable: true,
            primary_key: false,
            auto: false,
            unique: false,
            default: None,
            max_length: None,
            max_digits: None,
            decimal_places: None,
            references: None,
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
        let mut columns = vec![ColumnState {
            nullable: false,
            unique: true,
            default: Some(Literal::Text("a b' -- c".into())),
            max_length: Some(5),
            ..column("we\"ird col", SqlType::Text)
        }];
        for ty in SqlType::ALL {
            columns.push(column(ty.name(), ty));
        }
        columns.push(ColumnState {
            default: Some(Literal::Blob(vec![0, 255])),
            ..column("bytes", SqlType::Blob)
        });
        columns.push(ColumnState {
            default: Some(Literal::Real(-1.5e300)),
            ..column("real", SqlType::F64)
        });
        columns.push(ColumnState {
            default: Some(Literal::Text("1.50".into())),
            max_digits: Some(10),
            decimal_places: Some(2),
            ..column("price", SqlType::Decimal)
        });
        tables.insert(
            "t".to_owned(),
            TableState {
                name: "t".into(),
                columns,
                indexes,
            },
        );
        let state = SchemaState { tables };
        let text = render("0001_initial", &[], &[], &state).unwrap();
        assert!(
            text.contains(
                "-- @column \"price\" decimal max_digits=10 decimal_places=2 default='1.50'\n"
            ),
            "{text}"
        );
        assert_eq!(
            parse_state_and_age("0001_initial", &text).unwrap(),
            (state, false)
        );
    }

    #[test]
    fn a_default_with_control_characters_round_trips_on_one_line() {
        let column = ColumnState {
            default: Some(Literal::Text("x\nDROP TABLE t; --\r\t".into())),
            ..column("body", SqlType::Text)
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
            fill: Some(Literal::Text("\n;".into())),
        };
        let text = render("0002_x", std::slice::from_ref(&op), &[], &state).unwrap();
        assert!(!text.contains("DROP TABLE t; --\n"), "{text}");
        assert!(split_statements(&text).is_empty(), "{text}");
        assert_eq!(parse_state("0002_x", &text).unwrap(), state);
        assert_eq!(parse_operations("0002_x", &text).unwrap(), vec![op]);
    }

    #[test]
    fn every_operation_round_trips_as_data() {
        let id = ColumnState {
            nullable: false,
            primary_key: true,
            auto: true,
            ..column("id", SqlType::I64)
        };
        let code = ColumnState {
            unique: true,
            max_length: Some(10),
            ..column("code", SqlType::Text)
        };
        let index = IndexState {
            name: "t_code_idx".into(),
            columns: vec!["code".into(), "id".into()],
            unique: false,
        };
        let ops = vec![
            Operation::CreateTable {
                table: TableState {
                    name: "t".into(),
                    columns: vec![id, code.clone()],
                    indexes: BTreeMap::new(),
                },
            },
            Operation::AddColumn {
                table: "t".into(),
                column: ColumnState {
                    nullable: false,
                    ..column("n", SqlType::U8)
                },
                fill: Some(Literal::Integer(7)),
            },
            Operation::AlterColumn {
                table: "t".into(),
                old: code.clone(),
                new: ColumnState {
                    nullable: false,
                    ..code
                },
                fill: Some(Literal::Text("?".into())),
            },
            Operation::RenameColumn {
                table: "t".into(),
                old: "n".into(),
                new: "m".into(),
            },
            Operation::CreateIndex {
                table: "t".into(),
                index,
            },
            Operation::DropIndex {
                table: "t".into(),
                name: "t_code_idx".into(),
            },
            Operation::RemoveColumn {
                table: "t".into(),
                column: "m".into(),
            },
            Operation::RenameTable {
                old: "t".into(),
                new: "u".into(),
            },
            Operation::DropTable { table: "u".into() },
        ];
        let text = render("0001_x", &ops, &[], &SchemaState::default()).unwrap();
        assert_eq!(parse_operations("0001_x", &text).unwrap(), ops);
    }

    #[test]
    fn sections_say_which_database_runs_a_statement() {
        let sql = "CREATE TABLE a (x);\n-- @sql sqlite\nSELECT 'lite';\n-- @sql postgres\nSELECT 'pg\n-- @sql all\n'; SELECT 2\n-- @sql all\nSELECT 3;";
        assert!(has_sections(sql));
        assert_eq!(
            statements_for(sql, Backend::Sqlite),
            vec!["CREATE TABLE a (x)", "SELECT 'lite'", "SELECT 3"]
        );
        assert_eq!(
            statements_for(sql, Backend::Postgres),
            vec![
                "CREATE TABLE a (x)",
                "SELECT 'pg\n-- @sql all\n'",
                "SELECT 2",
                "SELECT 3"
            ]
        );
        assert!(!has_sections("SELECT '-- @sql sqlite'; -- @sql nothing\n"));
    }

    #[test]
    fn a_file_of_the_previous_version_reads_with_neutral_types() {
        let text = "CREATE TABLE t (x);\n-- State after this migration, read by `makemigrations` (do not edit):\n-- @table \"t\"\n-- @column \"id\" INTEGER not_null primary_key auto\n-- @column \"ok\" INTEGER not_null boolean default=1\n-- @column \"r\" REAL default=0.5\n-- @column \"s\" TEXT max_length=3 default='a''b'\n-- @column \"b\" BLOB default=X'0AFF'\n";
        let (state, legacy) = parse_state_and_age("0001_initial", text).unwrap();
        assert!(legacy);
        let t = &state.tables["t"];
        let types: Vec<SqlType> = t.columns.iter().map(|c| c.ty).collect();
        assert_eq!(
            types,
            vec![
                SqlType::I64,
                SqlType::Bool,
                SqlType::F64,
                SqlType::Text,
                SqlType::Blob
            ]
        );
        assert_eq!(t.columns[1].default, Some(Literal::Integer(1)));
        assert_eq!(t.columns[2].default, Some(Literal::Real(0.5)));
        assert_eq!(t.columns[3].default, Some(Literal::Text("a'b".into())));
        assert_eq!(t.columns[4].default, Some(Literal::Blob(vec![10, 255])));
        assert_eq!(
            statements_for(text, Backend::Sqlite),
            vec!["CREATE TABLE t (x)"]
        );
        assert!(parse_operations("0001_initial", text).unwrap().is_empty());
    }

    #[test]
    fn a_bad_state_line_is_an_error() {
        for line in [
            "-- @column \"x\" varchar",
            "-- @column \"x\" i64 default=abc",
            "-- @column \"x\" i64 frobnicate",
        ] {
            let text = format!("-- State after this migration\n-- @table \"t\"\n{line}\n");
            assert!(parse_state("0001_x", &text).is_err(), "{line}");
        }
    }

    #[test]
    fn checksum_ignores_line_endings() {
        assert_eq!(checksum("a\nb\n"), checksum("a\r\nb\r\n"));
        assert_ne!(checksum("a\nb\n"), checksum("a\nc\n"));
    }
}
