//! The crate's one error type.

use std::path::PathBuf;

use crate::validation::ValidationErrors;

/// A driver's error, boxed so that `Result<T, Error>` stays small and no
/// driver type shows in [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The kind of constraint a write broke ([`Error::Integrity`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConstraintKind {
    /// `UNIQUE` or the primary key.
    Unique,
    /// A foreign key.
    ForeignKey,
    /// `NOT NULL`.
    NotNull,
    /// A `CHECK`.
    Check,
    /// Another constraint.
    Other,
}

impl std::fmt::Display for ConstraintKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ConstraintKind::Unique => "unique",
            ConstraintKind::ForeignKey => "foreign key",
            ConstraintKind::NotNull => "not null",
            ConstraintKind::Check => "check",
            ConstraintKind::Other => "constraint",
        })
    }
}

/// `Result` with [`Error`] as the default error.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong, from a missing row to a locked database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `get` found no row: Django's `Model.DoesNotExist`.
    #[error("{model} matching query does not exist")]
    DoesNotExist {
        /// The model's name.
        model: &'static str,
    },

    /// `get` found more than one row: Django's `MultipleObjectsReturned`.
    /// `count` is the number of rows found, up to 21 (above 20 the message
    /// says "more than 20", as Django does).
    #[error("get() returned more than one {model} -- it returned {}!", count_text(*.count))]
    MultipleObjectsReturned {
        /// The model's name.
        model: &'static str,
        /// How many rows matched, counted up to 21.
        count: usize,
    },

    /// `full_clean`, `save` or `create` found invalid fields; nothing was written.
    #[error("invalid {0}")]
    Validation(ValidationErrors),

    /// The database refused a write that breaks a constraint (`UNIQUE`,
    /// `NOT NULL`, `CHECK`, a foreign key): Django's `IntegrityError`.
    #[error("integrity error ({kind}): {source} (while running `{sql}`)")]
    Integrity {
        /// Which kind of constraint.
        kind: ConstraintKind,
        /// The statement that failed.
        sql: String,
        /// The driver's error.
        source: BoxError,
    },

    /// The database refused a value for its column type (PostgreSQL's
    /// SQLSTATE class 22: a text longer than its `varchar(n)`, a number out
    /// of its column's range): Django's `DataError`. SQLite, which keeps any
    /// value, reports a broken `CHECK` as [`Error::Integrity`] instead.
    #[error("data error: {source} (while running `{sql}`)")]
    Data {
        /// The statement that failed.
        sql: String,
        /// The driver's error.
        source: BoxError,
    },

    /// Any other error from the database while running a statement.
    #[error("database error: {source} (while running `{sql}`)")]
    Database {
        /// The statement that failed.
        sql: String,
        /// The driver's error.
        source: BoxError,
    },

    /// Another connection held the lock this statement needed for longer
    /// than the wait allowed (SQLite's busy timeout, `BUSY_TIMEOUT`;
    /// PostgreSQL's `lock_timeout`); the statement wrote nothing. Retrying
    /// later may succeed.
    #[error(
        "database is locked: another connection held the write lock for longer than the busy timeout, so this statement gave up and wrote nothing ({source}; while running `{sql}`)"
    )]
    Busy {
        /// The statement that gave up.
        sql: String,
        /// The driver's error.
        source: BoxError,
    },

    /// PostgreSQL: a transaction at `REPEATABLE READ` or `SERIALIZABLE`
    /// isolation could not be serialized with a concurrent one (SQLSTATE
    /// 40001) or was chosen as a deadlock victim (40P01). The transaction
    /// was rolled back; run it again.
    #[error(
        "could not serialize the transaction with a concurrent one; it was rolled back: retry it ({source}; while running `{sql}`)"
    )]
    SerializationFailure {
        /// The statement that failed.
        sql: String,
        /// The driver's error.
        source: BoxError,
    },

    /// A statement failed inside [`Db::atomic`](crate::Db::atomic) and its
    /// error was not returned from the block: the block was rolled back
    /// (Django's `TransactionManagementError`). On PostgreSQL a failed
    /// statement aborts the transaction, so nothing after it could have
    /// been kept; to go on after a statement that may fail, run it in an
    /// `atomic` of its own, whose savepoint is rolled back alone.
    #[error(
        "a statement failed inside `atomic` and its error was not returned, so the block was rolled back; run a statement whose failure you handle in an `atomic` of its own"
    )]
    TransactionAborted,

    /// The database file could not be opened or set up.
    #[error("could not open database {}: {source}", path.display())]
    Open {
        /// The path given to `Db::open`.
        path: PathBuf,
        /// The driver's error.
        source: BoxError,
    },

    /// A database URL could not be understood.
    #[error("invalid database URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL, with any password hidden.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The database server could not be reached, or refused the login.
    #[error("could not connect to {url}: {source}")]
    Connect {
        /// The URL, with any password hidden.
        url: String,
        /// The driver's error.
        source: BoxError,
    },

    /// No connection could be had from a [`Pool`](crate::Pool) in time.
    #[error("no database connection available from the pool: {0}")]
    Pool(String),

    /// A column of a result could not be read as the field's type.
    #[error("could not read column {column} of the result: {message}")]
    Decode {
        /// The column's index in the result.
        column: usize,
        /// What went wrong.
        message: String,
    },

    /// A delete would remove rows that a foreign key declared with
    /// `on_delete = Protect` points at; nothing was deleted (Django's
    /// `ProtectedError`).
    #[error(
        "cannot delete some instances of model '{model}' because they are referenced through protected foreign keys: {referenced_by}"
    )]
    Protected {
        /// The model whose rows were to be deleted.
        model: &'static str,
        /// The protecting foreign keys, as `'Model.field'`, and how many of
        /// their rows point at the deleted ones.
        referenced_by: String,
    },

    /// A delete would remove rows that a foreign key declared with
    /// `on_delete = Restrict` points at, from rows not deleted by the same
    /// operation; nothing was deleted (Django's `RestrictedError`).
    #[error(
        "cannot delete some instances of model '{model}' because they are referenced through restricted foreign keys: {referenced_by}"
    )]
    Restricted {
        /// The model whose rows were to be deleted.
        model: &'static str,
        /// The restricting foreign keys, as `'Model.field'`, and how many
        /// of their rows point at the deleted ones.
        referenced_by: String,
    },

    /// `delete` was called on an instance that was never saved (its
    /// automatic primary key is 0).
    #[error("{model} object can't be deleted because its primary key is not set")]
    NotSaved {
        /// The model's name.
        model: &'static str,
    },

    /// A relation's write can't be done as asked: an unsaved row, or `add`
    /// on a many-to-many whose `through` model has fields to fill.
    #[error("{0}")]
    Relation(String),

    /// The database assigned a primary key that does not fit the model's key type.
    #[error("the key {key} assigned to a new {model} does not fit its primary key's type")]
    KeyOutOfRange {
        /// The model's name.
        model: &'static str,
        /// The key the database assigned.
        key: i64,
    },

    /// A migration can't be made, read or applied as asked: a column that
    /// needs a default, a drop without confirmation, a malformed migration
    /// file, an unknown migration name. The message says what to do.
    #[error("{0}")]
    Migration(String),

    /// A migration failed; it was rolled back completely and the database is
    /// at the last migration that succeeded. `source` names the statement
    /// that failed ([`Error::Database`] or [`Error::Integrity`]) or the
    /// foreign key check that did ([`Error::Migration`]).
    #[error("migration {migration} failed and was rolled back: {source}")]
    MigrationFailed {
        /// The migration's name (`0002_product_rating`).
        migration: String,
        /// What failed.
        source: Box<Error>,
    },

    /// The database's migration history disagrees with the migration files
    /// (a file edited or removed after it was applied); nothing was applied.
    #[error("migration history does not match the migration files: {0}")]
    MigrationHistory(String),

    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// A query set method can't be used on this query set (Django's
    /// `NotSupportedError`): [`raw`](crate::QuerySet::raw) on a query set
    /// that was filtered, ordered, sliced or loads related rows. The message
    /// says what to do instead.
    #[error("{0}")]
    NotSupported(String),

    /// A lookup string names no field of the model, a lookup the field
    /// doesn't have, or a value that doesn't parse as the field's type
    /// ([`filter_str`](crate::QuerySet::filter_str) and friends): Django's
    /// `FieldError` (and its `ValidationError` for a value), in its words,
    /// with what would be valid.
    #[error("{0}")]
    FieldError(String),
}

fn count_text(count: usize) -> String {
    if count > 20 {
        "more than 20".to_owned()
    } else {
        count.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_use_djangos_words() {
        let e = Error::DoesNotExist { model: "Product" };
        assert_eq!(e.to_string(), "Product matching query does not exist");
        let e = Error::MultipleObjectsReturned {
            model: "Product",
            count: 2,
        };
        assert_eq!(
            e.to_string(),
            "get() returned more than one Product -- it returned 2!"
        );
        let e = Error::MultipleObjectsReturned {
            model: "Product",
            count: 21,
        };
        assert_eq!(
            e.to_string(),
            "get() returned more than one Product -- it returned more than 20!"
        );
    }
}
