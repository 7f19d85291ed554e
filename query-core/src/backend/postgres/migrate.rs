//! Migration execution on PostgreSQL: DDL is transactional, so each
//! migration runs in one transaction (`BEGIN`, the statements, the history
//! row, `COMMIT`) and a failure rolls all of it back. Concurrent `migrate`s
//! on one schema are serialized by a transaction-level advisory lock taken
//! first in each migration's transaction; the one that waited then sees the
//! migration recorded and skips it.
//!
//! A migration file without `-- @sql` sections, as the previous version of
//! this crate wrote them, holds SQLite's SQL only and is refused here. It
//! is not rewritten from what it records: such files record the schema
//! state but not their operations, and a state difference can't tell a
//! rename from a drop and an add, nor say what hand-written SQL meant.

use postgres::error::SqlState;

use crate::backend::Backend;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::migrations::apply::Executor;
use crate::migrations::{HISTORY_TABLE, Migration, SchemaState};
use crate::value::Value;

const CREATE_HISTORY: &str = "CREATE TABLE IF NOT EXISTS \"query_migrations\" (\"name\" text NOT NULL PRIMARY KEY, \"checksum\" text NOT NULL, \"applied\" timestamp with time zone NOT NULL DEFAULT now())";
const INSERT_HISTORY: &str =
    "INSERT INTO \"query_migrations\" (\"name\", \"checksum\") VALUES ($1, $2)";
const APPLIED: &str = "SELECT count(*) FROM \"query_migrations\" WHERE \"name\" = $1";
/// The advisory lock of the current schema's migrations: two keys, a
/// constant (`quer` in ASCII) and the schema's name hashed.
const LOCK: &str = "SELECT pg_advisory_xact_lock(1903522162, hashtext(current_schema()))";
const TABLE_EXISTS: &str = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1";
const TABLE_COLUMNS: &str = "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position";

/// Runs migrations on PostgreSQL.
pub(crate) struct PostgresExecutor;

/// The first column of the first row as a count.
fn count(rows: &[Vec<Value>]) -> i64 {
    match rows.first().and_then(|r| r.first()) {
        Some(Value::Integer(n)) => *n,
        _ => 0,
    }
}

impl Executor for PostgresExecutor {
    fn history_exists(&self, db: &Db) -> Result<bool> {
        Ok(count(&db.query(TABLE_EXISTS, &[Value::Text(HISTORY_TABLE.into())])?) > 0)
    }

    fn refuse_transaction(&self, db: &Db) -> Result<()> {
        // `SAVEPOINT` is an error outside a transaction block, and one that
        // aborts nothing; inside one it succeeds and is released at once.
        let Some(mut client) = db.postgres_client() else {
            return Ok(());
        };
        match client.batch_execute("SAVEPOINT query_migrate_probe") {
            Err(e) if e.code() == Some(&SqlState::NO_ACTIVE_SQL_TRANSACTION) => Ok(()),
            Err(e) => Err(Error::postgres(e, "SAVEPOINT query_migrate_probe")),
            Ok(()) => {
                let _ = client.batch_execute("RELEASE SAVEPOINT query_migrate_probe");
                Err(Error::Migration(
                    "migrate can't run inside a transaction: each migration runs in a transaction of its own".into(),
                ))
            }
        }
    }

    fn check_runnable(&self, m: &Migration) -> Result<()> {
        if m.has_sections() {
            return Ok(());
        }
        Err(Error::Migration(format!(
            "migration {} can't run on PostgreSQL: it has no `-- @sql` sections, so it was written by an earlier version of query and holds SQLite's SQL only. Nothing was applied. Write its PostgreSQL statements under a `-- @sql postgres` line (with `-- @sql sqlite` above the statements it has), or, if no database you keep has applied it, move the migrations away and run makemigrations again",
            m.name()
        )))
    }

    fn table_columns(&self, db: &Db, table: &str) -> Result<Option<Vec<String>>> {
        let name = Value::Text(table.to_owned());
        if count(&db.query(TABLE_EXISTS, std::slice::from_ref(&name))?) == 0 {
            return Ok(None);
        }
        let columns = db
            .query(TABLE_COLUMNS, &[name])?
            .into_iter()
            .filter_map(|row| match row.into_iter().next() {
                Some(Value::Text(c)) => Some(c),
                _ => None,
            })
            .collect();
        Ok(Some(columns))
    }

    fn record(&self, db: &Db, m: &Migration) -> Result<()> {
        db.atomic(|db| {
            db.execute_batch(LOCK)?;
            db.execute_batch(CREATE_HISTORY)?;
            db.execute(
                INSERT_HISTORY,
                &[Value::Text(m.name().into()), Value::Text(m.checksum())],
            )?;
            Ok(())
        })
    }

    fn apply(&self, db: &Db, m: &Migration, prev: Option<&Migration>) -> Result<bool> {
        let failed = |source: Error| Error::MigrationFailed {
            migration: m.name().to_owned(),
            source: Box::new(source),
        };
        let statements = m.statements_for(Backend::Postgres);
        db.atomic(|db| {
            // Waits for a concurrent `migrate` of this schema to commit.
            db.execute_batch(LOCK).map_err(failed)?;
            db.execute_batch(CREATE_HISTORY).map_err(failed)?;
            let name = Value::Text(m.name().into());
            if count(&db.query(APPLIED, std::slice::from_ref(&name))?) > 0 {
                return Ok(false);
            }
            let recorded = match prev {
                Some(p) => p.state()?,
                None => SchemaState::default(),
            };
            for sql in &statements {
                let real = real_index_drop(db, &recorded, sql).map_err(failed)?;
                db.execute_batch(real.as_deref().unwrap_or(sql))
                    .map_err(failed)?;
            }
            db.execute(INSERT_HISTORY, &[name, Value::Text(m.checksum())])
                .map_err(failed)?;
            Ok(true)
        })
    }
}

const INDEX_EXISTS: &str = "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = current_schema() AND c.relname = $1 AND c.relkind IN ('i', 'I')";
/// A table's indexes that no constraint owns: name, unique, columns.
const TABLE_INDEXES: &str = "SELECT ic.relname::text, ix.indisunique, (SELECT string_agg(a.attname::text, ',' ORDER BY k.n) FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n) JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum) FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace WHERE ns.nspname = current_schema() AND t.relname = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid) ORDER BY 1";

/// `DROP INDEX "real"` for a `DROP INDEX "recorded"` whose index does not
/// exist under the recorded name but does under another, with the same
/// table, columns and uniqueness (an adopted database's index, named by
/// the framework that made it); `None` to run `sql` as it is.
fn real_index_drop(db: &Db, recorded: &SchemaState, sql: &str) -> Result<Option<String>> {
    let Some((table, index)) = crate::migrations::apply::dropped_index(sql, recorded) else {
        return Ok(None);
    };
    if count(&db.query(INDEX_EXISTS, &[Value::Text(index.name.clone())])?) > 0 {
        return Ok(None);
    }
    for row in db.query(TABLE_INDEXES, &[Value::Text(table.name.clone())])? {
        let [Value::Text(name), unique, Value::Text(columns)] = &row[..] else {
            continue;
        };
        let unique = matches!(unique, Value::Integer(1));
        let same = columns
            .split(',')
            .eq(index.columns.iter().map(String::as_str));
        if same && unique == index.unique {
            return Ok(Some(format!(
                "DROP INDEX {}",
                crate::backend::schema::ident(name)
            )));
        }
    }
    Ok(None)
}
