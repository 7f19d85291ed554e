//! Forms: `#[derive(Form)]` binding over every field kind with Django's
//! exact messages, rendering (escaped), the `clean` hook, and
//! `#[derive(ModelForm)]` saving on every backend (unique, foreign keys,
//! `bind_instance`).

mod common;

use chrono::{NaiveDate, NaiveDateTime};
use common::*;
use query::forms::{BoundForm, NON_FIELD_ERRORS};
use query::prelude::*;

/// API.md's `ContactForm`, as written there.
#[derive(Form)]
pub struct ContactForm {
    #[form(label = "Your name", max_length = 50, initial = "Li Daren")]
    pub user_name: String,
    #[form(label = "City", choices = [("TP", "Taipei"), ("TY", "Taoyuan"), ("NA", "Others")])]
    pub user_city: String,
    #[form(label = "At school")]
    pub user_school: bool, // a checkbox: absent means false
    #[form(label = "Email", email)]
    pub user_email: String,
    #[form(label = "Message", widget = "textarea")]
    pub user_message: Option<String>, // Option = not required
}

/// One field of each kind.
#[derive(Form, Debug)]
pub struct Kinds {
    pub count: i32,
    pub small: Option<i8>,
    pub ratio: f64,
    pub when: NaiveDate,
    pub at: Option<NaiveDateTime>,
    #[form(url)]
    pub site: Option<String>,
    #[form(min_length = 2, max_length = 5, help_text = "2 to 5 <letters>")]
    pub code: String,
    #[form(required = false)]
    pub note: String,
    pub maybe: Option<bool>,
    #[form(required = true)]
    pub agree: bool,
    #[form(widget = "hidden")]
    pub token: Option<String>,
    #[form(widget = "password")]
    pub secret: Option<String>,
}

fn errors_of<F: Form>(form: &BoundForm<F>) -> Vec<(String, Vec<String>)> {
    form.errors()
        .iter()
        .map(|(f, m)| (f.to_owned(), m.to_vec()))
        .collect()
}

#[test]
fn api_md_example() -> Result<()> {
    let form = ContactForm::bind("user_name=Li&user_city=TP&user_email=li%40example.com")?;
    assert!(form.is_valid(), "{:?}", form.errors());
    let data: ContactForm = form.cleaned_data()?;
    assert_eq!(data.user_name, "Li");
    assert_eq!(data.user_city, "TP");
    assert!(!data.user_school);
    assert_eq!(data.user_email, "li@example.com");
    assert_eq!(data.user_message, None);

    let form = ContactForm::bind_pairs([("user_name", "Li"), ("user_city", "XX")]);
    assert!(!form.is_valid());
    assert_eq!(
        errors_of(&form),
        [
            (
                "user_city".to_owned(),
                vec!["Select a valid choice. XX is not one of the available choices.".to_owned()]
            ),
            (
                "user_email".to_owned(),
                vec!["This field is required.".to_owned()]
            ),
        ]
    );
    match form.cleaned_data() {
        Err(Error::Validation(errors)) => {
            assert_eq!(
                errors.fields().collect::<Vec<_>>(),
                ["user_city", "user_email"]
            )
        }
        other => panic!("expected a validation error, got {:?}", other.err()),
    }
    let html: String = form.as_p();
    assert!(html.contains("<label for=\"id_user_name\">Your name:</label>"));
    Ok(())
}

