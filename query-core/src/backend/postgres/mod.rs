//! PostgreSQL.

pub(crate) mod schema;
