//! Reads `#[model(...)]` and `#[field(...)]` into plain data: [`ModelAttrs`]
//! and one [`FieldAttrs`] per field.
//!
//! A mistake in one attribute (an unknown key, a value of the wrong kind, a
//! `max_length` of 0) is reported here, on its own tokens. Rules that relate
//! attributes or fields to each other are in [`crate::valid`], which
//! [`parse`] calls as it goes, so errors keep the order of the source.

use proc_macro2::Span;
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Error, Expr, Fields, Ident, LitInt, LitStr, Result, Type};

use crate::valid;

/// What the derive needs to know about the struct.
pub struct ModelAttrs {
    /// The table's name.
    pub table: String,
    /// The name of the module of field constants.
    pub module: Ident,
    /// The fields, in order.
    pub fields: Vec<FieldAttrs>,
    /// Index of the primary key.
    pub pk: usize,
}

/// One field and its attributes.
pub struct FieldAttrs {
    pub ident: Ident,
    pub ty: Type,
    pub column: String,
    pub max_length: Option<u32>,
    /// `max_digits`, with the span of its key.
    pub max_digits: Option<(u32, Span)>,
    /// `decimal_places`, with the span of its key.
    pub decimal_places: Option<(u32, Span)>,
    /// The span of `max_length`, `email`, `url` or `text`, when any is given.
    pub text_attr: Option<Span>,
    pub email: bool,
    pub url: bool,
    /// The span of `url`, for the error when `email` is there too.
    pub url_span: Option<Span>,
    pub text: bool,
    pub unique: bool,
    pub db_index: bool,
    pub primary_key: Option<Span>,
    pub auto_now: Option<Span>,
    pub auto_now_add: Option<Span>,
    pub default: Option<Expr>,
    pub choices: Option<Vec<Expr>>,
    /// `on_delete = Cascade` (or `Protect`, ...), with the span of its value.
    pub on_delete: Option<(Ident, Span)>,
    /// The span of the `on_delete` key, for errors about its presence.
    pub on_delete_key: Option<Span>,
    /// The foreign key the field's type declares, if it does.
    pub foreign_key: Option<ForeignKeyType>,
    /// A `Related<T>` or `ManyToMany<T>` field: no column.
    pub slot: Option<Slot>,
    /// `reverse = "field"`, with its span.
    pub reverse: Option<LitStr>,
    /// `through = "Model"`, with its span.
    pub through: Option<LitStr>,
}

/// A field that is not a column: the reverse of a foreign key or of a
/// many-to-many relation, or a many-to-many relation.
pub struct Slot {
    /// The model reached.
    pub target: Type,
    /// `ManyToMany<T>` (else `Related<T>`).
    pub many_to_many: bool,
}

impl FieldAttrs {
    /// Whether the field is a column (every field but `Related` and
    /// `ManyToMany` ones).
    pub fn is_column(&self) -> bool {
        self.slot.is_none()
    }
}

/// Reads `Related<T>` and `ManyToMany<T>` from a type, by name.
pub fn slot_type(ty: &Type) -> Option<Slot> {
    for (name, many_to_many) in [("Related", false), ("ManyToMany", true)] {
        if let Some(target) = argument_of(ty, name) {
            return Some(Slot {
                target: target.clone(),
                many_to_many,
            });
        }
    }
    None
}

/// A field typed `ForeignKey<T>`, `OneToOne<T>` or an `Option` of one.
pub struct ForeignKeyType {
    /// The model pointed at.
    pub target: Type,
    /// `Option<ForeignKey<T>>`.
    pub nullable: bool,
    /// `OneToOne<T>`: a unique column.
    pub one_to_one: bool,
}

/// The one type argument of the last segment of `ty` when that segment is
/// named `name`: `Option<X>` gives `X`.
fn argument_of<'t>(ty: &'t Type, name: &str) -> Option<&'t Type> {
    let Type::Path(p) = ty else {
        return None;
    };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Type(t)) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

/// Reads `ForeignKey<T>`, `OneToOne<T>` and `Option` of them from a type,
/// by the names as written (the derive sees tokens, not resolved types).
pub fn foreign_key_type(ty: &Type) -> Option<ForeignKeyType> {
    let (inner, nullable) = match argument_of(ty, "Option") {
        Some(inner) => (inner, true),
        None => (ty, false),
    };
    for (name, one_to_one) in [("ForeignKey", false), ("OneToOne", true)] {
        if let Some(target) = argument_of(inner, name) {
            return Some(ForeignKeyType {
                target: target.clone(),
                nullable,
                one_to_one,
            });
        }
    }
    None
}