#[test]
fn every_bad_field_reported_at_once_with_djangos_words() -> Result<()> {
    let long = "x".repeat(51);
    let body = format!(
        "user_name={long}&user_city=XX&user_email=nope&count=1.5&small=300&ratio=abc&when=2024-13-01&at=yesterday&site=http://&code=a&maybe=x"
    );
    let form = ContactForm::bind(&body)?;
    assert_eq!(
        errors_of(&form),
        [
            (
                "user_name".to_owned(),
                vec!["Ensure this value has at most 50 characters (it has 51).".to_owned()]
            ),
            (
                "user_city".to_owned(),
                vec!["Select a valid choice. XX is not one of the available choices.".to_owned()]
            ),
            (
                "user_email".to_owned(),
                vec!["Enter a valid email address.".to_owned()]
            ),
        ]
    );
    let form = Kinds::bind(&body)?;
    let e = form.errors();
    assert_eq!(e.get("count"), ["Enter a whole number."]);
    assert_eq!(
        e.get("small"),
        ["Ensure this value is less than or equal to 127."]
    );
    assert_eq!(e.get("ratio"), ["Enter a number."]);
    assert_eq!(e.get("when"), ["Enter a valid date."]);
    assert_eq!(e.get("at"), ["Enter a valid date/time."]);
    assert_eq!(e.get("site"), ["Enter a valid URL."]);
    assert_eq!(
        e.get("code"),
        ["Ensure this value has at least 2 characters (it has 1)."]
    );
    assert_eq!(e.get("agree"), ["This field is required."]);
    // Option<bool>: "x" is unknown, which is fine.
    assert!(!e.has("maybe"));
    assert!(!e.has("note"));
    assert_eq!(
        e.fields().collect::<Vec<_>>(),
        [
            "count", "small", "ratio", "when", "at", "site", "code", "agree"
        ]
    );
    Ok(())
}

fn kinds(body: &str) -> BoundForm<Kinds> {
    Kinds::bind(&format!(
        "count=1&ratio=1&when=2024-01-02&code=ab&agree=on&{body}"
    ))
    .unwrap()
}

#[test]
fn missing_empty_and_whitespace() -> Result<()> {
    // Missing, empty and whitespace-only text: required.
    for body in ["", "user_name=", "user_name=+++", "user_name=%20%09"] {
        let form = ContactForm::bind(&format!("{body}&user_city=TP&user_email=a%40b.co"))?;
        assert_eq!(
            form.errors().get("user_name"),
            ["This field is required."],
            "{body}"
        );
    }
    // Every required kind, missing.
    let form = Kinds::bind("")?;
    for f in ["count", "ratio", "when", "code", "agree"] {
        assert_eq!(form.errors().get(f), ["This field is required."], "{f}");
    }
    for f in ["small", "at", "site", "note", "maybe", "token", "secret"] {
        assert!(!form.errors().has(f), "{f}");
    }
    // Django's number and date fields don't strip before their empty check:
    // whitespace alone is not a number.
    let form = kinds("count=+&ratio=%20&when=%20");
    assert_eq!(form.errors().get("count"), ["Enter a whole number."]);
    assert_eq!(form.errors().get("ratio"), ["Enter a number."]);
    assert_eq!(form.errors().get("when"), ["Enter a valid date."]);
    // Empty optional values are None / "".
    let data = kinds("small=&at=&site=&note=++&maybe=").into_cleaned_data()?;
    assert_eq!(
        (
            data.small,
            data.at,
            data.site,
            data.note.as_str(),
            data.maybe
        ),
        (None, None, None, "", None)
    );
    Ok(())
}

#[test]
fn stripping_escapes_plus_unicode_and_repeats() -> Result<()> {
    let form = ContactForm::bind(
        "user_name=+%E6%9D%8E%E5%A4%A7%E4%BB%81+&user_city=TP&user_city=NA&user_email=%20li%40example.com%20&user_message=50%25+off%21+%26+more",
    )?;
    let data = form.cleaned_data()?;
    assert_eq!(data.user_name, "李大仁");
    assert_eq!(data.user_city, "NA", "the last of a repeated key wins");
    assert_eq!(data.user_email, "li@example.com");
    assert_eq!(data.user_message.as_deref(), Some("50% off! & more"));

    // Unicode counts in characters, as Django.
    let form = ContactForm::bind_pairs([
        ("user_name", "é".repeat(50).as_str()),
        ("user_city", "TP"),
        ("user_email", "a@b.co"),
    ]);
    assert!(form.is_valid(), "{:?}", form.errors());
    let form = ContactForm::bind_pairs([
        ("user_name", "é".repeat(51).as_str()),
        ("user_city", "TP"),
        ("user_email", "a@b.co"),
    ]);
    assert_eq!(
        form.errors().get("user_name"),
        ["Ensure this value has at most 50 characters (it has 51)."]
    );
    // A bad %-escape is kept as it is; bytes that are not UTF-8 become U+FFFD.
    let form = ContactForm::bind("user_name=100%&user_city=TP&user_email=a%40b.co")?;
    assert_eq!(form.cleaned_data()?.user_name, "100%");
    let form = ContactForm::bind("user_name=%FF&user_city=TP&user_email=a%40b.co")?;
    assert_eq!(form.cleaned_data()?.user_name, "\u{FFFD}");
    // Choices are not stripped (Django's ChoiceField).
    let form = ContactForm::bind("user_name=a&user_city=+TP&user_email=a%40b.co")?;
    assert_eq!(
        form.errors().get("user_city"),
        ["Select a valid choice.  TP is not one of the available choices."]
    );
    // A NUL character.
    let form = ContactForm::bind("user_name=a%00b&user_city=TP&user_email=a%40b.co")?;
    assert_eq!(
        form.errors().get("user_name"),
        ["Null characters are not allowed."]
    );
    // Unknown keys are ignored; more than 1000 keys is an error.
    assert!(ContactForm::bind("zzz=1")?.errors().has("user_name"));
    let many = vec!["a=1"; 1001].join("&");
    assert!(matches!(
        ContactForm::bind(&many),
        Err(Error::Validation(_))
    ));
    Ok(())
}

