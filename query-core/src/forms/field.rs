//! One form field: its description ([`FieldSpec`]), the Rust types a field
//! may have ([`FormValue`]), and how a submitted string becomes a typed
//! value, with Django's messages.

use std::borrow::Cow;

use super::FormErrors;
use crate::model::Model;
use crate::relation::ForeignKey;
use crate::validators::{is_valid_email, is_valid_url};

/// Django's messages, word for word (the acceptance suite compares them).
pub mod messages {
    /// A required field left empty.
    pub const REQUIRED: &str = "This field is required.";
    /// An integer field that did not parse.
    pub const WHOLE_NUMBER: &str = "Enter a whole number.";
    /// A float field that did not parse (or is not finite).
    pub const NUMBER: &str = "Enter a number.";
    /// `email`.
    pub const EMAIL: &str = "Enter a valid email address.";
    /// `url`.
    pub const URL: &str = "Enter a valid URL.";
    /// A date field that did not parse.
    pub const DATE: &str = "Enter a valid date.";
    /// A date-time field that did not parse.
    pub const DATETIME: &str = "Enter a valid date/time.";
    /// A text value holding U+0000.
    pub const NULL_CHARACTERS: &str = "Null characters are not allowed.";
    /// A foreign key that names no row (Django's `ModelChoiceField`).
    pub const INVALID_MODEL_CHOICE: &str =
        "Select a valid choice. That choice is not one of the available choices.";

    /// `"Select a valid choice. XX is not one of the available choices."`
    pub fn invalid_choice(value: &str) -> String {
        format!("Select a valid choice. {value} is not one of the available choices.")
    }

    /// `"Ensure this value has at most 50 characters (it has 51)."`
    pub fn max_length(limit: u32, has: usize) -> String {
        let unit = if limit == 1 {
            "character"
        } else {
            "characters"
        };
        format!("Ensure this value has at most {limit} {unit} (it has {has}).")
    }

    /// `"Ensure this value has at least 5 characters (it has 2)."`
    pub fn min_length(limit: u32, has: usize) -> String {
        let unit = if limit == 1 {
            "character"
        } else {
            "characters"
        };
        format!("Ensure this value has at least {limit} {unit} (it has {has}).")
    }

    /// `"Ensure this value is less than or equal to 127."`
    pub fn max_value(limit: i64) -> String {
        format!("Ensure this value is less than or equal to {limit}.")
    }

    /// `"Ensure this value is greater than or equal to 0."`
    pub fn min_value(limit: i64) -> String {
        format!("Ensure this value is greater than or equal to {limit}.")
    }

    /// `"Post with this Nickname already exists."`
    pub fn unique(model_name: &str, field_label: &str) -> String {
        format!("{model_name} with this {field_label} already exists.")
    }
}

/// What a field holds, which decides how its text is parsed and its
/// default widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// Text (`CharField`; `EmailField` and `URLField` with `email`, `url`).
    Text,
    /// An integer between `min` and `max` (the Rust type's range).
    Integer {
        /// The least value the type holds.
        min: i64,
        /// The greatest value the type holds.
        max: i64,
    },
    /// A float (`FloatField`).
    Float,
    /// `bool`: a checkbox (`BooleanField`).
    Bool,
    /// `Option<bool>`: unknown, yes or no (`NullBooleanField`).
    NullBool,
    /// A date (`DateField`).
    Date,
    /// A date and time (`DateTimeField`).
    DateTime,
    /// A foreign key: a choice among the target model's rows
    /// (`ModelChoiceField`).
    ForeignKey,
}

/// How a field is drawn: Django's widget classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Widget {
    /// `<input type="text">` (`TextInput`, also Django's `DateInput` and `DateTimeInput`).
    Text,
    /// `<input type="email">`.
    Email,
    /// `<input type="url">`.
    Url,
    /// `<input type="number">`.
    Number,
    /// `<input type="password">`: the value is never drawn back.
    Password,
    /// `<input type="hidden">`: no label, its errors shown with the form's.
    Hidden,
    /// `<input type="date">`.
    Date,
    /// `<input type="datetime-local">`.
    DateTimeLocal,
    /// `<textarea cols="40" rows="10">`.
    Textarea,
    /// `<input type="checkbox">`.
    Checkbox,
    /// `<select>` of the choices.
    Select,
    /// Radio buttons, one per choice.
    Radio,
    /// `<select>` of unknown, yes and no (`NullBooleanSelect`).
    NullBoolean,
}

