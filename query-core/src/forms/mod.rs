//! Forms: Django's `forms.Form` and `forms.ModelForm`.
//!
//! `#[derive(Form)]` on a struct makes a form of its fields;
//! `#[derive(ModelForm)]` makes one of a model's fields. Either binds the
//! strings a user submitted (an urlencoded body or query string, or any
//! key/value pairs) into a bound form: its typed values when every field is
//! valid, else Django's messages, one list per field; and draws it as HTML.
//!
//! ```
//! # use query::prelude::*;
//! #[derive(Form)]
//! pub struct ContactForm {
//!     #[form(label = "Your name", max_length = 50)]
//!     pub user_name: String,
//!     #[form(email)]
//!     pub user_email: String,
//!     pub age: Option<i32>,
//! }
//!
//! # fn main() -> query::Result<()> {
//! let form = ContactForm::bind("user_name=Li+Daren&user_email=li&age=x")?;
//! assert!(!form.is_valid());
//! assert_eq!(form.errors().get("user_email"), ["Enter a valid email address."]);
//! assert_eq!(form.errors().get("age"), ["Enter a whole number."]);
//!
//! let form = ContactForm::bind("user_name=Li&user_email=li%40example.com")?;
//! let data: ContactForm = form.cleaned_data()?;
//! assert_eq!((data.user_name.as_str(), data.age), ("Li", None));
//! # Ok(())
//! # }
//! ```
//!
//! Binding follows Django: a key given twice keeps its last value (as
//! `QueryDict[key]`), `+` is a space and `%XX` escapes decode (bytes that
//! are not UTF-8 become U+FFFD), text is stripped of surrounding whitespace
//! (`CharField(strip=True)`), an absent checkbox is `false`. More than 1000
//! keys is an error, as Django's `DATA_UPLOAD_MAX_NUMBER_FIELDS`.

mod field;
mod model_form;
mod render;

use std::fmt;
use std::marker::PhantomData;

pub use field::{FieldSpec, FormValue, Kind, Widget, capfirst, clean_field, messages, pretty_name};
pub use model_form::{BoundModelForm, ModelForm};
pub use render::BoundField;

use crate::error::{Error, Result};
use crate::validation::ValidationErrors;

/// The key of the errors that belong to no field (Django's `NON_FIELD_ERRORS`).
pub const NON_FIELD_ERRORS: &str = "__all__";

/// The most keys a body may hold (Django's `DATA_UPLOAD_MAX_NUMBER_FIELDS`).
pub const MAX_NUMBER_FIELDS: usize = 1000;

/// A form's errors: each failing field's messages, in the order they were
/// found (fields in the form's order, then what [`FormClean::clean`] adds),
/// with the errors of no field under [`NON_FIELD_ERRORS`] (`"__all__"`).
/// Django's `form.errors`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormErrors {
    entries: Vec<(&'static str, Vec<String>)>,
}

impl FormErrors {
    /// Adds `message` to `field`'s errors (Django's `form.add_error`).
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        let message = message.into();
        match self.entries.iter_mut().find(|(f, _)| *f == field) {
            Some((_, messages)) => messages.push(message),
            None => self.entries.push((field, vec![message])),
        }
    }

    /// Adds an error of the whole form (`add_error(None, message)`).
    pub fn add_non_field(&mut self, message: impl Into<String>) {
        self.add(NON_FIELD_ERRORS, message);
    }

    /// The messages of `field` (empty when it has none).
    pub fn get(&self, field: &str) -> &[String] {
        self.entries
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(&[], |(_, m)| m.as_slice())
    }

    /// The errors of no field (`form.non_field_errors()`).
    pub fn non_field_errors(&self) -> &[String] {
        self.get(NON_FIELD_ERRORS)
    }

    /// Whether `field` has errors (`form.has_error(field)`).
    pub fn has(&self, field: &str) -> bool {
        !self.get(field).is_empty()
    }

    /// No errors.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many fields (and `__all__`) have errors.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Each failing field and its messages, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &[String])> + '_ {
        self.entries.iter().map(|(f, m)| (*f, m.as_slice()))
    }

    /// The names of the failing fields, in order.
    pub fn fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.iter().map(|(f, _)| *f)
    }
}

impl fmt::Display for FormErrors {
    /// `field: message, message; field: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (field, messages)) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{field}: {}", messages.join(" "))?;
        }
        Ok(())
    }
}

impl From<FormErrors> for ValidationErrors {
    fn from(errors: FormErrors) -> Self {
        let mut out = ValidationErrors::default();
        for (field, messages) in errors.entries {
            for m in messages {
                out.add(field, m);
            }
        }
        out
    }
}

/// The submitted values of a form's fields, in the form's order: the last
/// value of each key (`None`: absent).
#[doc(hidden)]
#[derive(Debug, Clone, Default)]
pub struct FormData {
    values: Vec<Option<String>>,
}

