//! SQLite, embedded, through rusqlite: opening a connection the way an
//! application should have it, running statements, and SQLite's errors.
//!
//! The writer and the schema SQL are plain text and always built (a
//! migration file carries both databases' SQL); the driver parts need the
//! `sqlite` feature.

#[cfg(feature = "sqlite")]
mod conn;
#[cfg(feature = "sqlite")]
pub(crate) mod cursor;
pub(crate) mod decimal;
#[cfg(feature = "sqlite")]
pub(crate) mod inspect;
#[cfg(feature = "sqlite")]
pub(crate) mod migrate;
#[cfg(feature = "sqlite")]
pub(crate) mod rebuild;
#[cfg(feature = "sqlite")]
mod regexp;
pub(crate) mod schema;
#[cfg(feature = "sqlite")]
pub(crate) mod types;
pub(crate) mod writer;

#[cfg(feature = "sqlite")]
pub use self::conn::BUSY_TIMEOUT;
#[cfg(feature = "sqlite")]
pub(crate) use self::conn::{execute, open, query, setup};
pub(crate) use self::writer::SqliteWriter;
pub use self::writer::casefold;
