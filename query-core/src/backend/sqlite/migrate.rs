//! Migration execution on SQLite: each migration in a `BEGIN IMMEDIATE`
//! transaction with foreign keys off around it (SQLite's table rebuild
//! needs that), each table rebuild written from the table as it is
//! (`rebuild.rs`), the triggers of rebuilt tables kept, the foreign key
//! check before the commit, and the history in `query_migrations`.

use crate::backend::Backend;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::migrations::apply::{Executor, implicit_rowid};
use crate::migrations::{Migration, SchemaState, TableState};

use super::schema as sqlite;

const CREATE_HISTORY: &str = "CREATE TABLE IF NOT EXISTS \"query_migrations\" (\"name\" TEXT NOT NULL PRIMARY KEY, \"checksum\" TEXT NOT NULL, \"applied\" TEXT NOT NULL) STRICT";
const INSERT_HISTORY: &str = "INSERT INTO \"query_migrations\" (\"name\", \"checksum\", \"applied\") VALUES (?1, ?2, strftime('%Y-%m-%d %H:%M:%f', 'now'))";
const FOREIGN_KEY_CHECK: &str = "PRAGMA foreign_key_check";
const TRIGGERS: &str =
    "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL";
// Table names are case-insensitive (for ASCII, as NOCASE): a trigger
// declared `ON Item` is a trigger of `item`.
const TABLE_TRIGGERS: &str = "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL AND tbl_name = ?1 COLLATE NOCASE";
const TABLE_EXISTS: &str =
    "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE)";
const TRIGGER_EXISTS: &str =
    "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?1)";
const APPLIED: &str = "SELECT EXISTS (SELECT 1 FROM \"query_migrations\" WHERE \"name\" = ?1)";

/// Runs migrations on SQLite.
pub(crate) struct SqliteExecutor;

impl Executor for SqliteExecutor {
    fn history_exists(&self, db: &Db) -> Result<bool> {
        db.connection()
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
                [crate::migrations::HISTORY_TABLE],
                |r| r.get(0),
            )
            .map_err(|e| Error::sqlite(e, "SELECT ... FROM sqlite_master"))
    }

    fn refuse_transaction(&self, db: &Db) -> Result<()> {
        if db.connection().is_autocommit() {
            Ok(())
        } else {
            Err(Error::Migration(
                "migrate can't run inside a transaction: it turns foreign keys off around each migration, which SQLite ignores inside one".into(),
            ))
        }
    }

    fn table_columns(&self, db: &Db, table: &str) -> Result<Option<Vec<String>>> {
        let conn = db.connection();
        let exists: bool = conn
            .query_row(TABLE_EXISTS, [table], |r| r.get(0))
            .map_err(|e| Error::sqlite(e, TABLE_EXISTS))?;
        if !exists {
            return Ok(None);
        }
        let sql = "SELECT name FROM pragma_table_xinfo(?1) ORDER BY cid";
        let mut stmt = conn.prepare(sql).map_err(|e| Error::sqlite(e, sql))?;
        stmt.query_map([table], |r| r.get(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<_>>())
            .map(Some)
            .map_err(|e| Error::sqlite(e, sql))
    }

    fn implicit_rowid(&self) -> bool {
        true
    }

    fn record(&self, db: &Db, m: &Migration) -> Result<()> {
        db.execute_batch(CREATE_HISTORY)?;
        db.connection()
            .execute(INSERT_HISTORY, (m.name(), m.checksum()))
            .map_err(|e| Error::sqlite(e, INSERT_HISTORY))?;
        Ok(())
    }

    fn apply(&self, db: &Db, m: &Migration, prev: Option<&Migration>) -> Result<bool> {
        apply_one(db, m, prev)
    }
}

