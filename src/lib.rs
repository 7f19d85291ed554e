pub use query_core::*;
