//! Forms, as a web handler uses them: bind what the user posted, show the
//! errors, then save a model through a `ModelForm`.
//!
//! `cargo run --example contact`

use query::prelude::*;

/// Django's `ContactForm`, field for field.
#[derive(Form)]
pub struct ContactForm {
    #[form(label = "Your name", max_length = 50, initial = "Li Daren")]
    pub user_name: String,
    #[form(label = "City", choices = [("TP", "Taipei"), ("TY", "Taoyuan"), ("NA", "Others")])]
    pub user_city: String,
    #[form(label = "At school")]
    pub user_school: bool,
    #[form(label = "Email", email)]
    pub user_email: String,
    #[form(label = "Message", widget = "textarea")]
    pub user_message: Option<String>,
}

#[derive(Model, Debug, Clone, Default)]
pub struct Post {
    pub id: i64,
    #[field(max_length = 10, choices = ["happy", "sad", "angry"])]
    pub mood: String,
    #[field(max_length = 20, unique)]
    pub nickname: String,
    pub message: String,
    #[field(auto_now_add)]
    pub created: chrono::NaiveDateTime,
}

#[derive(ModelForm)]
#[form(model = Post, fields = ["mood", "nickname", "message"])]
pub struct PostForm;

fn main() -> query::Result<()> {
    // A body as a browser posts it: every field is checked, not just the first bad one.
    let form = ContactForm::bind("user_name=Li&user_city=XX&user_email=li%40example")?;
    println!("valid: {}", form.is_valid());
    for (field, messages) in form.errors().iter() {
        println!("  {field}: {}", messages.join(" "));
    }
    println!("{}\n", form.as_p());

    let form = ContactForm::bind(
        "user_name=+Li+Daren+&user_city=TP&user_school=on&user_email=li%40example.com",
    )?;
    let data: ContactForm = form.cleaned_data()?;
    println!(
        "cleaned: {:?} from {} (at school: {})\n",
        data.user_name, data.user_city, data.user_school
    );

    let db = Db::open_in_memory()?;
    db.create_table::<Post>()?;
    let mut form = PostForm::bind("mood=happy&nickname=lili&message=Hello%21")?;
    let post: Post = form.save(&db)?;
    println!("saved: {post:?}");

    // The same nickname again: the database says it is taken; nothing written.
    let mut form = PostForm::bind("mood=sad&nickname=lili&message=Again")?;
    match form.save(&db) {
        Err(Error::Validation(errors)) => println!("not saved: {errors}"),
        other => println!("unexpected: {other:?}"),
    }

    // Edit the saved row: an UPDATE.
    let mut form = PostForm::bind_instance(&post, "mood=sad&nickname=lili&message=Edited")?;
    let post = form.save(&db)?;
    println!("updated: {post:?} ({} row)", Post::objects().count(&db)?);
    Ok(())
}