/// Applies one migration unless a concurrent `migrate` already did;
/// returns whether it ran.
fn apply_one(db: &Db, m: &Migration, prev: Option<&Migration>) -> Result<bool> {
    let conn = db.connection();
    let statements = m.statements_for(Backend::Sqlite);
    let failed = |sql: &str, source: rusqlite::Error| Error::MigrationFailed {
        migration: m.name().to_owned(),
        source: Box::new(Error::sqlite(source, sql)),
    };
    // Step 1 of SQLite's rebuild procedure: foreign keys off, outside
    // the transaction (inside one, the pragma does nothing).
    let fk: bool = conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .map_err(|e| failed("PRAGMA foreign_keys", e))?;
    if fk {
        conn.pragma_update(None, "foreign_keys", false)
            .map_err(|e| failed("PRAGMA foreign_keys = OFF", e))?;
    }
    let legacy: bool = conn
        .pragma_query_value(None, "legacy_alter_table", |r| r.get(0))
        .map_err(|e| failed("PRAGMA legacy_alter_table", e))?;
    let result = run_in_transaction(db, m, prev, &statements);
    // A failed rebuild may have stopped between its two pragmas.
    let result = conn
        .pragma_update(None, "legacy_alter_table", legacy)
        .map_err(|e| failed("PRAGMA legacy_alter_table", e))
        .and(result);
    if fk {
        let restored = conn
            .pragma_update(None, "foreign_keys", true)
            .map_err(|e| failed("PRAGMA foreign_keys = ON", e));
        result.and_then(|ran| restored.map(|()| ran))
    } else {
        result
    }
}

