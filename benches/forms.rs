//! `forms`: binding and validating a 10-field form (issue 12): parsing an
//! urlencoded body, cleaning every field (text, email, URL, choices,
//! integers, a float, a date, a checkbox) and building the typed struct;
//! then the same form with every field bad (ten messages), and drawing it
//! with `as_p`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use query::prelude::*;

#[derive(Form)]
pub struct Signup {
    #[form(max_length = 50)]
    pub name: String,
    #[form(email)]
    pub email: String,
    #[form(url)]
    pub homepage: Option<String>,
    #[form(choices = [("TP", "Taipei"), ("TY", "Taoyuan"), ("NA", "Others")])]
    pub city: String,
    pub age: i32,
    pub height: f64,
    pub born: chrono::NaiveDate,
    pub newsletter: bool,
    #[form(widget = "textarea", max_length = 500)]
    pub bio: Option<String>,
    #[form(min_length = 8, widget = "password")]
    pub password: String,
}

const GOOD: &str = "name=Li+Daren&email=li%40example.com&homepage=https%3A%2F%2Fexample.com%2Fli&city=TP&age=31&height=172.5&born=1993-04-05&newsletter=on&bio=Hello%2C+I+write+Rust+and+Python.&password=correct+horse";
const BAD: &str =
    "name=&email=li&homepage=nope&city=XX&age=x&height=tall&born=1993-13-05&bio=&password=short";

fn bench_forms(c: &mut Criterion) {
    assert!(Signup::bind(GOOD).unwrap().is_valid());
    assert_eq!(Signup::bind(BAD).unwrap().errors().len(), 8);
    let mut g = c.benchmark_group("forms");
    g.bench_function("bind_valid_10_fields", |b| {
        b.iter(|| {
            let form = Signup::bind(black_box(GOOD)).unwrap();
            black_box(form.into_cleaned_data().unwrap())
        })
    });
    g.bench_function("bind_invalid_10_fields", |b| {
        b.iter(|| {
            let form = Signup::bind(black_box(BAD)).unwrap();
            black_box(form.errors().len())
        })
    });
    let form = Signup::bind(BAD).unwrap();
    g.bench_function("as_p_10_fields", |b| b.iter(|| black_box(form.as_p())));
    g.finish();
}

criterion_group!(benches, bench_forms);
criterion_main!(benches);