impl Widget {
    /// The widget named in `#[form(widget = "...")]`; `None` for an unknown name.
    pub fn from_name(name: &str) -> Option<Widget> {
        Some(match name {
            "text" => Widget::Text,
            "email" => Widget::Email,
            "url" => Widget::Url,
            "number" => Widget::Number,
            "password" => Widget::Password,
            "hidden" => Widget::Hidden,
            "date" => Widget::Date,
            "datetime-local" => Widget::DateTimeLocal,
            "textarea" => Widget::Textarea,
            "checkbox" => Widget::Checkbox,
            "select" => Widget::Select,
            "radio" => Widget::Radio,
            _ => return None,
        })
    }
}

/// The description of one form field: what `#[derive(Form)]` and
/// `#[derive(ModelForm)]` read from the struct, its attributes or the model.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FieldSpec {
    /// The field's name: the key in the submitted data, the `name` of its input.
    pub name: &'static str,
    /// The label (`label = ".."`; by default the name, Django's way:
    /// `user_name` is "User name").
    pub label: Cow<'static, str>,
    /// What it holds.
    pub kind: Kind,
    /// Whether an empty value is "This field is required.".
    pub required: bool,
    /// Characters at most (`max_length`; 320 for a form's `email`, as Django).
    pub max_length: Option<u32>,
    /// Characters at least (`min_length`).
    pub min_length: Option<u32>,
    /// `email`.
    pub email: bool,
    /// `url`.
    pub url: bool,
    /// The `(value, label)` pairs the value must be one of.
    pub choices: Option<Vec<(String, String)>>,
    /// Whether a select shows an empty "---------" choice first.
    pub blank_choice: bool,
    /// How it is drawn.
    pub widget: Widget,
    /// `help_text = ".."`, drawn under the input.
    pub help_text: Option<Cow<'static, str>>,
    /// `initial = ..`: the value an unbound form shows.
    pub initial: Option<Cow<'static, str>>,
    /// A model form's field whose model field is `unique`.
    pub unique: bool,
}

impl FieldSpec {
    /// The description of a field of type `T`, with Django's defaults.
    pub fn of<T: FormValue>(name: &'static str) -> Self {
        let kind = T::KIND;
        let widget = match kind {
            Kind::Text | Kind::Date | Kind::DateTime => Widget::Text,
            Kind::Integer { .. } | Kind::Float => Widget::Number,
            Kind::Bool => Widget::Checkbox,
            Kind::NullBool => Widget::NullBoolean,
            Kind::ForeignKey => Widget::Select,
        };
        FieldSpec {
            name,
            label: Cow::Owned(pretty_name(name)),
            kind,
            // A checkbox left unticked is `false`, a value (Django's models
            // make every `BooleanField` `required=False` too).
            required: !T::OPTIONAL && kind != Kind::Bool,
            max_length: None,
            min_length: None,
            email: false,
            url: false,
            choices: None,
            blank_choice: T::OPTIONAL || kind == Kind::ForeignKey,
            widget,
            help_text: None,
            initial: None,
            unique: false,
        }
    }

    /// Sets the label.
    pub fn label(mut self, label: impl Into<Cow<'static, str>>) -> Self {
        self.label = label.into();
        self
    }

    /// Sets `required`.
    pub fn required(mut self, required: bool) -> Self {
        self.required = required;
        if !required {
            self.blank_choice = true;
        }
        self
    }

    /// Sets `max_length`.
    pub fn max_length(mut self, n: u32) -> Self {
        self.max_length = Some(n);
        self
    }

    /// Sets `min_length`.
    pub fn min_length(mut self, n: u32) -> Self {
        self.min_length = Some(n);
        self
    }

    /// An email address: `<input type="email">`, Django's `EmailField`
    /// (320 characters at most unless `max_length` says otherwise).
    pub fn email(mut self) -> Self {
        self.email = true;
        self.max_length.get_or_insert(320);
        if self.widget == Widget::Text {
            self.widget = Widget::Email;
        }
        self
    }

    /// A URL: `<input type="url">`, Django's `URLField`.
    pub fn url(mut self) -> Self {
        self.url = true;
        if self.widget == Widget::Text {
            self.widget = Widget::Url;
        }
        self
    }

