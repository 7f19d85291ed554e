use query::prelude::*;

#[derive(Model)]
pub struct Product {
    pub id: i64,
    #[field(max_length = 0)]
    pub name: String,
}

fn main() {}