/// `BEGIN IMMEDIATE` (the write lock first, so two `migrate`s at once
/// run each migration once), the history table if needed, the statements, the foreign key check, the
/// history row, `COMMIT`; `ROLLBACK` on any error.
fn run_in_transaction(
    db: &Db,
    m: &Migration,
    prev: Option<&Migration>,
    statements: &[String],
) -> Result<bool> {
    let conn = db.connection();
    let failed = |sql: &str, source: rusqlite::Error| Error::MigrationFailed {
        migration: m.name().to_owned(),
        source: Box::new(Error::sqlite(source, sql)),
    };
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(|e| failed("BEGIN IMMEDIATE", e))?;
    let body = || -> Result<bool> {
        // In the transaction: a first migration that fails leaves no
        // history table behind.
        conn.execute_batch(CREATE_HISTORY)
            .map_err(|e| failed(CREATE_HISTORY, e))?;
        let done: bool = conn
            .query_row(APPLIED, [m.name()], |r| r.get(0))
            .map_err(|e| failed(APPLIED, e))?;
        if done {
            return Ok(false);
        }
        // The rebuilds the file holds as `makemigrations` wrote them run
        // from the table as it is (see `rebuild.rs`); any other rebuild
        // (hand-written, or edited) runs as written, if the table is what
        // the record says.
        let plans = rebuild_plans(m, prev, statements)?;
        let covered = |k: usize| {
            plans
                .iter()
                .any(|(at, plan)| (*at..*at + plan.sql.len()).contains(&k))
        };
        let as_written: Vec<String> = (0..statements.len())
            .filter(|k| !covered(*k))
            .map(|k| statements[k].clone())
            .collect();
        check_rebuilt_tables(conn, m, prev, &as_written)?;
        let triggers_of = |sql: &str, arg: Option<&str>| {
            let mut stmt = conn.prepare(sql).map_err(|e| failed(sql, e))?;
            let params: Vec<&str> = arg.into_iter().collect();
            stmt.query_map(rusqlite::params_from_iter(params), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<(String, String, String)>>>())
            .map_err(|e| failed(sql, e))
        };
        let trigger_exists = |name: &str| -> Result<bool> {
            conn.query_row(TRIGGER_EXISTS, [name], |r| r.get(0))
                .map_err(|e| failed(TRIGGER_EXISTS, e))
        };
        // Every trigger before the migration, to check none is lost.
        let before = triggers_of(TRIGGERS, None)?;
        // Step 3 of SQLite's rebuild procedure: the triggers of a table,
        // which `DROP TABLE` drops with it, read right before the drop
        // (an earlier statement may have renamed the table).
        let mut dropped: Vec<(String, String, String)> = Vec::new();
        let mut run = |sql: &str| -> Result<()> {
            if let Some(table) = sqlite::dropped_table(sql) {
                dropped.extend(triggers_of(TABLE_TRIGGERS, Some(&table))?);
            }
            conn.execute_batch(sql).map_err(|e| failed(sql, e))?;
            // Step 8: recreate the rebuilt table's triggers.
            let Some(table) = sqlite::rebuilt_table(sql) else {
                return Ok(());
            };
            let (mine, others): (Vec<_>, Vec<_>) = std::mem::take(&mut dropped)
                .into_iter()
                .partition(|(_, t, _)| t.eq_ignore_ascii_case(&table));
            dropped = others;
            for (name, _, trigger_sql) in mine {
                if !trigger_exists(&name)? {
                    conn.execute_batch(&trigger_sql)
                        .map_err(|e| failed(&trigger_sql, e))?;
                }
            }
            Ok(())
        };
        let recorded = match prev {
            Some(p) => p.state()?,
            None => SchemaState::default(),
        };
        let mut k = 0;
        while k < statements.len() {
            match plans.iter().find(|(at, _)| *at == k) {
                Some((_, plan)) => {
                    // Read right before it runs: an earlier statement of
                    // this migration may have changed the table.
                    let live = super::rebuild::live_rebuild(conn, plan).map_err(|e| {
                        Error::MigrationFailed {
                            migration: m.name().to_owned(),
                            source: Box::new(e),
                        }
                    })?;
                    for sql in &live {
                        run(sql)?;
                    }
                    k += plan.sql.len();
                }
                None => {
                    let sql = real_index_drop(conn, &recorded, &statements[k])
                        .map_err(|e| failed(&statements[k], e))?;
                    run(sql.as_deref().unwrap_or(&statements[k]))?;
                    k += 1;
                }
            }
        }
        // A trigger whose table is still there must still be there,
        // unless the migration drops triggers itself.
        let drops_triggers = statements.iter().any(|s| {
            let mut words = s.split_whitespace();
            words.next().is_some_and(|w| w.eq_ignore_ascii_case("DROP"))
                && words
                    .next()
                    .is_some_and(|w| w.eq_ignore_ascii_case("TRIGGER"))
        });
        if !drops_triggers {
            for (name, table, _) in &before {
                let table_exists: bool = conn
                    .query_row(TABLE_EXISTS, [table], |r| r.get(0))
                    .map_err(|e| failed(TABLE_EXISTS, e))?;
                if table_exists && !trigger_exists(name)? {
                    return Err(Error::MigrationFailed {
                        migration: m.name().to_owned(),
                        source: Box::new(Error::Migration(format!(
                            "the trigger `{name}` on `{table}` would be lost: the migration dropped it without a `DROP TRIGGER`"
                        ))),
                    });
                }
            }
        }
        let mut stmt = conn
            .prepare(FOREIGN_KEY_CHECK)
            .map_err(|e| failed(FOREIGN_KEY_CHECK, e))?;
        let broken = stmt
            .query_map([], |r| {
                Ok(format!(
                    "a row of `{}` (rowid {}) references a missing row of `{}`",
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?
                        .map_or_else(|| "?".to_owned(), |i| i.to_string()),
                    r.get::<_, String>(2)?
                ))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<String>>>())
            .map_err(|e| failed(FOREIGN_KEY_CHECK, e))?;
        if let Some(first) = broken.first() {
            return Err(Error::MigrationFailed {
                migration: m.name().to_owned(),
                source: Box::new(Error::Migration(format!(
                    "`{FOREIGN_KEY_CHECK}` found {} foreign key violation(s), for example {first}",
                    broken.len()
                ))),
            });
        }
        conn.execute(INSERT_HISTORY, (m.name(), m.checksum()))
            .map_err(|e| failed(INSERT_HISTORY, e))?;
        Ok(true)
    };
    match body() {
        Ok(true) => match conn.execute_batch("COMMIT") {
            Ok(()) => Ok(true),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(failed("COMMIT", e))
            }
        },
        Ok(false) => {
            let _ = conn.execute_batch("ROLLBACK");
            Ok(false)
        }
        Err(e) => {
            // SQLite may have rolled back already (a full disk); then
            // there is no transaction left to end.
            if !conn.is_autocommit() {
                conn.execute_batch("ROLLBACK")
                    .map_err(|e| failed("ROLLBACK", e))?;
            }
            Err(e)
        }
    }
}

