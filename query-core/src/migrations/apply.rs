//! `migrate` and `showmigrations`: applying migrations and reading the
//! history, the same on every database.
//!
//! What this module decides is shared: which migrations are applied (the
//! `query_migrations` history, checked against the files), which are
//! pending, and what is refused before anything runs. How a migration runs
//! is the backend's ([`Executor`]): `backend/sqlite/migrate.rs` and
//! `backend/postgres/migrate.rs`.

use crate::backend::Backend;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::value::Value;

use super::{Migration, Migrations};
use crate::schema::ColumnState;

/// The table that records applied migrations: name, checksum, time.
pub const HISTORY_TABLE: &str = "query_migrations";

const SELECT_HISTORY: &str = "SELECT \"name\", \"checksum\" FROM \"query_migrations\"";

/// A migration and whether this database has applied it: one line of
/// `showmigrations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// The migration's name.
    pub name: String,
    /// Whether it is applied.
    pub applied: bool,
}

/// How one backend runs migrations and reads what `migrate` needs to know.
pub(crate) trait Executor {
    /// Whether the history table exists.
    fn history_exists(&self, db: &Db) -> Result<bool>;

    /// An error if a transaction is open on `db` (a migration runs in a
    /// transaction of its own).
    fn refuse_transaction(&self, db: &Db) -> Result<()>;

    /// An error if `m` can't run on this database, checked for every
    /// pending migration before the first one runs.
    fn check_runnable(&self, _m: &Migration) -> Result<()> {
        Ok(())
    }

    /// The column names of `table`, in order; `None` if there is no such table.
    fn table_columns(&self, db: &Db, table: &str) -> Result<Option<Vec<String>>>;

    /// Whether tables have an implicit `rowid` (SQLite's), which `inspectdb`
    /// makes the key of a table without one.
    fn implicit_rowid(&self) -> bool {
        false
    }

    /// Records `m` as applied without running it (`--fake-initial`),
    /// creating the history table if needed.
    fn record(&self, db: &Db, m: &Migration) -> Result<()>;

    /// Runs `m` in a transaction of its own (creating the history table if
    /// needed) and records it, unless a concurrent `migrate` already did;
    /// returns whether it ran. `prev` is the migration before it.
    fn apply(&self, db: &Db, m: &Migration, prev: Option<&Migration>) -> Result<bool>;
}

/// The executor of `db`'s backend.
fn executor(db: &Db) -> Result<&'static dyn Executor> {
    match db.backend() {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => Ok(&crate::backend::sqlite::migrate::SqliteExecutor),
        #[cfg(feature = "postgres")]
        Backend::Postgres => Ok(&crate::backend::postgres::migrate::PostgresExecutor),
        // A `Db` exists only for a backend whose feature is on.
        #[allow(unreachable_patterns)]
        other => Err(Error::Migration(format!(
            "migrations on {other:?} need its cargo feature"
        ))),
    }
}

