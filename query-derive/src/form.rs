//! `#[derive(Form)]` and `#[derive(ModelForm)]`: reads `#[form(..)]` and
//! writes the `query::forms::Form` / `ModelForm` impls.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Error, Expr, Fields, Ident, Lit, LitInt, LitStr, Result, Type};

/// The widgets `widget = ".."` knows, with their `query::forms::Widget` variant.
const WIDGETS: [(&str, &str); 12] = [
    ("text", "Text"),
    ("email", "Email"),
    ("url", "Url"),
    ("number", "Number"),
    ("password", "Password"),
    ("hidden", "Hidden"),
    ("date", "Date"),
    ("datetime-local", "DateTimeLocal"),
    ("textarea", "Textarea"),
    ("checkbox", "Checkbox"),
    ("select", "Select"),
    ("radio", "Radio"),
];

fn widget_variant(lit: &LitStr) -> Result<Ident> {
    let name = lit.value();
    match WIDGETS.iter().find(|(n, _)| *n == name) {
        Some((_, variant)) => Ok(Ident::new(variant, lit.span())),
        None => Err(Error::new(
            lit.span(),
            format_args!(
                "unknown widget `{name}`; expected one of {}",
                WIDGETS
                    .iter()
                    .map(|(n, _)| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn push(errors: &mut Option<Error>, err: Error) {
    match errors {
        Some(e) => e.combine(err),
        None => *errors = Some(err),
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>) -> Result<()> {
    if slot.is_some() {
        let key = meta.path.to_token_stream().to_string();
        return Err(meta.error(format_args!("duplicate form attribute `{key}`")));
    }
    *slot = Some(value);
    Ok(())
}

fn set_flag(slot: &mut Option<Span>, meta: &ParseNestedMeta<'_>) -> Result<()> {
    let key = meta.path.to_token_stream().to_string();
    if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format_args!(
            "`{key}` takes no value: write `#[form({key})]`"
        )));
    }
    set_once(slot, meta.path.span(), meta)
}

/// A literal as the text a form shows: `"a"`, `5`, `1.5`, `true`.
fn literal_text(lit: &Lit) -> Result<Option<String>> {
    Ok(match lit {
        Lit::Str(s) => Some(s.value()),
        Lit::Int(i) => Some(i.base10_digits().to_owned()),
        Lit::Float(f) => Some(f.base10_digits().to_owned()),
        Lit::Bool(b) => b.value.then(|| "on".to_owned()),
        other => {
            return Err(Error::new(
                other.span(),
                "expected a string, number or `true`/`false` literal",
            ));
        }
    })
}

/// `[("TP", "Taipei"), "NA", 3]`: `(value, label)` pairs.
fn parse_choices(expr: Expr) -> Result<Vec<(String, String)>> {
    let Expr::Array(array) = expr else {
        return Err(Error::new(
            expr.span(),
            "`choices` takes a list: `choices = [(\"TP\", \"Taipei\"), (\"NA\", \"Others\")]`",
        ));
    };
    if array.elems.is_empty() {
        return Err(Error::new(
            array.span(),
            "`choices` needs at least one choice",
        ));
    }
    let text = |e: &Expr| -> Result<String> {
        match e {
            Expr::Lit(l) => literal_text(&l.lit)?
                .ok_or_else(|| Error::new(l.span(), "a choice can't be `false`")),
            other => Err(Error::new(
                other.span(),
                "a choice is a literal or a `(value, label)` pair of literals",
            )),
        }
    };
    let mut out = Vec::new();
    for e in &array.elems {
        match e {
            Expr::Tuple(t) if t.elems.len() == 2 => {
                out.push((text(&t.elems[0])?, text(&t.elems[1])?));
            }
            Expr::Paren(p) => {
                let v = text(&p.expr)?;
                out.push((v.clone(), v));
            }
            other => {
                let v = text(other)?;
                out.push((v.clone(), v));
            }
        }
    }
    Ok(out)
}

/// One field's `#[form(..)]`.
#[derive(Default)]
struct FieldAttrs {
    label: Option<String>,
    initial: Option<String>,
    help_text: Option<String>,
    widget: Option<(Ident, Span)>,
    required: Option<(bool, Span)>,
    max_length: Option<(u32, Span)>,
    min_length: Option<(u32, Span)>,
    email: Option<Span>,
    url: Option<Span>,
    choices: Option<Vec<(String, String)>>,
}

fn field_attrs(field: &syn::Field, errors: &mut Option<Error>) -> FieldAttrs {
    let mut f = FieldAttrs::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("form")) {
        if let Err(err) = attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            if meta.path.is_ident("label") {
                // #[form(label = "Your name")]
                let lit: LitStr = meta.value()?.parse()?;
                set_once(&mut f.label, lit.value(), &meta)
            } else if meta.path.is_ident("initial") {
                // #[form(initial = "Li Daren")]
                let lit: Lit = meta.value()?.parse()?;
                let text = literal_text(&lit)?;
                set_once(&mut f.initial, text.unwrap_or_default(), &meta)
            } else if meta.path.is_ident("help_text") {
                // #[form(help_text = "At most 50 characters")]
                let lit: LitStr = meta.value()?.parse()?;
                set_once(&mut f.help_text, lit.value(), &meta)
            } else if meta.path.is_ident("widget") {
                // #[form(widget = "textarea")]
                let lit: LitStr = meta.value()?.parse()?;
                let variant = widget_variant(&lit)?;
                set_once(&mut f.widget, (variant, lit.span()), &meta)
            } else if meta.path.is_ident("required") {
                // #[form(required = false)]
                let lit: syn::LitBool = meta.value()?.parse()?;
                set_once(&mut f.required, (lit.value, span), &meta)
            } else if meta.path.is_ident("max_length") || meta.path.is_ident("min_length") {
                // #[form(max_length = 50)], #[form(min_length = 2)]
                let lit: LitInt = meta.value()?.parse()?;
                let n: u32 = lit.base10_parse()?;
                if meta.path.is_ident("max_length") {
                    if n == 0 {
                        return Err(Error::new(lit.span(), "`max_length` must be at least 1"));
                    }
                    set_once(&mut f.max_length, (n, span), &meta)
                } else {
                    set_once(&mut f.min_length, (n, span), &meta)
                }
            } else if meta.path.is_ident("email") {
                // #[form(email)]
                set_flag(&mut f.email, &meta)
            } else if meta.path.is_ident("url") {
                // #[form(url)]
                set_flag(&mut f.url, &meta)
            } else if meta.path.is_ident("choices") {
                // #[form(choices = [("TP", "Taipei"), ("NA", "Others")])]
                let expr: Expr = meta.value()?.parse()?;
                let choices = parse_choices(expr)?;
                set_once(&mut f.choices, choices, &meta)
            } else {
                let key = meta.path.to_token_stream().to_string().replace(' ', "");
                Err(meta.error(format_args!(
                    "unknown form attribute `{key}`; expected one of `label`, `initial`, `help_text`, `widget`, `required`, `max_length`, `min_length`, `email`, `url`, `choices`"
                )))
            }
        }) {
            push(errors, err);
        }
    }
    // Rules between attributes.
    if let (Some(_), Some(url)) = (f.email, f.url) {
        push(
            errors,
            Error::new(url, "a field is `email` or `url`, not both"),
        );
    }
    if let (Some((max, _)), Some((min, span))) = (f.max_length, f.min_length)
        && min > max
    {
        push(
            errors,
            Error::new(
                span,
                format_args!("`min_length` ({min}) is more than `max_length` ({max})"),
            ),
        );
    }
    if let Some((w, span)) = &f.widget
        && (w == "Select" || w == "Radio")
        && f.choices.is_none()
    {
        push(
            errors,
            Error::new(
                *span,
                "this widget draws the field's choices: add `choices = [(\"value\", \"label\"), ..]`",
            ),
        );
    }
    f
}

fn named_fields<'a>(input: &'a DeriveInput, derive: &str) -> Result<&'a syn::FieldsNamed> {
    let msg = format!(
        "`#[derive({derive})]` needs a struct with named fields, one per input: `struct ContactForm {{ name: String }}`"
    );
    match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => Ok(named),
            _ => Err(Error::new(input.ident.span(), msg)),
        },
        _ => Err(Error::new(input.ident.span(), msg)),
    }
}