/// `DROP INDEX "real"` for a `DROP INDEX "recorded"` whose index does not
/// exist under the recorded name but does under another, with the same
/// table, columns and uniqueness (an adopted database's index); `None` to
/// run `sql` as it is.
fn real_index_drop(
    conn: &rusqlite::Connection,
    recorded: &SchemaState,
    sql: &str,
) -> rusqlite::Result<Option<String>> {
    let Some((table, index)) = crate::migrations::apply::dropped_index(sql, recorded) else {
        return Ok(None);
    };
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?1)",
        [&index.name],
        |r| r.get(0),
    )?;
    if exists {
        return Ok(None);
    }
    let mut list = conn.prepare(
        "SELECT name, \"unique\" FROM pragma_index_list(?1) WHERE origin = 'c' ORDER BY name",
    )?;
    let candidates: Vec<(String, bool)> = list
        .query_map([&table.name], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut info = conn.prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")?;
    for (name, unique) in candidates {
        let columns: Vec<Option<String>> = info
            .query_map([&name], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let same = columns.len() == index.columns.len()
            && columns
                .iter()
                .zip(&index.columns)
                .all(|(a, b)| a.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(b)));
        if same && unique == index.unique {
            return Ok(Some(format!(
                "DROP INDEX {}",
                crate::backend::schema::ident(&name)
            )));
        }
    }
    Ok(None)
}

/// The rebuilds of `m` that its statements hold as `makemigrations` wrote
/// them (from its recorded operations and the state before it), each with
/// the index of its first statement.
fn rebuild_plans(
    m: &Migration,
    prev: Option<&Migration>,
    statements: &[String],
) -> Result<Vec<(usize, sqlite::RebuildPlan)>> {
    let ops = m.recorded_operations()?;
    if ops.is_empty() {
        return Ok(Vec::new());
    }
    let before = match prev {
        Some(p) => p.state()?,
        None => SchemaState::default(),
    };
    let mut out = Vec::new();
    let mut from = 0;
    for piece in sqlite::pieces(&ops, &before)? {
        let sqlite::Piece::Rebuild(plan) = piece else {
            continue;
        };
        let n = plan.sql.len();
        let found = (from..statements.len().saturating_sub(n - 1))
            .find(|&at| statements[at..at + n] == plan.sql[..]);
        if let Some(at) = found {
            from = at + n;
            out.push((at, plan));
        }
    }
    Ok(out)
}

