//! SQLite.

pub(crate) mod schema;
