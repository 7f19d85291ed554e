//! HTML: each field's label, input and errors, and the whole form as
//! Django's `as_p`, `as_table` and `as_ul` draw it. Every text that comes
//! from outside the program (values, labels, choices, messages) is escaped
//! with [`html_escape`] as Django's `escape` does (`& < > " '`).

use std::borrow::Cow;
use std::fmt;
use std::fmt::Write as _;

use super::field::{FieldSpec, Kind, Widget, checkbox_value, null_boolean_value};

/// Appends `text`, escaped (Django's `escape`: `&`, `<`, `>`, `"`, `'`).
fn esc(out: &mut String, text: &str) {
    html_escape::encode_quoted_attribute_to_string(text, out);
}

/// One field of a bound form: its label, input and errors, to draw on its
/// own. Displays as its input (`{{ form.user_name }}` in a template).
#[derive(Debug, Clone)]
pub struct BoundField<'a> {
    spec: &'a FieldSpec,
    value: Option<Cow<'a, str>>,
    errors: &'a [String],
    choices: Option<&'a [(String, String)]>,
}

impl<'a> BoundField<'a> {
    pub(crate) fn new(
        spec: &'a FieldSpec,
        value: Option<Cow<'a, str>>,
        errors: &'a [String],
        choices: Option<&'a [(String, String)]>,
    ) -> Self {
        BoundField {
            spec,
            value,
            errors,
            choices,
        }
    }

    /// The field's description.
    pub fn spec(&self) -> &FieldSpec {
        self.spec
    }

    /// The input's `name`.
    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    /// The label's text.
    pub fn label(&self) -> &str {
        &self.spec.label
    }

    /// The value the input shows: the submitted text, or the initial value
    /// of an unbound form.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// The field's messages.
    pub fn errors(&self) -> &[String] {
        self.errors
    }

    /// Whether the input is hidden.
    pub fn is_hidden(&self) -> bool {
        self.spec.widget == Widget::Hidden
    }

    fn id_for_label(&self) -> String {
        match self.spec.widget {
            Widget::Radio => format!("id_{}_0", self.spec.name),
            _ => self.spec.id(),
        }
    }

    /// `<label for="id_name">Label:</label>` (a `:` unless the label ends
    /// with punctuation, as Django's `label_suffix`).
    pub fn label_tag(&self) -> String {
        let mut out = String::new();
        out.push_str("<label for=\"");
        esc(&mut out, &self.id_for_label());
        out.push_str("\">");
        esc(&mut out, &self.spec.label);
        if !self.spec.label.ends_with([':', '?', '.', '!']) {
            out.push(':');
        }
        out.push_str("</label>");
        out
    }

    /// `<ul class="errorlist"><li>..</li></ul>`, or nothing.
    pub fn errors_html(&self) -> String {
        error_list(self.errors, "errorlist")
    }

    /// `<span class="helptext" id="id_name_helptext">..</span>`, or nothing.
    pub fn help_text_html(&self) -> String {
        let Some(help) = &self.spec.help_text else {
            return String::new();
        };
        let mut out = String::from("<span class=\"helptext\" id=\"");
        esc(&mut out, &self.spec.id());
        out.push_str("_helptext\">");
        esc(&mut out, help);
        out.push_str("</span>");
        out
    }

