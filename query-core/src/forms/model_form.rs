//! `ModelForm`: a form of a model's fields, whose kinds, labels and checks
//! come from the model, and which saves the model.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use super::field::{FieldSpec, FormValue, Kind, Widget, capfirst, messages};
use super::render::{self, BoundField};
use super::{FormData, FormErrors, FormSpec, NON_FIELD_ERRORS};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::meta::{FieldMeta, ModelMeta};
use crate::model::Model;
use crate::types::FieldType;
use crate::validation::ValidationErrors;
use crate::value::Value;

/// A form of some of a model's fields: a unit struct with
/// `#[derive(ModelForm)]` and `#[form(model = Post, fields = ["mood", "nickname"])]`.
///
/// Each field's kind follows the model field's Rust type, and its checks
/// the model's attributes (`max_length`, `email`, `url`, `choices`); its
/// label is Django's verbose name (`user_name` is "User name"). A
/// `ForeignKey<T>` is a choice among `T`'s rows, by key. `unique` fields
/// and foreign keys are checked against the database when the form is
/// saved (or [`validate`](BoundModelForm::validate)d).
///
/// - `PostForm::bind(body)` starts from `Post::default()`: the model's
///   fields outside the form keep their `Default` values (give the model a
///   `Default` impl that says what a new row holds). For a model without
///   `Default`, or to set the other fields yourself, bind a starting
///   instance: `PostForm::bind_instance(&Post { author, ..}, body)`; its
///   key still 0, `save` inserts it.
/// - `PostForm::bind_instance(&post, body)` edits a saved row: `save`
///   updates it.
/// - [`save`](BoundModelForm::save) checks everything, then inserts or
///   updates; when anything is wrong it writes nothing and returns
///   [`Error::Validation`] with the form's errors, which the form keeps to
///   draw them. A model field outside the form that fails the model's own
///   checks (an `email` left empty by `Default`) fails the save the same
///   way, with the model's message (Django's `save()` would fail there too).
pub trait ModelForm: Sized + 'static {
    /// The model edited.
    type Model: Model;

    #[doc(hidden)]
    /// The fields (built once).
    fn spec() -> &'static FormSpec;

    #[doc(hidden)]
    /// Cleans every field into `instance`; the errors into `errors`.
    fn clean_into(instance: &mut Self::Model, data: &FormData, errors: &mut FormErrors);

    #[doc(hidden)]
    /// The form's fields of `instance`, as the form shows them.
    fn initial(instance: &Self::Model) -> Vec<Option<String>>;

    #[doc(hidden)]
    /// The form's fields of `instance`, as bound values.
    fn values(instance: &Self::Model) -> Vec<Value>;

    /// Binds an urlencoded body to a new instance (`Default`): Django's
    /// `PostForm(request.POST)`. `Err` only past 1000 keys.
    fn bind(urlencoded: &str) -> Result<BoundModelForm<Self>>
    where
        Self::Model: Default,
    {
        let data = FormData::from_urlencoded(&Self::spec().fields, urlencoded)?;
        Ok(BoundModelForm::new(Self::Model::default(), data))
    }

    /// Binds key/value pairs to a new instance (`Default`).
    fn bind_pairs<K: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> BoundModelForm<Self>
    where
        Self::Model: Default,
    {
        let data = FormData::from_pairs(&Self::spec().fields, pairs);
        BoundModelForm::new(Self::Model::default(), data)
    }

    /// Binds an urlencoded body to a copy of `instance`: Django's
    /// `PostForm(request.POST, instance=post)`; `save` updates the row
    /// (inserts it when its key is still 0).
    fn bind_instance(instance: &Self::Model, urlencoded: &str) -> Result<BoundModelForm<Self>>
    where
        Self::Model: Clone,
    {
        let data = FormData::from_urlencoded(&Self::spec().fields, urlencoded)?;
        Ok(BoundModelForm::new(instance.clone(), data))
    }

    /// Binds key/value pairs to a copy of `instance`.
    fn bind_instance_pairs<K: AsRef<str>, V: AsRef<str>>(
        instance: &Self::Model,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> BoundModelForm<Self>
    where
        Self::Model: Clone,
    {
        let data = FormData::from_pairs(&Self::spec().fields, pairs);
        BoundModelForm::new(instance.clone(), data)
    }

    /// An unbound form of a new instance, to draw: Django's `PostForm()`.
    /// It shows the model's `default = ..` values.
    fn unbound() -> BoundModelForm<Self>
    where
        Self::Model: Default,
    {
        let meta = <Self::Model as Model>::META;
        let initial = Self::spec()
            .fields
            .iter()
            .map(|spec| {
                field_meta(meta, spec.name)
                    .and_then(|f| f.default)
                    .and_then(|default| value_text(&default()))
            })
            .collect();
        BoundModelForm::unbound(Self::Model::default(), initial)
    }

    /// An unbound form showing `instance`'s values: Django's
    /// `PostForm(instance=post)`.
    fn for_instance(instance: &Self::Model) -> BoundModelForm<Self>
    where
        Self::Model: Clone,
    {
        BoundModelForm::unbound(instance.clone(), Self::initial(instance))
    }
}

