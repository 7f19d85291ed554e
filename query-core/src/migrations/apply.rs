//! `migrate` and `showmigrations`: applying migrations and reading the history.

use crate::db::Db;
use crate::error::{Error, Result};

use super::{Migration, Migrations};

/// The table that records applied migrations: name, checksum, time.
pub const HISTORY_TABLE: &str = "query_migrations";

const CREATE_HISTORY: &str = "CREATE TABLE IF NOT EXISTS \"query_migrations\" (\"name\" TEXT NOT NULL PRIMARY KEY, \"checksum\" TEXT NOT NULL, \"applied\" TEXT NOT NULL) STRICT";
const INSERT_HISTORY: &str = "INSERT INTO \"query_migrations\" (\"name\", \"checksum\", \"applied\") VALUES (?1, ?2, strftime('%Y-%m-%d %H:%M:%f', 'now'))";
const SELECT_HISTORY: &str =
    "SELECT \"name\", \"checksum\" FROM \"query_migrations\" ORDER BY \"name\"";
const FOREIGN_KEY_CHECK: &str = "PRAGMA foreign_key_check";
const TRIGGERS: &str =
    "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL";
const TRIGGER_EXISTS: &str =
    "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?1)";
const APPLIED: &str = "SELECT EXISTS (SELECT 1 FROM \"query_migrations\" WHERE \"name\" = ?1)";

/// A migration and whether this database has applied it: one line of
/// `showmigrations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// The migration's name.
    pub name: String,
    /// Whether it is applied.
    pub applied: bool,
}