    /// The `(value, label)` pairs the value must be one of; drawn as a `<select>`.
    pub fn choices<V: Into<String>, L: Into<String>>(
        mut self,
        choices: impl IntoIterator<Item = (V, L)>,
    ) -> Self {
        self.choices = Some(
            choices
                .into_iter()
                .map(|(v, l)| (v.into(), l.into()))
                .collect(),
        );
        if !matches!(self.widget, Widget::Radio | Widget::Hidden) {
            self.widget = Widget::Select;
        }
        self
    }

    /// Sets the widget.
    pub fn widget(mut self, widget: Widget) -> Self {
        self.widget = widget;
        self
    }

    /// Sets the help text.
    pub fn help_text(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.help_text = Some(text.into());
        self
    }

    /// Sets the initial value an unbound form shows.
    pub fn initial(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.initial = Some(text.into());
        self
    }

    /// The `id` of the input: `id_<name>`.
    pub fn id(&self) -> String {
        format!("id_{}", self.name)
    }

    /// Whether the value is text that Django strips (a `CharField`).
    fn strips(&self) -> bool {
        self.kind == Kind::Text && self.choices.is_none()
    }
}

/// Django's `pretty_name`: `user_name` gives "User name".
pub fn pretty_name(name: &str) -> String {
    let spaced = name.trim_start_matches("r#").replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// Django's `capfirst`: the first character upper-cased, the rest as is.
pub fn capfirst(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A Rust type a form field may have: integers up to `i64` (and `u8`,
/// `u16`, `u32`), `f32`, `f64`, `bool`, `String`, `chrono::NaiveDate`,
/// `chrono::NaiveDateTime`, `ForeignKey<T>` (in a `ModelForm`), and an
/// `Option` of each (not required).
#[diagnostic::on_unimplemented(
    message = "`{Self}` can't be a form field",
    label = "unsupported form field type",
    note = "a form field can be an integer (`i8` to `i64`, `u8` to `u32`), `f32`, `f64`, `bool`, `String`, `chrono::NaiveDate`, `chrono::NaiveDateTime`, a `ForeignKey<T>`, or an `Option` of one of these"
)]
pub trait FormValue: Sized + 'static {
    /// What the field holds.
    const KIND: Kind;
    /// `Option<T>`: an empty value is `None`, not an error.
    const OPTIONAL: bool = false;

    /// Parses the text of a non-empty value (stripped, for text); the error
    /// is Django's message.
    fn parse(text: &str) -> Result<Self, String>;

    /// The value of an empty field that is not required (`""`, `false`,
    /// `None`); `None` when the type has none.
    fn empty() -> Option<Self>;

    /// The value as a form shows it (`None`: nothing, or unticked).
    fn to_form_text(&self) -> Option<String>;

    #[doc(hidden)]
    /// The same value (the derive's `Clone`, so that a form need not be `Clone`).
    fn clone_value(&self) -> Self;
}

/// Python's `int()` after Django's `IntegerField` dropped a trailing
/// `.000`: surrounding whitespace, a sign, digits with single `_` between
/// them. `None` when it does not parse; out-of-range values saturate.
fn parse_python_int(text: &str) -> Option<i128> {
    let text = text.trim();
    // `re_decimal = r"\.0*\s*$"`: "5.0" and "5." are 5.
    let text = match text.rfind('.') {
        Some(dot) if text[dot + 1..].bytes().all(|b| b == b'0') => text[..dot].trim_end(),
        _ => text,
    };
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') {
        return None;
    }
    let mut n: i128 = 0;
    let mut previous_underscore = false;
    for b in digits.bytes() {
        match b {
            b'0'..=b'9' => {
                n = n.saturating_mul(10).saturating_add(i128::from(b - b'0'));
                previous_underscore = false;
            }
            b'_' if !previous_underscore => previous_underscore = true,
            _ => return None,
        }
    }
    Some(if negative { -n } else { n })
}

fn parse_int(text: &str, min: i64, max: i64) -> Result<i64, String> {
    let n = parse_python_int(text).ok_or_else(|| messages::WHOLE_NUMBER.to_owned())?;
    if n > i128::from(max) {
        Err(messages::max_value(max))
    } else if n < i128::from(min) {
        Err(messages::min_value(min))
    } else {
        // In range of an `i64` by the checks above.
        Ok(n as i64)
    }
}