/// The `on_delete` choices, as Django names them.
pub const ON_DELETE: [&str; 5] = ["Cascade", "Protect", "Restrict", "SetNull", "DoNothing"];

/// `ProductItem` -> `product_item`, `HTTPServer` -> `http_server`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            let boundary = match prev {
                None | Some('_') => false,
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(|n| n.is_lowercase()),
                Some(_) => false,
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn set_once<T>(slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>) -> Result<()> {
    if slot.is_some() {
        let key = meta.path.to_token_stream().to_string();
        return Err(meta.error(format_args!("duplicate attribute `{key}`")));
    }
    *slot = Some(value);
    Ok(())
}

fn set_flag(flag: &mut bool, meta: &ParseNestedMeta<'_>) -> Result<()> {
    let key = meta.path.to_token_stream().to_string();
    if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format_args!(
            "`{key}` takes no value: write `#[field({key})]`"
        )));
    }
    if *flag {
        return Err(meta.error(format_args!("duplicate attribute `{key}`")));
    }
    *flag = true;
    Ok(())
}

fn flag_span(slot: &mut Option<Span>, meta: &ParseNestedMeta<'_>) -> Result<()> {
    let mut flag = slot.is_some();
    set_flag(&mut flag, meta)?;
    *slot = Some(meta.path.span());
    Ok(())
}

fn sql_name(lit: &LitStr, what: &str) -> Result<String> {
    let value = lit.value();
    if value.is_empty() {
        return Err(Error::new(
            lit.span(),
            format_args!("the {what} name can't be empty"),
        ));
    }
    if value.contains('\0') {
        return Err(Error::new(
            lit.span(),
            format_args!("the {what} name can't contain a NUL character"),
        ));
    }
    Ok(value)
}

/// The index of the primary key: the first field marked `primary_key`, else
/// the one named `id`, else 0. [`valid::model`] reports the models where this
/// is not exactly one field.
fn primary_key(fields: &[FieldAttrs]) -> usize {
    fields
        .iter()
        .position(|f| f.primary_key.is_some())
        .or_else(|| fields.iter().position(|f| f.ident == "id"))
        .or_else(|| fields.iter().position(FieldAttrs::is_column))
        .unwrap_or(0)
}

fn push(errors: &mut Option<Error>, err: Error) {
    match errors {
        Some(e) => e.combine(err),
        None => *errors = Some(err),
    }
}