impl Db {
    /// The applied migrations, `(name, checksum)`, by name; none when the
    /// history table does not exist yet.
    pub fn applied_migrations(&self) -> Result<Vec<(String, String)>> {
        let conn = self.connection();
        let exists: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
                [HISTORY_TABLE],
                |r| r.get(0),
            )
            .map_err(|e| Error::sqlite(e, "SELECT ... FROM sqlite_master"))?;
        if !exists {
            return Ok(Vec::new());
        }
        let sql = SELECT_HISTORY;
        let mut stmt = conn.prepare(sql).map_err(|e| Error::sqlite(e, sql))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| Error::sqlite(e, sql))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| Error::sqlite(e, sql))
    }

    /// Each migration and whether it is applied, for `showmigrations`.
    ///
    /// Fails with [`Error::MigrationHistory`] when the history disagrees
    /// with the files, as [`migrate`](Db::migrate) would.
    pub fn migration_status(&self, migrations: &Migrations) -> Result<Vec<MigrationStatus>> {
        migrations.check()?;
        let applied = self.applied_migrations()?;
        let n = check_history(migrations, &applied)?;
        Ok(migrations
            .iter()
            .enumerate()
            .map(|(i, m)| MigrationStatus {
                name: m.name().to_owned(),
                applied: i < n,
            })
            .collect())
    }

    /// Applies the pending migrations in order and returns their names.
    ///
    /// Each migration runs in its own transaction (`BEGIN IMMEDIATE`, so two
    /// programs migrating one database at once apply each migration once),
    /// with foreign keys off (as SQLite's table rebuild needs; the pragma has
    /// no effect inside a transaction, so it is set around it) and `PRAGMA
    /// foreign_key_check` before the commit. The triggers of a rebuilt table
    /// are recreated. Each migration is recorded in the `query_migrations`
    /// table with a checksum of its file. A failing migration is rolled back
    /// completely: [`Error::MigrationFailed`] names it and the statement, and
    /// the migrations before it stay applied.
    ///
    /// A history that disagrees with the files (an applied migration whose
    /// file was edited or removed, or one applied out of order) is refused
    /// with [`Error::MigrationHistory`] before anything runs. Calling this
    /// inside a transaction is an error.
    pub fn migrate(&self, migrations: &Migrations) -> Result<Vec<String>> {
        migrations.check()?;
        if !self.connection().is_autocommit() {
            return Err(Error::Migration(
                "migrate can't run inside a transaction: it turns foreign keys off around each migration, which SQLite ignores inside one".into(),
            ));
        }
        self.execute_batch(CREATE_HISTORY)?;
        let applied = self.applied_migrations()?;
        let n = check_history(migrations, &applied)?;
        let mut done = Vec::new();
        for m in migrations.iter().skip(n) {
            if self.apply_one(m)? {
                done.push(m.name().to_owned());
            }
        }
        Ok(done)
    }

    /// Records the first migration as applied without running it, for a
    /// database that already has its tables: Django's `migrate
    /// --fake-initial`, for adopting the crate on an existing database (with
    /// models from [`inspectdb`](super::inspectdb)).
    ///
    /// Does nothing and returns `None` when a migration is already applied
    /// or none of the tables exist; returns the migration's name when it was
    /// recorded. Only the tables' existence is checked, as in Django: review
    /// that the models match the database. Some tables existing and others
    /// not is an error.
    pub fn fake_initial(&self, migrations: &Migrations) -> Result<Option<String>> {
        migrations.check()?;
        let Some(first) = migrations.iter().next() else {
            return Ok(None);
        };
        if !self.applied_migrations()?.is_empty() {
            return Ok(None);
        }
        let state = first.state()?;
        let mut present = Vec::new();
        let mut missing = Vec::new();
        for table in state.tables.keys() {
            let exists: bool = self
                .connection()
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
                    [table],
                    |r| r.get(0),
                )
                .map_err(|e| Error::sqlite(e, "SELECT ... FROM sqlite_master"))?;
            if exists {
                present.push(table.as_str());
            } else {
                missing.push(table.as_str());
            }
        }
        if present.is_empty() {
            return Ok(None);
        }
        if !missing.is_empty() {
            return Err(Error::Migration(format!(
                "can't fake {}: the tables {} exist but {} do not",
                first.name(),
                present.join(", "),
                missing.join(", ")
            )));
        }
        self.execute_batch(CREATE_HISTORY)?;
        self.connection()
            .execute(INSERT_HISTORY, (first.name(), first.checksum()))
            .map_err(|e| Error::sqlite(e, INSERT_HISTORY))?;
        Ok(Some(first.name().to_owned()))
    }

    /// Applies one migration unless a concurrent `migrate` already did;
    /// returns whether it ran.
    fn apply_one(&self, m: &Migration) -> Result<bool> {
        let conn = self.connection();
        let statements = m.statements();
        if let Some(sql) = statements.iter().find(|s| is_transaction_control(s)) {
            return Err(Error::MigrationFailed {
                migration: m.name().to_owned(),
                source: Box::new(Error::Migration(format!(
                    "`{sql}`: a migration runs in a transaction of its own, and turns foreign keys off around it; remove this statement"
                ))),
            });
        }
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
        let result = self.run_in_transaction(m, &statements);
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
    /// run each migration once), the statements, the foreign key check, the
    /// history row, `COMMIT`; `ROLLBACK` on any error.
    fn run_in_transaction(&self, m: &Migration, statements: &[String]) -> Result<bool> {
        let conn = self.connection();
        let failed = |sql: &str, source: rusqlite::Error| Error::MigrationFailed {
            migration: m.name().to_owned(),
            source: Box::new(Error::sqlite(source, sql)),
        };
        conn.execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| failed("BEGIN IMMEDIATE", e))?;
        let body = || -> Result<bool> {
            let done: bool = conn
                .query_row(APPLIED, [m.name()], |r| r.get(0))
                .map_err(|e| failed(APPLIED, e))?;
            if done {
                return Ok(false);
            }
            // Step 3 of SQLite's rebuild procedure: remember the triggers,
            // which `DROP TABLE` drops with their table.
            let triggers: Vec<(String, String, String)> = {
                let mut stmt = conn.prepare(TRIGGERS).map_err(|e| failed(TRIGGERS, e))?;
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                    .map_err(|e| failed(TRIGGERS, e))?
            };
            for sql in statements {
                conn.execute_batch(sql).map_err(|e| failed(sql, e))?;
                // Step 8: recreate the rebuilt table's triggers.
                let Some(table) = super::plan::rebuilt_table(sql) else {
                    continue;
                };
                for (name, _, trigger_sql) in triggers.iter().filter(|(_, t, _)| *t == table) {
                    let exists: bool = conn
                        .query_row(TRIGGER_EXISTS, [name], |r| r.get(0))
                        .map_err(|e| failed(TRIGGER_EXISTS, e))?;
                    if !exists {
                        conn.execute_batch(trigger_sql)
                            .map_err(|e| failed(trigger_sql, e))?;
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
}

/// Whether `sql` begins or ends a transaction, which a migration must not.
fn is_transaction_control(sql: &str) -> bool {
    let word: String = sql
        .trim_start()
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_uppercase();
    matches!(
        word.as_str(),
        "BEGIN" | "COMMIT" | "END" | "ROLLBACK" | "SAVEPOINT" | "RELEASE"
    ) || {
        let compact: String = sql
            .to_ascii_lowercase()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
            .collect();
        compact.starts_with("pragmaforeign_keys") || compact.starts_with("pragmamain.foreign_keys")
    }
}

/// Checks that the applied migrations are exactly the first `n` files,
/// unchanged, and returns `n`.
fn check_history(migrations: &Migrations, applied: &[(String, String)]) -> Result<usize> {
    let files: Vec<&Migration> = migrations.iter().collect();
    for (i, (name, checksum)) in applied.iter().enumerate() {
        let Some(m) = files.iter().find(|m| m.name() == name) else {
            return Err(Error::MigrationHistory(format!(
                "migration {name} is applied to this database but its file is missing; restore the file (a migration can't be removed once applied)"
            )));
        };
        if &m.checksum() != checksum {
            return Err(Error::MigrationHistory(format!(
                "migration {name} was edited after it was applied to this database (checksum {} recorded, {} now); restore the file and put the change in a new migration",
                checksum,
                m.checksum()
            )));
        }
        if files[i].name() != name {
            return Err(Error::MigrationHistory(format!(
                "migration {name} is applied but {} before it is not; the migrations were applied out of order",
                files[i].name()
            )));
        }
    }
    Ok(applied.len())
}
