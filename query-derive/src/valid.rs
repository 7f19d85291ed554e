//! The rules that relate the parsed attributes to each other: attributes of
//! one field that can't go together, and rules across the fields of a model
//! (one primary key, distinct columns).
//!
//! Each rule is one function on the plain data of [`crate::attr`], returning
//! every error it finds. Whether a field's *type* suits its attributes (text
//! for `max_length`, a timestamp for `auto_now`, a key type for the primary
//! key) is left to rustc, through the checks that `expand.rs` emits.

use syn::{DeriveInput, Error, Result};

use crate::attr::FieldAttrs;

/// Checks the attributes of one field against each other, once they are all
/// read and before `email` and `url` default their `max_length`.
pub fn field(f: &FieldAttrs) -> Result<()> {
    collect([
        email_and_url(f),
        text_and_max_length(f),
        auto_now_and_auto_now_add(f),
        decimal_precision(f),
        on_delete(f),
        relation_slot(f),
        not_a_path_method(f),
    ])
}

/// The methods every relation path has (`album.isnull(true)`,
/// `album.eq(&a)`, `albums.any(..)`), and those API.md gives to-many paths
/// (`albums.of(&a)`, `tracks.add(..)`, ...). A model's fields are methods on
/// the paths that reach it, so a field of one of these names would hide the
/// relation's method behind a confusing error.
pub const PATH_METHODS: [&str; 9] = [
    "isnull", "eq", "any", "node", "of", "add", "remove", "clear", "set",
];

/// A field may not be named like a relation path's method.
fn not_a_path_method(f: &FieldAttrs) -> Result<()> {
    let name = f.ident.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    if PATH_METHODS.contains(&name) {
        return Err(Error::new(
            f.ident.span(),
            format_args!(
                "a field may not be named `{name}`: relation paths that reach this model have a method `{name}`, which the field would hide; rename the field (`#[field(column = \"{name}\")]` keeps the column)"
            ),
        ));
    }
    Ok(())
}

/// Checks the fields of a model against each other, once every field is
/// read.
pub fn model(input: &DeriveInput, fields: &[FieldAttrs]) -> Result<()> {
    collect([
        has_fields(input, fields),
        one_primary_key(input, fields),
        distinct_columns(fields),
    ])
}

/// A foreign key needs `on_delete` (as Django requires it); `SetNull` needs a
/// nullable key; other fields take no `on_delete`.
fn on_delete(f: &FieldAttrs) -> Result<()> {
    use syn::spanned::Spanned;
    match (&f.foreign_key, &f.on_delete) {
        // (An `on_delete` that was there but unknown is reported already.)
        (Some(_), None) if f.on_delete_key.is_none() => Err(Error::new(
            f.ty.span(),
            "a foreign key needs `on_delete`, as in Django: `#[field(on_delete = Cascade)]` (or `Protect`, `Restrict`, `SetNull`, `DoNothing`)",
        )),
        (Some(fk), Some((o, span))) if o == "SetNull" && !fk.nullable => Err(Error::new(
            *span,
            "`on_delete = SetNull` needs a nullable foreign key: declare the field as `Option<ForeignKey<T>>`",
        )),
        (None, Some(_)) => Err(Error::new(
            f.on_delete_key.unwrap_or_else(|| f.ident.span()),
            "`on_delete` is for foreign keys: `ForeignKey<T>`, `OneToOne<T>` or an `Option` of one",
        )),
        _ => Ok(()),
    }
}

/// `Related<T>` needs `reverse = "field"` (the foreign key or many-to-many
/// field of `T` it is the reverse of); `ManyToMany<T>` takes `through = "Model"` (or gets an
/// automatic table of pairs); neither attribute fits another field.
fn relation_slot(f: &FieldAttrs) -> Result<()> {
    use syn::spanned::Spanned;
    let related = f.slot.as_ref().is_some_and(|s| !s.many_to_many);
    let many = f.slot.as_ref().is_some_and(|s| s.many_to_many);
    collect([
        match (&f.reverse, related) {
            (None, true) => Err(Error::new(
                f.ty.span(),
                "a `Related<T>` field needs `#[field(reverse = \"field\")]`: the foreign key or many-to-many field of `T` that points here (Django's `related_name`)",
            )),
            (Some(lit), false) => Err(Error::new(
                lit.span(),
                "`reverse` is for `Related<T>` fields: the reverse side of a foreign key or a many-to-many field",
            )),
            _ => Ok(()),
        },
        match (&f.through, many) {
            // The model named must exist and hold the two keys: rustc
            // checks, through the const `expand.rs` emits.
            (Some(lit), true) => lit.parse::<syn::Path>().map(drop).map_err(|_| {
                Error::new(
                    lit.span(),
                    "`through` names a model: `#[field(through = \"PlaylistTrack\")]`",
                )
            }),
            (Some(lit), false) => Err(Error::new(
                lit.span(),
                "`through` is for `ManyToMany<T>` fields",
            )),
            _ => Ok(()),
        },
    ])
}