#[test]
fn numbers_and_dates_parse_as_django() -> Result<()> {
    let data = kinds("count=+42+&small=-5.000&ratio=1e3").into_cleaned_data()?;
    assert_eq!((data.count, data.small, data.ratio), (42, Some(-5), 1000.0));
    let form = kinds("count=2147483648&small=-129&ratio=inf");
    assert_eq!(
        form.errors().get("count"),
        ["Ensure this value is less than or equal to 2147483647."]
    );
    assert_eq!(
        form.errors().get("small"),
        ["Ensure this value is greater than or equal to -128."]
    );
    assert_eq!(form.errors().get("ratio"), ["Enter a number."]);
    for (text, day) in [
        ("2024-03-05", (2024, 3, 5)),
        ("03/05/2024", (2024, 3, 5)),
        ("03/05/24", (2024, 3, 5)),
        ("Mar 5 2024", (2024, 3, 5)),
        ("5 March, 2024", (2024, 3, 5)),
    ] {
        let data = kinds(&format!("when={}", text.replace(' ', "+"))).into_cleaned_data()?;
        assert_eq!(data.when, date(day.0, day.1, day.2), "{text}");
    }
    for (text, at) in [
        ("2024-03-05 10:20:30", datetime(2024, 3, 5, 10, 20, 30)),
        ("2024-03-05T10:20", datetime(2024, 3, 5, 10, 20, 0)),
        ("2024-03-05T10:20:30+02:00", datetime(2024, 3, 5, 8, 20, 30)),
        ("2024-03-05", datetime(2024, 3, 5, 0, 0, 0)),
        ("03/05/2024 10:20", datetime(2024, 3, 5, 10, 20, 0)),
    ] {
        let body = format!(
            "at={}",
            text.replace('+', "%2B")
                .replace(' ', "+")
                .replace(':', "%3A")
        );
        let data = kinds(&body).into_cleaned_data()?;
        assert_eq!(data.at, Some(at), "{text}");
    }
    // A URL without a scheme gets http:// (Django's URLField).
    let data = kinds("site=example.com%2Fa").into_cleaned_data()?;
    assert_eq!(data.site.as_deref(), Some("http://example.com/a"));
    Ok(())
}