    /// The choices a select or radio offers: `(value, label)`.
    fn options(&self) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
        let mut out: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::new();
        if self.spec.widget == Widget::NullBoolean {
            return vec![
                ("unknown".into(), "Unknown".into()),
                ("true".into(), "Yes".into()),
                ("false".into(), "No".into()),
            ];
        }
        if self.spec.blank_choice && self.spec.widget != Widget::Radio {
            out.push(("".into(), "---------".into()));
        }
        match self.choices.or(self.spec.choices.as_deref()) {
            Some(choices) => out.extend(
                choices
                    .iter()
                    .map(|(v, l)| (v.as_str().into(), l.as_str().into())),
            ),
            // A foreign key whose rows were not loaded: its current value.
            None => {
                if let Some(v) = self.value().filter(|v| !v.is_empty()) {
                    out.push((v.into(), v.into()));
                }
            }
        }
        out
    }

    /// The common attributes after `name` and `value`: lengths, `required`,
    /// the ARIA links, `id`.
    fn attrs(&self, out: &mut String, id: &str) {
        let spec = self.spec;
        let hidden = spec.widget == Widget::Hidden;
        if spec.kind == Kind::Text && !hidden && spec.choices.is_none() {
            if let Some(n) = spec.max_length {
                let _ = write!(out, " maxlength=\"{n}\"");
            }
            if let Some(n) = spec.min_length {
                let _ = write!(out, " minlength=\"{n}\"");
            }
        }
        if spec.kind == Kind::Float && spec.widget == Widget::Number {
            out.push_str(" step=\"any\"");
        }
        let required = spec.required
            && !hidden
            && match spec.widget {
                // Django's `Select.use_required_attribute`: only when the
                // first choice is the empty one.
                Widget::Select => spec.blank_choice,
                Widget::NullBoolean => false,
                _ => true,
            };
        if required {
            out.push_str(" required");
        }
        if !hidden {
            if spec.help_text.is_some() {
                out.push_str(" aria-describedby=\"");
                esc(out, &spec.id());
                out.push_str("_helptext\"");
            }
            if !self.errors.is_empty() {
                out.push_str(" aria-invalid=\"true\"");
            }
        }
        out.push_str(" id=\"");
        esc(out, id);
        out.push('"');
    }

    /// The input: `<input>`, `<textarea>` or `<select>`, with its name, id
    /// `id_<name>`, value, `required`, `maxlength`; every value escaped.
    pub fn widget_html(&self) -> String {
        let spec = self.spec;
        let mut out = String::new();
        let id = spec.id();
        let value = self.value();
        let input = |out: &mut String, kind: &str, value: Option<&str>| {
            let _ = write!(out, "<input type=\"{kind}\" name=\"");
            esc(out, spec.name);
            out.push('"');
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                out.push_str(" value=\"");
                esc(out, v);
                out.push('"');
            }
            self.attrs(out, &id);
            out.push('>');
        };
        match spec.widget {
            Widget::Text => input(&mut out, "text", value),
            Widget::Email => input(&mut out, "email", value),
            Widget::Url => input(&mut out, "url", value),
            Widget::Number => input(&mut out, "number", value),
            Widget::Date => input(&mut out, "date", value),
            Widget::DateTimeLocal => input(&mut out, "datetime-local", value),
            Widget::Hidden => input(&mut out, "hidden", value),
            // Django's `PasswordInput(render_value=False)`.
            Widget::Password => input(&mut out, "password", None),
            Widget::Checkbox => {
                out.push_str("<input type=\"checkbox\" name=\"");
                esc(&mut out, spec.name);
                out.push('"');
                self.attrs(&mut out, &id);
                if checkbox_value(value) {
                    out.push_str(" checked");
                }
                out.push('>');
            }
            Widget::Textarea => {
                out.push_str("<textarea name=\"");
                esc(&mut out, spec.name);
                out.push_str("\" cols=\"40\" rows=\"10\"");
                self.attrs(&mut out, &id);
                out.push_str(">\n");
                if let Some(v) = value {
                    esc(&mut out, v);
                }
                out.push_str("</textarea>");
            }
            Widget::Select | Widget::NullBoolean => {
                let current = if spec.widget == Widget::NullBoolean {
                    match null_boolean_value(value) {
                        Some(true) => "true",
                        Some(false) => "false",
                        None => "unknown",
                    }
                } else {
                    value.unwrap_or("")
                };
                out.push_str("<select name=\"");
                esc(&mut out, spec.name);
                out.push('"');
                self.attrs(&mut out, &id);
                out.push_str(">\n");
                for (v, l) in self.options() {
                    out.push_str("  <option value=\"");
                    esc(&mut out, &v);
                    out.push('"');
                    if v == current {
                        out.push_str(" selected");
                    }
                    out.push('>');
                    esc(&mut out, &l);
                    out.push_str("</option>\n");
                }
                out.push_str("</select>");
            }
            Widget::Radio => {
                out.push_str("<div id=\"");
                esc(&mut out, &id);
                out.push_str("\">\n");
                for (i, (v, l)) in self.options().into_iter().enumerate() {
                    let option_id = format!("{id}_{i}");
                    out.push_str("<div><label for=\"");
                    esc(&mut out, &option_id);
                    out.push_str("\"><input type=\"radio\" name=\"");
                    esc(&mut out, spec.name);
                    out.push_str("\" value=\"");
                    esc(&mut out, &v);
                    out.push('"');
                    self.attrs(&mut out, &option_id);
                    if value == Some(&*v) {
                        out.push_str(" checked");
                    }
                    out.push_str("> ");
                    esc(&mut out, &l);
                    out.push_str("</label></div>\n");
                }
                out.push_str("</div>");
            }
        }
        out
    }
}