/// Before a migration runs rebuilds as written (by hand, or edited from
/// what `makemigrations` wrote): each table they rebuild must be exactly
/// what the state before it (the previous migration's) records, since such
/// a rebuild recreates the table from that state. A column, a foreign
/// key, a constraint or an index the state does not know would be lost.
fn check_rebuilt_tables(
    conn: &rusqlite::Connection,
    m: &Migration,
    prev: Option<&Migration>,
    statements: &[String],
) -> Result<()> {
    // The tables rebuilt, by their name before this migration.
    let mut renames: Vec<(String, String)> = Vec::new();
    let mut rebuilt: Vec<String> = Vec::new();
    for sql in statements {
        if let Some(pair) = sqlite::renamed_table(sql) {
            renames.push(pair);
        } else if let Some(mut table) = sqlite::rebuilt_table(sql) {
            for (old, new) in renames.iter().rev() {
                if *new == table {
                    table.clone_from(old);
                }
            }
            if !rebuilt.contains(&table) {
                rebuilt.push(table);
            }
        }
    }
    if rebuilt.is_empty() {
        return Ok(());
    }
    let before = match prev {
        Some(p) => p.state()?,
        None => SchemaState::default(),
    };
    for name in &rebuilt {
        let Some(expected) = before.tables.get(name) else {
            continue;
        };
        let diffs = table_drift(conn, expected).map_err(|e| Error::MigrationFailed {
            migration: m.name().to_owned(),
            source: Box::new(Error::sqlite(e, "PRAGMA table_xinfo ...")),
        })?;
        if !diffs.is_empty() {
            return Err(Error::MigrationFailed {
                migration: m.name().to_owned(),
                source: Box::new(Error::Migration(format!(
                    "the table `{name}` is not what the migrations recorded{}, and this migration rebuilds it from that record, which would lose the difference: {}. Nothing was applied: make the table and the models agree first (a migration of your own, or models that say what the table has)",
                    prev.map(|p| format!(" (in {})", p.name()))
                        .unwrap_or_default(),
                    diffs.join("; ")
                ))),
            });
        }
    }
    Ok(())
}