/// A [`ModelForm`] with its data: the instance with the submitted values,
/// or the errors; [`save`](BoundModelForm::save) writes it.
pub struct BoundModelForm<F: ModelForm> {
    data: FormData,
    bound: bool,
    errors: FormErrors,
    instance: F::Model,
    initial: Vec<Option<String>>,
    /// The rows of each foreign key field, once loaded.
    choices: Vec<Option<Vec<(String, String)>>>,
    checked: bool,
    _form: PhantomData<F>,
}

impl<F: ModelForm> fmt::Debug for BoundModelForm<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundModelForm")
            .field("data", &self.data)
            .field("errors", &self.errors)
            .finish_non_exhaustive()
    }
}

impl<F: ModelForm> BoundModelForm<F> {
    fn new(mut instance: F::Model, data: FormData) -> Self {
        let mut errors = FormErrors::default();
        F::clean_into(&mut instance, &data, &mut errors);
        let n = F::spec().fields.len();
        BoundModelForm {
            data,
            bound: true,
            errors,
            instance,
            initial: Vec::new(),
            choices: vec![None; n],
            checked: false,
            _form: PhantomData,
        }
    }

    fn unbound(instance: F::Model, initial: Vec<Option<String>>) -> Self {
        let n = F::spec().fields.len();
        BoundModelForm {
            data: FormData::default(),
            bound: false,
            errors: FormErrors::default(),
            instance,
            initial,
            choices: vec![None; n],
            checked: false,
            _form: PhantomData,
        }
    }

    /// Whether the form was given data.
    pub fn is_bound(&self) -> bool {
        self.bound
    }

    /// Whether every field is valid, as far as can be told without the
    /// database (the `unique` and foreign key checks run in
    /// [`validate`](BoundModelForm::validate) and [`save`](BoundModelForm::save)).
    pub fn is_valid(&self) -> bool {
        self.bound && self.errors.is_empty()
    }

    /// Django's `is_valid()` in full: the fields, then `unique` and the
    /// foreign keys against the database (once). `Ok(false)` with the
    /// errors in [`errors`](BoundModelForm::errors).
    pub fn validate(&mut self, db: &Db) -> Result<bool> {
        if !self.is_valid() {
            return Ok(false);
        }
        if !self.checked {
            self.check_database(db)?;
            self.checked = true;
        }
        Ok(self.errors.is_empty())
    }

    /// The errors: field -> messages, Django's wording.
    pub fn errors(&self) -> &FormErrors {
        &self.errors
    }

    /// The instance with the submitted values of the valid fields.
    pub fn instance(&self) -> &F::Model {
        &self.instance
    }