/// Combines the errors of several checks, in order.
fn collect(results: impl IntoIterator<Item = Result<()>>) -> Result<()> {
    let mut errors: Option<Error> = None;
    for err in results.into_iter().filter_map(Result::err) {
        match &mut errors {
            Some(e) => e.combine(err),
            None => errors = Some(err),
        }
    }
    errors.map_or(Ok(()), Err)
}

/// `#[field(email, url)]`: an email address is not a URL. The error is on
/// `url`.
fn email_and_url(f: &FieldAttrs) -> Result<()> {
    if f.email && f.url {
        let span = f.url_span.unwrap_or_else(|| f.ident.span());
        return Err(Error::new(
            span,
            "a field can't be both `email` and `url`: an email address is not a URL",
        ));
    }
    Ok(())
}

/// `#[field(text, max_length = N)]`: `text` is the unbounded kind. The error
/// is on the field's name.
fn text_and_max_length(f: &FieldAttrs) -> Result<()> {
    if f.text && f.max_length.is_some() {
        return Err(Error::new(
            f.ident.span(),
            "`text` is an unbounded text field; remove `max_length`, or remove `text` for a bounded one",
        ));
    }
    Ok(())
}

/// `#[field(auto_now, auto_now_add)]`: `auto_now` already stamps inserts. The
/// error is on `auto_now_add`.
fn auto_now_and_auto_now_add(f: &FieldAttrs) -> Result<()> {
    if let (Some(_), Some(span)) = (f.auto_now, f.auto_now_add) {
        return Err(Error::new(
            span,
            "`auto_now` and `auto_now_add` can't both be set: `auto_now` already sets the field on insert",
        ));
    }
    Ok(())
}

/// Whether `ty` is written `Decimal` or `Option<Decimal>` (any path ending
/// so, such as `rust_decimal::Decimal`).
fn is_decimal_type(ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    if last.ident == "Decimal" {
        return true;
    }
    if last.ident == "Option"
        && let syn::PathArguments::AngleBracketed(args) = &last.arguments
        && let Some(syn::GenericArgument::Type(inner)) = args.args.first()
    {
        return is_decimal_type(inner);
    }
    false
}

/// A decimal field has both `max_digits` and `decimal_places`, as Django's
/// `DecimalField` requires, and no more places than digits. A `Decimal`
/// field without them is an error on its type; one of the two alone, or
/// too many places, an error on the attribute. (A decimal field behind a
/// type alias is caught by rustc, through the check `expand.rs` emits.)
fn decimal_precision(f: &FieldAttrs) -> Result<()> {
    match (f.max_digits, f.decimal_places) {
        (None, None) if is_decimal_type(&f.ty) => Err(Error::new_spanned(
            &f.ty,
            "a `Decimal` field needs `#[field(max_digits = N, decimal_places = M)]`: the most digits in all, and after the point (as Django's `DecimalField`)",
        )),
        (None, None) => Ok(()),
        (Some((_, span)), None) => Err(Error::new(
            span,
            "`max_digits` needs `decimal_places` too: `#[field(max_digits = 10, decimal_places = 2)]`",
        )),
        (None, Some((_, span))) => Err(Error::new(
            span,
            "`decimal_places` needs `max_digits` too: `#[field(max_digits = 10, decimal_places = 2)]`",
        )),
        (Some((digits, _)), Some((places, span))) if places > digits => Err(Error::new(
            span,
            format_args!(
                "`decimal_places` ({places}) can't be more than `max_digits` ({digits}): the places are among the digits"
            ),
        )),
        _ => Ok(()),
    }
}

/// A model has at least one field. The error is on the struct's name.
fn has_fields(input: &DeriveInput, fields: &[FieldAttrs]) -> Result<()> {
    if fields.is_empty() {
        return Err(Error::new(
            input.ident.span(),
            "a model needs at least a primary key field: `pub id: i64`",
        ));
    }
    Ok(())
}