impl FormData {
    /// The values of `fields` among `pairs`; the last of a repeated key wins.
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(
        fields: &[FieldSpec],
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let mut values = vec![None; fields.len()];
        for (k, v) in pairs {
            if let Some(i) = fields.iter().position(|f| f.name == k.as_ref()) {
                let slot: &mut Option<String> = &mut values[i];
                match slot {
                    Some(s) => {
                        s.clear();
                        s.push_str(v.as_ref());
                    }
                    None => *slot = Some(v.as_ref().to_owned()),
                }
            }
        }
        FormData { values }
    }

    /// An urlencoded body's values (`Err` past [`MAX_NUMBER_FIELDS`] keys).
    pub fn from_urlencoded(fields: &[FieldSpec], body: &str) -> Result<Self> {
        let pairs = form_urlencoded::parse(body.as_bytes());
        if pairs.clone().nth(MAX_NUMBER_FIELDS).is_some() {
            let mut errors = ValidationErrors::default();
            errors.add(
                NON_FIELD_ERRORS,
                "The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS.",
            );
            return Err(Error::Validation(errors));
        }
        Ok(Self::from_pairs(fields, pairs))
    }

    /// The value of field `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.values.get(i).and_then(|v| v.as_deref())
    }
}

/// The description of a whole form: its fields in order.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct FormSpec {
    /// The fields, in the struct's order.
    pub fields: Vec<FieldSpec>,
}

/// Cross-field checks of a [`Form`]: Django's `Form.clean()`.
///
/// `#[derive(Form)]` implements it with nothing to check, unless the struct
/// says `#[form(clean)]`: then implement it yourself. `clean` runs once
/// every field is valid, on the typed values; it may change them (the
/// cleaned data is what it leaves) and add errors, to a field with
/// [`FormErrors::add`] or to the whole form with
/// [`FormErrors::add_non_field`]. Any error makes the form invalid.
///
/// ```
/// # use query::prelude::*;
/// #[derive(Form)]
/// #[form(clean)]
/// pub struct Signup {
///     #[form(widget = "password")]
///     pub password: String,
///     #[form(widget = "password")]
///     pub again: String,
/// }
///
/// impl FormClean for Signup {
///     fn clean(&mut self, errors: &mut FormErrors) {
///         if self.password != self.again {
///             errors.add_non_field("The two passwords differ.");
///         }
///     }
/// }
///
/// # fn main() -> query::Result<()> {
/// let form = Signup::bind("password=a&again=b")?;
/// assert_eq!(form.errors().non_field_errors(), ["The two passwords differ."]);
/// # Ok(())
/// # }
/// ```
///
/// Unlike Django, `clean` does not run when a field failed: it receives the
/// typed struct, which exists only when every field is valid.
pub trait FormClean {
    /// Checks the fields together; adds to `errors` what is wrong.
    fn clean(&mut self, errors: &mut FormErrors) {
        let _ = errors;
    }
}

/// A form: a struct with `#[derive(Form)]`, one field per input.
///
/// `ContactForm::bind(body)` and `ContactForm::bind_pairs(pairs)` give a
/// [`BoundForm`] with the typed values or the errors; `ContactForm::unbound()`
/// one to draw empty (with the `initial` values).
pub trait Form: FormClean + Sized + 'static {
    #[doc(hidden)]
    /// The fields (built once).
    fn spec() -> &'static FormSpec;

    #[doc(hidden)]
    /// Cleans every field; the typed struct when all are valid.
    fn clean_fields(data: &FormData, errors: &mut FormErrors) -> Option<Self>;

    #[doc(hidden)]
    /// A copy of the struct (so that it need not be `Clone`).
    fn clone_form(&self) -> Self;

    /// Binds an urlencoded body or query string (`a=1&b=x+y`): Django's
    /// `ContactForm(request.POST)`. `Err` only past 1000 keys; the fields'
    /// errors are in the bound form.
    fn bind(urlencoded: &str) -> Result<BoundForm<Self>> {
        let data = FormData::from_urlencoded(&Self::spec().fields, urlencoded)?;
        Ok(BoundForm::new(data))
    }

    /// Binds key/value pairs (a parsed body, a map): the last of a repeated
    /// key wins.
    fn bind_pairs<K: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> BoundForm<Self> {
        BoundForm::new(FormData::from_pairs(&Self::spec().fields, pairs))
    }

    /// An unbound form, to draw with its `initial` values: Django's
    /// `ContactForm()`. It is not valid and has no errors.
    fn unbound() -> BoundForm<Self> {
        BoundForm {
            data: FormData::default(),
            bound: false,
            errors: FormErrors::default(),
            cleaned: None,
            _form: PhantomData,
        }
    }
}

