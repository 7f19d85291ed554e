//! PostgreSQL, through the synchronous `postgres` crate: connecting by
//! URL, prepared statements cached per connection, running statements, and
//! PostgreSQL's errors.
//!
//! The writer and the schema SQL are plain text and always built (a
//! migration file carries both databases' SQL); the driver parts need the
//! `postgres` feature.

#[cfg(feature = "postgres")]
mod conn;
#[cfg(feature = "postgres")]
pub(crate) mod cursor;
#[cfg(feature = "postgres")]
pub(crate) mod inspect;
#[cfg(feature = "postgres")]
pub(crate) mod migrate;
pub(crate) mod schema;
#[cfg(feature = "postgres")]
pub(crate) mod types;
pub(crate) mod writer;

#[cfg(feature = "postgres")]
pub(crate) use self::conn::*;
pub(crate) use self::writer::PostgresWriter;