fn no_generics(input: &DeriveInput, derive: &str) -> Result<()> {
    if input.generics.params.is_empty() {
        Ok(())
    } else {
        Err(Error::new(
            input.generics.span(),
            format_args!("`#[derive({derive})]` does not support generic parameters or lifetimes"),
        ))
    }
}

/// `#[derive(Form)]`.
pub fn derive_form(input: &DeriveInput) -> Result<TokenStream> {
    let named = named_fields(input, "Form")?;
    let mut errors = None;
    if let Err(e) = no_generics(input, "Form") {
        push(&mut errors, e);
    }
    let mut user_clean = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("form")) {
        if let Err(err) = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("clean") {
                // #[form(clean)]
                set_flag(&mut user_clean, &meta)
            } else {
                let key = meta.path.to_token_stream().to_string().replace(' ', "");
                Err(meta.error(format_args!(
                    "unknown form attribute `{key}`; expected `clean` (to implement `FormClean` yourself)"
                )))
            }
        }) {
            push(&mut errors, err);
        }
    }

    let name = &input.ident;
    let f = quote!(::query::__private::forms);
    let mut checks = Vec::new();
    let mut specs = Vec::new();
    let mut cleans = Vec::new();
    let mut builds = Vec::new();
    let mut clones = Vec::new();
    for (i, field) in named.named.iter().enumerate() {
        let attrs = field_attrs(field, &mut errors);
        let Some(ident) = &field.ident else {
            continue;
        };
        let ty: &Type = &field.ty;
        let ts = ty.span();
        let field_name = ident.to_string().trim_start_matches("r#").to_owned();
        let ops = quote::format_ident!("__FIELD_{}", i);
        checks.push(quote_spanned! {ts=>
            const #ops: #f::FieldOps<#ty> = #f::field_ops::<#ty>();
        });
        let mut spec = quote!((#ops.spec)(#field_name));
        if let Some(label) = &attrs.label {
            spec = quote!(#spec.label(#label));
        }
        if let Some((required, _)) = attrs.required {
            if !required {
                checks.push(quote_spanned! {ts=>
                    const _: () = #f::assert_has_empty::<#ty>();
                });
            }
            spec = quote!(#spec.required(#required));
        }
        if let Some((n, _)) = attrs.max_length {
            checks.push(quote_spanned! {ts=> const _: () = #f::assert_max_length::<#ty>(); });
            spec = quote!(#spec.max_length(#n));
        }
        if let Some((n, _)) = attrs.min_length {
            checks.push(quote_spanned! {ts=> const _: () = #f::assert_min_length::<#ty>(); });
            spec = quote!(#spec.min_length(#n));
        }
        if attrs.email.is_some() {
            checks.push(quote_spanned! {ts=> const _: () = #f::assert_email::<#ty>(); });
            spec = quote!(#spec.email());
        }
        if attrs.url.is_some() {
            checks.push(quote_spanned! {ts=> const _: () = #f::assert_url::<#ty>(); });
            spec = quote!(#spec.url());
        }
        if let Some(choices) = &attrs.choices {
            let pairs = choices.iter().map(|(v, l)| quote!((#v, #l)));
            spec = quote!(#spec.choices([#(#pairs),*]));
        }
        if let Some((variant, _)) = &attrs.widget {
            if variant == "Checkbox" {
                checks.push(quote_spanned! {ts=> const _: () = #f::assert_checkbox::<#ty>(); });
            }
            spec = quote!(#spec.widget(#f::Widget::#variant));
        }
        if let Some(help) = &attrs.help_text {
            spec = quote!(#spec.help_text(#help));
        }
        if let Some(initial) = &attrs.initial {
            spec = quote!(#spec.initial(#initial));
        }
        specs.push(spec);
        let local = quote::format_ident!("__field_{}", i);
        cleans.push(quote! {
            let #local = (#ops.clean)(&__fields[#i], __data.get(#i), __errors);
        });
        builds.push(quote! { #ident: #local? });
        clones.push(quote! { #ident: (#ops.clone)(&self.#ident) });
    }
    if let Some(e) = errors {
        return Err(e);
    }
    let clean_impl = if user_clean.is_some() {
        quote!()
    } else {
        quote! {
            #[automatically_derived]
            impl ::query::forms::FormClean for #name {}
        }
    };
    Ok(quote! {
        const _: () = {
            #(#checks)*

            #[automatically_derived]
            impl ::query::forms::Form for #name {
                fn spec() -> &'static #f::FormSpec {
                    static __SPEC: #f::OnceLock<#f::FormSpec> = #f::OnceLock::new();
                    __SPEC.get_or_init(|| #f::FormSpec {
                        fields: ::std::vec![#(#specs),*],
                    })
                }

                fn clean_fields(
                    __data: &#f::FormData,
                    __errors: &mut #f::FormErrors,
                ) -> ::core::option::Option<Self> {
                    let __fields = &<Self as ::query::forms::Form>::spec().fields;
                    #(#cleans)*
                    ::core::option::Option::Some(Self { #(#builds),* })
                }

                fn clone_form(&self) -> Self {
                    Self { #(#clones),* }
                }
            }

            #clean_impl
        };
    })
}

/// `#[derive(ModelForm)]`.
pub fn derive_model_form(input: &DeriveInput) -> Result<TokenStream> {
    let mut errors = None;
    if let Err(e) = no_generics(input, "ModelForm") {
        push(&mut errors, e);
    }
    match &input.data {
        Data::Struct(s) if matches!(s.fields, Fields::Unit) => {}
        _ => push(
            &mut errors,
            Error::new(
                input.ident.span(),
                "`#[derive(ModelForm)]` needs a unit struct, its fields come from the model: `#[form(model = Post, fields = [\"nickname\"])] pub struct PostForm;`",
            ),
        ),
    }
    let mut model: Option<syn::Path> = None;
    let mut fields: Option<Vec<LitStr>> = None;
    let mut labels: Vec<(LitStr, LitStr)> = Vec::new();
    let mut widgets: Vec<(LitStr, LitStr)> = Vec::new();
    let mut help_texts: Vec<(LitStr, LitStr)> = Vec::new();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("form")) {
        if let Err(err) = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("model") {
                // #[form(model = Post)]
                let path: syn::Path = meta.value()?.parse()?;
                set_once(&mut model, path, &meta)
            } else if meta.path.is_ident("fields") {
                // #[form(fields = ["mood", "nickname"])]
                let list = string_list(meta.value()?.parse()?)?;
                set_once(&mut fields, list, &meta)
            } else if meta.path.is_ident("exclude") {
                // #[form(exclude = ["author"])]
                let _: Expr = meta.value()?.parse()?;
                Err(meta.error(
                    "`exclude` is not supported: the derive can't see the model's fields, so list the ones the form edits with `fields = [..]`",
                ))
            } else if meta.path.is_ident("labels") {
                // #[form(labels = [("mood", "Mood now")])]
                labels.extend(pair_list(meta.value()?.parse()?)?);
                Ok(())
            } else if meta.path.is_ident("widgets") {
                // #[form(widgets = [("message", "textarea")])]
                let list = pair_list(meta.value()?.parse()?)?;
                for (_, w) in &list {
                    widget_variant(w)?;
                }
                widgets.extend(list);
                Ok(())
            } else if meta.path.is_ident("help_texts") {
                // #[form(help_texts = [("nickname", "Shown to others")])]
                help_texts.extend(pair_list(meta.value()?.parse()?)?);
                Ok(())
            } else {
                let key = meta.path.to_token_stream().to_string().replace(' ', "");
                Err(meta.error(format_args!(
                    "unknown form attribute `{key}`; expected `model`, `fields`, `labels`, `widgets` or `help_texts`"
                )))
            }
        }) {
            push(&mut errors, err);
        }
    }
    let (Some(model), Some(fields)) = (model, fields) else {
        push(
            &mut errors,
            Error::new(
                input.ident.span(),
                "`#[derive(ModelForm)]` needs `#[form(model = Post, fields = [\"mood\", \"nickname\"])]`",
            ),
        );
        return Err(errors.unwrap_or_else(|| Error::new(Span::call_site(), "")));
    };
    let mut idents = Vec::new();
    for (i, lit) in fields.iter().enumerate() {
        match syn::parse_str::<Ident>(&lit.value()) {
            Ok(id) => {
                if fields[..i].iter().any(|l| l.value() == lit.value()) {
                    push(
                        &mut errors,
                        Error::new(lit.span(), "this field is listed twice"),
                    );
                }
                idents.push(Ident::new(&id.to_string(), lit.span()));
            }
            Err(_) => push(
                &mut errors,
                Error::new(lit.span(), "a field name, like \"nickname\""),
            ),
        }
    }
    for (field, _) in labels.iter().chain(&widgets).chain(&help_texts) {
        if !fields.iter().any(|l| l.value() == field.value()) {
            push(
                &mut errors,
                Error::new(field.span(), "this field is not in `fields`"),
            );
        }
    }
    if fields.is_empty() {
        push(
            &mut errors,
            Error::new(input.ident.span(), "`fields` lists no field"),
        );
    }
    if let Some(e) = errors {
        return Err(e);
    }

    let name = &input.ident;
    let f = quote!(::query::__private::forms);
    let mut checks = Vec::new();
    let mut specs = Vec::new();
    let mut cleans = Vec::new();
    for (i, (lit, ident)) in fields.iter().zip(&idents).enumerate() {
        let field_name = lit.value();
        let span = lit.span();
        // The path written out, so that the call's span is the literal's.
        checks.push(quote_spanned! {span=>
            const _: () = ::query::__private::forms::assert_editable(<#model as ::query::Model>::META, #field_name);
        });
        let mut spec = quote_spanned! {span=>
            #f::model_field::<#model, _>(|__m| &__m.#ident, #field_name)
        };
        if let Some((_, label)) = labels.iter().find(|(k, _)| k.value() == field_name) {
            spec = quote!(#spec.label(#label));
        }
        if let Some((_, w)) = widgets.iter().find(|(k, _)| k.value() == field_name) {
            let variant = widget_variant(w)?;
            spec = quote!(#spec.widget(#f::Widget::#variant));
        }
        if let Some((_, h)) = help_texts.iter().find(|(k, _)| k.value() == field_name) {
            spec = quote!(#spec.help_text(#h));
        }
        specs.push(spec);
        cleans.push(quote_spanned! {span=>
            if let ::core::option::Option::Some(__v) =
                #f::clean_field(&__fields[#i], __data.get(#i), __errors)
            {
                __m.#ident = __v;
            }
        });
    }
    Ok(quote! {
        const _: () = {
            #(#checks)*

            #[automatically_derived]
            impl ::query::forms::ModelForm for #name {
                type Model = #model;

                fn spec() -> &'static #f::FormSpec {
                    static __SPEC: #f::OnceLock<#f::FormSpec> = #f::OnceLock::new();
                    __SPEC.get_or_init(|| #f::FormSpec {
                        fields: ::std::vec![#(#specs),*],
                    })
                }

                fn clean_into(
                    __m: &mut #model,
                    __data: &#f::FormData,
                    __errors: &mut #f::FormErrors,
                ) {
                    let __fields = &<Self as ::query::forms::ModelForm>::spec().fields;
                    #(#cleans)*
                }

                fn initial(__m: &#model) -> ::std::vec::Vec<::core::option::Option<::std::string::String>> {
                    ::std::vec![#(#f::form_text(&__m.#idents)),*]
                }

                fn values(__m: &#model) -> ::std::vec::Vec<::query::Value> {
                    ::std::vec![#(#f::model_value(&__m.#idents)),*]
                }
            }
        };
    })
}

/// `["a", "b"]`.
fn string_list(expr: Expr) -> Result<Vec<LitStr>> {
    let Expr::Array(array) = expr else {
        return Err(Error::new(
            expr.span(),
            "expected a list of field names: `[\"mood\", \"nickname\"]`",
        ));
    };
    array
        .elems
        .iter()
        .map(|e| match e {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => Ok(s.clone()),
            other => Err(Error::new(
                other.span(),
                "expected a field name, like \"mood\"",
            )),
        })
        .collect()
}

/// `[("a", "A"), ("b", "B")]`.
fn pair_list(expr: Expr) -> Result<Vec<(LitStr, LitStr)>> {
    let Expr::Array(array) = expr else {
        return Err(Error::new(
            expr.span(),
            "expected a list of pairs: `[(\"mood\", \"Mood now\")]`",
        ));
    };
    let lit = |e: &Expr| match e {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(s.clone()),
        other => Err(Error::new(other.span(), "expected a string literal")),
    };
    array
        .elems
        .iter()
        .map(|e| match e {
            Expr::Tuple(t) if t.elems.len() == 2 => Ok((lit(&t.elems[0])?, lit(&t.elems[1])?)),
            other => Err(Error::new(
                other.span(),
                "expected a `(\"field\", \"text\")` pair",
            )),
        })
        .collect()
}

/// The impls beside a derive error, so that the user sees the mistake and
/// not a second error at each use of the form.
pub fn stub_form(input: &DeriveInput) -> TokenStream {
    let name = &input.ident;
    if !input.generics.params.is_empty() || !matches!(input.data, Data::Struct(_)) {
        return TokenStream::new();
    }
    let f = quote!(::query::__private::forms);
    quote! {
        #[automatically_derived]
        impl ::query::forms::Form for #name {
            fn spec() -> &'static #f::FormSpec { ::core::unreachable!() }
            fn clean_fields(_: &#f::FormData, _: &mut #f::FormErrors) -> ::core::option::Option<Self> { ::core::unreachable!() }
            fn clone_form(&self) -> Self { ::core::unreachable!() }
        }
        #[automatically_derived]
        impl ::query::forms::FormClean for #name {}
    }
}
