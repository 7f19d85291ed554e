use query::prelude::*;

#[derive(Model)]
pub struct Product {
    pub id: i64,
    #[field(max_len = 50)]
    pub name: String,
}

fn main() {}