macro_rules! form_int {
    ($($ty:ty),*) => {$(
        impl FormValue for $ty {
            const KIND: Kind = Kind::Integer { min: <$ty>::MIN as i64, max: <$ty>::MAX as i64 };
            fn parse(text: &str) -> Result<Self, String> {
                let n = parse_int(text, <$ty>::MIN as i64, <$ty>::MAX as i64)?;
                <$ty>::try_from(n).map_err(|_| messages::WHOLE_NUMBER.to_owned())
            }
            fn empty() -> Option<Self> {
                None
            }
            fn to_form_text(&self) -> Option<String> {
                Some(self.to_string())
            }
            fn clone_value(&self) -> Self {
                *self
            }
        }
    )*};
}
form_int!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! form_float {
    ($($ty:ty),*) => {$(
        impl FormValue for $ty {
            const KIND: Kind = Kind::Float;
            fn parse(text: &str) -> Result<Self, String> {
                // Python's `float()`: whitespace around, `1e5`, `.5`; then
                // Django refuses what is not finite.
                match text.trim().replace('_', "").parse::<$ty>() {
                    Ok(x) if x.is_finite() && !text.trim().starts_with('_') => Ok(x),
                    _ => Err(messages::NUMBER.to_owned()),
                }
            }
            fn empty() -> Option<Self> {
                None
            }
            fn to_form_text(&self) -> Option<String> {
                Some(self.to_string())
            }
            fn clone_value(&self) -> Self {
                *self
            }
        }
    )*};
}
form_float!(f32, f64);

impl FormValue for bool {
    const KIND: Kind = Kind::Bool;
    fn parse(text: &str) -> Result<Self, String> {
        Ok(checkbox_value(Some(text)))
    }
    fn empty() -> Option<Self> {
        Some(false)
    }
    fn to_form_text(&self) -> Option<String> {
        self.then(|| "on".to_owned())
    }
    fn clone_value(&self) -> Self {
        *self
    }
}

impl FormValue for String {
    const KIND: Kind = Kind::Text;
    fn parse(text: &str) -> Result<Self, String> {
        Ok(text.to_owned())
    }
    fn empty() -> Option<Self> {
        Some(String::new())
    }
    fn to_form_text(&self) -> Option<String> {
        Some(self.clone())
    }
    fn clone_value(&self) -> Self {
        self.clone()
    }
}

/// Django's `DATE_INPUT_FORMATS` for English.
#[cfg(feature = "chrono")]
const DATE_FORMATS: [&str; 11] = [
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%b %d %Y",
    "%b %d, %Y",
    "%d %b %Y",
    "%d %b, %Y",
    "%B %d %Y",
    "%B %d, %Y",
    "%d %B %Y",
    "%d %B, %Y",
];

/// Django's `DATETIME_INPUT_FORMATS` for English (`%.f` is an optional
/// fraction here: Django lists each format with and without one).
#[cfg(feature = "chrono")]
const DATETIME_FORMATS: [&str; 6] = [
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M:%S%.f",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %H:%M:%S%.f",
    "%m/%d/%y %H:%M",
];

/// Python's `%Y` reads exactly four digits (chrono's reads any number):
/// a format with `%Y` only applies to a text with four digits in a row.
#[cfg(feature = "chrono")]
fn year_fits(format: &str, text: &str) -> bool {
    !format.contains("%Y")
        || text
            .as_bytes()
            .windows(4)
            .any(|w| w.iter().all(u8::is_ascii_digit))
}

#[cfg(feature = "chrono")]
fn parse_date(text: &str) -> Option<chrono::NaiveDate> {
    let text = text.trim();
    DATE_FORMATS
        .iter()
        .filter(|f| year_fits(f, text))
        .find_map(|f| chrono::NaiveDate::parse_from_str(text, f).ok())
}

#[cfg(feature = "chrono")]
impl FormValue for chrono::NaiveDate {
    const KIND: Kind = Kind::Date;
    fn parse(text: &str) -> Result<Self, String> {
        parse_date(text).ok_or_else(|| messages::DATE.to_owned())
    }
    fn empty() -> Option<Self> {
        None
    }
    fn to_form_text(&self) -> Option<String> {
        Some(self.format("%Y-%m-%d").to_string())
    }
    fn clone_value(&self) -> Self {
        *self
    }
}