/// Reads the whole derive input; every mistake in one build is reported.
pub fn parse(input: &DeriveInput) -> Result<ModelAttrs> {
    let named = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => named,
            Fields::Unnamed(_) | Fields::Unit => {
                return Err(Error::new(
                    input.ident.span(),
                    "`#[derive(Model)]` needs a struct with named fields, one per column: `struct Product { id: i64, name: String }`",
                ));
            }
        },
        Data::Enum(e) => {
            return Err(Error::new(
                e.enum_token.span,
                "`#[derive(Model)]` works on structs only: a model is a table, with one named field per column",
            ));
        }
        Data::Union(u) => {
            return Err(Error::new(
                u.union_token.span,
                "`#[derive(Model)]` works on structs only: a model is a table, with one named field per column",
            ));
        }
    };
    let mut errors: Option<Error> = None;
    if !input.generics.params.is_empty() {
        push(
            &mut errors,
            Error::new(
                input.generics.span(),
                "`#[derive(Model)]` does not support generic parameters or lifetimes: a model is one concrete table",
            ),
        );
    }

    let mut table = None;
    let mut module = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("model")) {
        if let Err(err) = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("table") {
                // #[model(table = "products")]
                let lit: LitStr = meta.value()?.parse()?;
                let name = sql_name(&lit, "table")?;
                set_once(&mut table, name, &meta)
            } else if meta.path.is_ident("fields") {
                // #[model(fields = "product_fields")]
                let lit: LitStr = meta.value()?.parse()?;
                let ident = syn::parse_str::<Ident>(&lit.value()).map_err(|_| {
                    Error::new(
                        lit.span(),
                        "`fields` must be a module name, like \"product_fields\"",
                    )
                })?;
                set_once(&mut module, ident, &meta)
            } else {
                let key = meta.path.to_token_stream().to_string().replace(' ', "");
                Err(meta.error(format_args!(
                    "unknown model attribute `{key}`; expected `table` or `fields`"
                )))
            }
        }) {
            push(&mut errors, err);
        }
    }

    let mut fields = Vec::new();
    for field in &named.named {
        let Some(ident) = field.ident.clone() else {
            continue;
        };
        let mut f = FieldAttrs {
            column: ident.to_string().trim_start_matches("r#").to_owned(),
            ident,
            ty: field.ty.clone(),
            max_length: None,
            max_digits: None,
            decimal_places: None,
            text_attr: None,
            email: false,
            url: false,
            url_span: None,
            text: false,
            unique: false,
            db_index: false,
            primary_key: None,
            auto_now: None,
            auto_now_add: None,
            default: None,
            choices: None,
            on_delete: None,
            on_delete_key: None,
            foreign_key: foreign_key_type(&field.ty),
            slot: slot_type(&field.ty),
            reverse: None,
            through: None,
        };
        let mut column = None;
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("field")) {
            if let Err(err) = attr.parse_nested_meta(|meta| {
                let span = meta.path.span();
                if meta.path.is_ident("max_length") {
                    // #[field(max_length = 50)]
                    let lit: LitInt = meta.value()?.parse()?;
                    let n: u32 = lit.base10_parse()?;
                    if n == 0 {
                        return Err(Error::new(lit.span(), "`max_length` must be at least 1"));
                    }
                    f.text_attr.get_or_insert(span);
                    set_once(&mut f.max_length, n, &meta)
                } else if meta.path.is_ident("max_digits") {
                    // #[field(max_digits = 10)]
                    let lit: LitInt = meta.value()?.parse()?;
                    let n: u32 = lit.base10_parse()?;
                    if n == 0 {
                        return Err(Error::new(lit.span(), "`max_digits` must be at least 1"));
                    }
                    if n > 28 {
                        return Err(Error::new(
                            lit.span(),
                            "`max_digits` can be at most 28, the most digits a `rust_decimal::Decimal` holds",
                        ));
                    }
                    set_once(&mut f.max_digits, (n, span), &meta)
                } else if meta.path.is_ident("decimal_places") {
                    // #[field(decimal_places = 2)]
                    let lit: LitInt = meta.value()?.parse()?;
                    let n: u32 = lit.base10_parse()?;
                    set_once(&mut f.decimal_places, (n, span), &meta)
                } else if meta.path.is_ident("email") {
                    // #[field(email)]
                    f.text_attr.get_or_insert(span);
                    set_flag(&mut f.email, &meta)
                } else if meta.path.is_ident("url") {
                    // #[field(url)]
                    f.text_attr.get_or_insert(span);
                    f.url_span = Some(span);
                    set_flag(&mut f.url, &meta)
                } else if meta.path.is_ident("text") {
                    // #[field(text)]
                    f.text_attr.get_or_insert(span);
                    set_flag(&mut f.text, &meta)
                } else if meta.path.is_ident("unique") {
                    // #[field(unique)]
                    set_flag(&mut f.unique, &meta)
                } else if meta.path.is_ident("db_index") {
                    // #[field(db_index)]
                    set_flag(&mut f.db_index, &meta)
                } else if meta.path.is_ident("primary_key") {
                    // #[field(primary_key)]
                    flag_span(&mut f.primary_key, &meta)
                } else if meta.path.is_ident("auto_now") {
                    // #[field(auto_now)]
                    flag_span(&mut f.auto_now, &meta)
                } else if meta.path.is_ident("auto_now_add") {
                    // #[field(auto_now_add)]
                    flag_span(&mut f.auto_now_add, &meta)
                } else if meta.path.is_ident("default") {
                    // #[field(default = EXPR)]
                    let expr: Expr = meta.value()?.parse()?;
                    set_once(&mut f.default, expr, &meta)
                } else if meta.path.is_ident("on_delete") {
                    // #[field(on_delete = Cascade)]
                    f.on_delete_key = Some(span);
                    let ident: Ident = meta.value()?.parse()?;
                    if !ON_DELETE.iter().any(|o| ident == o) {
                        return Err(Error::new(
                            ident.span(),
                            format_args!(
                                "unknown `on_delete` `{ident}`; expected `Cascade`, `Protect`, `Restrict`, `SetNull` or `DoNothing`"
                            ),
                        ));
                    }
                    let value_span = ident.span();
                    set_once(&mut f.on_delete, (ident, value_span), &meta)
                } else if meta.path.is_ident("reverse") {
                    // #[field(reverse = "artist")]
                    let lit: LitStr = meta.value()?.parse()?;
                    set_once(&mut f.reverse, lit, &meta)
                } else if meta.path.is_ident("through") {
                    // #[field(through = "PlaylistTrack")]
                    let lit: LitStr = meta.value()?.parse()?;
                    set_once(&mut f.through, lit, &meta)
                } else if meta.path.is_ident("column") {
                    // #[field(column = "name")]
                    let lit: LitStr = meta.value()?.parse()?;
                    let name = sql_name(&lit, "column")?;
                    set_once(&mut column, name, &meta)
                } else if meta.path.is_ident("choices") {
                    // #[field(choices = ["a", "b"])]
                    let expr: Expr = meta.value()?.parse()?;
                    let Expr::Array(array) = expr else {
                        return Err(Error::new(
                            expr.span(),
                            "`choices` takes a list of values: `choices = [\"draft\", \"published\"]`",
                        ));
                    };
                    if array.elems.is_empty() {
                        return Err(Error::new(array.span(), "`choices` needs at least one value"));
                    }
                    set_once(&mut f.choices, array.elems.into_iter().collect(), &meta)
                } else {
                    let key = meta.path.to_token_stream().to_string().replace(' ', "");
                    Err(meta.error(format_args!(
                        "unknown field attribute `{key}`; expected one of `max_length`, `max_digits`, `decimal_places`, `email`, `url`, `text`, `unique`, `db_index`, `default`, `column`, `primary_key`, `auto_now`, `auto_now_add`, `choices`, `on_delete`, `reverse`, `through`"
                    )))
                }
            }) {
                push(&mut errors, err);
            }
        }
        if let Some(c) = column {
            f.column = c;
        } else if f.foreign_key.is_some() {
            // Django's `<field>_id`.
            f.column.push_str("_id");
        }
        if f.foreign_key.as_ref().is_some_and(|fk| fk.one_to_one) {
            f.unique = true;
        }
        // Before the defaults below: `text` with `email` gives no `max_length`
        // to complain about.
        if let Err(err) = valid::field(&f) {
            push(&mut errors, err);
        }
        if f.email && f.max_length.is_none() {
            f.max_length = Some(254);
        }
        if f.url && f.max_length.is_none() {
            f.max_length = Some(200);
        }
        fields.push(f);
    }

    if let Err(err) = valid::model(input, &fields) {
        push(&mut errors, err);
    }
    let pk = primary_key(&fields);

    let table = table.unwrap_or_else(|| snake_case(&input.ident.to_string()));
    let module = match module {
        Some(m) => m,
        None => {
            let name = snake_case(&input.ident.to_string());
            match name.as_str() {
                // Not even a raw identifier can be one of these.
                "crate" | "self" | "super" => {
                    push(
                        &mut errors,
                        Error::new(
                            input.ident.span(),
                            format_args!(
                                "the field module would be named `{name}`, which Rust reserves; name it with `#[model(fields = \"...\")]`"
                            ),
                        ),
                    );
                    Ident::new("__fields", input.ident.span())
                }
                // `struct Type` gets `mod r#type`.
                _ if syn::parse_str::<Ident>(&name).is_err() => {
                    Ident::new_raw(&name, input.ident.span())
                }
                _ => Ident::new(&name, input.ident.span()),
            }
        }
    };
    match errors {
        Some(e) => Err(e),
        None => Ok(ModelAttrs {
            table,
            module,
            fields,
            pk,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_names() {
        assert_eq!(snake_case("Product"), "product");
        assert_eq!(snake_case("ProductItem"), "product_item");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("Item2Box"), "item2_box");
        assert_eq!(snake_case("ABC"), "abc");
    }

    #[test]
    fn reads_attributes() {
        let input: DeriveInput = syn::parse_quote! {
            #[model(table = "products", fields = "pf")]
            struct Product {
                id: i64,
                #[field(max_length = 50, unique, column = "title")]
                name: String,
                #[field(email)]
                email: String,
            }
        };
        let m = parse(&input).unwrap();
        assert_eq!(m.table, "products");
        assert_eq!(m.module, "pf");
        assert_eq!(m.pk, 0);
        assert_eq!(m.fields[1].column, "title");
        assert_eq!(m.fields[1].max_length, Some(50));
        assert!(m.fields[1].unique);
        assert_eq!(m.fields[2].max_length, Some(254));
    }

    #[test]
    fn reports_every_mistake() {
        let input: DeriveInput = syn::parse_quote! {
            struct Product {
                #[field(colour)]
                name: String,
                #[field(max_length = "50")]
                other: String,
            }
        };
        let err = parse(&input).err().unwrap();
        let messages: Vec<String> = err.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].starts_with("unknown field attribute `colour`"));
        assert_eq!(messages[1], "expected integer literal");
        assert!(messages[2].contains("has no primary key"));
    }
}