/// The words of `sql` that say what a table has beyond its columns and
/// indexes, outside quotes and comments, uppercased.
fn constraint_words(sql: &str) -> Vec<String> {
    const WORDS: &[&str] = &[
        "CHECK",
        "COLLATE",
        "REFERENCES",
        "GENERATED",
        "AUTOINCREMENT",
        "WITHOUT",
        "CONFLICT",
    ];
    let mut out = Vec::new();
    let mut word = String::new();
    let mut chars = sql.chars().peekable();
    let mut flush = |word: &mut String| {
        let w = word.to_ascii_uppercase();
        if WORDS.contains(&w.as_str()) {
            out.push(w);
        }
        word.clear();
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' | '[' => {
                flush(&mut word);
                let close = if c == '[' { ']' } else { c };
                for d in chars.by_ref() {
                    if d == close {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                flush(&mut word);
                for d in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            c if c.is_ascii_alphanumeric() || c == '_' => word.push(c),
            _ => flush(&mut word),
        }
    }
    flush(&mut word);
    out.sort();
    out
}

/// How the real table differs from `expected`, one phrase per difference.
fn table_drift(
    conn: &rusqlite::Connection,
    expected: &TableState,
) -> rusqlite::Result<Vec<String>> {
    let table = expected.name.as_str();
    let mut out = Vec::new();
    let sql: Option<String> = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
            [table],
            |r| r.get(0),
        )
        .ok();
    let Some(sql) = sql else {
        return Ok(vec!["the table does not exist".to_owned()]);
    };
    let has = |names: &[String], n: &str| names.iter().any(|x| x.eq_ignore_ascii_case(n));
    // Columns.
    let mut stmt =
        conn.prepare("SELECT name, hidden, pk FROM pragma_table_xinfo(?1) ORDER BY cid")?;
    let cols: Vec<(String, i64, i64)> = stmt
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let real: Vec<String> = cols.iter().map(|c| c.0.clone()).collect();
    let wanted: Vec<String> = expected.columns.iter().map(|c| c.name.clone()).collect();
    for (name, hidden, _) in &cols {
        if !has(&wanted, name) {
            out.push(format!(
                "column `{name}` is not in the record (its values would be lost)"
            ));
        } else if *hidden != 0 {
            out.push(format!("column `{name}` is generated"));
        }
    }
    // A table without a key, adopted with `inspectdb`, has its rowid as key.
    let rowid_key =
        expected.columns.iter().any(|c| implicit_rowid(c, &real)) && cols.iter().all(|c| c.2 == 0);
    for c in &expected.columns {
        let tolerated = rowid_key && implicit_rowid(c, &real);
        if !tolerated && !has(&real, &c.name) {
            out.push(format!("the recorded column `{}` is missing", c.name));
        }
    }
    let mut real_pk: Vec<String> = cols
        .iter()
        .filter(|c| c.2 > 0)
        .map(|c| c.0.to_ascii_lowercase())
        .collect();
    let mut wanted_pk: Vec<String> = expected
        .columns
        .iter()
        .filter(|c| c.primary_key)
        .map(|c| c.name.to_ascii_lowercase())
        .collect();
    real_pk.sort();
    wanted_pk.sort();
    if real_pk != wanted_pk && !rowid_key {
        out.push(format!(
            "the primary key is ({}), not ({})",
            real_pk.join(", "),
            wanted_pk.join(", ")
        ));
    }
    // Foreign keys: the state has none.
    let mut stmt = conn
        .prepare("SELECT \"from\", \"table\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq")?;
    let fks: Vec<(String, String)> = stmt
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (from, to) in fks {
        out.push(format!(
            "column `{from}` REFERENCES `{to}`, a foreign key the record does not have"
        ));
    }
    // Indexes: those of CREATE INDEX by name, UNIQUE constraints by columns.
    let mut stmt = conn.prepare(
        "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1) ORDER BY name",
    )?;
    let indexes: Vec<(String, bool, String, bool)> = stmt
        .query_map([table], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut index_columns =
        conn.prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")?;
    let mut real_uniques: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (name, unique, origin, partial) in &indexes {
        let columns: Vec<Option<String>> = index_columns
            .query_map([name], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let columns: Vec<String> = columns
            .into_iter()
            .map(|c| {
                c.unwrap_or_else(|| "<expression>".to_owned())
                    .to_ascii_lowercase()
            })
            .collect();
        match origin.as_str() {
            "pk" => {}
            "u" => real_uniques.push(columns.join(", ")),
            _ => {
                let matching = expected
                    .indexes
                    .values()
                    .find(|i| i.name.eq_ignore_ascii_case(name));
                seen.push(name.to_ascii_lowercase());
                match matching {
                    None => out.push(format!(
                        "index `{name}` is not in the record (it would be dropped)"
                    )),
                    Some(i) => {
                        let want: Vec<String> =
                            i.columns.iter().map(|c| c.to_ascii_lowercase()).collect();
                        if i.unique != *unique || want != columns || *partial {
                            out.push(format!("index `{name}` differs from the record"));
                        }
                    }
                }
            }
        }
    }
    for i in expected.indexes.values() {
        if !seen.contains(&i.name.to_ascii_lowercase()) {
            out.push(format!("the recorded index `{}` is missing", i.name));
        }
    }
    let mut wanted_uniques: Vec<String> = expected
        .columns
        .iter()
        .filter(|c| c.unique && !c.primary_key)
        .map(|c| c.name.to_ascii_lowercase())
        .collect();
    real_uniques.sort();
    wanted_uniques.sort();
    if real_uniques != wanted_uniques {
        out.push(format!(
            "its UNIQUE constraints are on ({}), the record's on ({})",
            real_uniques.join("; "),
            wanted_uniques.join("; ")
        ));
    }
    // CHECK, COLLATE, ...: what the pragmas do not show.
    let real_words = constraint_words(&sql);
    let mut wanted_words = constraint_words(&sqlite::create_table(expected, table, false));
    if rowid_key {
        wanted_words.retain(|w| w != "AUTOINCREMENT");
    }
    if real_words != wanted_words {
        out.push(format!(
            "its definition has {} where the record has {}",
            if real_words.is_empty() {
                "none of CHECK, COLLATE, REFERENCES, ...".to_owned()
            } else {
                real_words.join(" ")
            },
            if wanted_words.is_empty() {
                "none".to_owned()
            } else {
                wanted_words.join(" ")
            }
        ));
    }
    Ok(out)
}