/// A form with the data it was given: its errors, or its typed values.
pub struct BoundForm<F> {
    data: FormData,
    bound: bool,
    errors: FormErrors,
    cleaned: Option<F>,
    _form: PhantomData<F>,
}

impl<F: Form> fmt::Debug for BoundForm<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundForm")
            .field("data", &self.data)
            .field("errors", &self.errors)
            .finish_non_exhaustive()
    }
}

impl<F: Form> BoundForm<F> {
    fn new(data: FormData) -> Self {
        let mut errors = FormErrors::default();
        let mut cleaned = F::clean_fields(&data, &mut errors);
        if let Some(values) = &mut cleaned {
            values.clean(&mut errors);
        }
        if !errors.is_empty() {
            cleaned = None;
        }
        BoundForm {
            data,
            bound: true,
            errors,
            cleaned,
            _form: PhantomData,
        }
    }

    /// Whether the form was given data (`form.is_bound`).
    pub fn is_bound(&self) -> bool {
        self.bound
    }

    /// Whether every field, and [`FormClean::clean`], passed.
    pub fn is_valid(&self) -> bool {
        self.cleaned.is_some()
    }

    /// The errors: field -> messages, Django's wording (`form.errors`).
    pub fn errors(&self) -> &FormErrors {
        &self.errors
    }

    /// The errors of no field (`form.non_field_errors()`).
    pub fn non_field_errors(&self) -> &[String] {
        self.errors.non_field_errors()
    }

    /// The typed values (a copy); [`Error::Validation`] with the errors when
    /// the form is invalid (or unbound).
    pub fn cleaned_data(&self) -> Result<F> {
        match &self.cleaned {
            Some(values) => Ok(values.clone_form()),
            None => Err(self.invalid()),
        }
    }

    /// The typed values, without a copy.
    pub fn into_cleaned_data(self) -> Result<F> {
        let invalid = self.invalid();
        self.cleaned.ok_or(invalid)
    }

    fn invalid(&self) -> Error {
        let mut errors = ValidationErrors::from(self.errors.clone());
        if errors.is_empty() {
            errors.add(NON_FIELD_ERRORS, "the form is not bound");
        }
        Error::Validation(errors)
    }

    /// The submitted text of `field`, as given (`None`: absent).
    pub fn data(&self, field: &str) -> Option<&str> {
        let i = F::spec().fields.iter().position(|f| f.name == field)?;
        self.data.get(i)
    }

    /// One field, to draw on its own: `form.field("user_name")`
    /// (`form["user_name"]` in a Django template).
    pub fn field(&self, name: &str) -> Option<BoundField<'_>> {
        let fields = &F::spec().fields;
        let i = fields.iter().position(|f| f.name == name)?;
        Some(self.bound_field(i))
    }

    /// Every field, in order.
    pub fn fields(&self) -> impl Iterator<Item = BoundField<'_>> + '_ {
        (0..F::spec().fields.len()).map(|i| self.bound_field(i))
    }

    fn bound_field(&self, i: usize) -> BoundField<'_> {
        let spec = &F::spec().fields[i];
        let value = if self.bound {
            self.data.get(i).map(std::borrow::Cow::Borrowed)
        } else {
            spec.initial.clone()
        };
        BoundField::new(spec, value, self.errors.get(spec.name), None)
    }

    fn render(&self, style: render::Style) -> String {
        render::form(self.fields(), self.errors.non_field_errors(), style)
    }

    /// Each field in a `<p>`, its errors before it (`form.as_p()`).
    pub fn as_p(&self) -> String {
        self.render(render::Style::P)
    }

    /// Each field in a `<tr>` of label and input (`form.as_table()`),
    /// without the `<table>` itself.
    pub fn as_table(&self) -> String {
        self.render(render::Style::Table)
    }

    /// Each field in a `<li>` (`form.as_ul()`), without the `<ul>` itself.
    pub fn as_ul(&self) -> String {
        self.render(render::Style::Ul)
    }
}

impl<F: Form> fmt::Display for BoundForm<F> {
    /// The form as [`as_table`](BoundForm::as_table) draws it (Django's `str(form)` draws divs).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_table())
    }
}

// Not public API: what the derives' code calls.
#[doc(hidden)]
pub mod __private {
    pub use super::field::{FieldSpec, FormValue, Kind, Widget, clean_field};
    pub use super::model_form::{model_field, model_value};
    pub use super::{FormData, FormErrors, FormSpec};
    pub use std::sync::OnceLock;

    /// What a `#[derive(Form)]` does with a field of type `T`, built once
    /// per field in a `const`: an unsupported type is one error, on the type.
    pub struct FieldOps<T> {
        /// The field's description, with the type's defaults.
        pub spec: fn(&'static str) -> FieldSpec,
        /// [`clean_field`] for `T`.
        pub clean: fn(&FieldSpec, Option<&str>, &mut FormErrors) -> Option<T>,
        /// A copy of a value.
        pub clone: fn(&T) -> T,
    }

