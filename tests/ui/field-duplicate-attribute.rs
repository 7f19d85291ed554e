use query::prelude::*;

#[derive(Model)]
pub struct Product {
    pub id: i64,
    #[field(max_length = 50, max_length = 80)]
    pub name: String,
}

fn main() {}