#[cfg(feature = "chrono")]
impl FormValue for chrono::NaiveDateTime {
    const KIND: Kind = Kind::DateTime;
    fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        // Django's `parse_datetime` (ISO 8601, `T` or a space; an offset
        // is converted to UTC), then its input formats, then a date alone
        // at midnight.
        let iso = text.replacen('T', " ", 1);
        if let Ok(t) = chrono::DateTime::parse_from_str(&iso, "%Y-%m-%d %H:%M:%S%.f%#z")
            .or_else(|_| chrono::DateTime::parse_from_str(&iso, "%Y-%m-%d %H:%M%#z"))
        {
            return Ok(t.naive_utc());
        }
        if let Some(t) = iso
            .strip_suffix('Z')
            .into_iter()
            .chain([iso.as_str()])
            .find_map(|s| {
                DATETIME_FORMATS
                    .iter()
                    .filter(|f| year_fits(f, s))
                    .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
            })
        {
            return Ok(t);
        }
        parse_date(text)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .ok_or_else(|| messages::DATETIME.to_owned())
    }
    fn empty() -> Option<Self> {
        None
    }
    fn to_form_text(&self) -> Option<String> {
        Some(self.format("%Y-%m-%d %H:%M:%S").to_string())
    }
    fn clone_value(&self) -> Self {
        *self
    }
}

impl<T: FormValue> FormValue for Option<T> {
    const KIND: Kind = match T::KIND {
        Kind::Bool => Kind::NullBool,
        other => other,
    };
    const OPTIONAL: bool = true;
    fn parse(text: &str) -> Result<Self, String> {
        T::parse(text).map(Some)
    }
    fn empty() -> Option<Self> {
        Some(None)
    }
    fn to_form_text(&self) -> Option<String> {
        match self {
            Some(v) if T::KIND == Kind::Bool => Some(if v.to_form_text().is_some() {
                "true".to_owned()
            } else {
                "false".to_owned()
            }),
            Some(v) => v.to_form_text(),
            None => None,
        }
    }
    fn clone_value(&self) -> Self {
        self.as_ref().map(T::clone_value)
    }
}

impl<M: Model> FormValue for ForeignKey<M>
where
    M::Key: FormValue,
{
    const KIND: Kind = Kind::ForeignKey;
    fn parse(text: &str) -> Result<Self, String> {
        <M::Key as FormValue>::parse(text.trim())
            .map(ForeignKey::new)
            .map_err(|_| messages::INVALID_MODEL_CHOICE.to_owned())
    }
    fn empty() -> Option<Self> {
        None
    }
    fn to_form_text(&self) -> Option<String> {
        self.id().to_form_text()
    }
    fn clone_value(&self) -> Self {
        ForeignKey::new(self.id())
    }
}

/// Django's `CheckboxInput.value_from_datadict`: absent is false, `"false"`
/// (any case) and `""` are false, anything else is true (even `"0"`).
pub(crate) fn checkbox_value(raw: Option<&str>) -> bool {
    match raw {
        None => false,
        Some(v) => !(v.is_empty() || v.eq_ignore_ascii_case("false")),
    }
}

/// Django's `NullBooleanSelect`: `"true"`, `"True"`, `"2"` are yes;
/// `"false"`, `"False"`, `"3"` are no; anything else is unknown.
pub(crate) fn null_boolean_value(raw: Option<&str>) -> Option<bool> {
    match raw? {
        "true" | "True" | "2" => Some(true),
        "false" | "False" | "3" => Some(false),
        _ => None,
    }
}