    /// Validates (the fields, then the database checks), then saves the
    /// instance: `INSERT` for a new one, `UPDATE` for one bound with
    /// [`ModelForm::bind_instance`]; returns the saved model (its key set).
    /// When anything is wrong nothing is written, the form keeps the
    /// errors, and the result is [`Error::Validation`] with them.
    pub fn save(&mut self, db: &Db) -> Result<F::Model>
    where
        F::Model: Clone,
    {
        if !self.validate(db)? {
            let mut errors = ValidationErrors::from(self.errors.clone());
            if errors.is_empty() {
                errors.add(NON_FIELD_ERRORS, "the form is not bound");
            }
            return Err(Error::Validation(errors));
        }
        let mut saved = self.instance.clone();
        saved.save(db)?;
        self.instance = saved.clone();
        Ok(saved)
    }

    /// Runs the checks that need the database: each foreign key names a
    /// row, each `unique` value is not another row's.
    fn check_database(&mut self, db: &Db) -> Result<()> {
        let meta = <F::Model as Model>::META;
        let values = F::values(&self.instance);
        let fields = &F::spec().fields;
        for (spec, value) in fields.iter().zip(&values) {
            let Some(field) = field_meta(meta, spec.name) else {
                continue;
            };
            if *value == Value::Null {
                continue;
            }
            if let Some(fk) = field.foreign_key {
                let target = (fk.to)();
                let sql = format!(
                    "SELECT 1 FROM {} WHERE {} = $1 LIMIT 1",
                    quote(target.table),
                    quote(target.pk_field().column)
                );
                if db.query(&sql, std::slice::from_ref(value))?.is_empty() {
                    self.errors.add(spec.name, messages::INVALID_MODEL_CHOICE);
                }
            }
        }
        for (spec, value) in fields.iter().zip(&values) {
            let Some(field) = field_meta(meta, spec.name) else {
                continue;
            };
            if !field.unique || *value == Value::Null || self.errors.has(spec.name) {
                continue;
            }
            let mut sql = format!(
                "SELECT 1 FROM {} WHERE {} = $1",
                quote(meta.table),
                quote(field.column)
            );
            let mut params = vec![value.clone()];
            if !self.instance.pk_is_unset() {
                sql.push_str(&format!(" AND {} <> $2", quote(meta.pk_field().column)));
                params.push(self.instance.pk_value());
            }
            sql.push_str(" LIMIT 1");
            if !db.query(&sql, &params)?.is_empty() {
                let model_name = capfirst(&verbose_name(meta.name));
                let label = capfirst(&field.name.replace('_', " "));
                self.errors
                    .add(spec.name, messages::unique(&model_name, &label));
            }
        }
        Ok(())
    }

    /// Reads the keys of the rows each foreign key may point at, so that
    /// its `<select>` offers them all (without it, a select shows the
    /// current value only).
    pub fn load_choices(&mut self, db: &Db) -> Result<()> {
        let meta = <F::Model as Model>::META;
        for (i, spec) in F::spec().fields.iter().enumerate() {
            let Some(fk) = field_meta(meta, spec.name).and_then(|f| f.foreign_key) else {
                continue;
            };
            let target = (fk.to)();
            let pk = quote(target.pk_field().column);
            let sql = format!("SELECT {pk} FROM {} ORDER BY {pk}", quote(target.table));
            let rows = db.query(&sql, &[])?;
            let keys = rows
                .iter()
                .filter_map(|row| row.first().and_then(value_text))
                .map(|k| (k.clone(), k))
                .collect();
            self.choices[i] = Some(keys);
        }
        Ok(())
    }

