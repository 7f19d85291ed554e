//! `embed_migrations!("migrations")`: the migration files of a folder,
//! embedded in the program at compile time.

use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Error, LitStr, Result};

/// Whether `stem` is a migration name: digits, `_`, a name.
fn is_migration_name(stem: &str) -> bool {
    match stem.split_once('_') {
        Some((number, rest)) => {
            !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty()
        }
        None => false,
    }
}

/// The number of a migration name (`0002_x` -> 2); huge numbers sort last.
fn number(stem: &str) -> u128 {
    stem.split_once('_')
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or(u128::MAX)
}

/// Expands to a `::query::migrations::Migrations` holding every
/// `NNNN_name.sql` file of the folder (relative to `CARGO_MANIFEST_DIR`),
/// ordered by number, each through `include_str!` so an edit rebuilds; other
/// `.sql` files are skipped.
pub fn expand(dir: &LitStr) -> Result<TokenStream> {
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| {
            Error::new(
                dir.span(),
                "CARGO_MANIFEST_DIR is not set; build with cargo",
            )
        })?;
    let path = root.join(dir.value());
    let entries = std::fs::read_dir(&path).map_err(|e| {
        Error::new(
            dir.span(),
            format_args!("can't read the migrations folder {}: {e}", path.display()),
        )
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let file = entry
            .map_err(|e| Error::new(dir.span(), format_args!("{}: {e}", path.display())))?
            .path();
        if file.extension().and_then(|e| e.to_str()) != Some("sql") || !file.is_file() {
            continue;
        }
        let (Some(stem), Some(full)) = (file.file_stem().and_then(|s| s.to_str()), file.to_str())
        else {
            return Err(Error::new(
                dir.span(),
                format_args!("{}: file names must be UTF-8", file.display()),
            ));
        };
        // Other `.sql` files are not migrations: skipped, as `from_dir` does.
        if !is_migration_name(stem) {
            continue;
        }
        files.push((stem.to_owned(), full.to_owned()));
    }
    // By number, then name, as `from_dir` orders them (`9_x` before `10_y`).
    files.sort_by_key(|(name, _)| (number(name), name.clone()));
    let items = files.iter().map(|(name, full)| {
        quote! {
            ::query::migrations::Migration::from_static(#name, ::core::include_str!(#full))
        }
    });
    // A `const` item, so the array lives in static memory: a `Migration`
    // holds `Cow`s, which `&[..]` would not promote in a `static`.
    Ok(quote! {
        {
            const __MIGRATIONS: &[::query::migrations::Migration] = &[#(#items),*];
            ::query::migrations::Migrations::from_static(__MIGRATIONS)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_names() {
        assert!(is_migration_name("0001_initial"));
        assert!(!is_migration_name("initial"));
        assert!(!is_migration_name("0001_"));
        assert!(!is_migration_name("_x"));
        assert_eq!(number("0010_x"), 10);
        assert!(number("9_a") < number("10_b"));
    }
}