/// Django's `URLField.to_python`: a URL without a scheme gets `http://`
/// (`example.com/a` is `http://example.com/a`).
fn assume_scheme(text: &str) -> Cow<'_, str> {
    // Python's `urlsplit` scheme: a letter, then letters, digits, `+-.`, then `:`.
    let has_scheme = text.split_once(':').is_some_and(|(scheme, _)| {
        let mut chars = scheme.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if has_scheme {
        Cow::Borrowed(text)
    } else if let Some(rest) = text.strip_prefix("//") {
        Cow::Owned(format!("http://{rest}"))
    } else {
        Cow::Owned(format!("http://{text}"))
    }
}

/// Cleans one field's submitted text (`None`: the key was absent) as
/// Django's field of that kind does, adding its messages to `errors`;
/// `None` when it failed.
pub fn clean_field<T: FormValue>(
    spec: &FieldSpec,
    raw: Option<&str>,
    errors: &mut FormErrors,
) -> Option<T> {
    let fail = |errors: &mut FormErrors, message: String| {
        errors.add(spec.name, message);
        None
    };
    match spec.kind {
        Kind::Bool => {
            let ticked = checkbox_value(raw);
            if !ticked && spec.required {
                return fail(errors, messages::REQUIRED.to_owned());
            }
            return T::parse(if ticked { "on" } else { "false" }).ok();
        }
        Kind::NullBool => {
            return match null_boolean_value(raw) {
                Some(b) => T::parse(if b { "on" } else { "false" }).ok(),
                None if spec.required => fail(errors, messages::REQUIRED.to_owned()),
                None => T::empty(),
            };
        }
        _ => {}
    }
    let raw = raw.unwrap_or("");
    let text = if spec.strips() { raw.trim() } else { raw };
    if text.is_empty() {
        if spec.required {
            return fail(errors, messages::REQUIRED.to_owned());
        }
        return match T::empty() {
            Some(v) => Some(v),
            None => fail(errors, messages::REQUIRED.to_owned()),
        };
    }
    if let Some(choices) = &spec.choices
        && !choices.iter().any(|(v, _)| v == text)
    {
        return fail(errors, messages::invalid_choice(text));
    }
    let text = if spec.url && spec.kind == Kind::Text {
        assume_scheme(text)
    } else {
        Cow::Borrowed(text)
    };
    let value = match T::parse(&text) {
        Ok(v) => v,
        Err(message) => return fail(errors, message),
    };
    if spec.kind != Kind::Text {
        return Some(value);
    }
    // Every validator runs, and each failure is reported: Django's order
    // (the field's own validator, then the lengths, then NUL).
    let before = errors.get(spec.name).len();
    if spec.email && !is_valid_email(&text) {
        errors.add(spec.name, messages::EMAIL);
    }
    if spec.url && !is_valid_url(&text) {
        errors.add(spec.name, messages::URL);
    }
    let n = text.chars().count();
    if let Some(min) = spec.min_length
        && n < min as usize
    {
        errors.add(spec.name, messages::min_length(min, n));
    }
    if let Some(max) = spec.max_length
        && n > max as usize
    {
        errors.add(spec.name, messages::max_length(max, n));
    }
    if text.contains('\0') {
        errors.add(spec.name, messages::NULL_CHARACTERS);
    }
    (errors.get(spec.name).len() == before).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_ints() {
        assert_eq!(parse_python_int(" 42 "), Some(42));
        assert_eq!(parse_python_int("-5"), Some(-5));
        assert_eq!(parse_python_int("+5"), Some(5));
        assert_eq!(parse_python_int("5.000"), Some(5));
        assert_eq!(parse_python_int("5."), Some(5));
        assert_eq!(parse_python_int("1_000"), Some(1000));
        assert_eq!(parse_python_int("5.5"), None);
        assert_eq!(parse_python_int("1__0"), None);
        assert_eq!(parse_python_int("_1"), None);
        assert_eq!(parse_python_int(""), None);
        assert_eq!(parse_python_int("-"), None);
        assert_eq!(parse_python_int("0x10"), None);
        assert!(parse_python_int(&"9".repeat(100)).is_some());
    }

    #[test]
    fn ranges() {
        assert_eq!(i8::parse("127"), Ok(127));
        assert_eq!(
            i8::parse("128"),
            Err("Ensure this value is less than or equal to 127.".into())
        );
        assert_eq!(
            u8::parse("-1"),
            Err("Ensure this value is greater than or equal to 0.".into())
        );
        assert_eq!(
            i64::parse(&"9".repeat(50)),
            Err("Ensure this value is less than or equal to 9223372036854775807.".into())
        );
    }

    #[test]
    fn names() {
        assert_eq!(pretty_name("user_name"), "User name");
        assert_eq!(pretty_name("userName"), "Username");
        assert_eq!(capfirst("user name"), "User name");
        assert_eq!(assume_scheme("example.com/a"), "http://example.com/a");
        assert_eq!(assume_scheme("//example.com"), "http://example.com");
        assert_eq!(assume_scheme("https://x.org"), "https://x.org");
    }
}