    /// One field, to draw on its own.
    pub fn field(&self, name: &str) -> Option<BoundField<'_>> {
        let i = F::spec().fields.iter().position(|f| f.name == name)?;
        Some(self.bound_field(i))
    }

    /// Every field, in order.
    pub fn fields(&self) -> impl Iterator<Item = BoundField<'_>> + '_ {
        (0..F::spec().fields.len()).map(|i| self.bound_field(i))
    }

    fn bound_field(&self, i: usize) -> BoundField<'_> {
        let spec = &F::spec().fields[i];
        let value = if self.bound {
            self.data.get(i).map(Cow::Borrowed)
        } else {
            self.initial
                .get(i)
                .and_then(|v| v.as_deref())
                .map(Cow::Borrowed)
        };
        BoundField::new(
            spec,
            value,
            self.errors.get(spec.name),
            self.choices.get(i).and_then(|c| c.as_deref()),
        )
    }

    /// Each field in a `<p>` (`form.as_p()`).
    pub fn as_p(&self) -> String {
        render::form(
            self.fields(),
            self.errors.non_field_errors(),
            render::Style::P,
        )
    }

    /// Each field in a `<tr>` (`form.as_table()`).
    pub fn as_table(&self) -> String {
        render::form(
            self.fields(),
            self.errors.non_field_errors(),
            render::Style::Table,
        )
    }

    /// Each field in a `<li>` (`form.as_ul()`).
    pub fn as_ul(&self) -> String {
        render::form(
            self.fields(),
            self.errors.non_field_errors(),
            render::Style::Ul,
        )
    }
}

/// `"name"`, a quoted identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn field_meta(meta: &'static ModelMeta, name: &str) -> Option<&'static FieldMeta> {
    meta.fields.iter().find(|f| f.name == name)
}

/// A value as a form shows it.
fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Integer(i) => Some(i.to_string()),
        Value::Real(r) => Some(r.to_string()),
        Value::Text(s) => Some(s.clone()),
        Value::Blob(_) | Value::List(_) => None,
    }
}

/// Django's `camel_case_to_spaces`: `BlogPost` is "blog post", `HTTPServer`
/// "http server".
fn verbose_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let after_lower = i > 0 && chars[i - 1].is_lowercase();
            let next = chars.get(i + 1);
            let before_lower = next.is_some_and(|n| !n.is_uppercase());
            if after_lower || before_lower {
                out.push(' ');
            }
        }
        out.extend(c.to_lowercase());
    }
    out.trim().to_owned()
}

/// A model field as a form field: its type's kind, the model's checks and
/// Django's verbose name as the label. The accessor only carries the type.
pub fn model_field<M: Model, T: FormValue>(_: fn(&M) -> &T, name: &'static str) -> FieldSpec {
    let mut spec = FieldSpec::of::<T>(name).label(capfirst(&name.replace('_', " ")));
    let Some(meta) = field_meta(M::META, name) else {
        return spec;
    };
    if let Some(n) = meta.max_length {
        spec = spec.max_length(n);
    }
    if meta.email {
        spec = spec.email();
    }
    if meta.url {
        spec = spec.url();
    }
    if let Some(choices) = meta.choices {
        let pairs: Vec<(String, String)> = choices()
            .iter()
            .filter_map(value_text)
            .map(|v| (v.clone(), v))
            .collect();
        spec = spec.choices(pairs);
        // Django's `include_blank`: unless the field has a default.
        spec.blank_choice = T::OPTIONAL || meta.default.is_none();
    }
    if spec.kind == Kind::Text
        && spec.max_length.is_none()
        && spec.choices.is_none()
        && spec.widget == Widget::Text
    {
        // A `TextField`: Django draws a `<textarea>`.
        spec = spec.widget(Widget::Textarea);
    }
    spec.unique = meta.unique;
    spec
}

/// A model field's value, bound as the model binds it.
pub fn model_value<T: FieldType>(value: &T) -> Value {
    value.to_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbose_names() {
        assert_eq!(verbose_name("Post"), "post");
        assert_eq!(verbose_name("BlogPost"), "blog post");
        assert_eq!(verbose_name("HTTPServer"), "http server");
    }
}
