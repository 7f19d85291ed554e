#![doc = include_str!("../README.md")]
//!
//! ---
//!
//! The crate is a facade: the runtime lives in `query-core` and the derive in
//! `query-derive`; both are re-exported here.

extern crate self as query;

pub use query_core::*;

/// `#[derive(Model)]`: see [`Model`](trait@Model) and the crate documentation.
#[cfg(feature = "derive")]
pub use query_derive::Model;

/// `#[derive(Form)]` and `#[derive(ModelForm)]`: see [`forms`].
#[cfg(feature = "derive")]
pub use query_derive::{Form, ModelForm};

/// Everything a user of the crate needs: `use query::prelude::*;`.
pub mod prelude {
    pub use query_core::prelude::*;
    #[cfg(feature = "derive")]
    pub use query_derive::{Form, Model, ModelForm};
}

#[doc(hidden)]
pub use query_core::__private;

/// Embeds a migrations folder: see [`migrations`].
#[cfg(feature = "derive")]
pub use query_derive::embed_migrations;

#[cfg(feature = "manage")]
pub mod manage;
