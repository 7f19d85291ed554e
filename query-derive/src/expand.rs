//! Writes the `Model` impl and the module of field constants.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Result};

use crate::attr::ModelAttrs;

/// The impl and module for a well-formed model.
pub fn derive(input: &DeriveInput, model: &ModelAttrs) -> Result<TokenStream> {
    let name = &input.ident;
    let vis = &input.vis;
    let name_str = name.to_string();
    let table = &model.table;
    let module = &model.module;
    let pk_index = model.pk;
    let pk = &model.fields[pk_index];
    // Relation slots (`Related`, `ManyToMany`) are no columns: a column's
    // index in `META.fields` (and in a row) skips them.
    let column_index = |i: usize| model.fields[..i].iter().filter(|f| f.is_column()).count();
    let pk_column = column_index(pk_index);
    let path_type = quote::format_ident!("{}Path", name);
    let mut relations = Vec::new();
    // Each relation field's `Relation<I>::REL`, for `META.relations`.
    let mut relation_refs = Vec::new();
    // Those of the foreign keys and many-to-many fields only, for
    // `FORWARD_RELATIONS`.
    let mut forward_refs = Vec::new();
    let mut path_methods = Vec::new();
    let pk_ident = &pk.ident;
    let pk_ty = &pk.ty;
    let pk_ops = quote::format_ident!("__COLUMN_{}", pk_index);
    let p = quote!(::query::__private);

    let mut checks = Vec::new();
    let mut metas = Vec::new();
    let mut reads = Vec::new();
    let mut binds = Vec::new();
    let mut stamps = Vec::new();
    let mut cleans = Vec::new();
    let mut consts = Vec::new();
    let mut many_to_many = Vec::new();
    let mut writes = Vec::new();

    for (i, f) in model.fields.iter().enumerate() {
        let ident = &f.ident;
        let ty = &f.ty;
        let ty_span = ty.span();
        let field_name = ident.to_string().trim_start_matches("r#").to_owned();
        let column = &f.column;

        if let Some(slot) = &f.slot {
            let target = &slot.target;
            let (rel, check) = if slot.many_to_many {
                let owner = crate::attr::snake_case(&name_str);
                let far = last_ident(target)
                    .map(|t| crate::attr::snake_case(&t))
                    .unwrap_or_default();
                let (near_col, far_col) = if owner == far {
                    (format!("from_{owner}_id"), format!("to_{far}_id"))
                } else {
                    (format!("{owner}_id"), format!("{far}_id"))
                };
                let to = quote! {
                    {
                        fn __to() -> &'static #p::ModelMeta {
                            <#target as ::query::Model>::META
                        }
                        __to
                    }
                };
                // `through` was checked to parse in `valid.rs`.
                let through_model = f
                    .through
                    .as_ref()
                    .and_then(|lit| lit.parse::<syn::Path>().ok().map(|path| (path, lit.span())));
                let (rel, check, through_fn) = match &through_model {
                    None => {
                        let pairs = format!("{table}_{field_name}");
                        many_to_many.push(quote! {
                            #p::ManyToManyMeta::automatic(#field_name, #to, (#pairs, #near_col, #far_col))
                        });
                        let rel = quote! {
                            #p::RelMeta::many_to_many(
                                <Self as ::query::Model>::META,
                                #field_name,
                                <#target as ::query::Model>::META,
                                (#pairs, #near_col, #far_col),
                            )
                        };
                        (rel, quote!(), quote!(::core::option::Option::None))
                    }
                    Some((through, span)) => {
                        let through_fn = quote_spanned! {*span=>
                            {
                                fn __through() -> &'static #p::ModelMeta {
                                    <#through as ::query::Model>::META
                                }
                                __through
                            }
                        };
                        many_to_many.push(quote! {
                            #p::ManyToManyMeta::through(#field_name, #to, #through_fn)
                        });
                        // Every token on the attribute, so that the
                        // evaluation error points there.
                        let ps = quote_spanned!(*span=> ::query::__private);
                        let rel = quote_spanned! {*span=>
                            #ps::RelMeta::many_to_many_through(
                                <Self as ::query::Model>::META,
                                #field_name,
                                <#target as ::query::Model>::META,
                                <#through as ::query::Model>::META,
                            )
                        };
                        // Evaluated, so that a `through` model without the
                        // two keys fails to compile (on the attribute).
                        let check = quote_spanned! {*span=>
                            const _: &#p::RelMeta = <#name as #p::Relation<#i>>::REL;
                        };
                        (
                            rel,
                            check,
                            quote!(::core::option::Option::Some(#through_fn())),
                        )
                    }
                };
                writes.push(quote! {
                    impl #p::ManyToManyRelation<#i> for #name {
                        fn through() -> ::core::option::Option<&'static #p::ModelMeta> {
                            #through_fn
                        }
                    }
                });
                (rel, check)
            } else {
                let reverse = f.reverse.as_ref().map(|l| l.value()).unwrap_or_default();
                let span = f.reverse.as_ref().map_or(ty_span, |l| l.span());
                (
                    // Spanned on the attribute's value: a wrong `reverse`
                    // is an error there.
                    // (The path is written out, not `#p`: the call's
                    // span runs from its first token to its last.)
                    quote_spanned! {span=>
                        ::query::__private::RelMeta::reverse(
                            <Self as ::query::Model>::META,
                            #field_name,
                            <#target as ::query::Model>::META,
                            <#target as ::query::Model>::FORWARD_RELATIONS,
                            #reverse,
                        )
                    },
                    // Evaluated, so that a wrong `reverse` fails to compile
                    // (on the attribute).
                    quote_spanned! {span=>
                        const _: &#p::RelMeta = <#name as #p::Relation<#i>>::REL;
                    },
                )
            };
            // A wrong `through` model is reported on the attribute.
            let rel_span = f
                .through
                .as_ref()
                .map_or_else(proc_macro2::Span::call_site, |l| l.span());
            let rel_const = quote_spanned! {rel_span=>
                const REL: &'static #p::RelMeta = &#rel;
            };
            // Spanned as the check above, so that a wrong `through` is
            // reported once, there.
            let rel_ref = quote_spanned! {rel_span=>
                <#name as ::query::__private::Relation<#i>>::REL
            };
            if slot.many_to_many {
                forward_refs.push(rel_ref.clone());
            }
            relation_refs.push(rel_ref);
            relations.push(quote! {
                impl #p::Relation<#i> for #name {
                    type Target = #target;
                    type Null = #p::Null;
                    type Card = #p::ToMany;
                    #rel_const
                    type Slot = #ty;
                    fn slot(&self) -> &#ty {
                        &self.#ident
                    }
                    fn slot_mut(&mut self) -> &mut #ty {
                        &mut self.#ident
                    }
                }
                #check
            });
            reads.push(quote! { #ident: ::core::default::Default::default() });
            let doc = format!("The `{field_name}` relation of [`{name_str}`]: a path to follow.");
            let (constant, method) = relation_path(name, ident, target, i, &doc);
            consts.push(constant);
            path_methods.push(method);
            continue;
        }
        let c = column_index(i);

        // Every use of the field's type goes through this one const, so an
        // unsupported type is one error, on the type.
        let ops = quote::format_ident!("__COLUMN_{}", i);
        checks.push(quote_spanned! {ty_span=>
            const #ops: #p::ColumnOps<#ty> = #p::column_ops::<#ty>();
        });
        if f.text_attr.is_some() {
            checks.push(quote_spanned! {ty_span=>
                const _: () = #p::assert_text::<#ty>();
            });
        }
        if f.auto_now.is_some() || f.auto_now_add.is_some() {
            checks.push(quote_spanned! {ty_span=>
                const _: () = #p::assert_timestamp::<#ty>();
            });
        }
        let precision = f.max_digits.zip(f.decimal_places);
        if precision.is_some() {
            checks.push(quote_spanned! {ty_span=>
                const _: () = #p::assert_decimal::<#ty>();
            });
        } else {
            // A decimal type the derive did not recognize by name (an alias).
            // Every token on the type, so that the error points there.
            let check = quote_spanned!(ty_span=> ::query::__private::assert_no_precision_needed);
            checks.push(quote_spanned! {ty_span=>
                const _: () = #check(#ops.sql_type);
            });
        }

        let mut meta = quote! {
            #p::FieldMeta::new(#field_name, #column, #ops.sql_type, #ops.nullable)
        };
        if i == pk_index {
            checks.push(quote_spanned! {ty_span=>
                const __KEY: #p::KeyOps<#ty> = #p::key_ops::<#ty>();
            });
            let _ = pk_column;
            meta = quote! { #meta.primary_key(__KEY.auto) };
        }
        if f.unique {
            meta = quote!(#meta.unique());
        }
        if f.db_index {
            meta = quote!(#meta.db_index());
        }
        if let Some(n) = f.max_length {
            meta = quote!(#meta.max_length(#n));
        }
        if let Some(((digits, _), (places, _))) = precision {
            meta = quote!(#meta.decimal(#digits, #places));
            cleans.push(quote! {
                #p::check_decimal(__errors, #field_name, (#ops.value)(&self.#ident), #digits, #places);
            });
        }
        if f.email {
            meta = quote!(#meta.email());
        }
        if f.url {
            meta = quote!(#meta.url());
        }
        if f.auto_now.is_some() {
            meta = quote!(#meta.auto_now());
        }
        if f.auto_now_add.is_some() {
            meta = quote!(#meta.auto_now_add());
        }
        if let Some(expr) = &f.default {
            let span = expr.span();
            meta = quote_spanned! {span=>
                #meta.default({
                    fn __default() -> #p::Value {
                        #p::IntoValue::<#ty>::into_value(#expr)
                    }
                    __default
                })
            };
        }
        if let (Some(fk), Some((on_delete, _))) = (&f.foreign_key, &f.on_delete) {
            let target = &fk.target;
            meta = quote_spanned! {target.span()=>
                #meta.foreign_key(
                    {
                        fn __to() -> &'static #p::ModelMeta {
                            <#target as ::query::Model>::META
                        }
                        __to
                    },
                    ::query::OnDelete::#on_delete,
                    <#target as ::query::Model>::TABLE,
                )
            };
            let null = if fk.nullable {
                quote!(#p::Null)
            } else {
                quote!(#p::NotNull)
            };
            relation_refs.push(quote!(<#name as #p::Relation<#i>>::REL));
            forward_refs.push(quote!(<#name as #p::Relation<#i>>::REL));
            relations.push(quote! {
                impl #p::Relation<#i> for #name {
                    type Target = #target;
                    type Null = #null;
                    type Card = #p::ToOne;
                    const REL: &'static #p::RelMeta = &#p::RelMeta::foreign_key(
                        <Self as ::query::Model>::META,
                        #field_name,
                        #c,
                        <#target as ::query::Model>::META,
                    );
                    type Slot = #ty;
                    fn slot(&self) -> &#ty {
                        &self.#ident
                    }
                    fn slot_mut(&mut self) -> &mut #ty {
                        &mut self.#ident
                    }
                }
            });
        }
        if let Some(choices) = &f.choices {
            let values = choices.iter().map(|e| {
                quote_spanned! {e.span()=>
                    #p::IntoValue::<<#ty as #p::FieldType>::Scalar>::into_value(#e)
                }
            });
            meta = quote! {
                #meta.choices({
                    fn __choices() -> ::std::vec::Vec<#p::Value> {
                        ::std::vec![#(#values),*]
                    }
                    __choices
                })
            };
            cleans.push(quote! {
                if let ::core::option::Option::Some(__choices) =
                    <Self as ::query::Model>::META.fields[#c].choices
                {
                    #p::check_choices(__errors, #field_name, (#ops.value)(&self.#ident), __choices);
                }
            });
        }
        metas.push(meta);

        reads.push(quote! {
            #ident: (#ops.get)(__row, __offset + #c)?
        });

        let bind = quote! {
            (#ops.bind)(&self.#ident, __binder)?;
        };
        if i == pk_index {
            binds.push(quote! { if __with_pk { #bind } });
        } else {
            binds.push(bind);
        }

        let stamp = quote! {
            if let ::core::option::Option::Some(__now) = (#ops.now)() {
                self.#ident = __now;
            }
        };
        if f.auto_now.is_some() {
            stamps.push(stamp);
        } else if f.auto_now_add.is_some() {
            stamps.push(quote! { if __insert { #stamp } });
        }

        if f.max_length.is_some() || f.email || f.url {
            let max = match f.max_length {
                Some(n) => quote!(::core::option::Option::Some(#n)),
                None => quote!(::core::option::Option::None),
            };
            let email = f.email;
            let url = f.url;
            cleans.push(quote! {
                #p::check_text(__errors, #field_name, (#ops.text)(&self.#ident), #max, #email, #url);
            });
        }

        if let Some(fk) = &f.foreign_key {
            let target = &fk.target;
            let doc = format!(
                "The `{field_name}` foreign key of [`{name_str}`] (column `{column}`): a path to follow."
            );
            let (constant, method) = relation_path(name, ident, target, i, &doc);
            consts.push(constant);
            path_methods.push(method);
        } else {
            let doc = format!("The `{field_name}` field of [`{name_str}`] (column `{column}`).");
            consts.push(quote! {
                #[doc = #doc]
                pub const #ident: ::query::Field<super::#name, #ty> = ::query::Field::new(#c, #column);
            });
            path_methods.push(quote! {
                pub fn #ident(self) -> ::query::Field<P::Root, #p::Folded<P, #ty>>
                where
                    P::Null: #p::FoldField<#ty>,
                {
                    self.0.field::<#ty>(#c, #column)
                }
            });
        }
    }

    // Spanned on a `through = ".."` attribute if there is one (the only
    // relation here whose evaluation can fail): its error is then reported
    // there once, not also on the derive.
    let forward_span = model
        .fields
        .iter()
        .find_map(|f| f.through.as_ref().map(|l| l.span()))
        .unwrap_or_else(proc_macro2::Span::call_site);
    let forward_relations = quote_spanned! {forward_span=>
        const FORWARD_RELATIONS: &'static [&'static ::query::__private::RelMeta] =
            &[#(#forward_refs),*];
    };

    let module_doc =
        format!("The typed fields of [`{name_str}`], for building queries: `{module}::*`.");

    Ok(quote! {
        const _: () = {
        #(#checks)*

        #[automatically_derived]
        impl ::query::Model for #name {
            const META: &'static #p::ModelMeta = &#p::ModelMeta::new(
                #name_str,
                #table,
                &[#(#metas),*],
                #pk_column,
            )
            .with_many_to_many(&[#(#many_to_many),*])
            .with_relations({
                fn __relations() -> &'static [&'static #p::RelMeta] {
                    const __RELATIONS: &[&#p::RelMeta] =
                        &[#(#relation_refs),*];
                    __RELATIONS
                }
                __relations
            });

            type Key = #pk_ty;

            const TABLE: &'static str = #table;

            #forward_relations

            type Path<P: #p::PathLike<At = Self>> = #module::#path_type<P>;

            fn key(&self) -> Self::Key {
                ::core::clone::Clone::clone(&self.#pk_ident)
            }

            fn statements() -> &'static #p::StatementCache {
                static __STATEMENTS: #p::StatementCache = #p::StatementCache::new();
                &__STATEMENTS
            }

            fn from_row(__row: &#p::Row<'_>, __offset: usize) -> #p::Result<Self> {
                ::core::result::Result::Ok(Self {
                    #(#reads),*
                })
            }

            #[allow(unused_variables)]
            fn bind_columns(
                &self,
                __binder: &mut #p::Binder<'_, '_>,
                __with_pk: bool,
            ) -> #p::Result<()> {
                #(#binds)*
                ::core::result::Result::Ok(())
            }

            fn pk_value(&self) -> #p::Value {
                (#pk_ops.value)(&self.#pk_ident)
            }

            fn pk_is_unset(&self) -> bool {
                (__KEY.is_unset)(&self.#pk_ident)
            }

            fn set_pk(&mut self, __key: i64) -> bool {
                (__KEY.set_assigned)(&mut self.#pk_ident, __key)
            }

            #[allow(unused_variables)]
            fn pre_save(&mut self, __insert: bool) {
                #(#stamps)*
            }

            #[allow(unused_variables)]
            fn clean_fields(&self, __errors: &mut #p::ValidationErrors) {
                #(#cleans)*
            }
        }

        #(#relations)*
        #(#writes)*

        #p::inventory::submit! {
            #p::RegisteredModel::new(<#name as ::query::Model>::META)
        }
        };

        #[doc = #module_doc]
        #[allow(non_upper_case_globals, dead_code)]
        #vis mod #module {
            #[allow(unused_imports)]
            use super::*;
            #(#consts)*

            #[doc(hidden)]
            /// The model reached by a relation path `P`: one method per field.
            pub struct #path_type<P>(#p::Rel<P>);

            impl<P> ::core::clone::Clone for #path_type<P> {
                fn clone(&self) -> Self {
                    *self
                }
            }
            impl<P> ::core::marker::Copy for #path_type<P> {}

            impl<P: #p::PathLike<At = super::#name>> #p::RelPath for #path_type<P> {
                type P = P;
                const NEW: Self = #path_type(#p::Rel::NEW);
            }

            impl<P: #p::PathLike<At = super::#name>> ::core::ops::Deref for #path_type<P> {
                type Target = #p::Rel<P>;
                fn deref(&self) -> &#p::Rel<P> {
                    &self.0
                }
            }

            impl<P: #p::PathLike<At = super::#name>> #path_type<P> {
                #(#path_methods)*
            }
        }
    })
}

/// The last identifier of a type's path (`Track` for `crate::music::Track`).
/// A relation field's constant in the fields module (the path from the
/// model) and its method on path types (the path continued), both typed by
/// the model reached.
fn relation_path(
    name: &syn::Ident,
    ident: &syn::Ident,
    target: &syn::Type,
    i: usize,
    doc: &str,
) -> (TokenStream, TokenStream) {
    let p = quote!(::query::__private);
    (
        quote! {
            #[doc = #doc]
            pub const #ident: <#target as ::query::Model>::Path<
                #p::Join<super::#name, #i, #p::Root<super::#name>>,
            > = #p::RelPath::NEW;
        },
        quote! {
            pub fn #ident(self) -> <#target as ::query::Model>::Path<#p::Join<super::#name, #i, P>> {
                #p::RelPath::NEW
            }
        },
    )
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// A stub `impl Model` emitted beside a derive error, so that the error is
/// the only one the user sees.
pub fn stub(input: &DeriveInput) -> TokenStream {
    let name = &input.ident;
    if !input.generics.params.is_empty() || !matches!(input.data, syn::Data::Struct(_)) {
        return TokenStream::new();
    }
    let p = quote!(::query::__private);
    quote! {
        #[automatically_derived]
        impl ::query::Model for #name {
            const META: &'static #p::ModelMeta = &#p::ModelMeta::new("", "", &[], 0);
            type Key = i64;
            const TABLE: &'static str = "";
            type Path<P: #p::PathLike<At = Self>> = #p::Rel<P>;
            fn key(&self) -> i64 { ::core::unreachable!() }
            fn statements() -> &'static #p::StatementCache { ::core::unreachable!() }
            fn from_row(_: &#p::Row<'_>, _: usize) -> #p::Result<Self> { ::core::unreachable!() }
            fn bind_columns(&self, _: &mut #p::Binder<'_, '_>, _: bool) -> #p::Result<()> { ::core::unreachable!() }
            fn pk_value(&self) -> #p::Value { ::core::unreachable!() }
            fn pk_is_unset(&self) -> bool { ::core::unreachable!() }
            fn set_pk(&mut self, _: i64) -> bool { ::core::unreachable!() }
            fn pre_save(&mut self, _: bool) { ::core::unreachable!() }
            fn clean_fields(&self, _: &mut #p::ValidationErrors) { ::core::unreachable!() }
        }
    }
}