#[test]
fn checkbox_semantics() -> Result<()> {
    let school = |body: &str| {
        ContactForm::bind(&format!(
            "user_name=a&user_city=TP&user_email=a%40b.co&{body}"
        ))
        .unwrap()
        .cleaned_data()
        .unwrap()
        .user_school
    };
    assert!(!school(""), "absent is false");
    assert!(!school("user_school="), "empty is false");
    assert!(!school("user_school=false"));
    assert!(!school("user_school=False"));
    assert!(school("user_school=on"));
    assert!(school("user_school=true"));
    assert!(
        school("user_school=0"),
        "Django's CheckboxInput: \"0\" is ticked"
    );
    assert!(!school("user_school=on&user_school=false"), "last wins");
    // A required checkbox must be ticked.
    assert_eq!(
        kinds("agree=false").errors().get("agree"),
        ["This field is required."]
    );
    // Option<bool> is Django's NullBooleanField.
    let maybe = |v: &str| {
        kinds(&format!("maybe={v}"))
            .into_cleaned_data()
            .unwrap()
            .maybe
    };
    assert_eq!(maybe("true"), Some(true));
    assert_eq!(maybe("2"), Some(true));
    assert_eq!(maybe("False"), Some(false));
    assert_eq!(maybe("3"), Some(false));
    assert_eq!(maybe("unknown"), None);
    Ok(())
}

#[test]
fn lengths_and_plurals() {
    #[derive(Form)]
    struct One {
        #[form(max_length = 1)]
        a: String,
        #[form(min_length = 1, required = false)]
        b: String,
    }
    let form = One::bind_pairs([("a", "xy")]);
    assert_eq!(
        form.errors().get("a"),
        ["Ensure this value has at most 1 character (it has 2)."]
    );
    let form = One::bind_pairs([("a", "x"), ("b", "")]);
    assert!(form.is_valid());
    // An email longer than 320 characters: both of Django's messages.
    #[derive(Form)]
    struct Mail {
        #[form(email)]
        to: String,
    }
    let long = format!("{}@example.com", "a".repeat(320));
    let form = Mail::bind_pairs([("to", long.as_str())]);
    assert_eq!(
        form.errors().get("to"),
        [
            "Enter a valid email address.".to_owned(),
            format!(
                "Ensure this value has at most 320 characters (it has {}).",
                long.len()
            )
        ]
    );
}

