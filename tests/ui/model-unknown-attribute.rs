use query::prelude::*;

#[derive(Model)]
#[model(db_table = "products")]
pub struct Product {
    pub id: i64,
    pub name: String,
}

fn main() {}