impl Db {
    /// The applied migrations, `(name, checksum)`, by name; none when the
    /// history table does not exist yet.
    pub fn applied_migrations(&self) -> Result<Vec<(String, String)>> {
        if !executor(self)?.history_exists(self)? {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for row in self.query(SELECT_HISTORY, &[])? {
            match <[Value; 2]>::try_from(row) {
                Ok([Value::Text(name), Value::Text(checksum)]) => out.push((name, checksum)),
                _ => {
                    return Err(Error::MigrationHistory(format!(
                        "the `{HISTORY_TABLE}` table holds a row that is not a name and a checksum"
                    )));
                }
            }
        }
        // By name, byte by byte, whatever the database's collation.
        out.sort();
        Ok(out)
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
    /// Each migration runs in its own transaction and is recorded in the
    /// `query_migrations` table with a checksum of its file. A failing
    /// migration is rolled back completely: [`Error::MigrationFailed`]
    /// names it and the statement, and the migrations before it stay
    /// applied. Two programs migrating one database at once apply each
    /// migration once.
    ///
    /// On SQLite the transaction is `BEGIN IMMEDIATE` (the write lock
    /// first), with foreign keys off (as SQLite's table rebuild needs; the
    /// pragma has no effect inside a transaction, so it is set around it)
    /// and `PRAGMA foreign_key_check` before the commit. The triggers of a
    /// rebuilt table are recreated (read right before its `DROP TABLE`),
    /// and a migration that loses a trigger some other way than `DROP
    /// TRIGGER` is refused. A rebuild as `makemigrations` wrote it starts
    /// from the table as it is in the database, read right before it runs:
    /// the columns, foreign keys, `CHECK`s, `COLLATE`s and indexes the
    /// change does not touch are kept as the database has them (so a table
    /// adopted with [`fake_initial`](Db::fake_initial) keeps what its models
    /// can't say); what can't be carried over (a constraint or an index on
    /// several columns that uses a dropped column) is refused, naming it. A
    /// rebuild written or edited by hand runs as written, and is refused
    /// before anything runs if the table differs from the state recorded
    /// before it.
    ///
    /// On PostgreSQL, where DDL is transactional and every change is an
    /// `ALTER TABLE`, each migration's transaction first takes a
    /// transaction-level advisory lock for the schema (`current_schema()`),
    /// so concurrent `migrate`s wait for each other. A migration file
    /// without `-- @sql` sections (written by the previous version of this
    /// crate, for SQLite only) is refused before anything runs.
    ///
    /// A history that disagrees with the files (an applied migration whose
    /// file was edited or removed, or one applied out of order) is refused
    /// with [`Error::MigrationHistory`] before anything runs. Calling this
    /// inside a transaction is an error.
    pub fn migrate(&self, migrations: &Migrations) -> Result<Vec<String>> {
        migrations.check()?;
        let executor = executor(self)?;
        executor.refuse_transaction(self)?;
        // The history is checked before anything is written, even the
        // history table: a refused database is left as it was.
        let applied = self.applied_migrations()?;
        let n = check_history(migrations, &applied)?;
        if n == migrations.len() {
            return Ok(Vec::new());
        }
        let list: Vec<&Migration> = migrations.iter().collect();
        let backend = self.backend();
        for m in &list[n..] {
            executor.check_runnable(m)?;
            let statements = m.statements_for(backend);
            if let Some(sql) = statements.iter().find(|s| is_transaction_control(s)) {
                return Err(Error::MigrationFailed {
                    migration: m.name().to_owned(),
                    source: Box::new(Error::Migration(format!(
                        "`{sql}`: a migration runs in a transaction of its own; remove this statement"
                    ))),
                });
            }
        }
        if n == 0 {
            refuse_existing_tables(self, executor, list[0])?;
        }
        let mut done = Vec::new();
        for (k, m) in list.iter().enumerate().skip(n) {
            let prev = k.checked_sub(1).map(|p| list[p]);
            if executor.apply(self, m, prev)? {
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
    /// recorded. The tables must exist with exactly the migration's columns
    /// (by name; types, constraints and indexes are not compared, so review
    /// that the models match the database). Some tables existing and others
    /// not, or a column more or less, is an error.
    ///
    /// What the models can't say (foreign keys, `CHECK`s, triggers, indexes
    /// under other names) stays in the database and is kept by every later
    /// migration: a SQLite rebuild starts from the table as it is, and a
    /// recorded index dropped later is found by its columns.
    pub fn fake_initial(&self, migrations: &Migrations) -> Result<Option<String>> {
        // What is recorded: the migration's name and checksum, as Django's
        // `--fake-initial` does, and nothing about the tables. The design
        // choice is that later migrations do not depend on the record and
        // the tables agreeing, rather than recording the tables as found:
        // - the record is the migration file's state, checksummed and
        //   shared by every database the folder migrates, so it can't hold
        //   one database's foreign keys, index names or CHECKs;
        // - a snapshot kept in this database (beside the history) would go
        //   stale as soon as a hand-written migration or a person changed a
        //   table, and a rebuild from a stale snapshot loses the change;
        // - the database itself is the one description that can't be
        //   stale. So each SQLite rebuild reads the table (its `CREATE
        //   TABLE`, indexes and triggers) right before it runs and applies
        //   the change to that (`backend/sqlite/rebuild.rs`), and a `DROP
        //   INDEX` of a recorded name the database doesn't have drops the
        //   index with the recorded columns. The columns are what must
        //   agree (checked below): the operations name them.
        migrations.check()?;
        let executor = executor(self)?;
        let Some(first) = migrations.iter().next() else {
            return Ok(None);
        };
        if !self.applied_migrations()?.is_empty() {
            return Ok(None);
        }
        let state = first.state()?;
        let mut present = Vec::new();
        let mut missing = Vec::new();
        let mut differences = Vec::new();
        for table in state.tables.values() {
            let Some(real) = executor.table_columns(self, &table.name)? else {
                missing.push(table.name.as_str());
                continue;
            };
            present.push(table.name.as_str());
            // The columns must be the models' columns: the operations of
            // later migrations name them.
            for c in &real {
                if !table.columns.iter().any(|x| x.name.eq_ignore_ascii_case(c)) {
                    differences.push(format!(
                        "`{}` has a column `{c}` the migration does not",
                        table.name
                    ));
                }
            }
            for c in &table.columns {
                let found = real.iter().any(|r| r.eq_ignore_ascii_case(&c.name));
                let rowid = executor.implicit_rowid() && implicit_rowid(c, &real);
                if !found && !rowid {
                    differences.push(format!(
                        "`{}` has no column `{}`, which the migration has",
                        table.name, c.name
                    ));
                }
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
        if !differences.is_empty() {
            return Err(Error::Migration(format!(
                "can't fake {}: its tables exist but differ from the database: {}; make the models match the tables (inspectdb writes them) and run makemigrations again",
                first.name(),
                differences.join("; ")
            )));
        }
        executor.record(self, first)?;
        Ok(Some(first.name().to_owned()))
    }
}

/// Before the first migration runs on a database without history: the
/// tables it creates must not exist yet. When they do, the database was
/// made some other way (by another framework, by hand), and the error says
/// how to adopt it instead: `migrate --fake-initial`. Nothing has run.
fn refuse_existing_tables(db: &Db, executor: &dyn Executor, first: &Migration) -> Result<()> {
    // The state after the first migration is the tables it creates. A file
    // without a readable state is left to fail, if it does, as it runs.
    let Ok(state) = first.state() else {
        return Ok(());
    };
    let mut existing = Vec::new();
    for name in state.tables.keys() {
        if executor.table_columns(db, name)?.is_some() {
            existing.push(format!("`{name}`"));
        }
    }
    // Another process may have applied the first migration since this one
    // read the history (two deployments at once): then the tables are its,
    // and each migration is skipped under the lock as already applied.
    if existing.is_empty() || !db.applied_migrations()?.is_empty() {
        return Ok(());
    }
    let name = first.name();
    Err(Error::Migration(format!(
        "can't apply {name}: this database has no migration history, but it already has the tables {name} creates: {}. Nothing was applied. If the database was made without these migrations (you are adopting it: models from inspectdb, then makemigrations), run `migrate --fake-initial` (`Db::fake_initial`) to record {name} as applied without running it; otherwise migrate an empty database",
        existing.join(", ")
    )))
}

/// Whether `c` is the key `inspectdb` gives a SQLite table without one:
/// SQLite's implicit rowid, which is no column of `real`.
pub(crate) fn implicit_rowid(c: &ColumnState, real: &[String]) -> bool {
    c.primary_key
        && ["rowid", "oid", "_rowid_"]
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&c.name))
        && !real.iter().any(|r| r.eq_ignore_ascii_case(&c.name))
}

/// The recorded table and index that `sql` drops, when it is `DROP INDEX
/// "name"` as the schema writers write it and `before` records the index.
///
/// An adopted database names its indexes its own way (Django's
/// `album_note_a3c9`), while the record names them as the models would
/// (`album_note_idx`): when the recorded name does not exist, each
/// executor drops the index that has the recorded index's columns instead.
pub(crate) fn dropped_index<'s>(
    sql: &str,
    before: &'s crate::schema::SchemaState,
) -> Option<(&'s crate::schema::TableState, &'s crate::schema::IndexState)> {
    let quoted = sql.strip_prefix("DROP INDEX \"")?.strip_suffix('"')?;
    let name = quoted.replace("\"\"", "\"");
    if crate::backend::schema::ident(&name) != sql["DROP INDEX ".len()..] {
        return None;
    }
    before
        .tables
        .values()
        .find_map(|t| t.indexes.get(&name).map(|i| (t, i)))
}

/// Whether `sql` begins or ends a transaction, which a migration must not.
pub(crate) fn is_transaction_control(sql: &str) -> bool {
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