/// Exactly one primary key: one field marked `primary_key`, or none marked
/// and a field named `id`. No key is an error on the struct's name (unless
/// there are no fields, which [`has_fields`] reports); each `primary_key`
/// after the first is an error on that attribute.
fn one_primary_key(input: &DeriveInput, fields: &[FieldAttrs]) -> Result<()> {
    let marked: Vec<&FieldAttrs> = fields.iter().filter(|f| f.primary_key.is_some()).collect();
    match marked.as_slice() {
        [] => {
            if !fields.is_empty() && !fields.iter().any(|f| f.ident == "id") {
                return Err(Error::new(
                    input.ident.span(),
                    format_args!(
                        "`{}` has no primary key: add a field `pub id: i64` (the automatic key) or mark one field `#[field(primary_key)]`",
                        input.ident
                    ),
                ));
            }
            Ok(())
        }
        [_] => Ok(()),
        [first, rest @ ..] => collect(rest.iter().map(|f| {
            let span = f.primary_key.unwrap_or_else(|| f.ident.span());
            Err(Error::new(
                span,
                format_args!(
                    "a model has one primary key, and `{}` is already `primary_key`",
                    first.ident
                ),
            ))
        })),
    }
}

/// No two fields share a column. SQLite compares column names without regard
/// to ASCII case, so neither may `Name` and `name`. The error is on the later
/// field's name.
fn distinct_columns(fields: &[FieldAttrs]) -> Result<()> {
    collect(fields.iter().enumerate().map(|(i, f)| {
        if !f.is_column() {
            return Ok(());
        }
        match fields[..i]
            .iter()
            .filter(|g| g.is_column())
            .find(|g| g.column.eq_ignore_ascii_case(&f.column))
        {
            Some(g) => Err(Error::new(
                f.ident.span(),
                format_args!(
                    "column `{}` is already used by field `{}`",
                    f.column, g.ident
                ),
            )),
            None => Ok(()),
        }
    }))
}

#[cfg(test)]
mod tests {
    use syn::DeriveInput;

    use crate::attr::parse;

    fn messages(input: &DeriveInput) -> Vec<String> {
        let err = parse(input).err().unwrap();
        err.into_iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn rejects_two_primary_keys() {
        let input: DeriveInput = syn::parse_quote! {
            struct Product {
                #[field(primary_key)]
                a: i64,
                #[field(primary_key)]
                b: i64,
            }
        };
        let err = parse(&input).err().unwrap();
        assert!(err.to_string().contains("one primary key"));
    }

    #[test]
    fn text_with_email_keeps_no_max_length() {
        // `email` defaults `max_length` only after the checks.
        let input: DeriveInput = syn::parse_quote! {
            struct Contact {
                id: i64,
                #[field(text, email)]
                address: String,
            }
        };
        let m = parse(&input).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.fields[1].max_length, Some(254));
    }

    #[test]
    fn decimal_precision() {
        let input: DeriveInput = syn::parse_quote! {
            struct Invoice {
                id: i64,
                total: rust_decimal::Decimal,
                #[field(max_digits = 5)]
                tax: Option<Decimal>,
                #[field(decimal_places = 2)]
                fee: Decimal,
                #[field(max_digits = 3, decimal_places = 4)]
                rate: Decimal,
                #[field(max_digits = 10, decimal_places = 2)]
                paid: Option<Decimal>,
            }
        };
        let messages = messages(&input);
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages[0].starts_with("a `Decimal` field needs `#[field(max_digits"));
        assert!(messages[1].starts_with("`max_digits` needs `decimal_places` too"));
        assert!(messages[2].starts_with("`decimal_places` needs `max_digits` too"));
        assert!(
            messages[3].starts_with("`decimal_places` (4) can't be more than `max_digits` (3)")
        );
    }

    #[test]
    fn errors_keep_source_order() {
        // A field's own checks come right after its attributes' errors, before
        // the next field's; the checks across fields come last.
        let input: DeriveInput = syn::parse_quote! {
            struct Product {
                #[field(email, url, colour)]
                a: String,
                #[field(max_length = "5")]
                #[field(auto_now, auto_now_add)]
                b: String,
                #[field(column = "A")]
                c: String,
            }
        };
        let messages = messages(&input);
        assert_eq!(messages.len(), 6, "{messages:?}");
        assert!(messages[0].starts_with("unknown field attribute `colour`"));
        assert!(messages[1].starts_with("a field can't be both `email` and `url`"));
        assert_eq!(messages[2], "expected integer literal");
        assert!(messages[3].starts_with("`auto_now` and `auto_now_add` can't both be set"));
        assert!(messages[4].contains("has no primary key"));
        assert_eq!(messages[5], "column `A` is already used by field `a`");
    }
}
