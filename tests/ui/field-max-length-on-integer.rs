use query::prelude::*;

#[derive(Model)]
pub struct Product {
    pub id: i64,
    #[field(max_length = 50)]
    pub price: i64,
}

fn main() {}