    /// The [`FieldOps`] of a form field type.
    pub const fn field_ops<T: FormValue>() -> FieldOps<T> {
        FieldOps {
            spec: FieldSpec::of::<T>,
            clean: clean_field::<T>,
            clone: T::clone_value,
        }
    }

    /// A field's value as a form shows it.
    pub fn form_text<T: FormValue>(value: &T) -> Option<String> {
        value.to_form_text()
    }

    /// A text type (for `max_length = ..`).
    #[diagnostic::on_unimplemented(
        message = "`#[form(max_length = ..)]` needs a text field, but `{Self}` is not text",
        label = "not a text type",
        note = "use `String` or `Option<String>`"
    )]
    pub trait MaxLengthText {}
    impl MaxLengthText for String {}
    impl MaxLengthText for Option<String> {}
    /// Checks at compile time that `max_length = ..` is on a text field.
    pub const fn assert_max_length<T: ?Sized + MaxLengthText>() {}

    /// A text type (for `min_length = ..`).
    #[diagnostic::on_unimplemented(
        message = "`#[form(min_length = ..)]` needs a text field, but `{Self}` is not text",
        label = "not a text type",
        note = "use `String` or `Option<String>`"
    )]
    pub trait MinLengthText {}
    impl MinLengthText for String {}
    impl MinLengthText for Option<String> {}
    /// Checks at compile time that `min_length = ..` is on a text field.
    pub const fn assert_min_length<T: ?Sized + MinLengthText>() {}

    /// A text type (for `email`).
    #[diagnostic::on_unimplemented(
        message = "`#[form(email)]` needs a text field, but `{Self}` is not text",
        label = "not a text type",
        note = "use `String` or `Option<String>`"
    )]
    pub trait EmailText {}
    impl EmailText for String {}
    impl EmailText for Option<String> {}
    /// Checks at compile time that `email` is on a text field.
    pub const fn assert_email<T: ?Sized + EmailText>() {}

    /// A text type (for `url`).
    #[diagnostic::on_unimplemented(
        message = "`#[form(url)]` needs a text field, but `{Self}` is not text",
        label = "not a text type",
        note = "use `String` or `Option<String>`"
    )]
    pub trait UrlText {}
    impl UrlText for String {}
    impl UrlText for Option<String> {}
    /// Checks at compile time that `url` is on a text field.
    pub const fn assert_url<T: ?Sized + UrlText>() {}

    /// Fails at compile time when a `ModelForm` lists a field the model sets
    /// itself (`auto_now`, `auto_now_add`, the automatic key), as Django's
    /// "cannot be specified for Post model form as it is a non-editable field".
    ///
    /// # Panics
    ///
    /// On such a field. The derive calls this only in a `const` item, where
    /// the panic is the compile error the user reads; it never runs at run
    /// time.
    pub const fn assert_editable(meta: &crate::meta::ModelMeta, name: &str) {
        let mut i = 0;
        while i < meta.fields.len() {
            let f = &meta.fields[i];
            if crate::tree::str_eq(f.name, name) {
                if f.auto_now || f.auto_now_add {
                    panic!(
                        "a ModelForm can't edit an `auto_now` or `auto_now_add` field: the model sets it on save"
                    );
                }
                if f.auto {
                    panic!(
                        "a ModelForm can't edit the automatic primary key: `bind_instance` says which row to update"
                    );
                }
                return;
            }
            i += 1;
        }
    }

    /// A `bool` field (for `widget = "checkbox"`).
    #[diagnostic::on_unimplemented(
        message = "`#[form(widget = \"checkbox\")]` needs a `bool` field, but `{Self}` is not `bool`",
        label = "not `bool`",
        note = "a checkbox is ticked or not: use `bool`"
    )]
    pub trait CheckboxValue {}
    impl CheckboxValue for bool {}
    /// Checks at compile time that a checkbox is a `bool`.
    pub const fn assert_checkbox<T: ?Sized + CheckboxValue>() {}

    /// A type with a value for an empty field (for `required = false`).
    #[diagnostic::on_unimplemented(
        message = "`#[form(required = false)]` needs a type with an empty value, but `{Self}` has none",
        label = "no value for an empty field",
        note = "use `Option<{Self}>`: an empty field is then `None`"
    )]
    pub trait HasEmpty {}
    impl HasEmpty for String {}
    impl HasEmpty for bool {}
    impl<T> HasEmpty for Option<T> {}
    /// Checks at compile time that `required = false` is possible.
    pub const fn assert_has_empty<T: ?Sized + HasEmpty>() {}
}
