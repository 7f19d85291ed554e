use query::prelude::*;

#[derive(Model)]
pub struct Product {
    pub name: String,
    pub price: i64,
}

fn main() {}
