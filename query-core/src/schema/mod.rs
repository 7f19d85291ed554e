//! The schema as plain data: tables, columns, indexes and the operations
//! that change them. Like the statement tree, it knows no database: the
//! migrations plan with it, and each backend's schema writer
//! (`backend/*/schema.rs`) writes its SQL.

mod operation;
mod state;

pub use self::operation::Operation;
pub(crate) use self::state::unhex;
pub use self::state::{
    ColumnState, IndexState, Literal, Reference, SchemaState, TableState, registry_models,
};