#[test]
fn rendering() -> Result<()> {
    let form = ContactForm::unbound();
    assert!(!form.is_bound() && !form.is_valid() && form.errors().is_empty());
    let html = form.as_p();
    assert_eq!(
        html.lines().next().unwrap(),
        r#"<p><label for="id_user_name">Your name:</label> <input type="text" name="user_name" value="Li Daren" maxlength="50" required id="id_user_name"></p>"#
    );
    assert!(
        html.contains(r#"<select name="user_city" id="id_user_city">"#),
        "{html}"
    );
    assert!(html.contains(r#"<option value="TP">Taipei</option>"#));
    assert!(html.contains(r#"<input type="checkbox" name="user_school" id="id_user_school">"#));
    assert!(html.contains(
        r#"<input type="email" name="user_email" maxlength="320" required id="id_user_email">"#
    ));
    assert!(html.contains(
        "<textarea name=\"user_message\" cols=\"40\" rows=\"10\" id=\"id_user_message\">\n</textarea>"
    ));

    let form = ContactForm::bind(
        "user_name=%3Cscript%3Ealert(%22x%22)%3C%2Fscript%3E&user_city=TY&user_school=on&user_email=%27bad&user_message=%3Cb%3E",
    )?;
    for html in [form.as_p(), form.as_table(), form.as_ul()] {
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("value=\"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\""));
        assert!(html.contains("value=\"&#x27;bad\""));
        assert!(html.contains("&lt;b&gt;</textarea>"));
        assert!(html.contains("<option value=\"TY\" selected>Taoyuan</option>"));
        assert!(html.contains("id=\"id_user_school\" checked>"));
        assert!(
            html.contains("<ul class=\"errorlist\"><li>Enter a valid email address.</li></ul>")
        );
        assert!(html.contains("aria-invalid=\"true\" id=\"id_user_email\""));
    }
    assert!(form.as_p().contains(
        "<ul class=\"errorlist\"><li>Enter a valid email address.</li></ul><p><label for=\"id_user_email\">Email:</label>"
    ));
    assert!(form.as_table().contains(
        "<tr><th><label for=\"id_user_email\">Email:</label></th><td><ul class=\"errorlist\"><li>Enter a valid email address.</li></ul><input"
    ));
    assert!(form.as_ul().contains(
        "<li><ul class=\"errorlist\"><li>Enter a valid email address.</li></ul><label for=\"id_user_email\">Email:</label> <input"
    ));

    // One field on its own.
    let field = form.field("user_name").unwrap();
    assert_eq!(
        field.label_tag(),
        "<label for=\"id_user_name\">Your name:</label>"
    );
    assert!(
        field
            .to_string()
            .starts_with("<input type=\"text\" name=\"user_name\"")
    );
    assert!(form.field("nope").is_none());

    // Help text, hidden and password inputs, and a hidden field's error.
    let form = Kinds::bind("token=%3Ci%3E&secret=s3cr3t&count=x")?;
    let html = form.as_p();
    assert!(html.contains(
        "<span class=\"helptext\" id=\"id_code_helptext\">2 to 5 &lt;letters&gt;</span>"
    ));
    assert!(html.contains("aria-describedby=\"id_code_helptext\""));
    assert!(html.contains("<input type=\"password\" name=\"secret\" id=\"id_secret\">"));
    assert!(
        html.ends_with(
            "<input type=\"hidden\" name=\"token\" value=\"&lt;i&gt;\" id=\"id_token\"></p>"
        ),
        "{html}"
    );
    assert!(html.contains("<select name=\"maybe\" id=\"id_maybe\">\n  <option value=\"unknown\" selected>Unknown</option>"));
    assert!(html.contains("<input type=\"number\" name=\"ratio\" step=\"any\" required"));
    Ok(())
}

#[derive(Form, Debug)]
#[form(clean)]
pub struct Signup {
    #[form(max_length = 20)]
    pub username: String,
    #[form(widget = "password")]
    pub password: String,
    #[form(widget = "password")]
    pub again: String,
}

impl FormClean for Signup {
    fn clean(&mut self, errors: &mut FormErrors) {
        if self.password != self.again {
            errors.add_non_field("The two passwords differ.");
        }
        if self.username.eq_ignore_ascii_case("admin") {
            errors.add("username", "This name is taken.");
        }
        self.username = self.username.to_lowercase();
    }
}

#[test]
fn clean_hook() -> Result<()> {
    let form = Signup::bind("username=Admin&password=a&again=b")?;
    assert!(!form.is_valid());
    assert_eq!(form.non_field_errors(), ["The two passwords differ."]);
    assert_eq!(
        form.errors().get(NON_FIELD_ERRORS),
        ["The two passwords differ."]
    );
    assert_eq!(form.errors().get("username"), ["This name is taken."]);
    assert!(form.as_ul().starts_with(
        "<li><ul class=\"errorlist nonfield\"><li>The two passwords differ.</li></ul></li>"
    ));
    // The hook may change the values.
    let data = Signup::bind("username=Li&password=a&again=a")?.cleaned_data()?;
    assert_eq!(data.username, "li");
    // It does not run while a field is invalid.
    let form = Signup::bind("username=admin&password=a")?;
    assert_eq!(
        form.errors().fields().collect::<Vec<_>>(),
        ["again"],
        "{:?}",
        form.errors()
    );
    Ok(())
}

#[test]
fn never_panics_on_odd_input() {
    for body in [
        "&&&",
        "=",
        "==&=",
        "%",
        "%%%",
        "%zz",
        "a=%E6%9D",
        "user_name",
        "\u{0}=\u{0}",
        "count=99999999999999999999999999999999999999999999&ratio=1e999&when=9999999-1-1",
        "at=2024-02-30T25:61&small=--1&site=http://[::1&maybe=%00",
    ] {
        let a = Kinds::bind(body).unwrap();
        let _ = (a.as_p(), a.as_table(), a.as_ul(), a.cleaned_data().is_ok());
        let b = ContactForm::bind(body).unwrap();
        let _ = (b.as_p(), b.errors().to_string());
    }
}

// ---------------------------------------------------------------- ModelForm

#[derive(Model, Debug, Clone, PartialEq, Default)]
pub struct Author {
    pub id: i64,
    #[field(max_length = 30)]
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Post {
    pub id: i64,
    #[field(max_length = 10, choices = ["happy", "sad", "angry"])]
    pub mood: String,
    #[field(max_length = 10, unique)]
    pub nickname: String,
    pub message: String,
    #[field(email)]
    pub user_email: Option<String>,
    pub rating: Option<i32>,
    pub enabled: bool,
    #[field(on_delete = Cascade)]
    pub author: ForeignKey<Author>,
    #[field(auto_now_add)]
    pub created: NaiveDateTime,
}

impl Default for Post {
    fn default() -> Self {
        Post {
            id: 0,
            mood: "happy".into(),
            nickname: String::new(),
            message: String::new(),
            user_email: None,
            rating: None,
            enabled: true,
            author: ForeignKey::new(0),
            created: NaiveDateTime::default(),
        }
    }
}

#[derive(ModelForm)]
#[form(model = Post, fields = ["mood", "nickname", "message", "user_email", "rating", "enabled", "author"])]
pub struct PostForm;

#[derive(ModelForm)]
#[form(model = Post, fields = ["nickname", "message"], labels = [("nickname", "Your nickname")], widgets = [("message", "text")])]
pub struct ShortPostForm;

fn setup(db: &Db) -> Result<Author> {
    db.create_table::<Author>()?;
    db.create_table::<Post>()?;
    Author::objects().create(
        db,
        Author {
            id: 0,
            name: "Li".into(),
        },
    )
}

#[test]
fn model_form_fields_come_from_the_model() -> Result<()> {
    let form = PostForm::bind("")?;
    let e = form.errors();
    assert_eq!(e.get("mood"), ["This field is required."]);
    assert_eq!(e.get("nickname"), ["This field is required."]);
    assert_eq!(e.get("message"), ["This field is required."]);
    assert_eq!(e.get("author"), ["This field is required."]);
    assert!(!e.has("user_email") && !e.has("rating") && !e.has("enabled"));

    let form = PostForm::bind(
        "mood=glad&nickname=abcdefghijk&message=hi&user_email=x&rating=1.5&author=abc",
    )?;
    let e = form.errors();
    assert_eq!(
        e.get("mood"),
        ["Select a valid choice. glad is not one of the available choices."]
    );
    assert_eq!(
        e.get("nickname"),
        ["Ensure this value has at most 10 characters (it has 11)."]
    );
    assert_eq!(e.get("user_email"), ["Enter a valid email address."]);
    assert_eq!(e.get("rating"), ["Enter a whole number."]);
    assert_eq!(
        e.get("author"),
        ["Select a valid choice. That choice is not one of the available choices."]
    );

    // Labels are Django's verbose names; the widgets follow the model.
    let html = PostForm::unbound().as_p();
    assert!(html.contains("<label for=\"id_user_email\">User email:</label> <input type=\"email\" name=\"user_email\" maxlength=\"254\" id=\"id_user_email\">"), "{html}");
    assert!(html.contains("<label for=\"id_nickname\">Nickname:</label> <input type=\"text\" name=\"nickname\" maxlength=\"10\" required id=\"id_nickname\">"));
    assert!(html.contains(
        "<textarea name=\"message\" cols=\"40\" rows=\"10\" required id=\"id_message\">"
    ));
    assert!(html.contains("<select name=\"mood\" required id=\"id_mood\">\n  <option value=\"\" selected>---------</option>\n  <option value=\"happy\">happy</option>"), "{html}");
    assert!(html.contains("<select name=\"author\" required id=\"id_author\">"));
    let html = ShortPostForm::unbound().as_p();
    assert!(html.contains("<label for=\"id_nickname\">Your nickname:</label>"));
    assert!(html.contains("<input type=\"text\" name=\"message\" required id=\"id_message\">"));
    Ok(())
}

#[test]
fn model_form_saves_updates_and_checks_the_database() -> Result<()> {
    each_empty_db(|db| {
        let li = setup(db)?;
        let body = format!(
            "mood=sad&nickname=lili&message=Hello+%3Cworld%3E&user_email=li%40example.com&enabled=on&author={}",
            li.id
        );
        let mut form = PostForm::bind(&body)?;
        assert!(form.is_valid(), "{:?}", form.errors());
        let post: Post = form.save(db)?;
        assert!(post.id > 0);
        assert_eq!(post.mood, "sad");
        assert_eq!(post.message, "Hello <world>");
        assert_eq!(post.user_email.as_deref(), Some("li@example.com"));
        assert_eq!(post.author.id(), li.id);
        assert!(post.enabled);
        assert_eq!(Post::objects().get(db)?, post);

        // Unique, checked against the database: nothing written.
        let mut again = PostForm::bind(&body)?;
        assert!(again.is_valid());
        match again.save(db) {
            Err(Error::Validation(errors)) => assert_eq!(
                errors.get("nickname").unwrap().messages,
                ["Post with this Nickname already exists."]
            ),
            other => panic!("expected a validation error, got {other:?}"),
        }
        assert_eq!(
            again.errors().get("nickname"),
            ["Post with this Nickname already exists."]
        );
        assert!(
            again
                .as_p()
                .contains("Post with this Nickname already exists.")
        );
        assert_eq!(Post::objects().count(db)?, 1);

        // A foreign key that names no row.
        let mut orphan = PostForm::bind("mood=sad&nickname=x&message=m&author=999")?;
        assert!(orphan.is_valid());
        assert!(!orphan.validate(db)?);
        assert_eq!(
            orphan.errors().get("author"),
            ["Select a valid choice. That choice is not one of the available choices."]
        );
        assert!(orphan.save(db).is_err());
        assert_eq!(Post::objects().count(db)?, 1);

        // Invalid: nothing written, Err(Validation).
        let mut bad = PostForm::bind("mood=sad")?;
        assert!(matches!(bad.save(db), Err(Error::Validation(_))));
        assert_eq!(Post::objects().count(db)?, 1);

        // bind_instance then save: UPDATE (its own nickname is no clash).
        let unbound = PostForm::for_instance(&post);
        assert!(unbound.as_p().contains("value=\"lili\""));
        assert!(
            unbound
                .as_p()
                .contains("<option value=\"sad\" selected>sad</option>")
        );
        let mut edit = PostForm::bind_instance(
            &post,
            &format!("mood=angry&nickname=lili&message=Bye&author={}", li.id),
        )?;
        let edited = edit.save(db)?;
        assert_eq!(edited.id, post.id);
        assert_eq!(edited.mood, "angry");
        assert!(!edited.enabled, "an unticked checkbox is false");
        assert_eq!(edited.user_email, None);
        assert_eq!(edited.created, post.created);
        assert_eq!(Post::objects().count(db)?, 1);
        assert_eq!(Post::objects().get(db)?.message, "Bye");

        // A second row may not take the first one's nickname on update either.
        let mut other = PostForm::bind(&format!(
            "mood=sad&nickname=other&message=m&author={}",
            li.id
        ))?;
        let other = other.save(db)?;
        let mut clash = PostForm::bind_instance(
            &other,
            &format!("mood=sad&nickname=lili&message=m&author={}", li.id),
        )?;
        assert!(!clash.validate(db)?);
        assert_eq!(
            clash.errors().get("nickname"),
            ["Post with this Nickname already exists."]
        );

        // The author select offers the rows once loaded.
        let mut form = PostForm::for_instance(&post);
        form.load_choices(db)?;
        let html = form.as_p();
        assert!(
            html.contains(&format!(
                "<option value=\"{0}\" selected>{0}</option>",
                li.id
            )),
            "{html}"
        );
        Ok(())
    })
}

/// The derives' code names everything in full: a user's `Result`,
/// `Option`, `Some`, `Vec` and `String` don't break it.
mod hygiene {
    #![allow(dead_code)]
    struct Result;
    struct Option;
    struct Some;
    struct Vec;
    struct String;

    #[derive(query::Form)]
    pub struct Shadowed {
        #[form(max_length = 5)]
        pub name: std::string::String,
        pub n: core::option::Option<i64>,
    }

    #[derive(query::ModelForm)]
    #[form(model = super::Post, fields = ["nickname"])]
    pub struct ShadowedPostForm;

    #[test]
    fn derives_with_shadowed_names() {
        use query::forms::{Form, ModelForm};
        assert!(Shadowed::bind_pairs([("name", "ab")]).is_valid());
        assert!(ShadowedPostForm::bind_pairs([("nickname", "ab")]).is_valid());
    }
}
