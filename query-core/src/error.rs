//! The crate's one error type.

use std::path::PathBuf;

use crate::validation::ValidationErrors;

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
    #[error("integrity error: {source} (while running `{sql}`)")]
    Integrity {
        /// The statement that failed.
        sql: String,
        /// SQLite's error (boxed, so that `Result<T, Error>` stays small).
        source: Box<rusqlite::Error>,
    },

    /// Any other error from SQLite while running a statement.
    #[error("database error: {source} (while running `{sql}`)")]
    Database {
        /// The statement that failed.
        sql: String,
        /// SQLite's error (boxed, so that `Result<T, Error>` stays small).
        source: Box<rusqlite::Error>,
    },

    /// The database file could not be opened or set up.
    #[error("could not open database {}: {source}", path.display())]
    Open {
        /// The path given to `Db::open`.
        path: PathBuf,
        /// SQLite's error (boxed, so that `Result<T, Error>` stays small).
        source: Box<rusqlite::Error>,
    },

    /// `delete` was called on an instance that was never saved (its
    /// automatic primary key is 0).
    #[error("{model} object can't be deleted because its primary key is not set")]
    NotSaved {
        /// The model's name.
        model: &'static str,
    },

    /// The database assigned a primary key that does not fit the model's key type.
    #[error("the key {key} assigned to a new {model} does not fit its primary key's type")]
    KeyOutOfRange {
        /// The model's name.
        model: &'static str,
        /// The key SQLite assigned.
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
}

fn count_text(count: usize) -> String {
    if count > 20 {
        "more than 20".to_owned()
    } else {
        count.to_string()
    }
}

impl Error {
    /// Wraps a rusqlite error with the statement it came from; constraint
    /// violations become [`Error::Integrity`].
    pub(crate) fn sqlite(source: rusqlite::Error, sql: &str) -> Self {
        let sql = sql.to_owned();
        let source = Box::new(source);
        match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation) => Error::Integrity { sql, source },
            _ => Error::Database { sql, source },
        }
    }

    /// The underlying SQLite error, if there is one.
    pub fn sqlite_error(&self) -> Option<&rusqlite::Error> {
        match self {
            Error::Integrity { source, .. }
            | Error::Database { source, .. }
            | Error::Open { source, .. } => Some(&**source),
            _ => None,
        }
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
