//! `#[derive(Model)]` for the `query` crate. Use it through `query::prelude::*`;
//! see the `query` crate's documentation for the attributes.

mod attr;
mod expand;
mod form;
mod valid;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `query::Model` for a struct with named fields, and generates a
/// module of typed field constants named after it (`product::price`).
///
/// Attributes: `#[model(table = "...", fields = "...")]` on the struct;
/// `#[field(max_length = N, email, url, text, unique, db_index,
/// default = EXPR, column = "...", primary_key, auto_now, auto_now_add,
/// choices = [...])]` on fields.
#[proc_macro_derive(Model, attributes(model, field))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match attr::parse(&input).and_then(|model| expand::derive(&input, &model)) {
        Ok(tokens) => tokens.into(),
        Err(err) => {
            let mut out = err.to_compile_error();
            // A stub impl, so the user sees the mistake and not a second
            // error at every use of the model.
            out.extend(expand::stub(&input));
            out.into()
        }
    }
}

/// Derives `query::forms::Form` for a struct whose fields are a form's
/// inputs: `ContactForm::bind(body)`, `bind_pairs`, `unbound()`.
///
/// The field's Rust type gives its kind (integers, floats, `bool` as a
/// checkbox, `String`, `NaiveDate`, `NaiveDateTime`; `Option<T>` is not
/// required). Attributes on fields: `#[form(label = "..", initial = ..,
/// help_text = "..", widget = "textarea", required = false, max_length = N,
/// min_length = N, email, url, choices = [("TP", "Taipei"), ..])]`; on the
/// struct, `#[form(clean)]` to implement `FormClean` yourself.
#[proc_macro_derive(Form, attributes(form))]
pub fn derive_form(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match form::derive_form(&input) {
        Ok(tokens) => tokens.into(),
        Err(err) => {
            let mut out = err.to_compile_error();
            out.extend(form::stub_form(&input));
            out.into()
        }
    }
}

/// Derives `query::forms::ModelForm` for a unit struct:
/// `#[form(model = Post, fields = ["mood", "nickname"])] pub struct PostForm;`.
///
/// The fields' kinds, labels and checks come from the model. Optional:
/// `labels = [("mood", "..")]`, `widgets = [("message", "textarea")]`,
/// `help_texts = [("nickname", "..")]`.
#[proc_macro_derive(ModelForm, attributes(form))]
pub fn derive_model_form(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match form::derive_model_form(&input) {
        Ok(tokens) => tokens.into(),
        Err(err) => err.to_compile_error().into(),
    }
}

mod embed;

/// Embeds the migration files of a folder in the program:
/// `static MIGRATIONS: Migrations = query::embed_migrations!("migrations");`
/// then `db.migrate(&MIGRATIONS)?` at start-up.
///
/// The path is relative to the crate's `Cargo.toml`. Every `NNNN_name.sql`
/// file is included with `include_str!`, so editing one rebuilds the
/// program; cargo does not watch the folder for new files, so add
/// `println!("cargo:rerun-if-changed=migrations");` to a `build.rs`.
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    let dir = parse_macro_input!(input as syn::LitStr);
    match embed::expand(&dir) {
        Ok(tokens) => tokens.into(),
        Err(err) => err.to_compile_error().into(),
    }
}
