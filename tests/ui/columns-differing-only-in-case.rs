use query::prelude::*;

#[derive(Model)]
pub struct Product {
    pub id: i64,
    pub name: String,
    #[field(column = "NAME")]
    pub title: String,
}

fn main() {}
