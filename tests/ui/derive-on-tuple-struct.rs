use query::prelude::*;

#[derive(Model)]
pub struct Product(i64, String);

fn main() {}