impl fmt::Display for BoundField<'_> {
    /// The input, as [`widget_html`](BoundField::widget_html).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.widget_html())
    }
}

/// `<ul class="..."><li>..</li></ul>`, or nothing when there are no messages.
fn error_list(messages: &[String], class: &str) -> String {
    if messages.is_empty() {
        return String::new();
    }
    let mut out = format!("<ul class=\"{class}\">");
    for m in messages {
        out.push_str("<li>");
        esc(&mut out, m);
        out.push_str("</li>");
    }
    out.push_str("</ul>");
    out
}

/// How [`form`] lays the rows out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    P,
    Table,
    Ul,
}

/// The whole form, Django's `as_p`/`as_table`/`as_ul`: the form's own
/// errors (and those of hidden fields) first, then one row per visible
/// field, the hidden inputs at the end of the last row.
pub(crate) fn form<'a>(
    fields: impl Iterator<Item = BoundField<'a>>,
    non_field: &[String],
    style: Style,
) -> String {
    let mut top: Vec<String> = non_field.to_vec();
    let mut hidden = String::new();
    let mut rows: Vec<String> = Vec::new();
    for field in fields {
        if field.is_hidden() {
            for e in field.errors() {
                top.push(format!("(Hidden field {}) {e}", field.name()));
            }
            hidden.push_str(&field.widget_html());
            continue;
        }
        let errors = field.errors_html();
        let label = field.label_tag();
        let widget = field.widget_html();
        let help = field.help_text_html();
        rows.push(match style {
            Style::P => {
                let help = if help.is_empty() {
                    help
                } else {
                    format!(" {help}")
                };
                format!("{errors}<p>{label} {widget}{help}</p>")
            }
            Style::Table => {
                let help = if help.is_empty() {
                    help
                } else {
                    format!("<br>{help}")
                };
                format!("<tr><th>{label}</th><td>{errors}{widget}{help}</td></tr>")
            }
            Style::Ul => {
                let help = if help.is_empty() {
                    help
                } else {
                    format!(" {help}")
                };
                format!("<li>{errors}{label} {widget}{help}</li>")
            }
        });
    }
    let mut out = String::new();
    let top = error_list(&top, "errorlist nonfield");
    if !top.is_empty() {
        out.push_str(&match style {
            Style::P => top,
            Style::Table => format!("<tr><td colspan=\"2\">{top}</td></tr>"),
            Style::Ul => format!("<li>{top}</li>"),
        });
    }
    if !hidden.is_empty() {
        let ender = match style {
            Style::P => "</p>",
            Style::Table => "</td></tr>",
            Style::Ul => "</li>",
        };
        match rows.last_mut() {
            Some(last) if last.ends_with(ender) => {
                last.insert_str(last.len() - ender.len(), &hidden);
            }
            _ => rows.push(hidden),
        }
    }
    for row in rows {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&row);
    }
    out
}
